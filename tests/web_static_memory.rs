//! Issue 7's scale check: a 200 MB static file downloaded by a deliberately slow reader while
//! the server's memory is measured. The server runs in this test process (its own file, so no
//! other test shares the process), so its RSS is this process's `VmRSS`.
//!
//! The reader stops for a moment after every 8 MiB: a server without backpressure would read
//! the file into memory during those pauses; ours waits for the client instead, so RSS grows
//! by little more than its output buffer.
#![cfg(target_os = "linux")]

use std::io::{Read, Seek, SeekFrom, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

use tornado::testing::{TestRequest, TestServer, READ_TIMEOUT};
use tornado::web::{Application, Settings};

const SIZE: u64 = 200 << 20;
const LIMIT: u64 = 16 << 20;

/// This process's resident set size in bytes, from `/proc/self/status`.
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("a VmRSS line");
    kb * 1024
}

struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn slow_download_of_200_mb_keeps_server_memory_flat() {
    let dir =
        TempDir(std::env::temp_dir().join(format!("tornado-static-mem-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).expect("temp dir");
    // A sparse file with markers at both ends: nothing to generate, every byte to send.
    let path = dir.0.join("big.bin");
    let mut file = std::fs::File::create(&path).expect("create big.bin");
    file.set_len(SIZE).expect("set_len");
    file.write_all(b"HEAD").expect("write head marker");
    file.seek(SeekFrom::Start(SIZE - 4)).expect("seek");
    file.write_all(b"TAIL").expect("write tail marker");
    drop(file);

    let app = Application::builder()
        .settings(Settings {
            static_path: Some(dir.0.clone()),
            ..Default::default()
        })
        .build()
        .expect("valid routes");
    let server = TestServer::start(app);
    // Warm up: the first request hashes the file for its Etag and sets up the connection
    // machinery, so the baseline includes what any request needs.
    let head = server.fetch_with(TestRequest::new("HEAD", "/static/big.bin"));
    assert_eq!(
        head.header("Content-Length"),
        Some(SIZE.to_string().as_str())
    );
    let baseline = rss_bytes();

    let mut stream = TcpStream::connect(server.addr()).expect("connect");
    stream
        .set_read_timeout(Some(READ_TIMEOUT))
        .expect("timeout");
    stream
        .write_all(b"GET /static/big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .expect("send");
    let mut buf = vec![0u8; 64 * 1024];
    let mut head = Vec::new();
    let body_start = loop {
        let n = stream.read(&mut buf).expect("read head");
        assert!(n > 0, "closed before the head");
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let head_text = String::from_utf8_lossy(&head[..body_start]).into_owned();
    assert!(head_text.starts_with("HTTP/1.1 200 "), "{head_text}");
    assert!(
        head_text.contains(&format!("Content-Length: {SIZE}")),
        "{head_text}"
    );
    let mut first = head[body_start..].to_vec();
    let mut received = first.len() as u64;
    let mut tail = Vec::new();
    let mut peak = rss_bytes();
    let mut next_pause = 8 << 20;
    while received < SIZE {
        let n = stream.read(&mut buf).expect("read body");
        assert!(n > 0, "closed after {received} bytes");
        if first.len() < 4 {
            first.extend_from_slice(&buf[..n.min(4)]);
        }
        received += n as u64;
        tail.extend_from_slice(&buf[..n]);
        if tail.len() > 8 {
            tail.drain(..tail.len() - 8);
        }
        if received >= next_pause {
            // The slow part: the server has time to run ahead, if it could.
            std::thread::sleep(Duration::from_millis(40));
            peak = peak.max(rss_bytes());
            next_pause += 8 << 20;
        }
    }
    peak = peak.max(rss_bytes());
    assert_eq!(received, SIZE);
    assert_eq!(&first[..4], b"HEAD");
    assert_eq!(&tail[tail.len() - 4..], b"TAIL");
    let growth = peak.saturating_sub(baseline);
    eprintln!(
        "RSS baseline {} KiB, peak {} KiB, growth {} KiB",
        baseline >> 10,
        peak >> 10,
        growth >> 10
    );
    assert!(
        growth < LIMIT,
        "server RSS grew by {} KiB serving 200 MB",
        growth >> 10
    );
}
