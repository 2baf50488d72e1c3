//! Captures the git commit the binary is built from, for the run manifest, the audit log and
//! `callsift --version`: `CALLSIFT_GIT_COMMIT` in the environment when set (a build from a
//! source archive can pass it), else `git rev-parse HEAD`, else `unknown`.
//!
//! Also, for `callsift --version`, the versions Cargo.lock pins of the crates that carry data:
//! `CALLSIFT_PHONENUMBER_VERSION` (its build metadata names the libphonenumber release, which
//! the crate does not expose at run time) and `CALLSIFT_CHRONO_TZ_VERSION` (the tz database
//! release itself is read at run time from `chrono_tz::IANA_TZDB_VERSION`); `unknown` without a
//! Cargo.lock.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?;
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// The version Cargo.lock pins of the package `name` (the first, if several).
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l.trim() == format!("name = \"{name}\"") {
            let v = lines.next()?.trim();
            return Some(
                v.strip_prefix("version = \"")?
                    .strip_suffix('"')?
                    .to_string(),
            );
        }
    }
    None
}

fn main() {
    println!("cargo:rerun-if-env-changed=CALLSIFT_GIT_COMMIT");
    let lock_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path).unwrap_or_default();
    if lock_path.exists() {
        println!("cargo:rerun-if-changed={}", lock_path.display());
    }
    for (var, name) in [
        ("CALLSIFT_PHONENUMBER_VERSION", "phonenumber"),
        ("CALLSIFT_CHRONO_TZ_VERSION", "chrono-tz"),
    ] {
        let v = locked_version(&lock, name).unwrap_or_else(|| "unknown".to_string());
        println!("cargo:rustc-env={var}={v}");
    }
    let commit = match std::env::var("CALLSIFT_GIT_COMMIT") {
        Ok(c) if !c.trim().is_empty() => c.trim().to_string(),
        _ => git(&["rev-parse", "HEAD"])
            .filter(|c| c.len() == 40 && c.bytes().all(|b| b.is_ascii_hexdigit()))
            .unwrap_or_else(|| "unknown".to_string()),
    };
    // Build again when HEAD moves: HEAD itself (a checkout), the branch it points at (a
    // commit) and packed-refs. `--git-path` finds them in a worktree too.
    let mut watched = false;
    let mut watch = |p: Option<String>| {
        if let Some(p) = p {
            if std::path::Path::new(&p).exists() {
                println!("cargo:rerun-if-changed={p}");
                watched = true;
            }
        }
    };
    watch(git(&["rev-parse", "--git-path", "HEAD"]));
    if let Some(r) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watch(git(&["rev-parse", "--git-path", &r]));
    }
    watch(git(&["rev-parse", "--git-path", "packed-refs"]));
    if !watched {
        // Not a git checkout: nothing to watch but this script.
        println!("cargo:rerun-if-changed=build.rs");
    }
    println!("cargo:rustc-env=CALLSIFT_GIT_COMMIT={commit}");
}
