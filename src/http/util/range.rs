//! `Range` and `Content-Range` helpers.

use super::py_strip;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
