//! The [`RequestHandler`] trait and the lifecycle that runs it.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix::dev::ContextFut;
use actix::{Actor, ActorContext, ActorFuture, AsyncContext};
use bytes::Bytes;

use super::context::HandlerContext;
use super::error::{HttpError, Result, WebError};
use super::request::RequestContext;
use crate::http::server::CloseWatch;
use crate::http::SharedStr;

/// A request handler (Tornado's `RequestHandler` subclass): one instance per request, made by
/// the route's factory, driven through `prepare` → the verb method → `on_finish`.
///
/// Every handler is an actix actor whose context is a [`HandlerContext`]; declare that with
/// [`handler_actor!`](crate::handler_actor) (or `impl Actor for MyHandler { type Context =
/// HandlerContext<Self>; }`). Verb methods are `async`: any `.await` is fine, and everything
/// runs on the connection's thread.
///
/// Return `Err` from any method to end the request with an error page
/// (`HttpError::new(404).into()`, a missing argument, or any other error via `?`, which becomes
/// a logged `500`); `Err(WebError::Finish)` ends it with what was set so far.
///
/// # Examples
///
/// ```
/// use tornado::web::{HandlerContext, RequestHandler, Result};
///
/// #[derive(Default)]
/// struct MainHandler;
/// tornado::handler_actor!(MainHandler);
///
/// impl RequestHandler for MainHandler {
///     async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
///         let name = cx.get_argument_or("name", "world")?;
///         cx.write(format!("Hello, {name}"))
///     }
/// }
/// ```
#[allow(async_fn_in_trait)]
pub trait RequestHandler: Actor<Context = HandlerContext<Self>> + Sized + 'static {
    /// Methods this handler answers; any other gets `405`. Extra verbs (e.g. `PROPFIND`) go
    /// here and are served by [`other_method`](Self::other_method).
    const SUPPORTED_METHODS: &'static [&'static str] =
        &["GET", "HEAD", "POST", "DELETE", "PATCH", "PUT", "OPTIONS"];

    /// Stream the request body to [`data_received`](Self::data_received) instead of reading it
    /// whole first (Tornado's `@stream_request_body`).
    const STREAM_REQUEST_BODY: bool = false;

    /// Called first, with the context (the factory already built the handler from the route's
    /// arguments, which is Tornado's `initialize(**kwargs)`).
    fn initialize(&mut self, _cx: &mut HandlerContext<Self>) {}

    /// Sets headers every response of this handler starts with (also after an error clears
    /// them).
    fn set_default_headers(&mut self, _cx: &mut HandlerContext<Self>) {}

    /// Runs before the verb method (after the headers for streaming handlers).
    async fn prepare(&mut self, _cx: &mut HandlerContext<Self>) -> Result {
        Ok(())
    }

    /// `GET`. Default: `405`.
    async fn get(&mut self, _cx: &mut HandlerContext<Self>) -> Result {
        Err(HttpError::new(405).into())
    }

    /// `HEAD`. Default: [`get`](Self::get), whose body is not sent.
    async fn head(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        self.get(cx).await
    }

    /// `POST`. Default: `405`.
    async fn post(&mut self, _cx: &mut HandlerContext<Self>) -> Result {
        Err(HttpError::new(405).into())
    }

    /// `DELETE`. Default: `405`.
    async fn delete(&mut self, _cx: &mut HandlerContext<Self>) -> Result {
        Err(HttpError::new(405).into())
    }

    /// `PATCH`. Default: `405`.
    async fn patch(&mut self, _cx: &mut HandlerContext<Self>) -> Result {
        Err(HttpError::new(405).into())
    }

    /// `PUT`. Default: `405`.
    async fn put(&mut self, _cx: &mut HandlerContext<Self>) -> Result {
        Err(HttpError::new(405).into())
    }

    /// `OPTIONS`. Default: `405`.
    async fn options(&mut self, _cx: &mut HandlerContext<Self>) -> Result {
        Err(HttpError::new(405).into())
    }

    /// Any other method listed in [`SUPPORTED_METHODS`](Self::SUPPORTED_METHODS). Default: `405`.
    async fn other_method(&mut self, _method: &str, _cx: &mut HandlerContext<Self>) -> Result {
        Err(HttpError::new(405).into())
    }

    /// A piece of a streamed body (with `STREAM_REQUEST_BODY`); awaited before the next piece
    /// is read, which is the backpressure.
    async fn data_received(&mut self, _chunk: Bytes, _cx: &mut HandlerContext<Self>) -> Result {
        Ok(())
    }

    /// Called once the response is finished (for cleanup and logging).
    fn on_finish(&mut self, _cx: &mut HandlerContext<Self>) {}

    /// Called when the client goes away before the response is finished (a long-polling
    /// handler unregisters here). For a handler living on as an actor (`keep_open`) it runs as
    /// soon as the close is seen; a verb method still running is not interrupted — its writes
    /// fail with `Closed` — and the hook runs when it returns.
    fn on_connection_close(&mut self, _cx: &mut HandlerContext<Self>) {}

    /// Writes the body of an error response (status, reason and default headers are set).
    /// Default: Tornado's error page.
    fn write_error(
        &mut self,
        status: u16,
        error: Option<&WebError>,
        cx: &mut HandlerContext<Self>,
    ) -> Result {
        cx.write_default_error(status, error)
    }

    /// Who is logged in, if anyone (Tornado's `get_current_user`). Default: nobody.
    async fn get_current_user(&mut self, _cx: &mut HandlerContext<Self>) -> Result<Option<String>> {
        Ok(None)
    }

    /// The current user, computed once per request by [`get_current_user`](Self::get_current_user).
    async fn current_user(&mut self, cx: &mut HandlerContext<Self>) -> Result<Option<String>> {
        if let Some(u) = &cx.current_user {
            return Ok(u.clone());
        }
        let user = self.get_current_user(cx).await?;
        cx.current_user = Some(user.clone());
        Ok(user)
    }

    /// Requires a logged-in user (Tornado's `@authenticated`): returns it, or for GET/HEAD
    /// redirects to `login_url?next=<this URI>` and ends the request, and for other methods
    /// answers `403`.
    async fn authenticated(&mut self, cx: &mut HandlerContext<Self>) -> Result<String> {
        if let Some(user) = self.current_user(cx).await? {
            return Ok(user);
        }
        cx.login_redirect()?;
        Err(WebError::Finish)
    }

    /// The `Etag` of a finished `200` response to GET/HEAD, or `None` for no `Etag`.
    /// Default: the quoted SHA-1 of the body (Tornado's), from
    /// [`etag_value`](super::etag::etag_value), which lets a body served again unchanged
    /// share its tag.
    ///
    /// The value is a header value (`SharedStr` converts from `String` and `&'static str`);
    /// one with a control character makes the response a `500`.
    ///
    /// ```
    /// use tornado::http::SharedStr;
    /// use tornado::web::{HandlerContext, RequestContext, RequestHandler, Result};
    ///
    /// #[derive(Default)]
    /// struct Versioned;
    /// tornado::handler_actor!(Versioned);
    ///
    /// impl RequestHandler for Versioned {
    ///     fn compute_etag(_cx: &RequestContext) -> Option<SharedStr> {
    ///         Some(format!("\"v{}\"", 7).into())
    ///     }
    ///     async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
    ///         cx.write("version 7")
    ///     }
    /// }
    /// ```
    fn compute_etag(cx: &RequestContext) -> Option<SharedStr> {
        Some(super::etag::etag_value(cx.buffered_body()))
    }

    /// Checks the XSRF token of a POST/PUT/PATCH/DELETE when `xsrf_cookies` is on; an error
    /// becomes a `403`. Default: Tornado's check.
    fn check_xsrf_cookie(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        cx.check_xsrf_cookie()
    }
}

/// Declares that types are request handler actors: `impl Actor` with a [`HandlerContext`].
///
/// ```
/// #[derive(Default)]
/// struct A;
/// #[derive(Default)]
/// struct B;
/// tornado::handler_actor!(A, B);
/// ```
#[macro_export]
macro_rules! handler_actor {
    ($($t:ty),+ $(,)?) => {$(
        impl ::actix::Actor for $t {
            type Context = $crate::web::HandlerContext<Self>;
        }
    )+};
}

/// Runs one request through a handler: checks, `prepare`, the verb, errors, finishing; and if
/// the handler keeps the request open, runs it as an actor until it finishes.
///
/// Not an `async fn`: an async fn's future keeps its arguments and the locals they are moved
/// into as separate fields (rust-lang/rust#62958), which made this per-request future twice the
/// size of the handler context; an async block captures them once.
#[allow(clippy::manual_async_fn)] // deliberately not an async fn, see above
pub(crate) fn execute<H: RequestHandler>(
    mut h: H,
    mut cx: HandlerContext<H>,
) -> impl Future<Output = ()> {
    async move {
        let outcome = run_methods(&mut h, &mut cx).await;
        if let Err(e) = outcome {
            handle_error(&mut h, &mut cx, e);
        }
        if !cx.is_finished() && !cx.kept_open() && cx.writer.is_some() {
            if let Err(e) = cx.finish() {
                handle_error(&mut h, &mut cx, e);
            }
        }
        let closed = cx.writer.as_ref().is_none_or(|w| w.is_closed());
        if cx.is_finished() || closed {
            if !cx.is_finished() {
                h.on_connection_close(&mut cx);
                cx.writer = None;
            }
            h.on_finish(&mut cx);
            cx.log_access();
            return;
        }
        // The handler lives on as an actor, polled right here on the connection's task. Boxed,
        // so that the common path's future stays small (it is moved into a box per request).
        Box::pin(live_on(h, cx)).await;
    }
}

/// Runs a handler that kept its request open as an actor until it finishes.
async fn live_on<H: RequestHandler>(h: H, mut cx: HandlerContext<H>) {
    let watch = cx.writer.as_ref().map(|w| w.close_watch());
    cx.spawn(Lifetime {
        closed: watch,
        fired: false,
    });
    let mailbox = cx.take_mailbox();
    ContextFut::new(cx, h, mailbox).await;
}

async fn run_methods<H: RequestHandler>(h: &mut H, cx: &mut HandlerContext<H>) -> Result {
    let request = Rc::clone(&cx.request);
    let method = request.method.as_str();
    h.set_default_headers(cx);
    if !H::SUPPORTED_METHODS.contains(&method) {
        return Err(HttpError::new(405).into());
    }
    h.initialize(cx);
    if cx.app.settings.xsrf_cookies && !matches!(method, "GET" | "HEAD" | "OPTIONS") {
        h.check_xsrf_cookie(cx)?;
    }
    h.prepare(cx).await?;
    if cx.is_finished() {
        return Ok(());
    }
    if H::STREAM_REQUEST_BODY {
        if let Some(mut body) = cx.body.take() {
            while let Some(piece) = body.chunk().await {
                let piece = piece.map_err(|e| match e {
                    crate::http::BodyError::Invalid { status, message } => {
                        WebError::Http(HttpError::new(status).log_message(message))
                    }
                    other => WebError::Other(Box::new(other)),
                })?;
                h.data_received(piece, cx).await?;
            }
        }
    }
    match method {
        "GET" => h.get(cx).await,
        "HEAD" => h.head(cx).await,
        "POST" => h.post(cx).await,
        "DELETE" => h.delete(cx).await,
        "PATCH" => h.patch(cx).await,
        "PUT" => h.put(cx).await,
        "OPTIONS" => h.options(cx).await,
        other => h.other_method(other, cx).await,
    }
}

/// Turns an error into its response (Tornado's `_handle_request_exception` + `send_error`).
fn handle_error<H: RequestHandler>(h: &mut H, cx: &mut HandlerContext<H>, error: WebError) {
    if let WebError::Finish = error {
        if !cx.is_finished() && cx.writer.is_some() {
            if let Err(e) = cx.finish() {
                cx.log_error(&e);
            }
        }
        return;
    }
    cx.log_error(&error);
    if cx.is_finished() {
        return;
    }
    if cx.headers_written() {
        // Too late for an error page: end the connection.
        cx.writer = None;
        return;
    }
    let status = error.status();
    let reason = match &error {
        WebError::Http(e) => e.reason.clone(),
        _ => None,
    };
    cx.clear();
    h.set_default_headers(cx);
    match reason {
        Some(r) => cx.set_status_reason(status, r),
        None => cx.set_status(status),
    }
    if let Err(e) = h.write_error(status, Some(&error), cx) {
        cx.log_error(&e);
    }
    if !cx.is_finished() && cx.writer.is_some() {
        if let Err(e) = cx.finish() {
            cx.log_error(&e);
            // The error page itself failed (e.g. an unsafe header): send the plain one.
            cx.clear();
            cx.set_status(500);
            if let Err(e) = cx.write_default_error(500, None).and_then(|_| cx.finish()) {
                cx.log_error(&e);
                cx.writer = None;
            }
        }
    }
}

/// Watches a handler that lives on as an actor: when it finishes, `on_finish` and the access
/// log run and the actor stops; when the client goes away first, `on_connection_close` runs and
/// the request ends.
struct Lifetime {
    closed: Option<CloseWatch>,
    fired: bool,
}

impl<H: RequestHandler> ActorFuture<H> for Lifetime {
    type Output = ();

    fn poll(
        self: Pin<&mut Self>,
        h: &mut H,
        cx: &mut HandlerContext<H>,
        task: &mut Context<'_>,
    ) -> Poll<()> {
        let this = self.get_mut();
        loop {
            if cx.is_finished() || cx.writer.is_none() {
                h.on_finish(cx);
                cx.log_access();
                cx.stop();
                return Poll::Ready(());
            }
            if !this.fired {
                if let Some(closed) = &mut this.closed {
                    if Pin::new(closed).poll(task).is_ready() {
                        this.fired = true;
                        h.on_connection_close(cx);
                        if !cx.is_finished() {
                            cx.writer = None;
                        }
                        continue;
                    }
                }
            }
            cx.finish_waker = Some(task.waker().clone());
            return Poll::Pending;
        }
    }
}
