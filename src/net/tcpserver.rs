//! [`TcpServer`]: a server for any protocol, on the same supervised worker tree as
//! [`HttpServer`](crate::http::HttpServer).

use std::future::Future;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{FutureExt, LocalBoxFuture};

use super::iostream::{IoStream, IoStreamSettings};
use crate::http::server::{
    start_server, ConnectionInfo, ConnectionService, Handshake, Listener, ServerBase, ServerHandle,
};
use crate::net::BindOptions;

/// What a [`TcpServer`] does with each connection (Tornado's `TCPServer.handle_stream`).
///
/// `handle_stream` runs on the worker thread that accepted the connection; its future need
/// not be `Send`. The connection is closed when the stream is dropped. A panic in it is
/// logged and ends that connection only.
pub trait TcpHandler: Send + Sync + 'static {
    /// Serves one connection. `address` is the peer's (`None` on Unix sockets).
    fn handle_stream(
        &self,
        stream: IoStream,
        address: Option<SocketAddr>,
    ) -> LocalBoxFuture<'static, ()>;
}

/// A [`TcpHandler`] made from a closure; see [`handler_fn`].
pub struct FnHandler<F>(F);

impl<F> std::fmt::Debug for FnHandler<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FnHandler")
    }
}

/// What a [`handler_fn`] closure's future may end with: nothing, or a `Result` whose error is
/// logged on `tornado.application` (Tornado logs what `handle_stream` raises), so handlers can
/// use `?`.
pub trait HandleStreamOutcome {
    /// Logs a failure, if this is one.
    fn log_failure(self, address: Option<SocketAddr>);
}

impl HandleStreamOutcome for () {
    fn log_failure(self, _: Option<SocketAddr>) {}
}

impl<E: std::fmt::Display> HandleStreamOutcome for Result<(), E> {
    fn log_failure(self, address: Option<SocketAddr>) {
        if let Err(e) = self {
            tracing::error!(target: "tornado.application", "error in handle_stream for {address:?}: {e}");
        }
    }
}

/// Makes a [`TcpHandler`] from an async closure. Its future may return `()` or a
/// `Result<(), E>`; an error is logged.
///
/// ```
/// use tornado::net::{handler_fn, StreamError};
///
/// // Answers one line with the same line.
/// let echo_once = handler_fn(|mut stream, _addr| async move {
///     let line = stream.read_until(b"\n", Some(4096)).await?;
///     stream.write(line).await?;
///     Ok::<(), StreamError>(())
/// });
/// # let _ = echo_once;
/// ```
pub fn handler_fn<F, Fut>(f: F) -> FnHandler<F>
where
    F: Fn(IoStream, Option<SocketAddr>) -> Fut + Send + Sync + 'static,
    Fut: Future + 'static,
    Fut::Output: HandleStreamOutcome,
{
    FnHandler(f)
}

impl<F, Fut> TcpHandler for FnHandler<F>
where
    F: Fn(IoStream, Option<SocketAddr>) -> Fut + Send + Sync + 'static,
    Fut: Future + 'static,
    Fut::Output: HandleStreamOutcome,
{
    fn handle_stream(
        &self,
        stream: IoStream,
        address: Option<SocketAddr>,
    ) -> LocalBoxFuture<'static, ()> {
        let served = (self.0)(stream, address);
        Box::pin(async move { served.await.log_failure(address) })
    }
}

/// How a [`TcpServer`] treats its connections.
#[derive(Debug, Clone)]
pub struct TcpServerSettings {
    /// Limits of each connection's [`IoStream`] (Tornado's `max_buffer_size` and
    /// `read_chunk_size`). Default: [`IoStreamSettings::default`].
    pub stream: IoStreamSettings,
    /// Most open connections; accepting pauses at the limit. Default: `None` (no limit).
    pub max_connections: Option<usize>,
    /// How long a client may take over the TLS handshake before it is dropped, without
    /// `handle_stream` being called. Default: 60 s.
    pub handshake_timeout: Duration,
}

impl Default for TcpServerSettings {
    fn default() -> Self {
        TcpServerSettings {
            stream: IoStreamSettings::default(),
            max_connections: None,
            handshake_timeout: Duration::from_secs(60),
        }
    }
}

/// A TCP server that hands each connection, as an [`IoStream`], to a [`TcpHandler`]
/// (Tornado's `TCPServer`).
///
/// It runs on the same actor tree as [`HttpServer`](crate::http::HttpServer): a supervisor
/// that replaces dead worker threads, a worker per thread, an acceptor per socket. Bind with
/// [`listen`](Self::listen), [`bind`](Self::bind), [`bind_unix`](Self::bind_unix) or
/// [`add_sockets`](Self::add_sockets); Tornado's `start(num_processes)` is
/// [`workers`](Self::workers)`(n)` then [`start`](Self::start).
///
/// Stopping with [`ServerHandle::stop`] stops accepting, lets the handlers run for the grace
/// period, then drops the ones still running (closing their connections).
///
/// # Examples
///
/// ```no_run
/// use tornado::net::{handler_fn, TcpServer};
///
/// #[actix_rt::main]
/// async fn main() -> std::io::Result<()> {
///     let echo = handler_fn(|mut stream, _addr| async move {
///         while let Ok(data) = stream.read_bytes(65536, true).await {
///             if stream.write(data).await.is_err() {
///                 break;
///             }
///         }
///     });
///     let server = TcpServer::new(echo).listen(8888, "127.0.0.1")?.start()?;
///     server.wait().await;
///     Ok(())
/// }
/// ```
pub struct TcpServer {
    handler: Arc<dyn TcpHandler>,
    settings: TcpServerSettings,
    base: ServerBase,
}

impl std::fmt::Debug for TcpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpServer")
            .field("settings", &self.settings)
            .field("workers", &self.base.workers)
            .field("listeners", &self.base.listeners)
            .finish()
    }
}

impl TcpServer {
    /// A server handing connections to `handler`, with default settings and one worker per
    /// core.
    pub fn new(handler: impl TcpHandler) -> TcpServer {
        Self::from_arc(Arc::new(handler))
    }

    /// [`new`](Self::new) for a handler already in an `Arc`.
    pub fn from_arc(handler: Arc<dyn TcpHandler>) -> TcpServer {
        TcpServer {
            handler,
            settings: TcpServerSettings::default(),
            base: ServerBase::new(),
        }
    }

    /// Replaces the settings.
    pub fn settings(mut self, settings: TcpServerSettings) -> Self {
        self.settings = settings;
        self
    }

    crate::http::server::server_base_builder!();

    /// Serves TLS on every TCP listener (Tornado's `ssl_options`): `handle_stream` gets the
    /// stream after the handshake.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: crate::http::TlsConfig) -> Self {
        self.base.tls = Some(tls);
        self
    }

    /// Starts the actor tree. Must be called within a running actix `System`.
    pub fn start(self) -> io::Result<ServerHandle> {
        let max_connections = self.settings.max_connections;
        let service = TcpService {
            handler: self.handler,
            settings: self.settings,
        };
        start_server(self.base, service, max_connections, "TcpServer")
    }
}

/// Serves a connection by running `handle_stream` as a task on the worker thread.
struct TcpService {
    handler: Arc<dyn TcpHandler>,
    settings: TcpServerSettings,
}

/// Runs a closure when dropped: on completion, panic, or abort alike.
struct OnDrop(Option<Box<dyn FnOnce()>>);

impl Drop for OnDrop {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}

impl ConnectionService for TcpService {
    type Local = (Arc<dyn TcpHandler>, TcpServerSettings);
    type Conn = tokio::task::JoinHandle<()>;

    fn local(&self) -> Self::Local {
        (self.handler.clone(), self.settings.clone())
    }

    fn start(
        local: &Self::Local,
        stream: Handshake,
        info: ConnectionInfo,
        on_stop: Box<dyn FnOnce()>,
    ) -> tokio::task::JoinHandle<()> {
        let (handler, settings) = local;
        let handler = handler.clone();
        let stream_settings = settings.stream;
        let handshake_timeout = settings.handshake_timeout;
        let guard = OnDrop(Some(on_stop));
        let task = actix_rt::spawn(async move {
            let _guard = guard;
            let io = match tokio::time::timeout(handshake_timeout, stream).await {
                Ok(Ok(io)) => io,
                Ok(Err(e)) => {
                    tracing::debug!(target: "tornado.general", "connection setup failed: {e}");
                    return;
                }
                Err(_) => {
                    tracing::debug!(target: "tornado.general", "TLS handshake timed out");
                    return;
                }
            };
            let stream = IoStream::with_settings(io, stream_settings);
            let served = AssertUnwindSafe(handler.handle_stream(stream, info.peer_addr));
            if let Err(panic) = served.catch_unwind().await {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a non-string panic".into());
                tracing::error!(target: "tornado.application", "error in handle_stream for {:?}: {what}", info.peer_addr);
            }
        });
        task
    }

    fn close_gracefully(_: &tokio::task::JoinHandle<()>) {
        // A handler owns its protocol: it is given the grace period to finish on its own.
    }

    fn force_close(conn: tokio::task::JoinHandle<()>) -> LocalBoxFuture<'static, ()> {
        conn.abort();
        // Resolves once the task is dropped: its socket closed, its slot given back.
        Box::pin(async move {
            let _ = conn.await;
        })
    }
}
