//! Signed, timestamped values: the format behind Tornado's `set_signed_cookie` /
//! `get_signed_cookie` (`create_signed_value`, `decode_signed_value`).
//!
//! A signed value carries a name, a timestamp and arbitrary bytes, protected by an HMAC keyed
//! with the application's cookie secret. The encoding is byte for byte Tornado 6's, so cookies
//! written by a Python Tornado application are read here and the other way round.
//!
//! # Formats
//!
//! **Version 2** (the default):
//!
//! ```text
//! 2|1:0|10:1359312200|3:foo|4:YmFy|<64 hex digits of HMAC-SHA256>
//! ```
//!
//! After the bare version number come four length-prefixed fields (`<decimal length>:<bytes>`):
//! the key version, the Unix timestamp, the name and the base64 of the value. The HMAC-SHA256
//! covers everything before it, including the last `|`.
//!
//! **Version 1** (legacy, read by default, written only on request):
//!
//! ```text
//! YmFy|1359312200|<40 hex digits of HMAC-SHA1 over name + base64 + timestamp>
//! ```
//!
//! # Key rotation
//!
//! [`SecretKeys::Versioned`] holds several secrets indexed by key version (Tornado's dict
//! `cookie_secret` plus the `key_version` setting). New values are signed with the `current`
//! key; values signed by any key still in the map keep verifying, so a key can be retired
//! after its values have expired. [`get_signature_key_version`] tells which key signed a value.
//!
//! # Examples
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use tornado::web::signed::{create_signed_value, decode_signed_value, SecretKeys};
//!
//! let secret = SecretKeys::Single(b"secret_key".to_vec());
//! let now = UNIX_EPOCH + Duration::from_secs(1_359_312_200);
//! let signed = create_signed_value(&secret, "foo", b"bar", None, now).unwrap();
//! assert_eq!(
//!     signed,
//!     "2|1:0|10:1359312200|3:foo|4:YmFy|\
//!      3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b50"
//! );
//! let decoded = decode_signed_value(&secret, "foo", &signed, 31.0, now, None);
//! assert_eq!(decoded.as_deref(), Some(&b"bar"[..]));
//!
//! // Another name, a changed byte or an expired timestamp all give `None`.
//! assert_eq!(decode_signed_value(&secret, "bar", &signed, 31.0, now, None), None);
//! let later = now + Duration::from_secs(32 * 86_400);
//! assert_eq!(decode_signed_value(&secret, "foo", &signed, 31.0, later, None), None);
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ring::hmac;

use crate::http::Timestamp;

/// The oldest signed-value format this module reads (Tornado's
/// `MIN_SUPPORTED_SIGNED_VALUE_VERSION`).
pub const MIN_SUPPORTED_SIGNED_VALUE_VERSION: u32 = 1;
/// The newest signed-value format this module reads and writes
/// (`MAX_SUPPORTED_SIGNED_VALUE_VERSION`).
pub const MAX_SUPPORTED_SIGNED_VALUE_VERSION: u32 = 2;
/// The format [`create_signed_value`] writes when no version is given
/// (`DEFAULT_SIGNED_VALUE_VERSION`).
pub const DEFAULT_SIGNED_VALUE_VERSION: u32 = 2;
/// The oldest format [`decode_signed_value`] accepts when no minimum is given
/// (`DEFAULT_SIGNED_VALUE_MIN_VERSION`).
pub const DEFAULT_SIGNED_VALUE_MIN_VERSION: u32 = 1;
/// How old a signed value may be, in days, before [`decode_signed_value`] rejects it when the
/// caller has no better idea (the default of Tornado's `get_signed_cookie`). Default: 31.
pub const DEFAULT_MAX_AGE_DAYS: f64 = 31.0;

/// Version 1 values are rejected when their timestamp is this far in the future (a guard
/// against digits moved from the payload into the timestamp, which v1 does not delimit).
const V1_MAX_FUTURE_SECS: f64 = 31.0 * 86_400.0;

/// The secret (or secrets) that sign values: Tornado's `cookie_secret` setting.
///
/// The `Debug` output never shows key material.
///
/// ```
/// use std::collections::BTreeMap;
/// use tornado::web::signed::SecretKeys;
///
/// let single = SecretKeys::Single(b"a long random secret".to_vec());
/// // Tornado's `cookie_secret={0: "old", 1: "new"}, key_version=1`:
/// let rotated = SecretKeys::Versioned {
///     keys: BTreeMap::from([(0, b"old".to_vec()), (1, b"new".to_vec())]),
///     current: 1,
/// };
/// assert_eq!(format!("{rotated:?}"), "SecretKeys::Versioned { versions: [0, 1], current: 1 }");
/// # let _ = single;
/// ```
#[derive(Clone, PartialEq, Eq)]
pub enum SecretKeys {
    /// One secret. Values are signed with key version 0, and the key version recorded in a
    /// value is not consulted when verifying (as in Tornado).
    Single(Vec<u8>),
    /// Several secrets by key version. Signing uses `current`, which must be a key of `keys`;
    /// verification uses the key named by the value. Only format version 2 records a key
    /// version, so these keys cannot sign or verify version 1 values.
    Versioned {
        /// The secrets, by key version.
        keys: BTreeMap<u32, Vec<u8>>,
        /// The key version that signs new values (Tornado's `key_version` setting).
        current: u32,
    },
}

impl fmt::Debug for SecretKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretKeys::Single(_) => f.write_str("SecretKeys::Single(..)"),
            SecretKeys::Versioned { keys, current } => write!(
                f,
                "SecretKeys::Versioned {{ versions: {:?}, current: {current} }}",
                keys.keys().collect::<Vec<_>>()
            ),
        }
    }
}

impl SecretKeys {
    /// The key that verifies a version 2 value recording `key_version`.
    fn verifying_key(&self, key_version: u32) -> Option<&[u8]> {
        match self {
            SecretKeys::Single(key) => Some(key),
            SecretKeys::Versioned { keys, .. } => keys.get(&key_version).map(Vec::as_slice),
        }
    }
}

/// Why a value could not be signed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignedValueError {
    /// The requested format version is neither 1 nor 2.
    UnsupportedVersion(u32),
    /// [`SecretKeys::Versioned`] was asked to sign a version 1 value, which has no room for a
    /// key version.
    VersionedKeysNeedV2,
    /// [`SecretKeys::Versioned`]'s `current` key version is not among its keys.
    UnknownKeyVersion(u32),
    /// A version 2 name that is not ASCII. Tornado writes such names with a length prefix
    /// counted in characters rather than bytes, so neither Tornado nor this module could read
    /// the value back; it is refused instead.
    NonAsciiName(String),
}

impl fmt::Display for SignedValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignedValueError::UnsupportedVersion(v) => {
                write!(f, "unsupported signed value version {v} (expected 1 or 2)")
            }
            SignedValueError::VersionedKeysNeedV2 => {
                f.write_str("versioned secret keys can only sign version 2 values")
            }
            SignedValueError::UnknownKeyVersion(v) => {
                write!(f, "current key version {v} is not among the secret keys")
            }
            SignedValueError::NonAsciiName(name) => {
                write!(f, "signed value name {name:?} is not ASCII")
            }
        }
    }
}

impl std::error::Error for SignedValueError {}

/// Signs and timestamps `value` under `name`: Tornado's module-level `create_signed_value`.
///
/// `version` is the format, 1 or 2 (`None` means [`DEFAULT_SIGNED_VALUE_VERSION`], 2). The
/// timestamp is `clock` in whole Unix seconds. The name goes into the value (version 2) or the
/// signature (version 1), so the value only decodes under the same name.
///
/// # Errors
///
/// [`SignedValueError`] for a version other than 1 or 2, versioned keys with version 1, a
/// `current` key version missing from the keys, or a non-ASCII name with version 2.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use tornado::web::signed::{create_signed_value, SecretKeys};
///
/// let secret = SecretKeys::Single(b"secret_key".to_vec());
/// let now = UNIX_EPOCH + Duration::from_secs(1_359_312_200);
/// let v1 = create_signed_value(&secret, "foo", b"bar", Some(1), now).unwrap();
/// assert_eq!(v1, "YmFy|1359312200|ede25c1064137b62f60d449f58a050bd7aa0080d");
/// assert!(create_signed_value(&secret, "foo", b"bar", Some(3), now).is_err());
/// ```
pub fn create_signed_value(
    secret: &SecretKeys,
    name: &str,
    value: &[u8],
    version: Option<u32>,
    clock: SystemTime,
) -> Result<String, SignedValueError> {
    let version = version.unwrap_or(DEFAULT_SIGNED_VALUE_VERSION);
    let timestamp = truncated_unix_seconds(clock).to_string();
    let value = STANDARD.encode(value);
    match version {
        1 => {
            let SecretKeys::Single(key) = secret else {
                return Err(SignedValueError::VersionedKeysNeedV2);
            };
            let signature = signature_v1(key, name, &value, &timestamp);
            Ok(format!("{value}|{timestamp}|{signature}"))
        }
        2 => {
            let (key_version, key) = match secret {
                SecretKeys::Single(key) => (0, key.as_slice()),
                SecretKeys::Versioned { keys, current } => {
                    let key = keys
                        .get(current)
                        .ok_or(SignedValueError::UnknownKeyVersion(*current))?;
                    (*current, key.as_slice())
                }
            };
            if !name.is_ascii() {
                return Err(SignedValueError::NonAsciiName(name.to_owned()));
            }
            let key_version = key_version.to_string();
            let mut signed = String::from("2|");
            for field in [key_version.as_str(), &timestamp, name, &value] {
                signed.push_str(&format!("{}:{field}|", field.len()));
            }
            let signature = signature_v2(key, signed.as_bytes());
            signed.push_str(&signature);
            Ok(signed)
        }
        other => Err(SignedValueError::UnsupportedVersion(other)),
    }
}

/// Checks and decodes a signed value: Tornado's module-level `decode_signed_value`.
///
/// Returns the original bytes, or `None` when the value is empty, malformed, signed with
/// another secret or for another `name`, tampered with, of an unknown format version or one
/// older than `min_version`, or older than `max_age_days` days at `clock`. Version 1 values
/// are also refused when their timestamp is more than 31 days ahead of `clock` or starts with
/// a `0`. Signatures are compared in constant time.
///
/// `max_age_days` is Tornado's default 31 ([`DEFAULT_MAX_AGE_DAYS`]) when the caller has no
/// better idea. `min_version` defaults to 1 ([`DEFAULT_SIGNED_VALUE_MIN_VERSION`]); a
/// `min_version` above 2 accepts nothing (Tornado raises `ValueError`).
///
/// Tornado parses the numbers inside a value with Python's `int()`, which also takes signs,
/// spaces and underscores. Tornado never writes those, so this decoder accepts plain decimal
/// digits only; that can only refuse values Tornado did not produce.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use tornado::web::signed::{decode_signed_value, SecretKeys};
///
/// let secret = SecretKeys::Single(b"secret_key".to_vec());
/// let now = UNIX_EPOCH + Duration::from_secs(1_359_312_200);
/// let v1 = "YmFy|1359312200|ede25c1064137b62f60d449f58a050bd7aa0080d";
/// assert_eq!(decode_signed_value(&secret, "foo", v1, 31.0, now, None), Some(b"bar".to_vec()));
/// assert_eq!(decode_signed_value(&secret, "foo", v1, 31.0, now, Some(2)), None);
/// assert_eq!(decode_signed_value(&secret, "foo", "|||", 31.0, now, None), None);
/// ```
pub fn decode_signed_value(
    secret: &SecretKeys,
    name: &str,
    value: &str,
    max_age_days: f64,
    clock: SystemTime,
    min_version: Option<u32>,
) -> Option<Vec<u8>> {
    let min_version = min_version.unwrap_or(DEFAULT_SIGNED_VALUE_MIN_VERSION);
    if min_version > MAX_SUPPORTED_SIGNED_VALUE_VERSION || value.is_empty() {
        return None;
    }
    let version = signed_value_version(value.as_bytes());
    if version < min_version {
        return None;
    }
    let now = unix_seconds_f64(clock);
    match (version, secret) {
        (1, SecretKeys::Single(key)) => decode_v1(key, name, value, max_age_days, now),
        (2, _) => decode_v2(secret, name, value, max_age_days, now),
        _ => None,
    }
}

/// The key version that signed a version 2 value, without checking the signature: Tornado's
/// `get_signature_key_version`. `None` for version 1 values (which record none) and for
/// malformed values.
///
/// ```
/// use tornado::web::signed::get_signature_key_version;
///
/// let v = "2|1:1|10:1359312200|7:user_id|4:NDI=|\
///          c4612eb434a65536d5ef19246d0c5a69bd1e7bdc0435bfa04a450fdf3a06ceb1";
/// assert_eq!(get_signature_key_version(v), Some(1));
/// assert_eq!(get_signature_key_version("YmFy|1359312200|ede25c10"), None);
/// ```
pub fn get_signature_key_version(value: &str) -> Option<u32> {
    if signed_value_version(value.as_bytes()) < 2 {
        return None;
    }
    // Like Tornado, skip exactly two bytes ("2|") whatever the version's width.
    let fields = V2Fields::parse(value.as_bytes().get(2..)?)?;
    Some(fields.key_version)
}

/// The leading version number of a value, as Tornado's `^([1-9][0-9]*)\|(.*)$` finds it;
/// `None` when the pattern does not match. Numbers too large for `u64` saturate.
///
/// Python's `.` does not match a newline and `$` also matches before a final newline, so a
/// newline anywhere but at the very end stops the match.
pub(super) fn version_prefix(value: &[u8]) -> Option<u64> {
    let digits = value.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || value[0] == b'0' || value.get(digits) != Some(&b'|') {
        return None;
    }
    let rest = &value[digits + 1..];
    if let Some(pos) = rest.iter().position(|&b| b == b'\n') {
        if pos + 1 != rest.len() {
            return None;
        }
    }
    Some(value[..digits].iter().fold(0u64, |acc, &d| {
        acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    }))
}

/// Tornado's `_get_version`: a version prefix up to 999, else the version-less format 1
/// (whose base64 payload may itself look like a number followed by `|`).
fn signed_value_version(value: &[u8]) -> u32 {
    match version_prefix(value) {
        Some(v) if v <= 999 => v as u32,
        _ => 1,
    }
}

fn decode_v1(key: &[u8], name: &str, value: &str, max_age_days: f64, now: f64) -> Option<Vec<u8>> {
    let mut parts = value.split('|');
    let (Some(payload), Some(timestamp), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let expected = signature_v1(key, name, payload, timestamp);
    if !constant_time_eq(signature.as_bytes(), expected.as_bytes()) {
        return None;
    }
    let ts = parse_decimal(timestamp.as_bytes())? as f64;
    // The order of these checks does not matter: each failure is `None`.
    if ts < now - max_age_days * 86_400.0
        || ts > now + V1_MAX_FUTURE_SECS
        || timestamp.starts_with('0')
    {
        return None;
    }
    STANDARD.decode(payload).ok()
}

fn decode_v2(
    secret: &SecretKeys,
    name: &str,
    value: &str,
    max_age_days: f64,
    now: f64,
) -> Option<Vec<u8>> {
    let bytes = value.as_bytes();
    let fields = V2Fields::parse(bytes.get(2..)?)?;
    let signed = &bytes[..bytes.len() - fields.signature.len()];
    let key = secret.verifying_key(fields.key_version)?;
    let expected = signature_v2(key, signed);
    if !constant_time_eq(fields.signature, expected.as_bytes()) || fields.name != name.as_bytes() {
        return None;
    }
    let ts = parse_decimal(fields.timestamp)? as f64;
    if ts < now - max_age_days * 86_400.0 {
        return None;
    }
    STANDARD.decode(fields.value).ok()
}

/// The parts of a version 2 value after its `2|`.
struct V2Fields<'a> {
    key_version: u32,
    timestamp: &'a [u8],
    name: &'a [u8],
    value: &'a [u8],
    signature: &'a [u8],
}

impl<'a> V2Fields<'a> {
    /// Tornado's `_decode_fields_v2`: four `<length>:<bytes>|` fields, then the signature.
    fn parse(rest: &'a [u8]) -> Option<Self> {
        let (key_version, rest) = consume_field(rest)?;
        let (timestamp, rest) = consume_field(rest)?;
        let (name, rest) = consume_field(rest)?;
        let (value, signature) = consume_field(rest)?;
        let key_version = u32::try_from(parse_decimal(key_version)?).ok()?;
        Some(V2Fields {
            key_version,
            timestamp,
            name,
            value,
            signature,
        })
    }
}

/// Splits `<length>:<length bytes>|rest` into the field and the rest.
fn consume_field(s: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = s.iter().position(|&b| b == b':')?;
    let len = usize::try_from(parse_decimal(&s[..colon])?).ok()?;
    let rest = &s[colon + 1..];
    let end = len.checked_add(1).filter(|&end| end <= rest.len())?;
    if rest[len] != b'|' {
        return None;
    }
    Some((&rest[..len], &rest[end..]))
}

/// A non-negative decimal number of plain ASCII digits (leading zeros allowed, as Python's
/// `int()` allows them); `None` for anything else or on overflow.
fn parse_decimal(s: &[u8]) -> Option<i64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0i64, |acc, &d| {
        acc.checked_mul(10)?.checked_add(i64::from(d - b'0'))
    })
}

fn signature_v1(key: &[u8], name: &str, payload: &str, timestamp: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, key);
    let mut ctx = hmac::Context::with_key(&key);
    for part in [name, payload, timestamp] {
        ctx.update(part.as_bytes());
    }
    hex_encode(ctx.sign().as_ref())
}

fn signature_v2(key: &[u8], signed: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    hex_encode(hmac::sign(&key, signed).as_ref())
}

/// Compares two byte strings in time that depends only on their lengths (Python's
/// `hmac.compare_digest`): every byte pair is combined before the single branch on the result.
pub(super) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Lower-case hexadecimal, as Python's `hexdigest()` and `binascii.b2a_hex`.
pub(super) fn hex_encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Python's `binascii.a2b_hex`: an even number of hex digits of either case.
pub(super) fn hex_decode(s: &[u8]) -> Option<Vec<u8>> {
    fn nibble(b: u8) -> Option<u8> {
        char::from(b).to_digit(16).map(|d| d as u8)
    }
    if s.len() % 2 != 0 {
        return None;
    }
    s.chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

/// Python's `int(time.time())`: whole seconds, truncated toward zero.
fn truncated_unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(_) => t.unix_seconds(),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

/// Python's `time.time()`: seconds as a float, negative before 1970.
fn unix_seconds_f64(t: SystemTime) -> f64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const T: u64 = 1_359_312_200;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn single() -> SecretKeys {
        SecretKeys::Single(b"secret_key".to_vec())
    }

    #[test]
    fn version_detection_follows_tornado() {
        assert_eq!(signed_value_version(b"2|1:0|"), 2);
        assert_eq!(signed_value_version(b"999|x"), 999);
        assert_eq!(signed_value_version(b"1000|x"), 1);
        assert_eq!(signed_value_version(b"02|x"), 1);
        assert_eq!(signed_value_version(b"YmFy|123|abc"), 1);
        assert_eq!(signed_value_version(b"2"), 1);
        assert_eq!(signed_value_version(b"2|a\nb"), 1);
        assert_eq!(signed_value_version(b"2|ab\n"), 2);
        assert_eq!(
            version_prefix(b"99999999999999999999999999|"),
            Some(u64::MAX)
        );
    }

    #[test]
    fn fields_parse_and_reject() {
        let f = V2Fields::parse(b"1:7|2:10|3:abc|4:YWJj|sig").expect("well-formed fields");
        assert_eq!(f.key_version, 7);
        assert_eq!(f.timestamp, b"10");
        assert_eq!(f.name, b"abc");
        assert_eq!(f.value, b"YWJj");
        assert_eq!(f.signature, b"sig");
        for bad in [
            &b""[..],
            b"1:7",
            b"1:7|",
            b"2:7|",
            b"1:7x",
            b"-1:7|2:10|3:abc|4:YWJj|",
            b"+1:7|2:10|3:abc|4:YWJj|",
            b" 1:7|2:10|3:abc|4:YWJj|",
            b"18446744073709551615:7|",
            b"99999999999999999999999999:7|",
            b"1:x|2:10|3:abc|4:YWJj|",
            b"11:99999999999|2:10|3:abc|4:YWJj|",
        ] {
            assert!(V2Fields::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn hex_round_trip_and_rejects() {
        assert_eq!(hex_encode(&[0, 0xab, 0xff]), "00abff");
        assert_eq!(hex_decode(b"00ABff"), Some(vec![0, 0xab, 0xff]));
        assert_eq!(hex_decode(b""), Some(vec![]));
        assert_eq!(hex_decode(b"abc"), None);
        assert_eq!(hex_decode(b"zz"), None);
        assert_eq!(hex_decode("é1".as_bytes()), None);
    }

    #[test]
    fn truncation_toward_zero() {
        assert_eq!(
            truncated_unix_seconds(at(5) + Duration::from_millis(900)),
            5
        );
        assert_eq!(
            truncated_unix_seconds(UNIX_EPOCH - Duration::from_millis(1500)),
            -1
        );
        assert_eq!(
            truncated_unix_seconds(UNIX_EPOCH - Duration::from_millis(500)),
            0
        );
    }

    #[test]
    fn v1_future_and_leading_zero_guards() {
        let secret = single();
        let signed = create_signed_value(&secret, "n", b"v", Some(1), at(T)).expect("signs");
        // 31 days ahead is still accepted, a second more is not.
        let before = at(T - 31 * 86_400);
        assert!(decode_signed_value(&secret, "n", &signed, 31.0, before, None).is_some());
        let too_early = at(T - 31 * 86_400 - 1);
        assert!(decode_signed_value(&secret, "n", &signed, 31.0, too_early, None).is_none());

        // A correctly signed timestamp with a leading zero is treated as tampering.
        let payload = "dg==";
        let sig = signature_v1(b"secret_key", "n", payload, "01359312200");
        let zero = format!("{payload}|01359312200|{sig}");
        assert!(decode_signed_value(&secret, "n", &zero, 31.0, at(T), None).is_none());
        let sig = signature_v1(b"secret_key", "n", payload, "1359312200");
        let plain = format!("{payload}|1359312200|{sig}");
        assert_eq!(
            decode_signed_value(&secret, "n", &plain, 31.0, at(T), None),
            Some(b"v".to_vec())
        );
    }

    #[test]
    fn v2_has_no_future_check() {
        let secret = single();
        let signed = create_signed_value(&secret, "n", b"v", None, at(T)).expect("signs");
        let long_before = at(T - 365 * 86_400);
        assert_eq!(
            decode_signed_value(&secret, "n", &signed, 31.0, long_before, None),
            Some(b"v".to_vec())
        );
    }

    #[test]
    fn min_version_above_two_accepts_nothing() {
        let secret = single();
        let signed = create_signed_value(&secret, "n", b"v", None, at(T)).expect("signs");
        assert!(decode_signed_value(&secret, "n", &signed, 31.0, at(T), Some(2)).is_some());
        assert!(decode_signed_value(&secret, "n", &signed, 31.0, at(T), Some(3)).is_none());
    }

    #[test]
    fn signing_errors() {
        let versioned = SecretKeys::Versioned {
            keys: BTreeMap::from([(0, b"k0".to_vec())]),
            current: 4,
        };
        assert_eq!(
            create_signed_value(&versioned, "n", b"v", None, at(T)),
            Err(SignedValueError::UnknownKeyVersion(4))
        );
        assert_eq!(
            create_signed_value(&versioned, "n", b"v", Some(1), at(T)),
            Err(SignedValueError::VersionedKeysNeedV2)
        );
        assert_eq!(
            create_signed_value(&single(), "n", b"v", Some(0), at(T)),
            Err(SignedValueError::UnsupportedVersion(0))
        );
        let err = create_signed_value(&single(), "né", b"v", None, at(T));
        assert_eq!(err, Err(SignedValueError::NonAsciiName("né".into())));
        // Version 1 signs the name's UTF-8 and round-trips any name.
        let v1 = create_signed_value(&single(), "né", b"v", Some(1), at(T)).expect("signs");
        assert_eq!(
            decode_signed_value(&single(), "né", &v1, 31.0, at(T), None),
            Some(b"v".to_vec())
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let shown = format!("{:?}", single());
        assert!(!shown.contains("secret_key"), "{shown}");
    }
}
