//! TLS for clients (and `start_tls`), through rustls with the ring provider.

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

/// How a client sets up TLS: which roots it trusts, whether it checks the server at all,
/// and the certificate it presents. Tornado's `ssl_options` / `validate_cert`, `ca_certs`,
/// `client_cert` and `client_key`.
///
/// ```no_run
/// use tornado::net::{TlsClientConfig, TlsClientOptions};
///
/// let tls = TlsClientConfig::new(&TlsClientOptions {
///     ca_certs: Some("test-ca.pem".into()),
///     ..TlsClientOptions::default()
/// })?;
/// # let _ = tls;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TlsClientOptions {
    /// Check the server's certificate chain and name. Default: `true`.
    pub validate_cert: bool,
    /// A PEM file of CA certificates to trust instead of the system's roots. Default: `None`
    /// (the operating system's trusted roots).
    pub ca_certs: Option<PathBuf>,
    /// A PEM certificate chain to present to servers that ask for one. Default: `None`.
    pub client_cert: Option<PathBuf>,
    /// The PEM private key of `client_cert`; `None` means the key is in `client_cert`'s file.
    /// Default: `None`.
    pub client_key: Option<PathBuf>,
    /// Protocols offered through ALPN, most preferred first. Default: none.
    pub alpn_protocols: Vec<Vec<u8>>,
}

impl Default for TlsClientOptions {
    fn default() -> Self {
        TlsClientOptions {
            validate_cert: true,
            ca_certs: None,
            client_cert: None,
            client_key: None,
            alpn_protocols: Vec::new(),
        }
    }
}

/// A ready client TLS configuration: build it once and share it (it is an `Arc` inside;
/// cloning is cheap). Building loads certificate files and, for the default options, the
/// system's roots (read once per process).
#[derive(Clone)]
pub struct TlsClientConfig {
    pub(crate) config: Arc<rustls::ClientConfig>,
}

impl std::fmt::Debug for TlsClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsClientConfig")
            .field("alpn_protocols", &self.config.alpn_protocols)
            .finish()
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

fn read_file(path: &std::path::Path) -> io::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// The operating system's trusted roots, loaded once. Certificates that fail to parse are
/// skipped; no usable root at all is an error.
fn system_roots() -> io::Result<Arc<RootCertStore>> {
    static ROOTS: OnceLock<Result<Arc<RootCertStore>, String>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let found = rustls_native_certs::load_native_certs();
            let mut store = RootCertStore::empty();
            let (_added, _ignored) = store.add_parsable_certificates(found.certs);
            if store.is_empty() {
                let why: Vec<String> = found.errors.iter().map(|e| e.to_string()).collect();
                return Err(format!(
                    "no trusted root certificates found on this system ({})",
                    why.join("; ")
                ));
            }
            Ok(Arc::new(store))
        })
        .clone()
        .map_err(|e| io::Error::new(io::ErrorKind::NotFound, e))
}

/// Reads the certificates of a PEM file.
pub(crate) fn load_certs(path: &std::path::Path) -> io::Result<Vec<CertificateDer<'static>>> {
    let pem = read_file(path)?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .map_err(|e| invalid(format!("{}: invalid certificate PEM: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(invalid(format!("{}: no certificate found", path.display())));
    }
    Ok(certs)
}

impl TlsClientConfig {
    /// Builds a configuration from options.
    pub fn new(options: &TlsClientOptions) -> io::Result<TlsClientConfig> {
        let builder = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid(e.to_string()))?;
        let builder = if !options.validate_cert {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(NoVerification(provider())))
        } else {
            let roots = match &options.ca_certs {
                Some(path) => {
                    let mut store = RootCertStore::empty();
                    for cert in load_certs(path)? {
                        store.add(cert).map_err(|e| {
                            invalid(format!("{}: unusable CA certificate: {e}", path.display()))
                        })?;
                    }
                    Arc::new(store)
                }
                None => system_roots()?,
            };
            builder.with_root_certificates(roots)
        };
        let mut config = match &options.client_cert {
            Some(cert_path) => {
                let certs = load_certs(cert_path)?;
                let key_path = options.client_key.as_deref().unwrap_or(cert_path);
                let key = PrivateKeyDer::from_pem_slice(&read_file(key_path)?).map_err(|e| {
                    invalid(format!(
                        "{}: invalid private key PEM: {e}",
                        key_path.display()
                    ))
                })?;
                builder
                    .with_client_auth_cert(certs, key)
                    .map_err(|e| invalid(format!("client certificate and key do not fit: {e}")))?
            }
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = options.alpn_protocols.clone();
        Ok(TlsClientConfig {
            config: Arc::new(config),
        })
    }

    /// The default: the system's roots, certificates checked, no client certificate.
    pub fn system() -> io::Result<TlsClientConfig> {
        Self::new(&TlsClientOptions::default())
    }

    /// Uses a ready-made rustls configuration.
    pub fn from_client_config(config: Arc<rustls::ClientConfig>) -> TlsClientConfig {
        TlsClientConfig { config }
    }

    /// The rustls configuration.
    pub fn client_config(&self) -> &Arc<rustls::ClientConfig> {
        &self.config
    }
}

/// Turns a host name or IP literal into the name the handshake checks the certificate
/// against.
pub(crate) fn server_name(host: &str) -> io::Result<ServerName<'static>> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    ServerName::try_from(bare.to_owned()).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{host:?} is not a valid TLS server name: {e}"),
        )
    })
}

/// `validate_cert = false`: accepts any certificate, but still checks the handshake's
/// signatures so the session keys are the peer's.
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
