//! `Condition`.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Weak};

use actix::{Actor, Addr, Context, Handler, Message};
use tokio::sync::oneshot;

use crate::sync::deadline::{recv_until, Deadline};
use crate::sync::runtime;
use crate::sync::waiters::WaitQueue;

/// Lets tasks wait until another task notifies them (Tornado's `Condition`).
///
/// Unlike a thread condition variable there is no associated lock: in Tornado's single-threaded
/// model the waiter checks its predicate and waits in one step, and here too
/// [`wait`](Condition::wait) takes its place in line *when called*, so a notification sent
/// after `wait()` was called is never missed, even if the returned future has not been polled.
///
/// [`notify(n)`](Condition::notify) wakes the `n` oldest waiters that are still waiting:
/// waiters that timed out or were dropped are skipped and do not count. Waiters wake on a later
/// turn of their own task, not inside `notify` (as in Tornado 5).
///
/// # Examples
///
/// ```
/// use tornado::locks::Condition;
///
/// # actix_rt::System::new().block_on(async {
/// let cond = Condition::new();
/// let waiter = cond.wait(None); // in line from here on
/// cond.notify(1);
/// assert!(waiter.await);
/// # });
/// ```
#[derive(Clone)]
pub struct Condition {
    inner: Arc<Inner>,
}

struct Inner {
    addr: Addr<ConditionActor>,
}

impl Default for Condition {
    fn default() -> Self {
        Condition::new()
    }
}

impl Condition {
    /// A condition on the current arbiter (or on tornado's background arbiter when the calling
    /// thread runs no actix `System`).
    pub fn new() -> Condition {
        let inner = Arc::new_cyclic(|weak: &Weak<Inner>| {
            let me = weak.clone();
            Inner {
                addr: runtime::start(move |_| ConditionActor {
                    me,
                    waiters: WaitQueue::new(),
                }),
            }
        });
        Condition { inner }
    }

    /// Waits until notified: resolves `true` when notified, `false` when `timeout` passed
    /// first (Tornado does not raise here) or the condition's arbiter stopped.
    pub fn wait(
        &self,
        timeout: impl Into<Deadline>,
    ) -> impl Future<Output = bool> + Send + 'static {
        let deadline = timeout.into();
        let (tx, rx) = oneshot::channel();
        self.inner.addr.do_send(Wait(tx));
        let keep_alive = self.inner.clone();
        async move {
            let _keep_alive = keep_alive;
            match recv_until(rx, deadline).await {
                Ok(notified) => {
                    notified.consume();
                    true
                }
                Err(_) => false,
            }
        }
    }

    /// Wakes the `n` oldest waiters that are still waiting.
    pub fn notify(&self, n: usize) {
        if n > 0 {
            self.inner.addr.do_send(Notify(n));
        }
    }

    /// Wakes every waiter waiting now.
    pub fn notify_all(&self) {
        self.inner.addr.do_send(Notify(usize::MAX));
    }
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Condition")
    }
}

/// A notification on its way to a waiter. If the waiter vanishes after it was picked but
/// before it saw the notification, dropping this passes the notification on to the next
/// oldest waiter, so `notify(n)` still wakes `n` live waiters.
struct Notified {
    cond: Option<Arc<Inner>>,
}

impl Notified {
    fn consume(mut self) {
        self.cond = None;
    }
}

impl Drop for Notified {
    fn drop(&mut self) {
        if let Some(cond) = self.cond.take() {
            cond.addr.do_send(Notify(1));
        }
    }
}

struct Wait(oneshot::Sender<Notified>);

impl Message for Wait {
    type Result = ();
}

struct Notify(usize);

impl Message for Notify {
    type Result = ();
}

struct ConditionActor {
    me: Weak<Inner>,
    waiters: WaitQueue<Notified>,
}

impl Actor for ConditionActor {
    type Context = Context<Self>;
}

impl Handler<Wait> for ConditionActor {
    type Result = ();

    fn handle(&mut self, Wait(tx): Wait, _: &mut Context<Self>) {
        self.waiters.push(tx, (), &mut Vec::new());
    }
}

impl Handler<Notify> for ConditionActor {
    type Result = ();

    fn handle(&mut self, Notify(n): Notify, _: &mut Context<Self>) {
        let Some(me) = self.me.upgrade() else {
            return;
        };
        let mut woken = 0;
        while woken < n {
            let Some((tx, ())) = self.waiters.pop() else {
                break;
            };
            match tx.send(Notified {
                cond: Some(me.clone()),
            }) {
                Ok(()) => woken += 1,
                // Timed out or dropped: skipped, and it does not count.
                Err(notified) => notified.consume(),
            }
        }
    }
}
