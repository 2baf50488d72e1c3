//! The audit log (`DIR/audit.log`): one JSON line per run of a command on an output folder,
//! appended and never rewritten, each line holding the SHA-256 of the line before it.
//!
//! ```text
//! {"time":"2024-10-10T14:03:07.512Z","user":"examiner","host":"lab-3","command":["callsift","run","case.toml","--out","out"],"version":"0.1.0","git_commit":"3f2a…","case_sha256":"9c1e…","manifest_sha256":"77b0…","exit":0,"prev_sha256":"0000…0000"}
//! ```
//!
//! `prev_sha256` is the hex SHA-256 of the previous line's bytes without its newline (64 zeros
//! on the first line), so a line edited, deleted or moved breaks the chain at the line after
//! it; `manifest_sha256` is the SHA-256 of the `manifest.json` the run committed (null when the
//! run failed before committing one), so the last line also pins the manifest. The chain makes
//! tampering evident, not impossible: whoever can write the folder can write a whole new
//! chain, which is why `callsift verify` prints the manifest's SHA-256 for the examiner to
//! record elsewhere.
//!
//! Appends are not locked here: the caller holds the output folder's lock.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::digest::hex;
use crate::error::{Error, Result};

/// The git commit the binary was built from (`git rev-parse HEAD` at build time), or
/// `unknown`.
pub const GIT_COMMIT: &str = env!("CALLSIFT_GIT_COMMIT");

/// `prev_sha256` of the first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One run, as recorded (everything but `prev_sha256`, which [`line()`] computes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// When the run ended, RFC 3339 UTC.
    pub time: String,
    /// Who ran it: `USER`, else `LOGNAME`, else the numeric uid.
    pub user: String,
    /// Where: `/etc/hostname`, else `HOSTNAME`, else the kernel's host name.
    pub host: String,
    /// The command line, argument by argument.
    pub command: Vec<String>,
    /// The crate version.
    pub version: String,
    /// The git commit the binary was built from ([`GIT_COMMIT`]).
    pub git_commit: String,
    /// SHA-256 of the case manifest, hex, when the command had one.
    pub case_sha256: Option<String>,
    /// SHA-256 of the `manifest.json` the run committed, hex; `None` when it failed before.
    pub manifest_sha256: Option<String>,
    /// The step's exit status.
    pub exit: i32,
}

impl Entry {
    /// An entry for a run of this binary that ends now, by this user on this host.
    pub fn now(
        command: Vec<String>,
        case_sha256: Option<String>,
        manifest_sha256: Option<String>,
        exit: i32,
    ) -> Entry {
        Entry {
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            user: user(),
            host: host(),
            command,
            version: env!("CARGO_PKG_VERSION").to_string(),
            git_commit: GIT_COMMIT.to_string(),
            case_sha256,
            manifest_sha256,
            exit,
        }
    }
}

/// A line as written: the entry and the link to the line before.
#[derive(Serialize)]
struct Record<'a> {
    #[serde(flatten)]
    entry: &'a Entry,
    prev_sha256: String,
}

/// A line as read back: every field required, nothing else allowed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read to check the shape of a line
struct Parsed {
    time: String,
    user: String,
    host: String,
    command: Vec<String>,
    version: String,
    git_commit: String,
    case_sha256: Option<String>,
    manifest_sha256: Option<String>,
    exit: i32,
    prev_sha256: String,
}

/// Hex SHA-256 of a line's bytes (without its newline).
pub fn line_sha256(line: &str) -> String {
    hex(&Sha256::digest(line.as_bytes()))
}

/// The line (without its newline) that follows `prev`, the previous line without its newline
/// (`None` for the first line of a log).
pub fn line(prev: Option<&str>, entry: &Entry) -> String {
    let rec = Record {
        entry,
        prev_sha256: prev.map_or_else(|| GENESIS.to_string(), line_sha256),
    };
    // A struct of strings, numbers and a list of strings always serializes.
    serde_json::to_string(&rec).unwrap_or_default()
}

/// Appends `entry` to the log at `path` (created when absent): reads the last line, chains to
/// it, appends the new line in one write (`O_APPEND`) and syncs it to disk.
///
/// # Errors
/// [`Error::Io`] naming the log.
pub fn append(path: &Path, entry: &Entry) -> Result<()> {
    let io = |e| Error::io(path, e);
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(io)?;
    let (last, ends_with_newline) = last_line(&mut f).map_err(io)?;
    let mut text = String::new();
    if !ends_with_newline {
        // A torn last line (no newline): end it, so the new line stands alone; `check` reports
        // the torn one.
        text.push('\n');
    }
    text.push_str(&line(last.as_deref(), entry));
    text.push('\n');
    f.write_all(text.as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)?;
    if last.is_none() {
        // A new log: make its name durable too.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
    }
    Ok(())
}

/// The last line of an open log (without its newline; `None` when the log is empty) and
/// whether the log ends with a newline (true when empty). Reads backwards from the end in
/// blocks, so a long log is not read whole.
fn last_line(f: &mut std::fs::File) -> std::io::Result<(Option<String>, bool)> {
    let len = f.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok((None, true));
    }
    const BLOCK: u64 = 4096;
    let mut tail: Vec<u8> = Vec::new();
    let mut pos = len;
    let mut ends_with_newline = None;
    loop {
        let start = pos.saturating_sub(BLOCK);
        let mut block = vec![0u8; (pos - start) as usize];
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut block)?;
        block.extend_from_slice(&tail);
        tail = block;
        pos = start;
        let nl = *ends_with_newline.get_or_insert(tail.last() == Some(&b'\n'));
        let body = if nl {
            &tail[..tail.len() - 1]
        } else {
            &tail[..]
        };
        if let Some(i) = memchr::memrchr(b'\n', body) {
            let last = String::from_utf8_lossy(&body[i + 1..]).into_owned();
            return Ok((Some(last), nl));
        }
        if pos == 0 {
            return Ok((Some(String::from_utf8_lossy(body).into_owned()), nl));
        }
    }
}

/// The problems of the log at `path`: a line that is not a JSON audit entry, a line whose
/// `prev_sha256` is not the SHA-256 of the line before it (or, on the first line, not 64
/// zeros), a last line without its newline. A missing log is not a problem (output folders
/// from before the log have none); callers that care note it themselves.
pub fn check(path: &Path) -> Vec<String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => return vec![format!("cannot be read: {e}")],
    };
    let mut problems = Vec::new();
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return vec!["is not UTF-8 text".to_string()];
    };
    if text.is_empty() {
        return vec!["is empty".to_string()];
    }
    let body = match text.strip_suffix('\n') {
        Some(b) => b,
        None => {
            problems.push("the last line has no newline (a torn write or an edit)".to_string());
            text
        }
    };
    let mut prev: Option<&str> = None;
    for (i, l) in body.split('\n').enumerate() {
        let n = i + 1;
        let expected = prev.map_or_else(|| GENESIS.to_string(), line_sha256);
        match serde_json::from_str::<Parsed>(l) {
            Err(e) => problems.push(format!("line {n} is not an audit entry: {e}")),
            Ok(p) if p.prev_sha256 != expected => problems.push(if prev.is_none() {
                format!(
                    "line 1: prev_sha256 is {}, not 64 zeros: the log does not start at its \
                     first line (lines removed from the top?)",
                    p.prev_sha256
                )
            } else {
                format!(
                    "line {n}: prev_sha256 {} is not the SHA-256 of line {} ({expected}): the \
                     chain is broken (a line edited, removed or moved)",
                    p.prev_sha256,
                    n - 1
                )
            }),
            Ok(_) => {}
        }
        prev = Some(l);
    }
    problems
}

/// The `manifest_sha256` of the last line that has one, if the log can be read and parsed
/// that far (lines that do not parse are passed over; [`check`] reports them).
pub fn last_manifest_sha256(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<Parsed>(l).ok())
        .find_map(|p| p.manifest_sha256)
}

/// The user running this process: `USER`, else `LOGNAME`, else the uid, else `unknown`.
fn user() -> String {
    for v in ["USER", "LOGNAME"] {
        if let Ok(u) = std::env::var(v) {
            if !u.trim().is_empty() {
                return u.trim().to_string();
            }
        }
    }
    uid().unwrap_or_else(|| "unknown".to_string())
}

#[cfg(unix)]
fn uid() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    // The owner of this process's /proc entry is its real uid.
    std::fs::metadata("/proc/self")
        .ok()
        .map(|m| format!("uid {}", m.uid()))
}

#[cfg(not(unix))]
fn uid() -> Option<String> {
    None
}

/// This host's name: `/etc/hostname`, else `HOSTNAME`, else the kernel's, else `unknown`.
fn host() -> String {
    let file = |p: &str| {
        std::fs::read_to_string(p)
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    file("/etc/hostname")
        .or_else(|| {
            std::env::var("HOSTNAME")
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        })
        .or_else(|| file("/proc/sys/kernel/hostname"))
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(exit: i32) -> Entry {
        Entry::now(
            vec!["callsift".into(), "run".into(), "case.toml".into()],
            Some("ab".repeat(32)),
            (exit == 0).then(|| "cd".repeat(32)),
            exit,
        )
    }

    fn lines(p: &Path) -> Vec<String> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn line_has_every_field_in_order_and_chains() {
        let e = entry(0);
        let first = line(None, &e);
        let v: serde_json::Value = serde_json::from_str(&first).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        let mut want = vec![
            "time",
            "user",
            "host",
            "command",
            "version",
            "git_commit",
            "case_sha256",
            "manifest_sha256",
            "exit",
            "prev_sha256",
        ];
        want.sort();
        assert_eq!(sorted, want);
        assert!(first.starts_with("{\"time\":"), "{first}");
        assert!(first.ends_with(&format!("\"prev_sha256\":\"{GENESIS}\"}}")));
        assert!(v["time"].as_str().unwrap().ends_with('Z'));
        assert!(chrono::DateTime::parse_from_rfc3339(v["time"].as_str().unwrap()).is_ok());
        let second = line(Some(&first), &entry(4));
        let v2: serde_json::Value = serde_json::from_str(&second).unwrap();
        assert_eq!(v2["prev_sha256"], line_sha256(&first));
        assert_eq!(v2["manifest_sha256"], serde_json::Value::Null);
        assert_eq!(v2["exit"], 4);
        assert!(!second.contains('\n'));
    }

    #[test]
    fn append_builds_a_chain_that_checks() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(crate::layout::AUDIT);
        assert!(check(&p).is_empty(), "a missing log is not a problem");
        for k in 0..3 {
            append(&p, &entry(k)).unwrap();
        }
        let ls = lines(&p);
        assert_eq!(ls.len(), 3);
        assert!(ls[0].contains(GENESIS));
        assert!(ls[2].contains(&line_sha256(&ls[1])));
        assert_eq!(check(&p), Vec::<String>::new());
        assert_eq!(last_manifest_sha256(&p), Some("cd".repeat(32)));
    }

    #[test]
    fn append_finds_the_last_line_of_a_long_log() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(crate::layout::AUDIT);
        // Lines longer than the read-back block.
        let mut e = entry(0);
        e.command.push("x".repeat(10_000));
        for _ in 0..3 {
            append(&p, &e).unwrap();
        }
        assert_eq!(check(&p), Vec::<String>::new());
    }

    #[test]
    fn check_catches_an_edit_a_removal_a_reorder_and_junk() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(crate::layout::AUDIT);
        for k in 0..4 {
            append(&p, &entry(k)).unwrap();
        }
        let ls = lines(&p);
        let write = |ls: &[String]| {
            let mut t = ls.join("\n");
            t.push('\n');
            std::fs::write(&p, t).unwrap();
            check(&p)
        };
        let mut edited = ls.clone();
        edited[1] = edited[1].replace("\"exit\":1", "\"exit\":0");
        let pr = write(&edited);
        assert!(pr.iter().any(|m| m.starts_with("line 3:")), "{pr:?}");
        let mut removed = ls.clone();
        removed.remove(2);
        let pr = write(&removed);
        assert!(pr.iter().any(|m| m.starts_with("line 3:")), "{pr:?}");
        let mut first_removed = ls.clone();
        first_removed.remove(0);
        let pr = write(&first_removed);
        assert!(pr.iter().any(|m| m.starts_with("line 1:")), "{pr:?}");
        let mut swapped = ls.clone();
        swapped.swap(1, 2);
        assert!(!write(&swapped).is_empty());
        let mut junk = ls.clone();
        junk.insert(2, "not json".into());
        let pr = write(&junk);
        assert!(
            pr.iter().any(|m| m.contains("not an audit entry")),
            "{pr:?}"
        );
        write(&ls);
        assert!(check(&p).is_empty());
        std::fs::write(&p, ls.join("\n")).unwrap();
        assert!(check(&p).iter().any(|m| m.contains("no newline")));
    }

    #[test]
    fn append_after_a_torn_line_starts_a_new_line() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(crate::layout::AUDIT);
        append(&p, &entry(0)).unwrap();
        let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"{\"time\":").unwrap();
        drop(f);
        append(&p, &entry(0)).unwrap();
        let ls = lines(&p);
        assert_eq!(ls.len(), 3);
        assert!(ls[2].contains(&line_sha256("{\"time\":")));
        let pr = check(&p);
        assert_eq!(pr.len(), 1, "{pr:?}");
        assert!(pr[0].starts_with("line 2"), "{pr:?}");
    }

    #[test]
    fn who_and_where_are_never_empty() {
        let e = entry(0);
        assert!(!e.user.is_empty() && !e.host.is_empty());
        assert!(!GIT_COMMIT.is_empty());
    }
}
