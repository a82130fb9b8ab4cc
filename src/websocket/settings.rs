//! [`WebSocketSettings`]: limits and timers of a WebSocket connection.

use std::time::Duration;

use super::codec::DEFAULT_MAX_MESSAGE_SIZE;

/// Limits and timers of WebSocket connections (Tornado's `websocket_*` application settings,
/// plus the outbound buffer bounds). Give them to the application with
/// `Application::builder().extension(WebSocketSettings { .. })`, or to one route with
/// [`route_with`](super::route_with); the client takes them in its options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebSocketSettings {
    /// The largest message accepted, after decompression; a larger one closes the connection
    /// with 1009. Default: 10 MiB.
    pub max_message_size: usize,
    /// Send a ping this often. Default: `None` (no pings).
    pub ping_interval: Option<Duration>,
    /// Close the connection when no pong arrives this long after a ping. Default: `None`,
    /// which means three ping intervals, but at least 30 seconds (Tornado's default).
    pub ping_timeout: Option<Duration>,
    /// Stop reading from the peer while more than this many bytes wait to be written (a peer
    /// that sends but does not read is slowed by TCP, not by our memory). Default: 1 MiB.
    pub write_high_water: usize,
    /// Close the connection (and fail the write with `BufferFull`) when the outbound buffer
    /// would grow past this. Default: 16 MiB.
    pub max_write_buffer_size: usize,
    /// Close the connection when buffered output makes no progress for this long (a peer
    /// that stopped reading). Default: 60 seconds.
    pub write_timeout: Duration,
    /// How long to wait for the peer's close frame (and, for the client, the server's TCP
    /// close) after sending ours. Default: 5 seconds.
    pub close_timeout: Duration,
}

impl Default for WebSocketSettings {
    fn default() -> Self {
        WebSocketSettings {
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            ping_interval: None,
            ping_timeout: None,
            write_high_water: 1024 * 1024,
            max_write_buffer_size: 16 * 1024 * 1024,
            write_timeout: Duration::from_secs(60),
            close_timeout: Duration::from_secs(5),
        }
    }
}

impl WebSocketSettings {
    /// The effective ping timeout: the setting, or `max(3 × interval, 30 s)`.
    pub fn effective_ping_timeout(&self) -> Option<Duration> {
        let interval = self.ping_interval?;
        Some(
            self.ping_timeout
                .unwrap_or_else(|| (interval * 3).max(Duration::from_secs(30))),
        )
    }
}
