//! The HTTP/1.x codec: a [`tokio_util::codec`] decoder for requests and an encoder for
//! responses, with no actix types, so the server and the client share the same rules.
//!
//! The decoder yields a [`RequestItem::Head`], then the body as [`RequestItem::Data`] pieces of at
//! most `chunk_size` bytes, then [`RequestItem::End`] — also for requests without a body. It
//! enforces the limits of [`CodecLimits`] and the framing rules that keep request smuggling out:
//!
//! | input | result |
//! |---|---|
//! | `Content-Length` together with `Transfer-Encoding` | 400 |
//! | differing duplicate `Content-Length` (identical ones are accepted) | 400 |
//! | a length or chunk size that is not plain digits, or overflows | 400 |
//! | `Transfer-Encoding` that is not a single final `chunked` | 400, or 501 for `gzip, chunked` |
//! | control characters in the start line or a header | 400 |
//! | whitespace between a header name and its colon | 400 |
//! | HTTP/1.1 without exactly one `Host` | 400 |
//! | header block over `max_header_size` or more than `max_headers` fields | 431 |
//! | declared or chunked body over `max_body_size` | 413, before the body is read |
//! | an HTTP major version other than 1 | 505 |
//!
//! # Examples
//!
//! ```
//! use bytes::BytesMut;
//! use tokio_util::codec::Decoder;
//! use tornado::http::codec::{RequestDecoder, RequestItem};
//!
//! let mut dec = RequestDecoder::default();
//! let mut buf = BytesMut::from(&b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"[..]);
//! let Some(RequestItem::Head(head)) = dec.decode(&mut buf).unwrap() else { panic!() };
//! assert_eq!((head.method.as_str(), head.uri.as_str()), ("POST", "/x"));
//! assert_eq!(dec.decode(&mut buf).unwrap(), Some(RequestItem::Data("hi".into())));
//! assert_eq!(dec.decode(&mut buf).unwrap(), Some(RequestItem::End));
//! ```

mod chunked;
mod client;
mod date;
mod decode;
mod encode;
mod error;
mod status;

pub use client::{
    ClientResponseHead, RequestEncoder, RequestFraming, ResponseDecoder, ResponseFraming,
    ResponsePart,
};
pub use decode::{RequestDecoder, RequestItem};
pub(crate) use encode::External;
pub use encode::{ResponseEncoder, ResponseItem};
pub use error::{DecodeError, EncodeError};
pub use status::reason_phrase;

use super::{HttpHeaders, SharedStr};

/// Whether a comma-separated header value (`Connection: keep-alive, Upgrade`) lists `token`,
/// compared without case, around optional whitespace.
pub(crate) fn lists_token(value: &str, token: &str) -> bool {
    value
        .split(',')
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(token))
}

/// Limits the decoder enforces. Defaults follow Tornado's.
#[derive(Debug, Clone)]
pub struct CodecLimits {
    /// Largest request-line plus header block. Default: 64 KiB.
    pub max_header_size: usize,
    /// Most header fields in one request. Default: 100.
    pub max_headers: usize,
    /// Largest request body (after decompression when that is on). Default: 100 MB
    /// (104857600 bytes, Tornado's `max_buffer_size`).
    pub max_body_size: u64,
    /// Largest body piece handed out at once. Default: 64 KiB.
    pub chunk_size: usize,
    /// Inflate gzip request bodies (Tornado's `decompress_request`). Default: off.
    pub decompress: bool,
}

impl Default for CodecLimits {
    fn default() -> Self {
        CodecLimits {
            max_header_size: 65536,
            max_headers: 100,
            max_body_size: 104_857_600,
            chunk_size: 65536,
            decompress: false,
        }
    }
}

/// HTTP protocol version of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// HTTP/1.0
    Http10,
    /// HTTP/1.1 (also used for any later 1.x minor version)
    Http11,
}

impl Version {
    /// `"HTTP/1.0"` or `"HTTP/1.1"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a message's body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyLength {
    /// No body.
    Empty,
    /// `Content-Length: n`.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// A decoded request line and header block, with what the framing rules made of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// The method, as sent (`GET`, `PROPFIND`…).
    pub method: SharedStr,
    /// The request target, as sent.
    pub uri: SharedStr,
    /// The protocol version.
    pub version: Version,
    /// The header fields. When the body was inflated, `Content-Encoding` is gone and
    /// `X-Consumed-Content-Encoding` says what it was.
    pub headers: HttpHeaders,
    /// How the body is framed.
    pub body: BodyLength,
    /// Whether the client allows the connection to stay open after this request.
    pub keep_alive: bool,
    /// The client sent `Expect: 100-continue` and waits for `100 Continue` before the body.
    pub expect_continue: bool,
}

impl RequestHead {
    /// `true` for `HEAD` requests, whose responses carry no body.
    pub fn is_head(&self) -> bool {
        self.method == "HEAD"
    }
}

/// A response status line and header block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    /// Status code.
    pub status: u16,
    /// Reason phrase; `None` uses the standard one (`Unknown` for codes without one).
    pub reason: Option<String>,
    /// Header fields. `Content-Length` (or `Transfer-Encoding`) set here decides the framing;
    /// otherwise the encoder picks chunked (HTTP/1.1) or close-delimited (HTTP/1.0).
    pub headers: HttpHeaders,
}

impl ResponseHead {
    /// A head with the given status and no headers.
    pub fn new(status: u16) -> Self {
        ResponseHead {
            status,
            reason: None,
            headers: HttpHeaders::new(),
        }
    }
}

/// What the encoder must know about the request a response answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseContext {
    /// The request was `HEAD`: no body is sent whatever the headers say.
    pub head_request: bool,
    /// The request's version (HTTP/1.0 clients get no chunked encoding).
    pub version: Version,
    /// Whether the connection stays open after this response.
    pub keep_alive: bool,
}

#[cfg(test)]
mod tests {
    #[test]
    fn lists_token_finds_a_token_in_any_case_around_whitespace() {
        assert!(super::lists_token("close", "close"));
        assert!(super::lists_token("keep-alive, Upgrade", "upgrade"));
        assert!(super::lists_token(" a ,\tCLOSE\t", "close"));
        assert!(!super::lists_token("closed, x-close", "close"));
        assert!(!super::lists_token("", "close"));
    }
}
