//! `results/campaigns`: each campaign of the vendor logs as one entity: what the log says of
//! it (vendor, records, recipients, presented caller IDs, first and last dial), who stands
//! behind it (account and customer, from the log and the vendors' campaign registry,
//! [`super::registry`]), the upload merged into it ([`super::lists`]), and how many received
//! calls and complainants attribution matched to it ([`super::attribution`]).
//!
//! Its counts are per vendor record or per match, so they add over any split of the calls and
//! the log (its distinct recipients over a split by dialled number, as the store's parts split
//! it: `LogTally`); the table is built once.

use std::collections::{BTreeMap, BTreeSet};

use arrow::array::RecordBatch;

use super::attribution::{Attribution, VendorLog};
use super::cols::{TableBuilder, NONE};
use super::input::{Calls, Complainants};
use super::lists::NamedSet;
use super::parts::{RowKeys, Seen};
use super::registry::Registry;
use crate::error::Result;
use crate::model::results::Table;
use crate::normalize::phone::format_e164;
use serde::{Deserialize, Serialize};

/// What the whole vendor log says of one campaign.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CampaignLog {
    /// Its records.
    pub records: u64,
    /// The distinct numbers it dialled.
    pub recipients: u64,
    /// The caller IDs it presented.
    pub presented: BTreeSet<u64>,
    /// The vendor of its first record that names one, and where that record sorts.
    pub vendor: Option<(Seen, String)>,
    /// Its first and last dial, UTC µs.
    pub first: Option<i64>,
    /// See `first`.
    pub last: Option<i64>,
}

/// What the vendor log says of each campaign, gathered part by part of the log ([`LogTally::add`]):
/// the store splits the log by dialled number, so a campaign's distinct recipients add over
/// the parts; the rest are sums, unions and extremes.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct LogTally(BTreeMap<String, CampaignLog>);

impl LogTally {
    /// Adds one part of the log, its rows placed in the case by `keys`.
    pub fn add(&mut self, log: &VendorLog, keys: &RowKeys) {
        let mut dialed: Vec<Vec<u64>> = vec![Vec::new(); log.campaign.len()];
        let mut parts: Vec<CampaignLog> = vec![CampaignLog::default(); log.campaign.len()];
        for j in 0..log.dialed.len() {
            let c = log.campaign.codes[j];
            if c == NONE {
                continue;
            }
            let (t, c) = (&mut parts[c as usize], c as usize);
            t.records += 1;
            dialed[c].push(log.dialed[j]);
            if let Some(p) = log.presented[j] {
                t.presented.insert(p);
            }
            if let Some(v) = log.vendor.get(j) {
                let at = keys.at(j);
                if t.vendor.as_ref().is_none_or(|(s, _)| at < *s) {
                    t.vendor = Some((at, v.to_string()));
                }
            }
            if let Some(s) = log.start[j] {
                t.first = Some(t.first.map_or(s, |f| f.min(s)));
                t.last = Some(t.last.map_or(s, |l| l.max(s)));
            }
        }
        for ((name, mut part), mut d) in log.campaign.names.iter().zip(parts).zip(dialed) {
            d.sort_unstable();
            d.dedup();
            part.recipients = d.len() as u64;
            self.take(name.clone(), part);
        }
    }

    /// Adds what `o` tallied of other parts of the log.
    pub fn absorb(&mut self, o: LogTally) {
        for (name, part) in o.0 {
            self.take(name, part);
        }
    }

    /// Adds one part's tally of campaign `name`.
    fn take(&mut self, name: String, mut part: CampaignLog) {
        let t = self.0.entry(name).or_default();
        t.records += part.records;
        t.recipients += part.recipients;
        t.presented.append(&mut part.presented);
        if let Some((s, v)) = part.vendor {
            if t.vendor.as_ref().is_none_or(|(w, _)| s < *w) {
                t.vendor = Some((s, v));
            }
        }
        t.first = t.first.into_iter().chain(part.first).min();
        t.last = t.last.into_iter().chain(part.last).max();
    }

    /// What the log says of campaign `name`.
    pub fn get(&self, name: &str) -> Option<&CampaignLog> {
        self.0.get(name)
    }
}

/// Per campaign (by the vendor log's campaign code), what the log and the matches say.
struct Tally {
    complainants: Vec<BTreeSet<u32>>,
    calls_matched: Vec<u64>,
    calls_agree: Vec<u64>,
    per_pair: Vec<BTreeMap<usize, u64>>,
    presented: Vec<BTreeSet<String>>,
    vendor: Vec<Option<String>>,
    records: Vec<u64>,
    recipients: Vec<u64>,
    first: Vec<Option<i64>>,
    last: Vec<Option<i64>>,
}

impl Tally {
    fn new(
        calls: &Calls<'_>,
        comp: &Complainants,
        (log, tally): (&VendorLog, &LogTally),
        a: &Attribution,
    ) -> Tally {
        let nc = log.campaign.len();
        let mut t = Tally {
            complainants: vec![BTreeSet::new(); nc],
            calls_matched: vec![0; nc],
            calls_agree: vec![0; nc],
            per_pair: vec![BTreeMap::new(); nc],
            presented: vec![BTreeSet::new(); nc],
            vendor: vec![None; nc],
            records: vec![0; nc],
            recipients: vec![0; nc],
            first: vec![None; nc],
            last: vec![None; nc],
        };
        for m in &a.matches {
            let c = log.campaign.codes[m.vendor_row];
            if c == NONE {
                continue;
            }
            let c = c as usize;
            t.calls_matched[c] += 1;
            t.calls_agree[c] += m.agrees as u64;
            if let Some(&id) = comp.by_number.get(&calls.called[m.call]) {
                t.complainants[c].insert(id);
            }
            *t.per_pair[c].entry(m.pair).or_insert(0) += 1;
        }
        for (c, name) in log.campaign.names.iter().enumerate() {
            let Some(x) = tally.get(name) else { continue };
            t.records[c] = x.records;
            t.recipients[c] = x.recipients;
            t.presented[c] = x.presented.iter().map(|&p| format_e164(p)).collect();
            t.vendor[c] = x.vendor.as_ref().map(|v| v.1.clone());
            t.first[c] = x.first;
            t.last[c] = x.last;
        }
        t
    }

    /// The offset of the (carrier, vendor) pair that matched most of each campaign's calls
    /// (ties: the lower pair), in ms.
    fn offsets_ms(&self, a: &Attribution) -> Vec<Option<i64>> {
        self.per_pair
            .iter()
            .map(|m| {
                m.iter()
                    .max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(x.0)))
                    .and_then(|(&p, _)| a.pairs[p].offset_us.map(|o| o / 1000))
            })
            .collect()
    }
}

/// `results/campaigns`: per campaign of the vendor log (in order of first appearance), what
/// the log and its registry say of it and how many received calls and complainants it matched.
/// `campaigns` are the campaigns' lists ([`super::lists::Lists::campaigns`], in the same
/// order), which carry the account and the merged upload.
///
/// # Errors
/// Only if the columns came out of different lengths, which would be a bug.
pub(crate) fn table(
    calls: &Calls<'_>,
    comp: &Complainants,
    (log, tally, a): (&VendorLog, &LogTally, &Attribution),
    campaigns: &[NamedSet],
    reg: &Registry,
    legitimate: &BTreeSet<&str>,
    zone: chrono_tz::Tz,
) -> Result<RecordBatch> {
    let t = Tally::new(calls, comp, (log, tally), a);
    let names = &log.campaign.names;
    let entry = |f: &dyn Fn(&super::registry::Entry) -> Option<String>| {
        names
            .iter()
            .map(|c| reg.get(c).and_then(f))
            .collect::<Vec<_>>()
    };
    TableBuilder::default()
        .text_dense("campaign", names)
        .text("vendor", t.vendor.clone())
        .text(
            "account",
            campaigns.iter().map(|s| s.account.clone()).collect(),
        )
        .text("customer", entry(&|e| e.customer.clone()))
        .text("purpose", entry(&|e| e.purpose.clone()))
        .time_local(
            "created",
            names
                .iter()
                .map(|c| reg.get(c).and_then(|e| e.created))
                .collect(),
            zone,
        )
        .text(
            "upload",
            campaigns.iter().map(|s| s.upload.clone()).collect(),
        )
        .u64("recipients", t.recipients.clone())
        .u64("dial_records", t.records.clone())
        .text_list("presented", t.presented.iter().map(Some))
        .u64(
            "complainants_matched",
            t.complainants.iter().map(|s| s.len() as u64).collect(),
        )
        .u64("calls_matched", t.calls_matched.clone())
        .u64("calls_caller_id_agrees", t.calls_agree.clone())
        .f64_opt(
            "caller_id_agreement",
            t.calls_agree
                .iter()
                .zip(&t.calls_matched)
                .map(|(&g, &n)| (n > 0).then(|| g as f64 / n as f64))
                .collect(),
        )
        .i64_opt("offset_ms", t.offsets_ms(a))
        .bool(
            "legitimate",
            names
                .iter()
                .map(|c| legitimate.contains(c.as_str()))
                .collect(),
        )
        .time_local("first_dial", t.first, zone)
        .time_local("last_dial", t.last, zone)
        .text_list(
            "registry_evidence",
            names.iter().map(|c| reg.get(c).map(|e| &e.evidence)),
        )
        .build(Table::Campaigns)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::parts::FileRanks;
    use super::super::testkit::{self, VendorRecord};
    use super::*;
    use crate::partition;

    /// A record and its source row.
    type Row = (VendorRecord<'static>, u64);

    fn tally(parts: &[Vec<Row>]) -> LogTally {
        let ranks = FileRanks::of_paths(&[]);
        let mut t = LogTally::default();
        for (p, rows) in parts.iter().enumerate() {
            let (records, source_rows): (Vec<_>, Vec<_>) = rows.iter().copied().unzip();
            let b = testkit::vendor_calls(&records, &source_rows);
            let log = VendorLog::read(&b, &[]).unwrap();
            t.add(&log, &RowKeys::new(&b, &ranks, p as u32).unwrap());
        }
        t
    }

    proptest! {
        /// The vendor log split by dialled number into 1 to 7 parts, added in any order: each
        /// campaign's records, distinct recipients, presented IDs, first vendor and dials are
        /// the whole log's.
        #[test]
        fn a_log_split_by_dialled_number_tallies_as_the_whole(
            rows in prop::collection::vec((
                1u64..12,
                -50i64..50,
                prop::sample::select(vec!["v1", "v2"]),
                prop::sample::select(vec!["a", "b", "c"]),
                prop::option::of(1u64..4),
            ), 0..40),
            k in 1u32..=7,
            reverse in any::<bool>(),
        ) {
            let rows: Vec<Row> = rows
                .into_iter()
                .enumerate()
                .map(|(i, (n, t, v, c, p))| ((n, t, v, c, p, "ANSWERED"), i as u64 + 1))
                .collect();
            let whole = tally(std::slice::from_ref(&rows));
            let mut parts: Vec<Vec<Row>> = (0..k)
                .map(|p| rows.iter().filter(|r| partition::of(r.0.0, k) == p).copied().collect())
                .collect();
            if reverse {
                parts.reverse();
            }
            let split = tally(&parts);
            for c in ["a", "b", "c"] {
                let (w, s) = (whole.get(c), split.get(c));
                // The vendor's place differs (part and index); what it names does not.
                prop_assert_eq!(w.map(|x| (x.records, x.recipients, &x.presented, x.first, x.last)),
                    s.map(|x| (x.records, x.recipients, &x.presented, x.first, x.last)));
                prop_assert_eq!(w.and_then(|x| x.vendor.as_ref().map(|v| &v.1)),
                    s.and_then(|x| x.vendor.as_ref().map(|v| &v.1)));
            }
        }
    }
}
