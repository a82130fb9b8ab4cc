//! Built-in handlers: [`RedirectHandler`], [`ErrorStatus`](super::ErrorStatus) (Tornado's
//! `ErrorHandler`) and [`fallback`] (Tornado's `FallbackHandler`).

use std::sync::Arc;

use futures_util::future::LocalBoxFuture;

use super::application::{HandlerFactory, ResolvedRoute};
use super::context::HandlerContext;
use super::error::{Result, WebError};
use super::handler::RequestHandler;
use super::request::RequestContext;
use crate::http::{Body, HttpServerDelegate};

/// Redirects every GET to a URL template (Tornado's `RedirectHandler`): `{0}`, `{1}`… are
/// replaced by the positional path arguments and `{name}` by keyword ones; the request's query
/// string is kept. Permanent (`301`) unless told otherwise.
///
/// ```
/// use tornado::web::{url, RedirectHandler};
/// let rule = url(r"/old/(.*)", || RedirectHandler::new("/new/{0}"));
/// # let _ = rule;
/// ```
#[derive(Debug, Clone)]
pub struct RedirectHandler {
    url: String,
    status: u16,
}

impl RedirectHandler {
    /// A permanent redirect to `url`.
    pub fn new(url: impl Into<String>) -> Self {
        RedirectHandler {
            url: url.into(),
            status: 301,
        }
    }

    /// A temporary (`302`) redirect.
    pub fn temporary(url: impl Into<String>) -> Self {
        RedirectHandler {
            url: url.into(),
            status: 302,
        }
    }

    /// A redirect with another 3xx status.
    pub fn with_status(url: impl Into<String>, status: u16) -> Self {
        RedirectHandler {
            url: url.into(),
            status,
        }
    }
}

crate::handler_actor!(RedirectHandler);

/// Fills `{0}`/`{name}` slots (`{{` and `}}` are literal braces), as Python's `str.format`.
fn fill_template(template: &str, cx: &RequestContext) -> Result<String> {
    let mut out = String::with_capacity(template.len());
    let mut chars = template.chars().peekable();
    let mut auto_index = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut field = String::new();
                for f in chars.by_ref() {
                    if f == '}' {
                        break;
                    }
                    field.push(f);
                }
                let value = if field.is_empty() {
                    auto_index += 1;
                    cx.path_args().get(auto_index - 1).cloned().flatten()
                } else if let Ok(i) = field.parse::<usize>() {
                    cx.path_args().get(i).cloned().flatten()
                } else {
                    cx.path_kwargs().get(&field).cloned()
                };
                match value {
                    Some(v) => out.push_str(&v),
                    None => {
                        return Err(WebError::Other(
                            format!("redirect template {template:?}: no value for {{{field}}}")
                                .into(),
                        ))
                    }
                }
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

impl RequestHandler for RedirectHandler {
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        let mut target = fill_template(&self.url, cx)?;
        if !cx.request().query.is_empty() {
            let pairs = crate::http::qs_to_qsl(cx.request().query_arguments());
            target =
                crate::http::url_concat(&target, pairs.iter().map(|(k, v)| (k.as_bytes(), &v[..])));
        }
        cx.redirect_with_status(&target, self.status)
    }
}

struct Fallback(Arc<dyn HttpServerDelegate>);

impl HandlerFactory for Fallback {
    fn stream_request_body(&self) -> bool {
        true
    }

    fn serve(&self, _cx: RequestContext, _body: Option<Body>) -> LocalBoxFuture<'static, ()> {
        // Never used: the application hands the raw request to `resolve`'s delegate.
        Box::pin(async {})
    }

    fn resolve(&self) -> ResolvedRoute {
        ResolvedRoute::Delegate(self.0.clone())
    }
}

/// A route whose requests go, untouched, to another [`HttpServerDelegate`] (Tornado's
/// `FallbackHandler`): another application, or a low-level delegate.
///
/// ```
/// use tornado::http::delegate_fn;
/// use tornado::web::fallback;
/// let legacy = delegate_fn(|_req, resp| async move { let _ = resp.respond(200, &[], "legacy"); });
/// let rule = fallback(r"/legacy/.*", legacy);
/// # let _ = rule;
/// ```
pub fn fallback(pattern: &str, delegate: impl HttpServerDelegate) -> super::Route {
    super::routing::url(
        pattern,
        Arc::new(Fallback(Arc::new(delegate))) as Arc<dyn HandlerFactory>,
    )
}
