//! The `httputil` parsers against fixtures generated with Tornado 6.3.3 on Python 3.11.
//!
//! Every expected value below is what Tornado returned for the same input (multipart rules are
//! those of 6.3, which logs malformed bodies instead of raising; the default limits do not
//! apply to any fixture). The one systematic difference is noted next to `SPLIT_HOST`.

#![allow(clippy::type_complexity)] // the fixture tables are nested tuples on purpose

use bytes::Bytes;
use tornado::http::{
    format_timestamp, get_content_range, parse_body_arguments, parse_cookie, parse_header,
    parse_qs_bytes, parse_request_range, parse_request_start_line, parse_response_start_line,
    split_host_and_port, url_concat, Arguments, Files, FormLimits,
};

const URL_CONCAT: &[(&str, &[(&str, &str)], &str)] = &[
    (
        "http://example.com/foo",
        &[("c", "d")],
        "http://example.com/foo?c=d",
    ),
    (
        "http://example.com/foo?a=b",
        &[("c", "d")],
        "http://example.com/foo?a=b&c=d",
    ),
    (
        "http://example.com/foo?a=b",
        &[("c", "d"), ("c", "d2")],
        "http://example.com/foo?a=b&c=d&c=d2",
    ),
    (
        "http://example.com/foo?a=b&",
        &[("c", "d")],
        "http://example.com/foo?a=b&c=d",
    ),
    (
        "http://example.com/foo?",
        &[("c", "d")],
        "http://example.com/foo?c=d",
    ),
    ("http://example.com/foo?", &[], "http://example.com/foo"),
    (
        "http://example.com/foo?a=1&b=2#frag",
        &[("c", "d")],
        "http://example.com/foo?a=1&b=2&c=d#frag",
    ),
    (
        "http://example.com/foo#",
        &[("c", "")],
        "http://example.com/foo?c=",
    ),
    (
        "http://example.com/foo?y",
        &[("z", "")],
        "http://example.com/foo?y=&z=",
    ),
    (
        "http://example.com",
        &[("a b", "c&d=e/f")],
        "http://example.com?a+b=c%26d%3De%2Ff",
    ),
    (
        "https://h/p;params?q=1",
        &[("\u{e9}", "\u{2603}")],
        "https://h/p;params?q=1&%C3%A9=%E2%98%83",
    ),
    (
        "/relative/path?x=%zz&y=%FF",
        &[("k", "v")],
        "/relative/path?x=%25zz&y=%EF%BF%BD&k=v",
    ),
    (
        "HTTP://Host/Path?A=B+C",
        &[("~._-", "!*'()")],
        "http://Host/Path?A=B+C&~._-=%21%2A%27%28%29",
    ),
    (
        "  \u{9}http://a/b\u{a}?c=d",
        &[("e", "f")],
        "http://a/b?c=d&e=f",
    ),
    ("http:foo", &[("a", "b")], "http:///foo?a=b"),
    ("//host/x", &[("a", "b")], "//host/x?a=b"),
    (
        "mailto:me@x",
        &[("subject", "hi there")],
        "mailto:me@x?subject=hi+there",
    ),
    ("http://a/b;", &[("c", "d")], "http://a/b?c=d"),
    ("", &[("a", "b")], "?a=b"),
    (
        "http://a/?a=1;b=2",
        &[("c", "d")],
        "http://a/?a=1%3Bb%3D2&c=d",
    ),
];
const PARSE_QS: &[(&[u8], bool, &[(&str, &[&[u8]])])] = &[
    (
        b"a=1&b=2&a=3",
        true,
        &[("a", &[b"1", b"3"]), ("b", &[b"2"])],
    ),
    (
        b"a=1&b=2&a=3",
        false,
        &[("a", &[b"1", b"3"]), ("b", &[b"2"])],
    ),
    (b"a=1;b=2", true, &[("a", &[b"1;b=2"])]),
    (b"a=1;b=2", false, &[("a", &[b"1;b=2"])]),
    (b"x=&y", true, &[("x", &[b""]), ("y", &[b""])]),
    (b"x=&y", false, &[]),
    (b"&&a=b&&", true, &[("a", &[b"b"])]),
    (b"&&a=b&&", false, &[("a", &[b"b"])]),
    (b"a+b=c+d%20e%2B", true, &[("a b", &[b"c d e+"])]),
    (b"a+b=c+d%20e%2B", false, &[("a b", &[b"c d e+"])]),
    (b"n=%zz%4%41", true, &[("n", &[b"%zz%4A"])]),
    (b"n=%zz%4%41", false, &[("n", &[b"%zz%4A"])]),
    (
        b"caf%C3%A9=%FF%00",
        true,
        &[("caf\u{c3}\u{a9}", &[b"\xff\x00"])],
    ),
    (
        b"caf%C3%A9=%FF%00",
        false,
        &[("caf\u{c3}\u{a9}", &[b"\xff\x00"])],
    ),
    (b"=v&=", true, &[("", &[b"v", b""])]),
    (b"=v&=", false, &[("", &[b"v"])]),
    (b"a=b=c", true, &[("a", &[b"b=c"])]),
    (b"a=b=c", false, &[("a", &[b"b=c"])]),
    (b"\xe9=\xff", true, &[("\u{e9}", &[b"\xff"])]),
    (b"\xe9=\xff", false, &[("\u{e9}", &[b"\xff"])]),
    (b"", true, &[]),
    (b"", false, &[]),
];
const PARSE_COOKIE: &[(&str, &[(&str, &str)])] = &[
    ("a=1; b=2", &[("a", "1"), ("b", "2")]),
    ("a=1; a=2", &[("a", "2")]),
    ("lone", &[("", "lone")]),
    (" ; ; ", &[]),
    ("a=\"x\\\"y\"", &[("a", "x\"y")]),
    ("a=\"\\012\\101\\\\\"", &[("a", "\u{a}A\\")]),
    ("a=\"\\477\"", &[("a", "477")]),
    ("k = v = w ;x", &[("", "x"), ("k", "v = w")]),
    ("\"quoted", &[("", "\"quoted")]),
    ("a=\"\"", &[("a", "")]),
    ("=novalue", &[("", "novalue")]),
    ("n=\u{1c}pad\u{1f}", &[("n", "pad")]),
    ("a=\"b\\\u{a}c\"", &[("a", "b\\\u{a}c")]),
    ("key:=1; $x=2", &[("$x", "2"), ("key:", "1")]),
];
const SPLIT_HOST: &[(&str, &str, Option<u16>)] = &[
    ("example.com", "example.com", None),
    ("example.com:80", "example.com", Some(80)),
    ("[::1]:8888", "[::1]", Some(8888)),
    ("[::1]", "[::1]", None),
    ("::1", ":", Some(1)),
    (":80", ":80", None),
    ("a:b:1", "a:b", Some(1)),
    ("h:", "h:", None),
    ("h:0080", "h", Some(80)),
    ("h:65535", "h", Some(65535)),
    // Tornado returns the port; it does not fit a u16, so the netloc stays unsplit.
    ("h:65536", "h:65536", None),
    // Tornado returns the port; it does not fit a u16, so the netloc stays unsplit.
    ("h:99999999999", "h:99999999999", None),
];
const RANGES: &[(&str, Option<(Option<i64>, Option<i64>)>)] = &[
    ("bytes=1-2", Some((Some(1), Some(3)))),
    ("bytes=6-", Some((Some(6), None))),
    ("bytes=-6", Some((Some(-6), None))),
    ("bytes=-0", Some((None, Some(0)))),
    ("bytes=", Some((None, None))),
    ("foo=42", None),
    ("bytes=1-2,6-10", None),
    (" bytes = 3 - 4 ", Some((Some(3), Some(5)))),
    ("bytes=a-b", None),
    ("bytes=0-0", Some((Some(0), Some(1)))),
    ("bytes", Some((None, None))),
    ("bytes=1_0-2", Some((Some(10), Some(3)))),
    ("bytes=+5-", Some((Some(5), None))),
    ("bytes=--5", Some((Some(5), None))),
];
const CONTENT_RANGES: &[(Option<i64>, Option<i64>, i64, &str)] = &[
    (None, Some(1), 4, "bytes 0-0/4"),
    (Some(1), Some(3), 4, "bytes 1-2/4"),
    (None, None, 4, "bytes 0-3/4"),
    (Some(0), Some(0), 10, "bytes 0-9/10"),
    (Some(5), None, 10, "bytes 5-9/10"),
    (Some(-3), None, 10, "bytes -3-9/10"),
];
const DATES: &[(i64, &str)] = &[
    (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
    (1359312200, "Sun, 27 Jan 2013 18:43:20 GMT"),
    (951782400, "Tue, 29 Feb 2000 00:00:00 GMT"),
    (4102444800, "Fri, 01 Jan 2100 00:00:00 GMT"),
    (-1, "Wed, 31 Dec 1969 23:59:59 GMT"),
    (-31536000, "Wed, 01 Jan 1969 00:00:00 GMT"),
    (253402300799, "Fri, 31 Dec 9999 23:59:59 GMT"),
];
const PARSE_HEADER: &[(&str, &str, &[(&str, &str)])] = &[
    (
        "form-data; name=\"x\"; filename*=UTF-8''%e2%82%ac",
        "form-data",
        &[("filename", "\u{20ac}"), ("name", "x")],
    ),
    (
        "form-data; foo=\"b\\\\a\\\"r\"; file*=utf-8''T%C3%A4st",
        "form-data",
        &[("file", "T\u{e4}st"), ("foo", "b\\a\"r")],
    ),
    (
        "permessage-deflate; client_max_window_bits; a=1",
        "permessage-deflate",
        &[("a", "1")],
    ),
    (
        "form-data; name=\"a;b\"; x=1",
        "form-data",
        &[("name", "a;b"), ("x", "1")],
    ),
    ("Form-Data; NAME=v", "Form-Data", &[("name", "v")]),
    (
        "text/html; charset=\"utf-8\" ; q",
        "text/html",
        &[("charset", "utf-8")],
    ),
    (
        "form-data; filename=\"plain\"; filename*=UTF-8''better",
        "form-data",
        &[("filename", "better")],
    ),
    (
        "form-data; filename*=abc%e2",
        "form-data",
        &[("filename", "abc\u{fffd}")],
    ),
    (
        "form-data; filename*0=\"a\"; filename*1=\"b\"",
        "form-data",
        &[("filename", "ab")],
    ),
    (
        "form-data; filename*0*=UTF-8''%c3; filename*1*=%a9",
        "form-data",
        &[("filename", "\u{e9}")],
    ),
    (
        "form-data; filename*=iso-8859-1'en'caf%e9",
        "form-data",
        &[("filename", "caf\u{e9}")],
    ),
    (
        "form-data; filename*=x-unknown''a%41b",
        "form-data",
        &[("filename", "aAb")],
    ),
    (
        "form-data; filename*=''q",
        "form-data",
        &[("filename", "q")],
    ),
    (
        "form-data; filename*=UTF-8''a%22b\\\\c",
        "form-data",
        &[("filename", "a\\\"b\\\\\\\\c")],
    ),
    ("form-data; name=\"\"x\"\"", "form-data", &[("name", "x")]),
    ("form-data; name=<angle>", "form-data", &[("name", "angle")]),
    (
        "a; b=\"unterminated; c=d",
        "a",
        &[("b", "\"unterminated; c=d")],
    ),
    (
        "a; b=\\\"x; c=d\\\"",
        "a",
        &[("b", "\\\"x"), ("c", "d\\\"")],
    ),
    (
        "form-data; name=\"\u{e9}\"; filename*=UTF-8''\u{2603}%41",
        "form-data",
        &[("filename", "\\u2603A"), ("name", "\u{e9}")],
    ),
    (
        "form-data; file-name*=v; n*x=1",
        "form-data",
        &[("file-name*", "v"), ("n*x", "1")],
    ),
    ("", "", &[]),
    (";;", "", &[]),
];
const REQUEST_LINES: &[(&str, Option<(&str, &str, &str)>)] = &[
    ("GET /foo HTTP/1.1", Some(("GET", "/foo", "HTTP/1.1"))),
    ("GET /foo HTTP/1.0", Some(("GET", "/foo", "HTTP/1.0"))),
    ("GET /foo", None),
    ("GET  /foo HTTP/1.1", None),
    ("GET /foo HTTP/2.0", None),
    ("GET /foo HTTP/1.1 ", None),
    ("GET /foo http/1.1", None),
    ("OPTIONS * HTTP/1.1", Some(("OPTIONS", "*", "HTTP/1.1"))),
    ("GET /foo HTTP/1.10", None),
];
const RESPONSE_LINES: &[(&str, Option<(&str, u16, &str)>)] = &[
    ("HTTP/1.1 200 OK", Some(("HTTP/1.1", 200, "OK"))),
    (
        "HTTP/1.0 404 Not Found",
        Some(("HTTP/1.0", 404, "Not Found")),
    ),
    ("HTTP/1.1 200 ", Some(("HTTP/1.1", 200, ""))),
    ("HTTP/1.1 200", None),
    ("HTTP/1.1 OK", None),
    ("HTTP/2 200 OK", None),
    (
        "HTTP/1.1 599 Custom reason here",
        Some(("HTTP/1.1", 599, "Custom reason here")),
    ),
    (
        "HTTP/1.1 200 OK\u{d}\u{a}X: y",
        Some(("HTTP/1.1", 200, "OK")),
    ),
    ("HTTP/1.1 0200 Zero", Some(("HTTP/1.1", 200, "Zero"))),
];
/// (name, content type, body, arguments, files as (field, filename, content type, body)).
const MULTIPART: &[(&str, &str, &[u8], &[(&str, &[&[u8]])], &[(&str, &str, &str, &[u8])])] = &[
    ("basic", "multipart/form-data; boundary=1234", b"--1234\x0d\x0aContent-Disposition: form-data; name=\"a\"\x0d\x0a\x0d\x0a1\x0d\x0a--1234\x0d\x0aContent-Disposition: form-data; name=\"f\"; filename=\"ab.txt\"\x0d\x0a\x0d\x0aFoo\x0d\x0a--1234--\x0d\x0a", &[("a", &[b"1"])], &[("f", "ab.txt", "application/unknown", b"Foo")]),
    ("quoted boundary", "multipart/form-data; boundary=\"1234\"", b"--1234\x0d\x0aContent-Disposition: form-data; name=\"a\"\x0d\x0a\x0d\x0ax\x0d\x0a--1234--", &[("a", &[b"x"])], &[]),
    ("no final boundary", "multipart/form-data; boundary=1234", b"--1234\x0d\x0aContent-Disposition: form-data; name=\"a\"\x0d\x0a\x0d\x0ax\x0d\x0a", &[], &[]),
    ("missing headers", "multipart/form-data; boundary=1234", b"--1234\x0d\x0ano headers here\x0d\x0a--1234\x0d\x0aContent-Disposition: form-data; name=\"b\"\x0d\x0a\x0d\x0ay\x0d\x0a--1234--", &[("b", &[b"y"])], &[]),
    ("not form-data", "multipart/form-data; boundary=1234", b"--1234\x0d\x0aContent-Disposition: attachment; name=\"a\"\x0d\x0a\x0d\x0ax\x0d\x0a--1234\x0d\x0aContent-Disposition: form-data; name=\"b\"\x0d\x0a\x0d\x0ay\x0d\x0a--1234--", &[("b", &[b"y"])], &[]),
    ("missing name", "multipart/form-data; boundary=1234", b"--1234\x0d\x0aContent-Disposition: form-data; filename=\"x\"\x0d\x0a\x0d\x0ax\x0d\x0a--1234\x0d\x0aContent-Disposition: form-data; name=\"\"\x0d\x0a\x0d\x0az\x0d\x0a--1234\x0d\x0aContent-Disposition: form-data; name=\"b\"\x0d\x0a\x0d\x0ay\x0d\x0a--1234--", &[("b", &[b"y"])], &[]),
    ("data after final", "multipart/form-data; boundary=1234", b"--1234\x0d\x0aContent-Disposition: form-data; name=\"a\"\x0d\x0a\x0d\x0ax\x0d\x0a--1234--\x0d\x0a--1234\x0d\x0aContent-Disposition: form-data; name=\"late\"\x0d\x0a\x0d\x0az\x0d\x0a", &[("a", &[b"x"])], &[]),
    ("two finals, last wins", "multipart/form-data; boundary=1234", b"--1234\x0d\x0aContent-Disposition: form-data; name=\"a\"\x0d\x0a\x0d\x0ax\x0d\x0a--1234--\x0d\x0a--1234\x0d\x0aContent-Disposition: form-data; name=\"b\"\x0d\x0a\x0d\x0ay\x0d\x0a--1234--", &[("a", &[b"x\x0d\x0a--1234--"]), ("b", &[b"y"])], &[]),
    ("boundary inside data", "multipart/form-data; boundary=1234", b"--1234\x0d\x0aContent-Disposition: form-data; name=\"a\"\x0d\x0a\x0d\x0a--1234 x --123\x0d\x0a--1234\x0d\x0a--1234--", &[("a", &[b"--1234 x --123"])], &[]),
    ("content type and rfc2231", "multipart/form-data; boundary=1234", b"--1234\x0d\x0aContent-Disposition: form-data; name=\"files\"; filename=\"ab.txt\"; filename*=UTF-8''%C3%A1b.txt\x0d\x0aContent-Type: text/plain\x0d\x0a\x0d\x0a\xff\x00\x0d\x0a--1234--", &[], &[("files", "\u{e1}b.txt", "text/plain", b"\xff\x00")]),
    ("utf-8 raw filename", "multipart/form-data; boundary=1234", b"--1234\x0d\x0aContent-Disposition: form-data; name=\"f\"; filename=\"\xc3\xa1\xe2\x98\x83.txt\"\x0d\x0a\x0d\x0adata\x0d\x0a--1234--", &[], &[("f", "\u{e1}\u{2603}.txt", "application/unknown", b"data")]),
    ("non-utf-8 header stops", "multipart/form-data; boundary=1234", b"--1234\x0d\x0aContent-Disposition: form-data; name=\"a\"\x0d\x0a\x0d\x0a1\x0d\x0a--1234\x0d\x0aContent-Disposition: form-data; name=\"f\"; filename=\"\xe1.txt\"\x0d\x0a\x0d\x0adata\x0d\x0a--1234\x0d\x0aContent-Disposition: form-data; name=\"c\"\x0d\x0a\x0d\x0a3\x0d\x0a--1234--", &[("a", &[b"1"])], &[]),
    ("no colon stops", "multipart/form-data; boundary=1234", b"--1234\x0d\x0aContent-Disposition: form-data; name=\"a\"\x0d\x0a\x0d\x0a1\x0d\x0a--1234\x0d\x0agarbage\x0d\x0a\x0d\x0ax\x0d\x0a--1234\x0d\x0aContent-Disposition: form-data; name=\"c\"\x0d\x0a\x0d\x0a3\x0d\x0a--1234--", &[("a", &[b"1"])], &[]),
    ("folded header", "multipart/form-data; boundary=1234", b"--1234\x0d\x0aContent-Disposition: form-data;\x0d\x0a name=\"folded\"\x0d\x0a\x0d\x0av\x0d\x0a--1234--", &[("folded", &[b"v"])], &[]),
    ("lf only body", "multipart/form-data; boundary=1234", b"--1234\x0aContent-Disposition: form-data; name=\"a\"\x0a\x0ax\x0a--1234--", &[], &[]),
    ("part without trailing crlf", "multipart/form-data; boundary=1234", b"--1234\x0d\x0aContent-Disposition: form-data; name=\"a\"\x0d\x0a\x0d\x0ax--1234--", &[], &[]),
    ("empty value", "multipart/form-data; boundary=1234", b"--1234\x0d\x0aContent-Disposition: form-data; name=\"a\"\x0d\x0a\x0d\x0a\x0d\x0a--1234--", &[("a", &[b""])], &[]),
    ("headers end at part end", "multipart/form-data; boundary=1234", b"--1234\x0d\x0aContent-Disposition: form-data; name=\"a\"\x0d\x0a\x0d\x0a--1234--", &[("a", &[b""])], &[]),
    ("preamble", "multipart/form-data; boundary=1234", b"preamble text\x0d\x0a--1234\x0d\x0aContent-Disposition: form-data; name=\"a\"\x0d\x0a\x0d\x0ax\x0d\x0a--1234--", &[("a", &[b"x"])], &[]),
    ("repeated names", "multipart/form-data; boundary=1234", b"--1234\x0d\x0aContent-Disposition: form-data; name=\"a\"\x0d\x0a\x0d\x0a1\x0d\x0a--1234\x0d\x0aContent-Disposition: form-data; name=\"a\"\x0d\x0a\x0d\x0a2\x0d\x0a--1234\x0d\x0aContent-Disposition: form-data; name=\"f\"; filename=\"1\"\x0d\x0a\x0d\x0aA\x0d\x0a--1234\x0d\x0aContent-Disposition: form-data; name=\"f\"; filename=\"2\"\x0d\x0aContent-Type: image/png\x0d\x0a\x0d\x0aB\x0d\x0a--1234--", &[("a", &[b"1", b"2"])], &[("f", "1", "application/unknown", b"A"), ("f", "2", "image/png", b"B")]),
    ("boundary param later", "multipart/form-data; charset=utf-8; boundary=1234", b"--1234\x0d\x0aContent-Disposition: form-data; name=\"a\"\x0d\x0a\x0d\x0a1\x0d\x0a--1234--", &[("a", &[b"1"])], &[]),
    ("no boundary", "multipart/form-data", b"--1234\x0d\x0aContent-Disposition: form-data; name=\"a\"\x0d\x0a\x0d\x0a1\x0d\x0a--1234--", &[], &[]),
    ("empty boundary", "multipart/form-data; boundary=", b"--1234\x0d\x0aContent-Disposition: form-data; name=\"a\"\x0d\x0a\x0d\x0a1\x0d\x0a--1234--", &[], &[]),
    ("empty body", "multipart/form-data; boundary=1234", b"", &[], &[]),
    ("only final", "multipart/form-data; boundary=1234", b"--1234--\x0d\x0a", &[], &[]),
    ("empty parts", "multipart/form-data; boundary=1234", b"--1234\x0d\x0a--1234\x0d\x0a--1234\x0d\x0aContent-Disposition: form-data; name=\"a\"\x0d\x0a\x0d\x0a1\x0d\x0a--1234--", &[("a", &[b"1"])], &[]),
    ("urlencoded", "application/x-www-form-urlencoded", b"a=1&b=&c&a=%41+b", &[("a", &[b"1", b"A b"]), ("b", &[b""]), ("c", &[b""])], &[]),
    ("urlencoded charset", "application/x-www-form-urlencoded; charset=utf-8", b"x=y", &[("x", &[b"y"])], &[]),
    ("other type", "text/plain", b"a=1", &[], &[]),
];

#[test]
fn url_concat_matches_tornado() {
    for &(url, args, expected) in URL_CONCAT {
        assert_eq!(
            url_concat(url, args.iter().copied()),
            expected,
            "url_concat({url:?}, {args:?})"
        );
    }
}

#[test]
fn parse_qs_bytes_matches_tornado() {
    for &(qs, keep, expected) in PARSE_QS {
        let got = parse_qs_bytes(qs, keep);
        let want: Arguments = expected
            .iter()
            .map(|(k, vs)| {
                (
                    k.to_string(),
                    vs.iter().map(|v| Bytes::from_static(v)).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            want,
            "parse_qs_bytes({:?}, {keep})",
            Bytes::from_static(qs)
        );
    }
}

#[test]
fn parse_cookie_matches_tornado() {
    for &(header, expected) in PARSE_COOKIE {
        let got: Vec<(String, String)> = parse_cookie(header).into_iter().collect();
        let want: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, want, "parse_cookie({header:?})");
    }
}

#[test]
fn split_host_and_port_matches_tornado() {
    for &(netloc, host, port) in SPLIT_HOST {
        assert_eq!(
            split_host_and_port(netloc),
            (host.to_string(), port),
            "{netloc:?}"
        );
    }
}

#[test]
fn ranges_match_tornado() {
    for &(header, expected) in RANGES {
        assert_eq!(parse_request_range(header), expected, "{header:?}");
    }
    for &(start, end, total, expected) in CONTENT_RANGES {
        assert_eq!(get_content_range(start, end, total), expected);
    }
}

#[test]
fn format_timestamp_matches_tornado() {
    for &(ts, expected) in DATES {
        assert_eq!(format_timestamp(ts), expected, "{ts}");
    }
}

#[test]
fn parse_header_matches_tornado() {
    for &(line, key, params) in PARSE_HEADER {
        let (got_key, got_params) = parse_header(line);
        let got: Vec<(&str, &str)> = got_params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            (got_key.as_str(), got.as_slice()),
            (key, params),
            "parse_header({line:?})"
        );
    }
}

#[test]
fn start_lines_match_tornado() {
    for &(line, expected) in REQUEST_LINES {
        let got = parse_request_start_line(line).ok();
        let got = got
            .as_ref()
            .map(|l| (l.method.as_str(), l.path.as_str(), l.version.as_str()));
        assert_eq!(got, expected, "{line:?}");
    }
    for &(line, expected) in RESPONSE_LINES {
        let got = parse_response_start_line(line).ok();
        let got = got
            .as_ref()
            .map(|l| (l.version.as_str(), l.code, l.reason.as_str()));
        assert_eq!(got, expected, "{line:?}");
    }
}

#[test]
fn form_bodies_match_tornado() {
    for &(name, content_type, body, expected_args, expected_files) in MULTIPART {
        let (mut args, mut files) = (Arguments::new(), Files::new());
        parse_body_arguments(
            content_type,
            body,
            &mut args,
            &mut files,
            None,
            &FormLimits::default(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let want: Arguments = expected_args
            .iter()
            .map(|(k, vs)| {
                (
                    k.to_string(),
                    vs.iter().map(|v| Bytes::from_static(v)).collect(),
                )
            })
            .collect();
        assert_eq!(args, want, "{name}: arguments");
        let got_files: Vec<(&str, &str, &str, &[u8])> = files
            .iter()
            .flat_map(|(k, fs)| {
                fs.iter().map(move |f| {
                    (
                        k.as_str(),
                        f.filename.as_str(),
                        f.content_type.as_str(),
                        &f.body[..],
                    )
                })
            })
            .collect();
        assert_eq!(got_files.as_slice(), expected_files, "{name}: files");
    }
}
