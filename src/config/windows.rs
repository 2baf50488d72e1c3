//! `[windows]` of the case manifest: the incident, baseline and orders windows, as written and
//! resolved to half-open intervals of UTC microseconds.
//!
//! A window is written in one of three forms; investigators think in local days, the engine in
//! instants, and each form resolves to exactly one `[start, end)`:
//!
//! ```toml
//! [windows]
//! incident = { date = "2011-05-02", time_zone = "America/Toronto" }               # one local day
//! baseline = { from = "2011-04-18", to = "2011-05-01", time_zone = "America/Toronto" } # days, `to` included
//! orders   = { start = "2011-04-01T00:00:00-04:00", end = "2011-06-01T00:00:00-04:00" } # RFC 3339
//! ```
//!
//! A local day starts at the first instant whose wall clock in the zone shows that date: local
//! midnight, or, in a zone whose clocks spring forward at midnight, the end of the gap; when
//! midnight happens twice (a fall-back at midnight), the first. A day ends where the next one
//! starts, so a day is 23 or 25 hours long across a change of offset.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// `[windows]`: each window in one of the forms of [`WindowSpec`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowsSection {
    /// The incident window (e.g. election day).
    pub incident: Option<WindowSpec>,
    /// The baseline window (e.g. the preceding 14 days).
    pub baseline: Option<WindowSpec>,
    /// The period the production orders cover; records outside it are left out of every figure.
    pub orders: Option<WindowSpec>,
}

/// A window as written: `start` and `end` in RFC 3339 with an offset (`end` excluded); or one
/// local `date`; or local days `from` … `to` (both included); the date forms with a
/// `time_zone` (IANA). Keys left out are left out of the recorded parameters too.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowSpec {
    /// Start, included (RFC 3339 with an offset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// End, excluded (RFC 3339 with an offset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// One local day, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The first local day, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The last local day, included, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The IANA zone of the local days (e.g. `America/Toronto`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// A half-open window `[start, end)` in UTC microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Start, included.
    pub start: i64,
    /// End, excluded.
    pub end: i64,
}

impl Window {
    /// Whether `t` falls in the window.
    pub fn contains(&self, t: i64) -> bool {
        self.start <= t && t < self.end
    }

    /// Length in microseconds.
    pub fn len_us(&self) -> i64 {
        self.end - self.start
    }
}

/// The windows, resolved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Windows {
    /// Incident window.
    pub incident: Option<Window>,
    /// Baseline window.
    pub baseline: Option<Window>,
    /// Orders window.
    pub orders: Option<Window>,
}

impl WindowsSection {
    /// The windows in UTC microseconds, each checked on its own (its form, its times, `end`
    /// after `start`). How they sit together is the caller's check.
    ///
    /// # Errors
    /// A message naming the key at fault (`windows.incident.date: ...`).
    pub fn resolve(&self) -> std::result::Result<Windows, String> {
        Ok(Windows {
            incident: resolve_one("windows.incident", self.incident.as_ref())?,
            baseline: resolve_one("windows.baseline", self.baseline.as_ref())?,
            orders: resolve_one("windows.orders", self.orders.as_ref())?,
        })
    }
}

/// One window, if written.
fn resolve_one(
    key: &str,
    spec: Option<&WindowSpec>,
) -> std::result::Result<Option<Window>, String> {
    let Some(s) = spec else { return Ok(None) };
    let w = match (&s.start, &s.end, &s.date, &s.from, &s.to) {
        (Some(start), Some(end), None, None, None) => {
            if s.time_zone.is_some() {
                return Err(format!(
                    "{key}.time_zone: applies to `date` or `from`/`to` only; `start` and `end` \
                     carry their own offset"
                ));
            }
            Window {
                start: instant(key, "start", start)?,
                end: instant(key, "end", end)?,
            }
        }
        (None, None, Some(date), None, None) => {
            let (tz, d) = (zone(key, s)?, day(key, "date", date)?);
            local_days(key, tz, d, d)?
        }
        (None, None, None, Some(from), Some(to)) => {
            let tz = zone(key, s)?;
            local_days(key, tz, day(key, "from", from)?, day(key, "to", to)?)?
        }
        _ => {
            return Err(format!(
                "{key}: write {{start, end}} (RFC 3339 with an offset), {{date, time_zone}} \
                 (one local day) or {{from, to, time_zone}} (local days, `to` included), \
                 one form only"
            ))
        }
    };
    if w.end <= w.start {
        return Err(format!("{key}: end must come after start"));
    }
    Ok(Some(w))
}

fn instant(key: &str, which: &str, s: &str) -> std::result::Result<i64, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.timestamp_micros())
        .map_err(|e| {
            format!(
                "{key}.{which}: {s:?} is not an RFC 3339 time with an offset \
                 (e.g. 2011-05-02T00:00:00-04:00): {e}"
            )
        })
}

fn day(key: &str, which: &str, s: &str) -> std::result::Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| (1000..=9998).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| {
            format!("{key}.{which}: {s:?} is not a date YYYY-MM-DD (years 1000 to 9998)")
        })
}

fn zone(key: &str, s: &WindowSpec) -> std::result::Result<Tz, String> {
    let Some(z) = &s.time_zone else {
        return Err(format!(
            "{key}.time_zone: local days need their IANA zone (e.g. time_zone = \"America/Toronto\")"
        ));
    };
    z.parse()
        .map_err(|_| format!("{key}.time_zone: {z:?} is not an IANA time zone name"))
}

/// Local days `first` to `last` (both included) in `tz`.
fn local_days(
    key: &str,
    tz: Tz,
    first: NaiveDate,
    last: NaiveDate,
) -> std::result::Result<Window, String> {
    if last < first {
        return Err(format!(
            "{key}: `to` ({last}) comes before `from` ({first})"
        ));
    }
    let after = last
        .succ_opt()
        .ok_or_else(|| format!("{key}.to: {last} has no next day"))?;
    Ok(Window {
        start: day_start(key, tz, first)?,
        end: day_start(key, tz, after)?,
    })
}

/// The first instant whose wall clock in `tz` shows date `d`, in UTC microseconds.
fn day_start(key: &str, tz: Tz, d: NaiveDate) -> std::result::Result<i64, String> {
    let midnight: NaiveDateTime = d.and_time(chrono::NaiveTime::MIN);
    // A gap at midnight: the day starts where the gap ends. Offsets change by whole minutes
    // in every zone of the tz database since 1000, and no gap lasts a day.
    for m in 0..24 * 60 {
        match tz.from_local_datetime(&(midnight + Duration::minutes(m))) {
            LocalResult::Single(t) => return Ok(t.timestamp_micros()),
            LocalResult::Ambiguous(first, _) => return Ok(first.timestamp_micros()),
            LocalResult::None => {}
        }
    }
    Err(format!(
        "{key}: {d} never shows on the clocks of {} (a skipped day)",
        tz.name()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(toml_text: &str) -> WindowsSection {
        toml::from_str(toml_text).unwrap()
    }

    fn utc(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_micros()
    }

    #[test]
    fn a_local_day_is_the_same_window_as_its_rfc3339_form() {
        let a = spec(r#"incident = { date = "2011-05-02", time_zone = "America/Toronto" }"#)
            .resolve()
            .unwrap();
        let b = spec(
            r#"incident = { start = "2011-05-02T00:00:00-04:00", end = "2011-05-03T00:00:00-04:00" }"#,
        )
        .resolve()
        .unwrap();
        assert_eq!(a, b);
        let c = spec(
            r#"baseline = { from = "2011-04-18", to = "2011-05-01", time_zone = "America/Toronto" }"#,
        )
        .resolve()
        .unwrap()
        .baseline
        .unwrap();
        assert_eq!(c.start, utc("2011-04-18T04:00:00Z"));
        assert_eq!(c.end, utc("2011-05-02T04:00:00Z"));
        assert_eq!(c.len_us(), 14 * 86_400_000_000);
    }

    #[test]
    fn days_across_a_change_of_offset_are_23_or_25_hours() {
        let day = |d: &str| {
            spec(&format!(
                r#"incident = {{ date = "{d}", time_zone = "America/Toronto" }}"#
            ))
            .resolve()
            .unwrap()
            .incident
            .unwrap()
            .len_us()
                / 3_600_000_000
        };
        assert_eq!(day("2011-03-13"), 23);
        assert_eq!(day("2011-11-06"), 25);
        assert_eq!(day("2011-05-02"), 24);
    }

    #[test]
    fn a_day_that_starts_in_a_gap_starts_where_the_gap_ends() {
        // America/Havana sprang forward at midnight on 2011-03-20: 00:00 became 01:00 (UTC-4).
        let w = spec(r#"incident = { date = "2011-03-20", time_zone = "America/Havana" }"#)
            .resolve()
            .unwrap()
            .incident
            .unwrap();
        assert_eq!(w.start, utc("2011-03-20T05:00:00Z"));
        assert_eq!(w.len_us(), 23 * 3_600_000_000);
        // Samoa skipped 2011-12-30 altogether.
        let e = spec(r#"incident = { date = "2011-12-30", time_zone = "Pacific/Apia" }"#)
            .resolve()
            .unwrap_err();
        assert!(
            e.contains("never shows on the clocks of Pacific/Apia"),
            "{e}"
        );
    }

    #[test]
    fn every_wrong_form_names_its_key() {
        let err = |t: &str| spec(t).resolve().unwrap_err();
        let e = err(r#"incident = { date = "2011-05-02" }"#);
        assert!(
            e.starts_with("windows.incident.time_zone: local days need"),
            "{e}"
        );
        let e = err(r#"orders = { date = "2011-05-02", time_zone = "America/Toronot" }"#);
        assert!(
            e.contains("windows.orders.time_zone: \"America/Toronot\" is not"),
            "{e}"
        );
        let e = err(r#"incident = { date = "2011-5-2x", time_zone = "UTC" }"#);
        assert!(
            e.contains("windows.incident.date: \"2011-5-2x\" is not a date"),
            "{e}"
        );
        let e = err(
            r#"incident = { date = "2011-05-02", start = "2011-05-02T00:00:00Z", time_zone = "UTC" }"#,
        );
        assert!(e.contains("one form only"), "{e}");
        let e = err(r#"incident = { from = "2011-05-02", time_zone = "UTC" }"#);
        assert!(e.contains("one form only"), "{e}");
        let e = err(r#"baseline = { from = "2011-05-02", to = "2011-05-01", time_zone = "UTC" }"#);
        assert!(
            e.contains("windows.baseline: `to` (2011-05-01) comes before"),
            "{e}"
        );
        let e = err(
            r#"incident = { start = "2011-05-02T00:00:00Z", end = "2011-05-03T00:00:00Z", time_zone = "UTC" }"#,
        );
        assert!(e.contains("windows.incident.time_zone: applies to"), "{e}");
        let e =
            err(r#"incident = { start = "2011-05-02T00:00:00", end = "2011-05-03T00:00:00Z" }"#);
        assert!(
            e.contains("windows.incident.start: \"2011-05-02T00:00:00\" is not an RFC 3339"),
            "{e}"
        );
        let e =
            err(r#"incident = { start = "2011-05-03T00:00:00Z", end = "2011-05-02T00:00:00Z" }"#);
        assert_eq!(e, "windows.incident: end must come after start");
        assert!(toml::from_str::<WindowsSection>(r#"incident = { day = "2011-05-02" }"#).is_err());
    }

    #[test]
    fn the_recorded_form_is_the_written_form() {
        let s = spec(r#"incident = { date = "2011-05-02", time_zone = "America/Toronto" }"#);
        let text = toml::to_string(&s).unwrap();
        assert!(text.contains("date = \"2011-05-02\""), "{text}");
        assert!(!text.contains("start"), "{text}");
        let back: WindowsSection = toml::from_str(&text).unwrap();
        assert_eq!(back.incident, s.incident);
    }
}
