//! The calls table read part by part (the store's parts split it by called number, and the
//! vendor log by dialled number, with the same partition: [`crate::partition`]), in three
//! passes, so that it is never whole in memory:
//!
//! ```text
//!  pass 1, per part: calls::count, reach::count_part,      ──merge──▶ call counts, reach
//!                    attribution::offset_counts                       counts, offset counts
//!  (reach finished: which numbers are significant, which rank first, is known)
//!  pass 2, per part: attribution::offset_samples ─────────────────────▶ offset estimates
//!  pass 3, per part: attribution::count with those offsets ──merge──▶ matches
//!                    the rows of matched calls and of received calls  ──▶ the extract, in
//!                    from the numbers kept                                 case order
//! ```
//!
//! Every count merges exactly, so the results are the whole's whatever the part count: call
//! counts add; reach counts add, a complainant whose numbers sit in two parts settled at the
//! merge ([`reach::PartReach`]); the offsets merge their candidates and samples, and the
//! matches never cross numbers ([`attribution`]). What comes after attribution reads the
//! *extract*: the calls table's rows that some table shows (matched calls, and every received
//! call of a significant or top-ranked number), in case order, so that the rows it shows and
//! their order are the whole table's. `Match::call` indexes the extract.

use std::collections::BTreeMap;

use arrow::array::{RecordBatch, UInt32Array};
use arrow::compute::take_record_batch;

use super::attribution::{self, Attribution, OffsetCounts, VendorLog};
use super::calls::{self, CallCounts};
use super::input::{Calls, Complainants};
use super::parts::{Dict, PartReader, RowKeys};
use super::reach::{self, PartOfCase, PartReach, ReachCounts};
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
}

/// What pass 3 gives: the calls the later analyses read, and the matches.
pub(crate) struct Extract {
    /// The calls table's rows of matched calls and of received calls from the numbers kept,
    /// in case order.
    pub calls: RecordBatch,
    /// The matches (`call` indexes `calls`), pairs as the whole's.
    pub matched: Attribution,
}

/// One part of the calls, read: the table and its typed view are made by the caller.
struct Part {
    p: u32,
    batch: RecordBatch,
}

/// The calls table and the vendor log, part by part.
pub(crate) struct CallParts<'a> {
    manifest: &'a Manifest,
    reader: &'a PartReader<'a>,
    comp: &'a Complainants,
    log: &'a VendorLog,
    /// The vendor log's records of each part.
    log_rows: Vec<Vec<usize>>,
    /// Complainants (dense id) whose numbers fall in more than one part.
    spanning: Vec<bool>,
    parts: u32,
    s: Settings,
}

impl<'a> CallParts<'a> {
    /// The passes over the store's calls that `reader` reads, against the whole vendor log
    /// `log`, split by the same partition.
    pub fn new(
        manifest: &'a Manifest,
        reader: &'a PartReader<'a>,
        (comp, log): (&'a Complainants, &'a VendorLog),
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
            log,
            log_rows: log.rows_by_part(parts),
            spanning,
            parts,
            s,
        }
    }

    /// Reads part `p` of the calls.
    fn read(&self, p: u32) -> Result<Option<Part>> {
        Ok(self
            .reader
            .read(Kind::Calls, p, &CALLS_READ)?
            .map(|batch| Part { p, batch }))
    }

    /// `f` of each part in turn (the next part read while `f` works): the part, its calls, its
    /// received calls and their counts, and its share of the vendor log.
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
                    let log = self.log.take(&self.log_rows[part.p as usize]);
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
    pub fn count(&self) -> Result<Counted> {
        let mut calls_counted = CallCounts::default();
        let mut reach = PartReach::default();
        let mut offsets = OffsetCounts::default();
        let mut carriers = Dict::default();
        self.each(|part, calls, (received, counts), log| {
            let keys = RowKeys::new(&part.batch, &self.reader.ranks, part.p)?;
            carriers.add(&calls.carrier, &keys);
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
            let o = attribution::offset_counts(calls, received, log, self.s.offset_window_us);
            offsets = std::mem::take(&mut offsets).merge(&o);
            calls_counted = calls_counted.merge(counts);
            Ok(())
        })?;
        offsets.carriers = carriers.finish().0;
        Ok(Counted {
            calls: calls_counted,
            reach: reach.finish(),
            offsets,
        })
    }

    /// Pass 2: each (carrier, vendor) pair's offset, estimated from the parts' samples.
    ///
    /// # Errors
    /// As [`CallParts::count`].
    pub fn estimates(
        &self,
        counted: &OffsetCounts,
    ) -> Result<BTreeMap<(String, String), OffsetEstimate>> {
        let mut samples: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
        self.each(|_, calls, (received, _), log| {
            let part =
                attribution::offset_samples(calls, received, log, self.s.offset_window_us, counted);
            for (pair, deltas) in part {
                samples.entry(pair).or_default().extend(deltas);
            }
            Ok(())
        })?;
        Ok(attribution::offset_estimates(counted, samples))
    }

    /// Pass 3: the matches with the estimated offsets, and the extract: the rows of matched
    /// calls and of received calls whose originating number is in `keep` (ascending).
    ///
    /// # Errors
    /// As [`CallParts::count`].
    pub fn matched(
        &self,
        counted: &OffsetCounts,
        estimates: &BTreeMap<(String, String), OffsetEstimate>,
        keep: &[u64],
    ) -> Result<Extract> {
        let offsets = attribution::estimated_offsets(estimates);
        let mut pieces: Vec<RecordBatch> = Vec::new();
        let mut found: Vec<Attribution> = Vec::new();
        self.each(|part, calls, (received, _), log| {
            let mut a = attribution::count(
                calls,
                received,
                log,
                self.s.tolerance_us,
                self.s.offset_window_us,
                Some(&offsets),
            );
            let mut rows: Vec<usize> = a.matches.iter().map(|m| m.call).collect();
            rows.extend(received.iter().copied().filter(|&i| {
                calls
                    .calling(i)
                    .is_some_and(|n| keep.binary_search(&n).is_ok())
            }));
            rows.sort_unstable();
            rows.dedup();
            let log_rows = &self.log_rows[part.p as usize];
            for m in &mut a.matches {
                // Its position in the part's extract, and its record in the whole log.
                m.call = rows.binary_search(&m.call).unwrap_or_default();
                m.vendor_row = log_rows[m.vendor_row];
            }
            let idx: UInt32Array = rows.iter().map(|&i| i as u32).collect();
            let piece = take_record_batch(&part.batch, &idx)
                .map_err(|e| Error::store(self.calls_path(part.p), e))?;
            pieces.push(piece);
            found.push(a);
            Ok(())
        })?;
        let (calls, order) = crate::ingest::merge_in_case_order(self.manifest, &pieces, None)
            .map_err(|e| Error::store(self.calls_path(0), e))?;
        let mut at: Vec<Vec<usize>> = pieces.iter().map(|b| vec![0; b.num_rows()]).collect();
        for (g, &(p, k)) in order.iter().enumerate() {
            at[p][k] = g;
        }
        let mut matched = Attribution::default();
        for (p, mut a) in found.into_iter().enumerate() {
            for m in &mut a.matches {
                m.call = at[p][m.call];
            }
            matched = matched.merge(&a);
        }
        Ok(Extract {
            calls,
            matched: matched.with_estimates(counted, estimates),
        })
    }

    /// The path of part `p` of the calls table, to name in an error.
    fn calls_path(&self, p: u32) -> std::path::PathBuf {
        crate::ingest::table_parts(self.manifest, self.reader.out(), Kind::Calls)
            .get(p as usize)
            .cloned()
            .unwrap_or_default()
    }
}
