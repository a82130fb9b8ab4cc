//! HTML escaping and un-escaping.

use super::entities::ENTITIES;

/// Bytes that `xhtml_escape` replaces.
static NEEDS_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    t[b'&' as usize] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'"' as usize] = true;
    t[b'\'' as usize] = true;
    t
};

/// Appends `s` to `out` with `& < > " '` replaced by their HTML references.
pub(crate) fn xhtml_escape_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let Some(first) = bytes.iter().position(|&b| NEEDS_ESCAPE[b as usize]) else {
        out.push_str(s);
        return;
    };
    out.reserve(s.len() + 16);
    let mut last = 0;
    for (i, &b) in bytes.iter().enumerate().skip(first) {
        if !NEEDS_ESCAPE[b as usize] {
            continue;
        }
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// Escapes a string so it is valid within HTML or XML.
///
/// Exactly five characters change: `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;`, `"` → `&quot;`
/// and `'` → `&#39;`. Everything else, including non-ASCII text, is kept as it is. Inside an
/// attribute value the result must be quoted.
///
/// ```
/// use tornado::escape::xhtml_escape;
/// assert_eq!(xhtml_escape("<a href='x'>&</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;");
/// ```
pub fn xhtml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    xhtml_escape_into(&mut out, s);
    out
}

fn is_word_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Parses digits as Python's `int(text, radix)` does for the characters a `\w` run can hold:
/// ASCII digits with single underscores between them, and for base 16 an optional `0x` prefix.
fn parse_python_int(text: &str, radix: u32) -> Option<u32> {
    let mut t = text;
    if radix == 16 && (t.starts_with("0x") || t.starts_with("0X")) {
        t = &t[2..];
        if let Some(rest) = t.strip_prefix('_') {
            t = rest;
        }
    }
    if t.is_empty() || t.starts_with('_') || t.ends_with('_') || t.contains("__") {
        return None;
    }
    let mut value: u32 = 0;
    for c in t.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(radix)?;
        // Anything past U+10FFFF is invalid anyway; saturate to stay out of overflow.
        value = value
            .saturating_mul(radix)
            .saturating_add(d)
            .min(0x0011_0000);
    }
    Some(value)
}

fn convert_entity(numeric: bool, body: &str) -> Option<char> {
    if numeric {
        let code = match body.strip_prefix(['x', 'X']) {
            Some(hex) => parse_python_int(hex, 16)?,
            None => parse_python_int(body, 10)?,
        };
        char::from_u32(code)
    } else {
        ENTITIES
            .binary_search_by(|(name, _)| (*name).cmp(body))
            .ok()
            .map(|i| ENTITIES[i].1)
    }
}

/// Un-escapes an XML/HTML-escaped string.
///
/// Replaces `&name;` for every HTML 4 named entity (the 252 names of Python's
/// `html.entities.name2codepoint`), decimal references `&#NNN;` and hex references `&#xHH;`.
/// A reference that is unknown or invalid (an unknown name, a number beyond U+10FFFF or a
/// surrogate, a reference without the closing `;`) is left verbatim, as Tornado does.
///
/// ```
/// use tornado::escape::xhtml_unescape;
/// assert_eq!(xhtml_unescape("&lt;b&gt; &amp;amp; &#65;&#x42; &eacute; &bogus;"), "<b> &amp; AB é &bogus;");
/// ```
pub fn xhtml_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let (numeric, body_start) = match after.strip_prefix('#') {
            Some(b) => (true, b),
            None => (false, after),
        };
        let word_len: usize = body_start
            .char_indices()
            .find(|&(_, c)| !is_word_char(c))
            .map(|(i, _)| i)
            .unwrap_or(body_start.len());
        if word_len > 0 && body_start[word_len..].starts_with(';') {
            let body = &body_start[..word_len];
            let consumed = after.len() - body_start.len() + word_len + 1;
            match convert_entity(numeric, body) {
                Some(c) => out.push(c),
                None => out.push_str(&rest[amp..amp + 1 + consumed]),
            }
            rest = &after[consumed..];
        } else {
            out.push('&');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_the_five() {
        assert_eq!(xhtml_escape("&<>\"'x"), "&amp;&lt;&gt;&quot;&#39;x");
        assert_eq!(xhtml_escape("héllo"), "héllo");
    }

    #[test]
    fn unescape_forms() {
        assert_eq!(xhtml_unescape("&amp;&lt;&gt;&quot;&#39;"), "&<>\"'");
        assert_eq!(xhtml_unescape("&#x41;&#X42;&#67;"), "ABC");
        assert_eq!(xhtml_unescape("&#x0x41;&#1_0;"), "A\n");
        assert_eq!(
            xhtml_unescape("&#xD800;&#99999999999;&nope;&amp"),
            "&#xD800;&#99999999999;&nope;&amp"
        );
        assert_eq!(xhtml_unescape("&&amp;;"), "&&;");
        assert_eq!(xhtml_unescape("&hearts;&AElig;"), "\u{2665}\u{c6}");
    }
}
