//! Costs of `tornado::locks` and `tornado::queues`, each beside its `tokio::sync` equivalent.
//!
//! Every workload runs inside one actix `System` (a current-thread tokio runtime), so the
//! primitives' actors share the thread with the tasks using them, as in a handler. Times are
//! reported per operation (one acquire+release, or one item through the queue). The same
//! workloads for Python Tornado are in `bench/sync/tornado_sync.py`.
//!
//! Run with `cargo bench --bench sync`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_rt::System;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use tornado::locks::{Lock, Semaphore};
use tornado::queues::Queue;

/// Tasks contending for the lock in the contended benchmark.
const CONTENDERS: usize = 100;
/// Items moved through a queue per measured batch.
const ITEMS: usize = 10_000;
/// Bound of the queues in the throughput benchmark.
const QUEUE_BOUND: usize = 128;

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

/// Runs `body` inside a fresh actix System and returns its reported time.
fn in_system<F, Fut>(body: F) -> Duration
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Duration>,
{
    System::new().block_on(async move { body().await })
}

/// `CONTENDERS` tasks share what `make` builds and each takes its turn (`turn`: acquire, yield
/// while holding, release, hand the handle back) until `iters` turns are done; returns the time
/// per `iters` turns.
fn contended<S, M, T, Fut>(iters: u64, make: M, turn: T) -> Duration
where
    S: Clone + 'static,
    M: FnOnce() -> S,
    T: Fn(S) -> Fut + Clone + 'static,
    Fut: std::future::Future<Output = S> + 'static,
{
    in_system(|| async move {
        let shared = make();
        let rounds = (iters as usize).div_ceil(CONTENDERS);
        let start = Instant::now();
        let tasks: Vec<_> = (0..CONTENDERS)
            .map(|_| {
                let mut shared = shared.clone();
                let turn = turn.clone();
                actix_rt::spawn(async move {
                    // The handle is passed in and handed back, so no turn pays for a clone.
                    for _ in 0..rounds {
                        shared = turn(shared).await;
                    }
                })
            })
            .collect();
        for task in tasks {
            let _ = task.await;
        }
        start
            .elapsed()
            .div_f64((rounds * CONTENDERS) as f64 / iters as f64)
    })
}

fn lock_uncontended(c: &mut Criterion) {
    let mut group = c.benchmark_group("lock_uncontended_acquire_release");
    group.throughput(Throughput::Elements(1));
    group.bench_function("tornado::Lock", |b| {
        b.iter_custom(|iters| {
            in_system(|| async move {
                let lock = Lock::new();
                let start = Instant::now();
                for _ in 0..iters {
                    let guard = lock.acquire(None).await;
                    drop(std::hint::black_box(guard));
                }
                start.elapsed()
            })
        })
    });
    group.bench_function("tokio::Mutex", |b| {
        b.iter_custom(|iters| {
            in_system(|| async move {
                let lock = tokio::sync::Mutex::new(());
                let start = Instant::now();
                for _ in 0..iters {
                    let guard = lock.lock().await;
                    drop(std::hint::black_box(guard));
                }
                start.elapsed()
            })
        })
    });
    group.finish();
}

fn lock_contended(c: &mut Criterion) {
    let mut group = c.benchmark_group("lock_contended_100_tasks");
    group.throughput(Throughput::Elements(1));
    // Each task takes the lock, yields while holding it (so the others queue up), releases.
    group.bench_function("tornado::Lock", |b| {
        b.iter_custom(|iters| {
            contended(iters, Lock::new, |x| async move {
                {
                    let _guard = x.acquire(None).await;
                    tokio::task::yield_now().await;
                }
                x
            })
        })
    });
    group.bench_function("tokio::Mutex", |b| {
        b.iter_custom(|iters| {
            contended(
                iters,
                || Arc::new(tokio::sync::Mutex::new(())),
                |x| async move {
                    {
                        let _guard = x.lock().await;
                        tokio::task::yield_now().await;
                    }
                    x
                },
            )
        })
    });
    group.finish();
}

fn semaphore(c: &mut Criterion) {
    let mut group = c.benchmark_group("semaphore");
    group.throughput(Throughput::Elements(1));
    group.bench_function("uncontended/tornado::Semaphore", |b| {
        b.iter_custom(|iters| {
            in_system(|| async move {
                let sem = Semaphore::new(4);
                let start = Instant::now();
                for _ in 0..iters {
                    let permit = sem.acquire(None).await;
                    drop(std::hint::black_box(permit));
                }
                start.elapsed()
            })
        })
    });
    group.bench_function("uncontended/tokio::Semaphore", |b| {
        b.iter_custom(|iters| {
            in_system(|| async move {
                let sem = tokio::sync::Semaphore::new(4);
                let start = Instant::now();
                for _ in 0..iters {
                    let permit = sem.acquire().await;
                    drop(std::hint::black_box(permit));
                }
                start.elapsed()
            })
        })
    });
    // 100 tasks share 4 permits, yielding while they hold one.
    group.bench_function("contended_100_tasks_4_permits/tornado::Semaphore", |b| {
        b.iter_custom(|iters| {
            contended(
                iters,
                || Semaphore::new(4),
                |x| async move {
                    {
                        let _permit = x.acquire(None).await;
                        tokio::task::yield_now().await;
                    }
                    x
                },
            )
        })
    });
    group.bench_function("contended_100_tasks_4_permits/tokio::Semaphore", |b| {
        b.iter_custom(|iters| {
            contended(
                iters,
                || Arc::new(tokio::sync::Semaphore::new(4)),
                |x| async move {
                    {
                        let _permit = x.acquire().await;
                        tokio::task::yield_now().await;
                    }
                    x
                },
            )
        })
    });
    group.finish();
}

/// Moves `ITEMS` items from `pairs` producers to `pairs` consumers through a tornado queue.
async fn tornado_queue_run(pairs: usize) -> Duration {
    let q: Queue<usize> = Queue::new(Some(QUEUE_BOUND));
    let per_task = ITEMS / pairs;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..pairs {
        let producer = q.clone();
        tasks.push(actix_rt::spawn(async move {
            for i in 0..per_task {
                let _ = producer.put(i, None).await;
            }
        }));
        let q = q.clone();
        tasks.push(actix_rt::spawn(async move {
            for _ in 0..per_task {
                let _ = std::hint::black_box(q.get(None).await);
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    start.elapsed()
}

/// The same through a bounded tokio mpsc channel; with several consumers they share the
/// receiver behind a `tokio::sync::Mutex`, the usual way to fan out an mpsc channel.
async fn tokio_channel_run(pairs: usize) -> Duration {
    let (tx, rx) = tokio::sync::mpsc::channel::<usize>(QUEUE_BOUND);
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let per_task = ITEMS / pairs;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..pairs {
        let tx = tx.clone();
        tasks.push(actix_rt::spawn(async move {
            for i in 0..per_task {
                let _ = tx.send(i).await;
            }
        }));
        let rx = rx.clone();
        tasks.push(actix_rt::spawn(async move {
            for _ in 0..per_task {
                let _ = std::hint::black_box(rx.lock().await.recv().await);
            }
        }));
    }
    drop(tx);
    for task in tasks {
        let _ = task.await;
    }
    start.elapsed()
}

fn queue_throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("queue_put_get_throughput");
    group.throughput(Throughput::Elements(ITEMS as u64));
    for pairs in [1, 8] {
        group.bench_with_input(
            BenchmarkId::new("tornado::Queue", pairs),
            &pairs,
            |b, &n| {
                b.iter_custom(|iters| (0..iters).map(|_| in_system(|| tornado_queue_run(n))).sum())
            },
        );
        group.bench_with_input(BenchmarkId::new("tokio::mpsc", pairs), &pairs, |b, &n| {
            b.iter_custom(|iters| (0..iters).map(|_| in_system(|| tokio_channel_run(n))).sum())
        });
    }
    group.finish();

    let mut group = c.benchmark_group("queue_put_get_same_task");
    group.throughput(Throughput::Elements(1));
    group.bench_function("tornado::Queue", |b| {
        b.iter_custom(|iters| {
            in_system(|| async move {
                let q = Queue::new(Some(QUEUE_BOUND));
                let start = Instant::now();
                for i in 0..iters {
                    let _ = q.put(i, None).await;
                    let _ = std::hint::black_box(q.get(None).await);
                }
                start.elapsed()
            })
        })
    });
    group.bench_function("tokio::mpsc", |b| {
        b.iter_custom(|iters| {
            in_system(|| async move {
                let (tx, mut rx) = tokio::sync::mpsc::channel(QUEUE_BOUND);
                let start = Instant::now();
                for i in 0..iters {
                    let _ = tx.send(i).await;
                    let _ = std::hint::black_box(rx.recv().await);
                }
                start.elapsed()
            })
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = lock_uncontended, lock_contended, semaphore, queue_throughput
}
criterion_main!(benches);
