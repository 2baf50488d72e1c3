//! The run manifest (`manifest.json`): the chain of custody of a run.
//!
//! It records the SHA-256 and size of every input and every output, the row reconciliation of
//! every input (rows read = accepted + quarantined + duplicates removed), the parameters (the
//! case manifest after defaults), the tool version, the IANA time-zone database and phone-number
//! metadata compiled in, the thread count and the timings. Each step (`ingest`, `correlate`,
//! `report`) adds its part and rewrites it atomically, last, after its outputs are in place.
//! `callsift verify DIR` re-hashes every listed output and input.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::load::hex;
use crate::store::write_atomic;

/// The manifest's file name inside the output folder.
pub const FILE: &str = "manifest.json";

/// The whole manifest.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// `callsift`.
    pub tool: String,
    /// The crate version.
    pub version: String,
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
}

/// SHA-256 and size of a file, streamed in 1 MiB blocks.
///
/// # Errors
/// [`Error::Io`] naming the file.
pub fn sha256_file(path: &Path) -> Result<(String, u64)> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex(&h.finalize()), n))
}

/// What `verify` found.
#[derive(Debug, Default)]
pub struct Verification {
    /// Files checked.
    pub checked: usize,
    /// Problems, one line each, naming the file.
    pub problems: Vec<String>,
}

/// Re-hashes every output listed in `DIR/manifest.json` and, when `case_dir` is given (the
/// folder input paths are relative to), every input; compares with the recorded hashes and
/// checks each input's reconciliation.
///
/// # Errors
/// [`Error::Store`] when the manifest cannot be read.
pub fn verify(dir: &Path, case_dir: Option<&Path>) -> Result<Verification> {
    let m = Manifest::read(dir)?;
    let mut v = Verification::default();
    for o in &m.outputs {
        v.checked += 1;
        match sha256_file(&dir.join(&o.path)) {
            Ok((h, n)) if h == o.sha256 && n == o.bytes => {}
            Ok((h, _)) => v.problems.push(format!(
                "{}: SHA-256 {h} differs from the recorded {}",
                o.path, o.sha256
            )),
            Err(e) => v.problems.push(format!("{}: {e}", o.path)),
        }
    }
    for i in &m.inputs {
        if !i.reconciles() {
            v.problems.push(format!(
                "{}: rows read {} != accepted {} + quarantined {} + duplicates removed {}",
                i.path, i.rows_read, i.accepted, i.quarantined, i.duplicates_removed
            ));
        }
        if let Some(cd) = case_dir {
            v.checked += 1;
            match sha256_file(&cd.join(&i.path)) {
                Ok((h, _)) if h == i.sha256 => {}
                Ok((h, _)) => v.problems.push(format!(
                    "evidence {}: SHA-256 {h} differs from the recorded {}",
                    i.path, i.sha256
                )),
                Err(e) => v.problems.push(format!("evidence {}: {e}", i.path)),
            }
        }
    }
    Ok(v)
}
