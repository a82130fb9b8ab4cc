//! [`IoStream`]: Tornado's buffered stream, with bounded reads.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{Buf, Bytes, BytesMut};
use regex::bytes::Regex;
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::error::StreamError;
use super::stream::NetStream;

/// Limits of an [`IoStream`], with Tornado's defaults.
#[derive(Debug, Clone, Copy)]
pub struct IoStreamSettings {
    /// Most bytes buffered for reading; a read that would need more fails with
    /// [`StreamError::BufferFull`]. Default: 100 MiB (104857600 bytes).
    pub max_buffer_size: usize,
    /// Most bytes read from the socket at once; capped at half of `max_buffer_size`.
    /// Default: 64 KiB.
    pub read_chunk_size: usize,
    /// Most bytes [`IoStream::write_buffered`] may hold before a
    /// [`flush`](IoStream::flush). Default: `None` (no limit).
    pub max_write_buffer_size: Option<usize>,
}

impl Default for IoStreamSettings {
    fn default() -> Self {
        IoStreamSettings {
            max_buffer_size: 104_857_600,
            read_chunk_size: 65536,
            max_write_buffer_size: None,
        }
    }
}

type Cause = Option<Arc<io::Error>>;

/// Most queued pieces handed to one vectored write.
const MAX_IO_SLICES: usize = 32;

/// Waits for an [`IoStream`] to close (Tornado's `set_close_callback`): from any task, even
/// after the stream itself has been moved or dropped.
#[derive(Debug, Clone)]
pub struct StreamCloseWatch(tokio::sync::watch::Receiver<bool>);

impl StreamCloseWatch {
    /// Resolves once the stream is closed (or dropped).
    pub async fn closed(&mut self) {
        let _ = self.0.wait_for(|c| *c).await;
    }

    /// `true` once the stream is closed (or dropped).
    pub fn is_closed(&self) -> bool {
        *self.0.borrow() || self.0.has_changed().is_err()
    }
}

/// A buffered byte stream with Tornado's read operations: [`read_until`](Self::read_until),
/// [`read_until_regex`](Self::read_until_regex), [`read_bytes`](Self::read_bytes),
/// [`read_into`](Self::read_into) and [`read_until_close`](Self::read_until_close), and
/// writes that resolve when the data has been handed to the socket.
///
/// Every read is bounded: nothing is buffered beyond
/// [`max_buffer_size`](IoStreamSettings::max_buffer_size), and the delimiter reads take a
/// `max_bytes` beyond which they fail with [`StreamError::UnsatisfiableRead`]. A failed read
/// closes the stream (dropping what it had buffered), and every later operation returns
/// [`StreamError::Closed`] with the cause. After a clean close (end of file, or
/// [`close`](IoStream::close)) data already buffered is still served.
///
/// Reads are cancel-safe: data read from the socket stays in the buffer if the future is
/// dropped (for example by `tokio::select!` or a timeout), and the next read finds it.
///
/// # Examples
///
/// ```no_run
/// use tornado::net::{ConnectOptions, TcpClient};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let mut stream = TcpClient::new()
///     .connect("example.com", 80, &ConnectOptions::default())
///     .await?;
/// stream.write(&b"GET / HTTP/1.0\r\nHost: example.com\r\n\r\n"[..]).await?;
/// let head = stream.read_until(b"\r\n\r\n", Some(65536)).await?;
/// let body = stream.read_until_close().await?;
/// println!("{} header bytes, {} body bytes", head.len(), body.len());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct IoStream {
    io: Option<NetStream>,
    read_buf: BytesMut,
    write_queue: VecDeque<Bytes>,
    write_queued: usize,
    settings: IoStreamSettings,
    /// `Some` once closed, with what closed it.
    closed: Option<Cause>,
    close_tx: tokio::sync::watch::Sender<bool>,
}

/// What a scan of the read buffer found.
enum Scan {
    /// The read is satisfied by the first `n` bytes.
    Found(usize),
    /// Not yet; keep reading.
    More,
}

impl IoStream {
    /// Wraps a connected stream, with default settings.
    pub fn new(stream: impl Into<NetStream>) -> IoStream {
        Self::with_settings(stream, IoStreamSettings::default())
    }

    /// Wraps a connected stream.
    pub fn with_settings(stream: impl Into<NetStream>, settings: IoStreamSettings) -> IoStream {
        let (close_tx, _) = tokio::sync::watch::channel(false);
        IoStream {
            io: Some(stream.into()),
            read_buf: BytesMut::new(),
            write_queue: VecDeque::new(),
            write_queued: 0,
            settings: IoStreamSettings {
                // Tornado's rule: a chunk is at most half the buffer, so one read never fills it.
                read_chunk_size: settings
                    .read_chunk_size
                    .min(settings.max_buffer_size / 2)
                    .max(1),
                ..settings
            },
            closed: None,
            close_tx,
        }
    }

    /// The stream's settings.
    pub fn settings(&self) -> &IoStreamSettings {
        &self.settings
    }

    /// The underlying stream, unless closed.
    pub fn get_ref(&self) -> Option<&NetStream> {
        self.io.as_ref()
    }

    /// The peer's address (`None` for Unix sockets and pipes, or once closed).
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.io.as_ref().and_then(NetStream::peer_addr)
    }

    /// Our address (`None` for Unix sockets and pipes, or once closed).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.io.as_ref().and_then(NetStream::local_addr)
    }

    /// Bytes read from the socket but not yet returned by a read.
    pub fn buffered(&self) -> &[u8] {
        &self.read_buf
    }

    /// `true` once the stream is closed, by us, by the peer, or by an error (Tornado's
    /// `closed()`). The peer's close is noticed by the next read or write.
    pub fn closed(&self) -> bool {
        self.closed.is_some()
    }

    /// The error that closed the stream, if it closed because of one (Tornado's `error`).
    pub fn error(&self) -> Option<&io::Error> {
        self.closed.as_ref().and_then(|c| c.as_deref())
    }

    /// A handle that resolves when this stream closes.
    pub fn close_watch(&self) -> StreamCloseWatch {
        StreamCloseWatch(self.close_tx.subscribe())
    }

    /// Sets `TCP_NODELAY` (Tornado's `set_nodelay`). A no-op on Unix sockets, pipes and
    /// closed streams; as in Tornado, the errors a socket the peer already reset gives
    /// (`EINVAL`, `ECONNRESET`) are ignored too — the next read or write reports the close.
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        let Some(io) = &self.io else {
            return Ok(());
        };
        match io.set_nodelay(on) {
            Err(e)
                if e.kind() != io::ErrorKind::InvalidInput
                    && e.kind() != io::ErrorKind::ConnectionReset =>
            {
                Err(e)
            }
            _ => Ok(()),
        }
    }

    /// Closes the stream now: unsent buffered writes are dropped, buffered reads stay
    /// readable. Closing twice is harmless.
    pub fn close(&mut self) {
        self.close_with(None);
    }

    fn close_with(&mut self, cause: Cause) {
        if self.closed.is_none() {
            self.closed = Some(cause);
        }
        self.io = None;
        self.write_queue.clear();
        self.write_queued = 0;
        self.close_tx.send_replace(true);
    }

    fn closed_error(&self) -> StreamError {
        StreamError::Closed {
            cause: self.closed.clone().flatten(),
        }
    }

    /// Closes the stream because of `err` and returns it. A read the peer's data could not
    /// satisfy within the limits also discards what was buffered: it cannot be trusted to
    /// frame anything.
    fn fail(&mut self, err: StreamError) -> StreamError {
        let cause = match &err {
            StreamError::Closed { cause } => cause.clone(),
            other => {
                self.read_buf = BytesMut::new();
                Some(Arc::new(io::Error::new(
                    io::ErrorKind::InvalidData,
                    other.to_string(),
                )))
            }
        };
        self.close_with(cause);
        err
    }

    /// Reads one chunk from the socket into the buffer. `Ok(false)` at end of file (the
    /// stream is then closed cleanly).
    async fn fill(&mut self) -> Result<bool, StreamError> {
        let room = self
            .settings
            .max_buffer_size
            .saturating_sub(self.read_buf.len());
        if room == 0 {
            return Err(self.fail(StreamError::BufferFull {
                max_buffer_size: self.settings.max_buffer_size,
            }));
        }
        let Some(io) = self.io.as_mut() else {
            return Err(self.closed_error());
        };
        let want = room.min(self.settings.read_chunk_size);
        self.read_buf.reserve(want);
        let mut limited = (&mut *io).take(want as u64);
        match limited.read_buf(&mut self.read_buf).await {
            Ok(0) => {
                self.close_with(None);
                Ok(false)
            }
            Ok(_) => Ok(true),
            Err(e) => Err(self.fail(StreamError::closed_by(e))),
        }
    }

    /// Reads until `scan` is satisfied, then returns the bytes it asked for.
    async fn read_scanning(
        &mut self,
        mut scan: impl FnMut(&[u8]) -> Result<Scan, StreamError>,
    ) -> Result<Bytes, StreamError> {
        loop {
            match scan(&self.read_buf) {
                Ok(Scan::Found(n)) => return Ok(self.read_buf.split_to(n).freeze()),
                Ok(Scan::More) => {}
                Err(e) => return Err(self.fail(e)),
            }
            if self.closed.is_some() {
                return Err(self.closed_error());
            }
            self.fill().await?;
        }
    }

    /// Reads up to and including `delimiter` (Tornado's `read_until`).
    ///
    /// With `max_bytes`, fails with [`StreamError::UnsatisfiableRead`] (closing the stream) if
    /// the delimiter is not within that many bytes. An empty delimiter matches at once.
    pub async fn read_until(
        &mut self,
        delimiter: &[u8],
        max_bytes: Option<usize>,
    ) -> Result<Bytes, StreamError> {
        let finder = memchr::memmem::Finder::new(delimiter);
        let dlen = delimiter.len();
        let mut from = 0;
        self.read_scanning(|buf| {
            if let Some(i) = finder.find(&buf[from..]) {
                return within(from + i + dlen, max_bytes);
            }
            // The delimiter may straddle what is here and what comes next.
            from = buf.len().saturating_sub(dlen.saturating_sub(1));
            match max_bytes {
                Some(max) if buf.len() >= max => {
                    Err(StreamError::UnsatisfiableRead { max_bytes: max })
                }
                _ => Ok(Scan::More),
            }
        })
        .await
    }

    /// Reads up to and including the first match of `pattern` (Tornado's
    /// `read_until_regex`), with the same `max_bytes` rule as [`read_until`](Self::read_until).
    pub async fn read_until_regex(
        &mut self,
        pattern: &Regex,
        max_bytes: Option<usize>,
    ) -> Result<Bytes, StreamError> {
        self.read_scanning(|buf| match pattern.find(buf) {
            Some(m) => within(m.end(), max_bytes),
            None => match max_bytes {
                Some(max) if buf.len() >= max => {
                    Err(StreamError::UnsatisfiableRead { max_bytes: max })
                }
                _ => Ok(Scan::More),
            },
        })
        .await
    }

    /// Reads `n` bytes (Tornado's `read_bytes`). With `partial`, returns as soon as at least
    /// one byte is there, at most `n`. More than `max_buffer_size` bytes at once is a
    /// [`StreamError::BufferFull`].
    pub async fn read_bytes(&mut self, n: usize, partial: bool) -> Result<Bytes, StreamError> {
        let max_buffer_size = self.settings.max_buffer_size;
        if n > max_buffer_size {
            return Err(self.fail(StreamError::BufferFull { max_buffer_size }));
        }
        self.read_scanning(|buf| {
            Ok(if buf.len() >= n {
                Scan::Found(n)
            } else if partial && !buf.is_empty() {
                Scan::Found(buf.len())
            } else {
                Scan::More
            })
        })
        .await
    }

    /// Fills `buf` (Tornado's `read_into`), or with `partial` returns once some bytes are in
    /// it; returns how many. Bytes go straight from the socket into `buf` once the buffer is
    /// drained, without being copied through it.
    pub async fn read_into(&mut self, buf: &mut [u8], partial: bool) -> Result<usize, StreamError> {
        let mut filled = buf.len().min(self.read_buf.len());
        buf[..filled].copy_from_slice(&self.read_buf[..filled]);
        self.read_buf.advance(filled);
        while filled < buf.len() && !(partial && filled > 0) {
            let Some(io) = self.io.as_mut() else {
                return Err(self.closed_error());
            };
            match io.read(&mut buf[filled..]).await {
                Ok(0) => {
                    self.close_with(None);
                    return Err(self.closed_error());
                }
                Ok(k) => filled += k,
                Err(e) => return Err(self.fail(StreamError::closed_by(e))),
            }
        }
        Ok(filled)
    }

    /// Reads everything until the stream closes (Tornado's `read_until_close`) and returns it.
    ///
    /// As in Tornado, any close ends the read with the data received: the peer's end of file,
    /// but also a reset connection or a TLS peer that hung up without `close_notify` — check
    /// [`error`](Self::error) to tell those apart. On a stream already closed, returns what is
    /// still buffered. The one failure is [`StreamError::BufferFull`], when the peer sends more
    /// than `max_buffer_size` bytes.
    pub async fn read_until_close(&mut self) -> Result<Bytes, StreamError> {
        while self.closed.is_none() {
            match self.fill().await {
                Ok(_) => {}
                Err(StreamError::Closed { .. }) => break,
                Err(e) => return Err(e),
            }
        }
        Ok(self.read_buf.split().freeze())
    }

    /// Queues `data` and waits until it and everything queued before it has been written
    /// (Tornado's `write`, awaited).
    pub async fn write(&mut self, data: impl Into<Bytes>) -> Result<(), StreamError> {
        self.write_buffered(data)?;
        self.flush().await
    }

    /// Queues `data` without writing it yet; [`flush`](Self::flush) or the next
    /// [`write`](Self::write) sends it. Fails with [`StreamError::BufferFull`] beyond
    /// `max_write_buffer_size`.
    pub fn write_buffered(&mut self, data: impl Into<Bytes>) -> Result<(), StreamError> {
        if self.closed.is_some() {
            return Err(self.closed_error());
        }
        let data = data.into();
        if let Some(max) = self.settings.max_write_buffer_size {
            if self.write_queued + data.len() > max {
                return Err(self.fail(StreamError::BufferFull {
                    max_buffer_size: max,
                }));
            }
        }
        if !data.is_empty() {
            self.write_queued += data.len();
            self.write_queue.push_back(data);
        }
        Ok(())
    }

    /// Bytes queued and not yet written.
    pub fn pending_write(&self) -> usize {
        self.write_queued
    }

    /// Writes everything queued. Cancel-safe: what was not written stays queued.
    pub async fn flush(&mut self) -> Result<(), StreamError> {
        let Some(io) = self.io.as_mut() else {
            return Err(self.closed_error());
        };
        let mut result = Ok(());
        let vectored = AsyncWrite::is_write_vectored(&*io);
        while !self.write_queue.is_empty() {
            let written = if vectored && self.write_queue.len() > 1 {
                // Several queued pieces go out in one system call.
                let mut slices = [io::IoSlice::new(&[]); MAX_IO_SLICES];
                let mut k = 0;
                for (slot, piece) in slices.iter_mut().zip(&self.write_queue) {
                    *slot = io::IoSlice::new(piece);
                    k += 1;
                }
                io.write_vectored(&slices[..k]).await
            } else {
                io.write(&self.write_queue[0]).await
            };
            match written {
                Ok(0) => {
                    result = Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "the socket accepted no data",
                    ));
                    break;
                }
                Ok(n) => {
                    self.write_queued -= n;
                    consume_written(&mut self.write_queue, n);
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        if result.is_ok() {
            result = io.flush().await;
        }
        result.map_err(|e| self.fail(StreamError::closed_by(e)))
    }

    /// Flushes, then shuts our writing side down (the peer reads end of file; for TLS a
    /// `close_notify` is sent). Reading stays possible.
    pub async fn shutdown(&mut self) -> Result<(), StreamError> {
        self.flush().await?;
        let Some(io) = self.io.as_mut() else {
            return Err(self.closed_error());
        };
        match io.shutdown().await {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail(StreamError::closed_by(e))),
        }
    }

    /// Takes the stream apart: the underlying stream and the bytes read ahead but not
    /// consumed. Fails if the stream is closed or writes are still queued. The
    /// [`close_watch`](Self::close_watch)es resolve, since this `IoStream` is gone.
    pub fn into_parts(mut self) -> Result<(NetStream, BytesMut), StreamError> {
        if self.write_queued > 0 {
            return Err(StreamError::InvalidState(
                "writes are still queued; flush before taking the stream apart",
            ));
        }
        match self.io.take() {
            Some(io) => Ok((io, std::mem::take(&mut self.read_buf))),
            None => Err(self.closed_error()),
        }
    }

    /// The underlying stream, for a protocol that drives it itself. Fails like
    /// [`into_parts`](Self::into_parts), and also if bytes were read ahead and would be lost.
    pub fn into_inner(self) -> Result<NetStream, StreamError> {
        if !self.read_buf.is_empty() {
            return Err(StreamError::InvalidState(
                "bytes are buffered; use into_parts to keep them",
            ));
        }
        self.into_parts().map(|(io, _)| io)
    }

    /// Checks `start_tls`'s preconditions and takes the TCP stream out.
    #[cfg(feature = "tls")]
    fn take_tcp_for_tls(&mut self) -> Result<tokio::net::TcpStream, StreamError> {
        if !self.read_buf.is_empty() || self.write_queued > 0 {
            return Err(StreamError::InvalidState(
                "start_tls needs empty read and write buffers",
            ));
        }
        match self.io.take() {
            Some(NetStream::Tcp(tcp)) => Ok(tcp),
            Some(other) => {
                self.io = Some(other);
                Err(StreamError::InvalidState(
                    "start_tls works on plain TCP streams only",
                ))
            }
            None => Err(self.closed_error()),
        }
    }

    /// A new stream with this one's settings and close watchers around `io` (Tornado carries
    /// the close callback over to the upgraded stream).
    #[cfg(feature = "tls")]
    fn rewrap(&mut self, io: NetStream) -> IoStream {
        let mut upgraded = IoStream::with_settings(io, self.settings);
        std::mem::swap(&mut upgraded.close_tx, &mut self.close_tx);
        upgraded
    }

    /// Upgrades a plain TCP stream to TLS as the client (Tornado's `start_tls(server_side=False)`),
    /// checking the certificate against `server_hostname` per `config`. Nothing may be
    /// buffered either way. On failure the connection is closed.
    #[cfg(feature = "tls")]
    pub async fn start_tls_client(
        mut self,
        server_hostname: &str,
        config: &super::TlsClientConfig,
    ) -> Result<IoStream, StreamError> {
        let name = super::tls::server_name(server_hostname).map_err(StreamError::closed_by)?;
        let tcp = self.take_tcp_for_tls()?;
        let connector = tokio_rustls::TlsConnector::from(config.config.clone());
        let tls = connector
            .connect(name, tcp)
            .await
            .map_err(|e| self.fail(StreamError::closed_by(e)))?;
        Ok(self.rewrap(NetStream::TlsClient(Box::new(tls))))
    }

    /// Upgrades a plain TCP stream to TLS as the server (Tornado's `start_tls(server_side=True)`).
    /// Nothing may be buffered either way. On failure the connection is closed.
    #[cfg(feature = "tls")]
    pub async fn start_tls_server(
        mut self,
        config: &crate::http::TlsConfig,
    ) -> Result<IoStream, StreamError> {
        let tcp = self.take_tcp_for_tls()?;
        let acceptor = tokio_rustls::TlsAcceptor::from(config.config.clone());
        let tls = acceptor
            .accept(tcp)
            .await
            .map_err(|e| self.fail(StreamError::closed_by(e)))?;
        Ok(self.rewrap(NetStream::Tls(Box::new(tls))))
    }
}

/// Drops the first `n` queued bytes, which the socket took.
fn consume_written(queue: &mut VecDeque<Bytes>, mut n: usize) {
    while n > 0 {
        let Some(front) = queue.front_mut() else {
            return;
        };
        if front.len() <= n {
            n -= front.len();
            queue.pop_front();
        } else {
            front.advance(n);
            n = 0;
        }
    }
}

/// A match ending at `end` satisfies the read if it is within `max_bytes`.
fn within(end: usize, max_bytes: Option<usize>) -> Result<Scan, StreamError> {
    match max_bytes {
        Some(max) if end > max => Err(StreamError::UnsatisfiableRead { max_bytes: max }),
        _ => Ok(Scan::Found(end)),
    }
}

impl Drop for IoStream {
    fn drop(&mut self) {
        self.close_tx.send_replace(true);
    }
}
