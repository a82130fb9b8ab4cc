//! `https://` end to end against our server with a certificate from a throwaway CA (rcgen).

mod httpclient_support;
#[path = "net_support/mod.rs"]
mod net_support;

use std::collections::HashMap;

use httpclient_support::{app_delegate, Hold};
use net_support::TestPki;
use tornado::httpclient::{AsyncHttpClient, ClientOptions, ErrorKind, HttpRequest};
use tornado::testing::TestServer;

fn tls_server(pki: &TestPki) -> TestServer {
    TestServer::with(app_delegate(Hold::new()))
        .tls(pki.server_config())
        .start()
}

#[actix_rt::test]
async fn https_with_the_ca_file_and_connection_reuse() {
    let pki = TestPki::new();
    let s = tls_server(&pki);
    let c = AsyncHttpClient::new(ClientOptions::default());
    let url = format!("https://127.0.0.1:{}/echo", s.port());
    for _ in 0..3 {
        let r = c
            .fetch(HttpRequest::new(url.clone()).ca_certs(&pki.ca_file))
            .await
            .unwrap();
        assert!(r.text().starts_with("GET /echo\n"), "{}", r.text());
    }
    assert_eq!(s.handle().stats().accepted(), 1);
    // The certificate also names localhost.
    let r = c
        .fetch(
            HttpRequest::new(format!("https://localhost:{}/echo", s.port())).ca_certs(&pki.ca_file),
        )
        .await
        .unwrap();
    assert_eq!(r.code, 200);
}

#[actix_rt::test]
async fn untrusted_or_misnamed_certificates_are_refused() {
    let pki = TestPki::new();
    let s = tls_server(&pki);
    let c = AsyncHttpClient::new(ClientOptions {
        hostname_mapping: HashMap::from([("other.test".to_owned(), "127.0.0.1".to_owned())]),
        ..ClientOptions::default()
    });
    // System roots do not know the test CA.
    let e = c
        .fetch(format!("https://127.0.0.1:{}/echo", s.port()))
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Tls, 599), "{e}");
    // The CA is trusted, but the certificate is not for this name.
    let e = c
        .fetch(
            HttpRequest::new(format!("https://other.test:{}/echo", s.port()))
                .ca_certs(&pki.ca_file),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
    // Without validation both work.
    let r = c
        .fetch(
            HttpRequest::new(format!("https://other.test:{}/echo", s.port())).validate_cert(false),
        )
        .await
        .unwrap();
    assert_eq!(r.code, 200);
}

#[actix_rt::test]
async fn missing_ca_file_is_a_tls_error() {
    let c = AsyncHttpClient::new(ClientOptions::default());
    let e = c
        .fetch(HttpRequest::new("https://127.0.0.1:1/").ca_certs("/nonexistent/ca.pem"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls);
    assert!(e.to_string().contains("/nonexistent/ca.pem"), "{e}");
}

/// A server that requires a client certificate from a CA of its own, and that CA's client
/// certificate and key written to files.
fn client_auth_server(pki: &TestPki) -> (TestServer, std::path::PathBuf, std::path::PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use std::sync::Arc;

    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let client_key = KeyPair::generate().unwrap();
    let client = CertificateParams::new(vec!["client".to_owned()])
        .unwrap()
        .signed_by(&client_key, &ca, &ca_key)
        .unwrap();
    let cert_file = net_support::temp_path("client.pem");
    let key_file = net_support::temp_path("client-key.pem");
    std::fs::write(&cert_file, client.pem()).unwrap();
    std::fs::write(&key_file, client_key.serialize_pem()).unwrap();

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.der().clone()).unwrap();
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(pki.cert_pem.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_slice(pki.key_pem.as_bytes()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs, key)
        .unwrap();
    let server = TestServer::with(app_delegate(Hold::new()))
        .tls(tornado::net::TlsConfig::from_server_config(Arc::new(
            config,
        )))
        .start();
    (server, cert_file, key_file)
}

#[actix_rt::test]
async fn client_certificate_when_the_server_asks() {
    let pki = TestPki::new();
    let (s, cert, key) = client_auth_server(&pki);
    let c = AsyncHttpClient::new(ClientOptions::default());
    let url = format!("https://127.0.0.1:{}/echo", s.port());
    let r = c
        .fetch(
            HttpRequest::new(url.clone())
                .ca_certs(&pki.ca_file)
                .client_cert(&cert, &key),
        )
        .await
        .unwrap();
    assert_eq!(r.code, 200);
    // Without one, the server ends the handshake (TLS 1.3 reports it on the first read).
    let e = c
        .fetch(HttpRequest::new(url).ca_certs(&pki.ca_file))
        .await
        .unwrap_err();
    assert_eq!(e.code(), 599, "{e}");
    assert!(
        matches!(e.kind(), ErrorKind::Tls | ErrorKind::StreamClosed),
        "{e}"
    );
}
