//! Behaviour of `tornado::gen`: sleep, moment, with_timeout, multi, multi_map, WaitIterator.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::time::Instant;
use tornado::gen::{moment, multi, multi_map, sleep, with_timeout, Timeout, WaitIterator};

const MS: Duration = Duration::from_millis(1);

/// A future that finishes after `delay` with `value`, counting completions.
async fn after<T>(delay: Duration, value: T, finished: Arc<AtomicUsize>) -> T {
    sleep(delay).await;
    finished.fetch_add(1, Ordering::SeqCst);
    value
}

#[actix_rt::test]
async fn sleep_waits_on_the_loop_clock() {
    tokio::time::pause();
    let start = Instant::now();
    sleep(5 * MS).await;
    assert!(start.elapsed() >= 5 * MS);
}

#[actix_rt::test]
async fn moment_lets_other_tasks_run() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let other = {
        let log = log.clone();
        actix_rt::spawn(async move { log.lock().expect("log").push("other") })
    };
    log.lock().expect("log").push("before");
    moment().await;
    log.lock().expect("log").push("after");
    other.await.expect("no panic");
    assert_eq!(*log.lock().expect("log"), vec!["before", "other", "after"]);
}

#[actix_rt::test]
async fn with_timeout_returns_the_output_if_in_time() {
    tokio::time::pause();
    let out = with_timeout(100 * MS, async {
        sleep(10 * MS).await;
        "done"
    })
    .await;
    assert_eq!(out, Ok("done"));
}

#[actix_rt::test]
async fn with_timeout_fails_at_the_deadline_and_drops_the_inner_future() {
    tokio::time::pause();
    struct SetOnDrop(Arc<AtomicUsize>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let dropped = Arc::new(AtomicUsize::new(0));
    let guard = SetOnDrop(dropped.clone());
    let deadline = Instant::now() + 50 * MS;
    let out = with_timeout(deadline, async move {
        let _guard = guard;
        sleep(Duration::from_secs(3600)).await;
    })
    .await;
    assert_eq!(out, Err(Timeout));
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        1,
        "the inner future was dropped"
    );
}

#[actix_rt::test]
async fn a_spawned_operation_outlives_with_timeout() {
    tokio::time::pause();
    let finished = Arc::new(AtomicUsize::new(0));
    let mut task = actix_rt::spawn(after(100 * MS, 7, finished.clone()));
    assert_eq!(
        with_timeout(10 * MS, &mut task).await.map(|r| r.ok()),
        Err(Timeout)
    );
    assert_eq!(task.await.ok(), Some(7), "still running after the timeout");
    assert_eq!(finished.load(Ordering::SeqCst), 1);
}

#[actix_rt::test]
async fn multi_keeps_input_order_whatever_the_completion_order() {
    tokio::time::pause();
    let finished = Arc::new(AtomicUsize::new(0));
    let futures = [30, 10, 20].map(|ms| {
        let finished = finished.clone();
        async move { Ok::<_, String>(after(ms * MS, ms, finished).await) }
    });
    assert_eq!(multi(futures).await, Ok(vec![30, 10, 20]));
    assert_eq!(finished.load(Ordering::SeqCst), 3);
}

#[actix_rt::test]
async fn multi_returns_the_first_error_and_still_runs_the_rest() {
    tokio::time::pause();
    let finished = Arc::new(AtomicUsize::new(0));
    let futures = [(30, Err("late")), (10, Err("first")), (20, Ok(2))].map(|(ms, result)| {
        let finished = finished.clone();
        async move { after(ms * MS, result, finished).await }
    });
    assert_eq!(multi(futures).await, Err("first"));
    assert_eq!(finished.load(Ordering::SeqCst), 3, "nothing was cancelled");
}

#[actix_rt::test]
async fn multi_of_nothing_is_empty() {
    let none: Vec<std::future::Ready<Result<u8, String>>> = Vec::new();
    assert_eq!(multi(none).await, Ok(vec![]));
}

#[actix_rt::test]
async fn multi_map_collects_results_by_key() {
    let futures = [("a", 1), ("b", 2), ("c", 3)]
        .map(|(key, n)| (key, async move { Ok::<_, String>(n * 100) }));
    let by_key: HashMap<&str, i32> = multi_map(futures).await.expect("all ok");
    assert_eq!(by_key.len(), 3);
    assert_eq!(by_key["c"], 300);

    let futures = [(2, "two"), (1, "one")].map(|(key, s)| (key, async move { Ok::<_, String>(s) }));
    let sorted: BTreeMap<i32, &str> = multi_map(futures).await.expect("all ok");
    assert_eq!(
        sorted.into_iter().collect::<Vec<_>>(),
        vec![(1, "one"), (2, "two")]
    );
}

#[actix_rt::test]
async fn wait_iterator_yields_in_completion_order_with_indices() {
    tokio::time::pause();
    let finished = Arc::new(AtomicUsize::new(0));
    let futures: Vec<_> = [30, 10, 20]
        .into_iter()
        .map(|ms| Box::pin(after(ms * MS, ms, finished.clone())))
        .collect();
    let mut waiter = WaitIterator::new(futures);
    assert!(!waiter.done());
    let mut seen = Vec::new();
    while let Some((index, value)) = waiter.next().await {
        assert_eq!(waiter.current_index(), Some(&index));
        seen.push((index, value));
    }
    assert!(waiter.done());
    assert_eq!(seen, vec![(1, 10), (2, 20), (0, 30)]);
}

#[actix_rt::test]
async fn wait_iterator_reports_errors_per_item_and_goes_on() {
    tokio::time::pause();
    let finished = Arc::new(AtomicUsize::new(0));
    let mut waiter = WaitIterator::from_map([
        ("slow-ok", Box::pin(after(20 * MS, Ok(1), finished.clone()))),
        (
            "fast-err",
            Box::pin(after(10 * MS, Err("broken"), finished.clone())),
        ),
    ]);
    assert_eq!(waiter.next().await, Some(("fast-err", Err("broken"))));
    assert_eq!(waiter.next().await, Some(("slow-ok", Ok(1))));
    assert_eq!(waiter.next().await, None);
}

#[actix_rt::test]
async fn wait_iterator_is_a_stream() {
    let waiter = WaitIterator::new((0..4).map(|n| Box::pin(async move { n * n })));
    let mut squares: Vec<_> = waiter.map(|(_, sq)| sq).collect().await;
    squares.sort_unstable();
    assert_eq!(squares, vec![0, 1, 4, 9]);
}
