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

use super::attribution::{self, Attribution, OffsetCounts, OffsetDeltas, VendorLog};
use super::calls::{self, CallCounts};
use super::campaigns::LogTally;
use super::cols::NONE;
use super::input::{Calls, Complainants};
use super::parts::{first_rows, Dict, PartReader, RowKeys, Seen};
use super::reach::{self, PartOfCase, PartReach, ReachCounts};
use super::spoof::{self, PresentedCounts};
use super::sweep::Sweep;
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
const VENDOR_READ: [&str; 8] = [
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
#[derive(Clone, Copy, Debug)]
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

/// What pass 1 counts.
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

/// One part of the calls and of the vendor log, read.
struct Part {
    p: u32,
    batch: RecordBatch,
    vendor: RecordBatch,
}

/// The calls table and the vendor log, part by part.
pub(crate) struct CallParts<'a> {
    manifest: &'a Manifest,
    reader: &'a PartReader<'a>,
    comp: &'a Complainants,
    /// The vendor dispositions that mean the phone never rang.
    never_rang: &'a [String],
    /// Complainants (dense id) whose numbers fall in more than one part.
    spanning: Vec<bool>,
    parts: u32,
    s: Settings,
}

impl<'a> CallParts<'a> {
    /// The passes over the store's calls and vendor log that `reader` reads; `never_rang` are
    /// the dispositions of records that never rang.
    pub fn new(
        manifest: &'a Manifest,
        reader: &'a PartReader<'a>,
        (comp, never_rang): (&'a Complainants, &'a [String]),
        s: Settings,
    ) -> CallParts<'a> {
        let parts = reader.parts(&[Kind::Calls]).max(1);
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
        CallParts {
            manifest,
            reader,
            comp,
            never_rang,
            spanning,
            parts,
            s,
        }
    }

    /// Reads part `p` of the calls and of the vendor log, and checks that every row is in the
    /// part of its number.
    fn read(&self, p: u32) -> Result<Option<Part>> {
        let Some(batch) = self.reader.read(Kind::Calls, p, &CALLS_READ)? else {
            return Ok(None);
        };
        let vendor = match self.reader.read(Kind::VendorCalls, p, &VENDOR_READ)? {
            Some(v) => v,
            None => RecordBatch::new_empty(Kind::VendorCalls.schema()),
        };
        for (kind, b, key) in [
            (Kind::Calls, &batch, "called"),
            (Kind::VendorCalls, &vendor, "dialed"),
        ] {
            let numbers = super::cols::u64_values(b, key)?;
            if let Some(i) = numbers
                .iter()
                .position(|&n| crate::partition::of(n, self.parts) != p)
            {
                return Err(Error::store(
                    self.part_path(kind, p),
                    format!(
                        "row {i} holds a {key} number of part {} of {}: the store was not \
                         partitioned by this ingest; ingest again",
                        crate::partition::of(numbers[i], self.parts),
                        self.parts
                    ),
                ));
            }
        }
        Ok(Some(Part { p, batch, vendor }))
    }

    /// `f` of each part in turn (the next part read while `f` works): the part, its calls, its
    /// received calls and their counts, and its vendor log.
    fn each(
        &self,
        mut f: impl FnMut(&Part, &Calls<'_>, (&[usize], CallCounts), &VendorLog) -> Result<()> + Send,
    ) -> Result<()> {
        let mut next = self.read(0)?;
        for p in 0..self.parts {
            let current = next.take();
            let (done, read_next) = rayon::join(
                || -> Result<()> {
                    let Some(part) = &current else {
                        return Ok(());
                    };
                    let calls = Calls::new(&part.batch)?;
                    let (received, counts) = calls::count(&calls, self.comp, self.s.orders);
                    let log = VendorLog::read(&part.vendor, self.never_rang)?;
                    f(part, &calls, (&received, counts), &log)
                },
                || {
                    if p + 1 < self.parts {
                        self.read(p + 1)
                    } else {
                        Ok(None)
                    }
                },
            );
            done?;
            next = read_next?;
        }
        Ok(())
    }

    /// Pass 1: the call counts, the reach counts and the offsets' candidates.
    ///
    /// # Errors
    /// [`Error::Store`] when a part of the calls table is missing, unreadable or not of its
    /// schema.
    pub fn count(&self, sweep: &mut Sweep) -> Result<Counted> {
        let mut calls_counted = CallCounts::default();
        let mut reach = PartReach::default();
        let mut offsets = OffsetCounts::default();
        let (mut carriers, mut vendors) = (Dict::default(), Dict::default());
        let mut tally = LogTally::default();
        let cap = crate::join::band::OFFSET_SAMPLE_CAP;
        let mut deltas = OffsetDeltas::new(cap);
        self.each(|part, calls, (received, counts), log| {
            // Three independent tallies of the part side by side: the names and the vendor
            // log's gatherers; the reach; the offsets' candidates.
            let gathered = || -> Result<()> {
                let keys = RowKeys::new(&part.batch, &self.reader.ranks, part.p)?;
                carriers.add(&calls.carrier, &keys);
                let vkeys = RowKeys::new(&part.vendor, &self.reader.ranks, part.p)?;
                vendors.add(&log.vendor, &vkeys);
                tally.add(log, &vkeys);
                sweep.vendor_calls(&part.vendor, &vkeys)
            };
            let reached = || {
                let ranks: Vec<u32> = calls
                    .file
                    .names
                    .iter()
                    .map(|f| self.reader.ranks.rank(f))
                    .collect();
                let case = PartOfCase {
                    file_rank: &ranks,
                    spanning: &self.spanning,
                };
                let r = reach::count_part(calls, received, self.comp, self.s.windows, case);
                reach = std::mem::take(&mut reach).merge(r);
            };
            let offset = || {
                let window = self.s.offset_window_us;
                let (o, d) = attribution::offset_counts(calls, received, log, window, cap);
                offsets = std::mem::take(&mut offsets).merge(&o);
                deltas.add(d, &offsets);
            };
            let (g, _) = rayon::join(gathered, || rayon::join(reached, offset));
            calls_counted = calls_counted.merge(counts);
            g
        })?;
        offsets.carriers = carriers.finish().0;
        offsets.vendors = vendors.finish().0;
        Ok(Counted {
            calls: calls_counted,
            reach: reach.finish(),
            offsets,
            tally,
            deltas,
        })
    }

    /// Pass 2: each (carrier, vendor) pair's offset, estimated from the parts' samples (taken
    /// in pass 1 when no pair has more candidates than the sample holds: then this reads
    /// nothing).
    ///
    /// # Errors
    /// As [`CallParts::count`].
    pub fn estimates(
        &self,
        totals: &OffsetCounts,
        deltas: OffsetDeltas,
    ) -> Result<BTreeMap<(String, String), OffsetEstimate>> {
        if let Some(samples) = deltas.samples() {
            return Ok(attribution::offset_estimates(totals, samples));
        }
        let mut samples: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
        self.each(|_, calls, (received, _), log| {
            let part =
                attribution::offset_samples(calls, received, log, self.s.offset_window_us, totals);
            for (pair, deltas) in part {
                samples.entry(pair).or_default().extend(deltas);
            }
            Ok(())
        })?;
        Ok(attribution::offset_estimates(totals, samples))
    }

    /// Pass 3: the matches with the estimated offsets, who presented each originating number
    /// (`numbers`, ascending), and the extracts: the rows of matched calls and of received
    /// calls whose originating number is in `keep` (ascending); the vendor records matched and
    /// the first of each campaign, vendor and (presented number of `numbers`, campaign).
    ///
    /// # Errors
    /// As [`CallParts::count`].
    pub fn matched(
        &self,
        (counted, estimates): (&OffsetCounts, &BTreeMap<(String, String), OffsetEstimate>),
        numbers: &[u64],
        keep: &[u64],
    ) -> Result<Extract> {
        let offsets = attribution::estimated_offsets(estimates);
        let (mut calls_pieces, mut vendor_pieces) = (Vec::new(), Vec::new());
        let mut found: Vec<Attribution> = Vec::new();
        let mut presented = PresentedCounts::default();
        self.each(|part, calls, (received, _), log| {
            // The matches, the presenters, and the rows kept whatever matched, side by side.
            let matches = || {
                let (tol, window) = (self.s.tolerance_us, self.s.offset_window_us);
                attribution::count(calls, received, log, tol, window, Some(&offsets))
            };
            let presenters = || {
                let p = spoof::count(log, numbers, &self.comp.numbers);
                presented = std::mem::take(&mut presented).merge(&p);
            };
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
                let vkeys = RowKeys::new(&part.vendor, &self.reader.ranks, part.p)?;
                Ok((rows, firsts(log, &vkeys, numbers)))
            };
            let (mut a, (_, k)) = rayon::join(matches, || rayon::join(presenters, kept));
            let (mut rows, mut vrows) = k?;
            rows.extend(a.matches.iter().map(|m| m.call));
            vrows.extend(a.matches.iter().map(|m| m.vendor_row));
            let (rows, vrows) = (sorted(rows), sorted(vrows));
            for m in &mut a.matches {
                // Their positions in the part's extracts.
                m.call = rows.binary_search(&m.call).unwrap_or_default();
                m.vendor_row = vrows.binary_search(&m.vendor_row).unwrap_or_default();
            }
            calls_pieces.push(self.take(Kind::Calls, part, &part.batch, &rows)?);
            vendor_pieces.push(self.take(Kind::VendorCalls, part, &part.vendor, &vrows)?);
            found.push(a);
            Ok(())
        })?;
        let (calls, at) = self.merge(Kind::Calls, &calls_pieces)?;
        let (vendor_calls, vat) = self.merge(Kind::VendorCalls, &vendor_pieces)?;
        let mut matched = Attribution::default();
        for (p, mut a) in found.into_iter().enumerate() {
            for m in &mut a.matches {
                m.call = at[p][m.call];
                m.vendor_row = vat[p][m.vendor_row];
            }
            matched = matched.merge(&a);
        }
        Ok(Extract {
            calls,
            vendor_calls,
            matched: matched.with_estimates(counted, estimates),
            presented,
        })
    }

    /// Rows `rows` (ascending) of `b`, part `part` of `kind`'s table.
    fn take(
        &self,
        kind: Kind,
        part: &Part,
        b: &RecordBatch,
        rows: &[usize],
    ) -> Result<RecordBatch> {
        let idx: UInt32Array = rows.iter().map(|&i| i as u32).collect();
        let fail = |e| Error::store(self.part_path(kind, part.p), e);
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

    /// The parts' pieces of `kind`'s table merged in case order, and the row each piece's row
    /// became.
    fn merge(&self, kind: Kind, pieces: &[RecordBatch]) -> Result<(RecordBatch, Vec<Vec<usize>>)> {
        let (b, order) = crate::ingest::merge_in_case_order(self.manifest, pieces, None)
            .map_err(|e| Error::store(self.part_path(kind, 0), e))?;
        let mut at: Vec<Vec<usize>> = pieces.iter().map(|b| vec![0; b.num_rows()]).collect();
        for (g, &(p, k)) in order.iter().enumerate() {
            at[p][k] = g;
        }
        Ok((b, at))
    }

    /// The path of part `p` of `kind`'s table, to name in an error.
    fn part_path(&self, kind: Kind, p: u32) -> std::path::PathBuf {
        crate::ingest::table_parts(self.manifest, self.reader.out(), kind)
            .get(p as usize)
            .cloned()
            .unwrap_or_default()
    }
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
