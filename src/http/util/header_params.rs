//! Parameterised header values such as `form-data; name="x"` ([`parse_header`],
//! [`encode_header`]), with RFC 2231/5987 extended values.

use std::collections::BTreeMap;

use super::{hex_value, latin1, py_strip};

/// Splits `;`-separated parameters, ignoring `;` inside double quotes (a quote preceded by a
/// backslash does not count). Linear time, unlike the `cgi` code it mirrors.
fn split_params(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut open = false;
    let mut prev = '\0';
    for (i, c) in s.char_indices() {
        match c {
            '"' if prev != '\\' => open = !open,
            ';' if !open => {
                out.push(py_strip(&s[start..i]));
                start = i + 1;
            }
            _ => {}
        }
        prev = c;
    }
    out.push(py_strip(&s[start..]));
    out
}

/// `urllib.parse.unquote(s, encoding="latin-1")`: each `%XX` becomes the character U+00XX and
/// every other character is kept.
fn unquote_latin1(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(c) = s[i..].chars().next() {
        if c == '%' {
            if let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex_value),
                bytes.get(i + 2).copied().and_then(hex_value),
            ) {
                out.push(char::from(h << 4 | l));
                i += 3;
                continue;
            }
        }
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// `email.utils.unquote`.
fn email_unquote(s: &str) -> String {
    if s.len() > 1 {
        if let Some(inner) = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
            return inner.replace("\\\\", "\\").replace("\\\"", "\"");
        }
        if let Some(inner) = s.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
            return inner.to_owned();
        }
    }
    s.to_owned()
}

/// `email.utils.quote`.
fn email_quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// `bytes(s, "raw-unicode-escape")`.
fn raw_unicode_escape(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        let n = c as u32;
        if n < 0x100 {
            out.push(n as u8);
        } else if n < 0x10000 {
            out.extend_from_slice(format!("\\u{n:04x}").as_bytes());
        } else {
            out.extend_from_slice(format!("\\U{n:08x}").as_bytes());
        }
    }
    out
}

/// Decodes bytes in one of the charsets Python knows under common names, with replacement
/// characters for bad input; `None` for a charset we do not support.
fn decode_charset(charset: &str, bytes: &[u8]) -> Option<String> {
    let norm: String = charset
        .trim()
        .chars()
        .map(|c| match c {
            '-' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    match norm.as_str() {
        "utf_8" | "utf8" | "u8" | "utf" | "cp65001" => {
            Some(String::from_utf8_lossy(bytes).into_owned())
        }
        "latin_1" | "latin1" | "l1" | "iso_8859_1" | "iso8859_1" | "8859" | "cp819" | "latin"
        | "iso_ir_100" => Some(latin1(bytes)),
        "us_ascii" | "ascii" | "646" | "us" | "ansi_x3.4_1968" | "iso646_us" | "cp367" => Some(
            bytes
                .iter()
                .map(|&b| if b < 0x80 { b as char } else { '\u{fffd}' })
                .collect(),
        ),
        _ => None,
    }
}

/// One RFC 2231 section: `(number, value, percent-encoded?)`.
type Continuation = (Option<u128>, String, bool);

/// Parses a parameterised header value such as a `Content-Disposition` or `Content-Type`
/// (Tornado's `_parse_header`): the first `;`-field, then lower-cased parameter names mapped to
/// unquoted values.
///
/// - `;` inside double quotes does not split; quoted values lose their quotes and `\\`/`\"`
///   escapes.
/// - RFC 2231/5987 extended values (`filename*=UTF-8''%e2%82%ac`) are percent-decoded and
///   decoded from their charset (UTF-8, ISO-8859-1 and US-ASCII under their usual names; other
///   charsets keep the raw text, as Python does for charsets it does not know), and continuations
///   (`name*0=…; name*1=…`) are joined. An extended value overrides a plain one of the same name.
/// - Parameters without `=` are dropped; a repeated name keeps its last value.
///
/// Python raises when numbered and unnumbered sections of one parameter are mixed
/// (`a*=x; a*0=y`); here the unnumbered section simply sorts first.
///
/// ```
/// use tornado::http::parse_header;
/// let (kind, params) = parse_header(r#"form-data; name="files"; filename*=UTF-8''%e2%82%ac.txt"#);
/// assert_eq!(kind, "form-data");
/// assert_eq!(params["name"], "files");
/// assert_eq!(params["filename"], "€.txt");
/// ```
pub fn parse_header(line: &str) -> (String, BTreeMap<String, String>) {
    let mut fields = split_params(line).into_iter();
    let key = fields.next().unwrap_or_default().to_owned();
    // Plain parameters in order; RFC 2231 ones are applied after all of them, as in Python, so
    // `filename*` wins over `filename`.
    let mut plain: Vec<(String, String)> = Vec::new();
    // RFC 2231 sections by parameter name. Python keeps names in order of first appearance,
    // but distinct names never overwrite each other, so any order gives the same result.
    let mut extended: BTreeMap<String, Vec<Continuation>> = BTreeMap::new();
    for field in fields {
        let Some(eq) = field.find('=') else { continue };
        let name = py_strip(&field[..eq]).to_lowercase();
        let value = email_unquote(py_strip(&field[eq + 1..]));
        let encoded = name.ends_with('*');
        match rfc2231_name(&name) {
            Some((base, num)) => {
                let entry = extended.entry(base.to_owned()).or_default();
                entry.push((num, value, encoded));
            }
            None => plain.push((name, value)),
        }
    }
    let mut params = BTreeMap::new();
    for (name, value) in plain {
        // Python quotes then unquotes; this pair of steps is not always the identity.
        params.insert(
            name,
            strip_quotes(email_unquote(&format!("\"{}\"", email_quote(&value)))),
        );
    }
    for (name, mut sections) in extended {
        sections.sort();
        let mut joined = String::new();
        let mut is_extended = false;
        for (_, s, encoded) in &sections {
            if *encoded {
                joined.push_str(&unquote_latin1(s));
                is_extended = true;
            } else {
                joined.push_str(s);
            }
        }
        let quoted = email_quote(&joined);
        let value = if is_extended {
            let mut parts = quoted.splitn(3, '\'');
            let (charset, text) = match (parts.next(), parts.next(), parts.next()) {
                (Some(cs), Some(_lang), Some(text)) => (cs, text),
                _ => ("us-ascii", quoted.as_str()),
            };
            let wrapped = format!("\"{text}\"");
            decode_charset(charset, &raw_unicode_escape(&wrapped))
                .unwrap_or_else(|| email_unquote(&wrapped))
        } else {
            email_unquote(&format!("\"{quoted}\""))
        };
        params.insert(name, strip_quotes(value));
    }
    (key, params)
}

/// The `\w+\*(\d+\*?)?` test of RFC 2231 parameter names: `(base name, section number)`.
fn rfc2231_name(name: &str) -> Option<(&str, Option<u128>)> {
    let star = name.find('*')?;
    let base = &name[..star];
    if base.is_empty() || !base.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    let rest = &name[star + 1..];
    if rest.is_empty() {
        return Some((base, None));
    }
    let digits = rest.strip_suffix('*').unwrap_or(rest);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((base, Some(digits.parse().unwrap_or(u128::MAX))))
}

fn strip_quotes(value: String) -> String {
    if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
        value[1..value.len() - 1].to_owned()
    } else {
        value
    }
}

/// The inverse of [`parse_header`] for simple values (Tornado's `_encode_header`): `key`, then
/// `; name=value` (or just `; name` when the value is `None`) for each parameter sorted by name.
/// Values are written as they are, unquoted.
///
/// ```
/// use tornado::http::encode_header;
/// assert_eq!(
///     encode_header("permessage-deflate", [("client_no_context_takeover", None), ("client_max_window_bits", Some("15"))]),
///     "permessage-deflate; client_max_window_bits=15; client_no_context_takeover",
/// );
/// ```
pub fn encode_header<'a>(
    key: &str,
    params: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) -> String {
    let mut params: Vec<_> = params.into_iter().collect();
    params.sort();
    let mut out = key.to_owned();
    for (k, v) in params {
        out.push_str("; ");
        out.push_str(k);
        if let Some(v) = v {
            out.push('=');
            out.push_str(v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_params() {
        assert_eq!(unquote_latin1("%e9\u{2603}%"), "\u{e9}\u{2603}%");
        let (k, p) = parse_header("a; b=\"x;y\"; c=\"q\\\"r\"; d");
        assert_eq!(k, "a");
        assert_eq!(p["b"], "x;y");
        assert_eq!(p["c"], "q\"r");
        assert!(!p.contains_key("d"));
        // Numbered sections join in numeric, not textual, order; unnumbered ones sort first.
        let (_, p) = parse_header("x; n*10=c; n*2=b; n*1=a");
        assert_eq!(p["n"], "abc");
        let (_, p) = parse_header("x; n*0=y; n*=x");
        assert_eq!(p["n"], "xy");
        let (_, p) = parse_header("x; n*99999999999999999999999999999999999999999=z");
        assert_eq!(p["n"], "z");
        assert_eq!(
            raw_unicode_escape("a\u{e9}\u{2603}\u{1f600}"),
            b"a\xe9\\u2603\\U0001f600"
        );
        assert_eq!(
            decode_charset("ISO-8859-1", b"\xe9").as_deref(),
            Some("\u{e9}")
        );
        assert_eq!(
            decode_charset("ascii", b"a\xe9").as_deref(),
            Some("a\u{fffd}")
        );
        assert_eq!(decode_charset("koi8-r", b"a"), None);
    }

    #[test]
    fn encode_header_sorts_and_handles_valueless() {
        assert_eq!(encode_header("k", []), "k");
        assert_eq!(
            encode_header("k", [("b", Some("2")), ("a", None)]),
            "k; a; b=2"
        );
        let (key, params) = parse_header(&encode_header("k", [("x", Some("1")), ("y", Some("2"))]));
        assert_eq!(
            (key.as_str(), params.len(), params["y"].as_str()),
            ("k", 2, "2")
        );
    }

    #[test]
    fn many_parameters_parse_in_linear_time() {
        let line: String = (0..20_000)
            .map(|i| format!("; p{i}*{i}*=%41; q*{i}=\"x;\"; \""))
            .collect();
        let start = std::time::Instant::now();
        let (_, params) = parse_header(&line);
        assert!(!params.is_empty());
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }
}
