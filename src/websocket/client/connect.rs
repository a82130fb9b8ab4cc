//! Connecting a client: the URL, the transport (TCP or TLS) and the opening handshake.

use std::io;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::WebSocketConnectOptions;
use crate::http::HttpHeaders;
#[cfg(feature = "tls")]
use crate::net::TlsClientConfig;
use crate::net::{ConnectOptions, NetStream, TcpClient};
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

/// Opens the transport to the server through [`TcpClient`] (the options' resolver, happy
/// eyeballs, and for `wss://` TLS with the options' configuration, else the system's roots).
pub(super) async fn open_stream(
    url: &WsUrl,
    options: &WebSocketConnectOptions,
) -> Result<NetStream, WebSocketError> {
    let client = match &options.resolver {
        Some(resolver) => TcpClient::with_resolver(resolver.clone()),
        None => TcpClient::new(),
    };
    #[allow(unused_mut)]
    let mut connect = ConnectOptions::default();
    if url.secure {
        #[cfg(feature = "tls")]
        {
            connect.tls = Some(match &options.tls {
                Some(config) => config.clone(),
                None => TlsClientConfig::system()?,
            });
        }
        #[cfg(not(feature = "tls"))]
        return Err(WebSocketError::Handshake(
            "wss:// needs the `tls` feature".into(),
        ));
    }
    let stream = client
        .connect_stream(&url.host, url.port, &connect)
        .await
        .map_err(|e| WebSocketError::Io(io::Error::other(e)))?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
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
    io: &mut NetStream,
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
