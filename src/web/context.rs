//! [`HandlerContext`]: a request handler's actor context, created lazily around the
//! request-scoped API of [`RequestContext`].

use std::cell::OnceCell;
use std::ops::{Deref, DerefMut};

use actix::dev::{AsyncContextParts, ContextParts, Envelope, Mailbox, OneshotSender, ToEnvelope};
use actix::{
    Actor, ActorContext, ActorFuture, ActorState, Addr, AsyncContext, Handler, Message, SpawnHandle,
};

use super::request::RequestContext;

/// The actix part of a handler's context: created on first use (its address, a spawned
/// future), so that a handler that finishes inline never pays for a mailbox.
struct ActorParts<H>
where
    H: Actor<Context = HandlerContext<H>>,
{
    parts: ContextParts<H>,
    mailbox: Option<Mailbox<H>>,
}

/// The context of a request handler: the request and response API (everything of
/// [`RequestContext`], reached through `Deref`) and, because every handler is an actor, an
/// actix context — [`address`](AsyncContext::address), `spawn`, `run_later`, `notify` and the
/// rest of [`AsyncContext`].
///
/// A handler that finishes inside its verb method never becomes a running actor: no mailbox is
/// made unless the handler asks for its address or spawns work. A handler that calls
/// [`keep_open`](RequestContext::keep_open) lives on after its verb method returns: it is then
/// polled as an actor on the connection's task, receives the messages sent to its address
/// (`impl Handler<M> for MyHandler`), and ends when it finishes the response (or when the client
/// goes away, after `on_connection_close`).
pub struct HandlerContext<H>
where
    H: Actor<Context = HandlerContext<H>>,
{
    actor: OnceCell<Box<ActorParts<H>>>,
    core: RequestContext,
}

impl<H> HandlerContext<H>
where
    H: Actor<Context = HandlerContext<H>>,
{
    pub(crate) fn new(core: RequestContext) -> Self {
        HandlerContext {
            actor: OnceCell::new(),
            core,
        }
    }

    fn actor_parts(&self) -> &ActorParts<H> {
        self.actor.get_or_init(|| {
            let mailbox = Mailbox::default();
            Box::new(ActorParts {
                parts: ContextParts::new(mailbox.sender_producer()),
                mailbox: Some(mailbox),
            })
        })
    }

    fn actor_parts_mut(&mut self) -> &mut ActorParts<H> {
        self.actor_parts();
        match self.actor.get_mut() {
            Some(parts) => parts,
            None => unreachable!("actor parts were just created"),
        }
    }

    /// Takes the mailbox for running the handler as an actor.
    pub(crate) fn take_mailbox(&mut self) -> Mailbox<H> {
        self.actor_parts_mut().mailbox.take().unwrap_or_default()
    }
}

impl<H> Deref for HandlerContext<H>
where
    H: Actor<Context = HandlerContext<H>>,
{
    type Target = RequestContext;
    fn deref(&self) -> &RequestContext {
        &self.core
    }
}

impl<H> DerefMut for HandlerContext<H>
where
    H: Actor<Context = HandlerContext<H>>,
{
    fn deref_mut(&mut self) -> &mut RequestContext {
        &mut self.core
    }
}

impl<H> ActorContext for HandlerContext<H>
where
    H: Actor<Context = HandlerContext<H>>,
{
    fn stop(&mut self) {
        self.actor_parts_mut().parts.stop();
    }

    fn terminate(&mut self) {
        self.actor_parts_mut().parts.terminate();
    }

    fn state(&self) -> ActorState {
        match self.actor.get() {
            Some(a) => a.parts.state(),
            None => ActorState::Running,
        }
    }
}

impl<H> AsyncContext<H> for HandlerContext<H>
where
    H: Actor<Context = HandlerContext<H>>,
{
    fn address(&self) -> Addr<H> {
        self.actor_parts().parts.address()
    }

    fn spawn<F>(&mut self, fut: F) -> SpawnHandle
    where
        F: ActorFuture<H, Output = ()> + 'static,
    {
        self.actor_parts_mut().parts.spawn(fut)
    }

    fn wait<F>(&mut self, fut: F)
    where
        F: ActorFuture<H, Output = ()> + 'static,
    {
        self.actor_parts_mut().parts.wait(fut)
    }

    fn waiting(&self) -> bool {
        self.actor.get().is_some_and(|a| a.parts.waiting())
    }

    fn cancel_future(&mut self, handle: SpawnHandle) -> bool {
        self.actor_parts_mut().parts.cancel_future(handle)
    }
}

impl<H> AsyncContextParts<H> for HandlerContext<H>
where
    H: Actor<Context = HandlerContext<H>>,
{
    fn parts(&mut self) -> &mut ContextParts<H> {
        &mut self.actor_parts_mut().parts
    }
}

impl<H, M> ToEnvelope<H, M> for HandlerContext<H>
where
    H: Actor<Context = HandlerContext<H>> + Handler<M>,
    M: Message + Send + 'static,
    M::Result: Send,
{
    fn pack(msg: M, tx: Option<OneshotSender<M::Result>>) -> Envelope<H> {
        Envelope::new(msg, tx)
    }
}
