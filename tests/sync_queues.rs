//! Behaviour of `tornado::queues`: Queue, PriorityQueue, LifoQueue.
//!
//! Timeouts run on tokio's paused clock, so every test is deterministic and instant.

use std::time::Duration;

use futures_util::StreamExt;
use tornado::queues::{LifoQueue, PriorityQueue, Queue};
use tornado::sync::{QueueEmpty, UsageError, WaitError};

const SECOND: Duration = Duration::from_secs(1);

#[actix_rt::test]
async fn maxsize_none_or_zero_is_unbounded() {
    for q in [Queue::new(None), Queue::new(Some(0))] {
        assert_eq!(q.maxsize(), None);
        for i in 0..1000 {
            q.put_nowait(i).expect("unbounded");
        }
        assert!(!q.full());
        assert_eq!(q.qsize(), 1000);
    }
}

#[actix_rt::test]
async fn put_nowait_on_a_full_queue_hands_the_item_back() {
    let q = Queue::new(Some(1));
    assert_eq!(q.maxsize(), Some(1));
    assert!(q.empty());
    q.put_nowait("first").expect("room");
    assert!(q.full());
    let err = q.put_nowait("second").expect_err("full");
    assert_eq!(err.into_inner(), "second");
    assert_eq!(q.qsize(), 1);
}

#[actix_rt::test]
async fn get_nowait_on_an_empty_queue_is_queue_empty() {
    let q: Queue<u8> = Queue::new(None);
    assert_eq!(q.get_nowait(), Err(QueueEmpty));
}

#[actix_rt::test]
async fn get_times_out_on_an_empty_queue() {
    tokio::time::pause();
    let q: Queue<u8> = Queue::new(None);
    assert_eq!(q.get(SECOND).await, Err(WaitError::Timeout));
    // The timed-out getter does not take the next item.
    q.put_nowait(7).expect("unbounded");
    assert_eq!(q.get_nowait(), Ok(7));
}

#[actix_rt::test]
async fn items_come_out_first_in_first_out() {
    let q = Queue::new(None);
    for i in 0..5 {
        q.put(i, None).await.expect("put");
    }
    let mut out = Vec::new();
    for _ in 0..5 {
        out.push(q.get(None).await.expect("get"));
    }
    assert_eq!(out, vec![0, 1, 2, 3, 4]);
}

#[actix_rt::test]
async fn waiting_getters_are_served_in_arrival_order() {
    let q = Queue::new(None);
    let getters: Vec<_> = (0..4).map(|_| q.get(None)).collect();
    for item in ["a", "b", "c", "d"] {
        q.put_nowait(item).expect("unbounded");
    }
    let mut got = Vec::new();
    for getter in getters {
        got.push(getter.await.expect("get"));
    }
    assert_eq!(got, vec!["a", "b", "c", "d"]);
    assert!(q.empty(), "items went straight to the waiting getters");
}

#[actix_rt::test]
async fn bounded_put_blocks_until_a_get_makes_room() {
    tokio::time::pause();
    let q = Queue::new(Some(2));
    q.put(1, None).await.expect("room");
    q.put(2, None).await.expect("room");
    assert_eq!(q.put(3, SECOND).await, Err(WaitError::Timeout));
    assert_eq!(q.qsize(), 2, "a timed-out put never adds its item");

    let blocked = actix_rt::spawn(q.put(3, None));
    let second = actix_rt::spawn(q.put(4, None));
    assert_eq!(q.get(None).await, Ok(1));
    blocked.await.expect("no panic").expect("admitted");
    assert_eq!(q.get(None).await, Ok(2));
    second.await.expect("no panic").expect("admitted");
    let rest: Vec<_> = [q.get_nowait(), q.get_nowait()].into_iter().collect();
    assert_eq!(
        rest,
        vec![Ok(3), Ok(4)],
        "blocked putters are admitted in order"
    );
}

#[actix_rt::test]
async fn put_with_deadline_succeeds_if_room_appears_in_time() {
    tokio::time::pause();
    let q = Queue::new(Some(1));
    q.put_nowait("x").expect("room");
    let put = actix_rt::spawn(q.put("y", 2 * SECOND));
    tokio::time::sleep(SECOND).await;
    assert_eq!(q.get(None).await, Ok("x"));
    assert_eq!(put.await.expect("no panic"), Ok(()));
    assert_eq!(q.get_nowait(), Ok("y"));
}

#[actix_rt::test]
async fn task_done_called_too_many_times_is_an_error() {
    let q = Queue::new(None);
    assert_eq!(q.task_done(), Err(UsageError::TaskDoneTooManyTimes));
    q.put_nowait(()).expect("unbounded");
    q.get_nowait().expect("item");
    assert_eq!(q.task_done(), Ok(()));
    assert_eq!(q.task_done(), Err(UsageError::TaskDoneTooManyTimes));
}

#[actix_rt::test]
async fn join_waits_for_every_task_done() {
    tokio::time::pause();
    let q = Queue::new(None);
    assert_eq!(
        q.join(None).await,
        Ok(()),
        "nothing put: join returns at once"
    );
    for i in 0..3 {
        q.put_nowait(i).expect("unbounded");
    }
    assert_eq!(q.unfinished_tasks(), 3);
    for _ in 0..3 {
        q.get_nowait().expect("item");
    }
    assert_eq!(
        q.join(SECOND).await,
        Err(WaitError::Timeout),
        "taken is not done"
    );
    let join = actix_rt::spawn(q.join(None));
    q.task_done().expect("done");
    q.task_done().expect("done");
    assert!(!join.is_finished());
    q.task_done().expect("done");
    assert_eq!(join.await.expect("no panic"), Ok(()));
    assert_eq!(q.unfinished_tasks(), 0);
}

#[actix_rt::test]
async fn join_wakes_even_if_new_work_arrives_right_after_it_finished() {
    let q = Queue::new(None);
    q.put_nowait(1).expect("unbounded");
    let join = q.join(None);
    q.get_nowait().expect("item");
    q.task_done().expect("done");
    q.put_nowait(2).expect("unbounded");
    assert_eq!(join.await, Ok(()), "the count reached zero while it waited");
}

#[actix_rt::test]
async fn priority_queue_hands_out_the_smallest_first() {
    let q = PriorityQueue::new(None);
    for item in [(3, "c"), (0, "a"), (5, "e"), (1, "b"), (4, "d")] {
        q.put(item, None).await.expect("put");
    }
    let mut out = Vec::new();
    while let Ok((_, name)) = q.get_nowait() {
        out.push(name);
    }
    assert_eq!(out, vec!["a", "b", "c", "d", "e"]);
}

#[actix_rt::test]
async fn lifo_queue_hands_out_the_newest_first() {
    let q = LifoQueue::new(Some(3));
    for i in 1..=3 {
        q.put(i, None).await.expect("room");
    }
    assert!(q.full());
    assert_eq!(q.get(None).await, Ok(3));
    assert_eq!(q.get(None).await, Ok(2));
    assert_eq!(q.get(None).await, Ok(1));
}

#[actix_rt::test]
async fn a_queue_is_a_stream_of_its_items() {
    let mut q = Queue::new(None);
    let producer = {
        let q = q.clone();
        actix_rt::spawn(async move {
            for i in 0..20 {
                q.put(i, None).await.expect("put");
                tokio::task::yield_now().await;
            }
        })
    };
    let mut got = Vec::new();
    while let Some(item) = q.next().await {
        got.push(item);
        if got.len() == 20 {
            break;
        }
    }
    producer.await.expect("no panic");
    assert_eq!(got, (0..20).collect::<Vec<_>>());
}

#[actix_rt::test]
async fn many_producers_and_consumers_deliver_every_item_once() {
    let q = Queue::new(Some(4));
    let producers: Vec<_> = (0..8)
        .map(|p| {
            let q = q.clone();
            actix_rt::spawn(async move {
                for i in 0..250 {
                    q.put(p * 1000 + i, None).await.expect("put");
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..8)
        .map(|_| {
            let q = q.clone();
            actix_rt::spawn(async move {
                let mut got = Vec::new();
                for _ in 0..250 {
                    got.push(q.get(None).await.expect("get"));
                    q.task_done().expect("done");
                }
                got
            })
        })
        .collect();
    for p in producers {
        p.await.expect("no panic");
    }
    let mut all = Vec::new();
    for c in consumers {
        all.extend(c.await.expect("no panic"));
    }
    q.join(None).await.expect("all done");
    all.sort_unstable();
    let mut expected: Vec<_> = (0..8)
        .flat_map(|p| (0..250).map(move |i| p * 1000 + i))
        .collect();
    expected.sort_unstable();
    assert_eq!(all, expected);
}

#[actix_rt::test]
async fn a_zero_timeout_still_takes_an_item_that_is_there() {
    let q = Queue::new(None);
    q.put_nowait("ready").expect("unbounded");
    assert_eq!(q.get(Duration::ZERO).await, Ok("ready"));
    assert_eq!(q.get(Duration::ZERO).await, Err(WaitError::Timeout));
}

#[actix_rt::test]
async fn join_accepts_an_absolute_deadline() {
    tokio::time::pause();
    let q = Queue::new(None);
    q.put_nowait(1).expect("unbounded");
    let deadline = tokio::time::Instant::now() + 2 * SECOND;
    assert_eq!(q.join(deadline).await, Err(WaitError::Timeout));
    assert!(tokio::time::Instant::now() >= deadline);
}

#[actix_rt::test]
async fn a_bounded_priority_queue_blocks_puts_and_serves_waiting_getters() {
    tokio::time::pause();
    let q = PriorityQueue::new(Some(2));
    q.put((5, "e"), None).await.expect("room");
    q.put((1, "a"), None).await.expect("room");
    assert_eq!(q.put((0, "z"), SECOND).await, Err(WaitError::Timeout));
    let blocked = actix_rt::spawn(q.put((3, "c"), None));
    assert_eq!(q.get(None).await, Ok((1, "a")));
    blocked.await.expect("no panic").expect("admitted");
    assert_eq!(q.get_nowait(), Ok((3, "c")));
    assert_eq!(q.get_nowait(), Ok((5, "e")));

    let waiting = q.get(None);
    q.put_nowait((9, "i")).expect("room");
    assert_eq!(
        waiting.await,
        Ok((9, "i")),
        "a waiting getter takes the item put"
    );
}

#[actix_rt::test]
async fn a_bounded_lifo_queue_blocks_puts_until_room() {
    tokio::time::pause();
    let q = LifoQueue::new(Some(1));
    q.put("old", None).await.expect("room");
    assert!(q.put_nowait("x").is_err());
    let blocked = actix_rt::spawn(q.put("new", None));
    assert_eq!(q.get(None).await, Ok("old"));
    blocked.await.expect("no panic").expect("admitted");
    assert_eq!(q.get_nowait(), Ok("new"));
}

#[actix_rt::test]
async fn items_admitted_from_blocked_putters_count_as_unfinished_tasks() {
    let q = Queue::new(Some(1));
    q.put_nowait(1).expect("room");
    let blocked = q.put(2, None);
    assert_eq!(q.get(None).await, Ok(1));
    blocked.await.expect("admitted");
    assert_eq!(q.unfinished_tasks(), 2);
    assert_eq!(q.get(None).await, Ok(2));
    q.task_done().expect("1");
    q.task_done().expect("2");
    assert_eq!(q.join(Duration::ZERO).await, Ok(()));
}

#[actix_rt::test]
async fn each_put_goes_to_the_next_waiting_getter_whatever_the_order() {
    // Tornado hands a put straight to the oldest waiting getter, even for LIFO and priority
    // queues, so getters see items in put order.
    let lifo = LifoQueue::new(None);
    let getters: Vec<_> = (0..3).map(|_| lifo.get(None)).collect();
    for item in [1, 2, 3] {
        lifo.put_nowait(item).expect("unbounded");
    }
    let mut got = Vec::new();
    for getter in getters {
        got.push(getter.await.expect("item"));
    }
    assert_eq!(got, vec![1, 2, 3]);

    let prio = PriorityQueue::new(None);
    let getters: Vec<_> = (0..2).map(|_| prio.get(None)).collect();
    prio.put_nowait(9).expect("unbounded");
    prio.put_nowait(1).expect("unbounded");
    prio.put_nowait(5).expect("unbounded"); // nobody waits for this one: it is queued
    let mut got = Vec::new();
    for getter in getters {
        got.push(getter.await.expect("item"));
    }
    assert_eq!(got, vec![9, 1]);
    assert_eq!(prio.qsize(), 1);
    assert_eq!(prio.get_nowait(), Ok(5));
}

#[actix_rt::test]
async fn items_promised_to_getters_that_timed_out_stay_in_the_queue() {
    tokio::time::pause();
    let q = LifoQueue::new(None);
    let impatient = actix_rt::spawn(q.get(SECOND));
    tokio::time::sleep(2 * SECOND).await;
    assert_eq!(impatient.await.expect("no panic"), Err(WaitError::Timeout));
    q.put_nowait("a").expect("unbounded");
    q.put_nowait("b").expect("unbounded");
    assert_eq!(q.qsize(), 2);
    assert_eq!(
        q.get(None).await,
        Ok("b"),
        "LIFO order once no getter waits"
    );
    assert_eq!(q.get(None).await, Ok("a"));
}

#[actix_rt::test]
async fn items_put_after_a_getter_was_dropped_are_queued_normally() {
    let q = LifoQueue::new(None);
    drop(q.get(None));
    q.put_nowait("a").expect("unbounded");
    q.put_nowait("b").expect("unbounded");
    assert_eq!(q.get(None).await, Ok("b"));
    assert_eq!(q.get(None).await, Ok("a"));
}
