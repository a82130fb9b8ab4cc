//! Handles of `tornado::locks` and `tornado::queues` work from any thread: the actor lives where
//! the primitive was created, and a thread with no actix `System` gets a background arbiter.

use std::time::Duration;

use actix_rt::{Arbiter, System};
use tornado::locks::{Condition, Event, Lock, Semaphore};
use tornado::queues::Queue;
use tornado::sync::WaitError;

const HANG_GUARD: Duration = Duration::from_secs(20);

fn plain_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[actix_rt::test]
async fn primitives_made_in_a_system_serve_a_plain_thread() {
    let q = Queue::new(Some(1));
    let lock = Lock::new();
    let event = Event::new();
    let guard = lock.acquire(None).await.expect("free");
    let worker = std::thread::spawn({
        let (q, lock, event) = (q.clone(), lock.clone(), event.clone());
        move || {
            plain_runtime().block_on(async {
                event
                    .wait(HANG_GUARD)
                    .await
                    .expect("set by the system thread");
                let _guard = lock.acquire(HANG_GUARD).await.expect("handed over");
                for i in 0..5 {
                    q.put(i, HANG_GUARD).await.expect("room appears");
                }
            })
        }
    });
    event.set();
    drop(guard);
    let mut got = Vec::new();
    for _ in 0..5 {
        got.push(q.get(HANG_GUARD).await.expect("item"));
    }
    assert_eq!(got, vec![0, 1, 2, 3, 4]);
    actix_rt::task::spawn_blocking(move || worker.join())
        .await
        .expect("joined")
        .expect("no panic");
}

#[test]
fn primitives_made_outside_any_system_work() {
    // No System on this thread: the actors start on tornado's background arbiter.
    let q = Queue::new(None);
    let sem = Semaphore::new(1);
    let cond = Condition::new();
    plain_runtime().block_on(async {
        q.put("x", None).await.expect("put");
        assert_eq!(q.get(None).await, Ok("x"));
        assert_eq!(
            q.get(Duration::from_millis(1)).await,
            Err(WaitError::Timeout)
        );

        let permit = sem.acquire(None).await.expect("free");
        let waiter = sem.acquire(HANG_GUARD);
        drop(permit);
        drop(waiter.await.expect("handed over"));

        let waiter = cond.wait(HANG_GUARD);
        cond.notify(1);
        assert!(waiter.await);
    });
}

#[test]
fn a_multi_threaded_runtime_shares_one_queue() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let q = Queue::new(Some(8));
        let consumers: Vec<_> = (0..4)
            .map(|_| {
                let q = q.clone();
                tokio::spawn(async move {
                    let mut sum = 0u64;
                    for _ in 0..250 {
                        sum += q.get(HANG_GUARD).await.expect("item");
                        q.task_done().expect("done");
                    }
                    sum
                })
            })
            .collect();
        for i in 0..1000u64 {
            q.put(i, HANG_GUARD).await.expect("room");
        }
        q.join(HANG_GUARD).await.expect("all done");
        let mut total = 0;
        for c in consumers {
            total += c.await.expect("no panic");
        }
        assert_eq!(total, (0..1000u64).sum::<u64>());
    });
}

#[test]
fn a_primitive_lives_on_the_arbiter_that_created_it() {
    System::new().block_on(async {
        let arbiter = Arbiter::new();
        let (tx, rx) = tokio::sync::oneshot::channel();
        arbiter.spawn_fn(move || {
            let _ = tx.send((Queue::<u32>::new(None), std::thread::current().id()));
        });
        let (q, arbiter_thread) = rx.await.expect("created on the arbiter");
        assert_ne!(arbiter_thread, std::thread::current().id());
        q.put(5, None).await.expect("put");
        assert_eq!(q.get(None).await, Ok(5));

        // Once that arbiter stops, waiting on the queue fails instead of hanging.
        arbiter.stop();
        let joined = actix_rt::task::spawn_blocking(move || arbiter.join())
            .await
            .expect("joined");
        assert!(joined.is_ok());
        assert_eq!(q.get(HANG_GUARD).await, Err(WaitError::Closed));
    });
}

#[test]
fn a_queue_stream_ends_when_its_arbiter_stops() {
    use futures_util::StreamExt;
    System::new().block_on(async {
        let arbiter = Arbiter::new();
        let (tx, rx) = tokio::sync::oneshot::channel();
        arbiter.spawn_fn(move || {
            let _ = tx.send(Queue::<u32>::new(None));
        });
        let mut q = rx.await.expect("created on the arbiter");
        q.put_nowait(1).expect("unbounded");
        assert_eq!(q.next().await, Some(1));
        arbiter.stop();
        let joined = actix_rt::task::spawn_blocking(move || arbiter.join())
            .await
            .expect("joined");
        assert!(joined.is_ok());
        assert_eq!(tokio::time::timeout(HANG_GUARD, q.next()).await, Ok(None));
    });
}

#[test]
fn handles_are_send_sync_and_static() {
    fn assert_handle<H: Send + Sync + Clone + 'static>() {}
    assert_handle::<Queue<String>>();
    assert_handle::<tornado::queues::PriorityQueue<u8>>();
    assert_handle::<tornado::queues::LifoQueue<Vec<u8>>>();
    assert_handle::<Lock>();
    assert_handle::<Semaphore>();
    assert_handle::<tornado::locks::BoundedSemaphore>();
    assert_handle::<Condition>();
    assert_handle::<Event>();
}
