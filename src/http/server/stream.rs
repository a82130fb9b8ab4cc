//! The transports a server connection can run over: the networking layer's
//! [`NetStream`](crate::net::NetStream).

/// A server-side connection's byte stream: TCP, a Unix socket, or TLS over TCP. The same type
/// as [`crate::net::NetStream`].
pub type ServerStream = crate::net::NetStream;
