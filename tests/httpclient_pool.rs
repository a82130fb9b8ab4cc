//! The pool and the clock: keep-alive reuse, the max_clients FIFO queue, timeouts.

mod httpclient_support;
#[path = "net_support/mod.rs"]
mod net_support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use httpclient_support::{app, wait_until, Hold};
use tornado::httpclient::{AsyncHttpClient, ClientOptions, HttpRequest};

#[actix_rt::test]
async fn sequential_requests_share_one_connection() {
    let s = app(Hold::new());
    let c = AsyncHttpClient::new(ClientOptions::default());
    for i in 0..5 {
        let r = c.fetch(s.url(&format!("/echo?{i}"))).await.unwrap();
        assert_eq!(r.code, 200);
        let post = HttpRequest::new(s.url("/echo")).method("POST").body("x");
        c.fetch(post).await.unwrap();
    }
    assert_eq!(s.handle().stats().accepted(), 1);
    let stats = c.stats().await;
    assert_eq!(stats.connections_opened, 1);
    assert_eq!((stats.active, stats.queued, stats.idle), (0, 0, 1));
}

#[actix_rt::test]
async fn a_closed_pooled_connection_is_replaced() {
    let s = app(Hold::new());
    let c = AsyncHttpClient::new(ClientOptions::default());
    // `Connection: close` from the server: the connection is not pooled.
    let r = c
        .fetch(HttpRequest::new(s.url("/echo")).header("Connection", "close"))
        .await
        .unwrap();
    assert_eq!(r.code, 200);
    assert_eq!(c.stats().await.idle, 0);
    c.fetch(s.url("/echo")).await.unwrap();
    assert_eq!(s.handle().stats().accepted(), 2);
}

#[actix_rt::test]
async fn the_eleventh_request_waits_for_a_slot() {
    let hold = Hold::new();
    let s = app(hold.clone());
    let c = AsyncHttpClient::new(ClientOptions::default());
    assert_eq!(c.options().max_clients, 10);
    let mut tasks = Vec::new();
    for i in 0..11 {
        let c = c.clone();
        let url = s.url(&format!("/hold?{i}"));
        tasks.push(actix_rt::spawn(async move { c.fetch(url).await }));
        if i == 9 {
            // The first ten are all in flight before the eleventh is sent.
            let arrivals = hold.arrivals.clone();
            wait_until("ten requests reach the server", async || {
                arrivals.load(Ordering::SeqCst) == 10
            })
            .await;
        }
    }
    let c2 = c.clone();
    wait_until("the eleventh request is queued", async || {
        c2.stats().await.queued == 1
    })
    .await;
    let stats = c.stats().await;
    assert_eq!((stats.active, stats.queued), (10, 1));
    assert_eq!(hold.arrivals.load(Ordering::SeqCst), 10);

    // One answer frees one slot: the queued request goes out.
    hold.release.add_permits(1);
    let arrivals = hold.arrivals.clone();
    wait_until("the eleventh request reaches the server", async || {
        arrivals.load(Ordering::SeqCst) == 11
    })
    .await;
    hold.release.add_permits(10);
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().text(), "released");
    }
    let stats = c.stats().await;
    assert_eq!((stats.active, stats.queued), (0, 0));
    assert!(stats.connections_opened <= 10);
}

#[actix_rt::test]
async fn queue_timeout() {
    let hold = Hold::new();
    let s = app(hold.clone());
    let c = AsyncHttpClient::new(ClientOptions {
        max_clients: 1,
        ..ClientOptions::default()
    });
    let busy = {
        let c = c.clone();
        let url = s.url("/hold");
        actix_rt::spawn(async move { c.fetch(url).await })
    };
    let arrivals = hold.arrivals.clone();
    wait_until("the first request is in flight", async || {
        arrivals.load(Ordering::SeqCst) == 1
    })
    .await;
    let e = c
        .fetch(HttpRequest::new(s.url("/echo")).connect_timeout(Duration::from_millis(50)))
        .await
        .unwrap_err();
    assert!(e.is_timeout());
    assert_eq!(e.code(), 599);
    assert_eq!(e.message(), "Timeout in request queue");
    hold.release.add_permits(1);
    busy.await.unwrap().unwrap();
    // The timed-out waiter does not hold the slot.
    c.fetch(s.url("/echo")).await.unwrap();
}

#[actix_rt::test]
async fn slow_server_times_out_during_the_request() {
    let s = app(Hold::new());
    let c = AsyncHttpClient::new(ClientOptions::default());
    let e = c
        .fetch(HttpRequest::new(s.url("/slow")).request_timeout(Duration::from_millis(200)))
        .await
        .unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert_eq!(e.code(), 599);
    assert!(e.message().starts_with("Timeout during request"), "{e}");
    // The abandoned connection is not reused; the next request works.
    assert_eq!(c.stats().await.idle, 0);
    c.fetch(s.url("/echo")).await.unwrap();
}

#[actix_rt::test]
async fn connect_to_a_blackhole_times_out() {
    // A listener with a full accept queue: the handshake never completes.
    let hole = net_support::blackhole("127.0.0.1");
    let addr = hole.addr;
    let c = AsyncHttpClient::new(ClientOptions::default());
    let e = c
        .fetch(
            HttpRequest::new(format!("http://{addr}/")).connect_timeout(Duration::from_millis(200)),
        )
        .await
        .unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert_eq!(e.code(), 599);
    assert!(e.message().starts_with("Timeout while connecting"), "{e}");
}
