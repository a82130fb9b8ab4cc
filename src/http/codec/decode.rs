//! The request decoder.

use std::cell::OnceCell;
use std::io::{self, Write};
use std::sync::Arc;

use bytes::{Buf, Bytes, BytesMut};
use tokio_util::codec::Decoder;

use super::chunked::{Chunk, ChunkedDecoder};
use super::{BodyLength, CodecLimits, DecodeError, RequestHead, Version};
use crate::http::headers::{is_token_byte, latin1_to_string, trim_ows};
use crate::http::shared_str::INLINE_CAP;
use crate::http::{HttpHeaders, SharedStr};

/// One step of a decoded request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestItem {
    /// The request line and headers.
    Head(RequestHead),
    /// A piece of the body (inflated, when decompression is on).
    Data(Bytes),
    /// The end of the request (also sent for requests without a body).
    End,
}

#[derive(Debug)]
enum State {
    Head,
    /// A body of known length: `remaining` to read of `declared`.
    Length {
        remaining: u64,
        declared: u64,
    },
    Chunked(ChunkedDecoder),
    /// The body is read; `End` is next.
    End,
    /// A decode error was returned; the connection must close.
    Failed,
}

/// Decodes requests: head, body pieces, end — over and over for keep-alive connections.
///
/// See the [module docs](super) for the rules it enforces.
#[derive(Debug)]
pub struct RequestDecoder {
    limits: CodecLimits,
    max_body_size: u64,
    state: State,
    /// How far the buffer was already scanned for the end of the header block.
    searched: usize,
    inflater: Option<Inflater>,
    /// Inflated bytes not yet handed out.
    pending: BytesMut,
    /// The last head was plain, with no field bearing on its framing (see [`PlainHead`]).
    last_simple: bool,
}

impl Default for RequestDecoder {
    fn default() -> Self {
        Self::new(CodecLimits::default())
    }
}

impl RequestDecoder {
    /// A decoder enforcing `limits`.
    pub fn new(limits: CodecLimits) -> Self {
        RequestDecoder {
            max_body_size: limits.max_body_size,
            limits,
            state: State::Head,
            searched: 0,
            inflater: None,
            pending: BytesMut::new(),
            last_simple: false,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &CodecLimits {
        &self.limits
    }

    /// Changes the body limit for the request being read (Tornado's `set_max_body_size`,
    /// callable once its head is decoded); the next request is back to the default.
    pub fn set_max_body_size(&mut self, max: u64) {
        self.max_body_size = max;
        if let State::Chunked(c) = &mut self.state {
            c.set_max_body_size(max);
        }
        if let Some(inf) = &mut self.inflater {
            inf.set_max(max);
        }
    }

    /// `true` between requests: no part of a request has been decoded yet.
    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Head) && self.pending.is_empty()
    }

    /// `true` while the body of the current request is still being read.
    pub fn in_body(&self) -> bool {
        matches!(
            self.state,
            State::Length { .. } | State::Chunked(_) | State::End
        ) || !self.pending.is_empty()
    }

    fn fail(&mut self, e: DecodeError) -> DecodeError {
        self.state = State::Failed;
        e
    }

    /// Whether the last head decoded had none of the fields that bear on how a request is
    /// framed or what follows it (`Content-Length`, `Transfer-Encoding`, `Connection`,
    /// `Upgrade`), and one `Host`, as the decoder saw while parsing it: a caller can then skip
    /// looking them up. `false` when the decoder did not note it (an unusual head, or one
    /// that came in pieces).
    pub(crate) fn last_head_was_simple(&self) -> bool {
        self.last_simple
    }

    /// [`decode`](Decoder::decode) for a decoder between requests ([`is_idle`](Self::is_idle)):
    /// the next head, not wrapped in a [`RequestItem`] (the connection's request path takes
    /// heads this way, and so the head is moved once less on its way to the handler).
    #[inline(always)]
    pub(crate) fn decode_head(
        &mut self,
        buf: &mut BytesMut,
    ) -> Result<Option<RequestHead>, DecodeError> {
        debug_assert!(self.is_idle());
        self.parse_head(buf).map_err(|e| self.fail(e))
    }

    fn decode_inner(&mut self, buf: &mut BytesMut) -> Result<Option<RequestItem>, DecodeError> {
        // The two steps of a request without a body (its head, then its end) are handled here;
        // bodies, inflation and errors take the general loop, kept out of line so that the
        // common path stays small.
        if self.pending.is_empty() {
            match self.state {
                State::Head => return Ok(self.parse_head_outlined(buf)?.map(RequestItem::Head)),
                State::End if self.inflater.is_none() => return Ok(Some(self.end_request())),
                _ => {}
            }
        }
        self.decode_general(buf)
    }

    /// The end of the request: the next thing is a head, with the default body limit again.
    fn end_request(&mut self) -> RequestItem {
        self.state = State::Head;
        self.max_body_size = self.limits.max_body_size;
        RequestItem::End
    }

    #[inline(never)]
    fn decode_general(&mut self, buf: &mut BytesMut) -> Result<Option<RequestItem>, DecodeError> {
        loop {
            if !self.pending.is_empty() {
                let n = self.pending.len().min(self.limits.chunk_size.max(1));
                return Ok(Some(RequestItem::Data(self.pending.split_to(n).freeze())));
            }
            match &mut self.state {
                State::Head => {
                    let Some(head) = self.parse_head(buf)? else {
                        return Ok(None);
                    };
                    return Ok(Some(RequestItem::Head(head)));
                }
                State::End => {
                    if let Some(mut inf) = self.inflater.take() {
                        inf.finish()?;
                        self.pending = inf.take();
                        continue;
                    }
                    return Ok(Some(self.end_request()));
                }
                State::Length {
                    remaining,
                    declared,
                } => {
                    if *declared > self.max_body_size {
                        return Err(DecodeError::body_too_large(self.max_body_size));
                    }
                    if *remaining == 0 {
                        self.state = State::End;
                        continue;
                    }
                    if buf.is_empty() {
                        return Ok(None);
                    }
                    let n = (buf.len() as u64)
                        .min(*remaining)
                        .min(self.limits.chunk_size.max(1) as u64)
                        as usize;
                    *remaining -= n as u64;
                    let data = buf.split_to(n).freeze();
                    if let Some(item) = self.body_data(data)? {
                        return Ok(Some(item));
                    }
                }
                State::Chunked(dec) => match dec.decode(buf, self.limits.chunk_size.max(1))? {
                    None => return Ok(None),
                    Some(Chunk::End) => self.state = State::End,
                    Some(Chunk::Data(data)) => {
                        if let Some(item) = self.body_data(data)? {
                            return Ok(Some(item));
                        }
                    }
                },
                State::Failed => {
                    return Err(DecodeError::bad_request("decoder used after an error"));
                }
            }
        }
    }

    fn body_data(&mut self, data: Bytes) -> Result<Option<RequestItem>, DecodeError> {
        match &mut self.inflater {
            None => Ok(Some(RequestItem::Data(data))),
            Some(inf) => {
                inf.feed(&data)?;
                self.pending = inf.take();
                Ok(None)
            }
        }
    }

    /// [`parse_head`](Self::parse_head) as a function of its own, for [`decode`](Decoder::decode)
    /// (the connection's request path has it inlined, through [`decode_head`](Self::decode_head)).
    #[inline(never)]
    fn parse_head_outlined(
        &mut self,
        buf: &mut BytesMut,
    ) -> Result<Option<RequestHead>, DecodeError> {
        self.parse_head(buf)
    }

    #[inline(always)]
    fn parse_head(&mut self, buf: &mut BytesMut) -> Result<Option<RequestHead>, DecodeError> {
        if buf.is_empty() {
            // Nothing yet: in particular, not the start of a head (which would end the
            // tolerance of an empty line before it, below).
            return Ok(None);
        }
        // One stray empty line between requests is tolerated (old clients send CRLF after a
        // POST body); a second one is a malformed request line, as in Tornado.
        if self.searched == 0 {
            if buf.starts_with(b"\r\n") {
                let _ = buf.split_to(2);
                self.searched = 1;
            } else if buf.starts_with(b"\n") {
                let _ = buf.split_to(1);
                self.searched = 1;
            } else if buf.as_ref() == b"\r" {
                return Ok(None);
            }
        }
        // The usual case, on the first look at a head: a whole plain head at the front of the
        // buffer. The plain parser finds where it ends as it goes, so the head is not scanned
        // for its end first. Anything else (a head still coming in, one the plain parser
        // leaves) is measured first and parsed below; a head that came in pieces is looked at
        // here once, so a slow client cannot make this quadratic.
        let first_look = self.searched == 0;
        if first_look {
            if let Some(plain) = parse_plain_head(buf, &self.limits) {
                if plain.end > self.limits.max_header_size {
                    return Err(DecodeError::header_too_large(self.limits.max_header_size));
                }
                buf.advance(plain.end);
                let PlainHead {
                    method,
                    uri,
                    version,
                    headers,
                    simple,
                    ..
                } = plain;
                // No header bears on the framing, and one `Host`: no body, and the
                // version's default persistence.
                self.last_simple = simple;
                let (body, keep_alive) = if simple {
                    (BodyLength::Empty, version == Version::Http11)
                } else {
                    framing(&method, version, &headers)?
                };
                return Ok(Some(
                    self.finish_head(method, uri, version, headers, body, keep_alive),
                ));
            }
        }
        self.last_simple = false;
        let from = self.searched.saturating_sub(1);
        let (end, next) = find_head_end(buf, from);
        let Some(end) = end else {
            if buf.len() > self.limits.max_header_size {
                return Err(DecodeError::header_too_large(self.limits.max_header_size));
            }
            self.searched = next.max(1);
            return Ok(None);
        };
        self.searched = 0;
        if end > self.limits.max_header_size {
            return Err(DecodeError::header_too_large(self.limits.max_header_size));
        }
        let raw = &buf[..end];
        let parsed = if raw.starts_with(b"\n") || raw.starts_with(b"\r\n") {
            Err(DecodeError::bad_request("Malformed HTTP request line"))
        } else if first_look {
            // The plain parser has had its look at this head (above).
            parse_request_head_general(raw, &self.limits)
        } else {
            parse_request_head(raw, &self.limits)
        };
        // The head's parts are copies, so its bytes are just skipped: splitting them off as a
        // buffer of their own would count (and later uncount) a reference to the shared read
        // buffer, two atomic operations per request.
        buf.advance(end);
        let (method, uri, version, headers) = parsed?;
        let (body, keep_alive) = framing(&method, version, &headers)?;
        Ok(Some(self.finish_head(
            method, uri, version, headers, body, keep_alive,
        )))
    }

    /// The decoded head, with the decoder set for what follows it (its end, or its body).
    #[inline(always)]
    fn finish_head(
        &mut self,
        method: SharedStr,
        uri: SharedStr,
        version: Version,
        mut headers: HttpHeaders,
        body: BodyLength,
        keep_alive: bool,
    ) -> RequestHead {
        let expect_continue = if body == BodyLength::Empty {
            self.state = State::End;
            false
        } else {
            self.start_body(body, version, &mut headers)
        };
        RequestHead {
            method,
            uri,
            version,
            headers,
            body,
            keep_alive,
            expect_continue,
        }
    }

    /// Sets up reading a request body (out of line: most requests have none). Returns whether
    /// the client waits for `100 Continue`.
    #[inline(never)]
    fn start_body(
        &mut self,
        body: BodyLength,
        version: Version,
        headers: &mut HttpHeaders,
    ) -> bool {
        let expect_continue = version == Version::Http11
            && headers
                .get("Expect")
                .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"));
        if self.limits.decompress
            && headers
                .get("Content-Encoding")
                .is_some_and(|e| e.eq_ignore_ascii_case("gzip"))
        {
            headers.remove("Content-Encoding");
            headers.add("X-Consumed-Content-Encoding", "gzip");
            self.inflater = Some(Inflater::new(self.max_body_size));
        }
        self.state = match body {
            BodyLength::Empty => State::End,
            BodyLength::Length(n) => State::Length {
                remaining: n,
                declared: n,
            },
            BodyLength::Chunked => State::Chunked(ChunkedDecoder::new(
                self.max_body_size,
                self.limits.max_header_size,
            )),
        };
        expect_continue
    }
}

impl Decoder for RequestDecoder {
    type Item = RequestItem;
    type Error = DecodeError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<RequestItem>, DecodeError> {
        self.decode_inner(buf).map_err(|e| self.fail(e))
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<RequestItem>, DecodeError> {
        match self.decode(buf)? {
            Some(item) => Ok(Some(item)),
            None if self.is_idle() => Ok(None),
            None => Err(self.fail(DecodeError::from(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed in the middle of a request",
            )))),
        }
    }
}

/// Finds the end of a header block (`\n\n` or `\n\r\n`), scanning from `from`. Returns the end
/// offset if found, and where to resume otherwise.
pub(super) fn find_head_end(buf: &[u8], from: usize) -> (Option<usize>, usize) {
    let mut i = from.min(buf.len());
    while let Some(p) = memchr::memchr(b'\n', &buf[i..]) {
        let nl = i + p;
        match buf.get(nl + 1) {
            Some(b'\n') => return (Some(nl + 2), 0),
            Some(b'\r') => match buf.get(nl + 2) {
                Some(b'\n') => return (Some(nl + 3), 0),
                Some(_) => {}
                None => return (None, nl),
            },
            Some(_) => {}
            None => return (None, nl),
        }
        i = nl + 1;
    }
    (None, buf.len())
}

const MAX_FAST_HEADERS: usize = 100;

/// Parses the request line and header block: a short parser of its own for the plain heads
/// nearly every client sends, `httparse` for the rest, and a careful line-by-line parser for
/// what `httparse` refuses (obsolete line folding, versions, exact errors).
#[inline(always)]
fn parse_request_head(
    raw: &[u8],
    limits: &CodecLimits,
) -> Result<(SharedStr, SharedStr, Version, HttpHeaders), DecodeError> {
    match parse_plain_head(raw, limits) {
        Some(plain) if plain.end == raw.len() => {
            Ok((plain.method, plain.uri, plain.version, plain.headers))
        }
        _ => parse_request_head_general(raw, limits),
    }
}

/// A head read by [`parse_plain_head`].
#[derive(Debug, PartialEq)]
struct PlainHead {
    method: SharedStr,
    uri: SharedStr,
    version: Version,
    headers: HttpHeaders,
    /// Where the head ends (after its blank line).
    end: usize,
    /// No field bears on the framing (`Content-Length`, `Transfer-Encoding`, `Connection`,
    /// `Upgrade`) and there is exactly one `Host`: a request with no body, which the
    /// version's default says whether to keep the connection open after.
    simple: bool,
}

/// Whether a field of this name bears on how the request is framed or what follows it.
#[inline(always)]
fn is_framing_name(name: &[u8]) -> bool {
    let spelled = match name.len() {
        7 => "upgrade",
        10 => "connection",
        14 => "content-length",
        17 => "transfer-encoding",
        _ => return false,
    };
    name.eq_ignore_ascii_case(spelled.as_bytes())
}

/// The pieces of a head, made into strings: short ones (the method, most targets, `Host`)
/// copied inline; for longer ones the whole head is copied once into a shared buffer, made
/// when the first needs it, and they are slices of it. A head that is not UTF-8 (ISO-8859-1
/// bytes in a header value) has no shared buffer: its long parts are owned strings.
struct HeadParts<'a> {
    raw: &'a [u8],
    shared: OnceCell<Option<SharedStr>>,
}

impl<'a> HeadParts<'a> {
    fn new(raw: &'a [u8]) -> Self {
        HeadParts {
            raw,
            shared: OnceCell::new(),
        }
    }

    /// `p`, which lies inside the head.
    #[inline(always)]
    fn part(&self, p: &str) -> SharedStr {
        if p.len() <= INLINE_CAP {
            SharedStr::copy_from_str(p)
        } else {
            long_part(p, self.raw, &self.shared)
        }
    }
}

/// What each byte may be in a plain head (see [`parse_plain_head`]): bit 0 a token byte (a
/// method or a header name), bit 1 a request-target byte (visible ASCII), bit 2 a header-value
/// byte (visible ASCII, space and tab).
static PLAIN_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        let mut class = 0;
        if is_token_byte(byte) {
            class |= PLAIN_TOKEN;
        }
        if byte >= 0x21 && byte <= 0x7e {
            class |= PLAIN_TARGET;
        }
        if byte == b'\t' || (byte >= 0x20 && byte <= 0x7e) {
            class |= PLAIN_VALUE;
        }
        t[b] = class;
        b += 1;
    }
    t
};
const PLAIN_TOKEN: u8 = 1;
const PLAIN_TARGET: u8 = 2;
const PLAIN_VALUE: u8 = 4;

/// The index of the first byte at or after `from` that is not of `class` (every head ends in
/// `\n`, which is of no class, so this stops inside `raw`; `raw.len()` otherwise).
#[inline(always)]
fn skip_class(raw: &[u8], from: usize, class: u8) -> usize {
    let mut i = from;
    #[cfg(target_arch = "x86_64")]
    if class != PLAIN_TOKEN {
        while i + 16 <= raw.len() {
            // SAFETY: 16 bytes from `i` lie inside `raw` (checked just above).
            let stop = unsafe { plain_stops_sse2(raw.as_ptr().add(i), class == PLAIN_VALUE) };
            if stop != 0 {
                return i + stop.trailing_zeros() as usize;
            }
            i += 16;
        }
    }
    while let Some(&b) = raw.get(i) {
        if PLAIN_CLASS[usize::from(b)] & class == 0 {
            break;
        }
        i += 1;
    }
    i
}

/// A bit for each of the 16 bytes at `p` that is not of the target class, or (`value`) not of
/// the value class: [`PLAIN_CLASS`] for a block at once (targets and values are the long parts
/// of a head; names and methods are short and go byte by byte).
///
/// # Safety
///
/// `p` must be readable for 16 bytes.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn plain_stops_sse2(p: *const u8, value: bool) -> u32 {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_cmplt_epi8, _mm_loadu_si128,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY: SSE2 is part of the x86-64 baseline; the caller vouches for the 16 bytes.
    unsafe {
        let x = _mm_loadu_si128(p.cast::<__m128i>());
        // Signed comparisons: bytes from 0x80 up are negative, so below the lower bound.
        let lower = _mm_set1_epi8(if value { 0x1f } else { 0x20 });
        let visible = _mm_and_si128(
            _mm_cmpgt_epi8(x, lower),
            _mm_cmplt_epi8(x, _mm_set1_epi8(0x7f)),
        );
        let ok = if value {
            _mm_or_si128(visible, _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\t' as i8)))
        } else {
            visible
        };
        !(_mm_movemask_epi8(ok) as u32) & 0xffff
    }
}

/// ASCII bytes as text.
#[inline(always)]
fn ascii_text(bytes: &[u8]) -> &str {
    debug_assert!(bytes.is_ascii());
    // SAFETY: callers pass only bytes of the plain classes, all ASCII, which is UTF-8.
    unsafe { std::str::from_utf8_unchecked(bytes) }
}

/// Parses a plain head in one pass, or gives up (`None`) for the general parsers to decide.
///
/// Plain means: a method of token bytes, one space, a target of visible ASCII, one space,
/// `HTTP/1.1` or `HTTP/1.0`, then header lines of a token name, a colon and a value of
/// visible ASCII, spaces and tabs, every line ended by CRLF, and no more fields than the
/// limit. `httparse` accepts every such head and reads it the same way (a differential test
/// checks this), so this parser decides nothing about what is valid: anything else, valid or
/// not, goes to the general path. It exists because `httparse`'s general machinery (its
/// SIMD dispatch, its header slots, a separate scan per part) costs more than the parse itself
/// on the short heads of most requests.
#[inline(always)]
fn parse_plain_head(raw: &[u8], limits: &CodecLimits) -> Option<PlainHead> {
    // The commonest method and field name are recognised whole; other tokens are read byte
    // by byte.
    let method_end = if raw.starts_with(b"GET ") {
        3
    } else {
        skip_class(raw, 0, PLAIN_TOKEN)
    };
    if method_end == 0 || raw.get(method_end) != Some(&b' ') {
        return None;
    }
    let target_end = skip_class(raw, method_end + 1, PLAIN_TARGET);
    if target_end == method_end + 1 || raw.get(target_end) != Some(&b' ') {
        return None;
    }
    let version_at = target_end + 1;
    let version = match raw.get(version_at..version_at + 10)? {
        b"HTTP/1.1\r\n" => Version::Http11,
        b"HTTP/1.0\r\n" => Version::Http10,
        _ => return None,
    };
    let parts = HeadParts::new(raw);
    let method = parts.part(ascii_text(&raw[..method_end]));
    let uri = parts.part(ascii_text(&raw[method_end + 1..target_end]));
    let max_headers = limits.max_headers.min(MAX_FAST_HEADERS);
    let mut headers = HttpHeaders::with_capacity(0);
    let mut at = version_at + 10;
    let (mut hosts, mut framing_fields) = (0_usize, false);
    loop {
        match raw.get(at..)? {
            // The blank line that ends the head.
            [b'\r', b'\n', ..] => {
                return Some(PlainHead {
                    method,
                    uri,
                    version,
                    headers,
                    end: at + 2,
                    simple: hosts == 1 && !framing_fields,
                })
            }
            [b'\r', ..] => return None,
            _ => {}
        }
        let host = raw.get(at..at + 5) == Some(b"Host:");
        let name_end = if host {
            at + 4
        } else {
            skip_class(raw, at, PLAIN_TOKEN)
        };
        if name_end == at || raw.get(name_end) != Some(&b':') {
            return None;
        }
        let value_end = skip_class(raw, name_end + 1, PLAIN_VALUE);
        if raw.get(value_end..value_end + 2)? != b"\r\n" || headers.len() == max_headers {
            return None;
        }
        let name = &raw[at..name_end];
        hosts += usize::from(name.len() == 4 && name.eq_ignore_ascii_case(b"host"));
        framing_fields |= is_framing_name(name);
        let value = ascii_text(trim_ows(&raw[name_end + 1..value_end]));
        if host {
            headers.add_shared_static("Host", || parts.part(value));
        } else {
            headers.add_shared(ascii_text(name), || parts.part(value));
        }
        at = value_end + 2;
    }
}

/// [`parse_request_head`] for the heads [`parse_plain_head`] leaves: `httparse`, then the
/// line-by-line parser for what it refuses (out of line: rare).
#[inline(never)]
fn parse_request_head_general(
    raw: &[u8],
    limits: &CodecLimits,
) -> Result<(SharedStr, SharedStr, Version, HttpHeaders), DecodeError> {
    let mut slots =
        [const { std::mem::MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_FAST_HEADERS];
    let mut req = httparse::Request::new(&mut []);
    match req.parse_with_uninit_headers(raw, &mut slots) {
        Ok(httparse::Status::Complete(_)) => {
            if req.headers.len() > limits.max_headers {
                return Err(too_many_headers(limits));
            }
            // Every piece httparse returns lies inside `raw`, and is UTF-8 (the method is a
            // token, httparse checks the target, values are checked to be ASCII below).
            let parts = HeadParts::new(raw);
            let method = parts.part(req.method.unwrap_or_default());
            let uri = parts.part(req.path.unwrap_or_default());
            let version = if req.version == Some(0) {
                Version::Http10
            } else {
                Version::Http11
            };
            let mut headers = HttpHeaders::with_capacity(req.headers.len());
            for h in req.headers.iter() {
                let value = trim_ows(h.value);
                // Tornado reads header bytes as ISO-8859-1: only ASCII is the same in UTF-8.
                headers.add_shared(h.name, || match crate::http::util::ascii_str(value) {
                    Some(text) => parts.part(text),
                    None => latin1_to_string(value).into(),
                });
            }
            Ok((method, uri, version, headers))
        }
        Err(httparse::Error::TooManyHeaders) if limits.max_headers <= MAX_FAST_HEADERS => {
            Err(too_many_headers(limits))
        }
        _ => parse_request_head_slow(raw, limits),
    }
}

/// A part of the head too long to keep inline: a slice of the head copied once into a shared
/// buffer (made by the first long part), or an owned copy when the head is not UTF-8. Out of
/// line, so that the short parts' path stays small.
#[inline(never)]
fn long_part(p: &str, raw: &[u8], shared: &OnceCell<Option<SharedStr>>) -> SharedStr {
    let whole = shared.get_or_init(|| {
        let text = std::str::from_utf8(raw).ok()?;
        Some(SharedStr::from(Arc::<str>::from(text)))
    });
    let offset = (p.as_ptr() as usize).wrapping_sub(raw.as_ptr() as usize);
    whole
        .as_ref()
        .and_then(|w| w.get(offset..offset.wrapping_add(p.len())))
        .unwrap_or_else(|| SharedStr::from(p.to_owned()))
}

fn too_many_headers(limits: &CodecLimits) -> DecodeError {
    DecodeError::new(
        431,
        format!("more than {} header fields", limits.max_headers),
    )
}

fn parse_request_head_slow(
    raw: &[u8],
    limits: &CodecLimits,
) -> Result<(SharedStr, SharedStr, Version, HttpHeaders), DecodeError> {
    let nl = memchr::memchr(b'\n', raw).unwrap_or(raw.len());
    let line = &raw[..nl];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let malformed = || DecodeError::bad_request("Malformed HTTP request line");
    if line.iter().any(|&b| b < 0x21 && b != b' ' || b == 0x7f) {
        return Err(malformed());
    }
    let mut parts = line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed());
    };
    if method.is_empty() || !method.iter().all(|&b| is_token_byte(b)) || target.is_empty() {
        return Err(malformed());
    }
    let version = match version {
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            if *major != b'1' {
                return Err(DecodeError::new(
                    505,
                    format!("HTTP version {} not supported", latin1_to_string(version)),
                ));
            }
            if *minor == b'0' {
                Version::Http10
            } else {
                Version::Http11
            }
        }
        _ => {
            return Err(DecodeError::bad_request(
                "Malformed HTTP version in HTTP Request-Line",
            ))
        }
    };
    let rest = raw.get(nl + 1..).unwrap_or_default();
    let headers = HttpHeaders::parse_bytes(rest)
        .map_err(|e| DecodeError::bad_request(format!("Malformed HTTP headers: {e}")))?;
    if headers.len() > limits.max_headers {
        return Err(too_many_headers(limits));
    }
    // A token, checked above, is ASCII.
    let method = String::from_utf8_lossy(method).into_owned();
    Ok((
        method.into(),
        latin1_to_string(target).into(),
        version,
        headers,
    ))
}

/// Applies the framing rules: which body the request has and whether it allows keep-alive.
fn framing(
    method: &str,
    version: Version,
    headers: &HttpHeaders,
) -> Result<(BodyLength, bool), DecodeError> {
    let hosts = headers.iter().filter(|(n, _)| *n == "Host").count();
    if hosts > 1 || (version == Version::Http11 && hosts == 0) {
        return Err(DecodeError::bad_request(if hosts == 0 {
            "missing Host header"
        } else {
            "repeated Host header"
        }));
    }
    // Names are canonical in HttpHeaders; the common case (no body headers) allocates nothing.
    let has_te = headers.contains("Transfer-Encoding");
    let has_cl = headers.contains("Content-Length");
    let body = if has_te || has_cl {
        body_length(version, headers, has_te, has_cl)?
    } else {
        BodyLength::Empty
    };

    let has_token = |token: &str| {
        headers
            .iter()
            .any(|(n, v)| n == "Connection" && super::lists_token(v, token))
    };
    let keep_alive = match version {
        Version::Http11 => !has_token("close"),
        Version::Http10 => {
            has_token("keep-alive")
                && (has_cl || body == BodyLength::Chunked || method == "GET" || method == "HEAD")
        }
    };
    Ok((body, keep_alive))
}

/// The body a request with `Transfer-Encoding` or `Content-Length` announces (out of line:
/// most requests have neither).
#[inline(never)]
fn body_length(
    version: Version,
    headers: &HttpHeaders,
    has_te: bool,
    has_cl: bool,
) -> Result<BodyLength, DecodeError> {
    let te = if has_te {
        headers.get_list("Transfer-Encoding")
    } else {
        Vec::new()
    };
    let cl = if has_cl {
        headers.get_list("Content-Length")
    } else {
        Vec::new()
    };
    let body = if !te.is_empty() {
        if !cl.is_empty() {
            return Err(DecodeError::bad_request(
                "Content-Length together with Transfer-Encoding",
            ));
        }
        if version == Version::Http10 {
            return Err(DecodeError::bad_request(
                "Transfer-Encoding in an HTTP/1.0 request",
            ));
        }
        let codings: Vec<&str> = te
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        match codings.as_slice() {
            [only] if only.eq_ignore_ascii_case("chunked") => BodyLength::Chunked,
            [.., last] if last.eq_ignore_ascii_case("chunked") => {
                return Err(DecodeError::new(
                    501,
                    format!("unsupported Transfer-Encoding {:?}", te.join(",")),
                ))
            }
            _ => {
                return Err(DecodeError::bad_request(format!(
                    "Transfer-Encoding {:?} does not end in chunked",
                    te.join(",")
                )))
            }
        }
    } else if !cl.is_empty() {
        let mut length: Option<u64> = None;
        for piece in cl.iter().flat_map(|v| v.split(',')) {
            let piece = piece.trim();
            let n = parse_content_length(piece).ok_or_else(|| {
                DecodeError::bad_request(format!("invalid Content-Length {piece:?}"))
            })?;
            match length {
                Some(prev) if prev != n => {
                    return Err(DecodeError::bad_request("differing Content-Length values"))
                }
                _ => length = Some(n),
            }
        }
        match length {
            Some(0) | None => BodyLength::Empty,
            Some(n) => BodyLength::Length(n),
        }
    } else {
        BodyLength::Empty
    };
    Ok(body)
}

/// A Content-Length value: ASCII digits only, no sign, no overflow.
pub(crate) fn parse_content_length(s: &str) -> Option<u64> {
    let digits = s.as_bytes();
    if digits.is_empty() {
        return None;
    }
    if digits.len() <= 19 {
        // Nineteen digits cannot overflow (10^19 - 1 < 2^64): one pass, no checked steps.
        let mut n = 0_u64;
        for &b in digits {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            n = n * 10 + u64::from(d);
        }
        return Some(n);
    }
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, &b| {
        acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

/// Streaming gzip inflation whose output may not pass a limit (shared with the client's
/// response decoder).
#[derive(Debug)]
pub(super) struct Inflater {
    gz: flate2::write::GzDecoder<LimitedSink>,
}

#[derive(Debug)]
struct LimitedSink {
    out: BytesMut,
    total: u64,
    max: u64,
}

impl Write for LimitedSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.total += data.len() as u64;
        if self.total > self.max {
            return Err(io::Error::other(LimitExceeded));
        }
        self.out.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[derive(Debug)]
struct LimitExceeded;

impl std::fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("inflated body over the limit")
    }
}

impl std::error::Error for LimitExceeded {}

impl Inflater {
    pub(super) fn new(max: u64) -> Self {
        Inflater {
            gz: flate2::write::GzDecoder::new(LimitedSink {
                out: BytesMut::new(),
                total: 0,
                max,
            }),
        }
    }

    fn set_max(&mut self, max: u64) {
        self.gz.get_mut().max = max;
    }

    fn map_err(&self, e: io::Error) -> DecodeError {
        if e.get_ref().is_some_and(|inner| inner.is::<LimitExceeded>()) {
            DecodeError::body_too_large(self.gz.get_ref().max)
        } else {
            DecodeError::bad_request(format!("invalid gzip request body: {e}"))
        }
    }

    pub(super) fn feed(&mut self, data: &[u8]) -> Result<(), DecodeError> {
        self.gz.write_all(data).map_err(|e| self.map_err(e))
    }

    pub(super) fn finish(&mut self) -> Result<(), DecodeError> {
        self.gz.try_finish().map_err(|e| self.map_err(e))
    }

    pub(super) fn take(&mut self) -> BytesMut {
        self.gz.get_mut().out.split()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(input: &[u8], limits: CodecLimits) -> Result<Vec<RequestItem>, DecodeError> {
        let mut d = RequestDecoder::new(limits);
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        while let Some(item) = d.decode(&mut buf)? {
            out.push(item);
        }
        Ok(out)
    }

    fn status_of(input: &[u8]) -> u16 {
        match decode_all(input, CodecLimits::default()) {
            Ok(items) => panic!(
                "expected an error for {:?}, got {items:?}",
                String::from_utf8_lossy(input)
            ),
            Err(e) => e.status(),
        }
    }

    fn head(input: &[u8]) -> RequestHead {
        match decode_all(input, CodecLimits::default()).unwrap().remove(0) {
            RequestItem::Head(h) => h,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn header_values_are_iso_8859_1_whether_or_not_the_head_is_utf8() {
        // A UTF-8 head: ASCII values are slices of it, "café" reads as Tornado reads it.
        let h = head(
            "GET /p?q=1 HTTP/1.1\r\nHost: h\r\nX-A:  caf\u{e9} \r\nX-B: plain\r\n\r\n".as_bytes(),
        );
        assert_eq!(h.method, "GET");
        assert_eq!(h.uri, "/p?q=1");
        assert_eq!(h.headers.get("X-A"), Some("caf\u{c3}\u{a9}"));
        assert_eq!(h.headers.get("X-B"), Some("plain"));
        // Not UTF-8 (a bare 0xE9): owned strings, same decoding.
        let h = head(b"GET / HTTP/1.1\r\nHost: h\r\nX-A: caf\xe9\r\n\r\n");
        assert_eq!(h.headers.get("X-A"), Some("caf\u{e9}"));
        assert_eq!(h.headers.get("Host"), Some("h"));
        // Long parts (past the inline size) of a head that is not UTF-8: owned copies.
        let target = format!("/{}?q=1", "t".repeat(40));
        let long_value = "v".repeat(40);
        let raw = format!("GET {target} HTTP/1.1\r\nHost: h\r\nX-L: {long_value}\r\nX-A: caf");
        let mut raw = raw.into_bytes();
        raw.extend_from_slice(b"\xe9\r\n\r\n");
        let h = head(&raw);
        assert_eq!(h.uri, target.as_str());
        assert_eq!(h.headers.get("X-L"), Some(long_value.as_str()));
        assert_eq!(h.headers.get("X-A"), Some("caf\u{e9}"));
        // The same head in UTF-8: long parts are slices of one shared copy, same text.
        let raw = format!("GET {target} HTTP/1.1\r\nHost: h\r\nX-L: {long_value}\r\n\r\n");
        let h = head(raw.as_bytes());
        assert_eq!(h.uri, target.as_str());
        assert_eq!(h.headers.get("X-L"), Some(long_value.as_str()));
    }

    #[test]
    fn simple_get() {
        let items = decode_all(
            b"GET /a?b=c HTTP/1.1\r\nHost: x\r\nX-A:  1 \r\n\r\n",
            Default::default(),
        )
        .unwrap();
        assert_eq!(items.len(), 2);
        let RequestItem::Head(h) = &items[0] else {
            panic!()
        };
        assert_eq!(h.method, "GET");
        assert_eq!(h.uri, "/a?b=c");
        assert_eq!(h.version, Version::Http11);
        assert_eq!(h.headers.get("x-a"), Some("1"));
        assert!(h.keep_alive);
        assert_eq!(items[1], RequestItem::End);
    }

    #[test]
    fn pipelined_requests_with_bodies() {
        let input = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /2 HTTP/1.1\r\nHost: x\r\n\r\nPOST /3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n";
        let items = decode_all(input, Default::default()).unwrap();
        let kinds: Vec<String> = items
            .iter()
            .map(|i| match i {
                RequestItem::Head(h) => format!("H{}", h.uri),
                RequestItem::Data(d) => format!("D{}", String::from_utf8_lossy(d)),
                RequestItem::End => "E".into(),
            })
            .collect();
        assert_eq!(kinds, ["H/", "Dabc", "E", "H/2", "E", "H/3", "Dhi", "E"]);
    }

    #[test]
    fn byte_by_byte_equals_whole() {
        let input = b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /y HTTP/1.0\r\n\r\n";
        let whole = decode_all(input, Default::default()).unwrap();
        let mut d = RequestDecoder::default();
        let mut buf = BytesMut::new();
        let mut items = Vec::new();
        for &b in input.iter() {
            buf.extend_from_slice(&[b]);
            while let Some(item) = d.decode(&mut buf).unwrap() {
                items.push(item);
            }
        }
        assert_eq!(merge_data(items), merge_data(whole));
    }

    /// Joins consecutive data pieces, whose boundaries depend on how the input arrived.
    fn merge_data(items: Vec<RequestItem>) -> Vec<RequestItem> {
        let mut out: Vec<RequestItem> = Vec::new();
        for item in items {
            match (out.last_mut(), item) {
                (Some(RequestItem::Data(prev)), RequestItem::Data(d)) => {
                    let mut joined = prev.to_vec();
                    joined.extend_from_slice(&d);
                    *prev = Bytes::from(joined);
                }
                (_, item) => out.push(item),
            }
        }
        out
    }

    #[test]
    fn obs_fold_and_bare_lf() {
        let h = head(b"GET / HTTP/1.1\nHost: x\nX-Folded: a\n  b\n\n");
        assert_eq!(h.headers.get("X-Folded"), Some("a b"));
        let h = head(b"\r\nGET / HTTP/1.0\r\n\r\n");
        assert_eq!(h.version, Version::Http10);
    }

    #[test]
    fn framing_defences() {
        assert_eq!(status_of(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
        assert_eq!(
            status_of(
                b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"
            ),
            400
        );
        assert_eq!(
            status_of(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 4\r\n\r\n"),
            400
        );
        for bad in [
            "-1",
            "+3",
            "3a",
            "0x3",
            " ",
            "99999999999999999999999",
            "3 3",
        ] {
            let req = format!("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {bad}\r\n\r\n");
            assert_eq!(status_of(req.as_bytes()), 400, "{bad}");
        }
        assert_eq!(
            status_of(
                b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n"
            ),
            400
        );
        assert_eq!(
            status_of(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n"),
            400
        );
        assert_eq!(
            status_of(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
            501
        );
        assert_eq!(
            status_of(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
            400
        );
    }

    #[test]
    fn identical_duplicate_lengths_accepted() {
        let items = decode_all(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
            Default::default(),
        )
        .unwrap();
        assert_eq!(items[1], RequestItem::Data(Bytes::from_static(b"ok")));
        let items = decode_all(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2, 2\r\n\r\nok",
            Default::default(),
        )
        .unwrap();
        assert_eq!(items.len(), 3);
    }

    #[test]
    fn control_characters_and_names() {
        assert_eq!(status_of(b"GET /\0 HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
        assert_eq!(status_of(b"GET /\r HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
        assert_eq!(
            status_of(b"GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n"),
            400
        );
        assert_eq!(
            status_of(b"GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n"),
            400
        );
        assert_eq!(
            status_of(b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n"),
            400
        );
        assert_eq!(
            status_of(b"GET / HTTP/1.1\r\nHost: x\r\nX : a\r\n\r\n"),
            400
        );
        assert_eq!(
            status_of(b"GET / HTTP/1.1\r\nHost: x\r\nX\t: a\r\n\r\n"),
            400
        );
        assert_eq!(status_of(b" GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
        assert_eq!(status_of(b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
        assert_eq!(status_of(b"GET / HTTP/1.1 x\r\nHost: x\r\n\r\n"), 400);
        assert_eq!(status_of(b"\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
        assert_eq!(
            status_of(b"GET / HTTP/1.1\r\n folded: first\r\nHost: x\r\n\r\n"),
            400
        );
        assert_eq!(
            status_of(b"GET / HTTP/1.1\r\nnocolon\r\nHost: x\r\n\r\n"),
            400
        );
    }

    #[test]
    fn host_rules() {
        assert_eq!(status_of(b"GET / HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(
            status_of(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
            400
        );
        assert_eq!(
            status_of(b"GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n"),
            400
        );
        assert_eq!(head(b"GET / HTTP/1.0\r\n\r\n").version, Version::Http10);
    }

    #[test]
    fn versions() {
        assert_eq!(status_of(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n"), 505);
        assert_eq!(status_of(b"GET / HTTP/0.9\r\nHost: x\r\n\r\n"), 505);
        assert_eq!(status_of(b"GET / HTTP/1\r\nHost: x\r\n\r\n"), 400);
        assert_eq!(status_of(b"GET / FOO/1.1\r\nHost: x\r\n\r\n"), 400);
        assert_eq!(
            head(b"GET / HTTP/1.2\r\nHost: x\r\n\r\n").version,
            Version::Http11
        );
    }

    #[test]
    fn limits() {
        let big = format!(
            "GET / HTTP/1.1\r\nHost: x\r\nX: {}\r\n\r\n",
            "a".repeat(70000)
        );
        assert_eq!(status_of(big.as_bytes()), 431);
        // Over the limit without the end of the block in sight: refused early.
        let mut d = RequestDecoder::default();
        let mut buf =
            BytesMut::from(format!("GET / HTTP/1.1\r\nX: {}", "a".repeat(70000)).as_bytes());
        assert_eq!(d.decode(&mut buf).unwrap_err().status(), 431);
        let many: String = (0..101).map(|i| format!("X-{i}: v\r\n")).collect();
        let req = format!("GET / HTTP/1.1\r\nHost: x\r\n{many}\r\n");
        assert_eq!(status_of(req.as_bytes()), 431);
        assert_eq!(
            status_of(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 104857601\r\n\r\n"),
            413
        );
    }

    #[test]
    fn keep_alive_rules() {
        assert!(head(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").keep_alive);
        assert!(!head(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n").keep_alive);
        assert!(!head(b"GET / HTTP/1.0\r\n\r\n").keep_alive);
        assert!(head(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive);
        assert!(!head(b"POST / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
        assert!(
            head(b"POST / HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")
                .keep_alive
        );
    }

    #[test]
    fn expect_continue() {
        assert!(
            head(
                b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n"
            )
            .expect_continue
        );
        assert!(
            !head(b"GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n").expect_continue
        );
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn decompresses_gzip_bodies() {
        let body = gzip(&b"hello ".repeat(1000));
        let mut req = format!(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        req.extend_from_slice(&body);
        let limits = CodecLimits {
            decompress: true,
            chunk_size: 1024,
            ..Default::default()
        };
        let items = decode_all(&req, limits.clone()).unwrap();
        let RequestItem::Head(h) = &items[0] else {
            panic!()
        };
        assert!(!h.headers.contains("Content-Encoding"));
        assert_eq!(h.headers.get("X-Consumed-Content-Encoding"), Some("gzip"));
        let mut out = Vec::new();
        for item in &items[1..items.len() - 1] {
            let RequestItem::Data(d) = item else { panic!() };
            assert!(d.len() <= 1024);
            out.extend_from_slice(d);
        }
        assert_eq!(out, b"hello ".repeat(1000));
        assert_eq!(items.last(), Some(&RequestItem::End));

        // The limit applies to the inflated size.
        let small = CodecLimits {
            decompress: true,
            max_body_size: 100,
            ..Default::default()
        };
        assert_eq!(decode_all(&req, small).unwrap_err().status(), 413);
        // Garbage is a 400.
        let bad = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nabcd";
        assert_eq!(decode_all(bad, limits).unwrap_err().status(), 400);
    }

    #[test]
    fn eof_mid_body_is_an_error_and_idle_eof_is_not() {
        let mut d = RequestDecoder::default();
        let mut buf =
            BytesMut::from(&b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab"[..]);
        assert!(matches!(
            d.decode(&mut buf).unwrap(),
            Some(RequestItem::Head(_))
        ));
        assert!(matches!(
            d.decode(&mut buf).unwrap(),
            Some(RequestItem::Data(_))
        ));
        assert!(d.decode_eof(&mut buf).is_err());
        let mut d = RequestDecoder::default();
        assert!(d.decode_eof(&mut BytesMut::new()).unwrap().is_none());
    }

    #[test]
    fn an_empty_buffer_does_not_start_a_head() {
        // Asked for a head before any byte came, the decoder still takes one empty line
        // before the request line when it comes.
        let mut d = RequestDecoder::default();
        let mut buf = BytesMut::new();
        assert!(d.decode(&mut buf).unwrap().is_none());
        buf.extend_from_slice(b"\r\n");
        assert!(d.decode(&mut buf).unwrap().is_none());
        assert!(d.decode(&mut BytesMut::new()).unwrap().is_none());
        buf.extend_from_slice(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(matches!(
            d.decode(&mut buf).unwrap(),
            Some(RequestItem::Head(h)) if h.uri == "/"
        ));
    }

    #[test]
    fn per_request_body_limit() {
        let mut d = RequestDecoder::default();
        let mut buf =
            BytesMut::from(&b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"[..]);
        assert!(matches!(
            d.decode(&mut buf).unwrap(),
            Some(RequestItem::Head(_))
        ));
        d.set_max_body_size(4);
        assert_eq!(d.decode(&mut buf).unwrap_err().status(), 413);
    }

    /// A head the plain parser takes must read exactly as `httparse` reads it.
    fn same_as_general(raw: &[u8], limits: &CodecLimits) -> bool {
        match parse_plain_head(raw, limits) {
            None => false,
            Some(plain) => {
                let general = parse_request_head_general(&raw[..plain.end], limits)
                    .unwrap_or_else(|e| panic!("plain took {raw:?}, httparse refused: {e}"));
                assert_eq!(find_head_end(raw, 0).0, Some(plain.end), "{raw:?}");
                if plain.simple {
                    // What the decoder then takes without looking at the fields again.
                    let framed = framing(&plain.method, plain.version, &plain.headers);
                    let expected = (BodyLength::Empty, plain.version == Version::Http11);
                    assert_eq!(framed.ok(), Some(expected), "{raw:?}");
                }
                assert_eq!(
                    (plain.method, plain.uri, plain.version, plain.headers),
                    general,
                    "{:?}",
                    String::from_utf8_lossy(raw)
                );
                true
            }
        }
    }

    #[test]
    fn plain_heads_take_the_short_parser_and_read_as_httparse_reads_them() {
        let limits = CodecLimits::default();
        let long_value = "v".repeat(70);
        for raw in [
            "GET / HTTP/1.1\r\nHost: 127.0.0.1:8888\r\n\r\n".to_string(),
            "GET /a/b?c=d&e=%20f HTTP/1.0\r\n\r\n".to_string(),
            "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n"
                .to_string(),
            // Spaces and tabs around values, an empty value, a long target and long values
            // (kept in the shared copy of the head), names in any case.
            "GET / HTTP/1.1\r\nhost:\t x \t\r\nX-Empty:\r\nX-Long: {v}\r\n\r\n".replace("{v}", &long_value),
            format!("GET /{long_value} HTTP/1.1\r\nHOST: h\r\nUser-Agent: {long_value}\r\n\r\n"),
            "PROPFIND * HTTP/1.1\r\nHost: h\r\n\r\n".to_string(),
        ] {
            assert!(same_as_general(raw.as_bytes(), &limits), "{raw:?}");
        }
        // What the short parser leaves to the general ones, valid or not.
        for raw in [
            &b"GET / HTTP/1.1\nHost: x\n\n"[..],
            b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET / HTTP/2.0\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: caf\xc3\xa9\r\n\r\n",
            b"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\x7f\r\n\r\n",
            b"GET / HTTP/1.1\r\n: x\r\n\r\n",
            b"G\x01T / HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\n\r",
        ] {
            assert!(parse_plain_head(raw, &limits).is_none(), "{raw:?}");
        }
        // More fields than the limit: the general parser answers with its error.
        let few = CodecLimits {
            max_headers: 1,
            ..CodecLimits::default()
        };
        let two = b"GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n\r\n";
        assert!(parse_plain_head(two, &few).is_none());
        assert_eq!(parse_request_head(two, &few).unwrap_err().status(), 431);
        assert!(same_as_general(&two[..], &CodecLimits::default()));
    }

    #[test]
    fn the_short_parser_finds_the_end_of_a_head_and_whether_its_framing_is_plain() {
        let limits = CodecLimits::default();
        let parse = |raw: &[u8]| parse_plain_head(raw, &limits).map(|p| (p.end, p.simple));
        // The next request's bytes (or part of them) follow.
        let one = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        for next in [
            &b""[..],
            b"G",
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            b"\r\n",
        ] {
            let raw = [&one[..], next].concat();
            assert_eq!(parse(&raw), Some((one.len(), true)), "{raw:?}");
        }
        // Not yet whole.
        for cut in 1..one.len() {
            assert_eq!(parse(&one[..cut]), None, "{cut}");
        }
        // Fields that bear on the framing, in any case, or no single Host: not simple.
        for raw in [
            &b"GET / HTTP/1.1\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nHost: x\r\nhost: y\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            b"GET / HTTP/1.0\r\nHost: x\r\nconnection: keep-alive\r\n\r\n",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
            b"POST / HTTP/1.1\r\nHost: x\r\nTRANSFER-ENCODING: chunked\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n",
        ] {
            assert_eq!(parse(raw).map(|(_, simple)| simple), Some(false), "{raw:?}");
        }
        // Other fields of the same lengths are no obstacle.
        let raw = b"GET / HTTP/1.0\r\nHOST: x\r\nUser-Agent: u\r\nReferer: r\r\n\r\n";
        assert_eq!(parse(raw), Some((raw.len(), true)));
    }

    #[test]
    fn content_lengths_parse_to_the_edge_of_u64() {
        for (text, n) in [
            ("0", Some(0)),
            ("12", Some(12)),
            ("007", Some(7)),
            ("9999999999999999999", Some(9_999_999_999_999_999_999)),
            ("18446744073709551615", Some(u64::MAX)),
            ("018446744073709551615", Some(u64::MAX)),
            ("18446744073709551616", None),
            ("99999999999999999999", None),
            ("", None),
            ("+1", None),
            ("-1", None),
            ("1 2", None),
            ("1/", None),
            ("1:", None),
            ("12345678901234567890x", None),
        ] {
            assert_eq!(parse_content_length(text), n, "{text:?}");
        }
    }

    #[test]
    fn the_decoder_tells_whether_the_last_head_was_simple() {
        let mut d = RequestDecoder::default();
        let head = |d: &mut RequestDecoder, bytes: &[u8]| {
            let mut buf = BytesMut::from(bytes);
            let mut item = d.decode(&mut buf).unwrap();
            while !matches!(item, Some(RequestItem::Head(_))) {
                buf.extend_from_slice(b"\r\n");
                item = d.decode(&mut buf).unwrap();
            }
            assert!(matches!(
                d.decode(&mut buf).unwrap(),
                Some(RequestItem::End)
            ));
            d.last_head_was_simple()
        };
        assert!(head(&mut d, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        assert!(!head(
            &mut d,
            b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\n\r\n"
        ));
        assert!(head(&mut d, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        // Not plain (a bare LF), or in pieces: not noted.
        assert!(!head(&mut d, b"GET / HTTP/1.1\nHost: x\n\n"));
        assert!(!head(&mut d, b"GET / HTTP/1.1\r\nHost: x\r\n"));
    }

    /// Mostly plain text of `plain`, sometimes anything of `odd` (bytes as chars up to 0xff).
    fn mostly(plain: &'static str, odd: &'static str) -> proptest::strategy::BoxedStrategy<String> {
        use proptest::prelude::*;
        prop_oneof![6 => proptest::string::string_regex(plain).unwrap(), 1 => proptest::string::string_regex(odd).unwrap()].boxed()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn the_short_parser_agrees_with_httparse(
            method in mostly("GET|[A-Z]{1,7}|[!-~]{1,4}", "[\\x00-\\x7f]{0,3}"),
            target in mostly("/[!-~]{0,40}", "[\\x00-\\xff]{0,20}"),
            version in mostly("HTTP/1\\.[01]", "HTTP/[0-9]\\.[0-9]|[\\x00-\\x7f]{0,9}"),
            fields in proptest::collection::vec(
                (mostly("[A-Za-z-]{1,12}|[!-~]{1,6}|Host|HOST|Connection|Content-Length|transfer-encoding|Upgrade|User-Agent", "[\\x00-\\xff]{0,4}"),
                 mostly("[ \\t]{0,2}[ -~]{0,40}[ \\t]{0,2}", "[\\x00-\\xff]{0,12}"),
                 mostly("\r\n", "\n|\r| \r\n|\r\n[ \t]")),
                0..5,
            ),
            end in mostly("\r\n", "\n|\r\n.{1,3}"),
        ) {
            let mut raw = Vec::new();
            raw.extend_from_slice(method.as_bytes());
            raw.push(b' ');
            raw.extend(target.chars().map(|c| c as u32 as u8));
            raw.push(b' ');
            raw.extend_from_slice(version.as_bytes());
            raw.extend_from_slice(b"\r\n");
            for (name, value, eol) in &fields {
                raw.extend(name.chars().map(|c| c as u32 as u8));
                raw.push(b':');
                raw.extend(value.chars().map(|c| c as u32 as u8));
                raw.extend_from_slice(eol.as_bytes());
            }
            raw.extend_from_slice(end.as_bytes());
            for limits in [CodecLimits::default(), CodecLimits { max_headers: 2, ..CodecLimits::default() }] {
                same_as_general(&raw, &limits);
            }
        }
    }
}
