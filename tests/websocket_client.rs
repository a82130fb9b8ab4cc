#![allow(clippy::duplicate_mod)]
//! `websocket_connect` against our echo example and against an independent tokio-tungstenite
//! server: messages, the `Stream` and callback forms, close codes both ways, subprotocols,
//! compression, handshake failures and limits.

#[cfg(feature = "tls")]
mod tls_support;
#[allow(dead_code)]
#[path = "../examples/websocket_echo.rs"]
mod websocket_echo;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame as TCloseFrame;
use tokio_tungstenite::tungstenite::Message as TMessage;
use tornado::testing::TestServer;
use tornado::websocket::{
    websocket_connect, CompressionOptions, Message, WebSocketConnectOptions, WebSocketError,
    WebSocketSettings,
};

const GUARD: Duration = Duration::from_secs(20);

fn echo_server() -> TestServer {
    TestServer::start(websocket_echo::make_app())
}

async fn read(conn: &mut tornado::websocket::WebSocketClientConnection) -> Option<Message> {
    tokio::time::timeout(GUARD, conn.read_message())
        .await
        .expect("a message or the close in time")
}

#[actix_rt::test]
async fn echo_text_binary_and_stream() {
    let s = echo_server();
    let url = format!("ws://{}/ws", s.addr());
    let mut conn = websocket_connect(&url, WebSocketConnectOptions::default())
        .await
        .unwrap();
    conn.write_message("hello").await.unwrap();
    assert_eq!(read(&mut conn).await, Some(Message::Text("hello".into())));
    conn.write_message(vec![1u8, 2, 3]).await.unwrap();
    assert_eq!(
        read(&mut conn).await,
        Some(Message::Binary(vec![1u8, 2, 3].into()))
    );
    conn.ping("p").await.unwrap();
    for i in 0..100 {
        conn.write_message(format!("n{i}")).await.unwrap();
    }
    let got: Vec<Message> = tokio::time::timeout(GUARD, (&mut conn).take(100).collect())
        .await
        .unwrap();
    assert_eq!(got.len(), 100);
    assert_eq!(got[99], Message::Text("n99".into()));
    conn.close(Some(1000), "done");
    assert_eq!(read(&mut conn).await, None);
    assert_eq!(conn.close_code(), Some(1000));
    assert!(matches!(
        conn.write_message("late").await,
        Err(WebSocketError::Closed)
    ));
}

#[actix_rt::test]
async fn compression_with_the_echo_example() {
    let s = echo_server();
    let url = format!("ws://{}/ws", s.addr());
    let options = WebSocketConnectOptions {
        compression_options: Some(CompressionOptions {
            no_context_takeover: true,
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut conn = websocket_connect(&url, options).await.unwrap();
    let big = "abc".repeat(100_000);
    for _ in 0..3 {
        conn.write_message(big.as_str()).await.unwrap();
        assert_eq!(read(&mut conn).await, Some(Message::Text(big.clone())));
    }
}

#[actix_rt::test]
async fn a_plain_http_route_is_a_clear_error() {
    let s = echo_server();
    let err = websocket_connect(
        &format!("ws://{}/nothing", s.addr()),
        WebSocketConnectOptions::default(),
    )
    .await
    .unwrap_err();
    match err {
        WebSocketError::Handshake(m) => assert!(m.contains("404"), "{m}"),
        other => panic!("{other:?}"),
    }
    // A refused origin.
    let mut options = WebSocketConnectOptions::default();
    options.headers.add("Origin", "http://evil.example");
    let err = websocket_connect(&format!("ws://{}/ws", s.addr()), options)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, WebSocketError::Handshake(m) if m.contains("403")),
        "{err}"
    );
    let err = websocket_connect("ftp://example.com/", WebSocketConnectOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, WebSocketError::InvalidUrl(_)));
}

#[actix_rt::test]
async fn on_message_callback() {
    let s = echo_server();
    let url = format!("ws://{}/ws", s.addr());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let conn = websocket_connect(&url, WebSocketConnectOptions::default())
        .await
        .unwrap()
        .on_message(move |m| {
            let _ = tx.send(m);
        });
    conn.write_message("one").await.unwrap();
    conn.write_message("two").await.unwrap();
    conn.close(None, "");
    let mut got = Vec::new();
    while let Some(m) = tokio::time::timeout(GUARD, rx.recv()).await.unwrap() {
        match m {
            Some(m) => got.push(m),
            None => break,
        }
    }
    assert_eq!(
        got,
        vec![Message::Text("one".into()), Message::Text("two".into())]
    );
}

/// A tokio-tungstenite server on an ephemeral port: accepts one connection, offers the
/// subprotocol `chat` if asked, echoes until told `bye`, then closes with 1001.
async fn tungstenite_server() -> (std::net::SocketAddr, tokio::task::JoinHandle<Vec<TMessage>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        #[allow(clippy::result_large_err)] // tungstenite's callback signature
        let callback = |req: &Request, mut resp: Response| {
            if req.headers().get("Sec-WebSocket-Protocol").is_some() {
                resp.headers_mut()
                    .insert("Sec-WebSocket-Protocol", "chat".parse().unwrap());
            }
            Ok(resp)
        };
        let mut ws = tokio_tungstenite::accept_hdr_async(tcp, callback)
            .await
            .unwrap();
        let mut seen = Vec::new();
        while let Some(Ok(m)) = ws.next().await {
            seen.push(m.clone());
            match &m {
                TMessage::Text(t) if t.as_str() == "bye" => {
                    ws.close(Some(TCloseFrame {
                        code: CloseCode::Away,
                        reason: "going away".into(),
                    }))
                    .await
                    .unwrap();
                }
                TMessage::Text(_) | TMessage::Binary(_) => ws.send(m).await.unwrap(),
                _ => {}
            }
        }
        seen
    });
    (addr, task)
}

#[actix_rt::test]
async fn against_a_tungstenite_server() {
    let (addr, server) = tungstenite_server().await;
    let options = WebSocketConnectOptions {
        subprotocols: vec!["chat".into(), "superchat".into()],
        ..Default::default()
    };
    let mut conn = websocket_connect(&format!("ws://{addr}/any?x=1"), options)
        .await
        .unwrap();
    assert_eq!(conn.selected_subprotocol(), Some("chat"));
    conn.write_message("hi").await.unwrap();
    assert_eq!(read(&mut conn).await, Some(Message::Text("hi".into())));
    let big = vec![7u8; 200_000];
    conn.write_message(big.clone()).await.unwrap();
    assert_eq!(read(&mut conn).await, Some(Message::Binary(big.into())));
    conn.write_message("bye").await.unwrap();
    assert_eq!(read(&mut conn).await, None);
    assert_eq!(conn.close_code(), Some(1001));
    assert_eq!(conn.close_reason().as_deref(), Some("going away"));
    let seen = tokio::time::timeout(GUARD, server).await.unwrap().unwrap();
    // tungstenite saw our masked frames as valid messages and our close echo.
    assert_eq!(seen[0], TMessage::text("hi"));
    assert!(matches!(seen.last(), Some(TMessage::Close(Some(f))) if u16::from(f.code) == 1001));
}

#[actix_rt::test]
async fn client_max_message_size() {
    let (addr, _server) = tungstenite_server().await;
    let options = WebSocketConnectOptions {
        settings: WebSocketSettings {
            max_message_size: 100,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut conn = websocket_connect(&format!("ws://{addr}/"), options)
        .await
        .unwrap();
    conn.write_message(vec![0u8; 100]).await.unwrap();
    assert!(matches!(read(&mut conn).await, Some(Message::Binary(b)) if b.len() == 100));
    conn.write_message(vec![0u8; 101]).await.unwrap();
    assert_eq!(read(&mut conn).await, None);
}

#[cfg(feature = "tls")]
#[actix_rt::test]
async fn wss_with_a_resolver() {
    use std::sync::Arc;
    let tls = tls_support::self_signed();
    let s = TestServer::with(websocket_echo::make_app())
        .tls(tls.server)
        .start();
    let server_addr = s.addr();
    // localhost:9 is sent to the test server; the certificate is still checked for localhost.
    let resolver = tornado::net::OverrideResolver::system().map_host_port(
        "localhost",
        9,
        &server_addr.ip().to_string(),
        server_addr.port(),
    );
    let options = WebSocketConnectOptions {
        tls: Some(tornado::net::TlsClientConfig::from_client_config(
            tls.client.clone(),
        )),
        resolver: Some(Arc::new(resolver)),
        compression_options: Some(CompressionOptions::default()),
        ..Default::default()
    };
    let mut conn = websocket_connect("wss://localhost:9/ws", options)
        .await
        .unwrap();
    conn.write_message("over tls").await.unwrap();
    assert_eq!(
        read(&mut conn).await,
        Some(Message::Text("over tls".into()))
    );
    conn.close(Some(1000), "");
    assert_eq!(read(&mut conn).await, None);
    // Without a TLS configuration the system's roots are used, which do not trust this
    // self-signed certificate.
    let err = websocket_connect(
        &format!("wss://{}/ws", s.addr()),
        WebSocketConnectOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(&err, WebSocketError::Io(_)), "{err}");
}
