//! `Event`.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use actix::{Actor, Addr, Context, Handler, Message};
use tokio::sync::oneshot;

use crate::sync::deadline::{recv_until, Deadline};
use crate::sync::error::WaitError;
use crate::sync::runtime;
use crate::sync::waiters::WaitQueue;

/// A flag tasks can wait for (Tornado's `Event`).
///
/// [`set`](Event::set) raises the flag and wakes every waiter; while it is set,
/// [`wait`](Event::wait) returns at once. [`clear`](Event::clear) lowers it again. A `set`
/// wakes everyone who was waiting at that moment, even if `clear` follows immediately.
///
/// `is_set`, `set`, `clear` and a `wait` on a set event touch only one atomic word; a `wait` on a
/// clear event parks with the actor, which alone owns the waiters.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tornado::locks::Event;
/// use tornado::sync::WaitError;
///
/// # actix_rt::System::new().block_on(async {
/// let event = Event::new();
/// assert_eq!(event.wait(Duration::from_millis(10)).await, Err(WaitError::Timeout));
/// event.set();
/// assert_eq!(event.wait(None).await, Ok(()));
/// # });
/// ```
#[derive(Clone)]
pub struct Event {
    inner: Arc<Inner>,
}

/// `state` is `generation << 1 | is_set`; the generation counts `set` calls that raised the flag.
struct Inner {
    state: AtomicU64,
    addr: Addr<EventActor>,
}

const SET: u64 = 1;

impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}

impl Event {
    /// A clear event on the current arbiter (or on tornado's background arbiter when the
    /// calling thread runs no actix `System`).
    pub fn new() -> Event {
        let inner = Arc::new_cyclic(|weak: &Weak<Inner>| {
            let me = weak.clone();
            Inner {
                state: AtomicU64::new(0),
                addr: runtime::start(move |_| EventActor {
                    me,
                    waiters: WaitQueue::new(),
                }),
            }
        });
        Event { inner }
    }

    /// Whether the flag is raised.
    pub fn is_set(&self) -> bool {
        self.inner.state.load(Ordering::Acquire) & SET != 0
    }

    /// Raises the flag and wakes every waiter.
    pub fn set(&self) {
        let raised = self
            .inner
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |state| {
                (state & SET == 0).then(|| ((state >> 1) + 1) << 1 | SET)
            });
        if raised.is_ok() {
            self.inner.addr.do_send(Wake);
        }
    }

    /// Lowers the flag; later waits block until the next [`set`](Event::set).
    pub fn clear(&self) {
        self.inner.state.fetch_and(!SET, Ordering::AcqRel);
    }

    /// Waits until the flag is raised.
    ///
    /// # Errors
    ///
    /// [`WaitError::Timeout`] when `timeout` passes first; [`WaitError::Closed`] if the arbiter
    /// running this event stopped.
    pub fn wait(
        &self,
        timeout: impl Into<Deadline>,
    ) -> impl Future<Output = Result<(), WaitError>> + Send + 'static {
        let deadline = timeout.into();
        let state = self.inner.state.load(Ordering::Acquire);
        let waiting = if state & SET != 0 {
            None
        } else {
            let (tx, rx) = oneshot::channel();
            self.inner.addr.do_send(Wait {
                tx,
                generation: state >> 1,
            });
            Some((rx, self.inner.clone()))
        };
        async move {
            match waiting {
                None => Ok(()),
                Some((rx, _keep_alive)) => recv_until(rx, deadline).await,
            }
        }
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("is_set", &self.is_set())
            .finish()
    }
}

struct Wait {
    tx: oneshot::Sender<()>,
    generation: u64,
}

impl Message for Wait {
    type Result = ();
}

struct Wake;

impl Message for Wake {
    type Result = ();
}

struct EventActor {
    me: Weak<Inner>,
    waiters: WaitQueue<(), u64>,
}

impl Actor for EventActor {
    type Context = Context<Self>;
}

impl EventActor {
    fn generation(&self) -> Option<u64> {
        self.me
            .upgrade()
            .map(|me| me.state.load(Ordering::Acquire) >> 1)
    }
}

impl Handler<Wait> for EventActor {
    type Result = ();

    fn handle(&mut self, Wait { tx, generation }: Wait, _: &mut Context<Self>) {
        match self.generation() {
            // Set since the waiter looked: it is woken by that set.
            Some(now) if now > generation => {
                let _ = tx.send(());
            }
            Some(_) => {
                self.waiters.push(tx, generation, &mut Vec::new());
            }
            None => {}
        }
    }
}

impl Handler<Wake> for EventActor {
    type Result = ();

    fn handle(&mut self, _: Wake, _: &mut Context<Self>) {
        let Some(now) = self.generation() else {
            return;
        };
        while self.waiters.front_extra().is_some_and(|&g| g < now) {
            if let Some((tx, _)) = self.waiters.pop() {
                let _ = tx.send(());
            }
        }
    }
}
