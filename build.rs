//! Captures the git commit the binary is built from, for the run manifest, the audit log and
//! `callsift --version`: `CALLSIFT_GIT_COMMIT` in the environment when set (a build from a
//! source archive can pass it), else `git rev-parse HEAD`, else `unknown`.

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

fn main() {
    println!("cargo:rerun-if-env-changed=CALLSIFT_GIT_COMMIT");
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
