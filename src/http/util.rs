//! Small HTTP helpers from Tornado's `httputil`: query strings, [`url_concat`], HTTP dates,
//! `host:port` splitting, lenient cookie parsing, start lines, `Range` headers and parameterised
//! header values.
//!
//! Each function mirrors what Tornado 6 (on Python 3.11) returns for the same input, including
//! its quirks; the few deliberate differences are called out in the function's docs.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use super::error::HttpInputError;
use super::form::Arguments;

// ---------------------------------------------------------------------------------------------
// Python string helpers

/// Python's `str.isspace()`: Rust's Unicode whitespace plus the four ASCII separators
/// U+001C..U+001F that Python also counts.
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()` with no argument.
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes `s`, turning `+` into a space first when `plus` is set. A `%` not followed by
/// two hex digits is kept as it is, as Python's `unquote` does.
fn percent_decode(s: &[u8], plus: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b == b'%' {
            if let (Some(h), Some(l)) = (
                s.get(i + 1).copied().and_then(hex_value),
                s.get(i + 2).copied().and_then(hex_value),
            ) {
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

/// Decodes bytes as ISO-8859-1: every byte becomes the character with the same number.
pub(crate) fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

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

// ---------------------------------------------------------------------------------------------
// Query strings

/// Parses a query string or `application/x-www-form-urlencoded` body into [`Arguments`]
/// (Tornado's `escape.parse_qs_bytes`, which is Python's `urllib.parse.parse_qs`).
///
/// - Fields are separated by `&` only (Python 3.10+ no longer splits on `;`); empty fields are
///   skipped.
/// - `+` becomes a space and `%XX` escapes are decoded to raw bytes; a `%` that is not followed by
///   two hex digits is kept literally.
/// - Values are bytes. Names are decoded as ISO-8859-1 (each byte one character), exactly as
///   Tornado does, so a UTF-8 name such as `caf%C3%A9` becomes `"cafÃ©"`; re-encode it as
///   Latin-1 to get the original bytes back.
/// - A field without `=` is a name with an empty value; fields with an empty value are kept only
///   when `keep_blank_values` is set.
///
/// # Examples
///
/// ```
/// use tornado::http::parse_qs_bytes;
///
/// let args = parse_qs_bytes(b"a=1&b=x+y%21&a=2&c=&d", true);
/// assert_eq!(args["a"], ["1", "2"]);
/// assert_eq!(args["b"], ["x y!"]);
/// assert_eq!(args["c"], [""]);
/// assert_eq!(args["d"], [""]);
/// assert!(!parse_qs_bytes(b"c=&d", false).contains_key("c"));
/// ```
pub fn parse_qs_bytes(qs: &[u8], keep_blank_values: bool) -> Arguments {
    let mut out = Arguments::new();
    for (name, value) in parse_qsl_bytes(qs, keep_blank_values) {
        out.entry(latin1(&name))
            .or_default()
            .push(Bytes::from(value));
    }
    out
}

/// The decoded `(name, value)` byte pairs of a query string, in order (Python's `parse_qsl`).
fn parse_qsl_bytes(
    qs: &[u8],
    keep_blank_values: bool,
) -> impl Iterator<Item = (Vec<u8>, Vec<u8>)> + '_ {
    qs.split(|&b| b == b'&').filter_map(move |field| {
        if field.is_empty() {
            return None;
        }
        let (name, value) = match memchr::memchr(b'=', field) {
            Some(i) => (&field[..i], &field[i + 1..]),
            None if keep_blank_values => (field, &b""[..]),
            None => return None,
        };
        if value.is_empty() && !keep_blank_values {
            return None;
        }
        Some((percent_decode(name, true), percent_decode(value, true)))
    })
}

/// Number of fields Python's `max_num_fields` check counts: one more than the number of `&`,
/// or zero for an empty string.
pub(crate) fn count_qs_fields(qs: &[u8]) -> usize {
    if qs.is_empty() {
        0
    } else {
        1 + memchr::memchr_iter(b'&', qs).count()
    }
}

/// [`parse_qs_bytes`] with blank values kept, as Tornado parses request query strings.
///
/// ```
/// use tornado::http::parse_qs;
/// assert_eq!(parse_qs("x=&y=1")["x"], [""]);
/// ```
pub fn parse_qs(qs: &str) -> Arguments {
    parse_qs_bytes(qs.as_bytes(), true)
}

/// Flattens [`Arguments`] back into `(name, value)` pairs (Tornado's `qs_to_qsl`): names in
/// the map's (sorted) order, each name's values in their original order.
///
/// ```
/// use tornado::http::{parse_qs, qs_to_qsl};
/// let pairs = qs_to_qsl(&parse_qs("b=2&a=1&b=3"));
/// assert_eq!(pairs, [("a".to_string(), "1".into()), ("b".into(), "2".into()), ("b".into(), "3".into())]);
/// ```
pub fn qs_to_qsl(args: &Arguments) -> Vec<(String, Bytes)> {
    args.iter()
        .flat_map(|(k, vs)| vs.iter().map(move |v| (k.clone(), v.clone())))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// url_concat: a port of the parts of Python's urlparse/urlunparse it relies on

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
/// `AsRef<[u8]>`, so `&str`, `String` and [`Bytes`] values all work; the same name may repeat.
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

// ---------------------------------------------------------------------------------------------
// Dates

/// A point in time that [`format_timestamp`] can format: a [`SystemTime`], or Unix seconds as an
/// integer or float (fractions are dropped, rounding towards the past, as Python's `gmtime`
/// does; a NaN float counts as the epoch and infinities saturate).
pub trait Timestamp {
    /// Whole seconds since 1970-01-01T00:00:00Z (negative before it).
    fn unix_seconds(&self) -> i64;
}

impl Timestamp for SystemTime {
    fn unix_seconds(&self) -> i64 {
        match self.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => {
                let d = e.duration();
                let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                let secs = if d.subsec_nanos() > 0 {
                    secs.saturating_add(1)
                } else {
                    secs
                };
                -secs
            }
        }
    }
}

impl Timestamp for i64 {
    fn unix_seconds(&self) -> i64 {
        *self
    }
}

impl Timestamp for u64 {
    fn unix_seconds(&self) -> i64 {
        i64::try_from(*self).unwrap_or(i64::MAX)
    }
}

impl Timestamp for i32 {
    fn unix_seconds(&self) -> i64 {
        i64::from(*self)
    }
}

impl Timestamp for u32 {
    fn unix_seconds(&self) -> i64 {
        i64::from(*self)
    }
}

impl Timestamp for f64 {
    fn unix_seconds(&self) -> i64 {
        // `as` saturates and maps NaN to 0.
        self.floor() as i64
    }
}

/// The civil (proleptic Gregorian) date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats a time as an HTTP date (RFC 1123, always GMT and English names, whatever the
/// locale): Tornado's `format_timestamp`.
///
/// Any [`Timestamp`] is accepted: a [`SystemTime`] (times before 1970 included) or Unix
/// seconds as `i64`, `u64`, `i32`, `u32` or `f64`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use tornado::http::format_timestamp;
///
/// assert_eq!(format_timestamp(1359312200), "Sun, 27 Jan 2013 18:43:20 GMT");
/// assert_eq!(format_timestamp(1359312200.9), "Sun, 27 Jan 2013 18:43:20 GMT");
/// let t = UNIX_EPOCH + Duration::from_secs(1359312200);
/// assert_eq!(format_timestamp(t), "Sun, 27 Jan 2013 18:43:20 GMT");
/// ```
pub fn format_timestamp(t: impl Timestamp) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = t.unix_seconds();
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let weekday = DAYS[days.rem_euclid(7) as usize];
    let month = MONTHS[(month - 1) as usize];
    format!(
        "{weekday}, {day:02} {month} {year:04} {:02}:{:02}:{:02} GMT",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

// ---------------------------------------------------------------------------------------------
// Hosts and cookies

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
    if let Some(colon) = netloc.rfind(':') {
        let (host, digits) = (&netloc[..colon], &netloc[colon + 1..]);
        if !host.is_empty() && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            let trimmed = digits.trim_start_matches('0');
            let port = if trimmed.is_empty() {
                Some(0)
            } else if trimmed.len() <= 5 {
                trimmed.parse::<u16>().ok()
            } else {
                None
            };
            if let Some(port) = port {
                return (host.to_owned(), Some(port));
            }
        }
    }
    (netloc.to_owned(), None)
}

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

// ---------------------------------------------------------------------------------------------
// Start lines

/// The first line of an HTTP/1.x request (Tornado's `RequestStartLine`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestStartLine {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The request target as sent, e.g. `/foo?a=b`.
    pub path: String,
    /// The protocol version, e.g. `HTTP/1.1`.
    pub version: String,
}

/// The first line of an HTTP/1.x response (Tornado's `ResponseStartLine`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResponseStartLine {
    /// The protocol version, e.g. `HTTP/1.1`.
    pub version: String,
    /// The status code.
    pub code: u16,
    /// The reason phrase (possibly empty).
    pub reason: String,
}

fn is_http1_version(v: &str) -> bool {
    matches!(v.as_bytes(), [b'H', b'T', b'T', b'P', b'/', b'1', b'.', d] if d.is_ascii_digit())
}

/// Parses `METHOD SP target SP HTTP/1.x` (Tornado's `parse_request_start_line`).
///
/// The line must have exactly three fields separated by single spaces, the method must be an
/// RFC 9110 token and the target must be visible characters (no spaces or control characters),
/// as Tornado 6.5+ checks; otherwise the error is `Malformed HTTP request line`. A version that is
/// not `HTTP/1.` plus one digit gives `Malformed HTTP version in HTTP Request-Line: '…'`.
///
/// ```
/// use tornado::http::parse_request_start_line;
/// let l = parse_request_start_line("GET /foo HTTP/1.1").unwrap();
/// assert_eq!((l.method.as_str(), l.path.as_str(), l.version.as_str()), ("GET", "/foo", "HTTP/1.1"));
/// assert!(parse_request_start_line("GET /foo").is_err());
/// assert!(parse_request_start_line("GET /foo HTTP/2.0").is_err());
/// ```
pub fn parse_request_start_line(line: &str) -> Result<RequestStartLine, HttpInputError> {
    let malformed = || HttpInputError::new("Malformed HTTP request line");
    let mut fields = line.split(' ');
    let (Some(method), Some(path), Some(version), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err(malformed());
    };
    let method_ok = !method.is_empty() && method.bytes().all(super::headers::is_token_byte);
    let path_ok = !path.is_empty() && path.bytes().all(|b| b > 0x20 && b != 0x7f);
    if !method_ok || !path_ok {
        return Err(malformed());
    }
    if !is_http1_version(version) {
        return Err(HttpInputError::new(format!(
            "Malformed HTTP version in HTTP Request-Line: {version:?}"
        )));
    }
    Ok(RequestStartLine {
        method: method.to_owned(),
        path: path.to_owned(),
        version: version.to_owned(),
    })
}

/// Parses `HTTP/1.x SP code SP reason` (Tornado's `parse_response_start_line`).
///
/// As Tornado's `HTTP/1.[0-9] ([0-9]+) ([^\r]*)` prefix match: the code is one or more digits
/// (it must also fit a `u16` here) and the reason runs to the first CR; both spaces are required,
/// the reason may be empty. Anything else is `Error parsing response start line`.
///
/// ```
/// use tornado::http::parse_response_start_line;
/// let l = parse_response_start_line("HTTP/1.1 404 Not Found").unwrap();
/// assert_eq!((l.version.as_str(), l.code, l.reason.as_str()), ("HTTP/1.1", 404, "Not Found"));
/// assert!(parse_response_start_line("HTTP/1.1 OK").is_err());
/// ```
pub fn parse_response_start_line(line: &str) -> Result<ResponseStartLine, HttpInputError> {
    let error = || HttpInputError::new("Error parsing response start line");
    let version = line
        .get(..8)
        .filter(|v| is_http1_version(v))
        .ok_or_else(error)?;
    let rest = line[8..].strip_prefix(' ').ok_or_else(error)?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (code, rest) = rest.split_at(digits);
    let reason = rest.strip_prefix(' ').ok_or_else(error)?;
    let code = code.trim_start_matches('0');
    let code = if code.is_empty() && digits > 0 {
        0
    } else if code.len() <= 5 {
        code.parse::<u16>().map_err(|_| error())?
    } else {
        return Err(error());
    };
    let reason = reason.split('\r').next().unwrap_or_default();
    Ok(ResponseStartLine {
        version: version.to_owned(),
        code,
        reason: reason.to_owned(),
    })
}

// ---------------------------------------------------------------------------------------------
// Range requests

fn int_or_none(s: &str) -> Result<Option<i64>, ()> {
    let s = py_strip(s);
    if s.is_empty() {
        return Ok(None);
    }
    // Python's int(): optional sign, digits with single underscores between them.
    let (neg, digits) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return Err(());
    }
    let mut value: i64 = 0;
    for b in digits.bytes().filter(u8::is_ascii_digit) {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or(())?;
    }
    Ok(Some(if neg { -value } else { value }))
}

/// Parses a single-range `Range` header (Tornado's `_parse_request_range`) into slice indexes
/// `(start, end)`: `end` is exclusive, a negative `start` counts from the end.
///
/// `bytes=1-2` → `(Some(1), Some(3))`, `bytes=6-` → `(Some(6), None)`, `bytes=-6` →
/// `(Some(-6), None)`, `bytes=-0` → `(None, Some(0))`, `bytes=` → `(None, None)`. Another unit, a
/// list of ranges or numbers that do not parse (or do not fit an `i64`) give `None`.
///
/// ```
/// use tornado::http::parse_request_range;
/// assert_eq!(parse_request_range("bytes=1-2"), Some((Some(1), Some(3))));
/// assert_eq!(parse_request_range("bytes=1-2,6-10"), None);
/// assert_eq!(parse_request_range("foo=42"), None);
/// ```
pub fn parse_request_range(range_header: &str) -> Option<(Option<i64>, Option<i64>)> {
    let (unit, value) = range_header.split_once('=').unwrap_or((range_header, ""));
    if py_strip(unit) != "bytes" {
        return None;
    }
    let value = py_strip(value);
    let (start, end) = value.split_once('-').unwrap_or((value, ""));
    let mut start = int_or_none(start).ok()?;
    let mut end = int_or_none(end).ok()?;
    match (start, end) {
        (None, Some(e)) if e != 0 => {
            start = Some(e.checked_neg()?);
            end = None;
        }
        (Some(_), Some(e)) => end = Some(e.checked_add(1)?),
        _ => {}
    }
    Some((start, end))
}

/// A `Content-Range` value for the slice `start..end` of a resource of `total` bytes (Tornado's
/// `_get_content_range`): a missing start is 0 and a missing end is `total`, and the printed end
/// is inclusive.
///
/// ```
/// use tornado::http::get_content_range;
/// assert_eq!(get_content_range(Some(1), Some(3), 4), "bytes 1-2/4");
/// assert_eq!(get_content_range(None, None, 4), "bytes 0-3/4");
/// assert_eq!(get_content_range(None, Some(1), 4), "bytes 0-0/4");
/// ```
pub fn get_content_range(start: Option<i64>, end: Option<i64>, total: i64) -> String {
    // Python's `or` treats 0 like a missing value.
    let start = start.unwrap_or(0);
    let end = match end {
        Some(e) if e != 0 => e,
        _ => total,
    };
    format!("bytes {start}-{}/{total}", i128::from(end) - 1)
}

// ---------------------------------------------------------------------------------------------
// Parameterised header values

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
    // (name, value) in Python's order: plain parameters first, then RFC 2231 ones grouped by
    // name in order of first appearance.
    let mut plain: Vec<(String, String)> = Vec::new();
    let mut extended: Vec<(String, Vec<Continuation>)> = Vec::new();
    for field in fields {
        let Some(eq) = field.find('=') else { continue };
        let name = py_strip(&field[..eq]).to_lowercase();
        let value = email_unquote(py_strip(&field[eq + 1..]));
        let encoded = name.ends_with('*');
        match rfc2231_name(&name) {
            Some((base, num)) => {
                let entry = match extended.iter().position(|(n, _)| n == base) {
                    Some(i) => &mut extended[i].1,
                    None => {
                        extended.push((base.to_owned(), Vec::new()));
                        let last = extended.len() - 1;
                        &mut extended[last].1
                    }
                };
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
    use std::time::Duration;

    #[test]
    fn percent_decoding_edges() {
        assert_eq!(percent_decode(b"%", true), b"%");
        assert_eq!(percent_decode(b"%4", true), b"%4");
        assert_eq!(percent_decode(b"%4g%41%2b+", true), b"%4gA+ ");
        assert_eq!(percent_decode(b"a+b", false), b"a+b");
        assert_eq!(unquote_latin1("%e9\u{2603}%"), "\u{e9}\u{2603}%");
    }

    #[test]
    fn query_names_are_latin1_and_values_raw_bytes() {
        let args = parse_qs_bytes(b"caf%C3%A9=%FF&%00=", true);
        assert_eq!(args["caf\u{c3}\u{a9}"], [Bytes::from_static(b"\xff")]);
        assert_eq!(args["\0"], [""]);
        // `;` is not a separator.
        assert_eq!(parse_qs("a=1;b=2")["a"], ["1;b=2"]);
        assert_eq!(count_qs_fields(b""), 0);
        assert_eq!(count_qs_fields(b"&&"), 3);
    }

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
    fn timestamps() {
        let t = UNIX_EPOCH + Duration::from_millis(1_359_312_200_999);
        assert_eq!(format_timestamp(t), "Sun, 27 Jan 2013 18:43:20 GMT");
        let before = UNIX_EPOCH - Duration::from_millis(500);
        assert_eq!(format_timestamp(before), "Wed, 31 Dec 1969 23:59:59 GMT");
        assert_eq!(format_timestamp(-0.5), "Wed, 31 Dec 1969 23:59:59 GMT");
        assert_eq!(format_timestamp(f64::NAN), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            format_timestamp(951_782_400u32),
            "Tue, 29 Feb 2000 00:00:00 GMT"
        );
        assert_eq!(format_timestamp(0i32), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(format_timestamp(u64::MAX), format_timestamp(i64::MAX));
        // Extreme values format without overflowing.
        assert!(format_timestamp(i64::MAX).ends_with(" GMT"));
        assert!(format_timestamp(i64::MIN).ends_with(" GMT"));
        assert!(format_timestamp(f64::INFINITY).ends_with(" GMT"));
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
    }

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

    #[test]
    fn request_line_errors() {
        let err = |l| parse_request_start_line(l).map_err(|e| e.to_string());
        assert_eq!(err("GET /").unwrap_err(), "Malformed HTTP request line");
        assert_eq!(
            err("GET / HTTP/1.1 x").unwrap_err(),
            "Malformed HTTP request line"
        );
        assert_eq!(
            err("G(T / HTTP/1.1").unwrap_err(),
            "Malformed HTTP request line"
        );
        assert_eq!(
            err(" / HTTP/1.1").unwrap_err(),
            "Malformed HTTP request line"
        );
        assert_eq!(
            err("GET /\u{1} HTTP/1.1").unwrap_err(),
            "Malformed HTTP request line"
        );
        assert_eq!(
            err("GET / HTTP/2.0").unwrap_err(),
            "Malformed HTTP version in HTTP Request-Line: \"HTTP/2.0\""
        );
        assert_eq!(err("GET /caf\u{e9} HTTP/1.1").unwrap().path, "/caf\u{e9}");
    }

    #[test]
    fn response_line_edges() {
        let p = |l| parse_response_start_line(l).map(|r| (r.code, r.reason));
        assert_eq!(p("HTTP/1.1 65535 Max"), Ok((65535, "Max".into())));
        assert_eq!(p("HTTP/1.1 000 Z"), Ok((0, "Z".into())));
        let err = p("HTTP/1.1 65536 Big").unwrap_err();
        assert_eq!(err.message(), "Error parsing response start line");
        assert!(p("HTTP/1.1 99999999999999999999 Big").is_err());
        assert!(p("").is_err());
        assert!(p("HTTP/1.\u{e9} 200 OK").is_err());
        assert!(p("HTTP/1.1\u{e9}200 OK").is_err());
        assert_eq!(p("HTTP/1.1 200 caf\u{e9}"), Ok((200, "caf\u{e9}".into())));
    }

    #[test]
    fn range_overflow_is_none() {
        assert_eq!(parse_request_range("bytes=0-9223372036854775807"), None);
        assert_eq!(parse_request_range("bytes=-9223372036854775808"), None);
        assert_eq!(parse_request_range("bytes=99999999999999999999-"), None);
        assert_eq!(parse_request_range("bytes=_1-"), None);
        assert_eq!(parse_request_range("bytes=1__0-"), None);
        assert_eq!(get_content_range(None, None, 0), "bytes 0--1/0");
        assert_eq!(
            get_content_range(None, Some(i64::MIN), 1),
            format!("bytes 0-{}/1", i128::from(i64::MIN) - 1)
        );
    }

    #[test]
    fn header_params() {
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
    fn python_whitespace() {
        assert_eq!(py_strip("\u{1c}\u{1f} a \u{a0}\u{3000}"), "a");
        assert!(!is_py_space('\u{200b}'));
    }
}
