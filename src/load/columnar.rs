//! Parquet and Arrow IPC (file or stream) inputs.
//!
//! Columns keep their types where the canonical conversion can use them: integers and floats
//! (phone numbers stored as numbers; a `uint64` above `i64::MAX` exact, as [`Cell::UInt`]),
//! booleans, and timestamps (with a zone: an instant; without: a wall-clock time in the profile's
//! zone). Any other type is read as its text. A value a cast cannot hold (a timestamp in seconds
//! beyond what microseconds hold) is an unreadable cell with its reason, never an empty one. An
//! IPC stream must end with its end-of-stream marker: one cut between two batches is an error. Row numbers are
//! 1-based positions in the file. The column names come from the file's schema, so a file with
//! columns and no rows is accepted with zero records. A truncated or damaged file is an error
//! naming the file; a panic inside the reader is caught and reported the same way.
//!
//! With the profile's `explode = "COLUMN"`, COLUMN must be a list column: each element of a
//! row's list is handed over as an item of its own (row = the row, item = the 1-based element),
//! the row's other cells repeated; a row whose list is null or empty is quarantined whole.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{
    DataType, Float64Type, Int64Type, SchemaRef, TimeUnit, TimestampMicrosecondType, UInt64Type,
};
use arrow::util::display::ArrayFormatter;
use arrow::util::display::FormatOptions;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::driver::{guard, Chunks, Emit, Evidence, Loaded, WholeFile};
use super::record::{Cell, RecordTarget, RowView};
use crate::error::{Error, Result};
use crate::normalize::time::{format_utc, format_wall_clock};
use crate::profile::Format;

/// Reads a Parquet or Arrow IPC file.
///
/// # Errors
/// [`Error::Input`] when the file is empty, truncated or not of its format, or a mapped column
/// is missing.
pub(crate) fn read<T, B>(
    ev: &Evidence<'_>,
    bind: B,
    emit: Option<Emit<'_, T::Chunk>>,
) -> Result<Loaded<T::Chunk>>
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
    let explode = match &ev.spec.explode {
        Some(key) => Some(list_column(ev, &schema, key)?),
        None => None,
    };
    let mut chunks = Chunks::with_emit(&target, emit);
    let mut sink = chunks.sink();
    let mut row0 = 0u64;
    for b in &batches {
        let cols = b
            .columns()
            .iter()
            .zip(header.iter())
            .map(|(a, name)| Col::new(a, name).map_err(|e| Error::input(ev.path, None, e)))
            .collect::<Result<Vec<_>>>()?;
        let lists = match explode {
            Some((key, col)) => Some(
                Lists::new(b.column(col), key, col).map_err(|e| Error::input(ev.path, None, e))?,
            ),
            None => None,
        };
        for r in 0..b.num_rows() {
            let row = row0 + r as u64 + 1;
            let view = |item| ColRow {
                cols: &cols,
                row: r,
                item,
            };
            let Some(l) = &lists else {
                sink.row(row, &view(None));
                continue;
            };
            match l.range(r) {
                Ok(range) => {
                    for (j, at) in range.enumerate() {
                        let n = u32::try_from(j + 1).unwrap_or(u32::MAX);
                        sink.item(row, n, &view(Some((l.col, &l.values, at))));
                    }
                }
                Err(reason) => sink.reject(row, reason, view(None).raw()),
            }
        }
        row0 += b.num_rows() as u64;
    }
    chunks.push(sink, 0);
    chunks.finish(ev, file.facts(0, what))
}

/// The `explode` column of the file: its name and index, when it is a list column.
fn list_column<'k>(
    ev: &Evidence<'_>,
    schema: &SchemaRef,
    key: &'k str,
) -> Result<(&'k str, usize)> {
    let Some(i) = schema.fields().iter().position(|f| f.name() == key) else {
        return Err(Error::input(
            ev.path,
            None,
            format!("explode = {key:?}: no column of that name"),
        ));
    };
    match schema.field(i).data_type() {
        DataType::List(_) | DataType::LargeList(_) => Ok((key, i)),
        t => Err(Error::input(
            ev.path,
            None,
            format!("explode = {key:?}: the column is of type {t}, not a list"),
        )),
    }
}

/// The list column of one batch, exploded: each row's range in the flattened values.
struct Lists<'k> {
    key: &'k str,
    col: usize,
    /// The values of every list, typed as any column.
    values: Col,
    /// `offsets[r]..offsets[r + 1]` are row r's elements in `values`.
    offsets: Vec<usize>,
    /// Whether each row's list is null.
    nulls: Vec<bool>,
}

impl<'k> Lists<'k> {
    fn new(a: &ArrayRef, key: &'k str, col: usize) -> std::result::Result<Lists<'k>, String> {
        let (values, offsets) = match a.data_type() {
            DataType::LargeList(_) => {
                let l = a.as_list::<i64>();
                let o = l.value_offsets().iter().map(|&x| x as usize).collect();
                (l.values().clone(), o)
            }
            _ => {
                let l = a
                    .as_list_opt::<i32>()
                    .ok_or_else(|| format!("column {key:?}: not a list"))?;
                let o = l.value_offsets().iter().map(|&x| x as usize).collect();
                (l.values().clone(), o)
            }
        };
        Ok(Lists {
            key,
            col,
            values: Col::new(&values, key)?,
            offsets,
            nulls: (0..a.len()).map(|r| a.is_null(r)).collect(),
        })
    }

    /// Row `r`'s elements in `values`, or why the row gives no items.
    fn range(&self, r: usize) -> std::result::Result<std::ops::Range<usize>, String> {
        let key = self.key;
        if self.nulls[r] {
            return Err(format!("{key:?} is null: no list to explode"));
        }
        let (s, e) = (self.offsets[r], self.offsets[r + 1]);
        if s == e {
            return Err(format!("{key:?} is an empty list: no element to explode"));
        }
        Ok(s..e)
    }
}

/// The error of a file that is not readable as its format: a feature the reader lacks (named,
/// the file is not to blame) or a truncated or damaged file.
fn unreadable(ev: &Evidence<'_>, e: impl std::fmt::Display) -> Error {
    let e = e.to_string();
    let what = ev.format.name();
    let msg = match unsupported(&e) {
        Some(feature) => format!(
            "a {what} file using a feature callsift cannot read: {feature}; the file is not \
             damaged: export it again without that feature (e.g. with zstd or snappy compression)"
        ),
        None => format!("not a readable {what} file (truncated or damaged?): {e}"),
    };
    Error::input(ev.path, None, msg)
}

/// The feature a reader's error says it lacks, named; `None` for any other error (damage).
fn unsupported(e: &str) -> Option<String> {
    if let Some((_, f)) = e.split_once("Disabled feature at compile time: ") {
        let f = f
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or(f);
        return Some(format!("the {f} codec ({e})"));
    }
    let l = e.to_ascii_lowercase();
    for marker in ["nyi: ", "not yet implemented: "] {
        if let Some(i) = l.find(marker) {
            return Some(e[i + marker.len()..].to_string());
        }
    }
    (l.contains("not supported") || l.contains("unsupported")).then(|| e.to_string())
}

/// Refuses a Parquet file whose column chunks use a codec this build cannot decode (LZO, the
/// only standard one), by name, before any page is read.
fn check_codecs(ev: &Evidence<'_>, meta: &parquet::file::metadata::ParquetMetaData) -> Result<()> {
    for g in meta.row_groups() {
        for c in g.columns() {
            if c.compression() == parquet::basic::Compression::LZO {
                return Err(unreadable(
                    ev,
                    format!("NYI: the LZO codec (column {:?})", c.column_path().string()),
                ));
            }
        }
    }
    Ok(())
}

/// A Parquet file's schema and batches, refused when its row groups declare more than the
/// profile's `max_inflated_bytes` uncompressed.
fn read_parquet(ev: &Evidence<'_>, bytes: Vec<u8>) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let b = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes))
        .map_err(|e| unreadable(ev, e))?;
    // The row groups' declared uncompressed size is bounded like a workbook's inflated size
    // (pages are decompressed into buffers of their declared size).
    check_codecs(ev, b.metadata())?;
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
    let cur = std::io::Cursor::new(&bytes[..]);
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
        if let Err(at) = stream_end(&bytes) {
            // The stream reader ends quietly where the bytes end: a stream cut exactly between
            // two messages would lose every batch after the cut without a word.
            let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
            return Err(Error::input(
                ev.path,
                None,
                format!(
                    "the Arrow IPC stream has no end-of-stream marker (it stops at byte {at}, \
                     after {} batches, {rows} rows): the file is cut short, so rows may be \
                     missing; obtain the complete file",
                    batches.len()
                ),
            ));
        }
        Ok((schema, batches))
    }
}

/// Walks the messages of an Arrow IPC stream (the stream reader has read them all) to its
/// end-of-stream marker (a zero metadata length); `Err(offset)` where the bytes end first.
fn stream_end(bytes: &[u8]) -> std::result::Result<(), usize> {
    let word = |p: usize| -> Option<i32> {
        let b = bytes.get(p..p + 4)?;
        Some(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let mut p = 0usize;
    loop {
        let mut len = word(p).ok_or(p)?;
        p += 4;
        if len == -1 {
            // The continuation marker of the current format, then the length.
            len = word(p).ok_or(p)?;
            p += 4;
        }
        if len == 0 {
            return Ok(());
        }
        let meta_end = usize::try_from(len)
            .ok()
            .and_then(|n| p.checked_add(n))
            .filter(|&e| e <= bytes.len())
            .ok_or(p)?;
        let body = arrow::ipc::root_as_message(&bytes[p..meta_end])
            .ok()
            .and_then(|m| usize::try_from(m.bodyLength()).ok())
            .ok_or(p)?;
        p = meta_end.checked_add(body).ok_or(p)?;
    }
}

/// A column as the converter reads it, and the cells its cast could not hold.
struct Col {
    t: Typed,
    /// The cells the cast turned into nulls (a timestamp in seconds beyond what microseconds
    /// hold), with the column as it was for the quarantine's raw text.
    lost: Option<(Vec<bool>, ArrayRef)>,
}

/// The reason of a cell that its column's cast could not hold.
const LOST: &str =
    "a timestamp too far from 1970 to hold in microseconds (a year outside 1000-9999)";

impl Col {
    fn new(a: &ArrayRef, name: &str) -> std::result::Result<Col, String> {
        let t = Typed::new(a, name)?;
        let b = t.array();
        // A safe cast turns a value it cannot convert into a null: never let one pass as empty.
        let lost = (b.null_count() > a.null_count()).then(|| {
            let mask = (0..a.len())
                .map(|r| a.is_valid(r) && b.is_null(r))
                .collect();
            (mask, a.clone())
        });
        Ok(Col { t, lost })
    }

    /// Row `r` as a cell, or why it cannot be read.
    fn cell(&self, r: usize) -> std::result::Result<Cell<'_>, &'static str> {
        match &self.lost {
            Some((mask, _)) if mask[r] => Err(LOST),
            _ => Ok(typed_cell(&self.t, r)),
        }
    }

    /// Row `r` as the file holds it, for the quarantine.
    fn raw(&self, r: usize) -> String {
        match (&self.lost, self.cell(r)) {
            (Some((_, orig)), Err(_)) => lost_raw(orig, r),
            (_, Ok(Cell::Text(s))) => s.to_string(),
            (_, Ok(Cell::Null)) => String::new(),
            (_, Ok(Cell::Int(v))) => v.to_string(),
            (_, Ok(Cell::Utc(v))) => format_utc(v),
            (_, Ok(Cell::Naive(v))) => format_wall_clock(v),
            (_, Ok(Cell::UInt(v))) => v.to_string(),
            (_, Ok(Cell::Float(v))) => v.to_string(),
            (_, Ok(Cell::Bool(v))) => v.to_string(),
            (_, Err(e)) => e.to_string(),
        }
    }
}

/// A cell its cast could not hold, as it is in the file: its integer and unit
/// (`9223372036854775 s since 1970-01-01`).
fn lost_raw(orig: &ArrayRef, r: usize) -> String {
    let unit = match orig.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => "s",
        DataType::Timestamp(TimeUnit::Millisecond, _) | DataType::Date64 => "ms",
        DataType::Timestamp(TimeUnit::Microsecond, _) => "µs",
        DataType::Timestamp(TimeUnit::Nanosecond, _) => "ns",
        _ => "",
    };
    match cast(orig, &DataType::Int64) {
        Ok(a) if a.is_valid(r) => format!(
            "{} {unit} since 1970-01-01",
            a.as_primitive::<Int64Type>().value(r)
        ),
        _ => String::new(),
    }
}

/// A column cast to one of the types the converter reads.
enum Typed {
    Int(ArrayRef),
    /// `uint64`, kept as it is: a value above `i64::MAX` is a [`Cell::UInt`], exact.
    UInt(ArrayRef),
    Float(ArrayRef),
    Bool(ArrayRef),
    Utc(ArrayRef),
    Naive(ArrayRef),
    Text(ArrayRef),
}

impl Typed {
    /// The column's array.
    fn array(&self) -> &ArrayRef {
        match self {
            Typed::Int(a)
            | Typed::UInt(a)
            | Typed::Float(a)
            | Typed::Bool(a)
            | Typed::Utc(a)
            | Typed::Naive(a)
            | Typed::Text(a) => a,
        }
    }

    fn new(a: &ArrayRef, name: &str) -> std::result::Result<Typed, String> {
        let c = |t: &DataType| cast(a, t).map_err(|e| format!("column {name:?}: {e}"));
        Ok(match a.data_type() {
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32 => Typed::Int(c(&DataType::Int64)?),
            DataType::UInt64 => Typed::UInt(a.clone()),
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

/// A row (or one item of it) as the consumer sees it.
struct ColRow<'a> {
    cols: &'a [Col],
    row: usize,
    /// For an item: the list's column, the list values and the element's index among them.
    item: Option<(usize, &'a Col, usize)>,
}

impl RowView for ColRow<'_> {
    fn get(&self, col: usize) -> std::result::Result<Cell<'_>, &'static str> {
        if let Some((c, values, at)) = self.item {
            if c == col {
                return values.cell(at);
            }
        }
        match self.cols.get(col) {
            Some(c) => c.cell(self.row),
            None => Ok(Cell::Null),
        }
    }

    fn raw(&self) -> String {
        (0..self.cols.len())
            .map(|c| match self.item {
                Some((ic, values, at)) if ic == c => values.raw(at),
                _ => self.cols[c].raw(self.row),
            })
            .collect::<Vec<_>>()
            .join("\t")
    }
}

/// Row `r` of a typed column as a cell.
fn typed_cell(t: &Typed, r: usize) -> Cell<'_> {
    let a = t.array();
    if a.is_null(r) {
        return Cell::Null;
    }
    match t {
        Typed::Int(a) => Cell::Int(a.as_primitive::<Int64Type>().value(r)),
        Typed::UInt(a) => {
            let v = a.as_primitive::<UInt64Type>().value(r);
            i64::try_from(v).map_or(Cell::UInt(v), Cell::Int)
        }
        Typed::Float(a) => Cell::Float(a.as_primitive::<Float64Type>().value(r)),
        Typed::Bool(a) => Cell::Bool(a.as_boolean().value(r)),
        Typed::Utc(a) => Cell::Utc(a.as_primitive::<TimestampMicrosecondType>().value(r)),
        Typed::Naive(a) => Cell::Naive(a.as_primitive::<TimestampMicrosecondType>().value(r)),
        Typed::Text(a) => Cell::Text(a.as_string::<i32>().value(r)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_ends_only_at_its_end_marker() {
        assert_eq!(stream_end(&[0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]), Ok(()));
        assert_eq!(stream_end(&[0, 0, 0, 0]), Ok(()), "the legacy marker");
        assert_eq!(stream_end(&[]), Err(0));
        assert_eq!(stream_end(&[0xFF, 0xFF, 0xFF, 0xFF]), Err(4));
        // A message whose metadata runs past the end.
        assert_eq!(
            stream_end(&[0xFF, 0xFF, 0xFF, 0xFF, 16, 0, 0, 0, 1, 2]),
            Err(8)
        );
    }

    #[test]
    fn a_missing_feature_is_named_and_damage_is_not_taken_for_one() {
        assert_eq!(
            unsupported("Parquet error: Disabled feature at compile time: zstd").as_deref(),
            Some("the zstd codec (Parquet error: Disabled feature at compile time: zstd)")
        );
        assert_eq!(
            unsupported("NYI: the LZO codec (column \"n\")").as_deref(),
            Some("the LZO codec (column \"n\")")
        );
        assert_eq!(
            unsupported("External error: Parquet error: NYI: encrypted files").as_deref(),
            Some("encrypted files")
        );
        for damage in [
            "Parquet error: Invalid Parquet file. Corrupt footer",
            "External error: Zstd decompression error: Unknown frame descriptor",
            "Io error: failed to fill whole buffer",
        ] {
            assert_eq!(unsupported(damage), None, "{damage}");
        }
    }
}
