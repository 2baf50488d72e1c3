//! `callsift ingest`: evidence files in, the case store out, in memory bounded by a budget
//! (`--memory`), not by the case.
//!
//! ```text
//!  case.toml ─▶ Case ─▶ files in parallel ─▶ readers ─▶ chunks ─┬─▶ quarantine rows, counts per file
//!                        (each streams its chunks)              └─▶ rows split by part ─▶ staging
//!                                                                   (held; spilled to OUT/.staging-XXXX
//!                                                                    past a quarter of the budget)
//!  per part, in waves that fit half the budget:
//!    its rows back in case order ─▶ duplicates removed (calls) ─▶ history superseded (population)
//!      ─▶ store/<kind>/part-NNNN.parquet, written in the staging folder
//!  then: checks ─▶ parts moved into OUT/store/ ─▶ store/quarantine.parquet (+ .csv)
//!        ─▶ store/duplicates.parquet (+ .csv) ─▶ manifest.json (written last)
//! ```
//!
//! Every file is read, and every part worked, before anything is written to the store: an
//! evidence file that cannot be used as a whole (empty, truncated, a mapped column missing,
//! more of its records quarantined than its profile's `max_quarantine_share` allows, a
//! population number listed again without `latest_by`) stops the run with an error that names
//! it, the staging folder is removed, and the store is left as it was. Per file, rows read =
//! accepted + quarantined + duplicates removed + filtered (left out by the profile's row
//! filter); the run fails loudly if that ever does not hold. The counts are kept as the chunks
//! and the parts go by, not recounted from rows held.
//!
//! Duplicate calls share their called number and a population number's rows share the number,
//! so both are found part by part (module `partition`); the store's bytes are those of a run
//! that held every file whole, for any part count and any budget.
//!
//! Memory: the staged rows held stay under a quarter of the budget (module `staging`); the
//! parts worked at once, under half of it by their estimate (twice their staged bytes); the
//! rest is for the readers' windows (a delimited-text file is read in 32 MiB windows; an
//! xlsx, Parquet, Arrow IPC or JSON-lines file is read whole), the quarantine rows (held) and
//! the Parquet writers' row groups. A part must fit on its own: with `--partitions N` too few
//! for the case, a part is as large as the case divided by N.

pub mod convert;
mod dedupe;
mod history;
mod parts;
pub mod progress;
mod staging;
mod threshold;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{
    Array, ArrayRef, AsArray, DictionaryArray, Int32Array, RecordBatch, StringArray, StringBuilder,
    UInt32Array, UInt64Array,
};
use arrow::datatypes::{DataType, Field, Int32Type, Schema, SchemaRef};
use rayon::prelude::*;

use crate::config::{Case, InputFile};
use crate::error::{Error, Result};
use crate::load::{self, Evidence};
use crate::manifest::{ExplodeCounts, InputRecord, Manifest};
use crate::model::{dict_utf8, ColType, Kind};
use crate::partition::Partitions;
use crate::store;
use dedupe::DupPair;

use convert::Plan;

pub use convert::{ChunkOut, Flags, QRow};
pub use load::RecordCounts;
pub use parts::{merge_in_case_order, read_table, read_table_coded, table_parts};
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

/// One evidence file as ingest counts it: the reader's facts and counts (its `chunks` empty:
/// they went to the staging folder), its quarantine, what its chunks counted, and what the
/// parts added.
struct FileOut {
    loaded: Loaded,
    /// Its quarantined records, in the order its chunks gave them.
    quarantine: Vec<QRow>,
    /// Flags the converter counted over its converted rows.
    flags: Flags,
    /// Records its row filter left out.
    filtered: u64,
    /// Rows stored, removed, and flags counted again over the calls kept.
    tally: parts::Tally,
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
    let memory = crate::partition::default_memory();
    ingest(
        case,
        out,
        threads,
        true,
        Budget::new(Partitions::Budget(memory), memory),
        &Silent,
    )
}

/// [`run`], splitting the store as `partitions` says and holding about `memory` bytes at most
/// (the staged rows spill to disk past a quarter of it); neither changes what is written.
///
/// # Errors
/// As [`run`].
pub fn run_with_budget(
    case: &Case,
    out: &Path,
    threads: usize,
    partitions: Partitions,
    memory: u64,
) -> Result<IngestReport> {
    ingest(
        case,
        out,
        threads,
        true,
        Budget::new(partitions, memory),
        &Silent,
    )
}

/// Runs ingest into the folder `out`, which exists (a staged run): no folder above `out/store`
/// is ever created, so an interrupted run that removed its staging folder cannot bring it back.
///
/// # Errors
/// The first (in case order) file that cannot be used, before anything is written; I/O errors;
/// [`Error::Reconciliation`] if the counts of a file do not add up.
pub fn run_in(case: &Case, out: &Path, threads: usize) -> Result<IngestReport> {
    run_in_partitioned(case, out, threads, Partitions::default(), &Silent)
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
    run_in_partitioned(case, out, threads, Partitions::default(), progress)
}

/// [`run_in_with`], splitting the store's tables as `partitions` says (`--partitions N` or
/// `--memory SIZE`); the results do not depend on it, only the store's files do. The memory
/// budget is the one `partitions` names, or the default one for a fixed count.
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
    let memory = match partitions {
        Partitions::Budget(m) => m,
        Partitions::Fixed(_) => crate::partition::default_memory(),
    };
    ingest(
        case,
        out,
        threads,
        false,
        Budget::new(partitions, memory),
        progress,
    )
}

/// How the store is split and how much memory ingest may hold.
#[derive(Clone, Copy, Debug)]
struct Budget {
    partitions: Partitions,
    memory: u64,
}

impl Budget {
    fn new(partitions: Partitions, memory: u64) -> Budget {
        Budget { partitions, memory }
    }
}

/// [`run`] (`make_out`: `out` is created, with its missing parents, and removed again if the
/// run fails) or [`run_in`].
fn ingest(
    case: &Case,
    out: &Path,
    threads: usize,
    make_out: bool,
    budget: Budget,
    progress: &dyn Progress,
) -> Result<IngestReport> {
    let made = if make_out {
        let top = out
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
            .last()
            .map(Path::to_path_buf);
        crate::outdir::create_dir_all(out)?;
        top
    } else {
        None
    };
    let r = ingest_in(case, out, threads, budget, progress);
    if let (Err(_), Some(top)) = (&r, made) {
        // Put the folders this run created back as they were (only while empty).
        for dir in out.ancestors() {
            if std::fs::remove_dir(dir).is_err() || dir == top {
                break;
            }
        }
    }
    r
}

/// Ingest into `out`, which exists: every file read, its rows staged by part
/// (`out/.staging-XXXX`, removed however this ends), the parts worked, checked and moved into
/// `out/store`, then the quarantine, the duplicates and the manifest.
fn ingest_in(
    case: &Case,
    out: &Path,
    threads: usize,
    budget: Budget,
    progress: &dyn Progress,
) -> Result<IngestReport> {
    let t0 = Instant::now();
    let sizes = case
        .files
        .iter()
        .map(|f| std::fs::metadata(&f.path).map_or(0, |m| m.len()))
        .collect::<Vec<u64>>();
    let evidence: u64 = sizes.iter().sum();
    let parts = budget.partitions.resolve(evidence);
    let spills = (
        staging::spill_limit(budget.memory),
        staging::compress_spills(out, evidence),
    );
    let staging = staging::Staging::new(out, parts, spills)?;
    progress.phase(Phase::Read);
    let mut files = read_all(case, &staging, &sizes, progress)?;
    let t_read = t0.elapsed();
    progress.phase(Phase::Dedupe);
    threshold::check(case, &files)?;
    let worked = parts::work(case, &staging, staging::part_budget(budget.memory))?;
    if let Some(repeat) = worked.repeat {
        return Err(repeat.error(case));
    }
    for (fo, t) in files.iter_mut().zip(&worked.tallies) {
        fo.tally = *t;
    }
    let t_dedupe = t0.elapsed();
    // Reconcile before writing.
    let inputs = reconcile(case, &files)?;

    // Write the store: one table per kind (empty when the case has no such input).
    progress.phase(Phase::Write);
    let mut manifest = new_manifest(case, threads, inputs)?;
    manifest.store_partitions = parts;
    parts::commit(&staging, out, &worked.tables)?;
    let tables: Vec<(String, Option<u64>)> = worked
        .tables
        .iter()
        .map(|(_, rel, n)| (rel.clone(), Some(*n)))
        .collect();
    manifest.add_outputs(out, &tables)?;
    let mut rows: BTreeMap<Kind, u64> = Kind::ALL.iter().map(|k| (*k, 0)).collect();
    for (kind, _, n) in &worked.tables {
        *rows.entry(*kind).or_default() += n;
    }
    let t_tables = t0.elapsed();
    write_quarantine(case, &files, out, &mut manifest)?;
    write_duplicates(case, &worked.dups, out, &mut manifest)?;
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
    let dir = staging.path().to_path_buf();
    staging.close().map_err(|e| Error::io(&dir, e))?;
    manifest.write(out)?;
    Ok(IngestReport { manifest, rows })
}

/// Reads every evidence file (in parallel), staging its rows by part as its chunks come;
/// `sizes` are the files' sizes as the part count was worked out from them.
///
/// # Errors
/// The first file (in case order) that cannot be read, or that changed size while it was.
fn read_all(
    case: &Case,
    staging: &staging::Staging,
    sizes: &[u64],
    progress: &dyn Progress,
) -> Result<Vec<FileOut>> {
    let results: Vec<Result<FileOut>> = case
        .files
        .par_iter()
        .enumerate()
        .map(|(i, f)| {
            progress.file_started(i);
            let r = read_staged(i, f, staging);
            progress.file_done(i);
            r
        })
        .collect();
    let mut files = Vec::with_capacity(results.len());
    for ((r, f), &size) in results.into_iter().zip(&case.files).zip(sizes) {
        let fo = r?;
        if fo.loaded.bytes != size {
            return Err(Error::input(
                &f.path,
                None,
                format!(
                    "the file changed while it was read ({size} bytes before, {} after); \
                     evidence must not change during ingest",
                    fo.loaded.bytes
                ),
            ));
        }
        files.push(fo);
    }
    Ok(files)
}

/// Reads the evidence file `case.files[index]` as it streams: each converted chunk's rows are
/// staged by part, its quarantine and counts kept.
fn read_staged(index: usize, file: &InputFile, staging: &staging::Staging) -> Result<FileOut> {
    let ev = Evidence {
        path: &file.path,
        format: file.format,
        spec: &file.spec,
    };
    let mut quarantine = Vec::new();
    let mut flags = Flags::default();
    let mut filtered = 0u64;
    let mut chunk = 0usize;
    let mut emit = |c: ChunkOut| -> Result<()> {
        quarantine.extend(c.quarantine);
        flags.add(&c.flags);
        filtered += c.filtered;
        staging.push(file.kind, index, chunk, c.batch, &c.order)?;
        chunk += 1;
        Ok(())
    };
    let loaded = load::read_each(&ev, |header| Plan::new(file, header), &mut emit)?;
    Ok(FileOut {
        loaded,
        quarantine,
        flags,
        filtered,
        tally: parts::Tally::default(),
    })
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
    let t = &fo.tally;
    let stored = t.stored;
    let quarantined = fo.quarantine.len() as u64;
    let filtered = fo.filtered;
    // The converter counted flags over every converted row; the manifest reports accepted
    // rows, so for calls (where duplicates were removed) they were counted again from the
    // rows that are kept, part by part.
    let (ambiguous, blocked, invalid) = if f.kind == Kind::Calls {
        (t.ambiguous, t.blocked, t.invalid)
    } else {
        let g = &fo.flags;
        (g.ambiguous_times, g.blocked_ids, g.invalid_ids)
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
        duplicates_removed: t.removed,
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
        || c.accepted != stored + t.removed
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
                t.removed,
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
        let mut qs: Vec<&QRow> = fo.quarantine.iter().collect();
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
