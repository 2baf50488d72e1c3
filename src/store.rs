//! Writing and reading tables: Parquet with fixed writer settings (so the same data gives the same
//! bytes), CSV twins for people and spreadsheets, and atomic writes: every file is written under
//! a temporary name in its own folder, synced, and renamed into place, so an interrupted run never
//! leaves a half-written table under a final name. Files are left readable by all (mode 0644 on
//! Unix), not owner-only as temporary files are created.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::error::{Error, Result};

/// Writes `path` atomically: `fill` writes into a temporary file beside it, which is synced and
/// renamed over `path`.
///
/// # Errors
/// [`Error::Io`] naming `path`.
pub fn write_atomic(path: &Path, fill: impl FnOnce(&mut File) -> Result<()>) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
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

/// The fixed Parquet writer settings of every table callsift writes.
pub fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(1 << 20))
        .set_created_by(format!("callsift {}", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Writes batches (all of `schema`) as one Parquet file, atomically.
///
/// # Errors
/// [`Error::Io`] or [`Error::Store`] naming `path`.
pub fn write_parquet(path: &Path, schema: &SchemaRef, batches: &[RecordBatch]) -> Result<()> {
    write_atomic(path, |f| {
        let mut w = ArrowWriter::try_new(f, schema.clone(), Some(writer_properties()))
            .map_err(|e| Error::store(path, e))?;
        for b in batches {
            w.write(b).map_err(|e| Error::store(path, e))?;
        }
        w.close().map_err(|e| Error::store(path, e))?;
        Ok(())
    })
}

/// Writes batches as CSV with a header, atomically. Timestamps are written in RFC 3339 UTC.
///
/// # Errors
/// [`Error::Io`] or [`Error::Store`] naming `path`.
pub fn write_csv(path: &Path, batches: &[RecordBatch]) -> Result<()> {
    write_atomic(path, |f| {
        let mut w = arrow::csv::WriterBuilder::new()
            .with_header(true)
            .with_timestamp_tz_format("%Y-%m-%dT%H:%M:%S%.fZ".to_string())
            .build(std::io::BufWriter::new(f));
        for b in batches {
            w.write(b).map_err(|e| Error::store(path, e))?;
        }
        Ok(())
    })
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

/// Reads a Parquet table into one batch.
///
/// # Errors
/// As [`read_parquet`].
pub fn read_table(path: &Path) -> Result<RecordBatch> {
    let (schema, batches) = read_parquet(path)?;
    arrow::compute::concat_batches(&schema, &batches).map_err(|e| Error::store(path, e))
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
