//! The timeout argument of every waiting operation.

use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;

use super::error::WaitError;

/// When a waiting operation gives up: never, after a [`Duration`], or at an [`Instant`].
///
/// Tornado takes a number (an absolute loop time) or a `timedelta` (relative); here each has its
/// own type so they cannot be confused. Every waiting method takes `impl Into<Deadline>`:
///
/// | argument | meaning |
/// |---|---|
/// | `None` | wait for as long as it takes |
/// | `Duration::from_millis(50)` | give up 50 ms after the call |
/// | `tokio::time::Instant` or `std::time::Instant` | give up at that moment |
/// | `Some(duration)` / `Some(instant)` written as `Deadline::from(...)` | the same |
///
/// A relative timeout is turned into a deadline when the method is *called*, not when the
/// returned future is first polled. Deadlines use tokio's clock, so waiting with a timeout needs
/// a tokio runtime with time enabled (every actix `System` and `Arbiter` has one) and obeys
/// `tokio::time::pause` in tests. Waiting without a timeout needs no runtime at all.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tornado::sync::Deadline;
///
/// assert!(Deadline::from(None).instant().is_none());
/// assert!(Deadline::from(Duration::from_secs(1)).instant().is_some());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Deadline(Option<Instant>);

impl Deadline {
    /// No deadline: wait for as long as it takes.
    pub const NEVER: Deadline = Deadline(None);

    /// A deadline `timeout` from now.
    pub fn after(timeout: Duration) -> Deadline {
        Deadline(Some(Instant::now() + timeout))
    }

    /// A deadline at `instant`.
    pub fn at(instant: Instant) -> Deadline {
        Deadline(Some(instant))
    }

    /// The moment this deadline passes, if any.
    pub fn instant(&self) -> Option<Instant> {
        self.0
    }
}

impl From<Duration> for Deadline {
    fn from(timeout: Duration) -> Self {
        Deadline::after(timeout)
    }
}

impl From<Instant> for Deadline {
    fn from(instant: Instant) -> Self {
        Deadline::at(instant)
    }
}

impl From<std::time::Instant> for Deadline {
    fn from(instant: std::time::Instant) -> Self {
        Deadline::at(Instant::from_std(instant))
    }
}

impl From<Option<Duration>> for Deadline {
    fn from(timeout: Option<Duration>) -> Self {
        timeout.map_or(Deadline::NEVER, Deadline::after)
    }
}

/// Waits for a grant on `rx` until `deadline`.
///
/// On timeout the receiver is closed first and then checked once more, so a grant that raced
/// with the timeout is either delivered here or refused by the sender (who then keeps it); it is
/// never lost in between.
pub(crate) async fn recv_until<T>(
    mut rx: oneshot::Receiver<T>,
    deadline: Deadline,
) -> Result<T, WaitError> {
    match deadline.0 {
        None => rx.await.map_err(|_| WaitError::Closed),
        Some(at) => match tokio::time::timeout_at(at, &mut rx).await {
            Ok(result) => result.map_err(|_| WaitError::Closed),
            Err(_) => {
                rx.close();
                rx.try_recv().map_err(|_| WaitError::Timeout)
            }
        },
    }
}
