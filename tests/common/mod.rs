//! Helpers shared by the integration tests: copying fixtures, hashing folders, and running the
//! `callsift` binary.
//!
//! Each test file that says `mod common;` compiles this module on its own and uses only part of
//! it, hence `dead_code` is allowed here.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

/// Copies a folder tree (files and sub-folders) into `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// A path in the repository (`rel` is relative to its root).
pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The formats fixture copied into `dir/case` (and the numbering plans into `dir/numbering`,
/// where its case manifest looks for them); returns the copied case manifest's path.
pub fn formats_case(dir: &Path) -> PathBuf {
    let c = dir.join("case");
    copy_dir(&repo("fixtures/formats"), &c);
    copy_dir(&repo("fixtures/numbering"), &dir.join("numbering"));
    c.join("case.toml")
}

/// SHA-256 of a file, in hex.
pub fn sha(p: &Path) -> String {
    let mut h = Sha256::new();
    h.update(std::fs::read(p).unwrap());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of every file under `dir`, by relative path.
pub fn hashes(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, sha(&p)));
            }
        }
    }
    out.sort();
    out
}

/// The `callsift` binary built for these tests.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_callsift"))
}

/// Runs the binary with `args` and waits for it.
pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

/// Runs the binary with `args` from the folder `cwd`.
pub fn run_in(cwd: &Path, args: &[&str]) -> Output {
    bin().current_dir(cwd).args(args).output().unwrap()
}

/// The exit code (-1 when the process was killed by a signal).
pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Standard output, as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A path as `&str` (test paths are UTF-8).
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Names in `dir` that look like callsift's staging folders.
pub fn staging_left(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("callsift-staging") || n.contains("callsift-aside"))
        .collect()
}
