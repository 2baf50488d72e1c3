//! The calls table and the vendor log read part by part (the store's parts split the calls by
//! called number, and the vendor log by dialled number, with the same partition:
//! [`crate::partition`]), part `p` of the one with part `p` of the other, in three passes, so
//! that neither is ever whole in memory:
//!
//! ```text
//!  pass 1, per part: calls::count, reach::count_part,      ──merge──▶ call counts, reach
//!                    attribution::offset_counts,                      counts, offset counts,
//!                    campaigns::LogTally, the lists' campaigns        each campaign's log
//!  (reach finished: which numbers are significant, which rank first, is known)
//!  pass 2, per part: attribution::offset_samples ─────────────────────▶ offset estimates
//!                    (skipped when every pair's candidates fit the sample: pass 1 kept them)
//!  pass 3, per part: attribution::count with those offsets ──merge──▶ matches
//!                    spoof::count ─────────────────────────merge──▶ presenters
//!                    the rows of matched calls and of received calls  ──▶ the extracts, in
//!                    from the numbers kept; the vendor records matched,    case order
//!                    and each campaign's, vendor's and presenter's first
//! ```
//!
//! Every count merges exactly, so the results are the whole's whatever the part count: call
//! counts add; reach counts add, a complainant whose numbers sit in two parts settled at the
//! merge ([`reach::PartReach`]); the offsets merge their candidates and samples, and the
//! matches never cross numbers ([`attribution`]). What comes after attribution reads the
//! *extracts*: the calls table's rows that some table shows (matched calls, and every received
//! call of a significant or top-ranked number), and the vendor log's (matched records, and the
//! first record of each campaign, vendor, and (presented number, campaign)), each in case
//! order, so that the rows shown, their order and the order in which names first appear are
//! the whole tables'. `Match::call` and `Match::vendor_row` index the extracts.

use std::collections::BTreeMap;

use arrow::array::{RecordBatch, UInt32Array};
use arrow::compute::{cast, take_record_batch};
use arrow::datatypes::DataType;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::attribution::{self, Attribution, OffsetCounts, OffsetDeltas, VendorLog};
use super::calls::{self, CallCounts};
use super::campaigns::LogTally;
use super::cols::NONE;
use super::input::{Calls, Complainants};
use super::parts::{first_rows, Dict, FileRanks, RowKeys, Seen};
use super::reach::{self, PartOfCase, PartReach, ReachCounts};
use super::spoof::{self, PresentedCounts};
use super::sweep::Names;
use crate::config::Window;
use crate::error::{Error, Result};
use crate::join::OffsetEstimate;
use crate::manifest::Manifest;
use crate::model::Kind;

/// The calls table's columns that some analysis reads (not duration, not the fold flag).
pub(crate) const CALLS_READ: [&str; 8] = [
    "called",
    "calling",
    "calling_status",
    "calling_raw",
    "start",
    "carrier",
    "source_file",
    "source_row",
];

/// The vendor log's columns that some analysis reads (with the provenance columns).
pub(crate) const VENDOR_READ: [&str; 8] = [
    "dialed",
    "presented",
    "start",
    "vendor",
    "campaign",
    "account",
    "disposition",
    "keypress",
];

/// The case's windows and attribution settings, as the passes use them.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub(crate) struct Settings {
    /// The orders window (calls outside it are not received).
    pub orders: Option<Window>,
    /// The incident and baseline windows.
    pub windows: (Window, Window),
    /// The attribution tolerance and offset window, µs.
    pub tolerance_us: i64,
    /// The window of the offset estimate, µs.
    pub offset_window_us: i64,
}

/// What pass 1 counts, over the parts counted so far ([`Scan::absorb`]).
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Scan {
    /// Calls by fate.
    pub calls: CallCounts,
    /// Reach per originating number, the spanning complainants not yet settled.
    pub reach: PartReach,
    /// The offsets' pass 1: candidates per pair.
    pub offsets: OffsetCounts,
    /// The carriers and vendors, by first appearance.
    pub carriers: Dict,
    /// See `carriers`.
    pub vendors: Dict,
    /// What the vendor log says of each campaign.
    pub tally: LogTally,
    /// The offsets' samples, while pass 1 can take them whole.
    pub deltas: OffsetDeltas,
    /// The names of the lists and what is read with them ([`super::sweep`]).
    pub names: Names,
}

impl Scan {
    /// Adds the counts of parts `o` holds (parts are added in order: see [`Scan::finish`]).
    pub fn absorb(&mut self, o: Scan) {
        self.calls = self.calls.merge(o.calls);
        self.reach = std::mem::take(&mut self.reach).merge(o.reach);
        self.offsets = std::mem::take(&mut self.offsets).merge(&o.offsets);
        self.deltas.absorb(o.deltas, &self.offsets);
        self.carriers.absorb(&o.carriers);
        self.vendors.absorb(&o.vendors);
        self.tally.absorb(o.tally);
        self.names.absorb(o.names);
    }

    /// What pass 1 counted, every part absorbed, and the names.
    pub fn finish(self) -> (Counted, Names) {
        let mut offsets = self.offsets;
        offsets.carriers = self.carriers.finish().0;
        offsets.vendors = self.vendors.finish().0;
        let counted = Counted {
            calls: self.calls,
            reach: self.reach.finish(),
            offsets,
            tally: self.tally,
            deltas: self.deltas,
        };
        (counted, self.names)
    }
}

/// What pass 1 counts, every part merged.
pub(crate) struct Counted {
    /// Calls by fate.
    pub calls: CallCounts,
    /// Reach per originating number.
    pub reach: ReachCounts,
    /// The offsets' pass 1: candidates per pair, and the carriers and vendors in case order.
    pub offsets: OffsetCounts,
    /// What the whole vendor log says of each campaign.
    pub tally: LogTally,
    /// The offsets' samples, when pass 1 could take them whole.
    pub deltas: OffsetDeltas,
}

/// Pass 2's share of one part: each pair's offset sample.
pub(crate) type Samples = BTreeMap<(String, String), Vec<i64>>;

/// What pass 3 finds in one part: the matches (indexing the part's extracts), the presenters,
/// and the extracts, rows of the part's calls and vendor log.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct MatchPart {
    /// The part.
    pub part: u32,
    /// The matches, `call` and `vendor_row` indexing `calls` and `vendor_calls`.
    pub matched: Attribution,
    /// Who presented each originating number.
    pub presented: PresentedCounts,
    /// The rows of the part's calls table that a later table shows.
    #[serde(with = "super::wire::batch")]
    pub calls: RecordBatch,
    /// The rows of the part's vendor log that a later table shows.
    #[serde(with = "super::wire::batch")]
    pub vendor_calls: RecordBatch,
}

/// What pass 3 gives: the calls the later analyses read, and the matches.
pub(crate) struct Extract {
    /// The calls table's rows of matched calls and of received calls from the numbers kept,
    /// in case order.
    pub calls: RecordBatch,
    /// The vendor log's rows of matched records and of the first record of each campaign,
    /// vendor and (presented originating number, campaign), in case order.
    pub vendor_calls: RecordBatch,
    /// The matches (`call` indexes `calls`, `vendor_row` indexes `vendor_calls`), pairs as the
    /// whole's.
    pub matched: Attribution,
    /// Who presented each originating number.
    pub presented: PresentedCounts,
}

/// What the passes over the calls read besides the parts: the complainants, the settings,
/// the case's files and parts.
pub(crate) struct CallCx<'a> {
    /// The complainants.
    pub comp: &'a Complainants,
    /// The vendor dispositions that mean the phone never rang.
    pub never_rang: &'a [String],
    /// Complainants (dense id) whose numbers fall in more than one part.
    pub spanning: &'a [bool],
    /// The ranks of the case's evidence files.
    pub ranks: &'a FileRanks,
    /// How many parts the calls table has.
    pub parts: u32,
    /// The windows and attribution settings.
    pub s: Settings,
}

/// Complainants (dense id) whose numbers fall in more than one of `parts` parts.
pub(crate) fn spanning(comp: &Complainants, parts: u32) -> Vec<bool> {
    let n = comp.names.len();
    let mut first: Vec<Option<u32>> = vec![None; n];
    let mut spanning = vec![false; n];
    for (&number, &id) in &comp.by_number {
        let p = crate::partition::of(number, parts);
        match first[id as usize] {
            None => first[id as usize] = Some(p),
            Some(q) if q != p => spanning[id as usize] = true,
            Some(_) => {}
        }
    }
    spanning
}

/// One part of the calls and of the vendor log, as the passes read it.
struct Part<'b> {
    p: u32,
    batch: &'b RecordBatch,
    vendor: &'b RecordBatch,
    calls: Calls<'b>,
    received: Vec<usize>,
    counts: CallCounts,
    log: VendorLog,
}

impl CallCx<'_> {
    /// Part `p` of the calls (`batch`, [`CALLS_READ`]) and of the vendor log (`vendor`,
    /// [`VENDOR_READ`]), each with its provenance columns, checked to hold only numbers of
    /// part `p`.
    fn part<'b>(
        &self,
        p: u32,
        batch: &'b RecordBatch,
        vendor: &'b RecordBatch,
    ) -> Result<Part<'b>> {
        for (kind, b, key) in [
            (Kind::Calls, batch, "called"),
            (Kind::VendorCalls, vendor, "dialed"),
        ] {
            let numbers = super::cols::u64_values(b, key)?;
            if let Some(i) = numbers
                .iter()
                .position(|&n| crate::partition::of(n, self.parts) != p)
            {
                return Err(Error::store(
                    crate::layout::store_part(kind.name(), p),
                    format!(
                        "row {i} holds a {key} number of part {} of {}: the store was not \
                         partitioned by this ingest; ingest again",
                        crate::partition::of(numbers[i], self.parts),
                        self.parts
                    ),
                ));
            }
        }
        let calls = Calls::new(batch)?;
        let (received, counts) = calls::count(&calls, self.comp, self.s.orders);
        let log = VendorLog::read(vendor, self.never_rang)?;
        Ok(Part {
            p,
            batch,
            vendor,
            calls,
            received,
            counts,
            log,
        })
    }

    /// Pass 1 over part `p`: the call counts, the reach counts, the offsets' candidates, the
    /// vendor log's tally and the names of its campaigns and poll responses.
    ///
    /// # Errors
    /// [`Error::Store`] when a column is missing or of another type, or a row is not of the
    /// part.
    pub fn scan(&self, p: u32, batch: &RecordBatch, vendor: &RecordBatch) -> Result<Scan> {
        let part = self.part(p, batch, vendor)?;
        let (calls, received, log) = (&part.calls, &part.received, &part.log);
        let cap = crate::join::band::OFFSET_SAMPLE_CAP;
        // Three independent tallies of the part side by side: the names and the vendor
        // log's gatherers; the reach; the offsets' candidates.
        let gathered = || -> Result<(Dict, Dict, LogTally, Names)> {
            let keys = RowKeys::new(part.batch, self.ranks, part.p)?;
            let (mut carriers, mut vendors) = (Dict::default(), Dict::default());
            carriers.add(&calls.carrier, &keys);
            let vkeys = RowKeys::new(part.vendor, self.ranks, part.p)?;
            vendors.add(&log.vendor, &vkeys);
            let mut tally = LogTally::default();
            tally.add(log, &vkeys);
            let mut names = Names::default();
            names.vendor_calls(part.vendor, &vkeys)?;
            Ok((carriers, vendors, tally, names))
        };
        let reached = || {
            let ranks: Vec<u32> = calls
                .file
                .names
                .iter()
                .map(|f| self.ranks.rank(f))
                .collect();
            let case = PartOfCase {
                file_rank: &ranks,
                spanning: self.spanning,
            };
            reach::count_part(calls, received, self.comp, self.s.windows, case)
        };
        let offset = || {
            let window = self.s.offset_window_us;
            let (o, d) = attribution::offset_counts(calls, received, log, window, cap);
            let mut deltas = OffsetDeltas::new(cap);
            deltas.add(d, &o);
            (o, deltas)
        };
        let (g, (reach, (offsets, deltas))) =
            rayon::join(gathered, || rayon::join(reached, offset));
        let (carriers, vendors, tally, names) = g?;
        Ok(Scan {
            calls: part.counts,
            reach,
            offsets,
            carriers,
            vendors,
            tally,
            deltas,
            names,
        })
    }

    /// Pass 2 over part `p`: its share of each (carrier, vendor) pair's offset sample, given
    /// `totals`, pass 1 merged (needed only when some pair has more candidates than pass 1
    /// keeps).
    ///
    /// # Errors
    /// As [`CallCx::scan`].
    pub fn samples(
        &self,
        p: u32,
        (batch, vendor): (&RecordBatch, &RecordBatch),
        totals: &OffsetCounts,
    ) -> Result<Samples> {
        let part = self.part(p, batch, vendor)?;
        let window = self.s.offset_window_us;
        Ok(attribution::offset_samples(
            &part.calls,
            &part.received,
            &part.log,
            window,
            totals,
        ))
    }

    /// Pass 3 over part `p`: the matches with the estimated `offsets`, who presented each
    /// originating number (`numbers`, ascending), and the extracts: the rows of matched calls
    /// and of received calls whose originating number is in `keep` (ascending); the vendor
    /// records matched and the first of each campaign, vendor and (presented number of
    /// `numbers`, campaign).
    ///
    /// # Errors
    /// As [`CallCx::scan`].
    pub fn matched(
        &self,
        p: u32,
        (batch, vendor): (&RecordBatch, &RecordBatch),
        offsets: &BTreeMap<(String, String), i64>,
        (numbers, keep): (&[u64], &[u64]),
    ) -> Result<MatchPart> {
        let part = self.part(p, batch, vendor)?;
        let (calls, received, log) = (&part.calls, &part.received, &part.log);
        // The matches, the presenters, and the rows kept whatever matched, side by side.
        let matches = || {
            let (tol, window) = (self.s.tolerance_us, self.s.offset_window_us);
            attribution::count(calls, received, log, tol, window, Some(offsets))
        };
        let presenters = || spoof::count(log, numbers, &self.comp.numbers);
        let kept = || -> Result<(Vec<usize>, Vec<usize>)> {
            let rows: Vec<usize> = received
                .iter()
                .copied()
                .filter(|&i| {
                    calls
                        .calling(i)
                        .is_some_and(|n| keep.binary_search(&n).is_ok())
                })
                .collect();
            let vkeys = RowKeys::new(part.vendor, self.ranks, part.p)?;
            Ok((rows, firsts(log, &vkeys, numbers)))
        };
        let (mut a, (presented, k)) = rayon::join(matches, || rayon::join(presenters, kept));
        let (mut rows, mut vrows) = k?;
        rows.extend(a.matches.iter().map(|m| m.call));
        vrows.extend(a.matches.iter().map(|m| m.vendor_row));
        let (rows, vrows) = (sorted(rows), sorted(vrows));
        for m in &mut a.matches {
            // Their positions in the part's extracts.
            m.call = rows.binary_search(&m.call).unwrap_or_default();
            m.vendor_row = vrows.binary_search(&m.vendor_row).unwrap_or_default();
        }
        Ok(MatchPart {
            part: p,
            matched: a,
            presented,
            calls: take(Kind::Calls, p, part.batch, &rows)?,
            vendor_calls: take(Kind::VendorCalls, p, part.vendor, &vrows)?,
        })
    }
}

/// The parts' pass 3 merged (`found`, in part order): the extracts in case order, the
/// matches indexing them, with the pairs' estimates (`counted`, `estimates`) filled in.
///
/// # Errors
/// [`Error::Store`] when the extracts cannot be merged (parts of other schemas: a bug).
pub(crate) fn merge_matched(
    manifest: &Manifest,
    found: Vec<MatchPart>,
    (counted, estimates): (&OffsetCounts, &BTreeMap<(String, String), OffsetEstimate>),
) -> Result<Extract> {
    let merge = |kind: Kind, pieces: Vec<&RecordBatch>| -> Result<(RecordBatch, Vec<Vec<usize>>)> {
        let pieces: Vec<RecordBatch> = pieces.into_iter().cloned().collect();
        let (b, order) = crate::ingest::merge_in_case_order(manifest, &pieces, None)
            .map_err(|e| Error::store(crate::layout::store_table_prefix(kind.name()), e))?;
        let mut at: Vec<Vec<usize>> = pieces.iter().map(|b| vec![0; b.num_rows()]).collect();
        for (g, &(p, k)) in order.iter().enumerate() {
            at[p][k] = g;
        }
        Ok((b, at))
    };
    let (calls, at) = merge(Kind::Calls, found.iter().map(|f| &f.calls).collect())?;
    let (vendor_calls, vat) = merge(
        Kind::VendorCalls,
        found.iter().map(|f| &f.vendor_calls).collect(),
    )?;
    let mut matched = Attribution::default();
    let mut presented = PresentedCounts::default();
    for (p, f) in found.into_iter().enumerate() {
        let mut a = f.matched;
        for m in &mut a.matches {
            m.call = at[p][m.call];
            m.vendor_row = vat[p][m.vendor_row];
        }
        matched = matched.merge(&a);
        presented = presented.merge(&f.presented);
    }
    Ok(Extract {
        calls,
        vendor_calls,
        matched: matched.with_estimates(counted, estimates),
        presented,
    })
}

/// Rows `rows` (ascending) of `b`, part `p` of `kind`'s table.
fn take(kind: Kind, p: u32, b: &RecordBatch, rows: &[usize]) -> Result<RecordBatch> {
    let idx: UInt32Array = rows.iter().map(|&i| i as u32).collect();
    let fail = |e| Error::store(crate::layout::store_part(kind.name(), p), e);
    let taken = take_record_batch(b, &idx).map_err(fail)?;
    // A dictionary column taken shares its part's dictionary buffers, and with them
    // the memory the part was decoded into (measured at 100 M rows: 260 MB a part kept
    // alive until every part was read). The pieces are kept that long, so each dictionary
    // column is built afresh from its values.
    let columns = taken
        .columns()
        .iter()
        .map(|c| match c.data_type() {
            DataType::Dictionary(_, v) => cast(&cast(c, v)?, c.data_type()),
            _ => Ok(c.clone()),
        })
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(fail)?;
    RecordBatch::try_new(taken.schema(), columns).map_err(fail)
}

/// `v` sorted, without repeats.
fn sorted(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v.dedup();
    v
}

/// The first record (as `keys` place them) of each campaign, each vendor and each (presented
/// number of `numbers`, campaign) of one part of the vendor log: the whole's first are among
/// the parts' first.
fn firsts(log: &VendorLog, keys: &RowKeys, numbers: &[u64]) -> Vec<usize> {
    let mut rows: Vec<usize> = [&log.campaign, &log.vendor]
        .into_iter()
        .flat_map(|c| first_rows(c, keys))
        .flatten()
        .map(|(_, j)| j)
        .collect();
    let mut by_presenter: FxHashMap<(u64, u32), (Seen, usize)> = FxHashMap::default();
    for (j, p) in log.presented.iter().enumerate() {
        let (Some(p), c) = (*p, log.campaign.codes[j]) else {
            continue;
        };
        if c == NONE || numbers.binary_search(&p).is_err() {
            continue;
        }
        let at = keys.at(j);
        let e = by_presenter.entry((p, c)).or_insert((at, j));
        if at < e.0 {
            *e = (at, j);
        }
    }
    rows.extend(by_presenter.into_values().map(|(_, j)| j));
    rows
}
