//! [`Application`]: settings, routes and the delegate that serves them.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use futures_util::future::LocalBoxFuture;

use crate::http::codec::BodyLength;
use crate::http::{
    FormLimits, HttpServer, HttpServerDelegate, HttpServerRequest, ResponseWriter, ServerHandle,
    ServerRequest, ServerSettings,
};

use super::context::HandlerContext;
use super::cookies::CookieOptions;
use super::error::{HttpError, WebError};
use super::handler::{execute, RequestHandler};
use super::request::RequestContext;
use super::routing::{
    HostRouter, PathArgError, PathArgs, RouteError, RouteRequest, RuleRouter, UrlSpec,
    UrlSpecBuilder,
};
use super::signed::SecretKeys;
use super::transform::{GzipContentEncodingFactory, TransformFactory};
use super::UiModule;
use crate::template::{Function, Loader, Whitespace};

/// One access-log record, for a custom [`Settings::log_function`].
#[derive(Debug, Clone)]
pub struct AccessLogEntry<'a> {
    /// Response status.
    pub status: u16,
    /// Request method.
    pub method: &'a str,
    /// Request URI.
    pub uri: &'a str,
    /// Client IP.
    pub remote_ip: &'a str,
    /// Time taken, in milliseconds.
    pub request_time_ms: f64,
}

/// A custom access logger.
pub type LogFunction = Arc<dyn Fn(&AccessLogEntry<'_>) + Send + Sync>;

/// Application settings: Tornado's `settings` that apply in Rust.
///
/// ```
/// use tornado::web::Settings;
/// let s = Settings { debug: true, ..Default::default() };
/// assert!(s.serve_traceback());           // debug implies it
/// assert!(!s.compiled_template_cache());  // and turns caches off
/// ```
#[derive(Clone, Default)]
pub struct Settings {
    /// Debug mode: implies `serve_traceback`, `autoreload`, and turns off the compiled-template
    /// and static-hash caches, unless those are set explicitly. Default: off.
    pub debug: bool,
    /// Show error chains in 500 pages. Default: `debug`.
    pub serve_traceback: Option<bool>,
    /// Cache compiled templates. Default: `!debug`.
    pub compiled_template_cache_setting: Option<bool>,
    /// Cache static file hashes. Default: `!debug`.
    pub static_hash_cache_setting: Option<bool>,
    /// Restart on source changes (used by `tornado::autoreload`). Default: `debug`.
    pub autoreload_setting: Option<bool>,
    /// Gzip responses for clients that accept it. Default: off.
    pub compress_response: bool,
    /// Replaces the access log line.
    pub log_function: Option<LogFunction>,
    /// Secret(s) for signed cookies (one key, or versioned keys for rotation).
    pub cookie_secret: Option<SecretKeys>,
    /// Where `authenticated` sends anonymous users.
    pub login_url: Option<String>,
    /// Check XSRF tokens on POST/PUT/PATCH/DELETE. Default: off.
    pub xsrf_cookies: bool,
    /// XSRF cookie format version (1 or 2). Default: 2.
    pub xsrf_cookie_version: Option<u32>,
    /// XSRF cookie name. Default: `_xsrf`.
    pub xsrf_cookie_name: Option<String>,
    /// XSRF cookie attributes (`__Host-` names need `secure`).
    pub xsrf_cookie_kwargs: Option<CookieOptions>,
    /// Template directory (templates issue).
    pub template_path: Option<PathBuf>,
    /// Static files directory (static files issue).
    pub static_path: Option<PathBuf>,
    /// URL prefix of static files. Default: `/static/`.
    pub static_url_prefix: Option<String>,
    /// Options of the handler made for `static_path` (`default_filename`, …). Default: none.
    pub static_handler_args: super::static_files::StaticHandlerArgs,
    /// Hooks replacing the static handler's behaviour and `static_url`'s URLs (Tornado's
    /// `static_handler_class`). Default: `None` (Tornado's `StaticFileHandler`).
    pub static_handler_class: Option<Arc<dyn super::static_files::StaticFiles>>,
    /// Limits for parsing form bodies.
    pub form_limits: FormLimits,
    /// Autoescape function of templates: `None` = the default (`xhtml_escape`),
    /// `Some(None)` = no autoescaping, `Some(Some(name))` = that function.
    pub autoescape: Option<Option<String>>,
    /// Whitespace mode of templates (default: by file name, as Tornado).
    pub template_whitespace: Option<Whitespace>,
    /// A template loader to use instead of one made from `template_path`.
    pub template_loader: Option<Loader>,
    /// Functions every template can call (Tornado's `ui_methods`).
    pub ui_methods: Vec<(String, Function)>,
    /// UI modules for `{% module Name(...) %}` (Tornado's `ui_modules`).
    pub ui_modules: Vec<(String, Arc<dyn UiModule>)>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("debug", &self.debug)
            .field("compress_response", &self.compress_response)
            .field("xsrf_cookies", &self.xsrf_cookies)
            .field("login_url", &self.login_url)
            .field(
                "cookie_secret",
                &self.cookie_secret.as_ref().map(|_| "<secret>"),
            )
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// Whether 500 pages show the error chain.
    pub fn serve_traceback(&self) -> bool {
        self.serve_traceback.unwrap_or(self.debug)
    }
    /// Whether compiled templates are cached.
    pub fn compiled_template_cache(&self) -> bool {
        self.compiled_template_cache_setting.unwrap_or(!self.debug)
    }
    /// Whether static file hashes are cached.
    pub fn static_hash_cache(&self) -> bool {
        self.static_hash_cache_setting.unwrap_or(!self.debug)
    }
    /// Whether autoreload is on.
    pub fn autoreload(&self) -> bool {
        self.autoreload_setting.unwrap_or(self.debug)
    }
    /// The XSRF cookie name.
    pub fn xsrf_cookie_name(&self) -> &str {
        self.xsrf_cookie_name.as_deref().unwrap_or("_xsrf")
    }
}

/// What a route leads to.
pub enum ResolvedRoute {
    /// A handler made by the factory.
    Handler,
    /// Another delegate that takes the raw request ([`fallback`](super::fallback)).
    Delegate(Arc<dyn HttpServerDelegate>),
}

/// Makes the handler for each request of a route; see [`url`].
pub trait HandlerFactory: Send + Sync + 'static {
    /// Whether the handler streams its request body.
    fn stream_request_body(&self) -> bool;
    /// Runs one request.
    fn serve(
        &self,
        cx: RequestContext,
        body: Option<crate::http::Body>,
    ) -> LocalBoxFuture<'static, ()>;
    /// Whether requests go to a handler or to another delegate. Default: a handler.
    fn resolve(&self) -> ResolvedRoute {
        ResolvedRoute::Handler
    }
    /// Runs one request from the parts of its context: what the application calls. The
    /// default builds the [`RequestContext`] and calls [`serve`](Self::serve); the handler
    /// factories of [`url`] build it straight into the handler's future instead of moving it
    /// there (it is over 300 bytes, and this is once per request).
    #[doc(hidden)]
    fn serve_parts(
        &self,
        parts: ContextParts,
        body: Option<crate::http::Body>,
    ) -> LocalBoxFuture<'static, ()> {
        self.serve(parts.into_context(), body)
    }
}

/// What a [`RequestContext`] is made from, before it is made (see
/// [`HandlerFactory::serve_parts`]).
#[doc(hidden)]
pub struct ContextParts {
    request: Rc<HttpServerRequest>,
    path_args: Vec<Option<String>>,
    path_kwargs: Option<std::collections::BTreeMap<String, String>>,
    app: LocalApp,
    writer: ResponseWriter,
    transforms: Vec<Box<dyn super::transform::OutputTransform>>,
}

impl ContextParts {
    /// The context, without an `Etag` hook (the handler factory sets its own) and without a
    /// body to stream.
    pub fn into_context(self) -> RequestContext {
        self.build(|_| None, None)
    }

    #[inline(always)]
    fn build(
        self,
        etag_fn: super::request::EtagFn,
        body: Option<crate::http::Body>,
    ) -> RequestContext {
        RequestContext::new(
            self.request,
            self.path_args,
            self.path_kwargs,
            self.app,
            self.writer,
            etag_fn,
            self.transforms,
            body,
        )
    }
}

struct FnFactory<F, H> {
    make: F,
    _handler: PhantomData<fn() -> H>,
}

impl<F, H> HandlerFactory for FnFactory<F, H>
where
    F: Fn() -> H + Send + Sync + 'static,
    H: RequestHandler,
{
    fn stream_request_body(&self) -> bool {
        H::STREAM_REQUEST_BODY
    }

    fn serve(
        &self,
        mut cx: RequestContext,
        body: Option<crate::http::Body>,
    ) -> LocalBoxFuture<'static, ()> {
        let handler = (self.make)();
        cx.etag_fn = H::compute_etag;
        cx.body = body;
        // The future is written straight into its allocation: `Box::pin(execute(..))` builds
        // it on the stack and copies it (about 640 bytes per request).
        let mut slot = Box::new_uninit();
        slot.write(execute(handler, HandlerContext::new(cx)));
        // SAFETY: the value was written just above.
        Box::into_pin(unsafe { slot.assume_init() })
    }

    fn serve_parts(
        &self,
        parts: ContextParts,
        body: Option<crate::http::Body>,
    ) -> LocalBoxFuture<'static, ()> {
        let handler = (self.make)();
        // The context is built in the future's place, and the future in a block reused from
        // the last request, where it runs at once: most handlers finish on their first poll,
        // and then no allocation is made or freed for the future.
        let mut slot = super::at_once::Slot::new();
        slot.place().write(execute(
            handler,
            HandlerContext::new(parts.build(H::compute_etag, body)),
        ));
        // SAFETY: the future was written just above.
        unsafe { slot.run() }
    }
}

/// The factory of a handler type: wraps a closure that builds a handler.
pub fn handler_factory<F, H>(make: F) -> Arc<dyn HandlerFactory>
where
    F: Fn() -> H + Send + Sync + 'static,
    H: RequestHandler,
{
    Arc::new(FnFactory {
        make,
        _handler: PhantomData,
    })
}

/// A route: `url(pattern, factory)`, with an optional `.name(..)` for `reverse_url`.
///
/// The pattern is a regex matched against the whole path; unnamed groups become positional path
/// arguments, named groups keyword arguments. The factory builds the handler for each request —
/// capture what it needs (Tornado's `initialize` arguments) in the closure.
///
/// ```
/// use tornado::web::{url, HandlerContext, RequestHandler, Result};
///
/// #[derive(Default)]
/// struct Story;
/// tornado::handler_actor!(Story);
/// impl RequestHandler for Story {
///     async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
///         let id = cx.path_arg(0)?.to_owned();
///         cx.write(id)
///     }
/// }
///
/// let rule = url(r"/story/([0-9]+)", Story::default).name("story");
/// # let _ = rule;
/// ```
pub fn url<F, H>(pattern: &str, make: F) -> Route
where
    F: Fn() -> H + Send + Sync + 'static,
    H: RequestHandler,
{
    super::routing::url(pattern, handler_factory(make))
}

/// A worker thread's handle on the application, shared by the requests it serves (see
/// [`Application::local`]).
pub(crate) type LocalApp = Rc<Arc<AppInner>>;

pub(crate) struct AppInner {
    pub(crate) settings: Settings,
    pub(crate) loader: Option<Loader>,
    pub(crate) router: HostRouter<Arc<dyn HandlerFactory>>,
    /// Whether finding a route can depend on the request's host (host groups, or a nested
    /// router that may look): if not, the `Host` and `X-Real-Ip` fields are not looked up
    /// for routing.
    route_by_host: bool,
    pub(crate) default_handler: Option<Arc<dyn HandlerFactory>>,
    pub(crate) transforms: Vec<Arc<dyn TransformFactory>>,
    extensions: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
}

impl AppInner {
    pub(crate) fn extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.extensions
            .get(&TypeId::of::<T>())
            .and_then(|b| b.downcast_ref::<T>())
    }

    pub(crate) fn reverse_url(&self, name: &str, args: &[&str]) -> Result<String, RouteError> {
        self.router.reverse_url(name, args)
    }
}

/// A borrowed view of the application, from a handler.
#[derive(Clone, Copy)]
pub struct AppRef<'a> {
    pub(crate) inner: &'a AppInner,
}

impl std::fmt::Debug for AppRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppRef")
            .field("settings", &self.inner.settings)
            .finish()
    }
}

impl<'a> AppRef<'a> {
    /// The settings.
    pub fn settings(&self) -> &'a Settings {
        &self.inner.settings
    }
    /// An application-defined value of type `T`.
    pub fn extension<T: Send + Sync + 'static>(&self) -> Option<&'a T> {
        self.inner.extension::<T>()
    }
    /// The URL of the route named `name`, with `args` in its groups (escaped).
    pub fn reverse_url(&self, name: &str, args: &[&str]) -> Result<String, RouteError> {
        self.inner.reverse_url(name, args)
    }
}

/// A web application: routes, settings and shared values; immutable once built and shared by
/// every worker. It is the [`HttpServerDelegate`] the server runs.
///
/// ```no_run
/// use tornado::web::{url, Application, HandlerContext, RequestHandler, Result};
///
/// #[derive(Default)]
/// struct MainHandler;
/// tornado::handler_actor!(MainHandler);
/// impl RequestHandler for MainHandler {
///     async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
///         cx.write("Hello, world")
///     }
/// }
///
/// #[actix_rt::main]
/// async fn main() -> std::io::Result<()> {
///     let app = Application::builder()
///         .route(url(r"/", MainHandler::default))
///         .build()
///         .expect("valid routes");
///     let server = app.listen(8888)?;
///     server.wait().await;
///     Ok(())
/// }
/// ```
#[derive(Clone)]
pub struct Application {
    pub(crate) inner: Arc<AppInner>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

/// A route of an application: what [`url`] makes.
pub type Route = UrlSpecBuilder<Arc<dyn HandlerFactory>>;

/// Builds an [`Application`].
pub struct ApplicationBuilder {
    hosts: Vec<(String, Vec<Route>)>,
    routes: Vec<Route>,
    settings: Settings,
    default_host: Option<String>,
    default_handler: Option<Arc<dyn HandlerFactory>>,
    transforms: Vec<Arc<dyn TransformFactory>>,
    extensions: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for ApplicationBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplicationBuilder")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// A builder.
    pub fn builder() -> ApplicationBuilder {
        ApplicationBuilder {
            hosts: Vec::new(),
            routes: Vec::new(),
            settings: Settings::default(),
            default_host: None,
            default_handler: None,
            transforms: Vec::new(),
            extensions: HashMap::new(),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The URL of the route named `name` with `args` in its groups.
    pub fn reverse_url(&self, name: &str, args: &[&str]) -> Result<String, RouteError> {
        self.inner.reverse_url(name, args)
    }

    /// An application-defined value of type `T`.
    pub fn extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.inner.extension::<T>()
    }

    /// Serves the application on every IPv4 interface, port `port` (Tornado's `listen(port)`),
    /// with default server settings and one worker per core. Needs a running actix System.
    pub fn listen(&self, port: u16) -> std::io::Result<ServerHandle> {
        self.listen_with(port, "0.0.0.0", ServerSettings::default())
    }

    /// Serves on `address:port` with server settings.
    pub fn listen_with(
        &self,
        port: u16,
        address: &str,
        settings: ServerSettings,
    ) -> std::io::Result<ServerHandle> {
        HttpServer::new(self.clone())
            .settings(settings)
            .listen(port, address)?
            .start()
    }
}

impl ApplicationBuilder {
    /// Adds a route (for every host).
    pub fn route(mut self, rule: Route) -> Self {
        self.routes.push(rule);
        self
    }

    /// Adds routes for hosts matching `host_pattern` (a regex on the lower-cased host name
    /// without port); host groups are tried in the order they were added, before the routes for
    /// every host.
    pub fn add_handlers(
        mut self,
        host_pattern: &str,
        rules: impl IntoIterator<Item = Route>,
    ) -> Self {
        self.hosts
            .push((host_pattern.to_owned(), rules.into_iter().collect()));
        self
    }

    /// The host whose routes serve requests whose `Host` matches no host group.
    pub fn default_host(mut self, host: &str) -> Self {
        self.default_host = Some(host.to_owned());
        self
    }

    /// The handler for requests no route matches (Tornado's `default_handler_class`); without
    /// one they get a 404 page.
    pub fn default_handler<F, H>(mut self, make: F) -> Self
    where
        F: Fn() -> H + Send + Sync + 'static,
        H: RequestHandler,
    {
        self.default_handler = Some(handler_factory(make));
        self
    }

    /// Replaces the settings.
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// Adds an output transform (after gzip, when `compress_response` is on).
    pub fn transform(mut self, factory: Arc<dyn TransformFactory>) -> Self {
        self.transforms.push(factory);
        self
    }

    /// Stores a value handlers can read with `cx.extension::<T>()`.
    pub fn extension<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.extensions.insert(TypeId::of::<T>(), Box::new(value));
        self
    }

    /// Builds the application; a bad route pattern is an error.
    pub fn build(self) -> Result<Application, RouteError> {
        // With `static_path`, the static routes go before the application's own (Tornado's).
        let specs = super::static_files::static_routes(&self.settings)
            .into_iter()
            .chain(self.routes)
            .map(UrlSpecBuilder::build)
            .collect::<Result<Vec<UrlSpec<_>>, _>>()?;
        let mut router = HostRouter::new(RuleRouter::from_rules(specs));
        for (pattern, rules) in self.hosts {
            let specs = rules
                .into_iter()
                .map(UrlSpecBuilder::build)
                .collect::<Result<Vec<UrlSpec<_>>, _>>()?;
            router.add_handlers(&pattern, specs)?;
        }
        if let Some(h) = self.default_host {
            router = router.with_default_host(h);
        }
        let mut transforms: Vec<Arc<dyn TransformFactory>> = Vec::new();
        if self.settings.compress_response {
            transforms.push(Arc::new(GzipContentEncodingFactory));
        }
        transforms.extend(self.transforms);
        let loader = match (&self.settings.template_loader, &self.settings.template_path) {
            (Some(l), _) => Some(l.clone()),
            (None, Some(path)) => {
                let mut l = Loader::new(path);
                if let Some(escape) = &self.settings.autoescape {
                    l = l.with_autoescape(escape.as_deref());
                }
                if let Some(ws) = self.settings.template_whitespace {
                    l = l.with_whitespace(ws);
                }
                Some(l)
            }
            (None, None) => None,
        };
        Ok(Application {
            inner: Arc::new(AppInner {
                loader,
                settings: self.settings,
                route_by_host: router.may_read_host(),
                router,
                default_handler: self.default_handler,
                transforms,
                extensions: self.extensions,
            }),
        })
    }
}

fn not_found_factory() -> &'static Arc<dyn HandlerFactory> {
    static FACTORY: std::sync::OnceLock<Arc<dyn HandlerFactory>> = std::sync::OnceLock::new();
    FACTORY.get_or_init(|| handler_factory(|| ErrorStatus(404)))
}

/// Answers every request with one status (Tornado's `ErrorHandler`).
#[derive(Debug, Clone, Copy)]
pub struct ErrorStatus(pub u16);
crate::handler_actor!(ErrorStatus);
impl RequestHandler for ErrorStatus {
    async fn prepare(&mut self, _cx: &mut HandlerContext<Self>) -> super::Result {
        Err(HttpError::new(self.0).into())
    }
}

impl Application {
    fn route(
        &self,
        head: &crate::http::RequestHead,
    ) -> Result<(&Arc<dyn HandlerFactory>, PathArgs), PathArgError> {
        let uri = head.uri.as_str();
        let path = &uri[..uri.bytes().position(|b| b == b'?').unwrap_or(uri.len())];
        let request = if self.inner.route_by_host {
            let host = head.headers.get("Host").unwrap_or("127.0.0.1");
            RouteRequest::new(host, path).with_x_real_ip(head.headers.contains("X-Real-Ip"))
        } else {
            // No rule can tell hosts apart: the host is not read.
            RouteRequest::new("", path)
        };
        match self.inner.router.find(&request)? {
            Some(m) => Ok((m.target, m.path_args)),
            None => Ok((
                self.inner
                    .default_handler
                    .as_ref()
                    .unwrap_or_else(|| not_found_factory()),
                PathArgs::default(),
            )),
        }
    }

    /// Routes a request and starts its handler. Everything up to the handler runs
    /// synchronously unless a body has to be read first, so a body-less request costs one boxed
    /// future: the handler's own.
    #[inline]
    fn dispatch(
        &self,
        request: ServerRequest,
        writer: ResponseWriter,
    ) -> LocalBoxFuture<'static, ()> {
        let (factory, args, bad_path) = match self.route(&request.head) {
            Ok((f, a)) => (f, a, false),
            Err(_) => (not_found_factory(), PathArgs::default(), true),
        };
        if let ResolvedRoute::Delegate(delegate) = factory.resolve() {
            return delegate.handle(request, writer);
        }
        let limits = self.inner.settings.form_limits;
        if request.head.body == BodyLength::Empty && !factory.stream_request_body() {
            return match HttpServerRequest::without_body(request, limits) {
                Ok(r) => self.start(factory, r, args, bad_path, writer, None),
                Err(e) => {
                    bad_request(writer, &e);
                    super::at_once::finished()
                }
            };
        }
        self.dispatch_with_body(factory, request, args, bad_path, writer)
    }

    /// [`dispatch`](Self::dispatch) for a request with a body, or whose handler streams it:
    /// the body is read first, or handed to the handler as it comes (out of line: the common
    /// body-less path stays small).
    #[inline(never)]
    fn dispatch_with_body(
        &self,
        factory: &Arc<dyn HandlerFactory>,
        request: ServerRequest,
        args: PathArgs,
        bad_path: bool,
        writer: ResponseWriter,
    ) -> LocalBoxFuture<'static, ()> {
        let limits = self.inner.settings.form_limits;
        if factory.stream_request_body() {
            return match HttpServerRequest::split(request, limits) {
                Ok((r, body)) => {
                    self.start(factory, Rc::new(r), args, bad_path, writer, Some(body))
                }
                Err(e) => {
                    bad_request(writer, &e);
                    super::at_once::finished()
                }
            };
        }
        let app = self.clone();
        let factory = Arc::clone(factory);
        Box::pin(async move {
            match HttpServerRequest::read(request, limits).await {
                Ok(r) => {
                    app.start(&factory, Rc::new(r), args, bad_path, writer, None)
                        .await
                }
                Err(crate::http::RequestError::Body(crate::http::BodyError::Invalid {
                    status,
                    message,
                })) => {
                    tracing::info!(target: "tornado.general", "bad request body: {message}");
                    let _ = writer.respond(
                        status,
                        &[("Connection", "close")],
                        super::error_page::default_error_page(status, None),
                    );
                }
                Err(crate::http::RequestError::Body(_)) => {}
                Err(e) => bad_request(writer, &e),
            }
        })
    }

    /// This thread's handle on the application, for a request's context.
    ///
    /// Each thread keeps one, made from the application's `Arc` on the first request it
    /// serves, and each request clones that `Rc`: a plain increment, where cloning the `Arc`
    /// is an atomic one (a locked instruction, which also waits for every store the CPU has
    /// pending), and so is dropping it. A thread serving requests for another application
    /// replaces the handle; the last one is dropped with the thread.
    fn local(&self) -> LocalApp {
        thread_local! {
            static LOCAL: RefCell<Option<LocalApp>> = const { RefCell::new(None) };
        }
        LOCAL.with(|local| {
            let mut local = local.borrow_mut();
            match &*local {
                Some(app) if Arc::ptr_eq(app, &self.inner) => Rc::clone(app),
                _ => Rc::clone(local.insert(Rc::new(Arc::clone(&self.inner)))),
            }
        })
    }

    /// Builds the request context and hands it to the route's factory. Inlined into its two
    /// callers: one call fewer on every request's path.
    #[inline(always)]
    fn start(
        &self,
        factory: &Arc<dyn HandlerFactory>,
        request: Rc<HttpServerRequest>,
        args: PathArgs,
        bad_path: bool,
        writer: ResponseWriter,
        body: Option<crate::http::Body>,
    ) -> LocalBoxFuture<'static, ()> {
        let parts = ContextParts {
            transforms: self
                .inner
                .transforms
                .iter()
                .map(|t| t.create(&request.headers))
                .collect(),
            request,
            // Most routes have no groups: a new empty list, rather than a move of the one the
            // router just built, which loads it (24 bytes) right after its narrower stores and
            // waits for them.
            path_args: if args.positional.is_empty() {
                Vec::new()
            } else {
                args.positional
            },
            path_kwargs: if args.named.is_empty() {
                // An empty map owns no memory, so forgetting it frees nothing: it saves the
                // call its drop makes to walk a tree that is not there.
                std::mem::forget(args.named);
                None
            } else {
                Some(
                    args.named
                        .into_iter()
                        .filter_map(|(k, v)| v.map(|v| (k, v)))
                        .collect(),
                )
            },
            app: self.local(),
            writer,
        };
        if bad_path {
            return refuse_bad_path(parts.into_context());
        }
        factory.serve_parts(parts, body)
    }
}

/// Answers a request whose path arguments are not UTF-8 with `400` (out of line: rare).
#[cold]
#[inline(never)]
fn refuse_bad_path(mut cx: RequestContext) -> LocalBoxFuture<'static, ()> {
    cx.log_error(&WebError::Http(
        HttpError::new(400).log_message("path argument is not valid UTF-8"),
    ));
    let _ = cx.send_error(400);
    cx.log_access();
    super::at_once::finished()
}

/// Answers a request that could not be built (a bad form body, bad arguments) with `400`.
#[cold]
#[inline(never)]
fn bad_request(writer: ResponseWriter, message: &dyn std::fmt::Display) {
    tracing::info!(target: "tornado.general", "bad request: {message}");
    let _ = writer.respond(
        400,
        &[("Content-Type", "text/html; charset=UTF-8")],
        super::error_page::default_error_page(400, None),
    );
}

impl HttpServerDelegate for Application {
    #[inline]
    fn handle(
        &self,
        request: ServerRequest,
        writer: ResponseWriter,
    ) -> LocalBoxFuture<'static, ()> {
        self.dispatch(request, writer)
    }
}
