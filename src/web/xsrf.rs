//! Cross-site request forgery protection: Tornado's `xsrf_token`, `check_xsrf_cookie` and
//! `xsrf_form_html`, as pure functions.
//!
//! # How the protection works
//!
//! Each browser gets a random 16-byte token in the `_xsrf` cookie. Every page with a form
//! embeds the same token ([`xsrf_form_html`]), and every request that is not `GET`, `HEAD` or
//! `OPTIONS` must send it back as the `_xsrf` argument or in an `X-XSRFToken` /
//! `X-CSRFToken` header. Another site can make the browser send the cookie but cannot read it,
//! so it cannot supply the matching argument. [`check_xsrf_cookie`] compares the two and
//! returns the error the handler turns into a 403.
//!
//! # Token formats
//!
//! - **Version 2** (the default): `2|<mask>|<masked token>|<timestamp>`, where `mask` is 4
//!   fresh random bytes in hex, `masked token` is the token XORed with the repeated mask in
//!   hex, and `timestamp` is when the token was created, in Unix seconds. A fresh mask on every
//!   page keeps the token from being recovered through compression (the BREACH attack) while
//!   the unmasked tokens still compare equal.
//! - **Version 1**: the token in hex.
//! - Anything else that is not a `<number>|` prefix is taken as a raw token, as Tornado accepts
//!   cookies from before it had a format.
//!
//! # Examples
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use tornado::web::xsrf::{
//!     check_xsrf_cookie, decode_xsrf_token, format_xsrf_token, XsrfError, XsrfTokenVersion,
//! };
//!
//! let token = [7u8; 16];
//! let cookie = format_xsrf_token(XsrfTokenVersion::V2, &token, [1, 2, 3, 4], 1_359_312_200);
//! assert_eq!(cookie, "2|01020304|06050403060504030605040306050403|1359312200");
//!
//! // The same token under another mask, as a form would carry it.
//! let submitted = format_xsrf_token(XsrfTokenVersion::V2, &token, [9, 9, 9, 9], 1_359_312_200);
//! assert_eq!(check_xsrf_cookie(Some(&cookie), Some(&submitted)), Ok(()));
//! assert_eq!(check_xsrf_cookie(Some(&cookie), None), Err(XsrfError::MissingArgument));
//!
//! let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! let raw = decode_xsrf_token(&cookie, now).unwrap();
//! assert_eq!((raw.version, raw.token, raw.timestamp), (Some(2), token.to_vec(), 1_359_312_200));
//! ```

use std::fmt;
use std::time::SystemTime;

use ring::rand::SecureRandom;

use super::signed::{constant_time_eq, hex_decode, hex_encode, version_prefix};
use crate::http::Timestamp;

/// The default name of the XSRF cookie and form argument (Tornado's `xsrf_cookie_name`
/// setting defaults to it; the form argument is always `_xsrf`).
pub const XSRF_COOKIE_NAME: &str = "_xsrf";

/// The form or query argument that carries the token.
pub const XSRF_ARGUMENT: &str = "_xsrf";

/// The headers that carry the token when the `_xsrf` argument is absent or empty, in the order
/// Tornado tries them (`X-CSRFToken` is accepted for compatibility with Django).
pub const XSRF_HEADERS: [&str; 2] = ["X-XSRFToken", "X-CSRFToken"];

/// How many random bytes a new token has.
pub const XSRF_TOKEN_LEN: usize = 16;

/// The format tokens are written in (Tornado's `xsrf_cookie_version` setting).
/// Default: [`XsrfTokenVersion::V2`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum XsrfTokenVersion {
    /// The token in hex, the same on every page.
    V1,
    /// The token under a fresh random mask, with its creation time.
    #[default]
    V2,
}

impl TryFrom<u32> for XsrfTokenVersion {
    type Error = XsrfError;

    /// `1` or `2`; anything else is [`XsrfError::UnknownVersion`].
    fn try_from(version: u32) -> Result<Self, XsrfError> {
        match version {
            1 => Ok(XsrfTokenVersion::V1),
            2 => Ok(XsrfTokenVersion::V2),
            other => Err(XsrfError::UnknownVersion(other)),
        }
    }
}

/// An XSRF token in its raw, unmasked form: Tornado's `(version, token, timestamp)` tuple
/// from `_get_raw_xsrf_token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawXsrfToken {
    /// The format of the cookie the token was read from (1 or 2), or `None` for a token
    /// generated for this request, which the handler must then set as the cookie.
    pub version: Option<u32>,
    /// The token bytes: 16 random bytes for tokens Tornado or this module made, anything for
    /// legacy cookies.
    pub token: Vec<u8>,
    /// When the token was made, in Unix seconds. Version 1 cookies do not record it; decoding
    /// one gives the decoding time, as in Tornado.
    pub timestamp: i64,
}

impl RawXsrfToken {
    /// A new random token made at `now`, with `version: None`.
    ///
    /// # Errors
    ///
    /// [`XsrfError::RandomUnavailable`] when `rng` fails.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use ring::rand::SystemRandom;
    /// use tornado::web::xsrf::RawXsrfToken;
    ///
    /// let raw = RawXsrfToken::generate(&SystemRandom::new(), SystemTime::now()).unwrap();
    /// assert_eq!((raw.version, raw.token.len()), (None, 16));
    /// ```
    pub fn generate(rng: &dyn SecureRandom, now: SystemTime) -> Result<Self, XsrfError> {
        let mut token = vec![0; XSRF_TOKEN_LEN];
        rng.fill(&mut token)
            .map_err(|_| XsrfError::RandomUnavailable)?;
        Ok(RawXsrfToken {
            version: None,
            token,
            timestamp: now.unix_seconds(),
        })
    }
}

/// Why an XSRF check failed, or a token could not be made.
///
/// The `Display` strings of the check failures are Tornado's log messages.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum XsrfError {
    /// The request carried no token (`'_xsrf' argument missing from POST`).
    MissingArgument,
    /// The submitted token could not be decoded (`'_xsrf' argument has invalid format`).
    InvalidFormat,
    /// The submitted token differs from the cookie's, or there is no valid cookie
    /// (`XSRF cookie does not match POST argument`).
    Mismatch,
    /// A token version other than 1 or 2 was asked for.
    UnknownVersion(u32),
    /// The random number generator failed.
    RandomUnavailable,
}

impl XsrfError {
    /// The HTTP status the handler answers with: 403 for a failed check, 500 otherwise.
    ///
    /// ```
    /// use tornado::web::xsrf::XsrfError;
    /// assert_eq!(XsrfError::Mismatch.status(), 403);
    /// ```
    pub fn status(&self) -> u16 {
        match self {
            XsrfError::MissingArgument | XsrfError::InvalidFormat | XsrfError::Mismatch => 403,
            XsrfError::UnknownVersion(_) | XsrfError::RandomUnavailable => 500,
        }
    }
}

impl fmt::Display for XsrfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XsrfError::MissingArgument => f.write_str("'_xsrf' argument missing from POST"),
            XsrfError::InvalidFormat => f.write_str("'_xsrf' argument has invalid format"),
            XsrfError::Mismatch => f.write_str("XSRF cookie does not match POST argument"),
            XsrfError::UnknownVersion(v) => write!(f, "unknown xsrf cookie version {v}"),
            XsrfError::RandomUnavailable => {
                f.write_str("the system random number generator failed")
            }
        }
    }
}

impl std::error::Error for XsrfError {}

/// Writes `token` in the given format with the given mask, deterministically.
///
/// Version 1 ignores `mask` and `timestamp`. Use [`generate_xsrf_token`] to get a fresh
/// random mask, which is what pages should carry.
///
/// ```
/// use tornado::web::xsrf::{format_xsrf_token, XsrfTokenVersion};
///
/// let token: Vec<u8> = (0..16).collect();
/// assert_eq!(
///     format_xsrf_token(XsrfTokenVersion::V2, &token, [1, 2, 3, 4], 1_359_312_200),
///     "2|01020304|0103010705070503090b090f0d0f0d0b|1359312200"
/// );
/// assert_eq!(
///     format_xsrf_token(XsrfTokenVersion::V1, &token, [1, 2, 3, 4], 0),
///     "000102030405060708090a0b0c0d0e0f"
/// );
/// ```
pub fn format_xsrf_token(
    version: XsrfTokenVersion,
    token: &[u8],
    mask: [u8; 4],
    timestamp: i64,
) -> String {
    match version {
        XsrfTokenVersion::V1 => hex_encode(token),
        XsrfTokenVersion::V2 => {
            let masked: Vec<u8> = token
                .iter()
                .zip(mask.iter().cycle())
                .map(|(t, m)| t ^ m)
                .collect();
            format!(
                "2|{}|{}|{timestamp}",
                hex_encode(&mask),
                hex_encode(&masked)
            )
        }
    }
}

/// Writes `token` in the given format under a fresh random mask: the value of Tornado's
/// `xsrf_token` property, for the cookie and for pages.
///
/// # Errors
///
/// [`XsrfError::RandomUnavailable`] when `rng` fails.
///
/// ```
/// use std::time::SystemTime;
/// use ring::rand::SystemRandom;
/// use tornado::web::xsrf::{decode_xsrf_token, generate_xsrf_token, XsrfTokenVersion};
///
/// let rng = SystemRandom::new();
/// let token = [42u8; 16];
/// let page = generate_xsrf_token(XsrfTokenVersion::V2, &token, 1_700_000_000, &rng).unwrap();
/// assert!(page.starts_with("2|") && page.ends_with("|1700000000"));
/// let raw = decode_xsrf_token(&page, SystemTime::now()).unwrap();
/// assert_eq!(raw.token, token);
/// ```
pub fn generate_xsrf_token(
    version: XsrfTokenVersion,
    token: &[u8],
    timestamp: i64,
    rng: &dyn SecureRandom,
) -> Result<String, XsrfError> {
    let mut mask = [0u8; 4];
    if version == XsrfTokenVersion::V2 {
        rng.fill(&mut mask)
            .map_err(|_| XsrfError::RandomUnavailable)?;
    }
    Ok(format_xsrf_token(version, token, mask, timestamp))
}

/// Reads a token from a cookie or a submitted value: Tornado's `_decode_xsrf_token`.
///
/// A `2|mask|masked|timestamp` value is unmasked (hex of either case; the timestamp is read as
/// Python's `int()` would, allowing surrounding spaces, a sign and `_` between digits). A value
/// with another `<number>|` prefix is refused. Anything else is version 1: hex if it is hex,
/// otherwise its bytes as they are, with `now` as the timestamp. The empty string decodes to
/// an empty version 1 token, as in Tornado; callers treat an empty token as absent.
///
/// Returns `None` for an unknown version or a malformed version 2 value. Tornado only ever
/// writes 4-byte masks; a longer mask uses its first 4 bytes and a shorter one is accepted only
/// if it covers the whole token (Tornado's pure-Python masking fails otherwise).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use tornado::web::xsrf::decode_xsrf_token;
///
/// let now = UNIX_EPOCH + Duration::from_secs(1_359_312_200);
/// let raw = decode_xsrf_token("2|01020304|0103010705070503090b090f0d0f0d0b|1359312200", now)
///     .unwrap();
/// assert_eq!(raw.token, (0..16).collect::<Vec<u8>>());
/// let legacy = decode_xsrf_token("plain-token", now).unwrap();
/// assert_eq!((legacy.version, legacy.token.as_slice()), (Some(1), &b"plain-token"[..]));
/// assert_eq!(decode_xsrf_token("3|a|b|c", now), None);
/// ```
pub fn decode_xsrf_token(cookie: &str, now: SystemTime) -> Option<RawXsrfToken> {
    match version_prefix(cookie.as_bytes()) {
        Some(2) => {
            let mut parts = cookie.split('|');
            let (Some(_), Some(mask), Some(masked), Some(timestamp), None) = (
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
            ) else {
                return None;
            };
            let mask = hex_decode(mask.as_bytes())?;
            let masked = hex_decode(masked.as_bytes())?;
            let token = masked
                .iter()
                .enumerate()
                .map(|(i, b)| mask.get(i % 4).map(|m| b ^ m))
                .collect::<Option<Vec<u8>>>()?;
            Some(RawXsrfToken {
                version: Some(2),
                token,
                timestamp: python_int(timestamp)?,
            })
        }
        Some(_) => None,
        None => Some(RawXsrfToken {
            version: Some(1),
            token: hex_decode(cookie.as_bytes()).unwrap_or_else(|| cookie.as_bytes().to_vec()),
            timestamp: now.unix_seconds(),
        }),
    }
}

/// Whether two raw (unmasked) tokens are equal, in time that depends only on their lengths.
///
/// ```
/// use tornado::web::xsrf::xsrf_tokens_match;
/// assert!(xsrf_tokens_match(b"abc", b"abc"));
/// assert!(!xsrf_tokens_match(b"abc", b"abd"));
/// ```
pub fn xsrf_tokens_match(a: &[u8], b: &[u8]) -> bool {
    constant_time_eq(a, b)
}

/// The hidden form field that carries the token: Tornado's `xsrf_form_html`, with the token
/// HTML-escaped as `xhtml_escape` does.
///
/// ```
/// use tornado::web::xsrf::xsrf_form_html;
/// assert_eq!(
///     xsrf_form_html("2|01020304|0103|5"),
///     r#"<input type="hidden" name="_xsrf" value="2|01020304|0103|5"/>"#
/// );
/// assert_eq!(
///     xsrf_form_html(r#"a"<&'>"#),
///     r#"<input type="hidden" name="_xsrf" value="a&quot;&lt;&amp;&#39;&gt;"/>"#
/// );
/// ```
pub fn xsrf_form_html(token: &str) -> String {
    let mut out = String::from(r#"<input type="hidden" name="_xsrf" value=""#);
    for c in token.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out.push_str(r#""/>"#);
    out
}

/// Checks a submitted token against the token in the XSRF cookie: Tornado's
/// `check_xsrf_cookie` once the handler has found both values.
///
/// `submitted` is the first non-empty of the [`XSRF_ARGUMENT`] argument and the
/// [`XSRF_HEADERS`]; `cookie` is the `_xsrf` cookie (or the one named by
/// `xsrf_cookie_name`). The checks, in Tornado's order:
///
/// 1. no submitted value, or an empty one → [`XsrfError::MissingArgument`];
/// 2. a submitted value that does not decode to a non-empty token →
///    [`XsrfError::InvalidFormat`];
/// 3. a missing or undecodable cookie, or a different token →  [`XsrfError::Mismatch`].
///    (Tornado compares against a freshly generated token in that case, which cannot match.)
///
/// Tokens are compared unmasked and in constant time, so any mask and either format match.
///
/// ```
/// use tornado::web::xsrf::{check_xsrf_cookie, XsrfError};
///
/// let cookie = "2|01020304|0103010705070503090b090f0d0f0d0b|1359312200";
/// let v1 = "000102030405060708090a0b0c0d0e0f";
/// assert_eq!(check_xsrf_cookie(Some(cookie), Some(v1)), Ok(()));
/// assert_eq!(check_xsrf_cookie(Some(cookie), Some("")), Err(XsrfError::MissingArgument));
/// assert_eq!(check_xsrf_cookie(Some(cookie), Some("2|zz|00|1")), Err(XsrfError::InvalidFormat));
/// assert_eq!(check_xsrf_cookie(None, Some(v1)), Err(XsrfError::Mismatch));
/// assert_eq!(XsrfError::Mismatch.to_string(), "XSRF cookie does not match POST argument");
/// ```
pub fn check_xsrf_cookie(cookie: Option<&str>, submitted: Option<&str>) -> Result<(), XsrfError> {
    let expected = cookie
        .filter(|c| !c.is_empty())
        .and_then(decode_token_bytes)
        .unwrap_or_default();
    check_xsrf_token(submitted, &expected)
}

/// Checks a submitted token against the raw token the handler holds (from the cookie, or
/// freshly generated when the request had no valid cookie): the same checks as
/// [`check_xsrf_cookie`], for a handler that already decoded its cookie. An empty `expected`
/// never matches.
///
/// ```
/// use tornado::web::xsrf::{check_xsrf_token, XsrfError};
///
/// let expected: Vec<u8> = (0..16).collect();
/// let submitted = "2|01020304|0103010705070503090b090f0d0f0d0b|1359312200";
/// assert_eq!(check_xsrf_token(Some(submitted), &expected), Ok(()));
/// assert_eq!(check_xsrf_token(Some(submitted), &expected[1..]), Err(XsrfError::Mismatch));
/// ```
pub fn check_xsrf_token(submitted: Option<&str>, expected: &[u8]) -> Result<(), XsrfError> {
    let submitted = submitted
        .filter(|s| !s.is_empty())
        .ok_or(XsrfError::MissingArgument)?;
    let token = decode_token_bytes(submitted).ok_or(XsrfError::InvalidFormat)?;
    if !expected.is_empty() && xsrf_tokens_match(&token, expected) {
        Ok(())
    } else {
        Err(XsrfError::Mismatch)
    }
}

/// The non-empty raw token of a cookie or submitted value.
fn decode_token_bytes(value: &str) -> Option<Vec<u8>> {
    decode_xsrf_token(value, SystemTime::UNIX_EPOCH)
        .map(|raw| raw.token)
        .filter(|token| !token.is_empty())
}

/// Python's `int(str)` for ASCII digits: surrounding whitespace, an optional sign, and single
/// underscores between digits. `None` for anything else or beyond `i64`.
fn python_int(s: &str) -> Option<i64> {
    let s = s.trim_matches(char::is_whitespace);
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let bytes = digits.as_bytes();
    let well_formed = bytes.first().is_some_and(u8::is_ascii_digit)
        && bytes.last().is_some_and(u8::is_ascii_digit)
        && bytes.iter().all(|b| b.is_ascii_digit() || *b == b'_')
        && !digits.contains("__");
    if !well_formed {
        return None;
    }
    let magnitude = bytes
        .iter()
        .filter(|b| b.is_ascii_digit())
        .try_fold(0i64, |acc, &d| {
            acc.checked_mul(10)?.checked_add(i64::from(d - b'0'))
        })?;
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;

    #[test]
    fn python_int_accepts_what_int_accepts() {
        for (s, n) in [
            ("7", 7),
            (" 7 ", 7),
            ("-7", -7),
            ("+7", 7),
            ("1_0", 10),
            ("007", 7),
            ("5\n", 5),
            ("\u{a0}5\u{3000}", 5),
        ] {
            assert_eq!(python_int(s), Some(n), "{s:?}");
        }
        for s in [
            "",
            " ",
            "-",
            "x",
            "1.5",
            "- 5",
            "5_",
            "_5",
            "1__0",
            "+_1",
            "0x10",
            "99999999999999999999",
        ] {
            assert_eq!(python_int(s), None, "{s:?}");
        }
    }

    #[test]
    fn masking_round_trips_for_random_masks_and_tokens() {
        let rng = SystemRandom::new();
        for _ in 0..64 {
            let raw = RawXsrfToken::generate(&rng, SystemTime::UNIX_EPOCH).expect("random");
            let masked =
                generate_xsrf_token(XsrfTokenVersion::V2, &raw.token, 99, &rng).expect("random");
            let decoded = decode_xsrf_token(&masked, SystemTime::UNIX_EPOCH).expect("decodes");
            assert_eq!(decoded.token, raw.token);
            assert_eq!(decoded.timestamp, 99);
            let v1 = generate_xsrf_token(XsrfTokenVersion::V1, &raw.token, 99, &rng)
                .expect("no randomness needed");
            assert_eq!(check_xsrf_cookie(Some(&v1), Some(&masked)), Ok(()));
        }
    }

    #[test]
    fn versions_convert_from_numbers() {
        assert_eq!(XsrfTokenVersion::try_from(1), Ok(XsrfTokenVersion::V1));
        assert_eq!(XsrfTokenVersion::try_from(2), Ok(XsrfTokenVersion::V2));
        assert_eq!(
            XsrfTokenVersion::try_from(3),
            Err(XsrfError::UnknownVersion(3))
        );
        assert_eq!(XsrfError::UnknownVersion(3).status(), 500);
    }

    #[test]
    fn empty_cookie_or_expected_never_matches() {
        assert_eq!(
            check_xsrf_cookie(Some(""), Some("abc")),
            Err(XsrfError::Mismatch)
        );
        // A version 2 cookie whose token is empty is valid in form but matches nothing.
        assert_eq!(
            check_xsrf_cookie(Some("2|01020304||5"), Some("abc")),
            Err(XsrfError::Mismatch)
        );
        assert_eq!(
            check_xsrf_cookie(Some("abc"), Some("2|01020304||5")),
            Err(XsrfError::InvalidFormat)
        );
        assert_eq!(check_xsrf_token(Some("abc"), b""), Err(XsrfError::Mismatch));
    }
}
