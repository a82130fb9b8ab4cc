//! Redirects: each status's method/body rule, limits, relative locations, effective_url, and
//! credentials that must not follow a redirect to another origin.

mod httpclient_support;

use httpclient_support::{app, Hold};
use tornado::httpclient::{AsyncHttpClient, ClientOptions, ErrorKind, HttpRequest};
use tornado::testing::TestServer;

fn client() -> AsyncHttpClient {
    AsyncHttpClient::new(ClientOptions::default())
}

fn redirect(s: &TestServer, status: u16, to: &str) -> String {
    let to: String = tornado::escape::url_escape(to, true);
    s.url(&format!("/redirect?status={status}&to={to}"))
}

#[actix_rt::test]
async fn each_status_keeps_or_drops_method_and_body() {
    let s = app(Hold::new());
    let c = client();
    for (status, method, body) in [
        (301, "GET", ""),
        (302, "GET", ""),
        (303, "GET", ""),
        (307, "POST", "payload"),
        (308, "POST", "payload"),
    ] {
        let target = s.url("/echo");
        let r = c
            .fetch(
                HttpRequest::new(redirect(&s, status, &target))
                    .method("POST")
                    .body("payload"),
            )
            .await
            .unwrap();
        assert_eq!(r.effective_url, target, "{status}");
        assert_eq!(r.time_info.redirects, 1);
        let text = r.text();
        assert!(
            text.starts_with(&format!("{method} /echo\n")),
            "{status}: {text}"
        );
        assert!(text.ends_with(&format!("body={body}")), "{status}: {text}");
        assert_eq!(r.request.method, "POST", "the original request is kept");
    }
}

#[actix_rt::test]
async fn relative_locations_and_chains() {
    let s = app(Hold::new());
    let c = client();
    let r = c.fetch(redirect(&s, 302, "/echo?x=1")).await.unwrap();
    assert_eq!(r.effective_url, s.url("/echo?x=1"));
    let inner = redirect(&s, 301, "/echo?chain");
    let r = c.fetch(redirect(&s, 302, &inner)).await.unwrap();
    assert_eq!(r.time_info.redirects, 2);
    assert!(r.text().starts_with("GET /echo?chain\n"));
}

#[actix_rt::test]
async fn limits_and_not_following() {
    let s = app(Hold::new());
    let c = client();
    let target = s.url("/echo");
    let e = c
        .fetch(HttpRequest::new(redirect(&s, 302, &target)).follow_redirects(false))
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Http, 302));
    let location = e.response().and_then(|r| r.headers.get("Location"));
    assert_eq!(location, Some(target.as_str()));

    let twice = redirect(&s, 302, &redirect(&s, 302, &target));
    let r = c
        .fetch_with(HttpRequest::new(twice.clone()).max_redirects(1), false)
        .await
        .unwrap();
    assert_eq!(r.code, 302, "the redirect past the limit is the answer");
    assert_eq!(r.time_info.redirects, 1);
    assert!(c
        .fetch(HttpRequest::new(twice).max_redirects(2))
        .await
        .is_ok());
}

#[actix_rt::test]
async fn credentials_do_not_cross_origins() {
    let a = app(Hold::new());
    let b = app(Hold::new());
    let c = client();
    let request = |url: String| {
        HttpRequest::new(url)
            .auth("user", "secret")
            .header("Cookie", "session=1")
    };
    // Same origin: kept.
    let r = c
        .fetch(request(redirect(&a, 302, &a.url("/echo"))))
        .await
        .unwrap();
    assert!(
        r.text().contains("auth=Basic dXNlcjpzZWNyZXQ="),
        "{}",
        r.text()
    );
    assert!(r.text().contains("cookie=session=1"));
    // Another port is another origin: dropped, and Host is the new server's.
    for status in [302, 307] {
        let r = c
            .fetch(request(redirect(&a, status, &b.url("/echo"))))
            .await
            .unwrap();
        assert_eq!(r.effective_url, b.url("/echo"));
        let text = r.text();
        assert!(text.contains("auth=-\n"), "{status}: {text}");
        assert!(text.contains("cookie=-\n"), "{status}: {text}");
        assert!(text.contains(&format!("host={}\n", b.addr())), "{text}");
    }
}
