//! The timeout argument of every waiting operation.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::{Instant, Sleep};

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
/// | an `Option<Duration>` | that duration, or no limit if `None` |
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
/// never lost in between. The timer is only created if the grant is not there on first poll.
pub(crate) struct Waiter<T> {
    rx: oneshot::Receiver<T>,
    deadline: Option<Instant>,
    sleep: Option<Pin<Box<Sleep>>>,
    done: bool,
}

impl<T> Waiter<T> {
    pub(crate) fn new(rx: oneshot::Receiver<T>, deadline: Deadline) -> Self {
        Waiter {
            rx,
            deadline: deadline.0,
            sleep: None,
            done: false,
        }
    }
}

impl<T> Waiter<T> {
    /// Stops waiting: returns a grant that already arrived, or refuses any later one.
    pub(crate) fn give_up(&mut self) -> Option<T> {
        self.done = true;
        self.rx.close();
        self.rx.try_recv().ok()
    }
}

impl<T> Future for Waiter<T> {
    type Output = Result<T, WaitError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.done {
            // Polled again after completing: nothing more will come.
            return Poll::Pending;
        }
        if let Poll::Ready(result) = Pin::new(&mut this.rx).poll(cx) {
            this.done = true;
            return Poll::Ready(result.map_err(|_| WaitError::Closed));
        }
        let Some(deadline) = this.deadline else {
            return Poll::Pending;
        };
        let sleep = this
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        this.done = true;
        this.rx.close();
        Poll::Ready(this.rx.try_recv().map_err(|_| WaitError::Timeout))
    }
}

/// [`Waiter`] as an `async fn`, for the primitives whose waiting is not on a hot path.
pub(crate) async fn recv_until<T>(
    rx: oneshot::Receiver<T>,
    deadline: Deadline,
) -> Result<T, WaitError> {
    Waiter::new(rx, deadline).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(timeout: impl Into<Deadline>) -> Deadline {
        timeout.into()
    }

    #[test]
    fn every_timeout_form_converts() {
        assert_eq!(take(None), Deadline::NEVER);
        let before = Instant::now();
        let relative = take(Duration::from_secs(5)).instant().expect("a deadline");
        assert!(relative >= before + Duration::from_secs(5));
        let at = Instant::now() + Duration::from_secs(1);
        assert_eq!(take(at).instant(), Some(at));
        assert_eq!(take(at.into_std()).instant(), Some(at));
        assert_eq!(
            take(Some(Duration::ZERO))
                .instant()
                .map(|i| i <= Instant::now()),
            Some(true)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_grant_already_there_wins_over_a_passed_deadline() {
        let (tx, rx) = oneshot::channel();
        let deadline = Deadline::at(Instant::now());
        tokio::time::advance(Duration::from_secs(1)).await;
        tx.send(7).expect("receiver alive");
        assert_eq!(Waiter::new(rx, deadline).await, Ok(7));
    }

    #[tokio::test(start_paused = true)]
    async fn a_timed_out_waiter_refuses_later_grants() {
        let (tx, rx) = oneshot::channel::<u8>();
        let waited = Waiter::new(rx, Deadline::after(Duration::from_millis(10))).await;
        assert_eq!(waited, Err(WaitError::Timeout));
        assert!(tx.is_closed(), "the sender learns the waiter is gone");
        assert_eq!(tx.send(1), Err(1), "a late grant stays with the sender");
    }
}
