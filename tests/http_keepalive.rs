//! Keep-alive, pipelining, chunked request bodies and 100-continue, over real sockets, with our
//! raw client and with hyper's client.

use std::io::Write;

use tornado::http::delegate_fn;
use tornado::testing::{echo_delegate, RawConnection, TestRequest, TestServer};

#[test]
fn http11_keeps_alive_by_default() {
    let s = TestServer::start(echo_delegate());
    let mut conn = s.connect();
    for i in 0..5 {
        conn.send_request(&TestRequest::get(&format!("/{i}")))
            .unwrap();
        let r = conn.read_response(false).unwrap();
        assert_eq!(r.status, 200);
        assert!(r.text().starts_with(&format!("GET /{i}\n")));
        assert_eq!(r.header("Connection"), None);
    }
    assert_eq!(s.handle().stats().accepted(), 1);
}

#[test]
fn http11_connection_close_is_honoured() {
    let s = TestServer::start(echo_delegate());
    let mut conn = s.connect();
    conn.send(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .unwrap();
    let r = conn.read_response(false).unwrap();
    assert_eq!(r.header("Connection"), Some("close"));
    assert!(conn.is_closed_by_peer());
}

#[test]
fn http10_closes_unless_keep_alive_asked() {
    let s = TestServer::start(echo_delegate());
    let mut conn = s.connect();
    conn.send(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let r = conn.read_response(false).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.version, "HTTP/1.1");
    assert!(conn.is_closed_by_peer());

    let mut conn = s.connect();
    for _ in 0..3 {
        conn.send(b"GET /ka HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            .unwrap();
        let r = conn.read_response(false).unwrap();
        assert_eq!(r.header("Connection"), Some("Keep-Alive"));
        assert!(r.text().starts_with("GET /ka"));
    }
}

#[test]
fn http10_response_without_length_is_close_delimited() {
    let s = TestServer::start(delegate_fn(|_req, mut resp| async move {
        let _ = resp.write_head(&tornado::http::ResponseHead::new(200));
        let _ = resp.write(b"streamed");
        let _ = resp.finish();
    }));
    let mut conn = s.connect();
    conn.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        .unwrap();
    let r = conn.read_response(false).unwrap();
    assert_eq!(r.body, b"streamed");
    assert_eq!(r.header("Content-Length"), None);
    // HTTP/1.1 gets the same response chunked.
    let r = s.fetch("/");
    assert_eq!(r.header("Transfer-Encoding"), Some("chunked"));
    assert_eq!(r.body, b"streamed");
}

#[test]
fn no_keep_alive_setting_closes_every_connection() {
    let settings = tornado::http::ServerSettings {
        no_keep_alive: true,
        ..Default::default()
    };
    let s = TestServer::with(echo_delegate()).settings(settings).start();
    let mut conn = s.connect();
    conn.send(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    let r = conn.read_response(false).unwrap();
    assert_eq!(r.header("Connection"), Some("close"));
    assert!(conn.is_closed_by_peer());
}

#[test]
fn three_pipelined_requests_in_one_write_are_answered_in_order() {
    let s = TestServer::start(echo_delegate());
    let mut conn = s.connect();
    conn.send(
        b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n\
          POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody\
          GET /3 HTTP/1.1\r\nHost: a\r\n\r\n",
    )
    .unwrap();
    let bodies: Vec<String> = (0..3)
        .map(|_| conn.read_response(false).unwrap().text())
        .collect();
    assert!(bodies[0].starts_with("GET /1\n"));
    assert!(bodies[1].starts_with("POST /2\n") && bodies[1].ends_with("body"));
    assert!(bodies[2].starts_with("GET /3\n"));
}

#[test]
fn pipelined_requests_with_half_close_are_all_answered() {
    let s = TestServer::start(echo_delegate());
    let mut conn = s.connect();
    conn.send(b"GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    conn.shutdown_write().unwrap();
    assert!(conn
        .read_response(false)
        .unwrap()
        .text()
        .starts_with("GET /a"));
    assert!(conn
        .read_response(false)
        .unwrap()
        .text()
        .starts_with("GET /b"));
    assert!(conn.is_closed_by_peer());
}

#[test]
fn chunked_request_bodies() {
    let s = TestServer::start(echo_delegate());
    let mut conn = s.connect();
    conn.send(
        b"POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\
          5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: yes\r\n\r\n",
    )
    .unwrap();
    let r = conn.read_response(false).unwrap();
    assert!(r.text().ends_with("\nhello world"), "{}", r.text());
    // The connection is reusable after a chunked body.
    conn.send(b"GET /after HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    assert!(conn
        .read_response(false)
        .unwrap()
        .text()
        .starts_with("GET /after"));
}

#[test]
fn expect_100_continue_is_sent_when_the_body_is_read() {
    let s = TestServer::start(echo_delegate());
    let mut conn = s.connect();
    conn.send(b"POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        .unwrap();
    // Nothing but the interim response may come before the body is sent.
    let mut first = [0u8; 27];
    std::io::Read::read_exact(&mut conn.stream(), &mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 100 (Continue)\r\n\r\n");
    conn.send(b"data").unwrap();
    let r = conn.read_response(false).unwrap();
    assert_eq!(r.status, 200);
    assert!(r.text().ends_with("\ndata"));
}

#[test]
fn expect_100_continue_not_sent_when_the_handler_answers_without_the_body() {
    let s = TestServer::start(delegate_fn(|_req, resp| async move {
        let _ = resp.respond(403, &[], "no");
    }));
    let mut conn = s.connect();
    conn.send(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        .unwrap();
    let raw = conn.read_to_close().unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{text}");
    assert!(!text.contains("100 (Continue)"));
}

#[test]
fn unread_bodies_are_drained_so_the_connection_stays_usable() {
    let s = TestServer::start(delegate_fn(|req, resp| async move {
        let _ = resp.respond(200, &[], req.head.uri.clone());
    }));
    let mut conn = s.connect();
    conn.send(b"POST /ignored HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789GET /next HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    assert_eq!(conn.read_response(false).unwrap().text(), "/ignored");
    assert_eq!(conn.read_response(false).unwrap().text(), "/next");
}

#[test]
fn head_responses_have_no_body() {
    let s = TestServer::start(delegate_fn(|_req, resp| async move {
        let _ = resp.respond(200, &[], "twelve bytes");
    }));
    let mut conn = s.connect();
    conn.send(b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let head = conn.read_response(true).unwrap();
    assert_eq!(head.header("Content-Length"), Some("12"));
    assert!(head.body.is_empty());
    // The next response starts right after the head: nothing was written for HEAD.
    assert_eq!(conn.read_response(false).unwrap().text(), "twelve bytes");
}

#[test]
fn gzip_request_bodies_are_inflated_when_asked() {
    let settings = tornado::http::ServerSettings {
        decompress_request: true,
        max_body_size: 1000,
        ..Default::default()
    };
    let s = TestServer::with(echo_delegate()).settings(settings).start();
    let gz = |data: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    };
    let r = s.fetch_with(
        TestRequest::new("POST", "/gz")
            .header("Content-Encoding", "gzip")
            .body(gz(b"inflated!")),
    );
    assert!(r.text().ends_with("\ninflated!"), "{}", r.text());
    // The limit applies to the inflated size: a small bomb is refused.
    let r = s.fetch_with(
        TestRequest::new("POST", "/bomb")
            .header("Content-Encoding", "gzip")
            .body(gz(&[b'a'; 100_000])),
    );
    assert_eq!(r.status, 413);
}

#[tokio::test(flavor = "current_thread")]
async fn hyper_client_keep_alive_and_bodies() {
    use http_body_util::{BodyExt, Full};
    let s = TestServer::start(echo_delegate());
    let tcp = tokio::net::TcpStream::connect(s.addr()).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
            .await
            .unwrap();
    tokio::spawn(conn);
    for i in 0..3 {
        let req = hyper::Request::post(format!("/hyper/{i}"))
            .header("Host", "127.0.0.1")
            .body(Full::new(bytes::Bytes::from(format!("payload {i}"))))
            .unwrap();
        let resp = sender.send_request(req).await.unwrap();
        assert_eq!(resp.status(), 200);
        assert!(resp.headers().contains_key("date"));
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&body);
        assert!(
            text.starts_with(&format!("POST /hyper/{i}\n127.0.0.1 http\n")),
            "{text}"
        );
        assert!(text.ends_with(&format!("payload {i}")));
    }
    assert_eq!(s.handle().stats().accepted(), 1);
}

/// Sends `bytes` in one write to an echo server; the server is returned to keep it running.
fn send_to_echo(bytes: &[u8]) -> (TestServer, RawConnection) {
    let s = TestServer::start(echo_delegate());
    let mut conn = s.connect();
    conn.send(bytes).unwrap();
    (s, conn)
}

/// The next response's text (the echo of its request line first).
fn next_text(conn: &mut RawConnection) -> String {
    conn.read_response(false).unwrap().text()
}

#[test]
fn many_pipelined_requests_in_one_write_are_all_answered_in_order() {
    // More than the server decodes ahead of the one it serves (32).
    let out: String = (0..100)
        .map(|i| format!("GET /{i} HTTP/1.1\r\nHost: a\r\n\r\n"))
        .collect();
    let (_s, mut conn) = send_to_echo(out.as_bytes());
    for i in 0..100 {
        let text = next_text(&mut conn);
        assert!(text.starts_with(&format!("GET /{i}\n")), "{i}: {text}");
    }
}

#[test]
fn a_malformed_request_in_a_pipeline_is_refused_after_the_ones_before_it() {
    let (_s, mut conn) = send_to_echo(
        b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n\
          GET /2 HTTP/1.1\r\nHost: a\r\n\r\n\
          GET /3 HTTP/1.1\r\n\r\n\
          GET /4 HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    assert!(next_text(&mut conn).starts_with("GET /1\n"));
    assert!(next_text(&mut conn).starts_with("GET /2\n"));
    // No Host header: 400, and the connection closes without answering /4.
    assert_eq!(conn.read_response(false).unwrap().status, 400);
    assert!(conn.is_closed_by_peer());
}

#[test]
fn a_pipelined_connection_close_ends_the_pipeline() {
    let (_s, mut conn) = send_to_echo(
        b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n\
          GET /2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n\
          GET /3 HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    assert!(next_text(&mut conn).starts_with("GET /1\n"));
    let r = conn.read_response(false).unwrap();
    assert!(r.text().starts_with("GET /2\n"));
    assert_eq!(r.header("Connection"), Some("close"));
    assert!(conn.is_closed_by_peer());
}

#[test]
fn bodies_between_pipelined_requests_are_read_by_the_right_request() {
    let (_s, mut conn) = send_to_echo(
        b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n\
          GET /2 HTTP/1.1\r\nHost: a\r\n\r\n\
          POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nGET \r\n0\r\n\r\n\
          POST /4 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nxyz\
          GET /5 HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    let texts: Vec<String> = (0..5).map(|_| next_text(&mut conn)).collect();
    assert!(texts[0].starts_with("GET /1\n") && texts[1].starts_with("GET /2\n"));
    assert!(
        texts[2].starts_with("POST /3\n") && texts[2].ends_with("GET "),
        "{}",
        texts[2]
    );
    assert!(
        texts[3].starts_with("POST /4\n") && texts[3].ends_with("xyz"),
        "{}",
        texts[3]
    );
    assert!(texts[4].starts_with("GET /5\n"));
}

#[test]
fn one_empty_line_between_requests_is_tolerated_in_a_later_write() {
    // Old clients send CRLF after a POST body; it may come in a packet of its own, after the
    // response, before the next request.
    let s = TestServer::start(echo_delegate());
    let mut conn = s.connect();
    conn.send(b"POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi")
        .unwrap();
    assert!(next_text(&mut conn).starts_with("POST /a\n"));
    conn.send(b"\r\n").unwrap();
    conn.send(b"GET /b HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    assert!(next_text(&mut conn).starts_with("GET /b\n"));
    conn.send(b"\r\nGET /c HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    assert!(next_text(&mut conn).starts_with("GET /c\n"));
}
