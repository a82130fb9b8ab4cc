//! HTTP/1.x request and response start lines.

use crate::http::HttpInputError;

/// The first line of an HTTP/1.x request (Tornado's `RequestStartLine`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestStartLine {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The request target as sent, e.g. `/foo?a=b`.
    pub path: String,
    /// The protocol version, e.g. `HTTP/1.1`.
    pub version: String,
}

/// The first line of an HTTP/1.x response (Tornado's `ResponseStartLine`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResponseStartLine {
    /// The protocol version, e.g. `HTTP/1.1`.
    pub version: String,
    /// The status code.
    pub code: u16,
    /// The reason phrase (possibly empty).
    pub reason: String,
}

fn is_http1_version(v: &str) -> bool {
    matches!(v.as_bytes(), [b'H', b'T', b'T', b'P', b'/', b'1', b'.', d] if d.is_ascii_digit())
}

/// Parses `METHOD SP target SP HTTP/1.x` (Tornado's `parse_request_start_line`).
///
/// The line must have exactly three fields separated by single spaces, the method must be an
/// RFC 9110 token and the target must be visible characters (no spaces or control characters),
/// as Tornado 6.5+ checks; otherwise the error is `Malformed HTTP request line`. A version that is
/// not `HTTP/1.` plus one digit gives `Malformed HTTP version in HTTP Request-Line: '…'`.
///
/// ```
/// use tornado::http::parse_request_start_line;
/// let l = parse_request_start_line("GET /foo HTTP/1.1").unwrap();
/// assert_eq!((l.method.as_str(), l.path.as_str(), l.version.as_str()), ("GET", "/foo", "HTTP/1.1"));
/// assert!(parse_request_start_line("GET /foo").is_err());
/// assert!(parse_request_start_line("GET /foo HTTP/2.0").is_err());
/// ```
pub fn parse_request_start_line(line: &str) -> Result<RequestStartLine, HttpInputError> {
    let malformed = || HttpInputError::new("Malformed HTTP request line");
    let mut fields = line.split(' ');
    let (Some(method), Some(path), Some(version), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err(malformed());
    };
    let method_ok = !method.is_empty() && method.bytes().all(crate::http::headers::is_token_byte);
    let path_ok = !path.is_empty() && path.bytes().all(|b| b > 0x20 && b != 0x7f);
    if !method_ok || !path_ok {
        return Err(malformed());
    }
    if !is_http1_version(version) {
        return Err(HttpInputError::new(format!(
            "Malformed HTTP version in HTTP Request-Line: {version:?}"
        )));
    }
    Ok(RequestStartLine {
        method: method.to_owned(),
        path: path.to_owned(),
        version: version.to_owned(),
    })
}

/// Parses `HTTP/1.x SP code SP reason` (Tornado's `parse_response_start_line`).
///
/// As Tornado's `HTTP/1.[0-9] ([0-9]+) ([^\r]*)` prefix match: the code is one or more digits
/// (it must also fit a `u16` here) and the reason runs to the first CR; both spaces are required,
/// the reason may be empty. Anything else is `Error parsing response start line`.
///
/// ```
/// use tornado::http::parse_response_start_line;
/// let l = parse_response_start_line("HTTP/1.1 404 Not Found").unwrap();
/// assert_eq!((l.version.as_str(), l.code, l.reason.as_str()), ("HTTP/1.1", 404, "Not Found"));
/// assert!(parse_response_start_line("HTTP/1.1 OK").is_err());
/// ```
pub fn parse_response_start_line(line: &str) -> Result<ResponseStartLine, HttpInputError> {
    let error = || HttpInputError::new("Error parsing response start line");
    let version = line
        .get(..8)
        .filter(|v| is_http1_version(v))
        .ok_or_else(error)?;
    let rest = line[8..].strip_prefix(' ').ok_or_else(error)?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (code, rest) = rest.split_at(digits);
    let reason = rest.strip_prefix(' ').ok_or_else(error)?;
    let code = code.trim_start_matches('0');
    let code = if code.is_empty() && digits > 0 {
        0
    } else if code.len() <= 5 {
        code.parse::<u16>().map_err(|_| error())?
    } else {
        return Err(error());
    };
    let reason = reason.split('\r').next().unwrap_or_default();
    Ok(ResponseStartLine {
        version: version.to_owned(),
        code,
        reason: reason.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_line_errors() {
        let err = |l| parse_request_start_line(l).map_err(|e| e.to_string());
        for line in [
            "GET /",
            "GET / HTTP/1.1 x",
            "G(T / HTTP/1.1",
            " / HTTP/1.1",
            "GET /\u{1} HTTP/1.1",
            "",
        ] {
            assert_eq!(
                err(line).unwrap_err(),
                "Malformed HTTP request line",
                "{line:?}"
            );
        }
        assert_eq!(
            err("GET / HTTP/2.0").unwrap_err(),
            "Malformed HTTP version in HTTP Request-Line: \"HTTP/2.0\""
        );
        assert_eq!(err("GET /caf\u{e9} HTTP/1.1").unwrap().path, "/caf\u{e9}");
    }

    #[test]
    fn response_line_edges() {
        let p = |l| parse_response_start_line(l).map(|r| (r.code, r.reason));
        assert_eq!(p("HTTP/1.1 65535 Max"), Ok((65535, "Max".into())));
        assert_eq!(p("HTTP/1.1 000 Z"), Ok((0, "Z".into())));
        let err = p("HTTP/1.1 65536 Big").unwrap_err();
        assert_eq!(err.message(), "Error parsing response start line");
        assert!(p("HTTP/1.1 99999999999999999999 Big").is_err());
        assert!(p("").is_err());
        assert!(p("HTTP/1.\u{e9} 200 OK").is_err());
        assert!(p("HTTP/1.1\u{e9}200 OK").is_err());
        assert_eq!(p("HTTP/1.1 200 caf\u{e9}"), Ok((200, "caf\u{e9}".into())));
    }
}
