//! The case store's tables as parts split by phone number (module `partition`): worked and
//! written by ingest one part at a time from the staged rows (module `staging`), read back whole
//! in the order ingest wrote them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::compute::filter_record_batch;
use arrow::datatypes::Int32Type;
use rayon::prelude::*;

use super::dedupe::{duplicate_masks, DupPair, Masks};
use super::history::Repeat;
use super::staging::{kind_index, Piece, Staging};
use crate::config::Case;
use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::model::Kind;
use crate::store;

/// What the parts added to one evidence file's counts.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Tally {
    /// Rows stored.
    pub stored: u64,
    /// Rows removed as duplicates or superseded.
    pub removed: u64,
    /// Of the calls stored, those with a time in a fall-back fold, a blocked caller ID and an
    /// invalid caller ID (counted again from the rows kept; 0 for other kinds).
    pub ambiguous: u64,
    pub blocked: u64,
    pub invalid: u64,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.stored += o.stored;
        self.removed += o.removed;
        self.ambiguous += o.ambiguous;
        self.blocked += o.blocked;
        self.invalid += o.invalid;
    }
}

/// What the parts gave: the counts per evidence file, every removed duplicate and superseded
/// row (sorted), the first population repeat without an order (over all parts), and the
/// store's files written in the staging folder (their kind, path relative to the output folder,
/// rows), in kind then part order.
#[derive(Debug, Default)]
pub(super) struct Worked {
    pub tallies: Vec<Tally>,
    pub dups: Vec<DupPair>,
    pub repeat: Option<Repeat>,
    pub tables: Vec<(Kind, String, u64)>,
}

/// Works every part of the staged rows: reads it back in case order, removes duplicate calls
/// and superseded population rows, counts what is kept, and writes its store files into the
/// staging folder (`store/<table>/part-NNNN.parquet` there, every part of every table, empty
/// or not; a table without a phone number has part 0 only).
///
/// Parts are worked in parallel in *waves*: consecutive parts whose estimated working size
/// (twice their staged bytes: the pieces, and their kept rows) adds up to at most
/// `budget` bytes, a part above it alone; a wave ends before the next begins, so the memory of
/// the parts in flight stays within the budget whatever rayon's scheduling.
///
/// # Errors
/// [`Error::Io`] or [`Error::Store`] naming the staging file that cannot be read or written.
pub(super) fn work(case: &Case, staging: &Staging, budget: u64) -> Result<Worked> {
    create_store_folders(staging.path())?;
    let mut all = Worked {
        tallies: vec![Tally::default(); case.files.len()],
        ..Worked::default()
    };
    let mut tables: Vec<(usize, u32, String, u64)> = Vec::new();
    for wave in waves(&staging.part_bytes()?, budget) {
        let outs: Vec<Result<PartOut>> = wave
            .into_par_iter()
            .map(|p| work_part(case, staging, p))
            .collect();
        for o in outs {
            let o = o?;
            for (t, a) in all.tallies.iter_mut().zip(&o.tallies) {
                t.add(a);
            }
            all.dups.extend(o.dups);
            all.repeat = Repeat::earlier(all.repeat, o.repeat);
            tables.extend(o.written);
        }
    }
    all.dups.sort_unstable();
    tables.sort_unstable_by_key(|t| (t.0, t.1));
    all.tables = tables
        .into_iter()
        .map(|t| (Kind::ALL[t.0], t.2, t.3))
        .collect();
    Ok(all)
}

/// Consecutive runs of parts whose estimates (twice their bytes) add up to at most `budget`
/// (a part above it alone).
fn waves(bytes: &[u64], budget: u64) -> Vec<std::ops::Range<u32>> {
    let mut out = Vec::new();
    let (mut start, mut used) = (0usize, 0u64);
    for (p, &b) in bytes.iter().enumerate() {
        let est = b.saturating_mul(2);
        if p > start && used.saturating_add(est) > budget {
            out.push(start as u32..p as u32);
            (start, used) = (p, 0);
        }
        used = used.saturating_add(est);
    }
    if start < bytes.len() {
        out.push(start as u32..bytes.len() as u32);
    }
    out
}

/// What one part gave ([`Worked`] for one part; `written` as (kind index, part, path, rows)).
struct PartOut {
    tallies: Vec<Tally>,
    dups: Vec<DupPair>,
    repeat: Option<Repeat>,
    written: Vec<(usize, u32, String, u64)>,
}

/// Works part `p` ([`work`]).
fn work_part(case: &Case, staging: &Staging, p: u32) -> Result<PartOut> {
    let mut kinds = staging.take_part(p)?;
    let mut tallies = vec![Tally::default(); case.files.len()];
    let calls = kind_index(Kind::Calls);
    let (masks, mut dups) = duplicate_masks(&kinds[calls])?;
    keep(&mut kinds[calls], masks, &mut tallies, "calls")?;
    let population = kind_index(Kind::Population);
    let sup = super::history::supersede(&kinds[population])?;
    keep(
        &mut kinds[population],
        sup.masks,
        &mut tallies,
        "population",
    )?;
    dups.extend(sup.pairs);
    for (k, pieces) in kinds.iter().enumerate() {
        for pc in pieces {
            tallies[pc.file].stored += pc.batch.num_rows() as u64;
        }
        if Kind::ALL[k] == Kind::Calls {
            let flags: Vec<Result<(u64, u64, u64)>> = pieces
                .par_iter()
                .map(|pc| super::flag_counts(&pc.batch, Kind::Calls))
                .collect();
            for (pc, f) in pieces.iter().zip(flags) {
                let (a, b, i) = f?;
                let t = &mut tallies[pc.file];
                (t.ambiguous, t.blocked, t.invalid) =
                    (t.ambiguous + a, t.blocked + b, t.invalid + i);
            }
        }
    }
    let written: Vec<Result<(usize, u32, String, u64)>> = kinds
        .par_iter()
        .enumerate()
        .filter(|(k, _)| Kind::ALL[*k].partition_key().is_some() || p == 0)
        .map(|(k, pieces)| {
            write_piece_table(staging, Kind::ALL[k], p, pieces).map(|(rel, n)| (k, p, rel, n))
        })
        .collect();
    let written = written.into_iter().collect::<Result<Vec<_>>>()?;
    Ok(PartOut {
        tallies,
        dups,
        repeat: sup.repeat,
        written,
    })
}

/// Writes part `p` of `kind`'s table (its `pieces`, in case order; the staging column dropped)
/// in the staging folder; returns its path relative to the output folder and its rows.
fn write_piece_table(
    staging: &Staging,
    kind: Kind,
    p: u32,
    pieces: &[Piece],
) -> Result<(String, u64)> {
    let schema = kind.schema();
    let width = schema.fields().len();
    let batches: Vec<RecordBatch> = pieces
        .iter()
        .filter(|pc| pc.batch.num_rows() > 0)
        .map(|pc| {
            let cols: Vec<usize> = (0..width.min(pc.batch.num_columns())).collect();
            pc.batch.project(&cols)
        })
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::store(kind.name(), e))?;
    let rel = crate::layout::store_part(kind.name(), p);
    store::write_parquet(&staging.path().join(&rel), &schema, &batches)?;
    Ok((rel, batches.iter().map(|b| b.num_rows() as u64).sum()))
}

/// Keeps the rows `masks` keep of each piece, counting those removed against their files.
fn keep(pieces: &mut [Piece], masks: Masks, tallies: &mut [Tally], table: &str) -> Result<()> {
    let removed: Vec<Result<(usize, u64)>> = pieces
        .par_iter_mut()
        .zip(masks)
        .map(|(pc, keep)| {
            let Some(keep) = keep else {
                return Ok((pc.file, 0));
            };
            let before = pc.batch.num_rows();
            pc.batch = filter_record_batch(&pc.batch, &keep).map_err(|e| Error::store(table, e))?;
            Ok((pc.file, (before - pc.batch.num_rows()) as u64))
        })
        .collect();
    for r in removed {
        let (file, n) = r?;
        tallies[file].removed += n;
    }
    Ok(())
}

/// Moves the store's files written in the staging folder (`tables`, relative paths) to their
/// places in `out` (`out/store/` and its tables' folders created as needed).
///
/// # Errors
/// [`Error::Io`] naming the folder or file that cannot be created or moved.
pub(super) fn commit(staging: &Staging, out: &Path, tables: &[(Kind, String, u64)]) -> Result<()> {
    create_store_folders(out)?;
    for (_, rel, _) in tables {
        let to = out.join(rel);
        std::fs::rename(staging.path().join(rel), &to).map_err(|e| Error::io(&to, e))?;
    }
    Ok(())
}

/// `root/store/` and a folder in it per table, where missing.
fn create_store_folders(root: &Path) -> Result<()> {
    crate::outdir::create_dir(&root.join(crate::layout::STORE))?;
    for kind in Kind::ALL {
        crate::outdir::create_dir(&root.join(crate::layout::store_table_prefix(kind.name())))?;
    }
    Ok(())
}

/// The parts of a store table the manifest lists, in part order, as paths under `out`.
pub fn table_parts(manifest: &Manifest, out: &Path, kind: Kind) -> Vec<PathBuf> {
    let prefix = crate::layout::store_table_prefix(kind.name());
    let mut rels: Vec<&str> = manifest
        .outputs
        .iter()
        .map(|o| o.path.as_str())
        .filter(|p| p.starts_with(&prefix) && p.ends_with(".parquet"))
        .collect();
    rels.sort_unstable();
    rels.into_iter().map(|r| out.join(r)).collect()
}

/// The provenance columns: with them, rows sort back into the order ingest gave them.
const PROVENANCE: [&str; 3] = ["source_file", "source_row", "source_item"];

/// Reads a store table whole: every part the manifest lists, each checked against the kind's
/// canonical schema (only the columns `keep` names, when given), as one batch whose rows are
/// in the order ingest wrote them (case order of the evidence files, then row and item), so
/// that what is computed from it does not depend on how the store was split.
///
/// # Errors
/// [`Error::Store`] when the manifest lists no part of it, or a part is missing, unreadable or
/// not of the canonical schema, naming the part.
pub fn read_table(
    manifest: &Manifest,
    out: &Path,
    kind: Kind,
    keep: Option<&[&str]>,
) -> Result<RecordBatch> {
    read_whole(manifest, out, kind, keep, store::read_table_as)
}

/// [`read_table`], its text columns (but the `*_raw` ones) as dictionaries
/// ([`store::read_table_coded`]): what the analyses read.
///
/// # Errors
/// As [`read_table`].
pub fn read_table_coded(
    manifest: &Manifest,
    out: &Path,
    kind: Kind,
    keep: Option<&[&str]>,
) -> Result<RecordBatch> {
    read_whole(manifest, out, kind, keep, store::read_table_coded)
}

/// How one part is read: [`store::read_table_as`] or [`store::read_table_coded`].
type PartReader = fn(&Path, &arrow::datatypes::Schema, Option<&[&str]>) -> Result<RecordBatch>;

/// [`read_table`] with `read` for each part. The parts, each in case order, are merged into
/// one batch column by column (one copy of the table, not a concatenation and a sorted copy
/// of it).
fn read_whole(
    manifest: &Manifest,
    out: &Path,
    kind: Kind,
    keep: Option<&[&str]>,
    read: PartReader,
) -> Result<RecordBatch> {
    let parts = table_parts(manifest, out, kind);
    let schema = kind.schema();
    if parts.is_empty() {
        return Err(Error::store(
            out.join(crate::layout::store_table_prefix(kind.name())),
            format!(
                "no part of the {} table is listed in manifest.json; ingest again",
                kind.name()
            ),
        ));
    }
    if let [one] = parts.as_slice() {
        return read(one, &schema, keep);
    }
    let with: Option<Vec<&str>> = keep.map(|k| {
        let mut v = k.to_vec();
        v.extend(PROVENANCE.iter().filter(|p| !k.contains(p)));
        v
    });
    let read: Vec<Result<RecordBatch>> = parts
        .par_iter()
        .map(|p| read(p, &schema, with.as_deref()))
        .collect();
    let mut batches = Vec::with_capacity(read.len());
    for r in read {
        batches.push(r?);
    }
    merge_in_case_order(manifest, &batches, keep)
        .map(|(b, _)| b)
        .map_err(|e| Error::store(&parts[0], e))
}

/// Batches of one table's parts (each with its provenance columns) merged into one, its rows in
/// case order (evidence file in the manifest's order, then row and item), column by column:
/// only the columns `keep` names, when given. Also gives, for each row of the result, the
/// (batch, row) it came from.
///
/// # Errors
/// An Arrow error when the batches' columns do not agree (parts not of one schema).
pub fn merge_in_case_order(
    manifest: &Manifest,
    batches: &[RecordBatch],
    keep: Option<&[&str]>,
) -> std::result::Result<(RecordBatch, Vec<(usize, usize)>), arrow::error::ArrowError> {
    let Some(first) = batches.first().map(RecordBatch::schema) else {
        return Err(arrow::error::ArrowError::InvalidArgumentError(
            "no part to merge".into(),
        ));
    };
    let order = case_order(manifest, batches)?;
    let cols: Vec<usize> = (0..first.fields().len())
        .filter(|&i| keep.is_none_or(|k| k.contains(&first.field(i).name().as_str())))
        .collect();
    let columns = cols
        .par_iter()
        .map(|&c| {
            let arrays: Vec<&dyn Array> = batches.iter().map(|b| b.column(c).as_ref()).collect();
            arrow::compute::interleave(&arrays, &order)
        })
        .collect::<std::result::Result<Vec<ArrayRef>, _>>()?;
    let b = RecordBatch::try_new_with_options(
        Arc::new(first.project(&cols)?),
        columns,
        &arrow::array::RecordBatchOptions::new().with_row_count(Some(order.len())),
    )?;
    Ok((b, order))
}

/// Where a row sorts in case order: evidence file (its rank among the manifest's inputs),
/// source row, source item (none first).
type CaseKey = (u32, u64, Option<u32>);

/// The rows of `parts`, as (part, row) pairs, in the order ingest wrote them: by evidence file
/// (in the manifest's order of inputs), then source row, then source item. Each part holds its
/// rows in that order, so the parts are merged (a heap of their heads); a part found out of
/// order (a store not written by this ingest) is sorted instead.
fn case_order(
    manifest: &Manifest,
    parts: &[RecordBatch],
) -> std::result::Result<Vec<(usize, usize)>, arrow::error::ArrowError> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let keys: Vec<Vec<CaseKey>> = parts
        .iter()
        .map(|b| case_keys(manifest, b))
        .collect::<std::result::Result<_, _>>()?;
    if keys.iter().any(|k| k.windows(2).any(|w| w[0] > w[1])) {
        let mut all: Vec<(CaseKey, usize, usize)> = keys
            .iter()
            .enumerate()
            .flat_map(|(p, k)| k.iter().enumerate().map(move |(r, &key)| (key, p, r)))
            .collect();
        all.par_sort_unstable();
        return Ok(all.into_iter().map(|(_, p, r)| (p, r)).collect());
    }
    let mut order = Vec::with_capacity(keys.iter().map(Vec::len).sum());
    let mut heap: BinaryHeap<Reverse<(CaseKey, usize)>> = keys
        .iter()
        .enumerate()
        .filter_map(|(p, k)| k.first().map(|&key| Reverse((key, p))))
        .collect();
    let mut next = vec![0usize; keys.len()];
    while let Some(Reverse((_, p))) = heap.pop() {
        order.push((p, next[p]));
        next[p] += 1;
        if let Some(&key) = keys[p].get(next[p]) {
            heap.push(Reverse((key, p)));
        }
    }
    Ok(order)
}

/// The [`CaseKey`] of every row of `b`.
fn case_keys(
    manifest: &Manifest,
    b: &RecordBatch,
) -> std::result::Result<Vec<CaseKey>, arrow::error::ArrowError> {
    let missing = |c: &str| arrow::error::ArrowError::SchemaError(format!("no column {c}"));
    let col = |c: &str| b.column_by_name(c).ok_or_else(|| missing(c));
    let file = col("source_file")?
        .as_dictionary_opt::<Int32Type>()
        .ok_or_else(|| missing("source_file as a dictionary"))?;
    let names = file.values().as_string::<i32>();
    let rank_of_value: Vec<u32> = (0..names.len())
        .map(|v| {
            manifest
                .inputs
                .iter()
                .position(|i| i.path == names.value(v))
                .map_or(u32::MAX, |p| p as u32)
        })
        .collect();
    let row = col("source_row")?
        .as_primitive_opt::<arrow::datatypes::UInt64Type>()
        .ok_or_else(|| missing("source_row as UInt64"))?;
    let item = col("source_item")?
        .as_primitive_opt::<arrow::datatypes::UInt32Type>()
        .ok_or_else(|| missing("source_item as UInt32"))?;
    Ok((0..b.num_rows())
        .map(|i| {
            let rank = match file.is_valid(i) {
                true => rank_of_value
                    .get(file.keys().value(i) as usize)
                    .copied()
                    .unwrap_or(u32::MAX),
                false => u32::MAX,
            };
            (rank, row.value(i), item.is_valid(i).then(|| item.value(i)))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waves_fit_the_budget_and_a_large_part_goes_alone() {
        assert_eq!(waves(&[10, 10, 10, 10], 40), [0..2, 2..4]);
        assert_eq!(waves(&[10, 50, 10], 40), [0..1, 1..2, 2..3]);
        assert_eq!(waves(&[1, 1, 1], 0), [0..1, 1..2, 2..3]);
        assert_eq!(
            waves(&[1, 1, 1], u64::MAX),
            vec![std::ops::Range { start: 0, end: 3 }]
        );
        assert_eq!(waves(&[], 10), Vec::<std::ops::Range<u32>>::new());
    }
}
