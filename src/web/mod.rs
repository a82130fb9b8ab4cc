//! The web framework (Tornado's `web`): [`Application`], routing, request handler actors,
//! arguments, cookies and signed cookies, XSRF, error pages, output transforms, static files.
//!
//! ```no_run
//! use tornado::web::{url, Application, HandlerContext, RequestHandler, Result};
//!
//! #[derive(Default)]
//! struct MainHandler;
//! tornado::handler_actor!(MainHandler);
//!
//! impl RequestHandler for MainHandler {
//!     async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
//!         cx.write("Hello, world")
//!     }
//! }
//!
//! #[actix_rt::main]
//! async fn main() -> std::io::Result<()> {
//!     let app = Application::builder()
//!         .route(url(r"/", MainHandler::default))
//!         .build()
//!         .expect("valid routes");
//!     app.listen(8888)?.wait().await;
//!     Ok(())
//! }
//! ```
//!
//! The guide is `docs/web.md`.

mod application;
mod at_once;
mod builtin;
mod context;
mod cookie_api;
mod error;
mod handler;
mod output;
mod render;
mod request;

pub mod cookies;
pub mod error_page;
pub mod etag;
pub mod routing;
pub mod signed;
pub mod static_files;
pub mod transform;
pub mod xsrf;

pub use application::{
    handler_factory, url, AccessLogEntry, AppRef, Application, ApplicationBuilder, ErrorStatus,
    HandlerFactory, LogFunction, ResolvedRoute, Route, Settings,
};
pub use builtin::{fallback, RedirectHandler};
pub use context::HandlerContext;
pub use cookie_api::{DEFAULT_SIGNED_COOKIE_EXPIRES_DAYS, DEFAULT_SIGNED_COOKIE_MAX_AGE_DAYS};
pub use error::{HttpError, Result, WebError};
pub use handler::RequestHandler;
pub use render::UiModule;
pub use request::{RequestContext, SERVER_HEADER};
pub use static_files::StaticFileHandler;
