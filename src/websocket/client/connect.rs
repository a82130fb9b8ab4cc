//! Connecting a client: the URL, the transport (TCP or TLS) and the opening handshake.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

use super::WebSocketConnectOptions;
use crate::http::HttpHeaders;
use crate::websocket::codec::{accept_client, client_offer, DeflateConfig};
use crate::websocket::error::WebSocketError;
use crate::websocket::handshake::{accept_key, new_client_key};

/// A parsed `ws://` or `wss://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct WsUrl {
    pub(super) secure: bool,
    pub(super) host: String,
    pub(super) port: u16,
    /// Path and query.
    pub(super) resource: String,
}

pub(super) fn parse_url(url: &str) -> Result<WsUrl, WebSocketError> {
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
pub(super) enum ClientStream {
    Tcp(TcpStream),
    #[cfg(feature = "tls")]
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl ClientStream {
    pub(super) fn set_nodelay(&self, on: bool) -> io::Result<()> {
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
pub(super) async fn open_stream(
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
pub(super) struct Handshaken {
    pub(super) leftover: BytesMut,
    pub(super) subprotocol: Option<String>,
    pub(super) deflate: Option<DeflateConfig>,
}

/// The largest handshake response accepted.
const MAX_RESPONSE_HEAD: usize = 64 * 1024;

pub(super) async fn handshake(
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
