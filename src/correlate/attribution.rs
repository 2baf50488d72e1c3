//! Analysis 3, attribution: which received calls a vendor placed, whatever caller ID the
//! complainant saw. Per (carrier, vendor) pair of logs the clock offset is estimated (the
//! median of the time differences of the calls to the same number within a window); every
//! vendor record of the same number within the tolerance of a received call, after the
//! offset, is a candidate ([`join::BandIndex::candidates`]); and the candidates are assigned
//! one to one ([`join::assign`]): a call takes at most one vendor record and a record at most
//! one call, preferring pairs whose recorded caller ID agrees with the presented one, then
//! more pairs, then the least total |delta|. Records whose disposition says the phone never
//! rang (`[attribution] never_rang`) are not candidates and do not enter the offset estimate.
//!
//! *count* (`count`): the matches, one per call, and per pair the offset, candidates and
//! matches. With the offsets given, the matches of any split of the calls by complainant
//! number, put together ([`Attribution::merge`]), are those of the whole: every candidate
//! shares its call's number, so the assignment never crosses numbers.
//!
//! The offset estimate is a median over every number, yet it too is made part by part (the
//! store's parts split the calls and the vendor log by number), in passes whose results merge
//! exactly: a call's share of the sample depends only on its number, its time and the pair's
//! total of candidates (see [`join::band`]).
//!
//! ```text
//!  1. per part: offset_counts ─────────────▶ OffsetCounts ──merge──▶ counts (candidates add)
//!  2. per part: offset_samples(counts) ────▶ deltas per pair ──────▶ put together
//!  3. once:     offset_estimates(counts, deltas) ──▶ estimates ─────▶ estimated_offsets
//!  4. per part: count(.., Some(offsets)) ──▶ Attribution ──merge──▶ with_estimates(counts, ..)
//! ```
//!
//! gives what `count(.., None)` gives on the whole (the parts one after the other). Pass 1 also
//! keeps every delta of a pair while its candidates so far fit the sample (`OffsetDeltas`):
//! when every pair's whole fits, those are the samples (stride 1) and pass 2 reads nothing.
//!
//! *finish* (`attribution_table`, [`offsets_table`]): the tables; the campaigns table is
//! [`super::campaigns`]'s.

use std::collections::{BTreeMap, BTreeSet};

use arrow::array::RecordBatch;
use rayon::prelude::*;

use super::cols::{times, u64s, u64s_dense, Codes, TableBuilder, NONE};
use super::input::Calls;
use super::registry::Registry;
use crate::error::Result;
use crate::join;
use crate::model::results::Table;
use crate::normalize::phone::format_e164;
use serde::{Deserialize, Serialize};

/// The vendor call log's columns.
pub(crate) struct VendorLog {
    /// The number dialed.
    pub dialed: Vec<u64>,
    /// The caller ID presented.
    pub presented: Vec<Option<u64>>,
    /// When (UTC µs, on the vendor's clock).
    pub start: Vec<Option<i64>>,
    /// The vendor (codes in order of first appearance).
    pub vendor: Codes,
    /// The campaign.
    pub campaign: Codes,
    /// The account, where the log gives one.
    pub account: Codes,
    /// The disposition (answered, voicemail, busy...), where the log gives one.
    pub disposition: Codes,
    /// Whether the record may have rung the phone (its disposition is not in `never_rang`).
    rang: Vec<bool>,
    file: Codes,
    row: Vec<u64>,
}

impl VendorLog {
    /// From the `vendor_calls` table; `never_rang` lists the dispositions that mean the phone
    /// never rang (compared ignoring case and surrounding space).
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn read(vc: &RecordBatch, never_rang: &[String]) -> Result<VendorLog> {
        let disposition = Codes::read(vc, "disposition")?;
        let never: BTreeSet<String> = never_rang.iter().map(|d| d.trim().to_lowercase()).collect();
        let silent: Vec<bool> = disposition
            .names
            .iter()
            .map(|d| never.contains(&d.trim().to_lowercase()))
            .collect();
        let rang = disposition
            .codes
            .iter()
            .map(|&c| c == NONE || !silent[c as usize])
            .collect();
        Ok(VendorLog {
            disposition,
            rang,
            dialed: u64s_dense(vc, "dialed")?,
            presented: u64s(vc, "presented")?,
            start: times(vc, "start")?,
            vendor: Codes::read(vc, "vendor")?,
            campaign: Codes::read(vc, "campaign")?,
            account: Codes::read(vc, "account")?,
            file: Codes::read(vc, "source_file")?,
            row: u64s_dense(vc, "source_row")?,
        })
    }

    /// `file:row` of vendor record `j`: the evidence of it.
    pub fn evidence(&self, j: usize) -> String {
        format!("{}:{}", self.file.text(j), self.row[j])
    }

    /// Records whose disposition says the phone never rang.
    pub fn never_rang(&self) -> u64 {
        self.rang.iter().filter(|&&r| !r).count() as u64
    }

    /// Whether the caller ID the carrier recorded for call `i` agrees with the one record `j`
    /// presented: the same number, or none presented and the carrier recorded it blocked.
    fn agrees(&self, calls: &Calls<'_>, i: usize, j: usize) -> bool {
        match self.presented[j] {
            Some(p) => calls.calling(i) == Some(p),
            None => calls.status.text(i) == "blocked",
        }
    }
}

/// One (carrier, vendor) pair of logs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairOffset {
    /// The carrier.
    pub carrier: String,
    /// The vendor.
    pub vendor: String,
    /// The estimated offset (carrier clock minus vendor clock), µs; `None` without candidates.
    pub offset_us: Option<i64>,
    /// Candidate pairs behind the estimate.
    pub candidates: u64,
    /// Median absolute deviation of the candidates from the offset, µs.
    pub mad_us: Option<i64>,
    /// Calls matched under this pair (after the one-to-one assignment).
    pub matches: u64,
}

/// A received call matched to a vendor record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Match {
    /// The call's row in the calls table.
    pub call: usize,
    /// |delta|, µs: the nearest match of a call is kept.
    pub distance_us: i64,
    /// Index into [`Attribution::pairs`].
    pub pair: usize,
    /// The vendor record's row in the vendor log.
    pub vendor_row: usize,
    /// Carrier time − vendor time − offset, µs.
    pub delta_us: i64,
    /// Whether the recorded caller ID agrees with the presented one.
    pub agrees: bool,
}

/// The pairs and the matches, one per matched call, in call order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
    /// Every (carrier, vendor) pair, carriers in code order, vendors in code order within.
    pub pairs: Vec<PairOffset>,
    /// The matches.
    pub matches: Vec<Match>,
    /// Components of candidates matched greedily (see [`join::assign::EXACT_LIMIT`]).
    pub greedy_components: u64,
    /// Vendor records left out because they never rang: a count over the vendor log, which
    /// every part of a split sees whole (merge keeps it, not a sum).
    pub never_rang: u64,
}

/// Pass 1 of the offset estimate over parts of a split of the numbers (`offset_counts`):
/// integers that add, and names in order of first appearance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetCounts {
    /// Candidate pairs of calls and records per (carrier, vendor) pair.
    pub candidates: BTreeMap<(String, String), u64>,
    /// The carriers, in order of first appearance in the parts taken in order: the whole's
    /// code order when the whole is the parts one after the other (the store's order).
    pub carriers: Vec<String>,
    /// The vendors, likewise.
    pub vendors: Vec<String>,
    /// Vendor records that never rang (the parts' logs split the vendor log).
    pub never_rang: u64,
}

impl OffsetCounts {
    /// The counts of two parts that share no number, `self` the earlier: candidates and
    /// records add, names not yet seen are appended.
    pub fn merge(mut self, o: &OffsetCounts) -> OffsetCounts {
        for (k, n) in &o.candidates {
            *self.candidates.entry(k.clone()).or_default() += n;
        }
        for (mine, theirs) in [
            (&mut self.carriers, &o.carriers),
            (&mut self.vendors, &o.vendors),
        ] {
            for name in theirs {
                if !mine.contains(name) {
                    mine.push(name.clone());
                }
            }
        }
        self.never_rang += o.never_rang;
        self
    }
}

impl Attribution {
    /// The matches of two parts of the calls that share no complainant number, with the same
    /// offsets: matches and per-pair match counts add (pairs are matched by carrier and vendor
    /// name; a pair of `o` only is appended, and its matches' `pair` renumbered).
    pub fn merge(mut self, o: &Attribution) -> Attribution {
        let mut renumber = Vec::with_capacity(o.pairs.len());
        for q in &o.pairs {
            let at = self
                .pairs
                .iter()
                .position(|p| p.carrier == q.carrier && p.vendor == q.vendor);
            let at = at.unwrap_or_else(|| {
                self.pairs.push(PairOffset {
                    matches: 0,
                    ..q.clone()
                });
                self.pairs.len() - 1
            });
            self.pairs[at].matches += q.matches;
            renumber.push(at);
        }
        self.matches.extend(o.matches.iter().map(|m| Match {
            pair: renumber[m.pair],
            ..*m
        }));
        self.matches.sort_unstable();
        self.greedy_components += o.greedy_components;
        self
    }

    /// The parts' matches, merged ([`merge`](Self::merge)), finished with the whole's pass 1
    /// (`counts`) and estimates ([`offset_estimates`]): every pair of a carrier and a vendor in
    /// their order of first appearance, with its estimate (none without one, as `count`
    /// leaves it) and its matches, and the records that never rang of every part. When the
    /// whole is the parts one after the other, this is `count(.., None)` on the whole.
    pub fn with_estimates(
        mut self,
        counts: &OffsetCounts,
        estimates: &BTreeMap<(String, String), join::OffsetEstimate>,
    ) -> Attribution {
        let mut pairs = Vec::with_capacity(counts.carriers.len() * counts.vendors.len());
        for carrier in &counts.carriers {
            for vendor in &counts.vendors {
                pairs.push(PairOffset {
                    carrier: carrier.clone(),
                    vendor: vendor.clone(),
                    offset_us: None,
                    candidates: 0,
                    mad_us: None,
                    matches: 0,
                });
            }
        }
        let mut at: BTreeMap<(String, String), usize> = pairs
            .iter()
            .enumerate()
            .map(|(i, p)| ((p.carrier.clone(), p.vendor.clone()), i))
            .collect();
        // A pair that the counts do not name (counts of other parts) follows the named ones.
        let mut renumber = Vec::with_capacity(self.pairs.len());
        for p in &self.pairs {
            let key = (p.carrier.clone(), p.vendor.clone());
            let i = *at.entry(key).or_insert_with(|| {
                pairs.push(p.clone());
                pairs.len() - 1
            });
            pairs[i].matches = p.matches;
            renumber.push(i);
        }
        for p in &mut pairs {
            let e = estimates.get(&(p.carrier.clone(), p.vendor.clone()));
            p.offset_us = e.map(|e| e.offset_us);
            p.candidates = e.map_or(0, |e| e.candidates);
            p.mad_us = e.map(|e| e.mad_us);
        }
        for m in &mut self.matches {
            m.pair = renumber[m.pair];
        }
        self.matches.sort_unstable();
        self.pairs = pairs;
        self.never_rang = counts.never_rang;
        self
    }

    /// The offset (µs) of each pair, by (carrier, vendor), to match parts with.
    pub fn offsets(&self) -> BTreeMap<(String, String), i64> {
        self.pairs
            .iter()
            .filter_map(|p| {
                p.offset_us
                    .map(|o| ((p.carrier.clone(), p.vendor.clone()), o))
            })
            .collect()
    }
}

/// One side of a (carrier, vendor) band join: the rows it takes (calls, or vendor records),
/// with their numbers and times.
struct Side {
    rows: Vec<usize>,
    num: Vec<u64>,
    t: Vec<i64>,
}

/// Each vendor's records that may have rung (a record without a time at 0, as ever).
fn vendor_sides(log: &VendorLog) -> Vec<Side> {
    (0..log.vendor.len())
        .map(|vi| {
            let rows: Vec<usize> = (0..log.dialed.len())
                .filter(|&j| log.vendor.codes[j] == vi as u32 && log.rang[j])
                .collect();
            let num = rows.iter().map(|&j| log.dialed[j]).collect();
            let t = rows.iter().map(|&j| log.start[j].unwrap_or(0)).collect();
            Side { rows, num, t }
        })
        .collect()
}

/// The received calls of carrier `ci`.
fn carrier_side(calls: &Calls<'_>, received: &[usize], ci: usize) -> Side {
    let rows: Vec<usize> = received
        .iter()
        .copied()
        .filter(|&i| calls.carrier.codes[i] == ci as u32)
        .collect();
    let num = rows.iter().map(|&i| calls.called[i]).collect();
    let t = rows.iter().map(|&i| calls.start[i]).collect();
    Side { rows, num, t }
}

/// `f` of every (carrier, vendor) pair of names (every carrier of the calls, every vendor of
/// the log) and the band index of its received calls and records that may have rung.
fn per_pair<T: Send>(
    calls: &Calls<'_>,
    received: &[usize],
    log: &VendorLog,
    f: impl Fn(&(String, String), &join::BandIndex<'_>) -> T + Sync,
) -> BTreeMap<(String, String), T> {
    let vendors = vendor_sides(log);
    let per_carrier: Vec<Vec<((String, String), T)>> = calls
        .carrier
        .names
        .par_iter()
        .enumerate()
        .map(|(ci, cname)| {
            let c = carrier_side(calls, received, ci);
            log.vendor
                .names
                .iter()
                .zip(&vendors)
                .map(|(vname, v)| {
                    let key = (cname.clone(), vname.clone());
                    let out = f(&key, &join::BandIndex::new(&c.num, &c.t, &v.num, &v.t));
                    (key, out)
                })
                .collect()
        })
        .collect();
    per_carrier.into_iter().flatten().collect()
}

/// Pass 1 of the offsets of a split of the numbers (the store's parts, calls and vendor log
/// alike): for this part's calls and vendor log, the candidates of every (carrier, vendor)
/// pair ([`join::BandIndex::offset_candidates`], 0 included), the names, and the records that
/// never rang. Merge the parts' in part order ([`OffsetCounts::merge`]).
///
/// With them, for each pair with at most `cap` candidates in this part, all their deltas: the
/// part's share of the pair's sample when the whole has at most
/// [`join::band::OFFSET_SAMPLE_CAP`] candidates (the sample's stride is then 1), so that pass 2
/// can be skipped ([`OffsetDeltas`]; `cap` 0 keeps none).
pub(crate) fn offset_counts(
    calls: &Calls<'_>,
    received: &[usize],
    log: &VendorLog,
    window_us: i64,
    cap: u64,
) -> (OffsetCounts, BTreeMap<(String, String), Vec<i64>>) {
    let both = per_pair(calls, received, log, |_, idx| {
        let n = idx.offset_candidates(window_us);
        (n, (n <= cap).then(|| idx.offset_sample(window_us, n)))
    });
    let mut deltas = BTreeMap::new();
    let mut candidates = BTreeMap::new();
    for (key, (n, d)) in both {
        if let Some(d) = d.filter(|d| !d.is_empty()) {
            deltas.insert(key.clone(), d);
        }
        candidates.insert(key, n);
    }
    let counts = OffsetCounts {
        candidates,
        carriers: calls.carrier.names.clone(),
        vendors: log.vendor.names.clone(),
        never_rang: log.never_rang(),
    };
    (counts, deltas)
}

/// The deltas of every candidate of each pair, gathered over the parts in pass 1 while the
/// pair's candidates so far are at most a cap (at most [`join::band::OFFSET_SAMPLE_CAP`]): for
/// a pair whose whole stays under the cap, these are its sample ([`offset_samples`] at stride
/// 1), and pass 2 is not needed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct OffsetDeltas {
    cap: u64,
    deltas: BTreeMap<(String, String), Vec<i64>>,
    /// Pairs past the cap: their deltas were dropped.
    over: BTreeSet<(String, String)>,
}

impl Default for OffsetDeltas {
    /// Nothing gathered yet, the cap the largest sample ([`join::band::OFFSET_SAMPLE_CAP`]):
    /// what the parts are absorbed into.
    fn default() -> OffsetDeltas {
        OffsetDeltas::new(join::band::OFFSET_SAMPLE_CAP)
    }
}

impl OffsetDeltas {
    /// Nothing gathered yet; a pair's deltas are kept while its candidates are at most `cap`
    /// (pass the same cap to [`offset_counts`]).
    pub fn new(cap: u64) -> OffsetDeltas {
        OffsetDeltas {
            cap: cap.min(join::band::OFFSET_SAMPLE_CAP),
            deltas: BTreeMap::new(),
            over: BTreeSet::new(),
        }
    }

    /// Adds one part's deltas, `totals` being the candidates so far (this part's included).
    pub fn add(&mut self, part: BTreeMap<(String, String), Vec<i64>>, totals: &OffsetCounts) {
        for (key, d) in part {
            if !self.over.contains(&key) {
                self.deltas.entry(key).or_default().extend(d);
            }
        }
        for (key, &n) in &totals.candidates {
            if n > self.cap && self.over.insert(key.clone()) {
                self.deltas.remove(key);
            }
        }
    }

    /// Adds what `o` gathered of other parts, `totals` being the candidates so far (`o`'s
    /// included): a pair past the cap in `o` is past it here.
    pub fn absorb(&mut self, o: OffsetDeltas, totals: &OffsetCounts) {
        for key in o.over {
            self.deltas.remove(&key);
            self.over.insert(key);
        }
        self.add(o.deltas, totals);
    }

    /// The samples of every pair, when no pair went past the cap (else pass 2 must take them).
    pub fn samples(self) -> Option<BTreeMap<(String, String), Vec<i64>>> {
        self.over.is_empty().then_some(self.deltas)
    }
}

/// Pass 2: this part's share of each pair's offset sample, given `totals`, pass 1 merged over
/// every part. The stride of a pair's sample follows its total, so the parts' samples put
/// together are the whole's ([`join::BandIndex::offset_sample`]). Pairs without candidates
/// in the whole are left out.
pub(crate) fn offset_samples(
    calls: &Calls<'_>,
    received: &[usize],
    log: &VendorLog,
    window_us: i64,
    totals: &OffsetCounts,
) -> BTreeMap<(String, String), Vec<i64>> {
    per_pair(calls, received, log, |key, idx| {
        let total = totals.candidates.get(key).copied().unwrap_or(0);
        (total > 0).then(|| idx.offset_sample(window_us, total))
    })
    .into_iter()
    .filter_map(|(key, sample)| Some((key, sample?)))
    .collect()
}

/// The merge of the passes: each pair's estimate from its total candidates and its samples of
/// every part put together (in any order), as `count` estimates it on the whole; pairs
/// without an estimate are left out. Then match each part with these offsets
/// ([`estimated_offsets`]), merge the parts ([`Attribution::merge`]) and fill the pairs'
/// estimates in ([`Attribution::with_estimates`]).
pub fn offset_estimates(
    totals: &OffsetCounts,
    mut samples: BTreeMap<(String, String), Vec<i64>>,
) -> BTreeMap<(String, String), join::OffsetEstimate> {
    totals
        .candidates
        .iter()
        .filter_map(|(key, &n)| {
            let deltas = samples.remove(key).unwrap_or_default();
            join::OffsetEstimate::from_sample(n, deltas).map(|e| (key.clone(), e))
        })
        .collect()
}

/// The offset (µs) of each estimated pair, to match the parts with (`count`).
pub fn estimated_offsets(
    estimates: &BTreeMap<(String, String), join::OffsetEstimate>,
) -> BTreeMap<(String, String), i64> {
    estimates
        .iter()
        .map(|(k, e)| (k.clone(), e.offset_us))
        .collect()
}

/// Matches the received calls with the vendor log. Offsets are estimated over the offset
/// window `window_us` unless `offsets` gives them (by carrier and vendor name); given, a
/// pair's candidates and MAD are left at 0 (see [`Attribution::with_estimates`]).
pub(crate) fn count(
    calls: &Calls<'_>,
    received: &[usize],
    log: &VendorLog,
    tolerance_us: i64,
    window_us: i64,
    offsets: Option<&BTreeMap<(String, String), i64>>,
) -> Attribution {
    // Each vendor's records that may have rung, gathered once.
    let vendors = vendor_sides(log);
    let nv = log.vendor.len();
    // The carriers side by side; pair index = carrier × vendors + vendor.
    let per_carrier: Vec<(Vec<PairOffset>, Vec<Match>)> = calls
        .carrier
        .names
        .par_iter()
        .enumerate()
        .map(|(ci, cname)| {
            let Side {
                rows: cr,
                num: c_num,
                t: c_t,
            } = carrier_side(calls, received, ci);
            let mut pairs = Vec::with_capacity(nv);
            let mut found = Vec::new();
            for (vi, (vname, v)) in log.vendor.names.iter().zip(&vendors).enumerate() {
                let (vr, vn, vt) = (&v.rows, &v.num, &v.t);
                let idx = join::BandIndex::new(&c_num, &c_t, vn, vt);
                let est = match offsets {
                    Some(o) => o.get(&(cname.clone(), vname.clone())).map(|&offset_us| {
                        join::band::OffsetEstimate {
                            offset_us,
                            candidates: 0,
                            mad_us: 0,
                        }
                    }),
                    None => idx.estimate_offset(window_us),
                };
                let mut pair = PairOffset {
                    carrier: cname.clone(),
                    vendor: vname.clone(),
                    offset_us: None,
                    candidates: 0,
                    mad_us: None,
                    matches: 0,
                };
                if let Some(est) = est {
                    let m = idx.candidates(est.offset_us, tolerance_us);
                    for t in 0..m.len() {
                        let (call, vendor_row) =
                            (cr[m.carrier[t] as usize], vr[m.vendor[t] as usize]);
                        found.push(Match {
                            call,
                            distance_us: m.delta_us[t].saturating_abs(),
                            pair: ci * nv + vi,
                            vendor_row,
                            delta_us: m.delta_us[t],
                            agrees: log.agrees(calls, call, vendor_row),
                        });
                    }
                    pair.offset_us = Some(est.offset_us);
                    pair.candidates = est.candidates;
                    pair.mad_us = Some(est.mad_us);
                }
                pairs.push(pair);
            }
            (pairs, found)
        })
        .collect();
    let mut a = Attribution::default();
    let mut candidates = Vec::new();
    for (pairs, found) in per_carrier {
        a.pairs.extend(pairs);
        candidates.extend(found);
    }
    // One to one: in a canonical order (by call, then vendor record), so that ties between
    // equal-weight assignments fall the same way whatever the carriers' order.
    candidates.par_sort_unstable_by_key(|m| (m.call, m.vendor_row, m.pair));
    let assigned = join::assign::assign(
        &candidates
            .iter()
            .map(|m| join::assign::Candidate {
                call: m.call as u32,
                attempt: m.vendor_row as u32,
                distance_us: m.distance_us,
                agrees: m.agrees,
            })
            .collect::<Vec<_>>(),
    );
    a.matches = assigned.chosen.iter().map(|&k| candidates[k]).collect();
    a.matches.sort_unstable();
    for m in &a.matches {
        a.pairs[m.pair].matches += 1;
    }
    a.greedy_components = assigned.greedy_components;
    a.never_rang = log.never_rang();
    a
}

/// `results/attribution`: each matched call, as the carrier and the vendor recorded it.
///
/// # Errors
/// Only if the columns came out of different lengths, which would be a bug.
pub(crate) fn attribution_table(
    calls: &Calls<'_>,
    log: &VendorLog,
    a: &Attribution,
    reg: &Registry,
    zone: chrono_tz::Tz,
) -> Result<RecordBatch> {
    let m = &a.matches;
    let calls_text = |f: &dyn Fn(usize) -> String| m.iter().map(|x| f(x.call)).collect::<Vec<_>>();
    let log_opt = |c: &Codes| {
        m.iter()
            .map(|x| c.get(x.vendor_row).map(str::to_string))
            .collect::<Vec<_>>()
    };
    TableBuilder::default()
        .text_dense(
            "source_file",
            &calls_text(&|i| calls.file.text(i).to_string()),
        )
        .u64("source_row", m.iter().map(|x| calls.row[x.call]).collect())
        .text_dense(
            "carrier",
            &calls_text(&|i| calls.carrier.text(i).to_string()),
        )
        .text_dense("called", &calls_text(&|i| format_e164(calls.called[i])))
        .time_local(
            "start",
            m.iter().map(|x| Some(calls.start[x.call])).collect(),
            zone,
        )
        .text("seen", m.iter().map(|x| calls.seen(x.call)).collect())
        .text_dense(
            "seen_status",
            &calls_text(&|i| calls.status.text(i).to_string()),
        )
        .text_dense(
            "vendor",
            &m.iter()
                .map(|x| log.vendor.text(x.vendor_row))
                .collect::<Vec<_>>(),
        )
        .text("campaign", log_opt(&log.campaign))
        .text(
            "account",
            m.iter()
                .map(|x| {
                    let c = log.campaign.text(x.vendor_row);
                    reg.account(c, log.account.get(x.vendor_row))
                })
                .collect(),
        )
        .text(
            "customer",
            m.iter()
                .map(|x| reg.customer(log.campaign.text(x.vendor_row)))
                .collect(),
        )
        .text(
            "presented",
            m.iter()
                .map(|x| log.presented[x.vendor_row].map(format_e164))
                .collect(),
        )
        .bool("caller_id_agrees", m.iter().map(|x| x.agrees).collect())
        .i64_opt(
            "delta_ms",
            m.iter().map(|x| Some(x.delta_us / 1000)).collect(),
        )
        .time_local(
            "vendor_start",
            m.iter().map(|x| log.start[x.vendor_row]).collect(),
            zone,
        )
        .text("disposition", log_opt(&log.disposition))
        .text_dense(
            "vendor_source_file",
            &m.iter()
                .map(|x| log.file.text(x.vendor_row))
                .collect::<Vec<_>>(),
        )
        .u64(
            "vendor_source_row",
            m.iter().map(|x| log.row[x.vendor_row]).collect(),
        )
        .build(Table::Attribution)
}

/// The campaigns attributed to each originating number (by the number the carrier recorded).
pub(crate) fn campaigns_by_number(
    calls: &Calls<'_>,
    log: &VendorLog,
    a: &Attribution,
) -> BTreeMap<u64, BTreeSet<String>> {
    let mut v: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
    for m in &a.matches {
        if let (Some(n), Some(c)) = (calls.calling(m.call), log.campaign.get(m.vendor_row)) {
            v.entry(n).or_default().insert(c.to_string());
        }
    }
    v
}

/// `results/offsets`: every (carrier, vendor) pair with its estimated offset.
///
/// # Errors
/// Only if the columns came out of different lengths, which would be a bug.
pub fn offsets_table(a: &Attribution) -> Result<RecordBatch> {
    let p = &a.pairs;
    TableBuilder::default()
        .text_dense(
            "carrier",
            &p.iter().map(|x| x.carrier.as_str()).collect::<Vec<_>>(),
        )
        .text_dense(
            "vendor",
            &p.iter().map(|x| x.vendor.as_str()).collect::<Vec<_>>(),
        )
        .i64_opt(
            "offset_ms",
            p.iter().map(|x| x.offset_us.map(|o| o / 1000)).collect(),
        )
        .u64("candidates", p.iter().map(|x| x.candidates).collect())
        .i64_opt(
            "mad_ms",
            p.iter().map(|x| x.mad_us.map(|o| o / 1000)).collect(),
        )
        .u64("matches", p.iter().map(|x| x.matches).collect())
        .build(Table::Offsets)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::testkit::{self, Call};
    use super::*;
    use crate::partition;

    /// A vendor log: (dialed, start µs, vendor, campaign).
    fn log(rows: &[(u64, i64, &str, &str)]) -> VendorLog {
        let full: Vec<_> = rows
            .iter()
            .map(|&(n, t, v, c)| (n, t, v, c, None, "ANSWERED"))
            .collect();
        log_full(&full)
    }

    /// A vendor record: (dialed, start µs, vendor, campaign, presented, disposition).
    type Record<'a> = testkit::VendorRecord<'a>;

    /// A vendor log of such records.
    fn log_full(rows: &[Record<'_>]) -> VendorLog {
        let source_rows: Vec<u64> = (1..=rows.len() as u64).collect();
        log_rows(rows, &source_rows)
    }

    /// A vendor log of such records, each with its `source_row`.
    fn log_rows(rows: &[Record<'_>], source_rows: &[u64]) -> VendorLog {
        let b = testkit::vendor_calls(rows, source_rows);
        VendorLog::read(&b, &[" Busy ".to_string(), "failed".to_string()]).unwrap()
    }

    /// The offset window of the tests, µs: every time of the tests is within it.
    const WINDOW: i64 = 1000;

    /// `f` of the calls table of `rows` and its received calls.
    fn on_calls<T>(rows: &[Call], f: impl FnOnce(&Calls<'_>, &[usize]) -> T) -> T {
        let comp = testkit::arb_complainants();
        let b = testkit::calls(rows);
        let calls = Calls::new(&b).unwrap();
        let (received, _) = super::super::calls::count(&calls, &comp, None);
        f(&calls, &received)
    }

    fn run(
        rows: &[Call],
        log: &VendorLog,
        offsets: Option<&BTreeMap<(String, String), i64>>,
    ) -> Attribution {
        let (calls_row, mut a) = on_calls(rows, |calls, received| {
            let a = count(calls, received, log, 3, WINDOW, offsets);
            (calls.row.to_vec(), a)
        });
        // Calls rows are per table: name them by their evidence row, as the whole does.
        for m in &mut a.matches {
            m.call = calls_row[m.call] as usize;
        }
        a.matches.sort_unstable();
        a
    }

    #[test]
    fn matches_each_call_to_the_nearest_record_after_the_offset() {
        // The vendor's clock runs 10 µs behind the carrier's.
        let v = log(&[
            (100, 0, "v", "x"),
            (102, 20, "v", "y"),
            (102, 23, "v", "y"),
            (101, 60, "v", "x"),
        ]);
        let rows = [
            Call::new(100, Some(5), 10),
            Call::new(102, None, 31),
            Call::new(101, Some(5), 90), // too far
        ];
        let a = run(&rows, &v, None);
        assert_eq!(a.pairs[0].offset_us, Some(10));
        let got: Vec<(usize, usize, i64)> = a
            .matches
            .iter()
            .map(|m| (m.call, m.vendor_row, m.delta_us))
            .collect();
        assert_eq!(got, [(1, 0, 0), (2, 1, 1)]);
    }

    /// (evidence row of the call, vendor row, agrees) of each match, with the offsets given.
    fn pairs(
        rows: &[Call],
        v: &VendorLog,
        offset: i64,
        vendors: &[&str],
    ) -> Vec<(usize, usize, bool)> {
        let off: BTreeMap<(String, String), i64> = ["c1", "c2"]
            .iter()
            .flat_map(|c| {
                vendors
                    .iter()
                    .map(move |w| ((c.to_string(), w.to_string()), offset))
            })
            .collect();
        run(rows, v, Some(&off))
            .matches
            .iter()
            .map(|m| (m.call, m.vendor_row, m.agrees))
            .collect()
    }

    #[test]
    fn a_friends_call_before_the_robocall_keeps_out_of_it() {
        // Tolerance 3 µs: the friend's call (row 1, 2 µs before the attempt) and the robocall
        // (row 2, 1 µs after) are both candidates of the one attempt; the robocall, whose caller
        // ID agrees, takes it, and nothing else does.
        let v = log_full(&[(100, 10, "v", "robo", Some(9), "ANSWERED")]);
        let rows = [Call::new(100, Some(4), 8), Call::new(100, Some(9), 11)];
        assert_eq!(pairs(&rows, &v, 0, &["v"]), [(2, 0, true)]);
    }

    #[test]
    fn interleaved_vendors_go_by_caller_id_not_by_nearness() {
        // Two vendors dialled line 100 a microsecond apart, presenting 7 and 8. The carrier
        // recorded 8 at 10 and 7 at 12: nearness alone would give row 1 to vendor a's record.
        let v = log_full(&[
            (100, 10, "a", "ca", Some(7), "ANSWERED"),
            (100, 11, "b", "cb", Some(8), "ANSWERED"),
        ]);
        let rows = [Call::new(100, Some(8), 10), Call::new(100, Some(7), 12)];
        assert_eq!(
            pairs(&rows, &v, 0, &["a", "b"]),
            [(1, 1, true), (2, 0, true)]
        );
    }

    #[test]
    fn a_withheld_call_beside_the_robocall_takes_nothing() {
        let v = log_full(&[(100, 10, "v", "robo", Some(9), "ANSWERED")]);
        let rows = [Call::blocked(100, 10), Call::new(100, Some(9), 12)];
        assert_eq!(pairs(&rows, &v, 0, &["v"]), [(2, 0, true)]);
        // A campaign that withholds its caller ID: the withheld call agrees and is matched.
        let v = log_full(&[(100, 10, "v", "robo", None, "ANSWERED")]);
        assert_eq!(pairs(&rows, &v, 0, &["v"]), [(1, 0, true)]);
    }

    #[test]
    fn attempts_that_never_rang_are_not_candidates() {
        // A busy attempt at 10 (the line was busy with the call at 9) and a failed one: no
        // match; the answered retry at 40 matches its own call.
        let v = log_full(&[
            (100, 10, "v", "robo", Some(9), "BUSY"),
            (100, 20, "v", "robo", Some(9), "Failed"),
            (100, 40, "v", "robo", Some(9), "ANSWERED"),
        ]);
        assert_eq!(v.never_rang(), 2);
        let rows = [Call::new(100, Some(5), 9), Call::new(100, Some(9), 41)];
        assert_eq!(pairs(&rows, &v, 0, &["v"]), [(2, 2, true)]);
    }

    #[test]
    fn one_attempt_one_call_and_back() {
        // Three calls within the tolerance of two attempts: two pairs, each record once.
        let v = log(&[(100, 10, "v", "x"), (100, 13, "v", "x")]);
        let rows = [
            Call::new(100, Some(1), 10),
            Call::new(100, Some(2), 11),
            Call::new(100, Some(3), 13),
        ];
        let got = pairs(&rows, &v, 0, &["v"]);
        assert_eq!(got.len(), 2);
        let mut records: Vec<usize> = got.iter().map(|p| p.1).collect();
        records.dedup();
        assert_eq!(records, [0, 1]);
        // The least total distance: 10-10 and 13-13.
        assert_eq!(got, [(1, 0, false), (3, 1, false)]);
    }

    proptest! {
        /// With the whole's offsets, the matches of a split of the calls by complainant number
        /// put together are the whole's.
        #[test]
        fn matches_merge_over_splits_by_number(
            rows in testkit::arb_calls(30),
            vendor in prop::collection::vec((prop::sample::select(vec![100u64, 101, 102, 300]), 0i64..80, any::<bool>()), 0..20),
            mask in 0u64..64,
        ) {
            let v: Vec<(u64, i64, &str, &str)> = vendor.iter().map(|&(n, t, w)| (n, t, if w { "v1" } else { "v2" }, "c")).collect();
            let lg = log(&v);
            let rows = testkit::split(&rows, |_, _| true).0;
            let whole = run(&rows, &lg, None);
            let off = whole.offsets();
            let (a, b) = testkit::split(&rows, |_, r| mask >> (r.called % 6) & 1 == 1);
            let key = |x: &Attribution| x.matches.iter().map(|m| (m.call, m.vendor_row, m.delta_us)).collect::<Vec<_>>();
            let merged = run(&a, &lg, Some(&off)).merge(&run(&b, &lg, Some(&off)));
            prop_assert_eq!(key(&merged), key(&whole));
        }
    }

    /// The attribution of the parts (calls and their vendor log each), part by part: the
    /// offsets' passes and merge, then the matches with those offsets, merged and finished.
    /// Vendor rows are named by `source_row - 1`.
    /// Pass 1 keeps each pair's deltas while its candidates are at most `cap`; when every pair
    /// stays under it, they must be pass 2's samples (as multisets).
    fn by_parts(parts: &[(Vec<Call>, VendorLog)], cap: u64) -> Attribution {
        let mut counts = OffsetCounts::default();
        let mut early = OffsetDeltas::new(cap);
        // As the kernels gather them: each part's deltas on their own, then absorbed (into a
        // default accumulator when the cap is the default one).
        let mut absorbed = match cap >= join::band::OFFSET_SAMPLE_CAP {
            true => OffsetDeltas::default(),
            false => OffsetDeltas::new(cap),
        };
        for (c, l) in parts {
            let (o, d) = on_calls(c, |calls, rec| offset_counts(calls, rec, l, WINDOW, cap));
            counts = counts.merge(&o);
            let mut own = OffsetDeltas::new(cap);
            own.add(d.clone(), &o);
            absorbed.absorb(own, &counts);
            early.add(d, &counts);
        }
        let mut samples: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
        for (c, l) in parts {
            let part = on_calls(c, |calls, rec| {
                offset_samples(calls, rec, l, WINDOW, &counts)
            });
            for (pair, deltas) in part {
                samples.entry(pair).or_default().extend(deltas);
            }
        }
        let sorted =
            |m: &BTreeMap<(String, String), Vec<i64>>| -> BTreeMap<(String, String), Vec<i64>> {
                m.iter()
                    .map(|(k, v)| {
                        let mut v = v.clone();
                        v.sort_unstable();
                        (k.clone(), v)
                    })
                    .filter(|(_, v)| !v.is_empty())
                    .collect()
            };
        let over = counts.candidates.values().any(|&n| n > cap);
        match (early.clone().samples(), absorbed.samples()) {
            (Some(e), Some(a)) => assert_eq!(sorted(&e), sorted(&a), "absorbed as added"),
            (None, None) => {}
            (e, a) => panic!("added: {:?}, absorbed: {:?}", e.is_some(), a.is_some()),
        }
        match early.samples() {
            Some(e) => assert_eq!(
                sorted(&e),
                sorted(&samples),
                "pass 1's deltas are the sample"
            ),
            None => assert!(
                over,
                "pass 1 kept no sample though every pair is under the cap"
            ),
        }
        let estimates = offset_estimates(&counts, samples);
        let offsets = estimated_offsets(&estimates);
        parts
            .iter()
            .map(|(c, l)| {
                let mut a = run(c, l, Some(&offsets));
                for m in &mut a.matches {
                    m.vendor_row = l.row[m.vendor_row] as usize - 1;
                }
                a.matches.sort_unstable();
                a
            })
            .fold(Attribution::default(), |a, b| a.merge(&b))
            .with_estimates(&counts, &estimates)
    }

    proptest! {
        /// The calls and the vendor log split by number into the store's parts: the passes
        /// and the matches part by part give the whole's attribution, pairs (offset,
        /// candidates, MAD, matches, order) and records that never rang included.
        #[test]
        fn attribution_by_parts_is_the_whole(
            rows in testkit::arb_calls(30),
            vendor in prop::collection::vec((
                prop::sample::select(vec![100u64, 101, 102, 300]),
                -40i64..80,
                0usize..3,
                prop::option::of(1u64..=6),
                prop::bool::weighted(0.2),
            ), 0..24),
            k in 1u32..=7,
            cap in prop_oneof![0u64..6, Just(join::band::OFFSET_SAMPLE_CAP)],
        ) {
            let names = ["v1", "v2", "v3"];
            let records: Vec<Record<'_>> = vendor
                .iter()
                .map(|&(n, t, v, p, busy)| (n, t, names[v], "c", p, if busy { "BUSY" } else { "ANSWERED" }))
                .collect();
            let rows = testkit::split(&rows, |_, _| true).0;
            let (mut calls, mut logs) = (Vec::new(), Vec::new());
            for p in 0..k {
                calls.push(rows.iter().filter(|r| partition::of(r.called, k) == p).cloned().collect::<Vec<_>>());
                logs.push(records.iter().filter(|r| partition::of(r.0, k) == p).copied().collect::<Vec<_>>());
            }
            // The whole: the parts one after the other, as the store reads them.
            let whole = run(&calls.concat(), &log_full(&logs.concat()), None);
            let mut first = 0u64;
            let parts: Vec<(Vec<Call>, VendorLog)> = calls
                .into_iter()
                .zip(&logs)
                .map(|(c, l)| {
                    let source_rows: Vec<u64> = (first + 1..=first + l.len() as u64).collect();
                    first += l.len() as u64;
                    (c, log_rows(l, &source_rows))
                })
                .collect();
            prop_assert_eq!(by_parts(&parts, cap), whole);
        }
    }
}
