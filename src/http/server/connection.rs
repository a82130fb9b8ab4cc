//! The connection actor: one per accepted socket. It owns the socket and drives reading,
//! decoding, the request's handler and writing from a single future in its own context.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::net::IpAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use actix::prelude::*;
use bytes::{Buf, BytesMut};
use futures_util::future::LocalBoxFuture;
use tokio::io::AsyncWrite;
use tokio::time::Sleep;
use tokio_util::codec::Decoder;

use crate::http::codec::{
    BodyLength, DecodeError, RequestDecoder, RequestHead, RequestItem, ResponseContext,
    ResponseEncoder, ResponseHead,
};
use crate::http::{clock, SharedStr};

use super::delegate::{
    Body, BodyError, ConnectionInfo, HttpServerDelegate, ResponseWriter, ServerRequest, Upgraded,
};
use super::settings::ServerSettings;
use super::shared::{Shared, SharedRef};
use super::stream::ServerStream;

/// How much of a body nobody read is discarded to keep a connection alive.
const MAX_DRAIN: u64 = 1 << 20;

/// At most this many pipelined requests are decoded ahead of the one being served.
const MAX_AHEAD: usize = 32;

/// Everything a connection needs from its server. Generic over the delegate, so that a
/// server made with a concrete delegate (an `Application`) calls it directly: its routing and
/// request building can then be inlined into the connection's request path.
pub(crate) struct ConnParams<D: ?Sized = dyn HttpServerDelegate> {
    pub(crate) settings: Arc<ServerSettings>,
    pub(crate) delegate: Arc<D>,
}

/// Ask a connection to close once its current request is done.
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct GracefulClose;

/// Close a connection now.
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct ForceClose;

/// The connection's socket is closed: its task has ended.
#[derive(Message)]
#[rtype(result = "()")]
struct SocketClosed;

/// The connection actor. It owns the task that runs the connection's I/O loop (the driver,
/// and after an upgrade the delegate's future), takes the server's messages, which it passes
/// to that loop through the state they share, and stops when the task ends.
///
/// The loop is a task of its own on the worker's arbiter rather than a future spawned into
/// the actor's context: a wake-up of the socket then polls the loop directly, without a pass
/// through the actor's context and mailbox first (in plain keep-alive traffic, every request
/// wakes the connection twice).
pub(crate) struct Connection {
    shared: SharedRef,
    task: Option<actix_rt::task::JoinHandle<()>>,
    on_stop: Option<Box<dyn FnOnce()>>,
}

/// Tells the connection actor that its task ended, however it ended (dropped with its arbiter,
/// or unwinding), so that the actor never outlives its socket.
struct TaskGuard(Addr<Connection>);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.do_send(SocketClosed);
    }
}

impl Connection {
    /// Starts a connection actor on the current arbiter for an accepted socket. `handshake`
    /// turns the raw stream into the one to serve (TLS), within the header timeout.
    pub(crate) fn start<D: HttpServerDelegate + ?Sized>(
        stream: LocalBoxFuture<'static, std::io::Result<ServerStream>>,
        info: ConnectionInfo,
        params: Rc<ConnParams<D>>,
        on_stop: Box<dyn FnOnce()>,
    ) -> Addr<Connection> {
        let settings = params.settings.clone();
        let shared = Rc::new(RefCell::new(Shared::new(
            settings.write_high_water,
            settings.write_low_water,
        )));
        let driver_shared = shared.clone();
        let header_timeout = settings.header_timeout;
        let driver = async move {
            let io = match tokio::time::timeout(header_timeout, stream).await {
                Ok(Ok(io)) => io,
                Ok(Err(e)) => {
                    tracing::debug!(target: "tornado.general", "connection setup failed: {e}");
                    return;
                }
                Err(_) => {
                    tracing::debug!(target: "tornado.general", "connection setup timed out");
                    return;
                }
            };
            // The driver lives in its own scope, so its storage is not kept (and doubled)
            // beside an upgraded connection's future for the socket's whole life.
            let upgraded = {
                let mut driver = Driver::new(io, info, params, driver_shared);
                (&mut driver).await;
                driver.into_upgrade()
            };
            if let Some((fut, shared)) = upgraded {
                run_upgraded(fut, shared).await;
            }
        };
        Connection::create(move |ctx| {
            let guard = TaskGuard(ctx.address());
            let task = actix_rt::spawn(async move {
                let _guard = guard;
                driver.await;
            });
            Connection {
                shared,
                task: Some(task),
                on_stop: Some(on_stop),
            }
        })
    }
}

/// Runs an upgraded connection's future (the delegate now owns the socket) to its end on the
/// connection's task, catching panics; dropped at once when the server force-closes.
async fn run_upgraded(mut fut: LocalBoxFuture<'static, ()>, shared: SharedRef) {
    std::future::poll_fn(|cx| {
        if shared.borrow().force_close {
            // The server is stopping for good: drop the upgraded connection.
            return Poll::Ready(());
        }
        match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(p) => p,
            Err(panic) => {
                log_panic(&panic);
                Poll::Ready(())
            }
        }
    })
    .await;
    let mut s = shared.borrow_mut();
    // A delegate that never took the socket closes it here.
    s.upgraded = None;
    s.closed = true;
    s.wake_waiters();
}

impl Actor for Connection {
    type Context = Context<Self>;

    fn stopped(&mut self, _: &mut Self::Context) {
        // Only the end of the task stops the actor, so it has ended already, unless the
        // arbiter is going away with both.
        if let Some(task) = self.task.take() {
            task.abort();
        }
        if let Some(f) = self.on_stop.take() {
            f();
        }
    }
}

impl Handler<SocketClosed> for Connection {
    type Result = ();
    fn handle(&mut self, _: SocketClosed, ctx: &mut Self::Context) {
        ctx.stop();
    }
}

impl Handler<GracefulClose> for Connection {
    type Result = ();
    fn handle(&mut self, _: GracefulClose, _: &mut Self::Context) {
        let mut s = self.shared.borrow_mut();
        s.shutdown = true;
        s.wake_driver();
    }
}

impl Handler<ForceClose> for Connection {
    type Result = ();
    fn handle(&mut self, _: ForceClose, _: &mut Self::Context) {
        let mut s = self.shared.borrow_mut();
        s.force_close = true;
        s.wake_driver();
        s.wake_waiters();
    }
}

enum Phase {
    /// Waiting for (or decoding) the next request's head.
    Idle,
    /// A request is being served.
    Busy(Busy),
    /// The response is done but part of the body was never read: discard it.
    Draining { discarded: u64 },
    /// Write what is buffered, then close.
    Closing,
}

struct Busy {
    fut: Option<LocalBoxFuture<'static, ()>>,
    panicked: bool,
    /// The body broke the rules: answer with this status if nothing was written.
    body_failed: Option<u16>,
}

struct Driver<D: ?Sized> {
    io: ServerStream,
    info: ConnectionInfo,
    /// The peer's IP as text, formatted once per connection and cloned into each request.
    peer_ip: SharedStr,
    /// `http` or `https`, the connection's scheme, likewise made once.
    scheme: SharedStr,
    params: Rc<ConnParams<D>>,
    shared: SharedRef,
    read_buf: BytesMut,
    decoder: RequestDecoder,
    /// Pipelined requests decoded ahead of the one being served, in order, each with whether
    /// its end was decoded too (see `decode_ahead`). Only the last can have a body.
    ahead: VecDeque<(RequestHead, bool)>,
    /// The decoder's error on a request after those in `ahead`: answered once they are.
    ahead_error: Option<DecodeError>,
    phase: Phase,
    seq: u64,
    read_eof: bool,
    decoder_failed: bool,
    sleep: Option<Pin<Box<Sleep>>>,
    idle_since: Option<Instant>,
    head_started: Option<Instant>,
    body_wait_since: Option<Instant>,
    write_stalled_since: Option<Instant>,
    shut_down: bool,
    /// The `101` of an upgrade is flushed: the socket goes to the delegate.
    upgrading: bool,
    /// Responses were produced in this poll and their write put off until the task runs
    /// again, after the other connections that were ready (see `run`).
    write_deferred: bool,
}

impl<D: HttpServerDelegate + ?Sized> Driver<D> {
    fn new(
        io: ServerStream,
        info: ConnectionInfo,
        params: Rc<ConnParams<D>>,
        shared: SharedRef,
    ) -> Self {
        let decoder = RequestDecoder::new(params.settings.codec_limits());
        let peer_ip = match info.peer_addr {
            // IPv4 and short IPv6 addresses are inline (each request copies 32 bytes rather
            // than counting a reference); longer ones are shared.
            Some(a) => {
                let ip = a.ip().to_string();
                if ip.len() <= crate::http::shared_str::INLINE_CAP {
                    SharedStr::copy_from_str(&ip)
                } else {
                    SharedStr::from(std::sync::Arc::<str>::from(ip))
                }
            }
            None => SharedStr::from_static("0.0.0.0"),
        };
        shared.borrow_mut().can_send_file = io.can_send_file();
        Driver {
            io,
            scheme: default_protocol(&info),
            info,
            peer_ip,
            params,
            shared,
            read_buf: BytesMut::with_capacity(8192),
            decoder,
            ahead: VecDeque::new(),
            ahead_error: None,
            phase: Phase::Idle,
            seq: 0,
            read_eof: false,
            decoder_failed: false,
            sleep: None,
            idle_since: None,
            head_started: None,
            body_wait_since: None,
            write_stalled_since: None,
            shut_down: false,
            upgrading: false,
            write_deferred: false,
        }
    }

    /// After an upgrade's `101` is flushed: hands the socket (and the bytes read past the
    /// request) to the delegate, and returns the delegate's future to run for the socket's life.
    fn into_upgrade(mut self) -> Option<(LocalBoxFuture<'static, ()>, SharedRef)> {
        if !self.upgrading {
            return None;
        }
        let Phase::Busy(Busy { fut: Some(fut), .. }) =
            std::mem::replace(&mut self.phase, Phase::Closing)
        else {
            return None;
        };
        let Driver {
            io,
            read_buf,
            shared,
            ..
        } = self;
        {
            let mut s = shared.borrow_mut();
            // The HTTP output buffer is done with; do not keep its capacity for the socket's life.
            s.out = BytesMut::new();
            s.upgraded = Some(Upgraded { io, read_buf });
            s.wake_waiters();
        }
        Some((fut, shared))
    }

    fn settings(&self) -> &ServerSettings {
        &self.params.settings
    }

    /// Writes an error response (if no response has started) and moves to closing.
    #[cold]
    #[inline(never)]
    fn fail_with_status(&mut self, status: u16, body: &str) {
        let mut guard = self.shared.borrow_mut();
        let s = &mut *guard;
        if !s.encoder.in_response() && !s.head_written && !s.closed {
            let mut head = ResponseHead::new(status);
            head.headers.add("Content-Length", body.len().to_string());
            if !body.is_empty() {
                head.headers.add("Content-Type", "text/html; charset=UTF-8");
            }
            let ctx = ResponseContext {
                head_request: false,
                version: crate::http::Version::Http11,
                keep_alive: false,
            };
            let mut encoder = ResponseEncoder::new();
            if encoder.encode_head(&head, ctx, &mut s.out).is_ok() {
                let _ = encoder.encode_data(body.as_bytes(), &mut s.out);
                let _ = encoder.encode_end(&mut s.out);
            }
        }
        drop(guard);
        self.phase = Phase::Closing;
    }

    /// Decodes the end of a body-less request whose head was just decoded: `true` when it
    /// is done (the request has no body to read).
    fn take_end(&mut self, head: &RequestHead) -> bool {
        // The decoder has only the end of the request to give.
        head.body == BodyLength::Empty
            && matches!(
                self.decoder.decode(&mut self.read_buf),
                Ok(Some(RequestItem::End))
            )
    }

    /// Whether the requests after `head` may be decoded before it is served: it has no body
    /// (done), the connection stays open after it, and it does not hand the socket over to
    /// another protocol (the bytes after an `Upgrade` or `CONNECT` are not HTTP).
    fn may_read_ahead(&self, head: &RequestHead, done: bool) -> bool {
        done && head.keep_alive
            && !self.params.settings.no_keep_alive
            && head.method != "CONNECT"
            && (self.decoder.last_head_was_simple() || !head.headers.contains("Upgrade"))
    }

    /// Decodes the pipelined requests already read, up to [`MAX_AHEAD`], so that a batch
    /// of requests goes through the decoder together before any is served: the decoder's
    /// code then stays in the instruction cache for the whole batch instead of being evicted
    /// by the handler and the encoder between every two requests. Stops after a request
    /// that [`may_read_ahead`](Self::may_read_ahead) refuses, at an incomplete request, and
    /// at an error (kept for when the requests before it are answered).
    fn decode_ahead(&mut self) {
        while !self.read_buf.is_empty() && self.ahead.len() < MAX_AHEAD {
            match self.decoder.decode_head(&mut self.read_buf) {
                Ok(Some(head)) => {
                    let done = self.take_end(&head);
                    let more = self.may_read_ahead(&head, done);
                    self.ahead.push_back((head, done));
                    if !more {
                        return;
                    }
                }
                Err(e) => {
                    self.ahead_error = Some(e);
                    return;
                }
                Ok(None) => return,
            }
        }
    }

    /// Starts the first request of the read-ahead queue, if there is one.
    fn start_request(&mut self) {
        let Some((head, done)) = self.ahead.front() else {
            return;
        };
        let settings = &self.params.settings;
        let ctx = ResponseContext {
            head_request: head.is_head(),
            version: head.version,
            keep_alive: head.keep_alive && !settings.no_keep_alive,
        };
        let (expect_continue, done) = (head.expect_continue, *done);
        self.seq += 1;
        let seq = self.seq;
        self.idle_since = None;
        self.head_started = None;
        self.body_wait_since = None;
        {
            let mut s = self.shared.borrow_mut();
            s.begin_request(seq, ctx, expect_continue);
            s.body_done = done;
        }
        let writer = ResponseWriter::new(self.shared.clone(), seq);
        let body = Body::new(self.shared.clone(), seq);
        let (params, peer_ip, scheme, info, ahead) = (
            &self.params,
            &self.peer_ip,
            &self.scheme,
            &self.info,
            &mut self.ahead,
        );
        // The head is taken from the queue, and the request made, inside the closure, in the
        // argument's place: taken or made outside, they were copied into the closure first.
        match catch_unwind(AssertUnwindSafe(move || {
            let Some((head, _)) = ahead.pop_front() else {
                unreachable!("the queue's first head was just read")
            };
            // Copies of values made when the connection was: made here, field by field,
            // each was read back whole an instant later, before its stores were done.
            let (mut remote_ip, mut protocol) = (peer_ip.clone(), scheme.clone());
            let settings = &params.settings;
            if settings.protocol.is_some() || settings.xheaders {
                client_address(settings, &head, &mut remote_ip, &mut protocol);
            }
            // Built in the argument's place: built first and then passed, the request (288
            // bytes) was copied there with `memcpy`.
            params.delegate.handle(
                ServerRequest {
                    head,
                    remote_ip,
                    protocol,
                    connection: *info,
                    start_time: clock::now(),
                    body,
                },
                writer,
            )
        })) {
            Ok(fut) => {
                self.phase = Phase::Busy(Busy {
                    fut: Some(fut),
                    panicked: false,
                    body_failed: None,
                })
            }
            Err(panic) => {
                log_panic(&panic);
                self.phase = Phase::Busy(Busy {
                    fut: None,
                    panicked: true,
                    body_failed: None,
                });
            }
        }
    }

    /// Work that needs no socket I/O. Returns `true` if anything changed.
    fn step(&mut self, cx: &mut TaskContext<'_>) -> bool {
        match &mut self.phase {
            Phase::Idle => self.step_idle(cx),
            Phase::Busy(_) => self.step_busy(cx),
            Phase::Draining { .. } => self.step_drain(),
            Phase::Closing => false,
        }
    }

    /// Starts the next request: the next one decoded ahead, or the first of those the buffer
    /// holds, decoded (with the ones after it) into the same queue, so that every head takes
    /// one path from the decoder to its handler.
    fn step_idle(&mut self, cx: &mut TaskContext<'_>) -> bool {
        if self.ahead.is_empty() && self.ahead_error.is_none() {
            if self.shared.borrow().shutdown && self.read_buf.is_empty() && self.decoder.is_idle() {
                self.phase = Phase::Closing;
                return true;
            }
            if !self.decoder.is_idle() {
                return self.step_idle_mid_request();
            }
            self.decode_ahead();
            if self.ahead.is_empty() && self.ahead_error.is_none() {
                return self.wait_for_head();
            }
        }
        if !self.ahead.is_empty() {
            self.start_request();
            // Most handlers are done by now (the application runs them at once): their end is
            // taken in the same step, not in another pass of the connection's loop.
            self.step_busy(cx);
            return true;
        }
        if let Some(e) = self.ahead_error.take() {
            self.on_bad_request(e);
        }
        true
    }

    /// No whole head is buffered: close if none can come, else note when the first bytes of
    /// one came (for the header timeout) and wait.
    fn wait_for_head(&mut self) -> bool {
        if self.read_eof {
            // A partial request (or none) and nothing more to come.
            self.phase = Phase::Closing;
            return true;
        }
        if !self.read_buf.is_empty() && self.head_started.is_none() {
            self.head_started = Some(clock::now());
        }
        false
    }

    /// [`step_idle`](Self::step_idle) when the decoder still has the end of the last request
    /// (or inflated body bytes) to give: what it gives is passed over (out of line: rare).
    #[cold]
    #[inline(never)]
    fn step_idle_mid_request(&mut self) -> bool {
        match self.decoder.decode(&mut self.read_buf) {
            Ok(Some(RequestItem::Head(head))) => {
                let done = self.take_end(&head);
                self.ahead.push_back((head, done));
                true
            }
            Ok(Some(_)) => true,
            Ok(None) => self.wait_for_head(),
            Err(e) => {
                self.on_bad_request(e);
                true
            }
        }
    }

    /// A request the decoder refused: logged, answered (`400` or the error's status), and the
    /// connection closes.
    #[cold]
    #[inline(never)]
    fn on_bad_request(&mut self, e: DecodeError) {
        if !e.is_io() {
            tracing::info!(
                target: "tornado.general",
                "Malformed HTTP message from {}: {}",
                self.peer_description(),
                e.message()
            );
        }
        self.decoder_failed = true;
        // Between requests: the last response is done, and its head is not this one's (a
        // malformed request after a good one on the same connection still gets its answer).
        self.shared.borrow_mut().head_written = false;
        self.fail_with_status(if e.status() == 0 { 400 } else { e.status() }, "");
    }

    #[cold]
    fn peer_description(&self) -> String {
        self.info
            .peer_addr
            .map(|a| a.ip().to_string())
            .unwrap_or_else(|| "unix socket".into())
    }

    /// Hands the handler the next piece of the body if it asked for one.
    fn feed_body(&mut self) -> bool {
        if !matches!(self.phase, Phase::Busy(_)) {
            return false;
        }
        {
            let s = self.shared.borrow();
            if !s.body_wanted || s.body_piece.is_some() || s.body_done || s.body_error.is_some() {
                return false;
            }
        }
        self.feed_body_piece()
    }

    #[inline(never)]
    fn feed_body_piece(&mut self) -> bool {
        let Phase::Busy(busy) = &mut self.phase else {
            return false;
        };
        let mut s = self.shared.borrow_mut();
        if let Some(max) = s.max_body_override.take() {
            self.decoder.set_max_body_size(max);
        }
        let s = &mut *s;
        if s.expect_continue && !s.continue_sent && !s.head_written {
            ResponseEncoder::encode_continue(&mut s.out);
            s.continue_sent = true;
        }
        match self.decoder.decode(&mut self.read_buf) {
            Ok(Some(RequestItem::Data(piece))) => {
                s.body_piece = Some(piece);
                self.body_wait_since = None;
            }
            Ok(Some(RequestItem::End)) => s.body_done = true,
            Ok(Some(RequestItem::Head(_))) => {
                s.body_error = Some(BodyError::Invalid {
                    status: 400,
                    message: "unexpected request head".into(),
                })
            }
            Ok(None) => {
                if !self.read_eof {
                    return false;
                }
                s.body_error = Some(BodyError::Closed);
                self.decoder_failed = true;
            }
            Err(e) => {
                self.decoder_failed = true;
                if e.is_io() {
                    s.body_error = Some(BodyError::Closed);
                } else {
                    tracing::info!(target: "tornado.general", "Malformed HTTP request body: {}", e.message());
                    busy.body_failed = Some(e.status());
                    s.body_error = Some(BodyError::Invalid {
                        status: e.status(),
                        message: e.message().to_owned(),
                    });
                }
            }
        }
        s.body_wanted = false;
        s.wake_waiters();
        true
    }

    fn step_busy(&mut self, cx: &mut TaskContext<'_>) -> bool {
        let mut progress = self.feed_body();
        let Phase::Busy(busy) = &mut self.phase else {
            return progress;
        };
        if let Some(fut) = &mut busy.fut {
            match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
                Ok(Poll::Pending) => {}
                Ok(Poll::Ready(())) => {
                    busy.fut = None;
                    progress = true;
                }
                Err(panic) => {
                    log_panic(&panic);
                    busy.fut = None;
                    busy.panicked = true;
                    progress = true;
                }
            }
            // The handler may have asked for body data while being polled.
            if self.feed_body() {
                return true;
            }
        }
        let Phase::Busy(busy) = &mut self.phase else {
            return progress;
        };
        if busy.fut.is_some() {
            return progress;
        }
        let (finished, abandoned, head_written, keep_alive, expect_continue, continue_sent) = {
            let s = self.shared.borrow();
            (
                s.finished,
                s.abandoned,
                s.head_written,
                s.encoder.keep_alive(),
                s.expect_continue,
                s.continue_sent,
            )
        };
        if busy.panicked || (abandoned && !finished) {
            let status = busy.body_failed.unwrap_or(500);
            self.fail_unfinished(status, head_written);
            return true;
        }
        if !finished {
            // The writer lives on elsewhere (an actor will finish the response).
            return progress;
        }
        self.phase = if !keep_alive || self.decoder_failed {
            Phase::Closing
        } else if self.ahead.is_empty() && self.decoder.in_body() {
            // (With requests decoded ahead, the decoder is past this request, whose body
            // was complete: only the last request decoded can have one.)
            if expect_continue && !continue_sent {
                // The client is waiting for our go-ahead and will not send the body now.
                Phase::Closing
            } else {
                Phase::Draining { discarded: 0 }
            }
        } else {
            Phase::Idle
        };
        true
    }

    /// The handler panicked or dropped its response unfinished: an error page if nothing was
    /// written, and the connection closes.
    #[cold]
    #[inline(never)]
    fn fail_unfinished(&mut self, status: u16, head_written: bool) {
        if head_written {
            self.phase = Phase::Closing;
        } else {
            let body = format!(
                "<html><title>{status}: {r}</title><body>{status}: {r}</body></html>",
                r = crate::http::codec::reason_phrase(status)
            );
            self.fail_with_status(status, &body);
        }
    }

    #[inline(never)]
    fn step_drain(&mut self) -> bool {
        let Phase::Draining { discarded } = &mut self.phase else {
            return false;
        };
        loop {
            match self.decoder.decode(&mut self.read_buf) {
                Ok(Some(RequestItem::Data(d))) => {
                    *discarded += d.len() as u64;
                    if *discarded > MAX_DRAIN {
                        self.phase = Phase::Closing;
                        return true;
                    }
                }
                Ok(Some(RequestItem::End)) => {
                    self.phase = Phase::Idle;
                    return true;
                }
                Ok(Some(RequestItem::Head(_))) | Err(_) => {
                    self.phase = Phase::Closing;
                    return true;
                }
                Ok(None) => {
                    if self.read_eof {
                        self.phase = Phase::Closing;
                        return true;
                    }
                    return false;
                }
            }
        }
    }

    fn want_read(&self) -> bool {
        if self.read_eof {
            return false;
        }
        match &self.phase {
            Phase::Idle | Phase::Draining { .. } => true,
            Phase::Busy(_) => self.read_buf.len() < self.settings().chunk_size.max(8192),
            Phase::Closing => false,
        }
    }

    /// Writes buffered output, and the file bytes queued between it, in order. `Ok(true)` if
    /// some was written.
    fn poll_write_out(&mut self, cx: &mut TaskContext<'_>) -> Result<bool, ()> {
        let mut wrote = false;
        loop {
            let mut guard = self.shared.borrow_mut();
            let s = &mut *guard;
            let polled = match s.files.front_mut() {
                None if s.out.is_empty() => {
                    self.write_stalled_since = None;
                    return Ok(wrote);
                }
                None => Pin::new(&mut self.io).poll_write(cx, &s.out),
                // A head before file bytes: let the kernel send both in the same segments.
                Some(f) if f.after > 0 => self.io.poll_write_more(cx, &s.out[..f.after]),
                Some(_) => match poll_file_piece(&mut self.io, s, cx) {
                    FilePiece::Sent => {
                        wrote = true;
                        self.write_stalled_since = None;
                        continue;
                    }
                    FilePiece::Again => continue,
                    FilePiece::Failed => return Err(()),
                    FilePiece::Polled(p) => p,
                },
            };
            match polled {
                Poll::Ready(Ok(0)) => return Err(()),
                Poll::Ready(Ok(n)) => {
                    s.out.advance(n);
                    if let Some(f) = s.files.front_mut() {
                        f.after -= n;
                    }
                    wrote = true;
                    self.write_stalled_since = None;
                }
                Poll::Ready(Err(e)) => {
                    tracing::debug!(target: "tornado.general", "write error: {e}");
                    return Err(());
                }
                Poll::Pending => {
                    if self.write_stalled_since.is_none() {
                        self.write_stalled_since = Some(clock::now());
                    }
                    return Ok(wrote);
                }
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn mark_closed(&mut self) {
        let mut s = self.shared.borrow_mut();
        s.closed = true;
        s.clear_output();
        s.wake_waiters();
    }

    /// The moment the current wait times out, if any.
    fn deadline(&mut self) -> Option<(Instant, &'static str)> {
        // An `Rc` clone (no atomic operation, unlike cloning the settings' `Arc`), so that
        // the settings stay readable while the fields below change.
        let params = Rc::clone(&self.params);
        let settings = &params.settings;
        let mut best: Option<(Instant, &'static str)> = None;
        let mut consider = |t: Instant, why: &'static str| {
            if best.is_none_or(|(b, _)| t < b) {
                best = Some((t, why));
            }
        };
        if let Some(since) = self.write_stalled_since {
            consider(since + settings.idle_connection_timeout, "write");
        }
        match &self.phase {
            Phase::Idle => {
                if let Some(started) = self.head_started {
                    consider(started + settings.header_timeout, "header");
                } else {
                    let since = *self.idle_since.get_or_insert_with(clock::now);
                    consider(since + settings.idle_connection_timeout, "idle");
                }
            }
            Phase::Draining { .. } => {
                let since = *self.head_started.get_or_insert_with(clock::now);
                consider(since + settings.header_timeout, "drain");
            }
            Phase::Busy(_) => {
                if let Some(limit) = settings.body_timeout {
                    if self.shared.borrow().body_wanted {
                        let since = *self.body_wait_since.get_or_insert_with(clock::now);
                        consider(since + limit, "body");
                    }
                }
            }
            Phase::Closing => {}
        }
        best
    }

    #[cold]
    #[inline(never)]
    fn on_timeout(&mut self, why: &'static str) {
        tracing::debug!(target: "tornado.general", "closing connection from {}: {why} timeout", self.peer_description());
        match why {
            "body" => {
                tracing::info!(target: "tornado.general", "Timeout reading body from {}", self.peer_description());
                let mut s = self.shared.borrow_mut();
                s.body_error = Some(BodyError::Timeout);
                s.body_wanted = false;
                s.wake_waiters();
                self.decoder_failed = true;
            }
            _ => {
                self.mark_closed();
                self.phase = Phase::Closing;
                self.shut_down = true;
            }
        }
    }

    fn run(&mut self, cx: &mut TaskContext<'_>) -> Poll<()> {
        let mut produced = false;
        loop {
            if self.shared.borrow().force_close {
                return Poll::Ready(());
            }
            // 1. Everything that needs no I/O: decode, run handlers. Pipelined requests are
            //    all answered before the batch of responses is written.
            let progressed = self.step(cx);
            let buffered = self.shared.borrow().buffered();
            if progressed && buffered < self.settings().write_high_water {
                produced = true;
                continue;
            }
            // 2. Write. New responses wait once for the other ready connections: the task
            //    goes to the back of the run queue, and the writes of everything that was
            //    ready go out together at the end of the pass. A peer reading many of the
            //    connections (a load generator, a proxy on the same host) is then woken once
            //    per pass rather than once per write; on loopback the kernel does that
            //    wake-up inside our write call, and bench/README.md shows what it saves.
            if produced && !self.write_deferred && buffered > 0 {
                self.write_deferred = true;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            self.write_deferred = false;
            let before = buffered;
            match self.poll_write_out(cx) {
                Err(()) => {
                    self.mark_closed();
                    match &self.phase {
                        Phase::Busy(b) if b.fut.is_some() => {
                            // Let the handler see the close and end.
                            self.shut_down = true;
                            continue;
                        }
                        _ => return Poll::Ready(()),
                    }
                }
                Ok(wrote) => {
                    if wrote {
                        let mut s = self.shared.borrow_mut();
                        if s.upgrade_requested && s.buffered() == 0 {
                            drop(s);
                            self.upgrading = true;
                            return Poll::Ready(());
                        }
                        if s.buffered() <= s.write_low_water && before > s.write_low_water {
                            s.wake_waiters();
                            drop(s);
                            if matches!(self.phase, Phase::Busy(_)) {
                                continue;
                            }
                        }
                    }
                }
            }
            if let Phase::Closing = self.phase {
                if self.shared.borrow().buffered() == 0 || self.shut_down {
                    if !self.shut_down {
                        let _ = Pin::new(&mut self.io).poll_shutdown(cx);
                    }
                    return Poll::Ready(());
                }
            }
            if self.shut_down && !matches!(self.phase, Phase::Busy(_)) {
                return Poll::Ready(());
            }

            // 3. Read.
            if self.want_read() {
                if self.read_buf.capacity() - self.read_buf.len() < 4096 {
                    // Bodies being read get bigger reads; heads and idle connections small ones.
                    let want = if self.shared.borrow().body_wanted {
                        self.settings().chunk_size.max(8192)
                    } else {
                        8192
                    };
                    self.read_buf.reserve(want);
                }
                match tokio_util::io::poll_read_buf(Pin::new(&mut self.io), cx, &mut self.read_buf)
                {
                    Poll::Ready(Ok(0)) => {
                        self.read_eof = true;
                        if let Phase::Busy(_) = self.phase {
                            let mut s = self.shared.borrow_mut();
                            s.peer_eof = true;
                            s.wake_waiters();
                        }
                        continue;
                    }
                    Poll::Ready(Ok(_)) => continue,
                    Poll::Ready(Err(e)) => {
                        tracing::debug!(target: "tornado.general", "read error: {e}");
                        self.read_eof = true;
                        self.mark_closed();
                        continue;
                    }
                    Poll::Pending => {}
                }
            }

            // 4. Timers. A keep-alive connection's idle deadline moves later with every
            //    request; the armed timer is left alone then (moving it costs more than the
            //    request's own work on the timer wheel) and only moved to an earlier deadline.
            //    When it fires before the real deadline, it is simply armed again.
            //    An armed timer keeps the waker of the poll that armed it (this task's, the
            //    same at every poll) until it fires, so it is polled again only when it is new,
            //    moved, or has fired: not at every pass (a poll registers the waker again).
            if let Some((deadline, why)) = self.deadline() {
                let deadline = tokio::time::Instant::from_std(deadline);
                let armed_now = match &mut self.sleep {
                    Some(s) if s.deadline() <= deadline => false,
                    Some(s) => {
                        s.as_mut().reset(deadline);
                        true
                    }
                    None => {
                        self.sleep = Some(Box::pin(tokio::time::sleep_until(deadline)));
                        true
                    }
                };
                if let Some(s) = &mut self.sleep {
                    if (armed_now || s.is_elapsed()) && s.as_mut().poll(cx).is_ready() {
                        self.sleep = None;
                        if tokio::time::Instant::now() >= deadline {
                            self.on_timeout(why);
                        }
                        continue;
                    }
                }
            }
            return Poll::Pending;
        }
    }
}

impl<D: HttpServerDelegate + ?Sized> Future for Driver<D> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        let this = self.get_mut();
        // One clock read for the requests started and answered in this poll.
        let _clock = clock::Scope::enter();
        {
            let mut s = this.shared.borrow_mut();
            s.driver_polling = true;
            if !s
                .driver_waker
                .as_ref()
                .is_some_and(|w| w.will_wake(cx.waker()))
            {
                s.driver_waker = Some(cx.waker().clone());
            }
        }
        let result = this.run(cx);
        let mut s = this.shared.borrow_mut();
        s.driver_polling = false;
        if result.is_ready() && !this.upgrading {
            s.closed = true;
            s.wake_waiters();
        }
        result
    }
}

/// What sending a piece of the front queued file did.
enum FilePiece {
    /// Some bytes went out.
    Sent,
    /// Nothing was sent: look at the output again (the file cannot be spliced and a piece of
    /// it was copied into the buffer in its place, or no file was queued after all).
    Again,
    /// The connection must close.
    Failed,
    /// The socket's answer, for the caller's usual handling.
    Polled(Poll<std::io::Result<usize>>),
}

/// Sends bytes of the first queued file (`sendfile`), kept out of the write loop, which most
/// responses run without a file.
#[inline(never)]
fn poll_file_piece(io: &mut ServerStream, s: &mut Shared, cx: &mut TaskContext<'_>) -> FilePiece {
    let Some(f) = s.files.front_mut() else {
        return FilePiece::Again;
    };
    let count = usize::try_from(f.remaining).unwrap_or(usize::MAX);
    match io.poll_send_file(cx, &f.file, &mut f.offset, count) {
        Poll::Ready(Ok(0)) => {
            // The response promised bytes the file no longer has.
            tracing::warn!(target: "tornado.general", "{}", crate::net::file_shrank());
            FilePiece::Failed
        }
        Poll::Ready(Ok(n)) => {
            f.remaining -= n as u64;
            if f.remaining == 0 {
                s.files.pop_front();
            }
            FilePiece::Sent
        }
        // A file the kernel cannot splice (some file systems): its bytes go through the
        // buffer instead, a piece at a time.
        Poll::Ready(Err(e))
            if matches!(
                e.kind(),
                std::io::ErrorKind::InvalidInput | std::io::ErrorKind::Unsupported
            ) =>
        {
            if let Err(e) = s.copy_front_file_piece(64 * 1024) {
                tracing::warn!(target: "tornado.general", "reading a file to send failed: {e}");
                return FilePiece::Failed;
            }
            FilePiece::Again
        }
        other => FilePiece::Polled(other),
    }
}

#[cold]
#[inline(never)]
fn log_panic(panic: &Box<dyn std::any::Any + Send>) {
    let msg = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-string panic)".into());
    tracing::error!(target: "tornado.application", "Uncaught panic in request handler: {msg}");
}

/// The scheme of a connection: `https` on TLS.
fn default_protocol(info: &ConnectionInfo) -> SharedStr {
    SharedStr::from_static(if info.secure { "https" } else { "http" })
}

/// Corrects the client's IP and scheme (the connection's, to start with) for the `protocol`
/// setting and `xheaders` (out of line: most servers set neither).
#[inline(never)]
fn client_address(
    settings: &ServerSettings,
    head: &RequestHead,
    remote_ip: &mut SharedStr,
    protocol: &mut SharedStr,
) {
    if let Some(p) = &settings.protocol {
        *protocol = configured_protocol(p);
    }
    if settings.xheaders {
        apply_xheaders(head, remote_ip, protocol);
    }
}

/// The `protocol` setting as a request's protocol (out of line: rarely set).
#[inline(never)]
fn configured_protocol(p: &str) -> SharedStr {
    match p {
        "http" => SharedStr::from_static("http"),
        "https" => SharedStr::from_static("https"),
        _ => p.to_owned().into(),
    }
}

/// The client's address and protocol as a proxy in front reports them (`xheaders`; out of
/// line: only behind a proxy).
#[inline(never)]
fn apply_xheaders(head: &RequestHead, remote_ip: &mut SharedStr, protocol: &mut SharedStr) {
    let forwarded = head
        .headers
        .get_list("X-Forwarded-For")
        .last()
        .and_then(|v| v.split(',').next_back())
        .map(str::trim)
        .map(str::to_owned);
    let candidate = head
        .headers
        .get("X-Real-Ip")
        .map(|v| v.trim().to_owned())
        .or(forwarded);
    if let Some(ip) = candidate {
        if ip.parse::<IpAddr>().is_ok() {
            *remote_ip = ip.into();
        }
    }
    let scheme = head
        .headers
        .get_list("X-Scheme")
        .last()
        .copied()
        .or_else(|| head.headers.get_list("X-Forwarded-Proto").last().copied())
        .and_then(|v| v.split(',').next_back())
        .map(|v| v.trim().to_ascii_lowercase());
    if let Some(scheme) = scheme {
        if scheme == "http" || scheme == "https" {
            *protocol = scheme.into();
        }
    }
}

/// How long the graceful part of a shutdown may take before connections are cut.
pub(crate) const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpHeaders;

    fn head_with(headers: &[(&str, &str)]) -> RequestHead {
        RequestHead {
            method: "GET".into(),
            uri: "/".into(),
            version: crate::http::Version::Http11,
            headers: headers.iter().copied().collect::<HttpHeaders>(),
            body: BodyLength::Empty,
            keep_alive: true,
            expect_continue: false,
        }
    }

    /// The client's IP and scheme, as `start_request` works them out.
    fn client_address(
        settings: &ServerSettings,
        peer_ip: &SharedStr,
        info: &ConnectionInfo,
        head: &RequestHead,
    ) -> (SharedStr, SharedStr) {
        let (mut ip, mut protocol) = (peer_ip.clone(), default_protocol(info));
        super::client_address(settings, head, &mut ip, &mut protocol);
        (ip, protocol)
    }

    fn info() -> ConnectionInfo {
        ConnectionInfo {
            peer_addr: Some("10.0.0.1:5000".parse().unwrap()),
            local_addr: None,
            secure: false,
        }
    }

    #[test]
    fn xheaders_off_ignores_headers() {
        let s = ServerSettings::default();
        let (ip, proto) = client_address(
            &s,
            &SharedStr::from("10.0.0.1"),
            &info(),
            &head_with(&[("X-Real-Ip", "1.2.3.4"), ("X-Scheme", "https")]),
        );
        assert_eq!((ip.as_str(), proto.as_str()), ("10.0.0.1", "http"));
    }

    #[test]
    fn xheaders_rules() {
        let s = ServerSettings {
            xheaders: true,
            ..Default::default()
        };
        let addr = |h: &[(&str, &str)]| {
            client_address(&s, &SharedStr::from("10.0.0.1"), &info(), &head_with(h))
        };
        assert_eq!(
            addr(&[("X-Forwarded-For", "1.1.1.1, 2.2.2.2")]).0,
            "2.2.2.2"
        );
        assert_eq!(
            addr(&[("X-Forwarded-For", "1.1.1.1"), ("X-Real-Ip", "3.3.3.3")]).0,
            "3.3.3.3"
        );
        assert_eq!(addr(&[("X-Real-Ip", "not-an-ip")]).0, "10.0.0.1");
        assert_eq!(addr(&[("X-Real-Ip", "")]).0, "10.0.0.1");
        assert_eq!(addr(&[("X-Real-Ip", "::1")]).0, "::1");
        assert_eq!(addr(&[("X-Forwarded-Proto", "http, https")]).1, "https");
        assert_eq!(addr(&[("X-Scheme", "HTTPS")]).1, "https");
        assert_eq!(addr(&[("X-Scheme", "ftp")]).1, "http");
        let unix = ConnectionInfo {
            peer_addr: None,
            local_addr: None,
            secure: true,
        };
        assert_eq!(
            client_address(&s, &SharedStr::from("0.0.0.0"), &unix, &head_with(&[])),
            ("0.0.0.0".into(), "https".into())
        );
    }
}
