//! Error types of the HTTP layer.

use std::borrow::Cow;
use std::fmt;

/// Malformed input from the peer (Tornado's `HTTPInputError`): a bad start line, header block,
/// body framing or form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpInputError {
    message: Cow<'static, str>,
}

impl HttpInputError {
    /// An error with the given message.
    pub fn new(message: impl Into<Cow<'static, str>>) -> Self {
        HttpInputError {
            message: message.into(),
        }
    }

    /// What was wrong with the input.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for HttpInputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HttpInputError {}
