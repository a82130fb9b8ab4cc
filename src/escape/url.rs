//! URL quoting.

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn always_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'~')
}

/// Returns a URL-encoded version of `value` (its UTF-8 bytes).
///
/// `A-Z a-z 0-9 _ . - ~` are never encoded. With `plus = true` (Tornado's default, right for
/// query strings) a space becomes `+` and `/` becomes `%2F`; with `plus = false` (right for
/// path segments) a space becomes `%20` and `/` is left alone. Every other byte becomes `%XX`
/// with upper-case hex digits.
///
/// ```
/// use tornado::escape::url_escape;
/// assert_eq!(url_escape("a b/c?é", true), "a+b%2Fc%3F%C3%A9");
/// assert_eq!(url_escape("a b/c?é", false), "a%20b/c%3F%C3%A9");
/// ```
pub fn url_escape(value: &str, plus: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        if always_safe(b) || (!plus && b == b'/') {
            out.push(b as char);
        } else if plus && b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
    out
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes a URL-encoded value to raw bytes.
///
/// `%XX` sequences (either case) become the byte they name; a `%` that is not followed by two
/// hex digits is kept as it is. With `plus = true` every `+` becomes a space first (a literal plus
/// must then be written `%2B`).
///
/// ```
/// use tornado::escape::url_unescape_bytes;
/// assert_eq!(url_unescape_bytes(b"a+b%2B%ff%zz", true), b"a b+\xff%zz");
/// ```
pub fn url_unescape_bytes(value: &[u8], plus: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        let b = value[i];
        if b == b'%' && i + 2 < value.len() {
            if let (Some(h), Some(l)) = (hex_val(value[i + 1]), hex_val(value[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(if plus && b == b'+' { b' ' } else { b });
        i += 1;
    }
    out
}

/// Decodes a URL-encoded value to text.
///
/// As [`url_unescape_bytes`], then the bytes are decoded as UTF-8; invalid sequences become
/// U+FFFD, as Python's `urllib.parse.unquote` does with `errors="replace"`.
///
/// ```
/// use tornado::escape::url_unescape;
/// assert_eq!(url_unescape("caf%C3%A9+au+lait", true), "café au lait");
/// assert_eq!(url_unescape("a+b%20c", false), "a+b c");
/// ```
pub fn url_unescape(value: &str, plus: bool) -> String {
    let bytes = url_unescape_bytes(value.as_bytes(), plus);
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_modes() {
        assert_eq!(url_escape("~_.-AZaz09", true), "~_.-AZaz09");
        assert_eq!(url_escape("+&=", true), "%2B%26%3D");
        assert_eq!(url_escape(" /", false), "%20/");
    }

    #[test]
    fn unescape_edges() {
        assert_eq!(url_unescape("%", true), "%");
        assert_eq!(url_unescape("%4", true), "%4");
        assert_eq!(url_unescape("%41%4a", true), "AJ");
        assert_eq!(url_unescape("%ff", true), "\u{fffd}");
        assert_eq!(url_unescape("+%2B", true), " +");
    }
}
