//! The response encoder.

use std::io::Write;

use bytes::{BufMut, Bytes, BytesMut};
use tokio_util::codec::Encoder;

use super::date::with_date_line;
use super::decode::parse_content_length;
use super::status::{common_status_line, reason_phrase};
use super::{EncodeError, ResponseContext, ResponseHead, Version};
use crate::http::decimal;
use crate::http::headers::{is_token_byte, is_value};
use crate::http::util::copy::put_parts;

/// One step of an encoded response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseItem {
    /// The status line and headers, with what the encoder must know of the request.
    Head(ResponseHead, ResponseContext),
    /// A piece of the body.
    Data(Bytes),
    /// The end of the response.
    End,
}

/// What to do with body bytes sent outside the encoder; see
/// [`ResponseEncoder::encode_external`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum External {
    /// Send them as they are, after the encoded output.
    Send,
    /// The response has no body: drop them.
    Skip,
    /// The framing needs them encoded: write them through the encoder instead.
    Copy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// No response in progress.
    Idle,
    /// A response that carries no body (HEAD, 1xx, 204, 304).
    NoBody {
        head_request: bool,
        status: u16,
    },
    Length {
        declared: u64,
        written: u64,
    },
    Chunked,
    /// HTTP/1.0 without a length: the body ends when the connection closes.
    UntilClose,
}

/// Encodes responses: status line and headers with the framing headers the request calls for,
/// then the body (length-delimited, chunked or until close), then the end.
///
/// Framing, as Tornado's: a `Content-Length` set by the application is kept and enforced (more
/// data is an error, fewer bytes at the end too); otherwise HTTP/1.1 gets chunked encoding and
/// HTTP/1.0 a body delimited by closing the connection. Responses to HEAD and with status 1xx,
/// 204 or 304 have no body. A `Date` header is added when missing (formatted once a second),
/// and `Connection: close` (HTTP/1.1) or `Connection: Keep-Alive` (HTTP/1.0) as needed.
///
/// ```
/// use bytes::BytesMut;
/// use tornado::http::codec::{ResponseContext, ResponseEncoder, ResponseHead, Version};
///
/// let mut enc = ResponseEncoder::default();
/// let mut out = BytesMut::new();
/// let mut head = ResponseHead::new(200);
/// head.headers.add("Date", "Sun, 06 Nov 1994 08:49:37 GMT");
/// let ctx = ResponseContext { head_request: false, version: Version::Http11, keep_alive: true };
/// enc.encode_head(&head, ctx, &mut out).unwrap();
/// enc.encode_data(b"hi", &mut out).unwrap();
/// enc.encode_end(&mut out).unwrap();
/// assert_eq!(
///     &out[..],
///     &b"HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"[..]
/// );
/// ```
#[derive(Debug)]
pub struct ResponseEncoder {
    framing: Framing,
    keep_alive: bool,
}

impl Default for ResponseEncoder {
    fn default() -> Self {
        ResponseEncoder {
            framing: Framing::Idle,
            keep_alive: true,
        }
    }
}

impl ResponseEncoder {
    /// A new encoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the connection may stay open once the current (or last) response is finished.
    pub fn keep_alive(&self) -> bool {
        self.keep_alive
    }

    /// `true` when a response head has been written and its end has not.
    pub fn in_response(&self) -> bool {
        self.framing != Framing::Idle
    }

    /// Writes the interim `100 Continue` response.
    pub fn encode_continue(dst: &mut BytesMut) {
        dst.extend_from_slice(b"HTTP/1.1 100 (Continue)\r\n\r\n");
    }

    /// Writes a status line and header block. On an error nothing is written: a head refused
    /// half-way (a bad header) leaves no partial head in `dst` to corrupt what follows.
    #[inline]
    pub fn encode_head(
        &mut self,
        head: &ResponseHead,
        ctx: ResponseContext,
        dst: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        let start = dst.len();
        let result = self.encode_head_inner(head, ctx, dst);
        if result.is_err() {
            dst.truncate(start);
        }
        result
    }

    fn encode_head_inner(
        &mut self,
        head: &ResponseHead,
        ctx: ResponseContext,
        dst: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        if self.framing != Framing::Idle {
            return Err(EncodeError::OutOfOrder("a second response head"));
        }
        let status = head.status;
        let mut keep_alive = ctx.keep_alive;
        let no_body_status = (100..200).contains(&status) || status == 204 || status == 304;
        let strip_length = (100..200).contains(&status) || status == 204;

        // Status line.
        dst.reserve(128 + head.headers.len() * 48);
        match (&head.reason, common_status_line(status)) {
            (None, Some(line)) => put_parts(dst, [line]),
            (reason, _) => put_status_line(status, reason.as_deref(), dst)?,
        }

        // The headers, in one pass that also notes the ones the framing depends on (a refused
        // header leaves nothing behind: `encode_head` truncates what was written).
        let mut declared: Option<u64> = None;
        let mut app_chunked = false;
        let mut has_date = false;
        let mut has_connection = false;
        for (name, value, checked) in head.headers.iter_checked() {
            // HttpHeaders keeps names in canonical case, so plain comparisons suffice.
            match name {
                "Content-Length" => {
                    match parse_content_length(value.trim_ascii()) {
                        Some(n) if declared.is_none_or(|d| d == n) => declared = Some(n),
                        _ => return Err(invalid_length(value)),
                    }
                    if strip_length {
                        continue;
                    }
                }
                "Transfer-Encoding" => {
                    app_chunked = ends_in_chunked(value);
                    if strip_length {
                        continue;
                    }
                }
                "Date" => has_date = true,
                "Connection" => {
                    has_connection = true;
                    if has_close_token(value) {
                        keep_alive = false;
                    }
                }
                _ => {}
            }
            // Headers the crate made or already validated (the web layer's `set_header`)
            // need no second look.
            if !checked {
                check_header(name, value)?;
            }
            put_header(dst, name, value);
        }

        let framing = if ctx.head_request || no_body_status {
            Framing::NoBody {
                head_request: ctx.head_request,
                status,
            }
        } else if let Some(n) = declared {
            Framing::Length {
                declared: n,
                written: 0,
            }
        } else if ctx.version == Version::Http11 {
            Framing::Chunked
        } else {
            keep_alive = false;
            Framing::UntilClose
        };
        let add_chunked = framing == Framing::Chunked && !app_chunked;
        if !has_date {
            with_date_line(|line| put_parts(dst, [line]));
        }
        if add_chunked {
            put_header(dst, "Transfer-Encoding", "chunked");
        }
        if !has_connection {
            match (ctx.version, keep_alive) {
                (Version::Http11, false) => put_header(dst, "Connection", "close"),
                (Version::Http10, true) => put_header(dst, "Connection", "Keep-Alive"),
                _ => {}
            }
        }
        dst.extend_from_slice(b"\r\n");
        self.keep_alive = keep_alive;
        self.framing = if (100..200).contains(&status) {
            // An interim response: the final one follows.
            Framing::Idle
        } else {
            framing
        };
        Ok(())
    }

    /// Writes a piece of the body.
    pub fn encode_data(&mut self, data: &[u8], dst: &mut BytesMut) -> Result<(), EncodeError> {
        match &mut self.framing {
            Framing::Idle => Err(EncodeError::OutOfOrder("body data before the head")),
            Framing::NoBody {
                head_request,
                status,
            } => {
                if *head_request || data.is_empty() {
                    Ok(())
                } else {
                    Err(no_body_error(*status))
                }
            }
            Framing::Length { declared, written } => {
                let put = put_length_delimited(*declared, written, data, dst);
                if put.is_err() {
                    self.keep_alive = false;
                }
                put
            }
            Framing::Chunked => {
                put_chunk(data, dst);
                Ok(())
            }
            Framing::UntilClose => {
                dst.extend_from_slice(data);
                Ok(())
            }
        }
    }

    /// Accounts for `len` body bytes that the caller sends itself, straight after what this
    /// encoder has written (the connection's `sendfile` path). Only a length-delimited body
    /// can take them as they are ([`External::Send`]); a response without a body (HEAD)
    /// takes nothing ([`External::Skip`]); chunked and close-delimited bodies need the bytes
    /// encoded ([`External::Copy`]: nothing is counted, write them with
    /// [`encode_data`](Self::encode_data)).
    pub(crate) fn encode_external(&mut self, len: u64) -> Result<External, EncodeError> {
        match &mut self.framing {
            Framing::Length { declared, written } => {
                let total = *written + len;
                if total > *declared {
                    self.keep_alive = false;
                    return Err(EncodeError::TooMuchData {
                        declared: *declared,
                    });
                }
                *written = total;
                Ok(External::Send)
            }
            Framing::NoBody { .. } | Framing::Idle if len == 0 => Ok(External::Skip),
            Framing::NoBody {
                head_request: true, ..
            } => Ok(External::Skip),
            Framing::Idle => Err(EncodeError::OutOfOrder("body data before the head")),
            Framing::NoBody { status, .. } => Err(no_body_error(*status)),
            Framing::Chunked | Framing::UntilClose => Ok(External::Copy),
        }
    }

    /// Ends the response. A length-delimited response that is short is an error, and the
    /// connection must close ([`keep_alive`](Self::keep_alive) turns false).
    pub fn encode_end(&mut self, dst: &mut BytesMut) -> Result<(), EncodeError> {
        let framing = std::mem::replace(&mut self.framing, Framing::Idle);
        match framing {
            Framing::Idle => Err(EncodeError::OutOfOrder("finish before the head")),
            Framing::Length { declared, written } if written < declared => {
                self.keep_alive = false;
                Err(EncodeError::TooLittleData { declared, written })
            }
            Framing::Chunked => {
                dst.extend_from_slice(LAST_CHUNK);
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// A status line other than the common ones [`common_status_line`] has ready (a custom
/// reason, an unusual code). Out of line: rare.
#[cold]
#[inline(never)]
fn put_status_line(
    status: u16,
    reason: Option<&str>,
    dst: &mut BytesMut,
) -> Result<(), EncodeError> {
    let reason = reason.unwrap_or_else(|| reason_phrase(status));
    if !is_value(reason.as_bytes()) {
        return Err(EncodeError::InvalidHeader(format!("reason {reason:?}")));
    }
    dst.extend_from_slice(b"HTTP/1.1 ");
    let mut digits = [0; 20];
    dst.extend_from_slice(decimal(u64::from(status), &mut digits).as_bytes());
    dst.put_u8(b' ');
    dst.extend_from_slice(reason.as_bytes());
    dst.extend_from_slice(b"\r\n");
    Ok(())
}

#[cold]
#[inline(never)]
fn invalid_length(value: &str) -> EncodeError {
    EncodeError::InvalidContentLength(value.to_owned())
}

/// Whether a `Transfer-Encoding` value's last coding is `chunked` (out of line: rare in
/// responses).
#[inline(never)]
fn ends_in_chunked(value: &str) -> bool {
    value
        .rsplit(',')
        .next()
        .is_some_and(|c| c.trim_ascii().eq_ignore_ascii_case("chunked"))
}

/// Whether a `Connection` value lists `close` (out of line: rare in responses).
#[inline(never)]
fn has_close_token(value: &str) -> bool {
    super::lists_token(value, "close")
}

fn no_body_error(status: u16) -> EncodeError {
    EncodeError::OutOfOrder(if status == 304 {
        "body data in a 304 response"
    } else {
        "body data in a response that cannot have a body"
    })
}

// Pieces shared with the client's request encoder (`codec/client/encode.rs`).

/// The chunk that ends a chunked body (no trailers).
pub(super) const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// Checks a header field before it is written: the name must be a token, the value free of
/// control characters (CR and LF included, so no header can be split).
pub(super) fn check_header(name: &str, value: &str) -> Result<(), EncodeError> {
    if name.is_empty() || !name.bytes().all(|b| TOKEN[usize::from(b)]) {
        return Err(EncodeError::InvalidHeader(name.to_owned()));
    }
    if !is_value(value.as_bytes()) {
        return Err(EncodeError::InvalidHeader(format!("{name}: {value:?}")));
    }
    Ok(())
}

/// Appends body bytes to a body of `declared` bytes of which `written` are out; more than
/// declared is an error and writes nothing.
pub(super) fn put_length_delimited(
    declared: u64,
    written: &mut u64,
    data: &[u8],
    dst: &mut BytesMut,
) -> Result<(), EncodeError> {
    let total = *written + data.len() as u64;
    if total > declared {
        return Err(EncodeError::TooMuchData { declared });
    }
    *written = total;
    put_parts(dst, [data]);
    Ok(())
}

/// Appends one chunk of a chunked body; nothing for empty data (an empty chunk would end it).
/// Out of line: it formats, and most responses are sent whole with a length.
#[inline(never)]
pub(super) fn put_chunk(data: &[u8], dst: &mut BytesMut) {
    if !data.is_empty() {
        dst.reserve(data.len() + 20);
        let _ = write!(dst.writer(), "{:x}\r\n", data.len());
        dst.extend_from_slice(data);
        dst.extend_from_slice(b"\r\n");
    }
}

const fn token_table() -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = is_token_byte(i as u8);
        i += 1;
    }
    t
}

/// Bytes allowed in header names, as a table for the hot path.
static TOKEN: [bool; 256] = token_table();

/// Appends `name: value\r\n`.
#[inline]
pub(super) fn put_header(dst: &mut BytesMut, name: &str, value: &str) {
    put_parts(dst, [name.as_bytes(), b": ", value.as_bytes(), b"\r\n"]);
}

impl Encoder<ResponseItem> for ResponseEncoder {
    type Error = EncodeError;

    fn encode(&mut self, item: ResponseItem, dst: &mut BytesMut) -> Result<(), EncodeError> {
        match item {
            ResponseItem::Head(head, ctx) => self.encode_head(&head, ctx, dst),
            ResponseItem::Data(data) => self.encode_data(&data, dst),
            ResponseItem::End => self.encode_end(dst),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_header_copies_every_length() {
        let long: String = ('a'..='z').cycle().take(80).collect();
        for n in 0..=long.len() {
            for m in [0, 1, 3, 7, 15, 16, 31, 33] {
                let mut out = BytesMut::from(&b"xy"[..]);
                put_header(&mut out, &long[..n], &long[..m]);
                let expected = format!("xy{}: {}\r\n", &long[..n], &long[..m]);
                assert_eq!(&out[..], expected.as_bytes());
            }
        }
    }

    #[test]
    fn value_check_agrees_with_the_byte_rule() {
        for b in 0..=255u8 {
            assert_eq!(
                is_value(&[b]),
                crate::http::headers::is_value_byte(b),
                "byte {b:#04x}"
            );
            let long = [b'a', b'\t', b' ', b, b'z'].repeat(13);
            assert_eq!(
                is_value(&long),
                crate::http::headers::is_value_byte(b),
                "byte {b:#04x} in a long value"
            );
        }
        assert!(is_value(b""));
    }

    const DATE: &str = "Sun, 06 Nov 1994 08:49:37 GMT";

    fn ctx(version: Version, keep_alive: bool, head_request: bool) -> ResponseContext {
        ResponseContext {
            head_request,
            version,
            keep_alive,
        }
    }

    fn encode(head: ResponseHead, c: ResponseContext, body: &[&[u8]]) -> (String, bool) {
        let mut enc = ResponseEncoder::new();
        let mut out = BytesMut::new();
        let mut head = head;
        head.headers.add("Date", DATE);
        enc.encode_head(&head, c, &mut out).unwrap();
        for b in body {
            enc.encode_data(b, &mut out).unwrap();
        }
        enc.encode_end(&mut out).unwrap();
        (String::from_utf8(out.to_vec()).unwrap(), enc.keep_alive())
    }

    #[test]
    fn content_length_response() {
        let mut h = ResponseHead::new(200);
        h.headers.add("Content-Length", "5");
        let (out, ka) = encode(h, ctx(Version::Http11, true, false), &[b"he", b"llo"]);
        assert_eq!(
            out,
            format!("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nDate: {DATE}\r\n\r\nhello")
        );
        assert!(ka);
    }

    #[test]
    fn chunked_for_http11_close_delimited_for_http10() {
        let (out, _) = encode(
            ResponseHead::new(200),
            ctx(Version::Http11, true, false),
            &[b"abc", b""],
        );
        assert!(
            out.ends_with("Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
            "{out}"
        );
        let (out, ka) = encode(
            ResponseHead::new(200),
            ctx(Version::Http10, true, false),
            &[b"abc"],
        );
        assert!(out.ends_with(&format!("Date: {DATE}\r\n\r\nabc")), "{out}");
        assert!(!ka);
    }

    #[test]
    fn connection_headers() {
        let mut h = ResponseHead::new(200);
        h.headers.add("Content-Length", "0");
        let (out, ka) = encode(h.clone(), ctx(Version::Http11, false, false), &[]);
        assert!(out.contains("Connection: close\r\n"));
        assert!(!ka);
        let (out, ka) = encode(h, ctx(Version::Http10, true, false), &[]);
        assert!(out.contains("Connection: Keep-Alive\r\n"));
        assert!(ka);
    }

    #[test]
    fn no_body_cases() {
        let mut h = ResponseHead::new(200);
        h.headers.add("Content-Length", "10");
        let (out, ka) = encode(h, ctx(Version::Http11, true, true), &[b"ignored"]);
        assert_eq!(
            out,
            format!("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nDate: {DATE}\r\n\r\n")
        );
        assert!(ka);
        let mut h = ResponseHead::new(204);
        h.headers.add("Content-Length", "0");
        let (out, _) = encode(h, ctx(Version::Http11, true, false), &[]);
        assert_eq!(
            out,
            format!("HTTP/1.1 204 No Content\r\nDate: {DATE}\r\n\r\n")
        );
        let (out, _) = encode(
            ResponseHead::new(304),
            ctx(Version::Http11, true, false),
            &[],
        );
        assert_eq!(
            out,
            format!("HTTP/1.1 304 Not Modified\r\nDate: {DATE}\r\n\r\n")
        );
        let mut enc = ResponseEncoder::new();
        let mut out = BytesMut::new();
        enc.encode_head(
            &ResponseHead::new(204),
            ctx(Version::Http11, true, false),
            &mut out,
        )
        .unwrap();
        assert!(enc.encode_data(b"x", &mut out).is_err());
    }

    #[test]
    fn unknown_status_and_custom_reason() {
        let (out, _) = encode(
            ResponseHead::new(599),
            ctx(Version::Http11, true, false),
            &[],
        );
        assert!(out.starts_with("HTTP/1.1 599 Unknown\r\n"));
        let mut h = ResponseHead::new(200);
        h.reason = Some("Fine".into());
        let (out, _) = encode(h, ctx(Version::Http11, true, false), &[]);
        assert!(out.starts_with("HTTP/1.1 200 Fine\r\n"));
    }

    #[test]
    fn length_mismatch_is_an_error() {
        let mut h = ResponseHead::new(200);
        h.headers.add("Content-Length", "3");
        let mut enc = ResponseEncoder::new();
        let mut out = BytesMut::new();
        enc.encode_head(&h, ctx(Version::Http11, true, false), &mut out)
            .unwrap();
        assert!(matches!(
            enc.encode_data(b"abcd", &mut out),
            Err(EncodeError::TooMuchData { declared: 3 })
        ));
        let mut enc = ResponseEncoder::new();
        enc.encode_head(&h, ctx(Version::Http11, true, false), &mut out)
            .unwrap();
        enc.encode_data(b"ab", &mut out).unwrap();
        assert!(matches!(
            enc.encode_end(&mut out),
            Err(EncodeError::TooLittleData {
                declared: 3,
                written: 2
            })
        ));
        assert!(!enc.keep_alive());
    }

    #[test]
    fn header_injection_refused() {
        for (n, v) in [
            ("X", "a\r\nSet-Cookie: x"),
            ("X", "a\nb"),
            ("X", "a\0"),
            ("Bad Name", "v"),
            ("", "v"),
        ] {
            let mut h = ResponseHead::new(200);
            h.headers.add("X-Fine", "first");
            h.headers.add(n, v);
            let mut out = BytesMut::from(&b"earlier bytes"[..]);
            let mut enc = ResponseEncoder::new();
            let r = enc.encode_head(&h, ctx(Version::Http11, true, false), &mut out);
            assert!(
                matches!(r, Err(EncodeError::InvalidHeader(_))),
                "{n:?}: {v:?}"
            );
            // Nothing of the refused head was written, and another head may follow.
            assert_eq!(&out[..], b"earlier bytes");
            assert!(!enc.in_response());
        }
    }

    #[test]
    fn adds_date_when_missing() {
        let mut out = BytesMut::new();
        ResponseEncoder::new()
            .encode_head(
                &ResponseHead::new(200),
                ctx(Version::Http11, true, false),
                &mut out,
            )
            .unwrap();
        assert!(String::from_utf8_lossy(&out).contains("\r\nDate: "));
    }
}
