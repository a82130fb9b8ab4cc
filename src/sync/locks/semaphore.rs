//! `Semaphore` and `BoundedSemaphore`.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use super::permits::{FromPermit, Permit, Permits};
use crate::sync::deadline::Deadline;
use crate::sync::error::{UsageError, WaitError};

/// A counter of permits that tasks acquire and release (Tornado's `Semaphore`).
///
/// [`acquire`](Semaphore::acquire) takes a permit, waiting in FIFO order while none is free, and
/// returns a [`SemaphoreGuard`] that gives the permit back when dropped.
/// [`release`](Semaphore::release) adds a permit at any time, without an upper bound; use
/// [`BoundedSemaphore`] to catch releases that do not match an acquire.
///
/// The handle is cheap to clone (one reference count) and works from any thread.
///
/// # Examples
///
/// Cap the number of concurrent calls to a slow service at two:
///
/// ```
/// use tornado::locks::Semaphore;
///
/// # actix_rt::System::new().block_on(async {
/// let sem = Semaphore::new(2);
/// let mut calls = Vec::new();
/// for i in 0..5 {
///     let sem = sem.clone();
///     calls.push(actix_rt::spawn(async move {
///         let _permit = sem.acquire(None).await?; // released when dropped
///         // ... at most two tasks are here at a time ...
///         Ok::<_, tornado::sync::WaitError>(i)
///     }));
/// }
/// for call in calls {
///     call.await.expect("task panicked")?;
/// }
/// assert_eq!(sem.value(), 2);
/// # Ok::<_, tornado::sync::WaitError>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct Semaphore {
    permits: Arc<Permits>,
}

impl Default for Semaphore {
    /// One permit, as Tornado's default `value=1`.
    fn default() -> Self {
        Semaphore::new(1)
    }
}

impl Semaphore {
    /// A semaphore with `value` permits, on the current arbiter (or on tornado's background
    /// arbiter when the calling thread runs no actix `System`).
    pub fn new(value: u32) -> Semaphore {
        Semaphore {
            permits: Permits::new(value, None),
        }
    }

    /// Takes a permit, waiting until one is free or `timeout` passes.
    ///
    /// The place in line is taken when this method is called. Waiters are served in that order,
    /// and an acquirer never overtakes a waiter. Dropping the returned future, or its timing
    /// out, gives up the place; a permit that was granted at that very moment goes back to the
    /// semaphore.
    ///
    /// # Errors
    ///
    /// [`WaitError::Timeout`] when `timeout` passes first; [`WaitError::Closed`] if the arbiter
    /// running this semaphore stopped.
    pub fn acquire(
        &self,
        timeout: impl Into<Deadline>,
    ) -> impl Future<Output = Result<SemaphoreGuard, WaitError>> + Send + 'static {
        self.permits.acquire(timeout.into())
    }

    /// Takes a permit if one is free and nobody is waiting, without waiting.
    pub fn try_acquire(&self) -> Option<SemaphoreGuard> {
        self.permits
            .try_acquire()
            .map(|permit| SemaphoreGuard { permit })
    }

    /// Adds a permit, waking the oldest waiter if any.
    ///
    /// Use this to balance a [`SemaphoreGuard::forget`]. The counter saturates at `u32::MAX`.
    pub fn release(&self) {
        if self.permits.release().is_err() {
            tracing::warn!("Semaphore::release ignored: the counter is at u32::MAX");
        }
    }

    /// Permits free right now (Tornado's private `_value`).
    pub fn value(&self) -> u32 {
        self.permits.available()
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("value", &self.value())
            .finish()
    }
}

/// A [`Semaphore`] that refuses to be released above its initial value (Tornado's
/// `BoundedSemaphore`).
///
/// # Examples
///
/// ```
/// use tornado::locks::BoundedSemaphore;
/// use tornado::sync::UsageError;
///
/// # actix_rt::System::new().block_on(async {
/// let sem = BoundedSemaphore::new(1);
/// let permit = sem.acquire(None).await.expect("a permit is free");
/// drop(permit);
/// assert_eq!(sem.release(), Err(UsageError::SemaphoreOverReleased));
/// # });
/// ```
#[derive(Clone)]
pub struct BoundedSemaphore {
    permits: Arc<Permits>,
}

impl Default for BoundedSemaphore {
    /// One permit, as Tornado's default `value=1`.
    fn default() -> Self {
        BoundedSemaphore::new(1)
    }
}

impl BoundedSemaphore {
    /// A semaphore with `value` permits that can never hold more than `value`.
    pub fn new(value: u32) -> BoundedSemaphore {
        BoundedSemaphore {
            permits: Permits::new(value, Some(value)),
        }
    }

    /// Takes a permit, waiting until one is free or `timeout` passes; see
    /// [`Semaphore::acquire`].
    ///
    /// # Errors
    ///
    /// [`WaitError::Timeout`] when `timeout` passes first; [`WaitError::Closed`] if the arbiter
    /// running this semaphore stopped.
    pub fn acquire(
        &self,
        timeout: impl Into<Deadline>,
    ) -> impl Future<Output = Result<SemaphoreGuard, WaitError>> + Send + 'static {
        self.permits.acquire(timeout.into())
    }

    /// Takes a permit if one is free and nobody is waiting, without waiting.
    pub fn try_acquire(&self) -> Option<SemaphoreGuard> {
        self.permits
            .try_acquire()
            .map(|permit| SemaphoreGuard { permit })
    }

    /// Adds a permit, waking the oldest waiter if any.
    ///
    /// # Errors
    ///
    /// [`UsageError::SemaphoreOverReleased`] if the counter is already at its initial value.
    pub fn release(&self) -> Result<(), UsageError> {
        self.permits
            .release()
            .map_err(|_| UsageError::SemaphoreOverReleased)
    }

    /// Permits free right now.
    pub fn value(&self) -> u32 {
        self.permits.available()
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("value", &self.value())
            .finish()
    }
}

/// A permit taken from a [`Semaphore`] or [`BoundedSemaphore`]; dropping it releases the permit.
#[must_use = "the permit is released as soon as the guard is dropped"]
pub struct SemaphoreGuard {
    permit: Permit,
}

impl FromPermit for SemaphoreGuard {
    fn from_permit(permit: Permit) -> Self {
        SemaphoreGuard { permit }
    }
}

impl SemaphoreGuard {
    /// Keeps the permit taken without a guard; balance it later with `release()`.
    pub fn forget(self) {
        self.permit.forget();
    }
}

impl fmt::Debug for SemaphoreGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SemaphoreGuard")
    }
}
