//! The bodies of error responses, as Tornado's default `RequestHandler.write_error` writes them.
//!
//! # Which page is sent
//!
//! `send_error` clears the pending output, sets the status and calls `write_error`. By default
//! that sends the short HTML page from [`default_error_page`]. When the application runs with
//! `serve_traceback` (part of `debug`) and the error came from a failure in the handler, it
//! sends a plain-text report instead, built by [`traceback_page`] with the
//! [`TRACEBACK_CONTENT_TYPE`] content type.
//!
//! # Examples
//!
//! ```
//! use tornado::web::error_page::default_error_page;
//!
//! assert_eq!(
//!     default_error_page(404, None),
//!     "<html><title>404: Not Found</title><body>404: Not Found</body></html>"
//! );
//! assert_eq!(
//!     default_error_page(503, Some("Down for <maintenance>")),
//!     "<html><title>503: Down for &lt;maintenance&gt;</title>\
//!      <body>503: Down for &lt;maintenance&gt;</body></html>"
//! );
//! ```

use std::error::Error;
use std::fmt::Write as _;

use crate::http::codec::reason_phrase;

/// The `Content-Type` of a [`traceback_page`]. Tornado sends `text/plain` without a charset;
/// the report is UTF-8 and may hold any error text, so the charset is given here.
pub const TRACEBACK_CONTENT_TYPE: &str = "text/plain; charset=UTF-8";

/// How many [`Error::source`] links a traceback follows before it stops, in case an error's
/// chain loops back on itself.
pub const MAX_CAUSES: usize = 64;

/// Tornado's default error page:
/// `<html><title>{status}: {reason}</title><body>{status}: {reason}</body></html>`.
///
/// `reason` defaults to the standard phrase for `status` (`"Unknown"` for codes without one),
/// as Tornado's `set_status` does. The reason is HTML-escaped the way Python's `html.escape`
/// does it (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#x27;`), as Tornado has done since its
/// December 2025 hardening of reason phrases. Older Tornado (6.3) inserted the reason as is,
/// so the only standard page that differs from 6.3's is 418's `I&#x27;m a Teapot`.
#[must_use]
pub fn default_error_page(status: u16, reason: Option<&str>) -> String {
    let reason = reason.unwrap_or_else(|| reason_phrase(status));
    let mut escaped = String::with_capacity(reason.len());
    for c in reason.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#x27;"),
            c => escaped.push(c),
        }
    }
    format!("<html><title>{status}: {escaped}</title><body>{status}: {escaped}</body></html>")
}

/// The plain-text report sent instead of the error page when `serve_traceback` is on
/// (Tornado writes the formatted Python traceback there).
///
/// The report has the status line, the error's message, the chain of its
/// [`source`](Error::source)s (at most [`MAX_CAUSES`]) and the backtrace when one is given,
/// separated by blank lines. Multi-line messages are indented under their entry. It ends with
/// a newline.
///
/// ```
/// use std::io;
/// use tornado::web::error_page::traceback_page;
///
/// let err = io::Error::new(io::ErrorKind::Other, "disk on fire");
/// assert_eq!(
///     traceback_page(500, None, &err, None),
///     "500: Internal Server Error\n\nError: disk on fire\n"
/// );
/// ```
///
/// With a chain of causes and a backtrace:
///
/// ```text
/// 500: Internal Server Error
///
/// Error: cannot load user 42
///
/// Caused by:
///     0: query failed
///     1: connection refused
///
/// Backtrace:
///    0: app::load_user
///    1: app::handler
/// ```
#[must_use]
pub fn traceback_page(
    status: u16,
    reason: Option<&str>,
    error: &dyn Error,
    backtrace: Option<&str>,
) -> String {
    let reason = reason.unwrap_or_else(|| reason_phrase(status));
    let mut out = format!("{status}: {reason}\n\nError: ");
    push_indented(&mut out, &error.to_string(), "       ");

    let mut causes = Vec::new();
    let mut next = error.source();
    while let Some(cause) = next {
        if causes.len() == MAX_CAUSES {
            causes.push(None);
            break;
        }
        causes.push(Some(cause.to_string()));
        next = cause.source();
    }
    if !causes.is_empty() {
        out.push_str("\nCaused by:\n");
        let width = (causes.len() - 1).to_string().len();
        let indent = " ".repeat(4 + width + 2);
        for (i, cause) in causes.iter().enumerate() {
            match cause {
                Some(text) => {
                    let _ = write!(out, "    {i:>width$}: ");
                    push_indented(&mut out, text, &indent);
                }
                None => {
                    let _ = writeln!(out, "    … (more causes after {MAX_CAUSES} omitted)");
                }
            }
        }
    }

    if let Some(trace) = backtrace.map(|b| b.trim_end()).filter(|b| !b.is_empty()) {
        out.push_str("\nBacktrace:\n");
        out.push_str(trace);
        out.push('\n');
    }
    out
}

/// Appends `text` and a newline, indenting every line after the first with `indent`.
fn push_indented(out: &mut String, text: &str, indent: &str) {
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push_str(indent);
        }
        out.push_str(line);
        out.push('\n');
    }
    if text.lines().next().is_none() {
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt;

    #[derive(Debug)]
    struct Chain {
        message: &'static str,
        source: Option<Box<Chain>>,
    }

    impl fmt::Display for Chain {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.message)
        }
    }

    impl Error for Chain {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            self.source.as_deref().map(|s| s as &(dyn Error + 'static))
        }
    }

    fn chain(messages: &[&'static str]) -> Chain {
        let mut source = None;
        for m in messages[1..].iter().rev() {
            source = Some(Box::new(Chain { message: m, source }));
        }
        Chain {
            message: messages[0],
            source,
        }
    }

    /// An error whose `source` is itself: a chain that never ends.
    #[derive(Debug)]
    struct Loop;

    impl fmt::Display for Loop {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("loop")
        }
    }

    impl Error for Loop {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&Loop)
        }
    }

    #[test]
    fn default_page_uses_standard_and_unknown_reasons() {
        assert_eq!(
            default_error_page(500, None),
            "<html><title>500: Internal Server Error</title>\
             <body>500: Internal Server Error</body></html>"
        );
        assert_eq!(
            default_error_page(599, None),
            "<html><title>599: Unknown</title><body>599: Unknown</body></html>"
        );
        assert_eq!(
            default_error_page(418, Some("")),
            "<html><title>418: </title><body>418: </body></html>"
        );
    }

    #[test]
    fn default_page_escapes_every_special_character() {
        assert_eq!(
            default_error_page(400, Some(r#"a&b<c>"d'"#)),
            "<html><title>400: a&amp;b&lt;c&gt;&quot;d&#x27;</title>\
             <body>400: a&amp;b&lt;c&gt;&quot;d&#x27;</body></html>"
        );
    }

    #[test]
    fn traceback_lists_causes_and_backtrace() {
        let err = chain(&["cannot load user 42", "query failed", "connection refused"]);
        let page = traceback_page(
            500,
            None,
            &err,
            Some("   0: app::load_user\n   1: app::handler\n\n"),
        );
        assert_eq!(
            page,
            "500: Internal Server Error\n\
             \n\
             Error: cannot load user 42\n\
             \n\
             Caused by:\n    \
             0: query failed\n    \
             1: connection refused\n\
             \n\
             Backtrace:\n   \
             0: app::load_user\n   \
             1: app::handler\n"
        );
    }

    #[test]
    fn traceback_indents_multiline_messages_and_aligns_numbers() {
        let mut messages = vec!["top\nsecond line"];
        messages.extend(std::iter::repeat_n("cause", 10));
        messages.push("last\nwrapped");
        let page = traceback_page(502, Some("Bad Gateway"), &chain(&messages), Some("  "));
        assert!(page.starts_with("502: Bad Gateway\n\nError: top\n       second line\n"));
        assert!(page.contains("\n     0: cause\n"));
        assert!(page.contains("\n    10: last\n        wrapped\n"));
        // A blank backtrace is left out.
        assert!(!page.contains("Backtrace"));
        assert!(page.ends_with("wrapped\n"));
    }

    #[test]
    fn traceback_stops_on_a_looping_chain() {
        let page = traceback_page(500, None, &Loop, None);
        assert_eq!(page.matches(": loop\n").count(), MAX_CAUSES + 1);
        assert!(page.ends_with(&format!("(more causes after {MAX_CAUSES} omitted)\n")));
    }

    #[test]
    fn traceback_of_an_empty_message() {
        let err = chain(&[""]);
        assert_eq!(
            traceback_page(500, Some("Oops"), &err, None),
            "500: Oops\n\nError: \n"
        );
    }
}
