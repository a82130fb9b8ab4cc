//! `Lock`.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use super::permits::{FromPermit, Permit, Permits};
use crate::sync::deadline::Deadline;
use crate::sync::error::{UsageError, WaitError};

/// A mutual-exclusion lock for tasks (Tornado's `Lock`).
///
/// It starts unlocked. [`acquire`](Lock::acquire) waits in FIFO order and returns a
/// [`LockGuard`] that unlocks when dropped; unlocking hands the lock to the next waiter in line.
/// The lock guards no data: it orders tasks, as Tornado's does. To guard data, prefer
/// `tokio::sync::Mutex`; use this lock where Tornado code is being ported or where the critical
/// section is a protocol (one request at a time to a backend, say).
///
/// # Examples
///
/// ```
/// use tornado::locks::Lock;
///
/// # actix_rt::System::new().block_on(async {
/// let lock = Lock::new();
/// {
///     let _guard = lock.acquire(None).await?;
///     assert!(lock.locked());
///     // ... one task at a time here ...
/// }
/// assert!(!lock.locked());
/// # Ok::<_, tornado::sync::WaitError>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct Lock {
    permits: Arc<Permits>,
}

impl Default for Lock {
    fn default() -> Self {
        Lock::new()
    }
}

impl Lock {
    /// An unlocked lock, on the current arbiter (or on tornado's background arbiter when the
    /// calling thread runs no actix `System`).
    pub fn new() -> Lock {
        Lock {
            permits: Permits::new(1, Some(1)),
        }
    }

    /// Locks, waiting until the lock is free or `timeout` passes.
    ///
    /// The place in line is taken when this method is called; dropping the future or timing
    /// out gives it up, and a lock handed over at that very moment is passed on to the next
    /// waiter.
    ///
    /// # Errors
    ///
    /// [`WaitError::Timeout`] when `timeout` passes first; [`WaitError::Closed`] if the arbiter
    /// running this lock stopped.
    pub fn acquire(
        &self,
        timeout: impl Into<Deadline>,
    ) -> impl Future<Output = Result<LockGuard, WaitError>> + Send + 'static {
        self.permits.acquire(timeout.into())
    }

    /// Locks if the lock is free and nobody is waiting, without waiting.
    pub fn try_acquire(&self) -> Option<LockGuard> {
        self.permits
            .try_acquire()
            .map(|permit| LockGuard { permit })
    }

    /// Unlocks a lock whose guard was [`forget`](LockGuard::forget)-ten, handing it to the next
    /// waiter in line.
    ///
    /// # Errors
    ///
    /// [`UsageError::ReleaseUnlocked`] if the lock is not locked.
    pub fn release(&self) -> Result<(), UsageError> {
        self.permits
            .release()
            .map_err(|_| UsageError::ReleaseUnlocked)
    }

    /// Whether the lock is held (or being handed to a waiter).
    pub fn locked(&self) -> bool {
        self.permits.available() == 0
    }
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("locked", &self.locked())
            .finish()
    }
}

/// A held [`Lock`]; dropping it unlocks.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard {
    permit: Permit,
}

impl FromPermit for LockGuard {
    fn from_permit(permit: Permit) -> Self {
        LockGuard { permit }
    }
}

impl LockGuard {
    /// Keeps the lock locked without a guard; unlock it later with [`Lock::release`].
    pub fn forget(self) {
        self.permit.forget();
    }
}

impl fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LockGuard")
    }
}
