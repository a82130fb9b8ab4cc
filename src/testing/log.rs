//! Log capture for tests: [`ExpectLog`].

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use regex::Regex;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

struct Watcher {
    target: Option<String>,
    pattern: Regex,
    level: OnceLock<Level>,
    hits: AtomicUsize,
    lock: Mutex<()>,
    seen: Condvar,
}

fn watchers() -> &'static Mutex<Vec<Arc<Watcher>>> {
    static W: OnceLock<Mutex<Vec<Arc<Watcher>>>> = OnceLock::new();
    W.get_or_init(|| Mutex::new(Vec::new()))
}

struct Capture;

struct MessageVisitor(String);

impl Visit for MessageVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write;
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else {
            self.0.push_str(&format!(" {}={value}", field.name()));
        }
    }
}

impl<S: Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let list = match watchers().lock() {
            Ok(l) => l.clone(),
            Err(_) => return,
        };
        if list.is_empty() {
            return;
        }
        let meta = event.metadata();
        let mut v = MessageVisitor(String::new());
        event.record(&mut v);
        for w in list {
            if w.target
                .as_deref()
                .is_some_and(|t| !meta.target().starts_with(t))
            {
                continue;
            }
            if w.level.get().is_some_and(|l| l != meta.level()) {
                continue;
            }
            if w.pattern.is_match(&v.0) {
                let _g = w.lock.lock();
                w.hits.fetch_add(1, Ordering::SeqCst);
                w.seen.notify_all();
            }
        }
    }
}

/// Installs the process-wide log subscriber used by tests: log capture for [`ExpectLog`], plus
/// printing filtered by `RUST_LOG` (nothing printed when it is unset). Idempotent; does nothing
/// if another global subscriber was installed first.
pub fn init_logging() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("off"));
        let fmt = tracing_subscriber::fmt::layer()
            .with_test_writer()
            .with_filter(filter);
        let _ = tracing_subscriber::registry()
            .with(Capture)
            .with(fmt)
            .try_init();
    });
}

/// Asserts that a log event matching a pattern was (or was not) emitted while it lived —
/// Tornado's `ExpectLog`. Events from every thread count (server workers included).
///
/// ```
/// use tornado::testing::ExpectLog;
///
/// let expect = ExpectLog::new("tornado.application", "Uncaught panic");
/// tracing::error!(target: "tornado.application", "Uncaught panic in request handler: boom");
/// assert_eq!(expect.count(), 1);
/// // On drop it asserts that a match was seen.
/// ```
pub struct ExpectLog {
    watcher: Arc<Watcher>,
    required: bool,
}

impl std::fmt::Debug for ExpectLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExpectLog")
            .field("pattern", &self.watcher.pattern.as_str())
            .field("required", &self.required)
            .finish()
    }
}

impl ExpectLog {
    /// Expects an event whose target starts with `target` (empty: any target) and whose message
    /// matches the regex `pattern`.
    ///
    /// # Panics
    ///
    /// If `pattern` is not a valid regex (a test bug).
    pub fn new(target: &str, pattern: &str) -> ExpectLog {
        Self::build(target, pattern, true)
    }

    /// Expects that no such event is emitted.
    pub fn not_logged(target: &str, pattern: &str) -> ExpectLog {
        Self::build(target, pattern, false)
    }

    fn build(target: &str, pattern: &str, required: bool) -> ExpectLog {
        init_logging();
        let pattern = match Regex::new(pattern) {
            Ok(r) => r,
            Err(e) => panic!("ExpectLog: invalid pattern {pattern:?}: {e}"),
        };
        let watcher = Arc::new(Watcher {
            target: (!target.is_empty()).then(|| target.to_owned()),
            pattern,
            level: OnceLock::new(),
            hits: AtomicUsize::new(0),
            lock: Mutex::new(()),
            seen: Condvar::new(),
        });
        if let Ok(mut l) = watchers().lock() {
            l.push(watcher.clone());
        }
        ExpectLog { watcher, required }
    }

    /// Only events at `level` count (set it before the events happen).
    pub fn level(self, level: Level) -> Self {
        let _ = self.watcher.level.set(level);
        self
    }

    /// How many matching events were seen so far.
    pub fn count(&self) -> usize {
        self.watcher.hits.load(Ordering::SeqCst)
    }

    /// Waits up to `limit` for a first match (events from other threads may lag the response
    /// that caused them); `true` once seen.
    pub fn wait(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut guard = match self.watcher.lock.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        while self.count() == 0 {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            guard = match self.watcher.seen.wait_timeout(guard, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
        true
    }
}

impl Drop for ExpectLog {
    fn drop(&mut self) {
        if let Ok(mut l) = watchers().lock() {
            l.retain(|w| !Arc::ptr_eq(w, &self.watcher));
        }
        if std::thread::panicking() {
            return;
        }
        let n = self.count();
        if self.required {
            assert!(
                n > 0,
                "did not get expected log message matching {:?}",
                self.watcher.pattern.as_str()
            );
        } else {
            assert!(
                n == 0,
                "got {n} unexpected log messages matching {:?}",
                self.watcher.pattern.as_str()
            );
        }
    }
}
