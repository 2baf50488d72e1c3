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
/// added. Every file of the corpus is odd on purpose, so no share of quarantined records stops
/// the run (`max_quarantine_share = 1`).
fn inline_profile(extra: &str) -> String {
    format!(
        "[profiles.p]\n{extra}max_quarantine_share = 1\ntime_zone = \"America/Toronto\"\n\
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
        read_table(&self.out.join("store/calls/part-0000.parquet")).unwrap()
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

// ---------------------------------------------------------------------------------------------
// Workbooks.

/// A minimal workbook: one sheet `Sheet1` whose `<worksheet>` holds `sheet` (sheetData and any
/// mergeCells), styles 1 (`m/d/yyyy h:mm`, a date) and 2 (`[h]:mm:ss`, a duration), and
/// `workbook_pr` (e.g. `<workbookPr date1904="1"/>`).
fn workbook(workbook_pr: &str, sheet: &str) -> Vec<u8> {
    use std::io::Write;
    const NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    const PKG: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
    const CT: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml";
    let parts: [(&str, String); 6] = [
        (
            "[Content_Types].xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="{CT}.styles+xml"/></Types>"#
            ),
        ),
        (
            "_rels/.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/workbook.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="{REL}">{workbook_pr}<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/styles.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{NS}"><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="22" applyNumberFormat="1"/><xf numFmtId="46" applyNumberFormat="1"/></cellXfs></styleSheet>"#
            ),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}">{sheet}</worksheet>"#
            ),
        ),
    ];
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, text) in parts {
            z.start_file(name, o).unwrap();
            z.write_all(text.as_bytes()).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

/// An inline text cell.
fn text(at: &str, s: &str) -> String {
    format!(r#"<c r="{at}" t="inlineStr"><is><t>{s}</t></is></c>"#)
}

/// A number cell with style `s` (0 plain, 1 date, 2 duration).
fn num(at: &str, v: f64, s: u8) -> String {
    format!(r#"<c r="{at}" s="{s}"><v>{v}</v></c>"#)
}

/// Row `r` of cells.
fn row(r: u32, cells: &[String]) -> String {
    format!(r#"<row r="{r}">{}</row>"#, cells.concat())
}

/// 2011-05-02 09:15:02 as a 1900-system serial.
const MAY_2_0915: f64 = 40665.0 + (9.0 * 3600.0 + 15.0 * 60.0 + 2.0) / 86_400.0;

/// `odd-cells.xlsx`: the layout of the corpus, one odd cell per row (see the test).
fn odd_cells() -> Vec<u8> {
    let good = |r: u32, c: &str, start: String| {
        row(
            r,
            &[
                text(&format!("A{r}"), "613-555-0101"),
                text(&format!("B{r}"), c),
                start,
                num(&format!("D{r}"), 32.0, 0),
            ],
        )
    };
    let called = |r: u32| text(&format!("A{r}"), "613-555-0101");
    let start = |r: u32| num(&format!("C{r}"), MAY_2_0915, 1);
    let dur = |r: u32| num(&format!("D{r}"), 32.0, 0);
    let rows = [
        row(
            1,
            &[
                text("A1", "Called"),
                text("B1", "Calling"),
                text("C1", "Start"),
                text("D1", "Duration"),
                text("E1", "Note"),
            ],
        ),
        // An ISO 8601 date cell.
        good(
            2,
            "613-555-0199",
            r#"<c r="C2" t="d"><v>2011-05-02T09:15:02</v></c>"#.into(),
        ),
        // A formula without a cached value.
        row(
            3,
            &[
                called(3),
                r#"<c r="B3"><f>A1+1</f></c>"#.into(),
                start(3),
                dur(3),
            ],
        ),
        // A formula with its cached value.
        row(
            4,
            &[
                called(4),
                r#"<c r="B4" t="str"><f>"613-555-"&amp;"0198"</f><v>613-555-0198</v></c>"#.into(),
                start(4),
                dur(4),
            ],
        ),
        // B5:B7 merged: B5 holds the value, B6 is absent, B7 an empty styled cell.
        good(5, "613-555-0197", start(5)),
        row(6, &[called(6), start(6), dur(6)]),
        row(
            7,
            &[called(7), r#"<c r="B7" s="0"/>"#.into(), start(7), dur(7)],
        ),
        // Serial 60 (1900-02-29), a negative serial, a time of day without a date.
        row(
            8,
            &[
                called(8),
                text("B8", "613-555-0196"),
                num("C8", 60.0, 1),
                dur(8),
            ],
        ),
        row(
            9,
            &[
                called(9),
                text("B9", "613-555-0195"),
                num("C9", -5.0, 1),
                dur(9),
            ],
        ),
        row(
            10,
            &[
                called(10),
                text("B10", "613-555-0194"),
                num("C10", 0.5, 1),
                dur(10),
                text("E10", "merged note"),
            ],
        ),
        // A serial date and a duration cell of 32 s (E10:E11 merged, unmapped: harmless).
        row(
            11,
            &[
                called(11),
                text("B11", "613-555-0193"),
                start(11),
                num("D11", 32.0 / 86_400.0, 2),
            ],
        ),
        // An ISO date cell with a time and no date.
        row(
            12,
            &[
                called(12),
                text("B12", "613-555-0192"),
                r#"<c r="C12" t="d"><v>09:15:02</v></c>"#.into(),
                dur(12),
            ],
        ),
    ];
    workbook(
        "",
        &format!(
            r#"<sheetData>{}</sheetData><mergeCells count="2"><mergeCell ref="B5:B7"/><mergeCell ref="E10:E11"/></mergeCells>"#,
            rows.concat()
        ),
    )
}

/// `date1904.xlsx`: a 1904-system workbook whose cells start in column B.
fn date_1904() -> Vec<u8> {
    let r = |n: u32, serial: f64| {
        row(
            n,
            &[
                text(&format!("B{n}"), "613-555-0101"),
                text(&format!("C{n}"), "613-555-0199"),
                num(&format!("D{n}"), serial, 1),
                num(&format!("E{n}"), 32.0, 0),
            ],
        )
    };
    let rows = [
        row(
            1,
            &[
                text("B1", "Called"),
                text("C1", "Calling"),
                text("D1", "Start"),
                text("E1", "Duration"),
            ],
        ),
        r(2, MAY_2_0915 - 1462.0),
        r(3, 0.0),
        r(4, 60.0),
        r(5, -1.0),
        row(
            6,
            &[
                text("B6", "613-555-0101"),
                num("D6", MAY_2_0915 - 1462.0, 1),
                num("E6", 32.0, 0),
            ],
        ),
    ];
    workbook(
        r#"<workbookPr date1904="1"/>"#,
        &format!(
            r#"<sheetData>{}</sheetData><mergeCells count="1"><mergeCell ref="C5:C6"/></mergeCells>"#,
            rows.concat()
        ),
    )
}

/// The workbooks of fixtures/fidelity/, by file name.
fn workbooks() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("odd-cells.xlsx", odd_cells()),
        ("date1904.xlsx", date_1904()),
    ]
}

#[test]
fn committed_workbooks_are_current() {
    for (name, bytes) in workbooks() {
        let p = fixture(name);
        if std::env::var_os("CALLSIFT_WRITE_FIXTURES").is_some() {
            std::fs::write(&p, &bytes).unwrap();
        }
        let committed = std::fs::read(&p).unwrap();
        assert!(
            committed == bytes,
            "{name} differs from what the test writes: run \
             CALLSIFT_WRITE_FIXTURES=1 cargo test --test fidelity"
        );
    }
}

#[test]
fn odd_xlsx_cells_go_to_the_quarantine_with_their_cell_and_raw_text() {
    let o = ingest_ok(&fixture("odd-cells.xlsx"), "");
    assert_eq!(
        (o.input.rows_read, o.input.accepted, o.input.quarantined),
        (11, 4, 7),
        "{:?}",
        o.input
    );
    // Nothing became a blocked caller ID.
    assert_eq!(o.input.blocked_caller_ids, 0);
    assert_eq!(
        o.callers(),
        vec![
            (2, "ok".into(), "613-555-0199".into()),
            (4, "ok".into(), "613-555-0198".into()),
            (5, "ok".into(), "613-555-0197".into()),
            (11, "ok".into(), "613-555-0193".into()),
        ]
    );
    // The ISO date cell and the serial are the same wall-clock time; the duration cell is 32 s.
    let may2 = toronto_may_2011(2, 9, 15, 2);
    assert_eq!(o.starts(), vec![may2; 4]);
    let d = o.calls();
    let d = d.column_by_name("duration_ms").unwrap();
    let d = d.as_primitive::<arrow::datatypes::Int64Type>();
    assert_eq!(d.value(3), 32_000);
    let q = o.quarantine();
    let at = |row: u64| {
        q.iter()
            .find(|r| r.0 == row)
            .unwrap_or_else(|| panic!("{row}: {q:?}"))
    };
    let formula = at(3);
    assert_eq!(formula.1, "calling");
    assert!(
        formula
            .2
            .starts_with("cell B3 holds a formula without a cached value (=A1+1)"),
        "{formula:?}"
    );
    assert_eq!(formula.3.split('\t').nth(1), Some("=A1+1"), "{formula:?}");
    for r in [6, 7] {
        let m = at(r);
        assert_eq!(m.1, "calling");
        assert_eq!(
            m.2,
            format!("cell B{r} lies under the merged range B5:B7; only B5 holds its value")
        );
    }
    for (r, want) in [
        (
            8,
            "cell C8: Excel date serial 60 is 1900-02-29, a day that never was",
        ),
        (9, "cell C9: Excel date serial -5 is negative"),
        (
            10,
            "cell C10: Excel date serial 0.5 has no date, only a time of day",
        ),
        (
            12,
            "cell C12: an ISO 8601 date cell with a time of day and no date: \"09:15:02\"",
        ),
    ] {
        let s = at(r);
        assert_eq!(s.1, "start");
        assert!(s.2.starts_with(want), "{s:?}");
    }
    // The raw text shows the serial as it is, not a date calamine made of it.
    assert_eq!(at(8).3.split('\t').nth(2), Some("60"), "{:?}", at(8));
}

#[test]
fn date_1904_workbooks_have_their_own_rules() {
    let o = ingest_ok(&fixture("date1904.xlsx"), "");
    assert_eq!(
        (o.input.accepted, o.input.quarantined),
        (3, 2),
        "{:?}",
        o.input
    );
    let day = |y, m, d| {
        chrono::NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_micros()
    };
    // Toronto was UTC-5 in 1904 (LMT ended in 1895).
    let est = 5 * 3_600_000_000;
    assert_eq!(
        o.starts(),
        vec![
            toronto_may_2011(2, 9, 15, 2),
            day(1904, 1, 1) + est,
            day(1904, 3, 1) + est
        ]
    );
    let q = o.quarantine();
    assert_eq!(q[0].0, 5);
    assert!(
        q[0].2.starts_with(
            "cell D5: Excel date serial -1 is negative: no day in the 1904 date system"
        ),
        "{q:?}"
    );
    // Column C under the merged C5:C6, counted from the sheet's column A.
    assert_eq!(q[1].0, 6);
    assert_eq!(
        q[1].2,
        "cell C6 lies under the merged range C5:C6; only C5 holds its value"
    );
}
