//! `callsift timeline DIR`: the chronology of the received calls, as the carriers recorded
//! them, for a person to read: each call's time (in a zone of the reader's choosing, beside
//! UTC), the complainant, the caller ID, the carrier, its window, the campaign the attribution
//! matched it to, and its evidence line.
//!
//! ```text
//!  manifest ─▶ windows, orders, [case] time_zone
//!  store/calls, store/complainants ─▶ the received calls (as correlate counts them) ─┐
//!  results/attribution (when correlate has run) ─▶ campaign per evidence row ────────┴─▶ rows
//!        filtered by caller ID, complainant, time; sorted by time, then evidence
//! ```
//!
//! The calls are those `calls_received` counts (to a complainant in the orders, inside the
//! orders window, duplicates removed), read from the store as correlate reads them; the store
//! is checked against the manifest first. Nothing is written.

use std::collections::HashMap;
use std::path::Path;

use chrono_tz::Tz;

use super::input::{Calls, Complainants};
use super::{calls, Params};
use crate::error::{Error, Result};
use crate::ingest;
use crate::manifest::Manifest;
use crate::model::results::Table;
use crate::model::Kind;

/// Which calls to show.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only calls whose caller ID is this number (E.164 digits).
    pub number: Option<u64>,
    /// Only calls to this complainant: its id, or one of its numbers (E.164 digits as text).
    pub complainant: Option<String>,
    /// Only calls at or after this instant (UTC µs).
    pub from: Option<i64>,
    /// Only calls before this instant (UTC µs).
    pub to: Option<i64>,
}

/// One received call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// When, UTC µs.
    pub start: i64,
    /// The complainant's id (`None` when the complainants table gives none).
    pub complainant: Option<String>,
    /// The number called (E.164 digits).
    pub called: u64,
    /// The caller ID as the carrier showed it (E.164 text, else its raw text).
    pub seen: Option<String>,
    /// `ok`, `blocked` or `invalid`.
    pub seen_status: String,
    /// The carrier.
    pub carrier: String,
    /// `incident`, `baseline` or `other`.
    pub window: &'static str,
    /// The campaign the attribution matched the call to (when correlate has run).
    pub campaign: Option<String>,
    /// `file:row` of the carrier record.
    pub evidence: String,
}

/// The chronology.
#[derive(Clone, Debug)]
pub struct Timeline {
    /// The calls, by time.
    pub calls: Vec<Call>,
    /// The case's zone (`[case] time_zone`, else UTC).
    pub zone: Tz,
    /// Whether the campaign column could be read (`results/attribution` exists).
    pub attributed: bool,
}

/// The received calls of the run in `out` that `filter` lets through, by time.
///
/// # Errors
/// [`Error::Store`] when the manifest or the store is missing, or a store file is not the one
/// the manifest records; [`Error::Config`] when the recorded parameters have no incident or
/// baseline window.
pub fn timeline(out: &Path, filter: &Filter) -> Result<Timeline> {
    let manifest = Manifest::read(out)?;
    manifest.check_store(out)?;
    let params = Params::from_manifest(&manifest, out)?;
    let read = |k: Kind| ingest::read_table(&manifest, out, k, None);
    let (calls_b, comp_b) = (read(Kind::Calls)?, read(Kind::Complainants)?);
    let comp = Complainants::read(&comp_b)?;
    let calls = Calls::new(&calls_b)?;
    let (received, _) = calls::count(&calls, &comp, params.orders);
    let campaign = attributed_campaigns(out)?;
    let wanted = complainant_numbers(&comp, filter.complainant.as_deref());
    let mut rows: Vec<Call> = received
        .iter()
        .copied()
        .filter(|&i| filter.number.is_none_or(|n| calls.calling(i) == Some(n)))
        .filter(|&i| wanted.as_ref().is_none_or(|w| w.contains(&calls.called[i])))
        .filter(|&i| filter.from.is_none_or(|t| calls.start[i] >= t))
        .filter(|&i| filter.to.is_none_or(|t| calls.start[i] < t))
        .map(|i| {
            let evidence = format!("{}:{}", calls.file.text(i), calls.row[i]);
            let t = calls.start[i];
            Call {
                start: t,
                complainant: comp
                    .by_number
                    .get(&calls.called[i])
                    .and_then(|&id| comp.names.get(id as usize).cloned().flatten()),
                called: calls.called[i],
                seen: calls.seen(i),
                seen_status: calls.status.text(i).to_string(),
                carrier: calls.carrier.text(i).to_string(),
                window: if params.incident.contains(t) {
                    "incident"
                } else if params.baseline.contains(t) {
                    "baseline"
                } else {
                    "other"
                },
                campaign: campaign.as_ref().and_then(|m| m.get(&evidence).cloned()),
                evidence,
            }
        })
        .collect();
    rows.sort_by(|a, b| (a.start, &a.evidence).cmp(&(b.start, &b.evidence)));
    Ok(Timeline {
        calls: rows,
        zone: params.case.case.zone(),
        attributed: campaign.is_some(),
    })
}

/// The numbers of the complainant `who` (an id, or one of its numbers); `None` when no
/// complainant filter is given. An unknown complainant gives an empty set (no call).
fn complainant_numbers(comp: &Complainants, who: Option<&str>) -> Option<Vec<u64>> {
    let who = who?;
    let by_id: Vec<u64> = comp
        .by_number
        .iter()
        .filter(|(_, &id)| comp.names.get(id as usize).and_then(Option::as_deref) == Some(who))
        .map(|(&n, _)| n)
        .collect();
    if !by_id.is_empty() {
        return Some(by_id);
    }
    let digits: String = who.chars().filter(char::is_ascii_digit).collect();
    Some(digits.parse().ok().into_iter().collect())
}

/// The campaign of each attributed carrier row (`file:row`), from `results/attribution`;
/// `None` when correlate has not run.
fn attributed_campaigns(out: &Path) -> Result<Option<HashMap<String, String>>> {
    let path = out
        .join(crate::layout::RESULTS)
        .join(format!("{}.parquet", Table::Attribution.name()));
    if !path.exists() {
        return Ok(None);
    }
    let a = crate::results::table(out, Table::Attribution)?;
    let file = crate::results::texts(&a, Table::Attribution, "source_file")?;
    let row = crate::results::u64s(&a, Table::Attribution, "source_row")?;
    let campaign = crate::results::texts(&a, Table::Attribution, "campaign")?;
    let mut m = HashMap::with_capacity(a.num_rows());
    for ((f, r), c) in file.into_iter().zip(row).zip(campaign) {
        if let (Some(f), Some(c)) = (f, c) {
            m.insert(format!("{f}:{r}"), c);
        }
    }
    Ok(Some(m))
}

/// Parses a `--from`/`--to` bound: an RFC 3339 instant (`2011-05-02T10:00:00-04:00`), a local
/// date-time in `zone` (`2011-05-02 10:00` or with seconds), or a local date (`2011-05-02`: its
/// first instant, or with `end_of_day` the first instant of the next day, so that `--to` with a
/// date includes that day).
///
/// # Errors
/// [`Error::Config`] naming `flag` when the text is none of these, or a local time that the
/// zone skipped.
pub fn parse_bound(flag: &str, text: &str, zone: Tz, end_of_day: bool) -> Result<i64> {
    use chrono::{NaiveDate, NaiveDateTime, TimeZone};
    let bad = |why: &str| {
        Error::config(
            flag,
            format!(
                "{text:?}: {why}; give an RFC 3339 instant (2011-05-02T10:00:00-04:00), a local \
                 date-time (2011-05-02 10:00) or a local date (2011-05-02)"
            ),
        )
    };
    let t = text.trim();
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(dt.timestamp_micros());
    }
    let local = if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        let d = if end_of_day {
            d.succ_opt().ok_or_else(|| bad("no day follows it"))?
        } else {
            d
        };
        d.and_hms_opt(0, 0, 0).ok_or_else(|| bad("no such time"))?
    } else {
        NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S")
            .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M"))
            .map_err(|_| bad("not a time"))?
    };
    match zone.from_local_datetime(&local) {
        chrono::LocalResult::Single(x) => Ok(x.timestamp_micros()),
        chrono::LocalResult::Ambiguous(x, _) => Ok(x.timestamp_micros()),
        chrono::LocalResult::None => Err(bad(&format!("the clocks of {zone} skipped that time"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_in_every_form() {
        let tz: Tz = "America/Toronto".parse().unwrap();
        let day = 1_304_308_800_000_000; // 2011-05-02T04:00:00Z, midnight in Toronto
        assert_eq!(parse_bound("--from", "2011-05-02", tz, false).unwrap(), day);
        assert_eq!(
            parse_bound("--to", "2011-05-02", tz, true).unwrap(),
            day + 86_400_000_000
        );
        assert_eq!(
            parse_bound("--from", "2011-05-02 10:00", tz, false).unwrap(),
            day + 10 * 3_600_000_000
        );
        assert_eq!(
            parse_bound("--from", "2011-05-02T10:00:00-04:00", chrono_tz::UTC, false).unwrap(),
            day + 10 * 3_600_000_000
        );
        let e = parse_bound("--from", "2011-03-13 02:30", tz, false).unwrap_err();
        assert!(e.to_string().contains("skipped"), "{e}");
        let e = parse_bound("--to", "yesterday", tz, true).unwrap_err();
        assert!(e.to_string().contains("--to"), "{e}");
    }
}
