//! HTTP dates ([`format_timestamp`]).

use std::time::{SystemTime, UNIX_EPOCH};

/// A point in time that [`format_timestamp`] can format: a [`SystemTime`], or Unix seconds as an
/// integer or float (fractions are dropped, rounding towards the past, as Python's `gmtime`
/// does; a NaN float counts as the epoch and infinities saturate).
pub trait Timestamp {
    /// Whole seconds since 1970-01-01T00:00:00Z (negative before it).
    fn unix_seconds(&self) -> i64;
}

impl Timestamp for SystemTime {
    fn unix_seconds(&self) -> i64 {
        match self.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => {
                let d = e.duration();
                let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                let secs = if d.subsec_nanos() > 0 {
                    secs.saturating_add(1)
                } else {
                    secs
                };
                -secs
            }
        }
    }
}

impl Timestamp for i64 {
    fn unix_seconds(&self) -> i64 {
        *self
    }
}

impl Timestamp for u64 {
    fn unix_seconds(&self) -> i64 {
        i64::try_from(*self).unwrap_or(i64::MAX)
    }
}

impl Timestamp for i32 {
    fn unix_seconds(&self) -> i64 {
        i64::from(*self)
    }
}

impl Timestamp for u32 {
    fn unix_seconds(&self) -> i64 {
        i64::from(*self)
    }
}

impl Timestamp for f64 {
    fn unix_seconds(&self) -> i64 {
        // `as` saturates and maps NaN to 0.
        self.floor() as i64
    }
}

/// The civil (proleptic Gregorian) date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats a time as an HTTP date (RFC 1123, always GMT and English names, whatever the
/// locale): Tornado's `format_timestamp`.
///
/// Any [`Timestamp`] is accepted: a [`SystemTime`] (times before 1970 included) or Unix
/// seconds as `i64`, `u64`, `i32`, `u32` or `f64`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use tornado::http::format_timestamp;
///
/// assert_eq!(format_timestamp(1359312200), "Sun, 27 Jan 2013 18:43:20 GMT");
/// assert_eq!(format_timestamp(1359312200.9), "Sun, 27 Jan 2013 18:43:20 GMT");
/// let t = UNIX_EPOCH + Duration::from_secs(1359312200);
/// assert_eq!(format_timestamp(t), "Sun, 27 Jan 2013 18:43:20 GMT");
/// ```
pub fn format_timestamp(t: impl Timestamp) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = t.unix_seconds();
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let weekday = DAYS[days.rem_euclid(7) as usize];
    let month = MONTHS[(month - 1) as usize];
    let (hour, minute, second) = (sod / 3600, sod / 60 % 60, sod % 60);
    if !(0..=9999).contains(&year) {
        return format!(
            "{weekday}, {day:02} {month} {year:04} {hour:02}:{minute:02}:{second:02} GMT"
        );
    }
    // The common case without the formatting machinery (this runs for every static file).
    let mut out = String::with_capacity(29);
    let two = |out: &mut String, n: i64| {
        out.push(char::from(b'0' + (n / 10 % 10) as u8));
        out.push(char::from(b'0' + (n % 10) as u8));
    };
    out.push_str(weekday);
    out.push_str(", ");
    two(&mut out, i64::from(day));
    out.push(' ');
    out.push_str(month);
    out.push(' ');
    two(&mut out, year / 100);
    two(&mut out, year % 100);
    out.push(' ');
    two(&mut out, hour);
    out.push(':');
    two(&mut out, minute);
    out.push(':');
    two(&mut out, second);
    out.push_str(" GMT");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps() {
        let t = UNIX_EPOCH + Duration::from_millis(1_359_312_200_999);
        assert_eq!(format_timestamp(t), "Sun, 27 Jan 2013 18:43:20 GMT");
        let before = UNIX_EPOCH - Duration::from_millis(500);
        assert_eq!(format_timestamp(before), "Wed, 31 Dec 1969 23:59:59 GMT");
        assert_eq!(format_timestamp(-0.5), "Wed, 31 Dec 1969 23:59:59 GMT");
        assert_eq!(format_timestamp(f64::NAN), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            format_timestamp(951_782_400u32),
            "Tue, 29 Feb 2000 00:00:00 GMT"
        );
        assert_eq!(format_timestamp(0i32), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(format_timestamp(u64::MAX), format_timestamp(i64::MAX));
        // Extreme values format without overflowing.
        assert!(format_timestamp(i64::MAX).ends_with(" GMT"));
        assert!(format_timestamp(i64::MIN).ends_with(" GMT"));
        assert!(format_timestamp(f64::INFINITY).ends_with(" GMT"));
    }

    #[test]
    fn fast_path_matches_the_formatted_one() {
        // The same fields through `format!`, for every few hours from 1900 to 2200 and around
        // the year-9999 boundary where the fast path hands over.
        let reference = |secs: i64| {
            let days = secs.div_euclid(86_400);
            let sod = secs.rem_euclid(86_400);
            let (year, month, day) = civil_from_days(days);
            let wd = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
            let mon = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ][(month - 1) as usize];
            format!(
                "{wd}, {day:02} {mon} {year:04} {:02}:{:02}:{:02} GMT",
                sod / 3600,
                sod / 60 % 60,
                sod % 60
            )
        };
        let mut secs = -2_208_988_800i64; // 1900-01-01
        while secs < 7_258_118_400 {
            assert_eq!(format_timestamp(secs), reference(secs), "{secs}");
            secs += 7_919;
        }
        for secs in [
            253_402_300_799i64,
            253_402_300_800,
            -62_167_219_200,
            -62_167_219_201,
        ] {
            assert_eq!(format_timestamp(secs), reference(secs), "{secs}");
        }
    }
}
