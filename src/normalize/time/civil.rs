//! The proleptic Gregorian calendar in integer arithmetic (days from and to civil dates), and
//! UTC instants written as ISO 8601 text.

use super::*;

pub(super) const fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

pub(super) const fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub(super) const fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (inverse of [`days_from_civil`]).
pub(super) const fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + if m <= 2 { 1 } else { 0 }, m as u32, d)
}

/// ISO 8601 text of a wall-clock date-time without zone (microseconds since 1970-01-01T00:00
/// on that clock), marked as such: `2011-05-02T09:15:02 (local)`.
///
/// # Examples
/// ```
/// use callsift::normalize::time::format_wall_clock;
/// assert_eq!(format_wall_clock(1_304_327_702_000_000), "2011-05-02T09:15:02 (local)");
/// ```
pub fn format_wall_clock(micros: i64) -> String {
    let t = format_utc(micros);
    format!("{} (local)", t.strip_suffix('Z').unwrap_or(&t))
}

/// ISO 8601 UTC text of an instant, for reports and quarantine messages:
/// `2011-05-02T14:03:07Z`, with `.250` or `.250001` only when there is a fraction.
/// Years outside 0..=9999 carry a sign (`+12345-01-01T00:00:00Z`).
///
/// # Examples
/// ```
/// use callsift::normalize::time::format_utc;
/// assert_eq!(format_utc(1_304_344_987_000_000), "2011-05-02T14:03:07Z");
/// assert_eq!(format_utc(1_304_344_987_250_000), "2011-05-02T14:03:07.250Z");
/// assert_eq!(format_utc(-1), "1969-12-31T23:59:59.999999Z");
/// ```
pub fn format_utc(micros: i64) -> String {
    let secs = micros.div_euclid(MICROS_PER_SEC);
    let sub = micros.rem_euclid(MICROS_PER_SEC);
    let (y, m, d) = civil_from_days(secs.div_euclid(SECS_PER_DAY));
    let tod = secs.rem_euclid(SECS_PER_DAY);
    let mut out = String::with_capacity(32);
    // Writing to a String cannot fail.
    let _ = if (0..=9999).contains(&y) {
        write!(out, "{y:04}")
    } else {
        write!(out, "{y:+05}")
    };
    let _ = write!(
        out,
        "-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        tod / 3600,
        tod / 60 % 60,
        tod % 60
    );
    let _ = match sub {
        0 => Ok(()),
        s if s % 1000 == 0 => write!(out, ".{:03}", s / 1000),
        s => write!(out, ".{s:06}"),
    };
    out.push('Z');
    out
}
