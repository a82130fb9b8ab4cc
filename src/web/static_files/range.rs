//! Which bytes of a file a `Range` header asks for, with Tornado's single-range semantics.

use crate::http::{get_content_range, parse_request_range};

/// The bytes `start..end` (end exclusive) of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
}

impl ByteRange {
    /// How many bytes the range covers.
    pub fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// `true` for an empty range.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a response to a `Range` request is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeResponse {
    /// `200` with these bytes (the whole file): no `Range`, an invalid one, another unit, or a
    /// range covering every byte.
    Full(ByteRange),
    /// `206 Partial Content` with these bytes and this `Content-Range` value.
    Partial(ByteRange, String),
    /// `416 Range Not Satisfiable`; the `Content-Range` is `bytes */<size>`.
    Unsatisfiable,
}

/// Decides the response to `Range: range_header` for a file of `size` bytes, as Tornado's
/// `StaticFileHandler.get` does.
///
/// - `bytes=a-b` serves `a..=b`, clamped to the file; `bytes=a-` serves from `a` to the end;
///   `bytes=-n` serves the last `n` bytes (all of them when `n` is larger than the file).
/// - A start at or past the end, a start after the end, or `bytes=-0` is unsatisfiable.
/// - A range that covers the whole file is a plain `200`, not a `206`.
/// - A header that does not parse, another unit (`items=1-2`) or several ranges are ignored:
///   `200` with the whole file.
///
/// ```
/// use tornado::web::static_files::{resolve_range, ByteRange, RangeResponse};
///
/// let first4 = ByteRange { start: 0, end: 4 };
/// assert_eq!(
///     resolve_range(Some("bytes=0-3"), 10),
///     RangeResponse::Partial(first4, "bytes 0-3/10".into())
/// );
/// assert_eq!(resolve_range(Some("bytes=10-"), 10), RangeResponse::Unsatisfiable);
/// assert_eq!(
///     resolve_range(Some("bytes=0-"), 10),
///     RangeResponse::Full(ByteRange { start: 0, end: 10 })
/// );
/// ```
pub fn resolve_range(range_header: Option<&str>, size: u64) -> RangeResponse {
    let whole = ByteRange {
        start: 0,
        end: size,
    };
    let Some((start, end)) = range_header
        .filter(|h| !h.is_empty())
        .and_then(parse_request_range)
    else {
        return RangeResponse::Full(whole);
    };
    // i128 holds every i64 bound and every file size without overflow.
    let size_i = i128::from(size);
    let mut start = start.map(i128::from);
    let mut end = end.map(i128::from);
    if let Some(s) = start {
        if s < 0 {
            start = Some((s + size_i).max(0));
        }
    }
    let unsatisfiable = start.is_some_and(|s| s >= size_i || end.is_some_and(|e| s >= e));
    if unsatisfiable || end == Some(0) {
        return RangeResponse::Unsatisfiable;
    }
    if let Some(e) = end {
        if e > size_i {
            end = Some(size_i);
        }
    }
    let first = start.unwrap_or(0);
    let last = end.unwrap_or(size_i);
    // Both bounds now lie in 0..=size, so they fit in u64.
    let range = ByteRange {
        start: u64::try_from(first).unwrap_or(0),
        end: u64::try_from(last).unwrap_or(size),
    };
    if range.len() == size {
        return RangeResponse::Full(range);
    }
    let content_range = get_content_range(
        i64::try_from(first).ok(),
        i64::try_from(last).ok(),
        i64::try_from(size).unwrap_or(i64::MAX),
    );
    RangeResponse::Partial(range, content_range)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn partial(start: u64, end: u64, size: u64) -> RangeResponse {
        RangeResponse::Partial(
            ByteRange { start, end },
            format!("bytes {start}-{}/{size}", end - 1),
        )
    }

    fn full(size: u64) -> RangeResponse {
        RangeResponse::Full(ByteRange {
            start: 0,
            end: size,
        })
    }

    #[test]
    fn tornado_cases() {
        assert_eq!(resolve_range(Some("bytes=0-3"), 10), partial(0, 4, 10));
        assert_eq!(resolve_range(Some("bytes=-2"), 10), partial(8, 10, 10));
        assert_eq!(resolve_range(Some("bytes=2-"), 10), partial(2, 10, 10));
        assert_eq!(resolve_range(Some("bytes=0-"), 10), full(10));
        assert_eq!(resolve_range(Some("bytes=0-9"), 10), full(10));
        assert_eq!(resolve_range(Some("bytes=-10"), 10), full(10));
        assert_eq!(resolve_range(Some("bytes=-100"), 10), full(10));
        assert_eq!(resolve_range(Some("bytes=3-100"), 10), partial(3, 10, 10));
        assert_eq!(resolve_range(Some("items=1-2"), 10), full(10));
        assert_eq!(resolve_range(Some("bytes=1-2,4-5"), 10), full(10));
        assert_eq!(resolve_range(Some("bytes=a-b"), 10), full(10));
        assert_eq!(resolve_range(Some(""), 10), full(10));
        assert_eq!(resolve_range(None, 10), full(10));
        assert_eq!(resolve_range(Some("bytes="), 10), full(10));
    }

    #[test]
    fn unsatisfiable_cases() {
        assert_eq!(
            resolve_range(Some("bytes=10-"), 10),
            RangeResponse::Unsatisfiable
        );
        assert_eq!(
            resolve_range(Some("bytes=5-3"), 10),
            RangeResponse::Unsatisfiable
        );
        assert_eq!(
            resolve_range(Some("bytes=-0"), 10),
            RangeResponse::Unsatisfiable
        );
        assert_eq!(
            resolve_range(Some("bytes=0-"), 0),
            RangeResponse::Unsatisfiable
        );
        assert_eq!(
            resolve_range(Some("bytes=9223372036854775806-"), 10),
            RangeResponse::Unsatisfiable
        );
    }

    proptest! {
        /// Any header and size: no panic, and the bytes served always lie inside the file —
        /// the whole file for 200, a proper non-empty slice with a matching Content-Range for 206.
        #[test]
        fn any_header_gives_bytes_inside_the_file(
            header in "(bytes|items)?=?-?[0-9_]{0,21}-?[0-9]{0,21}(,[0-9]{0,3}-[0-9]{0,3})?",
            size in any::<u64>().prop_map(|s| s >> (s % 64)),
        ) {
            match resolve_range(Some(&header), size) {
                RangeResponse::Full(r) => prop_assert_eq!(r, ByteRange { start: 0, end: size }),
                RangeResponse::Partial(r, content_range) => {
                    prop_assert!(r.start < r.end && r.end <= size && r.len() < size);
                    prop_assert_eq!(
                        content_range,
                        format!("bytes {}-{}/{size}", r.start, r.end - 1)
                    );
                }
                RangeResponse::Unsatisfiable => {}
            }
        }
    }

    #[test]
    fn huge_suffix_clamps_to_the_start() {
        assert_eq!(
            resolve_range(Some("bytes=-9223372036854775807"), 10),
            full(10)
        );
    }
}
