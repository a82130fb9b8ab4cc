//! Signed values, `Set-Cookie` headers and XSRF tokens checked against Python Tornado.
//!
//! Every table below was printed by pip-installed Tornado 6.3.3 (Python 3.11) running the
//! script at the end of this file, with `TORNADO_EXTENSION=0` so that Tornado masks XSRF tokens
//! in pure Python: its C `websocket_mask` reads past a mask shorter than 4 bytes, which no
//! valid token has. Regenerate the tables with that script rather than editing them.
//!
//! The tests then check that this crate reproduces each value byte for byte, decodes what
//! Tornado decodes and refuses what Tornado refuses, and that tampered or malformed input is
//! refused without a panic.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use tornado::http::parse_cookie;
use tornado::web::cookies::{format_clear_cookie, format_set_cookie, CookieError, CookieOptions};
use tornado::web::signed::{
    create_signed_value, decode_signed_value, get_signature_key_version, SecretKeys,
};
use tornado::web::xsrf::{
    check_xsrf_cookie, check_xsrf_token, decode_xsrf_token, format_xsrf_token, xsrf_form_html,
    xsrf_tokens_match, XsrfError, XsrfTokenVersion,
};

/// The fixed clock of the signed-value fixtures, in Unix seconds.
const T: i64 = 1_359_312_200;

/// The secrets of the fixtures (the script's `SECRETS`).
#[derive(Clone, Copy, Debug)]
enum Secret {
    /// `cookie_secret="secret_key"`.
    Single,
    /// `cookie_secret={0: "k0", 1: "k1-longer"}, key_version=0`.
    Rot0,
    /// `cookie_secret={0: "k0", 1: "k1-longer"}, key_version=1`.
    Rot1,
    /// `cookie_secret={1: "k1-longer"}, key_version=1`: key 0 retired.
    Only1,
}
const SINGLE: Secret = Secret::Single;
const ROT0: Secret = Secret::Rot0;
const ROT1: Secret = Secret::Rot1;
const ONLY1: Secret = Secret::Only1;

fn keys(secret: Secret) -> SecretKeys {
    let versioned = |pairs: &[(u32, &str)], current| SecretKeys::Versioned {
        keys: pairs
            .iter()
            .map(|&(v, k)| (v, k.as_bytes().to_vec()))
            .collect::<BTreeMap<_, _>>(),
        current,
    };
    match secret {
        Secret::Single => SecretKeys::Single(b"secret_key".to_vec()),
        Secret::Rot0 => versioned(&[(0, "k0"), (1, "k1-longer")], 0),
        Secret::Rot1 => versioned(&[(0, "k0"), (1, "k1-longer")], 1),
        Secret::Only1 => versioned(&[(1, "k1-longer")], 1),
    }
}

/// `create_signed_value(secret, name, bytes.fromhex(value), version, clock=T + 0.75)`.
struct Created {
    secret: Secret,
    version: u32,
    name: &'static str,
    value: &'static str,
    signed: &'static str,
}

/// `decode_signed_value(secret, name, value, max_age_days, clock, min_version)`, with the
/// result in hex.
struct Decoded {
    secret: Secret,
    name: &'static str,
    value: &'static str,
    max_age_days: f64,
    clock_ms: i64,
    min_version: Option<u32>,
    expected: Option<&'static str>,
}

/// `RequestHandler.set_cookie(name, value, **options)` (or `clear_cookie`) at
/// 2013-01-27 18:43:20.25 UTC, and the morsel's `OutputString()`.
struct SetCookie {
    name: &'static str,
    value: &'static str,
    options: fn() -> CookieOptions,
    header: &'static str,
}

/// `xsrf_token` with `os.urandom` returning `mask`, the raw token preset, and
/// `xsrf_cookie_version=version`; then `xsrf_form_html()` and the `_xsrf` cookie it set.
struct XsrfToken {
    version: u32,
    mask: &'static str,
    token: &'static str,
    timestamp: i64,
    formatted: &'static str,
    form_html: &'static str,
    set_cookie: &'static str,
}

/// A decoded XSRF token: (version, token in hex, timestamp).
type RawToken = (u32, &'static str, i64);

fn at_ms(ms: i64) -> SystemTime {
    let magnitude = Duration::from_millis(ms.unsigned_abs());
    if ms >= 0 {
        UNIX_EPOCH + magnitude
    } else {
        UNIX_EPOCH - magnitude
    }
}

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex fixture {s:?}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex fixture"))
        .collect()
}

/// The cookie fixtures' `datetime.utcnow()`.
fn cookie_now() -> SystemTime {
    at_ms(T * 1000 + 250)
}

// ---------------------------------------------------------------------------------------------
// Fixtures printed by the script at the end of this file.
// ---------------------------------------------------------------------------------------------

const CREATED: &[Created] = &[
    Created { secret: SINGLE, version: 1, name: "foo", value: "626172", signed: "YmFy|1359312200|ede25c1064137b62f60d449f58a050bd7aa0080d" },
    Created { secret: SINGLE, version: 2, name: "foo", value: "626172", signed: "2|1:0|10:1359312200|3:foo|4:YmFy|3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b50" },
    Created { secret: SINGLE, version: 2, name: "session", value: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", signed: "2|1:0|10:1359312200|7:session|344:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==|e94e629571f2ca303964b6760772cd0680b9a777139c1ed550572f81dbc272f8" },
    Created { secret: SINGLE, version: 1, name: "session", value: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", signed: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==|1359312200|5c11d138175507784da8699ef38eb96c16f3f3bb" },
    Created { secret: SINGLE, version: 1, name: "empty", value: "", signed: "|1359312200|a601fda80294ee6d9f2eb87d680e4dac22a1629d" },
    Created { secret: SINGLE, version: 2, name: "empty", value: "", signed: "2|1:0|10:1359312200|5:empty|0:|fb017c636b11ba076a7fe4a74de295d2ef59ece2a9d604bef5a0328244554a59" },
    Created { secret: SINGLE, version: 2, name: "a|b:c", value: "70697065737c616e643a636f6c6f6e73", signed: "2|1:0|10:1359312200|5:a|b:c|24:cGlwZXN8YW5kOmNvbG9ucw==|10291480cb409576f41d7a10e0018cb541ec73f5a143b35c61e1acee4293e393" },
    Created { secret: SINGLE, version: 2, name: "n", value: "68c3a96c6c6f20e29883", signed: "2|1:0|10:1359312200|1:n|16:aMOpbGxvIOKYgw==|9e1e551ebd975ed9ad59cf7b8c8e2269b3da1c55adb49837a0e1596efeeaae6d" },
    Created { secret: ROT0, version: 2, name: "foo", value: "726f7461746564", signed: "2|1:0|10:1359312200|3:foo|12:cm90YXRlZA==|2f873df98a7c4c035d63a87750d9c4386ad949c8040503549a0128fd47239fee" },
    Created { secret: ROT1, version: 2, name: "user_id", value: "3432", signed: "2|1:1|10:1359312200|7:user_id|4:NDI=|c4612eb434a65536d5ef19246d0c5a69bd1e7bdc0435bfa04a450fdf3a06ceb1" },
];
const DECODED: &[Decoded] = &[
    Decoded { secret: SINGLE, name: "foo", value: "YmFy|1359312200|ede25c1064137b62f60d449f58a050bd7aa0080d", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: Some("626172") },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|10:1359312200|3:foo|4:YmFy|3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b50", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: Some("626172") },
    Decoded { secret: SINGLE, name: "foo", value: "YmFy|1359312200|ede25c1064137b62f60d449f58a050bd7aa0080d", max_age_days: 31.0, clock_ms: 1359312200000, min_version: Some(2), expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|10:1359312200|3:foo|4:YmFy|3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b50", max_age_days: 31.0, clock_ms: 1359312200000, min_version: Some(2), expected: Some("626172") },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|10:1359312200|3:foo|4:YmFy|3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b50", max_age_days: 31.0, clock_ms: 1359312200000, min_version: Some(3), expected: None }, // Tornado raises ValueError
    Decoded { secret: SINGLE, name: "bar", value: "YmFy|1359312200|ede25c1064137b62f60d449f58a050bd7aa0080d", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "bar", value: "2|1:0|10:1359312200|3:foo|4:YmFy|3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b50", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|10:1359312200|3:foo|4:YmFy|3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b50", max_age_days: 31.0, clock_ms: 1361990600000, min_version: None, expected: Some("626172") },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|10:1359312200|3:foo|4:YmFy|3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b50", max_age_days: 31.0, clock_ms: 1361990600500, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|10:1359312200|3:foo|4:YmFy|3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b50", max_age_days: 31.0, clock_ms: 1361990601000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "YmFy|1359312200|ede25c1064137b62f60d449f58a050bd7aa0080d", max_age_days: 31.0, clock_ms: 1361990601000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|10:1359312200|3:foo|4:YmFy|3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b50", max_age_days: 1.5, clock_ms: 1359441800000, min_version: None, expected: Some("626172") },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|10:1359312200|3:foo|4:YmFy|3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b50", max_age_days: 1.5, clock_ms: 1359441800001, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|10:1359312200|3:foo|4:YmFy|3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b50", max_age_days: 0.0, clock_ms: 1359312200000, min_version: None, expected: Some("626172") },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|10:1359312200|3:foo|4:YmFy|3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b50", max_age_days: 0.0, clock_ms: 1359312200001, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|10:1359312200|3:foo|4:YmFy|3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b50", max_age_days: 31.0, clock_ms: 1272912200000, min_version: None, expected: Some("626172") },
    Decoded { secret: SINGLE, name: "foo", value: "YmFy|1362768200|6255ebe573956aabc05082adb68c962447e708ae", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "YmFy|1362768200|6255ebe573956aabc05082adb68c962447e708ae", max_age_days: 31.0, clock_ms: 1360089800000, min_version: None, expected: Some("626172") },
    Decoded { secret: SINGLE, name: "foo", value: "YmFy|1362768200|6255ebe573956aabc05082adb68c962447e708ae", max_age_days: 31.0, clock_ms: 1360089799000, min_version: None, expected: None },
    Decoded { secret: ROT1, name: "foo", value: "2|1:0|10:1359312200|3:foo|4:b2xk|f3a1c1e71d7f750a4ea862e27bfd26fa1eac2a9d7a6d2e4747293285454e00a2", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: Some("6f6c64") },
    Decoded { secret: ROT1, name: "foo", value: "2|1:1|10:1359312200|3:foo|4:bmV3|47773e8aae65b154c4d8332d4456932792ecbe8c70b401a96b839c2ec31fec8d", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: Some("6e6577") },
    Decoded { secret: ONLY1, name: "foo", value: "2|1:0|10:1359312200|3:foo|4:b2xk|f3a1c1e71d7f750a4ea862e27bfd26fa1eac2a9d7a6d2e4747293285454e00a2", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: ONLY1, name: "foo", value: "2|1:1|10:1359312200|3:foo|4:bmV3|47773e8aae65b154c4d8332d4456932792ecbe8c70b401a96b839c2ec31fec8d", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: Some("6e6577") },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|10:1359312200|3:foo|4:b2xk|f3a1c1e71d7f750a4ea862e27bfd26fa1eac2a9d7a6d2e4747293285454e00a2", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: ROT1, name: "foo", value: "2|1:0|10:1359312200|3:foo|4:YmFy|3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b50", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: ROT1, name: "foo", value: "YmFy|1359312200|ede25c1064137b62f60d449f58a050bd7aa0080d", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None }, // Tornado raises AssertionError
    Decoded { secret: SINGLE, name: "foo", value: "", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "|", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "||", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "|||", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|10:1359312200|3:foo|4:YmFy|", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|10:1359312200|3:foo|4:YmFy", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|99999999999999999999999:0|", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|10:1359312200|3:foo|9999:YmFy|x", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|-1:0|10:1359312200|3:foo|4:YmFy|x", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|x:0|", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:a|10:1359312200|3:foo|4:YmFy|0000000000000000000000000000000000000000000000000000000000000000", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "3|1:0|10:1359312200|3:foo|4:YmFy|3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b50", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "1000|YmFy|1359312200|ede25c1064137b62f60d449f58a050bd7aa0080d", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "02|YmFy|1359312200|ede25c1064137b62f60d449f58a050bd7aa0080d", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "YmFy|1359312200|", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "YmFy||ede25c1064137b62f60d449f58a050bd7aa0080d", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "YmFy|01359312200|ede25c1064137b62f60d449f58a050bd7aa0080d", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "YmFy|abc|ede25c1064137b62f60d449f58a050bd7aa0080d", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "YmFy|1359312200|ede25c1064137b62f60d449f58a050bd7aa0080d|", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|10:1359312200|3:foo|4:YmFy|3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b50|", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|10:1359312200|3:foo|4:YmFy|3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b500", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|10:1359312200|3:foo|4:YmFy|3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b5", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|10:1359312200|3:FOO|4:YMFY|3C30BBE98565F3BD54D8A6B12A7739D26ACC8A3E2002CEE527C96DABDC9F0B50", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "YMFY|1359312200|EDE25C1064137B62F60D449F58A050BD7AA0080D", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|10:1359312200|3:foo|4:YmFy|3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b50\u{a}", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
    Decoded { secret: SINGLE, name: "foo", value: "2|1:0|10:1359312200|3:fo\u{a}|4:YmFy|3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b50", max_age_days: 31.0, clock_ms: 1359312200000, min_version: None, expected: None },
];
const KEY_VERSIONS: &[(&str, Option<u32>)] = &[
    ("YmFy|1359312200|ede25c1064137b62f60d449f58a050bd7aa0080d", None),
    ("2|1:0|10:1359312200|3:foo|4:YmFy|3c30bbe98565f3bd54d8a6b12a7739d26acc8a3e2002cee527c96dabdc9f0b50", Some(0)),
    ("2|1:0|10:1359312200|3:foo|4:b2xk|f3a1c1e71d7f750a4ea862e27bfd26fa1eac2a9d7a6d2e4747293285454e00a2", Some(0)),
    ("2|1:1|10:1359312200|3:foo|4:bmV3|47773e8aae65b154c4d8332d4456932792ecbe8c70b401a96b839c2ec31fec8d", Some(1)),
    ("", None),
    ("2|", None),
    ("2|1:7|", None),
    ("2|1:7|1:1|1:a|1:b|", Some(7)),
    ("3|1:5|1:1|1:a|1:b|sig", Some(5)),
    ("12|1:5|1:1|1:a|1:b|", None),
    ("2|2:12|1:1|1:a|1:b|", Some(12)),
];
const SET_COOKIES: &[SetCookie] = &[
    SetCookie { name: "foo", value: "bar", options: || CookieOptions { ..CookieOptions::default() }, header: "foo=bar; Path=/" },
    SetCookie { name: "foo", value: "", options: || CookieOptions { ..CookieOptions::default() }, header: "foo=\"\"; Path=/" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { path: "".into(), ..CookieOptions::default() }, header: "a=b" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { path: "/foo/bar".into(), ..CookieOptions::default() }, header: "a=b; Path=/foo/bar" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { domain: Some("example.com".into()), ..CookieOptions::default() }, header: "a=b; Domain=example.com; Path=/" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { domain: Some("".into()), ..CookieOptions::default() }, header: "a=b; Path=/" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { expires: Some(at_ms(1359312200000)), ..CookieOptions::default() }, header: "a=b; expires=Sun, 27 Jan 2013 18:43:20 GMT; Path=/" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { expires: Some(at_ms(1359312200999)), ..CookieOptions::default() }, header: "a=b; expires=Sun, 27 Jan 2013 18:43:20 GMT; Path=/" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { expires: Some(at_ms(-86400500)), ..CookieOptions::default() }, header: "a=b; expires=Tue, 30 Dec 1969 23:59:59 GMT; Path=/" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { expires: Some(at_ms(4102444800000)), ..CookieOptions::default() }, header: "a=b; expires=Fri, 01 Jan 2100 00:00:00 GMT; Path=/" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { expires_days: Some(1.0), ..CookieOptions::default() }, header: "a=b; expires=Mon, 28 Jan 2013 18:43:20 GMT; Path=/" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { expires_days: Some(0.5), ..CookieOptions::default() }, header: "a=b; expires=Mon, 28 Jan 2013 06:43:20 GMT; Path=/" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { expires_days: Some(-2.0), ..CookieOptions::default() }, header: "a=b; expires=Fri, 25 Jan 2013 18:43:20 GMT; Path=/" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { expires_days: Some(30.0), ..CookieOptions::default() }, header: "a=b; expires=Tue, 26 Feb 2013 18:43:20 GMT; Path=/" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { expires_days: Some(0.0), ..CookieOptions::default() }, header: "a=b; expires=Sun, 27 Jan 2013 18:43:20 GMT; Path=/" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { expires_days: Some(1e-06), ..CookieOptions::default() }, header: "a=b; expires=Sun, 27 Jan 2013 18:43:20 GMT; Path=/" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { expires: Some(at_ms(1359312200000)), expires_days: Some(3.0), ..CookieOptions::default() }, header: "a=b; expires=Sun, 27 Jan 2013 18:43:20 GMT; Path=/" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { max_age: Some(3600), ..CookieOptions::default() }, header: "a=b; Max-Age=3600; Path=/" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { max_age: Some(0), ..CookieOptions::default() }, header: "a=b; Path=/" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { max_age: Some(-1), ..CookieOptions::default() }, header: "a=b; Max-Age=-1; Path=/" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { httponly: true, ..CookieOptions::default() }, header: "a=b; HttpOnly; Path=/" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { secure: true, ..CookieOptions::default() }, header: "a=b; Path=/; Secure" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { samesite: Some("Lax".into()), ..CookieOptions::default() }, header: "a=b; Path=/; SameSite=Lax" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { samesite: Some("".into()), ..CookieOptions::default() }, header: "a=b; Path=/" },
    SetCookie { name: "a", value: "b", options: || CookieOptions { samesite: Some("None".into()), secure: true, ..CookieOptions::default() }, header: "a=b; Path=/; SameSite=None; Secure" },
    SetCookie { name: "sess", value: "xyz", options: || CookieOptions { domain: Some("example.com".into()), path: "/p".into(), expires: Some(at_ms(1359312200000)), max_age: Some(10), httponly: true, secure: true, samesite: Some("Strict".into()), ..CookieOptions::default() }, header: "sess=xyz; Domain=example.com; expires=Sun, 27 Jan 2013 18:43:20 GMT; HttpOnly; Max-Age=10; Path=/p; SameSite=Strict; Secure" },
    SetCookie { name: "equals", value: "a=b", options: || CookieOptions { ..CookieOptions::default() }, header: "equals=\"a=b\"; Path=/" },
    SetCookie { name: "semicolon", value: "a;b", options: || CookieOptions { ..CookieOptions::default() }, header: "semicolon=\"a\\073b\"; Path=/" },
    SetCookie { name: "quote", value: "a\"b", options: || CookieOptions { ..CookieOptions::default() }, header: "quote=\"a\\\"b\"; Path=/" },
    SetCookie { name: "backslash", value: "a\\b", options: || CookieOptions { ..CookieOptions::default() }, header: "backslash=\"a\\\\b\"; Path=/" },
    SetCookie { name: "comma", value: "a,b", options: || CookieOptions { ..CookieOptions::default() }, header: "comma=\"a\\054b\"; Path=/" },
    SetCookie { name: "legal", value: "!#$%&'*+-.^_`|~:", options: || CookieOptions { ..CookieOptions::default() }, header: "legal=!#$%&'*+-.^_`|~:; Path=/" },
    SetCookie { name: "unescaped", value: "()/<=>?@[]{}", options: || CookieOptions { ..CookieOptions::default() }, header: "unescaped=\"()/<=>?@[]{}\"; Path=/" },
    SetCookie { name: "latin1", value: "caf\u{e9}\u{ff}\u{7f}\u{80}", options: || CookieOptions { ..CookieOptions::default() }, header: "latin1=\"caf\\351\\377\\177\\200\"; Path=/" },
    SetCookie { name: "json", value: "{\"k\":[1,2]}", options: || CookieOptions { ..CookieOptions::default() }, header: "json=\"{\\\"k\\\":[1\\0542]}\"; Path=/" },
    SetCookie { name: "Name_With-Chars.!", value: "v", options: || CookieOptions { ..CookieOptions::default() }, header: "Name_With-Chars.!=v; Path=/" },
    SetCookie { name: "b64", value: "YWJj==|123|abc", options: || CookieOptions { ..CookieOptions::default() }, header: "b64=\"YWJj==|123|abc\"; Path=/" },
    SetCookie { name: "signed", value: "2|1:0|10:1359312200|6:signed|4:YmFy|671eb4abf3e839efcea8ccf9fd02f6f82113f94ea3be93cc696b8c5ae3d8af25", options: || CookieOptions { expires_days: Some(30.0), ..CookieOptions::default() }, header: "signed=2|1:0|10:1359312200|6:signed|4:YmFy|671eb4abf3e839efcea8ccf9fd02f6f82113f94ea3be93cc696b8c5ae3d8af25; expires=Tue, 26 Feb 2013 18:43:20 GMT; Path=/" },
    SetCookie { name: "_xsrf", value: "2|01020304|0103010705070503090b090f0d0f0d0b|1359312200", options: || CookieOptions { ..CookieOptions::default() }, header: "_xsrf=2|01020304|0103010705070503090b090f0d0f0d0b|1359312200; Path=/" },
];
const CLEAR_COOKIES: &[SetCookie] = &[
    SetCookie {
        name: "foo",
        value: "",
        options: || CookieOptions {
            ..CookieOptions::default()
        },
        header: "foo=\"\"; expires=Sat, 28 Jan 2012 18:43:20 GMT; Path=/",
    },
    SetCookie {
        name: "foo",
        value: "",
        options: || CookieOptions {
            path: "/p".into(),
            domain: Some("d.com".into()),
            ..CookieOptions::default()
        },
        header: "foo=\"\"; Domain=d.com; expires=Sat, 28 Jan 2012 18:43:20 GMT; Path=/p",
    },
    SetCookie {
        name: "foo",
        value: "",
        options: || CookieOptions {
            secure: true,
            samesite: Some("None".into()),
            expires_days: Some(9.0),
            ..CookieOptions::default()
        },
        header: "foo=\"\"; expires=Sat, 28 Jan 2012 18:43:20 GMT; Path=/; SameSite=None; Secure",
    },
    SetCookie {
        name: "foo",
        value: "",
        options: || CookieOptions {
            path: "".into(),
            httponly: true,
            ..CookieOptions::default()
        },
        header: "foo=\"\"; expires=Sat, 28 Jan 2012 18:43:20 GMT; HttpOnly",
    },
];
/// Names and values Tornado refuses (with the Python exception).
const REFUSED: &[(&str, &str)] = &[
    ("a b", "v"),             // ValueError
    ("a", "v w"),             // ValueError
    ("a", "v\u{0}"),          // ValueError
    ("a\u{9}b", "v"),         // ValueError
    ("a", "v\u{d}\u{a}X: y"), // ValueError
    ("na;me", "v"),           // CookieError
    ("na=me", "v"),           // CookieError
    ("na,me", "v"),           // CookieError
    ("na\"me", "v"),          // CookieError
    ("na\u{7f}me", "v"),      // CookieError
    ("path", "v"),            // CookieError
    ("Expires", "v"),         // CookieError
    ("MAX-AGE", "v"),         // CookieError
    ("", "v"),                // CookieError
    ("n\u{e9}", "v"),         // CookieError
    ("n", "\u{20ac}"),        // UnicodeEncodeError
];
const XSRF_TOKENS: &[XsrfToken] = &[
    XsrfToken { version: 2, mask: "01020304", token: "000102030405060708090a0b0c0d0e0f", timestamp: 1359312200, formatted: "2|01020304|0103010705070503090b090f0d0f0d0b|1359312200", form_html: "<input type=\"hidden\" name=\"_xsrf\" value=\"2|01020304|0103010705070503090b090f0d0f0d0b|1359312200\"/>", set_cookie: "_xsrf=2|01020304|0103010705070503090b090f0d0f0d0b|1359312200; Path=/" },
    XsrfToken { version: 2, mask: "ff00aa55", token: "deadbeefdeadbeefdeadbeefdeadbeef", timestamp: 1700000000, formatted: "2|ff00aa55|21ad14ba21ad14ba21ad14ba21ad14ba|1700000000", form_html: "<input type=\"hidden\" name=\"_xsrf\" value=\"2|ff00aa55|21ad14ba21ad14ba21ad14ba21ad14ba|1700000000\"/>", set_cookie: "_xsrf=2|ff00aa55|21ad14ba21ad14ba21ad14ba21ad14ba|1700000000; Path=/" },
    XsrfToken { version: 2, mask: "00000000", token: "99999999999999999999999999999999", timestamp: 0, formatted: "2|00000000|99999999999999999999999999999999|0", form_html: "<input type=\"hidden\" name=\"_xsrf\" value=\"2|00000000|99999999999999999999999999999999|0\"/>", set_cookie: "_xsrf=2|00000000|99999999999999999999999999999999|0; Path=/" },
    XsrfToken { version: 1, mask: "01020304", token: "000102030405060708090a0b0c0d0e0f", timestamp: 5, formatted: "000102030405060708090a0b0c0d0e0f", form_html: "<input type=\"hidden\" name=\"_xsrf\" value=\"000102030405060708090a0b0c0d0e0f\"/>", set_cookie: "_xsrf=000102030405060708090a0b0c0d0e0f; Path=/" },
];
/// (value, version, token hex, timestamp) as Tornado's `_decode_xsrf_token` returns them at
/// 1359312200; `None` where it returns `(None, None, None)`.
const XSRF_DECODED: &[(&str, Option<RawToken>)] = &[
    (
        "2|01020304|0103010705070503090b090f0d0f0d0b|1359312200",
        Some((2, "000102030405060708090a0b0c0d0e0f", 1359312200)),
    ),
    (
        "2|01020304|0103010705070503090B090F0D0F0D0B|1359312200",
        Some((2, "000102030405060708090a0b0c0d0e0f", 1359312200)),
    ),
    (
        "000102030405060708090a0b0c0d0e0f",
        Some((1, "000102030405060708090a0b0c0d0e0f", 1359312200)),
    ),
    (
        "000102030405060708090A0B0C0D0E0F",
        Some((1, "000102030405060708090a0b0c0d0e0f", 1359312200)),
    ),
    ("abc", Some((1, "616263", 1359312200))),
    (
        "plain-token",
        Some((1, "706c61696e2d746f6b656e", 1359312200)),
    ),
    ("3|a|b|c", None),
    ("999|x", None),
    ("1|abc", None),
    ("2|0102|0103|1", Some((2, "0001", 1))),
    ("2|0102|010304|1", None),
    ("2|01020304|01|x", None),
    ("2|01020304|01", None),
    ("2|01020304|01|1|2", None),
    ("2|01020304|01| 7 ", Some((2, "00", 7))),
    ("2|01020304|01|-7", Some((2, "00", -7))),
    ("2|01020304|01|+7", Some((2, "00", 7))),
    ("2|01020304|01|1_0", Some((2, "00", 10))),
    ("2|01020304|01|1__0", None),
    ("2|01020304|01|", None),
    ("2|0102030405|0103070b0b|9", Some((2, "0001040f0a", 9))),
    ("2|zz020304|01|1", None),
    ("2|010203|01|1", Some((2, "00", 1))),
    ("02|00|00|0", Some((1, "30327c30307c30307c30", 1359312200))),
    ("2|01020304|0103|5\u{a}", Some((2, "0001", 5))),
    (
        "2|01020304|\u{a}0103|5",
        Some((1, "327c30313032303330347c0a303130337c35", 1359312200)),
    ),
    ("", Some((1, "", 1359312200))),
    ("2|01020304||5", Some((2, "", 5))),
    ("2||0102|5", None),
    ("|||", Some((1, "7c7c7c", 1359312200))),
    ("2|||", None),
];

// ---------------------------------------------------------------------------------------------
// Signed values
// ---------------------------------------------------------------------------------------------

#[test]
fn created_values_match_tornado_byte_for_byte() {
    for f in CREATED {
        let value = unhex(f.value);
        let signed = create_signed_value(
            &keys(f.secret),
            f.name,
            &value,
            Some(f.version),
            at_ms(T * 1000 + 750),
        )
        .expect("fixture signs");
        assert_eq!(signed, f.signed, "{} v{} {:?}", f.name, f.version, f.secret);
        let decoded = decode_signed_value(
            &keys(f.secret),
            f.name,
            f.signed,
            31.0,
            at_ms(T * 1000),
            None,
        );
        assert_eq!(decoded, Some(value), "{}", f.signed);
    }
    assert!(CREATED.len() >= 10);
}

#[test]
fn default_version_is_two() {
    let secret = keys(SINGLE);
    let signed = create_signed_value(&secret, "foo", b"bar", None, at_ms(T * 1000)).expect("signs");
    assert_eq!(
        Some(signed.as_str()),
        CREATED.iter().find(|f| f.version == 2).map(|f| f.signed)
    );
}

#[test]
fn decoding_matches_tornado() {
    for f in DECODED {
        let got = decode_signed_value(
            &keys(f.secret),
            f.name,
            f.value,
            f.max_age_days,
            at_ms(f.clock_ms),
            f.min_version,
        );
        assert_eq!(
            got,
            f.expected.map(unhex),
            "{:?} {} {:?} at {}",
            f.secret,
            f.name,
            f.value,
            f.clock_ms
        );
    }
    assert!(DECODED.len() >= 50);
}

#[test]
fn key_versions_match_tornado() {
    for &(value, expected) in KEY_VERSIONS {
        assert_eq!(get_signature_key_version(value), expected, "{value:?}");
    }
}

#[test]
fn every_changed_byte_is_rejected() {
    let now = at_ms(T * 1000);
    for f in CREATED {
        let secret = keys(f.secret);
        let bytes = f.signed.as_bytes();
        for i in 0..bytes.len() {
            for replacement in (0x20u8..0x7f).filter(|&b| b != bytes[i]) {
                let mut tampered = bytes.to_vec();
                tampered[i] = replacement;
                let tampered = String::from_utf8(tampered).expect("ASCII stays UTF-8");
                assert_eq!(
                    decode_signed_value(&secret, f.name, &tampered, 31.0, now, None),
                    None,
                    "{tampered:?}"
                );
            }
            let mut removed = bytes.to_vec();
            removed.remove(i);
            let removed = String::from_utf8(removed).expect("ASCII stays UTF-8");
            assert_eq!(
                decode_signed_value(&secret, f.name, &removed, 31.0, now, None),
                None
            );
            let truncated = &f.signed[..i];
            assert_eq!(
                decode_signed_value(&secret, f.name, truncated, 31.0, now, None),
                None
            );
        }
    }
}

#[test]
fn key_rotation_keeps_old_values_readable() {
    let now = at_ms(T * 1000);
    let old = create_signed_value(&keys(ROT0), "session", b"alice", None, now).expect("signs");
    assert_eq!(get_signature_key_version(&old), Some(0));

    // Key 1 becomes current; key 0 still verifies what it signed.
    let rotated = keys(ROT1);
    assert_eq!(
        decode_signed_value(&rotated, "session", &old, 31.0, now, None),
        Some(b"alice".to_vec())
    );
    let new = create_signed_value(&rotated, "session", b"bob", None, now).expect("signs");
    assert_eq!(get_signature_key_version(&new), Some(1));
    assert_eq!(
        decode_signed_value(&rotated, "session", &new, 31.0, now, None),
        Some(b"bob".to_vec())
    );

    // Once key 0 is retired its values stop verifying; a single secret ignores the version.
    assert_eq!(
        decode_signed_value(&keys(ONLY1), "session", &old, 31.0, now, None),
        None
    );
    assert_eq!(
        decode_signed_value(&keys(SINGLE), "session", &new, 31.0, now, None),
        None
    );
    let single_k1 = SecretKeys::Single(b"k1-longer".to_vec());
    assert_eq!(
        decode_signed_value(&single_k1, "session", &new, 31.0, now, None),
        Some(b"bob".to_vec())
    );
}

#[test]
fn malformed_values_are_rejected() {
    let now = at_ms(T * 1000);
    let secret = keys(SINGLE);
    let long_prefix = format!("2|{}:0|", "9".repeat(10_000));
    let cases = [
        "",
        "|",
        "|||",
        "2|",
        "2|:|:|:|:|",
        "2|0:|0:|0:|0:|",
        "2|1:0|10:1359312200|3:foo|4:YmFy|",
        "2|18446744073709551615:0|",
        "2|18446744073709551616:0|",
        "2|9223372036854775807:0|",
        long_prefix.as_str(),
        "2|1:0|1:x|3:foo|4:YmFy|0",
        "2|1:0|10:13593122OO|3:foo|4:YmFy|0",
        "2|1:٣|10:1359312200|3:foo|4:YmFy|0",
        "2|1:0|10:1359312200|3:foo|4:Ym\u{e9}|0",
        "YmFy|1359312200",
        "YmFy|1359312200|ede25c10|extra",
        "\u{0}\u{0}\u{0}",
        "é|é|é",
        "999|",
        "1000000000000000000000000|x",
    ];
    for value in cases {
        for min_version in [None, Some(1), Some(2)] {
            assert_eq!(
                decode_signed_value(&secret, "foo", value, 31.0, now, min_version),
                None,
                "{value:?}"
            );
            assert_eq!(
                decode_signed_value(&keys(ROT1), "foo", value, 31.0, now, min_version),
                None,
                "{value:?}"
            );
        }
        // Must not panic; most have no key version.
        let _ = get_signature_key_version(value);
    }
    assert_eq!(get_signature_key_version(&long_prefix), None);
}

#[test]
fn correctly_signed_but_undecodable_payloads_are_rejected() {
    // A forger cannot produce these, but a buggy signer could: the signature verifies and the
    // base64 or the timestamp does not parse. Tornado returns None (or raises); so do we.
    let secret = b"secret_key";
    let sign = |to_sign: &str| {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
        let tag = ring::hmac::sign(&key, to_sign.as_bytes());
        let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        format!("{to_sign}{hex}")
    };
    let now = at_ms(T * 1000);
    for to_sign in [
        "2|1:0|10:1359312200|3:foo|3:Ym!|",
        "2|1:0|10:1359312200|3:foo|3:YmF|",
        "2|1:0|10:13593122x0|3:foo|4:YmFy|",
        "2|1:0|2:-1|3:foo|4:YmFy|",
    ] {
        let value = sign(to_sign);
        assert_eq!(
            decode_signed_value(&keys(SINGLE), "foo", &value, 31.0, now, None),
            None,
            "{value}"
        );
    }
    // The same construction with a good payload does verify, so the helper is right.
    let good = sign("2|1:0|10:1359312200|3:foo|4:YmFy|");
    assert_eq!(
        decode_signed_value(&keys(SINGLE), "foo", &good, 31.0, now, None),
        Some(b"bar".to_vec())
    );
}

proptest! {
    #[test]
    fn any_bytes_and_name_round_trip(
        value in proptest::collection::vec(any::<u8>(), 0..200),
        name in "[!-~]{0,40}",
        version in 1u32..=2,
        secs in 0i64..4_000_000_000,
    ) {
        let secret = keys(SINGLE);
        let now = at_ms(secs * 1000);
        let signed = create_signed_value(&secret, &name, &value, Some(version), now)
            .expect("ASCII names sign");
        prop_assert_eq!(
            decode_signed_value(&secret, &name, &signed, 31.0, now, None),
            Some(value)
        );
    }

    #[test]
    fn arbitrary_strings_never_decode(value in "\\PC{0,120}", prefix in "(2\\||[0-9]{1,4}:|\\|)*") {
        let input = format!("{prefix}{value}");
        let now = at_ms(T * 1000);
        prop_assert_eq!(decode_signed_value(&keys(SINGLE), "foo", &input, 31.0, now, None), None);
        prop_assert_eq!(decode_signed_value(&keys(ROT1), "foo", &input, 31.0, now, None), None);
        let _ = get_signature_key_version(&input);
        let _ = decode_xsrf_token(&input, now);
        let _ = check_xsrf_cookie(Some(&input), Some(&input));
    }
}

// ---------------------------------------------------------------------------------------------
// Set-Cookie
// ---------------------------------------------------------------------------------------------

#[test]
fn set_cookie_headers_match_tornado() {
    for f in SET_COOKIES {
        let header = format_set_cookie(f.name, f.value, &(f.options)(), cookie_now());
        assert_eq!(
            header.as_deref(),
            Ok(f.header),
            "{} = {:?}",
            f.name,
            f.value
        );
        // What the browser sends back parses to the value that was set.
        let pair = f.header.split("; ").next().expect("name=value first");
        assert_eq!(
            parse_cookie(pair).get(f.name).map(String::as_str),
            Some(f.value)
        );
    }
    assert!(SET_COOKIES.len() >= 20);
}

#[test]
fn clear_cookie_headers_match_tornado() {
    for f in CLEAR_COOKIES {
        let header = format_clear_cookie(f.name, &(f.options)(), cookie_now());
        assert_eq!(header.as_deref(), Ok(f.header));
    }
}

#[test]
fn refused_names_and_values_match_tornado() {
    for &(name, value) in REFUSED {
        let result = format_set_cookie(name, value, &CookieOptions::default(), cookie_now());
        assert!(result.is_err(), "{name:?}={value:?} gave {result:?}");
    }
    let err = format_set_cookie("n", "\u{20ac}", &CookieOptions::default(), cookie_now());
    assert!(
        matches!(err, Err(CookieError::UnencodableValue { .. })),
        "{err:?}"
    );
    let err = format_set_cookie("expires", "v", &CookieOptions::default(), cookie_now());
    assert_eq!(err, Err(CookieError::ReservedName("expires".into())));
    let err = format_set_cookie("na;me", "v", &CookieOptions::default(), cookie_now());
    assert_eq!(err, Err(CookieError::IllegalName("na;me".into())));
}

#[test]
fn signed_cookie_end_to_end() {
    // set_signed_cookie: sign, then set with Tornado's default expires_days=30.
    let now = cookie_now();
    let secret = keys(SINGLE);
    let signed =
        create_signed_value(&secret, "signed", b"bar", None, at_ms(T * 1000)).expect("signs");
    let options = CookieOptions {
        expires_days: Some(30.0),
        ..CookieOptions::default()
    };
    let header = format_set_cookie("signed", &signed, &options, now).expect("valid cookie");
    let fixture = SET_COOKIES
        .iter()
        .find(|f| f.name == "signed")
        .expect("fixture");
    assert_eq!(header, fixture.header);
    // The browser sends it back; get_signed_cookie reads it.
    let sent = parse_cookie(header.split("; ").next().expect("pair"));
    let read = decode_signed_value(&secret, "signed", &sent["signed"], 31.0, now, None);
    assert_eq!(read, Some(b"bar".to_vec()));
}

// ---------------------------------------------------------------------------------------------
// XSRF
// ---------------------------------------------------------------------------------------------

#[test]
fn xsrf_tokens_match_tornado() {
    for f in XSRF_TOKENS {
        let version = XsrfTokenVersion::try_from(f.version).expect("1 or 2");
        let mask: [u8; 4] = unhex(f.mask).try_into().expect("4-byte mask");
        let token = unhex(f.token);
        let formatted = format_xsrf_token(version, &token, mask, f.timestamp);
        assert_eq!(formatted, f.formatted);
        assert_eq!(xsrf_form_html(&formatted), f.form_html);
        let cookie =
            format_set_cookie("_xsrf", &formatted, &CookieOptions::default(), cookie_now());
        assert_eq!(cookie.as_deref(), Ok(f.set_cookie));

        let raw = decode_xsrf_token(&formatted, at_ms(T * 1000)).expect("decodes");
        assert_eq!(raw.version, Some(f.version));
        assert_eq!(raw.token, token);
        let expected_ts = if f.version == 2 { f.timestamp } else { T };
        assert_eq!(raw.timestamp, expected_ts);
    }
}

#[test]
fn xsrf_decoding_matches_tornado() {
    let now = at_ms(T * 1000 + 500);
    for &(value, expected) in XSRF_DECODED {
        let got = decode_xsrf_token(value, now).map(|raw| (raw.version, raw.token, raw.timestamp));
        let expected = expected.map(|(v, token, ts)| (Some(v), unhex(token), ts));
        assert_eq!(got, expected, "{value:?}");
    }
}

#[test]
fn xsrf_check_accepts_any_mask_and_either_format() {
    let token: Vec<u8> = (0..16).collect();
    let cookie = XSRF_TOKENS[0].formatted;
    for mask in [
        [0, 0, 0, 0],
        [0xff; 4],
        [1, 2, 3, 4],
        [0xde, 0xad, 0xbe, 0xef],
    ] {
        let submitted = format_xsrf_token(XsrfTokenVersion::V2, &token, mask, 1);
        assert_eq!(check_xsrf_cookie(Some(cookie), Some(&submitted)), Ok(()));
        assert_eq!(check_xsrf_token(Some(&submitted), &token), Ok(()));
    }
    let v1 = format_xsrf_token(XsrfTokenVersion::V1, &token, [0; 4], 0);
    assert_eq!(check_xsrf_cookie(Some(cookie), Some(&v1)), Ok(()));
    assert_eq!(check_xsrf_cookie(Some(&v1), Some(cookie)), Ok(()));
    assert_eq!(
        check_xsrf_cookie(Some(&v1.to_uppercase()), Some(cookie)),
        Ok(())
    );
}

#[test]
fn xsrf_check_failures_carry_tornado_messages() {
    let token: Vec<u8> = (0..16).collect();
    let cookie = XSRF_TOKENS[0].formatted;
    let other = format_xsrf_token(XsrfTokenVersion::V2, &[0xaa; 16], [1, 2, 3, 4], 1);
    let flipped = {
        let mut t = token.clone();
        t[15] ^= 1;
        format_xsrf_token(XsrfTokenVersion::V2, &t, [9, 8, 7, 6], 1)
    };
    let cases: [(Option<&str>, Option<&str>, XsrfError, &str); 9] = [
        (
            Some(cookie),
            None,
            XsrfError::MissingArgument,
            "'_xsrf' argument missing from POST",
        ),
        (
            Some(cookie),
            Some(""),
            XsrfError::MissingArgument,
            "'_xsrf' argument missing from POST",
        ),
        (
            Some(cookie),
            Some("2|zz|00|1"),
            XsrfError::InvalidFormat,
            "'_xsrf' argument has invalid format",
        ),
        (
            Some(cookie),
            Some("3|a|b|c"),
            XsrfError::InvalidFormat,
            "'_xsrf' argument has invalid format",
        ),
        (
            None,
            Some("2|zz|00|1"),
            XsrfError::InvalidFormat,
            "'_xsrf' argument has invalid format",
        ),
        (
            Some(cookie),
            Some(&other),
            XsrfError::Mismatch,
            "XSRF cookie does not match POST argument",
        ),
        (
            Some(cookie),
            Some(&flipped),
            XsrfError::Mismatch,
            "XSRF cookie does not match POST argument",
        ),
        (
            None,
            Some(cookie),
            XsrfError::Mismatch,
            "XSRF cookie does not match POST argument",
        ),
        (
            Some("2|zz|00|1"),
            Some(cookie),
            XsrfError::Mismatch,
            "XSRF cookie does not match POST argument",
        ),
    ];
    for (cookie, submitted, error, message) in cases {
        let got = check_xsrf_cookie(cookie, submitted);
        assert_eq!(got, Err(error.clone()), "{cookie:?} vs {submitted:?}");
        assert_eq!(error.to_string(), message);
        assert_eq!(error.status(), 403);
    }
    assert!(xsrf_tokens_match(&token, &token));
    assert!(!xsrf_tokens_match(&token, &token[..15]));
}

// ---------------------------------------------------------------------------------------------
// The script that printed the fixtures (`TORNADO_EXTENSION=0 python3 script.py`).
// ---------------------------------------------------------------------------------------------
// # Prints the fixture tables of tests/web_signed.rs from pip-installed Tornado 6.3.3:
// #   TORNADO_EXTENSION=0 python3 this_script.py
// import datetime, json
// from unittest import mock
// import tornado.web as web
// from tornado.web import RequestHandler, Application, create_signed_value, decode_signed_value
// from tornado.httputil import HTTPServerRequest
//
// def lit(s):
//     if isinstance(s, bytes):
//         s = s.decode("latin1")
//     out = '"'
//     for c in s:
//         if c in '"\\': out += "\\" + c
//         elif 0x20 <= ord(c) < 0x7f: out += c
//         else: out += "\\u{%x}" % ord(c)
//     return out + '"'
//
// SECRETS = {"single": "secret_key", "rot0": ({0: "k0", 1: "k1-longer"}, 0),
//            "rot1": ({0: "k0", 1: "k1-longer"}, 1), "only1": ({1: "k1-longer"}, 1)}
// def secret_of(key):
//     s = SECRETS[key]
//     return (s, None) if isinstance(s, str) else s
//
// T = 1359312200
// print("const CREATED: &[Created] = &[")
// for key, version, name, value in [
//     ("single", 1, "foo", b"bar"), ("single", 2, "foo", b"bar"),
//     ("single", 2, "session", bytes(range(256))), ("single", 1, "session", bytes(range(256))),
//     ("single", 1, "empty", b""), ("single", 2, "empty", b""),
//     ("single", 2, "a|b:c", b"pipes|and:colons"), ("single", 2, "n", "h\u00e9llo \u2603".encode()),
//     ("rot0", 2, "foo", b"rotated"), ("rot1", 2, "user_id", b"42"),
// ]:
//     secret, kv = secret_of(key)
//     out = create_signed_value(secret, name, value, version=version, clock=lambda: T + 0.75, key_version=kv)
//     print(f"    Created {{ secret: {key.upper()}, version: {version}, name: {lit(name)}, value: {lit(value.hex())}, signed: {lit(out)} }},")
// print("];")
//
// v1 = create_signed_value("secret_key", "foo", b"bar", version=1, clock=lambda: T).decode()
// v2 = create_signed_value("secret_key", "foo", b"bar", version=2, clock=lambda: T).decode()
// r0 = create_signed_value({0: "k0", 1: "k1-longer"}, "foo", b"old", clock=lambda: T, key_version=0).decode()
// r1 = create_signed_value({0: "k0", 1: "k1-longer"}, "foo", b"new", clock=lambda: T, key_version=1).decode()
// fut = create_signed_value("secret_key", "foo", b"bar", version=1, clock=lambda: T + 40 * 86400).decode()
// D = 86400
// cases = [
//     ("single", "foo", v1, 31, T, None), ("single", "foo", v2, 31, T, None),
//     ("single", "foo", v1, 31, T, 2), ("single", "foo", v2, 31, T, 2), ("single", "foo", v2, 31, T, 3),
//     ("single", "bar", v1, 31, T, None), ("single", "bar", v2, 31, T, None),
//     ("single", "foo", v2, 31, T + 31 * D, None), ("single", "foo", v2, 31, T + 31 * D + 0.5, None),
//     ("single", "foo", v2, 31, T + 31 * D + 1, None), ("single", "foo", v1, 31, T + 31 * D + 1, None),
//     ("single", "foo", v2, 1.5, T + 1.5 * D, None), ("single", "foo", v2, 1.5, T + 1.5 * D + 0.001, None),
//     ("single", "foo", v2, 0, T, None), ("single", "foo", v2, 0, T + 0.001, None),
//     ("single", "foo", v2, 31, T - 1000 * D, None),
//     ("single", "foo", fut, 31, T, None), ("single", "foo", fut, 31, T + 9 * D, None),
//     ("single", "foo", fut, 31, T + 9 * D - 1, None),
//     ("rot1", "foo", r0, 31, T, None), ("rot1", "foo", r1, 31, T, None), ("only1", "foo", r0, 31, T, None),
//     ("only1", "foo", r1, 31, T, None), ("single", "foo", r0, 31, T, None),
//     ("rot1", "foo", v2, 31, T, None), ("rot1", "foo", v1, 31, T, None),
// ]
// for bad in ["", "|", "||", "|||", "2|", "2|1:0", "2|1:0|", "2|1:0|10:1359312200|3:foo|4:YmFy|",
//             "2|1:0|10:1359312200|3:foo|4:YmFy", "2|99999999999999999999999:0|", "2|1:0|10:1359312200|3:foo|9999:YmFy|x",
//             "2|-1:0|10:1359312200|3:foo|4:YmFy|x", "2|x:0|", "2|1:a|10:1359312200|3:foo|4:YmFy|" + "0" * 64,
//             "3|1:0|10:1359312200|3:foo|4:YmFy|" + v2[-64:], "1000|" + v1, "02|" + v1, "YmFy|1359312200|", "YmFy||" + v1[-40:],
//             "YmFy|01359312200|" + v1[-40:], "YmFy|abc|" + v1[-40:], v1 + "|", v2 + "|", v2 + "0", v2[:-1], v2.upper(), v1.upper(),
//             "2|1:0|10:1359312200|3:foo|4:YmFy|" + v2[-64:] + "\n", v2.replace("|3:foo", "|3:fo\n")]:
//     cases.append(("single", "foo", bad, 31, T, None))
// print("const DECODED: &[Decoded] = &[")
// for key, name, value, mad, clock, minv in cases:
//     secret, kv = secret_of(key)
//     note = ""
//     try:
//         r = decode_signed_value(secret, name, value, max_age_days=mad, clock=lambda: clock, min_version=minv)
//         r = "None" if r is None else f"Some({lit(r.hex())})"
//     except Exception as e:
//         r = "None"
//         note = f" // Tornado raises {type(e).__name__}"
//     ms = round(clock * 1000)
//     minv_s = "None" if minv is None else f"Some({minv})"
//     print(f"    Decoded {{ secret: {key.upper()}, name: {lit(name)}, value: {lit(value)}, max_age_days: {float(mad)!r}, clock_ms: {ms}, min_version: {minv_s}, expected: {r} }},{note}")
// print("];")
// print("const KEY_VERSIONS: &[(&str, Option<u32>)] = &[")
// for v in [v1, v2, r0, r1, "", "2|", "2|1:7|", "2|1:7|1:1|1:a|1:b|", "3|1:5|1:1|1:a|1:b|sig", "12|1:5|1:1|1:a|1:b|", "2|2:12|1:1|1:a|1:b|"]:
//     k = web.get_signature_key_version(v)
//     print(f"    ({lit(v)}, {'None' if k is None else f'Some({k})'}),")
// print("];")
//
// # ---- set_cookie / clear_cookie
// class FixedDT(datetime.datetime):
//     @classmethod
//     def utcnow(cls):
//         return datetime.datetime(2013, 1, 27, 18, 43, 20, 250000)
// app = Application()
// def handler(app=app):
//     return RequestHandler(app, HTTPServerRequest(method="GET", uri="/", connection=mock.Mock()))
// def opts(kw):
//     parts = []
//     for k, v in kw.items():
//         if k == "expires": parts.append(f"expires: Some(at_ms({round(v * 1000)}))")
//         elif k == "expires_days": parts.append(f"expires_days: Some({float(v)!r})")
//         elif k == "max_age": parts.append(f"max_age: Some({v})")
//         elif k in ("httponly", "secure"): parts.append(f"{k}: {'true' if v else 'false'}")
//         elif k == "path": parts.append(f"path: {lit(v)}.into()")
//         else: parts.append(f"{k}: Some({lit(v)}.into())")
//     return "CookieOptions { " + ", ".join(parts + ["..CookieOptions::default()"]) + " }"
// set_cases = [
//     ("foo", "bar", {}), ("foo", "", {}), ("a", "b", dict(path="")), ("a", "b", dict(path="/foo/bar")),
//     ("a", "b", dict(domain="example.com")), ("a", "b", dict(domain="")), ("a", "b", dict(expires=1359312200)),
//     ("a", "b", dict(expires=1359312200.999)), ("a", "b", dict(expires=-86400.5)), ("a", "b", dict(expires=4102444800)),
//     ("a", "b", dict(expires_days=1)), ("a", "b", dict(expires_days=0.5)), ("a", "b", dict(expires_days=-2)),
//     ("a", "b", dict(expires_days=30)), ("a", "b", dict(expires_days=0)), ("a", "b", dict(expires_days=1e-6)),
//     ("a", "b", dict(expires=1359312200, expires_days=3)), ("a", "b", dict(max_age=3600)), ("a", "b", dict(max_age=0)),
//     ("a", "b", dict(max_age=-1)), ("a", "b", dict(httponly=True)), ("a", "b", dict(secure=True)),
//     ("a", "b", dict(samesite="Lax")), ("a", "b", dict(samesite="")), ("a", "b", dict(samesite="None", secure=True)),
//     ("sess", "xyz", dict(domain="example.com", path="/p", expires=1359312200, max_age=10, httponly=True, secure=True, samesite="Strict")),
//     ("equals", "a=b", {}), ("semicolon", "a;b", {}), ("quote", 'a"b', {}), ("backslash", "a\\b", {}), ("comma", "a,b", {}),
//     ("legal", "!#$%&'*+-.^_`|~:", {}), ("unescaped", "()/<=>?@[]{}", {}), ("latin1", "caf\u00e9\u00ff\x7f\x80", {}),
//     ("json", '{"k":[1,2]}', {}), ("Name_With-Chars.!", "v", {}), ("b64", "YWJj==|123|abc", {}),
//     ("signed", create_signed_value("secret_key", "signed", b"bar", clock=lambda: T).decode(), dict(expires_days=30)),
//     ("_xsrf", "2|01020304|0103010705070503090b090f0d0f0d0b|1359312200", {}),
// ]
// print("const SET_COOKIES: &[SetCookie] = &[")
// with mock.patch.object(web.datetime, "datetime", FixedDT):
//     for name, value, kw in set_cases:
//         h = handler(); h.set_cookie(name, value, **kw)
//         print(f"    SetCookie {{ name: {lit(name)}, value: {lit(value)}, options: || {opts(kw)}, header: {lit(h._new_cookie[name].OutputString(None))} }},")
//     print("];")
//     print("const CLEAR_COOKIES: &[SetCookie] = &[")
//     for name, kw in [("foo", {}), ("foo", dict(path="/p", domain="d.com")), ("foo", dict(secure=True, samesite="None", expires_days=9)), ("foo", dict(path="", httponly=True))]:
//         h = handler(); h.clear_cookie(name, **kw)
//         print(f"    SetCookie {{ name: {lit(name)}, value: \"\", options: || {opts(kw)}, header: {lit(h._new_cookie[name].OutputString(None))} }},")
//     print("];")
// print("/// Names and values Tornado refuses (with the Python exception).")
// print("const REFUSED: &[(&str, &str)] = &[")
// for name, value in [("a b", "v"), ("a", "v w"), ("a", "v\x00"), ("a\tb", "v"), ("a", "v\r\nX: y"), ("na;me", "v"), ("na=me", "v"), ("na,me", "v"), ('na"me', "v"),
//                     ("na\x7fme", "v"), ("path", "v"), ("Expires", "v"), ("MAX-AGE", "v"), ("", "v"), ("n\u00e9", "v"), ("n", "\u20ac")]:
//     h = handler()
//     try:
//         h.set_cookie(name, value)
//         h._new_cookie[name].OutputString(None).encode("latin1")
//         raise SystemExit("accepted %r" % ((name, value),))
//     except (ValueError, UnicodeEncodeError, Exception) as e:
//         print(f"    ({lit(name)}, {lit(value)}), // {type(e).__name__}")
// print("];")
//
// # ---- xsrf
// print("const XSRF_TOKENS: &[XsrfToken] = &[")
// for version, mask, token, ts in [(2, b"\x01\x02\x03\x04", bytes(range(16)), 1359312200), (2, b"\xff\x00\xaa\x55", b"\xde\xad\xbe\xef" * 4, 1700000000),
//                                  (2, b"\x00\x00\x00\x00", b"\x99" * 16, 0), (1, b"\x01\x02\x03\x04", bytes(range(16)), 5)]:
//     with mock.patch("tornado.web.os.urandom", lambda n: mask):
//         h = handler(Application(xsrf_cookie_version=version))
//         h._raw_xsrf_token = (None, token, ts + 0.9)
//         t = h.xsrf_token.decode()
//         print(f"    XsrfToken {{ version: {version}, mask: {lit(mask.hex())}, token: {lit(token.hex())}, timestamp: {ts}, formatted: {lit(t)}, form_html: {lit(h.xsrf_form_html())}, set_cookie: {lit(h._new_cookie['_xsrf'].OutputString(None))} }},")
// print("];")
// NOW = 1359312200
// print("/// (value, version, token hex, timestamp) as Tornado's `_decode_xsrf_token` returns them at")
// print(f"/// {NOW}; `None` where it returns `(None, None, None)`.")
// print("const XSRF_DECODED: &[(&str, Option<RawToken>)] = &[")
// with mock.patch("tornado.web.time.time", lambda: NOW + 0.5):
//     for c in ["2|01020304|0103010705070503090b090f0d0f0d0b|1359312200", "2|01020304|0103010705070503090B090F0D0F0D0B|1359312200",
//               "000102030405060708090a0b0c0d0e0f", "000102030405060708090A0B0C0D0E0F", "abc", "plain-token", "3|a|b|c", "999|x", "1|abc",
//               "2|0102|0103|1", "2|0102|010304|1", "2|01020304|01|x", "2|01020304|01", "2|01020304|01|1|2", "2|01020304|01| 7 ", "2|01020304|01|-7",
//               "2|01020304|01|+7", "2|01020304|01|1_0", "2|01020304|01|1__0", "2|01020304|01|", "2|0102030405|0103070b0b|9", "2|zz020304|01|1",
//               "2|010203|01|1", "02|00|00|0", "2|01020304|0103|5\n", "2|01020304|\n0103|5", "", "2|01020304||5", "2||0102|5", "|||", "2|||"]:
//         d = handler()._decode_xsrf_token(c)
//         r = "None" if d[1] is None else f"Some(({d[0]}, {lit(d[1].hex())}, {d[2]}))"
//         print(f"    ({lit(c)}, {r}),")
// print("];")
