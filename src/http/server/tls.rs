//! TLS for the server, through rustls with the ring provider (feature `tls`).

use std::io;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A server TLS configuration.
///
/// ```no_run
/// let tls = tornado::http::TlsConfig::from_pem_files("cert.pem", "key.pem").unwrap();
/// # let _ = tls;
/// ```
#[derive(Clone)]
pub struct TlsConfig {
    pub(crate) config: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsConfig")
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

impl TlsConfig {
    /// Loads a PEM certificate chain and a PEM private key (PKCS#8, PKCS#1 or SEC1) from files.
    pub fn from_pem_files(cert: impl AsRef<Path>, key: impl AsRef<Path>) -> io::Result<TlsConfig> {
        let cert_path = cert.as_ref();
        let key_path = key.as_ref();
        let cert = std::fs::read(cert_path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", cert_path.display())))?;
        let key = std::fs::read(key_path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", key_path.display())))?;
        Self::from_pem(&cert, &key)
    }

    /// Builds a configuration from a PEM certificate chain and a PEM private key.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> io::Result<TlsConfig> {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<_, _>>()
            .map_err(|e| invalid(format!("invalid certificate PEM: {e}")))?;
        if certs.is_empty() {
            return Err(invalid("no certificate in the PEM data".into()));
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem)
            .map_err(|e| invalid(format!("invalid private key PEM: {e}")))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| invalid(format!("certificate and key do not fit: {e}")))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsConfig {
            config: Arc::new(config),
        })
    }

    /// Uses a ready-made rustls configuration.
    pub fn from_server_config(config: Arc<rustls::ServerConfig>) -> TlsConfig {
        TlsConfig { config }
    }

    /// The same configuration offering other ALPN protocols. [`from_pem`](Self::from_pem)
    /// offers `http/1.1`, which suits HTTP; a [`TcpServer`](crate::net::TcpServer) for
    /// another protocol names its own, or none (`Vec::new()`), since a client that offers
    /// ALPN protocols the server does not know is refused.
    pub fn with_alpn_protocols(&self, protocols: Vec<Vec<u8>>) -> TlsConfig {
        let mut config = (*self.config).clone();
        config.alpn_protocols = protocols;
        TlsConfig {
            config: Arc::new(config),
        }
    }
}
