//! One WebSocket connection's machinery, shared by the server's handler actors and the client:
//! the state both the writer and the I/O driver see ([`WsShared`]), and the driver
//! ([`WsIo`]) that owns the socket, writes the outbound buffer, reads and decodes frames,
//! answers pings, runs the close handshake and the timers.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Sleep;
use tokio_util::codec::Decoder;

use super::codec::{CloseFrame, CodecError, Incoming, Message, OpCode, WebSocketCodec};
use super::error::WebSocketError;
use super::settings::WebSocketSettings;

pub(crate) type SharedRef = Rc<RefCell<WsShared>>;

/// State shared by a connection's writers and its driver; lives on one thread.
#[derive(Debug)]
pub(crate) struct WsShared {
    pub(crate) codec: WebSocketCodec,
    /// Encoded frames not yet written.
    pub(crate) out: BytesMut,
    /// Bytes ever queued / written (for [`Drain`]).
    queued: u64,
    written: u64,
    pub(crate) settings: WebSocketSettings,
    close_sent: bool,
    close_sent_at: Option<Instant>,
    close_received: bool,
    /// The connection is over (closed both ways, aborted, or the peer vanished).
    pub(crate) finished: bool,
    /// The code and reason of the peer's close frame.
    pub(crate) close_code: Option<u16>,
    pub(crate) close_reason: Option<String>,
    pub(crate) nodelay: Option<bool>,
    driver_polling: bool,
    driver_waker: Option<Waker>,
    waiters: Vec<Waker>,
}

impl WsShared {
    pub(crate) fn new(codec: WebSocketCodec, settings: WebSocketSettings) -> SharedRef {
        Rc::new(RefCell::new(WsShared {
            codec,
            out: BytesMut::new(),
            queued: 0,
            written: 0,
            settings,
            close_sent: false,
            close_sent_at: None,
            close_received: false,
            finished: false,
            close_code: None,
            close_reason: None,
            nodelay: None,
            driver_polling: false,
            driver_waker: None,
            waiters: Vec::new(),
        }))
    }

    fn wake_driver(&self) {
        if !self.driver_polling {
            if let Some(w) = &self.driver_waker {
                w.wake_by_ref();
            }
        }
    }

    fn wake_waiters(&mut self) {
        for w in self.waiters.drain(..) {
            w.wake();
        }
    }

    fn writable(&self) -> Result<(), WebSocketError> {
        if self.close_sent || self.finished {
            Err(WebSocketError::Closed)
        } else {
            Ok(())
        }
    }

    /// Checks the buffer limit after queuing `before..out.len()`; returns the drain target.
    fn queued_from(&mut self, before: usize) -> Result<u64, WebSocketError> {
        if self.out.len() > self.settings.max_write_buffer_size {
            tracing::info!(
                target: "tornado.general",
                "websocket write buffer over {} bytes; closing",
                self.settings.max_write_buffer_size
            );
            self.abort();
            return Err(WebSocketError::BufferFull);
        }
        self.queued += (self.out.len() - before) as u64;
        self.wake_driver();
        Ok(self.queued)
    }

    /// Queues a data message.
    pub(crate) fn write_data(&mut self, text: bool, data: &[u8]) -> Result<u64, WebSocketError> {
        self.writable()?;
        let before = self.out.len();
        self.codec
            .encode_data(text, data, &mut self.out)
            .map_err(|e| match e {
                CodecError::Io(e) => WebSocketError::Io(e),
                CodecError::Protocol(p) => WebSocketError::Protocol(p),
            })?;
        self.queued_from(before)
    }

    /// Queues a control frame.
    pub(crate) fn write_control(
        &mut self,
        opcode: OpCode,
        data: &[u8],
    ) -> Result<u64, WebSocketError> {
        self.writable()?;
        let before = self.out.len();
        self.codec.encode_control(opcode, data, &mut self.out);
        self.queued_from(before)
    }

    /// Starts the close handshake (no-op if it has started).
    pub(crate) fn close(&mut self, code: Option<u16>, reason: &str) {
        if self.close_sent || self.finished {
            return;
        }
        let frame = code.map(|code| CloseFrame {
            code,
            reason: reason.to_owned(),
        });
        let before = self.out.len();
        self.codec.encode_close(frame.as_ref(), &mut self.out);
        self.queued += (self.out.len() - before) as u64;
        self.close_sent = true;
        self.close_sent_at = Some(Instant::now());
        self.wake_driver();
    }

    /// Drops the connection at once.
    pub(crate) fn abort(&mut self) {
        self.finished = true;
        self.out = BytesMut::new();
        self.wake_driver();
        self.wake_waiters();
    }

    /// `true` once a close frame has been sent or the connection is over.
    pub(crate) fn is_closing(&self) -> bool {
        self.close_sent || self.finished
    }

    pub(crate) fn buffered(&self) -> usize {
        self.out.len()
    }
}

/// Resolves when a queued message has been written to the socket (Tornado's
/// `write_message(...)` future), or with `Err(Closed)` if the connection ends first.
#[must_use = "a Drain does nothing unless awaited (dropping it does not cancel the write)"]
pub struct Drain {
    shared: SharedRef,
    target: u64,
}

impl std::fmt::Debug for Drain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Drain")
            .field("target", &self.target)
            .finish()
    }
}

impl Drain {
    pub(crate) fn new(shared: SharedRef, target: u64) -> Self {
        Drain { shared, target }
    }
}

impl Future for Drain {
    type Output = Result<(), WebSocketError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = self.shared.borrow_mut();
        if s.written >= self.target {
            return Poll::Ready(Ok(()));
        }
        if s.finished {
            return Poll::Ready(Err(WebSocketError::Closed));
        }
        if !s.waiters.iter().any(|w| w.will_wake(cx.waker())) {
            s.waiters.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// What the driver reports to its owner.
#[derive(Debug)]
pub(crate) enum Event {
    Message(Message),
    Ping(Bytes),
    Pong(Bytes),
    /// The connection is over; reported once.
    Closed,
}

#[derive(Debug, Clone, Copy)]
enum Timer {
    Ping,
    PongTimeout,
    WriteStall,
    CloseTimeout,
}

/// Owns the socket of one WebSocket connection.
pub(crate) struct WsIo<S> {
    io: S,
    read_buf: BytesMut,
    shared: SharedRef,
    read_eof: bool,
    /// No more frames are read (the peer's close came, or it broke the protocol).
    read_done: bool,
    sleep: Option<Pin<Box<Sleep>>>,
    next_ping: Option<Instant>,
    awaiting_pong_since: Option<Instant>,
    write_stalled_since: Option<Instant>,
    done: bool,
    /// The owner cannot take more messages now: do not read (writes and timers go on).
    pub(crate) read_paused: bool,
}

impl<S: AsyncRead + AsyncWrite + Unpin> WsIo<S> {
    pub(crate) fn new(io: S, read_buf: BytesMut, shared: SharedRef) -> Self {
        let next_ping = shared
            .borrow()
            .settings
            .ping_interval
            .map(|i| Instant::now() + i);
        WsIo {
            io,
            read_buf,
            shared,
            read_eof: false,
            read_done: false,
            sleep: None,
            next_ping,
            awaiting_pong_since: None,
            write_stalled_since: None,
            done: false,
            read_paused: false,
        }
    }

    /// Sets `TCP_NODELAY` through `f` when a writer asked for it.
    pub(crate) fn take_nodelay(&self) -> Option<bool> {
        self.shared.borrow_mut().nodelay.take()
    }

    /// The shared state.
    pub(crate) fn shared(&self) -> &SharedRef {
        &self.shared
    }

    /// The socket.
    pub(crate) fn get_ref(&self) -> &S {
        &self.io
    }

    /// Drives the connection until it has something to report.
    pub(crate) fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Event> {
        if self.done {
            return Poll::Ready(Event::Closed);
        }
        {
            let mut s = self.shared.borrow_mut();
            s.driver_polling = true;
            if !s
                .driver_waker
                .as_ref()
                .is_some_and(|w| w.will_wake(cx.waker()))
            {
                s.driver_waker = Some(cx.waker().clone());
            }
        }
        let result = self.run(cx);
        self.shared.borrow_mut().driver_polling = false;
        result
    }

    fn finish(&mut self, cx: &mut Context<'_>) -> Poll<Event> {
        // Best effort: the socket is dropped with the driver anyway.
        let _ = Pin::new(&mut self.io).poll_shutdown(cx);
        self.done = true;
        self.sleep = None;
        let mut s = self.shared.borrow_mut();
        s.finished = true;
        s.out = BytesMut::new();
        s.wake_waiters();
        Poll::Ready(Event::Closed)
    }

    /// Writes buffered output; `Err` if the socket failed.
    fn poll_write(&mut self, cx: &mut Context<'_>) -> Result<(), ()> {
        let mut s = self.shared.borrow_mut();
        let mut progressed = false;
        while !s.out.is_empty() {
            match Pin::new(&mut self.io).poll_write(cx, &s.out) {
                Poll::Ready(Ok(0)) => return Err(()),
                Poll::Ready(Ok(n)) => {
                    s.out.advance(n);
                    s.written += n as u64;
                    progressed = true;
                }
                Poll::Ready(Err(e)) => {
                    tracing::debug!(target: "tornado.general", "websocket write error: {e}");
                    return Err(());
                }
                Poll::Pending => break,
            }
        }
        if s.out.is_empty() {
            self.write_stalled_since = None;
            if s.out.capacity() > 8 * 1024 {
                // Do not keep a burst's buffer for the life of an idle connection.
                s.out = BytesMut::new();
            }
        } else if progressed || self.write_stalled_since.is_none() {
            self.write_stalled_since = Some(Instant::now());
        }
        if progressed && !s.waiters.is_empty() {
            s.wake_waiters();
        }
        Ok(())
    }

    fn run(&mut self, cx: &mut Context<'_>) -> Poll<Event> {
        loop {
            if self.poll_write(cx).is_err() {
                return self.finish(cx);
            }
            {
                let s = self.shared.borrow();
                if s.finished {
                    drop(s);
                    return self.finish(cx);
                }
                let handshake_done = s.close_sent && (s.close_received || self.read_eof);
                if (handshake_done && s.out.is_empty()) || (self.read_eof && !s.close_sent) {
                    drop(s);
                    return self.finish(cx);
                }
            }

            // Read and decode, unless the peer is not reading what we already owe it.
            let paused = self.read_paused || {
                let s = self.shared.borrow();
                s.out.len() >= s.settings.write_high_water
            };
            if !self.read_done && !paused {
                let decoded = self.shared.borrow_mut().codec.decode(&mut self.read_buf);
                match decoded {
                    Ok(Some(item)) => {
                        if let Some(event) = self.on_item(item) {
                            return Poll::Ready(event);
                        }
                        continue;
                    }
                    Ok(None) if !self.read_eof => {
                        if self.read_buf.capacity() - self.read_buf.len() < 4096 {
                            self.read_buf.reserve(8192);
                        }
                        match tokio_util::io::poll_read_buf(
                            Pin::new(&mut self.io),
                            cx,
                            &mut self.read_buf,
                        ) {
                            Poll::Ready(Ok(0)) => {
                                self.read_eof = true;
                                continue;
                            }
                            Poll::Ready(Ok(_)) => continue,
                            Poll::Ready(Err(e)) => {
                                tracing::debug!(target: "tornado.general", "websocket read error: {e}");
                                self.read_eof = true;
                                continue;
                            }
                            Poll::Pending => {
                                if self.read_buf.is_empty() {
                                    // An idle connection keeps no read buffer.
                                    self.read_buf = BytesMut::new();
                                }
                            }
                        }
                    }
                    Ok(None) => {}
                    Err(CodecError::Protocol(e)) => {
                        tracing::info!(target: "tornado.general", "websocket protocol error: {e}");
                        self.read_done = true;
                        // Nothing more is read: once our close frame is out, we are done.
                        self.read_eof = true;
                        self.shared.borrow_mut().close(Some(e.close_code()), "");
                        continue;
                    }
                    Err(CodecError::Io(e)) => {
                        tracing::debug!(target: "tornado.general", "websocket error: {e}");
                        return self.finish(cx);
                    }
                }
            }

            // Timers.
            let Some((deadline, timer)) = self.deadline() else {
                self.sleep = None;
                return Poll::Pending;
            };
            let deadline = tokio::time::Instant::from_std(deadline);
            match &mut self.sleep {
                Some(s) if s.deadline() == deadline => {}
                Some(s) => s.as_mut().reset(deadline),
                None => self.sleep = Some(Box::pin(tokio::time::sleep_until(deadline))),
            }
            let fired = match &mut self.sleep {
                Some(s) => s.as_mut().poll(cx).is_ready(),
                None => false,
            };
            if !fired {
                return Poll::Pending;
            }
            self.sleep = None;
            self.on_timer(timer);
        }
    }

    fn on_item(&mut self, item: Incoming) -> Option<Event> {
        let mut s = self.shared.borrow_mut();
        match item {
            // Messages that arrive after our close frame are still delivered (RFC 6455 §1.4:
            // the peer may send until it has seen our close).
            Incoming::Message(m) => Some(Event::Message(m)),
            Incoming::Ping(p) => {
                if !s.close_sent {
                    let _ = s.write_control(OpCode::Pong, &p);
                }
                Some(Event::Ping(p))
            }
            Incoming::Pong(p) => {
                self.awaiting_pong_since = None;
                Some(Event::Pong(p))
            }
            Incoming::Close(frame) => {
                s.close_received = true;
                self.read_done = true;
                let code = frame.as_ref().map(|f| f.code);
                if let Some(f) = frame {
                    s.close_code = Some(f.code);
                    s.close_reason = Some(f.reason);
                }
                // Echo the peer's code (RFC 6455 §5.5.1); a close without a code gets one
                // without a code.
                s.close(code, "");
                None
            }
        }
    }

    fn deadline(&self) -> Option<(Instant, Timer)> {
        let s = self.shared.borrow();
        let settings = &s.settings;
        let mut best: Option<(Instant, Timer)> = None;
        let mut consider = |t: Instant, which: Timer| {
            if best.is_none_or(|(b, _)| t < b) {
                best = Some((t, which));
            }
        };
        if !s.close_sent {
            if let Some(t) = self.next_ping {
                consider(t, Timer::Ping);
            }
        }
        if let (Some(since), Some(limit)) =
            (self.awaiting_pong_since, settings.effective_ping_timeout())
        {
            consider(since + limit, Timer::PongTimeout);
        }
        if let Some(since) = self.write_stalled_since {
            consider(since + settings.write_timeout, Timer::WriteStall);
        }
        if let Some(at) = s.close_sent_at {
            consider(at + settings.close_timeout, Timer::CloseTimeout);
        }
        best
    }

    fn on_timer(&mut self, timer: Timer) {
        let mut s = self.shared.borrow_mut();
        match timer {
            Timer::Ping => {
                let now = Instant::now();
                self.next_ping = s.settings.ping_interval.map(|i| now + i);
                if s.write_control(OpCode::Ping, b"").is_ok() {
                    self.awaiting_pong_since.get_or_insert(now);
                }
            }
            Timer::PongTimeout => {
                tracing::info!(target: "tornado.general", "websocket ping timed out; closing");
                s.abort();
            }
            Timer::WriteStall => {
                tracing::info!(target: "tornado.general", "websocket peer stopped reading; closing");
                s.abort();
            }
            Timer::CloseTimeout => {
                tracing::debug!(target: "tornado.general", "websocket close handshake timed out");
                s.abort();
            }
        }
    }
}
