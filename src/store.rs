//! Writing and reading tables: Parquet with fixed writer settings (so the same data gives the same
//! bytes), CSV twins for people and spreadsheets, and atomic writes: every file is written under
//! a temporary name in its own folder, synced, and renamed into place, so an interrupted run never
//! leaves a half-written table under a final name. Files are left readable by all (mode 0644 on
//! Unix), not owner-only as temporary files are created.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::datatypes::SchemaRef;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::arrow_writer::{compute_leaves, ArrowColumnChunk};
use parquet::arrow::ArrowWriter;
use parquet::arrow::ProjectionMask;
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;

use crate::error::{Error, Result};

/// Writes `path` atomically: `fill` writes into a temporary file beside it, which is synced and
/// renamed over `path`.
///
/// # Errors
/// [`Error::Io`] naming `path`.
pub fn write_atomic(path: &Path, fill: impl FnOnce(&mut File) -> Result<()>) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    crate::outdir::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".callsift-")
        .suffix(".partial")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    fill(tmp.as_file_mut())?;
    tmp.as_file_mut().flush().map_err(|e| Error::io(path, e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    // The temporary file was created owner-only (0600); outputs are for every account that can
    // read the folder, like any file written with the usual umask.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))
            .map_err(|e| Error::io(path, e))?;
    }
    Ok(())
}

/// Columns whose values are mostly distinct in a case: dictionary encoding costs time there and
/// saves little, so they are written plain (the file grows by about a tenth).
const PLAIN_COLUMNS: [&str; 6] = [
    "called",
    "calling",
    "calling_raw",
    "start",
    "source_row",
    "duration_ms",
];

/// The most rows in one row group.
const ROW_GROUP_ROWS: usize = 1 << 20;

/// The fixed Parquet writer settings of every table callsift writes.
pub fn writer_properties() -> WriterProperties {
    let mut b = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("callsift {}", env!("CARGO_PKG_VERSION")));
    for c in PLAIN_COLUMNS {
        b = b.set_column_dictionary_enabled(ColumnPath::from(c), false);
    }
    b.build()
}

/// Writes batches (all of `schema`) as one Parquet file, atomically.
///
/// The column chunks are encoded in parallel (rayon: every column of every row group is a task)
/// and appended in file order, so the bytes are those of a serial [`ArrowWriter`] with the same
/// settings, whatever the thread count.
///
/// # Errors
/// [`Error::Io`] or [`Error::Store`] naming `path`.
pub fn write_parquet(path: &Path, schema: &SchemaRef, batches: &[RecordBatch]) -> Result<()> {
    write_atomic(path, |f| {
        write_parquet_to(f, schema, batches, writer_properties(), ROW_GROUP_ROWS)
            .map_err(|e| Error::store(path, e))
    })
}

/// The row groups of `batches`: runs of slices of at most `rows` rows in all, cut where a serial
/// [`ArrowWriter`] with that row-group size cuts them.
fn row_groups(batches: &[RecordBatch], rows: usize) -> Vec<Vec<RecordBatch>> {
    let mut groups = Vec::new();
    let mut cur: Vec<RecordBatch> = Vec::new();
    let mut filled = 0;
    for b in batches {
        let mut off = 0;
        while off < b.num_rows() {
            let n = (rows - filled).min(b.num_rows() - off);
            cur.push(b.slice(off, n));
            filled += n;
            off += n;
            if filled == rows {
                groups.push(std::mem::take(&mut cur));
                filled = 0;
            }
        }
    }
    if !cur.is_empty() {
        groups.push(cur);
    }
    groups
}

/// Parquet encoding of `batches` into `w`, columns in parallel.
fn write_parquet_to<W: Write + Send>(
    w: W,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    props: WriterProperties,
    rows: usize,
) -> std::result::Result<(), ParquetError> {
    let writer = ArrowWriter::try_new(w, schema.clone(), Some(props))?;
    let (mut file, factory) = writer.into_serialized_writer()?;
    let fields = schema.fields();
    // Row group by row group (so that one group's encoded chunks at most are held in memory),
    // its columns encoded in parallel. A nested column would have several leaf writers, which
    // this flat layout does not handle, so it is refused rather than misplaced.
    for (g, group) in row_groups(batches, rows).iter().enumerate() {
        let writers = factory.create_column_writers(g)?;
        if writers.len() != fields.len() {
            return Err(ParquetError::General(format!(
                "nested columns are not supported ({} leaves for {} fields)",
                writers.len(),
                fields.len()
            )));
        }
        let chunks: Vec<std::result::Result<ArrowColumnChunk, ParquetError>> = writers
            .into_par_iter()
            .enumerate()
            .map(|(c, mut cw)| {
                for b in group {
                    for leaf in compute_leaves(&fields[c], b.column(c))? {
                        cw.write(&leaf)?;
                    }
                }
                cw.close()
            })
            .collect();
        let mut rg = file.next_row_group()?;
        for chunk in chunks {
            chunk?.append_to_row_group(&mut rg)?;
        }
        rg.close()?;
    }
    file.close()?;
    Ok(())
}

/// Rows per piece of a CSV formatted on its own task.
const CSV_PIECE_ROWS: usize = 1 << 16;

/// Writes batches as CSV with a header, atomically. Timestamps are written in RFC 3339 UTC.
///
/// Pieces of 65,536 rows are formatted in parallel and written in order, so the
/// bytes are those of one serial writer.
///
/// # Errors
/// [`Error::Io`] or [`Error::Store`] naming `path`.
pub fn write_csv(path: &Path, batches: &[RecordBatch]) -> Result<()> {
    let pieces: Vec<RecordBatch> = batches
        .iter()
        .flat_map(|b| {
            (0..b.num_rows())
                .step_by(CSV_PIECE_ROWS)
                .map(move |off| b.slice(off, CSV_PIECE_ROWS.min(b.num_rows() - off)))
        })
        .collect();
    let header_only = pieces.is_empty();
    let texts: Vec<Vec<u8>> = pieces
        .par_iter()
        .enumerate()
        .map(|(i, piece)| csv_bytes(std::slice::from_ref(piece), i == 0))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::store(path, e))?;
    write_atomic(path, |f| {
        let mut w = std::io::BufWriter::new(f);
        if header_only {
            // The header of an empty table still names its columns.
            if let Some(b) = batches.first() {
                w.write_all(
                    &csv_bytes(std::slice::from_ref(b), true).map_err(|e| Error::store(path, e))?,
                )
                .map_err(|e| Error::io(path, e))?;
            }
        }
        for t in &texts {
            w.write_all(t).map_err(|e| Error::io(path, e))?;
        }
        w.flush().map_err(|e| Error::io(path, e))
    })
}

/// CSV text of `batches`, with the header line or without.
fn csv_bytes(
    batches: &[RecordBatch],
    header: bool,
) -> std::result::Result<Vec<u8>, arrow::error::ArrowError> {
    let mut out = Vec::new();
    let mut w = arrow::csv::WriterBuilder::new()
        .with_header(header)
        .with_timestamp_tz_format("%Y-%m-%dT%H:%M:%S%.fZ".to_string())
        .build(&mut out);
    for b in batches {
        w.write(b)?;
    }
    drop(w);
    Ok(out)
}

/// Reads a whole Parquet table.
///
/// # Errors
/// [`Error::Store`] naming `path` when it is missing or not Parquet.
pub fn read_parquet(path: &Path) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let b = ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| Error::store(path, e))?;
    let schema: SchemaRef = Arc::clone(b.schema());
    let r = b
        .with_batch_size(1 << 16)
        .build()
        .map_err(|e| Error::store(path, e))?;
    let batches = r
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::store(path, e))?;
    Ok((schema, batches))
}

/// Reads a Parquet table into one batch. Each column is decoded by its own reader, the columns
/// in parallel, straight into one array each (no concatenation of per-row-group batches, which
/// would copy the whole table once more).
///
/// # Errors
/// As [`read_parquet`].
pub fn read_table(path: &Path) -> Result<RecordBatch> {
    read_columns(path, None)
}

/// [`read_table`], keeping only the columns named in `keep` (all when `None`), in table order.
/// A name the table does not have is ignored: the caller finds the column missing.
///
/// # Errors
/// As [`read_parquet`].
pub fn read_columns(path: &Path, keep: Option<&[&str]>) -> Result<RecordBatch> {
    let open = || File::open(path).map_err(|e| Error::io(path, e));
    let meta = ArrowReaderMetadata::load(&open()?, ArrowReaderOptions::default())
        .map_err(|e| Error::store(path, e))?;
    let full: SchemaRef = Arc::clone(meta.schema());
    let rows = usize::try_from(meta.metadata().file_metadata().num_rows())
        .map_err(|e| Error::store(path, e))?;
    let wanted: Vec<usize> = (0..full.fields().len())
        .filter(|&i| keep.is_none_or(|k| k.contains(&full.field(i).name().as_str())))
        .collect();
    let schema = Arc::new(full.project(&wanted).map_err(|e| Error::store(path, e))?);
    let flat = meta.parquet_schema().num_columns() == full.fields().len();
    if !flat || rows == 0 {
        let (_, batches) = read_parquet(path)?;
        let all =
            arrow::compute::concat_batches(&full, &batches).map_err(|e| Error::store(path, e))?;
        return all.project(&wanted).map_err(|e| Error::store(path, e));
    }
    let column = |i: usize| -> Result<ArrayRef> {
        let b = ParquetRecordBatchReaderBuilder::new_with_metadata(open()?, meta.clone());
        let mask = ProjectionMask::roots(b.parquet_schema(), [i]);
        let batches = b
            .with_projection(mask)
            .with_batch_size(rows)
            .build()
            .map_err(|e| Error::store(path, e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::store(path, e))?;
        let parts: Vec<&dyn Array> = batches.iter().map(|b| b.column(0).as_ref()).collect();
        match parts.as_slice() {
            [one] => Ok(arrow::array::make_array(one.to_data())),
            _ => arrow::compute::concat(&parts).map_err(|e| Error::store(path, e)),
        }
    };
    let columns = wanted
        .into_par_iter()
        .map(column)
        .collect::<Result<Vec<ArrayRef>>>()?;
    RecordBatch::try_new_with_options(
        schema,
        columns,
        &RecordBatchOptions::new().with_row_count(Some(rows)),
    )
    .map_err(|e| Error::store(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::UInt64Array;
    use arrow::datatypes::{DataType, Field, Schema};

    #[test]
    fn parquet_round_trip_and_same_bytes() {
        let d = tempfile::tempdir().unwrap();
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::UInt64, false)]));
        let b = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(UInt64Array::from(vec![3u64, 1, 2]))],
        )
        .unwrap();
        let p1 = d.path().join("a.parquet");
        let p2 = d.path().join("b.parquet");
        write_parquet(&p1, &schema, std::slice::from_ref(&b)).unwrap();
        write_parquet(&p2, &schema, std::slice::from_ref(&b)).unwrap();
        assert_eq!(std::fs::read(&p1).unwrap(), std::fs::read(&p2).unwrap());
        assert_eq!(read_table(&p1).unwrap(), b);
        // No temporary file is left behind.
        let left: Vec<_> = std::fs::read_dir(d.path()).unwrap().collect();
        assert_eq!(left.len(), 2);
    }

    #[test]
    fn parallel_encoding_gives_the_serial_writers_bytes() {
        use arrow::array::{DictionaryArray, StringArray};
        use arrow::datatypes::Int32Type;
        let schema = Arc::new(Schema::new(vec![
            Field::new("called", DataType::UInt64, false),
            Field::new("calling", DataType::UInt64, true),
            Field::new(
                "carrier",
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                false,
            ),
            Field::new("calling_raw", DataType::Utf8, false),
        ]));
        let batch = |from: u64, n: u64| {
            let called: Vec<u64> = (from..from + n).map(|i| i * 7919 % 1000).collect();
            let calling: Vec<Option<u64>> = (from..from + n)
                .map(|i| (i % 5 != 0).then_some(i))
                .collect();
            let carrier: DictionaryArray<Int32Type> = (from..from + n)
                .map(|i| ["a", "b", "c"][(i % 3) as usize])
                .collect();
            let raw: StringArray = (from..from + n).map(|i| Some(format!("r{i}"))).collect();
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(UInt64Array::from(called)),
                    Arc::new(UInt64Array::from(calling)),
                    Arc::new(carrier),
                    Arc::new(raw),
                ],
            )
            .unwrap()
        };
        // Batches that straddle row groups of 1,000 rows, and an empty one.
        let batches = vec![
            batch(0, 700),
            batch(700, 0),
            batch(700, 1900),
            batch(2600, 5),
        ];
        let props = || {
            let mut b = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_max_row_group_row_count(Some(1000));
            for c in PLAIN_COLUMNS {
                b = b.set_column_dictionary_enabled(ColumnPath::from(c), false);
            }
            b.build()
        };
        let mut serial = Vec::new();
        let mut w = ArrowWriter::try_new(&mut serial, schema.clone(), Some(props())).unwrap();
        for b in &batches {
            w.write(b).unwrap();
        }
        w.close().unwrap();
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut parallel = Vec::new();
            pool.install(|| write_parquet_to(&mut parallel, &schema, &batches, props(), 1000))
                .unwrap();
            assert!(parallel == serial, "threads {threads}: bytes differ");
        }
        let groups = row_groups(&batches, 1000);
        let sizes: Vec<usize> = groups
            .iter()
            .map(|g| g.iter().map(|b| b.num_rows()).sum())
            .collect();
        assert_eq!(sizes, vec![1000, 1000, 605]);
    }

    #[test]
    fn csv_in_pieces_gives_the_serial_writers_bytes() {
        let d = tempfile::tempdir().unwrap();
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::UInt64, false)]));
        let n = 2 * CSV_PIECE_ROWS as u64 + 17;
        let big = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(UInt64Array::from_iter_values(0..n))],
        )
        .unwrap();
        let empty = big.slice(0, 0);
        for batches in [
            vec![big.clone(), big.slice(5, 3)],
            vec![empty.clone()],
            vec![],
        ] {
            let p = d.path().join("t.csv");
            write_csv(&p, &batches).unwrap();
            let mut want = Vec::new();
            {
                let mut w = arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .build(&mut want);
                for b in &batches {
                    w.write(b).unwrap();
                }
            }
            assert!(
                std::fs::read(&p).unwrap() == want,
                "{} batches",
                batches.len()
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn outputs_are_readable_by_all() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("m.json");
        write_atomic(&p, |f| f.write_all(b"{}").map_err(|e| Error::io(&p, e))).unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644, "mode {mode:o}");
    }
}
