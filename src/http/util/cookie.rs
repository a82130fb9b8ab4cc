//! Lenient `Cookie` header parsing ([`parse_cookie`]).

use std::collections::BTreeMap;

use super::py_strip;

/// Python's `http.cookies._unquote`: strips surrounding double quotes and resolves `\"`-style
/// and three-digit octal (`\012`) escapes.
fn unquote_cookie(s: &str) -> String {
    let Some(inner) = s
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .filter(|_| s.len() >= 2)
    else {
        return s.to_owned();
    };
    let chars: Vec<char> = inner.chars().collect();
    let mut out = String::with_capacity(inner.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let octal = chars.get(i + 1..i + 4).and_then(|d| {
                let ok = matches!(d[0], '0'..='3')
                    && matches!(d[1], '0'..='7')
                    && matches!(d[2], '0'..='7');
                ok.then(|| {
                    d.iter()
                        .fold(0u32, |acc, &c| acc * 8 + (c as u32 - '0' as u32))
                })
            });
            if let Some(code) = octal.and_then(char::from_u32) {
                out.push(code);
                i += 4;
                continue;
            }
            // `.` in Python's regex matches anything but a newline.
            if let Some(&next) = chars.get(i + 1).filter(|&&n| n != '\n') {
                out.push(next);
                i += 2;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Parses a `Cookie` header the way browsers do rather than by the RFCs (Tornado's
/// `parse_cookie`, which follows Django 1.9.10).
///
/// The header is split on `;`; each chunk is split at its first `=` (a chunk without one is a
/// value with the empty name `""`), both halves are stripped of whitespace, chunks with neither
/// name nor value are skipped, and values in double quotes are unquoted with Python's cookie
/// rules (`\"` → `"`, `\012` → newline). When a name repeats, the **last** value wins, as in
/// Tornado's dict.
///
/// ```
/// use tornado::http::parse_cookie;
/// let c = parse_cookie(r#"a=1; b="x\"y"; lone; a=2"#);
/// assert_eq!(c["a"], "2");
/// assert_eq!(c["b"], "x\"y");
/// assert_eq!(c[""], "lone");
/// ```
pub fn parse_cookie(header: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for chunk in header.split(';') {
        let (key, val) = chunk.split_once('=').unwrap_or(("", chunk));
        let (key, val) = (py_strip(key), py_strip(val));
        if !key.is_empty() || !val.is_empty() {
            out.insert(key.to_owned(), unquote_cookie(val));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_unquoting() {
        assert_eq!(unquote_cookie("\"\\101\\102\""), "AB");
        assert_eq!(unquote_cookie("\"\\400\""), "400");
        assert_eq!(unquote_cookie("\"trailing\\\""), "trailing\\");
        assert_eq!(unquote_cookie("\"\""), "");
        assert_eq!(unquote_cookie("\""), "\"");
        assert_eq!(unquote_cookie("unquoted\\101"), "unquoted\\101");
        assert!(parse_cookie("").is_empty());
    }
}
