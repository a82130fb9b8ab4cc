//! Coordination primitives for tasks, each an actor (Tornado's `tornado.locks` and
//! `tornado.queues`).
//!
//! * [`locks`]: [`Lock`](locks::Lock), [`Semaphore`](locks::Semaphore),
//!   [`BoundedSemaphore`](locks::BoundedSemaphore), [`Condition`](locks::Condition),
//!   [`Event`](locks::Event).
//! * [`queues`]: [`Queue`](queues::Queue), [`PriorityQueue`](queues::PriorityQueue),
//!   [`LifoQueue`](queues::LifoQueue).
//!
//! They keep Tornado's semantics (FIFO waiters, timeouts, `task_done`/`join` accounting) and add
//! what Rust code needs: `Send + Sync` handles that work from any thread, and cancellation
//! safety.
//!
//! # Actors and handles
//!
//! Creating a primitive starts its actor on the current thread's arbiter; the value you hold is
//! a handle (an `Arc`) that is cheap to clone and can be moved to other threads and arbiters.
//! On a thread that runs no actix `System` (a plain `std::thread`, a `#[tokio::test]`), creation
//! never fails: the actor starts on a background arbiter thread named `tornado-sync` that
//! tornado starts once and keeps for the life of the process. The actor stops when the last
//! handle, guard and waiter is gone.
//!
//! If the arbiter running a primitive stops (its `System` shut down) while a task still waits
//! on it, the wait ends with [`WaitError::Closed`] instead of hanging.
//!
//! # Cost model
//!
//! Each primitive splits its state in two:
//!
//! | state | owner | touched by |
//! |---|---|---|
//! | counters and items: free permits, the event flag, a queue's items and counts | a shared atomic word (locks) or a short `std::sync::Mutex` section (queues) | every handle (fast paths) and the actor |
//! | the line of parked waiters, and handing permits/items/notifications to them | the actor only | the actor only |
//!
//! An operation that can complete at once, and would not overtake a parked waiter, completes on
//! the caller's thread: an uncontended `acquire` + release is two compare-and-swaps, and a `get`
//! or `put` that finds an item or room is one short lock. An operation that has to wait costs a
//! message to the actor (`do_send`, tens of nanoseconds) and a `oneshot` wake-up when served;
//! a release or put that finds waiters sends the actor one message to serve them. A
//! [`Condition`](locks::Condition) always goes through its actor (`wait` and `notify` are
//! messages), which is what makes "notify after `wait()` was called" reliable.
//!
//! # Timeouts
//!
//! Waiting methods take `impl Into<`[`Deadline`]`>`: `None`, a `Duration` (relative to the call)
//! or an `Instant` (absolute) — never a bare number of seconds. Timeouts run on tokio's clock,
//! so they need a tokio runtime with time enabled in the waiting task (every actix arbiter has
//! one) and follow `tokio::time::pause()` in tests; waiting without a timeout needs no runtime.
//!
//! # Cancellation safety
//!
//! A waiter whose future is dropped, or which timed out, never receives a permit, an item or a
//! notification, and nothing is lost:
//!
//! * A waiter takes its place in line when the method is *called*; dropping the future leaves
//!   the line (the actor skips it, and sweeps abandoned waiters in bulk).
//! * Grants travel to the waiter inside a guard. If the waiter vanished after the actor picked
//!   it but before it saw the grant, the guard's `Drop` puts the permit back, returns the item to
//!   the head of the queue, or passes the notification to the next waiter.
//! * A timeout closes the waiter's channel and looks once more, so a grant that raced with the
//!   deadline is either delivered or refused (and kept by the actor), never dropped in between.
//! * A blocked `put` that times out or is dropped before the queue accepted its item never adds
//!   it. One that is dropped after the queue accepted the item still counts as put.
//!
//! # Examples
//!
//! Primitives made on one thread are used from another that runs no `System`:
//!
//! ```
//! use tornado::locks::Lock;
//! use tornado::queues::Queue;
//!
//! # actix_rt::System::new().block_on(async {
//! let queue = Queue::new(None);
//! let lock = Lock::new();
//! let worker = std::thread::spawn({
//!     let (queue, lock) = (queue.clone(), lock.clone());
//!     move || {
//!         let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//!         rt.block_on(async {
//!             let _guard = lock.acquire(None).await.expect("lock");
//!             queue.put("from another thread", None).await.expect("put");
//!         });
//!         Ok::<_, std::io::Error>(())
//!     }
//! });
//! assert_eq!(queue.get(None).await, Ok("from another thread"));
//! worker.join().expect("no panic").expect("runtime");
//! # });
//! ```

mod deadline;
pub mod error;
pub mod locks;
pub mod queues;
pub(crate) mod runtime;
mod waiters;

pub use deadline::Deadline;
pub use error::{QueueEmpty, QueueFull, Timeout, UsageError, WaitError};
