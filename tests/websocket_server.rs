//! WebSocket server behaviour over real sockets: the handshake's answers, messages, fragments,
//! UTF-8, close codes both ways, ping/pong, limits, origin, subprotocols, compression, auth on
//! the handshake, and a peer that does not read. tokio-tungstenite is the independent client;
//! hand-made frames cover what a well-behaved client never sends.

use std::time::{Duration, SystemTime};

use actix::{ActorFutureExt, AsyncContext, Handler, Message as ActixMessage};
use bytes::{Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame as TCloseFrame;
use tokio_tungstenite::tungstenite::Message as TMessage;
use tokio_util::codec::Decoder;
use tornado::testing::{ExpectLog, TestRequest, TestServer};
use tornado::web::signed::{create_signed_value, SecretKeys};
use tornado::web::{Application, HttpError, RequestContext, Settings};
use tornado::websocket::codec::{write_frame, Incoming, OpCode, Role, WebSocketCodec};
use tornado::websocket::{
    self, CompressionOptions, Message, WebSocketContext, WebSocketError, WebSocketHandler,
    WebSocketSettings,
};

const GUARD: Duration = Duration::from_secs(20);
const SECRET: &[u8] = b"websocket-test-secret";

/// What the probe handler saw.
#[derive(Debug, PartialEq)]
enum Seen {
    Open {
        args: Vec<Option<String>>,
        user: Option<String>,
        subprotocol: Option<String>,
    },
    Message(Message),
    Pong(Bytes),
    Close(Option<u16>, Option<String>),
    WriteFailed(String),
}

/// A handler that reports everything to the test and obeys commands sent as text:
/// `json`, `close <code> <reason>`, `ping <data>`, `flood`; anything else is echoed.
struct Probe {
    seen: mpsc::UnboundedSender<Seen>,
    compress: bool,
    require_user: bool,
}
tornado::websocket_actor!(Probe);

#[derive(ActixMessage)]
#[rtype(result = "()")]
struct Flood;

/// Write up to the high-water mark, wait for the last message to drain, repeat.
#[derive(ActixMessage)]
#[rtype(result = "()")]
struct Fill;

impl WebSocketHandler for Probe {
    async fn get_current_user(
        &mut self,
        cx: &mut RequestContext,
    ) -> tornado::web::Result<Option<String>> {
        cx.get_signed_cookie("user")
    }

    async fn prepare(&mut self, cx: &mut RequestContext) -> tornado::web::Result {
        if self.require_user && cx.current_user().is_none() {
            return Err(HttpError::new(401).into());
        }
        Ok(())
    }

    fn select_subprotocol(&mut self, offered: &[String]) -> Option<String> {
        offered.iter().find(|p| p.starts_with("chat")).cloned()
    }

    fn get_compression_options(&self) -> Option<CompressionOptions> {
        self.compress.then(CompressionOptions::default)
    }

    fn open(&mut self, cx: &mut WebSocketContext<Self>) {
        let _ = self.seen.send(Seen::Open {
            args: cx.path_args().to_vec(),
            user: cx.current_user().map(str::to_owned),
            subprotocol: cx.selected_subprotocol().map(str::to_owned),
        });
    }

    fn on_message(&mut self, msg: Message, cx: &mut WebSocketContext<Self>) {
        let text = msg.as_text().unwrap_or("").to_owned();
        let _ = self.seen.send(Seen::Message(msg.clone()));
        let mut words = text.splitn(3, ' ');
        match words.next() {
            Some("json") => {
                let _ = cx.write_json(&serde_json::json!({"a": [1, 2], "b": "ü"}));
            }
            Some("close") => {
                let code = words.next().and_then(|c| c.parse().ok());
                let reason = words.next().unwrap_or("").to_owned();
                cx.close(code, &reason);
            }
            Some("ping") => {
                let _ = cx.ping(words.next().unwrap_or(""));
            }
            Some("flood") => cx.notify(Flood),
            Some("fill") => cx.notify(Fill),
            _ => {
                let _ = cx.write_message(msg);
            }
        }
    }

    fn on_pong(&mut self, data: Bytes, _cx: &mut WebSocketContext<Self>) {
        let _ = self.seen.send(Seen::Pong(data));
    }

    fn on_close(&mut self, cx: &mut WebSocketContext<Self>) {
        let _ = self
            .seen
            .send(Seen::Close(cx.close_code(), cx.close_reason()));
    }
}

impl Handler<Fill> for Probe {
    type Result = ();
    fn handle(&mut self, _: Fill, cx: &mut WebSocketContext<Self>) {
        let chunk = vec![b'y'; 64 * 1024];
        let mut last = None;
        while !cx.is_write_buffer_high() {
            match cx.write_message(chunk.as_slice()) {
                Ok(drain) => last = Some(drain),
                Err(e) => {
                    let _ = self.seen.send(Seen::WriteFailed(e.to_string()));
                    return;
                }
            }
        }
        let Some(drain) = last else { return };
        cx.spawn(actix::fut::wrap_future(drain).map(
            |result, probe: &mut Probe, cx: &mut WebSocketContext<Probe>| match result {
                Ok(()) => cx.notify(Fill),
                Err(e) => {
                    let _ = probe.seen.send(Seen::WriteFailed(e.to_string()));
                }
            },
        ));
    }
}

impl Handler<Flood> for Probe {
    type Result = ();
    fn handle(&mut self, _: Flood, cx: &mut WebSocketContext<Self>) {
        let chunk = vec![b'x'; 64 * 1024];
        for _ in 0..4 {
            if let Err(e) = cx.write_message(chunk.as_slice()) {
                let _ = self.seen.send(Seen::WriteFailed(e.to_string()));
                return;
            }
        }
        cx.notify(Flood);
    }
}

struct Fixture {
    server: TestServer,
    seen: mpsc::UnboundedReceiver<Seen>,
}

impl Fixture {
    fn url(&self, path: &str) -> String {
        format!("ws://{}{}", self.server.addr(), path)
    }

    async fn next(&mut self) -> Seen {
        match tokio::time::timeout(GUARD, self.seen.recv()).await {
            Ok(Some(s)) => s,
            other => panic!("no event from the handler: {other:?}"),
        }
    }

    /// The next event that is not a message echo.
    async fn next_non_message(&mut self) -> Seen {
        loop {
            match self.next().await {
                Seen::Message(_) => continue,
                other => return other,
            }
        }
    }
}

fn start(settings: WebSocketSettings) -> Fixture {
    let (tx, rx) = mpsc::unbounded_channel();
    let (tx2, tx3) = (tx.clone(), tx.clone());
    let app = Application::builder()
        .settings(Settings {
            cookie_secret: Some(SecretKeys::Single(SECRET.to_vec())),
            ..Default::default()
        })
        .route(websocket::route_with(r"/ws/(\w+)", settings, move || {
            Probe {
                seen: tx.clone(),
                compress: false,
                require_user: false,
            }
        }))
        .route(websocket::route_with(r"/deflate", settings, move || {
            Probe {
                seen: tx2.clone(),
                compress: true,
                require_user: false,
            }
        }))
        .route(websocket::route_with(r"/private", settings, move || {
            Probe {
                seen: tx3.clone(),
                compress: false,
                require_user: true,
            }
        }))
        .build()
        .unwrap();
    Fixture {
        server: TestServer::start(app),
        seen: rx,
    }
}

fn upgrade_request(path: &str) -> TestRequest {
    TestRequest::get(path)
        .header("Upgrade", "websocket")
        .header("Connection", "Upgrade")
        .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("Sec-WebSocket-Version", "13")
}

#[test]
fn handshake_answers_as_tornado() {
    let f = start(WebSocketSettings::default());
    let s = &f.server;

    let r = s.fetch("/ws/a");
    assert_eq!(
        (r.status, r.text().as_str()),
        (400, "Can \"Upgrade\" only to \"WebSocket\".")
    );

    let r = s.fetch_with(TestRequest::get("/ws/a").header("Upgrade", "websocket"));
    assert_eq!(
        (r.status, r.text().as_str()),
        (400, "\"Connection\" must be \"Upgrade\".")
    );

    let r = s.fetch_with(upgrade_request("/ws/a").header("Origin", "http://evil.example"));
    assert_eq!(
        (r.status, r.text().as_str()),
        (403, "Cross origin websockets not allowed")
    );

    let mut req = upgrade_request("/ws/a");
    req.headers.retain(|(n, _)| n != "Sec-WebSocket-Version");
    let r = s.fetch_with(req.header("Sec-WebSocket-Version", "12"));
    assert_eq!(r.status, 426);
    assert_eq!(r.reason, "Upgrade Required");
    assert_eq!(r.header("Sec-WebSocket-Version"), Some("7, 8, 13"));

    let mut req = upgrade_request("/ws/a");
    req.headers.retain(|(n, _)| n != "Sec-WebSocket-Key");
    let r = s.fetch_with(req);
    assert_eq!(
        (r.status, r.text().as_str()),
        (400, "Missing/Invalid WebSocket headers")
    );

    let r = s.fetch_with(TestRequest::new("POST", "/ws/a"));
    assert_eq!(r.status, 405);

    // prepare() refuses anonymous users with any status it likes.
    let r = s.fetch_with(upgrade_request("/private"));
    assert_eq!(r.status, 401);
}

/// Sends an upgrade request on a raw connection and returns the response head.
fn handshake_head(server: &TestServer, req: TestRequest) -> String {
    let mut c = server.connect();
    c.send(req.to_bytes(&server.addr().to_string())).unwrap();
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        std::io::Read::read_exact(&mut c.stream(), &mut byte).unwrap();
        buf.push(byte[0]);
    }
    String::from_utf8(buf).unwrap()
}

#[test]
fn accepted_handshake_headers() {
    let f = start(WebSocketSettings::default());
    let origin = format!("http://{}", f.server.addr());
    let head = handshake_head(
        &f.server,
        upgrade_request("/ws/a")
            .header("Origin", &origin)
            .header("Sec-WebSocket-Protocol", "other, chat.v2, chat.v1"),
    );
    // Header names are normalised as Tornado's HTTPHeaders does.
    assert!(
        head.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
        "{head}"
    );
    assert!(
        head.contains("Sec-Websocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
        "{head}"
    );
    assert!(head.contains("Upgrade: websocket\r\n"), "{head}");
    assert!(head.contains("Connection: Upgrade\r\n"), "{head}");
    assert!(
        head.contains("Sec-Websocket-Protocol: chat.v2\r\n"),
        "{head}"
    );
    assert!(!head.contains("Sec-Websocket-Extensions"), "{head}");
}

#[tokio::test]
async fn text_binary_json_and_path_args() {
    let mut f = start(WebSocketSettings::default());
    let (mut ws, _) = tokio_tungstenite::connect_async(f.url("/ws/room1"))
        .await
        .unwrap();
    assert_eq!(
        f.next().await,
        Seen::Open {
            args: vec![Some("room1".into())],
            user: None,
            subprotocol: None
        }
    );
    ws.send(TMessage::text("héllo")).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), TMessage::text("héllo"));
    ws.send(TMessage::binary(vec![0u8, 255, 7])).await.unwrap();
    assert_eq!(
        ws.next().await.unwrap().unwrap(),
        TMessage::binary(vec![0u8, 255, 7])
    );
    ws.send(TMessage::text("json")).await.unwrap();
    let reply = ws.next().await.unwrap().unwrap();
    let value: serde_json::Value = serde_json::from_str(reply.to_text().unwrap()).unwrap();
    assert_eq!(value, serde_json::json!({"a": [1, 2], "b": "ü"}));
    // An empty message and a large one.
    ws.send(TMessage::text("")).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), TMessage::text(""));
    let big = vec![9u8; 3 * 1024 * 1024];
    ws.send(TMessage::binary(big.clone())).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), TMessage::binary(big));
}

#[tokio::test]
async fn signed_cookie_user_on_the_handshake() {
    let mut f = start(WebSocketSettings::default());
    let cookie = create_signed_value(
        &SecretKeys::Single(SECRET.to_vec()),
        "user",
        b"alice",
        None,
        SystemTime::now(),
    )
    .unwrap();
    let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        f.url("/private"),
    )
    .unwrap();
    req.headers_mut()
        .insert("Cookie", format!("user=\"{cookie}\"").parse().unwrap());
    let (_ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    assert_eq!(
        f.next().await,
        Seen::Open {
            args: vec![],
            user: Some("alice".into()),
            subprotocol: None
        }
    );
}

/// A hand-driven client: raw frames out, decoded frames in.
struct RawClient {
    io: TcpStream,
    buf: BytesMut,
    codec: WebSocketCodec,
}

impl RawClient {
    async fn connect(f: &Fixture, path: &str) -> RawClient {
        let mut io = TcpStream::connect(f.server.addr()).await.unwrap();
        let req = upgrade_request(path).to_bytes(&f.server.addr().to_string());
        io.write_all(&req).await.unwrap();
        let mut buf = BytesMut::new();
        let end = loop {
            assert!(
                io.read_buf(&mut buf).await.unwrap() > 0,
                "closed during the handshake"
            );
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
        };
        assert!(buf.starts_with(b"HTTP/1.1 101"));
        let _ = buf.split_to(end);
        RawClient {
            io,
            buf,
            codec: WebSocketCodec::new(Role::Client),
        }
    }

    async fn frame(&mut self, fin: bool, opcode: OpCode, payload: &[u8]) {
        let mut out = BytesMut::new();
        write_frame(&mut out, fin, false, opcode, payload, Some([1, 2, 3, 4]));
        self.io.write_all(&out).await.unwrap();
    }

    /// The next frame from the server, or `None` when it closed the TCP connection.
    async fn next(&mut self) -> Option<Incoming> {
        let read = async {
            loop {
                if let Some(item) = self.codec.decode(&mut self.buf).unwrap() {
                    return Some(item);
                }
                if self.io.read_buf(&mut self.buf).await.unwrap_or(0) == 0 {
                    return None;
                }
            }
        };
        tokio::time::timeout(GUARD, read)
            .await
            .expect("server answered in time")
    }

    /// Reads until the server's close frame; returns its code.
    async fn close_code(&mut self) -> Option<u16> {
        loop {
            match self.next().await {
                Some(Incoming::Close(c)) => return c.map(|c| c.code),
                Some(_) => continue,
                None => panic!("connection ended without a close frame"),
            }
        }
    }
}

#[tokio::test]
async fn ten_thousand_fragments_reassembled() {
    let mut f = start(WebSocketSettings::default());
    let mut c = RawClient::connect(&f, "/ws/x").await;
    let mut all = BytesMut::new();
    write_frame(
        &mut all,
        false,
        false,
        OpCode::Text,
        b"<",
        Some([5, 6, 7, 8]),
    );
    for i in 0..9_998 {
        let piece = if i % 2 == 0 { "é" } else { "a" };
        write_frame(
            &mut all,
            false,
            false,
            OpCode::Continuation,
            piece.as_bytes(),
            Some([5, 6, 7, 8]),
        );
    }
    write_frame(
        &mut all,
        true,
        false,
        OpCode::Continuation,
        b">",
        Some([5, 6, 7, 8]),
    );
    c.io.write_all(&all).await.unwrap();
    match c.next().await {
        Some(Incoming::Message(Message::Text(t))) => {
            assert_eq!(t.chars().count(), 10_000);
            assert!(t.starts_with("<éa") && t.ends_with("a>"));
        }
        other => panic!("{other:?}"),
    }
    let _ = f.next().await;
}

#[tokio::test]
async fn invalid_utf8_closes_with_1007_before_the_message_ends() {
    let mut f = start(WebSocketSettings::default());
    let mut c = RawClient::connect(&f, "/ws/x").await;
    c.frame(false, OpCode::Text, b"ok so far \xff").await;
    // No final fragment is ever sent: the server fails fast.
    assert_eq!(c.close_code().await, Some(1007));
    assert_eq!(c.next().await, None);
    assert!(matches!(f.next().await, Seen::Open { .. }));
    assert_eq!(f.next().await, Seen::Close(None, None));
}

#[tokio::test]
async fn protocol_errors_close_with_1002() {
    let mut f = start(WebSocketSettings::default());
    // An invalid close code.
    let mut c = RawClient::connect(&f, "/ws/x").await;
    c.frame(true, OpCode::Close, &1005u16.to_be_bytes()).await;
    assert_eq!(c.close_code().await, Some(1002));
    // An unmasked client frame.
    let mut c = RawClient::connect(&f, "/ws/x").await;
    c.io.write_all(&[0x81, 0x02, b'h', b'i']).await.unwrap();
    assert_eq!(c.close_code().await, Some(1002));
    // A fragmented ping.
    let mut c = RawClient::connect(&f, "/ws/x").await;
    c.frame(false, OpCode::Ping, b"").await;
    assert_eq!(c.close_code().await, Some(1002));
    for _ in 0..6 {
        let _ = f.next().await;
    }
}

#[tokio::test]
async fn max_message_size_closes_with_1009() {
    let settings = WebSocketSettings {
        max_message_size: 1000,
        ..Default::default()
    };
    let mut f = start(settings);
    let mut c = RawClient::connect(&f, "/ws/x").await;
    c.frame(true, OpCode::Binary, &[0u8; 1000]).await;
    assert!(
        matches!(c.next().await, Some(Incoming::Message(Message::Binary(b))) if b.len() == 1000)
    );
    c.frame(false, OpCode::Binary, &[0u8; 600]).await;
    c.frame(true, OpCode::Continuation, &[0u8; 600]).await;
    assert_eq!(c.close_code().await, Some(1009));
    let _ = f.next().await;
}

#[tokio::test]
async fn client_close_code_and_reason_reach_on_close_once() {
    let mut f = start(WebSocketSettings::default());
    let (mut ws, _) = tokio_tungstenite::connect_async(f.url("/ws/x"))
        .await
        .unwrap();
    assert!(matches!(f.next().await, Seen::Open { .. }));
    ws.close(Some(TCloseFrame {
        code: CloseCode::from(4000),
        reason: "client bye".into(),
    }))
    .await
    .unwrap();
    // The server echoes the code.
    match ws.next().await {
        Some(Ok(TMessage::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 4000),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        f.next().await,
        Seen::Close(Some(4000), Some("client bye".into()))
    );
    // Exactly once: wait until the server has dropped the connection (its actor has run
    // every hook it will ever run), then nothing more may have been seen.
    drop(ws);
    let handle = f.server.handle();
    tokio::time::timeout(GUARD, async {
        while handle.stats().open_connections() > 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .expect("the server closes the connection");
    assert!(matches!(
        f.seen.try_recv(),
        Err(mpsc::error::TryRecvError::Empty)
    ));
}

#[tokio::test]
async fn server_close_code_and_reason_reach_the_client() {
    let mut f = start(WebSocketSettings::default());
    let (mut ws, _) = tokio_tungstenite::connect_async(f.url("/ws/x"))
        .await
        .unwrap();
    ws.send(TMessage::text("close 4001 server bye"))
        .await
        .unwrap();
    match ws.next().await {
        Some(Ok(TMessage::Close(Some(frame)))) => {
            assert_eq!(u16::from(frame.code), 4001);
            assert_eq!(frame.reason.as_str(), "server bye");
        }
        other => panic!("{other:?}"),
    }
    // tungstenite answers the close; the server's on_close sees its echo.
    assert!(ws.next().await.is_none_or(|r| r.is_err()));
    assert!(matches!(f.next_non_message().await, Seen::Open { .. }));
    assert_eq!(
        f.next_non_message().await,
        Seen::Close(Some(4001), Some("server bye".into()))
    );
}

#[tokio::test]
async fn ping_pong_both_ways() {
    let mut f = start(WebSocketSettings::default());
    let (mut ws, _) = tokio_tungstenite::connect_async(f.url("/ws/x"))
        .await
        .unwrap();
    ws.send(TMessage::Ping(Bytes::from_static(b"from client")))
        .await
        .unwrap();
    assert_eq!(
        ws.next().await.unwrap().unwrap(),
        TMessage::Pong(Bytes::from_static(b"from client"))
    );
    ws.send(TMessage::text("ping from-server")).await.unwrap();
    assert_eq!(
        ws.next().await.unwrap().unwrap(),
        TMessage::Ping(Bytes::from_static(b"from-server"))
    );
    // tungstenite queues its pong and sends it with the next write.
    ws.send(TMessage::text("after")).await.unwrap();
    assert_eq!(
        f.next_non_message().await,
        Seen::Open {
            args: vec![Some("x".into())],
            user: None,
            subprotocol: None
        }
    );
    assert_eq!(
        f.next_non_message().await,
        Seen::Pong(Bytes::from_static(b"from-server"))
    );
}

#[tokio::test]
async fn ping_interval_and_timeout() {
    let settings = WebSocketSettings {
        ping_interval: Some(Duration::from_millis(20)),
        ping_timeout: Some(Duration::from_millis(100)),
        ..Default::default()
    };
    let mut f = start(settings);
    // A client that answers pings stays connected through several intervals.
    let (mut ws, _) = tokio_tungstenite::connect_async(f.url("/ws/x"))
        .await
        .unwrap();
    for _ in 0..3 {
        assert!(matches!(ws.next().await, Some(Ok(TMessage::Ping(_)))));
        ws.flush().await.unwrap();
    }
    assert!(matches!(f.next().await, Seen::Open { .. }));
    for _ in 0..3 {
        assert!(matches!(f.next().await, Seen::Pong(_)));
    }
    drop(ws);
    assert_eq!(f.next().await, Seen::Close(None, None));
    // A client that never answers is dropped after the timeout.
    let mut c = RawClient::connect(&f, "/ws/x").await;
    loop {
        match c.next().await {
            Some(Incoming::Ping(_)) => continue,
            None => break,
            other => panic!("{other:?}"),
        }
    }
    assert!(matches!(f.next().await, Seen::Open { .. }));
    assert_eq!(f.next().await, Seen::Close(None, None));
}

#[tokio::test]
async fn origin_subprotocol_and_no_compression_by_default() {
    let mut f = start(WebSocketSettings::default());
    let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        f.url("/ws/x"),
    )
    .unwrap();
    let headers = req.headers_mut();
    headers.insert(
        "Origin",
        format!("http://{}", f.server.addr()).parse().unwrap(),
    );
    headers.insert("Sec-WebSocket-Protocol", "v1, chat".parse().unwrap());
    headers.insert(
        "Sec-WebSocket-Extensions",
        "permessage-deflate".parse().unwrap(),
    );
    let (_ws, resp) = tokio_tungstenite::connect_async(req).await.unwrap();
    assert_eq!(
        resp.headers().get("Sec-WebSocket-Protocol").unwrap(),
        "chat"
    );
    assert!(resp.headers().get("Sec-WebSocket-Extensions").is_none());
    assert_eq!(
        f.next().await,
        Seen::Open {
            args: vec![Some("x".into())],
            user: None,
            subprotocol: Some("chat".into())
        }
    );
}

#[actix_rt::test]
async fn compression_negotiated_with_our_client() {
    let mut f = start(WebSocketSettings::default());
    let options = websocket::WebSocketConnectOptions {
        compression_options: Some(CompressionOptions::default()),
        ..Default::default()
    };
    let mut conn = websocket::websocket_connect(&f.url("/deflate"), options)
        .await
        .unwrap();
    let text = "compressible ".repeat(10_000);
    conn.write_message(text.as_str()).await.unwrap();
    assert_eq!(conn.read_message().await, Some(Message::Text(text.clone())));
    conn.write_message(text.as_str()).await.unwrap();
    assert_eq!(conn.read_message().await, Some(Message::Text(text)));
    assert!(matches!(f.next().await, Seen::Open { .. }));
    // The handshake answer names the extension.
    let head = handshake_head(
        &f.server,
        upgrade_request("/deflate").header(
            "Sec-WebSocket-Extensions",
            "permessage-deflate; client_max_window_bits; server_max_window_bits=10",
        ),
    );
    assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
    assert!(
        head.contains(
            "Sec-Websocket-Extensions: permessage-deflate; server_max_window_bits=10\r\n"
        ),
        "{head}"
    );
}

#[tokio::test]
async fn a_peer_that_does_not_read_is_closed_with_bounded_memory() {
    let settings = WebSocketSettings {
        max_write_buffer_size: 1024 * 1024,
        ..Default::default()
    };
    let mut f = start(settings);
    let mut c = RawClient::connect(&f, "/ws/x").await;
    c.frame(true, OpCode::Text, b"flood").await;
    // The client never reads. The server fills the socket, then its own buffer up to the
    // limit, and gives up.
    assert!(matches!(f.next().await, Seen::Open { .. }));
    assert!(matches!(f.next().await, Seen::Message(_)));
    match f.next().await {
        Seen::WriteFailed(e) => assert!(e.contains("buffer full"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(f.next().await, Seen::Close(None, None));
    // The connection is gone: reading now drains what the kernel held, then ends.
    let mut total = 0usize;
    loop {
        match tokio::time::timeout(GUARD, c.io.read_buf(&mut c.buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => {
                total += n;
                c.buf.clear();
            }
            Err(_) => panic!("the server kept the connection open"),
        }
    }
    // Far less than an unbounded writer would have queued.
    assert!(total < 64 * 1024 * 1024, "{total}");
}

#[tokio::test]
async fn a_stalled_peer_is_closed_after_the_write_timeout() {
    let settings = WebSocketSettings {
        write_timeout: Duration::from_millis(300),
        ..Default::default()
    };
    let mut f = start(settings);
    let mut c = RawClient::connect(&f, "/ws/x").await;
    c.frame(true, OpCode::Text, b"fill").await;
    assert!(matches!(f.next().await, Seen::Open { .. }));
    assert!(matches!(f.next().await, Seen::Message(_)));
    // The buffer stays under its limit; the write stalls, and the timeout ends it (the
    // handler's waiting Drain is cancelled with the actor, or fails first).
    let stalled = ExpectLog::new("tornado.general", "websocket peer stopped reading");
    loop {
        match f.next().await {
            Seen::WriteFailed(e) => assert_eq!(e, "websocket closed"),
            Seen::Close(code, reason) => {
                assert_eq!((code, reason), (None, None));
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(stalled.count(), 1);
    drop(c);
}

#[test]
fn write_error_display() {
    assert_eq!(WebSocketError::Closed.to_string(), "websocket closed");
}

/// A handshake pipelined behind an ordinary request, with the first frame in the same write:
/// the request is answered, then the socket is handed over with the frame's bytes intact (the
/// server reads requests ahead of the one it serves, and must stop at the upgrade).
#[tokio::test]
async fn a_handshake_pipelined_behind_a_request_keeps_the_first_frame() {
    let mut f = start(WebSocketSettings::default());
    let host = f.server.addr().to_string();
    let mut io = TcpStream::connect(f.server.addr()).await.unwrap();
    let mut out = TestRequest::get("/missing").to_bytes(&host).to_vec();
    out.extend_from_slice(&upgrade_request("/ws/p").to_bytes(&host));
    let mut frame = BytesMut::new();
    write_frame(
        &mut frame,
        true,
        false,
        OpCode::Text,
        b"GET / HTTP/1.1",
        Some([9, 8, 7, 6]),
    );
    out.extend_from_slice(&frame);
    io.write_all(&out).await.unwrap();

    let mut buf = BytesMut::new();
    let mut heads = Vec::new();
    // The 404 (its head and body) and the 101, in that order.
    while heads.len() < 2 {
        let read = tokio::time::timeout(GUARD, io.read_buf(&mut buf)).await;
        assert!(read.expect("answered in time").unwrap() > 0, "closed early");
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8(buf.split_to(end + 4).to_vec()).unwrap();
            if head.starts_with("HTTP/1.1 404") {
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("Content-Length: "))
                    .unwrap()
                    .parse()
                    .unwrap();
                while buf.len() < len {
                    io.read_buf(&mut buf).await.unwrap();
                }
                let _ = buf.split_to(len);
            }
            heads.push(head);
            if heads.len() == 2 {
                break;
            }
        }
    }
    assert!(heads[0].starts_with("HTTP/1.1 404"), "{heads:?}");
    assert!(heads[1].starts_with("HTTP/1.1 101"), "{heads:?}");
    let mut c = RawClient {
        io,
        buf,
        codec: WebSocketCodec::new(Role::Client),
    };
    match c.next().await {
        Some(Incoming::Message(Message::Text(t))) => assert_eq!(t, "GET / HTTP/1.1"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(f.next().await, Seen::Open { .. }));
}
