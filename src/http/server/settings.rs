//! Server settings, with Tornado's names and defaults.

use std::time::Duration;

use crate::http::codec::CodecLimits;

/// How an [`HttpServer`](super::HttpServer) treats connections and requests.
///
/// Field names follow Tornado's `HTTPServer` arguments; durations are [`Duration`]s.
///
/// ```
/// use std::time::Duration;
/// use tornado::http::ServerSettings;
///
/// let settings = ServerSettings {
///     xheaders: true,
///     idle_connection_timeout: Duration::from_secs(60),
///     ..ServerSettings::default()
/// };
/// assert_eq!(settings.max_header_size, 65536);
/// ```
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// Take the client address from `X-Real-Ip`/`X-Forwarded-For` and the scheme from
    /// `X-Scheme`/`X-Forwarded-Proto` (for servers behind a proxy). Default: off.
    pub xheaders: bool,
    /// Force `request.protocol` (e.g. `"https"` behind a TLS-terminating proxy that sets no
    /// headers). Default: `None` (`http`, or `https` on TLS connections).
    pub protocol: Option<String>,
    /// Close the connection after every response. Default: off.
    pub no_keep_alive: bool,
    /// Inflate gzip request bodies; the body limit applies to the inflated size. Default: off.
    pub decompress_request: bool,
    /// Largest body piece handed to a streaming delegate. Default: 64 KiB.
    pub chunk_size: usize,
    /// Largest request line plus header block. Default: 64 KiB.
    pub max_header_size: usize,
    /// Most header fields in one request. Default: 100.
    pub max_headers: usize,
    /// Largest request body. Default: 100 MB (104857600 bytes).
    pub max_body_size: u64,
    /// How long a keep-alive connection may wait for its next request. Default: 3600 s.
    pub idle_connection_timeout: Duration,
    /// How long a client may take to send a request's head once it started it (slow-header
    /// clients are closed). Default: 60 s.
    pub header_timeout: Duration,
    /// How long a client may take to send a body. Default: `None` (no limit).
    pub body_timeout: Option<Duration>,
    /// Most open connections; accepting pauses at the limit. Default: `None` (no limit).
    pub max_connections: Option<usize>,
    /// Output buffered beyond this stops a handler's `flush` until it drains. Default: 256 KiB.
    pub write_high_water: usize,
    /// A waiting `flush` resumes once output is below this. Default: 64 KiB.
    pub write_low_water: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            xheaders: false,
            protocol: None,
            no_keep_alive: false,
            decompress_request: false,
            chunk_size: 65536,
            max_header_size: 65536,
            max_headers: 100,
            max_body_size: 104_857_600,
            idle_connection_timeout: Duration::from_secs(3600),
            header_timeout: Duration::from_secs(60),
            body_timeout: None,
            max_connections: None,
            write_high_water: 256 * 1024,
            write_low_water: 64 * 1024,
        }
    }
}

impl ServerSettings {
    pub(crate) fn codec_limits(&self) -> CodecLimits {
        CodecLimits {
            max_header_size: self.max_header_size,
            max_headers: self.max_headers,
            max_body_size: self.max_body_size,
            chunk_size: self.chunk_size,
            decompress: self.decompress_request,
        }
    }
}
