//! The event loop, timers and periodic callbacks (Tornado's `tornado.ioloop`).
//!
//! Tornado's `IOLoop` is the actix `System` and its arbiters here. [`IoLoop`] is a thin handle
//! to one arbiter with Tornado's method names, for code and people coming from Tornado:
//!
//! | Tornado | here |
//! |---|---|
//! | `IOLoop.current()` | [`IoLoop::current`] |
//! | `run_sync(func, timeout)` | [`IoLoop::run_sync`] |
//! | `add_callback(cb)` (thread-safe) | [`IoLoop::add_callback`] |
//! | `spawn_callback(cb)` (errors logged) | [`IoLoop::spawn_callback`] |
//! | `call_later` / `call_at` / `add_timeout` → handle | [`IoLoop::call_later`], [`IoLoop::call_at`], [`IoLoop::add_timeout`] → [`TimeoutHandle`] |
//! | `remove_timeout(handle)` | [`IoLoop::remove_timeout`] |
//! | `time()` | [`IoLoop::time`] (tokio's monotonic clock) |
//! | `run_in_executor(executor, func)` | [`IoLoop::run_in_executor`] |
//! | `PeriodicCallback(cb, ms, jitter)` | [`PeriodicCallback`] |
//!
//! Inside an actor, prefer the actor's own context (`ctx.run_later`, `ctx.run_interval`,
//! `ctx.spawn`): those timers die with the actor.
//!
//! # Examples
//!
//! ```
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use std::sync::Arc;
//! use std::time::Duration;
//! use tornado::ioloop::{IoLoop, PeriodicCallback};
//!
//! let ticks = IoLoop::run_sync(
//!     || async {
//!         tokio::time::pause(); // a virtual clock keeps this example exact
//!         let ticks = Arc::new(AtomicUsize::new(0));
//!         let counter = ticks.clone();
//!         let periodic = PeriodicCallback::new(
//!             move || {
//!                 counter.fetch_add(1, Ordering::SeqCst);
//!             },
//!             Duration::from_millis(10),
//!         )?;
//!         periodic.start();
//!
//!         let io_loop = IoLoop::current();
//!         let cancelled = io_loop.call_later(Duration::from_millis(5), || unreachable!());
//!         assert!(io_loop.remove_timeout(&cancelled));
//!
//!         tornado::gen::sleep(Duration::from_millis(35)).await;
//!         periodic.stop();
//!         Ok::<_, tornado::sync::UsageError>(ticks.load(Ordering::SeqCst))
//!     },
//!     Some(Duration::from_secs(5)),
//! )
//! .expect("finished in time")
//! .expect("a valid period");
//! assert_eq!(ticks, 3); // at 10, 20 and 30 ms
//! ```

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix_rt::{ArbiterHandle, System};
use futures_util::FutureExt;
use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::concurrent::{panic_message, Executor, ExecutorError};
use crate::sync::runtime;
use crate::sync::{Deadline, Timeout};

mod periodic;

pub use periodic::PeriodicCallback;

/// What a callback may return: nothing, or a `Result` whose error is logged.
///
/// Tornado logs exceptions raised by callbacks (and by the futures they return) instead of
/// letting them stop the loop; callbacks here do the same with `tracing::error!`.
pub trait CallbackOutput {
    /// Logs the outcome if it is an error.
    fn log_error(self, context: &str);
}

impl CallbackOutput for () {
    fn log_error(self, _: &str) {}
}

impl<E: fmt::Display> CallbackOutput for Result<(), E> {
    fn log_error(self, context: &str) {
        if let Err(err) = self {
            tracing::error!("{context} failed: {err}");
        }
    }
}

/// A handle to an event loop: an actix arbiter.
#[derive(Clone)]
pub struct IoLoop {
    arbiter: ArbiterHandle,
}

impl fmt::Debug for IoLoop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IoLoop")
    }
}

impl IoLoop {
    /// The current thread's loop (its arbiter). On a thread that runs no actix `System`, this
    /// is tornado's background arbiter, so it never fails.
    pub fn current() -> IoLoop {
        IoLoop {
            arbiter: runtime::arbiter(),
        }
    }

    /// The loop of a given arbiter.
    pub fn from_arbiter(arbiter: ArbiterHandle) -> IoLoop {
        IoLoop { arbiter }
    }

    /// The arbiter behind this loop.
    pub fn arbiter(&self) -> &ArbiterHandle {
        &self.arbiter
    }

    /// The loop's clock: tokio's monotonic `Instant::now()` (which follows `tokio::time::pause`
    /// in tests). Deadlines everywhere in tornado use this clock.
    pub fn time(&self) -> Instant {
        Instant::now()
    }

    /// Starts an actix `System`, runs the future made by `make` to completion, stops the
    /// System and returns the result (Tornado's `run_sync`).
    ///
    /// `make` runs inside the System, so it may create actors and primitives. With a
    /// `timeout`, the future is dropped when it passes and [`Timeout`] is returned.
    ///
    /// # Panics
    ///
    /// Panics if called from inside a running tokio runtime (as Tornado's `run_sync` fails on a
    /// running loop): use `.await` there instead.
    pub fn run_sync<F, Fut>(make: F, timeout: Option<Duration>) -> Result<Fut::Output, Timeout>
    where
        F: FnOnce() -> Fut,
        Fut: Future,
    {
        let system = System::new();
        let result = system.block_on(async move {
            let fut = make();
            let result = match timeout {
                Some(timeout) => tokio::time::timeout(timeout, fut)
                    .await
                    .map_err(|_| Timeout),
                None => Ok(fut.await),
            };
            System::current().stop();
            result
        });
        // Let the stop reach the System's other arbiters.
        if let Err(err) = system.run() {
            tracing::warn!("IoLoop::run_sync: stopping the system failed: {err}");
        }
        result
    }

    /// Runs `callback` on this loop's thread on its next turn, in FIFO order with other
    /// callbacks. Safe to call from any thread; does nothing if the loop has stopped.
    pub fn add_callback<F>(&self, callback: F)
    where
        F: FnOnce() + Send + 'static,
    {
        self.arbiter.spawn_fn(callback);
    }

    /// Runs `future` on this loop as a fire-and-forget task. An error it returns, or a panic,
    /// is logged. Safe to call from any thread.
    pub fn spawn_callback<Fut>(&self, future: Fut)
    where
        Fut: Future + Send + 'static,
        Fut::Output: CallbackOutput,
    {
        self.arbiter.spawn(async move {
            match AssertUnwindSafe(future).catch_unwind().await {
                Ok(output) => output.log_error("spawned callback"),
                Err(panic) => {
                    tracing::error!("spawned callback panicked: {}", panic_message(&*panic));
                }
            }
        });
    }

    /// Runs `callback` on this loop after `delay`.
    pub fn call_later<F>(&self, delay: Duration, callback: F) -> TimeoutHandle
    where
        F: FnOnce() + Send + 'static,
    {
        self.call_at(Instant::now() + delay, callback)
    }

    /// Runs `callback` on this loop at `when`.
    pub fn call_at<F>(&self, when: Instant, callback: F) -> TimeoutHandle
    where
        F: FnOnce() + Send + 'static,
    {
        let (cancel_tx, cancel_rx) = oneshot::channel();
        let handle = TimeoutHandle {
            timer: Arc::new(Timer {
                state: AtomicU8::new(PENDING),
                cancel: Mutex::new(Some(cancel_tx)),
            }),
        };
        let timer = handle.timer.clone();
        self.arbiter.spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep_until(when) => {}
                _ = cancel_rx => return,
            }
            if timer
                .state
                .compare_exchange(PENDING, FIRED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                if let Err(panic) = std::panic::catch_unwind(AssertUnwindSafe(callback)) {
                    tracing::error!("timeout callback panicked: {}", panic_message(&*panic));
                }
            }
        });
        handle
    }

    /// Runs `callback` at a deadline given as a `Duration` from now or an `Instant` (Tornado's
    /// `add_timeout`). With [`Deadline::NEVER`] the callback never runs.
    pub fn add_timeout<F>(&self, deadline: impl Into<Deadline>, callback: F) -> TimeoutHandle
    where
        F: FnOnce() + Send + 'static,
    {
        match deadline.into().instant() {
            Some(when) => self.call_at(when, callback),
            None => TimeoutHandle {
                timer: Arc::new(Timer {
                    state: AtomicU8::new(CANCELLED),
                    cancel: Mutex::new(None),
                }),
            },
        }
    }

    /// Cancels a timeout: returns `true` if it had not fired yet, in which case it never will.
    /// Safe to call after it fired, or twice.
    pub fn remove_timeout(&self, handle: &TimeoutHandle) -> bool {
        handle.cancel()
    }

    /// Runs blocking `work` off the loop and resolves to its result: on `executor`'s threads, or
    /// on tokio's blocking pool when `executor` is `None`.
    ///
    /// Without an executor the returned future must be polled on a tokio runtime (any actix
    /// arbiter is one).
    ///
    /// # Errors
    ///
    /// [`ExecutorError::Panicked`] if `work` panicked, [`ExecutorError::Closed`] if the pool
    /// stopped first.
    pub fn run_in_executor<R, F>(
        &self,
        executor: Option<&Executor>,
        work: F,
    ) -> Pin<Box<dyn Future<Output = Result<R, ExecutorError>> + Send>>
    where
        R: Send + 'static,
        F: FnOnce() -> R + Send + 'static,
    {
        match executor {
            Some(executor) => Box::pin(executor.submit(work)),
            None => Box::pin(async move {
                tokio::task::spawn_blocking(work)
                    .await
                    .map_err(|err| match err.try_into_panic() {
                        Ok(panic) => ExecutorError::Panicked(panic_message(&*panic)),
                        Err(_) => ExecutorError::Closed,
                    })
            }),
        }
    }
}

const PENDING: u8 = 0;
const FIRED: u8 = 1;
const CANCELLED: u8 = 2;

struct Timer {
    state: AtomicU8,
    cancel: Mutex<Option<oneshot::Sender<()>>>,
}

/// A scheduled timeout, returned by [`IoLoop::call_later`] and friends.
#[derive(Clone)]
pub struct TimeoutHandle {
    timer: Arc<Timer>,
}

impl TimeoutHandle {
    /// Cancels the timeout: `true` if it had not fired yet, in which case it never will.
    pub fn cancel(&self) -> bool {
        let cancelled = self
            .timer
            .state
            .compare_exchange(PENDING, CANCELLED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok();
        if cancelled {
            let sender = self
                .timer
                .cancel
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(sender) = sender {
                let _ = sender.send(());
            }
        }
        cancelled
    }

    /// Whether the callback has run (or is running).
    pub fn fired(&self) -> bool {
        self.timer.state.load(Ordering::Acquire) == FIRED
    }
}

impl fmt::Debug for TimeoutHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.timer.state.load(Ordering::Acquire) {
            PENDING => "pending",
            FIRED => "fired",
            _ => "cancelled",
        };
        f.debug_struct("TimeoutHandle")
            .field("state", &state)
            .finish()
    }
}
