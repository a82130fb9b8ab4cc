//! HTTP data types, parsers, the HTTP/1 codec and the HTTP server (Tornado's `httputil`,
//! `http1connection` and `httpserver`).

pub(crate) mod clock;
pub mod codec;
mod error;
mod form;
pub(crate) mod headers;
mod request;
pub mod server;
mod shared_str;
pub(crate) mod util;

pub use codec::{BodyLength, CodecLimits, RequestHead, ResponseHead, Version};
pub use error::HttpInputError;
pub use form::{
    parse_body_arguments, parse_body_arguments_shared, parse_multipart_form_data, Arguments, Files,
    FormError, FormLimits, HttpFile,
};
pub use headers::{normalize_header_name, HeadersIter, HttpHeaders};
pub use request::{HttpServerRequest, HttpServerRequestBuilder, RequestError};
#[cfg(unix)]
pub use server::bind_unix_socket;
#[cfg(feature = "tls")]
pub use server::TlsConfig;
pub use server::{
    bind_sockets, delegate_fn, BindOptions, Body, BodyError, ConnectionInfo, HttpServer,
    HttpServerDelegate, ResponseWriter, ServerHandle, ServerRequest, ServerSettings, WriteError,
};
pub use shared_str::SharedStr;
pub(crate) use util::decimal;
pub use util::{
    encode_header, format_timestamp, get_content_range, parse_cookie, parse_header, parse_qs,
    parse_qs_bytes, parse_request_range, parse_request_start_line, parse_response_start_line,
    qs_to_qsl, split_host_and_port, url_concat, RequestStartLine, ResponseStartLine, Timestamp,
};
