#![no_main]
//! Signed values and XSRF tokens: any input decodes to `None` or a value without panicking; a
//! forged signed value never verifies; whatever is signed decodes back unchanged; and a cookie
//! built from fuzzed parts is either refused or printable ASCII.
use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use tornado::web::cookies::{format_set_cookie, CookieOptions};
use tornado::web::signed::{
    create_signed_value, decode_signed_value, get_signature_key_version, SecretKeys,
};
use tornado::web::xsrf::{check_xsrf_cookie, decode_xsrf_token};

fuzz_target!(|data: &[u8]| {
    let now = UNIX_EPOCH + Duration::from_secs(1_359_312_200);
    let single = SecretKeys::Single(b"fuzz secret".to_vec());
    let versioned = SecretKeys::Versioned {
        keys: BTreeMap::from([(0, b"k0".to_vec()), (7, b"k7".to_vec())]),
        current: 7,
    };
    let text = String::from_utf8_lossy(data);

    // Arbitrary input is not signed by these secrets, so it never verifies.
    for secret in [&single, &versioned] {
        for min_version in [None, Some(2)] {
            assert_eq!(
                decode_signed_value(secret, "name", &text, 31.0, now, min_version),
                None
            );
        }
    }
    let _ = get_signature_key_version(&text);
    let _ = decode_xsrf_token(&text, now);
    let mid = (text.len() / 2..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    let (left, right) = text.split_at(mid);
    let _ = check_xsrf_cookie(Some(left), Some(right));

    // Whatever is signed comes back, under either format and either key set.
    let name: String = text
        .chars()
        .filter(char::is_ascii_graphic)
        .take(32)
        .collect();
    for (secret, version) in [(&single, 1), (&single, 2), (&versioned, 2)] {
        let signed =
            create_signed_value(secret, &name, data, Some(version), now).expect("ASCII names sign");
        assert_eq!(
            decode_signed_value(secret, &name, &signed, 31.0, now, None).as_deref(),
            Some(data)
        );
    }

    // A cookie header is refused or printable ASCII with no attribute injected.
    let options = CookieOptions {
        domain: Some(right.to_owned()),
        ..CookieOptions::default()
    };
    if let Ok(header) = format_set_cookie(&name, left, &options, now) {
        assert!(
            header.bytes().all(|b| (0x20..0x7f).contains(&b)),
            "{header:?}"
        );
        let attributes = if right.is_empty() { 1 } else { 2 };
        assert_eq!(header.matches("; ").count(), attributes, "{header:?}");
    }
});
