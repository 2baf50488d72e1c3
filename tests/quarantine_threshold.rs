//! The quarantine threshold (issue 13, item 4), through the binary: a file whose records all go
//! to the quarantine (a wrong time format) stops the run with exit 4, naming the file, its share
//! and its three commonest reasons with an example line each, and writes nothing; a file with
//! one bad record in ten passes under the default `max_quarantine_share` of 0.2 and is marked in
//! the ingest summary; raising the profile's `max_quarantine_share` lets the garbage file
//! through, marked.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary in the repository root: (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_callsift"))
        .current_dir(root())
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_file_of_garbage_stops_the_run_with_exit_4_naming_its_reasons() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let (code, text, err) = run(&[
        "ingest",
        "fixtures/rules/garbage/case.toml",
        "--out",
        s(&out),
    ]);
    assert_eq!(code, 4, "{text}{err}");
    assert!(text.is_empty(), "{text}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[0],
        "callsift: error: fixtures/rules/garbage/calls-wrong-format.csv: 8 of 8 records \
         (100.0 %) went to the quarantine, more than max_quarantine_share = 0.2 (20.0 %) of \
         profile `day-first` allows; nothing was written. Commonest reasons:"
    );
    // The three commonest reasons, most frequent first, ties in file order, each with the
    // first record that has it.
    assert_eq!(
        lines[1],
        "  5 × column `start`: timestamp does not match the profile's time format(s): \"…\" \
         (e.g. line 2: \"613-555-0101,613-555-0199,2011-05-02 09:15:02,32\")"
    );
    assert_eq!(
        lines[2],
        "  1 × too few fields: 2 of 4 (e.g. line 5: \"613-555-0101,613-555-0142\")"
    );
    assert_eq!(
        lines[3],
        "  1 × column `called`: invalid number \"…\": too few digits \
         (e.g. line 6: \"555-0102,613-555-0142,2011-04-25 18:02:11,245\")"
    );
    assert!(lines[4].contains("raise max_quarantine_share"), "{err}");
    assert_eq!(lines.len(), 5, "{err}");
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn one_bad_record_in_ten_passes_and_is_marked() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let (code, text, err) = run(&[
        "ingest",
        "fixtures/rules/garbage/marked.toml",
        "--out",
        s(&out),
    ]);
    assert_eq!(code, 0, "{text}{err}");
    let row = text
        .lines()
        .find(|l| l.starts_with("calls-one-bad.csv"))
        .unwrap_or_else(|| panic!("{text}"));
    let words: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        words,
        [
            "calls-one-bad.csv",
            "calls",
            "10",
            "9",
            "1",
            "0",
            "0",
            "!",
            "10.0",
            "%",
            "quarantined"
        ]
    );
    assert!(
        text.contains("! more than 1 % of the file's records are in the quarantine"),
        "{text}"
    );
}

#[test]
fn raising_max_quarantine_share_lets_the_file_through() {
    let d = tempfile::tempdir().unwrap();
    let case = std::fs::read_to_string(root().join("fixtures/rules/garbage/case.toml")).unwrap();
    let dir = root().join("fixtures/rules/garbage");
    let case = case
        .replace(
            "path = \"calls-wrong-format.csv\"",
            &format!("path = {:?}", s(&dir.join("calls-wrong-format.csv"))),
        )
        .replace(
            "[profiles.day-first]\n",
            "[profiles.day-first]\nmax_quarantine_share = 1\n",
        );
    let case_path = d.path().join("case.toml");
    std::fs::write(&case_path, case).unwrap();
    let out = d.path().join("out");
    let (code, text, err) = run(&["ingest", s(&case_path), "--out", s(&out)]);
    assert_eq!(code, 0, "{text}{err}");
    assert!(text.contains("! 100.0 % quarantined"), "{text}");
    let m = callsift::manifest::Manifest::read(&out).unwrap();
    assert_eq!((m.inputs[0].rows_read, m.inputs[0].quarantined), (8, 8));
}
