//! `HttpRequest`: what to fetch and how (Tornado's `HTTPRequest`).

use std::fmt;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::future::BoxFuture;

use crate::http::HttpHeaders;

/// Receives body chunks instead of [`HttpResponse::body`](super::HttpResponse::body).
pub type StreamingCallback = Arc<dyn Fn(Bytes) + Send + Sync>;

/// Receives the status line, each header line (`Name: value\r\n`) and a final `\r\n`.
pub type HeaderCallback = Arc<dyn Fn(&str) + Send + Sync>;

/// Produces a request body by writing to the [`BodyWriter`] it is given; called again for a
/// redirect that keeps the body (307/308).
pub type BodyProducer = Arc<dyn Fn(BodyWriter) -> BoxFuture<'static, io::Result<()>> + Send + Sync>;

/// Where a [`BodyProducer`] writes the body. Writes wait while the connection is busy sending
/// earlier pieces, so a producer never runs ahead of the network.
#[derive(Debug, Clone)]
pub struct BodyWriter {
    pub(crate) tx: tokio::sync::mpsc::Sender<Bytes>,
}

impl BodyWriter {
    /// Sends a piece of the body. Fails when the request was abandoned (error, timeout).
    pub async fn write(&self, data: impl Into<Bytes>) -> io::Result<()> {
        self.tx.send(data.into()).await.map_err(|_| {
            io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the request this body belongs to is gone",
            )
        })
    }
}

/// How credentials are sent. Only Basic (`Authorization: Basic …`) is supported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AuthMode {
    /// RFC 7617 Basic authentication.
    #[default]
    Basic,
}

/// A request to fetch, with Tornado's options and defaults.
///
/// Fields are public, and each has a builder method of the same name:
///
/// ```
/// use std::time::Duration;
/// use tornado::httpclient::HttpRequest;
///
/// let req = HttpRequest::new("http://127.0.0.1:8888/api")
///     .method("POST")
///     .header("Content-Type", "application/json")
///     .body(r#"{"a": 1}"#)
///     .request_timeout(Duration::from_secs(5));
/// assert_eq!(req.method, "POST");
/// assert!(req.follow_redirects);
/// ```
#[derive(Clone)]
pub struct HttpRequest {
    /// The URL (`http://` or `https://`; userinfo becomes Basic auth).
    pub url: String,
    /// The method. Default: `GET`.
    pub method: String,
    /// Extra request headers. `Host`, `User-Agent`, `Accept-Encoding`, `Content-Length` are
    /// added when missing.
    pub headers: HttpHeaders,
    /// The body. Default: none.
    pub body: Option<Bytes>,
    /// A streamed body, sent chunked unless a `Content-Length` header is given.
    pub body_producer: Option<BodyProducer>,
    /// User name for authentication. Default: none.
    pub auth_username: Option<String>,
    /// Password for authentication. Default: none.
    pub auth_password: Option<String>,
    /// How credentials are sent. Default: Basic.
    pub auth_mode: AuthMode,
    /// Limit for waiting in the queue plus connecting. `Duration::ZERO` means none.
    /// Default: 20 s.
    pub connect_timeout: Duration,
    /// Limit for the whole request, queue time included. `Duration::ZERO` means none.
    /// Default: 20 s.
    pub request_timeout: Duration,
    /// Follow 301/302/303/307/308 redirects. Default: true.
    pub follow_redirects: bool,
    /// Most redirects followed. Default: 5.
    pub max_redirects: usize,
    /// `User-Agent` when no such header is given. Default: `Tornado/<version>`.
    pub user_agent: Option<String>,
    /// Ask for gzip and inflate it (within `max_body_size`). Default: true.
    pub decompress_response: bool,
    /// Receives the body in pieces; the response's `body` is then empty. Not called for
    /// redirect responses.
    pub streaming_callback: Option<StreamingCallback>,
    /// Receives the response's header lines; not called for redirect responses.
    pub header_callback: Option<HeaderCallback>,
    /// Allow methods other than GET/HEAD/POST/PUT/DELETE/PATCH/OPTIONS, and bodies where the
    /// method does not expect one (or none where it does). Default: false.
    pub allow_nonstandard_methods: bool,
    /// Check the server's certificate and name. Default: true.
    pub validate_cert: bool,
    /// PEM file of CA certificates to trust instead of the system's. Default: none.
    pub ca_certs: Option<PathBuf>,
    /// PEM file with a client certificate chain. Default: none.
    pub client_cert: Option<PathBuf>,
    /// PEM file with the client certificate's private key. Default: none.
    pub client_key: Option<PathBuf>,
    /// Largest response header block; `None` uses the client's (64 KiB by default).
    pub max_header_size: Option<usize>,
    /// Largest response body (after inflation); `None` uses the client's (100 MB by default).
    pub max_body_size: Option<u64>,
    /// Send `Expect: 100-continue` and the body only after the server's `100 Continue`.
    /// Default: false.
    pub expect_100_continue: bool,
    /// Sends `If-Modified-Since`. Default: none.
    pub if_modified_since: Option<SystemTime>,
    /// Local address to connect from. Default: any.
    pub network_interface: Option<IpAddr>,
}

impl HttpRequest {
    /// A `GET` of `url` with Tornado's defaults.
    pub fn new(url: impl Into<String>) -> Self {
        HttpRequest {
            url: url.into(),
            method: "GET".to_owned(),
            headers: HttpHeaders::new(),
            body: None,
            body_producer: None,
            auth_username: None,
            auth_password: None,
            auth_mode: AuthMode::Basic,
            connect_timeout: Duration::from_secs(20),
            request_timeout: Duration::from_secs(20),
            follow_redirects: true,
            max_redirects: 5,
            user_agent: None,
            decompress_response: true,
            streaming_callback: None,
            header_callback: None,
            allow_nonstandard_methods: false,
            validate_cert: true,
            ca_certs: None,
            client_cert: None,
            client_key: None,
            max_header_size: None,
            max_body_size: None,
            expect_100_continue: false,
            if_modified_since: None,
            network_interface: None,
        }
    }

    /// Sets the method.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = method.into();
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.add(name, value);
        self
    }

    /// Replaces the headers.
    pub fn headers(mut self, headers: HttpHeaders) -> Self {
        self.headers = headers;
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Streams the body from `producer`, which writes pieces to the [`BodyWriter`] it gets.
    pub fn body_producer<F, Fut>(mut self, producer: F) -> Self
    where
        F: Fn(BodyWriter) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = io::Result<()>> + Send + 'static,
    {
        self.body_producer = Some(Arc::new(move |w| Box::pin(producer(w))));
        self
    }

    /// Basic-auth credentials.
    pub fn auth(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.auth_username = Some(username.into());
        self.auth_password = Some(password.into());
        self
    }

    /// Sets [`connect_timeout`](Self::connect_timeout).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets [`request_timeout`](Self::request_timeout).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets [`follow_redirects`](Self::follow_redirects).
    pub fn follow_redirects(mut self, follow: bool) -> Self {
        self.follow_redirects = follow;
        self
    }

    /// Sets [`max_redirects`](Self::max_redirects).
    pub fn max_redirects(mut self, n: usize) -> Self {
        self.max_redirects = n;
        self
    }

    /// Sets [`user_agent`](Self::user_agent).
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = Some(agent.into());
        self
    }

    /// Sets [`decompress_response`](Self::decompress_response).
    pub fn decompress_response(mut self, on: bool) -> Self {
        self.decompress_response = on;
        self
    }

    /// Sets [`streaming_callback`](Self::streaming_callback).
    pub fn streaming_callback(mut self, f: impl Fn(Bytes) + Send + Sync + 'static) -> Self {
        self.streaming_callback = Some(Arc::new(f));
        self
    }

    /// Sets [`header_callback`](Self::header_callback).
    pub fn header_callback(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.header_callback = Some(Arc::new(f));
        self
    }

    /// Sets [`allow_nonstandard_methods`](Self::allow_nonstandard_methods).
    pub fn allow_nonstandard_methods(mut self, on: bool) -> Self {
        self.allow_nonstandard_methods = on;
        self
    }

    /// Sets [`validate_cert`](Self::validate_cert).
    pub fn validate_cert(mut self, on: bool) -> Self {
        self.validate_cert = on;
        self
    }

    /// Sets [`ca_certs`](Self::ca_certs).
    pub fn ca_certs(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_certs = Some(path.into());
        self
    }

    /// Sets [`client_cert`](Self::client_cert) and [`client_key`](Self::client_key).
    pub fn client_cert(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.client_cert = Some(cert.into());
        self.client_key = Some(key.into());
        self
    }

    /// Sets [`max_header_size`](Self::max_header_size).
    pub fn max_header_size(mut self, n: usize) -> Self {
        self.max_header_size = Some(n);
        self
    }

    /// Sets [`max_body_size`](Self::max_body_size).
    pub fn max_body_size(mut self, n: u64) -> Self {
        self.max_body_size = Some(n);
        self
    }

    /// Sets [`expect_100_continue`](Self::expect_100_continue).
    pub fn expect_100_continue(mut self, on: bool) -> Self {
        self.expect_100_continue = on;
        self
    }

    /// Sets [`if_modified_since`](Self::if_modified_since).
    pub fn if_modified_since(mut self, t: SystemTime) -> Self {
        self.if_modified_since = Some(t);
        self
    }

    /// Sets [`network_interface`](Self::network_interface).
    pub fn network_interface(mut self, ip: IpAddr) -> Self {
        self.network_interface = Some(ip);
        self
    }
}

impl From<&str> for HttpRequest {
    fn from(url: &str) -> Self {
        HttpRequest::new(url)
    }
}

impl From<String> for HttpRequest {
    fn from(url: String) -> Self {
        HttpRequest::new(url)
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            // Names only: values may hold credentials.
            .field("headers", &self.headers.names())
            .field("body_len", &self.body.as_ref().map(Bytes::len))
            .field("body_producer", &self.body_producer.is_some())
            .field("follow_redirects", &self.follow_redirects)
            .finish_non_exhaustive()
    }
}
