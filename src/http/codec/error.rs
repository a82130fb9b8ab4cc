//! Errors of the HTTP/1 codec.

use std::borrow::Cow;
use std::fmt;
use std::io;

/// A request the decoder refuses, with the status the server answers it with.
///
/// Every decode error ends the connection: the server writes an error response with
/// `Connection: close` (unless the peer is gone) and closes.
#[derive(Debug)]
pub struct DecodeError {
    status: u16,
    message: Cow<'static, str>,
    io: Option<io::Error>,
}

impl DecodeError {
    pub(crate) fn new(status: u16, message: impl Into<Cow<'static, str>>) -> Self {
        DecodeError {
            status,
            message: message.into(),
            io: None,
        }
    }

    pub(crate) fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(400, message)
    }

    pub(crate) fn header_too_large(limit: usize) -> Self {
        Self::new(431, format!("header block larger than {limit} bytes"))
    }

    pub(crate) fn body_too_large(limit: u64) -> Self {
        Self::new(413, format!("request body larger than {limit} bytes"))
    }

    /// The HTTP status this error is answered with (400, 413, 431, 501 or 505); 0 for I/O errors.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// A description of what was wrong.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `true` when the error came from the transport, not from the bytes.
    pub fn is_io(&self) -> bool {
        self.io.is_some()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.io {
            Some(e) => write!(f, "I/O error: {e}"),
            None => write!(f, "{} ({})", self.message, self.status),
        }
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.io.as_ref().map(|e| e as _)
    }
}

impl From<io::Error> for DecodeError {
    fn from(e: io::Error) -> Self {
        DecodeError {
            status: 0,
            message: Cow::Borrowed("I/O error"),
            io: Some(e),
        }
    }
}

/// Misuse of the response encoder by the application (Tornado's `HTTPOutputError`).
#[derive(Debug)]
#[non_exhaustive]
pub enum EncodeError {
    /// A header name or value that would break the framing (CR, LF, NUL, or a non-token name).
    InvalidHeader(String),
    /// More body bytes than the `Content-Length` the response declared.
    TooMuchData {
        /// The declared length.
        declared: u64,
    },
    /// The response finished before its declared `Content-Length` was written.
    TooLittleData {
        /// The declared length.
        declared: u64,
        /// What was written.
        written: u64,
    },
    /// The declared `Content-Length` is not a number.
    InvalidContentLength(String),
    /// Body bytes or a finish with no response head before them, or a second head.
    OutOfOrder(&'static str),
    /// The transport failed.
    Io(io::Error),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::InvalidHeader(h) => write!(f, "invalid response header: {h:?}"),
            EncodeError::TooMuchData { declared } => {
                write!(
                    f,
                    "tried to write more data than Content-Length ({declared})"
                )
            }
            EncodeError::TooLittleData { declared, written } => write!(
                f,
                "tried to write {written} bytes less than Content-Length ({declared})",
                written = declared - written
            ),
            EncodeError::InvalidContentLength(v) => write!(f, "invalid Content-Length {v:?}"),
            EncodeError::OutOfOrder(what) => write!(f, "response written out of order: {what}"),
            EncodeError::Io(e) => write!(f, "I/O error: {e}"),
        }
    }
}

impl std::error::Error for EncodeError {}

impl From<io::Error> for EncodeError {
    fn from(e: io::Error) -> Self {
        EncodeError::Io(e)
    }
}
