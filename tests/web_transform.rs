//! Output transforms, etags and error pages compared with what Python Tornado produces.
//!
//! The expected headers and bodies were recorded from Tornado 6.3.3: `GZipContentEncoding`
//! driven directly with `transform_first_chunk`, and an `Application(compress_response=True)`
//! fetched over HTTP for the etag and error-page cases. Compressed bytes cannot match
//! (zlib and miniz_oxide deflate differently), so a compressed `Content-Length` is checked
//! against the length of our own output, and the output is decompressed instead.

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use bytes::Bytes;
use proptest::prelude::*;
use tornado::http::HttpHeaders;
use tornado::web::error_page::{default_error_page, traceback_page};
use tornado::web::etag::{clear_representation_headers, compute_etag, etag_matches};
use tornado::web::transform::{
    GzipContentEncoding, GzipContentEncodingFactory, OutputTransform, TransformChain,
    TransformFactory,
};

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut reader = flate2::read::GzDecoder::new(data);
    if let Err(e) = reader.read_to_end(&mut out) {
        panic!("invalid gzip stream: {e}");
    }
    out
}

fn headers(pairs: &[(&str, &str)]) -> HttpHeaders {
    let mut h = HttpHeaders::new();
    for (n, v) in pairs {
        h.add(n, *v);
    }
    h
}

fn pairs(h: &HttpHeaders) -> Vec<(String, String)> {
    h.iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

/// The 2007-byte body of the Python fixtures: `<p>` + 2000 × `x` + `</p>`.
fn big_body() -> Bytes {
    Bytes::from(format!("<p>{}</p>", "x".repeat(2000)))
}

struct GzipCase {
    name: &'static str,
    accept_encoding: Option<&'static str>,
    response: &'static [(&'static str, &'static str)],
    body: Bytes,
    finishing: bool,
    /// Headers after the transform; `"LEN"` stands for the compressed length.
    expected: &'static [(&'static str, &'static str)],
    compressed: bool,
}

fn gzip_cases() -> Vec<GzipCase> {
    let big = big_body();
    const HTML: (&str, &str) = ("Content-Type", "text/html");
    const HTML_UTF8: (&str, &str) = ("Content-Type", "text/html; charset=UTF-8");
    const VARY: (&str, &str) = ("Vary", "Accept-Encoding");
    const GZ: (&str, &str) = ("Content-Encoding", "gzip");
    vec![
        GzipCase {
            name: "finishing_big_html",
            accept_encoding: Some("gzip, deflate"),
            response: &[HTML_UTF8, ("Content-Length", "2007")],
            body: big.clone(),
            finishing: true,
            expected: &[HTML_UTF8, ("Content-Length", "LEN"), VARY, GZ],
            compressed: true,
        },
        GzipCase {
            name: "finishing_small_html",
            accept_encoding: Some("gzip"),
            response: &[HTML_UTF8, ("Content-Length", "11")],
            body: Bytes::from_static(b"hello world"),
            finishing: true,
            expected: &[HTML_UTF8, ("Content-Length", "11"), VARY],
            compressed: false,
        },
        GzipCase {
            name: "exactly_min_length",
            accept_encoding: Some("gzip"),
            response: &[("Content-Type", "text/plain"), ("Content-Length", "1024")],
            body: Bytes::from(vec![b'a'; 1024]),
            finishing: true,
            expected: &[
                ("Content-Type", "text/plain"),
                ("Content-Length", "LEN"),
                VARY,
                GZ,
            ],
            compressed: true,
        },
        GzipCase {
            name: "one_below_min_length",
            accept_encoding: Some("gzip"),
            response: &[("Content-Type", "text/plain"), ("Content-Length", "1023")],
            body: Bytes::from(vec![b'a'; 1023]),
            finishing: true,
            expected: &[
                ("Content-Type", "text/plain"),
                ("Content-Length", "1023"),
                VARY,
            ],
            compressed: false,
        },
        GzipCase {
            name: "streamed_small",
            accept_encoding: Some("gzip"),
            response: &[HTML_UTF8, ("Content-Length", "5")],
            body: Bytes::from_static(b"hello"),
            finishing: false,
            expected: &[HTML_UTF8, VARY, GZ],
            compressed: true,
        },
        GzipCase {
            name: "streamed_no_length",
            accept_encoding: Some("gzip"),
            response: &[HTML_UTF8],
            body: Bytes::from_static(b"hello"),
            finishing: false,
            expected: &[HTML_UTF8, VARY, GZ],
            compressed: true,
        },
        GzipCase {
            name: "existing_vary",
            accept_encoding: Some("gzip"),
            response: &[HTML, ("Vary", "Cookie")],
            body: Bytes::from_static(b"hello"),
            finishing: false,
            expected: &[HTML, ("Vary", "Cookie, Accept-Encoding"), GZ],
            compressed: true,
        },
        GzipCase {
            name: "two_vary_values",
            accept_encoding: Some("gzip"),
            response: &[("Vary", "Cookie"), HTML, ("Vary", "User-Agent")],
            body: Bytes::from_static(b"hello"),
            finishing: false,
            expected: &[("Vary", "Cookie,User-Agent, Accept-Encoding"), HTML, GZ],
            compressed: true,
        },
        GzipCase {
            name: "no_accept_encoding",
            accept_encoding: None,
            response: &[HTML],
            body: big.clone(),
            finishing: true,
            expected: &[HTML, VARY],
            compressed: false,
        },
        GzipCase {
            name: "deflate_only",
            accept_encoding: Some("deflate, br"),
            response: &[HTML],
            body: big.clone(),
            finishing: true,
            expected: &[HTML, VARY],
            compressed: false,
        },
        GzipCase {
            name: "gzip_q0_still_gzips",
            accept_encoding: Some("gzip;q=0"),
            response: &[HTML],
            body: big.clone(),
            finishing: true,
            expected: &[HTML, VARY, GZ],
            compressed: true,
        },
        GzipCase {
            name: "upper_case_gzip_ignored",
            accept_encoding: Some("GZIP"),
            response: &[HTML],
            body: big.clone(),
            finishing: true,
            expected: &[HTML, VARY],
            compressed: false,
        },
        GzipCase {
            name: "json",
            accept_encoding: Some("gzip"),
            response: &[("Content-Type", "application/json; charset=UTF-8")],
            body: big.clone(),
            finishing: true,
            expected: &[
                ("Content-Type", "application/json; charset=UTF-8"),
                VARY,
                GZ,
            ],
            compressed: true,
        },
        GzipCase {
            name: "ld_json_not_compressible",
            accept_encoding: Some("gzip"),
            response: &[("Content-Type", "application/ld+json")],
            body: big.clone(),
            finishing: true,
            expected: &[("Content-Type", "application/ld+json"), VARY],
            compressed: false,
        },
        GzipCase {
            name: "png_not_compressible",
            accept_encoding: Some("gzip"),
            response: &[("Content-Type", "image/png")],
            body: big.clone(),
            finishing: true,
            expected: &[("Content-Type", "image/png"), VARY],
            compressed: false,
        },
        GzipCase {
            name: "space_before_semicolon",
            accept_encoding: Some("gzip"),
            response: &[("Content-Type", "application/json ; charset=UTF-8")],
            body: big.clone(),
            finishing: true,
            expected: &[("Content-Type", "application/json ; charset=UTF-8"), VARY],
            compressed: false,
        },
        GzipCase {
            name: "upper_case_type",
            accept_encoding: Some("gzip"),
            response: &[("Content-Type", "Text/HTML")],
            body: big.clone(),
            finishing: true,
            expected: &[("Content-Type", "Text/HTML"), VARY],
            compressed: false,
        },
        GzipCase {
            name: "no_content_type",
            accept_encoding: Some("gzip"),
            response: &[],
            body: big.clone(),
            finishing: true,
            expected: &[VARY],
            compressed: false,
        },
        GzipCase {
            name: "already_encoded",
            accept_encoding: Some("gzip"),
            response: &[HTML, ("Content-Encoding", "br")],
            body: big.clone(),
            finishing: true,
            expected: &[HTML, ("Content-Encoding", "br"), VARY],
            compressed: false,
        },
        GzipCase {
            name: "svg_streamed",
            accept_encoding: Some("gzip"),
            response: &[("Content-Type", "image/svg+xml")],
            body: big,
            finishing: false,
            expected: &[("Content-Type", "image/svg+xml"), VARY, GZ],
            compressed: true,
        },
    ]
}

#[test]
fn gzip_headers_match_tornado() {
    for case in gzip_cases() {
        let request = match case.accept_encoding {
            Some(v) => headers(&[("Accept-Encoding", v)]),
            None => HttpHeaders::new(),
        };
        let mut t = GzipContentEncodingFactory.create(&request);
        let mut status = 200;
        let mut h = headers(case.response);
        let mut out = t
            .transform_first_chunk(&mut status, &mut h, case.body.clone(), case.finishing)
            .to_vec();
        let first_len = out.len();
        if !case.finishing {
            out.extend_from_slice(&t.transform_chunk(Bytes::new(), true));
        }
        let len = first_len.to_string();
        let expected: Vec<(String, String)> = case
            .expected
            .iter()
            .map(|&(n, v)| {
                (
                    n.to_owned(),
                    if v == "LEN" {
                        len.clone()
                    } else {
                        v.to_owned()
                    },
                )
            })
            .collect();
        assert_eq!(pairs(&h), expected, "{}", case.name);
        assert_eq!(status, 200, "{}", case.name);
        if case.compressed {
            assert_eq!(gunzip(&out), case.body, "{}", case.name);
        } else {
            assert_eq!(out, case.body, "{}", case.name);
        }
    }
}

#[test]
fn streamed_response_decompresses_after_every_chunk() {
    // A sync flush after each chunk means a client can decode everything received so far.
    let mut t = GzipContentEncoding::new(&headers(&[("Accept-Encoding", "gzip")]));
    let (mut status, mut h) = (200, headers(&[("Content-Type", "text/html")]));
    let pieces = [
        "<html><body>",
        "<p>first</p>",
        "<p>second</p>",
        "</body></html>",
    ];
    let mut wire = t
        .transform_first_chunk(&mut status, &mut h, Bytes::from(pieces[0]), false)
        .to_vec();
    let mut expected = pieces[0].to_owned();
    for (i, piece) in pieces.iter().enumerate().skip(1) {
        let last = i == pieces.len() - 1;
        wire.extend_from_slice(&t.transform_chunk(Bytes::from(*piece), last));
        expected.push_str(piece);
        let mut partial = Vec::new();
        let mut decoder = flate2::read::GzDecoder::new(&wire[..]);
        // Before the trailer arrives the reader reports an early end; what it decoded is
        // still everything sent so far.
        let _ = decoder.read_to_end(&mut partial);
        assert_eq!(String::from_utf8_lossy(&partial), expected, "after {piece}");
    }
    assert_eq!(gunzip(&wire), expected.as_bytes());
}

#[test]
fn gzip_output_is_readable_by_python() {
    let body = Bytes::from("<li>item</li>\n".repeat(500));
    let mut t = GzipContentEncoding::new(&headers(&[("Accept-Encoding", "gzip")]));
    let (mut status, mut h) = (200, headers(&[("Content-Type", "text/html")]));
    let mut wire = t
        .transform_first_chunk(&mut status, &mut h, body.slice(..1000), false)
        .to_vec();
    wire.extend_from_slice(&t.transform_chunk(body.slice(1000..5000), false));
    wire.extend_from_slice(&t.transform_chunk(body.slice(5000..), true));
    assert_eq!(gunzip(&wire), body);

    let python = Command::new("python3")
        .args([
            "-c",
            "import gzip, sys; sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let Ok(mut child) = python else {
        eprintln!("python3 not found; checked with flate2 only");
        return;
    };
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(&wire).expect("write to python3");
    }
    let output = child.wait_with_output().expect("python3 output");
    assert!(output.status.success(), "python3 rejected the stream");
    assert_eq!(output.stdout, body);
}

#[test]
fn transform_chain_applies_gzip_from_factories() {
    let factories: Vec<std::sync::Arc<dyn TransformFactory>> =
        vec![std::sync::Arc::new(GzipContentEncodingFactory)];
    let request = headers(&[("Accept-Encoding", "gzip")]);
    let mut chain = TransformChain::from_factories(&factories, &request);
    let (mut status, mut h) = (200, headers(&[("Content-Type", "text/css")]));
    let body = Bytes::from("a { color: red }\n".repeat(100));
    let out = chain.transform_first_chunk(&mut status, &mut h, body.clone(), true);
    assert_eq!(h.get("Content-Encoding"), Some("gzip"));
    assert_eq!(gunzip(&out), body);
}

/// Tornado answered `"e02aa1b106d5c7c6a98def2b13005d5b84fd8dc8"` for a handler writing
/// `Hello, world`, in one `write` or in two.
#[test]
fn etag_matches_tornado_for_known_bodies() {
    let tornado_etag = "\"e02aa1b106d5c7c6a98def2b13005d5b84fd8dc8\"";
    assert_eq!(
        compute_etag(&[Bytes::from_static(b"Hello, world")]),
        tornado_etag
    );
    assert_eq!(
        compute_etag(&[Bytes::from_static(b"Hello, "), Bytes::from_static(b"world")]),
        tornado_etag
    );
    // The 2007-byte page: the etag is taken before gzip, so it is the same with or without it.
    assert_eq!(
        compute_etag(&[big_body()]),
        "\"5d80b878ac07fbc02c8690360984e1597c12781b\""
    );
}

/// The `If-None-Match` values sent to Tornado and whether it answered 304.
#[test]
fn if_none_match_decisions_match_tornado() {
    let etag = "\"e02aa1b106d5c7c6a98def2b13005d5b84fd8dc8\"";
    let cases = [
        (etag.to_owned(), true),
        (format!("W/{etag}"), true),
        ("*".to_owned(), true),
        (format!("\"a\", {etag}"), true),
        ("\"nope\"".to_owned(), false),
        ("\"a\", *".to_owned(), false),
    ];
    for (header, not_modified) in cases {
        assert_eq!(etag_matches(&header, etag), not_modified, "{header}");
    }
}

/// Tornado's 304 for `/hello` kept only `Etag` and `Vary` (plus `Date`, `Server` and
/// `Connection`): `Content-Type` went, and `Content-Length` was never set.
#[test]
fn not_modified_headers_match_tornado() {
    let mut h = headers(&[
        ("Content-Type", "text/html; charset=UTF-8"),
        ("Etag", "\"e02aa1b106d5c7c6a98def2b13005d5b84fd8dc8\""),
    ]);
    clear_representation_headers(&mut h);
    let mut gzip = GzipContentEncoding::new(&headers(&[("Accept-Encoding", "gzip")]));
    let mut status = 304;
    let out = gzip.transform_first_chunk(&mut status, &mut h, Bytes::new(), true);
    assert!(out.is_empty());
    assert_eq!(
        pairs(&h),
        [
            (
                "Etag".to_owned(),
                "\"e02aa1b106d5c7c6a98def2b13005d5b84fd8dc8\"".to_owned()
            ),
            ("Vary".to_owned(), "Accept-Encoding".to_owned()),
        ]
    );
}

#[test]
fn error_pages_match_tornado() {
    let recorded = [
        (
            404,
            None,
            "<html><title>404: Not Found</title><body>404: Not Found</body></html>",
        ),
        (
            500,
            None,
            "<html><title>500: Internal Server Error</title>\
             <body>500: Internal Server Error</body></html>",
        ),
        (
            599,
            None,
            "<html><title>599: Unknown</title><body>599: Unknown</body></html>",
        ),
        (
            503,
            Some("Down for maintenance"),
            "<html><title>503: Down for maintenance</title>\
             <body>503: Down for maintenance</body></html>",
        ),
    ];
    for (status, reason, page) in recorded {
        assert_eq!(default_error_page(status, reason), page);
        // Content-Length Tornado sent, to be sure nothing invisible differs.
        assert_eq!(default_error_page(status, reason).len(), page.len());
    }
    // Tornado 6.3 wrote `I'm a Teapot` unescaped; current Tornado escapes the reason with
    // `html.escape`, which this crate follows.
    assert_eq!(
        default_error_page(418, None),
        "<html><title>418: I&#x27;m a Teapot</title><body>418: I&#x27;m a Teapot</body></html>"
    );
}

#[test]
fn traceback_page_reads_like_a_report() {
    let inner = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
    let outer = std::io::Error::other(Wrapped("query failed", inner));
    let page = traceback_page(500, None, &outer, Some("   0: app::handler"));
    assert_eq!(
        page,
        "500: Internal Server Error\n\nError: query failed\n\nCaused by:\n    \
         0: connection refused\n\nBacktrace:\n   0: app::handler\n"
    );
}

#[derive(Debug)]
struct Wrapped(&'static str, std::io::Error);

impl std::fmt::Display for Wrapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Wrapped {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.1)
    }
}

proptest! {
    #[test]
    fn any_chunking_round_trips(
        body in proptest::collection::vec(any::<u8>(), 0..20_000),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(body.len() + 1)).collect();
        cuts.sort_unstable();
        let body = Bytes::from(body);
        let mut t = GzipContentEncoding::new(&headers(&[("Accept-Encoding", "gzip")]));
        let (mut status, mut h) = (200, headers(&[("Content-Type", "text/plain")]));
        let mut bounds = vec![0];
        bounds.extend(cuts);
        bounds.push(body.len());
        let pieces: Vec<Bytes> = bounds.windows(2).map(|w| body.slice(w[0]..w[1])).collect();
        let last = pieces.len() - 1;
        let mut wire = t
            .transform_first_chunk(&mut status, &mut h, pieces[0].clone(), last == 0)
            .to_vec();
        for (i, piece) in pieces.iter().enumerate().skip(1) {
            wire.extend_from_slice(&t.transform_chunk(piece.clone(), i == last));
        }
        if t.is_compressing() {
            prop_assert_eq!(gunzip(&wire), body.to_vec());
        } else {
            // Only a small body sent in one piece is left alone.
            prop_assert!(last == 0 && body.len() < GzipContentEncoding::MIN_LENGTH);
            prop_assert_eq!(wire, body.to_vec());
        }
        // The etag does not depend on how the body was split.
        prop_assert_eq!(compute_etag(&pieces), compute_etag(&[body]));
    }

    #[test]
    fn etag_matching_accepts_any_text(header in ".{0,64}", tag in "[^\"]{0,24}") {
        let quoted = format!("\"{}\"", tag);
        // After a header with balanced quotes, a listed tag is always found and matches.
        if header.matches('"').count() % 2 == 0 {
            let strong = format!("{header}, {quoted}");
            let weak = format!("{header}, W/{quoted}");
            prop_assert!(etag_matches(&strong, &quoted), "{:?}", strong);
            prop_assert!(etag_matches(&weak, &quoted), "{:?}", weak);
        }
        // Arbitrary input on both sides never panics.
        let _ = etag_matches(&header, &tag);
    }
}
