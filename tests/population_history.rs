//! Population history (issue 13, item 8) on `fixtures/rules/population/`: several rows per
//! number stop the run at the first repeat (its file and line, and the file and line of the row
//! it repeats), unless the profile names the column that orders them (`latest_by`); then the
//! latest row wins (ties: the later row), and the superseded rows are counted as removed and
//! listed in the duplicates table with the row kept in their place.

use std::path::{Path, PathBuf};

use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::UInt64Type;
use callsift::config::Case;
use callsift::store::read_table;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules/population")
}

/// A case manifest `text` written into `dir`, with `history.csv` pointing at the fixture.
fn case_in(dir: &Path, text: &str) -> Case {
    let text = text.replace(
        "path = \"history.csv\"",
        &format!(
            "path = {:?}",
            fixture().join("history.csv").to_str().unwrap()
        ),
    );
    let p = dir.join("case.toml");
    std::fs::write(&p, text).unwrap();
    Case::load(&p).unwrap()
}

fn fixture_text() -> String {
    std::fs::read_to_string(fixture().join("case.toml")).unwrap()
}

fn u64s(b: &RecordBatch, col: &str) -> Vec<u64> {
    b.column_by_name(col)
        .unwrap()
        .as_primitive::<UInt64Type>()
        .values()
        .to_vec()
}

fn texts(b: &RecordBatch, col: &str) -> Vec<String> {
    let a = b.column_by_name(col).unwrap().as_string::<i32>();
    (0..b.num_rows()).map(|i| a.value(i).to_string()).collect()
}

#[test]
fn the_latest_row_of_each_number_wins_ties_to_the_later_row() {
    let d = tempfile::tempdir().unwrap();
    let case = Case::load(&fixture().join("case.toml")).unwrap();
    let r = callsift::ingest::run(&case, d.path(), 2).unwrap();
    let p = read_table(&d.path().join("store/population/part-0000.parquet")).unwrap();
    assert_eq!(u64s(&p, "source_row"), [3, 4, 6]);
    assert_eq!(u64s(&p, "number"), [16135550102, 16135550101, 16135550103]);
    assert_eq!(
        texts(&p, "district"),
        ["Guelph", "Guelph North", "Waterloo"]
    );

    let i = &r.manifest.inputs[0];
    assert_eq!(
        (i.rows_read, i.accepted, i.quarantined, i.duplicates_removed),
        (6, 3, 0, 3)
    );
    assert!(i.reconciles());
    // Each superseded row and the row kept in its place.
    let dups = read_table(&d.path().join("store/duplicates.parquet")).unwrap();
    assert_eq!(u64s(&dups, "source_row"), [2, 5, 7]);
    assert_eq!(u64s(&dups, "kept_row"), [4, 6, 3]);
    let v = callsift::manifest::verify(d.path(), None).unwrap();
    assert!(v.ok, "{:?}", v.problems);
}

#[test]
fn without_latest_by_the_first_repeat_stops_the_run_naming_both_lines() {
    let d = tempfile::tempdir().unwrap();
    let case = case_in(
        d.path(),
        &fixture_text().replace("latest_by = \"updated\"\n", ""),
    );
    let out = d.path().join("out");
    let e = callsift::ingest::run(&case, &out, 1).unwrap_err();
    assert_eq!(e.exit_code(), 4, "{e}");
    let msg = e.to_string();
    // The repeat (line 4) is the error's place; the row it repeats (line 2) is named after it,
    // by the file's name in the case (here an absolute path).
    let tail = "history.csv:2. A population lists each line once; if the file is a history \
                of each number, name the column that orders its rows with `latest_by` in \
                profile `history` (the latest row wins)";
    assert!(
        msg.contains("history.csv:4: number +16135550101 is listed again: its first row is "),
        "{msg}"
    );
    assert!(msg.ends_with(tail), "{msg}");
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn a_second_population_file_that_repeats_a_number_is_named_with_the_first() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("a.csv"),
        "number,district\n613-555-0101,Guelph\n613-555-0102,Guelph\n",
    )
    .unwrap();
    std::fs::write(
        d.path().join("b.csv"),
        "number,district\n613-555-0109,Guelph\n613-555-0102,Guelph South\n",
    )
    .unwrap();
    let p = d.path().join("case.toml");
    std::fs::write(
        &p,
        "[[inputs]]\nkind = \"population\"\npath = \"a.csv\"\n\
         [[inputs]]\nkind = \"population\"\npath = \"b.csv\"\n",
    )
    .unwrap();
    let case = Case::load(&p).unwrap();
    let e = callsift::ingest::run(&case, &d.path().join("out"), 1).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.ends_with(
            "b.csv:3: number +16135550102 is listed again: its first row is a.csv:3. A \
             population lists each line once; if the file is a history of each number, name \
             the column that orders its rows with `latest_by` in profile `default` (the latest \
             row wins)"
        ),
        "{msg}"
    );
}

#[test]
fn an_unreadable_order_value_is_quarantined_and_latest_by_is_for_populations_only() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("h.csv"),
        "number,updated\n613-555-0101,2011-01-01\n613-555-0101,soon\n613-555-0102,\n\
         613-555-0103,2011-01-02\n613-555-0104,2011-01-02\n613-555-0105,2011-01-02\n\
         613-555-0106,2011-01-02\n613-555-0107,2011-01-02\n613-555-0108,2011-01-02\n\
         613-555-0109,2011-01-02\n",
    )
    .unwrap();
    let p = d.path().join("case.toml");
    let text = "[[inputs]]\nkind = \"population\"\npath = \"h.csv\"\nprofile = \"h\"\n\
                [profiles.h]\nlatest_by = \"updated\"\ntimestamp_formats = [\"%Y-%m-%d\"]\n";
    std::fs::write(&p, text).unwrap();
    let out = d.path().join("out");
    let r = callsift::ingest::run(&Case::load(&p).unwrap(), &out, 1).unwrap();
    let i = &r.manifest.inputs[0];
    assert_eq!((i.rows_read, i.accepted, i.quarantined), (10, 8, 2));
    let q = read_table(&out.join("store/quarantine.parquet")).unwrap();
    assert_eq!(u64s(&q, "source_row"), [3, 4]);
    let reasons = texts(&q, "reason");
    assert!(
        reasons[0].starts_with("latest_by column \"updated\": "),
        "{reasons:?}"
    );
    assert_eq!(reasons[1], "latest_by column \"updated\": empty");

    std::fs::write(
        &p,
        text.replace("kind = \"population\"", "kind = \"complainants\""),
    )
    .unwrap();
    let e = Case::load(&p).unwrap_err();
    assert_eq!(e.exit_code(), 3);
    assert!(
        e.to_string()
            .contains("latest_by: only the rows of a `population` input are ordered by a column"),
        "{e}"
    );
}
