//! The client's one path to a new connection: [`crate::net::TcpClient`] (resolver, happy
//! eyeballs, source address, TLS), with TLS configurations built once per set of options.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::url::Url;
use super::{ErrorKind, HttpClientError, HttpRequest};
use crate::net::{ConnectError, ConnectOptions, NetStream, TcpClient};

/// The byte stream a client connection runs over.
pub(crate) type Transport = NetStream;

/// The TLS options of a request that shape the handshake.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct TlsKey {
    pub(crate) validate_cert: bool,
    pub(crate) ca_certs: Option<PathBuf>,
    pub(crate) client_cert: Option<PathBuf>,
    pub(crate) client_key: Option<PathBuf>,
}

impl TlsKey {
    pub(crate) fn of(req: &HttpRequest) -> TlsKey {
        TlsKey {
            validate_cert: req.validate_cert,
            ca_certs: req.ca_certs.clone(),
            client_cert: req.client_cert.clone(),
            client_key: req.client_key.clone(),
        }
    }
}

/// Connects for one client: its `TcpClient` and its cache of TLS configurations (loading
/// system roots or certificate files once, not per connection).
pub(crate) struct Connector {
    tcp: TcpClient,
    #[cfg(feature = "tls")]
    tls: Mutex<HashMap<TlsKey, crate::net::TlsClientConfig>>,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Connector")
    }
}

impl Connector {
    pub(crate) fn new(tcp: TcpClient) -> Self {
        Connector {
            tcp,
            #[cfg(feature = "tls")]
            tls: Mutex::new(HashMap::new()),
        }
    }

    #[cfg(feature = "tls")]
    fn tls_config(&self, key: &TlsKey) -> Result<crate::net::TlsClientConfig, HttpClientError> {
        let mut cache = self.tls.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cache.get(key) {
            return Ok(c.clone());
        }
        let config = crate::net::TlsClientConfig::new(&crate::net::TlsClientOptions {
            validate_cert: key.validate_cert,
            ca_certs: key.ca_certs.clone(),
            client_cert: key.client_cert.clone(),
            client_key: key.client_key.clone(),
            alpn_protocols: vec![b"http/1.1".to_vec()],
        })
        .map_err(|e| {
            HttpClientError::new(ErrorKind::Tls, "cannot load the TLS settings").with_source(e)
        })?;
        cache.insert(key.clone(), config.clone());
        Ok(config)
    }

    /// Connects to `url`'s origin before `deadline`.
    pub(crate) async fn connect(
        &self,
        url: &Url,
        req: &HttpRequest,
        deadline: Option<Instant>,
    ) -> Result<Transport, HttpClientError> {
        #[cfg_attr(not(feature = "tls"), allow(unused_mut))]
        let mut options = ConnectOptions {
            source_ip: req.network_interface,
            ..ConnectOptions::default()
        };
        if url.https {
            #[cfg(feature = "tls")]
            {
                options.tls = Some(self.tls_config(&TlsKey::of(req))?);
            }
            #[cfg(not(feature = "tls"))]
            return Err(HttpClientError::new(
                ErrorKind::InvalidRequest,
                "https:// needs the `tls` feature",
            ));
        }
        let (host, port) = (url.host.as_str(), url.port());
        let work = self.tcp.connect_stream(host, port, &options);
        let result = match deadline {
            None => work.await,
            Some(d) => match tokio::time::timeout_at(d.into(), work).await {
                Ok(r) => r,
                Err(_) => Err(ConnectError::Timeout(
                    d.saturating_duration_since(Instant::now()),
                )),
            },
        };
        let stream = result.map_err(|e| {
            let (kind, message) = match &e {
                ConnectError::Timeout(_) => (
                    ErrorKind::Timeout,
                    format!("Timeout while connecting to {host}:{port}"),
                ),
                ConnectError::Tls(_) => (
                    ErrorKind::Tls,
                    format!("TLS handshake with {host}:{port} failed"),
                ),
                ConnectError::InvalidInput(_) => (
                    ErrorKind::InvalidRequest,
                    format!("cannot connect to {host}:{port}"),
                ),
                _ => (
                    ErrorKind::Connect,
                    format!("cannot connect to {host}:{port}"),
                ),
            };
            HttpClientError::new(kind, message).with_source(e)
        })?;
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }
}

/// The `TcpClient` for a client's options: a resolver with the host mappings, if any.
pub(crate) fn tcp_client(
    resolver: Option<Arc<dyn crate::net::Resolver>>,
    mapping: &HashMap<String, String>,
) -> TcpClient {
    let base = resolver.unwrap_or_else(|| Arc::new(crate::net::SystemResolver));
    if mapping.is_empty() {
        return TcpClient::with_resolver(base);
    }
    let resolver = mapping
        .iter()
        .fold(crate::net::OverrideResolver::new(base), |r, (from, to)| {
            r.map_host(from, to)
        });
    TcpClient::with_resolver(Arc::new(resolver))
}
