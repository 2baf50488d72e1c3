//! Reading the Parquet tables back: whole, by column, checked against the schema the reader
//! expects, text as dictionaries where the reader wants codes; a damaged file is an error that
//! names it, never a panic.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::datatypes::{DataType, Schema, SchemaRef};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;
use rayon::prelude::*;

use crate::error::{Error, Result};

/// Reads a whole Parquet table.
///
/// # Errors
/// [`Error::Store`] naming `path` when it is missing or not Parquet.
pub fn read_parquet(path: &Path) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    guard_store(path, || {
        let f = File::open(path).map_err(|e| Error::io(path, e))?;
        check_footer(path, &f)?;
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
    })
}

/// Reads a Parquet table into one batch. Each column is decoded by its own reader, the columns
/// in parallel, straight into one array each (no concatenation of per-row-group batches, which
/// would copy the whole table once more).
///
/// The table is taken as it is: callers that downcast its columns use [`read_table_as`], which
/// checks them against the schema they expect first.
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
    guard_store(path, || read_columns_unchecked(path, keep, None, false))
}

/// Reads a table that must have the columns of `expected` (every one, or those named in `keep`),
/// each of its type, and without nulls where `expected` allows none. The check is made on the
/// file's schema before any data is decoded, and on the decoded columns' null counts, so that a
/// damaged or foreign table is an error naming the file and the column, never a panic of a
/// later downcast. Columns of the file that `expected` does not name are left out.
///
/// # Errors
/// [`Error::Store`] naming `path` and the column: missing, of another type, or holding nulls;
/// otherwise as [`read_parquet`].
pub fn read_table_as(path: &Path, expected: &Schema, keep: Option<&[&str]>) -> Result<RecordBatch> {
    guard_store(path, || {
        read_columns_unchecked(path, keep, Some(expected), false)
    })
}

/// [`read_table_as`], with every text column but the `*_raw` ones decoded as a dictionary
/// (`Dictionary(Int32, Utf8)`): the values as the file's dictionary pages hold them, a key per
/// row, instead of a string per row. Carrier, vendor, campaign, list and district names repeat
/// over millions of rows; read so, they take 4 bytes a row and are interned without hashing
/// every row's text. The checks are those of [`read_table_as`], against the stored types.
///
/// # Errors
/// As [`read_table_as`].
pub fn read_table_coded(
    path: &Path,
    expected: &Schema,
    keep: Option<&[&str]>,
) -> Result<RecordBatch> {
    guard_store(path, || {
        read_columns_unchecked(path, keep, Some(expected), true)
    })
}

/// `full` with its text columns as [`read_table_coded`] decodes them.
fn coded_schema(full: &Schema) -> Schema {
    let fields: Vec<arrow::datatypes::FieldRef> = full
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 if !f.name().ends_with("_raw") => {
                Arc::new(f.as_ref().clone().with_data_type(DataType::Dictionary(
                    Box::new(DataType::Int32),
                    Box::new(DataType::Utf8),
                )))
            }
            _ => Arc::clone(f),
        })
        .collect();
    Schema::new_with_metadata(fields, full.metadata().clone())
}

/// Runs a read of the Parquet reader, turning a panic inside it into an [`Error::Store`] about
/// the file (a damaged file must never abort the run).
fn guard_store<T>(path: &Path, f: impl FnOnce() -> Result<T>) -> Result<T> {
    crate::error::unpanic(f).unwrap_or_else(|msg| {
        Err(Error::store(
            path,
            format!("the Parquet reader failed on this table (damaged?): {msg}"),
        ))
    })
}

/// The Parquet footer is 8 bytes: the metadata length (u32 LE) and `PAR1`. A length larger than
/// the file is refused before the reader sizes anything by it.
fn check_footer(path: &Path, f: &File) -> Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let size = f.metadata().map_err(|e| Error::io(path, e))?.len();
    if size < 12 {
        return Err(Error::store(
            path,
            format!("not a Parquet table: {size} bytes is too short (truncated?)"),
        ));
    }
    let mut tail = [0u8; 8];
    let mut r = f;
    r.seek(SeekFrom::End(-8)).map_err(|e| Error::io(path, e))?;
    r.read_exact(&mut tail).map_err(|e| Error::io(path, e))?;
    r.seek(SeekFrom::Start(0)).map_err(|e| Error::io(path, e))?;
    if &tail[4..] != b"PAR1" {
        return Err(Error::store(
            path,
            "not a Parquet table: no PAR1 footer (truncated?)",
        ));
    }
    let len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if len + 12 > size {
        return Err(Error::store(
            path,
            format!("damaged Parquet footer: metadata of {len} bytes in a file of {size} bytes"),
        ));
    }
    Ok(())
}

/// A short name of an Arrow type for messages (`Utf8`, `UInt64`, `Timestamp(µs, UTC)`).
fn type_name(t: &DataType) -> String {
    match t {
        DataType::Timestamp(u, tz) => {
            let u = match u {
                arrow::datatypes::TimeUnit::Second => "s",
                arrow::datatypes::TimeUnit::Millisecond => "ms",
                arrow::datatypes::TimeUnit::Microsecond => "µs",
                arrow::datatypes::TimeUnit::Nanosecond => "ns",
            };
            match tz {
                Some(z) => format!("Timestamp({u}, {z})"),
                None => format!("Timestamp({u}, no zone)"),
            }
        }
        DataType::Dictionary(k, v) => format!("Dictionary({}, {})", type_name(k), type_name(v)),
        t => format!("{t}"),
    }
}

/// The indices of the file's columns to read, in file order, after checking them against
/// `expected` (every field, or those named in `keep`).
fn checked_projection(
    path: &Path,
    full: &Schema,
    expected: &Schema,
    keep: Option<&[&str]>,
) -> Result<Vec<usize>> {
    let mut wanted = Vec::new();
    for f in expected.fields() {
        let name = f.name().as_str();
        if keep.is_some_and(|k| !k.contains(&name)) {
            continue;
        }
        let found: Vec<usize> = (0..full.fields().len())
            .filter(|&i| full.field(i).name() == name)
            .collect();
        let i = match found.as_slice() {
            [] => return Err(Error::store(path, format!("missing column `{name}`"))),
            [i] => *i,
            _ => {
                return Err(Error::store(
                    path,
                    format!("column `{name}` appears {} times", found.len()),
                ))
            }
        };
        let got = full.field(i).data_type();
        if got != f.data_type() {
            return Err(Error::store(
                path,
                format!(
                    "column `{name}` is {}, expected {}",
                    type_name(got),
                    type_name(f.data_type())
                ),
            ));
        }
        wanted.push(i);
    }
    wanted.sort_unstable();
    Ok(wanted)
}

/// Nulls where `expected` allows none.
fn check_nulls(path: &Path, b: &RecordBatch, expected: &Schema) -> Result<()> {
    for f in expected.fields() {
        if f.is_nullable() {
            continue;
        }
        if let Some(a) = b.column_by_name(f.name()) {
            if a.null_count() > 0 {
                return Err(Error::store(
                    path,
                    format!(
                        "column `{}` has {} null values where every row must have one",
                        f.name(),
                        a.null_count()
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn read_columns_unchecked(
    path: &Path,
    keep: Option<&[&str]>,
    expected: Option<&Schema>,
    coded: bool,
) -> Result<RecordBatch> {
    let open = || File::open(path).map_err(|e| Error::io(path, e));
    let first = open()?;
    check_footer(path, &first)?;
    let meta = ArrowReaderMetadata::load(&first, ArrowReaderOptions::default())
        .map_err(|e| Error::store(path, e))?;
    let full: SchemaRef = Arc::clone(meta.schema());
    let rows = usize::try_from(meta.metadata().file_metadata().num_rows())
        .map_err(|e| Error::store(path, e))?;
    let group_rows: i64 = meta
        .metadata()
        .row_groups()
        .iter()
        .map(|g| g.num_rows().max(0))
        .fold(0i64, i64::saturating_add);
    if usize::try_from(group_rows).ok() != Some(rows) {
        return Err(Error::store(
            path,
            format!(
                "damaged Parquet metadata: {rows} rows declared, {group_rows} in its row groups"
            ),
        ));
    }
    let wanted: Vec<usize> = match expected {
        Some(e) => checked_projection(path, &full, e, keep)?,
        None => (0..full.fields().len())
            .filter(|&i| keep.is_none_or(|k| k.contains(&full.field(i).name().as_str())))
            .collect(),
    };
    let flat = meta.parquet_schema().num_columns() == full.fields().len();
    let meta = match coded {
        true => ArrowReaderMetadata::try_new(
            Arc::clone(meta.metadata()),
            ArrowReaderOptions::new().with_schema(Arc::new(coded_schema(&full))),
        )
        .map_err(|e| Error::store(path, e))?,
        false => meta,
    };
    let schema = Arc::new(
        meta.schema()
            .project(&wanted)
            .map_err(|e| Error::store(path, e))?,
    );
    let done = |b: RecordBatch| -> Result<RecordBatch> {
        if let Some(e) = expected {
            check_nulls(path, &b, e)?;
        }
        Ok(b)
    };
    if !flat || rows == 0 {
        let (_, batches) = read_parquet(path)?;
        let all =
            arrow::compute::concat_batches(&full, &batches).map_err(|e| Error::store(path, e))?;
        let all = all.project(&wanted).map_err(|e| Error::store(path, e))?;
        // Decoded without the hint: cast to the types the hint gives, so that every part of a
        // table comes out of one schema.
        let columns = all
            .columns()
            .iter()
            .zip(schema.fields())
            .map(|(a, f)| arrow::compute::cast(a, f.data_type()))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::store(path, e))?;
        let all = RecordBatch::try_new_with_options(
            Arc::clone(&schema),
            columns,
            &RecordBatchOptions::new().with_row_count(Some(all.num_rows())),
        )
        .map_err(|e| Error::store(path, e))?;
        return done(all);
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
        let a = match parts.as_slice() {
            [one] => arrow::array::make_array(one.to_data()),
            _ => arrow::compute::concat(&parts).map_err(|e| Error::store(path, e))?,
        };
        if a.len() != rows {
            return Err(Error::store(
                path,
                format!(
                    "damaged table: column `{}` has {} rows, the table {rows}",
                    full.field(i).name(),
                    a.len()
                ),
            ));
        }
        Ok(a)
    };
    let columns = wanted
        .into_par_iter()
        .map(column)
        .collect::<Result<Vec<ArrayRef>>>()?;
    done(
        RecordBatch::try_new_with_options(
            schema,
            columns,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )
        .map_err(|e| Error::store(path, e))?,
    )
}
