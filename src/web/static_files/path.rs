//! Path safety: turning a URL path into a file path that cannot leave the static root.
//!
//! Two checks, both needed:
//!
//! 1. **Lexical containment.** The requested path is joined to the root and normalised
//!    (`.` dropped, `..` applied) without touching the file system, and the result must lie in
//!    the root *directory*, compared component by component: `/srv/static_evil/x` is not inside
//!    `/srv/static` even though the strings share a prefix (Tornado 4.2.1's fix). Absolute
//!    paths (`/etc/passwd`) replace the root when joined, so they fail this check too.
//! 2. **Real containment.** Symbolic links are resolved and the real path must lie in the real
//!    root, unless [`StaticHandlerArgs::follow_symlinks_outside_root`] allows links that lead
//!    out.
//!
//! Besides, a path with a NUL byte is never a file (404), and a backslash is refused (403)
//! so that no `..\` trick can work on a file system that treats it as a separator.

use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::{StaticFile, StaticHandlerArgs};
use crate::web::{HttpError, RequestContext, Result, WebError};

/// `root` joined with `path` and normalised lexically, as Python's
/// `os.path.abspath(os.path.join(root, path))` (Tornado's `get_absolute_path`): an absolute
/// `path` replaces the root, `..` removes the previous component, and a relative root is made
/// absolute against the current directory.
///
/// ```
/// use std::path::Path;
/// use tornado::web::static_files::absolute_path;
///
/// let root = Path::new("/srv/static");
/// assert_eq!(absolute_path(root, "css/a.css"), Path::new("/srv/static/css/a.css"));
/// assert_eq!(absolute_path(root, "../secret.txt"), Path::new("/srv/secret.txt"));
/// assert_eq!(absolute_path(root, "/etc/passwd"), Path::new("/etc/passwd"));
/// ```
pub fn absolute_path(root: &Path, path: &str) -> PathBuf {
    #[cfg(unix)]
    if root.is_absolute() && !path.starts_with('/') {
        // Joined and normalised in one pass, without building the joined path first.
        return normalize_unix_parts(root, path);
    }
    normalize(&root.join(path))
}

/// Makes `path` absolute and removes `.` and `..` components without following links.
fn normalize(path: &Path) -> PathBuf {
    #[cfg(unix)]
    if let Some(normal) = normalize_unix(path) {
        return normal;
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut out = PathBuf::new();
    for c in absolute.components() {
        match c {
            Component::Prefix(_) | Component::RootDir | Component::Normal(_) => out.push(c),
            Component::CurDir => {}
            Component::ParentDir => {
                // `..` at the root stays at the root, as in POSIX.
                if out.parent().is_some() {
                    out.pop();
                }
            }
        }
    }
    out
}

/// [`normalize`] for an absolute Unix path, on its bytes (the common case, and much cheaper
/// than going through `Component`s); `None` for a relative path.
#[cfg(unix)]
fn normalize_unix(path: &Path) -> Option<PathBuf> {
    path.is_absolute().then(|| normalize_unix_parts(path, ""))
}

/// The absolute Unix path `base` followed by the relative `rest`, normalised.
#[cfg(unix)]
fn normalize_unix_parts(base: &Path, rest: &str) -> PathBuf {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let base = base.as_os_str().as_bytes();
    let mut out = Vec::with_capacity(base.len() + rest.len() + 1);
    let parts = base.split(|&b| b == b'/');
    for part in parts.chain(rest.as_bytes().split(|&b| b == b'/')) {
        match part {
            b"" | b"." => {}
            b".." => {
                let keep = out.iter().rposition(|&b| b == b'/').unwrap_or(0);
                out.truncate(keep);
            }
            name => {
                out.push(b'/');
                out.extend_from_slice(name);
            }
        }
    }
    if out.is_empty() {
        out.push(b'/');
    }
    PathBuf::from(std::ffi::OsString::from_vec(out))
}

/// `path` itself when it is already what [`normalize`] makes of it (a static root usually
/// is), else its normal form.
fn normalized(path: &Path) -> std::borrow::Cow<'_, Path> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bytes = path.as_os_str().as_bytes();
        let normal = bytes == b"/"
            || (bytes.starts_with(b"/")
                && !bytes.ends_with(b"/")
                && bytes[1..]
                    .split(|&b| b == b'/')
                    .all(|part| !matches!(part, b"" | b"." | b"..")));
        if normal {
            return std::borrow::Cow::Borrowed(path);
        }
    }
    std::borrow::Cow::Owned(normalize(path))
}

/// `path` below `root` (both normalised), or `None` when it is not inside. Containment is per
/// component: `/srv/static_evil` is not inside `/srv/static`.
fn relative_to<'p>(path: &'p Path, root: &Path) -> Option<&'p Path> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let (p, r) = (path.as_os_str().as_bytes(), root.as_os_str().as_bytes());
        let rest = p.strip_prefix(r)?;
        let rest = if r.ends_with(b"/") || rest.is_empty() {
            rest
        } else {
            rest.strip_prefix(b"/")?
        };
        Some(Path::new(std::ffi::OsStr::from_bytes(rest)))
    }
    #[cfg(not(unix))]
    {
        path.strip_prefix(root).ok()
    }
}

/// The URL path the request asked for (the route's first group), for log messages.
fn requested(cx: &RequestContext) -> &str {
    cx.path_args()
        .first()
        .and_then(Option::as_deref)
        .unwrap_or("")
}

fn not_in_root(cx: &RequestContext) -> WebError {
    let path = requested(cx);
    HttpError::new(403)
        .log_message(format!("{path} is not in root static directory"))
        .into()
}

fn real_path(path: &Path) -> Result<PathBuf> {
    std::fs::canonicalize(path).map_err(|e| fs_error(path, &e))
}

/// A file-system error met while looking a path up, as an HTTP error: missing → 404, anything
/// else (permissions, link loops) → 403.
pub(crate) fn fs_error(path: &Path, e: &io::Error) -> WebError {
    match e.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => HttpError::new(404).into(),
        _ => HttpError::new(403)
            .log_message(format!("cannot open {}: {e}", path.display()))
            .into(),
    }
}

/// The metadata of `path` (links followed), after checking that no symbolic link on the way
/// from `root` leads out of the root (unless the options allow it).
///
/// The components below the root are looked at with `lstat` one by one; only when one is a
/// link is the real path resolved and compared with the real root. So the common case costs
/// one `lstat` per component, and a root that is itself reached through a link (a deployment's
/// `current -> releases/42`) is fine.
fn linked_metadata(
    cx: &RequestContext,
    root: &Path,
    path: &Path,
    args: &StaticHandlerArgs,
) -> Result<std::fs::Metadata> {
    let relative = relative_to(path, root).ok_or_else(|| not_in_root(cx))?;
    let mut current = root.to_owned();
    let mut last = None;
    for component in relative.components() {
        let Component::Normal(name) = component else {
            // Only a path that was not normalised can hold `..` or `.` here.
            return Err(not_in_root(cx));
        };
        current.push(name);
        let meta = std::fs::symlink_metadata(&current).map_err(|e| fs_error(&current, &e))?;
        if meta.file_type().is_symlink() {
            if !args.follow_symlinks_outside_root && !real_path(path)?.starts_with(real_path(root)?)
            {
                return Err(not_in_root(cx));
            }
            return std::fs::metadata(path).map_err(|e| fs_error(path, &e));
        }
        last = Some(meta);
    }
    match last {
        Some(meta) => Ok(meta),
        None => std::fs::metadata(path).map_err(|e| fs_error(path, &e)),
    }
}

/// The metadata of `path` (links followed) and, when it could be opened on the way, the open
/// file, after the same check as [`linked_metadata`].
///
/// On Linux the common case is one system call: `openat2` with `RESOLVE_NO_SYMLINKS` opens the
/// path only if no component of it is a symbolic link, and then the lexical check already done
/// is the whole answer. A path with a link anywhere (in the root's own path too) fails with
/// `ELOOP` and goes through [`linked_metadata`], as does every path where `openat2` is not
/// available (kernels before 5.6, sandboxes that refuse it).
fn look_up(
    cx: &RequestContext,
    root: &Path,
    path: &Path,
    args: &StaticHandlerArgs,
) -> Result<(Option<Arc<std::fs::File>>, std::fs::Metadata)> {
    #[cfg(target_os = "linux")]
    if let Some((file, meta)) = super::open_files::get(path) {
        return Ok((Some(file), meta));
    }
    #[cfg(target_os = "linux")]
    match sys::open_without_links(path) {
        Some(Ok(file)) => {
            let meta = file.metadata().map_err(|e| fs_error(path, &e))?;
            let file = Arc::new(file);
            super::open_files::put(path, &file, &meta);
            return Ok((Some(file), meta));
        }
        Some(Err(e)) => return Err(fs_error(path, &e)),
        None => {}
    }
    linked_metadata(cx, root, path, args).map(|meta| (None, meta))
}

#[cfg(target_os = "linux")]
mod sys {
    use std::fs::File;
    use std::io;
    use std::os::fd::FromRawFd;
    use std::os::unix::ffi::OsStrExt;
    use std::path::Path;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Set once `openat2` turned out not to exist here.
    static UNAVAILABLE: AtomicBool = AtomicBool::new(false);

    /// Opens `path` for reading if no component of it is a symbolic link. `None` when that
    /// cannot be told this way (a link on the way, or no `openat2`): check the slow way.
    ///
    /// The file is opened non-blocking and without becoming a controlling terminal, so that a
    /// FIFO or a device under the root cannot stall or affect the server before its metadata
    /// shows it is not a regular file.
    pub(super) fn open_without_links(path: &Path) -> Option<io::Result<File>> {
        if UNAVAILABLE.load(Ordering::Relaxed) {
            return None;
        }
        let bytes = path.as_os_str().as_bytes();
        if bytes.contains(&0) {
            return Some(Err(io::Error::from(io::ErrorKind::NotFound)));
        }
        // The path with its NUL terminator, on the stack when it is short (it nearly always is).
        let mut stack = [0u8; 256];
        let heap;
        let c_path: &[u8] = if bytes.len() < stack.len() {
            stack[..bytes.len()].copy_from_slice(bytes);
            &stack[..=bytes.len()]
        } else {
            heap = [bytes, b"\0"].concat();
            &heap
        };
        // SAFETY: `open_how` is plain data; all-zero is a valid value (no flags).
        let mut how: libc::open_how = unsafe { std::mem::zeroed() };
        how.flags = (libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NONBLOCK | libc::O_NOCTTY) as u64;
        how.resolve = libc::RESOLVE_NO_SYMLINKS;
        // SAFETY: `c_path` is NUL-terminated with no other NUL (checked above) and `how` is a
        // valid `open_how` of the size passed; both live for the duration of the call.
        let fd = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                libc::AT_FDCWD,
                c_path.as_ptr().cast::<libc::c_char>(),
                &how as *const libc::open_how,
                std::mem::size_of::<libc::open_how>(),
            )
        };
        if fd >= 0 {
            // SAFETY: the kernel just returned this descriptor to us and nothing else owns it.
            return Some(Ok(unsafe { File::from_raw_fd(fd as i32) }));
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::ELOOP) => None,
            Some(libc::ENOSYS) => {
                UNAVAILABLE.store(true, Ordering::Relaxed);
                None
            }
            // A sandbox refusing the call, or flags this kernel does not know.
            Some(libc::EPERM | libc::EINVAL | libc::E2BIG) => None,
            _ => Some(Err(e)),
        }
    }
}

/// Tornado's `validate_absolute_path`: checks that `absolute_path` (from
/// [`absolute_path`]) may be served from `root` and returns the file to serve with its
/// metadata, or `None` when the response is already decided (a redirect).
///
/// - outside the root, lexically or through a symbolic link (unless
///   [`follow_symlinks_outside_root`](StaticHandlerArgs::follow_symlinks_outside_root)) →
///   `403`, logged as `<path> is not in root static directory`;
/// - a NUL byte → `404`; a backslash → `403`; a hidden name (`.x`) with
///   [`hidden_files`](StaticHandlerArgs::hidden_files) off → `404`;
/// - a directory, with [`default_filename`](StaticHandlerArgs::default_filename) set: without
///   a trailing slash in the URL → `301` to the URL with one (`None` is returned); with it,
///   the default file is served;
/// - missing → `404`; not a regular file (a directory without `default_filename`) → `403`.
///
/// A custom [`StaticFiles::validate_absolute_path`](super::StaticFiles::validate_absolute_path)
/// can add its own checks and call this for the standard ones.
pub fn validate_absolute_path(
    cx: &mut RequestContext,
    root: &Path,
    absolute_path: &Path,
    args: &StaticHandlerArgs,
) -> Result<Option<StaticFile>> {
    let root = normalized(root);
    let Some(relative) = relative_to(absolute_path, &root) else {
        return Err(not_in_root(cx));
    };
    let bytes = relative.as_os_str().as_encoded_bytes();
    if bytes.contains(&0) {
        return Err(HttpError::new(404)
            .log_message("static path contains a NUL byte")
            .into());
    }
    if bytes.contains(&b'\\') {
        return Err(HttpError::new(403)
            .log_message("static path contains a backslash")
            .into());
    }
    if !args.hidden_files
        && bytes
            .split(|&b| b == b'/')
            .any(|name| name.starts_with(b"."))
    {
        return Err(HttpError::new(404).into());
    }
    let (mut handle, mut meta) = look_up(cx, &root, absolute_path, args)?;
    let mut file = absolute_path.to_owned();
    if meta.is_dir() {
        if let Some(default) = &args.default_filename {
            let request_path = cx.request().path.clone();
            if !request_path.ends_with('/') {
                if request_path.starts_with("//") {
                    return Err(HttpError::new(403)
                        .log_message("cannot redirect path with two initial slashes")
                        .into());
                }
                cx.redirect(&format!("{request_path}/"), true)?;
                return Ok(None);
            }
            file = absolute_path.join(default);
            (handle, meta) = look_up(cx, &root, &file, args)?;
        }
    }
    if !meta.is_file() {
        let path = requested(cx);
        return Err(HttpError::new(403)
            .log_message(format!("{path} is not a file"))
            .into());
    }
    Ok(Some(match handle {
        Some(handle) => StaticFile::opened(file, handle, meta),
        None => StaticFile::new(file, meta),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_like_abspath() {
        let root = Path::new("/srv/static");
        assert_eq!(absolute_path(root, ""), Path::new("/srv/static"));
        assert_eq!(absolute_path(root, "./a/./b"), Path::new("/srv/static/a/b"));
        assert_eq!(absolute_path(root, "a/../../x"), Path::new("/srv/x"));
        assert_eq!(absolute_path(root, "../../../../x"), Path::new("/x"));
        assert_eq!(absolute_path(root, "a//b/"), Path::new("/srv/static/a/b"));
        assert_eq!(absolute_path(Path::new("/"), "a"), Path::new("/a"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn opening_without_links_takes_long_paths_and_leaves_links_to_the_slow_check() {
        // Canonical, so that no link is on the way even where the temporary directory has one.
        let tmp = std::fs::canonicalize(std::env::temp_dir()).unwrap();
        let base = tmp.join(format!("tornado-open-{}", std::process::id()));
        let deep = base.join(
            [
                "d".repeat(60),
                "e".repeat(60),
                "f".repeat(60),
                "g".repeat(60),
            ]
            .iter()
            .collect::<PathBuf>(),
        );
        std::fs::create_dir_all(&deep).unwrap();
        let file = deep.join("file.txt");
        std::fs::write(&file, "deep").unwrap();
        assert!(
            file.as_os_str().len() > 256,
            "the path must not fit the stack buffer"
        );
        let opened = sys::open_without_links(&file)
            .expect("no link on the way")
            .unwrap();
        assert_eq!(opened.metadata().unwrap().len(), 4);
        let short = base.join("short.txt");
        std::fs::write(&short, "x").unwrap();
        assert!(matches!(sys::open_without_links(&short), Some(Ok(_))));
        assert_eq!(
            sys::open_without_links(&base.join("missing"))
                .unwrap()
                .unwrap_err()
                .kind(),
            io::ErrorKind::NotFound
        );
        std::os::unix::fs::symlink(&short, base.join("link")).unwrap();
        assert!(sys::open_without_links(&base.join("link")).is_none());
        std::os::unix::fs::symlink(&deep, base.join("dirlink")).unwrap();
        assert!(sys::open_without_links(&base.join("dirlink").join("file.txt")).is_none());
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn relative_to_compares_whole_components() {
        let r =
            |p: &str, root: &str| relative_to(Path::new(p), Path::new(root)).map(Path::to_owned);
        assert_eq!(r("/srv/static/a/b", "/srv/static"), Some("a/b".into()));
        assert_eq!(r("/srv/static", "/srv/static"), Some("".into()));
        assert_eq!(r("/srv/static_evil/x", "/srv/static"), None);
        assert_eq!(r("/srv/x", "/srv/static"), None);
        assert_eq!(r("/a", "/"), Some("a".into()));
        assert_eq!(r("/", "/"), Some("".into()));
    }

    #[test]
    fn byte_normalisation_agrees_with_components() {
        for p in [
            "/",
            "//",
            "/a/./b/../c",
            "/../..",
            "/a//b///",
            "/a/b/..",
            "/.hidden/./x",
            "/a/..b/c..",
            "/a/b/../../..",
            "/x/.",
            "/srv/static",
            "/srv/static/",
        ] {
            let by_bytes = normalize(Path::new(p));
            assert_eq!(normalized(Path::new(p)), by_bytes, "{p}");
            let joined = normalize(&Path::new(p).join("x/../y/./z/"));
            assert_eq!(absolute_path(Path::new(p), "x/../y/./z/"), joined, "{p}");
            let mut by_components = PathBuf::new();
            for c in Path::new(p).components() {
                match c {
                    Component::ParentDir => {
                        if by_components.parent().is_some() {
                            by_components.pop();
                        }
                    }
                    Component::CurDir => {}
                    c => by_components.push(c),
                }
            }
            assert_eq!(by_bytes, by_components, "{p}");
        }
    }

    #[test]
    fn sibling_with_shared_prefix_is_outside() {
        let abs = absolute_path(Path::new("/srv/static"), "../static_evil/x");
        assert_eq!(abs, Path::new("/srv/static_evil/x"));
        assert!(!abs.starts_with("/srv/static"));
    }
}
