//! Name resolution (Tornado's `netutil.Resolver` family).

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use futures_util::future::BoxFuture;

/// Which address families a lookup may return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AddressFamily {
    /// IPv4 and IPv6. The default.
    #[default]
    Any,
    /// IPv4 only.
    V4,
    /// IPv6 only.
    V6,
}

impl AddressFamily {
    /// `true` if `addr` belongs to this family.
    pub fn admits(self, addr: &SocketAddr) -> bool {
        match self {
            AddressFamily::Any => true,
            AddressFamily::V4 => addr.is_ipv4(),
            AddressFamily::V6 => addr.is_ipv6(),
        }
    }
}

/// Turns a host name into socket addresses (Tornado's `Resolver.resolve`).
///
/// Implementations must be cheap to share: clients hold them in an `Arc`. The future is
/// `Send`, so one resolver serves every thread.
pub trait Resolver: Send + Sync + 'static {
    /// The addresses of `host` on `port`, in preference order, restricted to `family`.
    /// An empty list is not an error here; the caller reports it.
    fn resolve(
        &self,
        host: &str,
        port: u16,
        family: AddressFamily,
    ) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>>;
}

/// The system resolver (`getaddrinfo`), run on tokio's blocking pool so that a slow lookup
/// never stalls an event loop. IP literals (`127.0.0.1`, `::1`, `[::1]`) are answered
/// without a lookup. This is Tornado's `DefaultExecutorResolver`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

/// Parses `host` as an IP literal, with or without IPv6 brackets.
fn ip_literal(host: &str) -> Option<IpAddr> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse().ok()
}

impl Resolver for SystemResolver {
    fn resolve(
        &self,
        host: &str,
        port: u16,
        family: AddressFamily,
    ) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        if let Some(ip) = ip_literal(host) {
            let addr = SocketAddr::new(ip, port);
            let found = if family.admits(&addr) {
                vec![addr]
            } else {
                Vec::new()
            };
            return Box::pin(std::future::ready(Ok(found)));
        }
        let host = host.to_owned();
        Box::pin(async move {
            // tokio's lookup_host runs getaddrinfo on the blocking pool.
            let mut out: Vec<SocketAddr> = Vec::new();
            for addr in tokio::net::lookup_host((host.as_str(), port)).await? {
                if family.admits(&addr) && !out.contains(&addr) {
                    out.push(addr);
                }
            }
            Ok(out)
        })
    }
}

/// A resolver that answers some names from a table and hands the rest to another resolver
/// (Tornado's `OverrideResolver`): point a production host name at a test server, or pin a
/// name to an address.
///
/// A mapping for a host and port wins over one for the host alone; a mapped target is itself
/// resolved by the inner resolver (so it may be a name or an IP literal).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use tornado::net::{AddressFamily, OverrideResolver, Resolver};
///
/// let resolver = OverrideResolver::system()
///     .map_host("example.com", "127.0.0.1")
///     .map_host_port("api.example.com", 443, "127.0.0.1", 8443);
/// let addrs = resolver.resolve("api.example.com", 443, AddressFamily::Any).await.unwrap();
/// assert_eq!(addrs, ["127.0.0.1:8443".parse().unwrap()]);
/// # }
/// ```
#[derive(Clone)]
pub struct OverrideResolver {
    inner: Arc<dyn Resolver>,
    hosts: HashMap<String, String>,
    host_ports: HashMap<(String, u16), (String, u16)>,
}

impl std::fmt::Debug for OverrideResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OverrideResolver")
            .field("hosts", &self.hosts)
            .field("host_ports", &self.host_ports)
            .finish()
    }
}

impl OverrideResolver {
    /// Overrides in front of `inner`.
    pub fn new(inner: Arc<dyn Resolver>) -> OverrideResolver {
        OverrideResolver {
            inner,
            hosts: HashMap::new(),
            host_ports: HashMap::new(),
        }
    }

    /// Overrides in front of the [`SystemResolver`].
    pub fn system() -> OverrideResolver {
        Self::new(Arc::new(SystemResolver))
    }

    /// Resolves `host` (any port) as `target`. Host names compare case-insensitively.
    pub fn map_host(mut self, host: &str, target: &str) -> Self {
        self.hosts
            .insert(host.to_ascii_lowercase(), target.to_owned());
        self
    }

    /// Resolves `host:port` as `target_host:target_port`.
    pub fn map_host_port(
        mut self,
        host: &str,
        port: u16,
        target_host: &str,
        target_port: u16,
    ) -> Self {
        self.host_ports.insert(
            (host.to_ascii_lowercase(), port),
            (target_host.to_owned(), target_port),
        );
        self
    }

    /// Where `host:port` is sent: the mapped target, or itself.
    pub fn target(&self, host: &str, port: u16) -> (String, u16) {
        let key = host.to_ascii_lowercase();
        if let Some(t) = self.host_ports.get(&(key.clone(), port)) {
            return t.clone();
        }
        match self.hosts.get(&key) {
            Some(h) => (h.clone(), port),
            None => (host.to_owned(), port),
        }
    }
}

impl Resolver for OverrideResolver {
    fn resolve(
        &self,
        host: &str,
        port: u16,
        family: AddressFamily,
    ) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        let (host, port) = self.target(host, port);
        self.inner.resolve(&host, port, family)
    }
}

/// `true` if `text` is an IPv4 or IPv6 address literal (Tornado's `is_valid_ip`). Host
/// names, empty strings, and strings with NUL bytes or zone suffixes are not.
///
/// ```
/// use tornado::net::is_valid_ip;
/// assert!(is_valid_ip("127.0.0.1"));
/// assert!(is_valid_ip("::1"));
/// assert!(!is_valid_ip("localhost"));
/// assert!(!is_valid_ip(""));
/// ```
pub fn is_valid_ip(text: &str) -> bool {
    text.parse::<IpAddr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_literals_with_and_without_brackets() {
        assert_eq!(ip_literal("[::1]"), Some("::1".parse().unwrap()));
        assert_eq!(ip_literal("10.0.0.1"), Some("10.0.0.1".parse().unwrap()));
        assert_eq!(ip_literal("example.com"), None);
        assert!(!is_valid_ip("1.2.3"));
        assert!(!is_valid_ip("a\0b"));
        assert!(!is_valid_ip("[::1]"));
    }

    #[tokio::test]
    async fn system_resolver_answers_literals_by_family() {
        let r = SystemResolver;
        let v4 = r.resolve("127.0.0.1", 80, AddressFamily::V6).await.unwrap();
        assert!(v4.is_empty());
        let v6 = r.resolve("[::1]", 80, AddressFamily::Any).await.unwrap();
        assert_eq!(v6, ["[::1]:80".parse().unwrap()]);
    }

    #[tokio::test]
    async fn override_prefers_host_and_port_mappings() {
        let r = OverrideResolver::system()
            .map_host("Example.COM", "127.0.0.2")
            .map_host_port("example.com", 8080, "127.0.0.3", 9090);
        let a = r
            .resolve("example.com", 80, AddressFamily::Any)
            .await
            .unwrap();
        assert_eq!(a, ["127.0.0.2:80".parse().unwrap()]);
        let b = r
            .resolve("EXAMPLE.com", 8080, AddressFamily::Any)
            .await
            .unwrap();
        assert_eq!(b, ["127.0.0.3:9090".parse().unwrap()]);
    }
}
