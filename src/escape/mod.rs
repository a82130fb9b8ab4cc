//! Escaping and string helpers: Tornado's `tornado.escape`.
//!
//! Pure functions over `&str` (and `&[u8]` where bytes matter), with Tornado's exact rules so
//! that output matches a Python Tornado application byte for byte.
//!
//! # HTML
//!
//! [`xhtml_escape`] replaces exactly `& < > " '` (the quote becomes `&#39;`); [`xhtml_unescape`]
//! understands every HTML 4 named entity plus decimal and hex references and leaves anything it
//! does not understand verbatim.
//!
//! # URLs
//!
//! [`url_escape`] and [`url_unescape`] take a `plus` flag: `true` is the query-string flavour
//! (space ↔ `+`, `/` encoded), `false` the path flavour (space ↔ `%20`, `/` kept).
//! [`url_unescape_bytes`] returns raw bytes when the text is not known to be UTF-8.
//!
//! # JSON
//!
//! [`json_encode`] writes what Python's `json.dumps` writes (`", "` and `": "` separators,
//! ASCII-only output, floats as Python prints them) and never emits `</`, so the result can be
//! placed inside a `<script>` element. [`json_decode`] parses JSON text or bytes.
//!
//! # Text
//!
//! [`squeeze`] collapses whitespace; [`linkify`] turns URLs in plain text into links, escaping
//! the text first.
//!
//! `parse_qs_bytes` lives with the query-string parser in the HTTP layer.
//!
//! # Examples
//!
//! ```
//! use tornado::escape::{self, LinkifyOptions};
//!
//! assert_eq!(escape::xhtml_escape("<b>\"Tom's\"</b>"), "&lt;b&gt;&quot;Tom&#39;s&quot;&lt;/b&gt;");
//! assert_eq!(escape::url_escape("q=a b", true), "q%3Da+b");
//! assert_eq!(escape::json_encode(&vec!["</script>"]).unwrap(), r#"["<\/script>"]"#);
//! assert_eq!(escape::squeeze("  a \n\t b  "), "a b");
//! assert_eq!(
//!     escape::linkify("see www.example.com!", &LinkifyOptions::default()),
//!     r#"see <a href="http://www.example.com">www.example.com</a>!"#,
//! );
//! ```

mod entities;
mod html;
mod json;
mod linkify;
mod url;

pub(crate) use html::xhtml_escape_into;
pub use html::{xhtml_escape, xhtml_unescape};
pub(crate) use json::{push_u64, python_float_repr, write_python_float};
pub use linkify::{ExtraParams, LinkifyOptions};
pub use url::{url_escape, url_unescape, url_unescape_bytes};

use serde::{de::DeserializeOwned, Serialize};

/// JSON-encodes `value` the way Tornado's `json_encode` does.
///
/// The output is Python's `json.dumps` default dialect (`", "` and `": "` separators, non-ASCII
/// written as `\uXXXX`, floats such as `1.0` and `1e+16`), with every `</` written `<\/`.
/// Fails only when `value`'s `Serialize` implementation fails (e.g. a map with non-string keys).
///
/// One difference from Python: non-finite floats become `null` (Python writes `NaN`/`Infinity`,
/// which is not JSON).
///
/// ```
/// use tornado::escape::json_encode;
/// assert_eq!(json_encode(&(1, 2.0, "é")).unwrap(), r#"[1, 2.0, "\u00e9"]"#);
/// ```
pub fn json_encode<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    json::json_encode_impl(value)
}

/// Parses JSON text (a `&str`, `String` or bytes) into any deserialisable type, e.g.
/// `serde_json::Value`.
///
/// ```
/// use tornado::escape::json_decode;
/// let v: serde_json::Value = json_decode(r#"{"a": [1, "<\/b>"]}"#).unwrap();
/// assert_eq!(v["a"][1], "</b>");
/// ```
pub fn json_decode<T: DeserializeOwned>(value: impl AsRef<[u8]>) -> Result<T, serde_json::Error> {
    serde_json::from_slice(value.as_ref())
}

/// Replaces every run of characters `\x00`–`\x20` with one space, then trims whitespace from
/// both ends.
///
/// ```
/// use tornado::escape::squeeze;
/// assert_eq!(squeeze("\t a\x00\x01 b \n"), "a b");
/// ```
pub fn squeeze(value: &str) -> String {
    let out = collapse_runs(value, |c| c <= '\u{20}', " ");
    let trimmed = out.trim();
    if trimmed.len() == out.len() {
        out
    } else {
        trimmed.to_string()
    }
}

/// Replaces every maximal run of characters matching `in_run` with `with`.
pub(crate) fn collapse_runs(value: &str, in_run: impl Fn(char) -> bool, with: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut running = false;
    for c in value.chars() {
        if in_run(c) {
            if !running {
                out.push_str(with);
                running = true;
            }
        } else {
            out.push(c);
            running = false;
        }
    }
    out
}

/// Converts plain text into HTML with links.
///
/// The text is HTML-escaped first. URLs with a protocol (`http://…`) or starting with `www.`
/// become `<a href="…">…</a>`; a protocol-less URL gets an `http://` href. A URL whose protocol
/// is not in [`LinkifyOptions::permitted_protocols`] stays text. See [`LinkifyOptions`] for
/// `shorten`, `extra_params` and `require_protocol`.
///
/// ```
/// use tornado::escape::{linkify, ExtraParams, LinkifyOptions};
/// let opts = LinkifyOptions {
///     extra_params: ExtraParams::Text("rel=\"nofollow\"".into()),
///     ..Default::default()
/// };
/// assert_eq!(
///     linkify("Hello http://tornadoweb.org & javascript:alert(1)", &opts),
///     "Hello <a href=\"http://tornadoweb.org\" rel=\"nofollow\">http://tornadoweb.org</a> &amp; javascript:alert(1)",
/// );
/// ```
pub fn linkify(text: &str, options: &LinkifyOptions) -> String {
    linkify::linkify_impl(text, options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::Arc;

    #[test]
    fn linkify_protocols_and_shorten() {
        let o = LinkifyOptions::default();
        assert_eq!(linkify("ftp://x.org", &o), "ftp://x.org");
        let o = LinkifyOptions {
            require_protocol: true,
            ..Default::default()
        };
        assert_eq!(linkify("www.x.org", &o), "www.x.org");
        let o = LinkifyOptions {
            shorten: true,
            ..Default::default()
        };
        assert_eq!(
            linkify(
                "http://www.example.com/a-very-long/path/that/goes/on/and/on",
                &o
            ),
            "<a href=\"http://www.example.com/a-very-long/path/that/goes/on/and/on\" \
             title=\"http://www.example.com/a-very-long/path/that/goes/on/and/on\">\
             http://www.example.com/a-very-l...</a>"
        );
        let o = LinkifyOptions {
            extra_params: ExtraParams::Fn(Arc::new(|href: &str| {
                if href.contains("example") {
                    " class=\"in\" ".into()
                } else {
                    "class=\"out\"".into()
                }
            })),
            ..Default::default()
        };
        assert_eq!(
            linkify("http://example.com http://b.org", &o),
            "<a href=\"http://example.com\" class=\"in\">http://example.com</a> \
             <a href=\"http://b.org\" class=\"out\">http://b.org</a>"
        );
    }

    #[test]
    fn squeeze_runs() {
        assert_eq!(squeeze(""), "");
        assert_eq!(squeeze("a\u{3000}"), "a");
        assert_eq!(squeeze("a\x1fb"), "a b");
    }

    proptest! {
        #[test]
        fn xhtml_roundtrip(s in ".*") {
            prop_assert_eq!(xhtml_unescape(&xhtml_escape(&s)), s.clone());
            prop_assert!(!xhtml_escape(&s).contains('<'));
        }

        #[test]
        fn url_roundtrip(s in ".*", plus in any::<bool>()) {
            prop_assert_eq!(url_unescape(&url_escape(&s, plus), plus), s);
        }

        #[test]
        fn json_roundtrip(s in ".*") {
            let enc = json_encode(&s).unwrap_or_default();
            prop_assert!(!enc.contains("</"));
            let back: String = json_decode(&enc).unwrap_or_default();
            prop_assert_eq!(back, s);
        }
    }
}
