//! [`HttpHeaders`]: Tornado's case-insensitive, order-keeping, multi-valued header map.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::mem::ManuallyDrop;

use super::error::HttpInputError;
use super::SharedStr;

/// A case-insensitive multi-map of HTTP headers that keeps insertion order and repeated values.
///
/// Names are stored in `Http-Header-Case` (each dash-separated word capitalised, the rest
/// lower-cased) as Tornado does, and compared without regard to case.
///
/// Tornado's `headers[name]` joins repeated values with `,`; here [`get`](Self::get) returns the
/// first value, [`get_joined`](Self::get_joined) the joined form and [`get_list`](Self::get_list)
/// every value.
///
/// # Examples
///
/// ```
/// use tornado::http::HttpHeaders;
///
/// let mut h = HttpHeaders::new();
/// h.add("content-type", "text/html");
/// h.add("Set-Cookie", "A=B");
/// h.add("set-cookie", "C=D");
/// assert_eq!(h.get("Content-Type"), Some("text/html"));
/// assert_eq!(h.get_list("SET-COOKIE"), vec!["A=B", "C=D"]);
/// assert_eq!(h.get_joined("set-cookie").as_deref(), Some("A=B,C=D"));
/// let names: Vec<&str> = h.iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["Content-Type", "Set-Cookie", "Set-Cookie"]);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct HttpHeaders {
    /// Dropped by hand (`Drop` below): a pooled list is given back, not freed, and an empty
    /// one is left alone without running the list's drop glue after `Drop::drop` (a call per
    /// header map, of which every request has several).
    entries: ManuallyDrop<Vec<Entry>>,
}

/// One header line. `checked`: the name is known to be a token and the value free of control
/// characters (the crate made or validated them), so the response encoder need not look again.
#[derive(Clone, Debug)]
struct Entry {
    name: Cow<'static, str>,
    value: SharedStr,
    checked: bool,
}

impl Entry {
    fn new(name: Cow<'static, str>, value: SharedStr) -> Self {
        Entry {
            name,
            value,
            checked: false,
        }
    }

    /// An entry the caller vouches for (see `checked`); verified in debug builds.
    fn checked(name: Cow<'static, str>, value: SharedStr) -> Self {
        debug_assert!(!name.is_empty() && name.bytes().all(is_token_byte));
        debug_assert!(is_value(value.as_bytes()));
        Entry {
            name,
            value,
            checked: true,
        }
    }
}

/// Whether a header was checked is bookkeeping, not content.
impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.value == other.value
    }
}

impl Eq for Entry {}

/// Canonical spellings of common header names, so that decoding them allocates nothing.
const COMMON_NAMES: &[&str] = &[
    "Host",
    "Accept",
    "Accept-Encoding",
    "Accept-Language",
    "Cache-Control",
    "Connection",
    "Content-Length",
    "Content-Type",
    "Cookie",
    "Date",
    "Etag",
    "Expect",
    "If-Modified-Since",
    "If-None-Match",
    "Origin",
    "Referer",
    "Server",
    "Set-Cookie",
    "Transfer-Encoding",
    "Upgrade",
    "User-Agent",
    "X-Forwarded-For",
    "X-Real-Ip",
    // Response headers the web layer and static files set on every response.
    "Accept-Ranges",
    "Content-Encoding",
    "Content-Range",
    "Expires",
    "Last-Modified",
    "Location",
    "Vary",
];

/// Puts a header name into `Http-Header-Case`: `content-type` → `Content-Type`.
pub fn normalize_header_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut start_of_word = true;
    for c in name.chars() {
        if start_of_word {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start_of_word = c == '-';
    }
    out
}

#[inline]
fn is_normalized(name: &str) -> bool {
    let mut start_of_word = true;
    for b in name.bytes() {
        let ok = if start_of_word {
            !b.is_ascii_lowercase()
        } else {
            !b.is_ascii_uppercase()
        };
        if !ok || !b.is_ascii() {
            return false;
        }
        start_of_word = b == b'-';
    }
    true
}

/// [`COMMON_NAMES`] grouped by length, so a lookup compares only names of the right size.
fn common_names_by_len() -> &'static [Vec<&'static str>] {
    static BY_LEN: std::sync::OnceLock<Vec<Vec<&'static str>>> = std::sync::OnceLock::new();
    BY_LEN.get_or_init(|| {
        let longest = COMMON_NAMES.iter().map(|n| n.len()).max().unwrap_or(0);
        let mut groups = vec![Vec::new(); longest + 1];
        for name in COMMON_NAMES {
            groups[name.len()].push(*name);
        }
        groups
    })
}

fn normalized(name: &str) -> Cow<'static, str> {
    if let Some(common) = common_names_by_len().get(name.len()).and_then(|group| {
        // Most clients send the usual spelling: an exact match first is cheaper.
        group
            .iter()
            .find(|c| **c == name)
            .or_else(|| group.iter().find(|c| c.eq_ignore_ascii_case(name)))
    }) {
        return Cow::Borrowed(common);
    }
    if is_normalized(name) {
        Cow::Owned(name.to_owned())
    } else {
        Cow::Owned(normalize_header_name(name))
    }
}

/// Whether two header names are the same name (ASCII case ignored, as in Tornado).
///
/// Names of other lengths are told apart first, then the same spelling (the decoder stores
/// the usual names in their usual spelling, and code looks them up that way), both inline and
/// short; the comparison ignoring case is one shared function. Inlined, it was unrolled at
/// each lookup for the length of the name sought (`"Host"`, `"If-None-Match"`, …), and those
/// copies took room in the instruction cache on every request's path.
#[inline(always)]
fn same_name(a: &str, b: &str) -> bool {
    a.len() == b.len() && (a == b || same_name_ignoring_case(a.as_bytes(), b.as_bytes()))
}

#[inline(never)]
fn same_name_ignoring_case(a: &[u8], b: &[u8]) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// `true` for the bytes allowed in a header field name (an RFC 9110 `token`).
pub(crate) const fn is_token_byte(b: u8) -> bool {
    matches!(b,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`'
        | b'|' | b'~' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

/// `true` for bytes allowed in a header field value: visible characters, space, tab, obs-text.
pub(crate) const fn is_value_byte(b: u8) -> bool {
    b == b'\t' || (b >= 0x20 && b != 0x7f)
}

/// Whether every byte may appear in a header value ([`is_value_byte`]). No early exit: short
/// values are folded without branches; on x86-64, values of 16 bytes or more are checked 16
/// bytes at a time (SSE2, part of every x86-64 CPU), the last block overlapping the one before.
pub(crate) fn is_value(value: &[u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if value.len() >= 16 {
        // SAFETY: at least 16 bytes, as `is_value_sse2` requires.
        return unsafe { is_value_sse2(value) };
    }
    value.iter().fold(true, |ok, &b| {
        ok & ((b >= 0x20) & (b != 0x7f) | (b == b'\t'))
    })
}

/// [`is_value`] for 16 bytes or more.
///
/// # Safety
///
/// `value` must be at least 16 bytes long.
#[cfg(target_arch = "x86_64")]
#[inline]
unsafe fn is_value_sse2(value: &[u8]) -> bool {
    use std::arch::x86_64::{
        __m128i, _mm_andnot_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_setzero_si128,
    };
    debug_assert!(value.len() >= 16);
    let len = value.len();
    let p = value.as_ptr();
    // SAFETY: SSE2 is part of the x86-64 baseline; every load reads 16 bytes at an offset
    // between 0 and `len - 16`, inside `value`.
    unsafe {
        let below_space = _mm_set1_epi8(0x1f);
        let tab = _mm_set1_epi8(0x09);
        let del = _mm_set1_epi8(0x7f);
        // The bytes of a block that may not appear: controls other than tab, and DEL.
        let bad = |at: usize| -> __m128i {
            let x = _mm_loadu_si128(p.add(at).cast::<__m128i>());
            let control = _mm_cmpeq_epi8(_mm_min_epu8(x, below_space), x);
            let control = _mm_andnot_si128(_mm_cmpeq_epi8(x, tab), control);
            _mm_or_si128(control, _mm_cmpeq_epi8(x, del))
        };
        let mut found = _mm_setzero_si128();
        let mut at = 0;
        while at + 16 < len {
            found = _mm_or_si128(found, bad(at));
            at += 16;
        }
        found = _mm_or_si128(found, bad(len - 16));
        _mm_movemask_epi8(found) == 0
    }
}

/// Decodes header bytes as ISO-8859-1 (every byte is one character), as Tornado does.
pub(crate) fn latin1_to_string(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) if bytes.is_ascii() => s.to_owned(),
        _ => bytes.iter().map(|&b| b as char).collect(),
    }
}

/// How many emptied header vectors a thread keeps for reuse, the largest capacity kept, and the
/// capacity a new pooled one starts with (a response's usual headers fit).
const POOL_LEN: usize = 32;
const POOLED_MAX_CAPACITY: usize = 32;
const POOLED_MIN_CAPACITY: usize = 8;

/// Emptied header lists kept for reuse on one thread: a fixed stack of their raw parts in
/// cells (no borrow flag to set and clear, no growth), freed when the thread ends.
struct Spares {
    len: Cell<usize>,
    /// `lists[..len]` hold the pointer and capacity of empty `Vec<Entry>`s.
    lists: [Cell<(*mut Entry, usize)>; POOL_LEN],
}

impl Spares {
    /// The most recently given list, empty.
    #[inline(always)]
    fn take(&self) -> Option<Vec<Entry>> {
        let n = self.len.get();
        let (ptr, capacity) = self.lists.get(n.wrapping_sub(1))?.get();
        self.len.set(n - 1);
        // SAFETY: the parts of an empty vector that `give` took apart, and nothing else owns
        // them now that `len` no longer counts them.
        Some(unsafe { Vec::from_raw_parts(ptr, 0, capacity) })
    }

    /// Keeps an empty list for reuse; when the stack is full, the list is freed.
    #[inline(always)]
    fn give(&self, list: Vec<Entry>) {
        debug_assert!(list.is_empty());
        let n = self.len.get();
        if let Some(slot) = self.lists.get(n) {
            let mut list = ManuallyDrop::new(list);
            slot.set((list.as_mut_ptr(), list.capacity()));
            self.len.set(n + 1);
        }
    }
}

impl Drop for Spares {
    fn drop(&mut self) {
        while let Some(list) = self.take() {
            drop(list);
        }
    }
}

thread_local! {
    static SPARE: Spares = const {
        Spares {
            len: Cell::new(0),
            lists: [const { Cell::new((std::ptr::null_mut(), 0)) }; POOL_LEN],
        }
    };
}

impl Drop for HttpHeaders {
    fn drop(&mut self) {
        let capacity = self.entries.capacity();
        if capacity == 0 {
            // Never allocated (or already taken): nothing to free.
            return;
        }
        // SAFETY: `entries` is not used again: this is the map's drop, and the field is
        // `ManuallyDrop`, so it is not dropped a second time after it.
        let mut entries = unsafe { ManuallyDrop::take(&mut self.entries) };
        if !(POOLED_MIN_CAPACITY..=POOLED_MAX_CAPACITY).contains(&capacity) {
            return;
        }
        entries.clear();
        // During thread teardown the vector is simply freed.
        let _ = SPARE.try_with(|spare| spare.give(std::mem::take(&mut entries)));
    }
}

impl HttpHeaders {
    /// An empty header map.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty header map with room for `n` values.
    ///
    /// The storage of header maps dropped on this thread is reused (every request and response
    /// has one, so this saves an allocation and a free for each).
    pub fn with_capacity(n: usize) -> Self {
        let entries = SPARE.try_with(Spares::take).ok().flatten();
        let entries = match entries {
            Some(mut v) => {
                v.reserve(n);
                v
            }
            None => Vec::with_capacity(n.max(POOLED_MIN_CAPACITY)),
        };
        HttpHeaders {
            entries: ManuallyDrop::new(entries),
        }
    }

    /// [`set`](Self::set) for a name known at compile time, in `Http-Header-Case`, and a value
    /// the caller knows to be valid (no control characters): no name lookup or copy, and the
    /// response encoder does not check it again. Both are verified in debug builds.
    pub(crate) fn set_static(&mut self, name: &'static str, value: impl Into<SharedStr>) {
        debug_assert!(is_normalized(name));
        self.set_entry(Entry::checked(Cow::Borrowed(name), value.into()));
    }

    /// [`set`](Self::set) for a name and value already validated (a token, no control
    /// characters), as the web layer's `set_header` does before it gets here.
    pub(crate) fn set_checked(&mut self, name: &str, value: String) {
        self.set_entry(Entry::checked(normalized(name), value.into()));
    }

    /// [`add`](Self::add) for a name and value already validated (see `set_checked`).
    pub(crate) fn add_checked(&mut self, name: &str, value: String) {
        self.entries
            .push(Entry::checked(normalized(name), value.into()));
    }

    fn set_entry(&mut self, entry: Entry) {
        if let Some(value) = self.replace(&entry.name, entry.value, entry.checked) {
            self.entries.push(Entry { value, ..entry });
        }
    }

    /// Adds a value for `name`, keeping any values already there.
    pub fn add(&mut self, name: &str, value: impl Into<String>) {
        self.entries
            .push(Entry::new(normalized(name), SharedStr::from(value.into())));
    }

    /// Appends a header whose name and value are valid literals; the name must already be in
    /// `Http-Header-Case` (verified in debug builds only).
    pub(crate) fn push_static(&mut self, name: &'static str, value: &'static str) {
        debug_assert!(is_normalized(name));
        self.push_with(|| Entry::checked(Cow::Borrowed(name), SharedStr::from_static(value)));
    }

    /// Appends a checked header whose name (in `Http-Header-Case`) the caller has just found
    /// absent: [`set_static`](Self::set_static) without looking for earlier values again.
    ///
    /// The value is what `make` gives, made in place (see [`push_with`](Self::push_with)).
    #[inline(always)]
    pub(crate) fn push_absent(&mut self, name: &'static str, make: impl FnOnce() -> SharedStr) {
        debug_assert!(is_normalized(name) && !self.contains(name));
        self.push_with(|| Entry::checked(Cow::Borrowed(name), make()));
    }

    /// [`add_shared`](Self::add_shared) for a name known at compile time, in `Http-Header-Case`
    /// (the decoder's `Host`): not looked up among the usual names.
    #[inline(always)]
    pub(crate) fn add_shared_static(
        &mut self,
        name: &'static str,
        make: impl FnOnce() -> SharedStr,
    ) {
        debug_assert!(is_normalized(name));
        self.push_with(|| Entry::new(Cow::Borrowed(name), make()));
    }

    /// [`add`](Self::add) for a value that is already a [`SharedStr`] (no copy): the one
    /// `make` gives, made in place (see [`push_with`](Self::push_with)).
    #[inline(always)]
    pub(crate) fn add_shared(&mut self, name: &str, make: impl FnOnce() -> SharedStr) {
        let name = normalized(name);
        self.push_with(|| Entry::new(name, make()));
    }

    /// Appends the entry `make` builds, building it where it is kept.
    ///
    /// `Vec::push(entry)` builds the entry on the stack first (it has to survive the list
    /// growing), then copies it in 16-byte moves. Each of those loads spans several of the
    /// narrower stores that built the entry an instant before, which the CPU cannot forward
    /// to a load: it waits for them to reach the cache, on every header of every request.
    /// Growing first and building afterwards lets the compiler store each field in its
    /// final place.
    #[inline(always)]
    fn push_with(&mut self, make: impl FnOnce() -> Entry) {
        if self.entries.len() == self.entries.capacity() {
            self.grow();
        }
        let len = self.entries.len();
        let Some(slot) = self.entries.spare_capacity_mut().first_mut() else {
            unreachable!("room was made above")
        };
        slot.write(make());
        // SAFETY: the entry at `len` (the first spare slot) was just written.
        unsafe { self.entries.set_len(len + 1) }
    }

    /// Room for one more entry (out of line: the pooled lists have room for most heads).
    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        self.entries.reserve(1);
    }

    /// The first value of `name` as the [`SharedStr`] it is stored as.
    pub(crate) fn get_shared(&self, name: &str) -> Option<&SharedStr> {
        self.position(name).map(|i| &self.entries[i].value)
    }

    /// [`add`](Self::add) for a name and value known at compile time (no allocation). Give the
    /// name in `Http-Header-Case`; other spellings are normalised (with an allocation).
    pub fn add_static(&mut self, name: &'static str, value: &'static str) {
        let name = if is_normalized(name) {
            Cow::Borrowed(name)
        } else {
            Cow::Owned(normalize_header_name(name))
        };
        self.entries
            .push(Entry::new(name, SharedStr::from_static(value)));
    }

    /// Sets `name` to a single value, replacing every value it had (Tornado's `h[name] = v`).
    /// The header keeps the position of its first occurrence.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        if let Some(value) = self.replace(name, SharedStr::from(value.into()), false) {
            self.entries.push(Entry::new(normalized(name), value));
        }
    }

    /// Gives `name` the single value `value` where it already is, with the new value's
    /// `checked` status (the name kept is the same but for case, so it is as valid); hands
    /// `value` back when the header is absent.
    fn replace(&mut self, name: &str, value: SharedStr, checked: bool) -> Option<SharedStr> {
        let i = match self.position(name) {
            Some(i) => i,
            None => return Some(value),
        };
        self.entries[i].value = value;
        self.entries[i].checked = checked;
        let mut j = i + 1;
        while j < self.entries.len() {
            if same_name(&self.entries[j].name, name) {
                self.entries.remove(j);
            } else {
                j += 1;
            }
        }
        None
    }

    /// The first value of `name`, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.position(name).map(|i| self.entries[i].value.as_str())
    }

    /// Every value of `name` joined with `,` (Tornado's `headers[name]`), or `None`.
    pub fn get_joined(&self, name: &str) -> Option<String> {
        let list = self.get_list(name);
        if list.is_empty() {
            None
        } else {
            Some(list.join(","))
        }
    }

    /// Every value of `name`, in the order they were added (empty when absent).
    pub fn get_list(&self, name: &str) -> Vec<&str> {
        self.get_all(name).collect()
    }

    /// Every value of `name`, in order, without collecting them.
    pub fn get_all<'a, 'n>(&'a self, name: &'n str) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
        self.entries
            .iter()
            .filter(move |e| same_name(&e.name, name))
            .map(|e| e.value.as_str())
    }

    /// `true` when `name` has at least one value.
    pub fn contains(&self, name: &str) -> bool {
        self.position(name).is_some()
    }

    /// Removes every value of `name`; `true` when there was one.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| !same_name(&e.name, name));
        before != self.entries.len()
    }

    /// Number of values (a header repeated twice counts twice).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` when there are no headers.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes every header.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Every `(name, value)` pair in insertion order, repeats included (Tornado's `get_all`).
    pub fn iter(&self) -> HeadersIter<'_> {
        HeadersIter(self.entries.iter())
    }

    /// [`iter`](Self::iter) with, for each header, whether the crate made or validated it
    /// (then the response encoder need not check it).
    pub(crate) fn iter_checked(&self) -> impl Iterator<Item = (&str, &str, bool)> + '_ {
        self.entries
            .iter()
            .map(|e| (e.name.as_ref(), e.value.as_str(), e.checked))
    }

    /// The distinct header names, in order of first appearance.
    pub fn names(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for Entry { name: n, .. } in self.entries.iter() {
            if !out.iter().any(|o| o.eq_ignore_ascii_case(n)) {
                out.push(n.as_ref());
            }
        }
        out
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.entries.iter().position(|e| same_name(&e.name, name))
    }

    /// Parses a header block (lines ended by CRLF or bare LF, optional trailing blank line).
    ///
    /// Obsolete line folding (a line starting with space or tab) continues the previous value,
    /// joined with one space. A continuation with nothing to continue, a line without a colon,
    /// a name that is not a token (whitespace before the colon included) or a control character
    /// in a value is an [`HttpInputError`].
    ///
    /// ```
    /// use tornado::http::HttpHeaders;
    /// let h = HttpHeaders::parse("Content-Type: text/html\r\nX-Long: a\r\n  b\r\n\r\n").unwrap();
    /// assert_eq!(h.get("x-long"), Some("a b"));
    /// assert!(HttpHeaders::parse(" leading: fold\r\n").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<HttpHeaders, HttpInputError> {
        Self::parse_block(text.as_bytes(), true)
    }

    /// [`parse`](Self::parse) for raw bytes; values are decoded as ISO-8859-1, as Tornado does.
    pub fn parse_bytes(block: &[u8]) -> Result<HttpHeaders, HttpInputError> {
        Self::parse_block(block, false)
    }

    /// `utf8`: the block is UTF-8 text (keep it); otherwise bytes decoded as ISO-8859-1.
    fn parse_block(block: &[u8], utf8: bool) -> Result<HttpHeaders, HttpInputError> {
        let mut headers = HttpHeaders::new();
        for line in block.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            headers.parse_line_bytes(line, utf8)?;
        }
        Ok(headers)
    }

    /// Adds one header line (`Name: value`, or a continuation of the previous value).
    pub fn parse_line(&mut self, line: &str) -> Result<(), HttpInputError> {
        self.parse_line_bytes(line.trim_end_matches(['\r', '\n']).as_bytes(), true)
    }

    fn parse_line_bytes(&mut self, line: &[u8], utf8: bool) -> Result<(), HttpInputError> {
        let text = |b: &[u8]| {
            if utf8 {
                String::from_utf8_lossy(b).into_owned()
            } else {
                latin1_to_string(b)
            }
        };
        if line.iter().any(|&b| !is_value_byte(b)) {
            return Err(HttpInputError::new(
                "control character in header line".to_string(),
            ));
        }
        if line[0] == b' ' || line[0] == b'\t' {
            let Some(last) = self.entries.last_mut() else {
                return Err(HttpInputError::new(
                    "first header line cannot start with whitespace".to_string(),
                ));
            };
            let more = text(trim_ows(line));
            if !more.is_empty() {
                let mut value = std::mem::take(&mut last.value).into_string();
                if !value.is_empty() {
                    value.push(' ');
                }
                value.push_str(&more);
                last.value = value.into();
            }
            return Ok(());
        }
        let Some(colon) = memchr::memchr(b':', line) else {
            return Err(HttpInputError::new("no colon in header line".to_string()));
        };
        let name = &line[..colon];
        if name.is_empty() || !name.iter().all(|&b| is_token_byte(b)) {
            return Err(HttpInputError::new(format!(
                "invalid header name {:?}",
                latin1_to_string(name)
            )));
        }
        let value = text(trim_ows(&line[colon + 1..]));
        // A token is ASCII, so this cannot fail.
        let name = std::str::from_utf8(name).unwrap_or_default();
        self.add(name, value);
        Ok(())
    }
}

/// Trims optional whitespace (spaces and tabs) from both ends.
pub(crate) fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

impl fmt::Debug for HttpHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl fmt::Display for HttpHeaders {
    /// The header block as it goes on the wire: `Name: value\r\n` per value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, v) in self.iter() {
            write!(f, "{n}: {v}\r\n")?;
        }
        Ok(())
    }
}

impl<N: AsRef<str>, V: Into<String>> FromIterator<(N, V)> for HttpHeaders {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut h = HttpHeaders::new();
        h.extend(iter);
        h
    }
}

impl<N: AsRef<str>, V: Into<String>> Extend<(N, V)> for HttpHeaders {
    fn extend<I: IntoIterator<Item = (N, V)>>(&mut self, iter: I) {
        for (n, v) in iter {
            self.add(n.as_ref(), v);
        }
    }
}

impl<'a> IntoIterator for &'a HttpHeaders {
    type Item = (&'a str, &'a str);
    type IntoIter = HeadersIter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        HeadersIter(self.entries.iter())
    }
}

/// The `(name, value)` pairs of an [`HttpHeaders`], in order ([`HttpHeaders::iter`]).
#[derive(Clone, Debug)]
pub struct HeadersIter<'a>(std::slice::Iter<'a, Entry>);

impl<'a> Iterator for HeadersIter<'a> {
    type Item = (&'a str, &'a str);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|e| (e.name.as_ref(), e.value.as_str()))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for HeadersIter<'_> {}

impl DoubleEndedIterator for HeadersIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0
            .next_back()
            .map(|e| (e.name.as_ref(), e.value.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_check_is_exact_for_every_byte_at_every_position() {
        for fill in [b'a', b' ', b'\t', 0x80, 0xff, 0x21] {
            // Short values, and long ones: whole 16-byte blocks, and a last block overlapping.
            for len in (1..20).chain([31, 32, 33, 42, 47, 48, 70]) {
                for pos in 0..len {
                    for b in 0..=255u8 {
                        let mut value = vec![fill; len];
                        value[pos] = b;
                        assert_eq!(
                            is_value(&value),
                            value.iter().all(|&c| is_value_byte(c)),
                            "fill {fill:#04x}, byte {b:#04x} at {pos} of {len}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn dropped_storage_is_reused_empty() {
        let mut h = HttpHeaders::with_capacity(3);
        h.add("A", "1");
        h.add("B", "2");
        let ptr = h.entries.as_ptr();
        drop(h);
        // The next map made on this thread gets the same storage, with nothing left in it.
        let again = HttpHeaders::with_capacity(1);
        assert_eq!(again.entries.as_ptr(), ptr);
        assert!(again.is_empty());
        assert!(again.entries.capacity() >= POOLED_MIN_CAPACITY);
        // Storage too big to keep is freed, not pooled.
        let mut big = HttpHeaders::with_capacity(POOLED_MAX_CAPACITY + 1);
        big.add("C", "3");
        drop(big);
        assert_eq!(SPARE.with(|s| s.len.get()), 0);
        drop(again);
        assert_eq!(SPARE.with(|s| s.len.get()), 1);
        // A full stack keeps no more; they come back last in, first out.
        let maps: Vec<HttpHeaders> = (0..POOL_LEN + 3)
            .map(|_| HttpHeaders::with_capacity(1))
            .collect();
        assert_eq!(SPARE.with(|s| s.len.get()), 0);
        let last = maps.last().unwrap().entries.as_ptr();
        drop(maps);
        assert_eq!(SPARE.with(|s| s.len.get()), POOL_LEN);
        let next = HttpHeaders::with_capacity(1);
        assert_ne!(
            next.entries.as_ptr(),
            last,
            "the last ones dropped were freed"
        );
        assert_eq!(SPARE.with(|s| s.len.get()), POOL_LEN - 1);
    }

    #[test]
    fn names_are_normalized_and_case_insensitive() {
        let mut h = HttpHeaders::new();
        h.add("content-TYPE", "a");
        h.add("x-forwarded-for", "b");
        assert_eq!(
            h.iter().collect::<Vec<_>>(),
            [("Content-Type", "a"), ("X-Forwarded-For", "b")]
        );
        assert_eq!(h.get("CONTENT-type"), Some("a"));
        assert_eq!(
            normalize_header_name("www-AUTHENTICATE"),
            "Www-Authenticate"
        );
    }

    /// Every lookup matches a name in any case, at the usual spelling and not, and never a
    /// name that only shares a length or a prefix with it.
    #[test]
    fn lookups_ignore_case_and_only_case() {
        let mut h = HttpHeaders::new();
        h.add("Host", "h");
        h.add("Hostx", "x");
        h.add("Cost", "c");
        h.add("X-Odd-Name", "1");
        for name in ["Host", "host", "HOST", "hOsT"] {
            assert_eq!(h.get(name), Some("h"), "{name}");
            assert!(h.contains(name), "{name}");
            assert_eq!(h.get_list(name), ["h"], "{name}");
        }
        for name in ["Hos", "Hosts", "Post", "Hos\u{e9}", "X-Odd-Nam"] {
            assert_eq!(h.get(name), None, "{name}");
        }
        assert_eq!(h.get("x-ODD-name"), Some("1"));
        h.set("COST", "d");
        assert_eq!(h.get("cost"), Some("d"));
        assert!(h.remove("hostX"));
        assert_eq!(h.get("Hostx"), None);
        assert_eq!(h.get("Host"), Some("h"));
    }

    #[test]
    fn entries_built_in_place_survive_the_list_growing() {
        let mut h = HttpHeaders::with_capacity(1);
        let values: Vec<String> = (0..200)
            .map(|i| format!("value-{i:03}-{}", "x".repeat(i % 30)))
            .collect();
        for (i, v) in values.iter().enumerate() {
            match i % 3 {
                0 => h.push_static("X-Static", "s"),
                1 => h.add_shared("x-shared", || SharedStr::copy_from_str(v)),
                _ => h.add("X-Added", v.as_str()),
            }
        }
        assert_eq!(h.len(), 200);
        for ((name, value), (i, v)) in h.iter().zip(values.iter().enumerate()) {
            match i % 3 {
                0 => assert_eq!((name, value), ("X-Static", "s")),
                1 => assert_eq!((name, value), ("X-Shared", v.as_str())),
                _ => assert_eq!((name, value), ("X-Added", v.as_str())),
            }
        }
    }

    #[test]
    fn only_values_the_crate_vouches_for_skip_the_encoders_check() {
        let checked = |h: &HttpHeaders| -> Vec<bool> { h.iter_checked().map(|e| e.2).collect() };
        let mut h = HttpHeaders::new();
        h.push_static("Content-Type", "text/html");
        h.set_static("Etag", "\"x\"");
        h.add("X-A", "1");
        h.add_shared("X-B", || SharedStr::from_static("2"));
        h.add_checked("X-C", "3".into());
        assert_eq!(checked(&h), [true, true, false, false, true]);
        // Replacing a checked value through the public API makes it unchecked again (a user
        // transform could put anything there), and the reverse.
        h.set("content-type", "text/plain");
        h.set_checked("x-a", "4".into());
        assert_eq!(checked(&h), [false, true, true, false, true]);
        assert_eq!(h.get("Content-Type"), Some("text/plain"));
        // Equality ignores the flag.
        let other: HttpHeaders = [
            ("Content-Type", "text/plain"),
            ("Etag", "\"x\""),
            ("X-A", "4"),
            ("X-B", "2"),
            ("X-C", "3"),
        ]
        .into_iter()
        .collect();
        assert_eq!(h, other);
    }

    #[test]
    fn set_replaces_all_values_in_place() {
        let mut h: HttpHeaders = [("A", "1"), ("B", "2"), ("a", "3")].into_iter().collect();
        h.set("a", "9");
        assert_eq!(h.iter().collect::<Vec<_>>(), [("A", "9"), ("B", "2")]);
        h.set("C", "x");
        assert_eq!(h.len(), 3);
        assert!(h.remove("b"));
        assert!(!h.remove("b"));
        assert_eq!(h.names(), ["A", "C"]);
    }

    #[test]
    fn parse_handles_lf_crlf_and_folding() {
        let h = HttpHeaders::parse("Foo: bar\nBaz:  q  \r\n\tcont\r\n  more \r\nFoo: 2\r\n\r\n")
            .unwrap();
        assert_eq!(h.get("baz"), Some("q cont more"));
        assert_eq!(h.get_list("foo"), ["bar", "2"]);
        assert_eq!(h.get_joined("foo").as_deref(), Some("bar,2"));
    }

    #[test]
    fn parse_errors() {
        assert!(HttpHeaders::parse(" x: y").is_err());
        assert!(HttpHeaders::parse("novalue").is_err());
        assert!(HttpHeaders::parse("Bad Name: y").is_err());
        assert!(HttpHeaders::parse("Name : y").is_err());
        assert!(HttpHeaders::parse(": y").is_err());
        assert!(HttpHeaders::parse_bytes(b"A: b\0c").is_err());
        assert!(HttpHeaders::parse_bytes(b"A: b\rc").is_err());
    }

    #[test]
    fn utf8_text_stays_utf8() {
        let h = HttpHeaders::parse("X: caf\u{e9}\r\n").unwrap();
        assert_eq!(h.get("x"), Some("caf\u{e9}"));
    }

    #[test]
    fn latin1_values() {
        let h = HttpHeaders::parse_bytes(b"X: caf\xe9\r\n").unwrap();
        assert_eq!(h.get("x"), Some("caf\u{e9}"));
    }

    #[test]
    fn display_round_trips() {
        let h = HttpHeaders::parse("A: 1\r\nB: 2\r\n").unwrap();
        assert_eq!(h.to_string(), "A: 1\r\nB: 2\r\n");
        assert_eq!(HttpHeaders::parse(&h.to_string()).unwrap(), h);
    }
}
