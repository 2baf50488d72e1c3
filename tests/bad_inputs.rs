//! The bad-input corpus (fixtures/bad/, written by make_bad.py): for each damaged file, either a
//! clear error naming the file (and line) with nothing written, or the bad rows in the quarantine
//! with their reason and the reconciliation intact. Never a panic, never a silent drop.

use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray};
use arrow::datatypes::{Int32Type, TimestampMicrosecondType, UInt64Type};
use callsift::config::Case;
use callsift::ingest;
use callsift::manifest::InputRecord;
use callsift::store::read_table;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/bad")
        .join(name)
}

/// A one-input case over `file` with the corpus profile (or `profile` given inline).
fn case_for(dir: &Path, file: &str, profile: Option<&str>) -> Case {
    let prof = match profile {
        Some(_) => "\"p\"".to_string(),
        None => format!("{:?}", fixture("profile.toml").display().to_string()),
    };
    let mut text = format!(
        "[[inputs]]\nkind = \"calls\"\npath = {:?}\nprofile = {prof}\nlabel = \"Test Carrier\"\n",
        fixture(file).display().to_string()
    );
    if let Some(p) = profile {
        text.push_str(p);
    }
    let case_path = dir.join("case.toml");
    std::fs::write(&case_path, text).unwrap();
    Case::load(&case_path).unwrap()
}

struct Outcome {
    input: InputRecord,
    out: PathBuf,
    _dir: tempfile::TempDir,
}

impl Outcome {
    fn quarantine(&self) -> Vec<(u64, String)> {
        let q = read_table(&self.out.join("store/quarantine.parquet")).unwrap();
        let rows = q
            .column_by_name("source_row")
            .unwrap()
            .as_primitive::<UInt64Type>();
        let reasons = q.column_by_name("reason").unwrap().as_string::<i32>();
        (0..q.num_rows())
            .map(|i| (rows.value(i), reasons.value(i).to_string()))
            .collect()
    }

    /// The quarantine as (row, reason, raw).
    fn quarantine_raw(&self) -> Vec<(u64, String, String)> {
        let q = read_table(&self.out.join("store/quarantine.parquet")).unwrap();
        let raws = q.column_by_name("raw").unwrap().as_string::<i32>();
        self.quarantine()
            .into_iter()
            .enumerate()
            .map(|(i, (row, reason))| (row, reason, raws.value(i).to_string()))
            .collect()
    }

    fn calls(&self) -> arrow::array::RecordBatch {
        read_table(&self.out.join("store/calls/part-0000.parquet")).unwrap()
    }

    /// `source_row` of the accepted calls, in store order.
    fn call_rows(&self) -> Vec<u64> {
        self.calls()
            .column_by_name("source_row")
            .unwrap()
            .as_primitive::<UInt64Type>()
            .values()
            .to_vec()
    }
}

/// The corpus layout (`profile.toml`) as an inline profile `p`, with `extra` keys added. Like
/// `profile.toml`, it turns the quarantine threshold off: the files are damaged on purpose.
fn inline_profile(extra: &str) -> String {
    format!(
        "[profiles.p]\n{extra}max_quarantine_share = 1\ntime_zone = \"America/Toronto\"\n\
         timestamp_formats = [\"%Y-%m-%d %H:%M:%S\"]\nduration = \"s\"\n\
         [profiles.p.columns]\ncalled = \"Called\"\ncalling = \"Calling\"\n\
         start = \"Start\"\nduration = \"Duration\"\n"
    )
}

fn ingest_ok(file: &str, profile: Option<&str>) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let case = case_for(dir.path(), file, profile);
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

fn ingest_err(file: &str, profile: Option<&str>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let case = case_for(dir.path(), file, profile);
    let out = dir.path().join("out");
    let e = ingest::run(&case, &out, 1).unwrap_err();
    assert!(
        !out.exists(),
        "nothing may be written when a file is rejected"
    );
    let msg = e.to_string();
    assert!(msg.contains(file), "the error names the file: {msg}");
    msg
}

#[test]
fn unbalanced_quote_costs_one_line() {
    let o = ingest_ok("unbalanced-quote.csv", None);
    assert_eq!(
        (o.input.rows_read, o.input.accepted, o.input.quarantined),
        (3, 2, 1)
    );
    let q = o.quarantine();
    assert_eq!(q[0].0, 3);
    assert!(q[0].1.contains("unbalanced quote"), "{q:?}");
    // The line after the bad one is intact.
    let rows = o
        .calls()
        .column_by_name("source_row")
        .unwrap()
        .as_primitive::<UInt64Type>()
        .clone();
    assert_eq!(rows.values().to_vec(), vec![2, 4]);
}

#[test]
fn missing_column_is_an_error_naming_it() {
    let msg = ingest_err("missing-column.csv", None);
    assert!(msg.contains("\"Calling\""), "{msg}");
}

#[test]
fn extra_columns_are_listed_not_fatal() {
    let o = ingest_ok("extra-columns.csv", None);
    assert_eq!(o.input.accepted, 1);
    assert_eq!(o.input.unused_columns, ["Cell Tower", "Billing Code"]);
}

#[test]
fn bad_date_is_quarantined() {
    let o = ingest_ok("bad-date.csv", None);
    assert_eq!((o.input.accepted, o.input.quarantined), (1, 1));
    let q = o.quarantine();
    assert_eq!(q[0].0, 3);
    assert!(q[0].1.contains("2011-05-0x"), "{q:?}");
}

#[test]
fn impossible_dates_are_quarantined_never_rolled_over() {
    let o = ingest_ok("impossible-date.csv", None);
    assert_eq!((o.input.accepted, o.input.quarantined), (1, 3));
    let q = o.quarantine();
    assert_eq!(q.iter().map(|r| r.0).collect::<Vec<_>>(), vec![3, 4, 5]);
}

#[test]
fn footer_line_is_quarantined() {
    let o = ingest_ok("footer.csv", None);
    assert_eq!((o.input.accepted, o.input.quarantined), (2, 1));
    let q = o.quarantine();
    assert_eq!(q[0].0, 4);
    assert!(q[0].1.contains("footer"), "{q:?}");
}

#[test]
fn repeated_header_is_quarantined() {
    let o = ingest_ok("repeated-header.csv", None);
    assert_eq!((o.input.accepted, o.input.quarantined), (2, 1));
    assert!(o.quarantine()[0].1.contains("repeated header"));
}

#[test]
fn excel_scientific_notation_is_quarantined_not_repaired() {
    let o = ingest_ok("excel-damage.csv", None);
    assert_eq!((o.input.accepted, o.input.quarantined), (1, 1));
    let q = o.quarantine();
    assert!(q[0].1.contains("6.13555E+09"), "{q:?}");
    assert!(q[0].1.contains("never repaired"), "{q:?}");
}

#[test]
fn dst_gap_is_quarantined() {
    let o = ingest_ok("dst-gap.csv", None);
    assert_eq!((o.input.accepted, o.input.quarantined), (1, 1));
    assert_eq!(o.quarantine()[0].0, 3);
}

#[test]
fn dst_overlap_takes_the_earlier_instant_and_is_flagged() {
    let o = ingest_ok("dst-overlap.csv", None);
    assert_eq!((o.input.accepted, o.input.ambiguous_times), (2, 1));
    let b = o.calls();
    let start = b
        .column_by_name("start")
        .unwrap()
        .as_primitive::<TimestampMicrosecondType>();
    let amb = b.column_by_name("start_ambiguous").unwrap().as_boolean();
    // 2011-11-06 01:30 EDT (the earlier instant) is 05:30 UTC.
    assert_eq!(start.value(1), 1_320_557_400_000_000);
    assert!(amb.value(1) && !amb.value(0));
}

#[test]
fn invalid_numbers_key_quarantined_caller_id_kept_as_invalid() {
    let o = ingest_ok("invalid-numbers.csv", None);
    assert_eq!((o.input.accepted, o.input.quarantined), (3, 1));
    assert_eq!(o.input.invalid_caller_ids, 2);
    let q = o.quarantine();
    assert_eq!(q[0].0, 3, "the invalid called number");
    let b = o.calls();
    let calling = b
        .column_by_name("calling")
        .unwrap()
        .as_primitive::<UInt64Type>();
    let status = b
        .column_by_name("calling_status")
        .unwrap()
        .as_dictionary::<Int32Type>();
    let raw = b.column_by_name("calling_raw").unwrap().as_string::<i32>();
    assert!(calling.is_null(1) && calling.is_null(2));
    let status_of = |i: usize| {
        status
            .values()
            .as_string::<i32>()
            .value(status.keys().value(i) as usize)
            .to_string()
    };
    assert_eq!(status_of(1), "invalid");
    assert_eq!(status_of(2), "invalid");
    assert_eq!(raw.value(1), "555-0199");
}

#[test]
fn windows_1252_french_headers() {
    let profile = "[profiles.p]\nencoding = \"windows-1252\"\ntime_zone = \"America/Toronto\"\n\
        timestamp_formats = [\"%Y-%m-%d %H:%M:%S\"]\n[profiles.p.columns]\n\
        called = \"Numéro appelé\"\ncalling = \"Numéro appelant\"\nstart = \"Début\"\nduration = \"Durée\"\n";
    let o = ingest_ok("windows-1252-french.csv", Some(profile));
    assert_eq!(o.input.accepted, 1);
    assert_eq!(o.input.encoding, "windows-1252");
    // Read as UTF-8, the header is rejected with advice.
    let msg = ingest_err(
        "windows-1252-french.csv",
        Some(&profile.replace("encoding = \"windows-1252\"\n", "")),
    );
    assert!(msg.contains("windows-1252"), "{msg}");
}

#[test]
fn bom_and_crlf_are_transparent() {
    let o = ingest_ok("bom.csv", None);
    assert_eq!(o.input.accepted, 1);
    assert_eq!(o.input.encoding, "utf-8 (BOM)");
    let o = ingest_ok("crlf.csv", None);
    assert_eq!((o.input.accepted, o.input.quarantined), (2, 0));
    let raw = o.calls();
    let r = raw
        .column_by_name("calling_raw")
        .unwrap()
        .as_string::<i32>();
    assert_eq!(r.value(0), "613-555-0199", "no stray carriage return");
}

#[test]
fn empty_file_is_an_error() {
    let msg = ingest_err("empty.csv", None);
    assert!(msg.contains("empty"), "{msg}");
}

#[test]
fn header_only_gives_no_rows() {
    let o = ingest_ok("header-only.csv", None);
    assert_eq!((o.input.rows_read, o.input.accepted), (0, 0));
}

#[test]
fn truncated_parquet_is_an_error() {
    let msg = ingest_err("truncated.parquet", None);
    assert!(msg.contains("parquet"), "{msg}");
}

#[test]
fn duplicate_header_names_are_an_error_when_mapped() {
    let msg = ingest_err("duplicate-header.csv", None);
    assert!(msg.contains("appears 2 times"), "{msg}");
}

#[test]
fn huge_field_is_quarantined() {
    let o = ingest_ok("huge-field.csv", None);
    assert_eq!((o.input.accepted, o.input.quarantined), (2, 1));
    assert!(o.quarantine()[0].1.contains("max_field_bytes"));
}

#[test]
fn too_few_fields_is_quarantined() {
    let o = ingest_ok("too-few-fields.csv", None);
    assert_eq!((o.input.accepted, o.input.quarantined), (2, 1));
    assert!(o.quarantine()[0].1.contains("too few fields: 2 of 4"));
}

/// A bare carriage return is data, line by line and in multiline mode: the line holding one
/// (two old-Mac records run together) is quarantined whole, and the `\r` of a CRLF end is not
/// left on a last field, quoted or not.
#[test]
fn bare_cr_is_data_and_crlf_ends_are_trimmed() {
    for profile in [None, Some(inline_profile("multiline = true\n"))] {
        let o = ingest_ok("crlf-quoted-bare-cr.csv", profile.as_deref());
        assert_eq!(
            (o.input.rows_read, o.input.accepted, o.input.quarantined),
            (4, 3, 1),
            "{profile:?}"
        );
        assert_eq!(o.call_rows(), vec![2, 3, 5], "{profile:?}");
        let q = o.quarantine_raw();
        assert_eq!(q[0].0, 4, "{q:?}");
        assert!(q[0].1.contains("too many fields"), "{q:?}");
        assert!(q[0].2.contains("613-555-0104"), "{q:?}");
        let calls = o.calls();
        let raw = calls
            .column_by_name("calling_raw")
            .unwrap()
            .as_string::<i32>();
        let raw: Vec<&str> = raw.iter().map(Option::unwrap).collect();
        assert_eq!(
            raw,
            ["613-555-0199", "PRIVATE", "613-555-0198"],
            "{profile:?}"
        );
    }
}

#[test]
fn multiline_blank_lines_are_counted_and_keep_line_numbers() {
    let o = ingest_ok(
        "multiline-blank.csv",
        Some(&inline_profile("multiline = true\n")),
    );
    assert_eq!(
        (
            o.input.rows_read,
            o.input.accepted,
            o.input.quarantined,
            o.input.blank_lines
        ),
        (4, 3, 1, 3)
    );
    assert_eq!(o.call_rows(), vec![2, 4, 8]);
    let q = o.quarantine_raw();
    assert_eq!(q.len(), 1, "{q:?}");
    assert_eq!(q[0].0, 7);
    assert!(q[0].1.contains("runs on over the following lines"), "{q:?}");
    assert_eq!(q[0].2, "613-555-0103,\"613-555-0199,2011-05-02 09:17:00,31");
    // Line by line, the same file gives the same rows and counts.
    let o = ingest_ok("multiline-blank.csv", None);
    assert_eq!((o.input.rows_read, o.input.blank_lines), (4, 3));
    assert_eq!(o.call_rows(), vec![2, 4, 8]);
    assert_eq!(o.quarantine()[0].0, 7);
}

#[test]
fn jsonl_invalid_utf8_line_is_quarantined_and_final_newline_is_not_a_blank_line() {
    let o = ingest_ok("invalid-utf8.jsonl", None);
    assert_eq!(
        (
            o.input.rows_read,
            o.input.accepted,
            o.input.quarantined,
            o.input.blank_lines
        ),
        (2, 1, 1, 0)
    );
    assert_eq!(o.input.encoding, "utf-8");
    let q = o.quarantine_raw();
    assert_eq!(q[0].0, 2);
    assert_eq!(
        q[0].1,
        "invalid UTF-8 (is the file Windows-1252? set `encoding` in the profile)"
    );
    assert!(q[0].2.contains("caf\u{FFFD}"), "{q:?}");
    // Declared as Windows-1252: both lines accepted, and the manifest says how it was decoded.
    let o = ingest_ok(
        "invalid-utf8.jsonl",
        Some(&inline_profile("encoding = \"windows-1252\"\n")),
    );
    assert_eq!(
        (o.input.accepted, o.input.quarantined, o.input.blank_lines),
        (2, 0, 0)
    );
    assert_eq!(o.input.encoding, "windows-1252");
    assert_eq!(o.input.unused_columns, ["Note"]);
}

#[test]
fn jsonl_bom_is_reported() {
    let o = ingest_ok("bom.jsonl", None);
    assert_eq!((o.input.accepted, o.input.blank_lines), (1, 0));
    assert_eq!(o.input.encoding, "utf-8 (BOM)");
}

#[test]
fn jsonl_nested_mapped_value_is_quarantined_unmapped_is_not_read() {
    let o = ingest_ok("nested.jsonl", None);
    assert_eq!((o.input.accepted, o.input.quarantined), (1, 1));
    let q = o.quarantine();
    assert_eq!(q[0].0, 2);
    assert_eq!(
        q[0].1,
        "a nested JSON value where a plain value was expected"
    );
}

#[test]
fn numeric_durations_have_the_24_hour_limit() {
    let o = ingest_ok("numeric-durations.jsonl", None);
    assert_eq!((o.input.accepted, o.input.quarantined), (2, 3));
    assert_eq!(o.call_rows(), vec![1, 4]);
    assert_eq!(
        o.quarantine(),
        vec![
            (
                2,
                "duration is longer than 24 hours: \"100000\"".to_string()
            ),
            (3, "duration is negative: \"-5\"".to_string()),
            (
                5,
                "duration is longer than 24 hours: \"86400.5\"".to_string()
            ),
        ]
    );
}

#[test]
fn duplicates_compare_raw_caller_ids_without_a_number_and_are_listed() {
    let o = ingest_ok("duplicates.csv", None);
    assert_eq!(
        (
            o.input.rows_read,
            o.input.accepted,
            o.input.duplicates_removed
        ),
        (8, 5, 3)
    );
    // Counted over the accepted rows: PRIVATE and Anonymous; 555-0199 and 555-0123.
    assert_eq!(
        (o.input.blocked_caller_ids, o.input.invalid_caller_ids),
        (2, 2)
    );
    assert_eq!(o.call_rows(), vec![2, 4, 5, 6, 8]);
    let d = read_table(&o.out.join("store/duplicates.parquet")).unwrap();
    let u64s = |c: &str| {
        d.column_by_name(c)
            .unwrap()
            .as_primitive::<UInt64Type>()
            .values()
            .to_vec()
    };
    let files = |c: &str| {
        let a = d.column_by_name(c).unwrap().as_dictionary::<Int32Type>();
        let names = a.values().as_string::<i32>();
        (0..a.len())
            .map(|i| names.value(a.keys().value(i) as usize).to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(u64s("source_row"), vec![3, 7, 9]);
    assert_eq!(u64s("kept_row"), vec![2, 5, 8]);
    assert_eq!(files("source_file"), files("kept_file"));
    assert!(files("source_file")[0].ends_with("duplicates.csv"));
    let csv = std::fs::read_to_string(o.out.join("store/duplicates.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(csv.starts_with("source_file,source_row,source_item,kept_file,kept_row,kept_item\n"));
    let m = callsift::manifest::Manifest::read(&o.out).unwrap();
    for rel in ["store/duplicates.parquet", "store/duplicates.csv"] {
        let rec = m.outputs.iter().find(|x| x.path == rel).expect(rel);
        assert_eq!(rec.rows, Some(3), "{rel}");
    }
    let v = callsift::manifest::verify(&o.out, None).unwrap();
    assert!(v.problems.is_empty(), "{:?}", v.problems);
}

#[test]
fn zero_row_columnar_files_are_accepted() {
    for (file, encoding) in [("zero-rows.parquet", "parquet"), ("zero-rows.arrow", "ipc")] {
        let o = ingest_ok(file, None);
        assert_eq!(
            (o.input.rows_read, o.input.accepted, o.input.quarantined),
            (0, 0, 0),
            "{file}"
        );
        assert_eq!(o.input.encoding, encoding);
        assert!(o.input.unused_columns.is_empty(), "{file}");
    }
}

#[test]
fn profile_file_hash_is_recorded() {
    let o = ingest_ok("crlf.csv", None);
    let (want, _) = callsift::digest::sha256_file(&fixture("profile.toml")).unwrap();
    assert_eq!(o.input.profile_sha256.as_deref(), Some(want.as_str()));
    // An inline profile is in the case manifest (hashed and recorded as parameters).
    let o = ingest_ok("crlf.csv", Some(&inline_profile("")));
    assert_eq!(o.input.profile_sha256, None);
}

/// An identification history: a row without a number, one without a code, one with a time that
/// is not one, and one with a number that is not one each go to the quarantine with the
/// column and a reason; the good rows are stored.
#[test]
fn bad_identification_rows_are_quarantined_with_their_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ids.csv"),
        "phone,code,when,riding\n\
         5195550101,A,2011-04-01 10:00:00,Guelph\n\
         ,B,2011-04-01 10:00:00,Guelph\n\
         5195550103,,2011-04-01 10:00:00,Guelph\n\
         5195550104,C,first of April,Guelph\n\
         12,D,2011-04-01 10:00:00,Guelph\n\
         5195550106,B,2011-04-02 11:00:00,\n",
    )
    .unwrap();
    let case_path = dir.path().join("case.toml");
    std::fs::write(
        &case_path,
        "[identifications]\nown_codes = [\"A\"]\n\
         [[inputs]]\nkind = \"identifications\"\npath = \"ids.csv\"\nprofile = \"p\"\n\
         [profiles.p]\ntime_zone = \"America/Toronto\"\n\
         timestamp_formats = [\"%Y-%m-%d %H:%M:%S\"]\n\
         max_quarantine_share = 1\n\
         [profiles.p.columns]\nnumber = \"phone\"\ncode = \"code\"\nidentified = \"when\"\n\
         district = \"riding\"\n",
    )
    .unwrap();
    let case = Case::load(&case_path).unwrap();
    let out = dir.path().join("out");
    let r = ingest::run(&case, &out, 2).unwrap();
    let input = &r.manifest.inputs[0];
    assert_eq!(
        (input.rows_read, input.accepted, input.quarantined),
        (6, 2, 4)
    );
    let q = read_table(&out.join("store/quarantine.parquet")).unwrap();
    let rows = q
        .column_by_name("source_row")
        .unwrap()
        .as_primitive::<UInt64Type>();
    let cols = q.column_by_name("column").unwrap().as_string::<i32>();
    let reasons = q.column_by_name("reason").unwrap().as_string::<i32>();
    let got: Vec<(u64, &str)> = (0..q.num_rows())
        .map(|i| (rows.value(i), cols.value(i)))
        .collect();
    assert_eq!(
        got,
        [(3, "number"), (4, "code"), (5, "identified"), (6, "number")]
    );
    assert!((0..q.num_rows()).all(|i| !reasons.value(i).is_empty()));
    let t = read_table(&out.join("store/identifications/part-0000.parquet")).unwrap();
    assert_eq!(t.num_rows(), 2);
}
