//! AsyncHttpClient against our own server: methods, bodies, framing (HEAD/204/304, chunked,
//! gzip), limits, streaming, callbacks, auth, errors and the blocking client.

mod httpclient_support;

use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use httpclient_support::{app, gzip, Hold};
use tornado::httpclient::{AsyncHttpClient, ClientOptions, ErrorKind, HttpClient, HttpRequest};

fn client() -> AsyncHttpClient {
    AsyncHttpClient::new(ClientOptions::default())
}

#[actix_rt::test]
async fn get_and_post_round_trip() {
    let s = app(Hold::new());
    let c = client();
    let r = c.fetch(s.url("/echo?a=1")).await.unwrap();
    assert_eq!(r.code, 200);
    assert_eq!(r.reason, "OK");
    assert_eq!(r.effective_url, s.url("/echo?a=1"));
    assert!(r.text().starts_with("GET /echo?a=1\n"), "{}", r.text());
    assert!(r.text().contains(&format!("host={}", s.addr())));
    assert_eq!(r.headers.get("Content-Type"), Some("text/plain"));

    let r = c
        .fetch(HttpRequest::new(s.url("/echo")).method("POST").body("a=b"))
        .await
        .unwrap();
    assert!(r.text().starts_with("POST /echo\n"));
    assert!(r.text().ends_with("body=a=b"));
}

#[actix_rt::test]
async fn head_204_304_have_no_body_and_keep_the_connection() {
    let s = app(Hold::new());
    let c = client();
    let r = c
        .fetch(HttpRequest::new(s.url("/big?n=100")).method("HEAD"))
        .await
        .unwrap();
    assert_eq!(r.headers.get("Content-Length"), Some("100"));
    assert!(r.body.is_empty());
    for code in [204, 304] {
        let r = c
            .fetch_with(s.url(&format!("/status?code={code}")), false)
            .await
            .unwrap();
        assert_eq!(r.code, code);
        assert!(r.body.is_empty());
    }
    // Had any of those been framed wrong, this would read garbage or need a new connection.
    let r = c.fetch(s.url("/big?n=10")).await.unwrap();
    assert_eq!(&r.body[..], b"xxxxxxxxxx");
    assert_eq!(s.handle().stats().accepted(), 1);
}

#[actix_rt::test]
async fn chunked_responses_and_streaming() {
    let s = app(Hold::new());
    let c = client();
    let r = c.fetch(s.url("/big?n=25000&chunked=1")).await.unwrap();
    assert_eq!(r.headers.get("Transfer-Encoding"), Some("chunked"));
    assert_eq!(r.body.len(), 25000);

    let chunks = Arc::new(Mutex::new(Vec::new()));
    let seen = chunks.clone();
    let r = c
        .fetch(
            HttpRequest::new(s.url("/big?n=25000&chunked=1"))
                .streaming_callback(move |chunk| seen.lock().unwrap().push(chunk)),
        )
        .await
        .unwrap();
    assert!(r.body.is_empty());
    {
        let chunks = chunks.lock().unwrap();
        assert!(chunks.len() > 1);
        assert_eq!(chunks.iter().map(|c| c.len()).sum::<usize>(), 25000);
    }

    let mut stream = c.fetch_stream(s.url("/big?n=25000&chunked=1"));
    assert_eq!(stream.head().await.unwrap().code, 200);
    let mut total = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        assert!(chunk.iter().all(|&b| b == b'x'));
        total += chunk.len();
    }
    assert_eq!(total, 25000);
    let done = stream.finish().await.unwrap();
    assert_eq!(done.code, 200);
}

#[actix_rt::test]
async fn header_callback_gets_the_lines() {
    let s = app(Hold::new());
    let lines = Arc::new(Mutex::new(Vec::new()));
    let seen = lines.clone();
    let r = client()
        .fetch(
            HttpRequest::new(s.url("/big?n=3"))
                .header_callback(move |line| seen.lock().unwrap().push(line.to_owned())),
        )
        .await
        .unwrap();
    assert!(r.headers.is_empty());
    let lines = lines.lock().unwrap();
    assert_eq!(lines[0], "HTTP/1.1 200 OK\r\n");
    assert!(lines.contains(&"Content-Length: 3\r\n".to_owned()));
    assert_eq!(lines.last().map(String::as_str), Some("\r\n"));
}

#[actix_rt::test]
async fn gzip_is_inflated_within_the_limit() {
    let s = app(Hold::new());
    let c = client();
    let r = c.fetch(s.url("/gzip?n=5000")).await.unwrap();
    assert_eq!(r.body.len(), 5000);
    assert_eq!(r.headers.get("Content-Encoding"), None);
    assert_eq!(r.headers.get("X-Consumed-Content-Encoding"), Some("gzip"));

    let raw = c
        .fetch(HttpRequest::new(s.url("/gzip?n=5000")).decompress_response(false))
        .await
        .unwrap();
    assert_eq!(&raw.body[..], &gzip(&[b'x'; 5000])[..]);

    // A small compressed body that inflates past the limit is refused, not buffered.
    let e = c
        .fetch(HttpRequest::new(s.url("/gzip?n=1000000")).max_body_size(10_000))
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::BodyTooLarge, 599));
}

#[actix_rt::test]
async fn body_over_the_limit_is_an_error() {
    let s = app(Hold::new());
    let c = AsyncHttpClient::new(ClientOptions {
        max_body_size: 1000,
        ..ClientOptions::default()
    });
    for path in ["/big?n=5000", "/big?n=5000&chunked=1"] {
        let e = c.fetch(s.url(path)).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BodyTooLarge, "{path}: {e}");
        assert_eq!(e.code(), 599);
        assert!(e.to_string().contains("larger than 1000 bytes"), "{e}");
    }
    let e = c
        .fetch(HttpRequest::new(s.url("/echo")).max_header_size(20))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::HeaderTooLarge);
}

#[actix_rt::test]
async fn expect_100_continue_sends_the_body_after_the_go_ahead() {
    let s = app(Hold::new());
    let r = client()
        .fetch(
            HttpRequest::new(s.url("/echo"))
                .method("PUT")
                .body("after continue")
                .expect_100_continue(true),
        )
        .await
        .unwrap();
    assert!(r.text().ends_with("body=after continue"), "{}", r.text());
}

#[actix_rt::test]
async fn body_producer_streams_the_request() {
    let s = app(Hold::new());
    let r = client()
        .fetch(
            HttpRequest::new(s.url("/echo"))
                .method("POST")
                .body_producer(|w| async move {
                    for piece in ["one ", "two ", "three"] {
                        w.write(piece).await?;
                    }
                    Ok(())
                }),
        )
        .await
        .unwrap();
    assert!(r.text().ends_with("body=one two three"), "{}", r.text());
}

#[actix_rt::test]
async fn basic_auth_from_fields_and_url() {
    let s = app(Hold::new());
    let c = client();
    let r = c
        .fetch(HttpRequest::new(s.url("/echo")).auth("Aladdin", "open sesame"))
        .await
        .unwrap();
    assert!(r.text().contains("auth=Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
    let url = format!("http://Aladdin:open%20sesame@{}/echo", s.addr());
    let r = c.fetch(url).await.unwrap();
    assert!(r.text().contains("auth=Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
    assert!(r.text().contains(&format!("host={}\n", s.addr())));
}

#[actix_rt::test]
async fn raise_error_and_rethrow() {
    let s = app(Hold::new());
    let c = client();
    let e = c.fetch(s.url("/nowhere")).await.unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Http, 404));
    assert_eq!(e.response().map(|r| r.text()), Some("not found".into()));
    assert_eq!(e.to_string(), "HTTP 404: Not Found");

    let r = c.fetch_with(s.url("/nowhere"), false).await.unwrap();
    assert_eq!(r.code, 404);
    assert_eq!(r.rethrow().unwrap_err().code(), 404);
    assert!(c.fetch(s.url("/echo")).await.unwrap().rethrow().is_ok());
}

#[actix_rt::test]
async fn requests_refused_before_sending() {
    let c = client();
    for (req, what) in [
        (HttpRequest::new("ftp://127.0.0.1/"), "scheme"),
        (
            HttpRequest::new("http://127.0.0.1:1/").method("POST"),
            "Body must not be None",
        ),
        (
            HttpRequest::new("http://127.0.0.1:1/").body("x"),
            "Body must be None",
        ),
        (
            HttpRequest::new("http://127.0.0.1:1/").method("BREW"),
            "unknown method",
        ),
        (
            HttpRequest::new("http://127.0.0.1:1/").header("X", "a\r\nb"),
            "invalid",
        ),
    ] {
        let e = c.fetch(req).await.unwrap_err();
        assert_eq!(e.code(), 599);
        assert!(e.to_string().contains(what), "{e}");
    }
}

#[actix_rt::test]
async fn connection_refused_is_599() {
    let (listener, port) = tornado::testing::bind_unused_port().unwrap();
    drop(listener);
    let e = client()
        .fetch(format!("http://127.0.0.1:{port}/"))
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Connect, 599));
    assert!(std::error::Error::source(&e).is_some());
}

#[actix_rt::test]
async fn closed_client_refuses_fetches() {
    let s = app(Hold::new());
    let c = client();
    c.fetch(s.url("/echo")).await.unwrap();
    c.close();
    let e = c.fetch(s.url("/echo")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Closed);
}

#[actix_rt::test]
async fn network_interface_is_the_source_address() {
    let s = tornado::testing::TestServer::start(tornado::testing::echo_delegate());
    let r = client()
        .fetch(HttpRequest::new(s.url("/")).network_interface([127, 0, 0, 2].into()))
        .await
        .unwrap();
    assert!(r.text().contains("\n127.0.0.2 http\n"), "{}", r.text());
}

#[test]
fn blocking_client_works_from_plain_threads() {
    let s = app(Hold::new());
    let c = HttpClient::new();
    let r = c.fetch(s.url("/echo")).unwrap();
    assert!(r.text().starts_with("GET /echo"));
    assert_eq!(c.fetch(s.url("/nowhere")).unwrap_err().code(), 404);
    assert_eq!(c.fetch_with(s.url("/nowhere"), false).unwrap().code, 404);
    c.close();
}
