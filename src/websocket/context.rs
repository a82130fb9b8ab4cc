//! [`WebSocketContext`]: the actix context of a WebSocket handler actor.

use std::net::SocketAddr;
use std::ops::Deref;

use super::codec::{Message, OpCode};
use super::conn::{Drain, SharedRef};
use super::error::WebSocketError;
use crate::web::RequestContext;
use actix::dev::{AsyncContextParts, ContextParts, Envelope, Mailbox, OneshotSender, ToEnvelope};
use actix::{
    Actor, ActorContext, ActorFuture, ActorState, Addr, AsyncContext, Handler,
    Message as ActixMessage, SpawnHandle,
};

/// The context of a WebSocket handler actor: an actix context (address, `spawn`,
/// `run_interval`, `notify`, … through [`AsyncContext`]) plus the connection — writing
/// messages, pings, closing — and, through `Deref`, the handshake request's
/// [`RequestContext`] (headers, arguments, cookies, signed cookies, the current user).
///
/// The actor runs on its connection's task: its timers and the messages other actors send it
/// keep flowing whatever the peer does, because the socket is driven by a future inside this
/// same context.
pub struct WebSocketContext<A>
where
    A: Actor<Context = WebSocketContext<A>>,
{
    parts: ContextParts<A>,
    mailbox: Option<Mailbox<A>>,
    pub(crate) shared: SharedRef,
    request: RequestContext,
    subprotocol: Option<String>,
    peer: Option<SocketAddr>,
}

impl<A> WebSocketContext<A>
where
    A: Actor<Context = WebSocketContext<A>>,
{
    pub(crate) fn new(
        shared: SharedRef,
        request: RequestContext,
        subprotocol: Option<String>,
        peer: Option<SocketAddr>,
    ) -> Self {
        let mailbox = Mailbox::default();
        WebSocketContext {
            parts: ContextParts::new(mailbox.sender_producer()),
            mailbox: Some(mailbox),
            shared,
            request,
            subprotocol,
            peer,
        }
    }

    pub(crate) fn take_mailbox(&mut self) -> Mailbox<A> {
        self.mailbox.take().unwrap_or_default()
    }

    pub(crate) fn stop_now(&mut self) {
        self.parts.stop();
    }

    /// Sends a message: text as a text frame, bytes as a binary frame. The returned [`Drain`]
    /// resolves once it is written to the socket (await it to follow a slow peer; dropping it
    /// is fine). `Err(Closed)` once the connection is closing; `Err(BufferFull)` (and the
    /// connection is closed) when the peer has not read `max_write_buffer_size` bytes.
    pub fn write_message(&mut self, message: impl Into<Message>) -> Result<Drain, WebSocketError> {
        let message = message.into();
        self.write_raw(!message.is_binary(), message.as_bytes())
    }

    /// Sends `data` as a text (`binary = false`) or binary message without copying it into a
    /// [`Message`] first.
    pub fn write_raw(&mut self, text: bool, data: &[u8]) -> Result<Drain, WebSocketError> {
        let target = self.shared.borrow_mut().write_data(text, data)?;
        Ok(Drain::new(self.shared.clone(), target))
    }

    /// Sends a value serialised as JSON, as a text message (Tornado's `write_message(dict)`).
    pub fn write_json<T: serde::Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<Drain, WebSocketError> {
        let text = serde_json::to_vec(value).map_err(WebSocketError::Json)?;
        self.write_raw(true, &text)
    }

    /// Sends a ping (payload cut to 125 bytes).
    pub fn ping(&mut self, data: impl AsRef<[u8]>) -> Result<(), WebSocketError> {
        self.shared
            .borrow_mut()
            .write_control(OpCode::Ping, data.as_ref())
            .map(|_| ())
    }

    /// Starts the close handshake with a code (1000 is a normal close) and a reason;
    /// [`on_close`](super::WebSocketHandler::on_close) runs when it completes (or times out).
    pub fn close(&mut self, code: Option<u16>, reason: &str) {
        self.shared.borrow_mut().close(code, reason);
    }

    /// `true` once the close handshake has started or the connection is gone.
    pub fn is_closing(&self) -> bool {
        self.shared.borrow().is_closing()
    }

    /// The code of the peer's close frame, once it came (Tornado's `close_code`).
    pub fn close_code(&self) -> Option<u16> {
        self.shared.borrow().close_code
    }

    /// The reason of the peer's close frame (Tornado's `close_reason`).
    pub fn close_reason(&self) -> Option<String> {
        self.shared.borrow().close_reason.clone()
    }

    /// Turns Nagle's algorithm off (`true`) or on for this connection's socket.
    pub fn set_nodelay(&mut self, on: bool) {
        self.shared.borrow_mut().nodelay = Some(on);
    }

    /// The subprotocol chosen by `select_subprotocol`, if any.
    pub fn selected_subprotocol(&self) -> Option<&str> {
        self.subprotocol.as_deref()
    }

    /// The peer's socket address (`None` on Unix sockets).
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// Bytes queued and not yet written to the peer.
    pub fn write_buffer_size(&self) -> usize {
        self.shared.borrow().buffered()
    }

    /// `true` when more is queued than the `write_high_water` setting: a producer should
    /// wait for a [`Drain`] before writing more.
    pub fn is_write_buffer_high(&self) -> bool {
        let s = self.shared.borrow();
        s.buffered() >= s.settings.write_high_water
    }

    /// The handshake request's context (also reachable through `Deref`).
    pub fn handshake(&self) -> &RequestContext {
        &self.request
    }
}

impl<A> Deref for WebSocketContext<A>
where
    A: Actor<Context = WebSocketContext<A>>,
{
    type Target = RequestContext;
    fn deref(&self) -> &RequestContext {
        &self.request
    }
}

impl<A> std::fmt::Debug for WebSocketContext<A>
where
    A: Actor<Context = WebSocketContext<A>>,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketContext")
            .field("peer", &self.peer)
            .field("subprotocol", &self.subprotocol)
            .finish_non_exhaustive()
    }
}

impl<A> ActorContext for WebSocketContext<A>
where
    A: Actor<Context = WebSocketContext<A>>,
{
    /// Closes the connection (code 1000) and stops the actor once the close handshake is
    /// done; `on_close` runs first.
    fn stop(&mut self) {
        if self.shared.borrow().finished {
            self.parts.stop();
        } else {
            self.close(Some(1000), "");
        }
    }

    /// Stops at once, dropping the connection without a close handshake.
    fn terminate(&mut self) {
        self.shared.borrow_mut().abort();
        self.parts.terminate();
    }

    fn state(&self) -> ActorState {
        self.parts.state()
    }
}

impl<A> AsyncContext<A> for WebSocketContext<A>
where
    A: Actor<Context = WebSocketContext<A>>,
{
    fn address(&self) -> Addr<A> {
        self.parts.address()
    }

    fn spawn<F>(&mut self, fut: F) -> SpawnHandle
    where
        F: ActorFuture<A, Output = ()> + 'static,
    {
        self.parts.spawn(fut)
    }

    fn wait<F>(&mut self, fut: F)
    where
        F: ActorFuture<A, Output = ()> + 'static,
    {
        self.parts.wait(fut)
    }

    fn waiting(&self) -> bool {
        self.parts.waiting()
    }

    fn cancel_future(&mut self, handle: SpawnHandle) -> bool {
        self.parts.cancel_future(handle)
    }
}

impl<A> AsyncContextParts<A> for WebSocketContext<A>
where
    A: Actor<Context = WebSocketContext<A>>,
{
    fn parts(&mut self) -> &mut ContextParts<A> {
        &mut self.parts
    }
}

impl<A, M> ToEnvelope<A, M> for WebSocketContext<A>
where
    A: Actor<Context = WebSocketContext<A>> + Handler<M>,
    M: ActixMessage + Send + 'static,
    M::Result: Send,
{
    fn pack(msg: M, tx: Option<OneshotSender<M::Result>>) -> Envelope<A> {
        Envelope::new(msg, tx)
    }
}
