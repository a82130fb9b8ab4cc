//! Query strings and urlencoded bodies (Python's `parse_qs`, as Tornado's `parse_qs_bytes` uses it).

use bytes::Bytes;

use super::{latin1, percent_decode};
use crate::http::Arguments;

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
pub(super) fn parse_qsl_bytes(
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
