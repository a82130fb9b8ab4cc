//! Behaviour of `tornado::ioloop`: timers, callbacks, run_sync, executors and
//! PeriodicCallback. Schedules are checked on tokio's paused clock, so they are exact and
//! instant.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;
use tornado::concurrent::{Executor, ExecutorError};
use tornado::ioloop::{IoLoop, PeriodicCallback};
use tornado::sync::{Deadline, Timeout, UsageError};

const MS: Duration = Duration::from_millis(1);

/// Records the moments (relative to its creation) at which `hit` is called.
#[derive(Clone)]
struct Recorder {
    start: Instant,
    hits: Arc<Mutex<Vec<Duration>>>,
}

impl Recorder {
    fn new() -> Recorder {
        Recorder {
            start: Instant::now(),
            hits: Arc::new(Mutex::new(Vec::new())),
        }
    }

    fn hit(&self) {
        self.hits
            .lock()
            .expect("recorder")
            .push(self.start.elapsed());
    }

    /// Asserts the calls happened at `expected` ms; tokio's timer rounds each deadline up to
    /// its next 1 ms tick, so on the paused clock a call may land up to 2 ms after its slot.
    fn assert_schedule(&self, expected: &[u128]) {
        let hits = self.hits_ms();
        let on_time = hits.len() == expected.len()
            && hits
                .iter()
                .zip(expected)
                .all(|(&hit, &slot)| hit >= slot && hit <= slot + 2);
        assert!(on_time, "calls at {hits:?} ms, expected {expected:?} ms");
    }

    fn hits_ms(&self) -> Vec<u128> {
        self.hits
            .lock()
            .expect("recorder")
            .iter()
            .map(Duration::as_millis)
            .collect()
    }
}

#[actix_rt::test]
async fn call_later_runs_once_after_the_delay() {
    tokio::time::pause();
    let rec = Recorder::new();
    let io_loop = IoLoop::current();
    let r = rec.clone();
    let handle = io_loop.call_later(250 * MS, move || r.hit());
    tokio::time::sleep(1000 * MS).await;
    rec.assert_schedule(&[250]);
    assert!(handle.fired());
    assert!(
        !io_loop.remove_timeout(&handle),
        "safe after firing, reports false"
    );
}

#[actix_rt::test]
async fn call_at_and_add_timeout_take_deadlines_and_durations() {
    tokio::time::pause();
    let rec = Recorder::new();
    let io_loop = IoLoop::current();
    let start = io_loop.time();
    let r = rec.clone();
    io_loop.call_at(start + 300 * MS, move || r.hit());
    let r = rec.clone();
    io_loop.add_timeout(100 * MS, move || r.hit());
    let r = rec.clone();
    io_loop.add_timeout(start + 200 * MS, move || r.hit());
    let never = io_loop.add_timeout(Deadline::NEVER, || unreachable!("never scheduled"));
    tokio::time::sleep(1000 * MS).await;
    rec.assert_schedule(&[100, 200, 300]);
    assert!(!never.fired());
}

#[actix_rt::test]
async fn a_removed_timeout_never_fires() {
    tokio::time::pause();
    let fired = Arc::new(AtomicUsize::new(0));
    let io_loop = IoLoop::current();
    let f = fired.clone();
    let handle = io_loop.call_later(100 * MS, move || {
        f.fetch_add(1, Ordering::SeqCst);
    });
    tokio::time::sleep(50 * MS).await;
    assert!(io_loop.remove_timeout(&handle));
    assert!(!handle.cancel(), "cancelling twice is safe");
    tokio::time::sleep(1000 * MS).await;
    assert_eq!(fired.load(Ordering::SeqCst), 0);
}

#[actix_rt::test]
async fn add_callback_runs_on_the_loop_thread_in_fifo_order() {
    let io_loop = IoLoop::current();
    let loop_thread = std::thread::current().id();
    let order = Arc::new(Mutex::new(Vec::new()));
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let from_other_thread = std::thread::spawn({
        let (io_loop, order) = (io_loop.clone(), order.clone());
        move || {
            for i in 0..5 {
                let order = order.clone();
                io_loop.add_callback(move || {
                    assert_eq!(std::thread::current().id(), loop_thread);
                    order.lock().expect("order").push(i);
                });
            }
            io_loop.add_callback(move || {
                let _ = done_tx.send(());
            });
        }
    });
    done_rx.await.expect("the last callback ran");
    from_other_thread.join().expect("no panic");
    assert_eq!(*order.lock().expect("order"), vec![0, 1, 2, 3, 4]);
}

#[actix_rt::test]
async fn spawn_callback_runs_futures_and_survives_their_errors_and_panics() {
    let io_loop = IoLoop::current();
    let (tx, rx) = tokio::sync::oneshot::channel();
    io_loop.spawn_callback(async { Err::<(), _>("expected failure") });
    io_loop.spawn_callback(async {
        panic!("expected panic");
        #[allow(unreachable_code)]
        ()
    });
    io_loop.spawn_callback(async move {
        let _ = tx.send("still running");
    });
    assert_eq!(rx.await, Ok("still running"));
}

#[test]
fn run_sync_starts_a_system_runs_the_future_and_returns_its_output() {
    let out = IoLoop::run_sync(
        || async {
            let q = tornado::queues::Queue::new(None);
            q.put(41, None).await.expect("put");
            q.get(None).await.expect("get") + 1
        },
        None,
    );
    assert_eq!(out, Ok(42));
}

#[test]
fn run_sync_times_out() {
    let out = IoLoop::run_sync(
        || {
            tokio::time::pause();
            tornado::gen::sleep(Duration::from_secs(3600))
        },
        Some(Duration::from_secs(1)),
    );
    assert_eq!(out, Err(Timeout));
}

#[actix_rt::test]
async fn run_in_executor_runs_blocking_work_off_the_loop() {
    let io_loop = IoLoop::current();
    let loop_thread = std::thread::current().id();
    let other = io_loop
        .run_in_executor(None, move || std::thread::current().id() != loop_thread)
        .await;
    assert_eq!(other, Ok(true));

    let executor = Executor::new(2);
    assert_eq!(executor.threads(), 2);
    let sum = io_loop
        .run_in_executor(Some(&executor), || (1..=10).sum::<u32>())
        .await;
    assert_eq!(sum, Ok(55));
    let panicked = executor.submit(|| -> u8 { panic!("boom") }).await;
    assert_eq!(panicked, Err(ExecutorError::Panicked("boom".into())));
    assert_eq!(
        executor.submit(|| 7).await,
        Ok(7),
        "the pool survives a panic"
    );
    let default_panic = io_loop
        .run_in_executor(None, || -> u8 { panic!("bang") })
        .await;
    assert_eq!(default_panic, Err(ExecutorError::Panicked("bang".into())));
}

#[test]
fn an_executor_can_be_made_outside_any_system() {
    let executor = Executor::new(1);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    assert_eq!(rt.block_on(executor.submit(|| "done")), Ok("done"));
}

#[actix_rt::test]
async fn periodic_callback_rejects_a_zero_period() {
    let result = PeriodicCallback::new(|| {}, Duration::ZERO);
    assert_eq!(result.map(|_| ()), Err(UsageError::ZeroPeriod));
}

#[actix_rt::test]
async fn periodic_callback_runs_on_a_fixed_grid() {
    tokio::time::pause();
    let rec = Recorder::new();
    let r = rec.clone();
    let pc = PeriodicCallback::new(move || r.hit(), 100 * MS).expect("valid");
    assert!(!pc.is_running());
    pc.start();
    assert!(pc.is_running());
    tokio::time::sleep(550 * MS).await;
    pc.stop();
    assert!(!pc.is_running());
    tokio::time::sleep(1000 * MS).await;
    rec.assert_schedule(&[100, 200, 300, 400, 500]);
}

#[actix_rt::test]
async fn a_slow_callback_skips_missed_slots_instead_of_bursting() {
    tokio::time::pause();
    let rec = Recorder::new();
    let r = rec.clone();
    // Every 100 ms, taking 250 ms: runs land on every third slot, with no catch-up burst.
    let pc = PeriodicCallback::new_async(
        move || {
            r.hit();
            tokio::time::sleep(250 * MS)
        },
        100 * MS,
    )
    .expect("valid");
    pc.start();
    tokio::time::sleep(1050 * MS).await;
    pc.stop();
    rec.assert_schedule(&[100, 400, 700, 1000]);
}

#[actix_rt::test]
async fn a_callback_can_stop_its_own_periodic_callback() {
    tokio::time::pause();
    let count = Arc::new(AtomicUsize::new(0));
    let slot: Arc<Mutex<Option<PeriodicCallback>>> = Arc::new(Mutex::new(None));
    let (c, s) = (count.clone(), slot.clone());
    let pc = PeriodicCallback::new(
        move || {
            if c.fetch_add(1, Ordering::SeqCst) + 1 == 3 {
                if let Some(pc) = s.lock().expect("slot").as_ref() {
                    pc.stop();
                }
            }
        },
        10 * MS,
    )
    .expect("valid");
    *slot.lock().expect("slot") = Some(pc.clone());
    pc.start();
    tokio::time::sleep(1000 * MS).await;
    assert_eq!(count.load(Ordering::SeqCst), 3);
    assert!(!pc.is_running());
    slot.lock().expect("slot").take();
}

#[actix_rt::test]
async fn stop_and_start_again_never_double_fires() {
    tokio::time::pause();
    let rec = Recorder::new();
    let r = rec.clone();
    let pc = PeriodicCallback::new(move || r.hit(), 100 * MS).expect("valid");
    pc.start();
    tokio::time::sleep(150 * MS).await;
    pc.stop();
    pc.start();
    pc.start(); // already running: no second schedule
    tokio::time::sleep(260 * MS).await;
    pc.stop();
    // First schedule: 100. Restarted at 150: 250, 350. Never two runs per slot.
    rec.assert_schedule(&[100, 250, 350]);
}

#[actix_rt::test]
async fn an_async_callback_that_fails_keeps_its_schedule() {
    tokio::time::pause();
    let rec = Recorder::new();
    let r = rec.clone();
    let pc = PeriodicCallback::new_async(
        move || {
            r.hit();
            async { Err::<(), _>("expected failure") }
        },
        100 * MS,
    )
    .expect("valid");
    pc.start();
    tokio::time::sleep(350 * MS).await;
    pc.stop();
    rec.assert_schedule(&[100, 200, 300]);
}

#[actix_rt::test]
async fn jitter_keeps_each_interval_within_its_band() {
    tokio::time::pause();
    let rec = Recorder::new();
    let r = rec.clone();
    let pc = PeriodicCallback::new(move || r.hit(), 100 * MS)
        .expect("valid")
        .with_jitter(0.2);
    pc.start();
    tokio::time::sleep(2000 * MS).await;
    pc.stop();
    let hits = rec.hits_ms();
    assert!(hits.len() >= 15, "about 20 runs, got {}", hits.len());
    let mut previous = 0;
    for hit in hits {
        let interval = hit - previous;
        assert!((90..=111).contains(&interval), "interval {interval} ms");
        previous = hit;
    }
}

#[test]
fn io_loop_current_works_on_a_thread_without_a_system() {
    let io_loop = IoLoop::current();
    let (tx, rx) = std::sync::mpsc::channel();
    io_loop.add_callback(move || {
        let _ = tx.send(std::thread::current().name().map(str::to_owned));
    });
    let ran_on = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the callback ran");
    assert_eq!(ran_on.as_deref(), Some("tornado-sync"));
}

#[test]
fn run_sync_can_run_one_system_after_another_on_a_thread() {
    for round in 0..3 {
        let out = IoLoop::run_sync(
            move || async move {
                let lock = tornado::locks::Lock::new();
                let _guard = lock.acquire(None).await.expect("free");
                round
            },
            Some(Duration::from_secs(20)),
        );
        assert_eq!(out, Ok(round));
    }
}
