//! Servers the HTTP client tests talk to: a small app on our own server
//! ([`tornado::testing::TestServer`]) and an independent hyper server, both counting accepted
//! connections.
#![allow(dead_code)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tornado::http::{delegate_fn, ResponseHead};
use tornado::testing::TestServer;

/// State shared between a test and the app's `/hold` route.
#[derive(Clone)]
pub struct Hold {
    /// Requests that reached `/hold`.
    pub arrivals: Arc<AtomicUsize>,
    /// Permits to answer; `/hold` waits for one.
    pub release: Arc<tokio::sync::Semaphore>,
}

impl Hold {
    pub fn new() -> Self {
        Hold {
            arrivals: Arc::new(AtomicUsize::new(0)),
            release: Arc::new(tokio::sync::Semaphore::new(0)),
        }
    }
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = gz.write_all(data);
    gz.finish().unwrap_or_default()
}

fn query(uri: &str) -> (String, HashMap<String, String>) {
    let (path, q) = uri.split_once('?').unwrap_or((uri, ""));
    let args = q
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            (
                k.to_owned(),
                percent_encoding::percent_decode_str(v)
                    .decode_utf8_lossy()
                    .into_owned(),
            )
        })
        .collect();
    (path.to_owned(), args)
}

/// What `/echo` answers: the request as the server saw it.
pub fn echo_text(
    method: &str,
    uri: &str,
    headers: &tornado::http::HttpHeaders,
    body: &[u8],
) -> String {
    format!(
        "{method} {uri}\nhost={}\nauth={}\ncookie={}\nbody={}",
        headers.get("Host").unwrap_or("-"),
        headers.get("Authorization").unwrap_or("-"),
        headers.get("Cookie").unwrap_or("-"),
        String::from_utf8_lossy(body)
    )
}

/// Our server with the test app:
///
/// - `/echo` — [`echo_text`] of the request;
/// - `/redirect?status=N&to=URL` — status `N` with `Location: URL`;
/// - `/status?code=N` — status `N`, no body for 204/304, `Content-Length: 5` + `hello` otherwise;
/// - `/big?n=N` — `N` bytes of `x` (`&chunked=1` streams them in 1000-byte chunks);
/// - `/gzip?n=N` — `N` bytes of `x`, gzipped, with `Content-Encoding: gzip`;
/// - `/hold` — counts the arrival, then waits for a permit of [`Hold::release`];
/// - `/slow` — sends nothing until the client goes away.
pub fn app(hold: Hold) -> TestServer {
    TestServer::start(app_delegate(hold))
}

/// The delegate of [`app`], for servers with other settings (TLS).
pub fn app_delegate(hold: Hold) -> impl tornado::http::HttpServerDelegate {
    delegate_fn(move |mut req, mut resp| {
        let hold = hold.clone();
        async move {
            let (path, args) = query(&req.head.uri);
            let num = |k: &str| {
                args.get(k)
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(0)
            };
            match path.as_str() {
                "/echo" => {
                    let body = req.read_body().await.unwrap_or_default();
                    let text = echo_text(&req.head.method, &req.head.uri, &req.head.headers, &body);
                    let _ = resp.respond(200, &[("Content-Type", "text/plain")], text);
                }
                "/redirect" => {
                    let to = args.get("to").cloned().unwrap_or_default();
                    let status = num("status").max(300) as u16;
                    let _ = resp.respond(status, &[("Location", to.as_str())], "redirecting");
                }
                "/status" => {
                    let _ = resp.respond(num("code") as u16, &[], "hello");
                }
                "/big" => {
                    let n = num("n");
                    if args.contains_key("chunked") {
                        let _ = resp.write_head(&ResponseHead::new(200));
                        let piece = [b'x'; 1000];
                        let mut left = n;
                        while left > 0 {
                            let k = left.min(1000);
                            if resp.write(&piece[..k]).is_err() || resp.flush().await.is_err() {
                                return;
                            }
                            left -= k;
                        }
                        let _ = resp.finish();
                    } else {
                        let _ = resp.respond(200, &[], vec![b'x'; n]);
                    }
                }
                "/gzip" => {
                    let body = gzip(&vec![b'x'; num("n")]);
                    let _ = resp.respond(200, &[("Content-Encoding", "gzip")], body);
                }
                "/hold" => {
                    hold.arrivals.fetch_add(1, Ordering::SeqCst);
                    if let Ok(p) = hold.release.acquire().await {
                        p.forget();
                    }
                    let _ = resp.respond(200, &[], "released");
                }
                "/slow" => {
                    resp.closed().await;
                }
                _ => {
                    let _ = resp.respond(404, &[], "not found");
                }
            }
        }
    })
}

/// Waits (polling, up to 10 s) until `cond` holds; panics otherwise.
pub async fn wait_until(what: &str, mut cond: impl AsyncFnMut() -> bool) {
    let give_up = Instant::now() + Duration::from_secs(10);
    while !cond().await {
        assert!(Instant::now() < give_up, "gave up waiting until {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// An independent HTTP/1.1 server (hyper) on its own thread.
pub struct HyperServer {
    pub addr: SocketAddr,
    /// Connections accepted.
    pub accepts: Arc<AtomicUsize>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HyperServer {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

impl Drop for HyperServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

type HyperBody = http_body_util::combinators::BoxBody<Bytes, Infallible>;

fn full(data: impl Into<Bytes>) -> HyperBody {
    use http_body_util::BodyExt;
    http_body_util::Full::new(data.into()).boxed()
}

/// The hyper app: `/echo`, `/status?code=N`, `/gzip?n=N`, `/redirect?status=N&to=URL` as in
/// [`app`], and `/chunked?n=N` — `N` pieces of `piece\n` as a streamed (chunked) body.
async fn hyper_app(
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<HyperBody>, Infallible> {
    use http_body_util::BodyExt;
    let uri = req.uri().to_string();
    let (path, args) = query(&uri);
    let num = |k: &str| {
        args.get(k)
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0)
    };
    let mut builder = hyper::Response::builder();
    let resp = match path.as_str() {
        "/echo" => {
            let method = req.method().to_string();
            let mut headers = tornado::http::HttpHeaders::new();
            for (n, v) in req.headers() {
                headers.add(
                    n.as_str(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                );
            }
            let body = req
                .into_body()
                .collect()
                .await
                .map(|c| c.to_bytes())
                .unwrap_or_default();
            builder.body(full(echo_text(&method, &uri, &headers, &body)))
        }
        "/status" => {
            let code = num("code") as u16;
            builder = builder.status(code);
            if code == 204 || code == 304 {
                builder.body(full(Bytes::new()))
            } else {
                builder.body(full("hello"))
            }
        }
        "/gzip" => builder
            .header("Content-Encoding", "gzip")
            .body(full(gzip(&vec![b'x'; num("n")]))),
        "/redirect" => builder
            .status(num("status") as u16)
            .header("Location", args.get("to").cloned().unwrap_or_default())
            .body(full("redirecting")),
        "/chunked" => {
            let pieces = (0..num("n")).map(|_| {
                Ok::<_, Infallible>(hyper::body::Frame::data(Bytes::from_static(b"piece\n")))
            });
            let stream = futures_util::stream::iter(pieces);
            builder.body(http_body_util::StreamBody::new(stream).boxed())
        }
        _ => builder.status(404).body(full("not found")),
    };
    Ok(resp.unwrap_or_else(|_| hyper::Response::new(full("bad response"))))
}

pub fn hyper_server() -> HyperServer {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("local addr");
    listener.set_nonblocking(true).expect("nonblocking");
    let accepts = Arc::new(AtomicUsize::new(0));
    let counter = accepts.clone();
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            loop {
                tokio::select! {
                    _ = &mut stop_rx => break,
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        counter.fetch_add(1, Ordering::SeqCst);
                        tokio::spawn(async move {
                            let io = hyper_util::rt::TokioIo::new(stream);
                            let _ = hyper::server::conn::http1::Builder::new()
                                .serve_connection(io, hyper::service::service_fn(hyper_app))
                                .await;
                        });
                    }
                }
            }
        });
    });
    HyperServer {
        addr,
        accepts,
        stop: Some(stop_tx),
        thread: Some(thread),
    }
}

/// A scripted server on raw sockets, for responses no real server sends: each accepted
/// connection is handed, with its index, to `handler` on a thread of its own.
pub struct RawServer {
    pub addr: SocketAddr,
    pub accepts: Arc<AtomicUsize>,
}

impl RawServer {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

pub fn raw_server(
    handler: impl Fn(usize, std::net::TcpStream) + Send + Sync + 'static,
) -> RawServer {
    let (listener, _) = tornado::testing::bind_unused_port().expect("bind");
    let addr = listener.local_addr().expect("addr");
    let accepts = Arc::new(AtomicUsize::new(0));
    let counter = accepts.clone();
    let handler = Arc::new(handler);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let handler = handler.clone();
            std::thread::spawn(move || handler(n, stream));
        }
    });
    RawServer { addr, accepts }
}

/// Reads one request head (through the blank line) from a raw connection; `None` at EOF.
pub fn read_head(stream: &mut std::net::TcpStream) -> Option<String> {
    use std::io::Read;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}
