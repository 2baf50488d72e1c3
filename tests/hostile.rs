//! Hostile inputs and a damaged case store: every one is a clear error naming the file (exit 4
//! for evidence, 6 for the store), never a panic (101) or an abort (134), and memory stays
//! bounded. CSV twins are safe to open in a spreadsheet (formula injection).

mod common;
use common::copy_dir;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use callsift::config::Case;
use callsift::store::{read_table, write_parquet};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A case store made by ingest from fixtures/formats/.
fn formats_store() -> tempfile::TempDir {
    let case = Case::load(&fixtures().join("formats/case.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    callsift::ingest::run(&case, dir.path(), 1).unwrap();
    dir
}

/// Replaces column `name` of a store table by `new` (a field and its array).
fn damage_table(table: &Path, name: &str, new: Option<(Field, ArrayRef)>) {
    let b = read_table(table).unwrap();
    let mut fields = Vec::new();
    let mut cols = Vec::new();
    for (f, a) in b.schema().fields().iter().zip(b.columns()) {
        if f.name() == name {
            if let Some((nf, na)) = &new {
                fields.push(nf.clone());
                cols.push(na.clone());
            }
        } else {
            fields.push(f.as_ref().clone());
            cols.push(a.clone());
        }
    }
    let schema = Arc::new(Schema::new(fields));
    let b = RecordBatch::try_new(schema.clone(), cols).unwrap();
    write_parquet(table, &schema, &[b]).unwrap();
    rerecord(table);
}

/// Records a damaged store table's new hash in the manifest, as a forger (or a bug) that
/// rewrote both would: correlate's hash check passes, and its schema check is what must stop
/// the run.
fn rerecord(table: &Path) {
    // DIR/store/<table>/part-NNNN.parquet
    let dir = table.ancestors().nth(3).unwrap();
    let rel = table
        .strip_prefix(dir)
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/");
    let mut m = callsift::manifest::Manifest::read(dir).unwrap();
    let rows = m
        .outputs
        .iter()
        .find(|o| o.path == rel)
        .and_then(|o| o.rows);
    m.add_output(dir, &rel, rows).unwrap();
    m.write(dir).unwrap();
}

fn correlate_err(dir: &Path) -> callsift::Error {
    match callsift::correlate::run(dir, &Default::default()) {
        Ok(_) => panic!("correlate accepted a damaged store"),
        Err(e) => e,
    }
}

#[test]
fn store_column_of_wrong_type_is_exit_6_not_a_panic() {
    let d = formats_store();
    let t = d.path().join("store/calls/part-0000.parquet");
    let n = read_table(&t).unwrap().num_rows();
    let text: StringArray = (0..n).map(|i| Some(format!("1613555{i:04}"))).collect();
    damage_table(
        &t,
        "called",
        Some((Field::new("called", DataType::Utf8, false), Arc::new(text))),
    );
    let e = correlate_err(d.path());
    let msg = e.to_string();
    assert_eq!(e.exit_code(), 6, "{msg}");
    assert!(msg.contains("store/calls/part-0000.parquet"), "{msg}");
    assert!(
        msg.contains("column `called` is Utf8, expected UInt64"),
        "{msg}"
    );
}

#[test]
fn store_start_as_int64_is_exit_6_not_a_panic() {
    let d = formats_store();
    let t = d.path().join("store/calls/part-0000.parquet");
    let n = read_table(&t).unwrap().num_rows();
    let ints = Int64Array::from_iter_values(0..n as i64);
    damage_table(
        &t,
        "start",
        Some((Field::new("start", DataType::Int64, false), Arc::new(ints))),
    );
    let e = correlate_err(d.path());
    let msg = e.to_string();
    assert_eq!(e.exit_code(), 6, "{msg}");
    assert!(msg.contains("store/calls/part-0000.parquet"), "{msg}");
    assert!(
        msg.contains("column `start` is Int64, expected Timestamp(µs, UTC)"),
        "{msg}"
    );
}

#[test]
fn store_missing_column_is_exit_6_not_a_panic() {
    let d = formats_store();
    damage_table(
        &d.path().join("store/complainants/part-0000.parquet"),
        "number",
        None,
    );
    let e = correlate_err(d.path());
    let msg = e.to_string();
    assert_eq!(e.exit_code(), 6, "{msg}");
    assert!(
        msg.contains("store/complainants/part-0000.parquet: missing column `number`"),
        "{msg}"
    );
}

#[test]
fn store_dictionary_of_other_keys_is_exit_6_not_a_panic() {
    // `carrier` as a dictionary with Int8 keys: the interning view would have panicked.
    let d = formats_store();
    let t = d.path().join("store/calls/part-0000.parquet");
    let b = read_table(&t).unwrap();
    let carrier = arrow::compute::cast(
        b.column_by_name("carrier").unwrap(),
        &DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8)),
    )
    .unwrap();
    damage_table(
        &t,
        "carrier",
        Some((
            Field::new("carrier", carrier.data_type().clone(), false),
            carrier,
        )),
    );
    let e = correlate_err(d.path());
    let msg = e.to_string();
    assert_eq!(e.exit_code(), 6, "{msg}");
    assert!(
        msg.contains("column `carrier` is Dictionary(Int8, Utf8)"),
        "{msg}"
    );
}

#[test]
fn store_nulls_in_a_required_column_are_exit_6_not_a_panic() {
    let d = formats_store();
    let t = d.path().join("store/calls/part-0000.parquet");
    let b = read_table(&t).unwrap();
    let called = b
        .column_by_name("called")
        .unwrap()
        .as_primitive::<arrow::datatypes::UInt64Type>();
    let with_null: arrow::array::UInt64Array = (0..called.len())
        .map(|i| (i != 0).then(|| called.value(i)))
        .collect();
    damage_table(
        &t,
        "called",
        Some((
            Field::new("called", DataType::UInt64, true),
            Arc::new(with_null),
        )),
    );
    let e = correlate_err(d.path());
    let msg = e.to_string();
    assert_eq!(e.exit_code(), 6, "{msg}");
    assert!(msg.contains("column `called` has 1 null values"), "{msg}");
}

#[test]
fn store_table_that_is_not_parquet_is_exit_6_not_a_panic() {
    let d = formats_store();
    for (name, bytes) in [
        ("watchlist", b"not parquet at all".to_vec()),
        // A footer that claims 2 GiB of metadata in a 20-byte file.
        ("downloads", {
            let mut v = b"PAR1".to_vec();
            v.extend_from_slice(&[0u8; 8]);
            v.extend_from_slice(&0x8000_0000u32.to_le_bytes());
            v.extend_from_slice(b"PAR1");
            v
        }),
    ] {
        let t = d.path().join(format!("store/{name}/part-0000.parquet"));
        let keep = std::fs::read(&t).unwrap();
        std::fs::write(&t, bytes).unwrap();
        rerecord(&t);
        let e = correlate_err(d.path());
        let msg = e.to_string();
        assert_eq!(e.exit_code(), 6, "{msg}");
        assert!(
            msg.contains(&format!("store/{name}/part-0000.parquet")),
            "{msg}"
        );
        std::fs::write(&t, keep).unwrap();
        rerecord(&t);
    }
}

// ---------------------------------------------------------------------------------------------
// CSV twins and spreadsheets.

/// The fields of a CSV text (RFC 4180 quoting), record by record.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else if c == '"' {
            quoted = true;
        } else if c == ',' {
            row.push(std::mem::take(&mut field));
        } else if c == '\n' {
            row.push(std::mem::take(&mut field));
            rows.push(std::mem::take(&mut row));
        } else {
            field.push(c);
        }
    }
    assert!(
        !quoted && field.is_empty() && row.is_empty(),
        "CSV ends mid-record"
    );
    rows
}

/// Whether a spreadsheet would read a cell as a formula.
fn formula_like(s: &str) -> bool {
    let plain_number = {
        let t = s.strip_prefix(['+', '-']).unwrap_or(s);
        !t.is_empty()
            && t.parse::<f64>().is_ok()
            && t.bytes()
                .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
    };
    s.starts_with(['=', '+', '-', '@', '\t', '\r']) && !plain_number
}

/// Every CSV under `dir`.
fn csvs(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            csvs(&p, out);
        } else if p.extension().is_some_and(|x| x == "csv") {
            out.push(p);
        }
    }
}

const HOSTILE: [&str; 4] = [
    "=HYPERLINK(\"http://x\",\"y\")",
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-1+1",
];

#[test]
fn csv_twins_defuse_spreadsheet_formulas() {
    let d = tempfile::tempdir().unwrap();
    let case_dir = d.path().join("case");
    copy_dir(&fixtures().join("formats"), &case_dir);
    copy_dir(&fixtures().join("numbering"), &d.path().join("numbering"));
    // Hostile labels (vendor, list, carrier, watch-list), and a quarantined line of a carrier
    // file that starts with a formula.
    let toml = std::fs::read_to_string(case_dir.join("case.toml"))
        .unwrap()
        .replace(
            "set = { vendor = \"RoboDial Inc.\", list = \"upload-guelph-0501\" }",
            &format!(
                "set = {{ vendor = {:?}, list = {:?} }}",
                HOSTILE[0], HOSTILE[1]
            ),
        )
        .replace(
            "label = \"Ontario Tel\"",
            &format!("label = {:?}", HOSTILE[2]),
        )
        .replace(
            "label = \"political telemarketers\"",
            &format!("label = {:?}", HOSTILE[3]),
        );
    std::fs::write(case_dir.join("case.toml"), toml).unwrap();
    let western = std::fs::read_dir(case_dir.join("carriers"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("western-"))
        .unwrap();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&western)
        .unwrap();
    writeln!(f, "=HYPERLINK(\"http://evil\",\"click\"),-2+3,@x").unwrap();
    drop(f);

    let out = d.path().join("out");
    let case = Case::load(&case_dir.join("case.toml")).unwrap();
    callsift::ingest::run(&case, &out, 2).unwrap();
    callsift::correlate::run(&out, &Default::default()).unwrap();

    let mut files = Vec::new();
    csvs(&out, &mut files);
    assert!(files.len() >= 5, "{files:?}");
    let mut all = String::new();
    let mut cells: Vec<(String, String)> = Vec::new(); // (file name, cell)
    for p in &files {
        let text = std::fs::read_to_string(p).unwrap();
        for (r, row) in parse_csv(&text).iter().enumerate() {
            for cell in row {
                assert!(
                    !formula_like(cell),
                    "{}: record {r}: cell {cell:?} would be a formula",
                    p.display()
                );
                cells.push((
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    cell.clone(),
                ));
            }
        }
        all.push_str(&text);
    }
    // The quarantined line keeps its text after the `'` in the CSV twin, and exactly in Parquet.
    assert!(
        all.contains("\"'=HYPERLINK(\"\"http://evil\"\",\"\"click\"\"),-2+3,@x\""),
        "quarantine.csv lacks the defused line"
    );
    let q = read_table(&out.join("store/quarantine.parquet")).unwrap();
    let raws = q.column_by_name("raw").unwrap().as_string::<i32>();
    assert!(
        (0..raws.len()).any(|i| raws.value(i) == "=HYPERLINK(\"http://evil\",\"click\"),-2+3,@x")
    );
    // Hostile labels that reach a table as a whole cell are defused there too.
    let mut defused = std::collections::BTreeSet::new();
    for h in HOSTILE {
        let quoted = format!("'{h}");
        for (f, c) in &cells {
            assert_ne!(c, h, "{f}: {h:?} written as it is");
            if *c == quoted {
                defused.insert((f.clone(), h));
            }
        }
    }
    eprintln!("defused cells: {defused:?}");
    assert!(
        defused.iter().any(|(f, _)| f != "quarantine.csv"),
        "no hostile label reached a results CSV"
    );
    // Phone numbers stay as they are.
    let numbers = std::fs::read_to_string(out.join("results/numbers.csv")).unwrap();
    assert!(
        numbers.contains(",+1"),
        "E.164 numbers are left as they are"
    );
    assert!(
        !numbers.contains("'+1"),
        "E.164 numbers are left as they are"
    );
}

// ---------------------------------------------------------------------------------------------
// Resource bounds.

/// A minimal workbook with one sheet whose `<sheetData>` is `sheet_data`.
fn xlsx(dimension: &str, sheet_data: &str) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let parts: [(&str, String); 5] = [
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.into(),
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.into(),
            ),
            (
                "xl/workbook.xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#.into(),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.into(),
            ),
            (
                "xl/worksheets/sheet1.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{sheet_data}</sheetData></worksheet>"#
                ),
            ),
        ];
        for (name, text) in parts {
            z.start_file(name, o).unwrap();
            z.write_all(text.as_bytes()).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

/// The header row of the bad-input corpus layout, and one good record.
const HEADER_ROW: &str = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Called</t></is></c><c r="B1" t="inlineStr"><is><t>Calling</t></is></c><c r="C1" t="inlineStr"><is><t>Start</t></is></c><c r="D1" t="inlineStr"><is><t>Duration</t></is></c></row>"#;
const GOOD_ROW: &str = r#"<row r="2"><c r="A2" t="inlineStr"><is><t>613-555-0101</t></is></c><c r="B2" t="inlineStr"><is><t>613-555-0199</t></is></c><c r="C2" t="inlineStr"><is><t>2011-05-02 09:15:02</t></is></c><c r="D2"><v>32</v></c></row>"#;

/// Patches the uncompressed size that a zip declares for entry `name` (local and central
/// headers).
fn lie_about_size(zip: &mut [u8], name: &str, size: u32) {
    let mut patched = 0;
    for i in 0..zip.len().saturating_sub(46) {
        let (sig, name_at, size_at) = match &zip[i..i + 4] {
            [0x50, 0x4b, 0x03, 0x04] => ("local", 30, 22),
            [0x50, 0x4b, 0x01, 0x02] => ("central", 46, 24),
            _ => continue,
        };
        let off = if sig == "local" { 26 } else { 28 };
        let n = u16::from_le_bytes([zip[i + off], zip[i + off + 1]]) as usize;
        if zip.get(i + name_at..i + name_at + n) == Some(name.as_bytes()) {
            zip[i + size_at..i + size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "both headers of {name}");
}

/// The hostile workbooks: (file name, bytes, extra profile lines).
fn hostile_workbooks() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    // Declares the whole sheet and has a cell in its last corner.
    let dimension_bomb = xlsx(
        "A1:XFD1048576",
        &format!(r#"{HEADER_ROW}{GOOD_ROW}<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#),
    );
    // A cell reference far beyond Excel's limits.
    let reference_bomb = xlsx(
        "A1:D2",
        &format!(r#"{HEADER_ROW}{GOOD_ROW}<row r="3"><c r="ZZZZZZ99999999"><v>1</v></c></row>"#),
    );
    // 64 MiB of padding in the sheet, compressed to about 64 KiB, against a profile limit of
    // 16 MiB.
    let padding = format!("{HEADER_ROW}{GOOD_ROW}{}", " ".repeat(64 << 20));
    let zip_bomb = xlsx("A1:D2", &padding);
    // A sheet that declares 100 bytes and inflates to more.
    let mut liar = xlsx("A1:D2", &format!("{HEADER_ROW}{GOOD_ROW}"));
    lie_about_size(&mut liar, "xl/worksheets/sheet1.xml", 100);
    // A sheet that declares 3 GiB.
    let mut big_claim = xlsx("A1:D2", &format!("{HEADER_ROW}{GOOD_ROW}"));
    lie_about_size(&mut big_claim, "xl/worksheets/sheet1.xml", 3 << 30);
    vec![
        ("dimension-bomb.xlsx", dimension_bomb, ""),
        ("reference-bomb.xlsx", reference_bomb, ""),
        ("zip-bomb.xlsx", zip_bomb, "max_inflated_bytes = 16777216\n"),
        ("size-liar.xlsx", liar, ""),
        ("big-claim.xlsx", big_claim, ""),
    ]
}

/// A one-input case over `file` in the bad-input layout, written in `dir`. As the bad-input
/// profile, it turns the quarantine threshold off: a hostile workbook's few rows are mostly bad.
fn xlsx_case(dir: &Path, name: &str, bytes: &[u8], extra: &str) -> PathBuf {
    std::fs::write(dir.join(name), bytes).unwrap();
    let text = format!(
        "[[inputs]]\nkind = \"calls\"\npath = {name:?}\nprofile = \"p\"\nlabel = \"T\"\n\
         [profiles.p]\nmax_quarantine_share = 1\n{extra}time_zone = \"America/Toronto\"\n\
         timestamp_formats = [\"%Y-%m-%d %H:%M:%S\"]\nduration = \"s\"\n\
         [profiles.p.columns]\ncalled = \"Called\"\ncalling = \"Calling\"\n\
         start = \"Start\"\nduration = \"Duration\"\n"
    );
    let p = dir.join(format!("{name}.toml"));
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn xlsx_dimension_bomb_is_read_sparse_not_allocated() {
    let d = tempfile::tempdir().unwrap();
    let (name, bytes, extra) = hostile_workbooks().swap_remove(0);
    assert!(bytes.len() < 4096, "{} bytes", bytes.len());
    let case = Case::load(&xlsx_case(d.path(), name, &bytes, extra)).unwrap();
    let rep = callsift::ingest::run(&case, &d.path().join("out"), 1).unwrap();
    let i = &rep.manifest.inputs[0];
    // Row 2 is accepted, the far cell's row quarantined, the rows between blank.
    assert_eq!((i.accepted, i.quarantined), (1, 1), "{i:?}");
    assert_eq!(i.blank_lines, 1048576 - 3, "{i:?}");
}

#[test]
fn xlsx_hostile_workbooks_are_exit_4_naming_the_file() {
    for (name, bytes, extra) in hostile_workbooks().into_iter().skip(1) {
        let d = tempfile::tempdir().unwrap();
        let case = Case::load(&xlsx_case(d.path(), name, &bytes, extra)).unwrap();
        let e = callsift::ingest::run(&case, &d.path().join("out"), 1).unwrap_err();
        let msg = e.to_string();
        assert_eq!(e.exit_code(), 4, "{name}: {msg}");
        assert!(msg.contains(name), "{name}: {msg}");
        match name {
            "zip-bomb.xlsx" => assert!(
                msg.contains("16777216") && msg.contains("max_inflated_bytes"),
                "{msg}"
            ),
            "big-claim.xlsx" => assert!(
                msg.contains("declare") && msg.contains("max_inflated_bytes"),
                "{msg}"
            ),
            "size-liar.xlsx" => assert!(
                msg.contains("inflates past")
                    || msg.contains("larger than its declared uncompressed size"),
                "{msg}"
            ),
            _ => {}
        }
    }
}

/// The built binary on each hostile workbook under an address-space limit of 1.5 GB: exit 4 (or
/// 0 for the sparse dimension bomb), never an abort (134) or a panic (101).
#[test]
fn hostile_workbooks_under_prlimit_exit_cleanly() {
    if std::process::Command::new("prlimit")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!(
            "prlimit is not installed (util-linux): the test under a memory limit is skipped"
        );
        return;
    }
    let bin = env!("CARGO_BIN_EXE_callsift");
    for (name, bytes, extra) in hostile_workbooks() {
        let d = tempfile::tempdir().unwrap();
        let case = xlsx_case(d.path(), name, &bytes, extra);
        let out = std::process::Command::new("prlimit")
            .arg("--as=1500000000")
            .arg(bin)
            .arg("ingest")
            .arg(&case)
            .arg("--out")
            .arg(d.path().join("out"))
            .arg("--threads")
            .arg("2")
            .output()
            .unwrap();
        let code = out.status.code();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let want = if name == "dimension-bomb.xlsx" { 0 } else { 4 };
        assert_eq!(code, Some(want), "{name}: {stderr}");
        if want == 4 {
            assert!(stderr.contains(name), "{name}: {stderr}");
        }
    }
}

#[test]
fn quarantined_20_mb_field_is_written_in_linear_time() {
    // A line whose quoted field of 20 MB holds commas: it is quarantined (max_field_bytes),
    // and its raw text, with a quote near each end, must be quoted in quarantine.csv. The csv
    // crate's writer searched from each 8 KiB written to the next quote, at the far end: 5, 10,
    // 20 MB took 0.3, 1.8, 9.3 s in a debug build (200 MB: 176 s in release).
    let d = tempfile::tempdir().unwrap();
    let field = "ab,c".repeat((20 << 20) / 4);
    let csv = format!(
        "Called,Calling,Start,Duration\n613-555-0101,613-555-0199,2011-05-02 09:15:02,32\n\
         613-555-0102,\"{field}\",2011-05-02 09:16:40,30\n"
    );
    std::fs::write(d.path().join("big.csv"), &csv).unwrap();
    // One of its two records is quarantined: the threshold is off (max_quarantine_share = 1).
    let text = "[[inputs]]\nkind = \"calls\"\npath = \"big.csv\"\nprofile = \"p\"\nlabel = \"T\"\n\
         [profiles.p]\nmax_quarantine_share = 1\ntime_zone = \"America/Toronto\"\n\
         timestamp_formats = [\"%Y-%m-%d %H:%M:%S\"]\nduration = \"s\"\n\
         [profiles.p.columns]\ncalled = \"Called\"\ncalling = \"Calling\"\n\
         start = \"Start\"\nduration = \"Duration\"\n";
    std::fs::write(d.path().join("case.toml"), text).unwrap();
    let case = Case::load(&d.path().join("case.toml")).unwrap();
    let t0 = std::time::Instant::now();
    let rep = callsift::ingest::run(&case, &d.path().join("out"), 1).unwrap();
    eprintln!("ingest with a quarantined 20 MB field: {:?}", t0.elapsed());
    assert_eq!(rep.manifest.inputs[0].quarantined, 1);
    let q = std::fs::read_to_string(d.path().join("out/store/quarantine.csv")).unwrap();
    let rows = parse_csv(&q);
    let raw = rows[1].last().unwrap();
    let line = csv.lines().nth(2).unwrap();
    assert_eq!(raw, line, "the raw line round-trips through the CSV twin");
}
