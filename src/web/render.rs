//! Templates in handlers: [`RequestContext::render`], [`RequestContext::render_string`], the
//! default template namespace, and UI modules ([`UiModule`], `{% module Name(args) %}`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use super::error::{Result, WebError};
use super::request::RequestContext;
use crate::escape::xhtml_escape;
use crate::template::{Function, Namespace, Value};

/// A reusable piece of page (Tornado's `UIModule`), called from templates as
/// `{% module Name(args) %}`. Besides its HTML, a module may ask for JavaScript and CSS, which
/// `render` adds to the page once per module: files and embedded code before `</body>` (JS)
/// and `</head>` (CSS), and raw HTML into either.
///
/// ```
/// use std::sync::Arc;
/// use tornado::template::Value;
/// use tornado::web::UiModule;
///
/// struct Entry;
/// impl UiModule for Entry {
///     fn render(&self, args: &[Value], _kwargs: &[(Arc<str>, Value)]) -> Result<String, String> {
///         Ok(format!("<div class=\"entry\">{}</div>", tornado::escape::xhtml_escape(&args[0].to_py_string())))
///     }
///     fn embedded_css(&self) -> Option<String> {
///         Some(".entry { margin: 1em }".into())
///     }
/// }
/// ```
pub trait UiModule: Send + Sync + 'static {
    /// The module's HTML (not escaped further).
    fn render(
        &self,
        args: &[Value],
        kwargs: &[(Arc<str>, Value)],
    ) -> std::result::Result<String, String>;
    /// JavaScript to embed at the end of `<body>`.
    fn embedded_javascript(&self) -> Option<String> {
        None
    }
    /// JavaScript files to link (absolute URLs or paths).
    fn javascript_files(&self) -> Vec<String> {
        Vec::new()
    }
    /// CSS to embed in `<head>`.
    fn embedded_css(&self) -> Option<String> {
        None
    }
    /// CSS files to link.
    fn css_files(&self) -> Vec<String> {
        Vec::new()
    }
    /// HTML to put at the end of `<head>`.
    fn html_head(&self) -> Option<String> {
        None
    }
    /// HTML to put at the end of `<body>`.
    fn html_body(&self) -> Option<String> {
        None
    }
}

#[derive(Serialize)]
struct RequestView<'a> {
    method: &'a str,
    uri: &'a str,
    path: &'a str,
    query: &'a str,
    version: &'a str,
    remote_ip: &'a str,
    protocol: &'a str,
    host: &'a str,
    host_name: &'a str,
    full_url: String,
}

fn template_error(e: impl std::fmt::Display) -> WebError {
    WebError::Other(e.to_string().into())
}

impl RequestContext {
    /// The namespace every template of this handler sees: `request` (its fields as a dict),
    /// `handler` (a dict with `request` and `current_user`), `current_user`, `xsrf_form_html()`, `reverse_url(name, *args)`,
    /// `static_url(path, include_version=True, include_host=False)`, the application's
    /// `ui_methods` and `ui_modules`. Render arguments are added over it.
    fn template_namespace(
        &mut self,
        xsrf_used: Arc<AtomicBool>,
        xsrf_html: String,
    ) -> Result<Namespace> {
        let r = &self.request;
        let view = RequestView {
            method: &r.method,
            uri: &r.uri,
            path: &r.path,
            query: &r.query,
            version: r.version.as_str(),
            remote_ip: &r.remote_ip,
            protocol: &r.protocol,
            host: &r.host,
            host_name: r.host_name(),
            full_url: r.full_url(),
        };
        let request = Value::from_serialize(&view).map_err(template_error)?;
        let user = match self.current_user() {
            Some(u) => Value::from(u),
            None => Value::None,
        };
        // `handler` carries what a template can use of the handler as data.
        let mut handler = crate::template::Dict::new();
        handler.insert(Value::from("request"), request.clone());
        handler.insert(Value::from("current_user"), user.clone());
        let mut ns = Namespace::new();
        ns.set("handler", Value::dict(handler));
        ns.set("request", request);
        ns.set("current_user", user);
        ns.set_function("xsrf_form_html", move |_| {
            xsrf_used.store(true, Ordering::Relaxed);
            Ok(Value::from(xsrf_html.as_str()))
        });
        let app = Arc::clone(&self.app);
        ns.set_function("reverse_url", move |args| {
            let Some((name, rest)) = args.split_first() else {
                return Err("reverse_url() needs a route name".into());
            };
            let rest: Vec<String> = rest.iter().map(Value::to_py_string).collect();
            let refs: Vec<&str> = rest.iter().map(String::as_str).collect();
            app.reverse_url(&name.to_py_string(), &refs)
                .map(Value::from)
                .map_err(|e| e.to_string())
        });
        let app = Arc::clone(&self.app);
        let host = format!("{}://{}", self.request.protocol, self.request.host);
        ns.set(
            "static_url",
            Function::with_kwargs("static_url", move |args, kwargs| {
                static_url_call(&app.settings, &host, args, kwargs)
            }),
        );
        for (name, f) in &self.app.settings.ui_methods {
            ns.set(name, f.clone());
        }
        Ok(ns)
    }

    fn render_with_modules<T: Serialize + ?Sized>(
        &mut self,
        name: &str,
        kwargs: &T,
    ) -> Result<(String, Vec<Arc<dyn UiModule>>)> {
        let Some(loader) = self.app.loader.clone() else {
            return Err(WebError::Other(
                "set the template_path (or template_loader) setting to render templates".into(),
            ));
        };
        if !self.app.settings.compiled_template_cache() {
            loader.reset();
        }
        let template = loader.load(name).map_err(template_error)?;
        // The XSRF cookie is set only if the template asks for the form field.
        let (token, cookie) = self.compute_xsrf_token()?;
        let xsrf_used = Arc::new(AtomicBool::new(false));
        let mut ns =
            self.template_namespace(xsrf_used.clone(), super::xsrf::xsrf_form_html(&token))?;
        let active: Arc<Mutex<Vec<usize>>> = Arc::new(Mutex::new(Vec::new()));
        let modules = self.app.settings.ui_modules.clone();
        for (i, (module_name, module)) in modules.iter().enumerate() {
            let module = module.clone();
            let active = active.clone();
            ns.set_module(
                module_name,
                Function::with_kwargs(module_name, move |args, kwargs| {
                    if let Ok(mut a) = active.lock() {
                        if !a.contains(&i) {
                            a.push(i);
                        }
                    }
                    module.render(args, kwargs).map(Value::from)
                }),
            );
        }
        let user = Namespace::from_serialize(kwargs).map_err(template_error)?;
        ns.extend(&user);
        let html = template.render(&ns).map_err(template_error)?;
        if xsrf_used.load(Ordering::Relaxed) {
            self.accept_xsrf_token(token, cookie)?;
        }
        let used: Vec<Arc<dyn UiModule>> = match active.lock() {
            Ok(a) => a.iter().map(|&i| modules[i].1.clone()).collect(),
            Err(_) => Vec::new(),
        };
        Ok((html, used))
    }

    /// Renders template `name` with `kwargs` (any `Serialize` struct or map) over the default
    /// namespace, and returns the text.
    pub fn render_string<T: Serialize + ?Sized>(
        &mut self,
        name: &str,
        kwargs: &T,
    ) -> Result<String> {
        Ok(self.render_with_modules(name, kwargs)?.0)
    }

    /// Renders template `name` as the response, adds the JavaScript and CSS of the UI modules
    /// it used, and finishes.
    pub fn render<T: Serialize + ?Sized>(&mut self, name: &str, kwargs: &T) -> Result {
        if self.is_finished() {
            return Err(WebError::Other("Cannot render() after finish()".into()));
        }
        let (html, modules) = self.render_with_modules(name, kwargs)?;
        let settings = &self.app.settings;
        let html = insert_module_parts(html, &modules, |path| resource_url(settings, path))?;
        self.finish_with(html)
    }
}

/// `static_url(path, include_version=True, include_host=False)` in templates; `host` is
/// `protocol://host` of the request.
fn static_url_call(
    settings: &super::Settings,
    host: &str,
    args: &[Value],
    kwargs: &[(Arc<str>, Value)],
) -> std::result::Result<Value, String> {
    let mut include_version = args.get(1).is_none_or(Value::truthy);
    let mut include_host = false;
    for (name, value) in kwargs {
        match &**name {
            "include_version" => include_version = value.truthy(),
            "include_host" => include_host = value.truthy(),
            other => {
                return Err(format!(
                    "TypeError: static_url() got an unexpected keyword argument '{other}'"
                ))
            }
        }
    }
    let Some(path) = args.first() else {
        return Err(
            "TypeError: static_url() missing 1 required positional argument: 'path'".into(),
        );
    };
    super::static_files::static_url(settings, &path.to_py_string(), include_version)
        .map(|url| match include_host {
            true => Value::from(format!("{host}{url}")),
            false => Value::from(url),
        })
        .map_err(|e| match e {
            WebError::Http(h) => h.log_message.clone().unwrap_or_else(|| h.to_string()),
            other => other.to_string(),
        })
}

fn dedup_links(paths: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in paths {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

fn insert_before_last(html: &mut String, marker: &str, text: &str) {
    if let Some(at) = html.rfind(marker) {
        html.insert_str(at, &format!("{text}\n"));
    }
}

fn insert_before_first(html: &mut String, marker: &str, text: &str) {
    if let Some(at) = html.find(marker) {
        html.insert_str(at, &format!("{text}\n"));
    }
}

/// Adds the modules' JS and CSS to a page, in Tornado's order and formats.
/// Where a UI module's JS or CSS file is linked from: paths starting with `/`, `http:` or
/// `https:` as they are, others through `static_url` (Tornado's rule; with no `static_path`
/// they stay as they are).
fn resource_url(settings: &super::Settings, path: &str) -> Result<String> {
    let absolute = path.starts_with('/') || path.starts_with("http:") || path.starts_with("https:");
    if absolute || settings.static_path.is_none() {
        return Ok(path.to_owned());
    }
    super::static_files::static_url(settings, path, true)
}

fn insert_module_parts(
    mut html: String,
    modules: &[Arc<dyn UiModule>],
    resolve: impl Fn(&str) -> Result<String>,
) -> Result<String> {
    if modules.is_empty() {
        return Ok(html);
    }
    let mut js_embed = Vec::new();
    let mut js_files = Vec::new();
    let mut css_embed = Vec::new();
    let mut css_files = Vec::new();
    let mut heads = String::new();
    let mut bodies = String::new();
    for m in modules {
        js_embed.extend(m.embedded_javascript().filter(|s| !s.is_empty()));
        for f in m.javascript_files() {
            js_files.push(resolve(&f)?);
        }
        css_embed.extend(m.embedded_css().filter(|s| !s.is_empty()));
        for f in m.css_files() {
            css_files.push(resolve(&f)?);
        }
        heads.push_str(&m.html_head().unwrap_or_default());
        bodies.push_str(&m.html_body().unwrap_or_default());
    }
    if !js_files.is_empty() {
        let links: String = dedup_links(js_files)
            .iter()
            .map(|p| {
                format!(
                    "<script src=\"{}\" type=\"text/javascript\"></script>",
                    xhtml_escape(p)
                )
            })
            .collect();
        insert_before_last(&mut html, "</body>", &links);
    }
    if !js_embed.is_empty() {
        let js = format!(
            "<script type=\"text/javascript\">\n//<![CDATA[\n{}\n//]]>\n</script>",
            js_embed.join("\n")
        );
        insert_before_last(&mut html, "</body>", &js);
    }
    if !css_files.is_empty() {
        let links: String = dedup_links(css_files)
            .iter()
            .map(|p| {
                format!(
                    "<link href=\"{}\" type=\"text/css\" rel=\"stylesheet\"/>",
                    xhtml_escape(p)
                )
            })
            .collect();
        insert_before_first(&mut html, "</head>", &links);
    }
    if !css_embed.is_empty() {
        let css = format!(
            "<style type=\"text/css\">\n{}\n</style>",
            css_embed.join("\n")
        );
        insert_before_first(&mut html, "</head>", &css);
    }
    if !heads.is_empty() {
        insert_before_first(&mut html, "</head>", &heads);
    }
    if !bodies.is_empty() {
        insert_before_first(&mut html, "</body>", &bodies);
    }
    Ok(html)
}
