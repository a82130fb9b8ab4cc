//! The client's error type (Tornado's `HTTPClientError` and its subclasses).

use std::fmt;
use std::sync::Arc;

use super::HttpResponse;

/// What went wrong, in broad strokes; see [`HttpClientError::kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The server answered with a status outside 2xx (and `raise_error` was on). The error
    /// carries the response.
    Http,
    /// A timeout: while queued for a connection slot, while connecting, or during the request.
    Timeout,
    /// The connection could not be made (refused, unreachable, name not resolved).
    Connect,
    /// The TLS handshake failed (untrusted certificate, name mismatch…).
    Tls,
    /// The connection closed or failed before the response was complete.
    StreamClosed,
    /// The server's response broke HTTP/1 (malformed head, bad framing, bad gzip).
    Protocol,
    /// The response's header block was over `max_header_size`.
    HeaderTooLarge,
    /// The response's body was over `max_body_size`.
    BodyTooLarge,
    /// The request cannot be sent as given (bad URL, scheme, method/body mismatch, header).
    InvalidRequest,
    /// The body producer failed.
    BodyProducer,
    /// The client was closed.
    Closed,
}

/// A failed fetch. [`code`](Self::code) is the response status for [`ErrorKind::Http`] and 599
/// — "no HTTP response" — for everything else, as in Tornado.
///
/// `Display` gives an actionable message, e.g. `HTTP 599: Timeout while connecting to
/// 127.0.0.1:8000` or `HTTP 404: Not Found`.
#[derive(Clone)]
pub struct HttpClientError {
    kind: ErrorKind,
    code: u16,
    message: String,
    response: Option<Box<HttpResponse>>,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl HttpClientError {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        HttpClientError {
            kind,
            code: 599,
            message: message.into(),
            response: None,
            source: None,
        }
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// The error for a non-2xx response (without the response attached).
    pub(crate) fn http(code: u16, reason: &str) -> Self {
        HttpClientError {
            kind: ErrorKind::Http,
            code,
            message: reason.to_owned(),
            response: None,
            source: None,
        }
    }

    pub(crate) fn with_response(mut self, response: HttpResponse) -> Self {
        self.response = Some(Box::new(response));
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The HTTP status, or 599 when there was no HTTP response.
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The message (the reason phrase for [`ErrorKind::Http`]).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The response, for [`ErrorKind::Http`] errors.
    pub fn response(&self) -> Option<&HttpResponse> {
        self.response.as_deref()
    }

    /// Takes the response out, for [`ErrorKind::Http`] errors.
    pub fn into_response(self) -> Option<HttpResponse> {
        self.response.map(|r| *r)
    }

    /// `true` for timeouts (Tornado's `HTTPTimeoutError`).
    pub fn is_timeout(&self) -> bool {
        self.kind == ErrorKind::Timeout
    }

    /// `true` for a connection that closed early (Tornado's `HTTPStreamClosedError`).
    pub fn is_stream_closed(&self) -> bool {
        self.kind == ErrorKind::StreamClosed
    }
}

impl fmt::Debug for HttpClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClientError")
            .field("kind", &self.kind)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for HttpClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}: {}", self.code, self.message)?;
        if let Some(source) = &self.source {
            write!(f, " ({source})")?;
        }
        Ok(())
    }
}

impl std::error::Error for HttpClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|s| s.as_ref() as &(dyn std::error::Error + 'static))
    }
}
