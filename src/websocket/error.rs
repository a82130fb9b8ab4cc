//! [`WebSocketError`]: what can go wrong with a WebSocket, on either end.

use std::fmt;

use super::codec::ProtocolError;

/// An error of the WebSocket module.
#[derive(Debug)]
#[non_exhaustive]
pub enum WebSocketError {
    /// The connection is closed (or closing): nothing more can be written (Tornado's
    /// `WebSocketClosedError`).
    Closed,
    /// The peer does not read and the outbound buffer hit `max_write_buffer_size`; the
    /// connection was closed.
    BufferFull,
    /// The peer broke the protocol.
    Protocol(ProtocolError),
    /// The handshake failed (client side): the server did not switch protocols, or its answer
    /// was not a valid WebSocket handshake.
    Handshake(String),
    /// A URL that is not `ws://` or `wss://`, or cannot be parsed.
    InvalidUrl(String),
    /// Connecting (or the handshake) took longer than `connect_timeout`.
    Timeout,
    /// A value could not be serialised to JSON.
    Json(serde_json::Error),
    /// The socket failed.
    Io(std::io::Error),
}

impl fmt::Display for WebSocketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebSocketError::Closed => f.write_str("websocket closed"),
            WebSocketError::BufferFull => {
                f.write_str("websocket write buffer full; connection closed")
            }
            WebSocketError::Protocol(e) => write!(f, "websocket protocol error: {e}"),
            WebSocketError::Handshake(m) => write!(f, "websocket handshake failed: {m}"),
            WebSocketError::InvalidUrl(u) => write!(f, "invalid websocket URL: {u}"),
            WebSocketError::Timeout => f.write_str("websocket connection timed out"),
            WebSocketError::Json(e) => write!(f, "cannot encode message as JSON: {e}"),
            WebSocketError::Io(e) => write!(f, "websocket I/O error: {e}"),
        }
    }
}

impl std::error::Error for WebSocketError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WebSocketError::Protocol(e) => Some(e),
            WebSocketError::Json(e) => Some(e),
            WebSocketError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for WebSocketError {
    fn from(e: std::io::Error) -> Self {
        WebSocketError::Io(e)
    }
}
