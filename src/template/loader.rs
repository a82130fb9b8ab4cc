//! Template loaders: where templates come from, and the cache of compiled ones.

use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::error::TemplateError;
use super::render::{CompileOptions, Namespace, Template};
use super::Whitespace;

/// A source of template text for a [`Loader`]: implement this for templates kept in a
/// database, embedded in the binary, etc.
///
/// ```
/// use tornado::template::{Loader, TemplateSource};
///
/// struct Upper;
/// impl TemplateSource for Upper {
///     fn read(&self, name: &str) -> Result<String, String> {
///         Ok(format!("{}: {{{{ x }}}}", name.to_uppercase()))
///     }
/// }
/// let loader = Loader::from_source(Upper);
/// let t = loader.load("page").unwrap();
/// assert_eq!(t.generate(&serde_json::json!({"x": 1})).unwrap(), "PAGE: 1");
/// ```
pub trait TemplateSource: Send + Sync + 'static {
    /// Turns a (possibly relative) name into the key templates are cached and read under.
    /// `parent` is the name of the template holding the `{% include %}`/`{% extends %}`.
    /// Default: POSIX-style resolution relative to the parent's directory, as
    /// [`DictLoader`] does.
    fn resolve_path(&self, name: &str, parent: Option<&str>) -> String {
        resolve_relative(name, parent)
    }

    /// Reads the template text for a resolved name; `Err` holds the reason.
    fn read(&self, name: &str) -> Result<String, String>;
}

/// Lexically normalises a `/`-separated path; `None` if `..` climbs above the start.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Tornado's rule: a name is relative to its parent's directory unless the parent is a
/// `<string>`-style pseudo name or either name is absolute.
fn resolve_relative(name: &str, parent: Option<&str>) -> String {
    match parent {
        Some(p) if !p.starts_with('<') && !p.starts_with('/') && !name.starts_with('/') => {
            let dir = match p.rfind('/') {
                Some(i) => &p[..i],
                None => "",
            };
            let joined = if dir.is_empty() {
                name.to_string()
            } else {
                format!("{dir}/{name}")
            };
            normalize(&joined).unwrap_or_else(|| name.to_string())
        }
        _ => name.to_string(),
    }
}

/// Templates from a directory.
struct FileSource {
    root: PathBuf,
}

impl TemplateSource for FileSource {
    fn read(&self, name: &str) -> Result<String, String> {
        // Names stay under the root: `..` may not climb out, and a leading `/` means the root.
        let rel = normalize(name.trim_start_matches('/'))
            .ok_or_else(|| "path is outside the template root".to_string())?;
        if rel.is_empty() {
            return Err("empty template name".into());
        }
        let path = self.root.join(rel);
        std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Templates from a map of name → source.
struct DictSource {
    templates: HashMap<String, String>,
}

impl TemplateSource for DictSource {
    fn read(&self, name: &str) -> Result<String, String> {
        self.templates
            .get(name)
            .cloned()
            .ok_or_else(|| "no such template".to_string())
    }
}

struct LoaderInner {
    source: Box<dyn TemplateSource>,
    autoescape: Option<String>,
    whitespace: Option<Whitespace>,
    namespace: Arc<Namespace>,
    cache: Mutex<HashMap<String, Arc<Template>>>,
}

/// Loads templates by name, compiles each once and caches it.
///
/// `Loader::new(dir)` reads files under a directory; [`DictLoader`] serves an in-memory map;
/// [`Loader::from_source`] takes any [`TemplateSource`]. A loader is a cheap, cloneable,
/// thread-safe handle.
///
/// Names in `{% include %}`/`{% extends %}` are resolved relative to the including template
/// and, for directory loaders, kept under the root (`..` cannot climb out; a leading `/` means
/// the root). Symbolic links inside the root are followed.
///
/// Settings (each defaults as in Tornado):
/// - autoescape: the name of the escaping function. Default: `xhtml_escape`.
/// - whitespace: the mode for every template. Default: `single` for `.html`/`.js`, else `all`.
/// - namespace: values and functions every template sees. Default: empty.
///
/// ```
/// use tornado::template::DictLoader;
/// let loader = DictLoader::new([
///     ("base.html", "<title>{% block title %}Site{% end %}</title>"),
///     ("page.html", "{% extends \"base.html\" %}{% block title %}{{ t }}{% end %}"),
/// ]);
/// let page = loader.load("page.html").unwrap();
/// assert_eq!(page.generate(&serde_json::json!({"t": "A&B"})).unwrap(), "<title>A&amp;B</title>");
/// ```
#[derive(Clone)]
pub struct Loader {
    inner: Arc<LoaderInner>,
}

impl fmt::Debug for Loader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loader")
            .field("autoescape", &self.inner.autoescape)
            .field("whitespace", &self.inner.whitespace)
            .finish_non_exhaustive()
    }
}

impl Loader {
    /// A loader for the templates under `root`.
    pub fn new(root: impl AsRef<Path>) -> Loader {
        let root = root.as_ref();
        let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        Loader::from_source(FileSource { root })
    }

    /// A loader over a custom [`TemplateSource`].
    pub fn from_source(source: impl TemplateSource) -> Loader {
        Loader {
            inner: Arc::new(LoaderInner {
                source: Box::new(source),
                autoescape: Some("xhtml_escape".to_string()),
                whitespace: None,
                namespace: Arc::new(Namespace::new()),
                cache: Mutex::new(HashMap::new()),
            }),
        }
    }

    fn rebuild(
        self,
        f: impl FnOnce(&mut Option<String>, &mut Option<Whitespace>, &mut Arc<Namespace>),
    ) -> Loader {
        let inner = match Arc::try_unwrap(self.inner) {
            Ok(inner) => inner,
            // Shared: settings changes apply to a fresh handle over the same source type is not
            // possible, so keep the shared one unchanged.
            Err(shared) => return Loader { inner: shared },
        };
        let LoaderInner {
            source,
            mut autoescape,
            mut whitespace,
            mut namespace,
            ..
        } = inner;
        f(&mut autoescape, &mut whitespace, &mut namespace);
        Loader {
            inner: Arc::new(LoaderInner {
                source,
                autoescape,
                whitespace,
                namespace,
                cache: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Sets the default autoescape function (`None` disables escaping). Call before sharing
    /// the loader: on a handle that has been cloned this has no effect.
    pub fn with_autoescape(self, function: Option<&str>) -> Loader {
        self.rebuild(|a, _, _| *a = function.map(str::to_string))
    }

    /// Sets the whitespace mode for every template it loads. Call before sharing the loader.
    pub fn with_whitespace(self, mode: Whitespace) -> Loader {
        self.rebuild(|_, w, _| *w = Some(mode))
    }

    /// Sets the namespace every template sees (render-time values win over it). Call before
    /// sharing the loader.
    pub fn with_namespace(self, namespace: Namespace) -> Loader {
        self.rebuild(|_, _, n| *n = Arc::new(namespace))
    }

    /// Resolves a possibly relative name against the including template's name.
    pub fn resolve_path(&self, name: &str, parent: Option<&str>) -> String {
        self.inner.source.resolve_path(name, parent)
    }

    /// Loads (and on first use compiles) a template. Parse errors, missing files and errors in
    /// included or parent templates are reported here.
    pub fn load(&self, name: &str) -> Result<Arc<Template>, TemplateError> {
        let resolved = self.resolve_path(name, None);
        let mut stack = Vec::new();
        self.load_resolved(&resolved, &mut stack)
    }

    /// Clears the cache of compiled templates, so changed files are read again.
    pub fn reset(&self) {
        self.inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    pub(crate) fn load_resolved(
        &self,
        resolved: &str,
        stack: &mut Vec<String>,
    ) -> Result<Arc<Template>, TemplateError> {
        if let Some(t) = self
            .inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(resolved)
        {
            return Ok(t.clone());
        }
        let source =
            self.inner
                .source
                .read(resolved)
                .map_err(|reason| TemplateError::NotFound {
                    name: resolved.to_string(),
                    reason,
                })?;
        stack.push(resolved.to_string());
        let opts = CompileOptions {
            name: resolved.to_string(),
            autoescape: None,
            whitespace: None,
            loader: Some(self),
        };
        let compiled = Template::compile(&source, opts, stack);
        stack.pop();
        let t = Arc::new(compiled?);
        // The lock is not held while compiling (compiling loads other templates); if two
        // threads race, both compile and the first insert wins.
        let mut cache = self
            .inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Ok(cache.entry(resolved.to_string()).or_insert(t).clone())
    }

    pub(crate) fn default_autoescape(&self) -> Option<&str> {
        self.inner.autoescape.as_deref()
    }

    pub(crate) fn default_whitespace(&self) -> Option<Whitespace> {
        self.inner.whitespace
    }

    pub(crate) fn namespace_arc(&self) -> Arc<Namespace> {
        self.inner.namespace.clone()
    }
}

/// A loader over an in-memory map of name → template source (Tornado's `DictLoader`).
///
/// It dereferences to [`Loader`], which has the methods (`load`, `reset`, the `with_*`
/// settings through [`DictLoader::into_loader`]).
#[derive(Clone, Debug)]
pub struct DictLoader(Loader);

impl DictLoader {
    /// A loader over `templates`.
    pub fn new<I, K, V>(templates: I) -> DictLoader
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let templates = templates
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        DictLoader(Loader::from_source(DictSource { templates }))
    }

    /// The underlying [`Loader`] (to change its settings with `with_*`).
    pub fn into_loader(self) -> Loader {
        self.0
    }
}

impl Deref for DictLoader {
    type Target = Loader;
    fn deref(&self) -> &Loader {
        &self.0
    }
}

impl From<DictLoader> for Loader {
    fn from(d: DictLoader) -> Loader {
        d.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_resolution() {
        assert_eq!(resolve_relative("b.html", Some("dir/a.html")), "dir/b.html");
        assert_eq!(resolve_relative("../b.html", Some("dir/a.html")), "b.html");
        assert_eq!(resolve_relative("b.html", Some("<string>")), "b.html");
        assert_eq!(resolve_relative("/b.html", Some("dir/a.html")), "/b.html");
        assert_eq!(normalize("a/../../x"), None);
    }

    #[test]
    fn file_source_stays_under_root() {
        let src = FileSource {
            root: PathBuf::from("/nonexistent-root"),
        };
        assert!(src.read("../etc/passwd").unwrap_err().contains("outside"));
    }
}
