//! The client: [`websocket_connect`] and the [`WebSocketClientConnection`] handle of the actor
//! it starts (Tornado's `websocket_connect` and `WebSocketClientConnection`).
//!
//! The connection is an actor on the current arbiter; it owns the socket and runs the same
//! frame machinery as the server, with masking on. Messages wait for the reader in a small
//! bounded queue: when the application does not read, the actor stops reading the socket (and
//! TCP slows the server down), while writes, pings and the close handshake go on.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use actix::prelude::*;
use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_util::sync::PollSender;

use super::codec::{
    accept_client, client_offer, CompressionOptions, Message, OpCode, Role, WebSocketCodec,
};
use super::conn::{Event, SharedRef, WsIo, WsShared};
use super::error::WebSocketError;
use super::handshake::{accept_key, new_client_key};
use super::settings::WebSocketSettings;
use crate::http::HttpHeaders;

/// Resolves a host name and port to addresses (Tornado 6.3's `resolver` argument).
pub type Resolver = Arc<dyn Fn(&str, u16) -> io::Result<Vec<SocketAddr>> + Send + Sync>;

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
    /// How to resolve the host. Default: the system resolver.
    pub resolver: Option<Resolver>,
    /// TLS configuration for `wss://`. Default: none, and `wss://` fails.
    #[cfg(feature = "tls")]
    pub tls: Option<Arc<rustls::ClientConfig>>,
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

/// A parsed `ws://` or `wss://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
struct WsUrl {
    secure: bool,
    host: String,
    port: u16,
    /// Path and query.
    resource: String,
}

fn parse_url(url: &str) -> Result<WsUrl, WebSocketError> {
    let bad = || WebSocketError::InvalidUrl(url.to_owned());
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    let secure = match scheme.to_ascii_lowercase().as_str() {
        "ws" | "http" => false,
        "wss" | "https" => true,
        _ => return Err(bad()),
    };
    let (authority, resource) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let resource = match resource.split_once('#') {
        Some((r, _)) => r,
        None => resource,
    };
    let resource = if resource.starts_with('?') {
        format!("/{resource}")
    } else {
        resource.to_owned()
    };
    if authority.contains('@') || authority.is_empty() {
        return Err(bad());
    }
    let default_port = if secure { 443 } else { 80 };
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or_else(bad)?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| bad())?,
            None if after.is_empty() => default_port,
            None => return Err(bad()),
        };
        (host.to_owned(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), p.parse().map_err(|_| bad())?),
            None => (authority.to_owned(), default_port),
        }
    };
    if host.is_empty() || resource.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(bad());
    }
    Ok(WsUrl {
        secure,
        host,
        port,
        resource,
    })
}

/// The client's byte stream.
enum ClientStream {
    Tcp(TcpStream),
    #[cfg(feature = "tls")]
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl ClientStream {
    fn set_nodelay(&self, on: bool) -> io::Result<()> {
        match self {
            ClientStream::Tcp(s) => s.set_nodelay(on),
            #[cfg(feature = "tls")]
            ClientStream::Tls(s) => s.get_ref().0.set_nodelay(on),
        }
    }
}

macro_rules! dispatch {
    ($self:ident, $s:ident => $e:expr) => {
        match $self.get_mut() {
            ClientStream::Tcp($s) => $e,
            #[cfg(feature = "tls")]
            ClientStream::Tls($s) => $e,
        }
    };
}

impl AsyncRead for ClientStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        dispatch!(self, s => Pin::new(s).poll_read(cx, buf))
    }
}

impl AsyncWrite for ClientStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        dispatch!(self, s => Pin::new(s).poll_write(cx, buf))
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        dispatch!(self, s => Pin::new(s).poll_flush(cx))
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        dispatch!(self, s => Pin::new(s).poll_shutdown(cx))
    }
}

/// Opens the transport to the server. The one place that knows how to connect: it is to be
/// replaced by `tornado::net::TcpClient` once that lands.
async fn open_stream(
    url: &WsUrl,
    options: &WebSocketConnectOptions,
) -> Result<ClientStream, WebSocketError> {
    let addrs: Vec<SocketAddr> = match &options.resolver {
        Some(resolve) => resolve(&url.host, url.port)?,
        None => tokio::net::lookup_host((url.host.as_str(), url.port))
            .await?
            .collect(),
    };
    let mut last = io::Error::new(
        io::ErrorKind::NotFound,
        format!("no address for {}", url.host),
    );
    let mut tcp = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(s) => {
                tcp = Some(s);
                break;
            }
            Err(e) => last = e,
        }
    }
    let tcp = tcp.ok_or(WebSocketError::Io(last))?;
    let _ = tcp.set_nodelay(true);
    if !url.secure {
        return Ok(ClientStream::Tcp(tcp));
    }
    #[cfg(feature = "tls")]
    {
        let Some(config) = options.tls.clone() else {
            return Err(WebSocketError::Handshake(
                "wss:// needs options.tls (a rustls ClientConfig)".into(),
            ));
        };
        let name = rustls::pki_types::ServerName::try_from(url.host.clone())
            .map_err(|_| WebSocketError::InvalidUrl(url.host.clone()))?;
        let tls = tokio_rustls::TlsConnector::from(config)
            .connect(name, tcp)
            .await?;
        Ok(ClientStream::Tls(Box::new(tls)))
    }
    #[cfg(not(feature = "tls"))]
    Err(WebSocketError::Handshake(
        "wss:// needs the `tls` feature".into(),
    ))
}

/// What the handshake settled.
struct Handshaken {
    leftover: BytesMut,
    subprotocol: Option<String>,
    deflate: Option<super::codec::DeflateConfig>,
}

/// The largest handshake response accepted.
const MAX_RESPONSE_HEAD: usize = 64 * 1024;

async fn handshake(
    io: &mut ClientStream,
    url: &WsUrl,
    options: &WebSocketConnectOptions,
) -> Result<Handshaken, WebSocketError> {
    let key = new_client_key();
    let default_port = if url.secure { 443 } else { 80 };
    let host = if url.host.contains(':') {
        format!("[{}]", url.host)
    } else {
        url.host.clone()
    };
    let host = if url.port == default_port {
        host
    } else {
        format!("{host}:{}", url.port)
    };
    let mut req = format!(
        "GET {} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n",
        url.resource
    );
    if !options.subprotocols.is_empty() {
        req.push_str(&format!(
            "Sec-WebSocket-Protocol: {}\r\n",
            options.subprotocols.join(", ")
        ));
    }
    if let Some(c) = &options.compression_options {
        req.push_str(&format!(
            "Sec-WebSocket-Extensions: {}\r\n",
            client_offer(c)
        ));
    }
    for (name, value) in options.headers.iter() {
        if value.contains(['\r', '\n']) || name.contains(['\r', '\n', ':']) {
            return Err(WebSocketError::Handshake(format!(
                "invalid header {name:?}"
            )));
        }
        req.push_str(&format!("{name}: {value}\r\n"));
    }
    req.push_str("\r\n");
    io.write_all(req.as_bytes()).await?;

    let mut buf = BytesMut::with_capacity(4096);
    loop {
        if buf.len() > MAX_RESPONSE_HEAD {
            return Err(WebSocketError::Handshake("response head too large".into()));
        }
        if io.read_buf(&mut buf).await? == 0 {
            return Err(WebSocketError::Handshake(
                "connection closed during the handshake".into(),
            ));
        }
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut resp = httparse::Response::new(&mut headers);
        let n = match resp.parse(&buf) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => continue,
            Err(e) => return Err(WebSocketError::Handshake(format!("bad response: {e}"))),
        };
        let code = resp.code.unwrap_or(0);
        if code != 101 {
            return Err(WebSocketError::Handshake(format!(
                "server answered {code} {} instead of 101 Switching Protocols",
                resp.reason.unwrap_or("")
            )));
        }
        let mut parsed = HttpHeaders::new();
        for h in resp.headers.iter() {
            parsed.add(h.name, String::from_utf8_lossy(h.value).into_owned());
        }
        if !parsed
            .get("Upgrade")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("websocket"))
        {
            return Err(WebSocketError::Handshake(
                "missing Upgrade: websocket".into(),
            ));
        }
        if parsed.get("Sec-Websocket-Accept").map(str::trim) != Some(accept_key(&key).as_str()) {
            return Err(WebSocketError::Handshake(
                "wrong Sec-WebSocket-Accept".into(),
            ));
        }
        let subprotocol = parsed
            .get("Sec-Websocket-Protocol")
            .map(|p| p.trim().to_owned());
        if let Some(p) = &subprotocol {
            if !options.subprotocols.contains(p) {
                return Err(WebSocketError::Handshake(format!(
                    "server chose subprotocol {p:?}, not offered"
                )));
            }
        }
        let extensions = parsed.get_list("Sec-Websocket-Extensions");
        let deflate = match &options.compression_options {
            Some(c) => accept_client(&extensions, c).map_err(WebSocketError::Handshake)?,
            None if extensions.is_empty() => None,
            None => {
                return Err(WebSocketError::Handshake(
                    "server accepted an extension not offered".into(),
                ))
            }
        };
        bytes::Buf::advance(&mut buf, n);
        return Ok(Handshaken {
            leftover: buf,
            subprotocol,
            deflate,
        });
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
    io: WsIo<ClientStream>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = parse_url("ws://example.com/chat?x=1#frag").unwrap();
        assert_eq!(
            u,
            WsUrl {
                secure: false,
                host: "example.com".into(),
                port: 80,
                resource: "/chat?x=1".into()
            }
        );
        let u = parse_url("wss://[::1]:8443").unwrap();
        assert_eq!(
            (u.secure, u.host.as_str(), u.port, u.resource.as_str()),
            (true, "::1", 8443, "/")
        );
        assert_eq!(parse_url("ws://h:1?q").unwrap().resource, "/?q");
        for bad in [
            "ftp://x/",
            "ws://",
            "ws://h:notaport/",
            "example.com/ws",
            "ws://u@h/",
            "ws://h/a b",
        ] {
            assert!(
                matches!(parse_url(bad), Err(WebSocketError::InvalidUrl(_))),
                "{bad}"
            );
        }
    }
}
