//! Every framing and input defence of the HTTP/1 decoder, over a real socket: the status, a
//! `Connection: close`, and the connection closed after it.

use tornado::testing::{echo_delegate, TestServer};

fn expect_rejected(server: &TestServer, raw: &[u8], status: u16) {
    let mut conn = server.connect();
    conn.send(raw).unwrap();
    let resp = conn
        .read_response(false)
        .unwrap_or_else(|e| panic!("no response to {:?}: {e}", String::from_utf8_lossy(raw)));
    assert_eq!(
        resp.status,
        status,
        "for {:?}",
        String::from_utf8_lossy(raw)
    );
    assert_eq!(
        resp.header("Connection"),
        Some("close"),
        "for {:?}",
        String::from_utf8_lossy(raw)
    );
    assert!(
        conn.is_closed_by_peer(),
        "connection left open after {:?}",
        String::from_utf8_lossy(raw)
    );
}

#[test]
fn content_length_with_transfer_encoding_is_400() {
    let s = TestServer::start(echo_delegate());
    expect_rejected(&s, b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
    expect_rejected(&s, b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400);
}

#[test]
fn duplicate_content_lengths() {
    let s = TestServer::start(echo_delegate());
    expect_rejected(
        &s,
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
        400,
    );
    expect_rejected(
        &s,
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 3\r\n\r\nabc",
        400,
    );
    // Identical duplicates are accepted.
    let mut conn = s.connect();
    conn.send(
        b"POST /same HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
    )
    .unwrap();
    let resp = conn.read_response(false).unwrap();
    assert_eq!(resp.status, 200);
    assert!(resp.text().ends_with("\nok"));
}

#[test]
fn bad_lengths_and_chunk_sizes_are_400() {
    let s = TestServer::start(echo_delegate());
    for bad in ["-1", "+5", "5x", "0x5", "1e3", "99999999999999999999999999"] {
        let req = format!("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: {bad}\r\n\r\nhello");
        expect_rejected(&s, req.as_bytes(), 400);
    }
    for bad in ["-1", "+5", "0x5", "zz", "fffffffffffffffffff"] {
        let req = format!("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n{bad}\r\nhello\r\n0\r\n\r\n");
        expect_rejected(&s, req.as_bytes(), 400);
    }
    // Data not followed by CRLF.
    expect_rejected(
        &s,
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
        400,
    );
}

#[test]
fn transfer_encoding_other_than_final_chunked() {
    let s = TestServer::start(echo_delegate());
    expect_rejected(
        &s,
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n",
        400,
    );
    expect_rejected(
        &s,
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
        400,
    );
    expect_rejected(
        &s,
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        501,
    );
    expect_rejected(
        &s,
        b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
    );
}

#[test]
fn control_characters_are_400() {
    let s = TestServer::start(echo_delegate());
    expect_rejected(&s, b"GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    expect_rejected(&s, b"GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    expect_rejected(&s, b"GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    expect_rejected(&s, b"GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r2\r\n\r\n", 400);
    expect_rejected(&s, b"GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\x002\r\n\r\n", 400);
    expect_rejected(&s, b"GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\x7f2\r\n\r\n", 400);
    expect_rejected(
        &s,
        b"GET / HTTP/1.1\r\nHost: a\r\nX-A: \x1b[31m\r\n\r\n",
        400,
    );
}

#[test]
fn whitespace_before_colon_is_400() {
    let s = TestServer::start(echo_delegate());
    expect_rejected(&s, b"GET / HTTP/1.1\r\nHost: a\r\nX-A : 1\r\n\r\n", 400);
    expect_rejected(&s, b"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400);
    expect_rejected(&s, b"GET / HTTP/1.1\r\nHost: a\r\nX-A\t: 1\r\n\r\n", 400);
}

#[test]
fn missing_or_repeated_host_is_400() {
    let s = TestServer::start(echo_delegate());
    expect_rejected(&s, b"GET / HTTP/1.1\r\n\r\n", 400);
    expect_rejected(&s, b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
    expect_rejected(&s, b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400);
    // HTTP/1.0 needs none.
    let mut conn = s.connect();
    conn.send(b"GET /old HTTP/1.0\r\n\r\n").unwrap();
    assert_eq!(conn.read_response(false).unwrap().status, 200);
}

#[test]
fn header_block_too_large_is_431() {
    let s = TestServer::start(echo_delegate());
    let big = format!(
        "GET / HTTP/1.1\r\nHost: a\r\nX-Big: {}\r\n\r\n",
        "x".repeat(70 * 1024)
    );
    expect_rejected(&s, big.as_bytes(), 431);
    // Refused without waiting for the end of the block.
    let endless = format!(
        "GET / HTTP/1.1\r\nHost: a\r\nX-Big: {}",
        "x".repeat(70 * 1024)
    );
    expect_rejected(&s, endless.as_bytes(), 431);
}

#[test]
fn too_many_headers_is_431() {
    let s = TestServer::start(echo_delegate());
    let many: String = (0..101).map(|i| format!("X-H{i}: v\r\n")).collect();
    expect_rejected(
        &s,
        format!("GET / HTTP/1.1\r\nHost: a\r\n{many}\r\n").as_bytes(),
        431,
    );
    let ok: String = (0..99).map(|i| format!("X-H{i}: v\r\n")).collect();
    let mut conn = s.connect();
    conn.send(format!("GET / HTTP/1.1\r\nHost: a\r\n{ok}\r\n"))
        .unwrap();
    assert_eq!(conn.read_response(false).unwrap().status, 200);
}

#[test]
fn body_too_large_is_413_before_reading_it() {
    let s = TestServer::start(echo_delegate());
    // The body is never sent: the answer must come from the head alone.
    expect_rejected(
        &s,
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 104857601\r\n\r\n",
        413,
    );
    let settings = tornado::http::ServerSettings {
        max_body_size: 10,
        ..Default::default()
    };
    let small = TestServer::with(echo_delegate()).settings(settings).start();
    expect_rejected(
        &small,
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n",
        413,
    );
    expect_rejected(
        &small,
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\n",
        413,
    );
}

#[test]
fn unknown_major_version_is_505() {
    let s = TestServer::start(echo_delegate());
    expect_rejected(&s, b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505);
    expect_rejected(&s, b"GET / HTTP/3.1\r\nHost: a\r\n\r\n", 505);
    expect_rejected(&s, b"GET / HTTP/1\r\nHost: a\r\n\r\n", 400);
    expect_rejected(&s, b"GET / SPDY/1.1\r\nHost: a\r\n\r\n", 400);
}

#[test]
fn malformed_request_lines_are_400() {
    let s = TestServer::start(echo_delegate());
    for raw in [
        &b"GET\r\n\r\n"[..],
        b"GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n",
        b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
        b" GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        b"G(T / HTTP/1.1\r\nHost: a\r\n\r\n",
        b"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET / HTTP/1.1\r\n leading-fold: x\r\nHost: a\r\n\r\n",
        b"GET / HTTP/1.1\r\nno-colon\r\nHost: a\r\n\r\n",
    ] {
        expect_rejected(&s, raw, 400);
    }
}

#[test]
fn garbage_never_kills_the_server() {
    let s = TestServer::start(echo_delegate());
    // A deterministic pseudo-random spray of bytes, each on its own connection.
    let mut x: u64 = 0x9e3779b97f4a7c15;
    for _ in 0..200 {
        let len = (x % 300) as usize;
        let mut bytes = Vec::with_capacity(len);
        for _ in 0..len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            bytes.push((x & 0xff) as u8);
        }
        let mut conn = s.connect();
        let _ = conn.send(&bytes);
        let _ = conn.shutdown_write();
        let _ = conn.read_to_close();
    }
    assert_eq!(s.fetch("/still-alive").status, 200);
}
