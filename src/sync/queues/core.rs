//! The machinery shared by the three queue types.
//!
//! # Who owns what
//!
//! * `Shared::state` (a `std::sync::Mutex`, held only for a few field updates, never across an
//!   `.await` or a user callback) holds the items and the counters: parked getters, putters and
//!   joiners, unfinished tasks and the number of times the unfinished count reached zero.
//! * The actor alone owns the queues of parked getters, putters and joiners, and alone hands
//!   items to getters and admits putters' items.
//!
//! A `get` takes an item itself only if one is there **and no getter is parked**; a `put` adds
//! its item itself only if there is room **and no putter is parked**. Otherwise the caller bumps
//! the matching counter under the same lock and sends its request to the actor, so nobody
//! overtakes a parked waiter. Whenever a fast path leaves work for parked waiters (an item
//! arrives while getters wait, room appears while putters wait) it pokes the actor.
//!
//! An item put into an empty queue while getters wait is promised to the next of them, in put
//! order (Tornado hands such a put straight to the oldest waiting getter), so LIFO and priority
//! queues serve waiting getters in put order too.
//!
//! An item on its way to a getter travels inside a [`Taken`]; if the getter is gone by the time
//! the item arrives, dropping the `Taken` puts the item back at the head of the queue. The
//! parked-getter count drops when the actor serves a getter, or when a getter gives up (times
//! out or is dropped) without an item — never both, because the `oneshot` tells each side
//! whether the item got through.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{ready, Context as TaskContext, Poll};

use actix::{Actor, Addr, Context, Handler, Message};
use tokio::sync::oneshot;

use super::storage::Storage;
use crate::sync::deadline::{Deadline, Waiter};
use crate::sync::error::{QueueEmpty, QueueFull, UsageError, WaitError};
use crate::sync::runtime;
use crate::sync::waiters::WaitQueue;

struct State<T, S> {
    items: S,
    /// Items put into an empty queue while getters were parked, in put order, each promised
    /// to the next getter in line (as Tornado hands a put straight to a waiting getter). Never
    /// longer than `getters`; if getters leave, all of them move to `items`, in order.
    handoff: VecDeque<T>,
    /// Getters registered and neither served nor given up. The actor counts a getter out when
    /// it hands it an item; a getter that times out or is dropped first counts itself out.
    getters: usize,
    putters: usize,
    joiners: usize,
    unfinished: usize,
    /// How many times `unfinished` dropped to zero.
    finished: u64,
    /// A `Dispatch` message is on its way to the actor; further pokes can be skipped.
    dispatch_pending: bool,
}

impl<T, S: Storage<T>> State<T, S> {
    /// Whether the caller should send the actor a `Dispatch`: only if none is pending, so a
    /// burst of puts (or gets) while waiters are parked costs one message, not one each.
    fn claim_dispatch(&mut self) -> bool {
        !std::mem::replace(&mut self.dispatch_pending, true)
    }

    fn len(&self) -> usize {
        self.items.len() + self.handoff.len()
    }

    fn full(&self, maxsize: usize) -> bool {
        maxsize > 0 && self.len() >= maxsize
    }

    /// Adds an accepted item: to the next parked getter without one, or to the queue.
    fn accept(&mut self, item: T) {
        if self.items.len() == 0 && self.handoff.len() < self.getters {
            self.handoff.push_back(item);
        } else {
            self.items.push(item);
        }
        self.unfinished += 1;
    }

    /// The next item for a getter: a promised one first, else the queue's next.
    fn next_for_getter(&mut self) -> Option<(T, bool)> {
        match self.handoff.pop_front() {
            Some(item) => Some((item, true)),
            None => self.items.pop().map(|item| (item, false)),
        }
    }

    /// Puts back an item taken by [`next_for_getter`](Self::next_for_getter) whose getter was
    /// gone.
    fn put_back(&mut self, item: T, promised: bool) {
        if promised {
            self.handoff.push_front(item);
        } else {
            self.items.unpop(item);
        }
    }

    /// Moves every promised item to the queue, in put order.
    fn unpromise_all(&mut self) {
        for item in self.handoff.drain(..) {
            self.items.push(item);
        }
    }

    /// Once there are more promised items than getters, none of them is promised any more.
    fn settle_handoff(&mut self) {
        if self.handoff.len() > self.getters {
            self.unpromise_all();
        }
    }
}

pub(crate) struct Shared<T: Send + 'static, S: Storage<T>> {
    state: Mutex<State<T, S>>,
    maxsize: usize,
    addr: Addr<QueueActor<T, S>>,
}

impl<T: Send + 'static, S: Storage<T>> Shared<T, S> {
    fn lock(&self) -> MutexGuard<'_, State<T, S>> {
        // No code path panics while holding the lock except a user `Ord` inside the heap; the
        // counters stay consistent then, so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A getter timed out or was dropped without receiving an item.
    fn getter_gave_up(&self) {
        let mut state = self.lock();
        state.getters -= 1;
        state.settle_handoff();
    }

    fn return_item(&self, item: T) {
        let mut state = self.lock();
        // The returned item is older than any promised one: queue those behind it.
        state.unpromise_all();
        state.items.unpop(item);
        let wake = state.getters > 0 && state.claim_dispatch();
        drop(state);
        if wake {
            self.addr.do_send(Dispatch);
        }
    }
}

/// An item on its way to a getter; dropping it unconsumed returns the item to the queue.
pub(crate) struct Taken<T: Send + 'static, S: Storage<T>> {
    inner: Option<(T, Arc<Shared<T, S>>)>,
}

impl<T: Send + 'static, S: Storage<T>> Taken<T, S> {
    fn new(item: T, shared: Arc<Shared<T, S>>) -> Self {
        Taken {
            inner: Some((item, shared)),
        }
    }

    pub(crate) fn into_item(mut self) -> T {
        let (item, _) = self
            .inner
            .take()
            .expect("a Taken holds its item until it is consumed");
        item
    }
}

impl<T: Send + 'static, S: Storage<T>> Drop for Taken<T, S> {
    fn drop(&mut self) {
        if let Some((item, shared)) = self.inner.take() {
            shared.return_item(item);
        }
    }
}

pub(crate) enum GetStep<T: Send + 'static, S: Storage<T>> {
    Ready(Taken<T, S>),
    Wait(oneshot::Receiver<Taken<T, S>>),
}

pub(crate) struct Core<T: Send + 'static, S: Storage<T>> {
    shared: Arc<Shared<T, S>>,
}

impl<T: Send + 'static, S: Storage<T>> Clone for Core<T, S> {
    fn clone(&self) -> Self {
        Core {
            shared: self.shared.clone(),
        }
    }
}

impl<T: Send + 'static, S: Storage<T>> Core<T, S> {
    pub(crate) fn new(maxsize: Option<usize>) -> Self {
        let maxsize = maxsize.unwrap_or(0);
        let shared = Arc::new_cyclic(|weak: &Weak<Shared<T, S>>| {
            let shared = weak.clone();
            Shared {
                state: Mutex::new(State {
                    items: S::with_capacity(maxsize.min(1024)),
                    handoff: VecDeque::new(),
                    getters: 0,
                    putters: 0,
                    joiners: 0,
                    unfinished: 0,
                    finished: 0,
                    dispatch_pending: false,
                }),
                maxsize,
                addr: runtime::start(move |_| QueueActor {
                    shared,
                    getters: WaitQueue::new(),
                    putters: WaitQueue::new(),
                    joiners: WaitQueue::new(),
                }),
            }
        });
        Core { shared }
    }

    fn add_item(&self, state: &mut State<T, S>, item: T) -> bool {
        state.accept(item);
        state.getters > 0 && state.claim_dispatch()
    }

    pub(crate) fn begin_get(&self) -> GetStep<T, S> {
        let mut state = self.shared.lock();
        if state.getters == 0 {
            if let Some(item) = state.items.pop() {
                let admit = state.putters > 0 && state.claim_dispatch();
                drop(state);
                if admit {
                    self.shared.addr.do_send(Dispatch);
                }
                return GetStep::Ready(Taken::new(item, self.shared.clone()));
            }
        }
        state.getters += 1;
        drop(state);
        let (tx, rx) = oneshot::channel();
        self.shared.addr.do_send(Get(tx));
        GetStep::Wait(rx)
    }

    pub(crate) fn get(&self, deadline: Deadline) -> GetFuture<T, S> {
        match self.begin_get() {
            GetStep::Ready(taken) => GetFuture::Ready(Some(taken)),
            GetStep::Wait(rx) => GetFuture::Waiting {
                waiter: Waiter::new(rx, deadline),
                shared: self.shared.clone(),
                settled: false,
            },
        }
    }

    pub(crate) fn get_nowait(&self) -> Result<T, QueueEmpty> {
        let mut state = self.shared.lock();
        let (item, _) = state.next_for_getter().ok_or(QueueEmpty)?;
        let admit = state.putters > 0 && state.claim_dispatch();
        drop(state);
        if admit {
            self.shared.addr.do_send(Dispatch);
        }
        Ok(item)
    }

    pub(crate) fn put(&self, item: T, deadline: Deadline) -> Done<Shared<T, S>> {
        let mut state = self.shared.lock();
        if state.putters == 0 && !state.full(self.shared.maxsize) {
            let wake = self.add_item(&mut state, item);
            drop(state);
            if wake {
                self.shared.addr.do_send(Dispatch);
            }
            return Done::Ready;
        }
        state.putters += 1;
        drop(state);
        let (tx, rx) = oneshot::channel();
        self.shared.addr.do_send(Put { item, tx });
        Done::wait(rx, self.shared.clone(), deadline)
    }

    pub(crate) fn put_nowait(&self, item: T) -> Result<(), QueueFull<T>> {
        let mut state = self.shared.lock();
        if state.full(self.shared.maxsize) {
            return Err(QueueFull(item));
        }
        let wake = self.add_item(&mut state, item);
        drop(state);
        if wake {
            self.shared.addr.do_send(Dispatch);
        }
        Ok(())
    }

    pub(crate) fn task_done(&self) -> Result<(), UsageError> {
        let mut state = self.shared.lock();
        if state.unfinished == 0 {
            return Err(UsageError::TaskDoneTooManyTimes);
        }
        state.unfinished -= 1;
        let wake = state.unfinished == 0 && {
            state.finished += 1;
            state.joiners > 0
        };
        drop(state);
        if wake {
            self.shared.addr.do_send(Finished);
        }
        Ok(())
    }

    pub(crate) fn join(&self, deadline: Deadline) -> Done<Shared<T, S>> {
        let mut state = self.shared.lock();
        if state.unfinished == 0 {
            return Done::Ready;
        }
        state.joiners += 1;
        let generation = state.finished;
        drop(state);
        let (tx, rx) = oneshot::channel();
        self.shared.addr.do_send(Join { generation, tx });
        Done::wait(rx, self.shared.clone(), deadline)
    }

    pub(crate) fn qsize(&self) -> usize {
        self.shared.lock().len()
    }

    pub(crate) fn full(&self) -> bool {
        self.shared.lock().full(self.shared.maxsize)
    }

    pub(crate) fn maxsize(&self) -> Option<usize> {
        (self.shared.maxsize > 0).then_some(self.shared.maxsize)
    }

    pub(crate) fn unfinished(&self) -> usize {
        self.shared.lock().unfinished
    }
}

/// The future of a `get`: ready at once on the fast path, else waiting for the actor. An
/// unpolled ready future still holds its item in a [`Taken`], so dropping it returns the item.
pub(crate) enum GetFuture<T: Send + 'static, S: Storage<T>> {
    Ready(Option<Taken<T, S>>),
    Waiting {
        waiter: Waiter<Taken<T, S>>,
        /// Also keeps the actor alive while this getter waits.
        shared: Arc<Shared<T, S>>,
        /// The getter has been counted out (served, or gave up).
        settled: bool,
    },
}

impl<T: Send + 'static, S: Storage<T>> Drop for GetFuture<T, S> {
    fn drop(&mut self) {
        if let GetFuture::Waiting {
            waiter,
            shared,
            settled: settled @ false,
        } = self
        {
            *settled = true;
            match waiter.give_up() {
                // Served just now: dropping the item hands it back to the queue.
                Some(taken) => drop(taken),
                None => shared.getter_gave_up(),
            }
        }
    }
}

// Nothing is pinned in place: the item is moved out, and `Waiter` is `Unpin`.
impl<T: Send + 'static, S: Storage<T>> Unpin for GetFuture<T, S> {}

impl<T: Send + 'static, S: Storage<T>> Future for GetFuture<T, S> {
    type Output = Result<T, WaitError>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            GetFuture::Ready(taken) => match taken.take() {
                Some(taken) => Poll::Ready(Ok(taken.into_item())),
                // Polled again after completing: there is nothing more to give.
                None => Poll::Pending,
            },
            GetFuture::Waiting {
                waiter,
                shared,
                settled,
            } => {
                let result = ready!(Pin::new(waiter).poll(cx));
                *settled = true;
                if result.is_err() {
                    shared.getter_gave_up();
                }
                Poll::Ready(result.map(Taken::into_item))
            }
        }
    }
}

/// The future of a `put` or `join`: ready at once, or waiting for the actor's acknowledgement.
pub(crate) enum Done<K> {
    Ready,
    Waiting {
        waiter: Waiter<()>,
        /// Keeps the actor alive while this task waits.
        _keep_alive: Arc<K>,
    },
}

impl<K> Done<K> {
    fn wait(rx: oneshot::Receiver<()>, keep_alive: Arc<K>, deadline: Deadline) -> Self {
        Done::Waiting {
            waiter: Waiter::new(rx, deadline),
            _keep_alive: keep_alive,
        }
    }
}

impl<K> Future for Done<K> {
    type Output = Result<(), WaitError>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Done::Ready => Poll::Ready(Ok(())),
            Done::Waiting { waiter, .. } => Pin::new(waiter).poll(cx),
        }
    }
}

struct Get<T: Send + 'static, S: Storage<T>>(oneshot::Sender<Taken<T, S>>);

impl<T: Send + 'static, S: Storage<T>> Message for Get<T, S> {
    type Result = ();
}

struct Put<T> {
    item: T,
    tx: oneshot::Sender<()>,
}

impl<T: Send + 'static> Message for Put<T> {
    type Result = ();
}

struct Join {
    generation: u64,
    tx: oneshot::Sender<()>,
}

impl Message for Join {
    type Result = ();
}

struct Dispatch;

impl Message for Dispatch {
    type Result = ();
}

struct Finished;

impl Message for Finished {
    type Result = ();
}

pub(crate) struct QueueActor<T: Send + 'static, S: Storage<T>> {
    shared: Weak<Shared<T, S>>,
    getters: WaitQueue<Taken<T, S>>,
    putters: WaitQueue<(), T>,
    joiners: WaitQueue<(), u64>,
}

// The actor never pins the items it parks, so it is `Unpin` whatever `T` is.
impl<T: Send + 'static, S: Storage<T>> Unpin for QueueActor<T, S> {}

impl<T: Send + 'static, S: Storage<T>> Actor for QueueActor<T, S> {
    type Context = Context<Self>;
}

impl<T: Send + 'static, S: Storage<T>> QueueActor<T, S> {
    /// Runs `f` with the state locked, then dispatches; items of abandoned putters are dropped
    /// after the lock is released.
    fn with_state(&mut self, f: impl FnOnce(&mut Self, &mut State<T, S>, &mut Vec<T>)) {
        let Some(shared) = self.shared.upgrade() else {
            return;
        };
        let mut dead = Vec::new();
        let mut state = shared.lock();
        f(self, &mut state, &mut dead);
        self.dispatch(&shared, &mut state, &mut dead);
        drop(state);
        drop(dead);
    }

    fn dispatch(&mut self, shared: &Arc<Shared<T, S>>, state: &mut State<T, S>, dead: &mut Vec<T>) {
        let mut no_extra = Vec::new();
        loop {
            // Getters that gave up counted themselves out already.
            self.getters.prune_front(&mut no_extra);
            while !self.getters.is_empty() {
                let Some((item, promised)) = state.next_for_getter() else {
                    break;
                };
                let Some((tx, ())) = self.getters.pop() else {
                    state.put_back(item, promised);
                    break;
                };
                match tx.send(Taken::new(item, shared.clone())) {
                    Ok(()) => state.getters -= 1,
                    Err(taken) => state.put_back(taken.into_item(), promised),
                }
                self.getters.prune_front(&mut no_extra);
            }
            state.settle_handoff();

            let mut admitted = false;
            state.putters -= self.putters.prune_front(dead);
            while !self.putters.is_empty() && !state.full(shared.maxsize) {
                let Some((tx, item)) = self.putters.pop() else {
                    break;
                };
                state.putters -= 1;
                if tx.send(()).is_ok() {
                    state.accept(item);
                    admitted = true;
                } else {
                    dead.push(item);
                }
                state.putters -= self.putters.prune_front(dead);
            }
            if !admitted || self.getters.is_empty() {
                return;
            }
        }
    }
}

impl<T: Send + 'static, S: Storage<T>> Handler<Get<T, S>> for QueueActor<T, S> {
    type Result = ();

    fn handle(&mut self, Get(tx): Get<T, S>, _: &mut Context<Self>) {
        self.with_state(|me, _, _| {
            // Swept getters gave up and counted themselves out already.
            me.getters.push(tx, (), &mut Vec::new());
        });
    }
}

impl<T: Send + 'static, S: Storage<T>> Handler<Put<T>> for QueueActor<T, S> {
    type Result = ();

    fn handle(&mut self, Put { item, tx }: Put<T>, _: &mut Context<Self>) {
        self.with_state(|me, state, dead| {
            state.putters -= me.putters.push(tx, item, dead);
        });
    }
}

impl<T: Send + 'static, S: Storage<T>> Handler<Dispatch> for QueueActor<T, S> {
    type Result = ();

    fn handle(&mut self, _: Dispatch, _: &mut Context<Self>) {
        // Cleared under the same lock as the dispatch that follows: any change after it pokes
        // the actor again.
        self.with_state(|_, state, _| state.dispatch_pending = false);
    }
}

impl<T: Send + 'static, S: Storage<T>> Handler<Join> for QueueActor<T, S> {
    type Result = ();

    fn handle(&mut self, Join { generation, tx }: Join, _: &mut Context<Self>) {
        self.with_state(|me, state, _| {
            if state.finished > generation {
                state.joiners -= 1;
                let _ = tx.send(());
            } else {
                let mut swept = Vec::new();
                state.joiners -= me.joiners.push(tx, generation, &mut swept);
            }
        });
    }
}

impl<T: Send + 'static, S: Storage<T>> Handler<Finished> for QueueActor<T, S> {
    type Result = ();

    fn handle(&mut self, _: Finished, _: &mut Context<Self>) {
        self.with_state(|me, state, _| {
            while me
                .joiners
                .front_extra()
                .is_some_and(|&generation| generation < state.finished)
            {
                if let Some((tx, _)) = me.joiners.pop() {
                    state.joiners -= 1;
                    let _ = tx.send(());
                }
            }
        });
    }
}
