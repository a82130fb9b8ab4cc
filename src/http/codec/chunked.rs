//! The chunked transfer coding (RFC 9112 §7.1), decoding side.

use bytes::{Buf, Bytes, BytesMut};

use super::DecodeError;

/// Longest chunk-size line accepted (size, extensions and CRLF).
const MAX_CHUNK_LINE: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading a `size[;ext]\r\n` line.
    Size,
    /// Inside a chunk's data; this many bytes to go.
    Data(u64),
    /// The CRLF after a chunk's data.
    DataEnd,
    /// Trailer lines after the last chunk; `n` bytes of trailers seen so far.
    Trailers(usize),
    Done,
}

/// Incremental decoder of a chunked body.
///
/// Chunk extensions and trailer fields are accepted and ignored, as RFC 9112 allows; chunk sizes
/// must be hex digits only, may not overflow, and their sum may not pass the body limit.
#[derive(Debug, Clone)]
pub(crate) struct ChunkedDecoder {
    state: State,
    total: u64,
    max_body_size: u64,
    max_trailer_size: usize,
}

/// What one step of decoding produced.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Chunk {
    Data(Bytes),
    End,
}

impl ChunkedDecoder {
    pub(crate) fn new(max_body_size: u64, max_trailer_size: usize) -> Self {
        ChunkedDecoder {
            state: State::Size,
            total: 0,
            max_body_size,
            max_trailer_size,
        }
    }

    pub(crate) fn set_max_body_size(&mut self, max: u64) {
        self.max_body_size = max;
    }

    /// Decodes from `buf`: `Ok(None)` when more input is needed. Data comes out in pieces of at
    /// most `max_piece` bytes.
    pub(crate) fn decode(
        &mut self,
        buf: &mut BytesMut,
        max_piece: usize,
    ) -> Result<Option<Chunk>, DecodeError> {
        loop {
            match self.state {
                State::Size => {
                    let Some(nl) = memchr::memchr(b'\n', buf) else {
                        if buf.len() > MAX_CHUNK_LINE {
                            return Err(DecodeError::bad_request("chunk size line too long"));
                        }
                        return Ok(None);
                    };
                    if nl + 1 > MAX_CHUNK_LINE {
                        return Err(DecodeError::bad_request("chunk size line too long"));
                    }
                    if nl == 0 || buf[nl - 1] != b'\r' {
                        return Err(DecodeError::bad_request(
                            "chunk size line not ended by CRLF",
                        ));
                    }
                    let size = parse_chunk_size(&buf[..nl - 1])?;
                    buf.advance(nl + 1);
                    self.total = self
                        .total
                        .checked_add(size)
                        .ok_or_else(|| DecodeError::bad_request("chunk size overflow"))?;
                    if self.total > self.max_body_size {
                        return Err(DecodeError::body_too_large(self.max_body_size));
                    }
                    self.state = if size == 0 {
                        State::Trailers(0)
                    } else {
                        State::Data(size)
                    };
                }
                State::Data(remaining) => {
                    if buf.is_empty() {
                        return Ok(None);
                    }
                    let n = (buf.len() as u64).min(remaining).min(max_piece as u64) as usize;
                    let data = buf.split_to(n).freeze();
                    let left = remaining - n as u64;
                    self.state = if left == 0 {
                        State::DataEnd
                    } else {
                        State::Data(left)
                    };
                    return Ok(Some(Chunk::Data(data)));
                }
                State::DataEnd => {
                    if buf.len() < 2 {
                        return Ok(None);
                    }
                    if &buf[..2] != b"\r\n" {
                        return Err(DecodeError::bad_request("chunk data not followed by CRLF"));
                    }
                    buf.advance(2);
                    self.state = State::Size;
                }
                State::Trailers(seen) => {
                    let Some(nl) = memchr::memchr(b'\n', buf) else {
                        if seen + buf.len() > self.max_trailer_size {
                            return Err(DecodeError::header_too_large(self.max_trailer_size));
                        }
                        return Ok(None);
                    };
                    let line = &buf[..nl];
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    if line.is_empty() {
                        buf.advance(nl + 1);
                        self.state = State::Done;
                        return Ok(Some(Chunk::End));
                    }
                    if line
                        .iter()
                        .any(|&b| !crate::http::headers::is_value_byte(b))
                        || memchr::memchr(b':', line).is_none()
                    {
                        return Err(DecodeError::bad_request("malformed trailer field"));
                    }
                    let seen = seen + nl + 1;
                    if seen > self.max_trailer_size {
                        return Err(DecodeError::header_too_large(self.max_trailer_size));
                    }
                    buf.advance(nl + 1);
                    self.state = State::Trailers(seen);
                }
                State::Done => return Ok(Some(Chunk::End)),
            }
        }
    }
}

/// Parses `hex[ws][;extensions]`.
fn parse_chunk_size(line: &[u8]) -> Result<u64, DecodeError> {
    let digits_end = line
        .iter()
        .position(|b| !b.is_ascii_hexdigit())
        .unwrap_or(line.len());
    if digits_end == 0 {
        return Err(DecodeError::bad_request("invalid chunk size"));
    }
    let mut size: u64 = 0;
    for &b in &line[..digits_end] {
        let d = (b as char).to_digit(16).unwrap_or(0) as u64;
        size = size
            .checked_mul(16)
            .and_then(|s| s.checked_add(d))
            .ok_or_else(|| DecodeError::bad_request("chunk size overflow"))?;
    }
    let rest = crate::http::headers::trim_ows(&line[digits_end..]);
    let bad_extension = |rest: &[u8]| {
        rest[0] != b';'
            || rest
                .iter()
                .any(|&b| !crate::http::headers::is_value_byte(b))
    };
    if !rest.is_empty() && bad_extension(rest) {
        return Err(DecodeError::bad_request("invalid chunk size"));
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(input: &[u8], piece: usize) -> Result<Vec<u8>, DecodeError> {
        let mut d = ChunkedDecoder::new(1 << 20, 1024);
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        loop {
            match d.decode(&mut buf, piece)? {
                Some(Chunk::Data(b)) => out.extend_from_slice(&b),
                Some(Chunk::End) => return Ok(out),
                None => return Err(DecodeError::bad_request("incomplete")),
            }
        }
    }

    #[test]
    fn decodes_chunks_extensions_and_trailers() {
        let body = b"4;name=val\r\nWiki\r\n5 ; x\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\n";
        assert_eq!(decode_all(body, 3).unwrap(), b"Wikipedia in\r\n\r\nchunks.");
    }

    #[test]
    fn byte_at_a_time() {
        let body = b"3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n";
        let mut d = ChunkedDecoder::new(1 << 20, 1024);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        let mut ended = false;
        for &b in body.iter() {
            buf.extend_from_slice(&[b]);
            while let Some(c) = d.decode(&mut buf, 64).unwrap() {
                match c {
                    Chunk::Data(x) => out.extend_from_slice(&x),
                    Chunk::End => {
                        ended = true;
                        break;
                    }
                }
            }
        }
        assert!(ended);
        assert_eq!(out, b"abc0123456789abcdef");
    }

    #[test]
    fn rejects_bad_sizes() {
        for bad in [
            &b"-1\r\n"[..],
            b"+1\r\nx\r\n0\r\n\r\n",
            b"0x1\r\nx\r\n0\r\n\r\n",
            b"g\r\n",
            b"\r\n",
            b"1 2\r\nx\r\n",
            b"10000000000000000\r\n",
            b"ffffffffffffffffff\r\n",
            b"1\nx\r\n0\r\n\r\n",
        ] {
            let err = decode_all(bad, 64).unwrap_err();
            assert_eq!(err.status(), 400, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn rejects_missing_crlf_after_data() {
        assert_eq!(
            decode_all(b"1\r\nxy\r\n0\r\n\r\n", 64)
                .unwrap_err()
                .status(),
            400
        );
    }

    #[test]
    fn enforces_body_limit() {
        let mut d = ChunkedDecoder::new(10, 1024);
        let mut buf = BytesMut::from(&b"b\r\n"[..]);
        assert_eq!(d.decode(&mut buf, 64).unwrap_err().status(), 413);
    }

    #[test]
    fn sizes_sum_overflow_is_an_error() {
        let mut d = ChunkedDecoder::new(u64::MAX, 1024);
        d.total = u64::MAX - 1;
        let mut buf = BytesMut::from(&b"5\r\n"[..]);
        assert_eq!(d.decode(&mut buf, 64).unwrap_err().status(), 400);
    }
}
