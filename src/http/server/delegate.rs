//! What a server hands to the code that answers requests: the [`HttpServerDelegate`] trait, the
//! request with its [`Body`], and the [`ResponseWriter`].

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime};

use bytes::{Bytes, BytesMut};
use futures_util::future::LocalBoxFuture;

use crate::http::codec::{EncodeError, External, RequestHead, ResponseHead};
use crate::http::SharedStr;

use super::shared::SharedRef;
use super::stream::ServerStream;

/// Answers the requests of an [`HttpServer`](super::HttpServer) (Tornado's
/// `HTTPServerConnectionDelegate`). The web framework's `Application` implements it; for
/// low-level use and tests, [`delegate_fn`] turns a closure into one.
///
/// `handle` is called on the connection's worker thread, once per request, and the future it
/// returns is polled by the connection itself — a request that completes at once costs no task
/// and no message. The request is over when that future is done **and** the
/// [`ResponseWriter`] has been finished or dropped, so a writer may be handed to an actor that
/// finishes the response later (long polling).
///
/// A panic in `handle` or its future becomes a `500` for that request (or a closed connection,
/// when the response had started) and an error in the log; the server keeps serving.
pub trait HttpServerDelegate: Send + Sync + 'static {
    /// Starts answering one request.
    fn handle(
        &self,
        request: ServerRequest,
        response: ResponseWriter,
    ) -> LocalBoxFuture<'static, ()>;
}

/// A delegate made from a closure; see [`delegate_fn`].
pub struct FnDelegate<F>(F);

impl<F> fmt::Debug for FnDelegate<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnDelegate")
    }
}

/// Makes an [`HttpServerDelegate`] from an async closure.
///
/// ```
/// use tornado::http::{delegate_fn, ResponseHead};
///
/// let hello = delegate_fn(|req, resp| async move {
///     let _ = resp.respond(200, &[("Content-Type", "text/plain")], format!("Hello, {}", req.head.uri));
/// });
/// # let _ = hello;
/// ```
pub fn delegate_fn<F, Fut>(f: F) -> FnDelegate<F>
where
    F: Fn(ServerRequest, ResponseWriter) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + 'static,
{
    FnDelegate(f)
}

impl<F, Fut> HttpServerDelegate for FnDelegate<F>
where
    F: Fn(ServerRequest, ResponseWriter) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + 'static,
{
    fn handle(
        &self,
        request: ServerRequest,
        response: ResponseWriter,
    ) -> LocalBoxFuture<'static, ()> {
        Box::pin((self.0)(request, response))
    }
}

/// Facts about the connection a request arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// The peer's address (`None` on Unix sockets).
    pub peer_addr: Option<SocketAddr>,
    /// Our address (`None` on Unix sockets).
    pub local_addr: Option<SocketAddr>,
    /// The connection is TLS.
    pub secure: bool,
}

/// A request as the server hands it to a delegate: the decoded head, where it came from, and
/// its body, still to be read.
#[derive(Debug)]
pub struct ServerRequest {
    /// Request line and headers.
    pub head: RequestHead,
    /// The client's IP (after `xheaders`; `0.0.0.0` on Unix sockets, as in Tornado).
    pub remote_ip: SharedStr,
    /// `http` or `https` (after `xheaders` and the `protocol` setting).
    pub protocol: SharedStr,
    /// The connection.
    pub connection: ConnectionInfo,
    /// When the head was decoded.
    pub start_time: Instant,
    /// The body.
    pub body: Body,
}

impl ServerRequest {
    /// Wall-clock time the head was decoded (derived from [`start_time`](Self::start_time)).
    pub fn start_system_time(&self) -> SystemTime {
        crate::http::clock::system_time_at(self.start_time)
    }

    /// Reads the whole body; see [`Body::read_all`].
    pub async fn read_body(&mut self) -> Result<Bytes, BodyError> {
        self.body.read_all().await
    }
}

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyError {
    /// The client closed the connection before the body was complete.
    Closed,
    /// The body broke the framing rules or a limit; the server answers with `status`.
    Invalid {
        /// The status of the error response (400, 413…).
        status: u16,
        /// What was wrong.
        message: String,
    },
    /// No body piece arrived within the `body_timeout`.
    Timeout,
    /// The handle belongs to an earlier request on this connection.
    Stale,
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::Closed => f.write_str("connection closed before the body was complete"),
            BodyError::Invalid { status, message } => write!(f, "{message} ({status})"),
            BodyError::Timeout => f.write_str("timed out reading the request body"),
            BodyError::Stale => f.write_str("body of an earlier request"),
        }
    }
}

impl std::error::Error for BodyError {}

/// A request body, read piece by piece as the client sends it (pull-based: nothing is read
/// from the socket until asked, and `100 Continue` is sent only then).
pub struct Body {
    shared: SharedRef,
    seq: u64,
    done: bool,
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Body").field("done", &self.done).finish()
    }
}

impl Body {
    pub(crate) fn new(shared: SharedRef, seq: u64) -> Self {
        Body {
            shared,
            seq,
            done: false,
        }
    }

    /// Changes the body limit for this request (Tornado's `set_max_body_size`); call it
    /// before reading.
    pub fn set_max_body_size(&mut self, max: u64) {
        let mut s = self.shared.borrow_mut();
        if s.seq == self.seq {
            s.max_body_override = Some(max);
        }
    }

    /// Polls for the next piece: `None` at the end of the body.
    pub fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, BodyError>>> {
        if self.done {
            return Poll::Ready(None);
        }
        let mut s = self.shared.borrow_mut();
        if s.seq != self.seq {
            self.done = true;
            return Poll::Ready(Some(Err(BodyError::Stale)));
        }
        if let Some(piece) = s.body_piece.take() {
            s.wake_driver();
            return Poll::Ready(Some(Ok(piece)));
        }
        if s.body_done {
            self.done = true;
            return Poll::Ready(None);
        }
        if let Some(e) = s.body_error.clone() {
            self.done = true;
            return Poll::Ready(Some(Err(e)));
        }
        s.body_wanted = true;
        s.add_waiter(cx.waker());
        s.wake_driver();
        Poll::Pending
    }

    /// The next piece of the body, or `None` at its end.
    pub async fn chunk(&mut self) -> Option<Result<Bytes, BodyError>> {
        std::future::poll_fn(|cx| self.poll_chunk(cx)).await
    }

    /// Reads the rest of the body into one buffer.
    pub async fn read_all(&mut self) -> Result<Bytes, BodyError> {
        let first = match self.chunk().await {
            None => return Ok(Bytes::new()),
            Some(r) => r?,
        };
        let Some(second) = self.chunk().await else {
            return Ok(first);
        };
        let mut all = BytesMut::with_capacity(first.len() * 2);
        all.extend_from_slice(&first);
        all.extend_from_slice(&second?);
        while let Some(piece) = self.chunk().await {
            all.extend_from_slice(&piece?);
        }
        Ok(all.freeze())
    }
}

impl futures_core::Stream for Body {
    type Item = Result<Bytes, BodyError>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_chunk(cx)
    }
}

/// Why a response could not be written.
#[derive(Debug)]
#[non_exhaustive]
pub enum WriteError {
    /// The client is gone.
    Closed,
    /// The response broke the HTTP rules (bad header, length mismatch, out of order).
    ///
    /// Boxed, so that a `WriteError` is one word and the writer's results come back in
    /// registers: returned through memory, every response's `Ok` was copied out as a block
    /// that straddled the one small store that had just made it, and the CPU waited for it.
    Encode(Box<EncodeError>),
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Closed => f.write_str("stream closed"),
            WriteError::Encode(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for WriteError {}

impl From<EncodeError> for WriteError {
    #[cold]
    fn from(e: EncodeError) -> Self {
        WriteError::Encode(Box::new(e))
    }
}

/// Writes one response into its connection (Tornado's `HTTPConnection`:
/// `write_headers`, `write`, `finish`).
///
/// Writes are encoded into the connection's output buffer at once; [`flush`](Self::flush)
/// waits until the buffer has drained below the server's low-water mark, which is how a handler
/// streaming a large response follows a slow client instead of growing memory. Dropping the
/// writer unfinished ends the request: with `500` if nothing was written, otherwise by closing
/// the connection.
pub struct ResponseWriter {
    shared: SharedRef,
    seq: u64,
    finished: bool,
}

impl fmt::Debug for ResponseWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseWriter")
            .field("finished", &self.finished)
            .finish()
    }
}

impl ResponseWriter {
    pub(crate) fn new(shared: SharedRef, seq: u64) -> Self {
        ResponseWriter {
            shared,
            seq,
            finished: false,
        }
    }

    fn check(&self, s: &super::shared::Shared) -> Result<(), WriteError> {
        if s.seq != self.seq || s.closed || s.force_close {
            Err(WriteError::Closed)
        } else {
            Ok(())
        }
    }

    /// Writes the status line and headers.
    pub fn write_head(&mut self, head: &ResponseHead) -> Result<(), WriteError> {
        let mut s = self.shared.borrow_mut();
        self.check(&s)?;
        let s = &mut *s;
        let was_empty = s.buffered() == 0;
        encode_head(s, head)?;
        if (100..200).contains(&head.status) {
            return Ok(());
        }
        s.head_written = true;
        if was_empty {
            s.wake_driver();
        }
        Ok(())
    }

    /// Writes a piece of the body.
    pub fn write(&mut self, data: &[u8]) -> Result<(), WriteError> {
        let mut s = self.shared.borrow_mut();
        self.check(&s)?;
        let s = &mut *s;
        let was_empty = s.buffered() == 0;
        s.encoder.encode_data(data, &mut s.out)?;
        if was_empty && !s.out.is_empty() {
            s.wake_driver();
        }
        Ok(())
    }

    /// `true` when this connection can take file bytes from the kernel
    /// ([`send_file`](Self::send_file)): plain TCP or a Unix socket, on Linux.
    pub fn can_send_file(&self) -> bool {
        self.shared.borrow().can_send_file
    }

    /// Sends `len` bytes of `file`, from `offset` on, as the next piece of the body, letting
    /// the kernel copy them from the file to the socket (`sendfile`) instead of through a
    /// buffer. The file's own position is neither used nor moved.
    ///
    /// This works for a body with a `Content-Length` on a plain TCP or Unix socket on Linux;
    /// the bytes are queued after what is already written and sent as the client takes them
    /// ([`flush`](Self::flush) waits for them too). `Ok(true)`: queued (or, for a response
    /// that has no body, such as HEAD's, nothing to send). `Ok(false)`: this connection cannot
    /// take file bytes as they are (TLS, a chunked or close-delimited body, another system);
    /// nothing was written, so read the bytes and [`write`](Self::write) them.
    ///
    /// A file that turns out shorter than promised closes the connection when its end is
    /// reached, since the response cannot be completed. A file the kernel cannot send itself
    /// (some file systems refuse `sendfile`) is copied through the buffer instead.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use tornado::http::{delegate_fn, ResponseHead};
    ///
    /// let download = delegate_fn(|_req, mut resp| async move {
    ///     let Ok(file) = std::fs::File::open("report.pdf") else {
    ///         let _ = resp.respond(404, &[], "");
    ///         return;
    ///     };
    ///     let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    ///     let file = Arc::new(file);
    ///     let mut head = ResponseHead::new(200);
    ///     head.headers.add("Content-Type", "application/pdf");
    ///     head.headers.add("Content-Length", len.to_string());
    ///     if resp.write_head(&head).is_err() {
    ///         return;
    ///     }
    ///     match resp.send_file(&file, 0, len) {
    ///         Ok(true) => {}
    ///         // TLS and the like: copy the bytes (a real handler would stream pieces).
    ///         Ok(false) => {
    ///             let bytes = std::fs::read("report.pdf").unwrap_or_default();
    ///             let _ = resp.write(&bytes);
    ///         }
    ///         Err(_) => return,
    ///     }
    ///     let _ = resp.finish();
    /// });
    /// # let _ = download;
    /// ```
    pub fn send_file(
        &mut self,
        file: &std::sync::Arc<std::fs::File>,
        offset: u64,
        len: u64,
    ) -> Result<bool, WriteError> {
        /// Files queued at once on one connection (pipelined responses); more are copied.
        const MAX_QUEUED: usize = 64;
        let mut s = self.shared.borrow_mut();
        self.check(&s)?;
        let s = &mut *s;
        if !s.can_send_file || s.files.len() >= MAX_QUEUED {
            return Ok(false);
        }
        match s.encoder.encode_external(len)? {
            External::Copy => Ok(false),
            External::Skip => Ok(true),
            External::Send => {
                if len > 0 {
                    let was_empty = s.buffered() == 0;
                    s.queue_file(file.clone(), offset, len);
                    if was_empty {
                        s.wake_driver();
                    }
                }
                Ok(true)
            }
        }
    }

    /// Ends the response.
    pub fn finish(mut self) -> Result<(), WriteError> {
        self.finish_inner()
    }

    /// [`write_head`](Self::write_head), [`write`](Self::write) of `body` (unless it is empty)
    /// and [`finish`](Self::finish) in one step, for a response sent whole. An error writing
    /// the head or the body is the outer `Err` and leaves the writer unfinished, as those calls
    /// would; otherwise the writer is finished and the inner result is `finish`'s.
    ///
    /// Inlined into its one caller (`RequestContext::write_out`): one call fewer per request.
    #[inline(always)]
    pub(crate) fn finish_response(
        &mut self,
        head: &ResponseHead,
        body: &[u8],
    ) -> Result<Result<(), WriteError>, WriteError> {
        if (100..200).contains(&head.status) {
            // An interim head is not a response: take the general path (which refuses it).
            self.write_head(head)?;
            if !body.is_empty() {
                self.write(body)?;
            }
            return Ok(self.finish_inner());
        }
        let mut s = self.shared.borrow_mut();
        self.check(&s)?;
        let s = &mut *s;
        encode_head(s, head)?;
        s.head_written = true;
        let body_result = if body.is_empty() {
            Ok(())
        } else {
            s.encoder.encode_data(body, &mut s.out)
        };
        if let Err(e) = body_result {
            s.wake_driver();
            return Err(e.into());
        }
        self.finished = true;
        s.finished = true;
        let result = s.encoder.encode_end(&mut s.out).map_err(WriteError::from);
        s.wake_driver();
        Ok(result)
    }

    fn finish_inner(&mut self) -> Result<(), WriteError> {
        self.finished = true;
        let mut s = self.shared.borrow_mut();
        if s.seq != self.seq {
            return Err(WriteError::Closed);
        }
        let s = &mut *s;
        s.finished = true;
        let result = if s.closed {
            Err(WriteError::Closed)
        } else {
            s.encoder.encode_end(&mut s.out).map_err(WriteError::from)
        };
        s.wake_driver();
        result
    }

    /// Writes a whole response — status, headers, `Content-Length` and body — and finishes.
    pub fn respond(
        mut self,
        status: u16,
        headers: &[(&str, &str)],
        body: impl AsRef<[u8]>,
    ) -> Result<(), WriteError> {
        let body = body.as_ref();
        let mut head = ResponseHead::new(status);
        for (n, v) in headers {
            head.headers.add(n, *v);
        }
        let no_body = (100..200).contains(&status) || status == 204 || status == 304;
        if !no_body && !head.headers.contains("Content-Length") {
            head.headers.add("Content-Length", body.len().to_string());
        }
        self.write_head(&head)?;
        if !no_body {
            self.write(body)?;
        }
        self.finish()
    }

    /// `true` once the status line and headers are written.
    pub fn head_written(&self) -> bool {
        let s = self.shared.borrow();
        s.seq == self.seq && s.head_written
    }

    /// `true` when the client has gone away (or closed its sending side).
    pub fn is_closed(&self) -> bool {
        let s = self.shared.borrow();
        s.seq != self.seq || s.closed || s.force_close || s.peer_eof
    }

    /// Polls [`flush`](Self::flush).
    pub fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), WriteError>> {
        let mut s = self.shared.borrow_mut();
        self.check(&s)?;
        if s.buffered() <= s.write_low_water {
            return Poll::Ready(Ok(()));
        }
        s.add_waiter(cx.waker());
        s.wake_driver();
        Poll::Pending
    }

    /// Waits until buffered output has drained below the low-water mark (Tornado's
    /// `flush()`); `Err(Closed)` if the client goes away first.
    pub async fn flush(&mut self) -> Result<(), WriteError> {
        std::future::poll_fn(|cx| self.poll_flush(cx)).await
    }

    /// Resolves when the client has gone away (Tornado's `on_connection_close`).
    pub async fn closed(&self) {
        self.close_watch().await
    }

    /// Answers with `101 Switching Protocols` and takes the connection over (for WebSockets):
    /// `head` (status 101 and its headers) is written, and the returned future resolves to the
    /// socket, with any bytes the client sent after the request, once the head is flushed.
    /// The connection then serves no more HTTP; it ends when the future that called this
    /// (the delegate's) completes.
    pub fn upgrade(mut self, head: &ResponseHead) -> Result<UpgradeFuture, WriteError> {
        if head.status != 101 {
            return Err(WriteError::from(EncodeError::OutOfOrder(
                "an upgrade needs a 101 response",
            )));
        }
        self.write_head(head)?;
        self.finished = true;
        let mut s = self.shared.borrow_mut();
        s.upgrade_requested = true;
        s.wake_driver();
        Ok(UpgradeFuture {
            shared: self.shared.clone(),
            seq: self.seq,
        })
    }

    /// A `'static` future that resolves when the client goes away (or the request is over).
    pub fn close_watch(&self) -> CloseWatch {
        CloseWatch {
            shared: self.shared.clone(),
            seq: self.seq,
        }
    }
}

/// A connection taken over after `101 Switching Protocols`; see [`ResponseWriter::upgrade`].
#[derive(Debug)]
pub struct Upgraded {
    /// The socket.
    pub io: ServerStream,
    /// Bytes already read from the socket after the request (the new protocol's first bytes).
    pub read_buf: BytesMut,
}

/// Resolves to the [`Upgraded`] connection once the `101` response is flushed, or to
/// `Err(Closed)` if the client went away first.
pub struct UpgradeFuture {
    shared: SharedRef,
    seq: u64,
}

impl fmt::Debug for UpgradeFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UpgradeFuture")
    }
}

impl Future for UpgradeFuture {
    type Output = Result<Upgraded, WriteError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = self.shared.borrow_mut();
        if let Some(up) = s.upgraded.take() {
            return Poll::Ready(Ok(up));
        }
        if s.seq != self.seq || s.closed || s.force_close {
            return Poll::Ready(Err(WriteError::Closed));
        }
        s.add_waiter(cx.waker());
        Poll::Pending
    }
}

/// Resolves when a request's client has gone away; see [`ResponseWriter::close_watch`].
pub struct CloseWatch {
    shared: SharedRef,
    seq: u64,
}

impl fmt::Debug for CloseWatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CloseWatch")
    }
}

impl Future for CloseWatch {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.shared.borrow_mut();
        if s.seq != self.seq || s.closed || s.force_close || s.peer_eof {
            Poll::Ready(())
        } else {
            s.add_waiter(cx.waker());
            Poll::Pending
        }
    }
}

/// Encodes a response head into the connection's output; while the server shuts down it
/// asks the client to close.
#[inline(always)]
fn encode_head(s: &mut super::shared::Shared, head: &ResponseHead) -> Result<(), EncodeError> {
    let mut ctx = s.ctx;
    if s.shutdown {
        ctx.keep_alive = false;
    }
    s.encoder.encode_head(head, ctx, &mut s.out)
}

impl Drop for ResponseWriter {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if let Ok(mut s) = self.shared.try_borrow_mut() {
            if s.seq == self.seq && !s.finished {
                s.abandoned = true;
                s.wake_driver();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_results_fit_in_registers() {
        assert_eq!(std::mem::size_of::<WriteError>(), 8);
        assert!(std::mem::size_of::<Result<Result<(), WriteError>, WriteError>>() <= 16);
        let e = WriteError::from(EncodeError::OutOfOrder("a second response head"));
        assert!(matches!(&e, WriteError::Encode(inner)
            if matches!(**inner, EncodeError::OutOfOrder(_))));
        assert_eq!(
            e.to_string(),
            EncodeError::OutOfOrder("a second response head").to_string()
        );
    }
}
