//! Inputs found by the fuzz targets (`fuzz/`, see `fuzz/run.sh`), kept as files in
//! `fixtures/bad/fuzz/<target>-<name>` and fed through the same library path as the target that
//! found them: each must give an error naming the file, or its bad rows in the quarantine with
//! a reason, never a panic, a hang or an over-allocation.

use std::path::{Path, PathBuf};

use callsift::config::{Case, InputFile};
use callsift::ingest::{self, Loaded};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/bad/fuzz")
        .join(name)
}

/// The `InputFile` of a one-input case reading `path` as `kind` with the profile `profile`
/// (TOML text), as the fuzz harness builds them (`fuzz/src/lib.rs`).
fn input(dir: &Path, path: &Path, kind: &str, profile: &str) -> InputFile {
    let prof = dir.join("profile.toml");
    std::fs::write(&prof, profile).unwrap();
    let text = format!(
        "[[inputs]]\nkind = \"{kind}\"\npath = {:?}\nprofile = \"profile.toml\"\n",
        path.display().to_string()
    );
    let case = Case::from_toml(&text, &dir.join("case.toml")).unwrap();
    case.files.into_iter().next().unwrap()
}

/// Reads fixture `name` as the target would, checks the reconciliation of a result and that an
/// error names the file.
fn read(name: &str, kind: &str, profile: &str) -> callsift::Result<Loaded> {
    let d = tempfile::tempdir().unwrap();
    let f = input(d.path(), &fixture(name), kind, profile);
    let r = ingest::read_file(&f);
    match &r {
        Ok(l) => {
            let c = &l.counts;
            assert_eq!(c.rows_read, c.accepted + c.quarantined, "{c:?}");
            let stored: usize = l.chunks.iter().map(|ch| ch.batch.num_rows()).sum();
            let quarantined: usize = l.chunks.iter().map(|ch| ch.quarantine.len()).sum();
            assert_eq!(stored as u64, c.accepted);
            assert_eq!(quarantined as u64, c.quarantined);
        }
        Err(e) => assert!(e.to_string().contains(name), "{e}"),
    }
    r
}

/// fixtures/bad/profile.toml: the layout of the bad-input corpus (and the `csv_profile`
/// target's first profile).
const BAD_CORPUS: &str = r#"
time_zone = "America/Toronto"
timestamp_formats = ["%Y-%m-%d %H:%M:%S"]
duration = "s"
[columns]
called = "Called"
calling = "Calling"
start = "Start"
duration = "Duration"
"#;

/// A line with a quote (so split by csv-core) and a bare carriage return inside it (two old-Mac
/// records on one line). csv-core ended the record at the `\r` and the second half of the line
/// vanished from an accepted row; without the quote the same line was quarantined. Now the
/// `\r` is data, as on the memchr path, and the line is quarantined with its reason.
#[test]
fn csv_bare_cr_inside_a_quoted_line_is_not_dropped() {
    let l = read(
        "csv_profile-bare-cr-in-quoted-line.csv",
        "calls",
        BAD_CORPUS,
    )
    .unwrap();
    let c = &l.counts;
    assert_eq!((c.rows_read, c.accepted, c.quarantined), (1, 0, 1), "{c:?}");
    let q = &l.chunks[0].quarantine[0];
    assert_eq!(q.row, 2);
    assert!(q.reason.contains("too many fields"), "{q:?}");
    assert!(q.raw.contains("6135550102"), "{q:?}");
}

/// A run manifest naming an output outside the output folder that never ends (`/dev/zero`):
/// `verify` hashed it forever. Found while writing the `manifest` target (which therefore
/// feeds `verify` only paths inside the folder). Now an output outside the folder is a problem
/// named in the report, at once.
#[test]
fn verify_does_not_hash_a_device_forever() {
    let d = tempfile::tempdir().unwrap();
    let m = std::fs::read_to_string(fixture("manifest-dev-zero.json")).unwrap();
    std::fs::write(d.path().join("manifest.json"), m).unwrap();
    let t = std::time::Instant::now();
    let v = callsift::manifest::verify(d.path(), None).unwrap();
    assert!(t.elapsed() < std::time::Duration::from_secs(5));
    assert!(
        v.problems
            .iter()
            .any(|p| p.file.contains("/dev/zero") || p.message.contains("/dev/zero")),
        "{:?}",
        v.problems
    );
}
