//! The run manifest (`manifest.json`): the chain of custody of a run.
//!
//! It records the SHA-256 and size of every input and every output, the row reconciliation of
//! every input (rows read = accepted + quarantined + duplicates removed + filtered), the
//! parameters (the
//! case manifest after defaults), the tool version, the IANA time-zone database and phone-number
//! metadata compiled in, the thread count and the timings. Each step (`ingest`, `correlate`,
//! `report`) adds its part and rewrites it atomically, last, after its outputs are in place.
//! `callsift verify DIR` ([`verify`]) checks every claim the manifest makes that can be checked
//! against the files; `correlate` re-hashes the case store before it reads it
//! ([`Manifest::check_store`]).

mod case;
mod outputs;

use std::collections::BTreeMap;
use std::path::{Component, Path};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::Kind;
use crate::store::write_atomic;

use crate::digest::{hex, sha256_file};
use crate::layout::{AUDIT, MANIFEST, STORE};

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
    /// How many parts each table of the case store is split into by its phone number
    /// (`store/<table>/part-NNNN.parquet`; module `partition`); 0 in manifests from before
    /// the store was partitioned.
    #[serde(default)]
    pub store_partitions: u32,
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
    /// Exact duplicate call records removed (kept once), and population rows superseded by a
    /// later row of their number (`latest_by`).
    pub duplicates_removed: u64,
    /// Records the profile's row filter left out (0 in manifests from before row filters).
    #[serde(default)]
    pub filtered: u64,
    /// The row filter the file was read with; absent when its profile has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_filter: Option<crate::profile::RowFilter>,
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
    /// For an input read with the profile's `explode`: its records and items. Absent for
    /// every other input (and in manifests written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explode: Option<ExplodeCounts>,
}

/// The records and items of an input read with the profile's `explode = "COLUMN"`: each item (an
/// element of a record's array) is a row of its own, and a record without a usable array is one
/// row, quarantined whole; so `rows_read = items_read + records_quarantined`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExplodeCounts {
    /// The array's source column.
    pub column: String,
    /// Records read (lines or rows that are records).
    pub records_read: u64,
    /// Elements found in the records' arrays; each is accepted, quarantined or a removed
    /// duplicate.
    pub items_read: u64,
    /// Records quarantined whole: the array missing, null, not an array or empty, or a line
    /// that is not a JSON object.
    pub records_quarantined: u64,
}

impl ExplodeCounts {
    /// Whether rows read = items + records quarantined whole, and the records that gave items
    /// are at most the items.
    pub fn reconciles(&self, rows_read: u64) -> bool {
        rows_read == self.items_read + self.records_quarantined
            && self.records_read >= self.records_quarantined
            && self.records_read - self.records_quarantined <= self.items_read
    }
}

impl InputRecord {
    /// Whether rows read = accepted + quarantined + duplicates removed + filtered (and for an
    /// exploded input, rows read = items read + records quarantined whole).
    pub fn reconciles(&self) -> bool {
        self.rows_read == self.accepted + self.quarantined + self.duplicates_removed + self.filtered
            && self
                .explode
                .as_ref()
                .is_none_or(|x| x.reconciles(self.rows_read))
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
        let p = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&p)
            .map_err(|e| Error::store(&p, format!("{e} (run `callsift ingest` first?)")))?;
        serde_json::from_str(&text).map_err(|e| Error::store(&p, e))
    }

    /// Writes `DIR/manifest.json` atomically.
    ///
    /// # Errors
    /// [`Error::Io`].
    pub fn write(&self, dir: &Path) -> Result<()> {
        let p = dir.join(MANIFEST);
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
        let new: std::collections::HashSet<&str> = files.iter().map(|(r, _)| r.as_str()).collect();
        self.outputs.retain(|o| !new.contains(o.path.as_str()));
        for ((rel, rows), h) in files.iter().zip(hashes) {
            let (sha256, bytes) = h?;
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

    /// Checks the case store before it is used: every table has its first part
    /// (`store/<kind>/part-0000.parquet`) listed,
    /// and every listed `store/` file is there with its recorded size and SHA-256.
    ///
    /// # Errors
    /// [`Error::Store`] naming the first file (in manifest order) that is unlisted, missing or
    /// changed.
    pub fn check_store(&self, dir: &Path) -> Result<()> {
        use rayon::prelude::*;
        for kind in Kind::ALL {
            let rel = crate::layout::store_part(kind.name(), 0);
            if !self.outputs.iter().any(|o| o.path == rel) {
                return Err(Error::store(
                    dir.join(&rel),
                    format!(
                        "not recorded in {MANIFEST}: the case store cannot be trusted; ingest again"
                    ),
                ));
            }
        }
        let prefix = format!("{}/", STORE);
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
                        format!("listed in {MANIFEST} with a path outside the output folder"),
                    ));
                }
                let (sha256, bytes) = match sha256_file(&p) {
                    Ok(x) => x,
                    Err(Error::Io { source, .. }) => {
                        return Err(Error::store(
                            &p,
                            format!(
                                "listed in {MANIFEST} but cannot be read ({source}); ingest again"
                            ),
                        ))
                    }
                    Err(e) => return Err(e),
                };
                if sha256 != o.sha256 || bytes != o.bytes {
                    return Err(Error::store(
                        &p,
                        format!(
                            "SHA-256 {sha256} ({bytes} bytes) is not the {} ({} bytes) recorded \
                             in {MANIFEST}: the case store changed after ingest; ingest again",
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

/// Whether `rel` is a plain relative path inside the folder (no root, no `..`).
fn is_inside(rel: &str) -> bool {
    !rel.is_empty()
        && Path::new(rel)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Files an output folder may hold that the manifest does not list: the manifest itself and
/// the audit log.
pub const UNLISTED_ALLOWED: [&str; 2] = [MANIFEST, AUDIT];

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
    pub(super) fn fail(
        &mut self,
        file: impl Into<String>,
        check: &'static str,
        message: impl Into<String>,
    ) {
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
    let mp = dir.join(MANIFEST);
    let bytes = std::fs::read(&mp).map_err(|e| Error::store(&mp, e))?;
    let m: Manifest = serde_json::from_slice(&bytes).map_err(|e| Error::store(&mp, e))?;
    let mut v = Verification {
        manifest_sha256: hex(&Sha256::digest(&bytes)),
        ..Verification::default()
    };
    let tables = outputs::check_outputs(dir, &m, &mut v);
    outputs::check_unlisted(dir, &m, &mut v);
    outputs::check_reconciliation(dir, &m, &tables, &mut v);
    outputs::check_figures(dir, &m, &mut v);
    outputs::check_parameters(&m, &mut v);
    outputs::check_audit(dir, &mut v);
    match case {
        Some(c) => case::check_case(c, &m, &mut v),
        None => v.notes.push(
            "evidence files, the case manifest and profile files not checked: give --case CASE.toml"
                .into(),
        ),
    }
    v.ok = v.problems.is_empty();
    Ok(v)
}
