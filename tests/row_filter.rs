//! Row filters (issue 13, item 3) on `fixtures/rules/mixed-direction/`: a carrier export that
//! holds both directions and stores an outgoing call as a row from its subscriber. `keep` reads
//! the incoming rows only; the outgoing ones are counted per file as `filtered` (read =
//! accepted + quarantined + duplicates + filtered), the rule is recorded in the manifest, and
//! the subscriber is no longer among the originating numbers. The same case without the filter
//! shows the subscriber there, so the test can fail.

use std::path::{Path, PathBuf};

use arrow::array::AsArray;
use callsift::config::Case;
use callsift::manifest::Manifest;
use callsift::store::read_table;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules/mixed-direction")
}

/// The fixture's case manifest with its profile's filter lines replaced by `filter`, written
/// into `dir` with absolute input paths.
fn variant(dir: &Path, filter: &str) -> PathBuf {
    let text = std::fs::read_to_string(fixture().join("case.toml")).unwrap();
    let f = fixture();
    let text = text
        .replace(
            "path = \"carrier.csv\"",
            &format!("path = {:?}", f.join("carrier.csv").to_str().unwrap()),
        )
        .replace(
            "path = \"complainants.csv\"",
            &format!("path = {:?}", f.join("complainants.csv").to_str().unwrap()),
        )
        .replace("keep = { Direction = [\"IN\", \"Incoming\"] }", filter);
    let p = dir.join("case.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// Ingests and correlates `case` into `out`; the originating numbers of `results/numbers`.
fn numbers(case: &Path, out: &Path) -> Vec<String> {
    let case = Case::load(case).unwrap();
    callsift::ingest::run(&case, out, 1).unwrap();
    callsift::correlate::run(out, &Default::default()).unwrap();
    let b = read_table(&out.join("results/numbers.parquet")).unwrap();
    let a = b.column_by_name("number").unwrap().as_string::<i32>();
    (0..b.num_rows()).map(|i| a.value(i).to_string()).collect()
}

#[test]
fn outgoing_rows_are_filtered_counted_and_the_subscriber_is_gone() {
    let d = tempfile::tempdir().unwrap();
    let nums = numbers(&fixture().join("case.toml"), d.path());
    assert_eq!(nums, ["+16135550199", "+16135550142"]);

    let m = Manifest::read(d.path()).unwrap();
    let carrier = &m.inputs[0];
    assert_eq!(carrier.path, "carrier.csv");
    assert_eq!(
        (
            carrier.rows_read,
            carrier.accepted,
            carrier.quarantined,
            carrier.duplicates_removed,
            carrier.filtered
        ),
        (9, 5, 0, 0, 4)
    );
    assert!(carrier.reconciles());
    let rule = carrier.row_filter.as_ref().expect("the rule is recorded");
    assert_eq!(rule.keep["Direction"], ["IN", "Incoming"]);
    assert!(rule.drop.is_empty());
    assert_eq!(m.inputs[1].row_filter, None);
    assert_eq!(m.inputs[1].filtered, 0);

    // The stored rows are the incoming ones, the padded " IN " of line 5 among them.
    let calls = read_table(&d.path().join("store/calls/part-0000.parquet")).unwrap();
    let rows = calls.column_by_name("source_row").unwrap();
    let rows = rows.as_primitive::<arrow::datatypes::UInt64Type>();
    assert_eq!(rows.values().to_vec(), [2, 3, 5, 7, 10]);

    // figures.json repeats the count, and verify accepts the reconciliation.
    let fig: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("results/figures.json")).unwrap())
            .unwrap();
    assert_eq!(fig["inputs"][0]["filtered"], 4);
    let v = callsift::manifest::verify(d.path(), None).unwrap();
    assert!(v.ok, "{:?}", v.problems);
}

#[test]
fn without_the_filter_the_subscriber_is_an_originating_number() {
    let d = tempfile::tempdir().unwrap();
    let case = variant(d.path(), "");
    let nums = numbers(&case, &d.path().join("out"));
    assert!(nums.contains(&"+16135550101".to_string()), "{nums:?}");
    let m = Manifest::read(&d.path().join("out")).unwrap();
    assert_eq!((m.inputs[0].accepted, m.inputs[0].filtered), (9, 0));
    assert_eq!(m.inputs[0].row_filter, None);
}

#[test]
fn drop_leaves_out_the_listed_values() {
    let d = tempfile::tempdir().unwrap();
    let case = variant(
        d.path(),
        "drop = { \"Direction\" = [\"OUT\", \"Outgoing\"] }",
    );
    let nums = numbers(&case, &d.path().join("out"));
    assert_eq!(nums, ["+16135550199", "+16135550142"]);
    let m = Manifest::read(&d.path().join("out")).unwrap();
    assert_eq!((m.inputs[0].accepted, m.inputs[0].filtered), (5, 4));
    let rule = m.inputs[0].row_filter.as_ref().unwrap();
    assert_eq!(rule.drop["Direction"], ["OUT", "Outgoing"]);
}

#[test]
fn case_counts_in_a_filter() {
    // `in` is not `IN`: every row is left out, and counted.
    let d = tempfile::tempdir().unwrap();
    let case = variant(d.path(), "keep = { Direction = [\"in\", \"incoming\"] }");
    let case = Case::load(&case).unwrap();
    let r = callsift::ingest::run(&case, &d.path().join("out"), 1).unwrap();
    let i = &r.manifest.inputs[0];
    assert_eq!((i.rows_read, i.accepted, i.filtered), (9, 0, 9));
}

#[test]
fn a_filter_on_a_column_the_file_lacks_names_the_file_and_the_column() {
    let d = tempfile::tempdir().unwrap();
    let case = variant(d.path(), "keep = { Richtung = [\"IN\"] }");
    let case = Case::load(&case).unwrap();
    let e = callsift::ingest::run(&case, &d.path().join("out"), 1).unwrap_err();
    let msg = e.to_string();
    assert_eq!(e.exit_code(), 4, "{msg}");
    assert!(msg.contains("carrier.csv"), "{msg}");
    assert!(
        msg.contains("column \"Richtung\" (named by `keep` in profile `both-directions`) is not in the header"),
        "{msg}"
    );
    assert!(!d.path().join("out").exists(), "nothing is written");
}

#[test]
fn an_empty_value_list_is_a_profile_error() {
    let d = tempfile::tempdir().unwrap();
    let case = variant(d.path(), "keep = { Direction = [] }");
    let e = Case::load(&case).unwrap_err();
    assert_eq!(e.exit_code(), 3);
    assert!(
        e.to_string()
            .contains("keep.\"Direction\": give at least one value"),
        "{e}"
    );
}
