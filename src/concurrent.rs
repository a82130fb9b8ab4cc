//! Running blocking work off the event loop (Tornado's `tornado.concurrent`).
//!
//! Tornado's `Future` is Rust's [`Future`]; its `run_on_executor` decorator, which runs a
//! blocking method on a thread pool and returns a future, becomes an [`Executor`]: a pool of
//! worker threads (an actix `SyncArbiter`) that [`submit`](Executor::submit) hands closures to.
//! For one-off blocking calls, [`IoLoop::run_in_executor`](crate::ioloop::IoLoop::run_in_executor)
//! without an executor uses tokio's blocking pool.
//!
//! # Examples
//!
//! Tornado's `run_on_executor` pattern: an object owns an executor and exposes blocking methods
//! as futures.
//!
//! ```
//! use tornado::concurrent::{Executor, ExecutorError};
//!
//! struct Hasher {
//!     executor: Executor,
//! }
//!
//! impl Hasher {
//!     /// Blocking work, run on the executor's threads; the caller's loop keeps going.
//!     fn checksum(&self, data: Vec<u8>) -> impl std::future::Future<Output = Result<u64, ExecutorError>> {
//!         self.executor.submit(move || data.iter().map(|&b| u64::from(b)).sum())
//!     }
//! }
//!
//! # actix_rt::System::new().block_on(async {
//! let hasher = Hasher { executor: Executor::new(2) };
//! assert_eq!(hasher.checksum(vec![1, 2, 3]).await, Ok(6));
//! # });
//! ```

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};

use actix::{Actor, Addr, Handler, Message, SyncArbiter, SyncContext};
use tokio::sync::oneshot;

use crate::sync::runtime;

/// Why a job given to an executor produced no result.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExecutorError {
    /// The job panicked; the message is the panic's, if it was a string.
    Panicked(String),
    /// The executor's threads stopped (their `System` shut down) before running the job.
    Closed,
}

impl fmt::Display for ExecutorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecutorError::Panicked(message) => write!(f, "blocking job panicked: {message}"),
            ExecutorError::Closed => {
                f.write_str("executor stopped before running the job; keep its System running")
            }
        }
    }
}

impl std::error::Error for ExecutorError {}

pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

/// A fixed pool of threads for blocking work, backed by an actix `SyncArbiter`.
///
/// Cloning shares the pool. Jobs run in submission order as threads become free; a job that
/// panics is reported as [`ExecutorError::Panicked`] and its thread keeps serving.
#[derive(Clone)]
pub struct Executor {
    addr: Addr<Worker>,
    threads: usize,
}

impl Executor {
    /// Starts `threads` worker threads (at least one).
    ///
    /// The pool belongs to the current thread's actix `System`, or to tornado's background
    /// system when the calling thread runs none.
    pub fn new(threads: usize) -> Executor {
        let threads = threads.max(1);
        let addr = runtime::with_system(move || SyncArbiter::start(threads, || Worker));
        Executor { addr, threads }
    }

    /// How many worker threads the pool has.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `job` on one of the pool's threads and resolves to its result.
    ///
    /// The job is queued at once, whether or not the returned future is polled; dropping the
    /// future discards the result but does not stop the job.
    ///
    /// # Errors
    ///
    /// [`ExecutorError::Panicked`] if `job` panicked, [`ExecutorError::Closed`] if the pool
    /// stopped first.
    pub fn submit<R, F>(&self, job: F) -> impl Future<Output = Result<R, ExecutorError>> + Send
    where
        R: Send + 'static,
        F: FnOnce() -> R + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        self.addr.do_send(Job(Box::new(move || {
            let result = catch_unwind(AssertUnwindSafe(job))
                .map_err(|payload| ExecutorError::Panicked(panic_message(&*payload)));
            let _ = tx.send(result);
        })));
        async move { rx.await.unwrap_or(Err(ExecutorError::Closed)) }
    }
}

impl fmt::Debug for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Executor")
            .field("threads", &self.threads)
            .finish()
    }
}

struct Worker;

impl Actor for Worker {
    type Context = SyncContext<Self>;
}

struct Job(Box<dyn FnOnce() + Send>);

impl Message for Job {
    type Result = ();
}

impl Handler<Job> for Worker {
    type Result = ();

    fn handle(&mut self, Job(job): Job, _: &mut SyncContext<Self>) {
        job();
    }
}
