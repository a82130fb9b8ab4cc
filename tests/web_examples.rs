#![allow(clippy::duplicate_mod)]
//! The examples, exercised over real sockets: hello, story, chat (long polling through actor
//! messages) and login (signed cookies, XSRF, authenticated).

#[allow(dead_code)]
#[path = "../examples/chat.rs"]
mod chat;
#[allow(dead_code)]
#[path = "../examples/hello.rs"]
mod hello;
#[allow(dead_code)]
#[path = "../examples/login.rs"]
mod login;
#[allow(dead_code)]
#[path = "../examples/story.rs"]
mod story;

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::Actor;
use tornado::testing::{TestRequest, TestServer};

const GUARD: Duration = Duration::from_secs(20);

#[test]
fn hello_and_json() {
    let s = TestServer::start(hello::make_app());
    let r = s.fetch("/");
    assert_eq!((r.status, r.text().as_str()), (200, "Hello, world"));
    let r = s.fetch("/json");
    assert_eq!(
        r.header("Content-Type"),
        Some("application/json; charset=UTF-8")
    );
    assert_eq!(r.text(), r#"{"message":"Hello, world"}"#);
}

#[test]
fn story_path_args_factory_data_and_reverse_url() {
    let s = TestServer::start(story::make_app(Arc::new(story::Db::sample())));
    let index = s.fetch("/").text();
    assert!(
        index.contains(r#"<a href="/story/42">The answer</a>"#),
        "{index}"
    );
    assert!(index.contains("Tornado &amp; Rust"), "{index}");
    let r = s.fetch("/story/2");
    assert!(
        r.text().contains("<p>Actors &lt;3 handlers.</p>"),
        "{}",
        r.text()
    );
    assert_eq!(s.fetch("/story/7").status, 404);
    assert_eq!(s.fetch("/story/x").status, 404);
    assert_eq!(s.fetch("/story/99999999999999999999999").status, 400);
}

/// A chat room on an actix System of its own, as an application would start one.
fn start_room() -> actix::Addr<chat::ChatRoom> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let system = actix_rt::System::new();
        system.block_on(async move {
            let _ = tx.send(chat::ChatRoom::default().start());
        });
        let _ = system.run();
    });
    rx.recv_timeout(GUARD).unwrap()
}

fn waiter_count(room: &actix::Addr<chat::ChatRoom>) -> usize {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(room.send(chat::WaiterCount)).unwrap()
}

fn wait_for_waiters(room: &actix::Addr<chat::ChatRoom>, n: usize) {
    let deadline = Instant::now() + GUARD;
    while waiter_count(room) != n {
        assert!(
            Instant::now() < deadline,
            "expected {n} waiters, have {}",
            waiter_count(room)
        );
        std::thread::yield_now();
    }
}

fn form(path: &str, body: &str) -> TestRequest {
    TestRequest::new("POST", path)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
}

#[test]
fn chat_wakes_fifty_long_polls_with_one_message() {
    let room = start_room();
    let s = TestServer::start(chat::make_app(room.clone()));
    assert!(s.fetch("/").text().contains("Tornado Chat Demo"));
    let mut waiters: Vec<_> = (0..50)
        .map(|_| {
            let mut c = s.connect();
            c.send_request(&form("/a/message/updates", "cursor="))
                .unwrap();
            c
        })
        .collect();
    wait_for_waiters(&room, 50);
    let posted = s.fetch_with(form("/a/message/new", "body=hello+%3Cworld%3E"));
    assert_eq!(posted.status, 200);
    let message: serde_json::Value = serde_json::from_slice(&posted.body).unwrap();
    assert_eq!(message["body"], "hello <world>");
    for w in &mut waiters {
        let r = w.read_response(false).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["messages"][0]["id"], message["id"]);
        assert!(v["messages"][0]["html"]
            .as_str()
            .unwrap()
            .contains("hello &lt;world&gt;"));
    }
    assert_eq!(waiter_count(&room), 0);
}

#[test]
fn chat_removes_a_waiter_whose_client_left() {
    let room = start_room();
    let s = TestServer::start(chat::make_app(room.clone()));
    let first = s.fetch_with(form("/a/message/new", "body=one"));
    let first: serde_json::Value = serde_json::from_slice(&first.body).unwrap();
    let mut gone = s.connect();
    gone.send_request(&form("/a/message/updates", "cursor="))
        .unwrap();
    wait_for_waiters(&room, 1);
    drop(gone);
    wait_for_waiters(&room, 0);
    // Messages after a cursor are returned without waiting.
    s.fetch_with(form("/a/message/new", "body=two"));
    let r = s.fetch_with(form(
        "/a/message/updates",
        &format!("cursor={}", first["id"].as_str().unwrap()),
    ));
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["messages"][0]["body"], "two");
}

fn cookies_of(r: &tornado::testing::TestResponse) -> Vec<(String, String)> {
    r.headers
        .get_list("Set-Cookie")
        .iter()
        .filter_map(|c| {
            let first = c.split(';').next()?;
            let (k, v) = first.split_once('=')?;
            Some((k.to_owned(), v.to_owned()))
        })
        .collect()
}

#[test]
fn login_flow_with_signed_cookie_and_xsrf() {
    let s = TestServer::start(login::make_app("test secret"));
    let r = s.fetch("/");
    assert_eq!(
        (r.status, r.header("Location")),
        (302, Some("/login?next=%2F"))
    );
    let page = s.fetch("/login?next=%2F");
    let xsrf = cookies_of(&page)
        .into_iter()
        .find(|(k, _)| k == "_xsrf")
        .unwrap()
        .1;
    assert!(page
        .text()
        .contains(r#"<input type="hidden" name="_xsrf" value=""#));
    // Without the token: 403.
    let r = s.fetch_with(form("/login", "name=ann").header("Cookie", &format!("_xsrf={xsrf}")));
    assert_eq!(r.status, 403);
    // With it: signed in and sent on.
    let body = format!(
        "name=ann&next=%2F&_xsrf={}",
        tornado::escape::url_escape(&xsrf, true)
    );
    let r = s.fetch_with(form("/login", &body).header("Cookie", &format!("_xsrf={xsrf}")));
    assert_eq!((r.status, r.header("Location")), (302, Some("/")));
    let user = cookies_of(&r)
        .into_iter()
        .find(|(k, _)| k == "user")
        .unwrap()
        .1;
    let r =
        s.fetch_with(TestRequest::get("/").header("Cookie", &format!("user={user}; _xsrf={xsrf}")));
    assert!(r.text().contains("Hello, ann"), "{}", r.text());
    // A forged cookie is not a login.
    let r = s.fetch_with(TestRequest::get("/").header("Cookie", "user=ann"));
    assert_eq!(r.status, 302);
}
