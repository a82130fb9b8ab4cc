//! `PeriodicCallback`: a fixed-rate schedule on the loop.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::FutureExt;
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::CallbackOutput;
use crate::concurrent::panic_message;
use crate::sync::runtime;
use crate::sync::UsageError;

type BoxedCallback = Box<dyn FnMut() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

/// Calls a function on a fixed-rate schedule (Tornado's `PeriodicCallback`).
///
/// Runs are scheduled start-to-start on a grid of `period` from [`start`](Self::start): the
/// first run is one period after `start`. A run that takes longer than the period, or a loop
/// that was busy, does not cause a burst of catch-up runs: the missed slots are skipped and the
/// next run lands on the next slot of the grid, so the schedule never drifts.
///
/// The callback may be a plain function ([`new`](Self::new)) or return a future
/// ([`new_async`](Self::new_async)), which is awaited before the next slot is picked. Errors it
/// returns and panics are logged, and the schedule goes on. [`stop`](Self::stop) may be called
/// from anywhere, including the callback itself; a stopped callback can be started again and
/// never fires twice for one slot.
///
/// The schedule runs on the arbiter current when `start` is called (or tornado's background
/// arbiter on a thread without a `System`). As in Tornado, a started schedule keeps running
/// until [`stop`](Self::stop) is called or its arbiter stops, even if every handle is dropped;
/// keep a handle if you mean to stop it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tornado::ioloop::PeriodicCallback;
///
/// # actix_rt::System::new().block_on(async {
/// let heartbeat = PeriodicCallback::new(|| println!("still alive"), Duration::from_secs(30))
///     .expect("non-zero period")
///     .with_jitter(0.1); // each interval varies by up to ±5%
/// heartbeat.start();
/// assert!(heartbeat.is_running());
/// heartbeat.stop();
/// assert!(!heartbeat.is_running());
/// assert!(PeriodicCallback::new(|| {}, Duration::ZERO).is_err());
/// # });
/// ```
#[derive(Clone)]
pub struct PeriodicCallback {
    inner: Arc<Periodic>,
}

struct Periodic {
    callback: Mutex<BoxedCallback>,
    period: Duration,
    /// `f64` bits of the jitter fraction.
    jitter: AtomicU64,
    running: AtomicBool,
    /// Bumped by every start and stop; a schedule runs only while it holds the current value.
    generation: AtomicU64,
    stop: Mutex<Option<oneshot::Sender<()>>>,
}

impl PeriodicCallback {
    /// A periodic call of `callback` every `period`. Not started yet.
    ///
    /// # Errors
    ///
    /// [`UsageError::ZeroPeriod`] if `period` is zero.
    pub fn new<F, R>(mut callback: F, period: Duration) -> Result<PeriodicCallback, UsageError>
    where
        F: FnMut() -> R + Send + 'static,
        R: CallbackOutput,
    {
        Self::from_boxed(
            Box::new(move || {
                log_outcome(std::panic::catch_unwind(AssertUnwindSafe(&mut callback)));
                Box::pin(std::future::ready(()))
            }),
            period,
        )
    }

    /// A periodic call of an async `callback` every `period`; each run's future is awaited
    /// before the next slot is chosen. Not started yet.
    ///
    /// # Errors
    ///
    /// [`UsageError::ZeroPeriod`] if `period` is zero.
    pub fn new_async<F, Fut>(
        mut callback: F,
        period: Duration,
    ) -> Result<PeriodicCallback, UsageError>
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: CallbackOutput,
    {
        Self::from_boxed(
            Box::new(
                move || match std::panic::catch_unwind(AssertUnwindSafe(&mut callback)) {
                    Ok(fut) => Box::pin(async move {
                        log_outcome(AssertUnwindSafe(fut).catch_unwind().await);
                    }),
                    Err(panic) => {
                        let output: std::thread::Result<()> = Err(panic);
                        Box::pin(async move { log_outcome(output) })
                    }
                },
            ),
            period,
        )
    }

    fn from_boxed(callback: BoxedCallback, period: Duration) -> Result<Self, UsageError> {
        if period.is_zero() {
            return Err(UsageError::ZeroPeriod);
        }
        Ok(PeriodicCallback {
            inner: Arc::new(Periodic {
                callback: Mutex::new(callback),
                period,
                jitter: AtomicU64::new(0f64.to_bits()),
                running: AtomicBool::new(false),
                generation: AtomicU64::new(0),
                stop: Mutex::new(None),
            }),
        })
    }

    /// Varies each interval randomly by up to `± jitter / 2` of the period (Tornado's
    /// `jitter`; `0.1` means ±5%). Values are clamped to `0.0..=1.0`. Default: 0.
    pub fn with_jitter(self, jitter: f64) -> PeriodicCallback {
        let jitter = if jitter.is_nan() {
            0.0
        } else {
            jitter.clamp(0.0, 1.0)
        };
        self.inner.jitter.store(jitter.to_bits(), Ordering::Release);
        self
    }

    /// The period between runs.
    pub fn period(&self) -> Duration {
        self.inner.period
    }

    /// Starts the schedule; the first run comes one period from now. Does nothing if running.
    pub fn start(&self) {
        if self.inner.running.swap(true, Ordering::AcqRel) {
            return;
        }
        let generation = self.inner.generation.fetch_add(1, Ordering::AcqRel) + 1;
        let (stop_tx, stop_rx) = oneshot::channel();
        *self
            .inner
            .stop
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(stop_tx);
        let inner = self.inner.clone();
        runtime::arbiter().spawn(run_periodic(inner, generation, Instant::now(), stop_rx));
    }

    /// Stops the schedule; a run in progress finishes, and no further run starts.
    pub fn stop(&self) {
        if !self.inner.running.swap(false, Ordering::AcqRel) {
            return;
        }
        self.inner.generation.fetch_add(1, Ordering::AcqRel);
        let stop = self
            .inner
            .stop
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(stop) = stop {
            let _ = stop.send(());
        }
    }

    /// Whether the schedule is running.
    pub fn is_running(&self) -> bool {
        self.inner.running.load(Ordering::Acquire)
    }
}

impl fmt::Debug for PeriodicCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeriodicCallback")
            .field("period", &self.inner.period)
            .field("running", &self.is_running())
            .finish()
    }
}

fn log_outcome<R: CallbackOutput>(output: std::thread::Result<R>) {
    match output {
        Ok(output) => output.log_error("periodic callback"),
        Err(panic) => tracing::error!("periodic callback panicked: {}", panic_message(&*panic)),
    }
}

impl Periodic {
    fn is_current(&self, generation: u64) -> bool {
        self.generation.load(Ordering::Acquire) == generation
    }
}

async fn run_periodic(
    inner: Arc<Periodic>,
    generation: u64,
    start: Instant,
    mut stop: oneshot::Receiver<()>,
) {
    let mut rng = Jitter::seeded(generation, &inner);
    let mut next = start;
    loop {
        let jitter = f64::from_bits(inner.jitter.load(Ordering::Acquire));
        next = next_slot(next, Instant::now(), rng.vary(inner.period, jitter));
        tokio::select! {
            _ = tokio::time::sleep_until(next) => {}
            _ = &mut stop => return,
        }
        if !inner.is_current(generation) {
            return;
        }
        let run = {
            let mut callback = inner
                .callback
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            callback()
        };
        run.await;
        if !inner.is_current(generation) {
            return;
        }
    }
}

/// The first slot of the grid `previous + k * period` (k ≥ 1) that is after `now`: a late or
/// long run skips the slots it missed instead of bursting to catch up.
pub(crate) fn next_slot(previous: Instant, now: Instant, period: Duration) -> Instant {
    if previous > now {
        // The clock went backwards relative to the schedule: still move forward one period.
        return previous + period;
    }
    let behind = now.duration_since(previous).as_nanos();
    let period_ns = period.as_nanos().max(1);
    let slots = behind / period_ns + 1;
    let advance = period_ns.saturating_mul(slots);
    let advance = Duration::from_nanos(u64::try_from(advance).unwrap_or(u64::MAX));
    previous + advance
}

/// A small xorshift generator for jitter; quality needs are modest.
struct Jitter(u64);

impl Jitter {
    fn seeded(generation: u64, inner: &Arc<Periodic>) -> Jitter {
        let address = Arc::as_ptr(inner) as usize as u64;
        let time = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos() as u64);
        Jitter((address ^ time.rotate_left(32) ^ generation).max(1))
    }

    /// A float in `0.0..1.0`.
    fn next_unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn vary(&mut self, period: Duration, jitter: f64) -> Duration {
        if jitter <= 0.0 {
            return period;
        }
        period.mul_f64(1.0 + jitter * (self.next_unit() - 0.5))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_slot_stays_on_the_grid() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        // On time: the next slot.
        assert_eq!(next_slot(t0, t0, ms(100)), t0 + ms(100));
        // A run that took 250 ms skips two slots and lands on the third.
        assert_eq!(next_slot(t0 + ms(100), t0 + ms(350), ms(100)), t0 + ms(400));
        // Exactly on a slot boundary moves to the following one.
        assert_eq!(next_slot(t0, t0 + ms(200), ms(100)), t0 + ms(300));
        // A large clock jump is handled in one step.
        assert_eq!(
            next_slot(t0, t0 + Duration::from_secs(3600) + ms(50), ms(100)),
            t0 + Duration::from_secs(3600) + ms(100)
        );
    }

    #[test]
    fn jitter_varies_within_half_the_fraction() {
        let inner = PeriodicCallback::new(|| {}, Duration::from_secs(1))
            .expect("valid period")
            .inner;
        let mut rng = Jitter::seeded(1, &inner);
        for _ in 0..1000 {
            let d = rng.vary(Duration::from_secs(1), 0.2);
            assert!(d >= Duration::from_millis(900) && d <= Duration::from_millis(1100));
        }
        assert_eq!(
            rng.vary(Duration::from_secs(1), 0.0),
            Duration::from_secs(1)
        );
    }
}
