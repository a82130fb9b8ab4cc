//! The response decoder.

use std::io;

use bytes::{Bytes, BytesMut};
use tokio_util::codec::Decoder;

use super::{ClientResponseHead, ResponseFraming};
use crate::http::codec::chunked::{Chunk, ChunkedDecoder};
use crate::http::codec::decode::{find_head_end, parse_content_length, Inflater};
use crate::http::codec::{CodecLimits, DecodeError, Version};
use crate::http::headers::{latin1_to_string, trim_ows};
use crate::http::HttpHeaders;

/// One step of a decoded response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponsePart {
    /// A status line and headers: an interim `1xx` one (the final head follows) or the final one.
    Head(ClientResponseHead),
    /// A piece of the body (inflated, when decompression is on).
    Data(Bytes),
    /// The end of the response.
    End,
}

#[derive(Debug)]
enum State {
    Head,
    Length(u64),
    Chunked(ChunkedDecoder),
    UntilClose,
    End,
    Failed,
}

/// Decodes responses: head (after any interim heads), body pieces, end.
///
/// The decoder must be told, before each response, whether the request was `HEAD`
/// ([`ResponseDecoder::start_response`]); it yields [`ResponsePart::Head`] — possibly several
/// times, for interim `1xx` responses, which have no body — then body pieces, then
/// [`ResponsePart::End`].
///
/// | response | body framing |
/// |---|---|
/// | to a `HEAD` request, `1xx`, `204`, `304` | none, whatever the headers say |
/// | `Transfer-Encoding` ending in `chunked` | chunked |
/// | `Transfer-Encoding` together with `Content-Length` | error |
/// | `Content-Length: n` (differing duplicates are an error) | `n` bytes |
/// | otherwise | until the server closes the connection |
///
/// Errors carry a status as the server side's do: 431 for a header block over the limit, 413
/// for a body over `max_body_size`, 400 for a malformed response, 0 for I/O.
#[derive(Debug)]
pub struct ResponseDecoder {
    limits: CodecLimits,
    state: State,
    searched: usize,
    head_request: bool,
    /// Body bytes read so far (for close-delimited bodies, whose size is unknown up front).
    read: u64,
    inflater: Option<Inflater>,
    pending: BytesMut,
}

impl Default for ResponseDecoder {
    fn default() -> Self {
        Self::new(CodecLimits::default())
    }
}

impl ResponseDecoder {
    /// A decoder enforcing `limits` (`decompress` inflates gzip bodies).
    pub fn new(limits: CodecLimits) -> Self {
        ResponseDecoder {
            limits,
            state: State::Head,
            searched: 0,
            head_request: false,
            read: 0,
            inflater: None,
            pending: BytesMut::new(),
        }
    }

    /// Prepares for the response to a new request; `head_request` says it was `HEAD`, whose
    /// response has no body.
    pub fn start_response(&mut self, head_request: bool) {
        self.head_request = head_request;
        self.state = State::Head;
        self.searched = 0;
        self.read = 0;
        self.inflater = None;
        self.pending.clear();
    }

    fn decode_inner(&mut self, buf: &mut BytesMut) -> Result<Option<ResponsePart>, DecodeError> {
        loop {
            if !self.pending.is_empty() {
                let n = self.pending.len().min(self.limits.chunk_size.max(1));
                return Ok(Some(ResponsePart::Data(self.pending.split_to(n).freeze())));
            }
            let piece = self.limits.chunk_size.max(1);
            match &mut self.state {
                State::Head => return Ok(self.parse_head(buf)?.map(ResponsePart::Head)),
                State::End => {
                    if let Some(mut inf) = self.inflater.take() {
                        inf.finish().map_err(|e| self.inflate_error(e))?;
                        self.pending = inf.take();
                        continue;
                    }
                    self.state = State::Failed;
                    return Ok(Some(ResponsePart::End));
                }
                State::Length(remaining) => {
                    if *remaining == 0 {
                        self.state = State::End;
                        continue;
                    }
                    if buf.is_empty() {
                        return Ok(None);
                    }
                    let n = (buf.len() as u64).min(*remaining).min(piece as u64) as usize;
                    *remaining -= n as u64;
                    let data = buf.split_to(n).freeze();
                    if let Some(part) = self.body_data(data)? {
                        return Ok(Some(part));
                    }
                }
                State::Chunked(dec) => match dec.decode(buf, piece) {
                    Ok(None) => return Ok(None),
                    Ok(Some(Chunk::End)) => self.state = State::End,
                    Ok(Some(Chunk::Data(data))) => {
                        if let Some(part) = self.body_data(data)? {
                            return Ok(Some(part));
                        }
                    }
                    Err(e) if e.status() == 413 => {
                        return Err(body_too_large(self.limits.max_body_size))
                    }
                    Err(e) => {
                        return Err(DecodeError::bad_request(format!(
                            "malformed chunked response body: {}",
                            e.message()
                        )))
                    }
                },
                State::UntilClose => {
                    if buf.is_empty() {
                        return Ok(None);
                    }
                    let n = buf.len().min(piece);
                    self.read += n as u64;
                    if self.read > self.limits.max_body_size {
                        return Err(body_too_large(self.limits.max_body_size));
                    }
                    let data = buf.split_to(n).freeze();
                    if let Some(part) = self.body_data(data)? {
                        return Ok(Some(part));
                    }
                }
                State::Failed => {
                    return Err(DecodeError::bad_request(
                        "response decoder used without start_response",
                    ))
                }
            }
        }
    }

    fn inflate_error(&self, e: DecodeError) -> DecodeError {
        if e.status() == 413 {
            body_too_large(self.limits.max_body_size)
        } else {
            DecodeError::bad_request("invalid gzip response body")
        }
    }

    fn body_data(&mut self, data: Bytes) -> Result<Option<ResponsePart>, DecodeError> {
        match &mut self.inflater {
            None => Ok(Some(ResponsePart::Data(data))),
            Some(inf) => {
                let fed = inf.feed(&data);
                fed.map_err(|e| self.inflate_error(e))?;
                if let Some(inf) = &mut self.inflater {
                    self.pending = inf.take();
                }
                Ok(None)
            }
        }
    }

    fn parse_head(
        &mut self,
        buf: &mut BytesMut,
    ) -> Result<Option<ClientResponseHead>, DecodeError> {
        let (end, next) = find_head_end(buf, self.searched.saturating_sub(1));
        let Some(end) = end else {
            if buf.len() > self.limits.max_header_size {
                return Err(header_too_large(self.limits.max_header_size));
            }
            self.searched = next.max(1);
            return Ok(None);
        };
        self.searched = 0;
        if end > self.limits.max_header_size {
            return Err(header_too_large(self.limits.max_header_size));
        }
        let raw = buf.split_to(end);
        let (version, status, reason, mut headers) = parse_response_head(&raw, &self.limits)?;
        if status == 101 {
            return Err(DecodeError::bad_request(
                "unexpected 101 Switching Protocols response",
            ));
        }
        let (body, keep_alive) = framing(self.head_request, version, status, &headers)?;
        if let ResponseFraming::Length(n) = body {
            if n > self.limits.max_body_size {
                return Err(body_too_large(self.limits.max_body_size));
            }
        }
        let head = ClientResponseHead {
            version,
            status,
            reason,
            headers: HttpHeaders::new(),
            body,
            keep_alive,
        };
        if head.is_interim() {
            return Ok(Some(ClientResponseHead { headers, ..head }));
        }
        if self.limits.decompress
            && body != ResponseFraming::Empty
            && headers
                .get("Content-Encoding")
                .is_some_and(|e| e.trim().eq_ignore_ascii_case("gzip"))
        {
            headers.remove("Content-Encoding");
            headers.add("X-Consumed-Content-Encoding", "gzip");
            self.inflater = Some(Inflater::new(self.limits.max_body_size));
        }
        self.state = match body {
            ResponseFraming::Empty => State::End,
            ResponseFraming::Length(n) => State::Length(n),
            ResponseFraming::Chunked => State::Chunked(ChunkedDecoder::new(
                self.limits.max_body_size,
                self.limits.max_header_size,
            )),
            ResponseFraming::UntilClose => State::UntilClose,
        };
        Ok(Some(ClientResponseHead { headers, ..head }))
    }
}

fn header_too_large(limit: usize) -> DecodeError {
    DecodeError::new(
        431,
        format!("response header block larger than {limit} bytes"),
    )
}

fn body_too_large(limit: u64) -> DecodeError {
    DecodeError::new(413, format!("response body larger than {limit} bytes"))
}

impl Decoder for ResponseDecoder {
    type Item = ResponsePart;
    type Error = DecodeError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<ResponsePart>, DecodeError> {
        self.decode_inner(buf).inspect_err(|_| {
            self.state = State::Failed;
        })
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<ResponsePart>, DecodeError> {
        if let Some(part) = self.decode(buf)? {
            return Ok(Some(part));
        }
        if matches!(self.state, State::UntilClose) {
            self.state = State::End;
            return self.decode(buf);
        }
        self.state = State::Failed;
        Err(DecodeError::from(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed before the response was complete",
        )))
    }
}

const MAX_FAST_HEADERS: usize = 100;

/// Parses the status line and header block: `httparse` for the common case, a line-by-line
/// parser (obsolete folding, odd reason phrases) for the rest.
fn parse_response_head(
    raw: &[u8],
    limits: &CodecLimits,
) -> Result<(Version, u16, String, HttpHeaders), DecodeError> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_FAST_HEADERS];
    let mut resp = httparse::Response::new(&mut slots);
    match resp.parse(raw) {
        Ok(httparse::Status::Complete(_)) => {
            if resp.headers.len() > limits.max_headers {
                return Err(too_many_headers(limits));
            }
            let version = if resp.version == Some(0) {
                Version::Http10
            } else {
                Version::Http11
            };
            let mut headers = HttpHeaders::with_capacity(resp.headers.len());
            for h in resp.headers.iter() {
                headers.add(h.name, latin1_to_string(trim_ows(h.value)));
            }
            Ok((
                version,
                resp.code.unwrap_or_default(),
                resp.reason.unwrap_or_default().to_owned(),
                headers,
            ))
        }
        Err(httparse::Error::TooManyHeaders) if limits.max_headers <= MAX_FAST_HEADERS => {
            Err(too_many_headers(limits))
        }
        _ => parse_response_head_slow(raw, limits),
    }
}

fn too_many_headers(limits: &CodecLimits) -> DecodeError {
    DecodeError::new(
        431,
        format!("more than {} response header fields", limits.max_headers),
    )
}

fn parse_response_head_slow(
    raw: &[u8],
    limits: &CodecLimits,
) -> Result<(Version, u16, String, HttpHeaders), DecodeError> {
    let nl = memchr::memchr(b'\n', raw).unwrap_or(raw.len());
    let line = &raw[..nl];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let malformed = || {
        DecodeError::bad_request(format!(
            "malformed HTTP status line {:?}",
            latin1_to_string(line)
        ))
    };
    if line.iter().any(|&b| b < 0x20 && b != b'\t' || b == 0x7f) {
        return Err(malformed());
    }
    let version = match line.get(..9) {
        Some(b"HTTP/1.0 ") => Version::Http10,
        Some([b'H', b'T', b'T', b'P', b'/', b'1', b'.', minor, b' ']) if minor.is_ascii_digit() => {
            Version::Http11
        }
        _ => return Err(malformed()),
    };
    let rest = &line[9..];
    let code = match rest.get(..3) {
        Some(c) if c.iter().all(u8::is_ascii_digit) => {
            c.iter().fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'))
        }
        _ => return Err(malformed()),
    };
    let reason = match rest.get(3..) {
        None | Some([]) => String::new(),
        Some([b' ', reason @ ..]) => latin1_to_string(reason),
        Some(_) => return Err(malformed()),
    };
    if code < 100 {
        return Err(malformed());
    }
    let block = raw.get(nl + 1..).unwrap_or_default();
    let headers = HttpHeaders::parse_bytes(block)
        .map_err(|e| DecodeError::bad_request(format!("malformed response headers: {e}")))?;
    if headers.len() > limits.max_headers {
        return Err(too_many_headers(limits));
    }
    Ok((version, code, reason, headers))
}

/// Decides a response's body framing and whether the connection stays usable after it.
fn framing(
    head_request: bool,
    version: Version,
    status: u16,
    headers: &HttpHeaders,
) -> Result<(ResponseFraming, bool), DecodeError> {
    let connection_has = |token: &str| {
        headers
            .get_list("Connection")
            .iter()
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    let mut keep_alive = match version {
        Version::Http11 => !connection_has("close"),
        Version::Http10 => connection_has("keep-alive"),
    };
    let te = headers.get_list("Transfer-Encoding");
    let cl = headers.get_list("Content-Length");
    let no_body = head_request || (100..200).contains(&status) || status == 204 || status == 304;
    let body = if no_body {
        ResponseFraming::Empty
    } else if !te.is_empty() {
        if !cl.is_empty() {
            return Err(DecodeError::bad_request(
                "response with both Transfer-Encoding and Content-Length",
            ));
        }
        let last = te
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|c| !c.is_empty());
        if last.is_some_and(|c| c.eq_ignore_ascii_case("chunked")) {
            ResponseFraming::Chunked
        } else {
            ResponseFraming::UntilClose
        }
    } else if !cl.is_empty() {
        let mut length: Option<u64> = None;
        for piece in cl.iter().flat_map(|v| v.split(',')) {
            let piece = piece.trim();
            let n = parse_content_length(piece).ok_or_else(|| {
                DecodeError::bad_request(format!("invalid Content-Length {piece:?} in response"))
            })?;
            if length.is_some_and(|prev| prev != n) {
                return Err(DecodeError::bad_request(
                    "differing Content-Length values in response",
                ));
            }
            length = Some(n);
        }
        match length {
            Some(0) | None => ResponseFraming::Empty,
            Some(n) => ResponseFraming::Length(n),
        }
    } else {
        ResponseFraming::UntilClose
    };
    if body == ResponseFraming::UntilClose {
        keep_alive = false;
    }
    Ok((body, keep_alive))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn decode_all(
        input: &[u8],
        head_request: bool,
        limits: CodecLimits,
        eof: bool,
    ) -> Result<Vec<ResponsePart>, DecodeError> {
        let mut d = ResponseDecoder::new(limits);
        d.start_response(head_request);
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        loop {
            let item = if eof {
                d.decode_eof(&mut buf)?
            } else {
                d.decode(&mut buf)?
            };
            match item {
                Some(ResponsePart::End) => {
                    out.push(ResponsePart::End);
                    return Ok(out);
                }
                Some(p) => out.push(p),
                None => return Ok(out),
            }
        }
    }

    fn body_of(parts: &[ResponsePart]) -> Vec<u8> {
        parts
            .iter()
            .filter_map(|p| match p {
                ResponsePart::Data(d) => Some(d.to_vec()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    fn head_of(parts: &[ResponsePart]) -> &ClientResponseHead {
        match parts.iter().rev().find_map(|p| match p {
            ResponsePart::Head(h) => Some(h),
            _ => None,
        }) {
            Some(h) => h,
            None => panic!("no head in {parts:?}"),
        }
    }

    #[test]
    fn content_length_body() {
        let parts = decode_all(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello",
            false,
            CodecLimits::default(),
            false,
        )
        .unwrap();
        let h = head_of(&parts);
        assert_eq!((h.status, h.reason.as_str()), (200, "OK"));
        assert_eq!(h.headers.get("x-a"), Some("b"));
        assert!(h.keep_alive);
        assert_eq!(body_of(&parts), b"hello");
        assert_eq!(parts.last(), Some(&ResponsePart::End));
    }

    #[test]
    fn chunked_body_split_anywhere() {
        let input = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        for split in 0..input.len() {
            let mut d = ResponseDecoder::default();
            d.start_response(false);
            let mut buf = BytesMut::from(&input[..split]);
            let mut parts = Vec::new();
            while let Some(p) = d.decode(&mut buf).unwrap() {
                parts.push(p);
            }
            buf.extend_from_slice(&input[split..]);
            while let Some(p) = d.decode(&mut buf).unwrap() {
                let end = p == ResponsePart::End;
                parts.push(p);
                if end {
                    break;
                }
            }
            assert_eq!(body_of(&parts), b"abcde", "split at {split}");
            assert_eq!(parts.last(), Some(&ResponsePart::End));
        }
    }

    #[test]
    fn close_delimited_body_ends_at_eof() {
        let parts = decode_all(
            b"HTTP/1.0 200 OK\r\n\r\nall of it",
            false,
            CodecLimits::default(),
            true,
        )
        .unwrap();
        assert!(!head_of(&parts).keep_alive);
        assert_eq!(head_of(&parts).body, ResponseFraming::UntilClose);
        assert_eq!(body_of(&parts), b"all of it");
        assert_eq!(parts.last(), Some(&ResponsePart::End));
    }

    #[test]
    fn no_body_for_head_204_304() {
        for (input, head) in [
            (&b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"[..], true),
            (b"HTTP/1.1 204 No Content\r\n\r\n", false),
            (
                b"HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n",
                false,
            ),
        ] {
            let parts = decode_all(input, head, CodecLimits::default(), false).unwrap();
            assert_eq!(head_of(&parts).body, ResponseFraming::Empty);
            assert!(head_of(&parts).keep_alive);
            assert_eq!(parts.len(), 2, "{parts:?}");
        }
    }

    #[test]
    fn interim_responses_come_before_the_final_one() {
        let parts = decode_all(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx",
            false,
            CodecLimits::default(),
            false,
        )
        .unwrap();
        let statuses: Vec<u16> = parts
            .iter()
            .filter_map(|p| match p {
                ResponsePart::Head(h) => Some(h.status),
                _ => None,
            })
            .collect();
        assert_eq!(statuses, [100, 103, 201]);
        assert_eq!(body_of(&parts), b"x");
    }

    #[test]
    fn framing_errors() {
        for input in [
            &b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"HTTP/2 200 OK\r\n\r\n",
            b"garbage\r\n\r\n",
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
        ] {
            let err = decode_all(input, false, CodecLimits::default(), false).unwrap_err();
            assert_eq!(
                err.status(),
                400,
                "{:?}: {err}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn obsolete_folding_and_empty_reason() {
        let parts = decode_all(
            b"HTTP/1.1 299\r\nX-Long: a\r\n  b\r\nContent-Length: 0\r\n\r\n",
            false,
            CodecLimits::default(),
            false,
        )
        .unwrap();
        let h = head_of(&parts);
        assert_eq!((h.status, h.reason.as_str()), (299, ""));
        assert_eq!(h.headers.get("X-Long"), Some("a b"));
    }

    #[test]
    fn limits() {
        let small = CodecLimits {
            max_header_size: 64,
            max_body_size: 4,
            ..Default::default()
        };
        let long_header = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "a".repeat(100));
        let e = decode_all(long_header.as_bytes(), false, small.clone(), false).unwrap_err();
        assert_eq!(e.status(), 431);
        // The head alone, before any body byte arrives, is enough to refuse a declared length.
        let e = decode_all(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
            false,
            small.clone(),
            false,
        )
        .unwrap_err();
        assert_eq!(e.status(), 413);
        let e = decode_all(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            false,
            small.clone(),
            false,
        )
        .unwrap_err();
        assert_eq!(e.status(), 413);
        let e = decode_all(b"HTTP/1.0 200 OK\r\n\r\nhello", false, small, true).unwrap_err();
        assert_eq!(e.status(), 413);
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(data).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn gzip_inflated_within_the_limit() {
        let body = gzip(&b"x".repeat(1000));
        let mut input = format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        input.extend_from_slice(&body);
        let on = CodecLimits {
            decompress: true,
            ..Default::default()
        };
        let parts = decode_all(&input, false, on.clone(), false).unwrap();
        assert_eq!(body_of(&parts), b"x".repeat(1000));
        let h = head_of(&parts);
        assert_eq!(h.headers.get("Content-Encoding"), None);
        assert_eq!(h.headers.get("X-Consumed-Content-Encoding"), Some("gzip"));

        let parts = decode_all(&input, false, CodecLimits::default(), false).unwrap();
        assert_eq!(body_of(&parts), body);

        let bomb = CodecLimits {
            max_body_size: 500,
            ..on
        };
        let e = decode_all(&input, false, bomb, false).unwrap_err();
        assert_eq!(e.status(), 413);
    }

    #[test]
    fn eof_in_the_middle_is_an_error() {
        let e = decode_all(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
            false,
            CodecLimits::default(),
            true,
        )
        .unwrap_err();
        assert!(e.is_io());
    }

    #[test]
    fn keep_alive_rules() {
        for (input, ka) in [
            (&b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"[..], true),
            (
                b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
                false,
            ),
            (b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false),
            (
                b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n",
                true,
            ),
        ] {
            let parts = decode_all(input, false, CodecLimits::default(), false).unwrap();
            assert_eq!(
                head_of(&parts).keep_alive,
                ka,
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    /// Feeds `input` in pieces cut at `cuts`, then EOF; returns what came out.
    fn feed_split(
        input: &[u8],
        cuts: &[usize],
        limits: CodecLimits,
    ) -> Result<Vec<u8>, DecodeError> {
        let mut d = ResponseDecoder::new(limits);
        d.start_response(false);
        let mut buf = BytesMut::new();
        let mut body = Vec::new();
        let mut pos = 0;
        let mut ends = cuts
            .iter()
            .map(|c| c % (input.len() + 1))
            .collect::<Vec<_>>();
        ends.sort_unstable();
        ends.push(input.len());
        for end in ends {
            if end < pos {
                continue;
            }
            buf.extend_from_slice(&input[pos..end]);
            pos = end;
            while let Some(part) = d.decode(&mut buf)? {
                match part {
                    ResponsePart::Data(data) => body.extend_from_slice(&data),
                    ResponsePart::End => return Ok(body),
                    ResponsePart::Head(_) => {}
                }
            }
        }
        loop {
            match d.decode_eof(&mut buf)? {
                Some(ResponsePart::Data(data)) => body.extend_from_slice(&data),
                Some(ResponsePart::Head(_)) => {}
                Some(ResponsePart::End) | None => return Ok(body),
            }
        }
    }

    proptest::proptest! {
        /// Arbitrary bytes never panic or loop, and a body never passes the limit.
        #[test]
        fn arbitrary_input_is_refused_or_bounded(
            input in proptest::collection::vec(proptest::num::u8::ANY, 0..512),
            cuts in proptest::collection::vec(0usize..600, 0..6),
        ) {
            let limits = CodecLimits { max_body_size: 64, max_header_size: 256, ..Default::default() };
            if let Ok(body) = feed_split(&input, &cuts, limits) {
                proptest::prop_assert!(body.len() <= 64);
            }
        }

        /// A valid chunked response decodes to the same body however it is split.
        #[test]
        fn chunked_bodies_survive_any_split(
            pieces in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 1..40), 0..8),
            cuts in proptest::collection::vec(0usize..2000, 0..8),
        ) {
            let mut input = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            for p in &pieces {
                input.extend_from_slice(format!("{:x}\r\n", p.len()).as_bytes());
                input.extend_from_slice(p);
                input.extend_from_slice(b"\r\n");
            }
            input.extend_from_slice(b"0\r\n\r\n");
            let body = feed_split(&input, &cuts, CodecLimits::default()).unwrap();
            proptest::prop_assert_eq!(body, pieces.concat());
        }
    }
}
