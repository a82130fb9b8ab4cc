//! Tornado's long-polling chat demo, with actors: `cargo run --example chat`, then open
//! http://127.0.0.1:8888/ in two browsers.
//!
//! A `ChatRoom` actor holds the recent messages and the handlers waiting for new ones.
//! `POST /a/message/updates` asks the room for messages after a cursor; if there are none the
//! handler stays open (`keep_open`) and the room wakes it later with a typed `NewMessages`
//! message. A waiter whose client goes away unregisters in `on_connection_close`.

mod common;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};

use actix::prelude::*;
use serde::Serialize;
use tornado::escape::xhtml_escape;
use tornado::web::{url, Application, HandlerContext, HttpError, RequestHandler, Result};

/// One chat message.
#[derive(Debug, Clone, Serialize)]
pub struct ChatMessage {
    pub id: String,
    pub body: String,
    pub html: String,
}

/// The room: history and waiters.
#[derive(Default)]
pub struct ChatRoom {
    cache: VecDeque<ChatMessage>,
    waiters: HashMap<u64, Recipient<NewMessages>>,
    next_id: u64,
}

const CACHE_SIZE: usize = 200;

impl Actor for ChatRoom {
    type Context = Context<Self>;
}

/// Messages after `cursor` now, or `None` and a registration to be woken later.
#[derive(Message)]
#[rtype(result = "Option<Vec<ChatMessage>>")]
pub struct Subscribe {
    pub waiter: u64,
    pub cursor: Option<String>,
    pub recipient: Recipient<NewMessages>,
}

/// Forget a waiter.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Unsubscribe(pub u64);

/// Post a message.
#[derive(Message)]
#[rtype(result = "ChatMessage")]
pub struct Post(pub String);

/// How many handlers are waiting (for tests and monitoring).
#[derive(Message)]
#[rtype(result = "usize")]
pub struct WaiterCount;

/// Sent to every waiting handler when messages arrive.
#[derive(Message, Clone)]
#[rtype(result = "()")]
pub struct NewMessages(pub Vec<ChatMessage>);

impl Handler<Subscribe> for ChatRoom {
    type Result = Option<Vec<ChatMessage>>;
    fn handle(&mut self, msg: Subscribe, _: &mut Context<Self>) -> Self::Result {
        if let Some(cursor) = msg.cursor.filter(|c| !c.is_empty()) {
            if let Some(pos) = self.cache.iter().position(|m| m.id == cursor) {
                let newer: Vec<ChatMessage> = self.cache.iter().skip(pos + 1).cloned().collect();
                if !newer.is_empty() {
                    return Some(newer);
                }
            }
        }
        self.waiters.insert(msg.waiter, msg.recipient);
        None
    }
}

impl Handler<Unsubscribe> for ChatRoom {
    type Result = ();
    fn handle(&mut self, msg: Unsubscribe, _: &mut Context<Self>) {
        self.waiters.remove(&msg.0);
    }
}

impl Handler<WaiterCount> for ChatRoom {
    type Result = usize;
    fn handle(&mut self, _: WaiterCount, _: &mut Context<Self>) -> usize {
        self.waiters.len()
    }
}

impl Handler<Post> for ChatRoom {
    type Result = MessageResult<Post>;
    fn handle(&mut self, msg: Post, _: &mut Context<Self>) -> Self::Result {
        self.next_id += 1;
        let id = format!("{:016x}", self.next_id);
        let html = format!(
            "<div class=\"message\" id=\"m{id}\">{}</div>",
            xhtml_escape(&msg.0)
        );
        let message = ChatMessage {
            id,
            body: msg.0,
            html,
        };
        for (_, waiter) in self.waiters.drain() {
            waiter.do_send(NewMessages(vec![message.clone()]));
        }
        self.cache.push_back(message.clone());
        while self.cache.len() > CACHE_SIZE {
            self.cache.pop_front();
        }
        MessageResult(message)
    }
}

fn room(cx: &HandlerContext<impl RequestHandler>) -> Result<Addr<ChatRoom>> {
    cx.extension::<Addr<ChatRoom>>()
        .cloned()
        .ok_or_else(|| HttpError::new(500).log_message("no chat room").into())
}

#[derive(Default)]
struct MainHandler;
tornado::handler_actor!(MainHandler);

impl RequestHandler for MainHandler {
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        cx.write(PAGE)
    }
}

#[derive(Default)]
struct NewMessageHandler;
tornado::handler_actor!(NewMessageHandler);

impl RequestHandler for NewMessageHandler {
    async fn post(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        let body = cx.get_argument("body")?;
        let message = room(cx)?.send(Post(body)).await?;
        if let Ok(next) = cx.get_argument("next") {
            return cx.redirect(&next, false);
        }
        cx.write_json(&message)
    }
}

static WAITER_IDS: AtomicU64 = AtomicU64::new(1);

#[derive(Default)]
struct UpdatesHandler {
    waiter: Option<u64>,
}
tornado::handler_actor!(UpdatesHandler);

#[derive(Serialize)]
struct Updates<'a> {
    messages: &'a [ChatMessage],
}

impl RequestHandler for UpdatesHandler {
    async fn post(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        let cursor = cx.get_argument("cursor").ok();
        let waiter = WAITER_IDS.fetch_add(1, Ordering::Relaxed);
        let recipient = cx.address().recipient();
        let subscribe = Subscribe {
            waiter,
            cursor,
            recipient,
        };
        match room(cx)?.send(subscribe).await? {
            Some(messages) => cx.write_json(&Updates {
                messages: &messages,
            }),
            None => {
                self.waiter = Some(waiter);
                cx.keep_open();
                Ok(())
            }
        }
    }

    fn on_connection_close(&mut self, cx: &mut HandlerContext<Self>) {
        if let (Some(waiter), Ok(room)) = (self.waiter.take(), room(cx)) {
            room.do_send(Unsubscribe(waiter));
        }
    }
}

impl Handler<NewMessages> for UpdatesHandler {
    type Result = ();
    fn handle(&mut self, msg: NewMessages, cx: &mut HandlerContext<Self>) {
        self.waiter = None;
        if cx.is_finished() {
            return;
        }
        let result = cx
            .write_json(&Updates { messages: &msg.0 })
            .and_then(|_| cx.finish());
        if let Err(e) = result {
            tracing::warn!("could not deliver chat messages: {e}");
        }
    }
}

/// The application, shared with the tests.
pub fn make_app(room: Addr<ChatRoom>) -> Application {
    Application::builder()
        .route(url(r"/", MainHandler::default))
        .route(url(r"/a/message/new", NewMessageHandler::default))
        .route(url(r"/a/message/updates", UpdatesHandler::default))
        .extension(room)
        .build()
        .expect("the routes are valid")
}

fn main() -> std::io::Result<()> {
    let args = common::parse_args("chat");
    common::init_logging(&args.logging);
    // The room is started inside the server's System, on its main arbiter.
    common::serve(args, || make_app(ChatRoom::default().start()))
}

const PAGE: &str = r#"<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>Tornado Chat Demo</title>
<style>body{font-family:sans-serif;margin:2em}#inbox{border:1px solid #ccc;height:20em;overflow:auto;padding:.5em}</style>
</head><body>
<div id="inbox"></div>
<form id="messageform" action="/a/message/new" method="post">
  <input name="body" id="message" style="width:30em" autocomplete="off">
  <input type="submit" value="Post">
</form>
<script>
let cursor = "";
async function poll() {
  try {
    const r = await fetch("/a/message/updates", {method: "POST",
      headers: {"Content-Type": "application/x-www-form-urlencoded"},
      body: "cursor=" + encodeURIComponent(cursor)});
    const data = await r.json();
    for (const m of data.messages) {
      document.getElementById("inbox").insertAdjacentHTML("beforeend", m.html);
      cursor = m.id;
    }
  } catch (e) { await new Promise(r => setTimeout(r, 1000)); }
  poll();
}
document.getElementById("messageform").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const box = document.getElementById("message");
  await fetch("/a/message/new", {method: "POST",
    headers: {"Content-Type": "application/x-www-form-urlencoded"},
    body: "body=" + encodeURIComponent(box.value)});
  box.value = "";
});
poll();
</script>
</body></html>
"#;
