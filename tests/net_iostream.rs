//! `IoStream`: bounded reads, close causes, writes, over Unix sockets, TCP and pipes.

mod net_support;

use std::io;
use std::time::Duration;

use regex::bytes::Regex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use tornado::net::{IoStream, IoStreamSettings, PipeStream, StreamError};

/// An `IoStream` over one end of a Unix socket pair, and the raw other end.
fn unix_pair(settings: IoStreamSettings) -> (IoStream, UnixStream) {
    let (a, b) = UnixStream::pair().unwrap();
    (IoStream::with_settings(a, settings), b)
}

fn pair() -> (IoStream, UnixStream) {
    unix_pair(IoStreamSettings::default())
}

#[tokio::test]
async fn read_until_returns_through_the_delimiter_and_keeps_the_rest() {
    let (mut s, mut peer) = pair();
    peer.write_all(b"one\r\ntwo\r\nthr").await.unwrap();
    assert_eq!(&s.read_until(b"\r\n", None).await.unwrap()[..], b"one\r\n");
    assert_eq!(&s.read_until(b"\r\n", None).await.unwrap()[..], b"two\r\n");
    assert_eq!(s.buffered(), b"thr");
}

#[tokio::test]
async fn read_until_finds_a_delimiter_split_across_reads() {
    let settings = IoStreamSettings {
        read_chunk_size: 3,
        ..Default::default()
    };
    let (mut s, mut peer) = unix_pair(settings);
    peer.write_all(b"abcd\r").await.unwrap();
    let read = tokio::spawn(async move { s.read_until(b"\r\n", Some(64)).await });
    peer.write_all(b"\nrest").await.unwrap();
    assert_eq!(&read.await.unwrap().unwrap()[..], b"abcd\r\n");
}

#[tokio::test]
async fn read_until_beyond_max_bytes_is_unsatisfiable_and_closes() {
    let (mut s, mut peer) = pair();
    peer.write_all(b"0123456789\n").await.unwrap();
    let err = s.read_until(b"\n", Some(5)).await.unwrap_err();
    assert!(
        matches!(err, StreamError::UnsatisfiableRead { max_bytes: 5 }),
        "{err}"
    );
    assert!(s.closed());
    let again = s.read_bytes(1, false).await.unwrap_err();
    assert!(again.is_closed());
    assert!(again
        .cause()
        .unwrap()
        .to_string()
        .contains("within 5 bytes"));
    // The peer sees the close.
    let mut buf = [0u8; 1];
    assert_eq!(peer.read(&mut buf).await.unwrap(), 0);
}

#[tokio::test]
async fn read_until_without_a_delimiter_fails_once_max_bytes_are_buffered() {
    let (mut s, mut peer) = pair();
    // No delimiter ever comes: the read must fail, not wait.
    peer.write_all(b"xxxxxxxxxx").await.unwrap();
    let err = s.read_until(b"\n", Some(8)).await.unwrap_err();
    assert!(
        matches!(err, StreamError::UnsatisfiableRead { max_bytes: 8 }),
        "{err}"
    );
}

#[tokio::test]
async fn read_until_exactly_at_max_bytes_succeeds() {
    let (mut s, mut peer) = pair();
    peer.write_all(b"1234\n").await.unwrap();
    assert_eq!(&s.read_until(b"\n", Some(5)).await.unwrap()[..], b"1234\n");
}

#[tokio::test]
async fn read_until_regex_matches_and_bounds() {
    let (mut s, mut peer) = pair();
    peer.write_all(b"GET / HTTP/1.1\r\n\r\nbody").await.unwrap();
    let re = Regex::new(r"\r?\n\r?\n").unwrap();
    let head = s.read_until_regex(&re, Some(100)).await.unwrap();
    assert_eq!(&head[..], b"GET / HTTP/1.1\r\n\r\n");
    peer.write_all(&[b'a'; 50]).await.unwrap();
    let err = s.read_until_regex(&re, Some(20)).await.unwrap_err();
    assert!(matches!(
        err,
        StreamError::UnsatisfiableRead { max_bytes: 20 }
    ));
}

#[tokio::test]
async fn read_bytes_whole_and_partial() {
    let (mut s, mut peer) = pair();
    peer.write_all(b"abcdef").await.unwrap();
    assert_eq!(&s.read_bytes(4, false).await.unwrap()[..], b"abcd");
    assert_eq!(&s.read_bytes(100, true).await.unwrap()[..], b"ef");
    let read = tokio::spawn(async move {
        let r = s.read_bytes(3, false).await;
        (s, r)
    });
    peer.write_all(b"g").await.unwrap();
    peer.write_all(b"hi").await.unwrap();
    let (_s, r) = read.await.unwrap();
    assert_eq!(&r.unwrap()[..], b"ghi");
}

#[tokio::test]
async fn read_chunk_size_is_capped_at_half_the_buffer() {
    let settings = IoStreamSettings {
        max_buffer_size: 100,
        read_chunk_size: 1000,
        ..Default::default()
    };
    let (s, _peer) = unix_pair(settings);
    assert_eq!(s.settings().read_chunk_size, 50);
}

#[tokio::test]
async fn read_bytes_larger_than_the_buffer_limit_is_buffer_full() {
    let settings = IoStreamSettings {
        max_buffer_size: 16,
        ..Default::default()
    };
    let (mut s, _peer) = unix_pair(settings);
    let err = s.read_bytes(17, false).await.unwrap_err();
    assert!(
        matches!(
            err,
            StreamError::BufferFull {
                max_buffer_size: 16
            }
        ),
        "{err}"
    );
    assert!(s.closed());
}

#[tokio::test]
async fn read_until_close_is_bounded_by_max_buffer_size() {
    let settings = IoStreamSettings {
        max_buffer_size: 1000,
        ..Default::default()
    };
    let (mut s, mut peer) = unix_pair(settings);
    let writer = tokio::spawn(async move {
        // More than the limit; the reader gives up and closes, so this write may fail.
        let _ = peer.write_all(&[7u8; 5000]).await;
    });
    let err = s.read_until_close().await.unwrap_err();
    assert!(
        matches!(
            err,
            StreamError::BufferFull {
                max_buffer_size: 1000
            }
        ),
        "{err}"
    );
    writer.await.unwrap();
}

#[tokio::test]
async fn read_until_close_returns_everything_after_a_clean_close() {
    let (mut s, mut peer) = pair();
    peer.write_all(b"all of it").await.unwrap();
    drop(peer);
    assert_eq!(&s.read_until_close().await.unwrap()[..], b"all of it");
    assert!(s.closed());
    assert!(s.error().is_none());
    // Already closed: what is left (nothing) is returned, not an error.
    assert!(s.read_until_close().await.unwrap().is_empty());
}

#[tokio::test]
async fn buffered_data_is_served_after_the_peer_closes() {
    let (mut s, mut peer) = pair();
    peer.write_all(b"line\npartial").await.unwrap();
    drop(peer);
    assert_eq!(&s.read_until(b"\n", None).await.unwrap()[..], b"line\n");
    let err = s.read_until(b"\n", None).await.unwrap_err();
    assert!(err.is_closed());
    assert!(err.cause().is_none(), "a clean close has no cause: {err}");
    assert_eq!(&s.read_bytes(7, false).await.unwrap()[..], b"partial");
}

#[tokio::test]
async fn read_into_drains_the_buffer_then_reads_the_socket() {
    let (mut s, mut peer) = pair();
    peer.write_all(b"head\nabc").await.unwrap();
    s.read_until(b"\n", None).await.unwrap();
    let mut buf = [0u8; 6];
    let read = tokio::spawn(async move {
        let n = s.read_into(&mut buf, false).await;
        (n, buf)
    });
    peer.write_all(b"def").await.unwrap();
    let (n, buf) = read.await.unwrap();
    assert_eq!(n.unwrap(), 6);
    assert_eq!(&buf, b"abcdef");
}

#[tokio::test]
async fn read_into_partial_returns_what_is_there() {
    let (mut s, mut peer) = pair();
    peer.write_all(b"xy").await.unwrap();
    let mut buf = [0u8; 10];
    let n = s.read_into(&mut buf, true).await.unwrap();
    assert_eq!(&buf[..n], b"xy");
}

#[tokio::test]
async fn write_resolves_once_written_and_flush_sends_buffered_writes() {
    let (mut s, mut peer) = pair();
    s.write_buffered(&b"a"[..]).unwrap();
    s.write_buffered(&b"b"[..]).unwrap();
    assert_eq!(s.pending_write(), 2);
    s.write(&b"c"[..]).await.unwrap();
    assert_eq!(s.pending_write(), 0);
    let mut buf = [0u8; 3];
    peer.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"abc");
}

#[tokio::test]
async fn write_buffer_limit_is_enforced() {
    let settings = IoStreamSettings {
        max_write_buffer_size: Some(4),
        ..Default::default()
    };
    let (mut s, _peer) = unix_pair(settings);
    s.write_buffered(&b"1234"[..]).unwrap();
    let err = s.write_buffered(&b"5"[..]).unwrap_err();
    assert!(
        matches!(err, StreamError::BufferFull { max_buffer_size: 4 }),
        "{err}"
    );
}

#[tokio::test]
async fn writing_to_a_vanished_peer_reports_the_real_cause() {
    let (mut s, peer) = pair();
    drop(peer);
    let err = s.write(&b"anyone?"[..]).await.unwrap_err();
    assert!(err.is_closed());
    assert_eq!(err.cause().unwrap().kind(), io::ErrorKind::BrokenPipe);
    assert_eq!(s.error().unwrap().kind(), io::ErrorKind::BrokenPipe);
    // Later operations carry the same cause.
    let later = s.read_bytes(1, false).await.unwrap_err();
    assert_eq!(later.cause().unwrap().kind(), io::ErrorKind::BrokenPipe);
}

#[tokio::test]
async fn a_reset_tcp_connection_is_closed_with_the_reset_as_cause() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (client, accepted) = tokio::join!(tokio::net::TcpStream::connect(addr), listener.accept());
    let (server_side, _) = accepted.unwrap();
    // Linger 0: closing sends RST instead of FIN.
    socket2::SockRef::from(&server_side)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(server_side);
    let mut s = IoStream::new(client.unwrap());
    // read_until_close ends at any close, as Tornado's does; the cause is kept.
    assert!(s.read_until_close().await.unwrap().is_empty());
    assert_eq!(s.error().unwrap().kind(), io::ErrorKind::ConnectionReset);
    let err = s.read_bytes(1, false).await.unwrap_err();
    assert_eq!(
        err.cause().unwrap().kind(),
        io::ErrorKind::ConnectionReset,
        "{err}"
    );
    // set_nodelay on the dead stream is not an error (Tornado swallows those too).
    assert!(s.set_nodelay(true).is_ok());
}

#[tokio::test]
async fn close_wakes_the_close_watch_and_later_operations_fail() {
    let (mut s, _peer) = pair();
    let mut watch = s.close_watch();
    assert!(!watch.is_closed());
    let waiter = tokio::spawn(async move { watch.closed().await });
    s.close();
    waiter.await.unwrap();
    let err = s.write(&b"x"[..]).await.unwrap_err();
    assert!(err.is_closed() && err.cause().is_none());
    s.close(); // twice is harmless
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_read_loses_no_data() {
    let (mut s, mut peer) = pair();
    peer.write_all(b"no newline yet").await.unwrap();
    let timed_out = tokio::time::timeout(Duration::from_secs(1), s.read_until(b"\n", None)).await;
    assert!(timed_out.is_err());
    peer.write_all(b"\n").await.unwrap();
    assert_eq!(
        &s.read_until(b"\n", None).await.unwrap()[..],
        b"no newline yet\n"
    );
}

#[tokio::test]
async fn shutdown_lets_the_peer_read_to_the_end_while_we_keep_reading() {
    let (mut s, mut peer) = pair();
    s.write_buffered(&b"bye"[..]).unwrap();
    s.shutdown().await.unwrap();
    let mut got = Vec::new();
    peer.read_to_end(&mut got).await.unwrap();
    assert_eq!(got, b"bye");
    peer.write_all(b"reply").await.unwrap();
    drop(peer);
    assert_eq!(&s.read_until_close().await.unwrap()[..], b"reply");
}

#[tokio::test]
async fn pipes_carry_a_stream_one_way() {
    let (tx, rx) = PipeStream::pair().unwrap();
    let mut writer = IoStream::new(tx);
    let mut reader = IoStream::new(rx);
    writer
        .write(&b"through the pipe\nand more"[..])
        .await
        .unwrap();
    writer.shutdown().await.unwrap();
    drop(writer);
    assert_eq!(
        &reader.read_until(b"\n", Some(64)).await.unwrap()[..],
        b"through the pipe\n"
    );
    assert_eq!(&reader.read_until_close().await.unwrap()[..], b"and more");
    // A read-only pipe stream cannot be written.
    let err = reader.write(&b"x"[..]).await.unwrap_err();
    assert!(err.is_closed());
}

#[tokio::test]
async fn into_parts_hands_over_the_read_ahead() {
    let (mut s, mut peer) = pair();
    peer.write_all(b"HEAD\nrest").await.unwrap();
    s.read_until(b"\n", None).await.unwrap();
    let (mut raw, ahead) = s.into_parts().unwrap();
    assert_eq!(&ahead[..], b"rest");
    peer.write_all(b"!").await.unwrap();
    let mut b = [0u8; 1];
    raw.read_exact(&mut b).await.unwrap();
    assert_eq!(&b, b"!");
}

#[tokio::test]
async fn into_inner_refuses_to_drop_buffered_bytes() {
    let (mut s, mut peer) = pair();
    peer.write_all(b"a\nb").await.unwrap();
    s.read_until(b"\n", None).await.unwrap();
    assert!(matches!(s.into_inner(), Err(StreamError::InvalidState(_))));
}

#[tokio::test]
async fn start_tls_refuses_non_tcp_streams() {
    let pki = net_support::TestPki::new();
    let (s, _peer) = pair();
    let err = s.start_tls_server(&pki.server_config()).await.unwrap_err();
    assert!(matches!(err, StreamError::InvalidState(_)), "{err}");
}

mod chunking {
    use super::*;
    use proptest::prelude::*;

    /// Splits `data` after every occurrence of `delim`, as repeated `read_until`s should.
    fn reference_split(data: &[u8], delim: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut rest = data;
        while let Some(i) = memchr::memmem::find(rest, delim) {
            out.push(rest[..i + delim.len()].to_vec());
            rest = &rest[i + delim.len()..];
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// However the bytes are cut into writes and reads, `read_until` finds the same
        /// records, including delimiters straddling two reads.
        #[test]
        fn read_until_is_independent_of_chunking(
            data in proptest::collection::vec(prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'a')], 0..300),
            cuts in proptest::collection::vec(1usize..40, 1..20),
            read_chunk_size in 1usize..16,
        ) {
            let expected = reference_split(&data, b"\r\n");
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let got = rt.block_on(async {
                let (mut s, mut peer) = unix_pair(IoStreamSettings { read_chunk_size, ..Default::default() });
                let writer = {
                    let data = data.clone();
                    let cuts = cuts.clone();
                    tokio::spawn(async move {
                        let mut rest = &data[..];
                        let mut i = 0;
                        while !rest.is_empty() {
                            let n = cuts[i % cuts.len()].min(rest.len());
                            peer.write_all(&rest[..n]).await.unwrap();
                            rest = &rest[n..];
                            i += 1;
                            tokio::task::yield_now().await;
                        }
                    })
                };
                let mut got = Vec::new();
                while let Ok(record) = s.read_until(b"\r\n", None).await {
                    got.push(record.to_vec());
                }
                writer.await.unwrap();
                got
            });
            prop_assert_eq!(got, expected);
        }
    }
}

#[tokio::test]
async fn many_queued_writes_arrive_whole_and_in_order_through_partial_writes() {
    let (mut s, mut peer) = pair();
    let mut expected = Vec::new();
    for i in 0..200u32 {
        // Pieces of many sizes, some larger than a socket buffer, so writes come back short.
        let len = (i as usize * 7919) % 20000 + 1;
        let piece: Vec<u8> = (0..len).map(|j| (i as usize + j) as u8).collect();
        expected.extend_from_slice(&piece);
        s.write_buffered(piece).unwrap();
    }
    let total = expected.len();
    let reader = tokio::spawn(async move {
        let mut got = vec![0u8; total];
        peer.read_exact(&mut got).await.unwrap();
        got
    });
    s.flush().await.unwrap();
    assert_eq!(s.pending_write(), 0);
    assert_eq!(reader.await.unwrap(), expected);
}

#[tokio::test]
async fn a_child_process_talks_through_its_stdin_and_stdout_pipes() {
    use std::process::{Command, Stdio};
    let mut child = Command::new("sh")
        .args(["-c", "read line; echo \"got: $line\""])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let pipes = PipeStream::from_owned_fds(Some(stdout.into()), Some(stdin.into())).unwrap();
    let mut stream = IoStream::new(pipes);
    stream.write(&b"hello\n"[..]).await.unwrap();
    assert_eq!(
        &stream.read_until(b"\n", Some(64)).await.unwrap()[..],
        b"got: hello\n"
    );
    assert!(stream.read_until_close().await.unwrap().is_empty());
    assert!(child.wait().unwrap().success());
}
