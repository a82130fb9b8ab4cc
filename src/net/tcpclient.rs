//! [`TcpClient`]: connecting, with happy eyeballs, timeouts, source addresses and TLS.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::net::{TcpSocket, TcpStream};

use super::error::ConnectError;
use super::iostream::{IoStream, IoStreamSettings};
use super::resolver::{AddressFamily, Resolver, SystemResolver};
use super::stream::NetStream;
#[cfg(feature = "tls")]
use super::tls::TlsClientConfig;

/// How long the first address family gets before the other one is tried alongside it
/// (Tornado's `_INITIAL_CONNECT_TIMEOUT`, RFC 6555's "happy eyeballs").
pub const HAPPY_EYEBALLS_STAGGER: Duration = Duration::from_millis(300);

/// Options of [`TcpClient::connect`].
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// Limit on the whole connect: resolving, connecting and the TLS handshake.
    /// Default: `None` (no limit beyond the system's own).
    pub timeout: Option<Duration>,
    /// Local address to connect from (Tornado's `source_ip`); only addresses of its family
    /// are tried. Default: `None` (the system picks).
    pub source_ip: Option<IpAddr>,
    /// Local port to connect from (Tornado's `source_port`). Default: `None` (any).
    pub source_port: Option<u16>,
    /// Which address families to use. Default: [`AddressFamily::Any`].
    pub family: AddressFamily,
    /// Speak TLS with this configuration once connected. Default: `None` (plain TCP).
    #[cfg(feature = "tls")]
    pub tls: Option<TlsClientConfig>,
    /// The name the TLS certificate must carry (and the SNI sent). Default: `None` (the
    /// host connected to).
    pub server_hostname: Option<String>,
    /// Limits of the returned [`IoStream`].
    pub stream: IoStreamSettings,
}

/// Opens TCP (and TLS) connections (Tornado's `TCPClient`).
///
/// A host with both IPv6 and IPv4 addresses is connected with "happy eyeballs": the addresses
/// of the family listed first are tried one after another, and if none has connected after
/// [`HAPPY_EYEBALLS_STAGGER`] (or all failed), the other family is tried alongside; the first
/// connection made wins and the rest are dropped.
///
/// ```no_run
/// use std::time::Duration;
/// use tornado::net::{ConnectOptions, TcpClient};
///
/// # async fn demo() -> Result<(), tornado::net::ConnectError> {
/// let client = TcpClient::new();
/// let options = ConnectOptions { timeout: Some(Duration::from_secs(5)), ..Default::default() };
/// let stream = client.connect("localhost", 8888, &options).await?;
/// # let _ = stream; Ok(()) }
/// ```
#[derive(Clone)]
pub struct TcpClient {
    resolver: Arc<dyn Resolver>,
}

impl std::fmt::Debug for TcpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TcpClient")
    }
}

impl Default for TcpClient {
    fn default() -> Self {
        Self::new()
    }
}

impl TcpClient {
    /// A client using the [`SystemResolver`].
    pub fn new() -> TcpClient {
        Self::with_resolver(Arc::new(SystemResolver))
    }

    /// A client using `resolver` (an [`OverrideResolver`](super::OverrideResolver) in tests).
    pub fn with_resolver(resolver: Arc<dyn Resolver>) -> TcpClient {
        TcpClient { resolver }
    }

    /// The resolver.
    pub fn resolver(&self) -> &Arc<dyn Resolver> {
        &self.resolver
    }

    /// Connects to `host:port` and wraps the connection in an [`IoStream`].
    pub async fn connect(
        &self,
        host: &str,
        port: u16,
        options: &ConnectOptions,
    ) -> Result<IoStream, ConnectError> {
        let stream = self.connect_stream(host, port, options).await?;
        Ok(IoStream::with_settings(stream, options.stream))
    }

    /// Connects to `host:port` and returns the raw stream, for protocols that bring their own
    /// codec.
    pub async fn connect_stream(
        &self,
        host: &str,
        port: u16,
        options: &ConnectOptions,
    ) -> Result<NetStream, ConnectError> {
        let work = self.connect_inner(host, port, options);
        match options.timeout {
            Some(limit) => match tokio::time::timeout(limit, work).await {
                Ok(r) => r,
                Err(_) => Err(ConnectError::Timeout(limit)),
            },
            None => work.await,
        }
    }

    async fn connect_inner(
        &self,
        host: &str,
        port: u16,
        options: &ConnectOptions,
    ) -> Result<NetStream, ConnectError> {
        #[cfg(feature = "tls")]
        let tls = match &options.tls {
            Some(cfg) => {
                let name = options.server_hostname.as_deref().unwrap_or(host);
                let name = super::tls::server_name(name)
                    .map_err(|e| ConnectError::InvalidInput(e.to_string()))?;
                Some((cfg, name))
            }
            None => None,
        };
        let mut addrs = self
            .resolver
            .resolve(host, port, options.family)
            .await
            .map_err(|source| ConnectError::Resolve {
                host: host.to_owned(),
                source,
            })?;
        if let Some(ip) = options.source_ip {
            addrs.retain(|a| a.is_ipv4() == ip.is_ipv4());
        }
        if addrs.is_empty() {
            return Err(ConnectError::Resolve {
                host: host.to_owned(),
                source: io::Error::new(io::ErrorKind::NotFound, "no address of a usable family"),
            });
        }
        let source = match (options.source_ip, options.source_port) {
            (None, None) => None,
            (ip, p) => Some((ip, p.unwrap_or(0))),
        };
        let tcp = happy_eyeballs(addrs, source, HAPPY_EYEBALLS_STAGGER)
            .await
            .map_err(ConnectError::Connect)?;
        #[cfg(feature = "tls")]
        if let Some((cfg, name)) = tls {
            let connector = tokio_rustls::TlsConnector::from(cfg.config.clone());
            let stream = connector
                .connect(name, tcp)
                .await
                .map_err(ConnectError::Tls)?;
            return Ok(NetStream::TlsClient(Box::new(stream)));
        }
        Ok(NetStream::Tcp(tcp))
    }
}

/// One connection attempt, from `source` if given.
async fn attempt(addr: SocketAddr, source: Option<(Option<IpAddr>, u16)>) -> io::Result<TcpStream> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    if let Some((ip, port)) = source {
        let ip = ip.unwrap_or(match addr {
            SocketAddr::V4(_) => IpAddr::from([0, 0, 0, 0]),
            SocketAddr::V6(_) => IpAddr::from([0u16; 8]),
        });
        if port != 0 {
            socket.set_reuseaddr(true)?;
        }
        socket.bind(SocketAddr::new(ip, port))?;
    }
    socket.connect(addr).await
}

/// Connects to the first address that answers, staggering the second address family behind
/// the first by `stagger` (RFC 6555). Returns the last error if none connects.
pub(crate) async fn happy_eyeballs(
    addrs: Vec<SocketAddr>,
    source: Option<(Option<IpAddr>, u16)>,
    stagger: Duration,
) -> io::Result<TcpStream> {
    let primary_v6 = addrs.first().is_some_and(SocketAddr::is_ipv6);
    let (primary, secondary): (Vec<SocketAddr>, Vec<SocketAddr>) =
        addrs.into_iter().partition(|a| a.is_ipv6() == primary_v6);
    let mut queues = [primary.into_iter(), secondary.into_iter()];
    let mut running = FuturesUnordered::new();
    let start =
        |family: usize, addr: SocketAddr| async move { (family, attempt(addr, source).await) };
    if let Some(a) = queues[0].next() {
        running.push(start(0, a));
    }
    let timer = tokio::time::sleep(stagger);
    tokio::pin!(timer);
    let mut secondary_started = false;
    let mut last_error = None;
    loop {
        if running.is_empty() && !secondary_started {
            secondary_started = true;
            if let Some(a) = queues[1].next() {
                running.push(start(1, a));
            }
        }
        if running.is_empty() {
            return Err(last_error.unwrap_or_else(|| {
                io::Error::new(io::ErrorKind::NotFound, "no address to connect to")
            }));
        }
        tokio::select! {
            Some((family, result)) = running.next() => match result {
                Ok(stream) => return Ok(stream),
                Err(e) => {
                    last_error = Some(e);
                    if let Some(a) = queues[family].next() {
                        running.push(start(family, a));
                    }
                }
            },
            () = &mut timer, if !secondary_started => {
                secondary_started = true;
                if let Some(a) = queues[1].next() {
                    running.push(start(1, a));
                }
            }
        }
    }
}
