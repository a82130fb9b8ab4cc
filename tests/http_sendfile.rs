//! The zero-copy path for file bodies (`ResponseWriter::send_file`, used by static files):
//! bytes in order with the rest of the output, pipelined responses, framings that cannot take
//! file bytes, a file shorter than promised, and the transports that cannot send files (TLS)
//! or can (Unix sockets).

#[cfg(feature = "tls")]
mod tls_support;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tornado::http::{delegate_fn, ResponseHead, ServerRequest};
use tornado::testing::TestServer;
use tornado::web::{Application, Settings};

/// A bound on how long a correct server takes to do something we wait for.
const GUARD: Duration = Duration::from_secs(20);

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("tornado-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// 100 000 bytes that differ from one position to the next, so a misplaced byte shows.
fn pattern() -> Vec<u8> {
    (0..100_000u32).map(|i| (i % 251) as u8).collect()
}

/// A delegate serving `GET /file/<start>/<len>` from `path`: a `Content-Length` head with
/// `prefix` bytes written normally, then the stretch through `send_file`, then `suffix`.
/// `/chunked/...` leaves the length out; `/short` promises more than the file has.
fn file_delegate(path: PathBuf) -> impl tornado::http::HttpServerDelegate {
    let file = Arc::new(std::fs::File::open(&path).expect("open the pattern file"));
    delegate_fn(move |req: ServerRequest, mut resp| {
        let file = file.clone();
        async move {
            let uri = req.head.uri.to_string();
            let parts: Vec<&str> = uri.split('/').collect();
            let (kind, start, len) = match parts.as_slice() {
                ["", kind, start, len] => (*kind, start.parse().unwrap(), len.parse().unwrap()),
                _ => ("short", 0u64, 0u64),
            };
            let (prefix, suffix) = (b"<<".as_slice(), b">>".as_slice());
            let mut head = ResponseHead::new(200);
            match kind {
                "file" => {
                    let total = prefix.len() as u64 + len + suffix.len() as u64;
                    head.headers.add("Content-Length", total.to_string());
                }
                "short" => head.headers.add("Content-Length", "200000"),
                _ => {}
            }
            resp.write_head(&head).unwrap();
            if kind == "short" {
                assert!(resp.send_file(&file, 0, 200_000).unwrap());
                let _ = resp.finish();
                return;
            }
            resp.write(prefix).unwrap();
            let sent = resp.send_file(&file, start, len).unwrap();
            if kind == "file" {
                assert!(sent, "a length-delimited body on TCP takes file bytes");
            } else {
                assert!(!sent, "a chunked body cannot take file bytes as they are");
                let mut buf = vec![0; len as usize];
                use std::os::unix::fs::FileExt;
                file.read_exact_at(&mut buf, start).unwrap();
                resp.write(&buf).unwrap();
            }
            resp.write(suffix).unwrap();
            resp.finish().unwrap();
        }
    })
}

fn expected(start: usize, len: usize) -> Vec<u8> {
    let mut v = b"<<".to_vec();
    v.extend_from_slice(&pattern()[start..start + len]);
    v.extend_from_slice(b">>");
    v
}

fn pattern_server(name: &str) -> (TempDir, TestServer) {
    let dir = TempDir::new(name);
    let path = dir.0.join("pattern.bin");
    std::fs::write(&path, pattern()).expect("write the pattern");
    let server = TestServer::start(file_delegate(path));
    (dir, server)
}

#[test]
fn file_bytes_go_out_in_order_between_written_bytes() {
    let (_dir, s) = pattern_server("sendfile-order");
    for (start, len) in [(0, 100_000), (1, 10), (99_999, 1), (12_345, 54_321), (0, 0)] {
        let r = s.fetch(&format!("/file/{start}/{len}"));
        assert_eq!(r.status, 200);
        assert!(r.header("Transfer-Encoding").is_none());
        assert_eq!(r.body, expected(start, len), "bytes {start}+{len}");
    }
}

#[test]
fn pipelined_file_responses_keep_their_order() {
    let (_dir, s) = pattern_server("sendfile-pipeline");
    let ranges = [
        (0usize, 5000usize),
        (7, 3),
        (50_000, 50_000),
        (0, 0),
        (99_000, 1000),
    ];
    let mut conn = s.connect();
    let mut batch = Vec::new();
    for (start, len) in ranges {
        batch.extend_from_slice(
            format!("GET /file/{start}/{len} HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes(),
        );
    }
    // A HEAD in the middle: its head only, and the next response right after it.
    batch.extend_from_slice(b"HEAD /file/0/100 HTTP/1.1\r\nHost: a\r\n\r\n");
    batch.extend_from_slice(b"GET /file/10/20 HTTP/1.1\r\nHost: a\r\n\r\n");
    conn.send(&batch).unwrap();
    for (start, len) in ranges {
        let r = conn.read_response(false).unwrap();
        assert_eq!(r.body, expected(start, len), "bytes {start}+{len}");
    }
    let head = conn.read_response(true).unwrap();
    assert_eq!(head.header("Content-Length"), Some("104"));
    assert!(head.body.is_empty());
    assert_eq!(conn.read_response(false).unwrap().body, expected(10, 20));
}

#[test]
fn a_chunked_body_writes_the_bytes_instead() {
    let (_dir, s) = pattern_server("sendfile-chunked");
    let r = s.fetch("/chunked/100/5000");
    assert_eq!(r.header("Transfer-Encoding"), Some("chunked"));
    assert_eq!(r.body, expected(100, 5000));
}

#[test]
fn a_file_shorter_than_promised_closes_the_connection_after_its_bytes() {
    let (_dir, s) = pattern_server("sendfile-short");
    let mut conn = s.connect();
    conn.send(b"GET /short HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let raw = conn.read_to_close().unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert!(raw.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert_eq!(
        &raw[split..],
        &pattern()[..],
        "the bytes the file has, then the close"
    );
    // The server goes on.
    assert_eq!(s.fetch("/file/0/10").body, expected(0, 10));
}

/// A static-file application over `dir` with a text file and a binary one.
fn static_app(dir: &TempDir) -> Application {
    std::fs::write(dir.0.join("data.bin"), pattern()).unwrap();
    std::fs::write(dir.0.join("page.txt"), "text ".repeat(1000)).unwrap();
    Application::builder()
        .settings(Settings {
            static_path: Some(dir.0.clone()),
            compress_response: true,
            ..Default::default()
        })
        .build()
        .expect("valid routes")
}

#[test]
fn static_files_over_a_unix_socket() {
    let dir = TempDir::new("sendfile-unix");
    let sock_path = dir.0.join("http.sock");
    let s = TestServer::with(static_app(&dir))
        .unix_socket(&sock_path)
        .start();
    let mut sock = std::os::unix::net::UnixStream::connect(&sock_path).unwrap();
    sock.set_read_timeout(Some(GUARD)).unwrap();
    sock.write_all(b"GET /static/data.bin HTTP/1.1\r\nHost: a\r\nRange: bytes=10-\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = Vec::new();
    sock.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&raw[..split]);
    assert!(
        head.starts_with("HTTP/1.1 206 Partial Content\r\n"),
        "{head}"
    );
    assert!(
        head.contains("Content-Range: bytes 10-99999/100000\r\n"),
        "{head}"
    );
    assert_eq!(&raw[split..], &pattern()[10..]);
    drop(s);
}

#[test]
fn static_files_still_gzip_compressible_types() {
    let dir = TempDir::new("sendfile-gzip");
    let s = TestServer::start(static_app(&dir));
    let r = s.fetch_with(
        tornado::testing::TestRequest::get("/static/page.txt").header("Accept-Encoding", "gzip"),
    );
    assert_eq!(r.header("Content-Encoding"), Some("gzip"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(&r.body[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, "text ".repeat(1000));
    // A binary type is not compressed and goes out as it is.
    let r = s.fetch_with(
        tornado::testing::TestRequest::get("/static/data.bin").header("Accept-Encoding", "gzip"),
    );
    assert_eq!(r.header("Content-Encoding"), None);
    assert_eq!(r.header("Vary"), Some("Accept-Encoding"));
    assert_eq!(r.body, pattern());
}

#[cfg(feature = "tls")]
#[test]
fn static_files_over_tls_are_copied_through_the_encryption() {
    let tls = tls_support::self_signed();
    let dir = TempDir::new("sendfile-tls");
    let s = TestServer::with(static_app(&dir)).tls(tls.server).start();
    let request = b"GET /static/data.bin HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let raw = tls_support::exchange(&tls.client, s.addr(), request, GUARD);
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&raw[..split]);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("Content-Length: 100000\r\n"), "{head}");
    assert_eq!(&raw[split..], &pattern()[..]);
}

#[test]
fn a_fifo_under_the_root_is_refused_without_blocking() {
    let dir = TempDir::new("sendfile-fifo");
    let fifo = std::ffi::CString::new(dir.0.join("pipe").as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let s = TestServer::start(static_app(&dir));
    let r = s.fetch("/static/pipe");
    assert_eq!(r.status, 403);
    assert_eq!(s.fetch("/static/data.bin").body, pattern());
}

#[test]
fn an_http_1_0_client_gets_the_file_and_then_the_close() {
    let dir = TempDir::new("sendfile-http10");
    let s = TestServer::start(static_app(&dir));
    let mut conn = s.connect();
    conn.send(b"GET /static/data.bin HTTP/1.0\r\n\r\n").unwrap();
    let raw = conn.read_to_close().unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&raw[..split]);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("Content-Length: 100000\r\n"), "{head}");
    assert_eq!(&raw[split..], &pattern()[..]);
}

/// `/proc/self/limits` has text but refuses `sendfile` (`EINVAL`), like files on some file
/// systems: the connection sends its bytes through the buffer instead.
#[cfg(target_os = "linux")]
#[test]
fn a_file_the_kernel_cannot_splice_is_copied_instead() {
    const PROC_FILE: &str = "/proc/self/limits";
    let expected = std::fs::read(PROC_FILE).expect("read /proc/self/limits");
    assert!(!expected.is_empty());
    let len = expected.len() as u64;
    let s = TestServer::start(delegate_fn(
        move |_req: ServerRequest, mut resp| async move {
            let file = Arc::new(std::fs::File::open(PROC_FILE).unwrap());
            let mut head = ResponseHead::new(200);
            head.headers.add("Content-Length", (len + 4).to_string());
            resp.write_head(&head).unwrap();
            resp.write(b"<<").unwrap();
            assert!(resp.send_file(&file, 0, len).unwrap());
            resp.write(b">>").unwrap();
            resp.finish().unwrap();
        },
    ));
    let mut conn = s.connect();
    // Twice on one connection: the copied bytes keep their place before the next response.
    conn.send(b"GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    for _ in 0..2 {
        let r = conn.read_response(false).unwrap();
        let mut want = b"<<".to_vec();
        want.extend_from_slice(&expected);
        want.extend_from_slice(b">>");
        assert_eq!(r.body, want);
    }
}

/// Replaces every byte of the body with `x` (a transform that changes the body).
struct Crossout;
impl tornado::web::transform::OutputTransform for Crossout {
    fn transform_first_chunk(
        &mut self,
        _status: &mut u16,
        _headers: &mut tornado::http::HttpHeaders,
        chunk: bytes::Bytes,
        _finishing: bool,
    ) -> bytes::Bytes {
        vec![b'x'; chunk.len()].into()
    }
    fn transform_chunk(&mut self, chunk: bytes::Bytes, _finishing: bool) -> bytes::Bytes {
        vec![b'x'; chunk.len()].into()
    }
}

#[test]
fn a_transform_that_may_change_the_body_sees_every_byte_of_a_static_file() {
    let dir = TempDir::new("sendfile-transform");
    std::fs::write(dir.0.join("data.bin"), pattern()).unwrap();
    let factory =
        |_: &tornado::http::HttpHeaders| -> Box<dyn tornado::web::transform::OutputTransform> {
            Box::new(Crossout)
        };
    let app = Application::builder()
        .settings(Settings {
            static_path: Some(dir.0.clone()),
            ..Default::default()
        })
        .transform(Arc::new(factory))
        .build()
        .expect("valid routes");
    let s = TestServer::start(app);
    let r = s.fetch("/static/data.bin");
    assert_eq!(r.status, 200);
    assert_eq!(r.body, vec![b'x'; 100_000]);
}

/// A served file stays open in the worker's cache (Linux); every request still checks that the
/// path names the same, unchanged file.
#[test]
fn a_cached_open_file_is_never_served_after_it_changed() {
    let base = TempDir::new("sendfile-cache");
    let root = base.0.join("root");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(base.0.join("secret.txt"), "secret").unwrap();
    let file = root.join("f.txt");
    std::fs::write(&file, "first").unwrap();
    let app = Application::builder()
        .settings(Settings {
            static_path: Some(root.clone()),
            ..Default::default()
        })
        .build()
        .expect("valid routes");
    let s = TestServer::start(app);
    for _ in 0..3 {
        assert_eq!(s.fetch("/static/f.txt").body, b"first");
    }
    // Replaced by a rename.
    std::fs::write(root.join("f.new"), "second!").unwrap();
    std::fs::rename(root.join("f.new"), &file).unwrap();
    let r = s.fetch("/static/f.txt");
    assert_eq!(r.body, b"second!");
    assert_eq!(r.header("Content-Length"), Some("7"));
    // Written in place (same inode): the new bytes and length.
    std::fs::write(&file, "third, longer").unwrap();
    assert_eq!(s.fetch("/static/f.txt").body, b"third, longer");
    // Replaced by a link leading out of the root: refused like any such link.
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink(base.0.join("secret.txt"), &file).unwrap();
    let r = s.fetch("/static/f.txt");
    assert_eq!(r.status, 403);
    assert_ne!(r.body, b"secret");
    // Gone.
    std::fs::remove_file(&file).unwrap();
    assert_eq!(s.fetch("/static/f.txt").status, 404);
}
