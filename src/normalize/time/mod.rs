//! Timestamps and call durations: evidence text to canonical UTC microseconds.
//!
//! Carrier and vendor logs write times as *local wall-clock text* in a format of their own
//! (`2011-05-02 10:03:07`, `02/05/2011 10:03`, `1304344987`, an Excel serial, ...). The case
//! store keeps every time as an [`Instant`]: UTC microseconds since the Unix epoch, the value
//! behind Arrow's `Timestamp(Microsecond, "UTC")`. This module turns the text into that value,
//! strictly, and says why when it cannot, so that the row goes to the quarantine with a reason
//! ([`TimeError::as_str`]) instead of being guessed at.
//!
//! # Words
//! - **Local time**: a date and time on the wall clock of the profile's IANA zone, with no
//!   offset written next to it.
//! - **Gap**: local times skipped when clocks spring forward (`2024-03-10 02:30` does not exist
//!   in `America/Toronto`). Such a value is [`TimeError::Gap`], always: there is no right answer.
//! - **Fold**: local times that happen twice when clocks fall back (`2024-11-03 01:30` in
//!   `America/Toronto` is 05:30Z *and* 06:30Z). The profile's [`AmbiguousPolicy`] picks the
//!   earlier instant (default) or the later one, and the result carries
//!   [`Instant::ambiguous`]` = true` so the choice is counted and audited; with
//!   [`AmbiguousPolicy::Quarantine`] the value is [`TimeError::Ambiguous`].
//!
//! # The format language
//! A profile lists one or more formats, tried in order; the first that reads the whole text
//! wins. Each is either a chrono strftime pattern or one of four special names:
//!
//! | format | reads | example |
//! |---|---|---|
//! | strftime, e.g. `%Y-%m-%d %H:%M:%S` | local time in the profile's zone | `2011-05-02 10:03:07` |
//! | strftime with `%z` / `%:z` | the written offset, zone ignored | `2011-05-02T10:03:07-04:00` |
//! | strftime ending in the literal `Z` or `UTC` | UTC, zone ignored | `2011-05-02T14:03:07.25Z` |
//! | `rfc3339` | RFC 3339 (`T`, `t` or space; `Z` or `±hh:mm`) | `2011-05-02T14:03:07Z` |
//! | `epoch_s`, `epoch_ms` | Unix seconds / milliseconds, optional fraction | `1304344987.5` |
//! | `excel_serial` | Excel 1900-system serial day, local time | `40665.5855` |
//!
//! Strftime patterns mean exactly what chrono's `NaiveDateTime::parse_from_str` makes of them
//! (numbers take 1 to their usual width of digits, so `%m` reads `3` and `03`; a space in the
//! pattern matches any run of white space, including none; `%b` is an English month
//! abbreviation in any case; `%y` is a two-digit year), with these deliberate differences:
//! - **Leap seconds** (`23:59:60`, which chrono accepts) are [`TimeError::Impossible`]: no
//!   carrier switch logs a real leap second, and the Arrow/Parquet timestamp cannot hold one.
//! - **Years** must lie in 1000..=9999. chrono reads `%Y` from one to four digits, so a
//!   two-digit year under `%Y` would silently become the year 24 AD; here it is
//!   [`TimeError::Impossible`], which shows a wrong profile at once.
//! - **Two-digit years** (`%y`) follow chrono (and roughly POSIX): `00`–`69` are 2000–2069,
//!   `70`–`99` are 1970–1999.
//! - **Date-only patterns** (no time field at all, e.g. `%Y-%m-%d`) read as local midnight.
//! - **A trailing literal `Z` or `UTC`** in the pattern marks the text as UTC.
//! - **Sub-microsecond digits** are truncated (toward the past).
//! - **`%Z` (zone names such as `EST`) is refused** when the parser is built: a name cannot be
//!   turned into an offset safely (carriers write `EST` all year), so match it as literal text
//!   and set the zone, or use a zone with a fixed offset such as `EST` or `Etc/GMT+5`.
//!
//! Every other impossible value is an error, never rolled over: 31 April, 30 February,
//! 29 February in a common year, hour 24 or 25, minute or second 60+, month 13. Text left over
//! after the pattern is [`TimeError::Unparseable`]; white space around the value is trimmed.
//! When no format reads the value, the error is [`TimeError::Impossible`] if some format
//! recognised its shape but not its value, else [`TimeError::Unparseable`]; a gap or fold met by
//! a format that read the text ends the search (another format would reinterpret valid text).
//!
//! `excel_serial` uses the 1900 date system: serial 1 is 1900-01-01, serial 61 is 1900-03-01,
//! and serials 0 (Excel's `1900-01-00`) and 60 (its fictitious `1900-02-29`, kept for Lotus
//! 1-2-3 compatibility) are [`TimeError::Impossible`]. The fraction of a day is rounded to the
//! millisecond, the finest unit Excel displays, because a binary double cannot hold a clock
//! time exactly (`14:03:07` is stored as `0.58549768518...`).
//!
//! # Speed
//! Carrier files run to tens of millions of rows, so the common strftime specifiers (`%Y %y
//! %m %d %e %H %I %p %M %S %.f %.3f %.6f %.9f %b %B %z %:z`, literals, spaces) are compiled into
//! a short token list and read by hand with no allocation; patterns with any other specifier
//! (weekdays, `%s`, `%j`, `%+`, ...) go through chrono's own parser, which gives the same
//! answers more slowly. Local times are converted through a per-parser cache keyed by the local
//! hour: when a whole local hour maps to one offset (every hour except those holding a DST
//! transition) the offset is reused; otherwise chrono-tz resolves the value. The last hour is
//! memoised first (call records are usually sorted by time), then a small direct-mapped table.
//! A date and a time kept in two columns go through [`TimeParser::parse_joined`], which
//! remembers the last date text and hour (when the first format ends in `%H:%M:%S` and the hour
//! has one UTC offset) and adds the minutes and seconds, without joining or re-reading the text.
//! Parsers are cheap to clone; give each thread or chunk its own.
//!
//! The zone rules are those of the IANA tz database compiled into chrono-tz; record
//! [`tzdb_version`] with the run.

use std::fmt;
use std::fmt::Write as _;
use std::str::FromStr;

use chrono::format::{Fixed, Item, Numeric, ParseErrorKind, Parsed, StrftimeItems};
use chrono::offset::MappedLocalTime;
use chrono::{Datelike, NaiveDateTime, Offset, TimeZone, Timelike};
use chrono_tz::Tz;

mod civil;
mod duration;
mod read;

pub use civil::*;
pub use duration::*;
use read::*;

const MICROS_PER_SEC: i64 = 1_000_000;
const SECS_PER_DAY: i64 = 86_400;
/// Accepted years, for every format (see the module doc).
const MIN_YEAR: i64 = 1000;
const MAX_YEAR: i64 = 9999;
/// Local or UTC microseconds of 1000-01-01T00:00:00 and 9999-12-31T23:59:59.999999.
const MIN_MICROS: i64 = days_from_civil(MIN_YEAR, 1, 1) * SECS_PER_DAY * MICROS_PER_SEC;
const MAX_MICROS: i64 = (days_from_civil(MAX_YEAR + 1, 1, 1) * SECS_PER_DAY) * MICROS_PER_SEC - 1;
/// Highest 1900-system serial day: 9999-12-31.
const EXCEL_MAX_SERIAL: i64 = 2_958_465;
/// Two-digit years below this are 20xx, the others 19xx (chrono's rule).
const TWO_DIGIT_YEAR_PIVOT: i64 = 70;

/// What to do with a local time that falls in a fall-back fold (it happens twice).
///
/// Parsed from the profile strings `"earliest"`, `"latest"` and `"quarantine"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AmbiguousPolicy {
    /// Take the first occurrence (the instant still on summer time). The design's default.
    #[default]
    Earliest,
    /// Take the second occurrence (the instant already on standard time).
    Latest,
    /// Refuse the value: [`TimeError::Ambiguous`].
    Quarantine,
}

impl AmbiguousPolicy {
    /// The profile spelling: `"earliest"`, `"latest"` or `"quarantine"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Earliest => "earliest",
            Self::Latest => "latest",
            Self::Quarantine => "quarantine",
        }
    }
}

impl FromStr for AmbiguousPolicy {
    type Err = TimeConfigError;

    /// # Errors
    /// Any text but `earliest`, `latest` or `quarantine` (ASCII case ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Earliest, Self::Latest, Self::Quarantine]
            .into_iter()
            .find(|p| s.eq_ignore_ascii_case(p.as_str()))
            .ok_or_else(|| TimeConfigError::new(ConfigWhat::Policy, s, String::new()))
    }
}

impl fmt::Display for AmbiguousPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed time: UTC microseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instant {
    /// UTC microseconds since the Unix epoch.
    pub micros: i64,
    /// The local time fell in a fall-back fold and [`AmbiguousPolicy`] chose one of its two
    /// instants. Count and audit these.
    pub ambiguous: bool,
}

/// Why a timestamp could not be used; [`TimeError::as_str`] is the quarantine reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeError {
    /// Nothing but white space.
    Empty,
    /// The text matches none of the formats, or has text left over.
    Unparseable,
    /// The text has the right shape but names no real time: 31 April, 30 February, hour 25,
    /// minute 60, a leap second, offset 24:00 or more, Excel's fictitious 1900-02-29, or a
    /// year outside 1000..=9999.
    Impossible,
    /// The local time falls in a spring-forward gap: it never happened in the zone.
    Gap,
    /// The local time falls in a fall-back fold and the policy is
    /// [`AmbiguousPolicy::Quarantine`].
    Ambiguous,
}

impl TimeError {
    /// Reason text for the quarantine table and audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Empty => "timestamp is empty",
            Self::Unparseable => "timestamp does not match the profile's time format(s)",
            Self::Impossible => {
                "timestamp names no real time (e.g. 31 April, 30 February, hour 25, minute 60, \
                 leap second, Excel 1900-02-29) or a year outside 1000-9999"
            }
            Self::Gap => {
                "local time does not exist in the zone (skipped by a daylight-saving \
                 spring-forward)"
            }
            Self::Ambiguous => {
                "local time happened twice in the zone (daylight-saving fall-back) and the \
                 profile's ambiguous-time policy is quarantine"
            }
        }
    }
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for TimeError {}

/// What part of a time configuration was wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ConfigWhat {
    Zone,
    Format,
    NoFormat,
    Policy,
    DurationFormat,
}

/// A bad time setting in a profile: unknown zone, unusable format, unknown policy or duration
/// format. The message names the offending value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeConfigError {
    what: ConfigWhat,
    value: String,
    detail: String,
}

impl TimeConfigError {
    fn new(what: ConfigWhat, value: &str, detail: String) -> Self {
        Self {
            what,
            value: value.to_owned(),
            detail,
        }
    }
}

impl fmt::Display for TimeConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = &self.value;
        match self.what {
            ConfigWhat::Zone => write!(
                f,
                "unknown time zone '{v}': give an IANA zone name such as 'America/Toronto' or \
                 'UTC' (names are case-sensitive)"
            ),
            ConfigWhat::Format => write!(f, "unusable timestamp format '{v}': {}", self.detail),
            ConfigWhat::NoFormat => f.write_str("no timestamp format given"),
            ConfigWhat::Policy => write!(
                f,
                "unknown ambiguous-time policy '{v}': expected 'earliest', 'latest' or \
                 'quarantine'"
            ),
            ConfigWhat::DurationFormat => write!(
                f,
                "unknown duration format '{v}': expected 's', 'mm:ss' or 'hh:mm:ss'"
            ),
        }
    }
}

impl std::error::Error for TimeConfigError {}

/// One step of a compiled strftime pattern (see [`compile`]).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    /// Exact text.
    Lit(Box<str>),
    /// Any run of white space, including none.
    Space,
    /// `%Y`: 1–4 digits, or a sign and any number of digits.
    Year,
    /// `%y`: 1–2 digits, pivot [`TWO_DIGIT_YEAR_PIVOT`].
    Year2,
    /// `%m`
    Month,
    /// `%b`: three-letter English month, any case.
    MonthAbbr,
    /// `%B`: English month, full or three-letter, any case.
    MonthName,
    /// `%d`, `%e`
    Day,
    /// `%H`, `%k`
    Hour,
    /// `%I`, `%l`
    Hour12,
    /// `%p`, `%P`: `AM` or `PM`, any case.
    AmPm,
    /// `%M`
    Minute,
    /// `%S`
    Second,
    /// `%.f`: optional `.` and 1–9 digits (more are skipped).
    Frac,
    /// `%.3f`, `%.6f`, `%.9f`: optional `.` and exactly that many digits.
    FracN(u8),
    /// `%z`, `%:z`, `%::z`, `%:::z`: `±hh[:]mm`.
    Offset,
}

/// Field bits, to route odd patterns (repeated or conflicting fields) to chrono.
mod bit {
    pub const YEAR: u16 = 1;
    pub const MONTH: u16 = 1 << 1;
    pub const DAY: u16 = 1 << 2;
    pub const HOUR: u16 = 1 << 3;
    pub const HOUR12: u16 = 1 << 4;
    pub const AMPM: u16 = 1 << 5;
    pub const MINUTE: u16 = 1 << 6;
    pub const SECOND: u16 = 1 << 7;
    pub const FRAC: u16 = 1 << 8;
    pub const OFFSET: u16 = 1 << 9;
    pub const TIME: u16 = HOUR | HOUR12 | AMPM | MINUTE | SECOND | FRAC;
}

/// One configured format.
#[derive(Clone, Debug)]
enum Format {
    Strftime {
        src: Box<str>,
        /// `None`: the pattern uses specifiers the hand parser does not know; use chrono.
        toks: Option<Box<[Tok]>>,
        /// The pattern ends in a literal `Z` or `UTC`.
        utc: bool,
    },
    EpochS,
    EpochMs,
    Rfc3339,
    ExcelSerial,
}

/// A value read by a format, before zone resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stamp {
    /// Already UTC: microseconds.
    Utc(i64),
    /// Local wall clock: whole seconds since 1970-01-01T00:00 local, plus microseconds.
    Local { secs: i64, micros: u32 },
}

/// Entry of the offset cache: `key` is the local hour number, `off` the UTC offset of the
/// whole hour in seconds or [`NON_UNIFORM`].
#[derive(Clone, Copy, Debug)]
struct Slot {
    key: i64,
    off: i32,
}

/// The local hour holds a transition: resolve each value with chrono-tz.
const NON_UNIFORM: i32 = i32::MIN;
const EMPTY_KEY: i64 = i64::MIN;
/// Direct-mapped table size (a power of two): 1,024 hours is six weeks of calls.
const CACHE_SLOTS: usize = 1024;

/// Local-hour → offset cache for one zone.
#[derive(Clone, Debug)]
struct OffsetCache {
    tz: Tz,
    last: Slot,
    slots: Box<[Slot]>,
}

impl OffsetCache {
    fn new(tz: Tz) -> Self {
        let empty = Slot {
            key: EMPTY_KEY,
            off: 0,
        };
        Self {
            tz,
            last: empty,
            slots: vec![empty; CACHE_SLOTS].into_boxed_slice(),
        }
    }

    /// Local wall clock → instant, applying `policy` in a fold.
    #[inline]
    fn resolve(
        &mut self,
        secs: i64,
        micros: u32,
        policy: AmbiguousPolicy,
    ) -> Result<Instant, TimeError> {
        let off = self.lookup(secs.div_euclid(3600));
        if off != NON_UNIFORM {
            return Ok(Instant {
                micros: (secs - i64::from(off)) * MICROS_PER_SEC + i64::from(micros),
                ambiguous: false,
            });
        }
        let (off, ambiguous) = match self.tz.offset_from_local_datetime(&naive(secs)?) {
            MappedLocalTime::Single(o) => (o.fix().local_minus_utc(), false),
            MappedLocalTime::Ambiguous(earliest, latest) => match policy {
                AmbiguousPolicy::Earliest => (earliest.fix().local_minus_utc(), true),
                AmbiguousPolicy::Latest => (latest.fix().local_minus_utc(), true),
                AmbiguousPolicy::Quarantine => return Err(TimeError::Ambiguous),
            },
            MappedLocalTime::None => return Err(TimeError::Gap),
        };
        Ok(Instant {
            micros: (secs - i64::from(off)) * MICROS_PER_SEC + i64::from(micros),
            ambiguous,
        })
    }

    /// The offset of the local hour holding `secs` when the whole hour has one (through the
    /// cache, as [`OffsetCache::resolve`] looks it up).
    #[inline]
    fn uniform_offset(&mut self, secs: i64) -> Option<i32> {
        let off = self.lookup(secs.div_euclid(3600));
        (off != NON_UNIFORM).then_some(off)
    }

    /// The offset of local hour `key` or [`NON_UNIFORM`]: the last hour, the table, or
    /// chrono-tz (then remembered).
    #[inline]
    fn lookup(&mut self, key: i64) -> i32 {
        if self.last.key == key {
            return self.last.off;
        }
        let idx = (key as u64 as usize) & (CACHE_SLOTS - 1);
        let slot = self.slots[idx];
        let off = if slot.key == key {
            slot.off
        } else {
            let off = self.hour_offset(key);
            self.slots[idx] = Slot { key, off };
            off
        };
        self.last = Slot { key, off };
        off
    }

    /// The offset shared by every local time of hour `key`, or [`NON_UNIFORM`]. A transition
    /// inside the hour makes its first and last second map to different offsets (or to none,
    /// or to two), so checking both ends is enough: tzdb has no zone with two transitions an
    /// hour apart that cancel out.
    fn hour_offset(&self, key: i64) -> i32 {
        let single = |secs: i64| match naive(secs) {
            Ok(n) => match self.tz.offset_from_local_datetime(&n) {
                MappedLocalTime::Single(o) => Some(o.fix().local_minus_utc()),
                _ => None,
            },
            Err(_) => None,
        };
        match (single(key * 3600), single(key * 3600 + 3599)) {
            (Some(a), Some(b)) if a == b => a,
            _ => NON_UNIFORM,
        }
    }
}

/// Local seconds since 1970-01-01T00:00 → chrono's naive date-time.
fn naive(secs: i64) -> Result<NaiveDateTime, TimeError> {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|d| d.naive_utc())
        .ok_or(TimeError::Impossible)
}

/// Parses timestamp text (or naive local date-times) of one profile into [`Instant`]s.
///
/// Holds per-parser caches, hence `&mut self`; clone one per thread or chunk.
#[derive(Clone, Debug)]
pub struct TimeParser {
    formats: Box<[Format]>,
    policy: AmbiguousPolicy,
    cache: OffsetCache,
    /// The first format ends in `%H:%M:%S` and is safe for the date-and-hour memo of
    /// [`TimeParser::parse_joined`].
    hms_tail: bool,
    memo: HourMemo,
    /// Joined text for [`TimeParser::parse_joined`] when the memo misses.
    joined: String,
}

/// Memo of [`TimeParser::parse_joined`]: the last date text and hour digits read whole by the
/// first format, in a local hour with one UTC offset, and the UTC instant of its `HH:00:00`.
#[derive(Clone, Debug, Default)]
struct HourMemo {
    valid: bool,
    date: String,
    hour: [u8; 2],
    /// UTC microseconds of `date HH:00:00`.
    base: i64,
}

/// `HH:MM:SS`, all digits: the hour digits and the seconds into the hour, when minutes and
/// seconds are below 60.
#[inline]
fn hms_shape(t: &[u8]) -> Option<([u8; 2], i64)> {
    if t.len() != 8 || t[2] != b':' || t[5] != b':' {
        return None;
    }
    let d = |i: usize| {
        let c = t[i];
        c.is_ascii_digit().then(|| i64::from(c - b'0'))
    };
    d(0)?;
    d(1)?;
    let mm = d(3)? * 10 + d(4)?;
    let ss = d(6)? * 10 + d(7)?;
    (mm < 60 && ss < 60).then_some(([t[0], t[1]], mm * 60 + ss))
}

/// Whether a compiled pattern ends in `%H:%M:%S` (and nothing after), with only plain date
/// fields, literals and spaces before: then, once the whole text has been read, the date and
/// hour fields depend only on the text up to the hour digits and the minutes and seconds are
/// the last two digit pairs, so `date HH:MM:SS` is `date HH:00:00` plus `MM·60 + SS` seconds
/// whenever the local hour has a single UTC offset.
fn hms_tail(format: &Format) -> bool {
    let Format::Strftime {
        toks: Some(toks),
        utc: false,
        ..
    } = format
    else {
        return false;
    };
    let n = toks.len();
    n > 5
        && matches!(
            &toks[n - 5..],
            [Tok::Hour, Tok::Lit(a), Tok::Minute, Tok::Lit(b), Tok::Second]
                if &**a == ":" && &**b == ":"
        )
        && toks[..n - 5].iter().all(|t| {
            matches!(
                t,
                Tok::Lit(_)
                    | Tok::Space
                    | Tok::Year
                    | Tok::Year2
                    | Tok::Month
                    | Tok::MonthAbbr
                    | Tok::Day
            )
        })
}

impl TimeParser {
    /// Builds a parser for `formats` (tried in order) and local times in `zone`.
    ///
    /// `formats` are chrono strftime patterns (`"%Y-%m-%d %H:%M:%S"`, `"%d/%m/%Y %H:%M"`,
    /// `"%Y-%m-%dT%H:%M:%S%.fZ"`, `"%Y-%m-%dT%H:%M:%S%:z"`, ...) or the special names
    /// `"epoch_s"`, `"epoch_ms"`, `"rfc3339"`, `"excel_serial"` (1900 date system); see the
    /// module doc. `zone` is an IANA name (`"America/Toronto"`, `"UTC"`); values whose format
    /// carries an offset or `Z` use that instead.
    ///
    /// # Errors
    /// An unknown zone; no formats; a pattern chrono cannot read (`%Q`), one with `%Z`, or one
    /// that cannot read back its own rendering of a sample time because it lacks a field (a
    /// year, month or day, or minutes next to hours, or AM/PM next to `%I`).
    ///
    /// # Examples
    /// ```
    /// use callsift::normalize::time::{AmbiguousPolicy, TimeError, TimeParser};
    /// let formats = ["%d/%m/%Y %H:%M".to_string(), "epoch_s".to_string()];
    /// let mut p = TimeParser::try_new(&formats, "America/Toronto", AmbiguousPolicy::Earliest)?;
    /// assert_eq!(p.parse("02/05/2011 10:03")?.micros, 1_304_344_980_000_000);
    /// assert_eq!(p.parse("1304344987")?.micros, 1_304_344_987_000_000);
    /// assert_eq!(p.parse("10/03/2024 02:30"), Err(TimeError::Gap));
    /// assert!(p.parse("03/11/2024 01:30")?.ambiguous);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_new(
        formats: &[String],
        zone: &str,
        policy: AmbiguousPolicy,
    ) -> Result<Self, TimeConfigError> {
        let tz: Tz = zone
            .parse()
            .map_err(|_| TimeConfigError::new(ConfigWhat::Zone, zone, String::new()))?;
        if formats.is_empty() {
            return Err(TimeConfigError::new(
                ConfigWhat::NoFormat,
                "",
                String::new(),
            ));
        }
        let compiled = formats
            .iter()
            .map(|f| compile(f))
            .collect::<Result<Box<[Format]>, _>>()?;
        let mut parser = Self {
            hms_tail: hms_tail(&compiled[0]),
            formats: compiled,
            policy,
            cache: OffsetCache::new(tz),
            memo: HourMemo::default(),
            joined: String::new(),
        };
        parser.self_check(formats)?;
        Ok(parser)
    }

    /// Renders a sample time with each strftime pattern and parses it back: a pattern that
    /// cannot read its own output lacks a field, and would reject every row.
    fn self_check(&mut self, sources: &[String]) -> Result<(), TimeConfigError> {
        const SAMPLE: &str = "2011-05-02 14:03:07.250";
        let Some(local) = chrono::NaiveDate::from_ymd_opt(2011, 5, 2)
            .and_then(|d| d.and_hms_milli_opt(14, 3, 7, 250))
        else {
            return Ok(());
        };
        // The sample is a plain spring afternoon; should a zone have a transition then,
        // render it with UTC's offset instead.
        let off = match self.cache.tz.offset_from_local_datetime(&local) {
            MappedLocalTime::Single(o) => o.fix(),
            _ => chrono::Utc.fix(),
        };
        let Some(sample) = off.from_local_datetime(&local).single() else {
            return Ok(());
        };
        for (format, source) in self.formats.iter().zip(sources) {
            let Format::Strftime { src, .. } = format else {
                continue;
            };
            let mut text = String::new();
            let rendered = write!(text, "{}", sample.format(src)).is_ok();
            // A gap or fold (a zone with a transition at the sample) still means the text
            // was read.
            let ok = rendered
                && !matches!(
                    parse_with(format, text.trim(), &mut self.cache, self.policy),
                    Err(TimeError::Empty | TimeError::Unparseable | TimeError::Impossible)
                );
            if !ok {
                let detail = format!(
                    "it cannot read back its own rendering '{text}' of {SAMPLE}; a format needs \
                     a year, a month and a day, and, if it has a time, hours (%H, or %I with \
                     %p) and minutes"
                );
                return Err(TimeConfigError::new(ConfigWhat::Format, source, detail));
            }
        }
        Ok(())
    }

    /// Parses one timestamp. Surrounding white space is ignored.
    ///
    /// # Errors
    /// [`TimeError::Empty`] for blank text; [`TimeError::Unparseable`] when no format reads it;
    /// [`TimeError::Impossible`] for a non-existent date or time (31 April, hour 25, leap
    /// second, year outside 1000..=9999); [`TimeError::Gap`] for a local time skipped by
    /// daylight saving; [`TimeError::Ambiguous`] for a repeated local time under
    /// [`AmbiguousPolicy::Quarantine`].
    pub fn parse(&mut self, raw: &str) -> Result<Instant, TimeError> {
        let s = trim(raw);
        if s.is_empty() {
            return Err(TimeError::Empty);
        }
        let mut worst = TimeError::Unparseable;
        for format in self.formats.iter() {
            match parse_with(format, s, &mut self.cache, self.policy) {
                Ok(t) => return Ok(t),
                Err(e @ (TimeError::Gap | TimeError::Ambiguous)) => return Err(e),
                Err(TimeError::Impossible) => worst = TimeError::Impossible,
                Err(_) => {}
            }
        }
        Err(worst)
    }

    /// Parses a date and a time held in two columns: the same answer as [`TimeParser::parse`]
    /// on `date.trim()`, a space and `time.trim()` joined, without joining them for records
    /// whose date and hour match the last record's.
    ///
    /// Call records are in time order, so one date and hour repeat for many rows: when the
    /// first format ends in `%H:%M:%S` (see `hms_tail`), the time is `HH:MM:SS` and the date
    /// text and hour digits are those of the last record read whole (by the first format, in
    /// a local hour with one UTC offset), the instant is the memoised `HH:00:00` instant plus
    /// `MM·60 + SS` seconds. Any other text, any hour holding a gap or fold, and every error
    /// take the full path.
    ///
    /// # Errors
    /// As for [`TimeParser::parse`] on the joined text.
    pub fn parse_joined(&mut self, date: &str, time: &str) -> Result<Instant, TimeError> {
        let (date, time) = (trim(date), trim(time));
        let shape = if self.hms_tail && !date.is_empty() {
            hms_shape(time.as_bytes())
        } else {
            None
        };
        if let Some((hour, into)) = shape {
            let m = &self.memo;
            if m.valid && m.hour == hour && m.date == date {
                return Ok(Instant {
                    micros: m.base + into * MICROS_PER_SEC,
                    ambiguous: false,
                });
            }
        }
        let mut joined = std::mem::take(&mut self.joined);
        joined.clear();
        joined.push_str(date);
        joined.push(' ');
        joined.push_str(time);
        let r = match (shape, &self.formats[0]) {
            (
                Some((hour, into)),
                Format::Strftime {
                    toks: Some(toks), ..
                },
            ) => match read_fast(toks, false, &joined) {
                Ok(Stamp::Local { secs, micros: 0 }) => match self.cache.uniform_offset(secs) {
                    Some(off) => {
                        let micros = (secs - i64::from(off)) * MICROS_PER_SEC;
                        self.memo.valid = true;
                        self.memo.date.clear();
                        self.memo.date.push_str(date);
                        self.memo.hour = hour;
                        self.memo.base = micros - into * MICROS_PER_SEC;
                        Ok(Instant {
                            micros,
                            ambiguous: false,
                        })
                    }
                    None => self.parse(&joined),
                },
                _ => self.parse(&joined),
            },
            _ => self.parse(&joined),
        };
        self.joined = joined;
        r
    }

    /// Resolves a naive local date-time, given as microseconds since 1970-01-01T00:00 on the
    /// zone's wall clock (xlsx or Parquet cells without a zone), like [`TimeParser::parse`]
    /// resolves text.
    ///
    /// # Errors
    /// [`TimeError::Impossible`] outside years 1000..=9999; [`TimeError::Gap`] and
    /// [`TimeError::Ambiguous`] as for [`TimeParser::parse`].
    pub fn parse_naive_micros(&mut self, local_micros: i64) -> Result<Instant, TimeError> {
        let (secs, micros) = split_local(local_micros)?;
        self.cache.resolve(secs, micros, self.policy)
    }

    /// The canonical IANA name of the zone (`"America/Toronto"`).
    pub fn zone_name(&self) -> &str {
        self.cache.tz.name()
    }

    /// The policy for fall-back folds.
    pub fn policy(&self) -> AmbiguousPolicy {
        self.policy
    }

    /// Test hook: send every strftime pattern through chrono's parser instead of the hand one.
    #[cfg(test)]
    fn force_chrono(&mut self) {
        self.hms_tail = false;
        for f in self.formats.iter_mut() {
            if let Format::Strftime { toks, .. } = f {
                *toks = None;
            }
        }
    }
}

/// `s.trim()`, without the Unicode scan when the text starts and ends with an ASCII byte that
/// is not white space (the usual cell): such a text has nothing to trim.
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    // White space in ASCII is U+0009..=U+000D and U+0020 (what `char::is_whitespace` says).
    let ws = |b: u8| b == b' ' || (9..=13).contains(&b);
    match s.as_bytes() {
        [a, .., z] if a.is_ascii() && z.is_ascii() && !ws(*a) && !ws(*z) => s,
        [a] if a.is_ascii() && !ws(*a) => s,
        _ => s.trim(),
    }
}

/// The IANA tz database release compiled into chrono-tz (e.g. `"2025b"`), for the manifest.
pub fn tzdb_version() -> &'static str {
    chrono_tz::IANA_TZDB_VERSION
}

/// Local microseconds → whole local seconds and microseconds, checking the year range.
fn split_local(local_micros: i64) -> Result<(i64, u32), TimeError> {
    if !(MIN_MICROS..=MAX_MICROS).contains(&local_micros) {
        return Err(TimeError::Impossible);
    }
    Ok((
        local_micros.div_euclid(MICROS_PER_SEC),
        local_micros.rem_euclid(MICROS_PER_SEC) as u32,
    ))
}

/// Reads `s` (trimmed, non-empty) with one format and resolves it.
#[inline]
fn parse_with(
    format: &Format,
    s: &str,
    cache: &mut OffsetCache,
    policy: AmbiguousPolicy,
) -> Result<Instant, TimeError> {
    let stamp = match format {
        Format::Strftime {
            toks: Some(toks),
            utc,
            ..
        } => read_fast(toks, *utc, s)?,
        Format::Strftime {
            src,
            toks: None,
            utc,
        } => read_chrono(src, *utc, s)?,
        Format::EpochS => read_epoch(s, 6)?,
        Format::EpochMs => read_epoch(s, 3)?,
        Format::Rfc3339 => read_rfc3339(s)?,
        Format::ExcelSerial => read_excel(s)?,
    };
    match stamp {
        Stamp::Utc(micros) => Ok(Instant {
            micros,
            ambiguous: false,
        }),
        Stamp::Local { secs, micros } => cache.resolve(secs, micros, policy),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, FixedOffset, NaiveDate};
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn parser(formats: &[&str], zone: &str, policy: AmbiguousPolicy) -> TimeParser {
        let formats: Vec<String> = formats.iter().map(|f| f.to_string()).collect();
        TimeParser::try_new(&formats, zone, policy).expect("valid parser")
    }

    fn toronto(format: &str) -> TimeParser {
        parser(&[format], "America/Toronto", AmbiguousPolicy::Earliest)
    }

    /// UTC microseconds of an RFC 3339 text, via chrono.
    fn utc(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_micros()
    }

    fn ok(micros: i64) -> Result<Instant, TimeError> {
        Ok(Instant {
            micros,
            ambiguous: false,
        })
    }

    fn folded(micros: i64) -> Result<Instant, TimeError> {
        Ok(Instant {
            micros,
            ambiguous: true,
        })
    }

    fn is_fast(p: &TimeParser) -> bool {
        p.formats
            .iter()
            .all(|f| !matches!(f, Format::Strftime { toks: None, .. }))
    }

    const ISO: &str = "%Y-%m-%d %H:%M:%S";

    #[test]
    fn plain_local_time() {
        let mut p = toronto(ISO);
        assert!(is_fast(&p));
        assert_eq!(
            p.parse("2011-05-02 10:03:07"),
            ok(utc("2011-05-02T14:03:07Z"))
        );
        assert_eq!(
            p.parse("  2011-05-02 10:03:07\t"),
            ok(utc("2011-05-02T14:03:07Z"))
        );
        assert_eq!(
            p.parse("2011-01-02 10:03:07"),
            ok(utc("2011-01-02T15:03:07Z"))
        );
        assert_eq!(p.zone_name(), "America/Toronto");
    }

    #[test]
    fn spring_forward_gap_is_an_error() {
        let mut p = toronto(ISO);
        assert_eq!(p.parse("2024-03-10 02:30:00"), Err(TimeError::Gap));
        assert_eq!(p.parse("2024-03-10 02:00:00"), Err(TimeError::Gap));
        assert_eq!(p.parse("2024-03-10 02:59:59"), Err(TimeError::Gap));
        assert_eq!(
            p.parse("2024-03-10 01:59:59"),
            ok(utc("2024-03-10T06:59:59Z"))
        );
        assert_eq!(
            p.parse("2024-03-10 03:00:00"),
            ok(utc("2024-03-10T07:00:00Z"))
        );
        // The same through the naive-micros entry point.
        let local = NaiveDate::from_ymd_opt(2024, 3, 10)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap()
            .and_utc()
            .timestamp_micros();
        assert_eq!(p.parse_naive_micros(local), Err(TimeError::Gap));
    }

    #[test]
    fn fall_back_fold_follows_the_policy() {
        let text = "2024-11-03 01:30:00";
        let first = utc("2024-11-03T05:30:00Z");
        let second = utc("2024-11-03T06:30:00Z");
        let zone = "America/Toronto";
        let mut p = parser(&[ISO], zone, AmbiguousPolicy::Earliest);
        assert_eq!(p.parse(text), folded(first));
        let mut p = parser(&[ISO], zone, AmbiguousPolicy::Latest);
        assert_eq!(p.parse(text), folded(second));
        let mut p = parser(&[ISO], zone, AmbiguousPolicy::Quarantine);
        assert_eq!(p.parse(text), Err(TimeError::Ambiguous));
        // Either side of the fold is plain.
        assert_eq!(
            p.parse("2024-11-03 00:59:59"),
            ok(utc("2024-11-03T04:59:59Z"))
        );
        assert_eq!(
            p.parse("2024-11-03 02:00:00"),
            ok(utc("2024-11-03T07:00:00Z"))
        );
        let local = NaiveDate::from_ymd_opt(2024, 11, 3)
            .unwrap()
            .and_hms_micro_opt(1, 30, 0, 5)
            .unwrap()
            .and_utc()
            .timestamp_micros();
        assert_eq!(p.parse_naive_micros(local), Err(TimeError::Ambiguous));
        let mut p = parser(&[ISO], zone, AmbiguousPolicy::Latest);
        assert_eq!(p.parse_naive_micros(local), folded(second + 5));
    }

    #[test]
    fn half_hour_zones() {
        // Lord Howe: +10:30 standard, +11 summer; clocks go 02:00 -> 02:30 and 02:00 -> 01:30.
        let mut p = parser(&[ISO], "Australia/Lord_Howe", AmbiguousPolicy::Earliest);
        assert_eq!(p.parse("2024-10-06 02:15:00"), Err(TimeError::Gap));
        assert_eq!(
            p.parse("2024-10-06 02:30:00"),
            ok(utc("2024-10-05T15:30:00Z"))
        );
        assert_eq!(
            p.parse("2024-04-07 01:45:00"),
            folded(utc("2024-04-06T14:45:00Z"))
        );
        assert_eq!(
            p.parse("2024-04-07 01:15:00"),
            ok(utc("2024-04-06T14:15:00Z"))
        );
        // St. John's: -03:30 / -02:30.
        let mut p = parser(&[ISO], "America/St_Johns", AmbiguousPolicy::Latest);
        assert_eq!(
            p.parse("2024-07-01 12:00:00"),
            ok(utc("2024-07-01T14:30:00Z"))
        );
        assert_eq!(p.parse("2024-03-10 02:10:00"), Err(TimeError::Gap));
        assert_eq!(
            p.parse("2024-11-03 01:10:00"),
            folded(utc("2024-11-03T04:40:00Z"))
        );
    }

    #[test]
    fn impossible_dates_and_times_are_never_rolled_over() {
        let mut p = toronto(ISO);
        for bad in [
            "2024-04-31 10:00:00", // April 31
            "2024-02-30 10:00:00", // February 30
            "2023-02-29 10:00:00", // not a leap year
            "1900-02-29 10:00:00", // century, not a leap year
            "2024-06-31 10:00:00",
            "2024-13-01 10:00:00",
            "2024-00-10 10:00:00",
            "2024-01-00 10:00:00",
            "2024-01-32 10:00:00",
            "2024-01-10 24:00:00",
            "2024-01-10 25:00:00",
            "2024-01-10 10:60:00",
            "2024-01-10 10:00:61",
            "2024-12-31 23:59:60", // leap second
            "0999-12-31 10:00:00", // before year 1000
            "24-01-10 10:00:00",   // two-digit year under %Y is the year 24
        ] {
            assert_eq!(p.parse(bad), Err(TimeError::Impossible), "{bad}");
        }
        assert!(p.parse("2024-02-29 10:00:00").is_ok());
        assert!(p.parse("2000-02-29 10:00:00").is_ok());
        assert!(p.parse("2024-01-10 23:59:59").is_ok());
    }

    #[test]
    fn malformed_text_is_unparseable() {
        let mut p = toronto(ISO);
        for bad in [
            "2024-01-10 10:00:00x",
            "2024-01-10 10:00:00 garbage",
            "2024-01-10T10:00:00",
            "2024/01/10 10:00:00",
            "2024-01-10 10:00",
            "2024-01-10",
            "yesterday",
            "2024-01-10 10:00:00.5",
        ] {
            assert_eq!(p.parse(bad), Err(TimeError::Unparseable), "{bad}");
        }
        assert_eq!(p.parse(""), Err(TimeError::Empty));
        assert_eq!(p.parse(" \t "), Err(TimeError::Empty));
    }

    #[test]
    fn strftime_formats() {
        let may2 = utc("2011-05-02T14:03:07Z");
        let cases: &[(&str, &str, i64)] = &[
            ("%d/%m/%Y %H:%M", "02/05/2011 10:03", may2 - 7_000_000),
            ("%d/%m/%Y %H:%M", "2/5/2011 10:03", may2 - 7_000_000),
            ("%m/%d/%Y %I:%M:%S %p", "05/02/2011 10:03:07 AM", may2),
            (
                "%m/%d/%Y %I:%M:%S %p",
                "05/02/2011 10:03:07 pm",
                may2 + 43_200_000_000,
            ),
            (
                "%m/%d/%y %I:%M %p",
                "05/02/11 12:03 AM",
                may2 - 36_007_000_000,
            ),
            (
                "%m/%d/%y %I:%M %p",
                "05/02/11 12:03 PM",
                may2 + 7_193_000_000,
            ),
            ("%Y%m%d%H%M%S", "20110502100307", may2),
            ("%d-%b-%Y %H:%M:%S", "02-MAY-2011 10:03:07", may2),
            ("%d-%b-%Y %H:%M:%S", "02-may-2011 10:03:07", may2),
            ("%B %d, %Y %H:%M:%S", "May 02, 2011 10:03:07", may2),
            (
                "%B %d, %Y %H:%M:%S",
                "December 24, 2011 10:03:07",
                utc("2011-12-24T15:03:07Z"),
            ),
            (
                "%Y-%m-%d %H:%M:%S%.f",
                "2011-05-02 10:03:07.25",
                may2 + 250_000,
            ),
            ("%Y-%m-%d %H:%M:%S%.f", "2011-05-02 10:03:07", may2),
            (
                "%Y-%m-%d %H:%M:%S%.f",
                "2011-05-02 10:03:07.1234567891",
                may2 + 123_456,
            ),
            (
                "%Y-%m-%d %H:%M:%S%.3f",
                "2011-05-02 10:03:07.250",
                may2 + 250_000,
            ),
            (
                "%Y-%m-%dT%H:%M:%S%.fZ",
                "2011-05-02T14:03:07.5Z",
                may2 + 500_000,
            ),
            ("%Y-%m-%dT%H:%M:%SZ", "2011-05-02T14:03:07Z", may2),
            ("%Y-%m-%d %H:%M:%S UTC", "2011-05-02 14:03:07 UTC", may2),
            ("%Y-%m-%dT%H:%M:%S%:z", "2011-05-02T16:03:07+02:00", may2),
            ("%Y-%m-%dT%H:%M:%S%:z", "2011-05-02T10:33:07-03:30", may2),
            ("%Y-%m-%dT%H:%M:%S%z", "2011-05-02T09:03:07-0500", may2),
            (
                "%Y-%m-%d %H:%M:%S %z",
                "2011-05-02 14:03:07 \u{2212}0000",
                may2,
            ),
            ("%Y-%m-%d", "2011-05-02", utc("2011-05-02T04:00:00Z")),
            // Space-padded day and hour (%e, %k); local evening of the eve of the epoch.
            ("%e.%m.%Y %k:%M:%S%.6f", "31.12.1969 19:00:00.000000", 0),
            (
                "%e.%m.%Y %k:%M:%S%.6f",
                " 2.05.2011  9:03:07.000001",
                may2 - 3_600_000_000 + 1,
            ),
        ];
        for &(format, text, want) in cases {
            let mut p = toronto(format);
            assert!(is_fast(&p), "{format}");
            assert_eq!(p.parse(text), ok(want), "{format} {text}");
            p.force_chrono();
            assert_eq!(p.parse(text), ok(want), "chrono path: {format} {text}");
        }
    }

    #[test]
    fn two_digit_years_pivot_at_70() {
        let mut p = toronto("%d/%m/%y %H:%M");
        let year = |p: &mut TimeParser, s: &str| {
            DateTime::from_timestamp_micros(p.parse(s).unwrap().micros)
                .unwrap()
                .year()
        };
        assert_eq!(year(&mut p, "01/06/00 12:00"), 2000);
        assert_eq!(year(&mut p, "01/06/69 12:00"), 2069);
        assert_eq!(year(&mut p, "01/06/70 12:00"), 1970);
        assert_eq!(year(&mut p, "01/06/99 12:00"), 1999);
        assert_eq!(year(&mut p, "01/06/11 12:00"), 2011);
    }

    #[test]
    fn offsets_override_the_zone() {
        let mut p = parser(
            &["%Y-%m-%dT%H:%M:%S%:z", "%Y-%m-%dT%H:%M:%SZ", ISO],
            "America/Vancouver",
            AmbiguousPolicy::Quarantine,
        );
        // 02:30 is in Toronto's and Vancouver's gap, but the offset makes it a plain instant.
        assert_eq!(
            p.parse("2024-03-10T02:30:00-05:00"),
            ok(utc("2024-03-10T07:30:00Z"))
        );
        assert_eq!(
            p.parse("2024-11-03T01:30:00Z"),
            ok(utc("2024-11-03T01:30:00Z"))
        );
        assert_eq!(p.parse("2024-03-10 02:30:00"), Err(TimeError::Gap));
        assert_eq!(
            p.parse("2024-01-10T10:00:00+24:00"),
            Err(TimeError::Impossible)
        );
        assert_eq!(
            p.parse("2024-01-10T10:00:00+05:60"),
            Err(TimeError::Impossible)
        );
    }

    #[test]
    fn formats_are_tried_in_order() {
        let mut p = parser(
            &["%d/%m/%Y %H:%M", ISO, "epoch_s"],
            "UTC",
            AmbiguousPolicy::Earliest,
        );
        assert_eq!(p.parse("02/05/2011 14:03"), ok(utc("2011-05-02T14:03:00Z")));
        assert_eq!(
            p.parse("2011-05-02 14:03:07"),
            ok(utc("2011-05-02T14:03:07Z"))
        );
        assert_eq!(p.parse("1304344987"), ok(utc("2011-05-02T14:03:07Z")));
        // Shape recognised, value impossible: Impossible rather than Unparseable.
        assert_eq!(p.parse("31/04/2011 14:03"), Err(TimeError::Impossible));
        assert_eq!(p.parse("31/04/2011 14h03"), Err(TimeError::Unparseable));
        // A gap met by the first format that reads the text ends the search.
        let mut p = parser(
            &["%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M"],
            "America/Toronto",
            AmbiguousPolicy::Earliest,
        );
        assert_eq!(p.parse("10/03/2024 02:30"), Err(TimeError::Gap));
        assert_eq!(p.parse("13/03/2024 02:30"), ok(utc("2024-03-13T06:30:00Z")));
        assert_eq!(p.parse("03/13/2024 02:30"), ok(utc("2024-03-13T06:30:00Z")));
    }

    #[test]
    fn epoch_formats() {
        let mut s = parser(&["epoch_s"], "America/Toronto", AmbiguousPolicy::Earliest);
        let mut ms = parser(&["epoch_ms"], "America/Toronto", AmbiguousPolicy::Earliest);
        let may2 = utc("2011-05-02T14:03:07Z");
        assert_eq!(s.parse("1304344987"), ok(may2));
        assert_eq!(s.parse("1304344987.25"), ok(may2 + 250_000));
        assert_eq!(s.parse("1304344987.0000019"), ok(may2 + 1));
        assert_eq!(s.parse("0"), ok(0));
        assert_eq!(s.parse("-1"), ok(-1_000_000));
        assert_eq!(s.parse("-0.0000005"), ok(-1));
        assert_eq!(ms.parse("1304344987250"), ok(may2 + 250_000));
        assert_eq!(ms.parse("1304344987250.5"), ok(may2 + 250_500));
        // Milliseconds read as seconds land beyond 9999: refused, not guessed.
        assert_eq!(s.parse("1304344987250"), Err(TimeError::Impossible));
        assert_eq!(
            s.parse("99999999999999999999999999999999999999999"),
            Err(TimeError::Impossible)
        );
        for bad in ["1.3E9", "12.", ".5", "+5", "1 304", "0x10", "12a"] {
            assert_eq!(s.parse(bad), Err(TimeError::Unparseable), "{bad}");
        }
    }

    #[test]
    fn rfc3339() {
        let mut p = parser(&["rfc3339"], "America/Toronto", AmbiguousPolicy::Earliest);
        let may2 = utc("2011-05-02T14:03:07Z");
        assert_eq!(p.parse("2011-05-02T14:03:07Z"), ok(may2));
        assert_eq!(p.parse("2011-05-02t14:03:07z"), ok(may2));
        assert_eq!(p.parse("2011-05-02 10:03:07.5-04:00"), ok(may2 + 500_000));
        assert_eq!(p.parse("2011-05-02T14:03:07"), Err(TimeError::Unparseable));
        assert_eq!(
            p.parse("2011-05-02T14:03:07+0000"),
            Err(TimeError::Unparseable)
        );
        assert_eq!(p.parse("2016-12-31T23:59:60Z"), Err(TimeError::Impossible));
        assert_eq!(p.parse("2011-02-29T14:03:07Z"), Err(TimeError::Impossible));
        assert_eq!(p.parse("2011-05-02T24:03:07Z"), Err(TimeError::Impossible));
        assert_eq!(
            p.parse("2011-05-02T14:03:07+24:00"),
            Err(TimeError::Impossible)
        );
    }

    /// Serial day `n` of the 1900 system as local midnight microseconds.
    fn excel_day(y: i64, m: u32, d: u32) -> i64 {
        days_from_civil(y, m, d) * SECS_PER_DAY * MICROS_PER_SEC
    }

    #[test]
    fn excel_serials_use_the_1900_system() {
        let mut p = parser(&["excel_serial"], "UTC", AmbiguousPolicy::Earliest);
        assert_eq!(p.parse("1"), ok(excel_day(1900, 1, 1)));
        assert_eq!(p.parse("59"), ok(excel_day(1900, 2, 28)));
        assert_eq!(p.parse("60"), Err(TimeError::Impossible)); // the fake 1900-02-29
        assert_eq!(p.parse("60.5"), Err(TimeError::Impossible));
        assert_eq!(p.parse("61"), ok(excel_day(1900, 3, 1)));
        assert_eq!(p.parse("0"), Err(TimeError::Impossible)); // "1900-01-00"
        assert_eq!(p.parse("0.5"), Err(TimeError::Impossible));
        assert_eq!(p.parse("-3"), Err(TimeError::Impossible));
        assert_eq!(p.parse("25569"), ok(0)); // 1970-01-01
        assert_eq!(p.parse("2958465"), ok(excel_day(9999, 12, 31)));
        assert_eq!(p.parse("2958466"), Err(TimeError::Impossible));
        // 14:03:07 is not exact in binary; rounding to the millisecond recovers it.
        assert_eq!(
            p.parse("40665.585497685185"),
            ok(utc("2011-05-02T14:03:07Z"))
        );
        assert_eq!(p.parse("40665.5854976852"), ok(utc("2011-05-02T14:03:07Z")));
        assert_eq!(p.parse("40665.5"), ok(utc("2011-05-02T12:00:00Z")));
        assert_eq!(p.parse("4e4"), Err(TimeError::Unparseable));
        // Excel serials are local wall time.
        let mut p = parser(
            &["excel_serial"],
            "America/Toronto",
            AmbiguousPolicy::Latest,
        );
        assert_eq!(p.parse("40665.5854976852"), ok(utc("2011-05-02T18:03:07Z")));
        let mar10 = (days_from_civil(2024, 3, 10) - days_from_civil(1899, 12, 30)).to_string();
        assert_eq!(p.parse(&format!("{mar10}.1041666667")), Err(TimeError::Gap)); // 02:30
        let nov3 = (days_from_civil(2024, 11, 3) - days_from_civil(1899, 12, 30)).to_string();
        assert_eq!(
            p.parse(&format!("{nov3}.0625")), // 01:30
            folded(utc("2024-11-03T06:30:00Z"))
        );
    }

    #[test]
    fn naive_micros() {
        let mut p = parser(&[ISO], "America/Halifax", AmbiguousPolicy::Earliest);
        let local = NaiveDate::from_ymd_opt(2011, 5, 2)
            .unwrap()
            .and_hms_micro_opt(11, 3, 7, 250_001)
            .unwrap()
            .and_utc()
            .timestamp_micros();
        assert_eq!(
            p.parse_naive_micros(local),
            ok(utc("2011-05-02T14:03:07.250001Z"))
        );
        assert_eq!(p.parse_naive_micros(i64::MIN), Err(TimeError::Impossible));
        assert_eq!(p.parse_naive_micros(i64::MAX), Err(TimeError::Impossible));
    }

    #[test]
    fn chrono_fallback_for_other_specifiers() {
        let mut p = toronto("%a %d/%m/%Y %H:%M:%S");
        assert!(!is_fast(&p));
        assert_eq!(
            p.parse("Mon 02/05/2011 10:03:07"),
            ok(utc("2011-05-02T14:03:07Z"))
        );
        // chrono checks the weekday against the date.
        assert_eq!(
            p.parse("Tue 02/05/2011 10:03:07"),
            Err(TimeError::Impossible)
        );
        assert_eq!(
            p.parse("Mon 02/05/2011 23:59:60"),
            Err(TimeError::Impossible)
        );
        assert_eq!(p.parse("Sun 10/03/2024 02:30:00"), Err(TimeError::Gap));
        let mut p = toronto("%s");
        assert_eq!(p.parse("1304344987"), ok(utc("2011-05-02T14:03:07Z")));
        let mut p = toronto("%Y-%j %H:%M");
        assert_eq!(p.parse("2011-122 10:03"), ok(utc("2011-05-02T14:03:00Z")));
        // A repeated field goes to chrono, which checks the copies agree.
        let mut p = toronto("%Y-%m-%d %H:%M (%d)");
        assert!(!is_fast(&p));
        assert!(p.parse("2011-05-02 10:03 (02)").is_ok());
        assert_eq!(p.parse("2011-05-02 10:03 (03)"), Err(TimeError::Impossible));
    }

    #[test]
    fn configuration_errors_name_the_culprit() {
        let err = |formats: &[&str], zone: &str| {
            let formats: Vec<String> = formats.iter().map(|f| f.to_string()).collect();
            TimeParser::try_new(&formats, zone, AmbiguousPolicy::Earliest)
                .unwrap_err()
                .to_string()
        };
        assert!(err(&[ISO], "America/Torono").contains("'America/Torono'"));
        assert!(err(&[ISO], "america/toronto").contains("unknown time zone"));
        assert!(err(&[], "UTC").contains("no timestamp format"));
        for bad in [
            "%Y-%m-%d %Q",
            "%Y-%m-%d %H:%M %Z",
            "%H:%M:%S",
            "%m/%d %H:%M",
            "%Y-%m-%d %I:%M",
            "%Y-%m-%d %H",
            "",
        ] {
            let msg = err(&[ISO, bad], "UTC");
            assert!(msg.contains(&format!("'{bad}'")), "{msg}");
        }
        assert!(TimeParser::try_new(&["%Y-%m-%d".into()], "UTC", AmbiguousPolicy::Latest).is_ok());
        assert_eq!("earliest".parse(), Ok(AmbiguousPolicy::Earliest));
        assert_eq!("Latest".parse(), Ok(AmbiguousPolicy::Latest));
        assert_eq!("quarantine".parse(), Ok(AmbiguousPolicy::Quarantine));
        assert_eq!(AmbiguousPolicy::default(), AmbiguousPolicy::Earliest);
        let e = "first".parse::<AmbiguousPolicy>().unwrap_err().to_string();
        assert!(e.contains("'first'"), "{e}");
        assert_eq!("s".parse(), Ok(DurationFormat::Seconds));
        assert_eq!("mm:ss".parse(), Ok(DurationFormat::MinSec));
        assert_eq!("hh:mm:ss".parse(), Ok(DurationFormat::HourMinSec));
        let e = "sec".parse::<DurationFormat>().unwrap_err().to_string();
        assert!(e.contains("'sec'"), "{e}");
    }

    #[test]
    fn tzdb_version_is_a_release_name() {
        let v = tzdb_version();
        assert_eq!(v.len(), 5, "{v}");
        assert!(v[..4].bytes().all(|b| b.is_ascii_digit()), "{v}");
        assert!(v.ends_with(|c: char| c.is_ascii_lowercase()), "{v}");
    }

    #[test]
    fn format_utc_text() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(1_304_344_987_000_000), "2011-05-02T14:03:07Z");
        assert_eq!(
            format_utc(1_304_344_987_250_000),
            "2011-05-02T14:03:07.250Z"
        );
        assert_eq!(
            format_utc(1_304_344_987_000_001),
            "2011-05-02T14:03:07.000001Z"
        );
        assert_eq!(format_utc(-1), "1969-12-31T23:59:59.999999Z");
        assert!(!format_utc(i64::MIN).is_empty());
        assert!(!format_utc(i64::MAX).is_empty());
    }

    #[test]
    fn durations() {
        use DurationError::*;
        use DurationFormat::*;
        let d = parse_duration_ms;
        assert_eq!(d("0", Seconds), Ok(0));
        assert_eq!(d("75", Seconds), Ok(75_000));
        assert_eq!(d(" 12.5 ", Seconds), Ok(12_500));
        assert_eq!(d("12.3456", Seconds), Ok(12_345));
        assert_eq!(d("86400", Seconds), Ok(86_400_000));
        assert_eq!(d("86400.001", Seconds), Err(OutOfRange));
        assert_eq!(
            d("99999999999999999999999999999999999999999", Seconds),
            Err(OutOfRange)
        );
        assert_eq!(d("-5", Seconds), Err(Negative));
        assert_eq!(d("-0", Seconds), Ok(0));
        assert_eq!(d("", Seconds), Err(Empty));
        assert_eq!(d("  ", MinSec), Err(Empty));
        for bad in ["12.", ".5", "1,5", "+5", "5s", "1:00", "abc", "--5"] {
            assert_eq!(d(bad, Seconds), Err(Unparseable), "{bad}");
        }
        assert_eq!(d("1:15", MinSec), Ok(75_000));
        assert_eq!(d("75:02", MinSec), Ok(4_502_000));
        assert_eq!(d("00:07.5", MinSec), Ok(7_500));
        assert_eq!(d("1440:00", MinSec), Ok(86_400_000));
        assert_eq!(d("1440:01", MinSec), Err(OutOfRange));
        assert_eq!(d("-1:00", MinSec), Err(Negative));
        for bad in ["1:60", "1:5", "75", "1:02:03", ":30", "1:30x"] {
            assert_eq!(d(bad, MinSec), Err(Unparseable), "{bad}");
        }
        assert_eq!(d("0:01:15", HourMinSec), Ok(75_000));
        assert_eq!(d("01:01:15.25", HourMinSec), Ok(3_675_250));
        assert_eq!(d("24:00:00", HourMinSec), Ok(86_400_000));
        assert_eq!(d("24:00:01", HourMinSec), Err(OutOfRange));
        assert_eq!(d("-0:00:01", HourMinSec), Err(Negative));
        for bad in ["0:60:00", "0:00:60", "1:15", "0:1:15", "0:01:15:00"] {
            assert_eq!(d(bad, HourMinSec), Err(Unparseable), "{bad}");
        }
        for e in [Empty, Unparseable, Negative, OutOfRange] {
            assert!(!e.as_str().is_empty());
        }
    }

    #[test]
    fn error_texts() {
        for e in [
            TimeError::Empty,
            TimeError::Unparseable,
            TimeError::Impossible,
            TimeError::Gap,
            TimeError::Ambiguous,
        ] {
            assert_eq!(e.to_string(), e.as_str());
        }
    }

    // ---- property tests ----

    const ZONES: [&str; 7] = [
        "America/Toronto",
        "America/Montreal",
        "America/Vancouver",
        "America/Halifax",
        "America/St_Johns",
        "Australia/Lord_Howe",
        "UTC",
    ];

    /// UTC seconds, per zone, at which the offset changed between 1990 and 2040 (to within
    /// three hours; the strategies add a spread of several hours around them).
    fn transitions(zone: usize) -> &'static [i64] {
        static ALL: OnceLock<Vec<Vec<i64>>> = OnceLock::new();
        &ALL.get_or_init(|| {
            let start = days_from_civil(1990, 1, 1) * SECS_PER_DAY;
            let end = days_from_civil(2040, 1, 1) * SECS_PER_DAY;
            ZONES
                .iter()
                .map(|z| {
                    let tz: Tz = z.parse().unwrap();
                    let off = |t: i64| {
                        tz.offset_from_utc_datetime(&naive(t).unwrap())
                            .fix()
                            .local_minus_utc()
                    };
                    let mut out = vec![0]; // UTC has none: keep the list non-empty
                    let mut prev = off(start);
                    let mut t = start;
                    while t < end {
                        t += 3 * 3600;
                        let o = off(t);
                        if o != prev {
                            out.push(t);
                            prev = o;
                        }
                    }
                    out
                })
                .collect()
        })[zone]
    }

    fn policy() -> impl Strategy<Value = AmbiguousPolicy> {
        prop_oneof![
            Just(AmbiguousPolicy::Earliest),
            Just(AmbiguousPolicy::Latest),
            Just(AmbiguousPolicy::Quarantine)
        ]
    }

    /// UTC microseconds: near a transition of `zone` (two in three), or anywhere in 1880–2100.
    fn instant(zone: usize) -> impl Strategy<Value = i64> {
        let lo = days_from_civil(1880, 1, 1) * SECS_PER_DAY * MICROS_PER_SEC;
        let hi = days_from_civil(2100, 1, 1) * SECS_PER_DAY * MICROS_PER_SEC;
        let n = transitions(zone).len();
        prop_oneof![
            2 => (0..n, -4 * 3600i64..4 * 3600, 0..MICROS_PER_SEC).prop_map(move |(i, d, us)| {
                (transitions(zone)[i] + d) * MICROS_PER_SEC + us
            }),
            1 => lo..hi,
        ]
    }

    fn zone_and_instants() -> impl Strategy<Value = (usize, Vec<i64>)> {
        (0..ZONES.len()).prop_flat_map(|z| (Just(z), prop::collection::vec(instant(z), 1..40)))
    }

    /// What chrono alone makes of a local time: the answer the parser must give.
    fn chrono_resolve(
        tz: Tz,
        local: &NaiveDateTime,
        policy: AmbiguousPolicy,
    ) -> Result<Instant, TimeError> {
        match tz.from_local_datetime(local) {
            MappedLocalTime::Single(t) => ok(t.timestamp_micros()),
            MappedLocalTime::Ambiguous(e, l) => match policy {
                AmbiguousPolicy::Earliest => folded(e.timestamp_micros()),
                AmbiguousPolicy::Latest => folded(l.timestamp_micros()),
                AmbiguousPolicy::Quarantine => Err(TimeError::Ambiguous),
            },
            MappedLocalTime::None => Err(TimeError::Gap),
        }
    }

    /// The reference reader: chrono's own parser plus the documented differences (no leap
    /// seconds, years 1000..=9999, date-only means midnight, trailing Z means UTC).
    fn reference(
        format: &str,
        tz: Tz,
        policy: AmbiguousPolicy,
        raw: &str,
    ) -> Result<Instant, TimeError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(TimeError::Empty);
        }
        let kind = |e: chrono::ParseError| match e.kind() {
            ParseErrorKind::OutOfRange | ParseErrorKind::Impossible => TimeError::Impossible,
            _ => TimeError::Unparseable,
        };
        let check = |n: &NaiveDateTime| {
            if n.nanosecond() >= 1_000_000_000 || !(1000..=9999).contains(&n.year()) {
                Err(TimeError::Impossible)
            } else {
                Ok(())
            }
        };
        if format == "rfc3339" {
            let dt = DateTime::parse_from_rfc3339(s).map_err(kind)?;
            check(&dt.naive_local())?;
            return ok(dt.timestamp_micros());
        }
        if format.contains("%z") || format.contains("%:z") {
            let dt = DateTime::parse_from_str(s, format).map_err(kind)?;
            check(&dt.naive_local())?;
            return ok(dt.timestamp_micros());
        }
        let n = if ["%H", "%I", "%k"].iter().any(|h| format.contains(h)) {
            NaiveDateTime::parse_from_str(s, format).map_err(kind)?
        } else {
            NaiveDate::parse_from_str(s, format)
                .map_err(kind)?
                .and_time(Default::default())
        };
        check(&n)?;
        if format.ends_with('Z') {
            return ok(n.and_utc().timestamp_micros());
        }
        chrono_resolve(tz, &n, policy)
    }

    const DIFF_FORMATS: [&str; 12] = [
        "%Y-%m-%d %H:%M:%S",
        "%d/%m/%Y %H:%M",
        "%m/%d/%y %I:%M:%S %p",
        "%d-%b-%Y %H:%M:%S%.f",
        "%B %e %Y %H:%M",
        "%Y%m%d%H%M%S",
        "%Y-%m-%dT%H:%M:%S%.fZ",
        "%Y-%m-%dT%H:%M:%S%:z",
        "%Y-%m-%d %H:%M:%S%.3f %z",
        "%Y-%m-%d",
        "%e.%m.%Y %k:%M:%S%.6f",
        "rfc3339",
    ];

    /// Text in one of [`DIFF_FORMATS`], valid or slightly damaged.
    fn stamp_text() -> impl Strategy<Value = (usize, usize, String)> {
        let edit = (
            any::<prop::sample::Index>(),
            0..4u8,
            prop::sample::select(
                "0123456789 :-/.TZz+apmAPMx\u{2212}\u{a0}é"
                    .chars()
                    .collect::<Vec<_>>(),
            ),
        );
        (0..ZONES.len())
            .prop_flat_map(move |z| {
                (
                    Just(z),
                    0..DIFF_FORMATS.len(),
                    instant(z),
                    -5400i64..5400,
                    -15 * 4i32..15 * 4,
                    prop_oneof![Just(Vec::new()), prop::collection::vec(edit.clone(), 1..3)],
                )
            })
            .prop_map(|(z, f, micros, shift, quarter_hours, edits)| {
                let tz: Tz = ZONES[z].parse().unwrap();
                // A local wall time near the instant, shifted so that gaps are hit too.
                let local = DateTime::from_timestamp_micros(micros)
                    .unwrap()
                    .with_timezone(&tz)
                    .naive_local()
                    + chrono::Duration::seconds(shift);
                let off = FixedOffset::east_opt(quarter_hours * 900).unwrap();
                let dt = off.from_local_datetime(&local).unwrap();
                let text = if DIFF_FORMATS[f] == "rfc3339" {
                    dt.to_rfc3339()
                } else {
                    dt.format(DIFF_FORMATS[f]).to_string()
                };
                let mut chars: Vec<char> = text.chars().collect();
                for (at, op, c) in edits {
                    let i = at.index(chars.len() + 1);
                    match op {
                        0 if i < chars.len() => chars[i] = c,
                        1 if i < chars.len() => {
                            chars.remove(i);
                        }
                        _ => chars.insert(i, c),
                    }
                }
                (z, f, chars.into_iter().collect())
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// Local wall time of a UTC instant reads back as that instant; in a fold, as the
        /// occurrence the policy names, flagged.
        #[test]
        fn local_wall_time_round_trips((zone, instants) in zone_and_instants(), policy in policy()) {
            let tz: Tz = ZONES[zone].parse().unwrap();
            let mut p = parser(&["%Y-%m-%d %H:%M:%S%.f"], ZONES[zone], policy);
            for micros in instants {
                let local = DateTime::from_timestamp_micros(micros).unwrap().with_timezone(&tz).naive_local();
                let text = local.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
                let got = p.parse(&text);
                let want = chrono_resolve(tz, &local, policy);
                prop_assert_eq!(got, want, "{} {}", text, ZONES[zone]);
                match tz.from_local_datetime(&local) {
                    MappedLocalTime::Single(_) => prop_assert_eq!(got, ok(micros)),
                    MappedLocalTime::Ambiguous(e, l) => {
                        prop_assert!(micros == e.timestamp_micros() || micros == l.timestamp_micros());
                        if let Ok(t) = got {
                            prop_assert!(t.ambiguous);
                        }
                    }
                    MappedLocalTime::None => prop_assert!(false, "a real instant fell in a gap"),
                }
                let naive_micros = local.and_utc().timestamp_micros();
                prop_assert_eq!(p.parse_naive_micros(naive_micros), got);
            }
        }

        /// The hand parser, chrono's parser behind it, and a chrono-only reference agree on
        /// every string, valid or not, down to the error kind.
        #[test]
        fn fast_path_agrees_with_chrono((zone, f, text) in stamp_text(), policy in policy()) {
            let tz: Tz = ZONES[zone].parse().unwrap();
            let format = DIFF_FORMATS[f];
            let mut fast = parser(&[format], ZONES[zone], policy);
            prop_assert!(is_fast(&fast));
            let mut slow = fast.clone();
            slow.force_chrono();
            let want = reference(format, tz, policy, &text);
            prop_assert_eq!(fast.parse(&text), want, "{:?} with {}", text, format);
            if format != "rfc3339" {
                prop_assert_eq!(slow.parse(&text), want, "chrono path: {:?} with {}", text, format);
            }
        }

        /// Nothing panics on arbitrary text.
        #[test]
        fn never_panics(text in "\\PC{0,40}", bytes in prop::collection::vec(any::<u8>(), 0..40), n in any::<i64>()) {
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            let mut p = parser(
                &["%Y-%m-%d %H:%M:%S%.f", "%d-%b-%y %I:%M %p %z", "%a %s", "rfc3339", "epoch_s", "epoch_ms", "excel_serial"],
                "America/Toronto",
                AmbiguousPolicy::Earliest,
            );
            for s in [&text, &lossy] {
                let _ = p.parse(s);
                for f in [DurationFormat::Seconds, DurationFormat::MinSec, DurationFormat::HourMinSec] {
                    let _ = parse_duration_ms(s, f);
                }
            }
            let _ = p.parse_naive_micros(n);
            let _ = format_utc(n);
        }

        /// Durations written in each format read back exactly.
        #[test]
        fn durations_round_trip(ms in 0i64..=86_400_000) {
            let (s, frac) = (ms / 1000, ms % 1000);
            let secs = format!("{s}.{frac:03}");
            prop_assert_eq!(parse_duration_ms(&secs, DurationFormat::Seconds), Ok(ms));
            let minsec = format!("{}:{:02}.{frac:03}", s / 60, s % 60);
            prop_assert_eq!(parse_duration_ms(&minsec, DurationFormat::MinSec), Ok(ms));
            let hms = format!("{}:{:02}:{:02}.{frac:03}", s / 3600, s / 60 % 60, s % 60);
            prop_assert_eq!(parse_duration_ms(&hms, DurationFormat::HourMinSec), Ok(ms));
        }

        /// `format_utc` writes what chrono writes, and `rfc3339` reads it back.
        #[test]
        fn format_utc_matches_chrono(micros in -8_000_000_000_000_000_000i64..8_000_000_000_000_000_000) {
            let want = DateTime::from_timestamp_micros(micros)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%S%.fZ")
                .to_string();
            prop_assert_eq!(format_utc(micros), want.clone());
            if (MIN_MICROS..=MAX_MICROS).contains(&micros) {
                let mut p = parser(&["rfc3339"], "UTC", AmbiguousPolicy::Earliest);
                prop_assert_eq!(p.parse(&want), ok(micros));
            }
        }

        /// The civil-date arithmetic agrees with chrono's calendar.
        #[test]
        fn civil_days_match_chrono(days in -100_000_000i64..100_000_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert_eq!(days_from_civil(y, m, d), days);
            if let Some(date) = NaiveDate::from_ymd_opt(y as i32, m, d) {
                prop_assert_eq!(date.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days(), days);
            }
        }
    }

    /// Formats for the two-column property test: the first of each list decides the memo.
    const JOINED_FORMATS: [&[&str]; 5] = [
        &["%Y-%m-%d %H:%M:%S"],
        &["%d/%m/%Y %H:%M:%S"],
        &["%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M"],
        &["%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S"],
        &["%Y-%m-%d %H:%M:%S%.f"],
    ];

    /// A date column and a time column, as a carrier writes them or damaged.
    #[derive(Clone, Debug)]
    enum Cell2 {
        /// Seconds after the previous valid step (time order, so the memo hits).
        Next(i64),
        /// Fields written as given, any of them out of range.
        Raw(i64, u32, u32, u32, u32, u32),
        /// Arbitrary short text in both columns.
        Text(String, String),
    }

    fn cell2() -> impl Strategy<Value = Cell2> {
        prop_oneof![
            8 => (0i64..900).prop_map(Cell2::Next),
            1 => (-4 * 3600i64..4 * 3600).prop_map(Cell2::Next),
            2 => (
                prop_oneof![Just(2011i64), Just(2024), 999..1001i64, 9999..10001i64],
                0u32..14,
                0u32..33,
                0u32..26,
                0u32..62,
                0u32..62,
            )
                .prop_map(|(y, mo, d, h, mi, s)| Cell2::Raw(y, mo, d, h, mi, s)),
            1 => ("[0-9/: -]{0,12}", "[0-9: .]{0,10}").prop_map(|(a, b)| Cell2::Text(a, b)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// `parse_joined` (date and hour memo) gives what `parse` gives on the joined text,
        /// for every text, around the DST changes of Toronto and Montreal, valid or not.
        #[test]
        fn parse_joined_agrees_with_parse(
            zone in 0usize..2,
            f in 0..JOINED_FORMATS.len(),
            start in 0usize..1000,
            shift in -3 * 3600i64..3 * 3600,
            steps in prop::collection::vec((cell2(), 0u8..8), 1..120),
            policy in policy(),
        ) {
            let tz: Tz = ZONES[zone].parse().unwrap();
            let formats = JOINED_FORMATS[f];
            let mut memo = parser(formats, ZONES[zone], policy);
            let mut full = memo.clone();
            let tr = transitions(zone);
            let mut local = DateTime::from_timestamp(tr[start % tr.len()] + shift, 0)
                .unwrap()
                .with_timezone(&tz)
                .naive_local();
            let iso = formats[0].starts_with("%Y");
            for (cell, style) in steps {
                let (date, time) = match cell {
                    Cell2::Next(d) => {
                        local += chrono::Duration::seconds(d);
                        let date = if iso { local.format("%Y-%m-%d") } else { local.format("%d/%m/%Y") };
                        let (date, time) = (date.to_string(), local.format("%H:%M:%S").to_string());
                        match style {
                            // The other layout, padding, a missing second, a fraction.
                            0 => (local.format(if iso { "%d/%m/%Y" } else { "%Y-%m-%d" }).to_string(), time),
                            1 => (format!(" {date}\t"), format!(" {time} ")),
                            2 => (date, local.format("%H:%M").to_string()),
                            3 => (date, local.format("%k:%M:%S").to_string()),
                            4 => (date, format!("{time}.5")),
                            _ => (date, time),
                        }
                    }
                    Cell2::Raw(y, mo, d, h, mi, s) => {
                        let date = if iso { format!("{y:04}-{mo:02}-{d:02}") } else { format!("{d:02}/{mo:02}/{y:04}") };
                        (date, format!("{h:02}:{mi:02}:{s:02}"))
                    }
                    Cell2::Text(a, b) => (a, b),
                };
                let want = full.parse(&format!("{} {}", date.trim(), time.trim()));
                prop_assert_eq!(memo.parse_joined(&date, &time), want, "{:?} {:?} {:?}", date, time, formats);
            }
        }
    }

    #[test]
    fn trim_is_str_trim() {
        for t in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\u{b}a\u{b}",
            "\u{a0}a",
            "a\u{a0}",
            "é",
            "\u{1c}a\u{1f}",
            "\u{85}",
            "\u{3000}x\u{3000}",
            "\ta b\r",
            "ab",
        ] {
            assert_eq!(trim(t), t.trim(), "{t:?}");
        }
    }

    proptest! {
        #[test]
        fn trim_agrees_with_str_trim(t in "\\PC{0,6}|[ \t\u{b}\u{c}\u{1c}\u{85}\u{a0}a-c]{0,6}") {
            prop_assert_eq!(trim(&t), t.trim());
        }
    }

    #[test]
    fn parse_joined_memo_hits_and_misses() {
        let mut p = toronto(ISO);
        assert!(p.hms_tail);
        // A plain hour, then the same hour again (memo), the fold hour and the gap hour.
        for (d, t) in [
            ("2024-11-02", "10:03:07"),
            ("2024-11-02", "10:59:59"),
            ("2024-11-03", "01:30:00"),
            ("2024-11-03", "01:30:00"),
            ("2024-03-10", "02:30:00"),
            ("2024-03-10", "03:00:00"),
            ("2011-04-31", "10:00:00"),
            ("2011-04-30", "25:00:00"),
            ("2011-04-30", "10:60:00"),
            ("2011-04-30", ""),
        ] {
            let want = toronto(ISO).parse(&format!("{d} {t}"));
            assert_eq!(p.parse_joined(d, t), want, "{d} {t}");
        }
        assert!(!toronto("%d/%m/%Y %H:%M").hms_tail);
        assert!(!toronto("%Y-%m-%dT%H:%M:%SZ").hms_tail);
        assert!(!toronto("%Y-%m-%d %H:%M:%S%.f").hms_tail);
        assert!(toronto("%d/%m/%Y %H:%M:%S").hms_tail);
    }

    #[test]
    fn cache_hit_and_miss_give_the_same_answers() {
        // Sorted, then reversed, then interleaved hours around a fold and a gap.
        let texts: Vec<String> = (0..48 * 4)
            .map(|q| {
                let t = NaiveDate::from_ymd_opt(2024, 11, 2)
                    .unwrap()
                    .and_hms_opt(0, 0, 0)
                    .unwrap()
                    + chrono::Duration::minutes(15 * q);
                t.format(ISO).to_string()
            })
            .chain((0..48 * 4).map(|q| {
                let t = NaiveDate::from_ymd_opt(2024, 3, 9)
                    .unwrap()
                    .and_hms_opt(0, 0, 0)
                    .unwrap()
                    + chrono::Duration::minutes(15 * q);
                t.format(ISO).to_string()
            }))
            .collect();
        let fresh = |s: &String| toronto(ISO).parse(s);
        let want: Vec<_> = texts.iter().map(fresh).collect();
        let mut p = toronto(ISO);
        let got: Vec<_> = texts.iter().map(|s| p.parse(s)).collect();
        assert_eq!(got, want);
        let got_rev: Vec<_> = texts.iter().rev().map(|s| p.parse(s)).collect();
        assert_eq!(got_rev, want.iter().rev().cloned().collect::<Vec<_>>());
        assert_eq!(
            want.iter().filter(|r| **r == Err(TimeError::Gap)).count(),
            4
        );
        assert_eq!(
            want.iter()
                .filter(|r| matches!(r, Ok(i) if i.ambiguous))
                .count(),
            4
        );
    }
}
