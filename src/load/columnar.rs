//! Parquet and Arrow IPC (file or stream) inputs.
//!
//! Columns keep their types where the canonical conversion can use them: integers and floats
//! (phone numbers stored as numbers), booleans, and timestamps (with a zone: an instant; without:
//! a wall-clock time in the profile's zone). Any other type is read as its text. Row numbers are
//! 1-based positions in the file. The column names come from the file's schema, so a file with
//! columns and no rows is accepted with zero records. A truncated or damaged file is an error naming the file; a
//! panic inside the reader is caught and reported the same way.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{
    DataType, Float64Type, Int64Type, SchemaRef, TimeUnit, TimestampMicrosecondType,
};
use arrow::util::display::ArrayFormatter;
use arrow::util::display::FormatOptions;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::driver::{guard, Chunks, Evidence, Loaded, WholeFile};
use super::record::{Cell, RecordTarget, RowView};
use crate::error::{Error, Result};
use crate::profile::Format;

/// Reads a Parquet or Arrow IPC file.
///
/// # Errors
/// [`Error::Input`] when the file is empty, truncated or not of its format, or a mapped column
/// is missing.
pub(crate) fn read<T, B>(ev: &Evidence<'_>, bind: B) -> Result<Loaded<T::Chunk>>
where
    T: RecordTarget,
    B: FnOnce(&[String]) -> Result<T>,
{
    let mut file = WholeFile::read(ev)?;
    let bytes = std::mem::take(&mut file.bytes);
    let what = ev.format.name();
    // The column names come from the file's schema, so a file with columns and no rows is
    // read as zero records, not as a file without a header.
    let (schema, batches) = guard(ev.path, what, || match ev.format {
        Format::Parquet => read_parquet(ev, bytes),
        _ => read_ipc(ev, bytes),
    })?;
    let header: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let target = bind(&header)?;
    let mut chunks = Chunks::new(&target);
    let mut sink = chunks.sink();
    let mut row0 = 0u64;
    for b in &batches {
        let cols = b
            .columns()
            .iter()
            .zip(header.iter())
            .map(|(a, name)| Typed::new(a, name).map_err(|e| Error::input(ev.path, None, e)))
            .collect::<Result<Vec<_>>>()?;
        for r in 0..b.num_rows() {
            sink.row(
                row0 + r as u64 + 1,
                &ColRow {
                    cols: &cols,
                    row: r,
                },
            );
        }
        row0 += b.num_rows() as u64;
    }
    chunks.push(sink, 0);
    chunks.finish(ev, file.facts(0, what))
}

/// The error of a file that is not readable as its format.
fn unreadable(ev: &Evidence<'_>, e: impl std::fmt::Display) -> Error {
    Error::input(
        ev.path,
        None,
        format!(
            "not a readable {} file (truncated or damaged?): {e}",
            ev.format.name()
        ),
    )
}

/// A Parquet file's schema and batches, refused when its row groups declare more than the
/// profile's `max_inflated_bytes` uncompressed.
fn read_parquet(ev: &Evidence<'_>, bytes: Vec<u8>) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let b = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes))
        .map_err(|e| unreadable(ev, e))?;
    // The row groups' declared uncompressed size is bounded like a workbook's inflated size
    // (pages are decompressed into buffers of their declared size).
    let limit = ev.spec.max_inflated_bytes;
    let declared = b
        .metadata()
        .row_groups()
        .iter()
        .map(|g| u64::try_from(g.total_byte_size()).unwrap_or(u64::MAX))
        .fold(0u64, u64::saturating_add);
    if declared > limit {
        return Err(Error::input(
            ev.path,
            None,
            format!(
                "the file's row groups declare {declared} bytes uncompressed, over \
                 the limit of {limit} bytes; if the file is genuine, raise \
                 `max_inflated_bytes` in its profile"
            ),
        ));
    }
    let schema = b.schema().clone();
    let r = b
        .with_batch_size(64 * 1024)
        .build()
        .map_err(|e| unreadable(ev, e))?;
    let batches = r
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| unreadable(ev, e))?;
    Ok((schema, batches))
}

/// An Arrow IPC file's (or stream's) schema and batches.
fn read_ipc(ev: &Evidence<'_>, bytes: Vec<u8>) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let cur = std::io::Cursor::new(bytes);
    if cur.get_ref().starts_with(b"ARROW1") {
        let r =
            arrow::ipc::reader::FileReader::try_new(cur, None).map_err(|e| unreadable(ev, e))?;
        let schema = r.schema();
        let batches = r
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| unreadable(ev, e))?;
        Ok((schema, batches))
    } else {
        let r =
            arrow::ipc::reader::StreamReader::try_new(cur, None).map_err(|e| unreadable(ev, e))?;
        let schema = r.schema();
        let batches = r
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| unreadable(ev, e))?;
        Ok((schema, batches))
    }
}

/// A column cast to one of the types the converter reads.
enum Typed {
    Int(ArrayRef),
    Float(ArrayRef),
    Bool(ArrayRef),
    Utc(ArrayRef),
    Naive(ArrayRef),
    Text(ArrayRef),
}

impl Typed {
    fn new(a: &ArrayRef, name: &str) -> std::result::Result<Typed, String> {
        let c = |t: &DataType| cast(a, t).map_err(|e| format!("column {name:?}: {e}"));
        Ok(match a.data_type() {
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64 => Typed::Int(c(&DataType::Int64)?),
            DataType::Float16 | DataType::Float32 | DataType::Float64 => {
                Typed::Float(c(&DataType::Float64)?)
            }
            DataType::Boolean => Typed::Bool(a.clone()),
            DataType::Timestamp(_, Some(_)) => Typed::Utc(c(&DataType::Timestamp(
                TimeUnit::Microsecond,
                Some("UTC".into()),
            ))?),
            DataType::Timestamp(_, None) | DataType::Date32 | DataType::Date64 => {
                Typed::Naive(c(&DataType::Timestamp(TimeUnit::Microsecond, None))?)
            }
            DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Dictionary(..) => Typed::Text(c(&DataType::Utf8)?),
            _ => {
                // Anything else is read as its display text.
                let opts = FormatOptions::default();
                let f = ArrayFormatter::try_new(a.as_ref(), &opts)
                    .map_err(|e| format!("column {name:?}: {e}"))?;
                let v: Vec<Option<String>> = (0..a.len())
                    .map(|i| a.is_valid(i).then(|| f.value(i).to_string()))
                    .collect();
                Typed::Text(Arc::new(arrow::array::StringArray::from(v)))
            }
        })
    }
}

struct ColRow<'a> {
    cols: &'a [Typed],
    row: usize,
}

impl RowView for ColRow<'_> {
    fn get(&self, col: usize) -> std::result::Result<Cell<'_>, &'static str> {
        let Some(t) = self.cols.get(col) else {
            return Ok(Cell::Null);
        };
        let r = self.row;
        let a = match t {
            Typed::Int(a)
            | Typed::Float(a)
            | Typed::Bool(a)
            | Typed::Utc(a)
            | Typed::Naive(a)
            | Typed::Text(a) => a,
        };
        if a.is_null(r) {
            return Ok(Cell::Null);
        }
        Ok(match t {
            Typed::Int(a) => Cell::Int(a.as_primitive::<Int64Type>().value(r)),
            Typed::Float(a) => Cell::Float(a.as_primitive::<Float64Type>().value(r)),
            Typed::Bool(a) => Cell::Bool(a.as_boolean().value(r)),
            Typed::Utc(a) => Cell::Utc(a.as_primitive::<TimestampMicrosecondType>().value(r)),
            Typed::Naive(a) => Cell::Naive(a.as_primitive::<TimestampMicrosecondType>().value(r)),
            Typed::Text(a) => Cell::Text(a.as_string::<i32>().value(r)),
        })
    }

    fn raw(&self) -> String {
        (0..self.cols.len())
            .map(|c| match self.get(c) {
                Ok(Cell::Text(s)) => s.to_string(),
                Ok(Cell::Null) => String::new(),
                Ok(Cell::Int(v)) | Ok(Cell::Utc(v)) | Ok(Cell::Naive(v)) => v.to_string(),
                Ok(Cell::Float(v)) => v.to_string(),
                Ok(Cell::Bool(v)) => v.to_string(),
                Err(e) => e.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\t")
    }
}
