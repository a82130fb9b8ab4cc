//! Errors of the networking layer.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

/// Why an [`IoStream`](super::IoStream) operation failed.
///
/// Once a stream has failed it stays closed: later operations return
/// [`StreamError::Closed`] carrying the same cause.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum StreamError {
    /// The stream is closed (Tornado's `StreamClosedError`). `cause` is what closed it: the
    /// socket error, or the error a bounded read ran into; `None` when it was closed cleanly
    /// (end of file from the peer, or [`close`](super::IoStream::close) on our side).
    Closed {
        /// The error that closed the stream, if it did not close cleanly.
        cause: Option<Arc<io::Error>>,
    },
    /// The delimiter or pattern was not found within `max_bytes` (Tornado's
    /// `UnsatisfiableReadError`). The stream is closed.
    UnsatisfiableRead {
        /// The `max_bytes` the read was given.
        max_bytes: usize,
    },
    /// Satisfying the read would buffer more than `max_buffer_size` bytes (Tornado's
    /// `StreamBufferFullError`). The stream is closed.
    BufferFull {
        /// The stream's `max_buffer_size`.
        max_buffer_size: usize,
    },
    /// Another operation made no sense in the stream's state (for example `start_tls` with
    /// unread data buffered). The stream is left as it was.
    InvalidState(&'static str),
}

impl StreamError {
    /// `true` for [`StreamError::Closed`].
    pub fn is_closed(&self) -> bool {
        matches!(self, StreamError::Closed { .. })
    }

    /// The error that closed the stream (Tornado's `real_error`), if any.
    pub fn cause(&self) -> Option<&io::Error> {
        match self {
            StreamError::Closed { cause } => cause.as_deref(),
            _ => None,
        }
    }

    pub(crate) fn closed_by(e: io::Error) -> StreamError {
        StreamError::Closed {
            cause: Some(Arc::new(e)),
        }
    }
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Closed { cause: None } => f.write_str("stream closed"),
            StreamError::Closed { cause: Some(e) } => write!(f, "stream closed: {e}"),
            StreamError::UnsatisfiableRead { max_bytes } => {
                write!(f, "delimiter not found within {max_bytes} bytes")
            }
            StreamError::BufferFull { max_buffer_size } => {
                write!(
                    f,
                    "reached the maximum read buffer size of {max_buffer_size} bytes"
                )
            }
            StreamError::InvalidState(what) => f.write_str(what),
        }
    }
}

impl std::error::Error for StreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StreamError::Closed { cause: Some(e) } => Some(&**e),
            _ => None,
        }
    }
}

impl From<StreamError> for io::Error {
    fn from(e: StreamError) -> io::Error {
        let kind = match &e {
            StreamError::Closed { cause: Some(c) } => c.kind(),
            StreamError::Closed { cause: None } => io::ErrorKind::NotConnected,
            StreamError::UnsatisfiableRead { .. } | StreamError::BufferFull { .. } => {
                io::ErrorKind::InvalidData
            }
            StreamError::InvalidState(_) => io::ErrorKind::InvalidInput,
        };
        io::Error::new(kind, e)
    }
}

/// Why [`TcpClient::connect`](super::TcpClient::connect) failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnectError {
    /// The host name could not be resolved, or resolved to no address.
    Resolve {
        /// The host that was looked up.
        host: String,
        /// The resolver's error.
        source: io::Error,
    },
    /// No connection was made within the timeout.
    Timeout(Duration),
    /// Every address was tried and refused or unreachable; this is the last failure.
    Connect(io::Error),
    /// The TCP connection was made but the TLS handshake failed (a certificate that does
    /// not verify, no common protocol…).
    Tls(io::Error),
    /// The options are unusable (a bad TLS server name, a source address of the wrong
    /// family…).
    InvalidInput(String),
}

impl ConnectError {
    /// `true` for [`ConnectError::Timeout`].
    pub fn is_timeout(&self) -> bool {
        matches!(self, ConnectError::Timeout(_))
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Resolve { host, source } => {
                write!(f, "cannot resolve {host:?}: {source}")
            }
            ConnectError::Timeout(d) => write!(f, "connect timed out after {d:?}"),
            ConnectError::Connect(e) => write!(f, "connect failed: {e}"),
            ConnectError::Tls(e) => write!(f, "TLS handshake failed: {e}"),
            ConnectError::InvalidInput(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConnectError::Resolve { source, .. } => Some(source),
            ConnectError::Connect(e) | ConnectError::Tls(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ConnectError> for io::Error {
    fn from(e: ConnectError) -> io::Error {
        let kind = match &e {
            ConnectError::Resolve { source, .. } => source.kind(),
            ConnectError::Timeout(_) => io::ErrorKind::TimedOut,
            ConnectError::Connect(c) | ConnectError::Tls(c) => c.kind(),
            ConnectError::InvalidInput(_) => io::ErrorKind::InvalidInput,
        };
        io::Error::new(kind, e)
    }
}
