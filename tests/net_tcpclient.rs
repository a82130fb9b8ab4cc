//! `TcpClient`: resolving, connecting, happy eyeballs, timeouts, source addresses, TLS.

mod net_support;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use tornado::net::{
    AddressFamily, ConnectError, ConnectOptions, IoStream, OverrideResolver, Resolver, TcpClient,
    TlsClientConfig, TlsClientOptions,
};

use net_support::{blackhole, refused_addr, spawn_echo, TestPki};

/// A resolver answering every name with a fixed list, in order.
struct FixedResolver(Vec<SocketAddr>);

impl Resolver for FixedResolver {
    fn resolve(
        &self,
        _host: &str,
        _port: u16,
        family: AddressFamily,
    ) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        let found = self
            .0
            .iter()
            .copied()
            .filter(|a| family.admits(a))
            .collect();
        Box::pin(async move { Ok(found) })
    }
}

async fn echo_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    spawn_echo(listener);
    addr
}

async fn round_trip(stream: &mut IoStream) {
    stream.write(&b"hello\nworld\n"[..]).await.unwrap();
    assert_eq!(
        &stream.read_until(b"\n", Some(100)).await.unwrap()[..],
        b"hello\n"
    );
    assert_eq!(
        &stream.read_until(b"\n", Some(100)).await.unwrap()[..],
        b"world\n"
    );
}

#[tokio::test]
async fn connects_to_an_ip_literal_and_echoes() {
    let addr = echo_server().await;
    let mut stream = TcpClient::new()
        .connect("127.0.0.1", addr.port(), &ConnectOptions::default())
        .await
        .unwrap();
    assert_eq!(stream.peer_addr(), Some(addr));
    round_trip(&mut stream).await;
}

#[tokio::test]
async fn override_resolver_sends_a_name_to_the_test_server() {
    let addr = echo_server().await;
    let resolver =
        OverrideResolver::system().map_host_port("service.invalid", 80, "127.0.0.1", addr.port());
    let client = TcpClient::with_resolver(Arc::new(resolver));
    let mut stream = client
        .connect("service.invalid", 80, &ConnectOptions::default())
        .await
        .unwrap();
    round_trip(&mut stream).await;
}

#[tokio::test]
async fn unresolvable_name_is_a_resolve_error() {
    let client = TcpClient::with_resolver(Arc::new(FixedResolver(Vec::new())));
    let err = client
        .connect("nowhere.invalid", 80, &ConnectOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectError::Resolve { ref host, .. } if host == "nowhere.invalid"));
}

#[tokio::test]
async fn refused_connection_is_a_connect_error() {
    let addr = refused_addr("127.0.0.1");
    let err = TcpClient::new()
        .connect("127.0.0.1", addr.port(), &ConnectOptions::default())
        .await
        .unwrap_err();
    match err {
        ConnectError::Connect(e) => assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused),
        other => panic!("expected a connect error, got {other}"),
    }
}

#[tokio::test(start_paused = true)]
async fn connect_to_a_blackhole_times_out() {
    let hole = blackhole("127.0.0.1");
    let options = ConnectOptions {
        timeout: Some(Duration::from_secs(3)),
        ..Default::default()
    };
    let err = TcpClient::new()
        .connect("127.0.0.1", hole.addr.port(), &options)
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(io::Error::from(err).kind(), io::ErrorKind::TimedOut);
}

#[tokio::test(start_paused = true)]
async fn happy_eyeballs_falls_over_to_the_second_family_while_the_first_hangs() {
    let hole = blackhole("[::1]");
    let live = echo_server().await;
    let client = TcpClient::with_resolver(Arc::new(FixedResolver(vec![hole.addr, live])));
    let started = tokio::time::Instant::now();
    let mut stream = client
        .connect("dual.invalid", 0, &ConnectOptions::default())
        .await
        .unwrap();
    assert_eq!(stream.peer_addr(), Some(live));
    // The clock is paused: the IPv4 attempt waited for the stagger, not for luck.
    assert!(started.elapsed() >= tornado::net::HAPPY_EYEBALLS_STAGGER);
    round_trip(&mut stream).await;
}

#[tokio::test]
async fn happy_eyeballs_tries_the_next_address_after_a_refusal() {
    let live = echo_server().await;
    let dead_v4 = refused_addr("127.0.0.1");
    let dead_v6 = refused_addr("[::1]");
    let client = TcpClient::with_resolver(Arc::new(FixedResolver(vec![dead_v6, dead_v4, live])));
    let stream = client
        .connect("dual.invalid", 0, &ConnectOptions::default())
        .await
        .unwrap();
    assert_eq!(stream.peer_addr(), Some(live));
}

#[tokio::test]
async fn family_restricts_the_addresses_tried() {
    let live = echo_server().await;
    let client = TcpClient::with_resolver(Arc::new(FixedResolver(vec![live])));
    let options = ConnectOptions {
        family: AddressFamily::V6,
        ..Default::default()
    };
    let err = client
        .connect("v4only.invalid", 0, &options)
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectError::Resolve { .. }), "{err}");
}

#[tokio::test]
async fn source_ip_and_port_are_used() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let source_port = refused_addr("127.0.0.1").port();
    let options = ConnectOptions {
        source_ip: Some("127.0.0.1".parse().unwrap()),
        source_port: Some(source_port),
        ..Default::default()
    };
    let client = TcpClient::new();
    let connect = client.connect("127.0.0.1", addr.port(), &options);
    let (stream, accepted) = tokio::join!(connect, listener.accept());
    let stream = stream.unwrap();
    let (_, peer) = accepted.unwrap();
    assert_eq!(peer.port(), source_port);
    assert_eq!(stream.local_addr().map(|a| a.port()), Some(source_port));
}

/// A TLS echo server built from our own server-side `start_tls`.
async fn tls_echo_server(pki: &TestPki) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = pki.server_config();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let config = config.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = IoStream::new(sock).start_tls_server(&config).await else {
                    return;
                };
                while let Ok(chunk) = tls.read_bytes(65536, true).await {
                    if tls.write(chunk).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

#[tokio::test]
async fn tls_with_a_ca_file() {
    let pki = TestPki::new();
    let addr = tls_echo_server(&pki).await;
    let options = ConnectOptions {
        tls: Some(pki.client_config()),
        ..Default::default()
    };
    let mut stream = TcpClient::new()
        .connect("localhost", addr.port(), &options)
        .await
        .unwrap();
    assert!(stream.get_ref().unwrap().is_tls());
    round_trip(&mut stream).await;
}

#[tokio::test]
async fn tls_rejects_a_certificate_from_an_unknown_ca() {
    let pki = TestPki::new();
    let other = TestPki::new();
    let addr = tls_echo_server(&pki).await;
    let options = ConnectOptions {
        tls: Some(other.client_config()),
        ..Default::default()
    };
    let err = TcpClient::new()
        .connect("localhost", addr.port(), &options)
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectError::Tls(_)), "{err}");
    assert!(err.to_string().contains("certificate"), "{err}");
}

#[tokio::test]
async fn tls_rejects_a_name_the_certificate_does_not_carry() {
    let pki = TestPki::new();
    let addr = tls_echo_server(&pki).await;
    let options = ConnectOptions {
        tls: Some(pki.client_config()),
        server_hostname: Some("example.com".into()),
        ..Default::default()
    };
    let err = TcpClient::new()
        .connect("127.0.0.1", addr.port(), &options)
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectError::Tls(_)), "{err}");
}

#[tokio::test]
async fn tls_without_validation_accepts_an_unknown_ca() {
    let pki = TestPki::new();
    let addr = tls_echo_server(&pki).await;
    let tls = TlsClientConfig::new(&TlsClientOptions {
        validate_cert: false,
        ..Default::default()
    })
    .unwrap();
    let options = ConnectOptions {
        tls: Some(tls),
        ..Default::default()
    };
    let mut stream = TcpClient::new()
        .connect("127.0.0.1", addr.port(), &options)
        .await
        .unwrap();
    round_trip(&mut stream).await;
}

#[tokio::test]
async fn client_side_start_tls_upgrades_a_plain_connection() {
    let pki = TestPki::new();
    let addr = tls_echo_server(&pki).await;
    let plain = TcpClient::new()
        .connect("127.0.0.1", addr.port(), &ConnectOptions::default())
        .await
        .unwrap();
    let mut watch = plain.close_watch();
    let mut tls = plain
        .start_tls_client("localhost", &pki.client_config())
        .await
        .unwrap();
    round_trip(&mut tls).await;
    // The close watch carries over to the upgraded stream.
    assert!(!watch.is_closed());
    tls.close();
    watch.closed().await;
}

#[tokio::test]
async fn a_missing_ca_file_is_reported_with_its_path() {
    let err = TlsClientConfig::new(&TlsClientOptions {
        ca_certs: Some("/nonexistent/ca.pem".into()),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
}

/// A TLS server that sends `data` and then either closes properly (`close_notify`) or just
/// drops the connection.
async fn tls_sender(pki: &TestPki, data: &'static [u8], close_notify: bool) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = pki.server_config();
    tokio::spawn(async move {
        let Ok((sock, _)) = listener.accept().await else {
            return;
        };
        let Ok(mut tls) = IoStream::new(sock).start_tls_server(&config).await else {
            return;
        };
        let _ = tls.write(data).await;
        if close_notify {
            let _ = tls.shutdown().await;
            let _ = tls.read_until_close().await;
        }
    });
    addr
}

#[tokio::test]
async fn tls_read_until_close_after_close_notify_is_clean() {
    let pki = TestPki::new();
    let addr = tls_sender(&pki, b"complete", true).await;
    let options = ConnectOptions {
        tls: Some(pki.client_config()),
        ..Default::default()
    };
    let mut stream = TcpClient::new()
        .connect("localhost", addr.port(), &options)
        .await
        .unwrap();
    assert_eq!(&stream.read_until_close().await.unwrap()[..], b"complete");
    assert!(stream.error().is_none());
}

#[tokio::test]
async fn tls_close_without_close_notify_returns_the_data_and_records_the_truncation() {
    let pki = TestPki::new();
    let addr = tls_sender(&pki, b"cut short", false).await;
    let options = ConnectOptions {
        tls: Some(pki.client_config()),
        ..Default::default()
    };
    let mut stream = TcpClient::new()
        .connect("localhost", addr.port(), &options)
        .await
        .unwrap();
    // What arrived is returned; the stream's error says the end was not a clean one.
    assert_eq!(&stream.read_until_close().await.unwrap()[..], b"cut short");
    assert_eq!(stream.error().unwrap().kind(), io::ErrorKind::UnexpectedEof);
}

#[tokio::test]
async fn tls_to_an_ip_literal_checks_the_ip_in_the_certificate() {
    let pki = TestPki::new();
    let addr = tls_echo_server(&pki).await;
    let options = ConnectOptions {
        tls: Some(pki.client_config()),
        ..Default::default()
    };
    // The certificate carries 127.0.0.1 and no other address.
    let mut stream = TcpClient::new()
        .connect("127.0.0.1", addr.port(), &options)
        .await
        .unwrap();
    round_trip(&mut stream).await;
    let resolver = OverrideResolver::system().map_host("127.0.0.2", "127.0.0.1");
    let err = TcpClient::with_resolver(Arc::new(resolver))
        .connect("127.0.0.2", addr.port(), &options)
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectError::Tls(_)), "{err}");
}
