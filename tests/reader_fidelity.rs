//! Cell fidelity of the JSON-lines, Parquet and Arrow IPC readers (issue 13, item 6): a JSON
//! line naming a key twice goes to the quarantine; a `uint64` at or above 2^63 keeps its exact
//! value (never a *blocked* caller ID); an IPC stream cut at a batch boundary is an error naming
//! the file; typed timestamps obey the 1000-9999 year rule, a local 9999-12-31T23:59:59 that is
//! year 10000 in UTC is quarantined, and reasons show date-times readably. Files are written by
//! the test (JSON lines by hand, Parquet and IPC with the crates' writers).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, RecordBatch, StringArray, TimestampMicrosecondArray,
    TimestampSecondArray, UInt64Array,
};
use arrow::datatypes::{DataType, Field, Int32Type, Schema, TimeUnit, UInt64Type};
use callsift::config::Case;
use callsift::ingest;
use callsift::store::read_table;

/// A one-input case of `kind` over `file` with profile lines `profile` (TOML, `[profiles.p]`
/// contents and its `columns` table).
fn case(dir: &Path, kind: &str, file: &Path, profile: &str) -> Case {
    let text = format!(
        "[[inputs]]\nkind = {kind:?}\npath = {:?}\nprofile = \"p\"\nlabel = \"Carrier\"\n\
         [profiles.p]\nmax_quarantine_share = 1\n{profile}\n",
        file.to_str().unwrap()
    );
    let p = dir.join("case.toml");
    std::fs::write(&p, text).unwrap();
    Case::load(&p).unwrap()
}

struct Run {
    dir: tempfile::TempDir,
    input: callsift::manifest::InputRecord,
}

fn ingest_one(kind: &str, file: &Path, profile: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let c = case(dir.path(), kind, file, profile);
    let rep = ingest::run(&c, &dir.path().join("out"), 1).unwrap();
    let input = rep.manifest.inputs[0].clone();
    assert!(input.reconciles());
    Run { dir, input }
}

impl Run {
    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// The quarantine as (row, column, reason, raw).
    fn quarantine(&self) -> Vec<(u64, Option<String>, String, String)> {
        let q = read_table(&self.out().join("store/quarantine.parquet")).unwrap();
        let row = q
            .column_by_name("source_row")
            .unwrap()
            .as_primitive::<UInt64Type>();
        let col = q.column_by_name("column").unwrap().as_string::<i32>();
        let reason = q.column_by_name("reason").unwrap().as_string::<i32>();
        let raw = q.column_by_name("raw").unwrap().as_string::<i32>();
        (0..q.num_rows())
            .map(|i| {
                (
                    row.value(i),
                    col.is_valid(i).then(|| col.value(i).to_string()),
                    reason.value(i).to_string(),
                    raw.value(i).to_string(),
                )
            })
            .collect()
    }

    fn table(&self, kind: &str) -> RecordBatch {
        read_table(&self.out().join(format!("store/{kind}/part-0000.parquet"))).unwrap()
    }
}

fn write_parquet(path: &Path, b: &RecordBatch) {
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(path).unwrap(),
        b.schema(),
        None,
    )
    .unwrap();
    w.write(b).unwrap();
    w.close().unwrap();
}

const DOWNLOADS: &str = "time_zone = \"America/Toronto\"\n\
    timestamp_formats = [\"%Y-%m-%d %H:%M:%S\"]\n[profiles.p.columns]\n\
    download = \"id\"\naccount = \"acc\"\nnumber = \"n\"\ntime = \"at\"\n";

/// The downloads profile of files without a time.
const PLAIN: &str = "[profiles.p.columns]\ndownload = \"id\"\naccount = \"acc\"\nnumber = \"n\"\n";

#[test]
fn issue_13_a_json_line_with_a_duplicate_key_is_quarantined() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("log.jsonl");
    std::fs::write(
        &f,
        "{\"id\": \"DL-1\", \"acc\": \"a-7\", \"n\": \"519-555-0101\"}\n\
         {\"id\": \"DL-1\", \"acc\": \"a-7\", \"acc\": \"a-9\", \"n\": \"519-555-0102\"}\n\
         {\"id\": \"DL-1\", \"acc\": \"a-7\", \"n\": \"519-555-0103\"}\n",
    )
    .unwrap();
    let r = ingest_one("downloads", &f, PLAIN);
    assert_eq!((r.input.accepted, r.input.quarantined), (2, 1));
    let q = r.quarantine();
    assert_eq!(q[0].0, 2);
    assert_eq!(q[0].1, None);
    assert_eq!(
        q[0].2,
        "duplicate key \"acc\": the object gives it twice, and which value is meant cannot be known"
    );
    assert!(q[0].3.contains("\"acc\": \"a-9\""), "{q:?}");
}

/// Calls whose caller IDs are `uint64`: an ordinary number, 2^63 and `u64::MAX`.
fn uint_calls() -> RecordBatch {
    let calling: ArrayRef = Arc::new(UInt64Array::from(vec![16135550199, 1u64 << 63, u64::MAX]));
    let called: ArrayRef = Arc::new(UInt64Array::from(vec![
        16135550101,
        16135550102,
        1u64 << 63,
    ]));
    let start: ArrayRef = Arc::new(StringArray::from(vec!["2011-05-02T13:00:00Z"; 3]));
    let schema = Schema::new(vec![
        Field::new("called", DataType::UInt64, false),
        Field::new("calling", DataType::UInt64, false),
        Field::new("start", DataType::Utf8, false),
    ]);
    RecordBatch::try_new(Arc::new(schema), vec![called, calling, start]).unwrap()
}

#[test]
fn issue_13_uint64_at_or_above_2_63_keeps_its_exact_value() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("calls.parquet");
    write_parquet(&f, &uint_calls());
    let r = ingest_one("calls", &f, "");
    // Row 3's called number 2^63 is no number: quarantined with its exact digits.
    let q = r.quarantine();
    assert_eq!(q.len(), 1, "{q:?}");
    assert_eq!((q[0].0, q[0].1.as_deref()), (3, Some("called")));
    assert!(
        q[0].2.starts_with("invalid number \"9223372036854775808\""),
        "{q:?}"
    );
    assert!(q[0].3.contains("18446744073709551615"), "{q:?}");
    // Row 2's caller ID 2^63 is kept as an invalid caller ID, its digits exact: not blocked.
    let b = r.table("calls");
    let status = b
        .column_by_name("calling_status")
        .unwrap()
        .as_dictionary::<Int32Type>();
    let names = status.values().as_string::<i32>();
    let raw = b.column_by_name("calling_raw").unwrap().as_string::<i32>();
    let got: Vec<(&str, &str)> = (0..b.num_rows())
        .map(|i| (names.value(status.keys().value(i) as usize), raw.value(i)))
        .collect();
    assert_eq!(
        got,
        [("ok", "16135550199"), ("invalid", "9223372036854775808")]
    );
    assert_eq!(r.input.blocked_caller_ids, 0);

    // The same values in JSON lines: exact too (they were read as floats before).
    let f = dir.path().join("calls.jsonl");
    std::fs::write(
        &f,
        "{\"called\": 16135550101, \"calling\": 9223372036854775808, \"start\": \"2011-05-02T13:00:00Z\"}\n",
    )
    .unwrap();
    let r = ingest_one("calls", &f, "");
    let b = r.table("calls");
    let raw = b.column_by_name("calling_raw").unwrap().as_string::<i32>();
    assert_eq!(raw.value(0), "9223372036854775808");
}

#[test]
fn issue_13_an_ipc_stream_cut_at_a_batch_boundary_is_an_error_naming_the_file() {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("acc", DataType::Utf8, false),
        Field::new("n", DataType::Utf8, false),
    ]));
    let batch = |k: usize| {
        let n: Vec<String> = (0..100)
            .map(|i| format!("519555{:04}", k * 100 + i))
            .collect();
        RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec!["DL-1"; 100])),
                Arc::new(StringArray::from(vec!["a-7"; 100])),
                Arc::new(StringArray::from(n)),
            ],
        )
        .unwrap()
    };
    let stream = |batches: usize| {
        let mut w = arrow::ipc::writer::StreamWriter::try_new(Vec::new(), &schema).unwrap();
        for k in 0..batches {
            w.write(&batch(k)).unwrap();
        }
        w.finish().unwrap();
        w.into_inner().unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let (full, two) = (stream(3), stream(2));
    // Two batches without the end-of-stream marker (8 bytes) are the first bytes of three.
    let cut = &two[..two.len() - 8];
    assert_eq!(&full[..cut.len()], cut);

    let whole = dir.path().join("whole.arrows");
    std::fs::write(&whole, &full).unwrap();
    assert_eq!(ingest_one("downloads", &whole, PLAIN).input.accepted, 300);

    for (name, bytes) in [
        ("cut.arrows", cut),
        ("no-end.arrows", &full[..full.len() - 8]),
    ] {
        let f = dir.path().join(name);
        std::fs::write(&f, bytes).unwrap();
        let c = case(dir.path(), "downloads", &f, PLAIN);
        let e = ingest::run(&c, &dir.path().join("out"), 1).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(name), "{msg}");
        assert!(msg.contains("no end-of-stream marker"), "{msg}");
        assert!(!dir.path().join("out").exists());
    }
    let msg = {
        let f = dir.path().join("cut.arrows");
        let c = case(dir.path(), "downloads", &f, PLAIN);
        ingest::run(&c, &dir.path().join("out"), 1)
            .unwrap_err()
            .to_string()
    };
    assert!(msg.contains("after 2 batches, 200 rows"), "{msg}");
}

/// UTC microseconds of a civil UTC date-time.
fn micros(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(y, mo, d)
        .unwrap()
        .and_hms_opt(h, mi, s)
        .unwrap()
        .and_utc()
        .timestamp_micros()
}

#[test]
fn issue_13_typed_timestamps_obey_the_year_rule_and_show_readably() {
    let dir = tempfile::tempdir().unwrap();
    let n = 6;
    let utc = TimestampMicrosecondArray::from(vec![
        micros(2011, 4, 28, 21, 14, 0),
        micros(999, 12, 31, 23, 0, 0),
        micros(10000, 1, 1, 0, 0, 0),
        micros(2011, 4, 28, 21, 14, 0),
        micros(2011, 4, 28, 21, 14, 0),
        micros(2011, 4, 28, 21, 14, 0),
    ])
    .with_timezone("UTC");
    let local = TimestampMicrosecondArray::from(vec![
        micros(2011, 4, 28, 21, 14, 0),
        micros(2011, 4, 28, 21, 14, 0),
        micros(2011, 4, 28, 21, 14, 0),
        micros(9999, 12, 31, 23, 59, 59),
        micros(9999, 12, 31, 18, 59, 59),
        micros(2011, 4, 28, 21, 14, 0),
    ]);
    // Seconds beyond what microseconds hold (the cast to microseconds cannot keep them).
    let secs = TimestampSecondArray::from(vec![0, 0, 0, 0, 0, i64::MAX / 10]).with_timezone("UTC");
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec!["DL-1"; n])),
        Arc::new(StringArray::from(vec!["a-7"; n])),
        Arc::new(StringArray::from(
            (0..n)
                .map(|i| format!("51955501{i:02}"))
                .collect::<Vec<_>>(),
        )),
        Arc::new(utc),
        Arc::new(local),
        Arc::new(secs),
    ];
    let schema = Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("acc", DataType::Utf8, false),
        Field::new("n", DataType::Utf8, false),
        Field::new(
            "utc",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new(
            "local",
            DataType::Timestamp(TimeUnit::Microsecond, None),
            false,
        ),
        Field::new(
            "secs",
            DataType::Timestamp(TimeUnit::Second, Some("UTC".into())),
            false,
        ),
    ]);
    let b = RecordBatch::try_new(Arc::new(schema), cols).unwrap();
    let pq = dir.path().join("times.parquet");
    write_parquet(&pq, &b);
    let ipc = dir.path().join("times.arrow");
    let mut w =
        arrow::ipc::writer::FileWriter::try_new(std::fs::File::create(&ipc).unwrap(), &b.schema())
            .unwrap();
    w.write(&b).unwrap();
    w.finish().unwrap();

    let profile = |col: &str| {
        format!(
            "time_zone = \"America/Toronto\"\n[profiles.p.columns]\n\
             download = \"id\"\naccount = \"acc\"\nnumber = \"n\"\ntime = {col:?}\n"
        )
    };
    for f in [&pq, &ipc] {
        let r = ingest_one("downloads", f, &profile("utc"));
        let q = r.quarantine();
        let reasons: Vec<(u64, &str)> = q.iter().map(|x| (x.0, x.2.as_str())).collect();
        assert_eq!(
            reasons,
            [
                (2, "a year outside 1000-9999: \"0999-12-31T23:00:00Z\""),
                (3, "a year outside 1000-9999: \"+10000-01-01T00:00:00Z\""),
            ],
            "{}",
            f.display()
        );
        let r = ingest_one("downloads", f, &profile("local"));
        let q = r.quarantine();
        let reasons: Vec<(u64, &str)> = q.iter().map(|x| (x.0, x.2.as_str())).collect();
        assert_eq!(
            reasons,
            [(
                4,
                "a year outside 1000-9999 in UTC: \"9999-12-31T23:59:59 (local)\" is \
                 +10000-01-01T04:59:59Z"
            )],
            "{}",
            f.display()
        );
        // `raw` shows the row's date-times as the reasons do, never as bare microseconds.
        assert_eq!(
            q[0].3,
            "DL-1\ta-7\t5195550103\t2011-04-28T21:14:00Z\t9999-12-31T23:59:59 (local)\t\
             1970-01-01T00:00:00Z",
            "{}",
            f.display()
        );
        // 18:59:59 in Toronto is 23:59:59 UTC, the last second the store holds.
        let t = r.table("downloads");
        let time = t
            .column_by_name("time")
            .unwrap()
            .as_primitive::<arrow::datatypes::TimestampMicrosecondType>();
        assert_eq!(time.value(3), micros(9999, 12, 31, 23, 59, 59));
        let r = ingest_one("downloads", f, &profile("secs"));
        let q = r.quarantine();
        assert_eq!(q.len(), 1, "{q:?}");
        assert_eq!((q[0].0, q[0].1.as_deref()), (6, Some("time")));
        assert!(q[0].2.starts_with("a timestamp too far from 1970"), "{q:?}");
        let raw = format!("{} s since 1970-01-01", i64::MAX / 10);
        assert!(q[0].3.contains(&raw), "{q:?}");
        for x in &q {
            assert!(!x.2.contains("Naive(") && !x.2.contains("Utc("), "{x:?}");
        }
    }
    // A text time of 9999-12-31 23:59:59 in Toronto is year 10000 in UTC too: quarantined.
    let f = dir.path().join("text.jsonl");
    std::fs::write(
        &f,
        "{\"id\": \"DL-1\", \"acc\": \"a-7\", \"n\": \"519-555-0101\", \"at\": \"9999-12-31 23:59:59\"}\n",
    )
    .unwrap();
    let q = ingest_one("downloads", &f, DOWNLOADS).quarantine();
    assert_eq!(
        q[0].2,
        "a year outside 1000-9999 in UTC: \"9999-12-31 23:59:59\" is +10000-01-01T04:59:59Z"
    );
}
