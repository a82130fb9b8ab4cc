//! An asynchronous HTTP/1.1 client (Tornado's `tornado.httpclient`).
//!
//! # Fetching
//!
//! [`AsyncHttpClient`] is an actor that owns a keep-alive connection pool (per scheme, host and
//! port) and a `max_clients` limit (default 10) with a FIFO queue; the handle is cheap to clone
//! and works from any thread. [`AsyncHttpClient::current`] is the arbiter's shared client.
//!
//! ```no_run
//! # async fn demo() -> Result<(), tornado::httpclient::HttpClientError> {
//! use tornado::httpclient::{AsyncHttpClient, HttpRequest};
//!
//! let client = AsyncHttpClient::current();
//! let response = client.fetch("http://127.0.0.1:8888/").await?;
//! assert_eq!(response.code, 200);
//! # Ok(()) }
//! ```
//!
//! # Requests and responses
//!
//! [`HttpRequest`] carries Tornado's options with Tornado's defaults (20 s timeouts, 5
//! redirects, gzip on, certificate validation on…). [`HttpResponse`] has `code`, `reason`,
//! `headers`, `body`, `effective_url`, `request_time` and `time_info`.
//!
//! # Errors
//!
//! [`HttpClientError`] has a [`kind`](HttpClientError::kind) and a
//! [`code`](HttpClientError::code): the status for a non-2xx response (which it carries; see
//! [`AsyncHttpClient::fetch_with`] to get such responses back instead), and 599 when there was
//! no HTTP response — timeouts (`Timeout in request queue`, `Timeout while connecting`,
//! `Timeout during request`), refused connections, TLS failures, broken responses, bodies over
//! `max_body_size`.
//!
//! # Redirects
//!
//! 301, 302, 303, 307 and 308 with a `Location` are followed up to `max_redirects`: 303 (and
//! 301/302 after a `POST`) become a `GET` without body, 307/308 keep method and body.
//! `Authorization` and `Cookie` headers (and `auth_username`) are not sent to another origin.
//!
//! # Streaming
//!
//! A `streaming_callback` gets the body in pieces; [`AsyncHttpClient::fetch_stream`] gives it
//! as a [`Stream`](futures_core::Stream) with backpressure. A `body_producer` streams the
//! request body.
//!
//! # Blocking use
//!
//! [`HttpClient`] runs a client on its own thread for scripts and tests.

mod blocking;
mod client;
mod conn;
mod connect;
mod error;
mod pool;
mod prepare;
mod request;
mod response;
mod stream;
mod url;

pub use blocking::HttpClient;
pub use client::{AsyncHttpClient, ClientOptions};
pub use error::{ErrorKind, HttpClientError};
pub use pool::ClientStats;
pub use request::{
    AuthMode, BodyProducer, BodyWriter, HeaderCallback, HttpRequest, StreamingCallback,
};
pub use response::{HttpResponse, TimeInfo};
pub use stream::{ResponseStream, StreamHead};
pub use url::urljoin;
