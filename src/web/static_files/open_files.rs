//! A per-thread cache of open static files (Linux), so that a file served again is not opened,
//! checked and closed again: nginx's `open_file_cache`, but checked on every request.
//!
//! An entry is made only for a regular file opened by the one-walk path (`openat2` with no
//! link anywhere on the path, after the lexical checks). Serving from it costs one `stat` of the
//! path instead of `openat2` + `fstat` + `close`, and the `stat` must still find the same file:
//! same device and inode and the same change time. Replacing the file (a rename over it),
//! writing to it, changing its permissions or owner, linking or unlinking it all change one of
//! those, and then the file is opened afresh the usual way (so a link put on the path is
//! checked, and a file made unreadable is refused). A file that is gone drops its entry.
//!
//! The cache holds file descriptors, so it is bounded: each thread keeps at most 1/16 of the
//! process's descriptor limit divided by the number of CPUs (at most 128), and entries not used
//! for [`IDLE`] are closed, so that a deleted file does not keep its disk space for long.
//!
//! What it does not see: a directory on the path moved elsewhere and replaced by a link to its
//! new place keeps serving the same (unchanged) files until they change or fall idle, where
//! a fresh lookup would refuse a link leading out of the root.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::{File, Metadata};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// How long an unused entry stays open.
const IDLE: Duration = Duration::from_secs(10);

/// How often idle entries are looked for.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// What must stay the same for a cached descriptor to be the file the path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Identity {
    dev: u64,
    ino: u64,
    ctime: i64,
    ctime_nsec: i64,
}

impl Identity {
    fn of(meta: &Metadata) -> Identity {
        Identity {
            dev: meta.dev(),
            ino: meta.ino(),
            ctime: meta.ctime(),
            ctime_nsec: meta.ctime_nsec(),
        }
    }
}

struct Entry {
    file: Arc<File>,
    identity: Identity,
    last_used: Instant,
}

#[derive(Default)]
struct OpenFiles {
    entries: HashMap<OsString, Entry>,
    swept: Option<Instant>,
}

thread_local! {
    static OPEN: RefCell<OpenFiles> = RefCell::new(OpenFiles::default());
}

/// How many files one thread may keep open.
fn capacity() -> usize {
    static CAPACITY: OnceLock<usize> = OnceLock::new();
    *CAPACITY.get_or_init(|| {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `limit` is a valid, exclusive `rlimit` for the call to fill in.
        let soft = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
            limit.rlim_cur
        } else {
            1024
        };
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
        usize::try_from((soft / 16 / cpus).min(128)).unwrap_or(0)
    })
}

/// The cached file for `path` with its current metadata, if the path still names it.
pub(crate) fn get(path: &Path) -> Option<(Arc<File>, Metadata)> {
    OPEN.with_borrow_mut(|open| {
        let now = crate::http::clock::now();
        open.sweep(now);
        let entry = open.entries.get_mut(path.as_os_str())?;
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() && Identity::of(&meta) == entry.identity => {
                entry.last_used = now;
                Some((entry.file.clone(), meta))
            }
            _ => {
                open.entries.remove(path.as_os_str());
                None
            }
        }
    })
}

/// Remembers `file`, just opened for `path` by the one-walk path with this metadata.
pub(crate) fn put(path: &Path, file: &Arc<File>, meta: &Metadata) {
    if !meta.is_file() {
        return;
    }
    let cap = capacity();
    if cap == 0 {
        return;
    }
    OPEN.with_borrow_mut(|open| {
        let now = crate::http::clock::now();
        if open.entries.len() >= cap && !open.entries.contains_key(path.as_os_str()) {
            // Full: the least recently used goes.
            let oldest = open
                .entries
                .iter()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                open.entries.remove(&oldest);
            }
        }
        open.entries.insert(
            path.as_os_str().to_owned(),
            Entry {
                file: file.clone(),
                identity: Identity::of(meta),
                last_used: now,
            },
        );
    })
}

impl OpenFiles {
    /// Closes the entries not used for [`IDLE`], at most once per [`SWEEP_EVERY`].
    fn sweep(&mut self, now: Instant) {
        if self
            .swept
            .is_some_and(|t| now.saturating_duration_since(t) < SWEEP_EVERY)
        {
            return;
        }
        self.swept = Some(now);
        self.entries
            .retain(|_, e| now.saturating_duration_since(e.last_used) < IDLE);
    }
}

/// Closes every cached file of this thread (for tests).
#[cfg(test)]
pub(crate) fn clear() {
    OPEN.with_borrow_mut(|open| open.entries.clear());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::fs::canonicalize(std::env::temp_dir())
            .unwrap()
            .join(format!("tornado-open-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn open(path: &Path) -> (Arc<File>, Metadata) {
        let file = File::open(path).unwrap();
        let meta = file.metadata().unwrap();
        (Arc::new(file), meta)
    }

    #[test]
    fn a_file_is_served_from_the_cache_until_it_changes_or_goes() {
        clear();
        if capacity() == 0 {
            return; // No cache on this machine (see the test below).
        }
        let dir = temp("changes");
        let path = dir.join("a.txt");
        std::fs::write(&path, "one").unwrap();
        let (file, meta) = open(&path);
        put(&path, &file, &meta);
        let (cached, meta2) = get(&path).expect("cached");
        assert!(Arc::ptr_eq(&cached, &file));
        assert_eq!(meta2.len(), 3);

        // Replaced by a rename: another inode, so not the cached file.
        let new = dir.join("a.new");
        std::fs::write(&new, "two!").unwrap();
        std::fs::rename(&new, &path).unwrap();
        assert!(get(&path).is_none());
        assert!(get(&path).is_none(), "the stale entry is dropped");

        // Permissions changed: the change time moves.
        let (file, meta) = open(&path);
        put(&path, &file, &meta);
        assert!(get(&path).is_some());
        // A file system's clock can be coarse, so a change right after the file was made may
        // keep its change time: change the mode until the change time has moved (no sleep).
        let mut mode = 0o600;
        while Identity::of(&std::fs::metadata(&path).unwrap()) == Identity::of(&meta) {
            let mut perms = std::fs::metadata(&path).unwrap().permissions();
            std::os::unix::fs::PermissionsExt::set_mode(&mut perms, mode);
            std::fs::set_permissions(&path, perms).unwrap();
            mode ^= 0o004;
        }
        assert!(get(&path).is_none());

        // Deleted: the entry goes.
        let (file, meta) = open(&path);
        put(&path, &file, &meta);
        std::fs::remove_file(&path).unwrap();
        assert!(get(&path).is_none());

        // Replaced by a link to another file: another inode.
        std::fs::write(dir.join("other.txt"), "other").unwrap();
        std::fs::write(&path, "one").unwrap();
        let (file, meta) = open(&path);
        put(&path, &file, &meta);
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(dir.join("other.txt"), &path).unwrap();
        assert!(get(&path).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn directories_are_not_kept_and_the_cache_is_bounded() {
        clear();
        let dir = temp("bounded");
        let (d, dmeta) = open(&dir);
        put(&dir, &d, &dmeta);
        assert!(get(&dir).is_none());
        let cap = capacity();
        if cap == 0 {
            // A descriptor limit too small for a cache on this many CPUs: nothing is kept.
            let path = dir.join("f");
            std::fs::write(&path, "x").unwrap();
            let (file, meta) = open(&path);
            put(&path, &file, &meta);
            assert!(get(&path).is_none());
            let _ = std::fs::remove_dir_all(&dir);
            return;
        }
        for i in 0..cap + 5 {
            let path = dir.join(format!("f{i}"));
            std::fs::write(&path, "x").unwrap();
            let (file, meta) = open(&path);
            put(&path, &file, &meta);
        }
        let kept = OPEN.with_borrow(|open| open.entries.len());
        assert_eq!(kept, cap);
        clear();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
