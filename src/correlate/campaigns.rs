//! `results/campaigns`: each campaign of the vendor logs as one entity: what the log says of
//! it (vendor, records, recipients, presented caller IDs, first and last dial), who stands
//! behind it (account and customer, from the log and the vendors' campaign registry,
//! [`super::registry`]), the upload merged into it ([`super::lists`]), and how many received
//! calls and complainants attribution matched to it ([`super::attribution`]).
//!
//! Its counts are per vendor record or per match, so they add over any split of the calls and
//! the log; the table is built once.

use std::collections::{BTreeMap, BTreeSet};

use arrow::array::RecordBatch;

use super::attribution::{Attribution, VendorLog};
use super::cols::{TableBuilder, NONE};
use super::input::{Calls, Complainants};
use super::lists::NamedSet;
use super::registry::Registry;
use crate::error::Result;
use crate::model::results::Table;
use crate::normalize::phone::format_e164;

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
    fn new(calls: &Calls<'_>, comp: &Complainants, log: &VendorLog, a: &Attribution) -> Tally {
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
        let mut dialed: Vec<Vec<u64>> = vec![Vec::new(); nc];
        for j in 0..log.dialed.len() {
            let c = log.campaign.codes[j];
            if c == NONE {
                continue;
            }
            let c = c as usize;
            t.records[c] += 1;
            dialed[c].push(log.dialed[j]);
            if let Some(p) = log.presented[j] {
                t.presented[c].insert(format_e164(p));
            }
            if t.vendor[c].is_none() {
                t.vendor[c] = log.vendor.get(j).map(str::to_string);
            }
            if let Some(s) = log.start[j] {
                t.first[c] = Some(t.first[c].map_or(s, |f| f.min(s)));
                t.last[c] = Some(t.last[c].map_or(s, |l| l.max(s)));
            }
        }
        for (c, d) in dialed.iter_mut().enumerate() {
            d.sort_unstable();
            d.dedup();
            t.recipients[c] = d.len() as u64;
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
    (log, a): (&VendorLog, &Attribution),
    campaigns: &[NamedSet],
    reg: &Registry,
    legitimate: &BTreeSet<&str>,
    zone: chrono_tz::Tz,
) -> Result<RecordBatch> {
    let t = Tally::new(calls, comp, log, a);
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
