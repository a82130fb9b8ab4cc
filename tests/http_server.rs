//! Server behaviour over real sockets: xheaders, timeouts, connection limits, TLS, Unix
//! sockets, graceful shutdown, panics, worker restarts and backpressure.

#[cfg(feature = "tls")]
mod tls_support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use tornado::http::{delegate_fn, ResponseHead, ServerSettings};
use tornado::testing::{echo_delegate, ExpectLog, RawConnection, TestRequest, TestServer};

/// A bound on how long a correct server takes to do something we wait for; only a wedged
/// server ever reaches it.
const GUARD: Duration = Duration::from_secs(20);

#[test]
fn xheaders_off_uses_the_socket_address() {
    let s = TestServer::start(echo_delegate());
    let r = s.fetch_with(
        TestRequest::get("/")
            .header("X-Real-Ip", "4.4.4.4")
            .header("X-Scheme", "https"),
    );
    assert!(r.text().contains("\n127.0.0.1 http\n"), "{}", r.text());
}

#[test]
fn xheaders_on_uses_proxy_headers() {
    let settings = ServerSettings {
        xheaders: true,
        ..Default::default()
    };
    let s = TestServer::with(echo_delegate()).settings(settings).start();
    let text = |r: TestRequest| s.fetch_with(r).text();
    assert!(
        text(TestRequest::get("/").header("X-Forwarded-For", "1.1.1.1, 2.2.2.2"))
            .contains("\n2.2.2.2 http\n")
    );
    assert!(text(
        TestRequest::get("/")
            .header("X-Real-Ip", "3.3.3.3")
            .header("X-Forwarded-For", "1.1.1.1")
    )
    .contains("\n3.3.3.3 http\n"));
    assert!(text(TestRequest::get("/").header("X-Real-Ip", "bogus")).contains("\n127.0.0.1 http\n"));
    assert!(
        text(TestRequest::get("/").header("X-Forwarded-Proto", "http, https")).contains(" https\n")
    );
    assert!(text(TestRequest::get("/").header("X-Scheme", "gopher")).contains(" http\n"));
    // Overrides last for one request only.
    let mut conn = s.connect();
    conn.send_request(&TestRequest::get("/").header("X-Real-Ip", "5.5.5.5"))
        .unwrap();
    assert!(conn
        .read_response(false)
        .unwrap()
        .text()
        .contains("\n5.5.5.5 "));
    conn.send_request(&TestRequest::get("/")).unwrap();
    assert!(conn
        .read_response(false)
        .unwrap()
        .text()
        .contains("\n127.0.0.1 "));
}

#[test]
fn protocol_setting_forces_the_scheme() {
    let settings = ServerSettings {
        protocol: Some("https".into()),
        ..Default::default()
    };
    let s = TestServer::with(echo_delegate()).settings(settings).start();
    assert!(s.fetch("/").text().contains(" https\n"));
}

#[test]
fn idle_connections_are_closed_after_the_idle_timeout() {
    let settings = ServerSettings {
        idle_connection_timeout: Duration::from_millis(100),
        ..Default::default()
    };
    let s = TestServer::with(echo_delegate()).settings(settings).start();
    // Never sends a byte.
    let mut silent = s.connect();
    assert!(silent.is_closed_by_peer());
    // Idle after a first request.
    let mut conn = s.connect();
    conn.send_request(&TestRequest::get("/")).unwrap();
    assert_eq!(conn.read_response(false).unwrap().status, 200);
    assert!(conn.is_closed_by_peer());
}

#[test]
fn the_idle_timeout_counts_from_the_last_request() {
    // The server keeps its idle timer armed at the first deadline when a request moves the
    // deadline later, and re-arms it when it fires early: the connection must still get the
    // whole timeout after its last request. (A lower bound only: scheduling can only make the
    // close later, never earlier, so this cannot fail on a slow machine.)
    let timeout = Duration::from_millis(300);
    let settings = ServerSettings {
        idle_connection_timeout: timeout,
        ..Default::default()
    };
    let s = TestServer::with(echo_delegate()).settings(settings).start();
    let mut conn = s.connect();
    conn.send_request(&TestRequest::get("/")).unwrap();
    assert_eq!(conn.read_response(false).unwrap().status, 200);
    // Past half the first deadline, so that the timer armed for it fires before the real one.
    std::thread::sleep(timeout / 2);
    let last_request = std::time::Instant::now();
    conn.send_request(&TestRequest::get("/")).unwrap();
    assert_eq!(conn.read_response(false).unwrap().status, 200);
    assert!(conn.is_closed_by_peer());
    assert!(last_request.elapsed() >= timeout);
}

#[test]
fn slow_headers_are_closed_after_the_header_timeout() {
    let settings = ServerSettings {
        header_timeout: Duration::from_millis(100),
        ..Default::default()
    };
    let s = TestServer::with(echo_delegate()).settings(settings).start();
    let mut conn = s.connect();
    conn.send(b"GET / HTTP/1.1\r\nHost: a\r\n").unwrap();
    assert!(conn.is_closed_by_peer());
    // A prompt client is unaffected.
    assert_eq!(s.fetch("/").status, 200);
}

#[test]
fn slow_bodies_hit_the_body_timeout() {
    let settings = ServerSettings {
        body_timeout: Some(Duration::from_millis(100)),
        ..Default::default()
    };
    let s = TestServer::with(echo_delegate()).settings(settings).start();
    let mut conn = s.connect();
    conn.send(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
        .unwrap();
    // The echo delegate drops its writer on a timeout: a 500 and a close.
    let raw = conn.read_to_close().unwrap();
    assert!(
        raw.is_empty() || raw.starts_with(b"HTTP/1.1 500"),
        "{}",
        String::from_utf8_lossy(&raw)
    );
}

#[test]
fn max_connections_pauses_accepting() {
    let (started_tx, started_rx) = mpsc::channel::<()>();
    let started_tx = Mutex::new(started_tx);
    let release = Arc::new(tokio::sync::Notify::new());
    let release2 = release.clone();
    let concurrent = Arc::new(AtomicUsize::new(0));
    let max_seen = Arc::new(AtomicUsize::new(0));
    let (c2, m2) = (concurrent.clone(), max_seen.clone());
    let delegate = delegate_fn(move |req, resp| {
        let release = release2.clone();
        let started = started_tx.lock().unwrap().clone();
        let (concurrent, max_seen) = (c2.clone(), m2.clone());
        async move {
            let now = concurrent.fetch_add(1, Ordering::SeqCst) + 1;
            max_seen.fetch_max(now, Ordering::SeqCst);
            if req.head.uri == "/hold" {
                let _ = started.send(());
                release.notified().await;
            }
            concurrent.fetch_sub(1, Ordering::SeqCst);
            let _ = resp.respond(200, &[("Connection", "close")], req.head.uri.clone());
        }
    });
    let settings = ServerSettings {
        max_connections: Some(1),
        ..Default::default()
    };
    let s = TestServer::with(delegate).settings(settings).start();
    let mut a = s.connect();
    a.send_request(&TestRequest::get("/hold")).unwrap();
    started_rx.recv_timeout(GUARD).unwrap();
    // B connects (the kernel completes the handshake) but is not accepted while A is open.
    let mut b = s.connect();
    b.send_request(&TestRequest::get("/quick")).unwrap();
    b.stream()
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut probe = [0u8; 1];
    let early = std::io::Read::read(&mut b.stream(), &mut probe);
    assert!(early.is_err(), "B was answered while A held the only slot");
    assert_eq!(s.handle().stats().accepted(), 1);
    b.stream().set_read_timeout(Some(GUARD)).unwrap();
    release.notify_one();
    assert_eq!(a.read_response(false).unwrap().text(), "/hold");
    assert_eq!(b.read_response(false).unwrap().text(), "/quick");
    assert_eq!(max_seen.load(Ordering::SeqCst), 1);
}

#[cfg(unix)]
#[test]
fn unix_socket() {
    use std::io::{Read, Write};
    let dir = std::env::temp_dir().join(format!("tornado-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("http.sock");
    let s = TestServer::with(echo_delegate()).unix_socket(&path).start();
    let mut sock = std::os::unix::net::UnixStream::connect(&path).unwrap();
    sock.set_read_timeout(Some(GUARD)).unwrap();
    sock.write_all(b"GET /unix HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    sock.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    assert!(out.ends_with("GET /unix\n0.0.0.0 http\n"), "{out}");
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(feature = "tls")]
#[test]
fn tls_with_a_self_signed_certificate() {
    let tls = tls_support::self_signed();
    let s = TestServer::with(echo_delegate()).tls(tls.server).start();
    let request = b"POST /secure HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi";
    let out = tls_support::exchange(&tls.client, s.addr(), request, GUARD);
    let out = String::from_utf8_lossy(&out);
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    assert!(out.ends_with("POST /secure\n127.0.0.1 https\nhi"), "{out}");

    // Plain HTTP to a TLS port gets nowhere, and the server survives it.
    let mut plain = s.connect();
    plain.send(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    let raw = plain.read_to_close().unwrap_or_default();
    assert!(!raw.starts_with(b"HTTP/1.1 200"));
}

#[test]
fn a_panicking_delegate_gives_500_and_the_server_goes_on() {
    let s = TestServer::start(delegate_fn(|req, resp| async move {
        if req.head.uri == "/boom" {
            panic!("handler exploded");
        }
        let _ = resp.respond(200, &[], "fine");
    }));
    let log = ExpectLog::new("tornado.application", "Uncaught panic.*handler exploded");
    let mut conn = s.connect();
    conn.send_request(&TestRequest::get("/boom")).unwrap();
    let r = conn.read_response(false).unwrap();
    assert_eq!(r.status, 500);
    assert_eq!(r.header("Connection"), Some("close"));
    assert!(r.text().contains("500: Internal Server Error"));
    assert!(conn.is_closed_by_peer());
    assert!(log.wait(GUARD));
    assert_eq!(s.fetch("/ok").text(), "fine");
}

#[test]
fn a_delegate_that_drops_its_writer_gives_500() {
    let s = TestServer::start(delegate_fn(|_req, resp| async move {
        drop(resp);
    }));
    assert_eq!(s.fetch("/").status, 500);
}

#[test]
fn a_response_finished_later_by_another_task() {
    // The writer is handed to a task that finishes the response after the delegate returned:
    // the long-polling shape.
    let s = TestServer::start(delegate_fn(move |_req, resp| async move {
        actix_rt::spawn(async move {
            actix_rt::task::yield_now().await;
            let _ = resp.respond(200, &[], "later");
        });
    }));
    assert_eq!(s.fetch("/").text(), "later");
}

#[test]
fn graceful_shutdown_lets_a_request_in_flight_complete() {
    let (started_tx, started_rx) = mpsc::channel::<()>();
    let started_tx = Mutex::new(started_tx);
    let (release, release_rx) = tokio::sync::watch::channel(false);
    let s = Arc::new(TestServer::start(delegate_fn(move |_req, resp| {
        let mut release = release_rx.clone();
        let started = started_tx.lock().unwrap().clone();
        async move {
            let _ = started.send(());
            let _ = release.wait_for(|go| *go).await;
            let _ = resp.respond(200, &[], "completed");
        }
    })));
    let mut idle = s.connect();
    idle.send_request(&TestRequest::get("/warm-up")).ok();
    let mut busy = s.connect();
    busy.send_request(&TestRequest::get("/slow")).unwrap();
    started_rx.recv_timeout(GUARD).unwrap();
    started_rx.recv_timeout(GUARD).unwrap();

    let stopping = ExpectLog::new(
        "tornado.general",
        &format!("stopping the server on {}", s.addr()),
    );
    let s2 = s.clone();
    let stopper = std::thread::spawn(move || {
        s2.run(|h| async move { h.stop(Duration::from_secs(30)).await })
    });
    assert!(stopping.wait(GUARD));
    release.send_replace(true);
    let r = busy.read_response(false).unwrap();
    assert_eq!(r.text(), "completed");
    let r = idle.read_response(false).unwrap();
    assert_eq!(r.text(), "completed");
    stopper.join().unwrap();
    assert!(busy.is_closed_by_peer());
}

#[test]
fn a_dead_worker_is_restarted() {
    let s = TestServer::with(echo_delegate()).workers(2).start();
    let log = ExpectLog::new("tornado.general", "worker 0 died");
    assert!(s.run(|h| async move { h.kill_worker_for_test(0).await }));
    assert!(log.wait(GUARD));
    let deadline = std::time::Instant::now() + GUARD;
    while s.handle().stats().worker_restarts() < 1 {
        assert!(std::time::Instant::now() < deadline, "worker not restarted");
        std::thread::yield_now();
    }
    for i in 0..10 {
        assert_eq!(s.fetch(&format!("/{i}")).status, 200);
    }
}

#[test]
fn a_client_that_stops_reading_blocks_the_writer_instead_of_growing_memory() {
    const CHUNK: usize = 64 * 1024;
    const TOTAL_CHUNKS: usize = 512; // 32 MiB
    let (blocked_tx, blocked_rx) = mpsc::channel::<usize>();
    let blocked_tx = Mutex::new(blocked_tx);
    let reported = Arc::new(AtomicBool::new(false));
    let s = TestServer::start(delegate_fn(move |_req, mut resp| {
        let blocked = blocked_tx.lock().unwrap().clone();
        let reported = reported.clone();
        async move {
            let mut head = ResponseHead::new(200);
            head.headers
                .add("Content-Length", (CHUNK * TOTAL_CHUNKS).to_string());
            if resp.write_head(&head).is_err() {
                return;
            }
            let chunk = vec![b'x'; CHUNK];
            for i in 0..TOTAL_CHUNKS {
                if resp.write(&chunk).is_err() {
                    return;
                }
                // Record the first time a flush has to wait for the client.
                let mut waited = false;
                let flushed = std::future::poll_fn(|cx| {
                    let p = resp.poll_flush(cx);
                    if p.is_pending() {
                        waited = true;
                    }
                    p
                })
                .await;
                if flushed.is_err() {
                    return;
                }
                if waited && !reported.swap(true, Ordering::SeqCst) {
                    let _ = blocked.send((i + 1) * CHUNK);
                }
            }
            let _ = resp.finish();
        }
    }));
    let mut conn = s.connect();
    conn.send_request(&TestRequest::get("/big")).unwrap();
    // We read nothing until the handler has had to wait.
    let written_when_blocked = blocked_rx
        .recv_timeout(GUARD)
        .expect("the writer never had to wait");
    // Socket buffers on both sides plus the server's high-water mark: far below the total.
    assert!(
        written_when_blocked < 16 * 1024 * 1024,
        "{written_when_blocked} bytes accepted before backpressure"
    );
    let r = conn.read_response(false).unwrap();
    assert_eq!(r.body.len(), CHUNK * TOTAL_CHUNKS);
    let _: &RawConnection = &conn;
}

#[test]
fn binds_ipv4_and_ipv6_and_prebound_sockets() {
    use tornado::http::{bind_sockets, BindOptions};
    // Port 0 on a name with several addresses: every socket gets the same port.
    let socks = bind_sockets("127.0.0.1:0", &BindOptions::default()).unwrap();
    assert_eq!(socks.len(), 1);
    let v6 = bind_sockets(
        "[::1]:0",
        &BindOptions {
            reuse_port: true,
            backlog: 16,
        },
    );
    let Ok(v6) = v6 else {
        // No IPv6 loopback on this machine: nothing more to check.
        return;
    };
    let port = v6[0].local_addr().unwrap().port();
    let (ready_tx, ready_rx) = mpsc::channel();
    let server_thread = std::thread::spawn(move || {
        actix_rt::System::new().block_on(async move {
            let handle = tornado::http::HttpServer::new(echo_delegate())
                .workers(1)
                .add_sockets(v6)
                .unwrap()
                .start()
                .unwrap();
            ready_tx.send(handle.clone()).unwrap();
            handle.wait().await;
        })
    });
    let handle = ready_rx.recv_timeout(GUARD).unwrap();
    let mut conn = RawConnection::connect(format!("[::1]:{port}").parse().unwrap()).unwrap();
    conn.send(b"GET /v6 HTTP/1.1\r\nHost: [::1]\r\nConnection: close\r\n\r\n")
        .unwrap();
    let r = conn.read_response(false).unwrap();
    assert!(r.text().starts_with("GET /v6\n::1 http\n"), "{}", r.text());
    assert_eq!(handle.local_addrs()[0].port(), port);
    // Stop it from a System of our own.
    actix_rt::System::new().block_on(async move { handle.stop(Duration::ZERO).await });
    server_thread.join().unwrap();
}
