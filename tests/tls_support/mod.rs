//! TLS for the integration tests: a self-signed certificate for `localhost`, the server's
//! configuration made from it, a client configuration that trusts only it, and a blocking
//! client that sends one request and reads until the server closes.
#![allow(dead_code)] // Each test file uses its own part of this module.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// A server and client configuration that agree on one self-signed `localhost` certificate.
pub struct SelfSigned {
    /// For `TestServer::with(..).tls(..)`.
    pub server: tornado::http::TlsConfig,
    /// Trusts the certificate above and nothing else.
    pub client: Arc<rustls::ClientConfig>,
}

/// Makes a fresh certificate and both configurations.
pub fn self_signed() -> SelfSigned {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let server = tornado::http::TlsConfig::from_pem(
        cert.cert.pem().as_bytes(),
        cert.key_pair.serialize_pem().as_bytes(),
    )
    .unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    SelfSigned {
        server,
        client: Arc::new(client),
    }
}

/// Connects to `addr` over TLS as `localhost`, sends `request` and returns every byte read
/// until the server closes (or `timeout` passes without data).
pub fn exchange(
    client: &Arc<rustls::ClientConfig>,
    addr: SocketAddr,
    request: &[u8],
    timeout: Duration,
) -> Vec<u8> {
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(client.clone(), name).unwrap();
    let tcp = std::net::TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(timeout)).unwrap();
    let mut stream = rustls::StreamOwned::new(conn, tcp);
    stream.write_all(request).unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    out
}
