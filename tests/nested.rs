//! Nested arrays (issue 13, item 1): the profile's `explode = "KEY"` makes each element of the
//! array under KEY a row of its own. fixtures/nested/ is a party database's download log in JSON
//! lines (one record per download, its numbers in an array); the same log written here as
//! Parquet and as Arrow IPC with a list column must give the same store. Every row keeps its line
//! (`source_row`) and element (`source_item`), every unusable element or record is in the
//! quarantine with its reason, and the reconciliation counts records and items.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, Int64Array, ListBuilder, RecordBatch, StringArray, StringBuilder,
};
use arrow::datatypes::{DataType, Field, Int32Type, Schema, UInt32Type, UInt64Type};
use callsift::config::Case;
use callsift::ingest;
use callsift::manifest::{ExplodeCounts, InputRecord};
use callsift::store::read_table;
use common::{code, run, s, stderr};

fn case_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/nested/case.toml")
}

/// The store's downloads as (download, account, number, row, item), in store order.
type Member = (String, String, u64, u64, Option<u32>);

fn members(out: &Path) -> Vec<Member> {
    let b = read_table(&out.join("store/downloads/part-0000.parquet")).unwrap();
    let text = |c: &str, i: usize| {
        let a = b.column_by_name(c).unwrap();
        match a.data_type() {
            DataType::Dictionary(..) => {
                let d = a.as_dictionary::<Int32Type>();
                let v = d.values().as_string::<i32>();
                v.value(d.keys().value(i) as usize).to_string()
            }
            _ => a.as_string::<i32>().value(i).to_string(),
        }
    };
    let num = b
        .column_by_name("number")
        .unwrap()
        .as_primitive::<UInt64Type>();
    let row = b
        .column_by_name("source_row")
        .unwrap()
        .as_primitive::<UInt64Type>();
    let item = b
        .column_by_name("source_item")
        .unwrap()
        .as_primitive::<UInt32Type>();
    (0..b.num_rows())
        .map(|i| {
            (
                text("download", i),
                text("account", i),
                num.value(i),
                row.value(i),
                item.is_valid(i).then(|| item.value(i)),
            )
        })
        .collect()
}

/// The quarantine as (row, item, column, reason).
fn quarantine(out: &Path) -> Vec<(u64, Option<u32>, Option<String>, String)> {
    let q = read_table(&out.join("store/quarantine.parquet")).unwrap();
    let row = q
        .column_by_name("source_row")
        .unwrap()
        .as_primitive::<UInt64Type>();
    let item = q
        .column_by_name("source_item")
        .unwrap()
        .as_primitive::<UInt32Type>();
    let col = q.column_by_name("column").unwrap().as_string::<i32>();
    let reason = q.column_by_name("reason").unwrap().as_string::<i32>();
    (0..q.num_rows())
        .map(|i| {
            (
                row.value(i),
                item.is_valid(i).then(|| item.value(i)),
                col.is_valid(i).then(|| col.value(i).to_string()),
                reason.value(i).to_string(),
            )
        })
        .collect()
}

fn m(dl: &str, acc: &str, n: u64, row: u64, item: u32) -> Member {
    (dl.into(), acc.into(), n, row, Some(item))
}

fn ingest_case(case: &Path) -> (tempfile::TempDir, InputRecord) {
    let dir = tempfile::tempdir().unwrap();
    let rep = ingest::run(&Case::load(case).unwrap(), dir.path(), 1).unwrap();
    let input = rep.manifest.inputs[0].clone();
    (dir, input)
}

#[test]
fn issue_13_a_download_log_with_number_arrays_gives_one_row_per_number() {
    let (dir, input) = ingest_case(&case_path());
    assert_eq!(
        members(dir.path()),
        [
            m("DL-1", "a-7", 14162006166, 1, 1),
            m("DL-1", "a-7", 15195550101, 1, 2),
            m("DL-1", "a-7", 15195550102, 1, 3),
            m("DL-2", "a-9", 15195550103, 2, 1),
            m("DL-2", "a-9", 15195550105, 2, 5),
            m("DL-8", "a-8", 15195550107, 9, 1),
            m("DL-8", "a-8", 15195550101, 9, 2),
        ]
    );
    let nested = "a nested JSON value where a plain value was expected";
    let num = Some("number".to_string());
    let q = quarantine(dir.path());
    assert_eq!(q.len(), 8, "{q:#?}");
    assert_eq!(q[0].0, 2);
    assert_eq!((q[0].1, &q[0].2), (Some(2), &num));
    assert!(
        q[0].3.starts_with("invalid number \"not a number\""),
        "{q:?}"
    );
    assert_eq!(q[1], (2, Some(3), num.clone(), "no number".into()));
    assert_eq!(q[2], (2, Some(4), num.clone(), nested.into()));
    let whole: Vec<(u64, Option<u32>, Option<String>, String)> = vec![
        (
            4,
            None,
            None,
            "\"numbers\" is an empty array: no element to explode".into(),
        ),
        (
            5,
            None,
            None,
            "no \"numbers\" key: no array to explode".into(),
        ),
        (
            6,
            None,
            None,
            "\"numbers\" is a string, not an array: nothing to explode".into(),
        ),
        (
            7,
            None,
            None,
            "\"numbers\" is null: no array to explode".into(),
        ),
    ];
    assert_eq!(q[3..7], whole[..]);
    assert_eq!((q[7].0, q[7].1, &q[7].2), (8, None, &None));
    assert!(q[7].3.starts_with("not JSON: "), "{q:?}");

    // Records and items reconcile: 8 records (one blank line besides), 10 items, 5 records
    // quarantined whole; 15 rows = 7 accepted + 8 quarantined.
    assert_eq!(
        (
            input.rows_read,
            input.accepted,
            input.quarantined,
            input.blank_lines
        ),
        (15, 7, 8, 1)
    );
    assert_eq!(
        input.explode,
        Some(ExplodeCounts {
            column: "numbers".into(),
            records_read: 8,
            items_read: 10,
            records_quarantined: 5,
        })
    );
    assert!(input.reconciles());
    let mut broken = input.clone();
    broken.explode.as_mut().unwrap().items_read = 11;
    assert!(!broken.reconciles());
}

#[test]
fn issue_13_the_nested_case_runs_and_verifies_with_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let case = case_path();
    let o = run(&["ingest", s(&case), "--out", s(&out), "-q"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run(&["verify", s(&out), "--case", s(&case)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"explode\""), "{manifest}");
    // Every accepted row names its element.
    assert!(members(&out).iter().all(|x| x.4.is_some()));
}

#[test]
fn issue_13_explode_is_refused_where_it_cannot_apply() {
    let dir = tempfile::tempdir().unwrap();
    let log = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/nested/download-log.jsonl");
    let csv = dir.path().join("log.csv");
    std::fs::write(
        &csv,
        "download_id,account_id,numbers\nDL-1,a-7,416-200-6166\n",
    )
    .unwrap();
    let cases = [
        (&csv, "explode = \"numbers\"", "a csv file has no arrays"),
        (&log, "explode = \"phones\"", "no column of that name"),
        (
            &log,
            "explode = \"riding\"",
            "the column feeds no canonical column",
        ),
    ];
    for (file, explode, want) in cases {
        let case = one_input(dir.path(), file, explode);
        let e = ingest::run(&Case::load(&case).unwrap(), &dir.path().join("o"), 1).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(want) && msg.contains(s(file)), "{msg}");
    }
}

/// A one-input downloads case over `file` mapping `numbers` to the number, with `explode`.
fn one_input(dir: &Path, file: &Path, explode: &str) -> PathBuf {
    let text = format!(
        "[[inputs]]\nkind = \"downloads\"\npath = {:?}\nprofile = \"p\"\n\
         [profiles.p]\nmax_quarantine_share = 1\n{explode}\n[profiles.p.columns]\ndownload = \"download_id\"\n\
         account = \"account_id\"\nnumber = \"numbers\"\n",
        s(file)
    );
    let p = dir.join("case.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// The download log as one batch with a list column of numbers: DL-1 three numbers (one null),
/// DL-2 a null list, DL-3 an empty list, DL-4 two numbers given as integers.
fn list_batch() -> RecordBatch {
    let mut numbers = ListBuilder::new(StringBuilder::new());
    for v in [
        Some(vec![Some("416-200-6166"), None, Some("519-555-0101")]),
        None,
        Some(vec![]),
        Some(vec![Some("5195550107"), Some("x")]),
    ] {
        match v {
            Some(items) => {
                for i in items {
                    numbers.values().append_option(i);
                }
                numbers.append(true);
            }
            None => numbers.append(false),
        }
    }
    let numbers: ArrayRef = Arc::new(numbers.finish());
    let ids: ArrayRef = Arc::new(StringArray::from(vec!["DL-1", "DL-2", "DL-3", "DL-4"]));
    let acc: ArrayRef = Arc::new(StringArray::from(vec!["a-7", "a-7", "a-7", "a-8"]));
    let n: ArrayRef = Arc::new(Int64Array::from(vec![1, 2, 3, 4]));
    let schema = Schema::new(vec![
        Field::new("download_id", DataType::Utf8, false),
        Field::new("account_id", DataType::Utf8, false),
        Field::new("seq", DataType::Int64, false),
        Field::new("numbers", numbers.data_type().clone(), true),
    ]);
    RecordBatch::try_new(Arc::new(schema), vec![ids, acc, n, numbers]).unwrap()
}

#[test]
fn issue_13_parquet_and_ipc_list_columns_explode_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let b = list_batch();
    let pq = dir.path().join("log.parquet");
    let mut w =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&pq).unwrap(), b.schema(), None)
            .unwrap();
    w.write(&b).unwrap();
    w.close().unwrap();
    let ipc = dir.path().join("log.arrow");
    let mut w =
        arrow::ipc::writer::FileWriter::try_new(std::fs::File::create(&ipc).unwrap(), &b.schema())
            .unwrap();
    w.write(&b).unwrap();
    w.finish().unwrap();
    for file in [&pq, &ipc] {
        let (out, input) = ingest_case(&one_input(dir.path(), file, "explode = \"numbers\""));
        assert_eq!(
            members(out.path()),
            [
                m("DL-1", "a-7", 14162006166, 1, 1),
                m("DL-1", "a-7", 15195550101, 1, 3),
                m("DL-4", "a-8", 15195550107, 4, 1),
            ],
            "{}",
            file.display()
        );
        let q = quarantine(out.path());
        let num = Some("number".to_string());
        assert_eq!(q[0], (1, Some(2), num.clone(), "no number".into()));
        assert_eq!(
            q[1],
            (
                2,
                None,
                None,
                "\"numbers\" is null: no list to explode".into()
            )
        );
        assert_eq!(
            q[2],
            (
                3,
                None,
                None,
                "\"numbers\" is an empty list: no element to explode".into()
            )
        );
        assert_eq!((q[3].0, q[3].1, &q[3].2), (4, Some(2), &num));
        assert_eq!(q.len(), 4);
        assert_eq!(
            input.explode,
            Some(ExplodeCounts {
                column: "numbers".into(),
                records_read: 4,
                items_read: 5,
                records_quarantined: 2,
            })
        );
        assert_eq!((input.rows_read, input.accepted), (7, 3));
    }
    // A column that is not a list cannot be exploded.
    let case = one_input(dir.path(), &pq, "explode = \"download_id\"");
    let e = ingest::run(&Case::load(&case).unwrap(), &dir.path().join("o"), 1).unwrap_err();
    assert!(e.to_string().contains("not a list"), "{e}");
}
