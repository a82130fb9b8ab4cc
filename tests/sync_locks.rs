//! Behaviour of `tornado::locks`: Lock, Semaphore, BoundedSemaphore, Condition, Event.
//!
//! Timeouts run on tokio's paused clock, so every test is deterministic and instant.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tornado::locks::{BoundedSemaphore, Condition, Event, Lock, Semaphore};
use tornado::sync::{UsageError, WaitError};

const SECOND: Duration = Duration::from_secs(1);

/// On the paused clock, a timeout fires at its deadline (rounded up to tokio's 1 ms timer tick),
/// never before.
fn assert_timed_out_at(start: tokio::time::Instant, after: Duration) {
    let elapsed = start.elapsed();
    assert!(
        elapsed >= after && elapsed <= after + Duration::from_millis(1),
        "timed out after {elapsed:?}, expected {after:?}"
    );
}

/// Awaits every future in order, recording the index at which each one completed.
async fn completion_order<F>(futures: Vec<F>) -> Vec<usize>
where
    F: std::future::Future + Send + 'static,
{
    let order = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = futures
        .into_iter()
        .enumerate()
        .map(|(i, fut)| {
            let order = order.clone();
            actix_rt::spawn(async move {
                let out = fut.await;
                order.lock().expect("order lock").push(i);
                out
            })
        })
        .collect();
    for task in tasks {
        let _ = task.await.expect("task panicked");
    }
    let order = order.lock().expect("order lock").clone();
    order
}

#[actix_rt::test]
async fn lock_starts_unlocked_and_guard_unlocks_on_drop() {
    let lock = Lock::new();
    assert!(!lock.locked());
    let guard = lock.acquire(None).await.expect("free lock");
    assert!(lock.locked());
    assert!(lock.try_acquire().is_none());
    drop(guard);
    assert!(!lock.locked());
    assert!(lock.try_acquire().is_some());
}

#[actix_rt::test]
async fn lock_waiters_acquire_in_fifo_order() {
    let lock = Lock::new();
    let holder = lock.acquire(None).await.expect("free lock");
    let log = Arc::new(Mutex::new(Vec::new()));
    let waiters: Vec<_> = (0..5)
        .map(|i| {
            let acquire = lock.acquire(None);
            let log = log.clone();
            async move {
                let _guard = acquire.await.expect("acquire");
                log.lock().expect("log").push(i);
                tokio::task::yield_now().await;
            }
        })
        .collect();
    drop(holder);
    completion_order(waiters).await;
    assert_eq!(*log.lock().expect("log"), vec![0, 1, 2, 3, 4]);
}

#[actix_rt::test]
async fn lock_release_of_unlocked_lock_is_an_error() {
    let lock = Lock::new();
    assert_eq!(lock.release(), Err(UsageError::ReleaseUnlocked));
    let guard = lock.acquire(None).await.expect("free lock");
    guard.forget();
    assert!(lock.locked());
    assert_eq!(lock.release(), Ok(()));
    assert!(!lock.locked());
    assert_eq!(lock.release(), Err(UsageError::ReleaseUnlocked));
}

#[actix_rt::test]
async fn lock_acquire_times_out_and_the_lock_stays_with_its_holder() {
    tokio::time::pause();
    let lock = Lock::new();
    let holder = lock.acquire(None).await.expect("free lock");
    let start = tokio::time::Instant::now();
    assert_eq!(
        lock.acquire(SECOND).await.map(drop),
        Err(WaitError::Timeout)
    );
    assert_timed_out_at(start, SECOND);
    assert!(lock.locked());
    drop(holder);
    assert!(!lock.locked(), "the timed-out waiter must not get the lock");
}

#[actix_rt::test]
async fn lock_accepts_an_absolute_deadline() {
    tokio::time::pause();
    let lock = Lock::new();
    let _holder = lock.acquire(None).await.expect("free lock");
    let deadline = tokio::time::Instant::now() + 3 * SECOND;
    assert_eq!(
        lock.acquire(deadline).await.map(drop),
        Err(WaitError::Timeout)
    );
    assert_timed_out_at(deadline - 3 * SECOND, 3 * SECOND);
}

#[actix_rt::test]
async fn lock_release_skips_a_waiter_that_timed_out() {
    tokio::time::pause();
    let lock = Lock::new();
    let holder = lock.acquire(None).await.expect("free lock");
    let impatient = actix_rt::spawn(lock.acquire(SECOND));
    let patient = actix_rt::spawn(lock.acquire(None));
    tokio::time::sleep(2 * SECOND).await;
    assert_eq!(
        impatient.await.expect("no panic").map(drop),
        Err(WaitError::Timeout)
    );
    drop(holder);
    let guard = patient.await.expect("no panic").expect("handed over");
    assert!(lock.locked());
    drop(guard);
    assert!(!lock.locked());
}

#[actix_rt::test]
async fn semaphore_counts_permits() {
    let sem = Semaphore::new(2);
    assert_eq!(sem.value(), 2);
    let a = sem.acquire(None).await.expect("first permit");
    let b = sem.acquire(None).await.expect("second permit");
    assert_eq!(sem.value(), 0);
    assert!(sem.try_acquire().is_none());
    drop(a);
    assert_eq!(sem.value(), 1);
    drop(b);
    assert_eq!(sem.value(), 2);
}

#[actix_rt::test]
async fn semaphore_zero_blocks_until_release() {
    tokio::time::pause();
    let sem = Semaphore::new(0);
    assert_eq!(sem.acquire(SECOND).await.map(drop), Err(WaitError::Timeout));
    let waiter = sem.acquire(None);
    sem.release();
    let guard = waiter.await.expect("released permit");
    assert_eq!(sem.value(), 0);
    drop(guard);
    assert_eq!(sem.value(), 1);
}

#[actix_rt::test]
async fn semaphore_waiters_are_served_first_come_first_served() {
    let sem = Semaphore::new(1);
    let holder = sem.acquire(None).await.expect("free permit");
    let log = Arc::new(Mutex::new(Vec::new()));
    let waiters: Vec<_> = (0..6)
        .map(|i| {
            let acquire = sem.acquire(None);
            let log = log.clone();
            async move {
                let _permit = acquire.await.expect("acquire");
                log.lock().expect("log").push(i);
                tokio::task::yield_now().await;
            }
        })
        .collect();
    drop(holder);
    completion_order(waiters).await;
    assert_eq!(*log.lock().expect("log"), vec![0, 1, 2, 3, 4, 5]);
    assert_eq!(sem.value(), 1);
}

#[actix_rt::test]
async fn semaphore_newcomer_does_not_overtake_a_waiter() {
    let sem = Semaphore::new(1);
    let holder = sem.acquire(None).await.expect("free permit");
    let waiter = sem.acquire(None);
    drop(holder);
    // The permit is free but promised to the waiter.
    assert!(sem.try_acquire().is_none());
    let permit = waiter.await.expect("the waiter gets it");
    drop(permit);
    assert!(sem.try_acquire().is_some());
}

#[actix_rt::test]
async fn semaphore_guard_forget_and_manual_release() {
    let sem = Semaphore::new(1);
    sem.acquire(None).await.expect("free permit").forget();
    assert_eq!(sem.value(), 0);
    sem.release();
    assert_eq!(sem.value(), 1);
    // An unbounded semaphore may be released above its initial value.
    sem.release();
    assert_eq!(sem.value(), 2);
}

#[actix_rt::test]
async fn bounded_semaphore_refuses_to_be_released_too_many_times() {
    let sem = BoundedSemaphore::new(2);
    assert_eq!(sem.release(), Err(UsageError::SemaphoreOverReleased));
    let permit = sem.acquire(None).await.expect("free permit");
    permit.forget();
    assert_eq!(sem.release(), Ok(()));
    assert_eq!(sem.release(), Err(UsageError::SemaphoreOverReleased));
    assert_eq!(sem.value(), 2);
    assert!(UsageError::SemaphoreOverReleased
        .to_string()
        .contains("released too many times"));
}

#[actix_rt::test]
async fn condition_wait_resolves_false_on_timeout() {
    tokio::time::pause();
    let cond = Condition::new();
    let start = tokio::time::Instant::now();
    assert!(!cond.wait(SECOND).await);
    assert_timed_out_at(start, SECOND);
}

#[actix_rt::test]
async fn condition_notify_wakes_the_n_oldest_waiters() {
    tokio::time::pause();
    let cond = Condition::new();
    let waiters: Vec<_> = (0..5)
        .map(|_| actix_rt::spawn(cond.wait(10 * SECOND)))
        .collect();
    cond.notify(2);
    let mut woken = Vec::new();
    for waiter in waiters {
        woken.push(waiter.await.expect("no panic"));
    }
    assert_eq!(woken, vec![true, true, false, false, false]);
}

#[actix_rt::test]
async fn condition_notify_skips_waiters_that_timed_out() {
    tokio::time::pause();
    let cond = Condition::new();
    let early = actix_rt::spawn(cond.wait(SECOND));
    let a = actix_rt::spawn(cond.wait(None));
    let b = actix_rt::spawn(cond.wait(10 * SECOND));
    tokio::time::sleep(2 * SECOND).await;
    assert!(!early.await.expect("no panic"), "timed out");
    cond.notify(1);
    assert!(
        a.await.expect("no panic"),
        "the oldest live waiter is woken"
    );
    assert!(!b.await.expect("no panic"), "notify(1) woke only one");
}

#[actix_rt::test]
async fn condition_notify_all_wakes_every_waiter() {
    let cond = Condition::new();
    let waiters: Vec<_> = (0..4).map(|_| cond.wait(None)).collect();
    cond.notify_all();
    for waiter in waiters {
        assert!(waiter.await);
    }
}

#[actix_rt::test]
async fn condition_notification_before_wait_is_not_remembered() {
    tokio::time::pause();
    let cond = Condition::new();
    cond.notify(1);
    assert!(!cond.wait(SECOND).await);
}

#[actix_rt::test]
async fn event_wait_times_out_with_an_error() {
    tokio::time::pause();
    let event = Event::new();
    assert_eq!(event.wait(SECOND).await, Err(WaitError::Timeout));
}

#[actix_rt::test]
async fn event_set_wakes_all_waiters_and_later_waits_return_at_once() {
    let event = Event::new();
    assert!(!event.is_set());
    let waiters: Vec<_> = (0..3).map(|_| actix_rt::spawn(event.wait(None))).collect();
    event.set();
    assert!(event.is_set());
    for waiter in waiters {
        assert_eq!(waiter.await.expect("no panic"), Ok(()));
    }
    assert_eq!(event.wait(Duration::ZERO).await, Ok(()));
}

#[actix_rt::test]
async fn event_clear_makes_waits_block_again() {
    tokio::time::pause();
    let event = Event::new();
    event.set();
    event.clear();
    assert!(!event.is_set());
    assert_eq!(event.wait(SECOND).await, Err(WaitError::Timeout));
}

#[actix_rt::test]
async fn event_set_then_clear_still_wakes_those_already_waiting() {
    tokio::time::pause();
    let event = Event::new();
    let waiter = event.wait(SECOND);
    event.set();
    event.clear();
    assert_eq!(waiter.await, Ok(()));
    assert_eq!(event.wait(SECOND).await, Err(WaitError::Timeout));
}

#[actix_rt::test]
async fn a_zero_timeout_acquires_a_free_permit() {
    let sem = Semaphore::new(1);
    let permit = sem.acquire(Duration::ZERO).await.expect("free");
    assert_eq!(
        sem.acquire(Duration::ZERO).await.map(drop),
        Err(WaitError::Timeout)
    );
    drop(permit);
}

#[actix_rt::test]
async fn condition_extra_notifications_are_not_saved_for_later_waiters() {
    tokio::time::pause();
    let cond = Condition::new();
    let waiters: Vec<_> = (0..2).map(|_| cond.wait(None)).collect();
    cond.notify(5);
    cond.notify(0);
    for waiter in waiters {
        assert!(waiter.await);
    }
    assert!(!cond.wait(SECOND).await, "nothing carried over");
}

#[actix_rt::test]
async fn defaults_follow_tornado() {
    assert_eq!(Semaphore::default().value(), 1);
    assert_eq!(BoundedSemaphore::default().value(), 1);
    assert!(!Lock::default().locked());
    assert!(!Event::default().is_set());
    assert_eq!(
        tornado::queues::Queue::<u8>::default().maxsize(),
        None,
        "unbounded"
    );
}
