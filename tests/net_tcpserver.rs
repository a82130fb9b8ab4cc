//! `TcpServer`: handle_stream over TCP, Unix sockets and TLS, on the supervised worker tree.

mod net_support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tornado::net::{
    bind_sockets, handler_fn, BindOptions, ConnectOptions, IoStream, ServerHandle, TcpClient,
    TcpHandler, TcpServer, TcpServerSettings, TlsClientConfig, TlsClientOptions,
};
use tornado::testing::ExpectLog;

use net_support::{temp_path, TestPki};

/// Echoes lines back, prefixed with the peer address the server saw.
fn line_echo() -> impl TcpHandler {
    handler_fn(
        |mut stream: IoStream, addr: Option<SocketAddr>| async move {
            let who = addr.map_or_else(|| "unix".to_string(), |a| a.to_string());
            while let Ok(line) = stream.read_until(b"\n", Some(1024)).await {
                let reply = format!("{who} {}", String::from_utf8_lossy(&line));
                if stream.write(reply).await.is_err() {
                    break;
                }
            }
        },
    )
}

fn start(server: TcpServer) -> ServerHandle {
    server
        .workers(1)
        .listen(0, "127.0.0.1")
        .unwrap()
        .start()
        .unwrap()
}

async fn connect(handle: &ServerHandle, options: &ConnectOptions) -> IoStream {
    let port = handle.local_addr().unwrap().port();
    TcpClient::new()
        .connect("127.0.0.1", port, options)
        .await
        .unwrap()
}

#[actix_rt::test]
async fn handle_stream_gets_the_stream_and_the_peer_address() {
    let handle = start(TcpServer::new(line_echo()));
    let mut stream = connect(&handle, &ConnectOptions::default()).await;
    let me = stream.local_addr().unwrap();
    stream.write(&b"hi\n"[..]).await.unwrap();
    let reply = stream.read_until(b"\n", Some(1024)).await.unwrap();
    assert_eq!(String::from_utf8_lossy(&reply), format!("{me} hi\n"));
    handle.stop(Duration::ZERO).await;
}

#[actix_rt::test]
async fn serves_many_connections_on_several_workers() {
    let handle = TcpServer::new(line_echo())
        .workers(2)
        .listen(0, "127.0.0.1")
        .unwrap()
        .start()
        .unwrap();
    let mut streams = Vec::new();
    for _ in 0..8 {
        streams.push(connect(&handle, &ConnectOptions::default()).await);
    }
    for (i, s) in streams.iter_mut().enumerate() {
        s.write(format!("n{i}\n")).await.unwrap();
        let reply = s.read_until(b"\n", Some(1024)).await.unwrap();
        assert!(reply.ends_with(format!(" n{i}\n").as_bytes()));
    }
    assert_eq!(handle.stats().accepted(), 8);
    handle.stop(Duration::ZERO).await;
}

#[actix_rt::test]
async fn unix_socket_listener() {
    let path = temp_path("tcpserver.sock");
    let handle = TcpServer::new(line_echo())
        .workers(1)
        .bind_unix(&path)
        .unwrap()
        .start()
        .unwrap();
    let unix = tokio::net::UnixStream::connect(&path).await.unwrap();
    let mut stream = IoStream::new(unix);
    stream.write(&b"over unix\n"[..]).await.unwrap();
    let reply = stream.read_until(b"\n", Some(1024)).await.unwrap();
    assert_eq!(&reply[..], b"unix over unix\n");
    handle.stop(Duration::ZERO).await;
    let _ = std::fs::remove_file(&path);
}

#[actix_rt::test]
async fn tls_listener_with_a_tls_client() {
    let pki = TestPki::new();
    let handle = start(TcpServer::new(line_echo()).tls(pki.server_config()));
    let options = ConnectOptions {
        tls: Some(pki.client_config()),
        server_hostname: Some("localhost".into()),
        ..Default::default()
    };
    let mut stream = connect(&handle, &options).await;
    assert!(stream.get_ref().unwrap().is_tls());
    stream.write(&b"secret\n"[..]).await.unwrap();
    let reply = stream.read_until(b"\n", Some(1024)).await.unwrap();
    assert!(reply.ends_with(b" secret\n"));
    handle.stop(Duration::ZERO).await;
}

#[actix_rt::test]
async fn a_plain_client_on_a_tls_listener_never_reaches_handle_stream() {
    let pki = TestPki::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let handler = handler_fn(move |_stream, _addr| {
        seen.fetch_add(1, Ordering::SeqCst);
        async {}
    });
    let handle = start(TcpServer::new(handler).tls(pki.server_config()));
    let mut stream = connect(&handle, &ConnectOptions::default()).await;
    stream.write(&b"GET / HTTP/1.0\r\n\r\n"[..]).await.unwrap();
    // The handshake fails and the server hangs up (with a TLS alert at most).
    let _ = stream.read_until_close().await;
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    handle.stop(Duration::ZERO).await;
}

#[actix_rt::test]
async fn add_sockets_with_reuse_port() {
    let options = BindOptions {
        reuse_port: true,
        backlog: 16,
    };
    let sockets = bind_sockets("127.0.0.1:0", &options).unwrap();
    let port = sockets[0].local_addr().unwrap().port();
    // reuse_port lets a second socket share the port.
    let second = bind_sockets(("127.0.0.1", port), &options).unwrap();
    let handle = TcpServer::new(line_echo())
        .workers(1)
        .add_sockets(sockets.into_iter().chain(second))
        .unwrap()
        .start()
        .unwrap();
    assert_eq!(handle.local_addrs().len(), 2);
    let mut stream = TcpClient::new()
        .connect("127.0.0.1", port, &ConnectOptions::default())
        .await
        .unwrap();
    stream.write(&b"x\n"[..]).await.unwrap();
    assert!(stream
        .read_until(b"\n", Some(64))
        .await
        .unwrap()
        .ends_with(b" x\n"));
    handle.stop(Duration::ZERO).await;
}

#[actix_rt::test]
async fn stop_drops_handlers_still_running_after_the_grace() {
    let (started_tx, mut started) = tokio::sync::mpsc::unbounded_channel();
    // A handler that reads a line, says so, then waits for input forever.
    let handler = handler_fn(move |mut stream: IoStream, _| {
        let started_tx = started_tx.clone();
        async move {
            let _ = stream.read_until(b"\n", Some(64)).await;
            let _ = started_tx.send(());
            let _ = stream.read_until(b"never", None).await;
        }
    });
    let handle = start(TcpServer::new(handler));
    let mut stream = connect(&handle, &ConnectOptions::default()).await;
    stream.write(&b"hello\n"[..]).await.unwrap();
    started.recv().await.unwrap();
    assert_eq!(handle.stats().open_connections(), 1);
    handle.stop(Duration::ZERO).await;
    // The server closed the connection (cleanly: it had read everything sent).
    assert!(stream.read_until_close().await.unwrap().is_empty());
    assert_eq!(handle.stats().open_connections(), 0);
}

#[actix_rt::test]
async fn a_panicking_handler_is_logged_and_ends_only_its_connection() {
    let log = ExpectLog::new("tornado.application", "error in handle_stream");
    let handler = handler_fn(|mut stream: IoStream, _| async move {
        let line = stream.read_until(b"\n", Some(64)).await.unwrap_or_default();
        if &line[..] == b"boom\n" {
            panic!("the handler blew up");
        }
        let _ = stream.write(line).await;
    });
    let handle = start(TcpServer::new(handler));
    let mut bad = connect(&handle, &ConnectOptions::default()).await;
    bad.write(&b"boom\n"[..]).await.unwrap();
    assert!(bad.read_until_close().await.unwrap().is_empty());
    assert!(log.wait(Duration::from_secs(10)));
    let mut good = connect(&handle, &ConnectOptions::default()).await;
    good.write(&b"fine\n"[..]).await.unwrap();
    assert_eq!(
        &good.read_until(b"\n", Some(64)).await.unwrap()[..],
        b"fine\n"
    );
    handle.stop(Duration::ZERO).await;
}

#[actix_rt::test]
async fn max_connections_holds_back_the_next_accept() {
    let open = Arc::new(AtomicUsize::new(0));
    let max_seen = Arc::new(AtomicUsize::new(0));
    let (o, m) = (open.clone(), max_seen.clone());
    let handler = handler_fn(move |mut stream: IoStream, _| {
        let now = o.fetch_add(1, Ordering::SeqCst) + 1;
        m.fetch_max(now, Ordering::SeqCst);
        let o = o.clone();
        async move {
            while let Ok(line) = stream.read_until(b"\n", Some(64)).await {
                if stream.write(line).await.is_err() {
                    break;
                }
            }
            o.fetch_sub(1, Ordering::SeqCst);
        }
    });
    let handle = start(TcpServer::new(handler).settings(TcpServerSettings {
        max_connections: Some(1),
        ..Default::default()
    }));
    let mut first = connect(&handle, &ConnectOptions::default()).await;
    first.write(&b"a\n"[..]).await.unwrap();
    first.read_until(b"\n", Some(64)).await.unwrap();
    // The second connection is made by the kernel but not accepted while the first is open.
    let mut second = connect(&handle, &ConnectOptions::default()).await;
    second.write(&b"b\n"[..]).await.unwrap();
    let early = tokio::time::timeout(
        Duration::from_millis(300),
        second.read_until(b"\n", Some(64)),
    )
    .await;
    assert!(
        early.is_err(),
        "the second connection was served while the first held the slot"
    );
    assert_eq!(handle.stats().accepted(), 1);
    drop(first);
    assert_eq!(
        &second.read_until(b"\n", Some(64)).await.unwrap()[..],
        b"b\n"
    );
    assert_eq!(max_seen.load(Ordering::SeqCst), 1);
    handle.stop(Duration::ZERO).await;
}

#[actix_rt::test]
async fn server_side_max_buffer_size_bounds_what_a_client_can_make_it_hold() {
    let results = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = results.clone();
    let handler = handler_fn(move |mut stream: IoStream, _| {
        let sink = sink.clone();
        async move {
            let r = stream.read_until_close().await.map(|b| b.len());
            if let Ok(mut v) = sink.lock() {
                v.push(r.map_err(|e| e.to_string()));
            }
        }
    });
    let mut settings = TcpServerSettings::default();
    settings.stream.max_buffer_size = 4096;
    let handle = start(TcpServer::new(handler).settings(settings));
    let port = handle.local_addr().unwrap().port();
    let mut raw = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let _ = raw.write_all(&[b'z'; 20000]).await;
    let mut rest = Vec::new();
    let _ = raw.read_to_end(&mut rest).await;
    handle.stop(Duration::from_secs(5)).await;
    let got = results.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let err = got[0].clone().unwrap_err();
    assert!(err.contains("4096"), "{err}");
}

#[actix_rt::test]
async fn mutual_tls_with_a_client_certificate() {
    let pki = TestPki::new();
    // Answers with how many certificates the client presented.
    let handler = handler_fn(|mut stream: IoStream, _| async move {
        let n = stream
            .get_ref()
            .and_then(|s| s.peer_certificates())
            .map_or(0, |c| c.len());
        if stream.read_until(b"\n", Some(64)).await.is_ok() {
            let _ = stream.write(format!("client certificates: {n}\n")).await;
        }
    });
    let handle = start(TcpServer::new(handler).tls(pki.server_config_requiring_client_certs()));
    let with_cert = TlsClientConfig::new(&TlsClientOptions {
        ca_certs: Some(pki.ca_file.clone()),
        client_cert: Some(pki.client_cert_file.clone()),
        client_key: Some(pki.client_key_file.clone()),
        ..Default::default()
    })
    .unwrap();
    let options = ConnectOptions {
        tls: Some(with_cert),
        server_hostname: Some("localhost".into()),
        ..Default::default()
    };
    let mut stream = connect(&handle, &options).await;
    // The server's chain: the leaf the CA signed.
    assert_eq!(
        stream
            .get_ref()
            .unwrap()
            .peer_certificates()
            .map(<[_]>::len),
        Some(1)
    );
    stream.write(&b"it's me\n"[..]).await.unwrap();
    assert_eq!(
        &stream.read_until(b"\n", Some(64)).await.unwrap()[..],
        b"client certificates: 1\n"
    );

    // Without the certificate the server refuses the connection (TLS 1.3 reports it after the
    // client's handshake is done, so it shows on the first read).
    let options = ConnectOptions {
        tls: Some(pki.client_config()),
        server_hostname: Some("localhost".into()),
        ..Default::default()
    };
    let port = handle.local_addr().unwrap().port();
    match TcpClient::new().connect("127.0.0.1", port, &options).await {
        Err(e) => assert!(matches!(e, tornado::net::ConnectError::Tls(_)), "{e}"),
        Ok(mut s) => {
            let _ = s.write(&b"anonymous\n"[..]).await;
            let err = s.read_until(b"\n", Some(64)).await.unwrap_err();
            assert!(err.cause().is_some(), "{err}");
        }
    }
    handle.stop(Duration::ZERO).await;
}

#[actix_rt::test]
async fn starttls_upgrades_a_connection_inside_handle_stream() {
    let pki = TestPki::new();
    let server_tls = pki.server_config().with_alpn_protocols(Vec::new());
    let handler = handler_fn(move |mut stream: IoStream, _| {
        let server_tls = server_tls.clone();
        async move {
            let Ok(line) = stream.read_until(b"\n", Some(64)).await else {
                return;
            };
            if &line[..] != b"STARTTLS\n" || stream.write(&b"GO\n"[..]).await.is_err() {
                return;
            }
            let Ok(mut tls) = stream.start_tls_server(&server_tls).await else {
                return;
            };
            if let Ok(line) = tls.read_until(b"\n", Some(64)).await {
                let _ = tls.write(line).await;
            }
        }
    });
    let handle = start(TcpServer::new(handler));
    let mut plain = connect(&handle, &ConnectOptions::default()).await;
    plain.write(&b"STARTTLS\n"[..]).await.unwrap();
    assert_eq!(
        &plain.read_until(b"\n", Some(64)).await.unwrap()[..],
        b"GO\n"
    );
    let mut tls = plain
        .start_tls_client("localhost", &pki.client_config())
        .await
        .unwrap();
    assert!(tls.get_ref().unwrap().is_tls());
    tls.write(&b"private\n"[..]).await.unwrap();
    assert_eq!(
        &tls.read_until(b"\n", Some(64)).await.unwrap()[..],
        b"private\n"
    );
    handle.stop(Duration::ZERO).await;
}

#[actix_rt::test]
async fn an_error_returned_by_a_handler_is_logged() {
    let log = ExpectLog::new("tornado.application", "delimiter not found within 4 bytes");
    let handler = handler_fn(|mut stream: IoStream, _| async move {
        let line = stream.read_until(b"\n", Some(4)).await?;
        stream.write(line).await
    });
    let handle = start(TcpServer::new(handler));
    let mut stream = connect(&handle, &ConnectOptions::default()).await;
    stream.write(&b"far too long\n"[..]).await.unwrap();
    assert!(stream.read_until_close().await.unwrap().is_empty());
    assert!(log.wait(Duration::from_secs(10)));
    handle.stop(Duration::ZERO).await;
}
