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
