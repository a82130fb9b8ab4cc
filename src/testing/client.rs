//! A small blocking HTTP/1.1 client over `std::net`, for byte-exact tests.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Duration;

use crate::http::HttpHeaders;

/// How long a test read may block before it counts as a failure (the server is wedged).
pub const READ_TIMEOUT: Duration = Duration::from_secs(20);

/// A request for [`TestServer::fetch_with`](super::TestServer::fetch_with).
#[derive(Debug, Clone)]
pub struct TestRequest {
    /// Method. Default: `GET`.
    pub method: String,
    /// Request target, e.g. `/path?x=1`.
    pub path: String,
    /// Extra headers (`Host` and `Content-Length` are added when missing).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl TestRequest {
    /// A `GET` of `path`.
    pub fn get(path: &str) -> Self {
        Self::new("GET", path)
    }

    /// A request with the given method.
    pub fn new(method: &str, path: &str) -> Self {
        TestRequest {
            method: method.to_owned(),
            path: path.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The request as bytes on the wire.
    pub fn to_bytes(&self, host: &str) -> Vec<u8> {
        let mut out = format!("{} {} HTTP/1.1\r\n", self.method, self.path).into_bytes();
        let has = |n: &str| self.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(n));
        if !has("Host") {
            out.extend_from_slice(format!("Host: {host}\r\n").as_bytes());
        }
        for (k, v) in &self.headers {
            out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        if !self.body.is_empty() && !has("Content-Length") && !has("Transfer-Encoding") {
            out.extend_from_slice(format!("Content-Length: {}\r\n", self.body.len()).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

/// A response read by the test client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResponse {
    /// Status code.
    pub status: u16,
    /// Reason phrase.
    pub reason: String,
    /// `HTTP/1.1` or `HTTP/1.0`.
    pub version: String,
    /// Headers.
    pub headers: HttpHeaders,
    /// Body, de-chunked.
    pub body: Vec<u8>,
}

impl TestResponse {
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's first value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }
}

/// A raw client connection for byte-exact tests: write any bytes, read responses or raw bytes.
#[derive(Debug)]
pub struct RawConnection {
    stream: TcpStream,
    buf: Vec<u8>,
    host: String,
}

fn io_err(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

impl RawConnection {
    /// Connects to `addr`.
    pub fn connect(addr: SocketAddr) -> io::Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(READ_TIMEOUT))?;
        stream.set_nodelay(true)?;
        Ok(RawConnection {
            stream,
            buf: Vec::new(),
            host: addr.to_string(),
        })
    }

    /// The underlying socket.
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// Writes raw bytes.
    pub fn send(&mut self, bytes: impl AsRef<[u8]>) -> io::Result<()> {
        self.stream.write_all(bytes.as_ref())
    }

    /// Writes a request.
    pub fn send_request(&mut self, req: &TestRequest) -> io::Result<()> {
        let bytes = req.to_bytes(&self.host);
        self.send(bytes)
    }

    /// Closes the sending side (half-close).
    pub fn shutdown_write(&self) -> io::Result<()> {
        self.stream.shutdown(Shutdown::Write)
    }

    fn fill(&mut self) -> io::Result<usize> {
        let mut chunk = [0u8; 16384];
        let n = self.stream.read(&mut chunk)?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    /// Reads until the peer closes; returns everything not consumed yet.
    pub fn read_to_close(&mut self) -> io::Result<Vec<u8>> {
        while self.fill()? > 0 {}
        Ok(std::mem::take(&mut self.buf))
    }

    /// `true` if the server has closed the connection (reads end of stream or a reset) with
    /// nothing more to read.
    pub fn is_closed_by_peer(&mut self) -> bool {
        match self.fill() {
            Ok(0) => self.buf.is_empty(),
            Ok(_) => false,
            Err(e) => matches!(
                e.kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
            ),
        }
    }

    /// Reads one response. `head_request` says the request was HEAD (no body follows).
    pub fn read_response(&mut self, head_request: bool) -> io::Result<TestResponse> {
        loop {
            let head_end = find(&self.buf, b"\r\n\r\n");
            if let Some(end) = head_end {
                let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
                let mut lines = head.split("\r\n");
                let status_line = lines.next().unwrap_or_default().to_owned();
                let mut parts = status_line.splitn(3, ' ');
                let version = parts.next().unwrap_or_default().to_owned();
                let status: u16 = parts
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| io_err(format!("bad status line {status_line:?}")))?;
                let reason = parts.next().unwrap_or_default().to_owned();
                let headers = HttpHeaders::parse(&head[status_line.len()..])
                    .map_err(|e| io_err(e.to_string()))?;
                self.buf.drain(..end + 4);
                if (100..200).contains(&status) {
                    continue;
                }
                let body = self.read_body(&headers, status, head_request)?;
                return Ok(TestResponse {
                    status,
                    reason,
                    version,
                    headers,
                    body,
                });
            }
            if self.fill()? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "connection closed before a complete response ({} bytes: {:?})",
                        self.buf.len(),
                        String::from_utf8_lossy(&self.buf)
                    ),
                ));
            }
        }
    }

    fn read_body(
        &mut self,
        headers: &HttpHeaders,
        status: u16,
        head_request: bool,
    ) -> io::Result<Vec<u8>> {
        if head_request || status == 204 || status == 304 {
            return Ok(Vec::new());
        }
        if headers
            .get("Transfer-Encoding")
            .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
        {
            let mut body = Vec::new();
            loop {
                let line_end = loop {
                    if let Some(p) = find(&self.buf, b"\r\n") {
                        break p;
                    }
                    if self.fill()? == 0 {
                        return Err(io_err("eof in chunked body"));
                    }
                };
                let line = String::from_utf8_lossy(&self.buf[..line_end]).into_owned();
                let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
                    .map_err(|_| io_err(format!("bad chunk size {line:?}")))?;
                self.buf.drain(..line_end + 2);
                if size == 0 {
                    // Trailers, up to the blank line.
                    loop {
                        if let Some(p) = find(&self.buf, b"\r\n") {
                            let empty = p == 0;
                            self.buf.drain(..p + 2);
                            if empty {
                                return Ok(body);
                            }
                        } else if self.fill()? == 0 {
                            return Err(io_err("eof in trailers"));
                        }
                    }
                }
                while self.buf.len() < size + 2 {
                    if self.fill()? == 0 {
                        return Err(io_err("eof in chunk"));
                    }
                }
                body.extend_from_slice(&self.buf[..size]);
                self.buf.drain(..size + 2);
            }
        }
        if let Some(len) = headers.get("Content-Length") {
            let len: usize = len
                .trim()
                .parse()
                .map_err(|_| io_err("bad Content-Length"))?;
            while self.buf.len() < len {
                if self.fill()? == 0 {
                    return Err(io_err("eof in body"));
                }
            }
            return Ok(self.buf.drain(..len).collect());
        }
        self.read_to_close()
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}
