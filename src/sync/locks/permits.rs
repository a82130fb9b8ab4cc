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
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use actix::{Actor, Addr, Context, Handler, Message};
use tokio::sync::oneshot;

use crate::sync::deadline::{recv_until, Deadline};
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
    pub(crate) fn acquire(
        self: &Arc<Self>,
        deadline: Deadline,
    ) -> impl Future<Output = Result<Permit, WaitError>> + Send + 'static {
        enum Step {
            Ready(Permit),
            Wait(oneshot::Receiver<Permit>, Arc<Permits>),
        }
        let mut state = self.state.load(Ordering::Acquire);
        let step = loop {
            let fast = available(state) > 0 && waiting(state) == 0;
            let next = if fast { state - 1 } else { state + ONE_WAITER };
            match self
                .state
                .compare_exchange_weak(state, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) if fast => break Step::Ready(Permit::new(self.clone())),
                Ok(_) => {
                    let (tx, rx) = oneshot::channel();
                    self.addr.do_send(Acquire(tx));
                    break Step::Wait(rx, self.clone());
                }
                Err(now) => state = now,
            }
        };
        async move {
            match step {
                Step::Ready(permit) => Ok(permit),
                // The handle clone keeps the actor alive while this waiter waits.
                Step::Wait(rx, _keep_alive) => recv_until(rx, deadline).await,
            }
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
        if waiting(state) > 0 {
            self.addr.do_send(Dispatch);
        }
        Ok(())
    }
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

struct Acquire(oneshot::Sender<Permit>);

impl Message for Acquire {
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

impl Handler<Acquire> for PermitActor {
    type Result = ();

    fn handle(&mut self, Acquire(tx): Acquire, _: &mut Context<Self>) {
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
            self.dispatch(&permits);
        }
    }
}
