//! Static files (Tornado's `StaticFileHandler`): serving a directory with content-versioned
//! URLs, conditional and range requests, and paths that cannot escape the directory.
//!
//! # Serving a directory
//!
//! Set [`Settings::static_path`]: the application then serves that directory at
//! `static_url_prefix` (default `/static/`), and `/favicon.ico` and `/robots.txt` from it too.
//! These routes come before the application's own, as in Tornado.
//!
//! ```no_run
//! use tornado::web::static_files::StaticHandlerArgs;
//! use tornado::web::{Application, Settings};
//!
//! let app = Application::builder()
//!     .settings(Settings {
//!         static_path: Some("static".into()),
//!         static_handler_args: StaticHandlerArgs {
//!             default_filename: Some("index.html".into()),
//!             ..Default::default()
//!         },
//!         ..Default::default()
//!     })
//!     .build()
//!     .expect("valid routes");
//! # let _ = app;
//! ```
//!
//! Another directory can be served on a route of its own with [`StaticFileHandler::new`]:
//!
//! ```
//! use tornado::web::static_files::StaticFileHandler;
//! use tornado::web::url;
//!
//! let downloads = StaticFileHandler::new("/var/www/downloads").default_filename("index.html");
//! let route = url(r"/downloads/(.*)", move || downloads.clone());
//! # let _ = route;
//! ```
//!
//! # Versioned URLs
//!
//! [`RequestContext::static_url`](crate::web::RequestContext::static_url) (and `static_url` in
//! templates) gives `/static/site.css?v=<hash>`, where the hash is the SHA-512 of the file's
//! content. A request with a `v` argument is answered with `Cache-Control:
//! max-age=315360000` and an `Expires` ten years ahead, so browsers keep the file until its
//! content, and so its URL, changes. The same hash is the response's `Etag`.
//!
//! Hashes are computed incrementally (constant memory, whatever the file's size) and cached
//! per absolute path together with the file's modification time and size: a file that changes
//! gets a new hash. With `static_hash_cache` off (the default in `debug` mode) every
//! `static_url` and every response hashes the file again.
//!
//! # Responses
//!
//! - `Content-Type` from the file name ([`guess_content_type`]); `Accept-Ranges: bytes`;
//!   `Etag`; `Last-Modified` (whole seconds).
//! - `If-None-Match`, when present, decides alone; otherwise `If-Modified-Since` at or after
//!   the modification time gives `304 Not Modified`.
//! - One byte range per request, with Tornado's rules ([`resolve_range`]): `206` with
//!   `Content-Range`, `416` with `Content-Range: bytes */<size>`, `200` for a range covering the
//!   whole file or a header that is not a single `bytes` range.
//! - `HEAD` sends the headers (with `Content-Length`) without reading the body (the file is
//!   only hashed, once, when its version is not cached yet).
//! - `GET` on a plain TCP or Unix connection (Linux) hands the file to the kernel: the head is
//!   written, and the bytes go from the file to the socket with `sendfile`, never through the
//!   process. Elsewhere (TLS, gzip, a custom [`ContentStream`]) the file is streamed in
//!   [`chunk_size`](StaticHandlerArgs::chunk_size) pieces, waiting after each piece until the
//!   client has taken enough of the output (the server's `write_low_water`). Either way a slow
//!   client holds back the connection, not memory. A client that goes away mid-file ends the
//!   request quietly.
//! - With `compress_response`, compressible types (text, JSON, SVG…) are gzipped on the fly.
//!
//! # Safety
//!
//! See [`validate_absolute_path`]: `..` (also percent-encoded), absolute paths, backslashes,
//! NUL bytes, sibling directories sharing the root's name as a prefix and symbolic links
//! leading out of the root all end in `403` or `404`. On Linux a path without any link is
//! opened in one step (`openat2` with `RESOLVE_NO_SYMLINKS`); a path with one is checked
//! component by component. A file opened in one step stays open in its worker's cache; each
//! request checks with a `stat` of the path that it still names the same, unchanged file
//! (device, inode, change time), and opens it afresh otherwise (`docs/static.md`, Safety).
//!
//! # Customising
//!
//! Tornado customises the handler by subclassing; here the hooks are the methods of
//! [`StaticFiles`], all with default bodies. Implement the ones to change on a type of your
//! own and give it to the application as [`Settings::static_handler_class`] (it then also
//! makes the URLs of `static_url`), or to [`StaticFileHandler::hooks`] for a route of your own.
//!
//! The guide, with every header and status, is `docs/static.md`.
//!
//! [`Settings::static_path`]: crate::web::Settings::static_path
//! [`Settings::static_handler_class`]: crate::web::Settings::static_handler_class

mod content;
mod handler;
#[cfg(target_os = "linux")]
mod open_files;
mod path;
mod range;
mod version;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub use content::{file_content, guess_content_type, ContentStream};
pub use handler::StaticFileHandler;
pub use path::{absolute_path, validate_absolute_path};
pub use range::{resolve_range, ByteRange, RangeResponse};
pub use version::{hash_file, reset};

use super::application::{Route, Settings};
use super::{HttpError, RequestContext, Result};

/// How long a response to a versioned URL (`?v=`) may be cached: ten years (Tornado's
/// `CACHE_MAX_AGE`, 315360000 seconds).
pub const CACHE_MAX_AGE: Duration = Duration::from_secs(86_400 * 365 * 10);

/// The default size of the pieces a file is sent in: 64 KiB, as Tornado's.
pub const DEFAULT_CHUNK_SIZE: usize = 64 * 1024;

/// A file that may be served: what
/// [`StaticFiles::validate_absolute_path`] returns.
///
/// The default validation opens the file while checking it, and keeps it open here, so that
/// serving it needs no second lookup of the path; [`content`](Self::content) reads from that
/// handle. One made with [`new`](Self::new) is opened when its content is asked for.
#[derive(Debug, Clone)]
pub struct StaticFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its metadata (symbolic links followed): size and modification time for the headers.
    pub metadata: std::fs::Metadata,
    handle: Option<Arc<std::fs::File>>,
}

impl StaticFile {
    /// A file known by its path and metadata (for a custom
    /// [`validate_absolute_path`](StaticFiles::validate_absolute_path)).
    pub fn new(path: PathBuf, metadata: std::fs::Metadata) -> Self {
        StaticFile {
            path,
            metadata,
            handle: None,
        }
    }

    /// A file already open, with the metadata read from that handle.
    pub(crate) fn opened(
        path: PathBuf,
        file: Arc<std::fs::File>,
        metadata: std::fs::Metadata,
    ) -> Self {
        StaticFile {
            path,
            metadata,
            handle: Some(file),
        }
    }

    /// Bytes `start..end` of the file as a stream of pieces of at most `chunk_size` (see
    /// [`file_content`]), from the handle opened during validation when there is one.
    pub fn content(&self, start: u64, end: u64, chunk_size: usize) -> io::Result<ContentStream> {
        match &self.handle {
            Some(file) => Ok(ContentStream::from_file(
                file.clone(),
                start,
                end,
                chunk_size,
            )),
            None => file_content(&self.path, start, end, chunk_size),
        }
    }
}

/// Options of a static file handler (Tornado's `static_handler_args`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticHandlerArgs {
    /// The file served for a directory (e.g. `index.html`); a directory URL without its
    /// trailing slash is redirected to the one with it. Default: `None` (directories are
    /// `403`).
    pub default_filename: Option<String>,
    /// Serve files reached through symbolic links that lead out of the root. Default: `false`
    /// (such files are `403`).
    pub follow_symlinks_outside_root: bool,
    /// Size of the pieces a file is read and sent in. Default: 64 KiB
    /// ([`DEFAULT_CHUNK_SIZE`]).
    pub chunk_size: usize,
    /// Serve files and directories whose name starts with `.` (`.env`, `.git/…`). Default:
    /// `true`, as Tornado; `false` answers `404` for them.
    pub hidden_files: bool,
}

impl Default for StaticHandlerArgs {
    fn default() -> Self {
        StaticHandlerArgs {
            default_filename: None,
            follow_symlinks_outside_root: false,
            chunk_size: DEFAULT_CHUNK_SIZE,
            hidden_files: true,
        }
    }
}

/// The hooks of static file serving (the methods Tornado's `StaticFileHandler` subclasses
/// override). Every method has the default behaviour; implement the ones to change.
///
/// Methods without a request (`get_absolute_path`, `make_static_url`, `get_version`,
/// `get_content`, `get_content_version`, `get_content_type`) are Tornado's class methods: they
/// also serve [`static_url`](crate::web::RequestContext::static_url).
///
/// ```
/// use std::sync::Arc;
/// use tornado::web::static_files::StaticFiles;
/// use tornado::web::{RequestContext, Settings};
///
/// /// Serves every file with a header naming the site, and keeps unversioned files an hour.
/// struct SiteStatic;
/// impl StaticFiles for SiteStatic {
///     fn set_extra_headers(&self, cx: &mut RequestContext, _path: &str) {
///         cx.set_header("X-Site", "example");
///     }
///     fn get_cache_time(
///         &self,
///         cx: &RequestContext,
///         _path: &str,
///         _modified: std::time::SystemTime,
///         _content_type: &str,
///     ) -> std::time::Duration {
///         if cx.request().arguments().contains_key("v") {
///             tornado::web::static_files::CACHE_MAX_AGE
///         } else {
///             std::time::Duration::from_secs(3600)
///         }
///     }
/// }
///
/// let settings = Settings {
///     static_path: Some("static".into()),
///     static_handler_class: Some(Arc::new(SiteStatic)),
///     ..Default::default()
/// };
/// # let _ = settings;
/// ```
pub trait StaticFiles: Send + Sync + 'static {
    /// Turns the URL path (after the prefix, percent-decoded) into a path relative to the
    /// root. Default: unchanged.
    fn parse_url_path(&self, url_path: &str) -> String {
        url_path.to_owned()
    }

    /// Where `path` is under `root`. Default: [`absolute_path`] (lexical join and
    /// normalisation).
    fn get_absolute_path(&self, root: &Path, path: &str) -> PathBuf {
        absolute_path(root, path)
    }

    /// Checks the path and returns the file to serve with its metadata, or `None` when a
    /// response was already made (e.g. a redirect). Errors become their status. Default:
    /// [`validate_absolute_path`].
    fn validate_absolute_path(
        &self,
        cx: &mut RequestContext,
        root: &Path,
        absolute_path: &Path,
        args: &StaticHandlerArgs,
    ) -> Result<Option<StaticFile>> {
        validate_absolute_path(cx, root, absolute_path, args)
    }

    /// The bytes `start..end` of the file (from
    /// [`validate_absolute_path`](Self::validate_absolute_path)), as a stream of pieces of at
    /// most `chunk_size`. Default: [`StaticFile::content`], which reads the file opened during
    /// validation, and which the handler sends straight from the kernel (`sendfile`) when the
    /// connection allows it.
    fn get_content(
        &self,
        file: &StaticFile,
        start: u64,
        end: u64,
        chunk_size: usize,
    ) -> io::Result<ContentStream> {
        file.content(start, end, chunk_size)
    }

    /// The version of the file: the `?v=` of its URL and its `Etag`. Default: [`hash_file`]
    /// (SHA-512, hex).
    fn get_content_version(&self, absolute_path: &Path) -> io::Result<String> {
        hash_file(absolute_path)
    }

    /// The `Content-Type`. Default: [`guess_content_type`].
    fn get_content_type(&self, absolute_path: &Path) -> String {
        guess_content_type(absolute_path)
    }

    /// How long the response may be cached; [`Duration::ZERO`] sends no cache headers.
    /// Default: [`CACHE_MAX_AGE`] when the request has a `v` argument, else zero.
    fn get_cache_time(
        &self,
        cx: &RequestContext,
        path: &str,
        modified: SystemTime,
        content_type: &str,
    ) -> Duration {
        let _ = (path, modified, content_type);
        if cx.request().arguments().contains_key("v") {
            CACHE_MAX_AGE
        } else {
            Duration::ZERO
        }
    }

    /// Adds headers of your own to every response (after the standard ones). Default:
    /// nothing.
    fn set_extra_headers(&self, cx: &mut RequestContext, path: &str) {
        let _ = (cx, path);
    }

    /// The URL of static file `path` (relative to `static_path`): `static_url_prefix + path`,
    /// plus `?v=<version>` when `include_version` and a version is known.
    fn make_static_url(&self, settings: &Settings, path: &str, include_version: bool) -> String {
        let prefix = settings.static_url_prefix.as_deref().unwrap_or("/static/");
        let url = format!("{prefix}{path}");
        if !include_version {
            return url;
        }
        match self.get_version(settings, path) {
            Some(v) if !v.is_empty() => format!("{url}?v={v}"),
            _ => url,
        }
    }

    /// The version of static file `path` for its URL, or `None` when it cannot be read (the
    /// error is logged). Default: [`get_content_version`](Self::get_content_version) through
    /// the version cache (unless `static_hash_cache` is off).
    fn get_version(&self, settings: &Settings, path: &str) -> Option<String> {
        let root = settings.static_path.as_deref()?;
        let abs = self.get_absolute_path(root, path);
        if !abs.starts_with(self.get_absolute_path(root, "")) {
            tracing::error!(target: "tornado.general", "static file {path:?} is not in the static directory");
            return None;
        }
        let meta = match std::fs::metadata(&abs) {
            Ok(m) if m.is_file() => m,
            _ => {
                tracing::error!(target: "tornado.general", "Could not open static file {:?}", abs.display());
                return None;
            }
        };
        cached_version(self, &abs, &meta, settings.static_hash_cache())
    }
}

/// The version of `abs` with its metadata `meta`: from the cache when `use_cache` and the
/// file's stamp matches, else computed (and cached). Runs on the calling thread; concurrent
/// callers for one file wait for a single hash.
pub(crate) fn cached_version<S: StaticFiles + ?Sized>(
    hooks: &S,
    abs: &Path,
    meta: &std::fs::Metadata,
    use_cache: bool,
) -> Option<String> {
    let stamp = version::Stamp::of(meta);
    if use_cache {
        if let Some(v) = version::cached(abs, stamp) {
            return Some(v);
        }
    }
    // One hash at a time per file: whoever waited finds the version in the cache.
    let gate = version::gate(abs);
    let _hashing = gate.lock();
    if use_cache {
        if let Some(v) = version::cached(abs, stamp) {
            return Some(v);
        }
    }
    match hooks.get_content_version(abs) {
        Ok(v) => {
            version::store(abs, stamp, &v);
            Some(v)
        }
        Err(e) => {
            tracing::error!(target: "tornado.general", "Could not open static file {:?}: {e}", abs.display());
            None
        }
    }
}

impl RequestContext {
    /// The URL of static file `path` (relative to `static_path`): `/static/<path>?v=<hash>`,
    /// or without the `?v=` when `include_version` is `false` (Tornado's `static_url`). The
    /// hash is the SHA-512 of the file's content, so the URL changes when the content does;
    /// see [`static_files`](crate::web::static_files). Needs the `static_path` setting (else
    /// `500`).
    pub fn static_url(&self, path: &str, include_version: bool) -> Result<String> {
        static_url(&self.app.settings, path, include_version)
    }

    /// [`static_url`](Self::static_url) made absolute with this request's scheme and host
    /// (Tornado's `include_host=True`): `http://example.com/static/a.css?v=…`.
    pub fn static_url_with_host(&self, path: &str, include_version: bool) -> Result<String> {
        let request = self.request();
        let url = static_url(&self.app.settings, path, include_version)?;
        Ok(format!("{}://{}{url}", request.protocol, request.host))
    }
}

/// The default hooks: Tornado's `StaticFileHandler` behaviour.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultStaticFiles;

impl StaticFiles for DefaultStaticFiles {}

/// The hooks the application's settings name, or the default ones.
pub(crate) fn settings_hooks(settings: &Settings) -> Arc<dyn StaticFiles> {
    match &settings.static_handler_class {
        Some(h) => h.clone(),
        None => Arc::new(DefaultStaticFiles),
    }
}

/// Tornado's `RequestHandler.static_url` for these settings: needs `static_path`.
pub(crate) fn static_url(settings: &Settings, path: &str, include_version: bool) -> Result<String> {
    if settings.static_path.is_none() {
        return Err(HttpError::new(500)
            .log_message(
                "You must define the 'static_path' setting in your application to use static_url",
            )
            .into());
    }
    let url = match &settings.static_handler_class {
        Some(h) => h.make_static_url(settings, path, include_version),
        None => DefaultStaticFiles.make_static_url(settings, path, include_version),
    };
    Ok(url)
}

/// The routes `static_path` adds, in the order they go before the application's own:
/// `/robots.txt`, `/favicon.ico`, then `static_url_prefix` + anything (Tornado's order).
pub(crate) fn static_routes(settings: &Settings) -> Vec<Route> {
    let Some(root) = &settings.static_path else {
        return Vec::new();
    };
    let prefix = settings.static_url_prefix.as_deref().unwrap_or("/static/");
    let handler = StaticFileHandler::with_args(root.clone(), settings.static_handler_args.clone())
        .hooks(settings_hooks(settings));
    [
        r"/(robots\.txt)".to_owned(),
        r"/(favicon\.ico)".to_owned(),
        format!("{}(.*)", regex::escape(prefix)),
    ]
    .into_iter()
    .map(|pattern| {
        let h = handler.clone();
        super::url(&pattern, move || h.clone())
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts hashes, and takes its time over each.
    struct SlowHash(AtomicUsize);
    impl StaticFiles for SlowHash {
        fn get_content_version(&self, absolute_path: &Path) -> io::Result<String> {
            self.0.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(50));
            hash_file(absolute_path)
        }
    }

    #[test]
    fn concurrent_first_requests_hash_a_file_once() {
        let dir = std::env::temp_dir().join(format!("tornado-gate-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("f.bin");
        assert!(std::fs::write(&path, b"gate").is_ok());
        let Ok(meta) = std::fs::metadata(&path) else {
            panic!("metadata of the test file");
        };
        let hooks = Arc::new(SlowHash(AtomicUsize::new(0)));
        let barrier = Arc::new(std::sync::Barrier::new(8));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (hooks, barrier) = (hooks.clone(), barrier.clone());
                let (path, meta) = (path.clone(), meta.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    cached_version(&*hooks, &path, &meta, true)
                })
            })
            .collect();
        let versions: Vec<_> = threads
            .into_iter()
            .map(|t| t.join().ok().flatten())
            .collect();
        assert!(versions
            .iter()
            .all(|v| v.as_ref().is_some_and(|v| v.len() == 128)));
        assert_eq!(hooks.0.load(Ordering::SeqCst), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
