//! The server's actor tree: `ServerSupervisor` → one `Worker` per arbiter thread → an
//! `Acceptor` per listening socket (under an actix `Supervisor`) → one connection per
//! accepted socket. What a connection is comes from a [`ConnectionService`]: the HTTP
//! `Connection` actor for `HttpServer`, a `handle_stream` task for `net::TcpServer`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use futures_util::future::LocalBoxFuture;
use tokio::sync::Notify;

use super::delegate::ConnectionInfo;
use super::listener::Listener;
use super::stream::ServerStream;
#[cfg(feature = "tls")]
use super::tls::TlsConfig;

/// Counters of a running server.
#[derive(Debug, Default)]
pub struct ServerStats {
    pub(crate) open_connections: AtomicUsize,
    pub(crate) accepted: AtomicU64,
    pub(crate) worker_restarts: AtomicUsize,
}

impl ServerStats {
    /// Connections open now.
    pub fn open_connections(&self) -> usize {
        self.open_connections.load(Ordering::Relaxed)
    }
    /// Connections accepted since the start.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }
    /// Worker threads that died and were replaced.
    pub fn worker_restarts(&self) -> usize {
        self.worker_restarts.load(Ordering::Relaxed)
    }
}

/// Caps open connections: accepting waits while the cap is reached. An acceptor reserves a
/// slot before it accepts, so the slots in use are the open connections plus one per acceptor
/// waiting in `accept`; `ServerStats::open_connections` counts only the connections.
#[derive(Debug)]
pub(crate) struct ConnectionLimit {
    max: Option<usize>,
    slots: AtomicUsize,
    stats: Arc<ServerStats>,
    released: Notify,
}

/// A reserved slot, given back when dropped unless a connection took it over.
struct Reservation(Option<Arc<ConnectionLimit>>);

impl Reservation {
    /// Hands the slot to a connection, which releases it when it stops.
    fn take(mut self) -> Option<Arc<ConnectionLimit>> {
        self.0.take()
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some(limit) = self.0.take() {
            limit.release();
        }
    }
}

impl ConnectionLimit {
    fn try_acquire(&self) -> bool {
        let count = &self.slots;
        let Some(max) = self.max else {
            count.fetch_add(1, Ordering::Relaxed);
            return true;
        };
        let mut n = count.load(Ordering::Relaxed);
        loop {
            if n >= max {
                return false;
            }
            match count.compare_exchange_weak(n, n + 1, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => return true,
                Err(actual) => n = actual,
            }
        }
    }

    async fn acquire(self: &Arc<Self>) -> Reservation {
        loop {
            let released = self.released.notified();
            if self.try_acquire() {
                return Reservation(Some(self.clone()));
            }
            released.await;
        }
    }

    fn release(&self) {
        self.slots.fetch_sub(1, Ordering::AcqRel);
        self.released.notify_one();
    }

    /// A connection that held a slot has stopped.
    fn connection_closed(&self) {
        self.stats.open_connections.fetch_sub(1, Ordering::Relaxed);
        self.release();
    }
}

/// An accepted socket on its way to being served: ready at once for plain sockets, the TLS
/// handshake for TLS listeners.
pub(crate) type Handshake = LocalBoxFuture<'static, io::Result<ServerStream>>;

/// What a server does with each accepted connection. The worker tree is generic over it, so
/// each server's connections cost what they cost without it.
pub(crate) trait ConnectionService: Send + Sync + 'static {
    /// State each worker thread builds once and hands to its connections.
    type Local: 'static;
    /// What a worker keeps of an open connection, to close it at shutdown.
    type Conn: 'static;

    /// Builds a worker's state, on the worker's thread.
    fn local(&self) -> Self::Local;

    /// Serves an accepted socket on the current worker thread. `on_stop` must run exactly
    /// once, when the connection is gone.
    fn start(
        local: &Self::Local,
        stream: Handshake,
        info: ConnectionInfo,
        on_stop: Box<dyn FnOnce()>,
    ) -> Self::Conn;

    /// Asks a connection to finish what it is doing and close (graceful shutdown).
    fn close_gracefully(conn: &Self::Conn);

    /// Closes a connection now; resolves once it is closed.
    fn force_close(conn: Self::Conn) -> LocalBoxFuture<'static, ()>;
}

/// What every worker shares.
pub(crate) struct WorkerConfig<S> {
    pub(crate) service: S,
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<TlsConfig>,
    pub(crate) stats: Arc<ServerStats>,
    pub(crate) limit: Arc<ConnectionLimit>,
}

impl<S> WorkerConfig<S> {
    pub(crate) fn new(
        service: S,
        max_connections: Option<usize>,
        #[cfg(feature = "tls")] tls: Option<TlsConfig>,
    ) -> Self {
        let stats = Arc::new(ServerStats::default());
        let limit = Arc::new(ConnectionLimit {
            max: max_connections,
            slots: AtomicUsize::new(0),
            stats: stats.clone(),
            released: Notify::new(),
        });
        WorkerConfig {
            service,
            #[cfg(feature = "tls")]
            tls,
            stats,
            limit,
        }
    }
}

/// The connections of one worker.
struct Registry<C> {
    next_id: u64,
    conns: HashMap<u64, C>,
    changed: Rc<Notify>,
}

impl<C> Default for Registry<C> {
    fn default() -> Self {
        Registry {
            next_id: 0,
            conns: HashMap::new(),
            changed: Rc::default(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Acceptor

enum AcceptSource {
    Tcp(tokio::net::TcpListener),
    #[cfg(unix)]
    Unix(tokio::net::UnixListener),
}

/// Stop accepting for good.
#[derive(Message)]
#[rtype(result = "()")]
struct StopAccepting;

/// Accepts connections on one listening socket and starts a `Connection` actor for each, on
/// its worker's thread. Runs under an actix `Supervisor`, which restarts it if it stops.
struct Acceptor<S: ConnectionService> {
    source: Rc<AcceptSource>,
    worker: Rc<WorkerShared<S>>,
    stopping: bool,
}

struct WorkerShared<S: ConnectionService> {
    cfg: Arc<WorkerConfig<S>>,
    local: S::Local,
    registry: Rc<RefCell<Registry<S::Conn>>>,
}

impl<S: ConnectionService> Actor for Acceptor<S> {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        if self.stopping {
            ctx.stop();
            return;
        }
        let source = self.source.clone();
        let worker = self.worker.clone();
        ctx.spawn(actix::fut::wrap_future(accept_loop(source, worker)));
    }
}

impl<S: ConnectionService> Supervised for Acceptor<S> {
    fn restarting(&mut self, _: &mut Self::Context) {
        if !self.stopping {
            tracing::warn!(target: "tornado.general", "restarting an acceptor");
        }
    }
}

impl<S: ConnectionService> Handler<StopAccepting> for Acceptor<S> {
    type Result = ();
    fn handle(&mut self, _: StopAccepting, ctx: &mut Self::Context) {
        self.stopping = true;
        ctx.stop();
    }
}

fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    )
}

async fn accept_loop<S: ConnectionService>(source: Rc<AcceptSource>, worker: Rc<WorkerShared<S>>) {
    loop {
        let reservation = worker.cfg.limit.acquire().await;
        let accepted: io::Result<(Handshake, ConnectionInfo)> = match &*source {
            AcceptSource::Tcp(l) => match l.accept().await {
                Ok((tcp, peer)) => {
                    let _ = tcp.set_nodelay(true);
                    let info = ConnectionInfo {
                        peer_addr: Some(peer),
                        local_addr: tcp.local_addr().ok(),
                        secure: false,
                    };
                    tcp_stream(tcp, info, &worker.cfg)
                }
                Err(e) => Err(e),
            },
            #[cfg(unix)]
            AcceptSource::Unix(l) => match l.accept().await {
                Ok((unix, _)) => {
                    let info = ConnectionInfo {
                        peer_addr: None,
                        local_addr: None,
                        secure: false,
                    };
                    let fut: Handshake = Box::pin(async move { Ok(ServerStream::Unix(unix)) });
                    Ok((fut, info))
                }
                Err(e) => Err(e),
            },
        };
        match accepted {
            Ok((stream, info)) => {
                let stats = &worker.cfg.stats;
                stats.accepted.fetch_add(1, Ordering::Relaxed);
                stats.open_connections.fetch_add(1, Ordering::Relaxed);
                let registry = worker.registry.clone();
                let id = {
                    let mut r = registry.borrow_mut();
                    r.next_id += 1;
                    r.next_id
                };
                let limit = reservation.take();
                let on_stop_registry = registry.clone();
                let on_stop = Box::new(move || {
                    let mut r = on_stop_registry.borrow_mut();
                    r.conns.remove(&id);
                    r.changed.notify_waiters();
                    if let Some(limit) = &limit {
                        limit.connection_closed();
                    }
                });
                let conn = S::start(&worker.local, stream, info, on_stop);
                registry.borrow_mut().conns.insert(id, conn);
            }
            Err(e) => {
                drop(reservation);
                if is_transient(&e) {
                    continue;
                }
                tracing::error!(target: "tornado.general", "error accepting a connection: {e}");
                // Out of file descriptors and the like: give the system a moment.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

fn tcp_stream<S>(
    tcp: tokio::net::TcpStream,
    mut info: ConnectionInfo,
    cfg: &WorkerConfig<S>,
) -> io::Result<(Handshake, ConnectionInfo)> {
    #[cfg(feature = "tls")]
    if let Some(tls) = &cfg.tls {
        info.secure = true;
        let acceptor = tokio_rustls::TlsAcceptor::from(tls.config.clone());
        let fut: Handshake = Box::pin(async move {
            let s = acceptor.accept(tcp).await?;
            Ok(ServerStream::Tls(Box::new(s)))
        });
        return Ok((fut, info));
    }
    let _ = (&mut info, cfg);
    Ok((
        Box::pin(std::future::ready(Ok(ServerStream::Tcp(tcp)))),
        info,
    ))
}

// ---------------------------------------------------------------------------------------------
// Worker

thread_local! {
    static SENTINEL: RefCell<Option<Sentinel>> = const { RefCell::new(None) };
}

/// Lives in a worker thread's thread-local storage; when the thread ends, for whatever reason,
/// it tells the supervisor.
struct Sentinel {
    index: usize,
    generation: u64,
    supervisor: Recipient<WorkerExited>,
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        // This runs while the dying thread's thread-locals are torn down, the runtime's among
        // them, and waking the supervisor's task may need them: send from a fresh thread.
        let supervisor = self.supervisor.clone();
        let msg = WorkerExited {
            index: self.index,
            generation: self.generation,
        };
        let _ = std::thread::Builder::new()
            .name("tornado-worker-exit".into())
            .spawn(move || supervisor.do_send(msg));
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct StopWorker {
    grace: Duration,
}

struct Worker<S: ConnectionService> {
    index: usize,
    listeners: Vec<Listener>,
    cfg: Arc<WorkerConfig<S>>,
    shared: Option<Rc<WorkerShared<S>>>,
    acceptors: Vec<Addr<Acceptor<S>>>,
}

impl<S: ConnectionService> Actor for Worker<S> {
    type Context = Context<Self>;

    fn started(&mut self, _: &mut Self::Context) {
        let shared = Rc::new(WorkerShared {
            cfg: self.cfg.clone(),
            local: self.cfg.service.local(),
            registry: Rc::new(RefCell::new(Registry::default())),
        });
        for listener in self.listeners.drain(..) {
            let source = match listener {
                Listener::Tcp(l) => tokio::net::TcpListener::from_std(l).map(AcceptSource::Tcp),
                #[cfg(unix)]
                Listener::Unix(l) => tokio::net::UnixListener::from_std(l).map(AcceptSource::Unix),
            };
            match source {
                Ok(source) => {
                    let source = Rc::new(source);
                    let worker = shared.clone();
                    self.acceptors
                        .push(actix::Supervisor::start(move |_| Acceptor {
                            source,
                            worker,
                            stopping: false,
                        }));
                }
                Err(e) => {
                    tracing::error!(target: "tornado.general", "worker {} cannot listen: {e}", self.index)
                }
            }
        }
        self.shared = Some(shared);
    }
}

impl<S: ConnectionService> Handler<StopWorker> for Worker<S> {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, msg: StopWorker, _: &mut Self::Context) -> Self::Result {
        for a in self.acceptors.drain(..) {
            a.do_send(StopAccepting);
        }
        SENTINEL.with(|s| {
            if let Some(sentinel) = s.borrow_mut().as_mut() {
                // A stop we asked for is not a death.
                sentinel.generation = u64::MAX;
            }
        });
        let Some(shared) = self.shared.clone() else {
            return Box::pin(async {});
        };
        let registry = shared.registry.clone();
        for conn in registry.borrow().conns.values() {
            S::close_gracefully(conn);
        }
        Box::pin(async move {
            let deadline = tokio::time::Instant::now() + msg.grace;
            loop {
                let changed = registry.borrow().changed.clone();
                let notified = changed.notified();
                if registry.borrow().conns.is_empty() {
                    break;
                }
                if tokio::time::timeout_at(deadline, notified).await.is_err() {
                    break;
                }
            }
            let left: Vec<S::Conn> = registry
                .borrow_mut()
                .conns
                .drain()
                .map(|(_, c)| c)
                .collect();
            if !left.is_empty() {
                tracing::info!(target: "tornado.general", "closing {} connections still open at shutdown", left.len());
            }
            for conn in left {
                S::force_close(conn).await;
            }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Supervisor

#[derive(Message)]
#[rtype(result = "()")]
struct WorkerExited {
    index: usize,
    generation: u64,
}

/// Stop the server.
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct StopServer {
    pub(crate) grace: Duration,
}

/// Ends a worker's thread as if it had died (for tests of the restart path).
#[derive(Message)]
#[rtype(result = "bool")]
pub(crate) struct KillWorker(pub(crate) usize);

struct WorkerSlot<S: ConnectionService> {
    arbiter: Arbiter,
    addr: Addr<Worker<S>>,
    generation: u64,
}

/// The root of a server's actor tree: starts the workers, replaces one whose thread dies, and
/// runs the graceful shutdown.
pub(crate) struct ServerSupervisor<S: ConnectionService> {
    cfg: Arc<WorkerConfig<S>>,
    listeners: Vec<Listener>,
    workers: Vec<Option<WorkerSlot<S>>>,
    next_generation: u64,
    stopping: bool,
    done: Arc<tokio::sync::watch::Sender<bool>>,
}

impl<S: ConnectionService> ServerSupervisor<S> {
    pub(crate) fn new(
        cfg: Arc<WorkerConfig<S>>,
        listeners: Vec<Listener>,
        workers: usize,
        done: Arc<tokio::sync::watch::Sender<bool>>,
    ) -> Self {
        ServerSupervisor {
            cfg,
            listeners,
            workers: (0..workers.max(1)).map(|_| None).collect(),
            next_generation: 0,
            stopping: false,
            done,
        }
    }

    fn spawn_worker(&mut self, index: usize, me: Addr<Self>) -> io::Result<WorkerSlot<S>> {
        let listeners = self
            .listeners
            .iter()
            .map(Listener::try_clone)
            .collect::<io::Result<Vec<_>>>()?;
        self.next_generation += 1;
        let generation = self.next_generation;
        // The sentinel goes in first thing on the new thread, so that even a worker that dies
        // before its actor started is reported.
        let sentinel = Sentinel {
            index,
            generation,
            supervisor: me.recipient(),
        };
        let arbiter = Arbiter::try_with_tokio_rt(move || {
            SENTINEL.with(|s| *s.borrow_mut() = Some(sentinel));
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
        })?;
        let cfg = self.cfg.clone();
        let addr = Worker::start_in_arbiter(&arbiter.handle(), move |_| Worker {
            index,
            listeners,
            cfg,
            shared: None,
            acceptors: Vec::new(),
        });
        Ok(WorkerSlot {
            arbiter,
            addr,
            generation,
        })
    }
}

impl<S: ConnectionService> Actor for ServerSupervisor<S> {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let me = ctx.address();
        for i in 0..self.workers.len() {
            match self.spawn_worker(i, me.clone()) {
                Ok(slot) => self.workers[i] = Some(slot),
                Err(e) => {
                    tracing::error!(target: "tornado.general", "cannot start worker {i}: {e}")
                }
            }
        }
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        for slot in self.workers.iter_mut().filter_map(Option::take) {
            slot.arbiter.stop();
        }
        self.done.send_replace(true);
    }
}

impl<S: ConnectionService> Handler<WorkerExited> for ServerSupervisor<S> {
    type Result = ();

    fn handle(&mut self, msg: WorkerExited, ctx: &mut Self::Context) {
        if self.stopping || msg.generation == u64::MAX {
            return;
        }
        let current = self.workers.get(msg.index).and_then(|s| s.as_ref());
        if current.is_none_or(|s| s.generation != msg.generation) {
            return;
        }
        tracing::warn!(target: "tornado.general", "worker {} died; starting a new one", msg.index);
        self.cfg
            .stats
            .worker_restarts
            .fetch_add(1, Ordering::Relaxed);
        match self.spawn_worker(msg.index, ctx.address()) {
            Ok(slot) => self.workers[msg.index] = Some(slot),
            Err(e) => {
                tracing::error!(target: "tornado.general", "cannot restart worker {}: {e}", msg.index)
            }
        }
    }
}

impl<S: ConnectionService> Handler<KillWorker> for ServerSupervisor<S> {
    type Result = bool;

    fn handle(&mut self, msg: KillWorker, _: &mut Self::Context) -> bool {
        match self.workers.get(msg.0).and_then(|s| s.as_ref()) {
            Some(slot) => slot.arbiter.stop(),
            None => false,
        }
    }
}

impl<S: ConnectionService> Handler<StopServer> for ServerSupervisor<S> {
    type Result = ResponseActFuture<Self, ()>;

    fn handle(&mut self, msg: StopServer, _: &mut Self::Context) -> Self::Result {
        self.stopping = true;
        let on: Vec<String> = self.listeners.iter().map(Listener::describe).collect();
        tracing::info!(
            target: "tornado.general",
            "stopping the server on {}; {:?} for requests in flight",
            on.join(", "),
            msg.grace
        );
        let addrs: Vec<Addr<Worker<S>>> = self
            .workers
            .iter()
            .filter_map(|s| s.as_ref().map(|s| s.addr.clone()))
            .collect();
        let grace = msg.grace;
        let stop_all = async move {
            let waits = addrs.iter().map(|a| a.send(StopWorker { grace }));
            futures_util::future::join_all(waits).await;
        };
        Box::pin(actix::fut::wrap_future(stop_all).map(|_, _, ctx: &mut Context<Self>| ctx.stop()))
    }
}
