//! Entity tags and conditional `GET`: Tornado's `compute_etag`, `check_etag_header` and the
//! header clean-up done for bodiless responses.
//!
//! # How Tornado uses these
//!
//! When a handler finishes a `200` response to `GET` or `HEAD` without having flushed
//! anything and without setting an `Etag` itself, Tornado:
//!
//! 1. hashes the buffered body with [`compute_etag`] and sets it as the `Etag` header;
//! 2. compares it with the request's `If-None-Match` using [`etag_matches`];
//! 3. on a match, drops the body and answers `304 Not Modified`, removing the representation
//!    headers with [`clear_representation_headers`] (it does the same for `1xx` and `204`).
//!
//! # Examples
//!
//! ```
//! use bytes::Bytes;
//! use tornado::web::etag::{compute_etag, etag_matches};
//!
//! let etag = compute_etag(&[Bytes::from_static(b"Hello, world")]);
//! assert_eq!(etag, "\"e02aa1b106d5c7c6a98def2b13005d5b84fd8dc8\"");
//!
//! // A client that cached the page sends the tag back, perhaps marked weak.
//! assert!(etag_matches(&format!("W/{etag}"), &etag));
//! assert!(etag_matches("*", &etag));
//! assert!(!etag_matches("\"something-else\"", &etag));
//! ```

use std::cell::RefCell;
use std::mem::MaybeUninit;
use std::sync::Arc;

use bytes::Bytes;

use crate::http::{HttpHeaders, SharedStr};

/// The headers removed from `1xx`, `204` and `304` responses: the representation metadata
/// that RFC 7232 §4.1 does not allow on a `304` (Tornado 6.x's list).
pub const REPRESENTATION_HEADERS: [&str; 3] =
    ["Content-Encoding", "Content-Language", "Content-Type"];

/// Tornado's default `compute_etag`: a strong entity tag made of the SHA-1 of the body.
///
/// The digest covers the chunks in order, as if they were one buffer, so how the body was
/// split between `write` calls does not matter. The result is the lower-case hex digest in
/// double quotes, ready to be used as the `Etag` header value.
///
/// ```
/// use bytes::Bytes;
/// use tornado::web::etag::compute_etag;
///
/// let split = compute_etag(&[Bytes::from_static(b"Hello, "), Bytes::from_static(b"world")]);
/// assert_eq!(split, compute_etag(&[Bytes::from_static(b"Hello, world")]));
/// ```
#[must_use]
pub fn compute_etag(body_chunks: &[Bytes]) -> String {
    tag_of(sha1_remembered(body_chunks))
}

/// The tag of the digest whose big-endian words are `words`: its hex digits in double quotes.
fn tag_of(words: [u32; 5]) -> String {
    // The tag is written straight into its allocation: made on the stack and copied, each
    // load of the copy waited for the stores that had just made it.
    let mut tag = Vec::<u8>::with_capacity(42);
    let spare = &mut tag.spare_capacity_mut()[..42];
    spare[0].write(b'"');
    hex_into(words, &mut spare[1..41]);
    spare[41].write(b'"');
    // SAFETY: the 42 bytes were all written just above.
    unsafe { tag.set_len(42) };
    debug_assert!(tag.is_ascii());
    // SAFETY: quotes and hex digits are ASCII, hence UTF-8. (Checking costs more than the
    // formatting at this length.)
    unsafe { String::from_utf8_unchecked(tag) }
}

/// Writes the digest whose big-endian words are `words` as 40 lower-case hex digits.
fn hex_into(words: [u32; 5], out: &mut [MaybeUninit<u8>]) {
    assert_eq!(out.len(), 40);
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: `out` holds 40 bytes (checked above), as `hex_sse2` requires.
        unsafe { hex_sse2(words, out.as_mut_ptr().cast::<u8>()) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    for (i, &b) in digest_bytes(words).iter().enumerate() {
        let [high, low] = HEX_PAIRS[usize::from(b)];
        out[2 * i].write(high);
        out[2 * i + 1].write(low);
    }
}

/// The digest's 20 bytes, from its big-endian words.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn digest_bytes(words: [u32; 5]) -> [u8; 20] {
    let mut digest = [0u8; 20];
    for (out, word) in digest.chunks_exact_mut(4).zip(words) {
        out.copy_from_slice(&word.to_be_bytes());
    }
    digest
}

/// [`hex_into`] with SSE2 (part of every x86-64 CPU): eight bytes become sixteen digits at a
/// time, the nibbles spread into bytes and turned into `0`–`9` or `a`–`f` by arithmetic. The
/// digest's bytes 0–15 and 4–19 are done as two 16-byte blocks, put together from the words in
/// registers (read back from memory just after being stored a word at a time, they made the
/// CPU wait for those stores); the eight digits the blocks share are written twice, the same
/// both times.
///
/// # Safety
///
/// `out` must be valid for writing 40 bytes.
#[cfg(target_arch = "x86_64")]
unsafe fn hex_sse2(words: [u32; 5], out: *mut u8) {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi8, _mm_and_si128, _mm_cmpgt_epi8, _mm_set1_epi8, _mm_set_epi32,
        _mm_srli_epi16, _mm_storeu_si128, _mm_unpackhi_epi8, _mm_unpacklo_epi8,
    };
    // Byte-swapped, each word lies in a lane as its big-endian bytes.
    let w = words.map(|w| w.swap_bytes() as i32);
    // SAFETY: the stores write bytes 0–31 and 8–39 of `out`, which the caller promises holds
    // 40; everything else works on registers.
    unsafe {
        let low4 = _mm_set1_epi8(0x0f);
        let nine = _mm_set1_epi8(9);
        let zero = _mm_set1_epi8(b'0' as i8);
        // From '9' + 1 to 'a'.
        let letters = _mm_set1_epi8((b'a' - b'0' - 10) as i8);
        let digits = |nibbles: __m128i| -> __m128i {
            let over_nine = _mm_and_si128(_mm_cmpgt_epi8(nibbles, nine), letters);
            _mm_add_epi8(_mm_add_epi8(nibbles, zero), over_nine)
        };
        let blocks = [
            (_mm_set_epi32(w[3], w[2], w[1], w[0]), 0usize),
            (_mm_set_epi32(w[4], w[3], w[2], w[1]), 8),
        ];
        for (bytes, to) in blocks {
            let high = _mm_and_si128(_mm_srli_epi16::<4>(bytes), low4);
            let low = _mm_and_si128(bytes, low4);
            // High nibble first: byte i gives digits 2i and 2i + 1.
            let first = _mm_unpacklo_epi8(high, low);
            let second = _mm_unpackhi_epi8(high, low);
            _mm_storeu_si128(out.add(to).cast::<__m128i>(), digits(first));
            _mm_storeu_si128(out.add(to + 16).cast::<__m128i>(), digits(second));
        }
    }
}

/// Each byte's two lower-case hex digits.
#[cfg(not(target_arch = "x86_64"))]
static HEX_PAIRS: [[u8; 2]; 256] = {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut t = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [HEX[i >> 4], HEX[i & 0x0f]];
        i += 1;
    }
    t
};

/// Bodies up to this many bytes have their digest remembered by [`sha1_remembered`].
const MEMO_MAX: usize = 256;

/// The last short body this thread hashed, its digest, and its tag once one was asked for.
struct Memo {
    /// `body[..len]` is the body; `usize::MAX` while there is none.
    len: usize,
    words: [u32; 5],
    /// The `Etag` value of `body`, shared by every response that carries it; made by the
    /// first [`etag_value`] call for this body.
    tag: Option<Arc<str>>,
    body: [u8; MEMO_MAX],
}

impl Memo {
    /// The digest of `body_chunks` (`total` bytes in all, at most [`MEMO_MAX`]): the one
    /// remembered when the bytes are the same, all of them, else a new one, remembered with
    /// the bytes in place of the old.
    fn words_of(&mut self, body_chunks: &[Bytes], total: usize) -> [u32; 5] {
        if self.len == total && same_bytes(&self.body[..total], body_chunks) {
            return self.words;
        }
        let words = sha1_of_chunks(body_chunks);
        let mut at = 0;
        for chunk in body_chunks {
            self.body[at..at + chunk.len()].copy_from_slice(chunk);
            at += chunk.len();
        }
        self.len = total;
        self.words = words;
        self.tag = None;
        words
    }
}

thread_local! {
    // `const`: no lazy initialisation. (The shared tag gives it a destructor, registered on
    // the thread's first use; after the thread's teardown has begun, tags are made unshared.)
    static MEMO: RefCell<Memo> = const {
        RefCell::new(Memo { len: usize::MAX, words: [0; 5], tag: None, body: [0; MEMO_MAX] })
    };
}

/// [`sha1_of_chunks`], remembering the last short body each thread hashed.
///
/// A page served again and again (a home page, a status document, a JSON answer that has not
/// changed) has the same body each time, and so the same digest. For a body of at most
/// [`MEMO_MAX`] bytes the digest of the previous one is reused when the bytes are equal, all of
/// them, compared one by one: a comparison costs a small fraction of the hash. Any other body
/// is hashed, and becomes the one remembered. SHA-1 being a function of the bytes alone, the
/// result is the same either way; the tests check it against the plain hash.
fn sha1_remembered(body_chunks: &[Bytes]) -> [u32; 5] {
    let total = body_chunks.iter().map(|c| c.len()).sum::<usize>();
    if total > MEMO_MAX {
        return sha1_of_chunks(body_chunks);
    }
    MEMO.try_with(|memo| {
        // Never contended (one thread, no re-entry), but a failed borrow just hashes.
        let mut memo = memo.try_borrow_mut().ok()?;
        Some(memo.words_of(body_chunks, total))
    })
    .ok()
    .flatten()
    .unwrap_or_else(|| sha1_of_chunks(body_chunks))
}

/// [`compute_etag`] as a header value, which a body served again unchanged shares.
///
/// This is the default `RequestHandler::compute_etag`. For a body of at most 256
/// bytes, each thread keeps the tag of the last body it tagged: when the next body is the same,
/// byte for byte, its tag is that one again, shared (a reference count) rather than hashed,
/// formatted and allocated anew. Any other body gets a tag of its own, as [`compute_etag`]
/// makes it.
///
/// ```
/// use bytes::Bytes;
/// use tornado::web::etag::{compute_etag, etag_value};
///
/// let body = [Bytes::from_static(b"Hello, world")];
/// assert_eq!(etag_value(&body), compute_etag(&body));
/// assert_eq!(etag_value(&body), "\"e02aa1b106d5c7c6a98def2b13005d5b84fd8dc8\"");
/// ```
#[must_use]
pub fn etag_value(body_chunks: &[Bytes]) -> SharedStr {
    let total = body_chunks.iter().map(|c| c.len()).sum::<usize>();
    if total <= MEMO_MAX {
        // The closure gives the shared text (a pointer and a length, in registers), and the
        // `SharedStr` is made here in the caller's place: given whole from the closure, it
        // was copied twice through the stack, each copy's loads straddling the stores that
        // had just made it, which the CPU cannot forward.
        let shared = MEMO.try_with(|memo| {
            let mut memo = memo.try_borrow_mut().ok()?;
            let words = memo.words_of(body_chunks, total);
            let tag = memo
                .tag
                .get_or_insert_with(|| Arc::<str>::from(tag_of(words)));
            Some(Arc::clone(tag))
        });
        if let Ok(Some(tag)) = shared {
            return SharedStr::from(tag);
        }
    }
    SharedStr::from(compute_etag(body_chunks))
}

/// Whether `chunks`, taken as one buffer, are exactly `bytes` (whose length is their total).
fn same_bytes(bytes: &[u8], chunks: &[Bytes]) -> bool {
    let mut rest = bytes;
    for chunk in chunks {
        let (head, tail) = rest.split_at(chunk.len());
        if head != &chunk[..] {
            return false;
        }
        rest = tail;
    }
    rest.is_empty()
}

/// The SHA-1 digest of the chunks taken as one buffer (FIPS 180-4), on RustCrypto's
/// compression function, which uses the CPU's SHA extensions where present (x86 SHA-NI,
/// ARMv8). Whole blocks are compressed straight from the chunks, and the padding is written
/// here: for the short bodies most responses have, the general-purpose `Digest` API (its
/// block buffer, its reset and finalisation steps) cost more than the compression itself.
fn sha1_of_chunks(body_chunks: &[Bytes]) -> [u32; 5] {
    let mut state: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    // Bytes of a block not yet complete (they came at the end of a chunk).
    let mut block = [0u8; 64];
    let mut filled = 0;
    let mut total: u64 = 0;
    for chunk in body_chunks {
        let mut data: &[u8] = chunk;
        total = total.wrapping_add(data.len() as u64);
        if filled > 0 {
            let take = data.len().min(64 - filled);
            block[filled..filled + take].copy_from_slice(&data[..take]);
            filled += take;
            data = &data[take..];
            if filled < 64 {
                continue;
            }
            sha1::block_api::compress(&mut state, std::slice::from_ref(&block));
        }
        let mut blocks = data.chunks_exact(64);
        for whole in &mut blocks {
            if let Ok(whole) = <&[u8; 64]>::try_from(whole) {
                sha1::block_api::compress(&mut state, std::slice::from_ref(whole));
            }
        }
        let rest = blocks.remainder();
        block[..rest.len()].copy_from_slice(rest);
        filled = rest.len();
    }
    // Padding: a 1 bit, zeros, and the length in bits as a big-endian u64 ending a block.
    block[filled] = 0x80;
    block[filled + 1..].fill(0);
    if filled >= 56 {
        sha1::block_api::compress(&mut state, std::slice::from_ref(&block));
        block = [0; 64];
    }
    block[56..].copy_from_slice(&total.wrapping_mul(8).to_be_bytes());
    sha1::block_api::compress(&mut state, std::slice::from_ref(&block));
    state
}

/// Tornado's `check_etag_header`: does the request's `If-None-Match` value match `etag`?
///
/// The rules, matching Tornado byte for byte:
///
/// - The header is scanned for entity tags (`"…"` or `W/"…"`) and `*`, left to right; anything
///   else (commas, spaces, unquoted words) is skipped. An unterminated quote is not a tag.
/// - If nothing is found, or `etag` is empty, there is no match.
/// - If the first thing found is `*`, everything matches.
/// - Otherwise the comparison is weak: a leading `W/` is ignored on both sides, and the rest
///   must be equal byte for byte (quotes included).
///
/// ```
/// use tornado::web::etag::etag_matches;
///
/// assert!(etag_matches(r#""a", "b", W/"c""#, r#""c""#));
/// assert!(etag_matches(r#""c""#, r#"W/"c""#));
/// assert!(!etag_matches(r#""a", *"#, r#""c""#)); // `*` counts only when it comes first
/// assert!(!etag_matches("c", r#""c""#)); // unquoted values are not entity tags
/// ```
#[must_use]
pub fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    if etag.is_empty() {
        return false;
    }
    let mut tags = EntityTags {
        rest: if_none_match.as_bytes(),
    };
    let Some(first) = tags.next() else {
        return false;
    };
    if first == b"*" {
        return true;
    }
    let wanted = strip_weak(etag.as_bytes());
    std::iter::once(first)
        .chain(tags)
        .any(|tag| strip_weak(tag) == wanted)
}

/// Removes the representation headers ([`REPRESENTATION_HEADERS`]: `Content-Encoding`,
/// `Content-Language`, `Content-Type`) as Tornado does before sending a `1xx`, `204` or
/// `304` response.
///
/// ```
/// use tornado::http::HttpHeaders;
/// use tornado::web::etag::clear_representation_headers;
///
/// let mut headers = HttpHeaders::new();
/// headers.set("Content-Type", "text/html; charset=UTF-8");
/// headers.set("Etag", "\"abc\"");
/// clear_representation_headers(&mut headers);
/// assert!(!headers.contains("Content-Type"));
/// assert_eq!(headers.get("Etag"), Some("\"abc\""));
/// ```
pub fn clear_representation_headers(headers: &mut HttpHeaders) {
    for name in REPRESENTATION_HEADERS {
        headers.remove(name);
    }
}

fn strip_weak(tag: &[u8]) -> &[u8] {
    tag.strip_prefix(b"W/").unwrap_or(tag)
}

/// The tokens Tornado's pattern `\*|(?:W/)?"[^"]*"` finds, in order, without overlaps.
struct EntityTags<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for EntityTags<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        while !self.rest.is_empty() {
            let s = self.rest;
            let found = if s[0] == b'*' {
                Some(1)
            } else {
                // Try `W/"…"` first, then `"…"`, as the regex alternation does.
                let quoted_len = |from: usize| -> Option<usize> {
                    if s.get(from) != Some(&b'"') {
                        return None;
                    }
                    let close = s[from + 1..].iter().position(|&b| b == b'"')?;
                    Some(from + close + 2)
                };
                if s.starts_with(b"W/") {
                    quoted_len(2).or_else(|| quoted_len(0))
                } else {
                    quoted_len(0)
                }
            };
            match found {
                Some(len) => {
                    self.rest = &s[len..];
                    return Some(&s[..len]);
                }
                None => self.rest = &s[1..],
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_digits_match_the_formatter_for_every_byte_at_every_position() {
        for pos in 0..20 {
            for b in 0..=255u8 {
                let mut digest = [0u8; 20];
                for (i, d) in digest.iter_mut().enumerate() {
                    *d = (i as u8).wrapping_mul(37).wrapping_add(b ^ 0x5a);
                }
                digest[pos] = b;
                let mut words = [0u32; 5];
                for (w, four) in words.iter_mut().zip(digest.chunks_exact(4)) {
                    *w = u32::from_be_bytes(four.try_into().unwrap());
                }
                assert_eq!(super::digest_bytes(words), digest);
                let mut out = [std::mem::MaybeUninit::new(0u8); 40];
                super::hex_into(words, &mut out);
                // SAFETY: every byte was initialised (to 0, then by `hex_into`).
                let out = out.map(|b| unsafe { b.assume_init() });
                let expected: String = digest.iter().map(|d| format!("{d:02x}")).collect();
                assert_eq!(
                    std::str::from_utf8(&out).unwrap(),
                    expected,
                    "{b:#04x} at {pos}"
                );
            }
        }
    }

    use super::*;

    fn tags(header: &str) -> Vec<&str> {
        EntityTags {
            rest: header.as_bytes(),
        }
        .map(|t| std::str::from_utf8(t).unwrap_or("<invalid>"))
        .collect()
    }

    /// The one-shot SHA-1 agrees with RustCrypto's `Digest` for every length around the
    /// block and padding boundaries, however the body is split into chunks.
    #[test]
    fn sha1_of_chunks_agrees_with_the_digest_api() {
        use sha1::{Digest, Sha1};
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7 + i / 5) as u8).collect();
        for len in 0..data.len() {
            let body = &data[..len];
            let expected: [u8; 20] = Sha1::digest(body).into();
            let whole = [Bytes::copy_from_slice(body)];
            assert_eq!(digest_bytes(sha1_of_chunks(&whole)), expected, "len {len}");
            // Two chunks, split everywhere (an empty chunk at either end included).
            for cut in (0..=len).step_by(if len > 140 { 7 } else { 1 }) {
                let two = [
                    Bytes::copy_from_slice(&body[..cut]),
                    Bytes::copy_from_slice(&body[cut..]),
                ];
                assert_eq!(
                    digest_bytes(sha1_of_chunks(&two)),
                    expected,
                    "len {len} cut {cut}"
                );
            }
            // Many small chunks.
            let small: Vec<Bytes> = body.chunks(3).map(Bytes::copy_from_slice).collect();
            assert_eq!(
                digest_bytes(sha1_of_chunks(&small)),
                expected,
                "len {len} in threes"
            );
        }
        // No chunks at all.
        assert_eq!(
            digest_bytes(sha1_of_chunks(&[])),
            <[u8; 20]>::from(Sha1::digest(b""))
        );
    }

    /// The remembered digest is only ever the digest of the same bytes: bodies alternating,
    /// bodies of the same length differing in one byte, the same body split differently, and
    /// bodies just over the limit all get the plain hash's answer.
    #[test]
    fn remembered_digests_are_the_digests_of_the_same_bytes() {
        let plain = |chunks: &[Bytes]| digest_bytes(sha1_of_chunks(chunks));
        let remembered = |chunks: &[Bytes]| digest_bytes(sha1_remembered(chunks));
        let a = Bytes::from_static(b"Hello, world");
        let b = Bytes::from_static(b"Hello, World");
        for _ in 0..3 {
            for body in [&a, &b, &a, &a, &b] {
                let one = [body.clone()];
                assert_eq!(remembered(&one), plain(&one));
            }
        }
        // The same bytes in other chunks, including empty ones, hit; one byte more misses.
        let whole = [a.clone()];
        assert_eq!(remembered(&whole), plain(&whole));
        let split = [a.slice(..5), Bytes::new(), a.slice(5..)];
        assert_eq!(remembered(&split), plain(&whole));
        let longer = [a.clone(), Bytes::from_static(b"!")];
        assert_eq!(remembered(&longer), plain(&longer));
        // Every length up to past the limit, each body differing from the last in its end.
        for len in (0..=MEMO_MAX + 2).chain([MEMO_MAX, MEMO_MAX - 1, MEMO_MAX + 1]) {
            let body: Vec<u8> = (0..len).map(|i| (i * 31 + len) as u8).collect();
            let body = [Bytes::from(body)];
            assert_eq!(remembered(&body), plain(&body), "len {len}");
            assert_eq!(remembered(&body), plain(&body), "len {len}, again");
        }
        // Empty bodies, one way or another.
        assert_eq!(remembered(&[]), plain(&[]));
        assert_eq!(remembered(&[Bytes::new()]), plain(&[]));
    }

    /// The shared tag is the tag of the same bytes, and is shared only while the body stays
    /// the same.
    #[test]
    fn shared_tags_are_the_tags_of_the_same_bytes() {
        let a = [Bytes::from_static(b"Hello, world")];
        let b = [Bytes::from_static(b"Hello, World")];
        let long = [Bytes::from(vec![b'x'; MEMO_MAX + 1])];
        for body in [&a[..], &b, &a, &a, &long, &a, &[], &long, &long] {
            assert_eq!(etag_value(body), compute_etag(body));
        }
        let first = etag_value(&a);
        let again = etag_value(&[a[0].slice(..5), a[0].slice(5..)]);
        assert_eq!(
            first.as_ptr(),
            again.as_ptr(),
            "the same body shares its tag"
        );
        let other = etag_value(&b);
        assert_ne!(first.as_ptr(), other.as_ptr());
        assert_ne!(first, other);
        assert_eq!(
            first,
            compute_etag(&a),
            "a tag handed out is not changed later"
        );
    }

    #[test]
    fn etag_of_empty_body_is_sha1_of_nothing() {
        assert_eq!(
            compute_etag(&[]),
            "\"da39a3ee5e6b4b0d3255bfef95601890afd80709\""
        );
        assert_eq!(
            compute_etag(&[Bytes::new(), Bytes::new()]),
            compute_etag(&[])
        );
    }

    #[test]
    fn scanner_finds_tags_like_the_regex() {
        assert_eq!(tags(r#""a", W/"b" ,*"#), [r#""a""#, r#"W/"b""#, "*"]);
        assert_eq!(tags(r#""a*b""#), [r#""a*b""#]);
        // An unterminated quote is skipped character by character, so a later `*` is found.
        assert_eq!(tags(r#""ab*"#), ["*"]);
        assert_eq!(tags(r#"W/x "y""#), [r#""y""#]);
        assert_eq!(tags(r#"W/"#), Vec::<&str>::new());
        assert_eq!(tags(""), Vec::<&str>::new());
        assert_eq!(tags(r#""""#), [r#""""#]);
        assert_eq!(tags("W/W/\"x\""), ["W/\"x\""]);
    }

    #[test]
    fn star_matches_only_in_first_place() {
        assert!(etag_matches("*", "\"x\""));
        assert!(etag_matches(" * , \"y\"", "\"x\""));
        assert!(!etag_matches("\"y\", *", "\"x\""));
    }

    #[test]
    fn empty_etag_or_header_never_matches() {
        assert!(!etag_matches("*", ""));
        assert!(!etag_matches("", "\"x\""));
        assert!(!etag_matches("x, y", "\"x\""));
    }

    #[test]
    fn weak_prefix_is_ignored_on_both_sides() {
        assert!(etag_matches("W/\"x\"", "\"x\""));
        assert!(etag_matches("\"x\"", "W/\"x\""));
        assert!(etag_matches("W/\"x\"", "W/\"x\""));
        assert!(!etag_matches("w/\"x\"", "W/\"y\""));
        // The comparison is exact apart from that: case matters.
        assert!(!etag_matches("\"X\"", "\"x\""));
    }

    #[test]
    fn clear_representation_headers_keeps_the_rest() {
        let mut h = HttpHeaders::new();
        h.add("content-encoding", "gzip");
        h.add("Content-Language", "fr");
        h.add("Content-Type", "text/plain");
        h.add("Vary", "Accept-Encoding");
        h.add("Content-Length", "12");
        clear_representation_headers(&mut h);
        let names: Vec<&str> = h.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["Vary", "Content-Length"]);
    }
}
