//! [`url_concat`] (a port of the parts of Python's `urlparse`/`urlunparse` it relies on) and
//! [`split_host_and_port`].

use std::fmt::Write as _;

use super::query::parse_qsl_bytes;

/// Python's `urllib.parse.quote_plus(s, safe="")` on bytes: letters, digits and `_.-~` stay,
/// a space becomes `+`, every other byte becomes `%XX` (upper-case hex).
fn quote_plus_into(out: &mut String, s: &[u8]) {
    for &b in s {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
}

const USES_NETLOC: &[&str] = &[
    "", "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file", "mms", "https", "shttp",
    "snews", "prospero", "rtsp", "rtsps", "rtspu", "rsync", "svn", "svn+ssh", "sftp", "nfs", "git",
    "git+ssh", "ws", "wss",
];
const USES_PARAMS: &[&str] = &[
    "", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp", "rtsp", "rtsps", "rtspu",
    "sip", "sips", "mms", "sftp", "tel",
];

struct ParsedUrl {
    scheme: String,
    netloc: String,
    path: String,
    params: String,
    query: String,
    fragment: String,
}

fn url_parse(url: &str) -> ParsedUrl {
    let url: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|&c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    let mut rest = url.as_str();
    let mut scheme = String::new();
    if let Some(i) = rest.find(':') {
        let candidate = &rest[..i];
        if i > 0
            && candidate.as_bytes()[0].is_ascii_alphabetic()
            && candidate
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        {
            scheme = candidate.to_ascii_lowercase();
            rest = &rest[i + 1..];
        }
    }
    let mut netloc = "";
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        netloc = &after[..end];
        rest = &after[end..];
    }
    let mut fragment = "";
    if let Some((before, frag)) = rest.split_once('#') {
        rest = before;
        fragment = frag;
    }
    let mut query = "";
    if let Some((before, q)) = rest.split_once('?') {
        rest = before;
        query = q;
    }
    let mut path = rest;
    let mut params = "";
    if USES_PARAMS.contains(&scheme.as_str()) && path.contains(';') {
        let from = path.rfind('/').unwrap_or(0);
        if let Some(i) = path[from..].find(';').map(|i| i + from) {
            params = &path[i + 1..];
            path = &path[..i];
        }
    }
    ParsedUrl {
        scheme,
        netloc: netloc.to_owned(),
        path: path.to_owned(),
        params: params.to_owned(),
        query: query.to_owned(),
        fragment: fragment.to_owned(),
    }
}

fn url_unparse(p: &ParsedUrl) -> String {
    let mut path = p.path.clone();
    if !p.params.is_empty() {
        path.push(';');
        path.push_str(&p.params);
    }
    let mut out = String::new();
    if !p.scheme.is_empty() {
        out.push_str(&p.scheme);
        out.push(':');
    }
    if !p.netloc.is_empty()
        || (!p.scheme.is_empty()
            && USES_NETLOC.contains(&p.scheme.as_str())
            && !path.starts_with("//"))
    {
        out.push_str("//");
        out.push_str(&p.netloc);
        if !path.is_empty() && !path.starts_with('/') {
            out.push('/');
        }
    }
    out.push_str(&path);
    if !p.query.is_empty() {
        out.push('?');
        out.push_str(&p.query);
    }
    if !p.fragment.is_empty() {
        out.push('#');
        out.push_str(&p.fragment);
    }
    out
}

/// Appends `args` to the query string of `url` (Tornado's `url_concat`).
///
/// The existing query is parsed with blank values kept and re-encoded together with the new
/// pairs, so the whole query comes out in Python `urlencode` form: a space is `+`, every byte
/// other than letters, digits and `_.-~` is `%XX`. The fragment is kept. Pairs may be any
/// `AsRef<[u8]>`, so `&str`, `String` and [`Bytes`](bytes::Bytes) values all work; the same name may repeat.
///
/// Like Python, an existing `%XX` escape that is not valid UTF-8 comes back as the escaped
/// replacement character (`%EF%BF%BD`). Unlike Python, a URL with unbalanced IPv6 brackets is
/// not an error; it is processed as it is.
///
/// # Examples
///
/// ```
/// use tornado::http::url_concat;
///
/// assert_eq!(url_concat("http://example.com/foo", [("c", "d")]), "http://example.com/foo?c=d");
/// assert_eq!(
///     url_concat("http://example.com/foo?a=b#frag", [("c", "d"), ("c", "d 2")]),
///     "http://example.com/foo?a=b&c=d&c=d+2#frag",
/// );
/// assert_eq!(url_concat("/x?y", [("z", "")]), "/x?y=&z=");
/// ```
pub fn url_concat<K, V>(url: &str, args: impl IntoIterator<Item = (K, V)>) -> String
where
    K: AsRef<[u8]>,
    V: AsRef<[u8]>,
{
    let mut parsed = url_parse(url);
    let mut query = String::new();
    let mut push_pair = |k: &[u8], v: &[u8]| {
        if !query.is_empty() {
            query.push('&');
        }
        quote_plus_into(&mut query, k);
        query.push('=');
        quote_plus_into(&mut query, v);
    };
    for (k, v) in parse_qsl_bytes(parsed.query.as_bytes(), true) {
        // Python decodes the existing query as UTF-8 with replacement characters.
        let k = String::from_utf8_lossy(&k);
        let v = String::from_utf8_lossy(&v);
        push_pair(k.as_bytes(), v.as_bytes());
    }
    for (k, v) in args {
        push_pair(k.as_ref(), v.as_ref());
    }
    parsed.query = query;
    url_unparse(&parsed)
}

/// Splits a `Host`-style `netloc` into host and port (Tornado's `split_host_and_port`).
///
/// This is Tornado's regex `^(.+):(\d+)$`: the port is the digits after the *last* colon, and
/// brackets are kept on the host. So `[::1]:8888` → (`[::1]`, 8888) and `[::1]` → (`[::1]`,
/// none), but a bare IPv6 address such as `::1` splits as (`::`, 1), as in Tornado. A port that
/// does not fit in a `u16` leaves the netloc unsplit (Python would return the large number).
///
/// ```
/// use tornado::http::split_host_and_port;
/// assert_eq!(split_host_and_port("example.com:8080"), ("example.com".to_string(), Some(8080)));
/// assert_eq!(split_host_and_port("[::1]:80"), ("[::1]".to_string(), Some(80)));
/// assert_eq!(split_host_and_port("example.com"), ("example.com".to_string(), None));
/// ```
pub fn split_host_and_port(netloc: &str) -> (String, Option<u16>) {
    let (host, port) = split_host_and_port_str(netloc);
    (host.to_owned(), port)
}

/// [`split_host_and_port`] without allocating: the host is a slice of `netloc`.
pub(crate) fn split_host_and_port_str(netloc: &str) -> (&str, Option<u16>) {
    if let Some(colon) = netloc.bytes().rposition(|b| b == b':') {
        let (host, digits) = (&netloc[..colon], &netloc[colon + 1..]);
        if !host.is_empty() && !digits.is_empty() {
            // Digits only, any number of leading zeros, at most 65535.
            let port = digits.bytes().try_fold(0u32, |n, b| {
                let n = n * 10 + u32::from(b.wrapping_sub(b'0'));
                (b.is_ascii_digit() && n <= u32::from(u16::MAX)).then_some(n)
            });
            if let Some(port) = port {
                return (host, u16::try_from(port).ok());
            }
        }
    }
    (netloc, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{parse_qs, qs_to_qsl};
    use bytes::Bytes;

    #[test]
    fn qs_round_trips_through_url_concat() {
        let args = parse_qs("b=2&a=x%20y&b=");
        let pairs = qs_to_qsl(&args);
        assert_eq!(url_concat("/p", pairs), "/p?a=x+y&b=2&b=");
        let raw: Vec<(&str, Bytes)> = vec![("bin", Bytes::from_static(b"\x00\xff"))];
        assert_eq!(url_concat("/p#f", raw), "/p?bin=%00%FF#f");
        let none: [(&str, &str); 0] = [];
        assert_eq!(url_concat("http://h/p?", none), "http://h/p");
    }

    #[test]
    fn host_and_port_edges() {
        assert_eq!(split_host_and_port(""), (String::new(), None));
        assert_eq!(split_host_and_port("h:0"), ("h".into(), Some(0)));
        assert_eq!(
            split_host_and_port("h:000000000080"),
            ("h".into(), Some(80))
        );
        assert_eq!(split_host_and_port("\u{e9}:1"), ("\u{e9}".into(), Some(1)));
        assert_eq!(split_host_and_port("h:\u{661}"), ("h:\u{661}".into(), None));
        for (netloc, host, port) in [
            ("h:65535", "h", Some(65535)),
            ("h:065535", "h", Some(65535)),
            ("h:65536", "h:65536", None),
            ("h:99999999999999999999", "h:99999999999999999999", None),
            ("h:", "h:", None),
            ("h:8a", "h:8a", None),
            (":80", ":80", None),
            ("[::1]:8080", "[::1]", Some(8080)),
        ] {
            assert_eq!(split_host_and_port_str(netloc), (host, port), "{netloc}");
        }
    }
}
