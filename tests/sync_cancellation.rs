//! Cancellation safety of `tornado::locks` and `tornado::queues`: a waiter whose future is
//! dropped, or that timed out, never receives an item, a permit or a notification, and nothing
//! is lost — including when the future is dropped between the actor granting and the caller
//! observing.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tornado::locks::{Condition, Lock, Semaphore};
use tornado::queues::{LifoQueue, PriorityQueue, Queue};

/// A generous guard against hangs; never reached when the code is right.
const HANG_GUARD: Duration = Duration::from_secs(20);

/// Yields until `done()` holds; the guard turns a hang into a failure.
async fn yield_until(what: &str, done: impl Fn() -> bool) {
    tokio::time::timeout(HANG_GUARD, async {
        while !done() {
            tokio::task::yield_now().await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("never happened: {what}"));
}

#[actix_rt::test]
async fn dropped_getters_never_swallow_items() {
    let q = Queue::new(None);
    let mut getters: Vec<_> = (0..100).map(|_| Some(q.get(None))).collect();
    let kept = getters[50].take().expect("present");
    drop(getters);
    for i in 0..10 {
        q.put_nowait(i).expect("unbounded");
    }
    assert_eq!(
        kept.await,
        Ok(0),
        "the only live getter gets the first item"
    );
    assert_eq!(q.qsize(), 9, "dropped getters took nothing");
    for i in 1..10 {
        assert_eq!(q.get_nowait(), Ok(i));
    }
}

#[actix_rt::test]
async fn a_get_dropped_after_the_grant_returns_the_item_to_the_head() {
    let q = Queue::new(None);
    let first = q.get(None); // granted "a" below, but never polled
    let second = q.get(None);
    q.put_nowait("a").expect("unbounded");
    q.put_nowait("b").expect("unbounded");
    // The actor serves getters in order, so once `second` has "b", `first` was handed "a".
    assert_eq!(second.await, Ok("b"));
    assert!(q.empty());
    drop(first);
    assert_eq!(q.get_nowait(), Ok("a"), "the item came back to the head");
    q.task_done().expect("a");
    q.task_done().expect("b");
    assert_eq!(
        q.join(Duration::ZERO).await,
        Ok(()),
        "the accounting is intact"
    );
}

#[actix_rt::test]
async fn returned_items_keep_priority_and_lifo_order() {
    let pq = PriorityQueue::new(None);
    let lost = pq.get(None);
    let seen = pq.get(None);
    pq.put_nowait(1).expect("unbounded");
    pq.put_nowait(2).expect("unbounded");
    assert_eq!(seen.await, Ok(2));
    pq.put_nowait(3).expect("unbounded");
    drop(lost);
    assert_eq!(pq.get_nowait(), Ok(1));
    assert_eq!(pq.get_nowait(), Ok(3));

    // As in Tornado, each put goes to the next waiting getter: `lost` is handed "x".
    let lq = LifoQueue::new(None);
    let lost = lq.get(None);
    let seen = lq.get(None);
    lq.put_nowait("x").expect("unbounded");
    lq.put_nowait("y").expect("unbounded");
    assert_eq!(seen.await, Ok("y"));
    lq.put_nowait("z").expect("unbounded");
    drop(lost);
    assert_eq!(lq.get_nowait(), Ok("x"), "the returned item is on top");
    assert_eq!(lq.get_nowait(), Ok("z"));
}

#[actix_rt::test]
async fn an_unpolled_fast_path_get_returns_its_item_when_dropped() {
    let q = Queue::new(None);
    q.put_nowait(1).expect("unbounded");
    let get = q.get(None); // took the item on the fast path
    assert!(q.empty());
    drop(get);
    assert_eq!(q.get_nowait(), Ok(1));
}

#[actix_rt::test]
async fn a_blocked_put_dropped_before_room_appears_adds_nothing() {
    let q = Queue::new(Some(1));
    q.put_nowait("kept").expect("room");
    let dropped = q.put("dropped", None);
    let waiting = q.put("waiting", None);
    drop(dropped);
    assert_eq!(q.get(None).await, Ok("kept"));
    waiting.await.expect("admitted");
    assert_eq!(q.get_nowait(), Ok("waiting"));
    assert!(q.empty());
    assert_eq!(q.unfinished_tasks(), 2, "the dropped put was never counted");
}

#[actix_rt::test]
async fn an_acquire_dropped_after_the_grant_gives_the_permit_back() {
    let sem = Semaphore::new(1);
    let holder = sem.acquire(None).await.expect("free");
    let first = sem.acquire(None);
    let second = sem.acquire(None);
    drop(holder);
    // The actor moves the permit into `first`'s channel: none is free any more.
    yield_until("the permit is granted to the first waiter", || {
        sem.value() == 0
    })
    .await;
    drop(first);
    let permit = second.await.expect("passed on to the next waiter");
    drop(permit);
    assert_eq!(sem.value(), 1);
}

#[actix_rt::test]
async fn a_dropped_lock_waiter_passes_the_lock_on() {
    let lock = Lock::new();
    let holder = lock.acquire(None).await.expect("free");
    let waiters: Vec<_> = (0..50).map(|_| lock.acquire(None)).collect();
    let last = lock.acquire(None);
    drop(holder);
    drop(waiters);
    let guard = last.await.expect("the lock reaches the last live waiter");
    drop(guard);
    assert!(!lock.locked());
    assert!(lock.try_acquire().is_some());
}

#[actix_rt::test]
async fn a_dropped_notified_waiter_passes_the_notification_on() {
    let cond = Condition::new();
    let first = cond.wait(None);
    let second = cond.wait(None);
    cond.notify(1);
    drop(first);
    let woke = tokio::time::timeout(HANG_GUARD, second).await;
    assert_eq!(woke, Ok(true));
}

#[actix_rt::test]
async fn select_races_with_a_busy_lock_leak_nothing() {
    let lock = Lock::new();
    let holder_task = {
        let lock = lock.clone();
        actix_rt::spawn(async move {
            for _ in 0..300 {
                let _guard = lock.acquire(None).await.expect("acquire");
                tokio::task::yield_now().await;
            }
        })
    };
    let mut won = 0;
    for _ in 0..300 {
        tokio::select! {
            guard = lock.acquire(None) => {
                won += 1;
                drop(guard.expect("acquire"));
            }
            _ = tokio::task::yield_now() => {}
        }
    }
    holder_task.await.expect("no panic");
    yield_until("the lock is free again", || !lock.locked()).await;
    assert!(
        lock.try_acquire().is_some(),
        "won {won} races and leaked nothing"
    );
}

/// Threads hammer a semaphore with acquires that are often abandoned mid-wait.
#[test]
fn abandoned_acquires_across_threads_never_leak_or_exceed_permits() {
    let sem = Semaphore::new(3);
    let inside = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (sem, inside) = (sem.clone(), inside.clone());
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    for i in 0..400u64 {
                        // Vary how long a waiter stays before it gives up.
                        let patience = Duration::from_micros((i * 7 + t) % 50);
                        tokio::select! {
                            permit = sem.acquire(None) => {
                                let _permit = permit.expect("acquire");
                                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                                assert!(now <= 3, "{now} holders of 3 permits");
                                tokio::task::yield_now().await;
                                inside.fetch_sub(1, Ordering::SeqCst);
                            }
                            _ = tokio::time::sleep(patience) => {}
                        }
                    }
                });
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("no panic");
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        yield_until("every permit is back", || sem.value() == 3).await;
        let permits: Vec<_> = (0..3).filter_map(|_| sem.try_acquire()).collect();
        assert_eq!(permits.len(), 3);
    });
}

/// Consumers on several threads abandon gets at random points; every item put is received
/// exactly once or is still in the queue.
#[test]
fn abandoned_gets_across_threads_never_lose_or_duplicate_items() {
    const ITEMS: usize = 2000;
    let q: Queue<usize> = Queue::new(Some(16));
    let received = Arc::new(std::sync::Mutex::new(Vec::new()));
    let producer = {
        let q = q.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                for i in 0..ITEMS {
                    q.put(i, None).await.expect("put");
                }
            });
        })
    };
    let consumers: Vec<_> = (0..3u64)
        .map(|t| {
            let (q, received) = (q.clone(), received.clone());
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    for i in 0..ITEMS as u64 {
                        let patience = Duration::from_micros((i * 13 + t * 5) % 40);
                        tokio::select! {
                            item = q.get(None) => {
                                received.lock().expect("lock").push(item.expect("get"));
                            }
                            _ = tokio::time::sleep(patience) => {}
                        }
                    }
                });
            })
        })
        .collect();
    producer.join().expect("no panic");
    for consumer in consumers {
        consumer.join().expect("no panic");
    }
    let mut all = received.lock().expect("lock").clone();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        // Items handed to abandoned getters come back asynchronously; collect until all are seen.
        tokio::time::timeout(HANG_GUARD, async {
            while all.len() < ITEMS {
                all.push(q.get(None).await.expect("get"));
            }
        })
        .await
        .expect("every item is eventually received");
    });
    let distinct: HashSet<_> = all.iter().copied().collect();
    assert_eq!(all.len(), ITEMS, "no duplicates");
    assert_eq!(distinct.len(), ITEMS, "no losses");
    assert!(q.empty());
}
