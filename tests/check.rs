//! `callsift check`: every bundled case checked without a byte written; the first records shown
//! raw beside what they became; the counts are ingest's; a file that would stop the run is
//! reported and the check goes on; windows in UTC and local time; the docs' example printed
//! word for word.

mod common;
use common::{code, copy_dir, hashes, repo, run_in, s, stderr, stdout};
use std::path::{Path, PathBuf};

use callsift::check::{check, CheckOptions, Outcome};
use callsift::Case;

/// Runs `callsift check` from `cwd`; returns exit code, standard output and standard error.
fn cs(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let o = run_in(cwd, &all);
    assert!(
        code(&o) != 101 && !stderr(&o).contains("panicked"),
        "callsift {all:?} panicked: {}",
        stderr(&o)
    );
    (code(&o), stdout(&o), stderr(&o))
}

/// Every case manifest under `dir` (a `.toml` with `[[inputs]]`), sorted.
fn case_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "toml")
                && std::fs::read_to_string(&p).unwrap().contains("[[inputs]]")
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_bundled_case_is_checked_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    copy_dir(&repo("fixtures"), &root.join("fixtures"));
    let o = run_in(
        root,
        &[
            "synth", "--seed", "1", "--scale", "0.01", "--out", "world", "--quiet",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let before = hashes(root);
    let cases = case_files(root);
    assert!(cases.len() >= 9, "{cases:?}");
    for case in &cases {
        let rel = case.strip_prefix(root).unwrap();
        let (c, out, err) = cs(root, &[s(rel), "--rows", "3"]);
        // The one bundled case made to stop the run: a file entirely quarantined.
        let stops = rel.ends_with("rules/garbage/case.toml");
        assert_eq!(c, if stops { 1 } else { 0 }, "{rel:?}\n{out}\n{err}");
        assert!(
            out.starts_with(&format!("case {}: valid (", rel.display())),
            "{out}"
        );
        assert!(out.contains("\nchecked "), "{out}");
        assert_eq!(out.contains("STOPS THE RUN"), stops, "{out}");
        assert!(err.is_empty(), "{err}");
    }
    assert_eq!(hashes(root), before, "check wrote or changed a file");
}

#[test]
fn samples_show_raw_beside_converted_quarantined_and_filtered() {
    let (c, out, _) = cs(
        &repo(""),
        &[
            "fixtures/rules/mixed-direction/case.toml",
            "--input",
            "1",
            "--rows",
            "4",
        ],
    );
    assert_eq!(c, 0, "{out}");
    // The docs show this very output (docs/formats.md, "Trying a profile: callsift check").
    let doc = std::fs::read_to_string(repo("docs/formats.md")).unwrap();
    let block = doc
        .split("$ callsift check fixtures/rules/mixed-direction/case.toml --input 1 --rows 4\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/formats.md shows `callsift check` on mixed-direction");
    assert_eq!(out, block, "docs/formats.md's example of check drifted");
    assert!(out.contains("\n       4  raw  613-555-0102,613-555-0101,OUT,2011-05-02 12:00:00,60\n          filtered (left out by the row filter)\n"));
    assert!(out.contains("->   called=+16135550101  calling=+16135550199  calling_status=ok  calling_raw=613-555-0199  start=2011-05-02T13:15:02Z"));
    assert!(
        !out.contains("unused source columns"),
        "Direction is read by the row filter: {out}"
    );

    let (c, out, _) = cs(
        &repo(""),
        &["fixtures/rules/garbage/case.toml", "--rows", "8"],
    );
    assert_eq!(c, 1, "{out}");
    assert!(out.contains("8 records (utf-8): 0 accepted, 8 quarantined (100.0 %), 0 filtered\n  STOPS THE RUN: 100.0 % quarantined is more than max_quarantine_share = 0.2 of profile `day-first`"), "{out}");
    assert!(out.contains("QUARANTINED  column `start`: timestamp does not match the profile's time format(s): \"2011-05-02 09:15:02\""), "{out}");
    // A line the reader could not split has no column at fault.
    assert!(out.contains("QUARANTINED  too few fields: 2 of 4"), "{out}");
    assert!(out.ends_with("checked 1 file: 1 would stop the run (nothing was written)\n"));

    // Items of an exploded record: line#item, the record's raw text with each.
    let (c, out, _) = cs(&repo(""), &["fixtures/nested/case.toml", "--rows", "2"]);
    assert_eq!(c, 0, "{out}");
    assert!(
        out.contains("\n     1#1  raw  {\"download_id\": \"DL-1\""),
        "{out}"
    );
    assert!(out.contains("\n     1#2  raw  "), "{out}");
    assert!(
        out.contains("->   number=+15195550101  download=DL-1"),
        "{out}"
    );
}

#[test]
fn rows_and_input_choose_what_is_shown() {
    let root = repo("");
    let (c, out, _) = cs(&root, &["fixtures/formats/case.toml", "--rows", "0"]);
    assert_eq!(c, 0);
    assert!(!out.contains("  raw  "), "{out}");
    let (_, all, _) = cs(&root, &["fixtures/formats/case.toml", "--rows", "1"]);
    let (_, one, _) = cs(
        &root,
        &["fixtures/formats/case.toml", "--input", "2", "--rows", "1"],
    );
    let files = |o: &str| o.lines().filter(|l| l.starts_with("input ")).count();
    assert!(files(&all) > files(&one), "{one}");
    assert!(one
        .lines()
        .filter(|l| l.starts_with("input "))
        .all(|l| l.starts_with("input 2 ")));
    for bad in ["0", "99"] {
        let (c, out, err) = cs(&root, &["fixtures/formats/case.toml", "--input", bad]);
        assert_eq!(c, 3, "{out}{err}");
        assert!(
            err.contains(&format!("--input {bad}: the case has inputs 1 to ")),
            "{err}"
        );
    }
    let (c, _, err) = cs(&root, &["fixtures/formats/no-such-case.toml"]);
    assert_eq!(c, 3, "{err}");
}

/// A case with a local-day window, a good file and a file that lacks a mapped column.
fn two_file_case(dir: &Path) -> PathBuf {
    std::fs::write(
        dir.join("a.csv"),
        "To,From,When\n6135550101,6135550199,2011-05-02 09:15:02\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("b.csv"),
        "To,Caller,When\n6135550102,6135550199,2011-05-02 09:16:00\n",
    )
    .unwrap();
    let case = dir.join("case.toml");
    std::fs::write(
        &case,
        "[windows]\n\
         incident = { date = \"2011-05-02\", time_zone = \"America/Toronto\" }\n\
         [[inputs]]\nkind = \"calls\"\npath = \"*.csv\"\nprofile = \"p\"\n\
         [profiles.p]\ntime_zone = \"America/Toronto\"\n\
         timestamp_formats = [\"%Y-%m-%d %H:%M:%S\"]\n\
         [profiles.p.columns]\ncalled = \"To\"\ncalling = \"From\"\nstart = \"When\"\n",
    )
    .unwrap();
    case
}

#[test]
fn a_file_that_would_stop_the_run_is_reported_and_the_check_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    two_file_case(tmp.path());
    let before = hashes(tmp.path());
    let (c, out, err) = cs(tmp.path(), &["case.toml"]);
    assert_eq!(c, 1, "{out}{err}");
    assert!(out.contains("  incident  2011-05-02T04:00:00Z .. 2011-05-03T04:00:00Z (24 h); local 2011-05-02 00:00 EDT .. 2011-05-03 00:00 EDT (America/Toronto)\n"), "{out}");
    let a = out.split("input 1 · a.csv").nth(1).unwrap();
    assert!(a.contains("1 records (utf-8): 1 accepted"), "{out}");
    let b = out.split("input 1 · b.csv").nth(1).unwrap();
    assert!(
        b.contains("  STOPS THE RUN: ") && b.contains("\"From\""),
        "{out}"
    );
    assert!(out.ends_with("checked 2 files: 1 would stop the run (nothing was written)\n"));
    assert_eq!(hashes(tmp.path()), before);
}

#[test]
fn check_counts_are_the_counts_ingest_records() {
    for rel in [
        "fixtures/formats/case.toml",
        "fixtures/rules/mixed-direction/case.toml",
        "fixtures/nested/case.toml",
        "fixtures/rules/population/case.toml",
    ] {
        let case = Case::load(&repo(rel)).unwrap();
        let report = check(
            &case,
            &CheckOptions {
                input: None,
                rows: 5,
            },
        )
        .unwrap();
        let out = tempfile::tempdir().unwrap();
        let ingested = callsift::ingest::run(&case, out.path(), 2).unwrap();
        assert_eq!(report.files.len(), ingested.manifest.inputs.len(), "{rel}");
        for (f, m) in report.files.iter().zip(&ingested.manifest.inputs) {
            let fs = f.result.as_ref().unwrap();
            let c = &fs.counts;
            // Duplicates are removed across files after reading: check sees them as accepted.
            assert_eq!(c.rows_read, m.rows_read, "{rel} {}", f.name);
            assert_eq!(
                c.accepted,
                m.accepted + m.duplicates_removed,
                "{rel} {}",
                f.name
            );
            assert_eq!(c.quarantined, m.quarantined, "{rel} {}", f.name);
            assert_eq!(c.filtered, m.filtered, "{rel} {}", f.name);
            // The samples are the file's first records, in order, as many as asked.
            let n = fs.samples.len() as u64;
            assert_eq!(n, c.rows_read.min(5), "{rel} {}", f.name);
            assert!(fs
                .samples
                .windows(2)
                .all(|w| (w[0].row, w[0].item) < (w[1].row, w[1].item)));
            let accepted = fs
                .samples
                .iter()
                .filter(|x| matches!(x.outcome, Outcome::Accepted(_)))
                .count() as u64;
            assert!(accepted <= c.accepted);
        }
    }
}
