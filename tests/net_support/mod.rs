//! Set-up shared by the `net_*` integration tests: certificates, blackhole listeners, temp
//! paths and a plain tokio echo peer.
#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use socket2::{Domain, Socket, Type};

/// A CA and a `localhost` / `127.0.0.1` certificate it signed, as PEM, with the CA also
/// written to a file.
pub struct TestPki {
    pub ca_pem: String,
    pub ca_file: PathBuf,
    pub cert_pem: String,
    pub key_pem: String,
    /// A client certificate the CA signed, and its key, as files.
    pub client_cert_file: PathBuf,
    pub client_key_file: PathBuf,
}

impl TestPki {
    pub fn new() -> TestPki {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, SanType};
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params
            .subject_alt_names
            .push(SanType::IpAddress([127, 0, 0, 1].into()));
        let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
        let ca_file = temp_path("ca.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();
        let client_key = KeyPair::generate().unwrap();
        let client = CertificateParams::new(vec!["client.test".to_string()])
            .unwrap()
            .signed_by(&client_key, &ca, &ca_key)
            .unwrap();
        let client_cert_file = temp_path("client.pem");
        std::fs::write(&client_cert_file, client.pem()).unwrap();
        let client_key_file = temp_path("client-key.pem");
        std::fs::write(&client_key_file, client_key.serialize_pem()).unwrap();
        TestPki {
            ca_pem: ca.pem(),
            ca_file,
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            client_cert_file,
            client_key_file,
        }
    }

    /// The server configuration for the certificate.
    pub fn server_config(&self) -> tornado::net::TlsConfig {
        tornado::net::TlsConfig::from_pem(self.cert_pem.as_bytes(), self.key_pem.as_bytes())
            .unwrap()
    }

    /// A server configuration that demands a client certificate signed by the CA.
    pub fn server_config_requiring_client_certs(&self) -> tornado::net::TlsConfig {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(self.ca_pem.as_bytes()).unwrap())
            .unwrap();
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            roots.into(),
            provider.clone(),
        )
        .build()
        .unwrap();
        let certs = CertificateDer::pem_slice_iter(self.cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes()).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(certs, key)
            .unwrap();
        tornado::net::TlsConfig::from_server_config(std::sync::Arc::new(config))
    }

    /// A client configuration trusting the CA.
    pub fn client_config(&self) -> tornado::net::TlsClientConfig {
        tornado::net::TlsClientConfig::new(&tornado::net::TlsClientOptions {
            ca_certs: Some(self.ca_file.clone()),
            ..Default::default()
        })
        .unwrap()
    }
}

/// A fresh path in the temp directory (not created).
pub fn temp_path(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("tornado-net-{}-{n}-{name}", std::process::id()))
}

/// A listening socket whose accept queue is full, so further connects to it hang (the
/// kernel drops their SYNs): a local stand-in for an unreachable host. Keep it alive for as
/// long as the address is used.
pub struct Blackhole {
    pub addr: SocketAddr,
    _listener: Socket,
    _filler: TcpStream,
}

pub fn blackhole(ip: &str) -> Blackhole {
    let addr: SocketAddr = format!("{ip}:0").parse().unwrap();
    let listener = Socket::new(Domain::for_address(addr), Type::STREAM, None).unwrap();
    listener.bind(&addr.into()).unwrap();
    listener.listen(0).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let filler = TcpStream::connect(addr).unwrap();
    Blackhole {
        addr,
        _listener: listener,
        _filler: filler,
    }
}

/// A port nothing listens on (bound, then closed).
pub fn refused_addr(ip: &str) -> SocketAddr {
    let l = TcpListener::bind(format!("{ip}:0")).unwrap();
    l.local_addr().unwrap()
}

/// Starts a tokio task that echoes every connection to `listener` until it closes.
pub fn spawn_echo(listener: tokio::net::TcpListener) {
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = sock.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
            });
        }
    });
}
