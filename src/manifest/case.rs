//! The evidence side of `callsift verify --case CASE.toml`: the case manifest's hash and
//! parameters, every evidence and profile file, and files the case's globs now match that the
//! run did not read. The case is read tolerantly: a glob that matches nothing (a deleted file)
//! is a finding, not an error.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{InputRecord, Manifest, Verification};
use crate::config::CaseFile;
use crate::digest::{hex, sha256_file};
use crate::layout::MANIFEST;

/// The files the case's globs match now, by name relative to the case's folder: (kind,
/// profile) of the first input that matches each.
type Matched = BTreeMap<String, (String, String)>;

/// The evidence side, with the case manifest at `case` (see the module's documentation).
pub(super) fn check_case(case: &Path, m: &Manifest, v: &mut Verification) {
    let Some(cf) = read_case(case, m, v) else {
        return;
    };
    let dir = case
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let matched = matched_now(case, &dir, &cf, v);

    let mut recorded = BTreeSet::new();
    let mut profiles: BTreeMap<String, std::result::Result<String, String>> = BTreeMap::new();
    for i in &m.inputs {
        if !recorded.insert(i.path.as_str()) {
            v.fail(&i.path, "listed-twice", "listed more than once in inputs");
        }
        check_evidence(&dir, i, &matched, v);
        check_profile(&dir, &cf, i, &mut profiles, v);
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

/// Reads the case manifest: its SHA-256 against `case_sha256`, its parameters against the
/// recorded ones. `None` when it cannot be read or parsed (the finding is recorded).
fn read_case(case: &Path, m: &Manifest, v: &mut Verification) -> Option<CaseFile> {
    let cname = case.display().to_string();
    v.checked += 1;
    let bytes = match std::fs::read(case) {
        Ok(b) => b,
        Err(e) => {
            v.fail(cname, "case", format!("cannot be read: {e}"));
            return None;
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
            return None;
        }
    };
    match serde_json::to_value(&cf) {
        Ok(p) if p == m.parameters => {}
        Ok(p) => {
            let mut diffs = Vec::new();
            json_diff("", &m.parameters, &p, &mut diffs);
            v.fail(
                MANIFEST,
                "parameters",
                format!(
                    "parameters differ from the case manifest at {}",
                    diffs.join(", ")
                ),
            );
        }
        Err(e) => v.fail(MANIFEST, "parameters", e.to_string()),
    }
    Some(cf)
}

/// The files each input's glob matches now (see [`Matched`]).
fn matched_now(case: &Path, dir: &Path, cf: &CaseFile, v: &mut Verification) -> Matched {
    let mut matched = Matched::new();
    for (k, spec) in cf.inputs.iter().enumerate() {
        let pattern = dir.join(&spec.path).to_string_lossy().into_owned();
        let paths = match glob::glob(&pattern) {
            Ok(p) => p,
            Err(e) => {
                let msg = format!("inputs[{k}].path: bad glob: {e}");
                v.fail(case.display().to_string(), "case", msg);
                continue;
            }
        };
        for p in paths.flatten().filter(|p| p.is_file()) {
            matched.entry(display_name(dir, &p)).or_insert((
                spec.kind.name().to_string(),
                spec.profile.clone().unwrap_or_else(|| "default".into()),
            ));
        }
    }
    matched
}

/// One evidence file: present, its size and SHA-256 as recorded, matched by the case manifest
/// with the kind and profile recorded.
fn check_evidence(dir: &Path, i: &InputRecord, matched: &Matched, v: &mut Verification) {
    v.checked += 1;
    let p = dir.join(&i.path);
    let (h, n) = match sha256_file(&p) {
        Err(_) if !p.exists() => {
            let msg = "evidence file listed in the manifest is missing";
            return v.fail(&i.path, "evidence-missing", msg);
        }
        Err(e) => return v.fail(&i.path, "evidence-read", e.to_string()),
        Ok(x) => x,
    };
    if n != i.bytes {
        let msg = format!("{n} bytes, the manifest records {}", i.bytes);
        v.fail(&i.path, "evidence-size", msg);
    }
    if h != i.sha256 {
        let msg = format!("SHA-256 {h} differs from the recorded {}", i.sha256);
        v.fail(&i.path, "evidence-sha256", msg);
    }
    match matched.get(&i.path) {
        None => v.fail(
            &i.path,
            "evidence-unmatched",
            "no input of the case manifest matches this file",
        ),
        Some((kind, profile)) if kind != &i.kind || profile != &i.profile => v.fail(
            &i.path,
            "evidence-input",
            format!(
                "recorded as kind {} with profile {}, the case manifest reads it as kind {kind} \
                 with profile {profile}",
                i.kind, i.profile
            ),
        ),
        Some(_) => {}
    }
}

/// The profile file of an input, when the profile is one (as the case loader resolves names: a
/// built-in or a profile defined in the case manifest comes first): its SHA-256 against the
/// recorded `profile_sha256`. `hashes` caches each profile file's hash (or read error).
fn check_profile(
    dir: &Path,
    cf: &CaseFile,
    i: &InputRecord,
    hashes: &mut BTreeMap<String, std::result::Result<String, String>>,
    v: &mut Verification,
) {
    let is_file = !i.profile.starts_with("builtin:")
        && !cf.profiles.contains_key(&i.profile)
        && i.profile.ends_with(".toml");
    if !is_file {
        if i.profile_sha256.is_some() {
            let msg = format!(
                "profile_sha256 recorded, but profile {} is not a file",
                i.profile
            );
            v.fail(&i.path, "profile-sha256", msg);
        }
        return;
    }
    let h = hashes.entry(i.profile.clone()).or_insert_with(|| {
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

/// How an evidence file is named: relative to the case's folder, `/`-separated (as the case
/// loader names it).
fn display_name(dir: &Path, p: &Path) -> String {
    let rel = p.strip_prefix(dir).unwrap_or(p);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
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
