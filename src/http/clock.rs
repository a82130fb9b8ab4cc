//! Clock reads for the hot path.
//!
//! Reading the clock costs tens of nanoseconds on a virtual machine, and a request used to read
//! it three times (its start as `Instant` and as wall-clock time, then the `Date` header). Two
//! things make that one read per connection wake-up:
//!
//! - A connection's driver opens a [`Scope`] for each poll: code running inside it (decoding,
//!   handlers that finish at once, encoding) takes [`now`] from the scope instead of the clock.
//!   A poll lasts as long as the work it does, so the time is as fresh as the work is short.
//! - Wall-clock time is derived from an `Instant` through a per-thread anchor (an `Instant` and
//!   the `SystemTime` read together), re-read when it is more than a second old, so a step of
//!   the system clock shows within a second.

use std::cell::Cell;
use std::time::{Duration, Instant, SystemTime};

thread_local! {
    static SCOPE_NOW: Cell<Option<Instant>> = const { Cell::new(None) };
    static ANCHOR: Cell<Option<(Instant, SystemTime)>> = const { Cell::new(None) };
}

/// How old the wall-clock anchor may get before it is read again.
const ANCHOR_TTL: Duration = Duration::from_secs(1);

/// The current time: the enclosing [`Scope`]'s, else a fresh read.
#[inline]
pub(crate) fn now() -> Instant {
    SCOPE_NOW.get().unwrap_or_else(Instant::now)
}

/// The wall-clock time at `t` (an `Instant` from [`now`], or close to it).
pub(crate) fn system_time_at(t: Instant) -> SystemTime {
    let (at, wall) = match ANCHOR.get() {
        Some((at, wall)) if t.max(at) - t.min(at) < ANCHOR_TTL => (at, wall),
        _ => {
            let anchor = (Instant::now(), SystemTime::now());
            ANCHOR.set(Some(anchor));
            anchor
        }
    };
    match t.checked_duration_since(at) {
        Some(after) => wall + after,
        None => wall - (at - t),
    }
}

/// Fixes [`now`] for the current thread until dropped (then the previous scope, if any, is
/// back).
pub(crate) struct Scope {
    previous: Option<Instant>,
}

impl Scope {
    /// Reads the clock once for everything done until the scope is dropped.
    pub(crate) fn enter() -> Scope {
        Scope {
            previous: SCOPE_NOW.replace(Some(Instant::now())),
        }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        SCOPE_NOW.set(self.previous);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_fixes_now_and_restores_the_outer_one() {
        let before = now();
        let outer = Scope::enter();
        let fixed = now();
        assert!(fixed >= before);
        assert_eq!(now(), fixed);
        {
            let _inner = Scope::enter();
            assert!(now() >= fixed);
        }
        assert_eq!(now(), fixed);
        drop(outer);
        assert_eq!(SCOPE_NOW.get(), None);
    }

    #[test]
    fn wall_clock_time_follows_the_system_clock() {
        // Bracketed by direct reads; the slack only absorbs the two clocks' rates differing
        // (NTP slewing), it is not a timing bound.
        let slack = Duration::from_secs(1);
        let before = SystemTime::now();
        let t = Instant::now();
        let derived = system_time_at(t);
        let after = SystemTime::now();
        assert!(derived + slack >= before && derived <= after + slack);
        // Earlier instants map to earlier wall-clock times, by the same amount (give or take
        // a re-read anchor).
        let earlier = t - Duration::from_millis(10);
        let diff = system_time_at(t)
            .duration_since(system_time_at(earlier))
            .unwrap();
        assert!(diff.abs_diff(Duration::from_millis(10)) < Duration::from_millis(1));
    }
}
