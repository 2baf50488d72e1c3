//! `callsift ingest`: evidence files in, the case store out.
//!
//! ```text
//!  case.toml ─▶ Case (validated) ─▶ files in parallel ─▶ readers ─▶ canonical batches + quarantine
//!                                                                  │
//!   store/<kind>.parquet ◀── duplicates removed (calls) ◀──────────┘
//!   store/quarantine.parquet (+ .csv)
//!   manifest.json (hashes, reconciliation, parameters)   ◀── written last
//! ```
//!
//! Every file is read and converted before anything is written: an evidence file that cannot be
//! used as a whole (empty, truncated, a mapped column missing) stops the run with an error that
//! names it, and the output folder is left as it was. Per file, rows read = accepted +
//! quarantined + duplicates removed; the run fails loudly if that ever does not hold.

pub mod convert;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, DictionaryArray, Int32Array, RecordBatch, StringArray,
    StringBuilder, UInt64Array,
};
use arrow::compute::filter_record_batch;
use arrow::datatypes::{
    DataType, Field, Int32Type, Int64Type, Schema, SchemaRef, TimestampMicrosecondType, UInt64Type,
};
use rayon::prelude::*;

use crate::config::Case;
use crate::error::{Error, Result};
use crate::load::{self, Loaded};
use crate::manifest::{InputRecord, Manifest};
use crate::model::{dict_utf8, Kind};
use crate::store;

pub use convert::{ChunkOut, Counts, QRow};

/// The case store's folder inside the output folder.
pub const STORE: &str = "store";

/// The quarantine table's columns.
pub fn quarantine_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("kind", dict_utf8(), false),
        Field::new("source_file", dict_utf8(), false),
        Field::new("source_row", DataType::UInt64, false),
        Field::new("column", DataType::Utf8, true),
        Field::new("reason", DataType::Utf8, false),
        Field::new("raw", DataType::Utf8, false),
    ]))
}

/// What ingest did, file by file.
#[derive(Debug)]
pub struct IngestReport {
    /// The manifest as written.
    pub manifest: Manifest,
    /// Rows per kind in the store.
    pub rows: BTreeMap<Kind, u64>,
}

/// One file, read and converted.
struct FileOut {
    loaded: Loaded,
    removed: u64,
}

/// Runs ingest: reads every evidence file of `case` and writes the case store under `out`.
///
/// # Errors
/// The first (in case order) file that cannot be used, before anything is written; I/O errors;
/// [`Error::Reconciliation`] if the counts of a file do not add up.
pub fn run(case: &Case, out: &Path, threads: usize) -> Result<IngestReport> {
    let t0 = Instant::now();
    let results: Vec<Result<Loaded>> = case.files.par_iter().map(load::read_file).collect();
    let mut files = Vec::with_capacity(results.len());
    for r in results {
        files.push(FileOut {
            loaded: r?,
            removed: 0,
        });
    }
    let t_read = t0.elapsed();

    // Exact duplicate call records count once: the first (in case order) is kept.
    let calls: Vec<usize> = (0..files.len())
        .filter(|&i| case.files[i].kind == Kind::Calls)
        .collect();
    let masks = duplicate_masks(&calls, &files)?;
    for (&fi, file_masks) in calls.iter().zip(masks) {
        let f = &mut files[fi];
        for (chunk, keep) in f.loaded.chunks.iter_mut().zip(file_masks) {
            let Some(keep) = keep else { continue };
            let before = chunk.batch.num_rows();
            chunk.batch =
                filter_record_batch(&chunk.batch, &keep).map_err(|e| Error::store("calls", e))?;
            f.removed += (before - chunk.batch.num_rows()) as u64;
        }
    }

    // Reconcile before writing.
    let mut inputs = Vec::new();
    for (f, fo) in case.files.iter().zip(&files) {
        let mut c = Counts::default();
        let mut stored = 0u64;
        let mut quarantined = 0u64;
        for ch in &fo.loaded.chunks {
            c.add(&ch.counts);
            stored += ch.batch.num_rows() as u64;
            quarantined += ch.quarantine.len() as u64;
        }
        let rec = InputRecord {
            path: f.name.clone(),
            kind: f.kind.name().into(),
            format: f.format.name().into(),
            profile: f.profile_name.clone(),
            encoding: fo.loaded.encoding.into(),
            bytes: fo.loaded.bytes,
            sha256: fo.loaded.sha256.clone(),
            rows_read: c.rows_read,
            accepted: stored,
            quarantined,
            duplicates_removed: fo.removed,
            lines_skipped: fo.loaded.skipped,
            blank_lines: c.blank_lines,
            ambiguous_times: c.ambiguous_times,
            blocked_caller_ids: c.blocked_ids,
            invalid_caller_ids: c.invalid_ids,
            unused_columns: fo.loaded.unused_columns.clone(),
        };
        if !rec.reconciles() || c.accepted != stored + fo.removed || c.quarantined != quarantined {
            return Err(Error::Reconciliation {
                file: f.path.clone(),
                msg: format!(
                    "rows read {} != accepted {} + quarantined {} + duplicates removed {} \
                     (converter counted {} accepted, {} quarantined)",
                    rec.rows_read, stored, quarantined, fo.removed, c.accepted, c.quarantined
                ),
            });
        }
        inputs.push(rec);
    }

    // Write the store: one table per kind (empty when the case has no such input).
    let store_dir = out.join(STORE);
    std::fs::create_dir_all(&store_dir).map_err(|e| Error::io(&store_dir, e))?;
    let mut manifest = Manifest {
        tool: "callsift".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        tzdb: crate::normalize::time::tzdb_version().into(),
        phone_metadata: crate::normalize::PHONE_METADATA.into(),
        case_file: case.file.display().to_string(),
        case_sha256: crate::manifest::sha256_file(&case.file)?.0,
        parameters: serde_json::to_value(&case.raw).map_err(|e| Error::store(&case.file, e))?,
        threads,
        inputs,
        outputs: Vec::new(),
        timings_ms: BTreeMap::new(),
    };
    let mut rows = BTreeMap::new();
    let written: Vec<Result<(String, u64)>> = Kind::ALL
        .par_iter()
        .map(|&kind| {
            let batches: Vec<RecordBatch> = case
                .files
                .iter()
                .zip(&files)
                .filter(|(f, _)| f.kind == kind)
                .flat_map(|(_, fo)| fo.loaded.chunks.iter().map(|c| c.batch.clone()))
                .filter(|b| b.num_rows() > 0)
                .collect();
            let n: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
            let rel = format!("{STORE}/{}.parquet", kind.name());
            store::write_parquet(&out.join(&rel), &kind.schema(), &batches)?;
            Ok((rel, n))
        })
        .collect();
    for (kind, w) in Kind::ALL.iter().zip(written) {
        let (rel, n) = w?;
        rows.insert(*kind, n);
        manifest.add_output(out, &rel, Some(n))?;
    }
    let q = quarantine_batch(case, &files)?;
    let qn = q.num_rows() as u64;
    for (rel, csv) in [
        (format!("{STORE}/quarantine.parquet"), false),
        (format!("{STORE}/quarantine.csv"), true),
    ] {
        if csv {
            store::write_csv(&out.join(&rel), std::slice::from_ref(&q))?;
        } else {
            store::write_parquet(
                &out.join(&rel),
                &quarantine_schema(),
                std::slice::from_ref(&q),
            )?;
        }
        manifest.add_output(out, &rel, Some(qn))?;
    }
    manifest
        .timings_ms
        .insert("ingest.read".into(), t_read.as_millis() as u64);
    manifest
        .timings_ms
        .insert("ingest.total".into(), t0.elapsed().as_millis() as u64);
    manifest.write(out)?;
    Ok(IngestReport { manifest, rows })
}

/// The quarantine of every file, in case order then row order.
fn quarantine_batch(case: &Case, files: &[FileOut]) -> Result<RecordBatch> {
    let mut kind_keys = Vec::new();
    let mut file_keys = Vec::new();
    let mut rows = Vec::new();
    let mut cols = StringBuilder::new();
    let mut reasons = StringBuilder::new();
    let mut raws = StringBuilder::new();
    let mut file_names = Vec::new();
    for (fi, (f, fo)) in case.files.iter().zip(files).enumerate() {
        file_names.push(f.name.as_str());
        let mut qs: Vec<&QRow> = fo
            .loaded
            .chunks
            .iter()
            .flat_map(|c| &c.quarantine)
            .collect();
        qs.sort_by_key(|q| q.row);
        for q in qs {
            kind_keys.push(Kind::ALL.iter().position(|k| *k == f.kind).unwrap_or(0) as i32);
            file_keys.push(fi as i32);
            rows.push(q.row);
            cols.append_option(q.column);
            reasons.append_value(&q.reason);
            raws.append_value(&q.raw);
        }
    }
    let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
    let dict = |keys: Vec<i32>, values: Vec<&str>| -> Result<ArrayRef> {
        Ok(Arc::new(
            DictionaryArray::<Int32Type>::try_new(
                Int32Array::from(keys),
                Arc::new(StringArray::from(values)),
            )
            .map_err(|e| Error::store("quarantine", e))?,
        ))
    };
    RecordBatch::try_new(
        quarantine_schema(),
        vec![
            dict(kind_keys, kinds)?,
            dict(file_keys, file_names)?,
            Arc::new(UInt64Array::from(rows)),
            Arc::new(cols.finish()),
            Arc::new(reasons.finish()),
            Arc::new(raws.finish()),
        ],
    )
    .map_err(|e| Error::store("quarantine", e))
}

/// For each calls file (in `calls` order) and each of its chunks, the rows to keep, or `None`
/// when the chunk has no duplicate. A record is a duplicate of an earlier one (in case order,
/// then row order) with the same called number, calling number (or the same caller-ID status
/// when there is no number), start and duration.
/// Sort key of a call record for duplicate detection: (called, start, calling, caller-ID status,
/// duration, then the position: calls file, chunk, row) so the first occurrence sorts first.
type DupKey = (u64, i64, u64, i32, i64, u32, u32, u32);

fn duplicate_masks(calls: &[usize], files: &[FileOut]) -> Result<Vec<Vec<Option<BooleanArray>>>> {
    // (called, start, calling, status, duration, position) for every row.
    let mut keys: Vec<DupKey> = Vec::new();
    for (ci, &fi) in calls.iter().enumerate() {
        for (k, ch) in files[fi].loaded.chunks.iter().enumerate() {
            let b = &ch.batch;
            let called = col(b, "called")?.as_primitive::<UInt64Type>().clone();
            let calling = col(b, "calling")?.as_primitive::<UInt64Type>().clone();
            let status = col(b, "calling_status")?
                .as_dictionary::<Int32Type>()
                .keys()
                .clone();
            let start = col(b, "start")?
                .as_primitive::<TimestampMicrosecondType>()
                .clone();
            let dur = col(b, "duration_ms")?.as_primitive::<Int64Type>().clone();
            for r in 0..b.num_rows() {
                keys.push((
                    called.value(r),
                    start.value(r),
                    if calling.is_valid(r) {
                        calling.value(r)
                    } else {
                        0
                    },
                    status.value(r),
                    if dur.is_valid(r) {
                        dur.value(r)
                    } else {
                        i64::MIN
                    },
                    ci as u32,
                    k as u32,
                    r as u32,
                ));
            }
        }
    }
    keys.par_sort_unstable();
    let mut drop: Vec<(u32, u32, u32)> = keys
        .par_windows(2)
        .filter(|w| {
            w[0].0 == w[1].0
                && w[0].1 == w[1].1
                && w[0].2 == w[1].2
                && w[0].3 == w[1].3
                && w[0].4 == w[1].4
        })
        .map(|w| (w[1].5, w[1].6, w[1].7))
        .collect();
    drop.sort_unstable();
    let mut out: Vec<Vec<Option<BooleanArray>>> = calls
        .iter()
        .map(|&fi| vec![None; files[fi].loaded.chunks.len()])
        .collect();
    let mut i = 0;
    while i < drop.len() {
        let (ci, k, _) = drop[i];
        let n = files[calls[ci as usize]].loaded.chunks[k as usize]
            .batch
            .num_rows();
        let mut keep = vec![true; n];
        while i < drop.len() && drop[i].0 == ci && drop[i].1 == k {
            keep[drop[i].2 as usize] = false;
            i += 1;
        }
        out[ci as usize][k as usize] = Some(BooleanArray::from(keep));
    }
    Ok(out)
}

fn col<'b>(b: &'b RecordBatch, name: &str) -> Result<&'b ArrayRef> {
    b.column_by_name(name)
        .ok_or_else(|| Error::store(name, "missing column in a canonical batch"))
}

/// Where a store table lives.
pub fn table_path(out: &Path, kind: Kind) -> PathBuf {
    out.join(STORE).join(format!("{}.parquet", kind.name()))
}
