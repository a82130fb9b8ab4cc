//! Test support (Tornado's `testing`): a server on an ephemeral port in its own actix System,
//! a blocking client for byte-exact requests, and log assertions.
//!
//! ```
//! use tornado::http::delegate_fn;
//! use tornado::testing::TestServer;
//!
//! let server = TestServer::start(delegate_fn(|req, resp| async move {
//!     let _ = resp.respond(200, &[], format!("you asked for {}", req.head.uri));
//! }));
//! let response = server.fetch("/hello");
//! assert_eq!(response.status, 200);
//! assert_eq!(response.text(), "you asked for /hello");
//! ```

mod client;
mod log;

use std::future::Future;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub use client::{RawConnection, TestRequest, TestResponse, READ_TIMEOUT};
pub use log::{init_logging, ExpectLog};

use crate::http::{HttpServer, HttpServerDelegate, ServerHandle, ServerSettings};

/// A delegate that reads the whole body and answers `200` with
/// `"<method> <uri>\n<remote_ip> <protocol>\n"` followed by the body — or, when the body cannot
/// be read, the status the server gives the error. Handy for protocol tests.
pub fn echo_delegate() -> impl HttpServerDelegate {
    crate::http::delegate_fn(|mut req, resp| async move {
        match req.read_body().await {
            Ok(body) => {
                let mut out = format!(
                    "{} {}\n{} {}\n",
                    req.head.method, req.head.uri, req.remote_ip, req.protocol
                )
                .into_bytes();
                out.extend_from_slice(&body);
                let _ = resp.respond(200, &[("Content-Type", "text/plain")], out);
            }
            Err(crate::http::BodyError::Invalid { status, message }) => {
                let _ = resp.respond(status, &[("Connection", "close")], message);
            }
            Err(_) => drop(resp),
        }
    })
}

/// Binds a listening socket on `127.0.0.1` with a free port (never resolving `localhost`).
pub fn bind_unused_port() -> io::Result<(TcpListener, u16)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    Ok((listener, port))
}

/// Options for [`TestServer::with`].
pub struct TestServerBuilder {
    delegate: Arc<dyn HttpServerDelegate>,
    settings: ServerSettings,
    workers: usize,
    #[cfg(feature = "tls")]
    tls: Option<crate::http::TlsConfig>,
    #[cfg(unix)]
    unix_path: Option<std::path::PathBuf>,
}

impl TestServerBuilder {
    /// Server settings.
    pub fn settings(mut self, settings: ServerSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Worker threads. Default: 1.
    pub fn workers(mut self, n: usize) -> Self {
        self.workers = n;
        self
    }

    /// Serve TLS.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: crate::http::TlsConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Also listen on a Unix-domain socket at `path`.
    #[cfg(unix)]
    pub fn unix_socket(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.unix_path = Some(path.into());
        self
    }

    /// Starts the server.
    ///
    /// # Panics
    ///
    /// If the server cannot start (a broken test set-up).
    pub fn start(self) -> TestServer {
        init_logging();
        let (listener, port) = match bind_unused_port() {
            Ok(x) => x,
            Err(e) => panic!("cannot bind a test port: {e}"),
        };
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<Duration>();
        let thread = std::thread::Builder::new()
            .name(format!("test-server-{port}"))
            .spawn(move || {
                let system = actix_rt::System::new();
                system.block_on(async move {
                    let mut server = HttpServer::from_arc(self.delegate)
                        .settings(self.settings)
                        .workers(self.workers);
                    #[cfg(feature = "tls")]
                    if let Some(tls) = self.tls {
                        server = server.tls(tls);
                    }
                    let started = server.add_sockets([listener]).and_then(|s| {
                        #[cfg(unix)]
                        let s = match self.unix_path {
                            Some(p) => s.bind_unix(p)?,
                            None => s,
                        };
                        s.start()
                    });
                    let handle = match started {
                        Ok(h) => h,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok((handle.clone(), actix_rt::Arbiter::current())));
                    tokio::select! {
                        grace = stop_rx => {
                            handle.stop(grace.unwrap_or(Duration::ZERO)).await;
                        }
                        _ = handle.wait() => {}
                    }
                });
            });
        let thread = match thread {
            Ok(t) => t,
            Err(e) => panic!("cannot start the test server thread: {e}"),
        };
        let (handle, arbiter) = match ready_rx.recv() {
            Ok(Ok(x)) => x,
            Ok(Err(e)) => panic!("test server failed to start: {e}"),
            Err(_) => panic!("test server thread died while starting"),
        };
        TestServer {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            handle,
            arbiter,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }
}

/// A server on `127.0.0.1:<free port>`, running in an actix System on a thread of its own, so
/// a test can talk to it with blocking clients. Dropping it stops the server.
pub struct TestServer {
    addr: SocketAddr,
    handle: ServerHandle,
    arbiter: actix_rt::ArbiterHandle,
    stop: Option<tokio::sync::oneshot::Sender<Duration>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl TestServer {
    /// Starts `delegate` with default settings and one worker.
    pub fn start(delegate: impl HttpServerDelegate) -> TestServer {
        Self::with(delegate).start()
    }

    /// A builder for a server with other settings.
    pub fn with(delegate: impl HttpServerDelegate) -> TestServerBuilder {
        TestServerBuilder {
            delegate: Arc::new(delegate),
            settings: ServerSettings::default(),
            workers: 1,
            #[cfg(feature = "tls")]
            tls: None,
            #[cfg(unix)]
            unix_path: None,
        }
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The running server's handle (counters, addresses).
    pub fn handle(&self) -> &ServerHandle {
        &self.handle
    }

    /// Opens a raw connection.
    ///
    /// # Panics
    ///
    /// If the server does not accept it.
    pub fn connect(&self) -> RawConnection {
        match RawConnection::connect(self.addr) {
            Ok(c) => c,
            Err(e) => panic!("cannot connect to the test server: {e}"),
        }
    }

    /// `GET path` on a new connection.
    ///
    /// # Panics
    ///
    /// If the request fails at the transport level.
    pub fn fetch(&self, path: &str) -> TestResponse {
        self.fetch_with(TestRequest::get(path))
    }

    /// Sends `request` on a new connection and reads the response.
    ///
    /// # Panics
    ///
    /// If the request fails at the transport level.
    pub fn fetch_with(&self, request: TestRequest) -> TestResponse {
        let mut conn = self.connect();
        let head = request.method.eq_ignore_ascii_case("HEAD");
        if let Err(e) = conn.send_request(&request) {
            panic!("sending {} {} failed: {e}", request.method, request.path);
        }
        match conn.read_response(head) {
            Ok(r) => r,
            Err(e) => panic!(
                "reading the response to {} {} failed: {e}",
                request.method, request.path
            ),
        }
    }

    /// Runs `f` on the server's System thread and returns what its future yields, for actions
    /// that need an actix context (stopping with a grace period, killing a worker…).
    ///
    /// # Panics
    ///
    /// If the server's thread is gone.
    pub fn run<F, Fut, R>(&self, f: F) -> R
    where
        F: FnOnce(ServerHandle) -> Fut + Send + 'static,
        Fut: Future<Output = R> + 'static,
        R: Send + 'static,
    {
        let (tx, rx) = std::sync::mpsc::channel();
        let handle = self.handle.clone();
        let spawned = self.arbiter.spawn_fn(move || {
            actix_rt::spawn(async move {
                let _ = tx.send(f(handle).await);
            });
        });
        assert!(spawned, "the test server's System is gone");
        match rx.recv() {
            Ok(r) => r,
            Err(_) => panic!("the test server's System stopped before answering"),
        }
    }

    /// Stops the server, giving requests in flight `grace` to finish, and waits for it.
    pub fn stop(mut self, grace: Duration) {
        self.shutdown(grace);
    }

    fn shutdown(&mut self, grace: Duration) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(grace);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown(Duration::ZERO);
    }
}
