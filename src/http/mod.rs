//! HTTP data types, parsers, the HTTP/1 codec and the HTTP server (Tornado's `httputil`,
//! `http1connection` and `httpserver`).

mod error;
mod headers;

pub use error::HttpInputError;
pub use headers::{normalize_header_name, HttpHeaders};

pub mod codec;

pub use codec::{BodyLength, CodecLimits, RequestHead, ResponseHead, Version};
