//! Static files: headers, versioned URLs, conditional and range requests, directories,
//! compression, hooks, and every path-escape attempt of issue 7 as its own test (sent as raw
//! bytes, so no client normalises the path first).
#![cfg(unix)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tornado::http::format_timestamp;
use tornado::template::DictLoader;
use tornado::testing::{ExpectLog, TestRequest, TestResponse, TestServer};
use tornado::web::static_files::{
    ContentStream, StaticFile, StaticFileHandler, StaticFiles, StaticHandlerArgs, CACHE_MAX_AGE,
};
use tornado::web::{
    url, Application, HandlerContext, RequestContext, RequestHandler, Result, Settings,
};

const A_TXT: &[u8] = b"abcdefghij";
const SECRET: &[u8] = b"TOP-SECRET-CONTENT";

/// A directory tree for one test, removed when dropped:
///
/// ```text
/// <base>/secret.txt            outside the root
/// <base>/static_evil/x         sibling whose name starts with the root's
/// <base>/static2/x             another sibling
/// <base>/static/               the root: a.txt, x.gz, x.bz2, big.css, logo.png, robots.txt,
///                              favicon.ico, dir/index.html, plain_dir/, link_in -> a.txt,
///                              link_out -> ../secret.txt
/// ```
struct Fixture {
    base: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        static N: AtomicUsize = AtomicUsize::new(0);
        let base = std::env::temp_dir().join(format!(
            "tornado-static-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let root = base.join("static");
        let files: &[(&str, &[u8])] = &[
            ("secret.txt", SECRET),
            ("static_evil/x", SECRET),
            ("static2/x", SECRET),
            ("static/a.txt", A_TXT),
            ("static/x.gz", b"\x1f\x8b\x08\x00gz-bytes"),
            ("static/x.bz2", b"BZh91AY&SY"),
            ("static/logo.png", &[0x89, b'P', b'N', b'G', 0, 1, 2, 3]),
            ("static/robots.txt", b"User-agent: *\n"),
            ("static/favicon.ico", b"\x00\x00\x01\x00icon"),
            ("static/dir/index.html", b"<p>index</p>"),
        ];
        for (name, content) in files {
            let path = base.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("create fixture dirs");
            }
            std::fs::write(&path, content).expect("write fixture file");
        }
        let css = "body { color: #333; margin: 0 auto; }\n".repeat(60);
        std::fs::write(root.join("big.css"), css).expect("write big.css");
        std::fs::create_dir_all(root.join("plain_dir")).expect("create plain_dir");
        std::os::unix::fs::symlink(root.join("a.txt"), root.join("link_in")).expect("symlink");
        std::os::unix::fs::symlink(base.join("secret.txt"), root.join("link_out"))
            .expect("symlink");
        Fixture { base }
    }

    fn root(&self) -> PathBuf {
        self.base.join("static")
    }

    fn settings(&self) -> Settings {
        Settings {
            static_path: Some(self.root()),
            ..Default::default()
        }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.base);
    }
}

fn sha512_hex(data: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA512, data)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn server(settings: Settings) -> TestServer {
    TestServer::start(app(settings, Vec::new()))
}

fn app(settings: Settings, routes: Vec<tornado::web::Route>) -> Application {
    let mut b = Application::builder().settings(settings);
    for r in routes {
        b = b.route(r);
    }
    b.build().expect("valid routes")
}

fn get_with(s: &TestServer, path: &str, headers: &[(&str, &str)]) -> TestResponse {
    let mut req = TestRequest::get(path);
    for (n, v) in headers {
        req = req.header(n, v);
    }
    s.fetch_with(req)
}

/// Sends `GET <target>` byte for byte on a raw connection.
fn raw_get(s: &TestServer, target: &[u8]) -> TestResponse {
    let mut conn = s.connect();
    let mut req = b"GET ".to_vec();
    req.extend_from_slice(target);
    req.extend_from_slice(b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    conn.send(&req).expect("send");
    conn.read_response(false).expect("response")
}

fn assert_refused(r: &TestResponse) {
    assert!(
        r.status == 403 || r.status == 404,
        "expected 403/404, got {} {:?}",
        r.status,
        r.text()
    );
    assert!(
        !r.text()
            .contains(std::str::from_utf8(SECRET).unwrap_or("?")),
        "the secret leaked"
    );
}

fn modified_of(path: &Path) -> SystemTime {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .expect("mtime")
}

// ---------------------------------------------------------------------------------------------
// Responses

#[test]
fn file_is_served_with_tornado_headers_and_no_cache_headers() {
    let f = Fixture::new();
    let s = server(f.settings());
    let r = s.fetch("/static/a.txt");
    assert_eq!(r.status, 200);
    assert_eq!(r.body, A_TXT);
    assert_eq!(r.header("Accept-Ranges"), Some("bytes"));
    assert_eq!(r.header("Content-Type"), Some("text/plain; charset=UTF-8"));
    assert_eq!(r.header("Content-Length"), Some("10"));
    let etag = format!("\"{}\"", sha512_hex(A_TXT));
    assert_eq!(r.header("Etag"), Some(etag.as_str()));
    let last_modified = format_timestamp(modified_of(&f.root().join("a.txt")));
    assert_eq!(r.header("Last-Modified"), Some(last_modified.as_str()));
    assert_eq!(r.header("Cache-Control"), None);
    assert_eq!(r.header("Expires"), None);
    assert_eq!(r.header("Content-Encoding"), None);
}

#[test]
fn versioned_request_is_cached_for_ten_years() {
    let f = Fixture::new();
    let s = server(f.settings());
    let r = s.fetch("/static/a.txt?v=anything");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Cache-Control"), Some("max-age=315360000"));
    let expires = httpdate::parse_http_date(r.header("Expires").unwrap_or_default())
        .expect("an HTTP date in Expires");
    let ten_years = SystemTime::now() + CACHE_MAX_AGE;
    let diff = match expires.duration_since(ten_years) {
        Ok(d) => d,
        Err(e) => e.duration(),
    };
    assert!(
        diff < Duration::from_secs(86_400),
        "Expires is {diff:?} off ten years"
    );
}

#[test]
fn head_sends_headers_and_length_without_body() {
    let f = Fixture::new();
    let s = server(f.settings());
    let r = s.fetch_with(TestRequest::new("HEAD", "/static/a.txt"));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Length"), Some("10"));
    let etag = format!("\"{}\"", sha512_hex(A_TXT));
    assert_eq!(r.header("Etag"), Some(etag.as_str()));
    assert!(r.body.is_empty());
    // The connection is still in sync: no body bytes followed the head.
    let mut conn = s.connect();
    conn.send_request(&TestRequest::new("HEAD", "/static/a.txt"))
        .expect("send");
    conn.send_request(&TestRequest::get("/static/a.txt"))
        .expect("send");
    assert!(conn.read_response(true).expect("HEAD").body.is_empty());
    assert_eq!(conn.read_response(false).expect("GET").body, A_TXT);
}

#[test]
fn missing_file_is_404_and_directory_without_default_is_403() {
    let f = Fixture::new();
    let s = server(f.settings());
    assert_eq!(s.fetch("/static/nope.txt").status, 404);
    assert_eq!(s.fetch("/static/dir/nope/deeper.txt").status, 404);
    assert_eq!(s.fetch("/static/a.txt/inside").status, 404);
    assert_eq!(s.fetch("/static/plain_dir").status, 403);
    assert_eq!(s.fetch("/static/").status, 403);
}

#[test]
fn compressed_files_keep_their_type_and_get_no_content_encoding() {
    let f = Fixture::new();
    let s = server(f.settings());
    let gz = get_with(&s, "/static/x.gz", &[("Accept-Encoding", "gzip")]);
    assert_eq!(gz.status, 200);
    assert_eq!(gz.header("Content-Type"), Some("application/gzip"));
    assert_eq!(gz.header("Content-Encoding"), None);
    assert_eq!(gz.body, b"\x1f\x8b\x08\x00gz-bytes");
    let bz2 = s.fetch("/static/x.bz2");
    assert_eq!(bz2.header("Content-Type"), Some("application/octet-stream"));
    assert_eq!(bz2.header("Content-Encoding"), None);
    assert_eq!(
        s.fetch("/static/logo.png").header("Content-Type"),
        Some("image/png")
    );
}

#[test]
fn favicon_and_robots_come_from_static_path_before_user_routes() {
    #[derive(Default)]
    struct Everything;
    tornado::handler_actor!(Everything);
    impl RequestHandler for Everything {
        async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
            cx.write("user route")
        }
    }
    let f = Fixture::new();
    let s = TestServer::start(app(f.settings(), vec![url(r"/.*", Everything::default)]));
    let robots = s.fetch("/robots.txt");
    assert_eq!(
        (robots.status, robots.body.as_slice()),
        (200, &b"User-agent: *\n"[..])
    );
    let icon = s.fetch("/favicon.ico");
    assert_eq!(icon.body, b"\x00\x00\x01\x00icon");
    assert_eq!(icon.header("Content-Type"), Some("image/x-icon"));
    assert_eq!(s.fetch("/static/a.txt").body, A_TXT);
    assert_eq!(s.fetch("/other").text(), "user route");
}

#[test]
fn custom_prefix_moves_the_static_route() {
    let f = Fixture::new();
    let s = server(Settings {
        static_url_prefix: Some("/assets/v1/".into()),
        ..f.settings()
    });
    assert_eq!(s.fetch("/assets/v1/a.txt").body, A_TXT);
    assert_eq!(s.fetch("/static/a.txt").status, 404);
}

#[test]
fn directory_with_default_filename_redirects_then_serves_index() {
    let f = Fixture::new();
    let s = server(Settings {
        static_handler_args: StaticHandlerArgs {
            default_filename: Some("index.html".into()),
            ..Default::default()
        },
        ..f.settings()
    });
    let r = s.fetch("/static/dir");
    assert_eq!(r.status, 301);
    assert_eq!(r.header("Location"), Some("/static/dir/"));
    let r = s.fetch("/static/dir/");
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "<p>index</p>");
    assert_eq!(r.header("Content-Type"), Some("text/html; charset=UTF-8"));
    // A directory without the default file.
    assert_eq!(s.fetch("/static/plain_dir/").status, 404);
}

// ---------------------------------------------------------------------------------------------
// Conditional requests

#[test]
fn if_none_match_with_the_etag_is_304_without_representation_headers() {
    let f = Fixture::new();
    let s = server(f.settings());
    let etag = s
        .fetch("/static/a.txt")
        .header("Etag")
        .unwrap_or_default()
        .to_owned();
    let r = get_with(&s, "/static/a.txt", &[("If-None-Match", &etag)]);
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    assert_eq!(r.header("Content-Type"), None);
    assert_eq!(r.header("Etag"), Some(etag.as_str()));
    let weak = format!("W/{etag}");
    assert_eq!(
        get_with(&s, "/static/a.txt", &[("If-None-Match", &weak)]).status,
        304
    );
    assert_eq!(
        get_with(&s, "/static/a.txt", &[("If-None-Match", "*")]).status,
        304
    );
    assert_eq!(
        get_with(&s, "/static/a.txt", &[("If-None-Match", "\"other\"")]).status,
        200
    );
}

#[test]
fn if_modified_since_at_or_after_mtime_is_304_and_if_none_match_wins() {
    let f = Fixture::new();
    let s = server(f.settings());
    let last_modified = s
        .fetch("/static/a.txt")
        .header("Last-Modified")
        .unwrap_or_default()
        .to_owned();
    let r = get_with(
        &s,
        "/static/a.txt",
        &[("If-Modified-Since", &last_modified)],
    );
    assert_eq!(r.status, 304);
    let later = format_timestamp(SystemTime::now() + Duration::from_secs(3600));
    assert_eq!(
        get_with(&s, "/static/a.txt", &[("If-Modified-Since", &later)]).status,
        304
    );
    let earlier = format_timestamp(modified_of(&f.root().join("a.txt")) - Duration::from_secs(10));
    assert_eq!(
        get_with(&s, "/static/a.txt", &[("If-Modified-Since", &earlier)]).status,
        200
    );
    assert_eq!(
        get_with(&s, "/static/a.txt", &[("If-Modified-Since", "garbage")]).status,
        200
    );
    // If-None-Match present and not matching: 200, whatever If-Modified-Since says.
    let r = get_with(
        &s,
        "/static/a.txt",
        &[
            ("If-Modified-Since", &last_modified),
            ("If-None-Match", "\"nope\""),
        ],
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.body, A_TXT);
}

// ---------------------------------------------------------------------------------------------
// Ranges

#[test]
fn range_first_bytes_is_206_with_content_range_and_full_etag() {
    let f = Fixture::new();
    let s = server(f.settings());
    let r = get_with(&s, "/static/a.txt", &[("Range", "bytes=0-3")]);
    assert_eq!(r.status, 206);
    assert_eq!(r.header("Content-Range"), Some("bytes 0-3/10"));
    assert_eq!(r.header("Content-Length"), Some("4"));
    assert_eq!(r.body, b"abcd");
    let etag = format!("\"{}\"", sha512_hex(A_TXT));
    assert_eq!(r.header("Etag"), Some(etag.as_str()));
}

#[test]
fn range_suffix_gives_the_last_bytes() {
    let f = Fixture::new();
    let s = server(f.settings());
    let r = get_with(&s, "/static/a.txt", &[("Range", "bytes=-2")]);
    assert_eq!(r.status, 206);
    assert_eq!(r.header("Content-Range"), Some("bytes 8-9/10"));
    assert_eq!(r.body, b"ij");
    let r = get_with(&s, "/static/a.txt", &[("Range", "bytes=3-100")]);
    assert_eq!((r.status, r.body.as_slice()), (206, &b"defghij"[..]));
    assert_eq!(r.header("Content-Range"), Some("bytes 3-9/10"));
}

#[test]
fn range_past_the_end_is_416_with_the_size() {
    let f = Fixture::new();
    let s = server(f.settings());
    for range in ["bytes=10-", "bytes=-0", "bytes=5-2"] {
        let r = get_with(&s, "/static/a.txt", &[("Range", range)]);
        assert_eq!(r.status, 416, "{range}");
        assert_eq!(r.header("Content-Range"), Some("bytes */10"), "{range}");
        assert_eq!(r.header("Content-Type"), Some("text/plain"), "{range}");
        assert!(r.body.is_empty());
    }
}

#[test]
fn range_of_the_whole_file_or_another_unit_is_200() {
    let f = Fixture::new();
    let s = server(f.settings());
    for range in [
        "bytes=0-",
        "bytes=0-9",
        "bytes=-10",
        "items=1-2",
        "bytes=1-2,4-5",
        "bytes=x-y",
    ] {
        let r = get_with(&s, "/static/a.txt", &[("Range", range)]);
        assert_eq!(r.status, 200, "{range}");
        assert_eq!(r.body, A_TXT, "{range}");
        assert_eq!(r.header("Content-Range"), None, "{range}");
    }
}

#[test]
fn large_file_streams_in_small_chunks_and_ranges_cross_chunk_boundaries() {
    let f = Fixture::new();
    let data: Vec<u8> = (0..1_000_003u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(f.root().join("big.bin"), &data).expect("write big.bin");
    let s = server(Settings {
        static_handler_args: StaticHandlerArgs {
            chunk_size: 4093,
            ..Default::default()
        },
        ..f.settings()
    });
    let r = s.fetch("/static/big.bin");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Length"), Some("1000003"));
    assert_eq!(r.header("Content-Type"), Some("application/octet-stream"));
    assert!(r.body == data, "streamed body differs from the file");
    let r = get_with(&s, "/static/big.bin", &[("Range", "bytes=4000-500000")]);
    assert_eq!(r.status, 206);
    assert!(r.body == data[4000..=500_000], "range body differs");
}

#[test]
fn client_leaving_mid_file_is_not_an_error() {
    let f = Fixture::new();
    std::fs::write(f.root().join("huge.bin"), vec![7u8; 16 << 20]).expect("write huge.bin");
    let s = server(f.settings());
    let uncaught = ExpectLog::not_logged("tornado.application", "huge");
    let general = ExpectLog::not_logged("tornado.general", "huge");
    let mut conn = s.connect();
    conn.send_request(&TestRequest::get("/static/huge.bin"))
        .expect("send");
    let mut first = [0u8; 4096];
    let n = conn
        .stream()
        .try_clone()
        .expect("clone")
        .read(&mut first)
        .expect("read");
    assert!(n > 0);
    drop(conn);
    // The server goes on serving, and logged no error for the abandoned response.
    assert_eq!(s.fetch("/static/a.txt").body, A_TXT);
    let r = s.fetch("/static/a.txt");
    assert_eq!(r.status, 200);
    drop(s);
    assert_eq!((uncaught.count(), general.count()), (0, 0));
}

// ---------------------------------------------------------------------------------------------
// static_url and versions

#[derive(Default)]
struct UrlHandler;
tornado::handler_actor!(UrlHandler);
impl RequestHandler for UrlHandler {
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        let path = cx.get_argument("path")?;
        let include_version = cx.get_argument_or("version", "1")? == "1";
        let u = if cx.get_argument_or("host", "0")? == "1" {
            cx.static_url_with_host(&path, include_version)?
        } else {
            cx.static_url(&path, include_version)?
        };
        cx.write(u)
    }
}

#[derive(Default)]
struct PageHandler;
tornado::handler_actor!(PageHandler);
impl RequestHandler for PageHandler {
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        cx.render("page.html", &serde_json::json!({}))
    }
}

fn url_server(settings: Settings) -> TestServer {
    let loader = DictLoader::new([(
        "page.html",
        r#"{{ static_url("a.txt") }}|{{ static_url("a.txt", include_version=False) }}|{{ static_url("a.txt", False) }}|{{ static_url("a.txt", include_version=False, include_host=True) }}"#,
    )]);
    let settings = Settings {
        template_loader: Some(loader.into()),
        ..settings
    };
    TestServer::start(app(
        settings,
        vec![
            url(r"/url", UrlHandler::default),
            url(r"/page", PageHandler::default),
        ],
    ))
}

#[test]
fn static_url_in_handlers_and_templates_carries_the_content_hash() {
    let f = Fixture::new();
    let s = url_server(f.settings());
    let expected = format!("/static/a.txt?v={}", sha512_hex(A_TXT));
    assert_eq!(s.fetch("/url?path=a.txt").text(), expected);
    let host = format!("http://127.0.0.1:{}", s.port());
    assert_eq!(s.fetch("/url?path=a.txt&version=0").text(), "/static/a.txt");
    assert_eq!(
        s.fetch("/page").text(),
        format!("{expected}|/static/a.txt|/static/a.txt|{host}/static/a.txt")
    );
    assert_eq!(
        s.fetch("/url?path=a.txt&host=1").text(),
        format!("{host}{expected}")
    );
    // A missing file has no version: the bare URL, and the error is logged.
    let logged = ExpectLog::new("tornado.general", "Could not open static file");
    assert_eq!(
        s.fetch("/url?path=missing.css").text(),
        "/static/missing.css"
    );
    assert!(logged.wait(Duration::from_secs(5)));
    // The versioned URL fetches the file with the ten-year cache headers.
    let r = s.fetch(&expected);
    assert_eq!(r.body, A_TXT);
    assert_eq!(r.header("Cache-Control"), Some("max-age=315360000"));
}

#[test]
fn static_url_without_static_path_is_a_500() {
    let s = url_server(Settings::default());
    let logged = ExpectLog::new("tornado.general", "static_path");
    assert_eq!(s.fetch("/url?path=a.txt").status, 500);
    assert!(logged.wait(Duration::from_secs(5)));
}

/// Rewrites `path` keeping its size, then puts its modification time back, so only the
/// content tells the two versions apart.
fn rewrite_same_stamp(path: &Path, content: &[u8]) {
    let mtime = modified_of(path);
    std::fs::write(path, content).expect("rewrite");
    let file = std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open");
    file.set_modified(mtime).expect("restore mtime");
}

#[test]
fn hash_cache_keeps_a_version_until_mtime_or_size_change() {
    let f = Fixture::new();
    let s = url_server(f.settings());
    let path = f.root().join("a.txt");
    let first = s.fetch("/url?path=a.txt").text();
    assert_eq!(first, format!("/static/a.txt?v={}", sha512_hex(A_TXT)));
    // Same size and mtime: the cached version stays (the file is not hashed again).
    rewrite_same_stamp(&path, b"ABCDEFGHIJ");
    assert_eq!(s.fetch("/url?path=a.txt").text(), first);
    // A new size is a new version.
    std::fs::write(&path, b"abcdefghijk").expect("rewrite");
    assert_eq!(
        s.fetch("/url?path=a.txt").text(),
        format!("/static/a.txt?v={}", sha512_hex(b"abcdefghijk"))
    );
}

#[test]
fn hash_cache_off_hashes_again_every_time() {
    let f = Fixture::new();
    let s = url_server(Settings {
        static_hash_cache_setting: Some(false),
        ..f.settings()
    });
    let path = f.root().join("a.txt");
    let first = s.fetch("/url?path=a.txt").text();
    rewrite_same_stamp(&path, b"ABCDEFGHIJ");
    let second = s.fetch("/url?path=a.txt").text();
    assert_ne!(first, second);
    assert_eq!(
        second,
        format!("/static/a.txt?v={}", sha512_hex(b"ABCDEFGHIJ"))
    );
    let etag = format!("\"{}\"", sha512_hex(b"ABCDEFGHIJ"));
    assert_eq!(s.fetch("/static/a.txt").header("Etag"), Some(etag.as_str()));
    // `debug` turns the cache off too.
    assert!(!Settings {
        debug: true,
        ..Default::default()
    }
    .static_hash_cache());
}

// ---------------------------------------------------------------------------------------------
// Compression

#[test]
fn gzip_applies_to_compressible_static_types_only() {
    let f = Fixture::new();
    let s = server(Settings {
        compress_response: true,
        ..f.settings()
    });
    let css = std::fs::read(f.root().join("big.css")).expect("read big.css");
    let r = get_with(&s, "/static/big.css", &[("Accept-Encoding", "gzip")]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Encoding"), Some("gzip"));
    assert_eq!(r.header("Vary"), Some("Accept-Encoding"));
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(r.body.as_slice())
        .read_to_end(&mut plain)
        .expect("valid gzip");
    assert!(plain == css);
    let png = get_with(&s, "/static/logo.png", &[("Accept-Encoding", "gzip")]);
    assert_eq!(png.header("Content-Encoding"), None);
    assert_eq!(png.header("Content-Length"), Some("8"));
    // A range of a compressible file is sent as it is: Content-Range counts the file's bytes.
    let part = get_with(
        &s,
        "/static/big.css",
        &[("Accept-Encoding", "gzip"), ("Range", "bytes=0-1499")],
    );
    assert_eq!(part.status, 206);
    assert_eq!(part.header("Content-Encoding"), None);
    assert_eq!(part.header("Vary"), Some("Accept-Encoding"));
    assert!(part.body == css[..1500]);
    let identity = s.fetch("/static/big.css");
    assert_eq!(identity.header("Content-Encoding"), None);
    assert!(identity.body == css);
}

// ---------------------------------------------------------------------------------------------
// Hooks

/// Tornado-style overrides: extra headers, a cache time for unversioned files, a CDN URL, a
/// content transformation and a validation rule of its own.
struct CdnStatic;
impl StaticFiles for CdnStatic {
    fn set_extra_headers(&self, cx: &mut RequestContext, path: &str) {
        cx.set_header("X-Static-Path", path);
    }
    fn get_cache_time(
        &self,
        _cx: &RequestContext,
        _path: &str,
        _modified: SystemTime,
        content_type: &str,
    ) -> Duration {
        if content_type.starts_with("image/") {
            Duration::from_secs(60)
        } else {
            Duration::ZERO
        }
    }
    fn make_static_url(&self, settings: &Settings, path: &str, include_version: bool) -> String {
        let version = if include_version {
            self.get_version(settings, path).map(|v| v[..8].to_owned())
        } else {
            None
        };
        match version {
            Some(v) => format!("https://cdn.example/{path}?h={v}"),
            None => format!("https://cdn.example/{path}"),
        }
    }
    fn validate_absolute_path(
        &self,
        cx: &mut RequestContext,
        root: &Path,
        absolute_path: &Path,
        args: &StaticHandlerArgs,
    ) -> Result<Option<StaticFile>> {
        if absolute_path.extension().is_some_and(|e| e == "bz2") {
            return Err(tornado::web::HttpError::new(404).into());
        }
        tornado::web::static_files::validate_absolute_path(cx, root, absolute_path, args)
    }
    fn get_content(
        &self,
        file: &StaticFile,
        start: u64,
        end: u64,
        _chunk_size: usize,
    ) -> std::io::Result<ContentStream> {
        // One byte per piece, to show a custom stream.
        tornado::web::static_files::file_content(&file.path, start, end, 1)
    }
}

#[test]
fn hooks_change_headers_urls_validation_and_content() {
    let f = Fixture::new();
    let s = url_server(Settings {
        static_handler_class: Some(Arc::new(CdnStatic)),
        ..f.settings()
    });
    let r = s.fetch("/static/a.txt");
    assert_eq!(r.body, A_TXT);
    assert_eq!(r.header("X-Static-Path"), Some("a.txt"));
    assert_eq!(r.header("Cache-Control"), None);
    let png = s.fetch("/static/logo.png");
    assert_eq!(png.header("Cache-Control"), Some("max-age=60"));
    assert_eq!(s.fetch("/static/x.bz2").status, 404);
    let hash = sha512_hex(A_TXT);
    assert_eq!(
        s.fetch("/url?path=a.txt").text(),
        format!("https://cdn.example/a.txt?h={}", &hash[..8])
    );
    assert_eq!(
        s.fetch("/page").text().split('|').nth(1),
        Some("https://cdn.example/a.txt")
    );
}

#[test]
fn a_route_of_its_own_serves_another_directory() {
    let f = Fixture::new();
    let h = StaticFileHandler::new(f.base.join("static2")).default_filename("x");
    let s = TestServer::start(app(
        Settings::default(),
        vec![url(r"/files/(.*)", move || h.clone())],
    ));
    let r = s.fetch("/files/x");
    assert_eq!((r.status, r.body.as_slice()), (200, SECRET));
    assert_eq!(s.fetch("/files/").body, SECRET);
    assert_eq!(s.fetch("/static/a.txt").status, 404);
}

#[test]
fn a_root_of_slash_works() {
    let f = Fixture::new();
    let h = StaticFileHandler::new("/");
    let s = TestServer::start(app(
        Settings::default(),
        vec![url(r"/fs/(.*)", move || h.clone())],
    ));
    let target = f.root().join("a.txt");
    let r = s.fetch(&format!("/fs{}", target.display()));
    assert_eq!((r.status, r.body.as_slice()), (200, A_TXT));
}

// ---------------------------------------------------------------------------------------------
// Safety: each attack of issue 7, as raw bytes

#[test]
fn attack_dot_dot_segments() {
    let f = Fixture::new();
    let s = server(f.settings());
    assert_refused(&raw_get(&s, b"/static/../secret.txt"));
    assert_refused(&raw_get(&s, b"/static/dir/../../secret.txt"));
    assert_refused(&raw_get(&s, b"/static/./../secret.txt"));
}

#[test]
fn attack_percent_encoded_dot_dot() {
    let f = Fixture::new();
    let s = server(f.settings());
    assert_refused(&raw_get(&s, b"/static/%2e%2e/secret.txt"));
    assert_refused(&raw_get(&s, b"/static/%2E%2E%2Fsecret.txt"));
    assert_refused(&raw_get(&s, b"/static/.%2e/secret.txt"));
    assert_refused(&raw_get(&s, b"/static/%252e%252e/secret.txt"));
}

#[test]
fn attack_absolute_path() {
    let f = Fixture::new();
    let s = server(f.settings());
    let secret = f.base.join("secret.txt");
    let target = format!("/static/{}", secret.display());
    assert!(target.starts_with("/static//"));
    assert_refused(&raw_get(&s, target.as_bytes()));
    let encoded = format!(
        "/static/{}",
        secret.display().to_string().replace('/', "%2F")
    );
    assert_refused(&raw_get(&s, encoded.as_bytes()));
    let r = raw_get(&s, b"/static//etc/passwd");
    assert_refused(&r);
    assert!(!r.text().contains("root:"));
}

#[test]
fn attack_backslashes() {
    let f = Fixture::new();
    let s = server(f.settings());
    assert_refused(&raw_get(&s, b"/static/..\\secret.txt"));
    assert_refused(&raw_get(&s, b"/static/..%5Csecret.txt"));
    assert_refused(&raw_get(&s, b"/static/dir\\..\\..\\secret.txt"));
}

#[test]
fn attack_nul_byte() {
    let f = Fixture::new();
    let s = server(f.settings());
    let r = raw_get(&s, b"/static/a.txt%00.png");
    assert_eq!(r.status, 404);
    assert_refused(&raw_get(&s, b"/static/../secret.txt%00"));
}

#[test]
fn attack_sibling_directory_sharing_the_root_prefix() {
    let f = Fixture::new();
    let s = server(f.settings());
    assert_refused(&raw_get(&s, b"/static/../static_evil/x"));
    assert_refused(&raw_get(&s, b"/static/%2e%2e/static_evil/x"));
    assert_refused(&raw_get(&s, b"/static/../static2/x"));
}

#[test]
fn attack_symlink_leading_out_of_the_root() {
    let f = Fixture::new();
    let s = server(f.settings());
    let r = raw_get(&s, b"/static/link_out");
    assert_eq!(r.status, 403);
    assert_refused(&r);
    // A link that stays inside the root is fine.
    assert_eq!(raw_get(&s, b"/static/link_in").body, A_TXT);
    // The setting that allows links out.
    let s = server(Settings {
        static_handler_args: StaticHandlerArgs {
            follow_symlinks_outside_root: true,
            ..Default::default()
        },
        ..f.settings()
    });
    assert_eq!(raw_get(&s, b"/static/link_out").body, SECRET);
}

#[test]
fn attack_symlinked_directory_leading_out_of_the_root() {
    let f = Fixture::new();
    std::os::unix::fs::symlink(&f.base, f.root().join("up")).expect("symlink");
    let s = server(f.settings());
    assert_refused(&raw_get(&s, b"/static/up/secret.txt"));
    assert_refused(&raw_get(&s, b"/static/up/static2/x"));
}

#[test]
fn a_root_reached_through_a_link_serves_its_files_and_its_inner_links() {
    let f = Fixture::new();
    let current = f.base.join("current");
    std::os::unix::fs::symlink(f.root(), &current).expect("symlink");
    let s = server(Settings {
        static_path: Some(current),
        ..Default::default()
    });
    assert_eq!(s.fetch("/static/a.txt").body, A_TXT);
    assert_eq!(raw_get(&s, b"/static/link_in").body, A_TXT);
    assert_refused(&raw_get(&s, b"/static/link_out"));
}

/// A UI module linking one relative and one absolute stylesheet.
struct Styled;
impl tornado::web::UiModule for Styled {
    fn render(
        &self,
        _args: &[tornado::template::Value],
        _kwargs: &[(Arc<str>, tornado::template::Value)],
    ) -> std::result::Result<String, String> {
        Ok("<i>styled</i>".into())
    }
    fn css_files(&self) -> Vec<String> {
        vec!["a.txt".into(), "https://cdn.example/x.css".into()]
    }
}

#[test]
fn ui_module_relative_resources_go_through_static_url() {
    #[derive(Default)]
    struct ModulePage;
    tornado::handler_actor!(ModulePage);
    impl RequestHandler for ModulePage {
        async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
            cx.render("m.html", &serde_json::json!({}))
        }
    }
    let f = Fixture::new();
    let loader = DictLoader::new([(
        "m.html",
        "<html><head></head><body>{% module Styled() %}</body></html>",
    )]);
    let settings = Settings {
        template_loader: Some(loader.into()),
        ui_modules: vec![(
            "Styled".into(),
            Arc::new(Styled) as Arc<dyn tornado::web::UiModule>,
        )],
        ..f.settings()
    };
    let s = TestServer::start(app(settings, vec![url(r"/m", ModulePage::default)]));
    let html = s.fetch("/m").text();
    let versioned = format!(r#"href="/static/a.txt?v={}""#, sha512_hex(A_TXT));
    assert!(html.contains(&versioned), "{html}");
    assert!(
        html.contains(r#"href="https://cdn.example/x.css""#),
        "{html}"
    );
}

#[test]
fn hidden_files_are_served_unless_turned_off() {
    let f = Fixture::new();
    std::fs::write(f.root().join(".env"), SECRET).expect("write .env");
    std::fs::create_dir_all(f.root().join(".git")).expect("mkdir .git");
    std::fs::write(f.root().join(".git/config"), SECRET).expect("write .git/config");
    let s = server(f.settings());
    assert_eq!(s.fetch("/static/.env").body, SECRET);
    let s = server(Settings {
        static_handler_args: StaticHandlerArgs {
            hidden_files: false,
            ..Default::default()
        },
        ..f.settings()
    });
    for target in [
        &b"/static/.env"[..],
        b"/static/.git/config",
        b"/static/%2egit/config",
    ] {
        let r = raw_get(&s, target);
        assert_eq!(r.status, 404);
        assert_refused(&r);
    }
    assert_eq!(s.fetch("/static/a.txt").body, A_TXT);
}

/// Sets a header value a response must never carry.
struct BadHeader;
impl StaticFiles for BadHeader {
    fn set_extra_headers(&self, cx: &mut RequestContext, _path: &str) {
        cx.set_header("X-Bad", "a\r\nInjected: yes");
    }
}

#[test]
fn an_unsafe_extra_header_is_a_500_not_a_split_response() {
    let f = Fixture::new();
    let s = server(Settings {
        static_handler_class: Some(Arc::new(BadHeader)),
        ..f.settings()
    });
    let logged = ExpectLog::new("tornado.application", "Unsafe header");
    let r = s.fetch("/static/a.txt");
    assert_eq!(r.status, 500);
    assert_eq!(r.header("Injected"), None);
    assert!(r.body != A_TXT);
    assert!(logged.wait(Duration::from_secs(5)));
}

/// A content version with a line break in it, which would split the `Etag` header.
struct BadVersion;
impl StaticFiles for BadVersion {
    fn get_content_version(&self, _absolute_path: &Path) -> std::io::Result<String> {
        Ok("abc\r\nInjected: yes".to_owned())
    }
}

#[test]
fn an_unsafe_content_version_is_a_500_every_time_not_a_split_etag() {
    let f = Fixture::new();
    let s = server(Settings {
        static_handler_class: Some(Arc::new(BadVersion)),
        ..f.settings()
    });
    // The first request hashes; the second finds the version in the cache.
    for _ in 0..2 {
        let logged = ExpectLog::new("tornado.application", "Unsafe header");
        let r = s.fetch("/static/a.txt");
        assert_eq!(r.status, 500);
        assert_eq!(r.header("Injected"), None);
        assert!(logged.wait(Duration::from_secs(5)));
    }
}
