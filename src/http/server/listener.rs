//! The listening sockets a server accepts from, and the builder part every server shares
//! (binding, workers, TLS). Binding itself is `net::netutil`'s.

use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};

#[cfg(feature = "tls")]
use super::tls::TlsConfig;
#[cfg(unix)]
use crate::net::netutil::bind_unix_socket;
use crate::net::netutil::{bind_sockets, BindOptions};

/// A listening socket the server accepts from.
#[derive(Debug)]
#[non_exhaustive]
pub enum Listener {
    /// TCP.
    Tcp(TcpListener),
    /// Unix-domain.
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixListener),
}

impl Listener {
    pub(crate) fn try_clone(&self) -> io::Result<Listener> {
        Ok(match self {
            Listener::Tcp(l) => Listener::Tcp(l.try_clone()?),
            #[cfg(unix)]
            Listener::Unix(l) => Listener::Unix(l.try_clone()?),
        })
    }

    /// The address this listener is bound to, as text (`127.0.0.1:8888`, or a socket path).
    pub fn describe(&self) -> String {
        match self {
            Listener::Tcp(l) => l
                .local_addr()
                .map(|a| a.to_string())
                .unwrap_or_else(|_| "?".into()),
            #[cfg(unix)]
            Listener::Unix(l) => l
                .local_addr()
                .ok()
                .and_then(|a| a.as_pathname().map(|p| p.display().to_string()))
                .unwrap_or_else(|| "unix:?".into()),
        }
    }
}

impl From<TcpListener> for Listener {
    fn from(l: TcpListener) -> Self {
        Listener::Tcp(l)
    }
}

#[cfg(unix)]
impl From<std::os::unix::net::UnixListener> for Listener {
    fn from(l: std::os::unix::net::UnixListener) -> Self {
        Listener::Unix(l)
    }
}

/// The binding and worker methods every server builder has (`HttpServer`, `net::TcpServer`),
/// written once: each forwards to the builder's `base: ServerBase`.
macro_rules! server_base_builder {
    () => {
        /// Number of worker threads. Default: the number of cores.
        pub fn workers(mut self, n: usize) -> Self {
            self.base.workers = n.max(1);
            self
        }

        /// Backlog and `SO_REUSEPORT` for the sockets bound after this call.
        pub fn bind_options(mut self, options: BindOptions) -> Self {
            self.base.bind_options = options;
            self
        }

        /// Binds `address:port` (Tornado's `listen(port, address)`); port 0 picks a free port.
        pub fn listen(self, port: u16, address: &str) -> io::Result<Self> {
            self.bind((address, port))
        }

        /// Binds every address `addr` resolves to.
        pub fn bind(mut self, addr: impl ToSocketAddrs) -> io::Result<Self> {
            self.base.bind(addr)?;
            Ok(self)
        }

        /// Binds a Unix-domain socket at `path`.
        #[cfg(unix)]
        pub fn bind_unix(mut self, path: impl AsRef<std::path::Path>) -> io::Result<Self> {
            self.base.bind_unix(path.as_ref())?;
            Ok(self)
        }

        /// Adds listeners bound elsewhere (Tornado's `add_sockets`). They are made non-blocking.
        pub fn add_sockets<L: Into<Listener>>(
            mut self,
            sockets: impl IntoIterator<Item = L>,
        ) -> io::Result<Self> {
            self.base.add_sockets(sockets)?;
            Ok(self)
        }
    };
}
pub(crate) use server_base_builder;

/// The builder state every server shares: its listening sockets, its worker count and its
/// TLS configuration. `HttpServer` and `net::TcpServer` wrap it.
#[derive(Debug)]
pub(crate) struct ServerBase {
    pub(crate) workers: usize,
    pub(crate) bind_options: BindOptions,
    pub(crate) listeners: Vec<Listener>,
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<TlsConfig>,
}

impl ServerBase {
    /// No listener yet, one worker per core.
    pub(crate) fn new() -> ServerBase {
        ServerBase {
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            bind_options: BindOptions::default(),
            listeners: Vec::new(),
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// Binds every address `addr` resolves to.
    pub(crate) fn bind(&mut self, addr: impl ToSocketAddrs) -> io::Result<()> {
        let sockets = bind_sockets(addr, &self.bind_options)?;
        self.listeners
            .extend(sockets.into_iter().map(Listener::Tcp));
        Ok(())
    }

    /// Binds a Unix-domain socket at `path`.
    #[cfg(unix)]
    pub(crate) fn bind_unix(&mut self, path: &std::path::Path) -> io::Result<()> {
        self.listeners.push(Listener::Unix(bind_unix_socket(path)?));
        Ok(())
    }

    /// Adds listeners bound elsewhere, made non-blocking.
    pub(crate) fn add_sockets<L: Into<Listener>>(
        &mut self,
        sockets: impl IntoIterator<Item = L>,
    ) -> io::Result<()> {
        for l in sockets {
            let l = l.into();
            match &l {
                Listener::Tcp(t) => t.set_nonblocking(true)?,
                #[cfg(unix)]
                Listener::Unix(u) => u.set_nonblocking(true)?,
            }
            self.listeners.push(l);
        }
        Ok(())
    }

    /// The TCP addresses listened on.
    pub(crate) fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners
            .iter()
            .filter_map(|l| match l {
                Listener::Tcp(t) => t.local_addr().ok(),
                #[cfg(unix)]
                Listener::Unix(_) => None,
            })
            .collect()
    }
}
