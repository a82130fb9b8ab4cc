//! Content versions: the SHA-512 of a file, hashed incrementally, and the cache that keeps
//! them per absolute path while the file's modification time and size stay the same.
//!
//! The version is both the `?v=` of [`static_url`](crate::web::RequestContext::static_url) and
//! the `Etag` of the file's responses, as in Tornado.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::{File, Metadata};
use std::hash::BuildHasherDefault;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use ring::digest;

use crate::http::SharedStr;

/// What a cached version is valid for: the file's modification time and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    modified: Option<SystemTime>,
    size: u64,
}

impl Stamp {
    pub(crate) fn of(meta: &Metadata) -> Stamp {
        Stamp {
            modified: meta.modified().ok(),
            size: meta.len(),
        }
    }
}

/// A cached version, and the header values made of it and of the stamp.
struct Entry {
    stamp: Stamp,
    version: String,
    headers: CachedHeaders,
}

/// The `Etag` (the version in double quotes) and `Last-Modified` values of a cached file.
#[derive(Debug, Clone)]
pub(crate) struct CachedHeaders {
    pub(crate) etag: SharedStr,
    /// The `Etag` holds no control character (a custom `get_content_version` could give one;
    /// then it is checked, and refused, when set).
    pub(crate) etag_valid: bool,
    pub(crate) last_modified: SharedStr,
}

/// The Fx hash (rustc's), eight bytes at a time: the cache's keys are the paths of files that
/// exist and were hashed (validated paths, not whatever a client sends), so a fast hash without
/// a random key will do; SipHash over a `Path` (which hashes it component by component) cost
/// more than the rest of the lookup.
#[derive(Default)]
struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let word = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            h = (h.rotate_left(5) ^ word).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
        self.0 = h;
    }
}

/// Keyed by the path's bytes (`OsString` hashes them as they are).
type Cache = Mutex<HashMap<OsString, Entry, BuildHasherDefault<FxHasher>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::default()))
}

/// The cached version of `path`, if it was computed for this `stamp`.
pub(crate) fn cached(path: &Path, stamp: Stamp) -> Option<String> {
    look_up(path, stamp, |e| e.version.clone())
}

/// The `Etag` and `Last-Modified` of `path`, if its version was computed for this `stamp`.
pub(crate) fn cached_headers(path: &Path, stamp: Stamp) -> Option<CachedHeaders> {
    look_up(path, stamp, |e| e.headers.clone())
}

/// `take` of the entry for `path`, if there is one for this `stamp`.
fn look_up<T>(path: &Path, stamp: Stamp, take: impl FnOnce(&Entry) -> T) -> Option<T> {
    let cache = cache().lock().ok()?;
    cache
        .get(path.as_os_str())
        .filter(|e| e.stamp == stamp)
        .map(take)
}

/// The `Etag` header value for a version.
pub(crate) fn etag_of(version: &str) -> SharedStr {
    SharedStr::from(Arc::<str>::from(format!("\"{version}\"")))
}

/// Remembers the version of `path` at `stamp`.
pub(crate) fn store(path: &Path, stamp: Stamp, version: &str) {
    if let Ok(mut cache) = cache().lock() {
        let modified = stamp.modified.unwrap_or(std::time::UNIX_EPOCH);
        let etag = etag_of(version);
        let entry = Entry {
            stamp,
            version: version.to_owned(),
            headers: CachedHeaders {
                etag_valid: crate::http::headers::is_value(etag.as_bytes()),
                etag,
                // Shared (not owned), so each request's copy only counts a reference.
                last_modified: SharedStr::from(Arc::<str>::from(crate::http::format_timestamp(
                    modified,
                ))),
            },
        };
        cache.insert(path.as_os_str().to_owned(), entry);
    }
}

/// The lock that lets one thread at a time hash `path`, so that many first requests for a
/// large file hash it once, not once each. One per path ever hashed (a few bytes each).
pub(crate) fn gate(path: &Path) -> Arc<Mutex<()>> {
    static GATES: OnceLock<Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>> = OnceLock::new();
    let gates = GATES.get_or_init(|| Mutex::new(HashMap::new()));
    match gates.lock() {
        Ok(mut g) => g.entry(path.to_owned()).or_default().clone(),
        // A poisoned map only costs the de-duplication.
        Err(_) => Arc::new(Mutex::new(())),
    }
}

/// Forgets every cached version (Tornado's `StaticFileHandler.reset()`).
pub fn reset() {
    if let Ok(mut cache) = cache().lock() {
        cache.clear();
    }
}

/// The SHA-512 of the file at `path` as lower-case hex (Tornado 6's `get_content_version`),
/// read in 64 KiB pieces so that a file of any size is hashed in constant memory.
///
/// ```no_run
/// let v = tornado::web::static_files::hash_file(std::path::Path::new("static/site.css"))?;
/// assert_eq!(v.len(), 128);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn hash_file(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut ctx = digest::Context::new(&digest::SHA512);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => ctx.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(crate::web::signed::hex_encode(ctx.finish().as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha512_of_known_content() {
        let dir = std::env::temp_dir().join(format!("tornado-version-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("abc.txt");
        assert!(std::fs::write(&path, b"abc").is_ok());
        let v = hash_file(&path).unwrap_or_default();
        assert_eq!(
            v,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
        let meta = std::fs::metadata(&path);
        assert!(meta.is_ok());
        if let Ok(meta) = meta {
            let stamp = Stamp::of(&meta);
            store(&path, stamp, &v);
            assert_eq!(cached(&path, stamp).as_deref(), Some(v.as_str()));
            let other = Stamp {
                size: stamp.size + 1,
                ..stamp
            };
            assert_eq!(cached(&path, other), None);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
