//! HTTP data types, parsers, the HTTP/1 codec and the HTTP server (Tornado's `httputil`,
//! `http1connection` and `httpserver`).

mod error;
mod headers;

pub use error::HttpInputError;
pub use headers::{normalize_header_name, HttpHeaders};

pub mod codec;

pub use codec::{BodyLength, CodecLimits, RequestHead, ResponseHead, Version};
pub mod server;

#[cfg(unix)]
pub use server::bind_unix_socket;
#[cfg(feature = "tls")]
pub use server::TlsConfig;
pub use server::{
    bind_sockets, delegate_fn, BindOptions, Body, BodyError, ConnectionInfo, HttpServer,
    HttpServerDelegate, ResponseWriter, ServerHandle, ServerRequest, ServerSettings, WriteError,
};
