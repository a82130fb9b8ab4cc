//! Template errors.

use std::fmt;

/// A syntax error in a template, with the template's name and the line where it was found.
///
/// Displayed as `<message> at <name>:<line>`, like Tornado's `ParseError`.
///
/// ```
/// use tornado::template::Template;
/// let err = Template::new("{% if x %}").unwrap_err();
/// assert_eq!(err.to_string(), "Missing {% end %} block for if at <string>:1");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What is wrong, in Tornado's words where Tornado has words for it.
    pub message: String,
    /// The template's name (`<string>` for unnamed templates).
    pub filename: String,
    /// The 1-based line.
    pub lineno: usize,
}

impl ParseError {
    pub(crate) fn new(message: impl Into<String>, filename: &str, lineno: usize) -> ParseError {
        ParseError {
            message: message.into(),
            filename: filename.to_string(),
            lineno,
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}:{}", self.message, self.filename, self.lineno)
    }
}

impl std::error::Error for ParseError {}

/// An error while rendering: an expression failed (`NameError`, `TypeError`, …) or a safety
/// limit was hit. Carries the template name and line of the failing directive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderError {
    /// What went wrong, in the style of a Python exception (`NameError: name 'x' is not defined`).
    pub message: String,
    /// The template's name.
    pub filename: String,
    /// The 1-based line.
    pub lineno: usize,
    /// Limit errors cannot be caught by `{% try %}`.
    pub(crate) fatal: bool,
}

impl RenderError {
    /// Whether this error comes from a safety limit (output size, loop budget) rather than from
    /// the template's own logic. `{% try %}` does not catch these.
    pub fn is_limit(&self) -> bool {
        self.fatal
    }
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}:{}", self.message, self.filename, self.lineno)
    }
}

impl std::error::Error for RenderError {}

/// Any template failure: loading (I/O), parsing or rendering.
#[derive(Debug)]
#[non_exhaustive]
pub enum TemplateError {
    /// A syntax error (also raised when an included or parent template fails to parse).
    Parse(ParseError),
    /// A failure while rendering.
    Render(RenderError),
    /// A template could not be read by its loader.
    NotFound {
        /// The resolved template name.
        name: String,
        /// Why it could not be read.
        reason: String,
    },
    /// The namespace given to `generate` could not be converted to template values
    /// (it must serialise to a map or struct).
    Namespace(String),
}

impl TemplateError {
    /// Whether this is a syntax error.
    pub fn is_parse(&self) -> bool {
        matches!(self, TemplateError::Parse(_))
    }

    /// Whether this is a render-time error.
    pub fn is_render(&self) -> bool {
        matches!(self, TemplateError::Render(_))
    }

    /// Whether a template file was missing or unreadable.
    pub fn is_not_found(&self) -> bool {
        matches!(self, TemplateError::NotFound { .. })
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::Parse(e) => e.fmt(f),
            TemplateError::Render(e) => e.fmt(f),
            TemplateError::NotFound { name, reason } => {
                write!(f, "cannot load template {name}: {reason}")
            }
            TemplateError::Namespace(m) => write!(f, "invalid template namespace: {m}"),
        }
    }
}

impl std::error::Error for TemplateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TemplateError::Parse(e) => Some(e),
            TemplateError::Render(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ParseError> for TemplateError {
    fn from(e: ParseError) -> Self {
        TemplateError::Parse(e)
    }
}

impl From<RenderError> for TemplateError {
    fn from(e: RenderError) -> Self {
        TemplateError::Render(e)
    }
}
