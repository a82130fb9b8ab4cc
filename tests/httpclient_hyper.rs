//! AsyncHttpClient against an independent server (hyper): keep-alive reuse, chunked streaming,
//! gzip, 100-continue, HEAD/204/304, redirects.

mod httpclient_support;

use std::sync::atomic::Ordering;

use futures_util::StreamExt;
use httpclient_support::hyper_server;
use tornado::httpclient::{AsyncHttpClient, ClientOptions, HttpRequest};

fn client() -> AsyncHttpClient {
    AsyncHttpClient::new(ClientOptions::default())
}

#[actix_rt::test]
async fn keep_alive_reuse_counted_by_the_server() {
    let h = hyper_server();
    let c = client();
    for i in 0..10 {
        let r = c.fetch(h.url(&format!("/echo?{i}"))).await.unwrap();
        assert!(r.text().starts_with(&format!("GET /echo?{i}\n")));
    }
    for code in [204, 304] {
        let r = c
            .fetch_with(h.url(&format!("/status?code={code}")), false)
            .await
            .unwrap();
        assert_eq!(r.code, code);
        assert!(r.body.is_empty());
    }
    let r = c
        .fetch(HttpRequest::new(h.url("/status?code=200")).method("HEAD"))
        .await
        .unwrap();
    assert!(r.body.is_empty());
    assert_eq!(r.headers.get("Content-Length"), Some("5"));
    let r = c.fetch(h.url("/status?code=200")).await.unwrap();
    assert_eq!(r.text(), "hello");
    assert_eq!(h.accepts.load(Ordering::SeqCst), 1);
}

#[actix_rt::test]
async fn chunked_body_as_a_stream() {
    let h = hyper_server();
    let c = client();
    let r = c.fetch(h.url("/chunked?n=500")).await.unwrap();
    assert_eq!(r.headers.get("Transfer-Encoding"), Some("chunked"));
    assert_eq!(r.text(), "piece\n".repeat(500));

    let mut stream = c.fetch_stream(h.url("/chunked?n=500"));
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        body.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(body, "piece\n".repeat(500).as_bytes());
}

#[actix_rt::test]
async fn gzip_and_100_continue() {
    let h = hyper_server();
    let c = client();
    let r = c.fetch(h.url("/gzip?n=3000")).await.unwrap();
    assert_eq!(r.body.len(), 3000);
    let r = c
        .fetch(
            HttpRequest::new(h.url("/echo"))
                .method("POST")
                .body("continued")
                .expect_100_continue(true),
        )
        .await
        .unwrap();
    assert!(r.text().ends_with("body=continued"), "{}", r.text());
    assert!(r.text().contains("POST /echo"));
}

#[actix_rt::test]
async fn redirects_on_hyper() {
    let h = hyper_server();
    let c = client();
    let to = tornado::escape::url_escape(&h.url("/echo"), true);
    let r = c
        .fetch(
            HttpRequest::new(h.url(&format!("/redirect?status=307&to={to}")))
                .method("PUT")
                .body("kept"),
        )
        .await
        .unwrap();
    assert!(r.text().starts_with("PUT /echo\n"));
    assert!(r.text().ends_with("body=kept"));
    let r = c
        .fetch(
            HttpRequest::new(h.url(&format!("/redirect?status=303&to={to}")))
                .method("PUT")
                .body("dropped"),
        )
        .await
        .unwrap();
    assert!(r.text().starts_with("GET /echo\n"));
    assert!(r.text().ends_with("body="));
}
