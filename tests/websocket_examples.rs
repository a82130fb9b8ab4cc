#![allow(clippy::duplicate_mod)]
//! The WebSocket examples over real sockets: the echo server with tokio-tungstenite, and the
//! chat room broadcasting to 1,000 sockets from one actor.

#[allow(dead_code)]
#[path = "../examples/websocket_chat.rs"]
mod websocket_chat;
#[allow(dead_code)]
#[path = "../examples/websocket_echo.rs"]
mod websocket_echo;

use std::time::Duration;

use actix::Actor;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as TMessage;
use tornado::testing::TestServer;

const GUARD: Duration = Duration::from_secs(60);

#[tokio::test]
async fn echo_example_keeps_text_and_binary_apart() {
    let s = TestServer::start(websocket_echo::make_app());
    let (mut ws, resp) = tokio_tungstenite::connect_async(format!("ws://{}/ws", s.addr()))
        .await
        .unwrap();
    assert_eq!(resp.status(), 101);
    ws.send(TMessage::text("text")).await.unwrap();
    ws.send(TMessage::binary(b"text".to_vec())).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), TMessage::text("text"));
    assert_eq!(
        ws.next().await.unwrap().unwrap(),
        TMessage::binary(b"text".to_vec())
    );
}

fn line(m: TMessage) -> serde_json::Value {
    serde_json::from_str(m.to_text().unwrap()).unwrap()
}

#[actix_rt::test]
async fn chat_room_broadcasts_to_a_thousand_sockets() {
    const N: usize = 1000;
    let room = websocket_chat::ChatRoom::default().start();
    let s = TestServer::start(websocket_chat::make_app(room.clone()));
    assert!(s.fetch("/").text().contains("new WebSocket"));
    let url = format!("ws://{}/chatsocket", s.addr());

    // The first socket says something before the others join: they get it as history.
    let (mut first, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    first.send(TMessage::text("hello early")).await.unwrap();
    let echoed = tokio::time::timeout(GUARD, first.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(line(echoed)["body"], "hello early");

    let mut sockets = Vec::with_capacity(N);
    for _ in 1..N {
        let (ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        sockets.push(ws);
    }
    for ws in &mut sockets {
        let history = tokio::time::timeout(GUARD, ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(line(history)["body"], "hello early");
    }
    assert_eq!(room.send(websocket_chat::Members).await.unwrap(), N);

    // One message from one socket reaches every socket, pushed by the room actor.
    first.send(TMessage::text("to everyone")).await.unwrap();
    sockets.push(first);
    for ws in &mut sockets {
        let got = tokio::time::timeout(GUARD, ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(line(got)["body"], "to everyone");
    }

    // Leaving unregisters.
    let leaving = sockets.split_off(N / 2);
    for mut ws in leaving {
        ws.close(None).await.unwrap();
        while let Some(Ok(_)) = ws.next().await {}
    }
    let deadline = std::time::Instant::now() + GUARD;
    while room.send(websocket_chat::Members).await.unwrap() != N / 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "sockets did not leave the room"
        );
        tokio::task::yield_now().await;
    }
}
