//! The permit counter shared by [`Semaphore`](super::Semaphore),
//! [`BoundedSemaphore`](super::BoundedSemaphore) and [`Lock`](super::Lock).
//!
//! # Who owns what
//!
//! * `state` (one `AtomicU64`, shared by handles, guards and the actor) holds two counters: the
//!   permits available right now (low 32 bits) and the number of acquirers that registered as
//!   waiters and have not yet been granted or found gone (high 32 bits).
//! * The actor alone owns the queue of parked waiters and alone hands permits to them.
//!
//! An acquirer takes a permit itself only when one is available **and nobody waits** (the fast
//! path, a single compare-and-swap); otherwise it counts itself as a waiter in the same
//! compare-and-swap and sends its request to the actor, so later arrivals cannot overtake it.
//! A release adds the permit back to `state` and, if anyone waits, pokes the actor, which then
//! moves permits from `state` to the oldest live waiters.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::task::{Context as TaskContext, Poll};

use actix::{Actor, Addr, Context, Handler, Message};
use tokio::sync::oneshot;

use crate::sync::deadline::{Deadline, Waiter};
use crate::sync::error::WaitError;
use crate::sync::runtime;
use crate::sync::waiters::WaitQueue;

const ONE_WAITER: u64 = 1 << 32;
const AVAILABLE_MASK: u64 = ONE_WAITER - 1;

fn available(state: u64) -> u64 {
    state & AVAILABLE_MASK
}

fn waiting(state: u64) -> u64 {
    state >> 32
}

pub(crate) struct Permits {
    state: AtomicU64,
    /// A `Dispatch` message is on its way to the actor.
    dispatch_pending: AtomicBool,
    bound: Option<u32>,
    addr: Addr<PermitActor>,
}

/// Why a release was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct OverRelease;

impl Permits {
    pub(crate) fn new(value: u32, bound: Option<u32>) -> Arc<Permits> {
        Arc::new_cyclic(|weak: &Weak<Permits>| {
            let permits = weak.clone();
            Permits {
                state: AtomicU64::new(u64::from(value)),
                dispatch_pending: AtomicBool::new(false),
                bound,
                addr: runtime::start(move |_| PermitActor {
                    permits,
                    waiters: WaitQueue::new(),
                }),
            }
        })
    }

    /// Permits available right now.
    pub(crate) fn available(&self) -> u32 {
        // The mask keeps the value within 32 bits.
        available(self.state.load(Ordering::Acquire)) as u32
    }

    /// Takes a permit if one is free and nobody waits.
    pub(crate) fn try_acquire(self: &Arc<Self>) -> Option<Permit> {
        let mut state = self.state.load(Ordering::Acquire);
        while available(state) > 0 && waiting(state) == 0 {
            match self.state.compare_exchange_weak(
                state,
                state - 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(Permit::new(self.clone())),
                Err(now) => state = now,
            }
        }
        None
    }

    /// Takes a permit now or joins the line of waiters; the place in line is taken by this call.
    pub(crate) fn acquire<G: FromPermit>(self: &Arc<Self>, deadline: Deadline) -> Acquire<G> {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            let fast = available(state) > 0 && waiting(state) == 0;
            let next = if fast { state - 1 } else { state + ONE_WAITER };
            match self
                .state
                .compare_exchange_weak(state, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) if fast => return Acquire::Ready(Some(Permit::new(self.clone()))),
                Ok(_) => break,
                Err(now) => state = now,
            }
        }
        let (tx, rx) = oneshot::channel();
        self.addr.do_send(AcquireMsg(tx));
        Acquire::Waiting {
            waiter: Waiter::new(rx, deadline),
            _keep_alive: self.clone(),
            guard: PhantomData,
        }
    }

    /// Adds a permit back and wakes the actor if anyone waits.
    pub(crate) fn release(&self) -> Result<(), OverRelease> {
        let limit = self.bound.map_or(AVAILABLE_MASK, u64::from);
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            if available(state) >= limit {
                return Err(OverRelease);
            }
            match self.state.compare_exchange_weak(
                state,
                state + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(now) => state = now,
            }
        }
        // One pending `Dispatch` serves any number of releases.
        if waiting(state) > 0 && !self.dispatch_pending.swap(true, Ordering::SeqCst) {
            self.addr.do_send(Dispatch);
        }
        Ok(())
    }
}

/// A guard type made from a permit.
pub(crate) trait FromPermit {
    fn from_permit(permit: Permit) -> Self;
}

/// One held permit; dropping it releases the permit.
pub(crate) struct Permit {
    permits: Option<Arc<Permits>>,
}

impl Permit {
    fn new(permits: Arc<Permits>) -> Permit {
        Permit {
            permits: Some(permits),
        }
    }

    /// Gives up the guard without releasing: the permit stays taken.
    pub(crate) fn forget(mut self) {
        self.permits = None;
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(permits) = self.permits.take() {
            if permits.release().is_err() {
                tracing::warn!(
                    "a guard released its permit after an extra manual release; \
                     the counter is already at its bound, so this release was ignored"
                );
            }
        }
    }
}

/// The future of an acquire: ready at once on the fast path, else waiting for the actor.
pub(crate) enum Acquire<G> {
    Ready(Option<Permit>),
    Waiting {
        waiter: Waiter<Permit>,
        /// Keeps the actor alive while this waiter waits.
        _keep_alive: Arc<Permits>,
        guard: PhantomData<fn() -> G>,
    },
}

// Nothing is pinned in place: the permit is moved out, and `Waiter` is `Unpin`.
impl<G> Unpin for Acquire<G> {}

impl<G: FromPermit> Future for Acquire<G> {
    type Output = Result<G, WaitError>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Acquire::Ready(permit) => match permit.take() {
                Some(permit) => Poll::Ready(Ok(G::from_permit(permit))),
                // Polled again after completing: there is nothing more to give.
                None => Poll::Pending,
            },
            Acquire::Waiting { waiter, .. } => Pin::new(waiter)
                .poll(cx)
                .map(|result| result.map(G::from_permit)),
        }
    }
}

struct AcquireMsg(oneshot::Sender<Permit>);

impl Message for AcquireMsg {
    type Result = ();
}

struct Dispatch;

impl Message for Dispatch {
    type Result = ();
}

pub(crate) struct PermitActor {
    permits: Weak<Permits>,
    waiters: WaitQueue<Permit>,
}

impl Actor for PermitActor {
    type Context = Context<Self>;
}

impl PermitActor {
    /// Hands available permits to the oldest live waiters.
    fn dispatch(&mut self, permits: &Arc<Permits>) {
        let mut dead = Vec::new();
        loop {
            let gone = self.waiters.prune_front(&mut dead) as u64;
            if gone > 0 {
                permits.state.fetch_sub(gone * ONE_WAITER, Ordering::AcqRel);
            }
            if self.waiters.is_empty() {
                return;
            }
            let mut state = permits.state.load(Ordering::Acquire);
            loop {
                if available(state) == 0 {
                    return;
                }
                match permits.state.compare_exchange_weak(
                    state,
                    state - 1 - ONE_WAITER,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => break,
                    Err(now) => state = now,
                }
            }
            let Some((tx, ())) = self.waiters.pop() else {
                return;
            };
            if let Err(permit) = tx.send(Permit::new(permits.clone())) {
                // The waiter went away after the check above: keep the permit and go on.
                permit.forget();
                permits.state.fetch_add(1, Ordering::AcqRel);
            }
        }
    }
}

impl Handler<AcquireMsg> for PermitActor {
    type Result = ();

    fn handle(&mut self, AcquireMsg(tx): AcquireMsg, _: &mut Context<Self>) {
        let Some(permits) = self.permits.upgrade() else {
            return;
        };
        let mut dead = Vec::new();
        let swept = self.waiters.push(tx, (), &mut dead) as u64;
        if swept > 0 {
            permits
                .state
                .fetch_sub(swept * ONE_WAITER, Ordering::AcqRel);
        }
        self.dispatch(&permits);
    }
}

impl Handler<Dispatch> for PermitActor {
    type Result = ();

    fn handle(&mut self, _: Dispatch, _: &mut Context<Self>) {
        if let Some(permits) = self.permits.upgrade() {
            // Cleared before looking at the counter: a release after this point pokes again.
            // A swap, not a store: reading the flag a skipped releaser set makes its permit
            // visible to the dispatch below.
            permits.dispatch_pending.swap(false, Ordering::SeqCst);
            self.dispatch(&permits);
        }
    }
}
