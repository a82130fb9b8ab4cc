//! [`StaticFileHandler`]: the request handler that serves a directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;

use super::range::{resolve_range, ByteRange, RangeResponse};
use super::{ContentStream, DefaultStaticFiles, StaticFile, StaticFiles, StaticHandlerArgs};
use crate::http::{decimal, format_timestamp, SharedStr};
use crate::web::etag::etag_matches;
use crate::web::{HandlerContext, RequestContext, RequestHandler, Result};

/// Serves the files of a directory (Tornado's `StaticFileHandler`); see the
/// [module docs](super) for what it does.
///
/// The route's first path argument is the file's path under the root. The application makes
/// one for `static_path`; make one yourself for another directory:
///
/// ```
/// use tornado::web::static_files::StaticFileHandler;
/// use tornado::web::url;
///
/// let media = StaticFileHandler::new("media");
/// let route = url(r"/media/(.*)", move || media.clone());
/// # let _ = route;
/// ```
///
/// Cloning is cheap (two `Arc`s), which is what the route's factory does per request.
#[derive(Clone)]
pub struct StaticFileHandler {
    config: Arc<Config>,
    hooks: Arc<dyn StaticFiles>,
}

struct Config {
    root: PathBuf,
    args: StaticHandlerArgs,
}

impl std::fmt::Debug for StaticFileHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticFileHandler")
            .field("root", &self.config.root)
            .field("args", &self.config.args)
            .finish_non_exhaustive()
    }
}

crate::handler_actor!(StaticFileHandler);

impl StaticFileHandler {
    /// A handler serving the directory `root` with default options and hooks.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self::with_args(root, StaticHandlerArgs::default())
    }

    /// A handler serving `root` with these options (Tornado's `static_handler_args`).
    pub fn with_args(root: impl Into<PathBuf>, args: StaticHandlerArgs) -> Self {
        StaticFileHandler {
            config: Arc::new(Config {
                root: root.into(),
                args,
            }),
            hooks: Arc::new(DefaultStaticFiles),
        }
    }

    /// Serves `name` (e.g. `index.html`) for directories; see
    /// [`StaticHandlerArgs::default_filename`].
    pub fn default_filename(self, name: impl Into<String>) -> Self {
        let mut args = self.config.args.clone();
        args.default_filename = Some(name.into());
        StaticFileHandler {
            config: Arc::new(Config {
                root: self.config.root.clone(),
                args,
            }),
            hooks: self.hooks,
        }
    }

    /// Uses these hooks instead of the default ones (Tornado's subclassing).
    pub fn hooks(mut self, hooks: Arc<dyn StaticFiles>) -> Self {
        self.hooks = hooks;
        self
    }

    /// The directory served.
    pub fn root(&self) -> &Path {
        &self.config.root
    }

    /// The options.
    pub fn args(&self) -> &StaticHandlerArgs {
        &self.config.args
    }

    /// Forgets every cached content version (Tornado's `StaticFileHandler.reset()`).
    pub fn reset() {
        super::reset();
    }

    /// The `Etag` (the quoted version) and `Last-Modified` of a file whose version is not
    /// cached: hashed on the blocking pool so that hashing a large file does not stall the
    /// other connections of this thread.
    async fn hash_version_headers(
        &self,
        abs: &Path,
        meta: &std::fs::Metadata,
        modified: SystemTime,
    ) -> super::version::CachedHeaders {
        let hooks = self.hooks.clone();
        let (path, meta) = (abs.to_owned(), meta.clone());
        let hashed = tokio::task::spawn_blocking(move || {
            super::cached_version(&*hooks, &path, &meta, false)
        })
        .await;
        let version = hashed.unwrap_or_else(|e| {
            tracing::error!(target: "tornado.general", "hashing {:?} failed: {e}", abs.display());
            None
        });
        super::version::CachedHeaders {
            // Checked when set.
            etag_valid: false,
            etag: version.map_or_else(SharedStr::default, |v| super::version::etag_of(&v)),
            last_modified: SharedStr::from(format_timestamp(modified)),
        }
    }

    /// Tornado's `StaticFileHandler.get(path, include_body)`.
    ///
    /// The synchronous parts are plain functions, so that the (boxed) future of each request
    /// only holds what lives across its awaits: the file, and the path for the hooks.
    async fn serve(&self, cx: &mut RequestContext, include_body: bool) -> Result {
        let Some((path, file)) = self.find(cx)? else {
            return Ok(());
        };
        // Boxed: its metadata is ~200 bytes, which would otherwise push each request's
        // handler future past the size the allocator serves from its fast per-thread cache.
        let file = Box::new(file);
        let modified = whole_seconds(file.metadata.modified().unwrap_or(UNIX_EPOCH));
        let cached = if cx.app.settings.static_hash_cache() {
            super::version::cached_headers(&file.path, super::version::Stamp::of(&file.metadata))
        } else {
            None
        };
        let version = match cached {
            Some(version) => version,
            // Boxed: only a cache miss waits here, and holding that wait inline would make
            // every request's future bigger.
            None => Box::pin(self.hash_version_headers(&file.path, &file.metadata, modified)).await,
        };
        let Some(range) = self.set_headers(cx, &path, &file, modified, version) else {
            return Ok(());
        };
        drop(path);
        if include_body {
            self.send(cx, &file, range).await?;
        }
        Ok(())
    }

    /// The URL path (after `parse_url_path`) and the validated file, or `None` when the
    /// validation already answered (a redirect).
    fn find(&self, cx: &mut RequestContext) -> Result<Option<(String, StaticFile)>> {
        let config = &*self.config;
        let path = self.hooks.parse_url_path(cx.path_arg(0)?);
        let absolute = self.hooks.get_absolute_path(&config.root, &path);
        let file = self
            .hooks
            .validate_absolute_path(cx, &config.root, &absolute, &config.args)?;
        Ok(file.map(|file| (path, file)))
    }

    /// Tornado's `set_headers` and the conditional and range checks: the byte range to send,
    /// or `None` when the response is complete without a body (`304`, `416`).
    fn set_headers(
        &self,
        cx: &mut RequestContext,
        path: &str,
        file: &StaticFile,
        modified: SystemTime,
        version: super::version::CachedHeaders,
    ) -> Option<ByteRange> {
        let size = file.metadata.len();
        cx.set_header_valid("Accept-Ranges", SharedStr::from_static("bytes"));
        if version.etag_valid {
            cx.set_header_valid("Etag", version.etag);
        } else if !version.etag.is_empty() {
            cx.set_header_static("Etag", version.etag);
        }
        cx.set_header_valid("Last-Modified", version.last_modified);
        let content_type = self.hooks.get_content_type(&file.path);
        let cache_time = self.hooks.get_cache_time(cx, path, modified, &content_type);
        cx.set_header_static("Content-Type", shared_content_type(content_type));
        if !cache_time.is_zero() {
            cx.set_header_static("Expires", format_timestamp(SystemTime::now() + cache_time));
            cx.set_header_static("Cache-Control", format!("max-age={}", cache_time.as_secs()));
        }
        self.hooks.set_extra_headers(cx, path);

        if should_return_304(cx, modified) {
            cx.set_status(304);
            return None;
        }

        let range_header = cx.request().headers.get("Range").map(str::to_owned);
        let range = match resolve_range(range_header.as_deref(), size) {
            RangeResponse::Full(r) => r,
            RangeResponse::Partial(r, content_range) => {
                cx.set_status(206);
                cx.set_header_static("Content-Range", content_range);
                r
            }
            RangeResponse::Unsatisfiable => {
                cx.set_status(416);
                cx.set_header_static("Content-Type", SharedStr::from_static("text/plain"));
                cx.set_header_static("Content-Range", format!("bytes */{size}"));
                return None;
            }
        };
        let mut digits = [0; 20];
        cx.set_header_valid(
            "Content-Length",
            SharedStr::copy_from_str(decimal(range.len(), &mut digits)),
        );
        Some(range)
    }

    /// Sends `range` of the file: straight from the kernel when the connection and the
    /// response allow it, otherwise streamed one piece per flush.
    async fn send(&self, cx: &mut RequestContext, file: &StaticFile, range: ByteRange) -> Result {
        let chunk_size = self.config.args.chunk_size;
        let content = self
            .hooks
            .get_content(file, range.start, range.end, chunk_size)
            .map_err(|e| super::path::fs_error(&file.path, &e))?;
        if let Some((handle, offset, len)) = content.untouched_file() {
            if len == range.len() {
                match cx.send_file(handle, offset, len) {
                    Ok(true) => return Ok(()),
                    Ok(false) => {}
                    Err(e) => return unless_client_gone(cx, e),
                }
            }
        }
        // Boxed for the same reason as the hashing: most responses never get here.
        Box::pin(stream(cx, content, range.len())).await
    }
}

/// Streams `len` bytes of `content`, one piece per flush.
async fn stream(cx: &mut RequestContext, mut content: ContentStream, len: u64) -> Result {
    let mut sent = 0;
    while let Some(piece) = content.next().await {
        let piece = piece?;
        sent += piece.len() as u64;
        cx.write(piece)?;
        if sent >= len {
            // The last piece goes out with `finish`; waiting for it here would only cost
            // another round through the connection.
            continue;
        }
        if let Err(e) = cx.flush().await {
            return unless_client_gone(cx, e);
        }
    }
    Ok(())
}

/// `content_type` as a shared string, reusing this thread's previous one when it is the same
/// (a site serves a handful of types; this saves copying the text into a new allocation).
fn shared_content_type(content_type: String) -> SharedStr {
    thread_local! {
        static LAST: std::cell::RefCell<SharedStr> = std::cell::RefCell::new(SharedStr::default());
    }
    LAST.with_borrow_mut(|last| {
        if last.as_str() != content_type {
            // Shared (not owned), so that the clones below only count a reference.
            *last = SharedStr::from(std::sync::Arc::<str>::from(content_type));
        }
        last.clone()
    })
}

/// `Ok` when `error` comes from the client having gone away mid-file: the request then ends
/// quietly, as in Tornado. `Err(error)` otherwise.
fn unless_client_gone(cx: &mut RequestContext, error: crate::web::WebError) -> Result {
    if client_gone(cx) {
        cx.writer = None;
        Ok(())
    } else {
        Err(error)
    }
}

fn client_gone(cx: &RequestContext) -> bool {
    cx.writer.as_ref().is_none_or(|w| w.is_closed())
}

/// `t` with the fraction of a second dropped (HTTP dates have whole seconds).
fn whole_seconds(t: SystemTime) -> SystemTime {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => UNIX_EPOCH + Duration::from_secs(d.as_secs()),
        Err(_) => t,
    }
}

/// Tornado's `should_return_304`: `If-None-Match`, when present, decides alone; otherwise an
/// `If-Modified-Since` at or after the modification time means the client's copy is current.
fn should_return_304(cx: &RequestContext, modified: SystemTime) -> bool {
    let headers = &cx.request().headers;
    if let Some(inm) = headers
        .get_joined("If-None-Match")
        .filter(|v| !v.is_empty())
    {
        return cx
            .response_headers()
            .get("Etag")
            .is_some_and(|etag| etag_matches(&inm, etag));
    }
    match headers.get("If-Modified-Since") {
        Some(ims) => httpdate::parse_http_date(ims.trim()).is_ok_and(|since| since >= modified),
        None => false,
    }
}

impl RequestHandler for StaticFileHandler {
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        self.serve(cx, true).await
    }

    async fn head(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        self.serve(cx, false).await
    }

    /// The `Etag` is set by `get` (the content version); never hash the body.
    fn compute_etag(_cx: &RequestContext) -> Option<SharedStr> {
        None
    }
}
