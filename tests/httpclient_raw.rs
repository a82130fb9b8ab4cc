//! The client against scripted raw-socket servers: responses and connection behaviour no
//! well-behaved server produces on demand.

mod httpclient_support;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

use httpclient_support::{raw_server, read_head};
use tornado::httpclient::{AsyncHttpClient, ClientOptions, ErrorKind, HttpRequest};

fn client() -> AsyncHttpClient {
    AsyncHttpClient::new(ClientOptions::default())
}

#[actix_rt::test]
async fn a_pooled_connection_the_server_closed_is_not_fatal() {
    // Every connection answers one request as keep-alive, then closes (an idle timeout).
    let s = raw_server(|_, mut stream| {
        if read_head(&mut stream).is_some() {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        }
    });
    let c = client();
    for _ in 0..3 {
        let r = c.fetch(s.url("/")).await.unwrap();
        assert_eq!(r.text(), "ok");
    }
    assert_eq!(s.accepts.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[actix_rt::test]
async fn an_early_final_response_keeps_the_body_unsent() {
    let after_head = Arc::new(Mutex::new(None));
    let seen = after_head.clone();
    let s = raw_server(move |_, mut stream| {
        if read_head(&mut stream).is_some() {
            let _ =
                stream.write_all(b"HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n");
            // The client must not send the body, and must close rather than reuse.
            let mut rest = Vec::new();
            let _ = stream.read_to_end(&mut rest);
            *seen.lock().unwrap() = Some(rest);
        }
    });
    let r = client()
        .fetch_with(
            HttpRequest::new(s.url("/upload"))
                .method("PUT")
                .body("never sent")
                .expect_100_continue(true),
            false,
        )
        .await
        .unwrap();
    assert_eq!(r.code, 417);
    httpclient_support::wait_until("the server saw the connection close", async || {
        after_head.lock().unwrap().is_some()
    })
    .await;
    assert_eq!(after_head.lock().unwrap().as_deref(), Some(&b""[..]));
}

#[actix_rt::test]
async fn close_delimited_and_interim_responses() {
    let s = raw_server(|n, mut stream| {
        if read_head(&mut stream).is_some() {
            let reply: &[u8] = if n == 0 {
                b"HTTP/1.0 200 OK\r\n\r\nuntil the end"
            } else {
                b"HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal"
            };
            let _ = stream.write_all(reply);
        }
    });
    let c = client();
    assert_eq!(c.fetch(s.url("/")).await.unwrap().text(), "until the end");
    assert_eq!(c.fetch(s.url("/")).await.unwrap().text(), "final");
}

#[actix_rt::test]
async fn broken_responses_are_599() {
    let s = raw_server(|n, mut stream| {
        if read_head(&mut stream).is_some() {
            let reply: &[u8] = match n {
                0 => b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
                1 => b"SPDY/3 200 OK\r\n\r\n",
                _ => b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
            };
            let _ = stream.write_all(reply);
        }
    });
    let c = client();
    for kind in [
        ErrorKind::Protocol,
        ErrorKind::Protocol,
        ErrorKind::StreamClosed,
    ] {
        let e = c.fetch(s.url("/")).await.unwrap_err();
        assert_eq!((e.kind(), e.code()), (kind, 599), "{e}");
    }
}
