//! The output side of `callsift verify`: every claim of a manifest that the output folder's
//! files can confirm (outputs, unlisted files, reconciliation, figures, parameters, audit log).

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::Path;

use super::{is_inside, Manifest, OutputRecord, Problem, Verification, UNLISTED_ALLOWED};
use crate::config::CaseFile;
use crate::digest::sha256_file;
use crate::error::Error;
use crate::layout::{AUDIT, MANIFEST, RESULTS, STORE};
use crate::model::Kind;

/// Every output: size, SHA-256, and the recorded rows against the file. Returns the row count
/// read from each table file that could be read (by path).
pub(super) fn check_outputs(
    dir: &Path,
    m: &Manifest,
    v: &mut Verification,
) -> BTreeMap<String, u64> {
    use rayon::prelude::*;
    let mut seen = BTreeSet::new();
    for o in &m.outputs {
        if !seen.insert(o.path.as_str()) {
            v.fail(&o.path, "listed-twice", "listed more than once in outputs");
        }
    }
    let found: Vec<(Vec<Problem>, Option<u64>)> =
        m.outputs.par_iter().map(|o| check_output(dir, o)).collect();
    let mut tables = BTreeMap::new();
    for (o, (problems, rows)) in m.outputs.iter().zip(found) {
        v.checked += 1;
        v.problems.extend(problems);
        if let Some(n) = rows {
            tables.insert(o.path.clone(), n);
        }
    }
    tables
}

fn check_output(dir: &Path, o: &OutputRecord) -> (Vec<Problem>, Option<u64>) {
    let mut p = Vec::new();
    let mut fail = |check, message: String| {
        p.push(Problem {
            file: o.path.clone(),
            check,
            message,
        })
    };
    if !is_inside(&o.path) {
        fail(
            "path",
            "an output path must lie inside the output folder".into(),
        );
        return (p, None);
    }
    let path = dir.join(&o.path);
    match sha256_file(&path) {
        Err(_) if !path.exists() => {
            fail(
                "missing",
                "listed in the manifest but not in the folder".into(),
            );
            return (p, None);
        }
        Err(e) => {
            fail("read", e.to_string());
            return (p, None);
        }
        Ok((h, n)) => {
            if n != o.bytes {
                fail(
                    "size",
                    format!("{n} bytes, the manifest records {}", o.bytes),
                );
            }
            if h != o.sha256 {
                fail(
                    "sha256",
                    format!("SHA-256 {h} differs from the recorded {}", o.sha256),
                );
            }
        }
    }
    let ext = Path::new(&o.path)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let counted = match ext.as_str() {
        "parquet" => {
            Some(parquet_rows(&path).map_err(|e| format!("not a readable Parquet file: {e}")))
        }
        "csv" => Some(
            csv_records(&path)
                .map(|n| n.saturating_sub(1))
                .map_err(|e| format!("cannot be read as CSV: {e}")),
        ),
        "json" => {
            if let Err(e) = std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|b| {
                    serde_json::from_slice::<serde_json::Value>(&b).map_err(|e| e.to_string())
                })
            {
                fail("format", format!("not JSON: {e}"));
            }
            None
        }
        _ => None,
    };
    let rows = match counted {
        None => {
            if let Some(r) = o.rows {
                fail(
                    "rows",
                    format!("{r} rows recorded for a file that is not a table"),
                );
            }
            None
        }
        Some(Err(e)) => {
            fail("format", e);
            None
        }
        Some(Ok(n)) => {
            match o.rows {
                Some(r) if r == n => {}
                Some(r) => fail(
                    "rows",
                    format!("the manifest records {r} rows, the file holds {n}"),
                ),
                None => fail(
                    "rows",
                    format!("a table of {n} rows with no row count recorded"),
                ),
            }
            Some(n)
        }
    };
    (p, rows)
}

/// Rows of a Parquet file, from its footer.
fn parquet_rows(path: &Path) -> std::result::Result<u64, String> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let r = SerializedFileReader::new(f).map_err(|e| e.to_string())?;
    u64::try_from(r.metadata().file_metadata().num_rows()).map_err(|e| e.to_string())
}

/// Records of a CSV file (the header included), counted with the quoting rules the store's
/// writer uses, so a quoted line break does not count twice.
fn csv_records(path: &Path) -> std::io::Result<u64> {
    use csv_core::ReadRecordResult;
    let mut f = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path)?);
    let mut rdr = csv_core::Reader::new();
    let mut out = vec![0u8; 1 << 16];
    let mut ends = vec![0usize; 1024];
    let mut n = 0u64;
    loop {
        let (res, used) = {
            let input = f.fill_buf()?;
            let (res, used, _, _) = rdr.read_record(input, &mut out, &mut ends);
            (res, used)
        };
        f.consume(used);
        match res {
            ReadRecordResult::InputEmpty
            | ReadRecordResult::OutputFull
            | ReadRecordResult::OutputEndsFull => {}
            ReadRecordResult::Record => n += 1,
            ReadRecordResult::End => return Ok(n),
        }
    }
}

/// Files in the folder that the manifest does not list.
pub(super) fn check_unlisted(dir: &Path, m: &Manifest, v: &mut Verification) {
    let listed: BTreeSet<&str> = m.outputs.iter().map(|o| o.path.as_str()).collect();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, prefix)) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) => {
                let name = if prefix.is_empty() {
                    "."
                } else {
                    prefix.as_str()
                };
                v.fail(name, "unlisted", format!("folder cannot be listed: {e}"));
                continue;
            }
        };
        let mut names: Vec<(String, bool)> = Vec::new();
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            // Not followed: a link is reported as what it is, an unlisted entry.
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
            names.push((name, is_dir));
        }
        names.sort();
        for (name, is_dir) in names {
            let rel = format!("{prefix}{name}");
            if is_dir {
                stack.push((d.join(&name), format!("{rel}/")));
            } else if !listed.contains(rel.as_str()) && !UNLISTED_ALLOWED.contains(&rel.as_str()) {
                v.fail(
                    rel,
                    "unlisted",
                    "in the folder but not listed in the manifest (added after the run?)",
                );
            }
        }
    }
}

/// Each input's reconciliation, and the store's tables against the inputs' counts.
pub(super) fn check_reconciliation(
    dir: &Path,
    m: &Manifest,
    tables: &BTreeMap<String, u64>,
    v: &mut Verification,
) {
    let store = STORE;
    for i in &m.inputs {
        if !i.reconciles() {
            v.fail(
                &i.path,
                "reconciliation",
                match &i.explode {
                    Some(x) => format!(
                        "rows read {} != accepted {} + quarantined {} + duplicates removed {} + \
                         filtered {}, or != items read {} + records quarantined whole {} (of {} \
                         records)",
                        i.rows_read,
                        i.accepted,
                        i.quarantined,
                        i.duplicates_removed,
                        i.filtered,
                        x.items_read,
                        x.records_quarantined,
                        x.records_read
                    ),
                    None => format!(
                        "rows read {} != accepted {} + quarantined {} + duplicates removed {} + \
                         filtered {}",
                        i.rows_read, i.accepted, i.quarantined, i.duplicates_removed, i.filtered
                    ),
                },
            );
        }
        if !Kind::ALL.iter().any(|k| k.name() == i.kind) {
            v.fail(&i.path, "kind", format!("unknown kind {:?}", i.kind));
        }
    }
    let rows_of = |rel: &str| rows_of(dir, tables, rel);
    check_store_tables(m, &rows_of, v);
    let mut sums: Vec<(String, String, u64)> = Vec::new();
    let q: u64 = m.inputs.iter().map(|i| i.quarantined).sum();
    let d: u64 = m.inputs.iter().map(|i| i.duplicates_removed).sum();
    for ext in ["parquet", "csv"] {
        sums.push((
            format!("{store}/quarantine.{ext}"),
            "quarantined rows of the inputs".into(),
            q,
        ));
        sums.push((
            format!("{store}/duplicates.{ext}"),
            "duplicates removed from the inputs".into(),
            d,
        ));
    }
    for (rel, what, want) in sums {
        match rows_of(&rel) {
            Ok(n) if n == want => {}
            Ok(n) => v.fail(
                rel,
                "reconciliation",
                format!("holds {n} rows; the manifest's {what} add up to {want}"),
            ),
            Err(e) => v.fail(
                rel,
                "reconciliation",
                format!(
                    "store table cannot be counted ({e}); the manifest's {what} add up to {want}"
                ),
            ),
        }
    }
}

/// `results/figures.json` repeats each input's counts: they must be the manifest's.
pub(super) fn check_figures(dir: &Path, m: &Manifest, v: &mut Verification) {
    let rel = format!("{}/figures.json", RESULTS);
    if !m.outputs.iter().any(|o| o.path == rel) {
        return;
    }
    let Ok(fig) = std::fs::read(dir.join(&rel))
        .map_err(|_| ())
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).map_err(|_| ()))
    else {
        return; // reported by the output checks
    };
    let want: Vec<serde_json::Value> = m
        .inputs
        .iter()
        .map(|i| {
            serde_json::json!({
                "path": i.path, "kind": i.kind, "rows_read": i.rows_read, "accepted": i.accepted,
                "quarantined": i.quarantined, "duplicates_removed": i.duplicates_removed,
                "filtered": i.filtered,
            })
        })
        .collect();
    let got = fig.get("inputs").and_then(|x| x.as_array());
    if got != Some(&want) {
        v.fail(
            rel,
            "inputs",
            "the inputs and counts in figures.json are not the manifest's inputs",
        );
    }
}

/// The recorded parameters, validated as a case manifest is.
pub(super) fn check_parameters(m: &Manifest, v: &mut Verification) {
    match serde_json::from_value::<CaseFile>(m.parameters.clone()) {
        Err(e) => v.fail(
            MANIFEST,
            "parameters",
            format!("parameters are not a case manifest: {e}"),
        ),
        Ok(c) => {
            if let Err(e) = c.validate(Path::new(&m.case_file)) {
                let msg = match e {
                    Error::Config { msg, .. } => msg,
                    e => e.to_string(),
                };
                v.fail(MANIFEST, "parameters", format!("parameters: {msg}"));
            }
        }
    }
}

/// The audit log's chain, and its last manifest hash against the manifest.
pub(super) fn check_audit(dir: &Path, v: &mut Verification) {
    let p = dir.join(AUDIT);
    if !p.exists() {
        v.notes.push(format!(
            "no {}: a folder from before the audit log (or the log was removed)",
            AUDIT
        ));
        return;
    }
    v.checked += 1;
    for msg in crate::audit::check(&p) {
        v.fail(AUDIT, "audit-chain", msg);
    }
    match crate::audit::last_manifest_sha256(&p) {
        Some(h) if h == v.manifest_sha256 => {}
        Some(h) => {
            let msg = format!(
                "manifest.json has SHA-256 {}, but the last run in the log committed {h}: the \
                 manifest changed after that run",
                v.manifest_sha256
            );
            v.fail(MANIFEST, "audit-manifest", msg);
        }
        None => v
            .notes
            .push(format!("{} records no committed manifest", AUDIT)),
    }
}

/// The row count of a store file: as read while checking outputs (`tables`), else from the
/// file (an unlisted one, reported on its own).
fn rows_of(
    dir: &Path,
    tables: &BTreeMap<String, u64>,
    rel: &str,
) -> std::result::Result<u64, String> {
    match tables.get(rel) {
        Some(&n) => Ok(n),
        None => {
            let p = dir.join(rel);
            if !p.exists() {
                return Err("missing".into());
            }
            if rel.ends_with(".csv") {
                csv_records(&p)
                    .map(|n| n.saturating_sub(1))
                    .map_err(|e| e.to_string())
            } else {
                parquet_rows(&p)
            }
        }
    }
}

/// Each store table's rows (the sum of its listed parts') against the accepted rows of its
/// inputs.
fn check_store_tables(
    m: &Manifest,
    rows_of: &dyn Fn(&str) -> std::result::Result<u64, String>,
    v: &mut Verification,
) {
    // A table's rows are the sum of its parts' (every part the manifest lists).
    let table_rows = |k: &Kind| -> std::result::Result<u64, String> {
        let prefix = crate::layout::store_table_prefix(k.name());
        let parts: Vec<&str> = m
            .outputs
            .iter()
            .map(|o| o.path.as_str())
            .filter(|p| p.starts_with(&prefix))
            .collect();
        if parts.is_empty() {
            return Err("no part listed".into());
        }
        parts.iter().map(|p| rows_of(p)).sum()
    };
    for k in Kind::ALL {
        let want: u64 = m
            .inputs
            .iter()
            .filter(|i| i.kind == k.name())
            .map(|i| i.accepted)
            .sum();
        let rel = crate::layout::store_table_prefix(k.name());
        let what = format!("accepted rows of the {} inputs", k.name());
        match table_rows(&k) {
            Ok(n) if n == want => {}
            Ok(n) => v.fail(
                rel,
                "reconciliation",
                format!("its parts hold {n} rows; the manifest's {what} add up to {want}"),
            ),
            Err(e) => v.fail(
                rel,
                "reconciliation",
                format!(
                    "store table cannot be counted ({e}); the manifest's {what} add up to {want}"
                ),
            ),
        }
    }
}
