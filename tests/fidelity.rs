//! Cell fidelity (issue 13, item 6): every odd cell of the text, CSV and xlsx readers has one
//! defined behaviour that keeps the raw value and never turns an unreadable value into a
//! *blocked* caller ID. The files are under fixtures/fidelity/ (the workbooks are written by
//! `workbooks()` below; `CALLSIFT_WRITE_FIXTURES=1 cargo test --test fidelity` rewrites the
//! committed copies, and `committed_workbooks_are_current` checks them). docs/formats.md,
//! "Fidelity", lists each case.

mod common;

use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Int32Type, TimestampMicrosecondType, UInt64Type};
use callsift::config::Case;
use callsift::ingest;
use callsift::manifest::InputRecord;
use callsift::store::read_table;
use common::repo;

fn fixture(name: &str) -> PathBuf {
    repo("fixtures/fidelity").join(name)
}

/// The corpus layout (`fixtures/fidelity/profile.toml`) as an inline profile `p`, `extra` keys
/// added.
fn inline_profile(extra: &str) -> String {
    format!(
        "[profiles.p]\n{extra}time_zone = \"America/Toronto\"\n\
         timestamp_formats = [\"%Y-%m-%d %H:%M:%S\"]\nduration = \"s\"\n\
         [profiles.p.columns]\ncalled = \"Called\"\ncalling = \"Calling\"\n\
         start = \"Start\"\nduration = \"Duration\"\n"
    )
}

/// A one-input calls case over `path` with the corpus profile, written in `dir`.
fn case_for(dir: &Path, path: &Path, extra: &str) -> Case {
    let text = format!(
        "[[inputs]]\nkind = \"calls\"\npath = {:?}\nprofile = \"p\"\nlabel = \"T\"\n{}",
        path.display().to_string(),
        inline_profile(extra)
    );
    let case_path = dir.join("case.toml");
    std::fs::write(&case_path, text).unwrap();
    Case::load(&case_path).unwrap()
}

struct Outcome {
    input: InputRecord,
    out: PathBuf,
    _dir: tempfile::TempDir,
}

/// One quarantined row: (row, column, reason, raw).
type QRow = (u64, String, String, String);

impl Outcome {
    fn quarantine(&self) -> Vec<QRow> {
        let q = read_table(&self.out.join("store/quarantine.parquet")).unwrap();
        let rows = q.column_by_name("source_row").unwrap();
        let rows = rows.as_primitive::<UInt64Type>();
        let text = |name: &str, i: usize| {
            let c = q.column_by_name(name).unwrap();
            let c = arrow::compute::cast(c, &arrow::datatypes::DataType::Utf8).unwrap();
            let c = c.as_string::<i32>();
            if c.is_null(i) {
                String::new()
            } else {
                c.value(i).to_string()
            }
        };
        (0..q.num_rows())
            .map(|i| {
                (
                    rows.value(i),
                    text("column", i),
                    text("reason", i),
                    text("raw", i),
                )
            })
            .collect()
    }

    fn calls(&self) -> RecordBatch {
        read_table(&self.out.join("store/calls.parquet")).unwrap()
    }

    /// (source_row, calling_status, calling_raw) of the accepted calls.
    fn callers(&self) -> Vec<(u64, String, String)> {
        let c = self.calls();
        let rows = c.column_by_name("source_row").unwrap();
        let rows = rows.as_primitive::<UInt64Type>();
        let status = c.column_by_name("calling_status").unwrap();
        let status = status.as_dictionary::<Int32Type>();
        let values = status.values().as_string::<i32>();
        let raw = c.column_by_name("calling_raw").unwrap();
        let raw = raw.as_string::<i32>();
        (0..c.num_rows())
            .map(|i| {
                let k = status.keys().value(i) as usize;
                (
                    rows.value(i),
                    values.value(k).to_string(),
                    raw.value(i).to_string(),
                )
            })
            .collect()
    }

    /// `start` of the accepted calls, UTC microseconds.
    fn starts(&self) -> Vec<i64> {
        let c = self.calls();
        let s = c.column_by_name("start").unwrap();
        s.as_primitive::<TimestampMicrosecondType>()
            .values()
            .to_vec()
    }
}

fn ingest_ok(path: &Path, extra: &str) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let case = case_for(dir.path(), path, extra);
    let out = dir.path().join("out");
    let rep = ingest::run(&case, &out, 1).unwrap();
    let input = rep.manifest.inputs[0].clone();
    assert!(input.reconciles(), "{input:?}");
    Outcome {
        input,
        out,
        _dir: dir,
    }
}

fn ingest_err(path: &Path) -> String {
    let dir = tempfile::tempdir().unwrap();
    let case = case_for(dir.path(), path, "");
    let out = dir.path().join("out");
    let e = ingest::run(&case, &out, 1).unwrap_err();
    assert!(!out.exists(), "nothing may be written");
    let msg = e.to_string();
    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(msg.contains(name), "the error names the file: {msg}");
    msg
}

/// UTC microseconds of a Toronto wall-clock time in May 2011 (EDT, UTC-4).
fn toronto_may_2011(day: u32, h: u32, m: u32, s: u32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(2011, 5, day)
        .unwrap()
        .and_hms_opt(h + 4, m, s)
        .unwrap()
        .and_utc()
        .timestamp_micros()
}

// ---------------------------------------------------------------------------------------------
// Phone numbers.

#[test]
fn odd_numbers_are_invalid_or_quarantined_never_blocked() {
    let o = ingest_ok(&fixture("phone-odd.csv"), "");
    assert_eq!(
        (o.input.rows_read, o.input.accepted, o.input.quarantined),
        (6, 4, 2),
        "{:?}",
        o.input
    );
    // Caller IDs: the hex literal and the commas are invalid (raw kept), the slash is a
    // separator, a lone 0 is the withheld marker.
    assert_eq!(
        o.callers(),
        vec![
            (2, "invalid".into(), "0x16135550101".into()),
            (3, "invalid".into(), "613,555,0199".into()),
            (4, "ok".into(), "613/555-0198".into()),
            (7, "blocked".into(), "0".into()),
        ]
    );
    assert_eq!(
        (o.input.invalid_caller_ids, o.input.blocked_caller_ids),
        (2, 1)
    );
    // Called numbers: quarantined with the reason and the line.
    let q = o.quarantine();
    assert_eq!(q.len(), 2, "{q:?}");
    assert_eq!((q[0].0, q[0].1.as_str()), (5, "called"));
    assert_eq!(
        q[0].2,
        "invalid number \"0x16135550104\": not a phone number (letters, symbols or no digits)"
    );
    assert_eq!((q[1].0, q[1].1.as_str()), (6, "called"));
    assert_eq!(
        q[1].2,
        "invalid number \"613,555,0105\": a comma inside the number (a list of numbers, \
         thousands separators or a decimal comma?)"
    );
    assert!(q[1].3.starts_with("\"613,555,0105\","), "{q:?}");
}

// ---------------------------------------------------------------------------------------------
// CSV files.

#[test]
fn lone_cr_line_ends_are_read_as_lines() {
    let o = ingest_ok(&fixture("lone-cr.csv"), "");
    assert_eq!(
        (o.input.rows_read, o.input.accepted, o.input.blank_lines),
        (3, 3, 1),
        "{:?}",
        o.input
    );
    assert_eq!(o.input.encoding, "utf-8, CR line ends");
    // Line numbers count the `\r`s, the blank line 4 included; no `\r` is left in a value.
    let callers = o.callers();
    assert_eq!(
        callers.iter().map(|c| c.0).collect::<Vec<_>>(),
        vec![2, 3, 5]
    );
    assert_eq!(callers[2].2, "613-555-0198");
    assert_eq!(o.starts()[0], toronto_may_2011(2, 9, 15, 2));
    // Multiline mode reads it the same way.
    let m = ingest_ok(&fixture("lone-cr.csv"), "multiline = true\n");
    assert_eq!((m.input.accepted, m.input.blank_lines), (3, 1));
    assert_eq!(m.callers(), callers);
}

#[test]
fn lone_cr_inside_a_crlf_file_is_still_data() {
    // The first line end decides: a CRLF file keeps its bare `\r` as data (fixtures/bad).
    let o = ingest_ok(&repo("fixtures/bad/crlf-quoted-bare-cr.csv"), "");
    assert_eq!(o.input.encoding, "utf-8");
    assert_eq!((o.input.accepted, o.input.quarantined), (3, 1));
}

#[test]
fn bom_only_file_is_empty_and_says_so() {
    let msg = ingest_err(&fixture("bom-only.csv"));
    assert!(
        msg.ends_with(
            "bom-only.csv: empty file (3 bytes, only a UTF-8 byte-order mark): no header, \
             no records"
        ),
        "{msg}"
    );
    // A file of 0 bytes is still "0 bytes".
    let msg = ingest_err(&repo("fixtures/bad/empty.csv"));
    assert!(msg.contains("empty file (0 bytes)"), "{msg}");
}
