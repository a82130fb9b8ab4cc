//! The client: [`websocket_connect`] and the [`WebSocketClientConnection`] handle of the actor
//! it starts (Tornado's `websocket_connect` and `WebSocketClientConnection`).
//!
//! The connection is an actor on the current arbiter; it owns the socket and runs the same
//! frame machinery as the server, with masking on. Messages wait for the reader in a small
//! bounded queue: when the application does not read, the actor stops reading the socket (and
//! TCP slows the server down), while writes, pings and the close handshake go on. Connecting
//! and the opening handshake are in `connect.rs`.

mod connect;

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use actix::prelude::*;
use bytes::Bytes;
use tokio::sync::mpsc;
use tokio_util::sync::PollSender;

use super::codec::{CompressionOptions, Message, OpCode, Role, WebSocketCodec};
use super::conn::{Event, SharedRef, WsIo, WsShared};
use super::error::WebSocketError;
use super::settings::WebSocketSettings;
use crate::http::HttpHeaders;
use crate::net::NetStream;
use connect::{handshake, open_stream, parse_url};

/// Options of [`websocket_connect`].
#[derive(Clone)]
pub struct WebSocketConnectOptions {
    /// Time allowed for connecting and the handshake. Default: 20 seconds.
    pub connect_timeout: Duration,
    /// Offer permessage-deflate with these options. Default: `None` (no compression).
    pub compression_options: Option<CompressionOptions>,
    /// Ping interval and timeout, message size limit, buffer bounds.
    pub settings: WebSocketSettings,
    /// Subprotocols to offer, in order of preference.
    pub subprotocols: Vec<String>,
    /// Extra request headers (cookies, authorization, `Origin`…).
    pub headers: HttpHeaders,
    /// How to resolve the host (Tornado 6.3's `resolver`), e.g. a
    /// [`net::OverrideResolver`](crate::net::OverrideResolver). Default: the system resolver.
    pub resolver: Option<Arc<dyn crate::net::Resolver>>,
    /// TLS configuration for `wss://`. Default: `None`, which verifies the server against the
    /// system's trusted roots.
    #[cfg(feature = "tls")]
    pub tls: Option<crate::net::TlsClientConfig>,
}

impl Default for WebSocketConnectOptions {
    fn default() -> Self {
        WebSocketConnectOptions {
            connect_timeout: Duration::from_secs(20),
            compression_options: None,
            settings: WebSocketSettings::default(),
            subprotocols: Vec::new(),
            headers: HttpHeaders::new(),
            resolver: None,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }
}

impl std::fmt::Debug for WebSocketConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketConnectOptions")
            .field("connect_timeout", &self.connect_timeout)
            .field("compression_options", &self.compression_options)
            .field("settings", &self.settings)
            .field("subprotocols", &self.subprotocols)
            .finish_non_exhaustive()
    }
}

/// How the connection ended.
#[derive(Debug, Default)]
struct CloseInfo {
    code: Option<u16>,
    reason: Option<String>,
}

/// Messages from the handle to the connection actor.
#[derive(Message)]
#[rtype(result = "Result<(), WebSocketError>")]
struct Write(Message);

#[derive(Message)]
#[rtype(result = "Result<(), WebSocketError>")]
struct Ping(Bytes);

#[derive(Message)]
#[rtype(result = "()")]
struct Close(Option<u16>, String);

/// The client connection's actor.
struct ClientActor {
    shared: SharedRef,
    driver: Option<ClientDriver>,
}

impl Actor for ClientActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        if let Some(d) = self.driver.take() {
            ctx.spawn(d);
        }
    }
}

impl Handler<Write> for ClientActor {
    type Result = ResponseFuture<Result<(), WebSocketError>>;
    fn handle(&mut self, msg: Write, _: &mut Context<Self>) -> Self::Result {
        let m = msg.0;
        let queued = self
            .shared
            .borrow_mut()
            .write_data(!m.is_binary(), m.as_bytes());
        let shared = self.shared.clone();
        Box::pin(async move { super::conn::Drain::new(shared, queued?).await })
    }
}

impl Handler<Ping> for ClientActor {
    type Result = Result<(), WebSocketError>;
    fn handle(&mut self, msg: Ping, _: &mut Context<Self>) -> Self::Result {
        self.shared
            .borrow_mut()
            .write_control(OpCode::Ping, &msg.0)
            .map(|_| ())
    }
}

impl Handler<Close> for ClientActor {
    type Result = ();
    fn handle(&mut self, msg: Close, _: &mut Context<Self>) {
        self.shared.borrow_mut().close(msg.0, &msg.1);
    }
}

struct ClientDriver {
    io: WsIo<NetStream>,
    tx: PollSender<Message>,
    pending: Option<Message>,
    close_info: Arc<Mutex<CloseInfo>>,
}

impl ActorFuture<ClientActor> for ClientDriver {
    type Output = ();

    fn poll(
        self: Pin<&mut Self>,
        _: &mut ClientActor,
        ctx: &mut Context<ClientActor>,
        task: &mut TaskContext<'_>,
    ) -> Poll<()> {
        let this = self.get_mut();
        loop {
            if let Some(m) = this.pending.take() {
                match this.tx.poll_reserve(task) {
                    Poll::Ready(Ok(())) => {
                        let _ = this.tx.send_item(m);
                    }
                    // Nobody reads any more: drop the message.
                    Poll::Ready(Err(_)) => {}
                    Poll::Pending => this.pending = Some(m),
                }
            }
            this.io.read_paused = this.pending.is_some();
            if let Some(on) = this.io.take_nodelay() {
                let _ = this.io.get_ref().set_nodelay(on);
            }
            match this.io.poll_event(task) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Event::Message(m)) => this.pending = Some(m),
                Poll::Ready(Event::Ping(_)) | Poll::Ready(Event::Pong(_)) => {}
                Poll::Ready(Event::Closed) => {
                    if let Some(m) = this.pending.take() {
                        // The queue is full; the last message is lost only if nobody reads.
                        let _ = this.tx.get_ref().map(|tx| tx.try_send(m));
                    }
                    let s = this.io_shared();
                    if let Ok(mut info) = this.close_info.lock() {
                        info.code = s.0;
                        info.reason = s.1;
                    }
                    this.tx.close();
                    ctx.stop();
                    return Poll::Ready(());
                }
            }
        }
    }
}

impl ClientDriver {
    fn io_shared(&self) -> (Option<u16>, Option<String>) {
        let s = self.io.shared().borrow();
        (s.close_code, s.close_reason.clone())
    }
}

/// How many received messages wait for the reader before the socket stops being read.
const RECEIVE_QUEUE: usize = 16;

/// An open client connection (Tornado's `WebSocketClientConnection`): a handle to the actor
/// that owns the socket. Read with [`read_message`](Self::read_message) or as a `Stream`;
/// dropping the handle closes the connection.
pub struct WebSocketClientConnection {
    addr: Addr<ClientActor>,
    rx: mpsc::Receiver<Message>,
    subprotocol: Option<String>,
    close_info: Arc<Mutex<CloseInfo>>,
}

impl std::fmt::Debug for WebSocketClientConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketClientConnection")
            .field("subprotocol", &self.subprotocol)
            .finish_non_exhaustive()
    }
}

impl WebSocketClientConnection {
    /// The next message, or `None` once the connection is closed.
    pub async fn read_message(&mut self) -> Option<Message> {
        self.rx.recv().await
    }

    /// Sends a message; resolves once it is written to the socket. `Err(Closed)` once the
    /// connection is closing.
    pub async fn write_message(&self, message: impl Into<Message>) -> Result<(), WebSocketError> {
        match self.addr.send(Write(message.into())).await {
            Ok(r) => r,
            Err(_) => Err(WebSocketError::Closed),
        }
    }

    /// Sends a ping.
    pub async fn ping(&self, data: impl Into<Bytes>) -> Result<(), WebSocketError> {
        match self.addr.send(Ping(data.into())).await {
            Ok(r) => r,
            Err(_) => Err(WebSocketError::Closed),
        }
    }

    /// Starts the close handshake; [`read_message`](Self::read_message) returns `None` when
    /// it is done.
    pub fn close(&self, code: Option<u16>, reason: &str) {
        self.addr.do_send(Close(code, reason.to_owned()));
    }

    /// The subprotocol the server selected.
    pub fn selected_subprotocol(&self) -> Option<&str> {
        self.subprotocol.as_deref()
    }

    /// The code of the server's close frame, once the connection is closed.
    pub fn close_code(&self) -> Option<u16> {
        self.close_info.lock().ok().and_then(|i| i.code)
    }

    /// The reason of the server's close frame.
    pub fn close_reason(&self) -> Option<String> {
        self.close_info.lock().ok().and_then(|i| i.reason.clone())
    }

    /// Calls `callback` with every message, then with `None` at the close (Tornado's
    /// `on_message_callback`), on a task of the current arbiter. The returned handle still
    /// writes and closes, but reads nothing.
    pub fn on_message<F>(mut self, mut callback: F) -> Self
    where
        F: FnMut(Option<Message>) + 'static,
    {
        let (_, empty) = mpsc::channel(1);
        let mut rx = std::mem::replace(&mut self.rx, empty);
        actix_rt::spawn(async move {
            while let Some(m) = rx.recv().await {
                callback(Some(m));
            }
            callback(None);
        });
        self
    }
}

impl futures_core::Stream for WebSocketClientConnection {
    type Item = Message;
    fn poll_next(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Message>> {
        self.get_mut().rx.poll_recv(cx)
    }
}

impl Drop for WebSocketClientConnection {
    fn drop(&mut self) {
        self.addr.do_send(Close(Some(1000), String::new()));
    }
}

/// Connects to a WebSocket server (Tornado's `websocket_connect`): `ws://` or `wss://`,
/// within `options.connect_timeout`. Call it inside an actix system; the connection's actor
/// runs on the current arbiter.
///
/// A server that does not switch protocols (a plain HTTP route, a refused origin…) is an
/// `Err(WebSocketError::Handshake)` naming the status it answered with.
pub async fn websocket_connect(
    url: &str,
    options: WebSocketConnectOptions,
) -> Result<WebSocketClientConnection, WebSocketError> {
    let url = parse_url(url)?;
    let connect = async {
        let mut io = open_stream(&url, &options).await?;
        let done = handshake(&mut io, &url, &options).await?;
        Ok::<_, WebSocketError>((io, done))
    };
    let (io, done) = match tokio::time::timeout(options.connect_timeout, connect).await {
        Ok(r) => r?,
        Err(_) => return Err(WebSocketError::Timeout),
    };
    let codec = WebSocketCodec::new(Role::Client)
        .max_message_size(options.settings.max_message_size)
        .deflate(done.deflate);
    let shared = WsShared::new(codec, options.settings);
    let io = WsIo::new(io, done.leftover, shared.clone());
    let (tx, rx) = mpsc::channel(RECEIVE_QUEUE);
    let close_info = Arc::new(Mutex::new(CloseInfo::default()));
    let driver = ClientDriver {
        io,
        tx: PollSender::new(tx),
        pending: None,
        close_info: close_info.clone(),
    };
    let addr = ClientActor {
        shared,
        driver: Some(driver),
    }
    .start();
    Ok(WebSocketClientConnection {
        addr,
        rx,
        subprotocol: done.subprotocol,
        close_info,
    })
}
