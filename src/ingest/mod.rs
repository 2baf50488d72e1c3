//! `callsift ingest`: evidence files in, the case store out.
//!
//! ```text
//!  case.toml ─▶ Case (validated) ─▶ files in parallel ─▶ readers ─▶ canonical batches + quarantine
//!                                                                  │
//!   store/<kind>/part-NNNN.parquet ◀── duplicates removed (calls) ◀┘
//!     (each table split by the partition of its phone number: module `partition`)
//!   store/quarantine.parquet (+ .csv)
//!   store/duplicates.parquet (+ .csv): each removed duplicate and the record it duplicates
//!   manifest.json (hashes, reconciliation, parameters)   ◀── written last
//! ```
//!
//! Every file is read and converted before anything is written: an evidence file that cannot be
//! used as a whole (empty, truncated, a mapped column missing, more of its records quarantined
//! than its profile's `max_quarantine_share` allows) stops the run with an error that names it,
//! and the output folder is left as it was. Per file, rows read = accepted +
//! quarantined + duplicates removed + filtered (left out by the profile's row filter); the run
//! fails loudly if that ever does not hold.

pub mod convert;
mod dedupe;
mod history;
mod parts;
pub mod progress;
mod threshold;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{
    Array, ArrayRef, AsArray, DictionaryArray, Int32Array, RecordBatch, StringArray, StringBuilder,
    UInt32Array, UInt64Array,
};
use arrow::compute::filter_record_batch;
use arrow::datatypes::{DataType, Field, Int32Type, Schema, SchemaRef};
use rayon::prelude::*;

use crate::config::{Case, InputFile};
use crate::error::{Error, Result};
use crate::load::{self, Evidence};
use crate::manifest::{ExplodeCounts, InputRecord, Manifest};
use crate::model::{dict_utf8, ColType, Kind};
use crate::partition::Partitions;
use crate::store;
use dedupe::{duplicate_masks, DupPair};

use convert::Plan;

pub use convert::{ChunkOut, Flags, QRow};
pub use load::RecordCounts;
pub use parts::{read_table, read_table_coded, table_parts};
pub use progress::{Phase, Progress, Silent};
pub use threshold::quarantined_share;

use crate::layout::STORE;

/// The quarantine table's columns.
pub fn quarantine_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("kind", dict_utf8(), false),
        Field::new("source_file", dict_utf8(), false),
        Field::new("source_row", DataType::UInt64, false),
        Field::new("source_item", DataType::UInt32, true),
        Field::new("column", DataType::Utf8, true),
        Field::new("reason", DataType::Utf8, false),
        Field::new("raw", DataType::Utf8, false),
    ]))
}

/// The duplicates table's columns: each removed duplicate call record and the record kept in
/// its place.
pub fn duplicates_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("source_file", dict_utf8(), false),
        Field::new("source_row", DataType::UInt64, false),
        Field::new("source_item", DataType::UInt32, true),
        Field::new("kept_file", dict_utf8(), false),
        Field::new("kept_row", DataType::UInt64, false),
        Field::new("kept_item", DataType::UInt32, true),
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

/// What reading one evidence file gave: its converted chunks, the records as its reader handed
/// them over, and the file's facts.
pub type Loaded = load::Loaded<ChunkOut>;

/// Reads one evidence file with the reader its format calls for, converting its records to the
/// canonical columns of its kind (the converter is the reader's record sink).
///
/// # Errors
/// [`Error::Input`] when the file as a whole cannot be used (empty, truncated, missing or
/// duplicated columns), naming the file and, where one is to blame, the line; [`Error::Io`]
/// when it cannot be read.
pub fn read_file(file: &InputFile) -> Result<Loaded> {
    let ev = Evidence {
        path: &file.path,
        format: file.format,
        spec: &file.spec,
    };
    load::read(&ev, |header| Plan::new(file, header))
}

/// Runs ingest: reads every evidence file of `case` and writes the case store under `out`
/// (created with its parents if missing). The command line writes through
/// [`crate::outdir::OutDir`] and [`run_in`] instead, so that a run is complete or absent.
///
/// # Errors
/// As [`run_in`]; [`Error::Io`] when `out` cannot be created.
pub fn run(case: &Case, out: &Path, threads: usize) -> Result<IngestReport> {
    ingest(case, out, threads, true, Partitions::default(), &Silent)
}

/// Runs ingest into the folder `out`, which exists (a staged run): no folder above `out/store`
/// is ever created, so an interrupted run that removed its staging folder cannot bring it back.
///
/// # Errors
/// The first (in case order) file that cannot be used, before anything is written; I/O errors;
/// [`Error::Reconciliation`] if the counts of a file do not add up.
pub fn run_in(case: &Case, out: &Path, threads: usize) -> Result<IngestReport> {
    ingest(case, out, threads, false, Partitions::default(), &Silent)
}

/// [`run_in`], telling `progress` which file it reads and which phase it is in (the command
/// line's progress bars).
///
/// # Errors
/// As [`run_in`].
pub fn run_in_with(
    case: &Case,
    out: &Path,
    threads: usize,
    progress: &dyn Progress,
) -> Result<IngestReport> {
    ingest(case, out, threads, false, Partitions::default(), progress)
}

/// [`run_in_with`], splitting the store's tables as `partitions` says (`--partitions N` or
/// `--memory SIZE`); the results do not depend on it, only the store's files do.
///
/// # Errors
/// As [`run_in`].
pub fn run_in_partitioned(
    case: &Case,
    out: &Path,
    threads: usize,
    partitions: Partitions,
    progress: &dyn Progress,
) -> Result<IngestReport> {
    ingest(case, out, threads, false, partitions, progress)
}

/// [`run`] (`make_out`: `out` is created once every file is read) or [`run_in`].
fn ingest(
    case: &Case,
    out: &Path,
    threads: usize,
    make_out: bool,
    partitions: Partitions,
    progress: &dyn Progress,
) -> Result<IngestReport> {
    let t0 = Instant::now();
    progress.phase(Phase::Read);
    let results: Vec<Result<Loaded>> = case
        .files
        .par_iter()
        .enumerate()
        .map(|(i, f)| {
            progress.file_started(i);
            let r = read_file(f);
            progress.file_done(i);
            r
        })
        .collect();
    let mut files = Vec::with_capacity(results.len());
    for r in results {
        files.push(FileOut {
            loaded: r?,
            removed: 0,
        });
    }
    let t_read = t0.elapsed();
    progress.phase(Phase::Dedupe);
    threshold::check(case, &files)?;
    let mut dups = remove_duplicates(case, &mut files)?;
    dups.extend(history::supersede(case, &mut files)?);
    dups.sort_unstable();
    let t_dedupe = t0.elapsed();
    // Reconcile before writing.
    let inputs = reconcile(case, &files)?;

    // Write the store: one table per kind (empty when the case has no such input).
    progress.phase(Phase::Write);
    if make_out {
        crate::outdir::create_dir_all(out)?;
    }
    crate::outdir::create_dir(&out.join(STORE))?;
    let mut manifest = new_manifest(case, threads, inputs)?;
    manifest.store_partitions = partitions.resolve(manifest.inputs.iter().map(|i| i.bytes).sum());
    let (rows, t_tables) = parts::write_tables(case, &files, out, &mut manifest, t0)?;
    write_quarantine(case, &files, out, &mut manifest)?;
    write_duplicates(case, &dups, out, &mut manifest)?;
    for (step, ms) in [
        ("ingest.read", t_read),
        ("ingest.dedupe", t_dedupe - t_read),
        ("ingest.write_tables", t_tables - t_dedupe),
        ("ingest.total", t0.elapsed()),
    ] {
        manifest
            .timings_ms
            .insert(step.into(), ms.as_millis() as u64);
    }
    manifest.write(out)?;
    Ok(IngestReport { manifest, rows })
}

/// Removes exact duplicate call records: the first (in case order) is kept. Returns each
/// removed record and the one it repeats.
fn remove_duplicates(case: &Case, files: &mut [FileOut]) -> Result<Vec<DupPair>> {
    let calls: Vec<usize> = (0..files.len())
        .filter(|&i| case.files[i].kind == Kind::Calls)
        .collect();
    let (masks, dups) = duplicate_masks(&calls, files)?;
    for (&fi, file_masks) in calls.iter().zip(masks) {
        let f = &mut files[fi];
        let removed: Vec<Result<u64>> = f
            .loaded
            .chunks
            .par_iter_mut()
            .zip(file_masks)
            .map(|(chunk, keep)| {
                let Some(keep) = keep else { return Ok(0) };
                let before = chunk.batch.num_rows();
                chunk.batch = filter_record_batch(&chunk.batch, &keep)
                    .map_err(|e| Error::store("calls", e))?;
                Ok((before - chunk.batch.num_rows()) as u64)
            })
            .collect();
        for r in removed {
            f.removed += r?;
        }
    }
    Ok(dups)
}

/// Every file's record for the manifest, its rows reconciled: rows read = accepted +
/// quarantined + duplicates removed + filtered, against what is stored and quarantined.
fn reconcile(case: &Case, files: &[FileOut]) -> Result<Vec<InputRecord>> {
    let mut inputs = Vec::with_capacity(files.len());
    let mut profile_hashes: BTreeMap<&str, String> = BTreeMap::new();
    for (f, fo) in case.files.iter().zip(files) {
        let profile_sha256 = match profile_file(case, &f.profile_name) {
            Some(p) => Some(match profile_hashes.get(f.profile_name.as_str()) {
                Some(h) => h.clone(),
                None => {
                    let h = crate::digest::sha256_file(&p)?.0;
                    profile_hashes.insert(&f.profile_name, h.clone());
                    h
                }
            }),
            None => None,
        };
        inputs.push(input_record(f, fo, profile_sha256)?);
    }
    Ok(inputs)
}

/// One file's record for the manifest.
///
/// # Errors
/// [`Error::Reconciliation`] when its counts do not add up.
fn input_record(
    f: &InputFile,
    fo: &FileOut,
    profile_sha256: Option<String>,
) -> Result<InputRecord> {
    let c = &fo.loaded.counts;
    let mut flags = Flags::default();
    let mut stored = 0u64;
    let mut quarantined = 0u64;
    let mut filtered = 0u64;
    for ch in &fo.loaded.chunks {
        flags.add(&ch.flags);
        stored += ch.batch.num_rows() as u64;
        quarantined += ch.quarantine.len() as u64;
        filtered += ch.filtered;
    }
    // The converter counted flags over every converted row; the manifest reports accepted
    // rows, so for calls (where duplicates were removed) they are counted again from the
    // rows that are kept.
    let (ambiguous, blocked, invalid) = if f.kind == Kind::Calls {
        let mut t = (0, 0, 0);
        for ch in &fo.loaded.chunks {
            let (a, b, i) = flag_counts(&ch.batch, f.kind)?;
            t = (t.0 + a, t.1 + b, t.2 + i);
        }
        t
    } else {
        (flags.ambiguous_times, flags.blocked_ids, flags.invalid_ids)
    };
    let rec = InputRecord {
        path: f.name.clone(),
        kind: f.kind.name().into(),
        format: f.format.name().into(),
        profile: f.profile_name.clone(),
        profile_sha256,
        encoding: fo.loaded.encoding.into(),
        bytes: fo.loaded.bytes,
        sha256: fo.loaded.sha256.clone(),
        rows_read: c.rows_read,
        accepted: stored,
        quarantined,
        duplicates_removed: fo.removed,
        filtered,
        row_filter: (!f.spec.filter.is_empty()).then(|| f.spec.filter.clone()),
        lines_skipped: fo.loaded.skipped,
        blank_lines: c.blank_lines,
        ambiguous_times: ambiguous,
        blocked_caller_ids: blocked,
        invalid_caller_ids: invalid,
        unused_columns: fo.loaded.unused_columns.clone(),
        explode: f.spec.explode.as_ref().map(|column| ExplodeCounts {
            column: column.clone(),
            records_read: c.records,
            items_read: c.items,
            records_quarantined: c.rows_read - c.items,
        }),
    };
    if !rec.reconciles()
        || c.accepted != stored + fo.removed
        || c.quarantined != quarantined
        || c.filtered != filtered
    {
        return Err(Error::Reconciliation {
            file: f.path.clone(),
            msg: format!(
                "rows read {} != accepted {} + quarantined {} + duplicates removed {} + \
                 filtered {} (the reader handed over {} accepted, {} quarantined, {} filtered)",
                rec.rows_read,
                stored,
                quarantined,
                fo.removed,
                filtered,
                c.accepted,
                c.quarantined,
                c.filtered
            ),
        });
    }
    Ok(rec)
}

/// The run manifest before its outputs: tool, versions, the case and its parameters, inputs.
fn new_manifest(case: &Case, threads: usize, inputs: Vec<InputRecord>) -> Result<Manifest> {
    Ok(Manifest {
        tool: "callsift".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        git_commit: Some(crate::audit::GIT_COMMIT.into()),
        tzdb: crate::normalize::time::tzdb_version().into(),
        phone_metadata: crate::normalize::PHONE_METADATA.into(),
        case_file: case.file.display().to_string(),
        case_sha256: crate::digest::sha256_file(&case.file)?.0,
        parameters: serde_json::to_value(&case.raw).map_err(|e| Error::store(&case.file, e))?,
        threads,
        store_partitions: 1,
        inputs,
        outputs: Vec::new(),
        timings_ms: BTreeMap::new(),
        pseudonymization: None,
    })
}

/// Writes the quarantine (Parquet and its CSV twin) and adds it to the manifest.
fn write_quarantine(
    case: &Case,
    files: &[FileOut],
    out: &Path,
    manifest: &mut Manifest,
) -> Result<()> {
    let q = quarantine_batch(case, files)?;
    let qn = q.num_rows() as u64;
    let rel = format!("{STORE}/quarantine.parquet");
    store::write_parquet(
        &out.join(&rel),
        &quarantine_schema(),
        std::slice::from_ref(&q),
    )?;
    manifest.add_output(out, &rel, Some(qn))?;
    let rel = format!("{STORE}/quarantine.csv");
    store::write_csv(&out.join(&rel), std::slice::from_ref(&q))?;
    manifest.add_output(out, &rel, Some(qn))
}

/// Writes the duplicates table (Parquet and its CSV twin) and adds it to the manifest.
fn write_duplicates(
    case: &Case,
    dups: &[DupPair],
    out: &Path,
    manifest: &mut Manifest,
) -> Result<()> {
    let d = duplicates_batch(case, dups)?;
    let dn = d.num_rows() as u64;
    let rel = format!("{STORE}/duplicates.parquet");
    store::write_parquet(
        &out.join(&rel),
        &duplicates_schema(),
        std::slice::from_ref(&d),
    )?;
    manifest.add_output(out, &rel, Some(dn))?;
    let rel = format!("{STORE}/duplicates.csv");
    store::write_csv(&out.join(&rel), std::slice::from_ref(&d))?;
    manifest.add_output(out, &rel, Some(dn))
}

/// The quarantine of every file, in case order then row order.
fn quarantine_batch(case: &Case, files: &[FileOut]) -> Result<RecordBatch> {
    let mut kind_keys = Vec::new();
    let mut file_keys = Vec::new();
    let mut rows = Vec::new();
    let mut items = Vec::new();
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
        qs.sort_by_key(|q| (q.row, q.item));
        for q in qs {
            kind_keys.push(Kind::ALL.iter().position(|k| *k == f.kind).unwrap_or(0) as i32);
            file_keys.push(fi as i32);
            rows.push(q.row);
            items.push(q.item);
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
            Arc::new(UInt32Array::from(items)),
            Arc::new(cols.finish()),
            Arc::new(reasons.finish()),
            Arc::new(raws.finish()),
        ],
    )
    .map_err(|e| Error::store("quarantine", e))
}

/// The duplicates table: every removed duplicate, in case order then row order.
fn duplicates_batch(case: &Case, dups: &[DupPair]) -> Result<RecordBatch> {
    let names: Vec<&str> = case.files.iter().map(|f| f.name.as_str()).collect();
    let dict = |keys: Vec<i32>| -> Result<ArrayRef> {
        Ok(Arc::new(
            DictionaryArray::<Int32Type>::try_new(
                Int32Array::from(keys),
                Arc::new(StringArray::from(names.clone())),
            )
            .map_err(|e| Error::store("duplicates", e))?,
        ))
    };
    RecordBatch::try_new(
        duplicates_schema(),
        vec![
            dict(dups.iter().map(|d| d.file as i32).collect())?,
            Arc::new(UInt64Array::from(
                dups.iter().map(|d| d.row).collect::<Vec<_>>(),
            )),
            Arc::new(UInt32Array::from(
                dups.iter().map(|d| d.item).collect::<Vec<_>>(),
            )),
            dict(dups.iter().map(|d| d.kept_file as i32).collect())?,
            Arc::new(UInt64Array::from(
                dups.iter().map(|d| d.kept_row).collect::<Vec<_>>(),
            )),
            Arc::new(UInt32Array::from(
                dups.iter().map(|d| d.kept_item).collect::<Vec<_>>(),
            )),
        ],
    )
    .map_err(|e| Error::store("duplicates", e))
}

/// Accepted rows of a canonical batch with a time in a fall-back fold (a row counts once), with
/// a blocked caller ID and with an invalid caller ID (summed over caller-ID columns): the
/// counts the converter keeps, taken again from the rows as they are.
fn flag_counts(b: &RecordBatch, kind: Kind) -> Result<(u64, u64, u64)> {
    let n = b.num_rows();
    let mut ambiguous = vec![false; n];
    let (mut blocked, mut invalid) = (0u64, 0u64);
    for spec in kind.columns() {
        match spec.ty {
            ColType::Time => {
                let a = col(b, &format!("{}_ambiguous", spec.name))?.as_boolean();
                for (r, amb) in ambiguous.iter_mut().enumerate() {
                    *amb |= a.is_valid(r) && a.value(r);
                }
            }
            ColType::Phone if !spec.required => {
                let d = col(b, &format!("{}_status", spec.name))?.as_dictionary::<Int32Type>();
                let values = d.values().as_string::<i32>();
                let key_of = |s: &str| (0..values.len()).find(|&i| values.value(i) == s);
                let (kb, ki) = (key_of("blocked"), key_of("invalid"));
                for r in 0..n {
                    if d.is_valid(r) {
                        let key = Some(d.keys().value(r) as usize);
                        blocked += u64::from(key == kb);
                        invalid += u64::from(key == ki);
                    }
                }
            }
            _ => {}
        }
    }
    let ambiguous = ambiguous.iter().filter(|&&a| a).count() as u64;
    Ok((ambiguous, blocked, invalid))
}

/// The profile file of an input, when its profile was read from a `.toml` path (resolved as
/// the case loader does: a built-in or a profile defined in the case manifest comes first).
fn profile_file(case: &Case, name: &str) -> Option<PathBuf> {
    (!name.starts_with("builtin:")
        && !case.raw.profiles.contains_key(name)
        && name.ends_with(".toml"))
    .then(|| case.dir.join(name))
}

fn col<'b>(b: &'b RecordBatch, name: &str) -> Result<&'b ArrayRef> {
    b.column_by_name(name)
        .ok_or_else(|| Error::store(name, "missing column in a canonical batch"))
}
