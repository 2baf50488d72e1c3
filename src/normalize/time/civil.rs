//! The proleptic Gregorian calendar in integer arithmetic (days from and to civil dates), and
//! instants written as ISO 8601 text: in UTC, on a wall clock, or in a zone with its offset.

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

/// ISO 8601 text of an instant in `zone`, with the zone's offset at that instant, for the
/// local-time columns people read beside the UTC ones: `2011-05-02T10:02:46-04:00` in
/// `America/Toronto`; `Z` in UTC. Fractions as [`format_utc`]. An instant chrono cannot place
/// (beyond its years) falls back to [`format_utc`].
///
/// # Examples
/// ```
/// use callsift::normalize::time::format_in_zone;
/// let toronto: chrono_tz::Tz = "America/Toronto".parse().unwrap();
/// assert_eq!(format_in_zone(1_304_344_966_000_000, toronto), "2011-05-02T10:02:46-04:00");
/// assert_eq!(format_in_zone(1_293_876_000_500_000, toronto), "2011-01-01T05:00:00.500-05:00");
/// assert_eq!(format_in_zone(1_304_344_966_000_000, chrono_tz::UTC), "2011-05-02T14:02:46Z");
/// ```
pub fn format_in_zone(micros: i64, zone: chrono_tz::Tz) -> String {
    use chrono::Offset;
    let Some(t) = chrono::DateTime::from_timestamp_micros(micros) else {
        return format_utc(micros);
    };
    let offset_s = zone
        .offset_from_utc_datetime(&t.naive_utc())
        .fix()
        .local_minus_utc();
    let wall = format_utc(micros + i64::from(offset_s) * MICROS_PER_SEC);
    let wall = wall.strip_suffix('Z').unwrap_or(&wall);
    if offset_s == 0 && zone == chrono_tz::UTC {
        return format!("{wall}Z");
    }
    let sign = if offset_s < 0 { '-' } else { '+' };
    let a = offset_s.unsigned_abs();
    format!("{wall}{sign}{:02}:{:02}", a / 3600, a / 60 % 60)
}
