//! Small HTTP helpers from Tornado's `httputil`: query strings, [`url_concat`], HTTP dates,
//! `host:port` splitting, lenient cookie parsing, start lines, `Range` headers and parameterised
//! header values.
//!
//! Each function mirrors what Tornado 6 (on Python 3.11) returns for the same input, including
//! its quirks; the few deliberate differences are called out in the function's docs.

mod cookie;
pub(crate) mod copy;
mod date;
mod header_params;
mod query;
mod range;
mod start_line;
mod url;

pub use cookie::parse_cookie;
pub use date::{format_timestamp, Timestamp};
pub use header_params::{encode_header, parse_header};
pub(crate) use query::count_qs_fields;
pub use query::{parse_qs, parse_qs_bytes, qs_to_qsl};
pub use range::{get_content_range, parse_request_range};
pub use start_line::{
    parse_request_start_line, parse_response_start_line, RequestStartLine, ResponseStartLine,
};
pub(crate) use url::split_host_and_port_str;
pub use url::{split_host_and_port, url_concat};

/// `n` in decimal, written at the end of `buf` without allocating; the digits are returned.
pub(crate) fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    debug_assert!(buf[i..].iter().all(u8::is_ascii_digit));
    // SAFETY: only ASCII digits were written to `buf[i..]`, and ASCII is UTF-8. (Checking
    // again would put a byte scan into every caller: `Content-Length` on every response.)
    unsafe { std::str::from_utf8_unchecked(&buf[i..]) }
}

/// `bytes` as a `&str` when they are all ASCII. For the short ASCII strings of every request
/// (header values, digits, hex digests) this is several times cheaper than
/// `std::str::from_utf8`, whose set-up costs more than the check itself at these lengths.
#[inline]
pub(crate) fn ascii_str(bytes: &[u8]) -> Option<&str> {
    if bytes.is_ascii() {
        // SAFETY: ASCII bytes are valid UTF-8.
        Some(unsafe { std::str::from_utf8_unchecked(bytes) })
    } else {
        None
    }
}

// Python string helpers shared by the submodules

/// Python's `str.isspace()`: Rust's Unicode whitespace plus the four ASCII separators
/// U+001C..U+001F that Python also counts.
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()` with no argument.
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// The value of an ASCII hex digit.
pub(super) fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes `s`, turning `+` into a space first when `plus` is set. A `%` not followed by
/// two hex digits is kept as it is, as Python's `unquote` does. (One implementation serves
/// both this module and `tornado::escape`.)
pub(super) fn percent_decode(s: &[u8], plus: bool) -> Vec<u8> {
    crate::escape::url_unescape_bytes(s, plus)
}

/// Decodes bytes as ISO-8859-1: every byte becomes the character with the same number.
pub(crate) fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_edges() {
        assert_eq!(percent_decode(b"%", true), b"%");
        assert_eq!(percent_decode(b"%4", true), b"%4");
        assert_eq!(percent_decode(b"%4g%41%2b+", true), b"%4gA+ ");
        assert_eq!(percent_decode(b"a+b", false), b"a+b");
    }

    #[test]
    fn python_whitespace() {
        assert_eq!(py_strip("\u{1c}\u{1f} a \u{a0}\u{3000}"), "a");
        assert!(!is_py_space('\u{200b}'));
    }
}
