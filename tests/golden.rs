//! Golden outputs: the SHA-256 of every store and results file of two whole runs, at one and at
//! two threads, pinned in `tests/golden/*.sha256` (as hayabusa diffs its timeline at one thread).
//!
//! The runs: the bundled inquiry fixture, and a synthetic world (`synth --seed 7 --scale 0.02`).
//! Each also runs with its store split into 2 and 7 parts (`--partitions`), whose results,
//! figures and report must be the pinned ones: only the store's files may differ.
//! `manifest.json` is pinned too, canonicalised: without the fields that differ between two
//! identical runs by design (`git_commit`, `threads`, `timings_ms`, and `case_file`, the path as
//! given); its row reconciliation, parameters and the hashes it records stay in. `audit.log` is
//! not pinned (it holds times).
//!
//! A change that moves a golden file says why in its commit. To re-record them after such a
//! change (review the diff of `tests/golden/` before committing):
//!
//! ```sh
//! CALLSIFT_BLESS=1 cargo test --test golden
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_callsift"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary in the repository root; panics with its output unless it exits 0.
fn ok(args: &[&str]) {
    let o = bin().current_dir(root()).args(args).output().unwrap();
    assert!(
        o.status.success(),
        "callsift {args:?}: {}\n{}{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// The manifest without the fields that differ between identical runs, as canonical JSON.
fn canonical_manifest(path: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut m: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    for k in ["git_commit", "threads", "timings_ms", "case_file"] {
        assert!(
            m.remove(k).is_some(),
            "manifest has no {k}: update the golden test"
        );
    }
    // serde_json's map is sorted (no preserve_order feature), so this is canonical.
    serde_json::to_vec(&m).unwrap()
}

/// Relative path → SHA-256 of every file of an output folder (but the audit log).
fn hashes(out: &Path) -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    let mut stack = vec![out.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(out)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = match rel.as_str() {
                "audit.log" => continue,
                "manifest.json" => canonical_manifest(&p),
                _ => std::fs::read(&p).unwrap(),
            };
            v.insert(rel, hex(&Sha256::digest(&bytes)));
        }
    }
    v
}

fn render(h: &BTreeMap<String, String>) -> String {
    h.iter().map(|(p, s)| format!("{s}  {p}\n")).collect()
}

/// Every output but the case store's files and the manifest (which lists them): what must not
/// depend on how the store is split.
fn beyond_the_store(h: &BTreeMap<String, String>) -> String {
    let mut h = h.clone();
    h.retain(|p, _| !p.starts_with("store/") && p != "manifest.json");
    render(&h)
}

/// Runs `case` at 1 and 2 threads and compares every output with `tests/golden/NAME.sha256`;
/// then with the store split into 2 parts (1 thread) and into 7 (2 threads), whose results,
/// figures and report must be the same bytes.
fn check(name: &str, case: &Path, work: &Path) {
    let mut runs = Vec::new();
    let mut split = Vec::new();
    for (threads, parts) in [("1", "1"), ("2", "1"), ("1", "2"), ("2", "7")] {
        let out = work.join(format!("out-{threads}-{parts}"));
        ok(&[
            "run",
            case.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--threads",
            threads,
            "--partitions",
            parts,
        ]);
        let h = hashes(&out);
        if parts == "1" {
            runs.push(render(&h));
        } else {
            let n = h.keys().filter(|p| p.starts_with("store/calls/")).count();
            assert_eq!(
                n.to_string(),
                parts,
                "{name}: calls in {n} parts, not {parts}"
            );
        }
        split.push(beyond_the_store(&h));
    }
    assert_eq!(
        runs[0], runs[1],
        "{name}: one thread and two threads gave different outputs"
    );
    for (k, parts) in [(2, 2), (3, 7)] {
        assert_eq!(
            split[0], split[k],
            "{name}: the store in {parts} parts gave other results than in one"
        );
    }
    let pinned = root().join("tests/golden").join(format!("{name}.sha256"));
    if std::env::var_os("CALLSIFT_BLESS").is_some() {
        std::fs::create_dir_all(pinned.parent().unwrap()).unwrap();
        std::fs::write(&pinned, &runs[0]).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&pinned).unwrap_or_default();
    if want != runs[0] {
        let got: BTreeMap<&str, &str> = runs[0].lines().map(|l| (&l[66..], &l[..64])).collect();
        let had: BTreeMap<&str, &str> = want
            .lines()
            .filter(|l| l.len() > 66)
            .map(|l| (&l[66..], &l[..64]))
            .collect();
        let moved: Vec<&str> = got
            .keys()
            .chain(had.keys())
            .filter(|k| got.get(*k) != had.get(*k))
            .copied()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        panic!(
            "{name}: outputs moved from {}: {moved:?}\n(if the change is meant, re-record with \
             CALLSIFT_BLESS=1 cargo test --test golden and say why in the commit)",
            pinned.display()
        );
    }
}

#[test]
fn inquiry_outputs_are_pinned_at_one_and_two_threads() {
    let d = tempfile::tempdir().unwrap();
    check("inquiry", Path::new("fixtures/inquiry/case.toml"), d.path());
}

#[test]
fn synthetic_world_outputs_are_pinned_at_one_and_two_threads() {
    let d = tempfile::tempdir().unwrap();
    let world = d.path().join("world");
    ok(&[
        "synth",
        "--seed",
        "7",
        "--scale",
        "0.02",
        "--out",
        world.to_str().unwrap(),
    ]);
    check("synth", &world.join("case.toml"), d.path());
}
