//! Ingest of fixtures/formats/: the three carrier formats and one file of every other kind,
//! in every container (CSV, xlsx, JSON lines, Parquet, Arrow IPC), plus the real numbering-plan
//! files. Checks values traced to their evidence rows, the reconciliation, that evidence is
//! unchanged, and that the store is byte-identical for 1 and 2 threads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Int32Type, Int64Type, TimestampMicrosecondType, UInt64Type};
use callsift::config::Case;
use callsift::digest::sha256_file;
use callsift::ingest;
use callsift::store::read_table;

fn case_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats/case.toml")
}

fn ingest(threads: usize) -> (tempfile::TempDir, ingest::IngestReport) {
    let dir = tempfile::tempdir().unwrap();
    let case = Case::load(&case_path()).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let rep = pool
        .install(|| ingest::run(&case, dir.path(), threads))
        .unwrap();
    (dir, rep)
}

fn table(dir: &Path, kind: &str) -> RecordBatch {
    read_table(&dir.join(format!("store/{kind}/part-0000.parquet"))).unwrap()
}

/// The row of `b` that came from `file` line/row `row`.
fn row_of(b: &RecordBatch, file: &str, row: u64) -> usize {
    let f = b
        .column_by_name("source_file")
        .unwrap()
        .as_dictionary::<Int32Type>();
    let names = f.values().as_string::<i32>();
    let r = b
        .column_by_name("source_row")
        .unwrap()
        .as_primitive::<UInt64Type>();
    (0..b.num_rows())
        .find(|&i| names.value(f.keys().value(i) as usize) == file && r.value(i) == row)
        .unwrap_or_else(|| panic!("no row from {file}:{row}"))
}

fn u64_at(b: &RecordBatch, col: &str, i: usize) -> Option<u64> {
    let a = b.column_by_name(col).unwrap().as_primitive::<UInt64Type>();
    a.is_valid(i).then(|| a.value(i))
}

fn ts_at(b: &RecordBatch, col: &str, i: usize) -> i64 {
    b.column_by_name(col)
        .unwrap()
        .as_primitive::<TimestampMicrosecondType>()
        .value(i)
}

fn status_at(b: &RecordBatch, col: &str, i: usize) -> String {
    let d = b.column_by_name(col).unwrap().as_dictionary::<Int32Type>();
    d.values()
        .as_string::<i32>()
        .value(d.keys().value(i) as usize)
        .to_string()
}

/// 2011-05-02T13:15:02Z and friends, in microseconds.
fn utc(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .timestamp_micros()
}

#[test]
fn every_kind_and_format_reconciles() {
    let (_d, rep) = ingest(2);
    let counts: BTreeMap<&str, (u64, u64, u64, u64)> = rep
        .manifest
        .inputs
        .iter()
        .map(|i| {
            assert!(i.reconciles(), "{i:?}");
            assert_eq!(i.sha256.len(), 64);
            (
                i.path.as_str(),
                (i.rows_read, i.accepted, i.quarantined, i.duplicates_removed),
            )
        })
        .collect();
    assert_eq!(counts["carriers/ontario-tel.csv"], (7, 6, 0, 1));
    assert_eq!(counts["carriers/western-wireless.csv"], (4, 4, 0, 0));
    assert_eq!(counts["carriers/quebec-telecom.csv"], (4, 4, 0, 0));
    assert_eq!(counts["complainants.csv"], (9, 9, 0, 0));
    assert_eq!(counts["subscribers.xlsx"], (4, 4, 0, 0));
    assert_eq!(counts["vendor-upload.csv"], (7, 7, 0, 0));
    assert_eq!(counts["vendor-calls.jsonl"], (9, 9, 0, 0));
    assert_eq!(counts["downloads.arrow"], (4, 4, 0, 0));
    assert_eq!(counts["population.parquet"], (10, 10, 0, 0));
    // The real CNA file: 44,000 records after the header and the snapshot-date line.
    assert_eq!(
        counts["../numbering/cna-co-code-status-2024-10-10.csv"],
        (44_000, 44_000, 0, 0)
    );
    // The real NANPA report has two truncated records (lines 272 and 775): quarantined.
    assert_eq!(
        counts["../numbering/nanpa-npa-report-2020-03-01.csv"],
        (800, 798, 2, 0)
    );
    assert_eq!(rep.rows[&callsift::model::Kind::Calls], 14);
}

#[test]
fn carrier_values_trace_to_their_rows() {
    let (d, _) = ingest(1);
    let calls = table(d.path(), "calls");
    // Ontario, line 2: local Toronto (EDT) date + time columns, (613) numbers, seconds.
    let i = row_of(&calls, "carriers/ontario-tel.csv", 2);
    assert_eq!(u64_at(&calls, "called", i), Some(16135550101));
    assert_eq!(u64_at(&calls, "calling", i), Some(16135550199));
    assert_eq!(ts_at(&calls, "start", i), utc("2011-05-02T13:15:02Z"));
    let dur = calls
        .column_by_name("duration_ms")
        .unwrap()
        .as_primitive::<Int64Type>();
    assert_eq!(dur.value(i), 32_000);
    // Ontario, line 5: PRIVATE is a blocked caller ID, raw text kept; line 6 was its duplicate.
    let i = row_of(&calls, "carriers/ontario-tel.csv", 5);
    assert_eq!(u64_at(&calls, "calling", i), None);
    assert_eq!(status_at(&calls, "calling_status", i), "blocked");
    let raw = calls
        .column_by_name("calling_raw")
        .unwrap()
        .as_string::<i32>();
    assert_eq!(raw.value(i), "PRIVATE");
    // Line 6, its duplicate, is listed with the row kept in its place.
    let dups = read_table(&d.path().join("store/duplicates.parquet")).unwrap();
    assert_eq!(dups.num_rows(), 1);
    let i = row_of(&dups, "carriers/ontario-tel.csv", 6);
    let kept = dups
        .column_by_name("kept_row")
        .unwrap()
        .as_primitive::<UInt64Type>();
    assert_eq!(kept.value(i), 5);
    // Western, line 2: UTC ISO-8601, E.164, mm:ss.
    let i = row_of(&calls, "carriers/western-wireless.csv", 2);
    assert_eq!(u64_at(&calls, "called", i), Some(16045550104));
    assert_eq!(ts_at(&calls, "start", i), utc("2011-05-02T13:17:05Z"));
    assert_eq!(dur.value(i), 31_000);
    // Western, line 5: a UK caller.
    let i = row_of(&calls, "carriers/western-wireless.csv", 5);
    assert_eq!(u64_at(&calls, "calling", i), Some(442079460958));
    // Quebec, line 2 (after the BOM'd header): dd/mm/yyyy Montreal, dotted numbers, hh:mm:ss.
    let i = row_of(&calls, "carriers/quebec-telecom.csv", 2);
    assert_eq!(u64_at(&calls, "called", i), Some(15145550106));
    assert_eq!(u64_at(&calls, "calling", i), Some(16135550199));
    assert_eq!(ts_at(&calls, "start", i), utc("2011-05-02T13:19:12Z"));
    assert_eq!(dur.value(i), 33_000);
    // Quebec, line 4: the carrier's own blocked token.
    let i = row_of(&calls, "carriers/quebec-telecom.csv", 4);
    assert_eq!(status_at(&calls, "calling_status", i), "blocked");
    // The carrier label comes from the case manifest.
    let carrier = calls.column_by_name("carrier").unwrap().as_string::<i32>();
    assert_eq!(carrier.value(i), "Québec Télécom");
}

#[test]
fn other_kinds_read_from_every_container() {
    let (d, _) = ingest(2);
    let subs = table(d.path(), "subscribers");
    let i = row_of(&subs, "subscribers.xlsx", 3); // a number typed as a number in Excel
    assert_eq!(u64_at(&subs, "number", i), Some(18005550177));
    let i = row_of(&subs, "subscribers.xlsx", 4);
    assert_eq!(status_at(&subs, "status", i), "refused");
    let vc = table(d.path(), "vendor_calls");
    let i = row_of(&vc, "vendor-calls.jsonl", 1);
    assert_eq!(u64_at(&vc, "presented", i), Some(16135550199));
    assert_eq!(ts_at(&vc, "start", i), utc("2011-05-02T13:14:17Z"));
    let dl = table(d.path(), "downloads");
    let i = row_of(&dl, "downloads.arrow", 1);
    assert_eq!(u64_at(&dl, "number", i), Some(16135550101));
    assert_eq!(ts_at(&dl, "time", i), 1_304_200_000_000_000);
    let pop = table(d.path(), "population");
    assert_eq!(pop.num_rows(), 10);
    let comp = table(d.path(), "complainants");
    let late = comp.column_by_name("in_orders").unwrap().as_boolean();
    assert_eq!(late.false_count(), 1);
    let np = table(d.path(), "numbering_plan");
    let i = row_of(&np, "../numbering/cna-co-code-status-2024-10-10.csv", 3);
    let npa = np
        .column_by_name("npa")
        .unwrap()
        .as_primitive::<arrow::datatypes::UInt16Type>();
    let carrier = np.column_by_name("carrier").unwrap().as_string::<i32>();
    assert_eq!(npa.value(i), 204);
    assert_eq!(carrier.value(i), "ISP Telecom Inc.");
}

#[test]
fn evidence_is_unchanged_and_hashes_are_recorded() {
    let case = Case::load(&case_path()).unwrap();
    let before: Vec<String> = case
        .files
        .iter()
        .map(|f| sha256_file(&f.path).unwrap().0)
        .collect();
    let (d, rep) = ingest(2);
    let after: Vec<String> = case
        .files
        .iter()
        .map(|f| sha256_file(&f.path).unwrap().0)
        .collect();
    assert_eq!(before, after);
    let recorded: Vec<String> = rep
        .manifest
        .inputs
        .iter()
        .map(|i| i.sha256.clone())
        .collect();
    assert_eq!(recorded, before);
    let v = callsift::manifest::verify(d.path(), Some(&case.file)).unwrap();
    assert!(v.problems.is_empty(), "{:?}", v.problems);
}

#[test]
fn store_is_byte_identical_for_1_and_2_threads() {
    let (d1, _) = ingest(1);
    let (d2, _) = ingest(2);
    for kind in callsift::model::Kind::ALL {
        let rel = callsift::layout::store_part(kind.name(), 0);
        assert_eq!(
            std::fs::read(d1.path().join(&rel)).unwrap(),
            std::fs::read(d2.path().join(&rel)).unwrap(),
            "{rel}"
        );
    }
    for rel in [
        "store/quarantine.parquet",
        "store/quarantine.csv",
        "store/duplicates.parquet",
        "store/duplicates.csv",
    ] {
        assert_eq!(
            std::fs::read(d1.path().join(rel)).unwrap(),
            std::fs::read(d2.path().join(rel)).unwrap(),
            "{rel}"
        );
    }
}
