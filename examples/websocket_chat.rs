//! A WebSocket chat: `cargo run --example websocket_chat`, then open http://127.0.0.1:8888/ in
//! two browsers.
//!
//! A `ChatRoom` actor holds the recent history and a `Recipient<Broadcast>` for every open
//! socket. A `ChatSocket` joins on `open` (and gets the history), says what its browser sends,
//! and leaves on `on_close`; the room pushes each new message to every socket as a typed
//! `Broadcast` actor message. Pings every 30 seconds drop browsers that vanished.

mod common;

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use actix::prelude::*;
use serde::Serialize;
use tornado::web::{url, Application, HandlerContext, RequestHandler, Result};
use tornado::websocket::{self, Message, WebSocketContext, WebSocketHandler, WebSocketSettings};

/// One chat message, as sent to browsers (JSON).
#[derive(Debug, Clone, Serialize)]
pub struct ChatLine {
    pub id: u64,
    pub body: String,
}

/// Sent by the room to every socket.
#[derive(Message, Clone)]
#[rtype(result = "()")]
pub struct Broadcast(pub ChatLine);

/// A socket joins; the room answers with the history.
#[derive(Message)]
#[rtype(result = "Vec<ChatLine>")]
pub struct Join {
    pub id: u64,
    pub socket: Recipient<Broadcast>,
}

/// A socket leaves.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Leave(pub u64);

/// Someone says something.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Say(pub String);

/// How many sockets are in the room (for tests and monitoring).
#[derive(Message)]
#[rtype(result = "usize")]
pub struct Members;

/// The room.
#[derive(Default)]
pub struct ChatRoom {
    history: VecDeque<ChatLine>,
    members: HashMap<u64, Recipient<Broadcast>>,
    next_id: u64,
}

/// How many lines a newcomer gets.
pub const HISTORY: usize = 50;

impl Actor for ChatRoom {
    type Context = Context<Self>;
}

impl Handler<Join> for ChatRoom {
    type Result = MessageResult<Join>;
    fn handle(&mut self, msg: Join, _: &mut Context<Self>) -> Self::Result {
        self.members.insert(msg.id, msg.socket);
        MessageResult(self.history.iter().cloned().collect())
    }
}

impl Handler<Leave> for ChatRoom {
    type Result = ();
    fn handle(&mut self, msg: Leave, _: &mut Context<Self>) {
        self.members.remove(&msg.0);
    }
}

impl Handler<Say> for ChatRoom {
    type Result = ();
    fn handle(&mut self, msg: Say, _: &mut Context<Self>) {
        self.next_id += 1;
        let line = ChatLine {
            id: self.next_id,
            body: msg.0,
        };
        self.history.push_back(line.clone());
        if self.history.len() > HISTORY {
            self.history.pop_front();
        }
        for socket in self.members.values() {
            socket.do_send(Broadcast(line.clone()));
        }
    }
}

impl Handler<Members> for ChatRoom {
    type Result = usize;
    fn handle(&mut self, _: Members, _: &mut Context<Self>) -> usize {
        self.members.len()
    }
}

/// One browser's socket.
pub struct ChatSocket {
    room: Addr<ChatRoom>,
    id: u64,
}
tornado::websocket_actor!(ChatSocket);

/// Ids for sockets, unique in this process.
fn next_socket_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl WebSocketHandler for ChatSocket {
    fn open(&mut self, cx: &mut WebSocketContext<Self>) {
        let join = self.room.send(Join {
            id: self.id,
            socket: cx.address().recipient(),
        });
        // Wait for the history before handling anything else, so it comes first.
        cx.wait(actix::fut::wrap_future(join).map(
            |history, _, cx: &mut WebSocketContext<Self>| {
                for line in history.unwrap_or_default() {
                    let _ = cx.write_json(&line);
                }
            },
        ));
    }

    fn on_message(&mut self, msg: Message, _cx: &mut WebSocketContext<Self>) {
        if let Some(text) = msg.as_text() {
            if !text.trim().is_empty() {
                self.room.do_send(Say(text.to_owned()));
            }
        }
    }

    fn on_close(&mut self, _cx: &mut WebSocketContext<Self>) {
        self.room.do_send(Leave(self.id));
    }
}

impl Handler<Broadcast> for ChatSocket {
    type Result = ();
    fn handle(&mut self, msg: Broadcast, cx: &mut WebSocketContext<Self>) {
        let _ = cx.write_json(&msg.0);
    }
}

/// The page with the chat's JavaScript.
#[derive(Default)]
pub struct IndexHandler;
tornado::handler_actor!(IndexHandler);

const PAGE: &str = r#"<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Tornado WebSocket chat</title></head>
<body>
<div id="inbox"></div>
<form id="form"><input id="message" autocomplete="off" autofocus><input type="submit" value="Post"></form>
<script>
const inbox = document.getElementById("inbox");
const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/chatsocket");
ws.onmessage = (event) => {
  const line = JSON.parse(event.data);
  const div = document.createElement("div");
  div.textContent = line.body;
  inbox.appendChild(div);
};
document.getElementById("form").onsubmit = (event) => {
  event.preventDefault();
  const input = document.getElementById("message");
  ws.send(input.value);
  input.value = "";
};
</script>
</body></html>
"#;

impl RequestHandler for IndexHandler {
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        cx.write(PAGE)
    }
}

/// The chat application around a room.
pub fn make_app(room: Addr<ChatRoom>) -> Application {
    let settings = WebSocketSettings {
        ping_interval: Some(Duration::from_secs(30)),
        ..Default::default()
    };
    let built = Application::builder()
        .route(url(r"/", IndexHandler::default))
        .route(websocket::route_with(r"/chatsocket", settings, move || {
            ChatSocket {
                room: room.clone(),
                id: next_socket_id(),
            }
        }))
        .build();
    match built {
        Ok(app) => app,
        Err(e) => panic!("the chat routes are valid: {e}"),
    }
}

fn main() -> std::io::Result<()> {
    let args = common::parse_args("websocket_chat");
    common::init_logging(&args.logging);
    common::serve(args, || make_app(ChatRoom::default().start()))
}
