//! The `Date` header value, formatted at most once per second per thread.

use std::cell::RefCell;
use std::time::{Duration, Instant, UNIX_EPOCH};

use crate::http::clock;

/// The formatted header line (`Date: <date>\r\n`) and the instants between which it holds
/// (one second of wall-clock time).
struct Cached {
    from: Instant,
    until: Instant,
    line: String,
}

impl Cached {
    /// The line for the second of wall-clock time that contains `now`.
    fn at(now: Instant) -> Cached {
        let wall = clock::system_time_at(now);
        let into_second = wall
            .duration_since(UNIX_EPOCH)
            .map(|d| Duration::from_nanos(u64::from(d.subsec_nanos())))
            .unwrap_or_default();
        let from = now.checked_sub(into_second).unwrap_or(now);
        Cached {
            from,
            until: from + Duration::from_secs(1),
            line: format!("Date: {}\r\n", httpdate::fmt_http_date(wall)),
        }
    }
}

thread_local! {
    static CACHE: RefCell<Option<Cached>> = const { RefCell::new(None) };
}

/// Calls `f` with the whole `Date` header line for now: `Date: <IMF-fixdate>\r\n`.
/// Inside a connection's poll the time is the poll's ([`clock::Scope`]); the line is formatted
/// once per second and otherwise found by comparing two instants.
pub(crate) fn with_date_line<R>(f: impl FnOnce(&[u8]) -> R) -> R {
    let now = clock::now();
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        let d = match &mut *c {
            Some(d) if d.from <= now && now < d.until => d,
            slot => refresh(slot, now),
        };
        f(d.line.as_bytes())
    })
}

/// Formats the line for the second `now` falls in (out of line: once a second).
#[cold]
#[inline(never)]
fn refresh(slot: &mut Option<Cached>, now: Instant) -> &mut Cached {
    slot.insert(Cached::at(now))
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_a_date_line_with_an_imf_fixdate() {
        let line = super::with_date_line(|l| String::from_utf8(l.to_vec()).unwrap());
        let date = line
            .strip_prefix("Date: ")
            .and_then(|l| l.strip_suffix("\r\n"))
            .unwrap();
        assert_eq!(date.len(), 29);
        assert!(date.ends_with(" GMT"));
        assert!(httpdate::parse_http_date(date).is_ok());
    }
}
