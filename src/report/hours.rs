//! The counts of the report's timeline: calls to complainants per hour (local hours of the
//! case's zone) across the baseline and incident windows, each split by what the attribution
//! found behind it.
//!
//! The results hold no table of every received call (the dossier holds the calls of the leads
//! and of the attributed campaigns only), so the calls are read with
//! [`crate::correlate::timeline::timeline`], the library function behind `callsift timeline`:
//! the calls `calls_received` counts, from the case store checked against the manifest, each
//! with the campaign `results/attribution` matched it to. The report's section says so.
//!
//! ```text
//!  bins:  [start, start+w) [start+w, start+2w) …   w = 1 hour (more when the windows are long)
//!  start: the earlier window's start, set back to the start of its local hour
//!  each bin: [not attributed, attributed to a declared legitimate campaign, to another]
//! ```
//!
//! An hour *stands out* when it holds more calls than the busiest hour of the baseline: a
//! plain rule a reader can check on the chart, not a test.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{Offset, TimeZone};
use chrono_tz::Tz;

use crate::config::Window;
use crate::correlate::timeline::{timeline, Filter};
use crate::error::Result;

/// Microseconds in an hour.
pub(super) const HOUR_US: i64 = 3_600_000_000;

/// The most bins a chart draws; longer windows take wider bins ([`BIN_HOURS`]).
const MAX_BINS: i64 = 1_500;

/// The bin widths, in hours, tried in order.
const BIN_HOURS: [i64; 8] = [1, 2, 3, 6, 12, 24, 48, 168];

/// What a call was attributed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Behind {
    /// No vendor record matched it.
    Nothing = 0,
    /// A campaign the case declares legitimate.
    Legitimate = 1,
    /// Any other campaign.
    Other = 2,
}

/// The calls per bin.
#[derive(Clone, Debug, Default)]
pub(super) struct Hours {
    /// The first bin's start, UTC µs (the start of a local hour).
    pub start: i64,
    /// A bin's width, µs.
    pub width: i64,
    /// Per bin, calls by [`Behind`].
    pub bins: Vec<[u64; 3]>,
    /// The bins of the incident and of the baseline window (half-open ranges of indices).
    pub incident: (usize, usize),
    pub baseline: (usize, usize),
    /// Received calls outside both windows' span (not drawn).
    pub outside: u64,
    /// All received calls.
    pub total: u64,
    /// The busiest baseline bin's count.
    pub baseline_max: u64,
    /// Bins outside the baseline with more calls than `baseline_max`.
    pub marked: Vec<usize>,
}

impl Hours {
    /// The calls of bin `k`.
    pub fn count(&self, k: usize) -> u64 {
        self.bins[k].iter().sum()
    }

    /// The bin's width in hours.
    pub fn hours_per_bin(&self) -> i64 {
        self.width / HOUR_US
    }

    /// The start of bin `k`, UTC µs.
    pub fn at(&self, k: usize) -> i64 {
        self.start + self.width * k as i64
    }
}

/// The start of the local hour of `zone` that holds `t` (UTC µs).
pub(super) fn local_hour_start(t: i64, zone: Tz) -> i64 {
    let offset = offset_us(t, zone);
    t - (t + offset).rem_euclid(HOUR_US)
}

/// `zone`'s offset from UTC at `t`, µs.
pub(super) fn offset_us(t: i64, zone: Tz) -> i64 {
    chrono::DateTime::from_timestamp_micros(t).map_or(0, |d| {
        i64::from(
            zone.offset_from_utc_datetime(&d.naive_utc())
                .fix()
                .local_minus_utc(),
        ) * 1_000_000
    })
}

/// Counts the received calls of the run in `dir` per bin across `baseline` and `incident`;
/// `legitimate` names the campaigns the case declares legitimate.
///
/// # Errors
/// As [`crate::correlate::timeline::timeline`]: the store missing or not the one the manifest
/// records.
pub(super) fn hours(
    dir: &Path,
    incident: Window,
    baseline: Window,
    zone: Tz,
    legitimate: &BTreeSet<String>,
) -> Result<Hours> {
    let calls = timeline(dir, &Filter::default())?.calls;
    let from = local_hour_start(incident.start.min(baseline.start), zone);
    let to = incident.end.max(baseline.end);
    let span = (to - from).max(1);
    let hours = BIN_HOURS
        .into_iter()
        .find(|h| ceil_div(span, h * HOUR_US) <= MAX_BINS)
        .unwrap_or(BIN_HOURS[BIN_HOURS.len() - 1]);
    let width = hours * HOUR_US;
    let n = ceil_div(span, width) as usize;
    let bin = |t: i64| ((t - from).div_euclid(width)) as usize;
    let mut h = Hours {
        start: from,
        width,
        bins: vec![[0; 3]; n],
        incident: (bin(incident.start), bin(incident.end - 1) + 1),
        baseline: (bin(baseline.start), bin(baseline.end - 1) + 1),
        ..Hours::default()
    };
    for c in &calls {
        h.total += 1;
        if c.start < from || c.start >= to {
            h.outside += 1;
            continue;
        }
        let behind = match &c.campaign {
            None => Behind::Nothing,
            Some(name) if legitimate.contains(name) => Behind::Legitimate,
            Some(_) => Behind::Other,
        };
        h.bins[bin(c.start)][behind as usize] += 1;
    }
    // Bins wholly inside the baseline set the bar (a bin shared with another window does not).
    let at = |k: usize| from + width * k as i64;
    let inside = |k: usize| at(k) >= baseline.start && at(k) + width <= baseline.end;
    h.baseline_max = (h.baseline.0..h.baseline.1)
        .filter(|&k| inside(k))
        .map(|k| h.count(k))
        .max()
        .unwrap_or(0);
    h.marked = (0..n)
        .filter(|&k| !inside(k) && h.count(k) > h.baseline_max)
        .collect();
    Ok(h)
}

/// `a / b` rounded up, for `a >= 0` and `b > 0`.
fn ceil_div(a: i64, b: i64) -> i64 {
    (a + b - 1) / b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_hours_start_on_the_local_hour() {
        let toronto: Tz = "America/Toronto".parse().unwrap();
        // 2011-05-02T14:02:46Z is 10:02:46 in Toronto: its hour starts at 14:00:00Z.
        let t = 1_304_344_966_000_000;
        assert_eq!(local_hour_start(t, toronto), 1_304_344_800_000_000);
        // St. John's is 2:30 behind UTC in May (11:32:46): its hour starts at 11:00, 13:30Z.
        let nl: Tz = "America/St_Johns".parse().unwrap();
        assert_eq!(local_hour_start(t, nl), 1_304_343_000_000_000);
        assert_eq!(offset_us(t, nl), -9_000_000_000);
    }
}
