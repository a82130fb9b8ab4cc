//! The request encoder.

use bytes::{BufMut, BytesMut};

use super::RequestFraming;
use crate::http::codec::decode::parse_content_length;
use crate::http::codec::encode::{
    check_header, put_chunk, put_header, put_length_delimited, LAST_CHUNK,
};
use crate::http::codec::EncodeError;
use crate::http::headers::is_token_byte;
use crate::http::HttpHeaders;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    Length { declared: u64, written: u64 },
    Chunked,
    NoBody,
}

/// Encodes requests: a head, then body pieces, then the end.
///
/// The body's framing comes from the headers the caller set: `Content-Length` for a body of
/// known size, `Transfer-Encoding: chunked` for a streamed one, neither for no body. Header
/// names and values that would break the framing (CR, LF, NUL, non-token names) are refused.
///
/// ```
/// use bytes::BytesMut;
/// use tornado::http::HttpHeaders;
/// use tornado::http::codec::{RequestEncoder, RequestFraming};
///
/// let mut enc = RequestEncoder::default();
/// let mut headers = HttpHeaders::new();
/// headers.add("Host", "example.com");
/// headers.add("Content-Length", "2");
/// let mut out = BytesMut::new();
/// let framing = enc.encode_head("POST", "/x", &headers, &mut out).unwrap();
/// assert_eq!(framing, RequestFraming::Length(2));
/// enc.encode_data(b"hi", &mut out).unwrap();
/// enc.encode_end(&mut out).unwrap();
/// assert_eq!(&out[..], b"POST /x HTTP/1.1\r\nHost: example.com\r\nContent-Length: 2\r\n\r\nhi");
/// ```
#[derive(Debug)]
pub struct RequestEncoder {
    state: State,
}

impl Default for RequestEncoder {
    fn default() -> Self {
        RequestEncoder { state: State::Idle }
    }
}

impl RequestEncoder {
    /// Writes the request line and header block, returning the body framing they declare.
    pub fn encode_head(
        &mut self,
        method: &str,
        target: &str,
        headers: &HttpHeaders,
        dst: &mut BytesMut,
    ) -> Result<RequestFraming, EncodeError> {
        if self.state != State::Idle {
            return Err(EncodeError::OutOfOrder("a second request head"));
        }
        if method.is_empty() || !method.bytes().all(is_token_byte) {
            return Err(EncodeError::InvalidHeader(format!("method {method:?}")));
        }
        if target.is_empty() || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(EncodeError::InvalidHeader(format!("target {target:?}")));
        }
        let mut framing = RequestFraming::Empty;
        for (name, value) in headers.iter() {
            check_header(name, value)?;
            if name == "Content-Length" {
                let n = parse_content_length(value.trim())
                    .ok_or_else(|| EncodeError::InvalidContentLength(value.to_owned()))?;
                if matches!(framing, RequestFraming::Length(d) if d != n)
                    || framing == RequestFraming::Chunked
                {
                    return Err(EncodeError::InvalidContentLength(value.to_owned()));
                }
                framing = RequestFraming::Length(n);
            } else if name == "Transfer-Encoding" {
                let chunked = value
                    .rsplit(',')
                    .next()
                    .is_some_and(|c| c.trim().eq_ignore_ascii_case("chunked"));
                if !chunked || matches!(framing, RequestFraming::Length(_)) {
                    return Err(EncodeError::InvalidHeader(format!("{name}: {value}")));
                }
                framing = RequestFraming::Chunked;
            }
        }
        dst.reserve(32 + method.len() + target.len() + headers.len() * 32);
        dst.extend_from_slice(method.as_bytes());
        dst.put_u8(b' ');
        dst.extend_from_slice(target.as_bytes());
        dst.extend_from_slice(b" HTTP/1.1\r\n");
        for (name, value) in headers.iter() {
            put_header(dst, name, value);
        }
        dst.extend_from_slice(b"\r\n");
        self.state = match framing {
            RequestFraming::Empty | RequestFraming::Length(0) => State::NoBody,
            RequestFraming::Length(n) => State::Length {
                declared: n,
                written: 0,
            },
            RequestFraming::Chunked => State::Chunked,
        };
        Ok(framing)
    }

    /// Writes a piece of the body.
    pub fn encode_data(&mut self, data: &[u8], dst: &mut BytesMut) -> Result<(), EncodeError> {
        match &mut self.state {
            State::Idle => Err(EncodeError::OutOfOrder("body data before the head")),
            State::NoBody if data.is_empty() => Ok(()),
            State::NoBody => Err(EncodeError::OutOfOrder(
                "body data in a request without Content-Length or Transfer-Encoding",
            )),
            State::Length { declared, written } => {
                put_length_delimited(*declared, written, data, dst)
            }
            State::Chunked => {
                put_chunk(data, dst);
                Ok(())
            }
        }
    }

    /// Ends the request; a length-delimited body that is short is an error.
    pub fn encode_end(&mut self, dst: &mut BytesMut) -> Result<(), EncodeError> {
        match std::mem::replace(&mut self.state, State::Idle) {
            State::Idle => Err(EncodeError::OutOfOrder("finish before the head")),
            State::Length { declared, written } if written < declared => {
                Err(EncodeError::TooLittleData { declared, written })
            }
            State::Chunked => {
                dst.extend_from_slice(LAST_CHUNK);
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HttpHeaders {
        pairs.iter().copied().collect()
    }

    #[test]
    fn chunked_request() {
        let mut enc = RequestEncoder::default();
        let mut out = BytesMut::new();
        let h = headers(&[("Host", "a"), ("Transfer-Encoding", "chunked")]);
        assert_eq!(
            enc.encode_head("PUT", "/u", &h, &mut out).unwrap(),
            RequestFraming::Chunked
        );
        enc.encode_data(b"abc", &mut out).unwrap();
        enc.encode_data(b"", &mut out).unwrap();
        enc.encode_end(&mut out).unwrap();
        assert_eq!(
            &out[..],
            b"PUT /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
        );
    }

    #[test]
    fn no_body_without_framing_headers() {
        let mut enc = RequestEncoder::default();
        let mut out = BytesMut::new();
        enc.encode_head("GET", "/", &headers(&[("Host", "a")]), &mut out)
            .unwrap();
        assert!(enc.encode_data(b"x", &mut out).is_err());
        enc.encode_end(&mut out).unwrap();
    }

    #[test]
    fn length_is_enforced() {
        let mut enc = RequestEncoder::default();
        let mut out = BytesMut::new();
        let h = headers(&[("Content-Length", "3")]);
        enc.encode_head("POST", "/", &h, &mut out).unwrap();
        assert!(matches!(
            enc.encode_data(b"abcd", &mut out),
            Err(EncodeError::TooMuchData { declared: 3 })
        ));
        enc.encode_data(b"ab", &mut out).unwrap();
        assert!(matches!(
            enc.encode_end(&mut out),
            Err(EncodeError::TooLittleData {
                declared: 3,
                written: 2
            })
        ));
    }

    #[test]
    fn injection_refused() {
        for (method, target, h) in [
            ("GET", "/", headers(&[("X", "a\r\nEvil: 1")])),
            ("GET", "/", headers(&[("Bad Name", "a")])),
            ("GE T", "/", HttpHeaders::new()),
            ("GET", "/a b", HttpHeaders::new()),
            ("GET", "/", headers(&[("Content-Length", "x")])),
            (
                "GET",
                "/",
                headers(&[("Content-Length", "1"), ("Transfer-Encoding", "chunked")]),
            ),
        ] {
            let mut out = BytesMut::new();
            assert!(
                RequestEncoder::default()
                    .encode_head(method, target, &h, &mut out)
                    .is_err(),
                "{method} {target} {h:?}"
            );
        }
    }
}
