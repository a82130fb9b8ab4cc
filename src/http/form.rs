//! Form bodies: `application/x-www-form-urlencoded` and `multipart/form-data` (Tornado's
//! `parse_body_arguments` and `parse_multipart_form_data`).
//!
//! # How malformed forms are handled
//!
//! Like Tornado, these parsers never fail on a malformed body: they log a warning through
//! [`tracing`] and keep whatever they parsed before the problem. The only errors are the
//! [`FormLimits`] being exceeded, which a server should answer with `400 Bad Request`.
//!
//! # Examples
//!
//! ```
//! use tornado::http::{parse_body_arguments, Arguments, Files, FormLimits};
//!
//! let body = b"--XyZ\r\n\
//!     Content-Disposition: form-data; name=\"title\"\r\n\r\n\
//!     Hello\r\n\
//!     --XyZ\r\n\
//!     Content-Disposition: form-data; name=\"upload\"; filename=\"a.txt\"\r\n\
//!     Content-Type: text/plain\r\n\r\n\
//!     file body\r\n\
//!     --XyZ--\r\n";
//! let (mut args, mut files) = (Arguments::new(), Files::new());
//! parse_body_arguments(
//!     "multipart/form-data; boundary=XyZ",
//!     body,
//!     &mut args,
//!     &mut files,
//!     None,
//!     &FormLimits::default(),
//! )?;
//! assert_eq!(args["title"], ["Hello"]);
//! let file = &files["upload"][0];
//! assert_eq!((file.filename.as_str(), file.content_type.as_str()), ("a.txt", "text/plain"));
//! assert_eq!(file.body, "file body");
//! # Ok::<(), tornado::http::FormError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use bytes::Bytes;
use memchr::memmem;

use super::headers::HttpHeaders;
use super::util::{count_qs_fields, parse_header, parse_qs_bytes, py_strip};

/// Request arguments: name → every value sent for it, in order, as raw bytes (Tornado's
/// `request.arguments`). Names are sorted, unlike Python's insertion-ordered dict.
pub type Arguments = BTreeMap<String, Vec<Bytes>>;

/// Uploaded files: form field name → every file sent under it, in order.
pub type Files = BTreeMap<String, Vec<HttpFile>>;

/// A file uploaded through a `multipart/form-data` form (Tornado's `HTTPFile`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpFile {
    /// The `filename` (or RFC 2231 `filename*`) parameter of the part's `Content-Disposition`.
    pub filename: String,
    /// The file's bytes.
    pub body: Bytes,
    /// The part's `Content-Type`. Default: `application/unknown`.
    pub content_type: String,
}

/// Limits on form bodies that protect the server from hostile requests.
///
/// ```
/// use tornado::http::FormLimits;
/// let strict = FormLimits { max_parts: 10, ..FormLimits::default() };
/// assert_eq!(strict.max_part_header_size, 10 * 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormLimits {
    /// Most parts a `multipart/form-data` body may have. Default: 1000.
    pub max_parts: usize,
    /// Most bytes in the header block of one multipart part (without its closing blank line).
    /// Default: 10 KiB (10240), as in Tornado 6.5.5+.
    pub max_part_header_size: usize,
    /// Most fields an `application/x-www-form-urlencoded` body may have, counted as Python does
    /// (one more than the number of `&`). Default: 1000, as in Tornado 6.5.8+.
    pub max_arguments: usize,
}

impl Default for FormLimits {
    fn default() -> Self {
        FormLimits {
            max_parts: 1000,
            max_part_header_size: 10 * 1024,
            max_arguments: 1000,
        }
    }
}

/// A form body broke one of the [`FormLimits`]. A server answers it with `400 Bad Request`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormError {
    /// A multipart body has more than [`FormLimits::max_parts`] parts.
    TooManyParts {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// A multipart part's header block is larger than [`FormLimits::max_part_header_size`].
    PartHeaderTooLarge {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// A urlencoded body has more than [`FormLimits::max_arguments`] fields.
    TooManyArguments {
        /// The limit that was exceeded.
        limit: usize,
    },
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormError::TooManyParts { limit } => {
                write!(f, "multipart/form-data body has more than {limit} parts")
            }
            FormError::PartHeaderTooLarge { limit } => write!(
                f,
                "multipart/form-data part header block larger than {limit} bytes"
            ),
            FormError::TooManyArguments { limit } => write!(
                f,
                "x-www-form-urlencoded body has more than {limit} arguments"
            ),
        }
    }
}

impl std::error::Error for FormError {}

/// Where part bodies come from: a borrowed slice (copied out) or shared [`Bytes`] (sliced
/// without copying).
#[derive(Clone, Copy)]
enum Body<'a> {
    Slice(&'a [u8]),
    Shared(&'a Bytes),
}

impl Body<'_> {
    fn as_slice(&self) -> &[u8] {
        match self {
            Body::Slice(s) => s,
            Body::Shared(b) => b,
        }
    }

    fn piece(&self, range: Range<usize>) -> Bytes {
        match self {
            Body::Slice(s) => Bytes::copy_from_slice(&s[range]),
            Body::Shared(b) => b.slice(range),
        }
    }
}

/// Parses a form request body into `arguments` and `files` (Tornado's `parse_body_arguments`).
///
/// - `application/x-www-form-urlencoded`: parsed with
///   [`parse_qs_bytes`](super::parse_qs_bytes) keeping blank values.
/// - `multipart/form-data`: the `boundary` parameter of `content_type` is handed to
///   [`parse_multipart_form_data`]; a missing boundary, or a type such as
///   `multipart/form-dataxyz`, logs a warning.
/// - Any other type is ignored.
///
/// When `headers` has a `Content-Encoding`, nothing is parsed and a warning is logged, as in
/// Tornado (decompression is the server's job, before this point).
///
/// Malformed bodies log a warning and keep what was parsed so far; the only errors are
/// [`FormLimits`] violations. Part bodies are copied out of `body`; use
/// [`parse_body_arguments_shared`] to share one buffer instead.
pub fn parse_body_arguments(
    content_type: &str,
    body: &[u8],
    arguments: &mut Arguments,
    files: &mut Files,
    headers: Option<&HttpHeaders>,
    limits: &FormLimits,
) -> Result<(), FormError> {
    parse_body(
        content_type,
        Body::Slice(body),
        arguments,
        files,
        headers,
        limits,
    )
}

/// [`parse_body_arguments`] for a body already in [`Bytes`]: values and file bodies are
/// slices of `body`, not copies.
pub fn parse_body_arguments_shared(
    content_type: &str,
    body: &Bytes,
    arguments: &mut Arguments,
    files: &mut Files,
    headers: Option<&HttpHeaders>,
    limits: &FormLimits,
) -> Result<(), FormError> {
    parse_body(
        content_type,
        Body::Shared(body),
        arguments,
        files,
        headers,
        limits,
    )
}

fn parse_body(
    content_type: &str,
    body: Body<'_>,
    arguments: &mut Arguments,
    files: &mut Files,
    headers: Option<&HttpHeaders>,
    limits: &FormLimits,
) -> Result<(), FormError> {
    let urlencoded = content_type.starts_with("application/x-www-form-urlencoded");
    let multipart = content_type.starts_with("multipart/form-data");
    if !urlencoded && !multipart {
        return Ok(());
    }
    if let Some(encoding) = headers.and_then(|h| h.get_joined("Content-Encoding")) {
        tracing::warn!("Unsupported Content-Encoding: {encoding}");
        return Ok(());
    }
    if urlencoded {
        let fields = count_qs_fields(body.as_slice());
        if fields > limits.max_arguments {
            return Err(FormError::TooManyArguments {
                limit: limits.max_arguments,
            });
        }
        for (name, values) in parse_qs_bytes(body.as_slice(), true) {
            arguments.entry(name).or_default().extend(values);
        }
        return Ok(());
    }
    let mut fields = content_type.split(';');
    if fields.next().map(py_strip) != Some("multipart/form-data") {
        tracing::warn!("Invalid multipart/form-data: Invalid content type");
        return Ok(());
    }
    for field in fields {
        let (k, v) = py_strip(field).split_once('=').unwrap_or((field, ""));
        if k == "boundary" && !v.is_empty() {
            return parse_multipart(v.as_bytes(), body, arguments, files, limits);
        }
    }
    tracing::warn!("Invalid multipart/form-data: multipart boundary not found");
    Ok(())
}

/// Parses a `multipart/form-data` body (Tornado's `parse_multipart_form_data`), adding fields
/// to `arguments` and uploads to `files`.
///
/// The rules are Tornado's:
///
/// - `boundary` may be wrapped in double quotes, which are removed.
/// - The body must contain the final delimiter `--boundary--`; without it nothing is parsed and
///   a warning is logged. Anything after the *last* final delimiter is ignored.
/// - Parts are separated by `--boundary` + CRLF. Each part needs a header block ended by a blank
///   line (CRLF CRLF) and must end with CRLF; its body is everything between the two.
/// - A part whose `Content-Disposition` is not `form-data`, or has no (or an empty) `name`, is
///   skipped with a warning, as is a part without a header block.
/// - A part with a non-empty `filename` (or RFC 2231/5987 `filename*`) becomes an [`HttpFile`]
///   (content type default `application/unknown`); any other becomes an argument.
/// - A header block that is not UTF-8 or not valid header syntax ends the parse with a warning,
///   keeping the parts before it (Tornado raises there and its caller logs).
///
/// Errors: more than [`FormLimits::max_parts`] parts, or a part header block over
/// [`FormLimits::max_part_header_size`]. Parsing takes time linear in `data.len()`.
pub fn parse_multipart_form_data(
    boundary: &[u8],
    data: &[u8],
    arguments: &mut Arguments,
    files: &mut Files,
    limits: &FormLimits,
) -> Result<(), FormError> {
    parse_multipart(boundary, Body::Slice(data), arguments, files, limits)
}

fn parse_multipart(
    boundary: &[u8],
    body: Body<'_>,
    arguments: &mut Arguments,
    files: &mut Files,
    limits: &FormLimits,
) -> Result<(), FormError> {
    let boundary = match boundary {
        [b'"', inner @ .., b'"'] => inner,
        [b'"'] => &[][..],
        other => other,
    };
    let data = body.as_slice();
    let mut final_delimiter = Vec::with_capacity(boundary.len() + 4);
    final_delimiter.extend_from_slice(b"--");
    final_delimiter.extend_from_slice(boundary);
    final_delimiter.extend_from_slice(b"--");
    let Some(end) = memmem::rfind(data, &final_delimiter) else {
        tracing::warn!("Invalid multipart/form-data: no final boundary");
        return Ok(());
    };
    let mut delimiter = final_delimiter;
    delimiter.truncate(boundary.len() + 2);
    delimiter.extend_from_slice(b"\r\n");

    // Find every part first so a body with too many parts, or a part with too large a header
    // block, is refused before anything is added.
    let mut parts: Vec<Range<usize>> = Vec::new();
    let mut start = 0;
    for at in memmem::find_iter(&data[..end], &delimiter) {
        // Empty parts (the usual empty preamble, or two delimiters in a row) are skipped.
        if at > start {
            parts.push(start..at);
            if parts.len() > limits.max_parts {
                break;
            }
        }
        start = at + delimiter.len();
    }
    if end > start {
        parts.push(start..end);
    }
    if parts.len() > limits.max_parts {
        return Err(FormError::TooManyParts {
            limit: limits.max_parts,
        });
    }
    let mut header_ends = Vec::with_capacity(parts.len());
    for range in &parts {
        let eoh = memmem::find(&data[range.clone()], b"\r\n\r\n");
        if eoh.is_some_and(|eoh| eoh > limits.max_part_header_size) {
            return Err(FormError::PartHeaderTooLarge {
                limit: limits.max_part_header_size,
            });
        }
        header_ends.push(eoh);
    }

    for (range, eoh) in parts.into_iter().zip(header_ends) {
        let part = &data[range.clone()];
        let Some(eoh) = eoh else {
            tracing::warn!("multipart/form-data missing headers");
            continue;
        };
        let headers = match parse_part_headers(&part[..eoh]) {
            Ok(h) => h,
            Err(message) => {
                tracing::warn!("Invalid multipart/form-data: {message}");
                return Ok(());
            }
        };
        let disposition = headers
            .get_joined("Content-Disposition")
            .unwrap_or_default();
        let (kind, mut params) = parse_header(&disposition);
        if kind != "form-data" || !part.ends_with(b"\r\n") {
            tracing::warn!("Invalid multipart/form-data");
            continue;
        }
        let value_start = range.start + eoh + 4;
        let value_end = (range.end - 2).max(value_start);
        let value = body.piece(value_start..value_end);
        let Some(name) = params.remove("name").filter(|n| !n.is_empty()) else {
            tracing::warn!("multipart/form-data value missing name");
            continue;
        };
        match params.remove("filename").filter(|f| !f.is_empty()) {
            Some(filename) => {
                let content_type = headers
                    .get_joined("Content-Type")
                    .unwrap_or_else(|| "application/unknown".to_owned());
                files.entry(name).or_default().push(HttpFile {
                    filename,
                    body: value,
                    content_type,
                });
            }
            None => arguments.entry(name).or_default().push(value),
        }
    }
    Ok(())
}

/// Parses a part's header block as Tornado 6.3 does: UTF-8 text, lines split on LF with an
/// optional CR, a line starting with whitespace continues the previous value, every other line
/// needs a colon.
fn parse_part_headers(block: &[u8]) -> Result<HttpHeaders, &'static str> {
    let text = std::str::from_utf8(block).map_err(|_| "part headers are not UTF-8")?;
    let mut headers = HttpHeaders::new();
    let mut last: Option<(String, String)> = None;
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let Some(first) = line.chars().next() else {
            continue;
        };
        if super::util::is_py_space(first) {
            let Some((_, value)) = last.as_mut() else {
                return Err("first header line cannot start with whitespace");
            };
            value.push(' ');
            value.push_str(line.trim_start_matches(super::util::is_py_space));
            continue;
        }
        let (name, value) = line.split_once(':').ok_or("no colon in header line")?;
        if let Some((n, v)) = last.take() {
            headers.add(&n, v);
        }
        last = Some((name.to_owned(), py_strip(value).to_owned()));
    }
    if let Some((n, v)) = last {
        headers.add(&n, v);
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Runs `f` and returns everything it logged.
    fn logged(f: impl FnOnce()) -> String {
        #[derive(Clone, Default)]
        struct Buf(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buf {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0
                    .lock()
                    .map_err(|_| std::io::ErrorKind::Other)?
                    .extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buf = Buf::default();
        let writer = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        let bytes = buf.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    fn part(name: &str, body: &str) -> String {
        format!("--B\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{body}\r\n")
    }

    fn parse(
        content_type: &str,
        body: &[u8],
        limits: &FormLimits,
    ) -> (Result<(), FormError>, Arguments, Files) {
        let (mut args, mut files) = (Arguments::new(), Files::new());
        let r = parse_body_arguments(content_type, body, &mut args, &mut files, None, limits);
        (r, args, files)
    }

    const MP: &str = "multipart/form-data; boundary=B";

    #[test]
    fn limits_default_values() {
        let l = FormLimits::default();
        assert_eq!(
            (l.max_parts, l.max_part_header_size, l.max_arguments),
            (1000, 10240, 1000)
        );
    }

    #[test]
    fn too_many_parts_is_an_error_and_adds_nothing() {
        let limits = FormLimits {
            max_parts: 3,
            ..FormLimits::default()
        };
        let ok: String = (0..3)
            .map(|i| part(&format!("p{i}"), "v"))
            .collect::<String>()
            + "--B--";
        let (r, args, _) = parse(MP, ok.as_bytes(), &limits);
        assert_eq!(r, Ok(()));
        assert_eq!(args.len(), 3);

        let body: String = (0..4)
            .map(|i| part(&format!("p{i}"), "v"))
            .collect::<String>()
            + "--B--";
        let (r, args, files) = parse(MP, body.as_bytes(), &limits);
        assert_eq!(r, Err(FormError::TooManyParts { limit: 3 }));
        assert!(args.is_empty() && files.is_empty());
        assert_eq!(
            FormError::TooManyParts { limit: 3 }.to_string(),
            "multipart/form-data body has more than 3 parts"
        );
    }

    #[test]
    fn a_huge_number_of_parts_stops_counting_at_the_limit() {
        let body = "--B\r\n".repeat(200_000) + &part("a", "1").repeat(100_000) + "--B--";
        let (r, _, _) = parse(MP, body.as_bytes(), &FormLimits::default());
        assert_eq!(r, Err(FormError::TooManyParts { limit: 1000 }));
    }

    #[test]
    fn part_header_too_large_is_an_error() {
        let limits = FormLimits {
            max_part_header_size: 64,
            ..FormLimits::default()
        };
        let header = "Content-Disposition: form-data; name=\"a\"";
        let pad = |n: usize| format!("{header}\r\nX: {}", "x".repeat(n - header.len() - 5));
        let at_limit = format!("--B\r\n{}\r\n\r\nv\r\n--B--", pad(64));
        let (r, args, _) = parse(MP, at_limit.as_bytes(), &limits);
        assert_eq!(r, Ok(()));
        assert_eq!(args["a"], ["v"]);
        let over = format!("{}--B\r\n{}\r\n\r\nv\r\n--B--", part("first", "1"), pad(65));
        let (r, args, _) = parse(MP, over.as_bytes(), &limits);
        assert_eq!(r, Err(FormError::PartHeaderTooLarge { limit: 64 }));
        assert!(args.is_empty());
        assert!(FormError::PartHeaderTooLarge { limit: 64 }
            .to_string()
            .contains("64 bytes"));
    }

    #[test]
    fn too_many_urlencoded_arguments_is_an_error() {
        let limits = FormLimits {
            max_arguments: 3,
            ..FormLimits::default()
        };
        let ct = "application/x-www-form-urlencoded";
        let (r, args, _) = parse(ct, b"a=1&b=2&c=3", &limits);
        assert_eq!((r, args.len()), (Ok(()), 3));
        // Empty fields count, as in Python's max_num_fields.
        let (r, args, _) = parse(ct, b"a=1&&b=2&", &limits);
        assert_eq!(r, Err(FormError::TooManyArguments { limit: 3 }));
        assert!(args.is_empty());
        let (r, _, _) = parse(ct, b"", &limits);
        assert_eq!(r, Ok(()));
    }

    #[test]
    fn content_encoding_means_nothing_is_parsed() {
        let mut headers = HttpHeaders::new();
        headers.add("Content-Encoding", "gzip");
        for (ct, body) in [
            ("application/x-www-form-urlencoded", "a=1".to_string()),
            (MP, part("a", "1") + "--B--"),
        ] {
            let (mut args, mut files) = (Arguments::new(), Files::new());
            let log = logged(|| {
                let r = parse_body_arguments(
                    ct,
                    body.as_bytes(),
                    &mut args,
                    &mut files,
                    Some(&headers),
                    &FormLimits::default(),
                );
                assert_eq!(r, Ok(()));
            });
            assert!(args.is_empty(), "{ct}");
            assert!(log.contains("Unsupported Content-Encoding: gzip"), "{log}");
        }
        // Other headers do not matter.
        let mut headers = HttpHeaders::new();
        headers.add("Content-Type", "x");
        let (mut args, mut files) = (Arguments::new(), Files::new());
        let r = parse_body_arguments(
            "application/x-www-form-urlencoded",
            b"a=1",
            &mut args,
            &mut files,
            Some(&headers),
            &FormLimits::default(),
        );
        assert_eq!((r, args.len()), (Ok(()), 1));
    }

    #[test]
    fn malformed_bodies_warn() {
        let cases: [(&str, String, &str); 5] = [
            (MP, part("a", "1"), "no final boundary"),
            (
                "multipart/form-data",
                "--B--".into(),
                "multipart boundary not found",
            ),
            (
                "multipart/form-dataxyz; boundary=B",
                part("a", "1") + "--B--",
                "Invalid content type",
            ),
            (
                MP,
                "--B\r\nno blank line\r\n--B--".into(),
                "missing headers",
            ),
            (
                MP,
                "--B\r\nContent-Disposition: form-data\r\n\r\nv\r\n--B--".into(),
                "missing name",
            ),
        ];
        for (ct, body, warning) in cases {
            let log = logged(|| {
                let (r, args, files) = parse(ct, body.as_bytes(), &FormLimits::default());
                assert_eq!(r, Ok(()));
                assert!(args.is_empty() && files.is_empty());
            });
            assert!(
                log.contains("WARN") && log.contains(warning),
                "{warning}: {log}"
            );
        }
    }

    #[test]
    fn arguments_are_appended_to_existing_ones() {
        let mut args = Arguments::new();
        args.insert("a".into(), vec![Bytes::from_static(b"query")]);
        let mut files = Files::new();
        let body = part("a", "form") + "--B--";
        parse_body_arguments(
            MP,
            body.as_bytes(),
            &mut args,
            &mut files,
            None,
            &FormLimits::default(),
        )
        .unwrap();
        parse_body_arguments(
            "application/x-www-form-urlencoded",
            b"a=url",
            &mut args,
            &mut files,
            None,
            &FormLimits::default(),
        )
        .unwrap();
        assert_eq!(args["a"], ["query", "form", "url"]);
    }

    #[test]
    fn non_utf8_filenames() {
        // RFC 2231 with a Latin-1 charset decodes; raw Latin-1 bytes stop the parse like Tornado.
        let body = b"--B\r\nContent-Disposition: form-data; name=\"f\"; filename*=iso-8859-1''caf%E9.txt\r\n\r\ndata\r\n\
--B\r\nContent-Disposition: form-data; name=\"g\"; filename=\"caf\xe9.txt\"\r\n\r\ndata\r\n\
--B\r\nContent-Disposition: form-data; name=\"h\"\r\n\r\nlast\r\n--B--";
        let log = logged(|| {
            let (r, args, files) = parse(MP, body, &FormLimits::default());
            assert_eq!(r, Ok(()));
            assert_eq!(files["f"][0].filename, "caf\u{e9}.txt");
            assert!(!files.contains_key("g"));
            assert!(args.is_empty());
        });
        assert!(log.contains("not UTF-8"), "{log}");
        // An invalid UTF-8 escape in an RFC 2231 UTF-8 filename becomes U+FFFD.
        let body = b"--B\r\nContent-Disposition: form-data; name=\"f\"; filename*=UTF-8''%FF.bin\r\n\r\nx\r\n--B--";
        let (_, _, files) = parse(MP, body, &FormLimits::default());
        assert_eq!(files["f"][0].filename, "\u{fffd}.bin");
    }

    #[test]
    fn crlf_handling() {
        // Bodies keep inner CRLFs and bare LFs; only the CRLF before the next delimiter goes.
        let body = part("a", "line1\r\nline2\n\r\n") + "--B--";
        let (_, args, _) = parse(MP, body.as_bytes(), &FormLimits::default());
        assert_eq!(args["a"], ["line1\r\nline2\n\r\n"]);
        // Header lines may end in a bare LF, as long as the block ends with CRLF CRLF.
        let body = "--B\r\nContent-Disposition: form-data; name=\"a\"\nContent-Type: t/x\r\n\r\nv\r\n--B--";
        let (_, args, _) = parse(MP, body.as_bytes(), &FormLimits::default());
        assert_eq!(args["a"], ["v"]);
    }

    #[test]
    fn odd_boundaries_do_not_panic() {
        for boundary in [
            &b""[..],
            b"\"",
            b"\"\"",
            b"--",
            b"\r\n",
            b"a\"",
            b"\"a",
            b"very long boundary that is longer than the body",
        ] {
            for body in [
                &b""[..],
                b"-",
                b"----",
                b"------\r\n",
                b"--\"--",
                b"\r\n\r\n--",
            ] {
                let (mut args, mut files) = (Arguments::new(), Files::new());
                let r = parse_multipart_form_data(
                    boundary,
                    body,
                    &mut args,
                    &mut files,
                    &FormLimits::default(),
                );
                assert_eq!(r, Ok(()));
            }
        }
        // A lone quote is an empty boundary, as in Python (`b'"'[1:-1] == b""`).
        let body = b"--\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n----";
        let (mut args, mut files) = (Arguments::new(), Files::new());
        parse_multipart_form_data(b"\"", body, &mut args, &mut files, &FormLimits::default())
            .unwrap();
        assert_eq!(args["a"], ["v"]);
    }

    #[test]
    fn shared_bodies_are_sliced_not_copied() {
        let body = Bytes::from(
            "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\npayload\r\n--B--",
        );
        let (mut args, mut files) = (Arguments::new(), Files::new());
        parse_body_arguments_shared(
            MP,
            &body,
            &mut args,
            &mut files,
            None,
            &FormLimits::default(),
        )
        .unwrap();
        let file = &files["f"][0];
        assert_eq!(file.body, "payload");
        let range = body.as_ptr_range();
        assert!(range.contains(&file.body.as_ptr()));
        assert_eq!(file.content_type, "application/unknown");
    }

    #[test]
    fn large_bodies_parse_in_linear_time() {
        // Many near-miss delimiters and a part header without its blank line: each byte is
        // looked at a bounded number of times, so this stays fast even in debug builds.
        let noise = "--B-\r\n--B \r\n-".repeat(200_000);
        let body = part("a", &noise) + "--B\r\nX: y\r\n" + &"z".repeat(2_000_000) + "\r\n--B--";
        let start = std::time::Instant::now();
        let (r, args, _) = parse(MP, body.as_bytes(), &FormLimits::default());
        assert_eq!(r, Ok(()));
        assert_eq!(args["a"][0].len(), noise.len());
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }
}
