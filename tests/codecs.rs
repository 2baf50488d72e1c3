//! Every standard codec (issue 13, item 2): a Parquet file compressed with snappy, gzip, brotli,
//! LZ4 (the old Hadoop framing and LZ4_RAW) or zstd, and an Arrow IPC file or stream with LZ4 or
//! zstd buffers, is read like an uncompressed one. Each file is written here by the parquet and
//! arrow crates' own writers. A damaged compressed file keeps its "truncated or damaged" message.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, UInt64Type};
use arrow::ipc::writer::{FileWriter, IpcWriteOptions, StreamWriter};
use arrow::ipc::CompressionType;
use callsift::config::Case;
use callsift::ingest;
use callsift::store::read_table;
use parquet::arrow::ArrowWriter;
use parquet::basic::{BrotliLevel, Compression, GzipLevel, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};

/// A download of 200 numbers (enough for every codec to compress its pages): the numbers as text
/// and as integers.
fn batch() -> RecordBatch {
    let n = 200;
    let text: Vec<String> = (0..n).map(|i| format!("519-555-{:04}", 1000 + i)).collect();
    let ints: Vec<i64> = (0..n).map(|i| 16_135_551_000 + i as i64).collect();
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec!["DL-1"; n])),
        Arc::new(StringArray::from(vec!["a-7"; n])),
        Arc::new(StringArray::from(text)),
        Arc::new(Int64Array::from(ints)),
    ];
    let schema = Schema::new(vec![
        Field::new("download_id", DataType::Utf8, false),
        Field::new("account_id", DataType::Utf8, false),
        Field::new("phone", DataType::Utf8, false),
        Field::new("phone_int", DataType::Int64, false),
    ]);
    RecordBatch::try_new(Arc::new(schema), cols).unwrap()
}

/// A one-input downloads case over `file`, its number from `column`.
fn case(dir: &Path, file: &Path, column: &str) -> Case {
    let text = format!(
        "[[inputs]]\nkind = \"downloads\"\npath = {:?}\nprofile = \"p\"\n[profiles.p.columns]\n\
         download = \"download_id\"\naccount = \"account_id\"\nnumber = {column:?}\n",
        file.to_str().unwrap()
    );
    let p = dir.join(format!("case-{column}.toml"));
    std::fs::write(&p, text).unwrap();
    Case::load(&p).unwrap()
}

/// The numbers stored from `file`, read through its `phone` and `phone_int` columns.
fn numbers(dir: &Path, file: &Path) -> [Vec<u64>; 2] {
    [("phone", "out-t"), ("phone_int", "out-i")].map(|(col, out)| {
        let out = dir.join(out);
        let rep = ingest::run(&case(dir, file, col), &out, 1).unwrap();
        assert_eq!(rep.manifest.inputs[0].accepted, 200, "{}", file.display());
        let b = read_table(&out.join("store/downloads/part-0000.parquet")).unwrap();
        let n = b
            .column_by_name("number")
            .unwrap()
            .as_primitive::<UInt64Type>();
        n.values().to_vec()
    })
}

fn expected() -> [Vec<u64>; 2] {
    [
        (0..200).map(|i| 15_195_551_000 + i).collect(),
        (0..200).map(|i| 16_135_551_000 + i).collect(),
    ]
}

fn write_parquet(path: &Path, codec: Compression) {
    let b = batch();
    let props = WriterProperties::builder()
        .set_compression(codec)
        .set_dictionary_enabled(false)
        .build();
    let mut w = ArrowWriter::try_new(
        std::fs::File::create(path).unwrap(),
        b.schema(),
        Some(props),
    )
    .unwrap();
    w.write(&b).unwrap();
    w.close().unwrap();
}

#[test]
fn issue_13_parquet_of_every_codec_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let codecs = [
        ("uncompressed", Compression::UNCOMPRESSED),
        ("snappy", Compression::SNAPPY),
        ("gzip", Compression::GZIP(GzipLevel::default())),
        ("brotli", Compression::BROTLI(BrotliLevel::default())),
        ("lz4", Compression::LZ4),
        ("lz4_raw", Compression::LZ4_RAW),
        ("zstd", Compression::ZSTD(ZstdLevel::default())),
    ];
    for (name, codec) in codecs {
        let sub = dir.path().join(name);
        std::fs::create_dir(&sub).unwrap();
        let file = sub.join(format!("{name}.parquet"));
        write_parquet(&file, codec);
        // The file is compressed as the test says.
        let r = SerializedFileReader::new(std::fs::File::open(&file).unwrap()).unwrap();
        let got = r.metadata().row_group(0).column(2).compression();
        assert_eq!(format!("{got:?}"), format!("{codec:?}"), "{name}");
        assert_eq!(numbers(&sub, &file), expected(), "{name}");
    }
}

#[test]
fn issue_13_ipc_files_and_streams_with_lz4_or_zstd_buffers_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let b = batch();
    for (name, codec) in [
        ("lz4", CompressionType::LZ4_FRAME),
        ("zstd", CompressionType::ZSTD),
    ] {
        let opts = IpcWriteOptions::default()
            .try_with_compression(Some(codec))
            .unwrap();
        for stream in [false, true] {
            let sub = dir.path().join(format!("{name}-{stream}"));
            std::fs::create_dir(&sub).unwrap();
            let file = sub.join(format!("{name}.arrow"));
            let f = std::fs::File::create(&file).unwrap();
            if stream {
                let mut w =
                    StreamWriter::try_new_with_options(f, &b.schema(), opts.clone()).unwrap();
                w.write(&b).unwrap();
                w.finish().unwrap();
            } else {
                let mut w = FileWriter::try_new_with_options(f, &b.schema(), opts.clone()).unwrap();
                w.write(&b).unwrap();
                w.finish().unwrap();
            }
            assert_eq!(numbers(&sub, &file), expected(), "{name} stream={stream}");
        }
    }
}

/// The first zstd frame of `bytes` (magic 28 B5 2F FD), damaged.
fn damage_zstd_frame(bytes: &mut [u8]) {
    let at = bytes
        .windows(4)
        .position(|w| w == [0x28, 0xB5, 0x2F, 0xFD])
        .expect("a zstd frame");
    bytes[at..at + 4].copy_from_slice(b"XXXX");
}

#[test]
fn issue_13_a_damaged_zstd_file_is_called_damaged_not_unsupported() {
    let dir = tempfile::tempdir().unwrap();
    let file: PathBuf = dir.path().join("damaged.parquet");
    write_parquet(&file, Compression::ZSTD(ZstdLevel::default()));
    let mut bytes = std::fs::read(&file).unwrap();
    damage_zstd_frame(&mut bytes);
    std::fs::write(&file, bytes).unwrap();
    let e = ingest::run(&case(dir.path(), &file, "phone"), &dir.path().join("o"), 1).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("not a readable parquet file (truncated or damaged?)"),
        "{msg}"
    );
    assert!(msg.contains("damaged.parquet"), "{msg}");
    assert!(!msg.contains("cannot read"), "{msg}");
    assert!(!dir.path().join("o").exists());

    // The same for an IPC file with zstd buffers.
    let file = dir.path().join("damaged.arrow");
    let b = batch();
    let opts = IpcWriteOptions::default()
        .try_with_compression(Some(CompressionType::ZSTD))
        .unwrap();
    let mut w =
        FileWriter::try_new_with_options(std::fs::File::create(&file).unwrap(), &b.schema(), opts)
            .unwrap();
    w.write(&b).unwrap();
    w.finish().unwrap();
    let mut bytes = std::fs::read(&file).unwrap();
    damage_zstd_frame(&mut bytes);
    std::fs::write(&file, bytes).unwrap();
    let e = ingest::run(&case(dir.path(), &file, "phone"), &dir.path().join("o"), 1).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("not a readable ipc file (truncated or damaged?)"),
        "{msg}"
    );
    assert!(msg.contains("damaged.arrow"), "{msg}");
}

/// The bundled download log in every codec (`fixtures/codecs/`, written by pyarrow, not by the
/// crates callsift reads with), end to end through the binary: `ingest`, then `verify` against the
/// evidence (a case of downloads only has nothing to correlate); every file gives the same 40
/// numbers in the same order.
#[test]
fn issue_13_the_bundled_codec_files_run_and_verify_end_to_end() {
    let bin = env!("CARGO_BIN_EXE_callsift");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let case = root.join("fixtures/codecs/case.toml");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = |args: &[&str]| {
        let o = std::process::Command::new(bin).args(args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(0), "callsift {args:?}: {err}");
    };
    let (case_s, out_s) = (case.to_str().unwrap(), out.to_str().unwrap());
    run(&["ingest", case_s, "--out", out_s, "-q"]);
    run(&["verify", out_s, "--case", case_s]);
    let t = read_table(&out.join("store/downloads/part-0000.parquet")).unwrap();
    let download =
        arrow::compute::cast(t.column_by_name("download").unwrap(), &DataType::Utf8).unwrap();
    let download = download.as_string::<i32>();
    let number = t
        .column_by_name("number")
        .unwrap()
        .as_primitive::<UInt64Type>();
    let want: Vec<u64> = (0..40).map(|i| 15_195_550_100 + i).collect();
    let mut seen = std::collections::BTreeMap::<String, Vec<u64>>::new();
    for i in 0..t.num_rows() {
        seen.entry(download.value(i).to_string())
            .or_default()
            .push(number.value(i));
    }
    let codecs: Vec<&str> = seen.keys().map(String::as_str).collect();
    assert_eq!(
        codecs,
        [
            "DL-brotli",
            "DL-gzip",
            "DL-ipc-lz4",
            "DL-ipc-zstd",
            "DL-lz4",
            "DL-none",
            "DL-snappy",
            "DL-zstd"
        ]
    );
    for (codec, numbers) in &seen {
        assert_eq!(numbers, &want, "{codec}");
    }
}
