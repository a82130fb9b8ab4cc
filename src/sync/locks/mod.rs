//! Coordination primitives for tasks (Tornado's `tornado.locks`).
//!
//! | type | Tornado | use it to |
//! |---|---|---|
//! | [`Lock`] | `Lock` | let one task at a time into a section |
//! | [`Semaphore`] | `Semaphore` | let at most `n` tasks at a time into a section |
//! | [`BoundedSemaphore`] | `BoundedSemaphore` | the same, catching unmatched releases |
//! | [`Condition`] | `Condition` | wake waiting tasks, one or all |
//! | [`Event`] | `Event` | wait until a flag is raised |
//!
//! Each primitive is an actor behind a cheap, cloneable, `Send + Sync` handle. The actor lives on
//! the arbiter where the primitive was created; the handle works from any thread or arbiter,
//! even one that runs no actix `System`. See [`crate::sync`] for the cost model, the timeout
//! argument ([`Deadline`]) and cancellation safety.
//!
//! # Waiting with a timeout
//!
//! Every waiting method takes a timeout: `None`, a `Duration` or an `Instant`. On timeout
//! `acquire` and [`Event::wait`] return [`WaitError::Timeout`],
//! while [`Condition::wait`] resolves `false`, exactly as in Tornado.
//!
//! # Guards instead of `with`
//!
//! Tornado's `async with lock:` becomes a guard: [`Lock::acquire`] returns a [`LockGuard`] and
//! the semaphores return a [`SemaphoreGuard`]; dropping it releases. For Tornado's explicit
//! `acquire()` / `release()` style, call `forget()` on the guard and `release()` later; a release
//! that does not match an acquire is reported as a [`UsageError`].
//!
//! # Examples
//!
//! A producer wakes waiting consumers with a [`Condition`], and an [`Event`] says when it is
//! done:
//!
//! ```
//! use tornado::locks::{Condition, Event};
//!
//! # actix_rt::System::new().block_on(async {
//! let cond = Condition::new();
//! let done = Event::new();
//!
//! let waiters: Vec<_> = (0..3).map(|_| cond.wait(None)).collect();
//! let consumer = {
//!     let done = done.clone();
//!     actix_rt::spawn(async move {
//!         for waiter in waiters {
//!             assert!(waiter.await);
//!         }
//!         done.set();
//!     })
//! };
//! cond.notify_all();
//! done.wait(None).await.expect("the consumer finishes");
//! consumer.await.expect("no panic");
//! # });
//! ```

mod condition;
mod event;
mod lock;
mod permits;
mod semaphore;

pub use condition::Condition;
pub use event::Event;
pub use lock::{Lock, LockGuard};
pub use semaphore::{BoundedSemaphore, Semaphore, SemaphoreGuard};

pub use super::deadline::Deadline;
pub use super::error::{UsageError, WaitError};
