//! The HTTP/1.1 server (Tornado's `httpserver`): a supervised tree of actors.
//!
//! ```text
//! ServerSupervisor ── restarts a worker whose thread dies; runs the graceful shutdown
//! └─ Worker × N (one arbiter thread each; N defaults to the core count)
//!    └─ Acceptor per listening socket (under an actix Supervisor)
//!       └─ Connection per socket ── owns the socket; decodes, runs the request's
//!          delegate inline, encodes; bounded buffers both ways
//! ```
//!
//! # Examples
//!
//! ```no_run
//! use tornado::http::{delegate_fn, HttpServer};
//!
//! #[actix_rt::main]
//! async fn main() -> std::io::Result<()> {
//!     let hello = delegate_fn(|_req, resp| async move {
//!         let _ = resp.respond(200, &[("Content-Type", "text/plain")], "Hello, world");
//!     });
//!     let server = HttpServer::new(hello).listen(8888, "127.0.0.1")?.start()?;
//!     server.handle_signals();
//!     server.wait().await;
//!     Ok(())
//! }
//! ```

mod connection;
mod delegate;
mod listener;
pub(crate) use listener::server_base_builder;
mod settings;
mod shared;
mod stream;
mod supervisor;
#[cfg(feature = "tls")]
mod tls;

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use futures_util::future::LocalBoxFuture;

#[cfg(unix)]
pub use crate::net::bind_unix_socket;
pub use crate::net::{bind_sockets, BindOptions};
pub use delegate::{
    delegate_fn, Body, BodyError, CloseWatch, ConnectionInfo, FnDelegate, HttpServerDelegate,
    ResponseWriter, ServerRequest, UpgradeFuture, Upgraded, WriteError,
};
pub use listener::Listener;
pub use settings::ServerSettings;
pub use stream::ServerStream;
pub use supervisor::ServerStats;
#[cfg(feature = "tls")]
pub use tls::TlsConfig;

pub(crate) use listener::ServerBase;
pub(crate) use supervisor::{ConnectionService, Handshake};

use connection::{ConnParams, Connection, ForceClose, GracefulClose};
use supervisor::{KillWorker, ServerSupervisor, StopServer, WorkerConfig};

/// Builds and starts an HTTP server around a [`HttpServerDelegate`].
///
/// Bind with [`listen`](Self::listen), [`bind`](Self::bind), [`bind_unix`](Self::bind_unix) or
/// [`add_sockets`](Self::add_sockets) (pre-bound listeners), then [`start`](Self::start) it
/// inside a running actix `System`.
pub struct HttpServer {
    /// Starts the server for the delegate it was made with (of its own type, see
    /// [`ConnParams`]).
    launch: Box<dyn FnOnce(ServerBase, ServerSettings) -> io::Result<ServerHandle> + Send>,
    settings: ServerSettings,
    base: ServerBase,
}

impl std::fmt::Debug for HttpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpServer")
            .field("settings", &self.settings)
            .field("workers", &self.base.workers)
            .field("listeners", &self.base.listeners)
            .finish()
    }
}

impl HttpServer {
    /// A server answering with `delegate`, with default settings and one worker per core.
    pub fn new(delegate: impl HttpServerDelegate) -> Self {
        Self::for_delegate(Arc::new(delegate))
    }

    /// [`new`](Self::new) for a delegate already in an `Arc`.
    pub fn from_arc(delegate: Arc<dyn HttpServerDelegate>) -> Self {
        Self::for_delegate(delegate)
    }

    fn for_delegate<D: HttpServerDelegate + ?Sized>(delegate: Arc<D>) -> Self {
        HttpServer {
            launch: Box::new(move |base: ServerBase, settings: ServerSettings| {
                let max_connections = settings.max_connections;
                let service = HttpService {
                    settings: Arc::new(settings),
                    delegate,
                };
                start_server(base, service, max_connections, "HttpServer")
            }),
            settings: ServerSettings::default(),
            base: ServerBase::new(),
        }
    }

    /// Replaces the settings.
    pub fn settings(mut self, settings: ServerSettings) -> Self {
        self.settings = settings;
        self
    }

    crate::http::server::server_base_builder!();

    /// Serves TLS on every TCP listener.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.base.tls = Some(tls);
        self
    }

    /// Starts the actor tree. Must be called within a running actix `System`; the supervisor
    /// lives on the calling arbiter, each worker on an arbiter thread of its own.
    pub fn start(self) -> io::Result<ServerHandle> {
        (self.launch)(self.base, self.settings)
    }
}

/// HTTP connections: a `Connection` actor per socket.
struct HttpService<D: ?Sized> {
    settings: Arc<ServerSettings>,
    delegate: Arc<D>,
}

impl<D: HttpServerDelegate + ?Sized> ConnectionService for HttpService<D> {
    type Local = Rc<ConnParams<D>>;
    type Conn = Addr<Connection>;

    fn local(&self) -> Rc<ConnParams<D>> {
        Rc::new(ConnParams {
            settings: self.settings.clone(),
            delegate: self.delegate.clone(),
        })
    }

    fn start(
        local: &Rc<ConnParams<D>>,
        stream: Handshake,
        info: ConnectionInfo,
        on_stop: Box<dyn FnOnce()>,
    ) -> Addr<Connection> {
        Connection::start(stream, info, local.clone(), on_stop)
    }

    fn close_gracefully(conn: &Addr<Connection>) {
        conn.do_send(GracefulClose);
    }

    fn force_close(conn: Addr<Connection>) -> LocalBoxFuture<'static, ()> {
        Box::pin(async move {
            let _ = conn.send(ForceClose).await;
        })
    }
}

/// Starts the supervisor tree of a server serving `service` on `base`'s listeners.
pub(crate) fn start_server<S: ConnectionService>(
    base: ServerBase,
    service: S,
    max_connections: Option<usize>,
    what: &str,
) -> io::Result<ServerHandle> {
    if base.listeners.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the server has no listening socket",
        ));
    }
    if actix_rt::System::try_current().is_none() {
        return Err(io::Error::other(format!(
            "{what}::start needs a running actix System"
        )));
    }
    let local_addrs = base.local_addrs();
    let cfg = Arc::new(WorkerConfig::new(
        service,
        max_connections,
        #[cfg(feature = "tls")]
        base.tls,
    ));
    let stats = cfg.stats.clone();
    let (done_tx, done_rx) = tokio::sync::watch::channel(false);
    let done_tx = Arc::new(done_tx);
    let supervisor = ServerSupervisor::new(cfg, base.listeners, base.workers, done_tx).start();
    Ok(ServerHandle {
        stop: supervisor.clone().recipient(),
        kill: supervisor.recipient(),
        local_addrs,
        stats,
        done: done_rx,
    })
}

/// A running server: its addresses, its counters, and the way to stop it.
#[derive(Clone)]
pub struct ServerHandle {
    stop: Recipient<StopServer>,
    kill: Recipient<KillWorker>,
    local_addrs: Vec<SocketAddr>,
    stats: Arc<ServerStats>,
    done: tokio::sync::watch::Receiver<bool>,
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("local_addrs", &self.local_addrs)
            .finish()
    }
}

/// How long [`ServerHandle::handle_signals`] lets requests finish. Default: 10 s.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = connection::DEFAULT_SHUTDOWN_GRACE;

impl ServerHandle {
    /// The TCP addresses the server listens on (ports resolved when 0 was asked for).
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.local_addrs
    }

    /// The first TCP address, if any.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addrs.first().copied()
    }

    /// Live counters.
    pub fn stats(&self) -> &ServerStats {
        &self.stats
    }

    /// Stops the server: accepting ends at once, idle keep-alive connections close, requests in
    /// flight get `grace` to finish (their responses say `Connection: close`), and whatever is
    /// still open then is cut. Resolves when the workers have stopped.
    pub async fn stop(&self, grace: Duration) {
        let _ = self.stop.send(StopServer { grace }).await;
        self.wait().await;
    }

    /// Resolves when the server has stopped.
    pub async fn wait(&self) {
        let mut done = self.done.clone();
        let _ = done.wait_for(|d| *d).await;
    }

    /// Stops the server gracefully (see [`stop`](Self::stop), with
    /// [`DEFAULT_SHUTDOWN_GRACE`]) on SIGINT or SIGTERM.
    pub fn handle_signals(&self) {
        let handle = self.clone();
        actix_rt::spawn(async move {
            wait_for_signal().await;
            tracing::info!(target: "tornado.general", "signal received; stopping the server");
            handle.stop(DEFAULT_SHUTDOWN_GRACE).await;
        });
    }

    /// Ends worker `index`'s thread as if it had crashed, so tests can watch it being replaced.
    #[doc(hidden)]
    pub async fn kill_worker_for_test(&self, index: usize) -> bool {
        self.kill.send(KillWorker(index)).await.unwrap_or(false)
    }
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    match (term, int) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
