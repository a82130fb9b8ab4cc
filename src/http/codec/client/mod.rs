//! The client role of the HTTP/1 codec: a request encoder and a response decoder.
//!
//! They share the server side's chunked decoder, header parsing, gzip inflater and
//! [`CodecLimits`](super::CodecLimits), so both roles read the wire by the same rules.
//!
//! See [`ResponseDecoder`] for the framing rules.
//!
//! # Examples
//!
//! ```
//! use bytes::BytesMut;
//! use tokio_util::codec::Decoder;
//! use tornado::http::codec::{ResponseDecoder, ResponsePart};
//!
//! let mut dec = ResponseDecoder::default();
//! dec.start_response(false);
//! let mut buf = BytesMut::from(&b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"[..]);
//! let Some(ResponsePart::Head(head)) = dec.decode(&mut buf).unwrap() else { panic!() };
//! assert_eq!((head.status, head.reason.as_str()), (200, "OK"));
//! assert_eq!(dec.decode(&mut buf).unwrap(), Some(ResponsePart::Data("hi".into())));
//! assert_eq!(dec.decode(&mut buf).unwrap(), Some(ResponsePart::End));
//! ```

mod decode;
mod encode;

pub use decode::{ResponseDecoder, ResponsePart};
pub use encode::RequestEncoder;

use super::Version;
use crate::http::HttpHeaders;

/// How a response's body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseFraming {
    /// No body.
    Empty,
    /// `Content-Length: n`.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// The body runs until the server closes the connection.
    UntilClose,
}

/// A decoded status line and header block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientResponseHead {
    /// The protocol version the server answered with.
    pub version: Version,
    /// Status code.
    pub status: u16,
    /// Reason phrase, as sent (may be empty).
    pub reason: String,
    /// Header fields. When the body is inflated, `Content-Encoding` is gone and
    /// `X-Consumed-Content-Encoding` says what it was.
    pub headers: HttpHeaders,
    /// How the body is framed.
    pub body: ResponseFraming,
    /// Whether the connection may carry another request after this response.
    pub keep_alive: bool,
}

impl ClientResponseHead {
    /// `true` for `1xx` responses, which a final response follows.
    pub fn is_interim(&self) -> bool {
        (100..200).contains(&self.status)
    }
}

/// How a request's body is framed, as decided by its headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestFraming {
    /// No body.
    Empty,
    /// `Content-Length: n`.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}
