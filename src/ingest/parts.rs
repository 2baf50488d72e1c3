//! The case store's tables as parts split by phone number (module `partition`): written by
//! ingest, read back whole in the order ingest wrote them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::Int32Type;
use rayon::prelude::*;

use super::FileOut;
use crate::config::Case;
use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::model::Kind;
use crate::store;

/// Writes one table per kind, each split into the manifest's `store_partitions` parts by its
/// phone number (one part for a kind without one), every part written even when empty (so a
/// reader of `store/<table>/*.parquet` always finds the schema); adds them to the manifest;
/// returns the rows per kind and when the tables were written (since `t0`).
pub(super) fn write_tables(
    case: &Case,
    files: &[FileOut],
    out: &Path,
    manifest: &mut Manifest,
    t0: Instant,
) -> Result<(BTreeMap<Kind, u64>, std::time::Duration)> {
    let parts = manifest.store_partitions.max(1);
    let written: Vec<Result<Vec<(String, u64)>>> = Kind::ALL
        .par_iter()
        .map(|&kind| {
            let batches: Vec<RecordBatch> = case
                .files
                .iter()
                .zip(files)
                .filter(|(f, _)| f.kind == kind)
                .flat_map(|(_, fo)| fo.loaded.chunks.iter().map(|c| c.batch.clone()))
                .filter(|b| b.num_rows() > 0)
                .collect();
            write_parts(out, kind, parts, &batches)
        })
        .collect();
    let t_tables = t0.elapsed();
    let mut rows = BTreeMap::new();
    let mut tables = Vec::new();
    for (kind, w) in Kind::ALL.iter().zip(written) {
        let w = w?;
        rows.insert(*kind, w.iter().map(|(_, n)| n).sum());
        tables.extend(w.into_iter().map(|(rel, n)| (rel, Some(n))));
    }
    manifest.add_outputs(out, &tables)?;
    Ok((rows, t_tables))
}

/// Writes `kind`'s rows (`batches`, in case order) as its parts, in parallel; returns each
/// part's path (relative to `out`) and rows, in part order.
fn write_parts(
    out: &Path,
    kind: Kind,
    parts: u32,
    batches: &[RecordBatch],
) -> Result<Vec<(String, u64)>> {
    let parts = if kind.partition_key().is_some() {
        parts
    } else {
        1
    };
    let mut by_part: Vec<Vec<RecordBatch>> = vec![Vec::new(); parts as usize];
    for b in batches {
        let split = match kind.partition_key() {
            Some(key) => {
                crate::partition::split(b, key, parts).map_err(|e| Error::store(kind.name(), e))?
            }
            None => vec![b.clone()],
        };
        for (p, s) in split.into_iter().enumerate() {
            if s.num_rows() > 0 {
                by_part[p].push(s);
            }
        }
    }
    crate::outdir::create_dir(&out.join(crate::layout::store_table_prefix(kind.name())))?;
    by_part
        .par_iter()
        .enumerate()
        .map(|(p, bs)| {
            let rel = crate::layout::store_part(kind.name(), p as u32);
            store::write_parquet(&out.join(&rel), &kind.schema(), bs)?;
            Ok((rel, bs.iter().map(|b| b.num_rows() as u64).sum()))
        })
        .collect()
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
    let order = case_order(manifest, &batches).map_err(|e| Error::store(&parts[0], e))?;
    let first = batches[0].schema();
    let cols: Vec<usize> = (0..first.fields().len())
        .filter(|&i| keep.is_none_or(|k| k.contains(&first.field(i).name().as_str())))
        .collect();
    let columns = cols
        .par_iter()
        .map(|&c| {
            let arrays: Vec<&dyn Array> = batches.iter().map(|b| b.column(c).as_ref()).collect();
            arrow::compute::interleave(&arrays, &order)
        })
        .collect::<std::result::Result<Vec<ArrayRef>, _>>()
        .map_err(|e| Error::store(&parts[0], e))?;
    RecordBatch::try_new_with_options(
        Arc::new(
            first
                .project(&cols)
                .map_err(|e| Error::store(&parts[0], e))?,
        ),
        columns,
        &arrow::array::RecordBatchOptions::new().with_row_count(Some(order.len())),
    )
    .map_err(|e| Error::store(&parts[0], e))
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
