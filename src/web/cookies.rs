//! `Set-Cookie` header values, written exactly as Tornado's `RequestHandler.set_cookie` and
//! `clear_cookie` write them through Python's `http.cookies.Morsel.OutputString()`.
//!
//! # Output
//!
//! The header value starts with `name=value` and then lists the attributes that are set, in
//! the fixed order Python uses (alphabetical by lower-case name):
//!
//! ```text
//! sess=xyz; Domain=example.com; expires=Sun, 27 Jan 2013 18:43:20 GMT; HttpOnly; Max-Age=10; Path=/p; SameSite=Strict; Secure
//! ```
//!
//! A value made only of letters, digits and ``!#$%&'*+-.^_`|~:`` is written as it is. Any
//! other value is put in double quotes, with `"` and `\` backslash-escaped and every other
//! byte outside that set and outside `` ()/<=>?@[]{}`` written as a three-digit octal escape
//! (`a;b` → `"a\073b"`, `é` → `"\351"`). [`crate::http::parse_cookie`] undoes this.
//!
//! # Validation
//!
//! As in Tornado, a name or value containing a space or a control character
//! (`U+0000`–`U+0020`) is refused, and so is a name that Python's cookie module refuses: an
//! empty name, one with characters outside the unquoted set above, or an attribute name such
//! as `path` or `Expires`.
//!
//! Tornado 6.3 copies `domain`, `path` and `samesite` into the header unchecked, so a `;`
//! there injects attributes and a control character fails only when the header is written.
//! Following Tornado's development branch (March 2026), this module refuses spaces, control
//! characters, `DEL` and `;` in those attributes up front. It also refuses what Tornado cannot
//! send at all: non-ASCII attributes and value characters above `U+00FF` (Python's quoting
//! leaves them as they are and the Latin-1 header encoding then fails). Every header value
//! this module returns is therefore printable ASCII.
//!
//! # Examples
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use tornado::web::cookies::{format_clear_cookie, format_set_cookie, CookieOptions};
//!
//! let now = UNIX_EPOCH + Duration::from_secs(1_359_312_200);
//! let options = CookieOptions {
//!     expires_days: Some(1.0),
//!     httponly: true,
//!     samesite: Some("Lax".into()),
//!     ..CookieOptions::default()
//! };
//! assert_eq!(
//!     format_set_cookie("user", "a;b", &options, now).unwrap(),
//!     r#"user="a\073b"; expires=Mon, 28 Jan 2013 18:43:20 GMT; HttpOnly; Path=/; SameSite=Lax"#
//! );
//! assert_eq!(
//!     format_clear_cookie("user", &CookieOptions::default(), now).unwrap(),
//!     r#"user=""; expires=Sat, 28 Jan 2012 18:43:20 GMT; Path=/"#
//! );
//! assert!(format_set_cookie("user", "two words", &options, now).is_err());
//! ```

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::http::format_timestamp;

/// The attributes of a cookie being set: the keyword arguments of Tornado's `set_cookie`.
///
/// ```
/// use tornado::web::cookies::CookieOptions;
///
/// let options = CookieOptions { secure: true, ..CookieOptions::default() };
/// assert_eq!(options.path, "/");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CookieOptions {
    /// `Domain`; `None` or empty writes none. Default: `None`.
    pub domain: Option<String>,
    /// `Path`; empty writes none. Default: `"/"`.
    pub path: String,
    /// An absolute expiry time, written as `expires=<HTTP date>`. It wins over
    /// `expires_days`. Default: `None`.
    ///
    /// Tornado treats a numeric `expires=0` as unset; here `Some(UNIX_EPOCH)` is written like
    /// any other time (as Tornado writes a `datetime` for 1970).
    pub expires: Option<SystemTime>,
    /// An expiry relative to `now`, in days (may be fractional or negative). Used only when
    /// `expires` is `None`. Default: `None`.
    pub expires_days: Option<f64>,
    /// `Max-Age` in seconds. As in Tornado, `Some(0)` writes nothing (Python's `if max_age:`);
    /// negative values are written. Default: `None`.
    pub max_age: Option<i64>,
    /// The `Secure` flag. Default: `false`.
    pub secure: bool,
    /// The `HttpOnly` flag. Default: `false`.
    pub httponly: bool,
    /// `SameSite` (`"Lax"`, `"Strict"` or `"None"`, written as given); `None` or empty writes
    /// none. Default: `None`.
    pub samesite: Option<String>,
}

impl Default for CookieOptions {
    fn default() -> Self {
        CookieOptions {
            domain: None,
            path: "/".to_owned(),
            expires: None,
            expires_days: None,
            max_age: None,
            secure: false,
            httponly: false,
            samesite: None,
        }
    }
}

/// Why a `Set-Cookie` value could not be built. Each of these is a programming error in the
/// handler (Tornado raises), so a handler reports it as a 500.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CookieError {
    /// The name or value contains a space or control character (`U+0000`–`U+0020`).
    InvalidCookie {
        /// The cookie's name.
        name: String,
        /// The cookie's value.
        value: String,
    },
    /// The name is one of the attribute names Python reserves (`expires`, `path`, `comment`,
    /// `domain`, `max-age`, `secure`, `httponly`, `version`, `samesite`, in any case).
    ReservedName(String),
    /// The name is empty or has a character outside ``A-Za-z0-9!#$%&'*+-.^_`|~:``.
    IllegalName(String),
    /// `domain`, `path` or `samesite` contains a space, control character, `DEL`, `;` or a
    /// non-ASCII character.
    InvalidAttribute {
        /// The cookie's name.
        name: String,
        /// Which attribute: `"domain"`, `"path"` or `"samesite"`.
        attribute: &'static str,
        /// The attribute's value.
        value: String,
    },
    /// The value has a character above `U+00FF`, which cannot be sent in a header.
    UnencodableValue {
        /// The cookie's name.
        name: String,
        /// The cookie's value.
        value: String,
    },
    /// `expires_days` is not finite or lands outside the years 1–9999.
    ExpiresOutOfRange(f64),
    /// [`format_clear_cookie`] was given `expires` or `max_age`, which clearing sets itself.
    ExpiryOnClear(&'static str),
}

impl fmt::Display for CookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CookieError::InvalidCookie { name, value } => {
                write!(f, "Invalid cookie {name:?}: {value:?}")
            }
            CookieError::ReservedName(name) => {
                write!(f, "Attempt to set a reserved key {name:?}")
            }
            CookieError::IllegalName(name) => write!(f, "Illegal key {name:?}"),
            CookieError::InvalidAttribute {
                name,
                attribute,
                value,
            } => write!(
                f,
                "Invalid cookie attribute {attribute}={value:?} for cookie {name:?}"
            ),
            CookieError::UnencodableValue { name, value } => write!(
                f,
                "cookie {name:?} value {value:?} has characters above U+00FF, \
                 which a header cannot carry"
            ),
            CookieError::ExpiresOutOfRange(days) => {
                write!(f, "expires_days={days} is out of range")
            }
            CookieError::ExpiryOnClear(arg) => {
                write!(
                    f,
                    "clear_cookie() got an unexpected keyword argument '{arg}'"
                )
            }
        }
    }
}

impl std::error::Error for CookieError {}

/// Builds the `Set-Cookie` header value for `name=value` with `options`: Tornado's
/// `set_cookie`. `now` is the time `expires_days` counts from.
///
/// # Errors
///
/// [`CookieError`] when the name, value or an attribute is refused (see the
/// [module docs](self#validation)) or `expires_days` is out of range.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use tornado::web::cookies::{format_set_cookie, CookieOptions};
///
/// let now = UNIX_EPOCH + Duration::from_secs(1_359_312_200);
/// let options = CookieOptions { max_age: Some(3600), secure: true, ..Default::default() };
/// assert_eq!(
///     format_set_cookie("foo", "bar", &options, now).unwrap(),
///     "foo=bar; Max-Age=3600; Path=/; Secure"
/// );
/// ```
pub fn format_set_cookie(
    name: &str,
    value: &str,
    options: &CookieOptions,
    now: SystemTime,
) -> Result<String, CookieError> {
    let expires = match (options.expires, options.expires_days) {
        (Some(t), _) => Some(format_timestamp(t)),
        (None, Some(days)) => Some(format_timestamp(days_from(now, days)?)),
        (None, None) => None,
    };
    build(name, value, options, expires)
}

/// Builds the `Set-Cookie` header value that deletes cookie `name`: Tornado's `clear_cookie`,
/// an empty value that expired one year before `now`.
///
/// `domain`, `path` (and for `SameSite=None` cookies, `secure` and `samesite`) must match the
/// ones the cookie was set with, or the browser keeps it. `expires_days` is ignored.
///
/// # Errors
///
/// [`CookieError::ExpiryOnClear`] when `options` has `expires` or `max_age` (Tornado's
/// `TypeError`), and the errors of [`format_set_cookie`].
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use tornado::web::cookies::{format_clear_cookie, CookieOptions};
///
/// let now = UNIX_EPOCH + Duration::from_secs(1_359_312_200);
/// let options = CookieOptions { domain: Some("d.com".into()), ..Default::default() };
/// assert_eq!(
///     format_clear_cookie("foo", &options, now).unwrap(),
///     r#"foo=""; Domain=d.com; expires=Sat, 28 Jan 2012 18:43:20 GMT; Path=/"#
/// );
/// ```
pub fn format_clear_cookie(
    name: &str,
    options: &CookieOptions,
    now: SystemTime,
) -> Result<String, CookieError> {
    if options.expires.is_some() {
        return Err(CookieError::ExpiryOnClear("expires"));
    }
    if options.max_age.is_some() {
        return Err(CookieError::ExpiryOnClear("max_age"));
    }
    let expires = format_timestamp(days_from(now, -365.0)?);
    build(name, "", options, Some(expires))
}

/// Validates the parts and joins them in `Morsel.OutputString()`'s order.
fn build(
    name: &str,
    value: &str,
    options: &CookieOptions,
    expires: Option<String>,
) -> Result<String, CookieError> {
    check_name_and_value(name, value)?;
    let domain = options.domain.as_deref().filter(|d| !d.is_empty());
    let path = Some(options.path.as_str()).filter(|p| !p.is_empty());
    let samesite = options.samesite.as_deref().filter(|s| !s.is_empty());
    for (attribute, attr) in [("domain", domain), ("path", path), ("samesite", samesite)] {
        if let Some(attr) = attr.filter(|a| a.chars().any(forbidden_in_attribute)) {
            return Err(CookieError::InvalidAttribute {
                name: name.to_owned(),
                attribute,
                value: attr.to_owned(),
            });
        }
    }

    let mut out = format!("{name}={}", quote(value));
    let mut attr = |text: &str| {
        out.push_str("; ");
        out.push_str(text);
    };
    if let Some(domain) = domain {
        attr(&format!("Domain={domain}"));
    }
    if let Some(expires) = expires {
        attr(&format!("expires={expires}"));
    }
    if options.httponly {
        attr("HttpOnly");
    }
    if let Some(max_age) = options.max_age.filter(|&m| m != 0) {
        attr(&format!("Max-Age={max_age}"));
    }
    if let Some(path) = path {
        attr(&format!("Path={path}"));
    }
    if let Some(samesite) = samesite {
        attr(&format!("SameSite={samesite}"));
    }
    if options.secure {
        attr("Secure");
    }
    Ok(out)
}

/// Python's `Morsel._reserved` keys.
const RESERVED_NAMES: [&str; 9] = [
    "expires", "path", "comment", "domain", "max-age", "secure", "httponly", "version", "samesite",
];

fn check_name_and_value(name: &str, value: &str) -> Result<(), CookieError> {
    if name.chars().chain(value.chars()).any(|c| c <= ' ') {
        return Err(CookieError::InvalidCookie {
            name: name.to_owned(),
            value: value.to_owned(),
        });
    }
    if RESERVED_NAMES
        .iter()
        .any(|reserved| name.eq_ignore_ascii_case(reserved))
    {
        return Err(CookieError::ReservedName(name.to_owned()));
    }
    if !is_legal_key(name) {
        return Err(CookieError::IllegalName(name.to_owned()));
    }
    if value.chars().any(|c| u32::from(c) > 0xff) {
        return Err(CookieError::UnencodableValue {
            name: name.to_owned(),
            value: value.to_owned(),
        });
    }
    Ok(())
}

fn forbidden_in_attribute(c: char) -> bool {
    c <= ' ' || c == ';' || !c.is_ascii() || c == '\x7f'
}

/// Python's `http.cookies._LegalChars`: what may appear unquoted.
fn is_legal_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~:".contains(c)
}

/// Python's `_is_legal_key`: one or more legal characters.
fn is_legal_key(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_legal_char)
}

/// Python's `http.cookies._quote` for values of characters up to `U+00FF`.
fn quote(value: &str) -> String {
    if is_legal_key(value) {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if is_legal_char(c) || " ()/<=>?@[]{}".contains(c) => out.push(c),
            c => out.push_str(&format!("\\{:03o}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// `datetime.utcnow() + timedelta(days=days)` in whole Unix seconds: microsecond precision,
/// the offset rounded half to even, the sum floored, within `datetime`'s years 1–9999.
fn days_from(now: SystemTime, days: f64) -> Result<i64, CookieError> {
    const MIN_SECS: i128 = -62_135_596_800; // 0001-01-01T00:00:00Z
    const MAX_SECS: i128 = 253_402_300_799; // 9999-12-31T23:59:59Z
    let out_of_range = || CookieError::ExpiresOutOfRange(days);
    let offset = (days * 86_400_000_000.0).round_ties_even();
    if !offset.is_finite() || offset.abs() > 1e20 {
        return Err(out_of_range());
    }
    let now_micros = match now.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_micros() as i128,
        Err(e) => {
            let d = e.duration();
            -(d.as_micros() as i128) - i128::from(d.subsec_nanos() % 1000 != 0)
        }
    };
    let secs = (now_micros + offset as i128).div_euclid(1_000_000);
    if !(MIN_SECS..=MAX_SECS).contains(&secs) {
        return Err(out_of_range());
    }
    i64::try_from(secs).map_err(|_| out_of_range())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(1_359_312_200_250)
    }

    #[test]
    fn quoting_matches_python() {
        assert_eq!(quote("abc"), "abc");
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("a b"), "\"a b\"");
        assert_eq!(quote("\x01"), "\"\\001\"");
        assert_eq!(quote("\u{ff}"), "\"\\377\"");
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
    }

    #[test]
    fn expires_days_rounding_and_range() {
        assert_eq!(days_from(now(), 0.0), Ok(1_359_312_200));
        assert_eq!(days_from(now(), 1.0), Ok(1_359_398_600));
        assert_eq!(days_from(now(), -0.5 / 86_400.0), Ok(1_359_312_199));
        let before = UNIX_EPOCH - Duration::from_nanos(1);
        assert_eq!(days_from(before, 0.0), Ok(-1));
        for bad in [f64::NAN, f64::INFINITY, -f64::INFINITY, 1e9, -1e9, 1e300] {
            assert!(days_from(now(), bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn attribute_injection_is_refused() {
        let cases = [
            (
                "domain",
                CookieOptions {
                    domain: Some("a.com; Secure".into()),
                    ..Default::default()
                },
            ),
            (
                "path",
                CookieOptions {
                    path: "/\r\nX: y".into(),
                    ..Default::default()
                },
            ),
            (
                "path",
                CookieOptions {
                    path: "/caf\u{e9}".into(),
                    ..Default::default()
                },
            ),
            (
                "samesite",
                CookieOptions {
                    samesite: Some("Lax\x7f".into()),
                    ..Default::default()
                },
            ),
        ];
        for (attribute, options) in cases {
            match format_set_cookie("n", "v", &options, now()) {
                Err(CookieError::InvalidAttribute { attribute: a, .. }) => assert_eq!(a, attribute),
                other => panic!("{attribute}: {other:?}"),
            }
        }
    }

    #[test]
    fn clear_refuses_expiry_arguments() {
        let with_expires = CookieOptions {
            expires: Some(now()),
            ..Default::default()
        };
        assert_eq!(
            format_clear_cookie("n", &with_expires, now()),
            Err(CookieError::ExpiryOnClear("expires"))
        );
        let with_max_age = CookieOptions {
            max_age: Some(0),
            ..Default::default()
        };
        let err = format_clear_cookie("n", &with_max_age, now()).expect_err("max_age refused");
        assert_eq!(
            err.to_string(),
            "clear_cookie() got an unexpected keyword argument 'max_age'"
        );
    }

    #[test]
    fn error_messages_name_the_culprit() {
        let err = format_set_cookie("a b", "v", &CookieOptions::default(), now())
            .expect_err("space refused");
        assert_eq!(err.to_string(), r#"Invalid cookie "a b": "v""#);
        let err = format_set_cookie("Path", "v", &CookieOptions::default(), now())
            .expect_err("reserved name refused");
        assert_eq!(err.to_string(), r#"Attempt to set a reserved key "Path""#);
    }
}
