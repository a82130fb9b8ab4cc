//! [`SharedStr`]: an immutable string that is cheap to clone, used for the parts of a request.

use std::borrow::{Borrow, Cow};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, Range};
use std::sync::Arc;

/// An immutable UTF-8 string that is cheap to clone: a literal, a short string kept inline
/// (up to 23 bytes), an owned `String`, or a slice of a shared buffer.
///
/// The server keeps a request's short strings (the method, most targets and paths, `Host`,
/// the client's IP) inline, and copies the head once into one shared buffer when a longer
/// string needs it, handing out slices of it; so a request costs at most one allocation for all
/// of its text instead of one per string. Cloning a slice bumps a reference count; cloning an
/// inline string copies it.
///
/// It dereferences to `str` and compares with `str`, `&str` and `String`, so most code treats
/// it as a string without noticing; `to_string()` (or `String::from`) gives an owned copy.
///
/// ```
/// use tornado::http::SharedStr;
///
/// let s = SharedStr::from("/a/b?x=1");
/// assert!(s.starts_with("/a"));
/// assert_eq!(s, "/a/b?x=1");
/// let path = s.slice(0..4);
/// assert_eq!(path, "/a/b");
/// assert_eq!(format!("{path}"), "/a/b");
/// let owned: String = path.into();
/// assert_eq!(owned, "/a/b");
/// ```
pub struct SharedStr(Repr);

/// `repr(u8)`: a one-byte tag, and (with [`InlineBuf`]'s alignment) every variant's payload at
/// offset 8. Left to itself, the compiler put `Slice`'s offsets beside a four-byte tag, and
/// moved every `SharedStr` as four bytes and a block at offset 4.
#[derive(Clone)]
#[repr(u8)]
enum Repr {
    Static(&'static str),
    /// Short strings made at run time (header values such as `Content-Length: 12`), kept
    /// inline: `buf[..len]`, always UTF-8.
    Inline(InlineBuf),
    Owned(String),
    /// `buf[start..start + len]`, always on character boundaries.
    Slice {
        buf: Arc<str>,
        start: u32,
        len: u32,
    },
}

/// The longest string kept inline by [`SharedStr::copy_from_str`]; the enum stays as big as its
/// largest other variant.
pub(crate) const INLINE_CAP: usize = 23;

/// The bytes of an inline string and their count, in three aligned words.
///
/// Being 8-aligned, it sits at offset 8 of the enum like every other variant's payload, so a
/// `SharedStr` moves as whole aligned words. (With a byte-aligned buffer, the compiler moved
/// inline strings as a byte and a 16-byte block at offset 1, and such a load cannot take its
/// data from the just-made stores that it straddles: the CPU stalls until they reach the cache.)
#[derive(Clone, Copy)]
#[repr(C, align(8))]
struct InlineBuf {
    buf: [u8; INLINE_CAP],
    len: u8,
}

impl InlineBuf {
    /// `s` (at most [`INLINE_CAP`] bytes), assembled in registers from a few overlapping
    /// loads: no byte-by-byte stores for the words' first reader to wait on.
    #[inline(always)]
    fn new(s: &str) -> Self {
        let b = s.as_bytes();
        let n = b.len();
        assert!(n <= INLINE_CAP);
        // Little-endian words of `b` from `at`, of 2, 4 or 8 bytes.
        let w2 = |at: usize| u64::from(u16::from_le_bytes([b[at], b[at + 1]]));
        let w4 = |at: usize| u64::from(u32::from_le_bytes(b[at..at + 4].try_into().unwrap()));
        let w8 = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
        // The word of the buffer that ends at byte `to`, for `to - 8 <= n <= to`: the 8 bytes
        // ending at `n`, shifted down past the `to - n` of them that belong to the word before
        // (all 8 when `n == to - 8`, which a shift by 64 would not give).
        let tail = |to: usize| w8(n - 8).checked_shr(8 * (to - n) as u32).unwrap_or(0);
        let words = match n {
            16.. => [w8(0), w8(8), tail(24)],
            8..=15 => [w8(0), tail(16), 0],
            4..=7 => [w4(0) | w4(n - 4) << (8 * (n - 4)), 0, 0],
            2..=3 => [w2(0) | w2(n - 2) << (8 * (n - 2)), 0, 0],
            1 => [u64::from(b[0]), 0, 0],
            _ => [0; 3],
        };
        // SAFETY: the words hold the `n` bytes of a `&str`.
        unsafe { Self::from_words(words, n) }
    }

    /// The buffer whose bytes are `words` (byte `i` is byte `i % 8`, from the least
    /// significant, of word `i / 8`) and whose length is `len`; the words' last byte must be
    /// clear.
    ///
    /// # Safety
    ///
    /// The first `len` bytes (at most [`INLINE_CAP`]) must be UTF-8: `as_str` relies on it.
    #[inline(always)]
    unsafe fn from_words(mut words: [u64; 3], len: usize) -> Self {
        debug_assert!(len <= INLINE_CAP && words[2] >> 56 == 0);
        words[2] |= (len as u64) << 56;
        // SAFETY: `InlineBuf` is 24 bytes of `u8`s (`repr(C)`, no padding), so any three
        // words, in memory order, are a valid one.
        unsafe { std::mem::transmute::<[u64; 3], InlineBuf>(words.map(u64::to_le)) }
    }

    #[inline(always)]
    fn as_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }
}

impl SharedStr {
    /// A copy of `s`: kept inline, without allocating, when it is short (up to 23 bytes).
    #[inline]
    pub fn copy_from_str(s: &str) -> Self {
        if s.len() <= INLINE_CAP {
            SharedStr(Repr::Inline(InlineBuf::new(s)))
        } else {
            Self::owned_copy(s)
        }
    }

    /// `n` in decimal digits (a `Content-Length`), made in registers: writing the digits to
    /// memory one by one and reading them back as words would stall on every response.
    #[inline]
    pub(crate) fn decimal(n: u64) -> Self {
        if n >= 10_u64.pow(16) {
            return Self::copy_from_str(&n.to_string());
        }
        // The least significant digit is made first and shifted up as the others come, so
        // the most significant one ends as the lowest byte: the first in memory.
        let (mut digits, mut len, mut rest) = (0u128, 0usize, n);
        loop {
            digits = digits << 8 | u128::from(b'0' + (rest % 10) as u8);
            len += 1;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        let words = [digits as u64, (digits >> 64) as u64, 0];
        // SAFETY: the words hold `len` (at most 16) ASCII digits.
        SharedStr(Repr::Inline(unsafe { InlineBuf::from_words(words, len) }))
    }

    /// A copy of a longer `s`, in a `String` (out of line: most copies are short).
    #[inline(never)]
    fn owned_copy(s: &str) -> Self {
        SharedStr(Repr::Owned(s.to_owned()))
    }

    /// A string literal, without copying it.
    pub const fn from_static(s: &'static str) -> Self {
        SharedStr(Repr::Static(s))
    }

    /// The empty string.
    pub const fn new() -> Self {
        Self::from_static("")
    }

    /// The whole of a shared buffer.
    pub(crate) fn from_arc(buf: Arc<str>) -> Self {
        match u32::try_from(buf.len()) {
            Ok(len) => SharedStr(Repr::Slice { buf, start: 0, len }),
            Err(_) => SharedStr(Repr::Owned(buf.to_string())),
        }
    }

    /// The string as a `&str`.
    #[inline(always)]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(s) => s,
            Repr::Inline(inline) => {
                let bytes = inline.as_bytes();
                debug_assert!(std::str::from_utf8(bytes).is_ok());
                // SAFETY: `Inline` is only built by `InlineBuf::from_words`, whose callers
                // (`copy_from_str`, `decimal`) give it the bytes of a whole `&str` or ASCII
                // digits; the fields are private and never changed afterwards.
                unsafe { std::str::from_utf8_unchecked(bytes) }
            }
            Repr::Owned(s) => s,
            Repr::Slice { buf, start, len } => {
                let (start, end) = (*start as usize, *start as usize + *len as usize);
                debug_assert!(buf.get(start..end).is_some());
                // SAFETY: `Slice` is only built by `from_arc` (the whole buffer) and `get`
                // (from the range `str::get` accepted: in bounds, on character boundaries);
                // the buffer is immutable and the fields private.
                unsafe { buf.get_unchecked(start..end) }
            }
        }
    }

    /// A part of this string (byte offsets), or `None` when the range is out of bounds or not
    /// on character boundaries, as `str::get`. A part of a shared string shares its buffer,
    /// unless it is short enough to be copied inline (cheaper than counting a reference).
    pub fn get(&self, range: Range<usize>) -> Option<SharedStr> {
        let part = self.as_str().get(range.clone())?;
        Some(match &self.0 {
            Repr::Static(s) => SharedStr(Repr::Static(&s[range])),
            Repr::Inline(_) | Repr::Owned(_) => Self::copy_from_str(part),
            Repr::Slice { .. } if part.len() <= INLINE_CAP => Self::copy_from_str(part),
            Repr::Slice { buf, start, .. } => SharedStr(Repr::Slice {
                buf: buf.clone(),
                // In range: `part` lies within a slice whose offsets fit in `u32`.
                start: start + range.start as u32,
                len: part.len() as u32,
            }),
        })
    }

    /// [`get`](Self::get) that panics, as `&s[range]` does, when the range is out of bounds
    /// or not on character boundaries.
    pub fn slice(&self, range: Range<usize>) -> SharedStr {
        match self.get(range.clone()) {
            Some(part) => part,
            None => panic!("SharedStr::slice: {range:?} is not a slice of {self:?}"),
        }
    }

    /// [`slice`](Self::slice) for a `&str` that points into this string (as the results of
    /// `split`, `trim` and friends do). `None` when it does not.
    pub fn slice_ref(&self, part: &str) -> Option<SharedStr> {
        let whole = self.as_str();
        let offset = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
        if offset + part.len() > whole.len() {
            return None;
        }
        Some(self.slice(offset..offset + part.len()))
    }

    /// The string as an owned `String` (moved out when it already is one).
    pub fn into_string(self) -> String {
        match self.0 {
            Repr::Owned(s) => s,
            _ => self.as_str().to_owned(),
        }
    }
}

impl Clone for SharedStr {
    #[inline]
    fn clone(&self) -> Self {
        match &self.0 {
            // SAFETY: these representations own nothing (a `&'static str`, bytes kept inline),
            // so a bitwise copy is a clone; it is one 32-byte move instead of a field-by-field
            // copy of the inline bytes.
            Repr::Static(_) | Repr::Inline(_) => unsafe { std::ptr::read(self) },
            _ => self.clone_shared(),
        }
    }
}

impl SharedStr {
    /// [`Clone`] for the representations that own or share a buffer.
    #[inline(never)]
    fn clone_shared(&self) -> Self {
        SharedStr(self.0.clone())
    }
}

impl Default for SharedStr {
    fn default() -> Self {
        Self::new()
    }
}

impl Deref for SharedStr {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for SharedStr {
    fn as_ref(&self) -> &[u8] {
        self.as_str().as_bytes()
    }
}

impl Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl From<&'static str> for SharedStr {
    fn from(s: &'static str) -> Self {
        Self::from_static(s)
    }
}

/// Takes the string as it is, without copying. Clones of the result copy the text, though:
/// for a value made once and handed out many times (a cached header value), convert through
/// `Arc<str>` instead (`SharedStr::from(Arc::<str>::from(s))`), whose clones only count a
/// reference.
impl From<String> for SharedStr {
    fn from(s: String) -> Self {
        SharedStr(Repr::Owned(s))
    }
}

impl From<&String> for SharedStr {
    fn from(s: &String) -> Self {
        SharedStr(Repr::Owned(s.clone()))
    }
}

impl From<Cow<'static, str>> for SharedStr {
    fn from(s: Cow<'static, str>) -> Self {
        match s {
            Cow::Borrowed(s) => Self::from_static(s),
            Cow::Owned(s) => Self::from(s),
        }
    }
}

impl From<Arc<str>> for SharedStr {
    fn from(s: Arc<str>) -> Self {
        Self::from_arc(s)
    }
}

impl From<SharedStr> for String {
    fn from(s: SharedStr) -> Self {
        s.into_string()
    }
}

impl PartialEq for SharedStr {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SharedStr {}

impl PartialOrd for SharedStr {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SharedStr {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for SharedStr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

macro_rules! eq_with {
    ($($t:ty),*) => {$(
        impl PartialEq<$t> for SharedStr {
            #[inline]
            fn eq(&self, other: &$t) -> bool {
                self.as_str() == AsRef::<str>::as_ref(other)
            }
        }
        impl PartialEq<SharedStr> for $t {
            #[inline]
            fn eq(&self, other: &SharedStr) -> bool {
                AsRef::<str>::as_ref(self) == other.as_str()
            }
        }
    )*};
}
eq_with!(str, String);

impl PartialEq<&str> for SharedStr {
    #[inline]
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<SharedStr> for &str {
    #[inline]
    fn eq(&self, other: &SharedStr) -> bool {
        *self == other.as_str()
    }
}

impl serde::Serialize for SharedStr {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_read_as_their_digits() {
        let mut values = vec![0, 1, 9, 10, 99, 100, 12345, u64::MAX];
        for k in 1..=19 {
            let p = 10_u64.pow(k);
            values.extend([p - 1, p, p + 1, p / 3 * 2]);
        }
        for v in values {
            let s = SharedStr::decimal(v);
            assert_eq!(s, v.to_string(), "{v}");
            assert!(matches!(s.0, Repr::Inline(_)), "{v}");
        }
    }

    #[test]
    fn short_copies_of_every_length() {
        let text = "abcdefghijklmnopqrstuvwxyz";
        for n in 0..=INLINE_CAP {
            let s = SharedStr::copy_from_str(&text[..n]);
            assert!(matches!(s.0, Repr::Inline(_)));
            assert_eq!(s, &text[..n]);
        }
        assert!(matches!(
            SharedStr::copy_from_str(&text[..INLINE_CAP + 1]).0,
            Repr::Owned(_)
        ));
    }

    fn shared(s: &str) -> SharedStr {
        SharedStr::from_arc(Arc::from(s))
    }

    #[test]
    fn every_kind_reads_and_compares_the_same() {
        let kinds = [
            SharedStr::from_static("héllo"),
            SharedStr::copy_from_str("héllo"),
            SharedStr::from("héllo".to_string()),
            shared("héllo"),
        ];
        for s in &kinds {
            assert_eq!(s.as_str(), "héllo");
            assert_eq!(*s, "héllo");
            assert_eq!(s, &kinds[0]);
            assert_eq!("héllo", *s);
            assert_eq!(s.slice(0..3), "hé");
            assert_eq!(s.slice(3..6).slice(1..3), "lo");
            assert!(s.get(0..2).is_none(), "inside the 'é'");
            assert_eq!(format!("{s}|{s:?}"), "héllo|\"héllo\"");
            assert_eq!(s.clone().into_string(), "héllo");
        }
    }

    #[test]
    fn clones_outlive_the_original_for_every_kind() {
        let long = "a string long enough not to be kept inline";
        for text in ["héllo", long] {
            let kinds = [
                SharedStr::from_static(if text == long { long } else { "héllo" }),
                SharedStr::copy_from_str(text),
                SharedStr::from(text.to_string()),
                shared(text),
                shared(&format!("<{text}>")).slice(1..text.len() + 1),
            ];
            for s in kinds {
                let copy = s.clone();
                drop(s);
                assert_eq!(copy, text);
                let again = copy.clone();
                drop(copy);
                assert_eq!(again.into_string(), text);
            }
        }
    }

    #[test]
    fn short_copies_are_inline_and_long_ones_owned() {
        assert!(matches!(SharedStr::copy_from_str("12").0, Repr::Inline(_)));
        let long = "x".repeat(INLINE_CAP + 1);
        assert!(matches!(SharedStr::copy_from_str(&long).0, Repr::Owned(_)));
        assert_eq!(SharedStr::copy_from_str(&long), long);
        assert_eq!(std::mem::size_of::<SharedStr>(), 32);
        assert_eq!(std::mem::size_of::<Option<SharedStr>>(), 32);
    }

    #[test]
    fn long_slices_share_the_buffer_and_short_ones_are_copied() {
        let whole = shared("GET /a/rather/long/index.html HTTP/1.1");
        let uri = whole.slice(4..29);
        assert_eq!(uri, "/a/rather/long/index.html");
        let Repr::Slice { buf, .. } = &uri.0 else {
            panic!("a long slice of a shared buffer is shared");
        };
        assert_eq!(Arc::strong_count(buf), 2);
        let path = uri.slice_ref(uri.split('.').next().unwrap()).unwrap();
        assert_eq!(path, "/a/rather/long/index");
        assert!(matches!(path.0, Repr::Inline(_)), "short: copied");
        assert_eq!(Arc::strong_count(buf), 2);
        assert!(uri.slice_ref("elsewhere").is_none());
        assert!(uri.get(5..50).is_none());
    }

    #[test]
    #[should_panic]
    fn slicing_inside_a_character_panics_like_str() {
        let _ = shared("é").slice(0..1);
    }

    #[test]
    fn hashes_and_orders_as_str() {
        use std::collections::BTreeMap;
        let mut m = BTreeMap::new();
        m.insert(shared("b"), 2);
        m.insert(SharedStr::from("a"), 1);
        assert_eq!(m.get("a"), Some(&1));
        assert_eq!(m.keys().map(|k| k.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    }
}
