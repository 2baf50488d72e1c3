//! The counts of the report's timeline: calls to complainants per hour (local hours of the
//! case's zone) across the baseline and incident windows, each split by what the attribution
//! found behind it.
//!
//! The results hold no table of every received call (the dossier holds the calls of the leads
//! and of the attributed campaigns only), so the calls are those of `callsift timeline`
//! ([`crate::correlate::timeline::timeline`]): the calls `calls_received` counts, chosen by the
//! same function (`correlate::calls::count`) from the case store checked against the manifest,
//! each with the campaign `results/attribution` matched its evidence row to. They are counted
//! here without a row per call being built (the timeline's rows hold their texts, which on a
//! case of millions of calls would take gigabytes); a test checks the counts against the
//! timeline's calls. The report's section says where the counts come from. The calls are read
//! one part of the store at a time, so that the report's memory does not grow with the case.
//!
//! ```text
//!  bins:  [start, start+w) [start+w, start+2w) …   w = 1 hour (more when the windows are long)
//!  start: the earlier window's start, set back to the start of its local hour
//!  each bin: [not attributed, attributed to a declared legitimate campaign, to another]
//! ```
//!
//! An hour *stands out* when it holds more calls than the busiest hour of the baseline: a
//! plain rule a reader can check on the chart, not a test.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use chrono::{Offset, TimeZone};
use chrono_tz::Tz;
use rayon::prelude::*;

use crate::config::Window;
use crate::correlate::calls;
use crate::correlate::input::{Calls, Complainants};
use crate::error::Result;
use crate::manifest::Manifest;
use crate::model::results::Table;
use crate::model::Kind;

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

/// The windows the timeline is drawn across.
pub(super) struct Span {
    pub incident: Window,
    pub baseline: Window,
    /// The orders window: calls outside it are not received calls.
    pub orders: Option<Window>,
}

/// Counts the received calls of the run in `dir` per bin across the baseline and incident
/// windows; `legitimate` names the campaigns the case declares legitimate.
///
/// # Errors
/// [`crate::Error::Store`] when the store is missing or not the one the manifest records, or
/// `results/attribution` cannot be read.
pub(super) fn hours(
    dir: &Path,
    manifest: &Manifest,
    w: &Span,
    zone: Tz,
    legitimate: &BTreeSet<String>,
) -> Result<Hours> {
    manifest.check_store(dir)?;
    let comp_b = crate::ingest::read_table(manifest, dir, Kind::Complainants, None)?;
    let comp = Complainants::read(&comp_b)?;
    let behind = attributed(dir, legitimate)?;
    let (incident, baseline) = (w.incident, w.baseline);
    let from = local_hour_start(incident.start.min(baseline.start), zone);
    let to = incident.end.max(baseline.end);
    let span = (to - from).max(1);
    let hours = BIN_HOURS
        .into_iter()
        .find(|h| ceil_div(span, h * HOUR_US) <= MAX_BINS)
        .unwrap_or(BIN_HOURS[BIN_HOURS.len() - 1]);
    let width = hours * HOUR_US;
    let n = ceil_div(span, width) as usize;
    // Every call counted is inside [from, to); a window's bounds are clamped to the bins.
    let bin = |t: i64| ((t - from).clamp(0, span - 1) / width) as usize;
    let bins_of = |w: Window| {
        let first = bin(w.start);
        (first, (bin(w.end - 1) + 1).max(first))
    };
    let mut h = Hours {
        start: from,
        width,
        bins: vec![[0; 3]; n],
        incident: bins_of(incident),
        baseline: bins_of(baseline),
        ..Hours::default()
    };
    // The parts side by side (as many at once as there are threads), each counted into bins
    // of its own; the counts add.
    let parts = crate::ingest::table_parts(manifest, dir, Kind::Calls);
    let counted = parts
        .par_iter()
        .map(|path| {
            let mut c = PartCount {
                bins: vec![[0; 3]; n],
                ..PartCount::default()
            };
            let b =
                crate::store::read_table_coded(path, &Kind::Calls.schema(), Some(&CALL_COLUMNS))?;
            let calls = Calls::new(&b)?;
            let (received, _) = calls::count(&calls, &comp, w.orders);
            // This part's file codes, as the attribution names the files.
            let files: Vec<Option<&HashMap<u64, Behind>>> =
                calls.file.names.iter().map(|f| behind.get(f)).collect();
            for &i in &received {
                let t = calls.start[i];
                c.total += 1;
                if t < from || t >= to {
                    c.outside += 1;
                    continue;
                }
                let b = files
                    .get(calls.file.codes[i] as usize)
                    .copied()
                    .flatten()
                    .and_then(|rows| rows.get(&calls.row[i]).copied())
                    .unwrap_or(Behind::Nothing);
                c.bins[bin(t)][b as usize] += 1;
            }
            Ok(c)
        })
        .collect::<Result<Vec<PartCount>>>()?;
    for c in counted {
        h.total += c.total;
        h.outside += c.outside;
        for (x, y) in h.bins.iter_mut().flatten().zip(c.bins.iter().flatten()) {
            *x += y;
        }
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

/// One part's calls, counted.
#[derive(Default)]
struct PartCount {
    bins: Vec<[u64; 3]>,
    outside: u64,
    total: u64,
}

/// The columns of the calls table the counts read.
const CALL_COLUMNS: [&str; 8] = [
    "called",
    "calling",
    "calling_raw",
    "calling_status",
    "carrier",
    "start",
    "source_file",
    "source_row",
];

/// What the attribution matched each attributed call to, by the call's evidence file and row,
/// as `results/attribution` names them.
fn attributed(
    dir: &Path,
    legitimate: &BTreeSet<String>,
) -> Result<HashMap<String, HashMap<u64, Behind>>> {
    let a = crate::results::table(dir, Table::Attribution)?;
    let file = crate::results::texts(&a, Table::Attribution, "source_file")?;
    let row = crate::results::u64s(&a, Table::Attribution, "source_row")?;
    let campaign = crate::results::texts(&a, Table::Attribution, "campaign")?;
    let mut m: HashMap<String, HashMap<u64, Behind>> = HashMap::new();
    for ((f, r), c) in file.into_iter().zip(row).zip(campaign) {
        let (Some(f), Some(c)) = (f, c) else {
            continue;
        };
        let b = if legitimate.contains(&c) {
            Behind::Legitimate
        } else {
            Behind::Other
        };
        m.entry(f).or_default().insert(r, b);
    }
    Ok(m)
}

/// `a / b` rounded up, for `a >= 0` and `b > 0`.
fn ceil_div(a: i64, b: i64) -> i64 {
    (a + b - 1) / b
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counts are those of the calls `callsift timeline` lists (the library function
    /// behind it), hour by hour and by what each call was attributed to.
    #[test]
    fn the_counts_are_the_timelines_calls() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let case = crate::Case::load(&root.join("fixtures/inquiry/case.toml")).unwrap();
        let d = tempfile::tempdir().unwrap();
        crate::ingest::run(&case, d.path(), 2).unwrap();
        crate::correlate::run(d.path(), &Default::default()).unwrap();
        let m = Manifest::read(d.path()).unwrap();
        let w = &case.windows;
        let span = Span {
            incident: w.incident.unwrap(),
            baseline: w.baseline.unwrap(),
            orders: w.orders,
        };
        let zone: Tz = "America/Toronto".parse().unwrap();
        let legitimate: BTreeSet<String> = case
            .raw
            .attribution
            .legitimate_campaigns
            .iter()
            .cloned()
            .collect();
        let h = hours(d.path(), &m, &span, zone, &legitimate).unwrap();
        let t = crate::correlate::timeline::timeline(d.path(), &Default::default()).unwrap();
        let mut want = vec![[0u64; 3]; h.bins.len()];
        for c in &t.calls {
            let k = ((c.start - h.start) / h.width) as usize;
            let b = match &c.campaign {
                None => 0,
                Some(x) if legitimate.contains(x) => 1,
                Some(_) => 2,
            };
            want[k][b] += 1;
        }
        assert_eq!(h.bins, want);
        assert_eq!(h.total, t.calls.len() as u64);
        assert_eq!((h.total, h.outside, h.baseline_max), (6051, 0, 45));
        assert_eq!(h.marked.len(), 1);
        assert_eq!(h.bins[h.marked[0]], [25, 0, 64]);
    }

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
