//! Output transforms: last-moment rewrites of a response on its way out, such as gzip.
//!
//! # The model
//!
//! Tornado passes every response through a list of *output transforms*, created fresh for
//! each request by the application. When the handler flushes for the first time, each
//! transform sees the status, the headers and the first piece of the body through
//! [`OutputTransform::transform_first_chunk`] and may change all three. Every later piece goes
//! through [`OutputTransform::transform_chunk`]. The `finishing` flag says that the piece is
//! the last one: when it is set on the first chunk, the whole body is known at once.
//!
//! An application registers [`TransformFactory`] values; for each request the handler layer
//! calls [`TransformFactory::create`] on each of them (in order) and runs the response through
//! the resulting [`TransformChain`].
//!
//! # Gzip
//!
//! [`GzipContentEncoding`] is Tornado's `GZipContentEncoding`, which Tornado installs when the
//! `compress_response` setting is on. See its documentation for the exact rules.
//!
//! # Examples
//!
//! ```
//! use bytes::Bytes;
//! use tornado::http::HttpHeaders;
//! use tornado::web::transform::{GzipContentEncodingFactory, OutputTransform, TransformFactory};
//!
//! let mut request_headers = HttpHeaders::new();
//! request_headers.set("Accept-Encoding", "gzip, deflate");
//! let mut gzip = GzipContentEncodingFactory.create(&request_headers);
//!
//! let body = Bytes::from("<p>hello</p>".repeat(200));
//! let mut status = 200;
//! let mut headers = HttpHeaders::new();
//! headers.set("Content-Type", "text/html; charset=UTF-8");
//! headers.set("Content-Length", body.len().to_string());
//!
//! // The whole body in one piece, as `finish()` without an earlier `flush()` sends it.
//! let wire = gzip.transform_first_chunk(&mut status, &mut headers, body.clone(), true);
//! assert_eq!(headers.get("Content-Encoding"), Some("gzip"));
//! assert_eq!(headers.get("Vary"), Some("Accept-Encoding"));
//! assert_eq!(headers.get("Content-Length"), Some(wire.len().to_string().as_str()));
//! assert!(wire.len() < body.len());
//! ```

use bytes::Bytes;
use flate2::{Compress, Compression, Crc, FlushCompress, Status};

use crate::http::HttpHeaders;

/// A rewrite applied to a response as it is sent (Tornado's `OutputTransform`).
///
/// One value is created per request (see [`TransformFactory`]). The handler layer calls
/// [`transform_first_chunk`](Self::transform_first_chunk) exactly once, on the first flush,
/// then [`transform_chunk`](Self::transform_chunk) for every later flush. The last call has
/// `finishing == true`.
///
/// Both methods have default bodies that leave the response untouched, like Tornado's base
/// class, so a transform implements only what it needs.
///
/// Transforms are `Send` so that a handler holding them can run on any worker thread.
pub trait OutputTransform: Send {
    /// Transforms the start of the response: the status code, the headers and the first piece
    /// of the body, which is returned. `finishing` is `true` when this piece is the whole body.
    ///
    /// Default: returns `chunk` and leaves `status` and `headers` alone.
    fn transform_first_chunk(
        &mut self,
        status: &mut u16,
        headers: &mut HttpHeaders,
        chunk: Bytes,
        finishing: bool,
    ) -> Bytes {
        let _ = (status, headers, finishing);
        chunk
    }

    /// Transforms a later piece of the body and returns what goes on the wire. `finishing` is
    /// `true` for the last piece.
    ///
    /// Default: returns `chunk` unchanged.
    fn transform_chunk(&mut self, chunk: Bytes, finishing: bool) -> Bytes {
        let _ = finishing;
        chunk
    }

    /// `true` when a response with this status and these headers, whose body comes in
    /// several pieces, would leave this transform unchanged: the head and every piece (asked
    /// before the first chunk, or after it). It lets the framework send a body without passing
    /// it through the transform: a static file straight from the kernel (`sendfile`), for
    /// instance.
    ///
    /// Default: `false`, which is always safe.
    fn passes_body_through(&self, status: u16, headers: &HttpHeaders) -> bool {
        let _ = (status, headers);
        false
    }
}

/// Creates an [`OutputTransform`] for each request (Tornado instantiates the transform class
/// with the request).
///
/// Any `Fn(&HttpHeaders) -> Box<dyn OutputTransform>` closure that is `Send + Sync` is a
/// factory too.
pub trait TransformFactory: Send + Sync {
    /// A new transform for a request with these headers.
    fn create(&self, request_headers: &HttpHeaders) -> Box<dyn OutputTransform>;
}

impl<F> TransformFactory for F
where
    F: Fn(&HttpHeaders) -> Box<dyn OutputTransform> + Send + Sync,
{
    fn create(&self, request_headers: &HttpHeaders) -> Box<dyn OutputTransform> {
        self(request_headers)
    }
}

/// Several transforms applied one after the other, in the order they were added, as Tornado's
/// `flush()` loops over `self._transforms`.
///
/// ```
/// use std::sync::Arc;
/// use bytes::Bytes;
/// use tornado::http::HttpHeaders;
/// use tornado::web::transform::{
///     GzipContentEncodingFactory, OutputTransform, TransformChain, TransformFactory,
/// };
///
/// let factories: Vec<Arc<dyn TransformFactory>> = vec![Arc::new(GzipContentEncodingFactory)];
/// let mut chain = TransformChain::from_factories(&factories, &HttpHeaders::new());
/// assert_eq!(chain.len(), 1);
///
/// let (mut status, mut headers) = (200, HttpHeaders::new());
/// let out = chain.transform_first_chunk(&mut status, &mut headers, Bytes::from("hi"), true);
/// assert_eq!(out, "hi"); // the client did not ask for gzip
/// assert_eq!(headers.get("Vary"), Some("Accept-Encoding"));
/// ```
#[derive(Default)]
pub struct TransformChain {
    transforms: Vec<Box<dyn OutputTransform>>,
}

impl TransformChain {
    /// An empty chain, which changes nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// One transform from each factory, in order, for a request with these headers.
    pub fn from_factories(
        factories: &[std::sync::Arc<dyn TransformFactory>],
        request_headers: &HttpHeaders,
    ) -> Self {
        TransformChain {
            transforms: factories
                .iter()
                .map(|f| f.create(request_headers))
                .collect(),
        }
    }

    /// Appends a transform; it sees the output of the ones before it.
    pub fn push(&mut self, transform: Box<dyn OutputTransform>) {
        self.transforms.push(transform);
    }

    /// The number of transforms.
    pub fn len(&self) -> usize {
        self.transforms.len()
    }

    /// `true` when the chain has no transforms.
    pub fn is_empty(&self) -> bool {
        self.transforms.is_empty()
    }
}

impl std::fmt::Debug for TransformChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransformChain")
            .field("len", &self.transforms.len())
            .finish()
    }
}

impl OutputTransform for TransformChain {
    fn transform_first_chunk(
        &mut self,
        status: &mut u16,
        headers: &mut HttpHeaders,
        mut chunk: Bytes,
        finishing: bool,
    ) -> Bytes {
        for t in &mut self.transforms {
            chunk = t.transform_first_chunk(status, headers, chunk, finishing);
        }
        chunk
    }

    fn transform_chunk(&mut self, mut chunk: Bytes, finishing: bool) -> Bytes {
        for t in &mut self.transforms {
            chunk = t.transform_chunk(chunk, finishing);
        }
        chunk
    }
}

/// Tornado's `GZipContentEncoding`: compresses the response body with gzip when the client
/// accepts it.
///
/// # Rules
///
/// On the first chunk the transform always adds `Accept-Encoding` to `Vary`: it sets
/// `Vary: Accept-Encoding`, or, when `Vary` is already there, appends `", Accept-Encoding"` to
/// its (comma-joined) value, giving for example `Vary: Cookie, Accept-Encoding`.
///
/// It then compresses only if **all** of these hold:
///
/// - the request's `Accept-Encoding` contains the text `gzip` (a plain, case-sensitive
///   substring test, as in Tornado: q-values are not parsed);
/// - the response's media type (the `Content-Type` value before any `;`, not trimmed or
///   lower-cased) is compressible — see [`is_compressible_type`](Self::is_compressible_type);
/// - the response has no `Content-Encoding` yet;
/// - the body is not sent in one piece, or that piece is at least
///   [`MIN_LENGTH`](Self::MIN_LENGTH) (1024) bytes long. Streamed responses are compressed
///   whatever their size;
/// - the status allows a body: not `1xx`, `204` or `304`. (Tornado does not check this, but
///   `finish()` never sends a body with those codes, so the only difference is that a
///   `flush()` of a `304` does not produce gzip framing where no body may go.)
/// - the status is not `206 Partial Content`: its `Content-Range` counts bytes of the file as
///   it is, so compressing the slice would make the range wrong. (Tornado compresses it.)
///
/// When it compresses, it sets `Content-Encoding: gzip`; if `Content-Length` is present it is
/// replaced by the compressed length when the first chunk is the whole body, and removed
/// otherwise (the connection then falls back to chunked encoding).
///
/// # Output
///
/// The chunks returned, concatenated, form one gzip member (RFC 1952) that decompresses to the
/// concatenated input. Each chunk ends with a deflate sync flush so the client can decode
/// everything it has received; the last one ends with the gzip trailer. The compression level
/// is [`GZIP_LEVEL`](Self::GZIP_LEVEL) (6). The header is the one Python's `GzipFile` writes
/// for an unnamed stream, except that the modification time is 0 ("not available") rather
/// than the current time, so the same body always compresses to the same bytes.
///
/// # Misuse
///
/// The transform never panics. If [`transform_chunk`](OutputTransform::transform_chunk) comes
/// before [`transform_first_chunk`](OutputTransform::transform_first_chunk), nothing is
/// compressed; a second `transform_first_chunk` is treated as `transform_chunk`; chunks after
/// the finishing one are dropped, since nothing may follow the gzip trailer.
#[derive(Debug)]
pub struct GzipContentEncoding {
    state: GzipState,
}

#[derive(Debug)]
enum GzipState {
    /// Created; the first chunk has not been seen.
    Undecided { client_accepts_gzip: bool },
    /// Passing the body through unchanged.
    Identity,
    /// Compressing; the stream is open.
    Compressing(Box<GzipStream>),
    /// The gzip trailer has been written.
    Finished,
}

impl GzipContentEncoding {
    /// The media types compressed in addition to every `text/*` type (Tornado's
    /// `CONTENT_TYPES`).
    pub const CONTENT_TYPES: [&'static str; 7] = [
        "application/javascript",
        "application/x-javascript",
        "application/xml",
        "application/atom+xml",
        "application/json",
        "application/xhtml+xml",
        "image/svg+xml",
    ];

    /// The zlib compression level (Tornado's `GZIP_LEVEL`). Default: 6.
    pub const GZIP_LEVEL: u32 = 6;

    /// A body sent in one piece is compressed only from this many bytes on (Tornado's
    /// `MIN_LENGTH`). Default: 1024.
    pub const MIN_LENGTH: usize = 1024;

    /// A transform for a request with these headers.
    pub fn new(request_headers: &HttpHeaders) -> Self {
        let client_accepts_gzip = request_headers
            .get_list("Accept-Encoding")
            .iter()
            .any(|v| v.contains("gzip"));
        GzipContentEncoding {
            state: GzipState::Undecided {
                client_accepts_gzip,
            },
        }
    }

    /// Tornado's `_compressible_type`: `true` for `text/*` and for
    /// [`CONTENT_TYPES`](Self::CONTENT_TYPES). `ctype` is the media type without parameters;
    /// the comparison is exact (case-sensitive), as in Tornado.
    ///
    /// ```
    /// use tornado::web::transform::GzipContentEncoding;
    ///
    /// assert!(GzipContentEncoding::is_compressible_type("text/csv"));
    /// assert!(GzipContentEncoding::is_compressible_type("application/json"));
    /// assert!(!GzipContentEncoding::is_compressible_type("application/ld+json"));
    /// assert!(!GzipContentEncoding::is_compressible_type("image/png"));
    /// ```
    #[must_use]
    pub fn is_compressible_type(ctype: &str) -> bool {
        ctype.starts_with("text/") || Self::CONTENT_TYPES.contains(&ctype)
    }

    /// Whether a response starting with this status, these headers and a first piece of
    /// `first_len` bytes (the whole body when `finishing`) is compressed.
    fn compresses(
        client_accepts_gzip: bool,
        status: u16,
        headers: &HttpHeaders,
        finishing: bool,
        first_len: usize,
    ) -> bool {
        client_accepts_gzip
            && !status_forbids_body(status)
            && status != 206
            && (!finishing || first_len >= Self::MIN_LENGTH)
            && !headers.contains("Content-Encoding")
            && {
                let ctype = headers.get_joined("Content-Type").unwrap_or_default();
                let media_type = ctype.split(';').next().unwrap_or_default();
                Self::is_compressible_type(media_type)
            }
    }

    /// `true` once the transform has decided to compress this response (after the first
    /// chunk), including after the last chunk.
    #[must_use]
    pub fn is_compressing(&self) -> bool {
        matches!(self.state, GzipState::Compressing(_) | GzipState::Finished)
    }
}

/// Status codes that never carry a body.
fn status_forbids_body(status: u16) -> bool {
    (100..200).contains(&status) || status == 204 || status == 304
}

fn add_vary_accept_encoding(headers: &mut HttpHeaders) {
    let vary = match headers.get_joined("Vary") {
        Some(existing) => existing + ", Accept-Encoding",
        None => "Accept-Encoding".to_owned(),
    };
    headers.set("Vary", vary);
}

impl OutputTransform for GzipContentEncoding {
    fn transform_first_chunk(
        &mut self,
        status: &mut u16,
        headers: &mut HttpHeaders,
        chunk: Bytes,
        finishing: bool,
    ) -> Bytes {
        let GzipState::Undecided {
            client_accepts_gzip,
        } = self.state
        else {
            return self.transform_chunk(chunk, finishing);
        };
        add_vary_accept_encoding(headers);
        if !Self::compresses(
            client_accepts_gzip,
            *status,
            headers,
            finishing,
            chunk.len(),
        ) {
            self.state = GzipState::Identity;
            return chunk;
        }
        headers.set("Content-Encoding", "gzip");
        let mut stream = Box::new(GzipStream::new(Self::GZIP_LEVEL));
        let out = stream.encode(&chunk, finishing);
        self.state = if finishing {
            GzipState::Finished
        } else {
            GzipState::Compressing(stream)
        };
        if headers.contains("Content-Length") {
            if finishing {
                headers.set("Content-Length", out.len().to_string());
            } else {
                headers.remove("Content-Length");
            }
        }
        out
    }

    fn transform_chunk(&mut self, chunk: Bytes, finishing: bool) -> Bytes {
        match &mut self.state {
            GzipState::Undecided { .. } => {
                // No first chunk: the headers say nothing about gzip, so neither may the body.
                self.state = GzipState::Identity;
                chunk
            }
            GzipState::Identity => chunk,
            GzipState::Compressing(stream) => {
                let out = stream.encode(&chunk, finishing);
                if finishing {
                    self.state = GzipState::Finished;
                }
                out
            }
            GzipState::Finished => {
                if !chunk.is_empty() {
                    tracing::error!(
                        target: "tornado.general",
                        "dropping {} bytes written after the gzip stream was finished",
                        chunk.len()
                    );
                }
                Bytes::new()
            }
        }
    }

    fn passes_body_through(&self, status: u16, headers: &HttpHeaders) -> bool {
        match self.state {
            GzipState::Undecided {
                client_accepts_gzip,
            } => !Self::compresses(client_accepts_gzip, status, headers, false, 0),
            GzipState::Identity => true,
            GzipState::Compressing(_) | GzipState::Finished => false,
        }
    }
}

/// The `create` side of [`GzipContentEncoding`]: register it with the application to compress
/// responses (Tornado's `compress_response=True`).
#[derive(Debug, Clone, Copy, Default)]
pub struct GzipContentEncodingFactory;

impl TransformFactory for GzipContentEncodingFactory {
    fn create(&self, request_headers: &HttpHeaders) -> Box<dyn OutputTransform> {
        Box::new(GzipContentEncoding::new(request_headers))
    }
}

/// The gzip header Python's `GzipFile` writes for an unnamed stream at a level other than 1
/// or 9, with a zero modification time: magic, deflate, no flags, mtime 0, no extra flags,
/// OS "unknown".
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// An incremental gzip encoder: a raw deflate stream between the gzip header and trailer.
struct GzipStream {
    deflate: Compress,
    crc: Crc,
    header_written: bool,
}

impl std::fmt::Debug for GzipStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GzipStream")
            .field("total_in", &self.deflate.total_in())
            .field("total_out", &self.deflate.total_out())
            .finish()
    }
}

impl GzipStream {
    fn new(level: u32) -> Self {
        GzipStream {
            deflate: Compress::new(Compression::new(level), false),
            crc: Crc::new(),
            header_written: false,
        }
    }

    /// Compresses `input` and returns every byte the client needs to decode it: a sync flush,
    /// or the end of the stream and the trailer when `finishing`.
    fn encode(&mut self, input: &[u8], finishing: bool) -> Bytes {
        let mut out = Vec::with_capacity(input.len() / 2 + 64);
        if !self.header_written {
            out.extend_from_slice(&GZIP_HEADER);
            self.header_written = true;
        }
        // Every chunk ends in a sync flush, so nothing is pending: an empty piece that does
        // not finish the stream adds nothing.
        if input.is_empty() && !finishing {
            return Bytes::from(out);
        }
        self.crc.update(input);
        let flush = if finishing {
            FlushCompress::Finish
        } else {
            FlushCompress::Sync
        };
        if let Err(e) = self.deflate_into(input, flush, &mut out) {
            // Only a misused zlib stream fails; nothing better can be sent than what is there.
            tracing::error!(target: "tornado.general", "gzip compression failed: {e}");
        }
        if finishing {
            out.extend_from_slice(&self.crc.sum().to_le_bytes());
            out.extend_from_slice(&self.crc.amount().to_le_bytes());
        }
        Bytes::from(out)
    }

    fn deflate_into(
        &mut self,
        mut input: &[u8],
        flush: FlushCompress,
        out: &mut Vec<u8>,
    ) -> Result<(), flate2::CompressError> {
        loop {
            if out.capacity() - out.len() < 64 {
                out.reserve(out.capacity().max(1024));
            }
            let in_before = self.deflate.total_in();
            let out_before = self.deflate.total_out();
            let status = self.deflate.compress_vec(input, out, flush)?;
            let consumed = usize::try_from(self.deflate.total_in() - in_before)
                .unwrap_or(input.len())
                .min(input.len());
            input = &input[consumed..];
            let produced = self.deflate.total_out() != out_before;
            let room_left = out.len() < out.capacity();
            let done = match flush {
                FlushCompress::Finish => status == Status::StreamEnd,
                // The flush is complete once all input is in and the compressor stopped
                // before filling the buffer.
                _ => input.is_empty() && room_left,
            };
            // A call that neither read nor wrote while it had room would loop forever.
            if done || (consumed == 0 && !produced && room_left) {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut reader = flate2::read::GzDecoder::new(data);
        if let Err(e) = reader.read_to_end(&mut out) {
            panic!("invalid gzip stream: {e}");
        }
        out
    }

    fn accepting() -> HttpHeaders {
        let mut h = HttpHeaders::new();
        h.set("Accept-Encoding", "gzip");
        h
    }

    fn html_headers(len: usize) -> HttpHeaders {
        let mut h = HttpHeaders::new();
        h.set("Content-Type", "text/html; charset=UTF-8");
        h.set("Content-Length", len.to_string());
        h
    }

    #[test]
    fn header_bytes_match_python_gzipfile_with_zero_mtime() {
        let mut stream = GzipStream::new(6);
        let out = stream.encode(b"abc", true);
        assert_eq!(&out[..10], &GZIP_HEADER);
        assert_eq!(gunzip(&out), b"abc");
        // Trailer: CRC-32 of "abc" and the length, little-endian.
        assert_eq!(&out[out.len() - 8..], &[0xc2, 0x41, 0x24, 0x35, 3, 0, 0, 0]);
    }

    #[test]
    fn empty_finishing_stream_is_valid_gzip() {
        let mut stream = GzipStream::new(6);
        let out = stream.encode(b"", true);
        assert_eq!(gunzip(&out), b"");
    }

    #[test]
    fn empty_intermediate_chunk_adds_nothing() {
        let mut stream = GzipStream::new(6);
        let head = stream.encode(b"", false);
        assert_eq!(head.as_ref(), &GZIP_HEADER);
        let body = stream.encode(b"hello", false);
        assert!(stream.encode(b"", false).is_empty());
        let tail = stream.encode(b"", true);
        assert_eq!(gunzip(&[head, body, tail].concat()), b"hello");
    }

    #[test]
    fn incompressible_input_larger_than_the_first_buffer() {
        // A simple xorshift generator: random bytes do not compress, so the output buffer
        // has to grow during the sync flush.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let data: Vec<u8> = (0..300_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let mut stream = GzipStream::new(6);
        let a = stream.encode(&data, false);
        let b = stream.encode(&data, true);
        let mut expected = data.clone();
        expected.extend_from_slice(&data);
        assert_eq!(gunzip(&[a, b].concat()), expected);
    }

    #[test]
    fn bodiless_statuses_are_not_compressed() {
        for status in [100u16, 101, 204, 304] {
            let mut t = GzipContentEncoding::new(&accepting());
            let mut s = status;
            let mut h = html_headers(0);
            let out = t.transform_first_chunk(&mut s, &mut h, Bytes::new(), false);
            assert!(out.is_empty(), "status {status}");
            assert!(!h.contains("Content-Encoding"), "status {status}");
            assert_eq!(h.get("Vary"), Some("Accept-Encoding"));
            assert!(!t.is_compressing());
        }
    }

    #[test]
    fn chunk_before_first_chunk_passes_through_and_stays_identity() {
        let mut t = GzipContentEncoding::new(&accepting());
        let body = Bytes::from(vec![b'a'; 4096]);
        assert_eq!(t.transform_chunk(body.clone(), false), body);
        let (mut s, mut h) = (200, html_headers(4096));
        let out = t.transform_first_chunk(&mut s, &mut h, body.clone(), true);
        assert_eq!(out, body);
        assert!(!h.contains("Content-Encoding"));
        assert!(!h.contains("Vary"));
    }

    #[test]
    fn chunks_after_finish_are_dropped() {
        let mut t = GzipContentEncoding::new(&accepting());
        let (mut s, mut h) = (200, html_headers(0));
        let first = t.transform_first_chunk(&mut s, &mut h, Bytes::from("x"), false);
        let last = t.transform_chunk(Bytes::from("y"), true);
        assert!(t.transform_chunk(Bytes::from("z"), false).is_empty());
        assert!(t.transform_chunk(Bytes::from("z"), true).is_empty());
        assert_eq!(gunzip(&[first, last].concat()), b"xy");
        assert!(t.is_compressing());
    }

    #[test]
    fn second_first_chunk_is_an_ordinary_chunk() {
        let mut t = GzipContentEncoding::new(&accepting());
        let (mut s, mut h) = (200, html_headers(0));
        let a = t.transform_first_chunk(&mut s, &mut h, Bytes::from("one "), false);
        let mut h2 = h.clone();
        let b = t.transform_first_chunk(&mut s, &mut h2, Bytes::from("two"), true);
        assert_eq!(h2, h);
        assert_eq!(gunzip(&[a, b].concat()), b"one two");
    }

    #[test]
    fn closure_factories_and_default_methods() {
        struct Upper;
        impl OutputTransform for Upper {
            fn transform_chunk(&mut self, chunk: Bytes, _finishing: bool) -> Bytes {
                Bytes::from(chunk.to_ascii_uppercase())
            }
        }
        let factory = |_: &HttpHeaders| -> Box<dyn OutputTransform> { Box::new(Upper) };
        let mut t = factory.create(&HttpHeaders::new());
        let (mut s, mut h) = (201, HttpHeaders::new());
        // The default first-chunk method leaves everything alone.
        assert_eq!(
            t.transform_first_chunk(&mut s, &mut h, Bytes::from("a"), false),
            "a"
        );
        assert_eq!((s, h.len()), (201, 0));
        assert_eq!(t.transform_chunk(Bytes::from("b"), true), "B");
    }

    #[test]
    fn chain_runs_transforms_in_order() {
        struct Status(u16);
        impl OutputTransform for Status {
            fn transform_first_chunk(
                &mut self,
                status: &mut u16,
                headers: &mut HttpHeaders,
                chunk: Bytes,
                _finishing: bool,
            ) -> Bytes {
                *status = self.0;
                headers.add("X-Seen", self.0.to_string());
                chunk
            }
        }
        let mut chain = TransformChain::new();
        assert!(chain.is_empty());
        chain.push(Box::new(Status(201)));
        chain.push(Box::new(Status(202)));
        let (mut s, mut h) = (200, HttpHeaders::new());
        let out = chain.transform_first_chunk(&mut s, &mut h, Bytes::from("x"), true);
        assert_eq!(out, "x");
        assert_eq!(s, 202);
        assert_eq!(h.get_list("X-Seen"), ["201", "202"]);
        assert_eq!(chain.transform_chunk(Bytes::from("y"), true), "y");
        assert_eq!(format!("{chain:?}"), "TransformChain { len: 2 }");
    }
}
