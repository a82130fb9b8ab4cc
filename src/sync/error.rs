//! Error types of [`locks`](crate::locks), [`queues`](crate::queues) and the timeout helpers of
//! [`gen`](crate::gen) and [`ioloop`](crate::ioloop).
//!
//! Every error says what happened and what to do about it in its `Display` text, and each is a
//! small `Copy` value except [`QueueFull`], which hands the rejected item back.

use std::fmt;

/// A deadline passed before an operation could complete (Tornado's `TimeoutError`).
///
/// Returned by [`gen::with_timeout`](crate::gen::with_timeout) and
/// [`IoLoop::run_sync`](crate::ioloop::IoLoop::run_sync); the waiting operations of locks and
/// queues report it as [`WaitError::Timeout`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timeout;

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation timed out before its deadline")
    }
}

impl std::error::Error for Timeout {}

/// Why a waiting operation (`acquire`, `wait`, `get`, `put`, `join`) did not complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitError {
    /// The timeout given to the operation passed first. Nothing was taken: a waiter that timed
    /// out never receives an item, a permit or a notification.
    Timeout,
    /// The arbiter that runs the primitive's actor has stopped (its `System` shut down), so the
    /// operation can never complete. Create primitives on an arbiter that outlives their users.
    Closed,
}

impl WaitError {
    /// Whether this is [`WaitError::Timeout`].
    pub fn is_timeout(&self) -> bool {
        matches!(self, WaitError::Timeout)
    }

    /// Whether this is [`WaitError::Closed`].
    pub fn is_closed(&self) -> bool {
        matches!(self, WaitError::Closed)
    }
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Timeout => f.write_str("operation timed out before its deadline"),
            WaitError::Closed => f.write_str(
                "the arbiter running this primitive has stopped; create it on an arbiter \
                 that outlives its users",
            ),
        }
    }
}

impl std::error::Error for WaitError {}

impl From<Timeout> for WaitError {
    fn from(_: Timeout) -> Self {
        WaitError::Timeout
    }
}

/// [`put_nowait`](crate::queues::Queue::put_nowait) found the queue full (Tornado's
/// `QueueFull`). The rejected item is handed back.
pub struct QueueFull<T>(pub T);

impl<T> QueueFull<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueFull(..)")
    }
}

impl<T> fmt::Display for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("queue is full; use `put` to wait for space or raise its maxsize")
    }
}

impl<T> std::error::Error for QueueFull<T> {}

/// [`get_nowait`](crate::queues::Queue::get_nowait) found the queue empty (Tornado's
/// `QueueEmpty`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueEmpty;

impl fmt::Display for QueueEmpty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("queue is empty; use `get` to wait for an item")
    }
}

impl std::error::Error for QueueEmpty {}

/// A primitive was used in a way Tornado rejects with `ValueError` or `RuntimeError`: releasing
/// more than was acquired, calling `task_done` too often, or a non-positive period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UsageError {
    /// [`BoundedSemaphore::release`](crate::locks::BoundedSemaphore::release) would raise the
    /// counter above its initial value.
    SemaphoreOverReleased,
    /// [`Lock::release`](crate::locks::Lock::release) was called while the lock was not held.
    ReleaseUnlocked,
    /// [`task_done`](crate::queues::Queue::task_done) was called more times than items were put.
    TaskDoneTooManyTimes,
    /// A [`PeriodicCallback`](crate::ioloop::PeriodicCallback) was given a zero period.
    ZeroPeriod,
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UsageError::SemaphoreOverReleased => {
                "semaphore released too many times: every release must match an acquire"
            }
            UsageError::ReleaseUnlocked => {
                "release of an unlocked lock: release only a lock you acquired"
            }
            UsageError::TaskDoneTooManyTimes => {
                "task_done() called too many times: call it once per item taken with get"
            }
            UsageError::ZeroPeriod => "periodic callback period must be greater than zero",
        })
    }
}

impl std::error::Error for UsageError {}
