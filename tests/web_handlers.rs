//! The web layer over real sockets: verbs, arguments, output, errors, ETags, redirects,
//! cookies, XSRF, authentication, gzip, streaming.

use std::io::Read;
use std::sync::Arc;

use bytes::Bytes;
use tornado::testing::{TestRequest, TestResponse, TestServer};
use tornado::web::signed::SecretKeys;
use tornado::web::{
    url, Application, HandlerContext, HttpError, RedirectHandler, RequestHandler, Result, Settings,
    WebError,
};

fn serve(app: Application) -> TestServer {
    TestServer::start(app)
}

fn app(
    routes: Vec<tornado::web::routing::UrlSpecBuilder<Arc<dyn tornado::web::HandlerFactory>>>,
) -> Application {
    routes
        .into_iter()
        .fold(Application::builder(), |b, r| b.route(r))
        .build()
        .unwrap()
}

// ------------------------------------------------------------------------------------------
// Verbs and error pages

#[derive(Default)]
struct GetOnly;
tornado::handler_actor!(GetOnly);
impl RequestHandler for GetOnly {
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        cx.write("got")
    }
}

#[derive(Default)]
struct Dav;
tornado::handler_actor!(Dav);
impl RequestHandler for Dav {
    const SUPPORTED_METHODS: &'static [&'static str] = &["GET", "PROPFIND"];
    async fn other_method(&mut self, method: &str, cx: &mut HandlerContext<Self>) -> Result {
        cx.set_status(207);
        cx.write(format!("{method} ok"))
    }
}

#[test]
fn missing_verbs_are_405_and_extra_verbs_work() {
    let s = serve(app(vec![
        url("/", GetOnly::default),
        url("/dav", Dav::default),
    ]));
    assert_eq!(s.fetch("/").text(), "got");
    let r = s.fetch_with(TestRequest::new("POST", "/").body("x"));
    assert_eq!(r.status, 405);
    assert_eq!(
        r.text(),
        "<html><title>405: Method Not Allowed</title><body>405: Method Not Allowed</body></html>"
    );
    assert_eq!(
        s.fetch_with(TestRequest::new("PROPFIND", "/dav")).text(),
        "PROPFIND ok"
    );
    assert_eq!(s.fetch_with(TestRequest::new("PROPFIND", "/")).status, 405);
    assert_eq!(s.fetch_with(TestRequest::new("DELETE", "/dav")).status, 405);
}

#[test]
fn unknown_paths_get_the_404_page() {
    let s = serve(app(vec![url("/", GetOnly::default)]));
    let r = s.fetch("/nowhere");
    assert_eq!(r.status, 404);
    assert_eq!(r.header("Content-Type"), Some("text/html; charset=UTF-8"));
    assert_eq!(
        r.body,
        b"<html><title>404: Not Found</title><body>404: Not Found</body></html>"
    );
    assert!(r.header("Server").unwrap().starts_with("TornadoServer/"));
    assert!(r.header("Date").is_some());
}

#[test]
fn default_handler_replaces_the_404() {
    let app = Application::builder()
        .route(url("/", GetOnly::default))
        .default_handler(|| tornado::web::ErrorStatus(410))
        .build()
        .unwrap();
    assert_eq!(serve(app).fetch("/x").status, 410);
}

// ------------------------------------------------------------------------------------------
// Arguments

#[derive(Default)]
struct Args;
tornado::handler_actor!(Args);
impl RequestHandler for Args {
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        let a = cx.get_argument("a")?;
        let all = cx.get_arguments("a")?;
        let raw = cx.get_arguments_unstripped("a")?;
        let d = cx.get_argument_or("d", "dflt")?;
        cx.write(format!("{a:?} {all:?} {raw:?} {d}"))
    }
    async fn post(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        let q = cx.get_query_arguments("a")?;
        let b = cx.get_body_arguments("a")?;
        let both = cx.get_arguments("a")?;
        cx.write(format!("{q:?} {b:?} {both:?}"))
    }
}

#[test]
fn argument_decoding() {
    let s = serve(app(vec![url("/", Args::default)]));
    // Last value wins; whitespace stripped; control characters become spaces.
    let r = s.fetch("/?a=1&a=%20two%09&a=x%01y");
    assert_eq!(
        r.text(),
        r#""x y" ["1", "two", "x y"] ["1", " two\t", "x y"] dflt"#
    );
    // Missing → 400.
    let r = s.fetch("/?b=1");
    assert_eq!(r.status, 400);
    assert!(r.text().contains("400: Bad Request"));
    // Invalid UTF-8 → 400.
    assert_eq!(s.fetch("/?a=%ff").status, 400);
    // UTF-8 names and values.
    assert_eq!(
        s.fetch("/?a=%C3%A9t%C3%A9").text(),
        r#""été" ["été"] ["été"] dflt"#
    );
    // Query and body arguments apart and together.
    let r = s.fetch_with(
        TestRequest::new("POST", "/?a=q")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("a=b1&a=b2"),
    );
    assert_eq!(r.text(), r#"["q"] ["b1", "b2"] ["q", "b1", "b2"]"#);
}

// ------------------------------------------------------------------------------------------
// Output

#[derive(Default)]
struct Output;
tornado::handler_actor!(Output);
impl RequestHandler for Output {
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        match cx.request().path.as_str() {
            "/json" => cx.write_json(&serde_json::json!({"html": "</script>", "n": 1})),
            "/json-array" => cx.write_json(&[1, 2, 3]),
            "/bad-header" => {
                cx.set_header("X-Bad", "a\r\nSet-Cookie: evil=1");
                cx.write("never")
            }
            "/flush" => {
                cx.write("one,")?;
                cx.flush().await?;
                cx.write("two,")?;
                cx.flush().await?;
                cx.write("three")
            }
            "/finish-401" => {
                cx.set_status(401);
                cx.write("denied")?;
                Err(WebError::Finish)
            }
            "/204-with-body" => {
                cx.set_status(204);
                cx.write("oops")
            }
            "/reason" => {
                cx.set_status_reason(299, "Fine Enough");
                cx.write("x")
            }
            "/error" => Err(HttpError::new(503).reason("Come Back Later").into()),
            "/short-length" => {
                cx.set_header("Content-Length", 100);
                cx.write("short")
            }
            "/other" => Err(WebError::Other("database exploded".into())),
            "/panic" => panic!("handler bug"),
            _ => cx.write("plain"),
        }
    }
}

fn output_server(settings: Settings) -> TestServer {
    serve(
        Application::builder()
            .route(url("/.*", Output::default))
            .settings(settings)
            .build()
            .unwrap(),
    )
}

#[test]
fn json_output() {
    let s = output_server(Settings::default());
    let r = s.fetch("/json");
    assert_eq!(
        r.header("Content-Type"),
        Some("application/json; charset=UTF-8")
    );
    assert_eq!(r.text(), r#"{"html":"<\/script>","n":1}"#);
    assert_eq!(s.fetch("/json-array").status, 500);
}

#[test]
fn header_injection_is_a_500() {
    let s = output_server(Settings::default());
    let r = s.fetch("/bad-header");
    assert_eq!(r.status, 500);
    assert!(r.header("Set-Cookie").is_none());
    assert!(r.header("X-Bad").is_none());
}

#[derive(Default)]
struct BadEtag;
tornado::handler_actor!(BadEtag);
impl RequestHandler for BadEtag {
    fn compute_etag(_: &tornado::web::RequestContext) -> Option<tornado::http::SharedStr> {
        Some("\"x\"\r\nSet-Cookie: evil=1".to_owned().into())
    }
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        cx.write("body")
    }
}

#[test]
fn an_unsafe_custom_etag_is_a_500_not_a_split_response() {
    let s = serve(app(vec![url("/", BadEtag::default)]));
    let r = s.fetch("/");
    assert_eq!(r.status, 500);
    assert!(r.header("Set-Cookie").is_none());
    assert!(r.header("Etag").is_none());
    // The connection is still usable afterwards.
    assert_eq!(s.fetch("/").status, 500);
}

/// A user transform that rewrites a header the framework set (and so had already checked).
struct RewriteContentType;
impl tornado::web::transform::OutputTransform for RewriteContentType {
    fn transform_first_chunk(
        &mut self,
        _status: &mut u16,
        headers: &mut tornado::http::HttpHeaders,
        chunk: Bytes,
        _finishing: bool,
    ) -> Bytes {
        headers.set("Content-Type", "text/plain\r\nSet-Cookie: evil=1");
        chunk
    }
}

#[test]
fn a_transform_that_puts_an_unsafe_value_in_a_checked_header_is_a_500() {
    let factory = |_: &tornado::http::HttpHeaders| {
        Box::new(RewriteContentType) as Box<dyn tornado::web::transform::OutputTransform>
    };
    let s = serve(
        Application::builder()
            .route(url("/", GetOnly::default))
            .transform(Arc::new(factory))
            .build()
            .unwrap(),
    );
    let r = s.fetch("/");
    assert_eq!(r.status, 500);
    assert!(r.header("Set-Cookie").is_none());
}

#[test]
fn two_flushes_give_chunked_output_on_11_and_close_delimited_on_10() {
    let s = output_server(Settings::default());
    let r = s.fetch("/flush");
    assert_eq!(r.header("Transfer-Encoding"), Some("chunked"));
    assert_eq!(r.text(), "one,two,three");
    let mut conn = s.connect();
    conn.send(b"GET /flush HTTP/1.0\r\n\r\n").unwrap();
    let raw = String::from_utf8(conn.read_to_close().unwrap()).unwrap();
    assert!(!raw.contains("Transfer-Encoding"), "{raw}");
    assert!(!raw.contains("Content-Length"), "{raw}");
    assert!(raw.ends_with("\r\n\r\none,two,three"), "{raw}");
}

#[test]
fn a_body_shorter_than_its_declared_length_ends_the_connection() {
    let s = output_server(Settings::default());
    let mut conn = s.connect();
    conn.send(b"GET /short-length HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    // The head and the five bytes went out; the promised rest cannot come, so the connection
    // closes instead of running into the next response.
    let raw = String::from_utf8(conn.read_to_close().unwrap()).unwrap();
    assert!(raw.starts_with("HTTP/1.1 200 OK\r\n"), "{raw}");
    assert!(raw.contains("\r\nContent-Length: 100\r\n"), "{raw}");
    assert!(raw.ends_with("\r\n\r\nshort"), "{raw}");
    assert_eq!(s.fetch("/").text(), "plain");
}

#[test]
fn finish_after_set_status_and_bodies_where_none_is_allowed() {
    let s = output_server(Settings::default());
    let r = s.fetch("/finish-401");
    assert_eq!((r.status, r.text().as_str()), (401, "denied"));
    assert_eq!(s.fetch("/204-with-body").status, 500);
    let r = s.fetch("/reason");
    assert_eq!((r.status, r.reason.as_str()), (299, "Fine Enough"));
    let r = s.fetch("/error");
    assert_eq!((r.status, r.reason.as_str()), (503, "Come Back Later"));
    assert_eq!(
        r.text(),
        "<html><title>503: Come Back Later</title><body>503: Come Back Later</body></html>"
    );
}

#[test]
fn errors_and_panics_are_500s_and_tracebacks_only_in_debug() {
    let log = tornado::testing::ExpectLog::new("tornado.application", "database exploded");
    let s = output_server(Settings::default());
    let r = s.fetch("/other");
    assert_eq!(r.status, 500);
    assert!(!r.text().contains("database"));
    let r = s.fetch("/panic");
    assert_eq!(r.status, 500);
    assert_eq!(s.fetch("/").text(), "plain");
    drop(log);
    let debug = output_server(Settings {
        debug: true,
        ..Default::default()
    });
    let r = debug.fetch("/other");
    assert_eq!(r.status, 500);
    assert_eq!(r.header("Content-Type"), Some("text/plain; charset=UTF-8"));
    assert!(r.text().contains("database exploded"), "{}", r.text());
}

#[test]
fn head_gets_get_headers_without_a_body() {
    let s = output_server(Settings::default());
    let get = s.fetch("/");
    let head = s.fetch_with(TestRequest::new("HEAD", "/"));
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("Content-Length"), get.header("Content-Length"));
    assert_eq!(head.header("Etag"), get.header("Etag"));
}

/// A handler's own `Etag` or `Content-Length` is used as given, and after `clear()` the
/// defaults come back: one computed `Etag`, one true `Content-Length`.
#[derive(Default)]
struct OwnHeaders;
tornado::handler_actor!(OwnHeaders);
impl RequestHandler for OwnHeaders {
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        cx.set_header("Etag", "\"mine\"");
        if cx.request().path == "/cleared" {
            cx.set_header("Content-Length", 999);
            cx.clear();
        }
        cx.write("body")
    }
}

#[test]
fn own_etag_and_length_until_clear() {
    let s = serve(app(vec![url("/.*", OwnHeaders::default)]));
    let own = s.fetch("/own");
    assert_eq!(own.headers.get_list("Etag"), ["\"mine\""]);
    assert_eq!(own.headers.get_list("Content-Length"), ["4"]);
    let cleared = s.fetch("/cleared");
    assert_eq!(cleared.text(), "body");
    assert_eq!(
        cleared.headers.get_list("Etag"),
        [tornado::web::etag::compute_etag(&[Bytes::from_static(
            b"body"
        )])]
    );
    assert_eq!(cleared.headers.get_list("Content-Length"), ["4"]);
}

#[test]
fn etags_and_304() {
    let s = output_server(Settings::default());
    let r = s.fetch("/");
    let etag = r.header("Etag").unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.len() == 42, "{etag}");
    for inm in [
        etag.clone(),
        format!("W/{etag}"),
        "*".to_owned(),
        format!("\"nope\", {etag}"),
    ] {
        let r = s.fetch_with(TestRequest::get("/").header("If-None-Match", &inm));
        assert_eq!(r.status, 304, "{inm}");
        assert!(r.body.is_empty());
        assert!(r.header("Content-Type").is_none());
        assert!(r.header("Content-Length").is_none());
    }
    assert_eq!(
        s.fetch_with(TestRequest::get("/").header("If-None-Match", "\"other\""))
            .status,
        200
    );
}

// ------------------------------------------------------------------------------------------
// Redirects, slashes, reverse_url, hosts

#[derive(Default)]
struct Slashy;
tornado::handler_actor!(Slashy);
impl RequestHandler for Slashy {
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        if cx.request().path.starts_with("/add") {
            cx.addslash()?;
        } else if cx.request().path.starts_with("/go") {
            return cx.redirect("there?x=1", false);
        } else {
            cx.removeslash()?;
        }
        let url = cx
            .application()
            .reverse_url("named", &["a b/c", "é"])
            .unwrap();
        cx.write(url)
    }
}

#[test]
fn redirects_slashes_and_reverse_url() {
    let s = serve(
        Application::builder()
            .route(url("/add/?", Slashy::default))
            .route(url("/rm/?", Slashy::default))
            .route(url("/go/here", Slashy::default))
            .route(url("/n/([^/]+)/(.+)", Slashy::default).name("named"))
            .route(url(r"/old/(\w+)", || RedirectHandler::new("/new/{0}")))
            .route(url(r"/tmp", || RedirectHandler::temporary("/elsewhere")))
            .build()
            .unwrap(),
    );
    let r = s.fetch("/add?q=1");
    assert_eq!((r.status, r.header("Location")), (301, Some("/add/?q=1")));
    let r = s.fetch("/rm/");
    assert_eq!((r.status, r.header("Location")), (301, Some("/rm")));
    assert_eq!(s.fetch("/add/").text(), "/n/a%20b/c/%C3%A9");
    let r = s.fetch("/go/here");
    assert_eq!(
        (r.status, r.header("Location")),
        (302, Some("/go/there?x=1"))
    );
    let r = s.fetch("/old/thing?keep=1");
    assert_eq!(
        (r.status, r.header("Location")),
        (301, Some("/new/thing?keep=1"))
    );
    assert_eq!(s.fetch("/tmp").status, 302);
    // No post(): 405 before addslash is reached, as in Tornado.
    assert_eq!(
        s.fetch_with(TestRequest::new("POST", "/add").body("x"))
            .status,
        405
    );
}

#[derive(Default)]
struct Which(&'static str);
tornado::handler_actor!(Which);
impl RequestHandler for Which {
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        cx.write(self.0)
    }
}

#[test]
fn host_rules_and_default_host() {
    let s = serve(
        Application::builder()
            .add_handlers(r"www\.example\.com", vec![url("/", || Which("www"))])
            .add_handlers(r"api\..*", vec![url("/", || Which("api"))])
            .default_host("www.example.com")
            .build()
            .unwrap(),
    );
    let host = |h: &str| s.fetch_with(TestRequest::get("/").header("Host", h)).text();
    assert_eq!(host("WWW.example.com:8080"), "www");
    assert_eq!(host("api.example.org"), "api");
    assert_eq!(host("unknown.net"), "www");
}

/// Without host groups the application does not read `Host` to route; a nested router that
/// tells hosts apart still gets it.
#[test]
fn a_nested_host_router_sees_the_host() {
    use tornado::web::routing::{nest, HostRouter, RuleRouter};
    let mut admin = HostRouter::new(RuleRouter::new());
    admin
        .add_handlers(
            r"admin\.example",
            [url("/panel", || Which("panel")).build().unwrap()],
        )
        .unwrap();
    let s = serve(
        Application::builder()
            .route(nest("/panel", admin))
            .route(url("/.*", || Which("site")))
            .build()
            .unwrap(),
    );
    let host = |h: &str| {
        s.fetch_with(TestRequest::get("/panel").header("Host", h))
            .text()
    };
    assert_eq!(host("admin.example:8000"), "panel");
    assert_eq!(host("www.example"), "site");
    let plain = serve(app(vec![url("/", || Which("any"))]));
    let host = |h: &str| {
        plain
            .fetch_with(TestRequest::get("/").header("Host", h))
            .text()
    };
    assert_eq!(host("admin.example"), "any");
    assert_eq!(host("www.example"), "any");
}

// ------------------------------------------------------------------------------------------
// Cookies, signed cookies, XSRF, authentication

#[derive(Default)]
struct Cookies;
tornado::handler_actor!(Cookies);
impl RequestHandler for Cookies {
    async fn get_current_user(&mut self, cx: &mut HandlerContext<Self>) -> Result<Option<String>> {
        cx.get_signed_cookie("user")
    }
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        match cx.request().path.as_str() {
            "/set" => {
                let opts = tornado::web::cookies::CookieOptions {
                    domain: Some("example.com".into()),
                    path: "/p".into(),
                    max_age: Some(60),
                    secure: true,
                    httponly: true,
                    samesite: Some("Lax".into()),
                    ..Default::default()
                };
                cx.set_cookie_with("a", "1", &opts)?;
                cx.set_cookie("b", "2")?;
                cx.clear_cookie("c")
            }
            "/bad" => cx.set_cookie("bad name", "v"),
            "/sign" => cx.set_signed_cookie("user", "ann"),
            "/whoami" => {
                let user = self.current_user(cx).await?;
                cx.write(format!("{user:?}"))
            }
            "/secret" => {
                let user = self.authenticated(cx).await?;
                cx.write(format!("secret for {user}"))
            }
            "/token" => {
                let t = cx.xsrf_token()?;
                cx.write(t)
            }
            _ => Ok(()),
        }
    }
    async fn post(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        if cx.request().path == "/secret" {
            self.authenticated(cx).await?;
        }
        cx.write("posted")
    }
}

fn cookie_server(secret: SecretKeys) -> TestServer {
    serve(
        Application::builder()
            .route(url("/.*", Cookies::default))
            .settings(Settings {
                cookie_secret: Some(secret),
                login_url: Some("/login".into()),
                xsrf_cookies: true,
                ..Default::default()
            })
            .build()
            .unwrap(),
    )
}

fn set_cookies(r: &TestResponse) -> Vec<String> {
    r.headers
        .get_list("Set-Cookie")
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn cookie_value(r: &TestResponse, name: &str) -> String {
    set_cookies(r)
        .iter()
        .find_map(|c| {
            c.strip_prefix(&format!("{name}="))
                .map(|v| v.split(';').next().unwrap_or("").to_owned())
        })
        .unwrap_or_else(|| panic!("no {name} cookie in {:?}", set_cookies(r)))
}

#[test]
fn cookie_attributes() {
    let s = cookie_server(SecretKeys::Single(b"k".to_vec()));
    let r = s.fetch("/set");
    let c = set_cookies(&r);
    assert_eq!(
        c[0],
        "a=1; Domain=example.com; HttpOnly; Max-Age=60; Path=/p; SameSite=Lax; Secure"
    );
    assert_eq!(c[1], "b=2; Path=/");
    // Tornado 6's clear_cookie: an empty quoted value that expired a year ago.
    assert!(c[2].starts_with("c=\"\"; expires="), "{}", c[2]);
    assert!(c[2].ends_with(" GMT; Path=/"), "{}", c[2]);
    assert_eq!(s.fetch("/bad").status, 500);
}

#[test]
fn signed_cookie_round_trip_tamper_and_key_rotation() {
    let mut keys = std::collections::BTreeMap::new();
    keys.insert(0, b"old key".to_vec());
    let s = cookie_server(SecretKeys::Versioned {
        keys: keys.clone(),
        current: 0,
    });
    let signed = cookie_value(&s.fetch("/sign"), "user");
    assert!(signed.starts_with("2|1:0|"), "{signed}");
    let who = |s: &TestServer, cookie: &str| {
        s.fetch_with(TestRequest::get("/whoami").header("Cookie", &format!("user={cookie}")))
            .text()
    };
    assert_eq!(who(&s, &signed), "Some(\"ann\")");
    // Tampering with any part fails.
    let mut tampered = signed.clone().into_bytes();
    let i = tampered.len() - 5;
    tampered[i] = if tampered[i] == b'0' { b'1' } else { b'0' };
    assert_eq!(who(&s, &String::from_utf8(tampered).unwrap()), "None");
    assert_eq!(who(&s, "ann"), "None");
    // Rotation: a new current key still accepts values signed with the old one.
    keys.insert(1, b"new key".to_vec());
    let rotated = cookie_server(SecretKeys::Versioned { keys, current: 1 });
    assert_eq!(who(&rotated, &signed), "Some(\"ann\")");
    assert!(cookie_value(&rotated.fetch("/sign"), "user").starts_with("2|1:1|"));
    // A different secret rejects it.
    let other = cookie_server(SecretKeys::Single(b"different".to_vec()));
    assert_eq!(who(&other, &signed), "None");
}

#[test]
fn authenticated_redirects_gets_and_refuses_posts() {
    let s = cookie_server(SecretKeys::Single(b"k".to_vec()));
    let r = s.fetch("/secret?x=1");
    assert_eq!(r.status, 302);
    assert_eq!(r.header("Location"), Some("/login?next=%2Fsecret%3Fx%3D1"));
    // POST (with a valid XSRF token, so that check passes) → 403.
    let token = s.fetch("/token").text();
    let r = s.fetch_with(
        TestRequest::new("POST", "/secret")
            .header("Cookie", &format!("_xsrf={token}"))
            .header("X-Xsrftoken", &token),
    );
    assert_eq!(r.status, 403);
    let signed = cookie_value(&s.fetch("/sign"), "user");
    let r = s.fetch_with(TestRequest::get("/secret").header("Cookie", &format!("user={signed}")));
    assert_eq!(r.text(), "secret for ann");
}

#[test]
fn xsrf_accept_and_reject() {
    let s = cookie_server(SecretKeys::Single(b"k".to_vec()));
    let first = s.fetch("/token");
    let token = first.text();
    assert!(token.starts_with("2|"), "{token}");
    assert_eq!(cookie_value(&first, "_xsrf"), token);
    let post = |cookie: Option<&str>, form: Option<&str>, header: Option<&str>| {
        let mut r = TestRequest::new("POST", "/form")
            .header("Content-Type", "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            r = r.header("Cookie", &format!("_xsrf={c}"));
        }
        if let Some(h) = header {
            r = r.header("X-Csrftoken", h);
        }
        let body = form
            .map(|f| format!("_xsrf={}", tornado::escape::url_escape(f, true)))
            .unwrap_or_default();
        s.fetch_with(r.body(body)).status
    };
    assert_eq!(post(Some(&token), Some(&token), None), 200);
    assert_eq!(post(Some(&token), None, Some(&token)), 200);
    // A differently masked copy of the same token matches.
    let again = s
        .fetch_with(TestRequest::get("/token").header("Cookie", &format!("_xsrf={token}")))
        .text();
    assert_ne!(again, token);
    assert_eq!(post(Some(&token), Some(&again), None), 200);
    assert_eq!(post(Some(&token), None, None), 403);
    assert_eq!(post(None, Some(&token), None), 403);
    let other = s.fetch("/token").text();
    assert_eq!(post(Some(&token), Some(&other), None), 403);
    assert_eq!(post(Some(&token), Some("garbage"), None), 403);
}

// ------------------------------------------------------------------------------------------
// gzip

#[test]
fn gzip_and_vary() {
    #[derive(Default)]
    struct Big;
    tornado::handler_actor!(Big);
    impl RequestHandler for Big {
        async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
            cx.set_header("Vary", "Cookie");
            cx.write("hello world ".repeat(200))
        }
    }
    let s = serve(
        Application::builder()
            .route(url("/big", Big::default))
            .route(url("/small", GetOnly::default))
            .settings(Settings {
                compress_response: true,
                ..Default::default()
            })
            .build()
            .unwrap(),
    );
    let r = s.fetch_with(TestRequest::get("/big").header("Accept-Encoding", "gzip, deflate"));
    assert_eq!(r.header("Content-Encoding"), Some("gzip"));
    assert_eq!(r.header("Vary"), Some("Cookie, Accept-Encoding"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(&r.body[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, "hello world ".repeat(200));
    assert_eq!(
        r.header("Content-Length")
            .map(|l| l.parse::<usize>().unwrap()),
        Some(r.body.len())
    );
    // No gzip for small bodies or clients that don't ask.
    let r = s.fetch_with(TestRequest::get("/small").header("Accept-Encoding", "gzip"));
    assert_eq!(r.header("Content-Encoding"), None);
    assert_eq!(r.header("Vary"), Some("Accept-Encoding"));
    assert_eq!(s.fetch("/big").header("Content-Encoding"), None);
}

// ------------------------------------------------------------------------------------------
// Streaming request bodies

#[derive(Default)]
struct Upload {
    received: usize,
    biggest: usize,
}
tornado::handler_actor!(Upload);
impl RequestHandler for Upload {
    const STREAM_REQUEST_BODY: bool = true;
    async fn prepare(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        cx.set_max_body_size(200 * 1024 * 1024);
        Ok(())
    }
    async fn data_received(&mut self, chunk: Bytes, _cx: &mut HandlerContext<Self>) -> Result {
        self.received += chunk.len();
        self.biggest = self.biggest.max(chunk.len());
        Ok(())
    }
    async fn put(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        let r = (self.received, self.biggest);
        cx.write(format!("{} {}", r.0, r.1))
    }
}

fn rss_kib() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_owned)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

#[test]
fn streamed_50mb_upload_with_bounded_memory() {
    const TOTAL: usize = 50 * 1024 * 1024;
    let s = serve(app(vec![url("/up", Upload::default)]));
    let before = rss_kib();
    let mut conn = s.connect();
    conn.send(format!(
        "PUT /up HTTP/1.1\r\nHost: a\r\nContent-Length: {TOTAL}\r\n\r\n"
    ))
    .unwrap();
    let piece = vec![b'u'; 256 * 1024];
    for _ in 0..TOTAL / piece.len() {
        conn.send(&piece).unwrap();
    }
    let r = conn.read_response(false).unwrap();
    let text = r.text();
    let (total, biggest) = text.split_once(' ').unwrap();
    assert_eq!(total.parse::<usize>().unwrap(), TOTAL);
    assert!(biggest.parse::<usize>().unwrap() <= 65536, "{text}");
    let grown_mib = rss_kib().saturating_sub(before) / 1024;
    assert!(
        grown_mib < 32,
        "RSS grew by {grown_mib} MiB for a 50 MiB upload"
    );
}

#[test]
fn the_access_log_has_tornados_format() {
    let log = tornado::testing::ExpectLog::new(
        "tornado.access",
        r"^404 GET /logged\?x=1 \(127\.0\.0\.1\) \d+\.\d\dms$",
    );
    let s = serve(app(vec![url("/", GetOnly::default)]));
    assert_eq!(s.fetch("/logged?x=1").status, 404);
    assert!(log.wait(std::time::Duration::from_secs(20)));
}

#[test]
fn prepare_can_raise_the_body_limit_of_a_streaming_handler() {
    #[derive(Default)]
    struct Counting(usize);
    tornado::handler_actor!(Counting);
    impl RequestHandler for Counting {
        const STREAM_REQUEST_BODY: bool = true;
        async fn prepare(&mut self, cx: &mut HandlerContext<Self>) -> Result {
            if cx.request().path == "/raised" {
                cx.set_max_body_size(1024 * 1024);
            }
            Ok(())
        }
        async fn data_received(&mut self, chunk: Bytes, _cx: &mut HandlerContext<Self>) -> Result {
            self.0 += chunk.len();
            Ok(())
        }
        async fn post(&mut self, cx: &mut HandlerContext<Self>) -> Result {
            let n = self.0;
            cx.write(n.to_string())
        }
    }
    let settings = tornado::http::ServerSettings {
        max_body_size: 1000,
        ..Default::default()
    };
    let s = TestServer::with(app(vec![
        url("/raised", Counting::default),
        url("/fixed", Counting::default),
    ]))
    .settings(settings)
    .start();
    let body = vec![b'z'; 100_000];
    let r = s.fetch_with(TestRequest::new("POST", "/raised").body(body.clone()));
    assert_eq!((r.status, r.text()), (200, "100000".to_owned()));
    let r = s.fetch_with(TestRequest::new("POST", "/fixed").body(body));
    assert_eq!(r.status, 413);
}

#[test]
fn bad_path_arguments_and_oversized_forms_are_400s() {
    let s = serve(app(vec![
        url(r"/p/([^/]+)", Args::default),
        url("/form", Args::default),
    ]));
    assert_eq!(s.fetch("/p/%FF%FE").status, 400);
    let many: String = (0..2000).map(|i| format!("k{i}=v&")).collect();
    let r = s.fetch_with(
        TestRequest::new("POST", "/form")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(many),
    );
    assert_eq!(r.status, 400);
    // Broken multipart is tolerated as Tornado does: logged, nothing parsed, the handler runs.
    let r = s.fetch_with(
        TestRequest::new("POST", "/form?a=1")
            .header("Content-Type", "multipart/form-data; boundary=zz")
            .body("--zz\r\nno headers end"),
    );
    assert_eq!(r.status, 200);
}
