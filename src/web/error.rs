//! Errors a handler returns, and how they become responses.

use std::borrow::Cow;
use std::fmt;

/// An error that becomes an HTTP response with `status` (Tornado's `HTTPError`).
///
/// `log_message` goes to the log (not to the client); `reason` replaces the standard reason
/// phrase.
///
/// ```
/// use tornado::web::HttpError;
/// let e = HttpError::new(403).log_message("user 7 may not edit story 9");
/// assert_eq!(e.status, 403);
/// assert_eq!(e.to_string(), "HTTP 403: Forbidden (user 7 may not edit story 9)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpError {
    /// The response status.
    pub status: u16,
    /// A custom reason phrase.
    pub reason: Option<String>,
    /// What to log.
    pub log_message: Option<String>,
}

impl HttpError {
    /// An error with this status.
    pub fn new(status: u16) -> Self {
        HttpError {
            status,
            reason: None,
            log_message: None,
        }
    }

    /// Sets the text logged for this error.
    pub fn log_message(mut self, message: impl Into<String>) -> Self {
        self.log_message = Some(message.into());
        self
    }

    /// Sets a custom reason phrase.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// The reason phrase sent: the custom one, or the standard one (`Unknown` for unknown codes).
    pub fn reason_phrase(&self) -> Cow<'_, str> {
        match &self.reason {
            Some(r) => Cow::Borrowed(r),
            None => Cow::Borrowed(crate::http::codec::reason_phrase(self.status)),
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}: {}", self.status, self.reason_phrase())?;
        if let Some(m) = &self.log_message {
            write!(f, " ({m})")?;
        }
        Ok(())
    }
}

impl std::error::Error for HttpError {}

/// What a handler method returns on failure (`web::Result<T>` is `Result<T, WebError>`).
///
/// Every variant turns into a response: [`Http`](Self::Http) and
/// [`MissingArgument`](Self::MissingArgument) into their status through `write_error`,
/// [`Finish`](Self::Finish) into finishing the response as it stands (Tornado's `Finish`), and
/// [`Other`](Self::Other) — any other error, via `?` — into a logged `500`.
#[derive(Debug)]
#[non_exhaustive]
pub enum WebError {
    /// An HTTP error with a status.
    Http(HttpError),
    /// A required argument is missing (`400`, `Missing argument <name>`).
    MissingArgument(String),
    /// End the request now, writing what was set (`Finish`).
    Finish,
    /// Anything else: a `500` whose cause is logged (and shown with `serve_traceback`).
    Other(Box<dyn std::error::Error + Send + Sync>),
}

impl WebError {
    /// The status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            WebError::Http(e) => e.status,
            WebError::MissingArgument(_) => 400,
            WebError::Finish => 200,
            WebError::Other(_) => 500,
        }
    }

    /// Shorthand for `WebError::Http(HttpError::new(status))`.
    pub fn status_code(status: u16) -> Self {
        WebError::Http(HttpError::new(status))
    }
}

impl fmt::Display for WebError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebError::Http(e) => e.fmt(f),
            WebError::MissingArgument(name) => {
                write!(f, "HTTP 400: Bad Request (Missing argument {name})")
            }
            WebError::Finish => f.write_str("Finish"),
            WebError::Other(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for WebError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WebError::Other(e) => Some(&**e),
            WebError::Http(e) => Some(e),
            _ => None,
        }
    }
}

impl From<HttpError> for WebError {
    fn from(e: HttpError) -> Self {
        WebError::Http(e)
    }
}

macro_rules! other_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for WebError {
            fn from(e: $t) -> Self {
                WebError::Other(Box::new(e))
            }
        }
    )*};
}

other_errors!(
    std::io::Error,
    serde_json::Error,
    std::num::ParseIntError,
    std::num::ParseFloatError,
    std::str::Utf8Error,
    std::string::FromUtf8Error,
    crate::http::WriteError,
    actix::MailboxError
);

impl From<Box<dyn std::error::Error + Send + Sync>> for WebError {
    fn from(e: Box<dyn std::error::Error + Send + Sync>) -> Self {
        WebError::Other(e)
    }
}

/// The result type of handler methods.
pub type Result<T = (), E = WebError> = std::result::Result<T, E>;
