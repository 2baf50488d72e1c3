//! `results/results.xlsx` read back with calamine (the reader callsift reads evidence with): a
//! figures sheet and one sheet per results table, the contract's columns as the header, every
//! row, phone numbers as text; and `results/DICTIONARY.md`, whose committed copy is
//! `docs/dictionary.md` (refresh it with `CALLSIFT_BLESS=1 cargo test --test workbook`).

use std::path::Path;

use calamine::{open_workbook, Data, Reader, Xlsx};
use callsift::model::results::Table;
use callsift::results::{figures, table};
use callsift::Case;

fn repo(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn inquiry(out: &Path) {
    let case = Case::load(&repo("fixtures/inquiry/case.toml")).unwrap();
    callsift::ingest::run(&case, out, 2).unwrap();
    callsift::correlate::run(out, &Default::default()).unwrap();
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("not text: {other:?}"),
    }
}

#[test]
fn the_workbook_holds_every_table_as_a_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    inquiry(out);
    let mut wb: Xlsx<_> = open_workbook(out.join("results/results.xlsx")).unwrap();
    let names = wb.sheet_names();
    let written: Vec<Table> = Table::ALL
        .into_iter()
        .filter(|t| out.join(format!("results/{}.csv", t.name())).exists())
        .collect();
    let mut want = vec!["figures".to_string()];
    want.extend(written.iter().map(|t| t.name().to_string()));
    assert_eq!(names, want);

    // The figures sheet: each figure with its value.
    let f = figures(out).unwrap();
    let sheet = wb.worksheet_range("figures").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(text(&rows[0][0]), "figure");
    let calls = rows
        .iter()
        .find(|r| text(&r[0]) == "calls_received")
        .unwrap();
    assert_eq!(calls[1], Data::Float(f.calls_received as f64));

    for t in written {
        let sheet = wb.worksheet_range(t.name()).unwrap();
        let rows: Vec<&[Data]> = sheet.rows().collect();
        let header: Vec<String> = rows[0].iter().map(text).collect();
        let cols: Vec<&str> = t.columns().iter().map(|c| c.name).collect();
        assert_eq!(header, cols, "{}", t.name());
        let n = if t.has_parquet() {
            table(out, t).unwrap().num_rows()
        } else {
            // `leads` is CSV only; its cells hold no line breaks.
            let csv = std::fs::read_to_string(out.join(format!("results/{}.csv", t.name())));
            csv.unwrap().lines().count() - 1
        };
        assert_eq!(rows.len() - 1, n, "{}", t.name());
    }

    // Phone numbers are text, counts numbers, flags booleans, times ISO text.
    let sheet = wb.worksheet_range("numbers").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    let col = |name: &str| {
        Table::Numbers
            .columns()
            .iter()
            .position(|c| c.name == name)
            .unwrap()
    };
    assert_eq!(rows[1][col("rank")], Data::Float(1.0));
    assert_eq!(rows[1][col("number")], Data::String("+15195550147".into()));
    assert_eq!(rows[1][col("spoofed_likely")], Data::Bool(true));
    let first = text(&rows[1][col("first_seen")]);
    assert!(
        first.starts_with("2011-05-02T") && first.ends_with('Z'),
        "{first}"
    );
}

#[test]
fn the_dictionary_is_written_and_its_docs_copy_is_current() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    inquiry(out);
    let md = std::fs::read_to_string(out.join("results/DICTIONARY.md")).unwrap();
    assert_eq!(md, callsift::correlate::workbook::dictionary_markdown());
    let docs = repo("docs/dictionary.md");
    if std::env::var_os("CALLSIFT_BLESS").is_some() {
        std::fs::write(&docs, &md).unwrap();
    }
    let committed = std::fs::read_to_string(&docs).unwrap_or_default();
    assert!(
        committed == md,
        "docs/dictionary.md differs from the dictionary the code writes: \
         CALLSIFT_BLESS=1 cargo test --test workbook"
    );
}
