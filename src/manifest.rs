//! The run manifest (`manifest.json`): the chain of custody of a run.
//!
//! It records the SHA-256 and size of every input and every output, the row reconciliation of
//! every input (rows read = accepted + quarantined + duplicates removed), the parameters (the
//! case manifest after defaults), the tool version, the IANA time-zone database and phone-number
//! metadata compiled in, the thread count and the timings. Each step (`ingest`, `correlate`,
//! `report`) adds its part and rewrites it atomically, last, after its outputs are in place.
//! `callsift verify DIR` ([`verify`]) checks every claim the manifest makes that can be checked
//! against the files; `correlate` re-hashes the case store before it reads it
//! ([`Manifest::check_store`]).

pub mod digest;

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::CaseFile;
use crate::error::{Error, Result};
use crate::model::Kind;
use crate::store::write_atomic;

pub use digest::{hex, sha256_file};

/// The manifest's file name inside the output folder.
pub const FILE: &str = "manifest.json";

/// The whole manifest.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// `callsift`.
    pub tool: String,
    /// The crate version.
    pub version: String,
    /// The git commit the binary was built from (`unknown` when built outside a checkout;
    /// absent in manifests from before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_commit: Option<String>,
    /// IANA tzdb release compiled in (chrono-tz).
    pub tzdb: String,
    /// libphonenumber metadata version compiled in (phonenumber crate).
    pub phone_metadata: String,
    /// The case manifest, as a path and its SHA-256.
    pub case_file: String,
    /// SHA-256 of the case manifest.
    pub case_sha256: String,
    /// The case manifest after defaults (windows, attribution, profiles).
    pub parameters: serde_json::Value,
    /// Worker threads used.
    pub threads: usize,
    /// Every evidence file, with its reconciliation.
    pub inputs: Vec<InputRecord>,
    /// Every output file (path relative to the output folder).
    pub outputs: Vec<OutputRecord>,
    /// Wall-clock milliseconds per step.
    pub timings_ms: BTreeMap<String, u64>,
    /// Set when `results/` was written with `--pseudonymize`: the scheme and the key's
    /// fingerprint, never the key. Absent from manifests of plain runs (and of older versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pseudonymization: Option<crate::pseudonym::Pseudonymization>,
}

/// One evidence file.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct InputRecord {
    /// Path relative to the case manifest's folder.
    pub path: String,
    /// Input kind.
    pub kind: String,
    /// Container format.
    pub format: String,
    /// Profile name.
    pub profile: String,
    /// SHA-256 of the profile file, hex, when the profile was read from a `.toml` file; `None`
    /// for a profile defined in the case manifest (recorded in `parameters`, and the manifest is
    /// hashed) and for a built-in one (part of the binary, whose version is recorded).
    #[serde(default)]
    pub profile_sha256: Option<String>,
    /// Encoding decoded with.
    pub encoding: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// Records read (lines or rows that are records; preamble, header and blank lines excluded).
    pub rows_read: u64,
    /// Rows in the case store.
    pub accepted: u64,
    /// Rows in the quarantine.
    pub quarantined: u64,
    /// Exact duplicate call records removed (kept once).
    pub duplicates_removed: u64,
    /// Lines that are not records: preamble, header, declared skips.
    pub lines_skipped: u64,
    /// Blank lines passed over.
    pub blank_lines: u64,
    /// Accepted rows whose local time fell in a fall-back fold.
    pub ambiguous_times: u64,
    /// Accepted rows with a blocked caller ID.
    pub blocked_caller_ids: u64,
    /// Accepted rows with an invalid caller ID (kept with status `invalid`).
    pub invalid_caller_ids: u64,
    /// Source columns not mapped to anything.
    pub unused_columns: Vec<String>,
}

impl InputRecord {
    /// Whether rows read = accepted + quarantined + duplicates removed.
    pub fn reconciles(&self) -> bool {
        self.rows_read == self.accepted + self.quarantined + self.duplicates_removed
    }
}

/// One output file.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct OutputRecord {
    /// Path relative to the output folder, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256, hex.
    pub sha256: String,
    /// Rows, for tables.
    pub rows: Option<u64>,
}

impl Manifest {
    /// Reads `DIR/manifest.json`.
    ///
    /// # Errors
    /// [`Error::Store`] when it is missing or malformed.
    pub fn read(dir: &Path) -> Result<Manifest> {
        let p = dir.join(FILE);
        let text = std::fs::read_to_string(&p)
            .map_err(|e| Error::store(&p, format!("{e} (run `callsift ingest` first?)")))?;
        serde_json::from_str(&text).map_err(|e| Error::store(&p, e))
    }

    /// Writes `DIR/manifest.json` atomically.
    ///
    /// # Errors
    /// [`Error::Io`].
    pub fn write(&self, dir: &Path) -> Result<()> {
        let p = dir.join(FILE);
        let text = serde_json::to_string_pretty(self).map_err(|e| Error::store(&p, e))?;
        write_atomic(&p, |f| {
            use std::io::Write;
            f.write_all(text.as_bytes()).map_err(|e| Error::io(&p, e))?;
            f.write_all(b"\n").map_err(|e| Error::io(&p, e))
        })
    }

    /// Records (or replaces) an output file, hashing it now.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read.
    pub fn add_output(&mut self, dir: &Path, rel: &str, rows: Option<u64>) -> Result<()> {
        self.add_outputs(dir, &[(rel.to_string(), rows)])
    }

    /// [`Manifest::add_output`] for several files, hashed in parallel and recorded in order.
    ///
    /// # Errors
    /// [`Error::Io`] naming the first file (in order) that cannot be read.
    pub fn add_outputs(&mut self, dir: &Path, files: &[(String, Option<u64>)]) -> Result<()> {
        use rayon::prelude::*;
        let hashes: Vec<Result<(String, u64)>> = files
            .par_iter()
            .map(|(rel, _)| sha256_file(&dir.join(rel)))
            .collect();
        for ((rel, rows), h) in files.iter().zip(hashes) {
            let (sha256, bytes) = h?;
            self.outputs.retain(|o| &o.path != rel);
            self.outputs.push(OutputRecord {
                path: rel.clone(),
                bytes,
                sha256,
                rows: *rows,
            });
        }
        self.outputs.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(())
    }

    /// Checks the case store before it is used: every `store/<kind>.parquet` table is listed,
    /// and every listed `store/` file is there with its recorded size and SHA-256.
    ///
    /// # Errors
    /// [`Error::Store`] naming the first file (in manifest order) that is unlisted, missing or
    /// changed.
    pub fn check_store(&self, dir: &Path) -> Result<()> {
        use rayon::prelude::*;
        for kind in Kind::ALL {
            let rel = format!("{}/{}.parquet", crate::outdir::STORE, kind.name());
            if !self.outputs.iter().any(|o| o.path == rel) {
                return Err(Error::store(
                    dir.join(&rel),
                    format!(
                        "not recorded in {FILE}: the case store cannot be trusted; ingest again"
                    ),
                ));
            }
        }
        let prefix = format!("{}/", crate::outdir::STORE);
        let store: Vec<&OutputRecord> = self
            .outputs
            .iter()
            .filter(|o| o.path.starts_with(&prefix))
            .collect();
        let checks: Vec<Result<()>> = store
            .par_iter()
            .map(|o| {
                let p = dir.join(&o.path);
                if !is_inside(&o.path) {
                    return Err(Error::store(
                        &p,
                        format!("listed in {FILE} with a path outside the output folder"),
                    ));
                }
                let (sha256, bytes) = match sha256_file(&p) {
                    Ok(x) => x,
                    Err(Error::Io { source, .. }) => {
                        return Err(Error::store(
                            &p,
                            format!("listed in {FILE} but cannot be read ({source}); ingest again"),
                        ))
                    }
                    Err(e) => return Err(e),
                };
                if sha256 != o.sha256 || bytes != o.bytes {
                    return Err(Error::store(
                        &p,
                        format!(
                            "SHA-256 {sha256} ({bytes} bytes) is not the {} ({} bytes) recorded \
                             in {FILE}: the case store changed after ingest; ingest again",
                            o.sha256, o.bytes
                        ),
                    ));
                }
                Ok(())
            })
            .collect();
        checks.into_iter().collect()
    }
}

/// Files an output folder may hold that the manifest does not list: the manifest itself and
/// the audit log.
pub const UNLISTED_ALLOWED: [&str; 2] = [FILE, crate::audit::FILE];

/// One thing `verify` found wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file at fault: a path relative to the output folder, an evidence or profile path
    /// relative to the case's folder, or the case manifest's path as given.
    pub file: String,
    /// Which check failed (a short stable name, e.g. `sha256`, `rows`, `unlisted`; see
    /// `docs/cli.md`).
    pub check: &'static str,
    /// What is wrong.
    pub message: String,
}

/// What `verify` found.
#[derive(Debug, Default, Serialize)]
pub struct Verification {
    /// SHA-256 of `manifest.json` as read, hex: the value to write in a notebook or an
    /// affidavit.
    pub manifest_sha256: String,
    /// Files checked (outputs, evidence files, the case manifest, profile files, the audit
    /// log).
    pub checked: usize,
    /// Problems, in the order found.
    pub problems: Vec<Problem>,
    /// Things that are not problems but limit what was checked (no `--case`, no audit log).
    pub notes: Vec<String>,
    /// Whether there is no problem.
    pub ok: bool,
}

impl Verification {
    fn fail(&mut self, file: impl Into<String>, check: &'static str, message: impl Into<String>) {
        self.problems.push(Problem {
            file: file.into(),
            check,
            message: message.into(),
        });
    }
}

/// Checks everything `DIR/manifest.json` claims that the files can confirm; with `case` (the
/// case manifest), the evidence side too. See `docs/cli.md` for the list of checks; each
/// problem names the file and the check, and nothing stops at the first problem.
///
/// Without `case`: every listed output's size and SHA-256, its recorded row count against the
/// Parquet footer (a CSV: its records), files in the folder the manifest does not list, each
/// input's reconciliation and the store's row counts, the recorded parameters validated as a
/// case manifest is, `figures.json`'s inputs against the manifest's, and the audit log's chain
/// and last manifest hash. With `case` also: `case_sha256`, the parameters against the case
/// manifest, every evidence file's size and SHA-256 (a missing one is a problem, not an
/// error), files the case's globs match that the manifest lacks, each input's kind and
/// profile, and every `profile_sha256`.
///
/// # Errors
/// [`Error::Store`] when `DIR/manifest.json` cannot be read or parsed (no claim to check).
pub fn verify(dir: &Path, case: Option<&Path>) -> Result<Verification> {
    let mp = dir.join(FILE);
    let bytes = std::fs::read(&mp).map_err(|e| Error::store(&mp, e))?;
    let m: Manifest = serde_json::from_slice(&bytes).map_err(|e| Error::store(&mp, e))?;
    let mut v = Verification {
        manifest_sha256: hex(&Sha256::digest(&bytes)),
        ..Verification::default()
    };
    let tables = check_outputs(dir, &m, &mut v);
    check_unlisted(dir, &m, &mut v);
    check_reconciliation(dir, &m, &tables, &mut v);
    check_figures(dir, &m, &mut v);
    check_parameters(&m, &mut v);
    check_audit(dir, &mut v);
    match case {
        Some(c) => check_case(c, &m, &mut v),
        None => v.notes.push(
            "evidence files, the case manifest and profile files not checked: give --case CASE.toml"
                .into(),
        ),
    }
    v.ok = v.problems.is_empty();
    Ok(v)
}

/// Whether `rel` is a plain relative path inside the folder (no root, no `..`).
fn is_inside(rel: &str) -> bool {
    !rel.is_empty()
        && Path::new(rel)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Every output: size, SHA-256, and the recorded rows against the file. Returns the row count
/// read from each table file that could be read (by path).
fn check_outputs(dir: &Path, m: &Manifest, v: &mut Verification) -> BTreeMap<String, u64> {
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
fn check_unlisted(dir: &Path, m: &Manifest, v: &mut Verification) {
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
fn check_reconciliation(
    dir: &Path,
    m: &Manifest,
    tables: &BTreeMap<String, u64>,
    v: &mut Verification,
) {
    let store = crate::outdir::STORE;
    for i in &m.inputs {
        if !i.reconciles() {
            v.fail(
                &i.path,
                "reconciliation",
                format!(
                    "rows read {} != accepted {} + quarantined {} + duplicates removed {}",
                    i.rows_read, i.accepted, i.quarantined, i.duplicates_removed
                ),
            );
        }
        if !Kind::ALL.iter().any(|k| k.name() == i.kind) {
            v.fail(&i.path, "kind", format!("unknown kind {:?}", i.kind));
        }
    }
    // The row count of a store table: as read while checking outputs, else from the file
    // (an unlisted one, reported on its own).
    let rows_of = |rel: &str| -> std::result::Result<u64, String> {
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
    };
    let mut sums: Vec<(String, String, u64)> = Kind::ALL
        .iter()
        .map(|k| {
            let n = m
                .inputs
                .iter()
                .filter(|i| i.kind == k.name())
                .map(|i| i.accepted)
                .sum();
            (
                format!("{store}/{}.parquet", k.name()),
                format!("accepted rows of the {} inputs", k.name()),
                n,
            )
        })
        .collect();
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
fn check_figures(dir: &Path, m: &Manifest, v: &mut Verification) {
    let rel = format!("{}/figures.json", crate::correlate::RESULTS);
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
fn check_parameters(m: &Manifest, v: &mut Verification) {
    match serde_json::from_value::<CaseFile>(m.parameters.clone()) {
        Err(e) => v.fail(
            FILE,
            "parameters",
            format!("parameters are not a case manifest: {e}"),
        ),
        Ok(c) => {
            if let Err(e) = c.validate(Path::new(&m.case_file)) {
                let msg = match e {
                    Error::Config { msg, .. } => msg,
                    e => e.to_string(),
                };
                v.fail(FILE, "parameters", format!("parameters: {msg}"));
            }
        }
    }
}

/// The audit log's chain, and its last manifest hash against the manifest.
fn check_audit(dir: &Path, v: &mut Verification) {
    let p = dir.join(crate::audit::FILE);
    if !p.exists() {
        v.notes.push(format!(
            "no {}: a folder from before the audit log (or the log was removed)",
            crate::audit::FILE
        ));
        return;
    }
    v.checked += 1;
    for msg in crate::audit::check(&p) {
        v.fail(crate::audit::FILE, "audit-chain", msg);
    }
    match crate::audit::last_manifest_sha256(&p) {
        Some(h) if h == v.manifest_sha256 => {}
        Some(h) => {
            let msg = format!(
                "manifest.json has SHA-256 {}, but the last run in the log committed {h}: the \
                 manifest changed after that run",
                v.manifest_sha256
            );
            v.fail(FILE, "audit-manifest", msg);
        }
        None => v.notes.push(format!(
            "{} records no committed manifest",
            crate::audit::FILE
        )),
    }
}

/// How an evidence file is named: relative to the case's folder, `/`-separated (as the case
/// loader names it).
fn display_name(dir: &Path, p: &Path) -> String {
    let rel = p.strip_prefix(dir).unwrap_or(p);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// The evidence side, with the case manifest: its hash, the parameters, every evidence and
/// profile file, and files the globs now match. The case is read tolerantly: a glob that
/// matches nothing (a deleted file) is a finding, not an error.
fn check_case(case: &Path, m: &Manifest, v: &mut Verification) {
    let cname = case.display().to_string();
    v.checked += 1;
    let bytes = match std::fs::read(case) {
        Ok(b) => b,
        Err(e) => {
            v.fail(cname, "case", format!("cannot be read: {e}"));
            return;
        }
    };
    let h = hex(&Sha256::digest(&bytes));
    if h != m.case_sha256 {
        v.fail(
            &cname,
            "case-sha256",
            format!(
                "SHA-256 {h} differs from the recorded case_sha256 {}",
                m.case_sha256
            ),
        );
    }
    let cf: CaseFile = match std::str::from_utf8(&bytes)
        .map_err(|e| e.to_string())
        .and_then(|t| toml::from_str(t).map_err(|e| e.to_string()))
    {
        Ok(c) => c,
        Err(e) => {
            v.fail(cname, "case", format!("not a case manifest: {e}"));
            return;
        }
    };
    match serde_json::to_value(&cf) {
        Ok(p) if p == m.parameters => {}
        Ok(p) => {
            let mut diffs = Vec::new();
            json_diff("", &m.parameters, &p, &mut diffs);
            v.fail(
                FILE,
                "parameters",
                format!(
                    "parameters differ from the case manifest at {}",
                    diffs.join(", ")
                ),
            );
        }
        Err(e) => v.fail(FILE, "parameters", e.to_string()),
    }
    let dir = case
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);

    // The files each input's glob matches now: name -> (kind, profile).
    let mut matched: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (k, spec) in cf.inputs.iter().enumerate() {
        let pattern = dir.join(&spec.path).to_string_lossy().into_owned();
        let paths = match glob::glob(&pattern) {
            Ok(p) => p,
            Err(e) => {
                v.fail(&cname, "case", format!("inputs[{k}].path: bad glob: {e}"));
                continue;
            }
        };
        for p in paths.flatten().filter(|p| p.is_file()) {
            matched.entry(display_name(&dir, &p)).or_insert((
                spec.kind.name().to_string(),
                spec.profile.clone().unwrap_or_else(|| "default".into()),
            ));
        }
    }

    let mut recorded = BTreeSet::new();
    let mut profiles: BTreeMap<String, std::result::Result<String, String>> = BTreeMap::new();
    for i in &m.inputs {
        if !recorded.insert(i.path.as_str()) {
            v.fail(&i.path, "listed-twice", "listed more than once in inputs");
        }
        v.checked += 1;
        let p = dir.join(&i.path);
        match sha256_file(&p) {
            Err(_) if !p.exists() => v.fail(
                &i.path,
                "evidence-missing",
                "evidence file listed in the manifest is missing",
            ),
            Err(e) => v.fail(&i.path, "evidence-read", e.to_string()),
            Ok((h, n)) => {
                if n != i.bytes {
                    v.fail(
                        &i.path,
                        "evidence-size",
                        format!("{n} bytes, the manifest records {}", i.bytes),
                    );
                }
                if h != i.sha256 {
                    v.fail(
                        &i.path,
                        "evidence-sha256",
                        format!("SHA-256 {h} differs from the recorded {}", i.sha256),
                    );
                }
                match matched.get(&i.path) {
                    None => v.fail(
                        &i.path,
                        "evidence-unmatched",
                        "no input of the case manifest matches this file",
                    ),
                    Some((kind, profile)) => {
                        if kind != &i.kind || profile != &i.profile {
                            v.fail(
                                &i.path,
                                "evidence-input",
                                format!(
                                    "recorded as kind {} with profile {}, the case manifest \
                                     reads it as kind {kind} with profile {profile}",
                                    i.kind, i.profile
                                ),
                            );
                        }
                    }
                }
            }
        }
        // The profile file, when the profile is one (as the case loader resolves names: a
        // built-in or a profile defined in the case manifest comes first).
        let is_file = !i.profile.starts_with("builtin:")
            && !cf.profiles.contains_key(&i.profile)
            && i.profile.ends_with(".toml");
        if !is_file {
            if i.profile_sha256.is_some() {
                v.fail(
                    &i.path,
                    "profile-sha256",
                    format!(
                        "profile_sha256 recorded, but profile {} is not a file",
                        i.profile
                    ),
                );
            }
            continue;
        }
        let h = profiles.entry(i.profile.clone()).or_insert_with(|| {
            v.checked += 1;
            sha256_file(&dir.join(&i.profile))
                .map(|x| x.0)
                .map_err(|e| e.to_string())
        });
        match (&*h, &i.profile_sha256) {
            (Ok(h), Some(r)) if h == r => {}
            (Ok(h), Some(r)) => v.fail(
                &i.profile,
                "profile-sha256",
                format!(
                    "SHA-256 {h} differs from the profile_sha256 {r} recorded for {}",
                    i.path
                ),
            ),
            (Ok(_), None) => v.fail(
                &i.profile,
                "profile-sha256",
                format!("no profile_sha256 recorded for {}", i.path),
            ),
            (Err(e), _) => v.fail(&i.profile, "profile-read", e.clone()),
        }
    }
    for (name, (kind, _)) in &matched {
        if !recorded.contains(name.as_str()) {
            v.fail(
                name,
                "evidence-new",
                format!(
                    "matched by the case manifest (kind {kind}) but not in the manifest: not \
                     part of this run"
                ),
            );
        }
    }
}

/// JSON-pointer-like paths at which two values differ (at most 8).
fn json_diff(at: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value;
    if out.len() >= 8 || a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let null = Value::Null;
                json_diff(
                    &format!("{at}.{k}"),
                    x.get(k).unwrap_or(&null),
                    y.get(k).unwrap_or(&null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (k, (p, q)) in x.iter().zip(y).enumerate() {
                json_diff(&format!("{at}[{k}]"), p, q, out);
            }
        }
        _ => out.push(format!(
            "{} (recorded {a}, case manifest {b})",
            at.trim_start_matches('.')
        )),
    }
}
