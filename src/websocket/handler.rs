//! The [`WebSocketHandler`] trait, the routes that serve it, and the server side of a
//! connection: handshake, upgrade, and the actor's life.

use std::future::Future;
use std::marker::PhantomData;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix::dev::ContextFut;
use actix::{Actor, ActorFuture, AsyncContext};
use bytes::Bytes;
use futures_util::future::LocalBoxFuture;

use super::codec::{negotiate_server, CompressionOptions, Message, Role, WebSocketCodec};
use super::conn::{Event, WsIo, WsShared};
use super::context::WebSocketContext;
use super::handshake::{self, Refusal};
use super::settings::WebSocketSettings;
use crate::http::server::ServerStream;
use crate::http::ResponseHead;
use crate::web::{HandlerFactory, RequestContext, Result, Route, WebError};

/// A WebSocket handler (Tornado's `WebSocketHandler` subclass): an actor, one per connection,
/// whose context is a [`WebSocketContext`]. Declare it with
/// [`websocket_actor!`](crate::websocket_actor) (or `impl Actor for MySocket { type Context =
/// WebSocketContext<Self>; }`) and serve it with [`route`].
///
/// The handshake runs first, on the HTTP request: [`get_current_user`](Self::get_current_user)
/// and [`prepare`](Self::prepare) may refuse it with any status (an `Err(HttpError)`), then the
/// `Upgrade`/`Connection` headers, the origin ([`check_origin`](Self::check_origin)) and the
/// version are checked with Tornado's answers (400, 403, 426), a subprotocol and compression
/// are chosen, and `101 Switching Protocols` goes out. Then the actor starts:
/// [`open`](Self::open), a call per message, ping and pong, and [`on_close`](Self::on_close)
/// exactly once at the end. Other actors send it their own messages through its address
/// (`impl Handler<M> for MySocket`).
///
/// # Examples
///
/// ```
/// use tornado::websocket::{Message, WebSocketContext, WebSocketHandler};
///
/// #[derive(Default)]
/// struct Echo;
/// tornado::websocket_actor!(Echo);
///
/// impl WebSocketHandler for Echo {
///     fn on_message(&mut self, msg: Message, cx: &mut WebSocketContext<Self>) {
///         let _ = cx.write_message(msg);
///     }
/// }
///
/// let rule = tornado::websocket::route(r"/ws", Echo::default);
/// # let _ = rule;
/// ```
#[allow(async_fn_in_trait)]
pub trait WebSocketHandler: Actor<Context = WebSocketContext<Self>> + Sized + 'static {
    /// Who is logged in, computed once before [`prepare`](Self::prepare); it is then
    /// [`current_user`](RequestContext::current_user) on the context. Default: nobody.
    async fn get_current_user(&mut self, _request: &mut RequestContext) -> Result<Option<String>> {
        Ok(None)
    }

    /// Runs on the handshake request before the WebSocket checks; return an error (e.g.
    /// `HttpError::new(401)`) to refuse the connection with that status, or finish the
    /// response yourself.
    async fn prepare(&mut self, _request: &mut RequestContext) -> Result {
        Ok(())
    }

    /// Whether to accept a connection whose browser sent `origin`; a refusal is a `403`.
    /// Default: only the same host (and port) as the `Host` header. Clients that send no
    /// origin (not browsers) are always accepted.
    fn check_origin(&self, origin: &str, request: &RequestContext) -> bool {
        handshake::same_origin(origin, request.request().headers.get("Host"))
    }

    /// Picks one of the subprotocols the client offered (in its order), or none.
    fn select_subprotocol(&mut self, _offered: &[String]) -> Option<String> {
        None
    }

    /// Compression for this connection: `None` (the default) turns permessage-deflate off.
    fn get_compression_options(&self) -> Option<CompressionOptions> {
        None
    }

    /// The connection is open. Path arguments are on the context (`cx.path_args()`).
    fn open(&mut self, _cx: &mut WebSocketContext<Self>) {}

    /// A message arrived.
    fn on_message(&mut self, msg: Message, cx: &mut WebSocketContext<Self>);

    /// A ping arrived (the pong is sent for you).
    fn on_ping(&mut self, _data: Bytes, _cx: &mut WebSocketContext<Self>) {}

    /// A pong arrived.
    fn on_pong(&mut self, _data: Bytes, _cx: &mut WebSocketContext<Self>) {}

    /// The connection is closed (the peer's code and reason, if it sent them, are
    /// `cx.close_code()` and `cx.close_reason()`). Called exactly once; the actor stops after.
    fn on_close(&mut self, _cx: &mut WebSocketContext<Self>) {}
}

/// Declares WebSocket handler actors: `impl Actor` with a [`WebSocketContext`].
///
/// ```
/// #[derive(Default)]
/// struct Chat;
/// tornado::websocket_actor!(Chat);
/// ```
#[macro_export]
macro_rules! websocket_actor {
    ($($t:ty),+ $(,)?) => {$(
        impl ::actix::Actor for $t {
            type Context = $crate::websocket::WebSocketContext<Self>;
        }
    )+};
}

struct WsFactory<F, H> {
    make: F,
    settings: Option<WebSocketSettings>,
    _handler: PhantomData<fn() -> H>,
}

impl<F, H> HandlerFactory for WsFactory<F, H>
where
    F: Fn() -> H + Send + Sync + 'static,
    H: WebSocketHandler,
{
    fn stream_request_body(&self) -> bool {
        false
    }

    fn serve(
        &self,
        cx: RequestContext,
        _body: Option<crate::http::Body>,
    ) -> LocalBoxFuture<'static, ()> {
        let handler = (self.make)();
        let settings = self
            .settings
            .or_else(|| cx.extension::<WebSocketSettings>().copied())
            .unwrap_or_default();
        Box::pin(serve(handler, cx, settings))
    }
}

/// A route to a WebSocket handler, for `Application::builder().route(..)`: like
/// [`web::url`](crate::web::url), the pattern's groups become path arguments and the closure
/// builds one handler per connection. Settings come from the application's
/// `extension(WebSocketSettings { .. })`, or the defaults.
pub fn route<F, H>(pattern: &str, make: F) -> Route
where
    F: Fn() -> H + Send + Sync + 'static,
    H: WebSocketHandler,
{
    crate::web::routing::url(
        pattern,
        Arc::new(WsFactory {
            make,
            settings: None,
            _handler: PhantomData,
        }) as Arc<dyn HandlerFactory>,
    )
}

/// [`route`] with its own settings.
pub fn route_with<F, H>(pattern: &str, settings: WebSocketSettings, make: F) -> Route
where
    F: Fn() -> H + Send + Sync + 'static,
    H: WebSocketHandler,
{
    crate::web::routing::url(
        pattern,
        Arc::new(WsFactory {
            make,
            settings: Some(settings),
            _handler: PhantomData,
        }) as Arc<dyn HandlerFactory>,
    )
}

fn refuse(cx: &mut RequestContext, refusal: &Refusal) {
    tracing::debug!(target: "tornado.general", "websocket refused ({}): {}", refusal.status, refusal.body);
    match refusal.reason {
        Some(r) => cx.set_status_reason(refusal.status, r),
        None => cx.set_status(refusal.status),
    }
    for (name, value) in refusal.headers {
        cx.set_header(name, value);
    }
    let _ = cx.finish_with(refusal.body);
    cx.log_access();
}

fn fail(cx: &mut RequestContext, error: WebError) {
    if let WebError::Finish = error {
        if !cx.is_finished() {
            let _ = cx.finish();
        }
    } else {
        cx.log_error(&error);
        if !cx.is_finished() {
            let reason = match &error {
                WebError::Http(e) => e.reason.clone(),
                _ => None,
            };
            let _ = cx.send_error_page(error.status(), reason, Some(&error));
        }
    }
    cx.log_access();
}

/// The handshake and, if it succeeds, the connection's whole life.
///
/// Not an `async fn`: an async fn's future stores its arguments and the locals they move into
/// separately (rust-lang/rust#62958), and this future lives as long as the socket.
#[allow(clippy::manual_async_fn)] // deliberately not an async fn, see above
fn serve<H: WebSocketHandler>(
    mut h: H,
    mut cx: RequestContext,
    settings: WebSocketSettings,
) -> impl Future<Output = ()> {
    async move {
        if cx.request().method != "GET" {
            return fail(&mut cx, WebError::status_code(405));
        }
        match h.get_current_user(&mut cx).await {
            Ok(user) => cx.current_user = Some(user),
            Err(e) => return fail(&mut cx, e),
        }
        if let Err(e) = h.prepare(&mut cx).await {
            return fail(&mut cx, e);
        }
        if cx.is_finished() {
            return cx.log_access();
        }
        let request = cx.request.clone();
        let headers = &request.headers;
        if let Err(refusal) = handshake::check_upgrade(headers) {
            return refuse(&mut cx, &refusal);
        }
        if let Some(origin) = handshake::origin(headers) {
            if !h.check_origin(origin, &cx) {
                let refusal = Refusal {
                    status: 403,
                    reason: None,
                    body: "Cross origin websockets not allowed",
                    headers: &[],
                };
                return refuse(&mut cx, &refusal);
            }
        }
        let key = match handshake::check_version_and_key(headers) {
            Ok(k) => k,
            Err(refusal) => return refuse(&mut cx, &refusal),
        };

        let mut head = ResponseHead::new(101);
        head.headers.add("Upgrade", "websocket");
        head.headers.add("Connection", "Upgrade");
        head.headers
            .add("Sec-WebSocket-Accept", handshake::accept_key(key));
        let offered = handshake::offered_subprotocols(headers);
        let subprotocol = h
            .select_subprotocol(&offered)
            .filter(|p| offered.contains(p));
        if let Some(p) = &subprotocol {
            head.headers.add("Sec-WebSocket-Protocol", p.clone());
        }
        let mut deflate = None;
        if let Some(options) = h.get_compression_options() {
            let offers = headers.get_list("Sec-Websocket-Extensions");
            if let Some((response, config)) = negotiate_server(&offers, &options) {
                head.headers.add("Sec-WebSocket-Extensions", response);
                deflate = Some(config);
            }
        }
        let Some(writer) = cx.writer.take() else {
            return;
        };
        cx.set_status(101);
        let upgrade = match writer.upgrade(&head) {
            Ok(u) => u,
            Err(e) => {
                tracing::debug!(target: "tornado.general", "websocket upgrade failed: {e}");
                return;
            }
        };
        cx.log_access();
        let upgraded = match upgrade.await {
            Ok(u) => u,
            Err(_) => return,
        };
        let codec = WebSocketCodec::new(Role::Server)
            .max_message_size(settings.max_message_size)
            .deflate(deflate);
        let shared = WsShared::new(codec, settings);
        let peer = upgraded.io.peer_addr();
        let io = WsIo::new(upgraded.io, upgraded.read_buf, shared.clone());
        let mut wcx = WebSocketContext::new(shared, cx, subprotocol, peer);
        wcx.spawn(ServerDriver {
            io,
            opened: false,
            closed: false,
        });
        let mailbox = wcx.take_mailbox();
        ContextFut::new(wcx, h, mailbox).await;
    }
}

/// Drives a server connection inside its actor's context and calls the handler's methods.
struct ServerDriver {
    io: WsIo<ServerStream>,
    opened: bool,
    closed: bool,
}

/// How many events one poll handles before yielding to the actor's mailbox and timers.
const EVENTS_PER_POLL: usize = 64;

impl<H: WebSocketHandler> ActorFuture<H> for ServerDriver {
    type Output = ();

    fn poll(
        self: Pin<&mut Self>,
        h: &mut H,
        cx: &mut WebSocketContext<H>,
        task: &mut Context<'_>,
    ) -> Poll<()> {
        let this = self.get_mut();
        if !this.opened {
            this.opened = true;
            if !call(|| h.open(cx)) {
                cx.shared.borrow_mut().abort();
            }
        }
        for _ in 0..EVENTS_PER_POLL {
            if let Some(on) = this.io.take_nodelay() {
                let _ = this.io.get_ref().set_nodelay(on);
            }
            let event = match this.io.poll_event(task) {
                Poll::Ready(e) => e,
                Poll::Pending => return Poll::Pending,
            };
            let ok = match event {
                Event::Message(m) => call(|| h.on_message(m, cx)),
                Event::Ping(p) => call(|| h.on_ping(p, cx)),
                Event::Pong(p) => call(|| h.on_pong(p, cx)),
                Event::Closed => {
                    if !this.closed {
                        this.closed = true;
                        call(|| h.on_close(cx));
                    }
                    cx.stop_now();
                    return Poll::Ready(());
                }
            };
            if !ok {
                cx.shared.borrow_mut().abort();
            }
        }
        task.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Runs a handler method, turning a panic into a logged error; `false` if it panicked.
fn call(f: impl FnOnce()) -> bool {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(()) => true,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(non-string panic)".into());
            tracing::error!(target: "tornado.application", "Uncaught panic in websocket handler: {msg}");
            false
        }
    }
}
