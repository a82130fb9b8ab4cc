//! `AsyncHttpClient`: the handle users fetch through.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::{Actor, Addr};
use bytes::BytesMut;

use super::conn::{BodySink, Connection};
use super::connect::{tcp_client, Connector, TlsKey};
use super::pool::{Acquire, ClientStats, Close, Opened, Permit, Pool, PoolKey, Stats};
use super::prepare::{check_request, prepare, redirected};
use super::response::TimeInfo;
use super::url::Url;
use super::{ErrorKind, HttpClientError, HttpRequest, HttpResponse};
use crate::http::codec::{reason_phrase, CodecLimits};
use crate::net::Resolver;

/// Settings of a client (Tornado's `AsyncHTTPClient` constructor arguments).
#[derive(Clone)]
pub struct ClientOptions {
    /// Most fetches in flight; more wait in a FIFO queue. Default: 10.
    pub max_clients: usize,
    /// Largest response header block, unless a request says otherwise. Default: 64 KiB.
    pub max_header_size: usize,
    /// Largest response body, unless a request says otherwise. Default: 100 MB (104857600).
    pub max_body_size: u64,
    /// Static host mappings (`"example.com"` → `"127.0.0.1"`), consulted before DNS.
    /// Default: none.
    pub hostname_mapping: HashMap<String, String>,
    /// How long an idle keep-alive connection is kept for reuse. Default: 60 s.
    pub idle_timeout: Duration,
    /// The resolver for host names. Default: `None`, the system resolver.
    pub resolver: Option<Arc<dyn Resolver>>,
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("max_clients", &self.max_clients)
            .field("max_header_size", &self.max_header_size)
            .field("max_body_size", &self.max_body_size)
            .field("hostname_mapping", &self.hostname_mapping)
            .field("idle_timeout", &self.idle_timeout)
            .field("resolver", &self.resolver.is_some())
            .finish()
    }
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            max_clients: 10,
            max_header_size: 65536,
            max_body_size: 104_857_600,
            hostname_mapping: HashMap::new(),
            idle_timeout: Duration::from_secs(60),
            resolver: None,
        }
    }
}

/// An asynchronous HTTP/1.1 client: an actor owning a keep-alive pool and the `max_clients`
/// queue, behind this cheap cloneable handle.
///
/// [`current`](Self::current) gives the arbiter's shared client (Tornado's per-`IOLoop`
/// instance); [`new`](Self::new) makes a separate one. Fetches run in the caller's task.
///
/// ```no_run
/// # async fn demo() -> Result<(), tornado::httpclient::HttpClientError> {
/// use tornado::httpclient::{AsyncHttpClient, HttpRequest};
///
/// let client = AsyncHttpClient::current();
/// let response = client.fetch("http://127.0.0.1:8888/").await?;
/// println!("{} {}", response.code, response.text());
/// let posted = client
///     .fetch(HttpRequest::new("http://127.0.0.1:8888/form").method("POST").body("a=1"))
///     .await?;
/// # let _ = posted; Ok(()) }
/// ```
#[derive(Clone)]
pub struct AsyncHttpClient {
    pool: Addr<Pool>,
    options: Arc<ClientOptions>,
    connector: Arc<Connector>,
}

impl std::fmt::Debug for AsyncHttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncHttpClient")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

thread_local! {
    static CURRENT: RefCell<Option<AsyncHttpClient>> = const { RefCell::new(None) };
}

impl AsyncHttpClient {
    /// A new client with its own pool, started on the current arbiter.
    ///
    /// # Panics
    ///
    /// Outside an actix System (as starting any actor does).
    pub fn new(options: ClientOptions) -> Self {
        let pool = Pool::new(options.max_clients, options.idle_timeout).start();
        let tcp = tcp_client(options.resolver.clone(), &options.hostname_mapping);
        AsyncHttpClient {
            pool,
            options: Arc::new(options),
            connector: Arc::new(Connector::new(tcp)),
        }
    }

    /// The current arbiter's shared client with default options, created on first use.
    ///
    /// # Panics
    ///
    /// Outside an actix System.
    pub fn current() -> Self {
        CURRENT.with(|c| {
            let mut c = c.borrow_mut();
            match &*c {
                Some(client) if client.pool.connected() => client.clone(),
                _ => {
                    let client = AsyncHttpClient::new(ClientOptions::default());
                    *c = Some(client.clone());
                    client
                }
            }
        })
    }

    /// The client's options.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Fetches `request` (a URL or an [`HttpRequest`]). A status outside 2xx is an
    /// [`ErrorKind::Http`] error carrying the response (Tornado's `raise_error=True`).
    pub async fn fetch(
        &self,
        request: impl Into<HttpRequest>,
    ) -> Result<HttpResponse, HttpClientError> {
        self.fetch_with(request, true).await
    }

    /// Fetches `request`; with `raise_error` false, any HTTP response is returned, its
    /// [`error`](HttpResponse::error) set outside 2xx. Failures without a response (code 599)
    /// are errors either way.
    pub async fn fetch_with(
        &self,
        request: impl Into<HttpRequest>,
        raise_error: bool,
    ) -> Result<HttpResponse, HttpClientError> {
        let request = request.into();
        let sink = match &request.streaming_callback {
            Some(cb) => BodySink::Callback(cb.clone()),
            None => BodySink::Buffer(BytesMut::new()),
        };
        let response = self.run(request, sink).await?;
        match &response.error {
            Some(e) if raise_error => Err(e.clone().with_response(response)),
            _ => Ok(response),
        }
    }

    /// The pool's counters.
    pub async fn stats(&self) -> ClientStats {
        self.pool.send(Stats).await.unwrap_or_default()
    }

    /// Closes the client: idle connections close, queued and later fetches fail with
    /// [`ErrorKind::Closed`]. Fetches in flight finish.
    pub fn close(&self) {
        self.pool.do_send(Close);
    }

    async fn acquire(
        &self,
        key: &PoolKey,
        deadline: Option<Instant>,
    ) -> Result<Permit, HttpClientError> {
        let closed = || HttpClientError::new(ErrorKind::Closed, "the client is closed");
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.pool
            .try_send(Acquire {
                key: key.clone(),
                tx,
            })
            .map_err(|_| closed())?;
        let granted = match deadline {
            None => rx.await,
            Some(d) => match tokio::time::timeout_at(d.into(), rx).await {
                Ok(r) => r,
                Err(_) => {
                    return Err(HttpClientError::new(
                        ErrorKind::Timeout,
                        "Timeout in request queue",
                    ))
                }
            },
        };
        match granted {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(closed()),
        }
    }

    pub(crate) async fn run(
        &self,
        original: HttpRequest,
        mut sink: BodySink,
    ) -> Result<HttpResponse, HttpClientError> {
        let start = Instant::now();
        let invalid = |m: String| HttpClientError::new(ErrorKind::InvalidRequest, m);
        let mut url = Url::parse(&original.url).map_err(invalid)?;
        check_request(&original)?;
        let limit = |d: Duration| (!d.is_zero()).then(|| start + d);
        let request_deadline = limit(original.request_timeout);
        let connect_deadline = match (limit(original.connect_timeout), request_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let mut key = self.key(&original, &url);
        let mut permit = self.acquire(&key, connect_deadline).await?;
        let queue = start.elapsed();
        let sent = Instant::now();
        let mut time_info = TimeInfo {
            queue,
            ..TimeInfo::default()
        };
        let mut current = original.clone();
        let mut conn = permit.conn.take();
        loop {
            let prepared = prepare(&current, &url)?;
            let limits = CodecLimits {
                max_header_size: current
                    .max_header_size
                    .unwrap_or(self.options.max_header_size),
                max_body_size: current.max_body_size.unwrap_or(self.options.max_body_size),
                decompress: current.decompress_response,
                ..CodecLimits::default()
            };
            let follows = |h: &crate::http::codec::ClientResponseHead| {
                current.follow_redirects
                    && current.max_redirects > 0
                    && matches!(h.status, 301 | 302 | 303 | 307 | 308)
                    && h.headers.contains("Location")
            };
            let mut fresh = false;
            let exchange = loop {
                let mut c = match conn.take() {
                    Some(c) => c,
                    None => {
                        let t = Instant::now();
                        let deadline = if time_info.redirects == 0 {
                            connect_deadline
                        } else {
                            request_deadline
                        };
                        let c = self.connect(&current, &url, deadline).await?;
                        time_info.connect += t.elapsed();
                        fresh = true;
                        c
                    }
                };
                let work = c.exchange(
                    &prepared,
                    limits.clone(),
                    &mut sink,
                    current.header_callback.as_ref(),
                    follows,
                );
                let result = match request_deadline {
                    None => work.await,
                    Some(d) => match tokio::time::timeout_at(d.into(), work).await {
                        Ok(r) => r,
                        Err(_) => {
                            return Err(HttpClientError::new(
                                ErrorKind::Timeout,
                                format!("Timeout during request to {url}"),
                            ))
                        }
                    },
                };
                match result {
                    Ok(ex) => break (ex, c),
                    Err(e) if e.retry && !fresh => {
                        tracing::debug!(target: "tornado.httpclient", "pooled connection to {url} was closed; retrying on a new one");
                    }
                    Err(e) => return Err(e.error),
                }
            };
            let (ex, c) = exchange;
            if ex.reusable {
                permit.check_in(key.clone(), c);
            }
            let head = ex.head;
            if follows(&head) {
                let location = head.headers.get("Location").unwrap_or_default();
                let next_url = url.join(location).map_err(|e| {
                    HttpClientError::new(ErrorKind::Protocol, format!("bad redirect: {e}"))
                })?;
                current = redirected(&current, head.status, &url, &next_url);
                url = next_url;
                key = self.key(&current, &url);
                time_info.redirects += 1;
                conn = permit.check_out(&key).await;
                continue;
            }
            let request_time = sent.elapsed();
            time_info.request = request_time;
            let body = match &mut sink {
                BodySink::Buffer(buf) => std::mem::take(buf).freeze(),
                _ => bytes::Bytes::new(),
            };
            let reason = if head.reason.is_empty() {
                reason_phrase(head.status).to_owned()
            } else {
                head.reason
            };
            let error = (!(200..300).contains(&head.status))
                .then(|| HttpClientError::http(head.status, &reason));
            drop(permit);
            return Ok(HttpResponse {
                request: original,
                code: head.status,
                reason,
                headers: head.headers,
                body,
                effective_url: url.to_string(),
                request_time,
                time_info,
                error,
            });
        }
    }

    fn key(&self, req: &HttpRequest, url: &Url) -> PoolKey {
        PoolKey {
            https: url.https,
            host: url.host.clone(),
            port: url.port(),
            tls: url.https.then(|| TlsKey::of(req)),
            source: req.network_interface,
        }
    }

    async fn connect(
        &self,
        req: &HttpRequest,
        url: &Url,
        deadline: Option<Instant>,
    ) -> Result<Connection, HttpClientError> {
        let io = self.connector.connect(url, req, deadline).await?;
        self.pool.do_send(Opened);
        Ok(Connection::new(io))
    }
}
