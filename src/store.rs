//! Writing and reading tables: Parquet with fixed writer settings (so the same data gives the same
//! bytes), CSV twins for people and spreadsheets, and atomic writes: every file is written under
//! a temporary name in its own folder, synced, and renamed into place, so an interrupted run never
//! leaves a half-written table under a final name. Files are left readable by all (mode 0644 on
//! Unix), not owner-only as temporary files are created.

use arrow::array::{Array, AsArray, ListArray, RecordBatch};
use arrow::datatypes::{DataType, SchemaRef};
use parquet::arrow::arrow_writer::{compute_leaves, ArrowColumnChunk};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::results::LIST_SEPARATOR;

/// Writes `path` atomically: `fill` writes into a temporary file beside it, which is synced and
/// renamed over `path`. The folder must exist (it is not created: see
/// `outdir::create_dir`).
///
/// # Errors
/// [`Error::Io`] naming `path`.
pub fn write_atomic(path: &Path, fill: impl FnOnce(&mut File) -> Result<()>) -> Result<()> {
    let mut a = Atomic::create(path)?;
    fill(a.file())?;
    a.commit()
}

/// A file being written under a temporary name beside its final path, put in place by
/// [`Atomic::commit`] (synced, then renamed) and removed if dropped before.
pub struct Atomic {
    path: PathBuf,
    tmp: tempfile::NamedTempFile,
}

impl Atomic {
    /// Starts `path`. The folder must exist.
    ///
    /// # Errors
    /// [`Error::Io`] naming the folder.
    pub fn create(path: &Path) -> Result<Atomic> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let tmp = tempfile::Builder::new()
            .prefix(".callsift-")
            .suffix(".partial")
            .tempfile_in(dir)
            .map_err(|e| Error::io(dir, e))?;
        Ok(Atomic {
            path: path.to_path_buf(),
            tmp,
        })
    }

    /// The temporary file.
    pub fn file(&mut self) -> &mut File {
        self.tmp.as_file_mut()
    }

    /// A second handle on the temporary file (for a writer that owns its sink).
    fn handle(&self) -> Result<File> {
        self.tmp
            .as_file()
            .try_clone()
            .map_err(|e| Error::io(&self.path, e))
    }

    /// The file synced and renamed over its final path.
    ///
    /// # Errors
    /// [`Error::Io`] naming the final path.
    pub fn commit(mut self) -> Result<()> {
        let path = self.path;
        self.tmp
            .as_file_mut()
            .flush()
            .map_err(|e| Error::io(&path, e))?;
        self.tmp
            .as_file()
            .sync_all()
            .map_err(|e| Error::io(&path, e))?;
        self.tmp
            .persist(&path)
            .map_err(|e| Error::io(&path, e.error))?;
        // The temporary file was created owner-only (0600); outputs are for every account that
        // can read the folder, like any file written with the usual umask.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))
                .map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    }
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
pub(crate) const ROW_GROUP_ROWS: usize = 1 << 20;

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

/// Writes batches (all of `schema`) as one Parquet file, atomically ([`ParquetFile`]).
///
/// # Errors
/// [`Error::Io`] or [`Error::Store`] naming `path`.
pub fn write_parquet(path: &Path, schema: &SchemaRef, batches: &[RecordBatch]) -> Result<()> {
    let mut w = ParquetFile::create(path, schema)?;
    for b in batches {
        w.push(b)?;
    }
    w.commit()
}

/// A Parquet file written batch by batch, atomically, with the fixed settings
/// ([`writer_properties`]): the rows of one row group at most are held.
///
/// The column chunks are encoded in parallel (rayon: every column of a row group is a task)
/// and appended in file order, so the bytes are those of a serial [`ArrowWriter`] with the same
/// settings, whatever the thread count and however the rows are cut into batches.
pub struct ParquetFile {
    file: Atomic,
    stream: ParquetStream<File>,
}

impl ParquetFile {
    /// Starts the file at `path` (its folder must exist).
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::Store`] naming `path`.
    pub fn create(path: &Path, schema: &SchemaRef) -> Result<ParquetFile> {
        let file = Atomic::create(path)?;
        let stream =
            ParquetStream::new(file.handle()?, schema, writer_properties(), ROW_GROUP_ROWS)
                .map_err(|e| Error::store(path, e))?;
        Ok(ParquetFile { file, stream })
    }

    /// Adds rows (of the file's schema).
    ///
    /// # Errors
    /// [`Error::Store`] naming the file.
    pub fn push(&mut self, batch: &RecordBatch) -> Result<()> {
        self.stream
            .push(batch)
            .map_err(|e| Error::store(&self.file.path, e))
    }

    /// The last row group and the footer written, the file synced and put in place.
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::Store`] naming the file.
    pub fn commit(self) -> Result<()> {
        self.stream
            .finish()
            .map_err(|e| Error::store(&self.file.path, e))?;
        self.file.commit()
    }
}

/// Parquet encoding into `W`, a row group at a time, its columns in parallel.
struct ParquetStream<W: Write + Send> {
    file: parquet::file::writer::SerializedFileWriter<W>,
    factory: parquet::arrow::arrow_writer::ArrowRowGroupWriterFactory,
    schema: SchemaRef,
    /// Rows per row group.
    rows: usize,
    /// The next row group's rows so far, and how many.
    pending: Vec<RecordBatch>,
    filled: usize,
    groups: usize,
}

impl<W: Write + Send> ParquetStream<W> {
    fn new(
        w: W,
        schema: &SchemaRef,
        props: WriterProperties,
        rows: usize,
    ) -> std::result::Result<ParquetStream<W>, ParquetError> {
        let writer = ArrowWriter::try_new(w, schema.clone(), Some(props))?;
        let (file, factory) = writer.into_serialized_writer()?;
        Ok(ParquetStream {
            file,
            factory,
            schema: schema.clone(),
            rows: rows.max(1),
            pending: Vec::new(),
            filled: 0,
            groups: 0,
        })
    }

    /// Adds rows, writing each row group as it fills (cut where a serial [`ArrowWriter`] with
    /// that row-group size cuts).
    fn push(&mut self, b: &RecordBatch) -> std::result::Result<(), ParquetError> {
        let mut off = 0;
        while off < b.num_rows() {
            let n = (self.rows - self.filled).min(b.num_rows() - off);
            self.pending.push(b.slice(off, n));
            self.filled += n;
            off += n;
            if self.filled == self.rows {
                self.write_group()?;
            }
        }
        Ok(())
    }

    /// The pending rows as one row group, its columns encoded in parallel. A list of a
    /// primitive (the results' lists of text) is one leaf, written as any column; a struct
    /// would have several leaf writers, which this flat layout does not handle, so it is
    /// refused rather than misplaced.
    fn write_group(&mut self) -> std::result::Result<(), ParquetError> {
        let group = std::mem::take(&mut self.pending);
        self.filled = 0;
        let fields = self.schema.fields();
        let writers = self.factory.create_column_writers(self.groups)?;
        self.groups += 1;
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
                for b in &group {
                    for leaf in compute_leaves(&fields[c], b.column(c))? {
                        cw.write(&leaf)?;
                    }
                }
                cw.close()
            })
            .collect();
        let mut rg = self.file.next_row_group()?;
        for chunk in chunks {
            chunk?.append_to_row_group(&mut rg)?;
        }
        rg.close()?;
        Ok(())
    }

    /// The last row group and the footer written.
    fn finish(mut self) -> std::result::Result<(), ParquetError> {
        if !self.pending.is_empty() {
            self.write_group()?;
        }
        self.file.close()?;
        Ok(())
    }
}

/// Parquet encoding of `batches` into `w` ([`ParquetStream`]).
#[cfg(test)]
fn write_parquet_to<W: Write + Send>(
    w: W,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    props: WriterProperties,
    rows: usize,
) -> std::result::Result<(), ParquetError> {
    let mut s = ParquetStream::new(w, schema, props, rows)?;
    for b in batches {
        s.push(b)?;
    }
    s.finish()
}

/// Rows per piece of a CSV formatted on its own task.
const CSV_PIECE_ROWS: usize = 1 << 16;

/// Pieces per thread formatted before they are written.
const CSV_WINDOW_PER_THREAD: usize = 4;

/// Writes batches as CSV with a header, atomically ([`CsvFile`]); an empty file when there is
/// no batch.
///
/// # Errors
/// [`Error::Io`] or [`Error::Store`] naming `path`.
pub fn write_csv(path: &Path, batches: &[RecordBatch]) -> Result<()> {
    let mut w = CsvFile::create(path)?;
    for b in batches {
        w.push(b)?;
    }
    w.commit()
}

/// A CSV file written batch by batch, atomically, with a header (taken from the first batch,
/// even one of no rows). Timestamps are written in RFC 3339 UTC.
///
/// Pieces of 65,536 rows are formatted in parallel, a few per thread at a time, and written in
/// order, so the bytes are those of one serial writer and the text held is a few pieces'.
pub struct CsvFile {
    file: Atomic,
    w: std::io::BufWriter<File>,
    header: bool,
}

impl CsvFile {
    /// Starts the file at `path` (its folder must exist).
    ///
    /// # Errors
    /// [`Error::Io`] naming `path`.
    pub fn create(path: &Path) -> Result<CsvFile> {
        let file = Atomic::create(path)?;
        let w = std::io::BufWriter::new(file.handle()?);
        Ok(CsvFile {
            file,
            w,
            header: true,
        })
    }

    /// Adds rows (the header first, with the first batch).
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::Store`] naming the file.
    pub fn push(&mut self, b: &RecordBatch) -> Result<()> {
        let path = &self.file.path;
        if self.header && b.num_rows() == 0 {
            // The header of an empty table still names its columns.
            let text =
                csv_bytes(std::slice::from_ref(b), true).map_err(|e| Error::store(path, e))?;
            self.w.write_all(&text).map_err(|e| Error::io(path, e))?;
            self.header = false;
            return Ok(());
        }
        let pieces: Vec<RecordBatch> = (0..b.num_rows())
            .step_by(CSV_PIECE_ROWS)
            .map(|off| b.slice(off, CSV_PIECE_ROWS.min(b.num_rows() - off)))
            .collect();
        // A few pieces per thread formatted at once, then written: the text held is bounded by
        // the window, not the table (a 10 M-row table's CSV is gigabytes).
        let window = CSV_WINDOW_PER_THREAD * rayon::current_num_threads().max(1);
        for run in pieces.chunks(window) {
            let header = std::mem::take(&mut self.header);
            let texts: Vec<Vec<u8>> = run
                .par_iter()
                .enumerate()
                .map(|(i, piece)| csv_bytes(std::slice::from_ref(piece), header && i == 0))
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| Error::store(path, e))?;
            for t in &texts {
                self.w.write_all(t).map_err(|e| Error::io(path, e))?;
            }
        }
        Ok(())
    }

    /// The file flushed, synced and put in place.
    ///
    /// # Errors
    /// [`Error::Io`] naming the file.
    pub fn commit(mut self) -> Result<()> {
        self.w.flush().map_err(|e| Error::io(&self.file.path, e))?;
        drop(self.w);
        self.file.commit()
    }
}

/// CSV text of `batches`, with the header line or without.
///
/// The bytes are those of arrow's CSV writer with callsift's settings (values formatted by
/// arrow's `ArrayFormatter`, nulls empty, a field quoted only when it holds a comma, a quote,
/// CR or LF, quotes doubled, LF line ends), except that a text cell a spreadsheet would take
/// for a formula gets a leading `'` ([`csv_formula_risk`]), and a list of text is written as
/// its items joined with `; ` (CSV has no lists; see [`crate::model::results::Type::TextList`]).
/// The quoting is done here, in one
/// pass over each field: the csv crate's writer rescans the rest of a field that must be
/// quoted for every 8 KiB it writes, which made a field of 200 MB take minutes.
fn csv_bytes(
    batches: &[RecordBatch],
    header: bool,
) -> std::result::Result<Vec<u8>, arrow::error::ArrowError> {
    use arrow::util::display::FormatOptions;
    let mut out = Vec::new();
    let mut header = header;
    let options = FormatOptions::default()
        .with_null("")
        .with_timestamp_tz_format(Some("%Y-%m-%dT%H:%M:%S%.fZ"));
    let mut buffer = String::with_capacity(1024);
    for b in batches {
        let schema = b.schema();
        let single = b.num_columns() == 1;
        if header {
            for (i, f) in schema.fields().iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                csv_field(&mut out, f.name(), single);
            }
            out.push(b'\n');
            header = false;
        }
        let converters = b
            .columns()
            .iter()
            .map(|a| CsvCells::new(a.as_ref(), &options))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let text: Vec<bool> = b.columns().iter().map(|a| is_text(a.data_type())).collect();
        for row in 0..b.num_rows() {
            for (c, conv) in converters.iter().enumerate() {
                if c > 0 {
                    out.push(b',');
                }
                buffer.clear();
                conv.write(row, &mut buffer).map_err(|e| {
                    arrow::error::ArrowError::CsvError(format!(
                        "Error processing row {}, col {}: {e}",
                        row + 1,
                        c + 1
                    ))
                })?;
                if text[c] && csv_formula_risk(&buffer) {
                    buffer.insert(0, '\'');
                }
                csv_field(&mut out, &buffer, single);
            }
            out.push(b'\n');
        }
    }
    Ok(out)
}

/// How a column's cells become CSV text: arrow's formatter, or for a list of text (the results'
/// list columns, `List<Utf8>`) its items joined ([`push_joined`]).
enum CsvCells<'a> {
    Formatted(arrow::util::display::ArrayFormatter<'a>),
    List(&'a ListArray),
}

impl<'a> CsvCells<'a> {
    fn new(
        a: &'a dyn Array,
        options: &arrow::util::display::FormatOptions<'a>,
    ) -> std::result::Result<CsvCells<'a>, arrow::error::ArrowError> {
        if let Some(l) = a
            .as_list_opt::<i32>()
            .filter(|l| l.values().as_string_opt::<i32>().is_some())
        {
            return Ok(CsvCells::List(l));
        }
        if a.data_type().is_nested() {
            return Err(arrow::error::ArrowError::CsvError(format!(
                "Nested type {} is not supported in CSV",
                a.data_type()
            )));
        }
        arrow::util::display::ArrayFormatter::try_new(a, options).map(CsvCells::Formatted)
    }

    /// Appends the text of row `row` to `buf`.
    fn write(
        &self,
        row: usize,
        buf: &mut String,
    ) -> std::result::Result<(), arrow::error::ArrowError> {
        match self {
            CsvCells::Formatted(f) => f.value(row).write(buf),
            CsvCells::List(l) => {
                push_joined(l, row, buf);
                Ok(())
            }
        }
    }
}

/// Row `row` of a list of text (`List<Utf8>`: the results' list columns) as its CSV twin writes
/// it, appended to `out`: the items joined with `; ` ([`LIST_SEPARATOR`]); nothing for a null
/// row, an empty list, a row past the end, or a list of anything but text.
pub fn push_joined(list: &ListArray, row: usize, out: &mut String) {
    let Some(v) = list.values().as_string_opt::<i32>() else {
        return;
    };
    if row >= list.len() || list.is_null(row) {
        return;
    }
    let o = list.value_offsets();
    let (from, to) = (o[row].max(0) as usize, o[row + 1].max(0) as usize);
    for (k, j) in (from..to.min(v.len())).enumerate() {
        if k > 0 {
            out.push_str(LIST_SEPARATOR);
        }
        out.push_str(v.value(j));
    }
}

/// Whether a column holds text: plain, large, dictionary-encoded, or a list of text (guarded
/// as the text its items make joined).
fn is_text(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_text(v),
        DataType::List(f) => matches!(f.data_type(), DataType::Utf8),
        _ => false,
    }
}

/// Appends one CSV record of text cells to `out`, as the results' CSV twins write text: a cell a
/// spreadsheet would take for a formula gets a leading `'` ([`csv_formula_risk`]), a cell is
/// quoted when it must be, the record ends with a line break. For tables that are not Arrow
/// batches (the command line's `timeline --csv`).
pub fn csv_record<S: AsRef<str>>(out: &mut Vec<u8>, cells: &[S]) {
    let single = cells.len() == 1;
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let c = c.as_ref();
        if csv_formula_risk(c) {
            csv_field(out, &format!("'{c}"), single);
        } else {
            csv_field(out, c, single);
        }
    }
    out.push(b'\n');
}

/// One CSV field: quoted (quotes doubled) when it holds a comma, a quote, CR or LF, or when it
/// is the empty only field of a record (a record must not be an empty line).
fn csv_field(out: &mut Vec<u8>, v: &str, only: bool) {
    let b = v.as_bytes();
    if memchr::memchr3(b',', b'"', b'\n', b).is_none() && memchr::memchr(b'\r', b).is_none() {
        if b.is_empty() && only {
            out.extend_from_slice(b"\"\"");
        } else {
            out.extend_from_slice(b);
        }
        return;
    }
    out.reserve(b.len() + 2);
    out.push(b'"');
    let mut from = 0;
    for q in memchr::memchr_iter(b'"', b) {
        out.extend_from_slice(&b[from..=q]);
        out.push(b'"');
        from = q + 1;
    }
    out.extend_from_slice(&b[from..]);
    out.push(b'"');
}

/// Whether a CSV cell of text would be taken for a formula by a spreadsheet: it starts with `=`,
/// `+`, `-`, `@`, a tab or a carriage return, and is not a plain number (`+16135550101`, `-1.5`,
/// `-3`, `1e-5` are plain numbers and are left as they are).
pub fn csv_formula_risk(s: &str) -> bool {
    matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    ) && !is_plain_number(s)
}

/// A CSV cell of text as it was before [`csv_formula_risk`] guarded it: the leading `'` taken
/// off a cell that, without it, a spreadsheet would take for a formula; any other cell as it is.
pub fn csv_unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if csv_formula_risk(rest) => rest,
        _ => cell,
    }
}

/// `[+-]digits[.digits][(e|E)[+-]digits]`, with at least one digit before the exponent.
fn is_plain_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let from = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - from
    };
    let mut n = digits(&mut i);
    if b.get(i) == Some(&b'.') {
        i += 1;
        n += digits(&mut i);
    }
    if n == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

mod read;

pub use read::{read_columns, read_parquet, read_table, read_table_as, read_table_coded};

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::UInt64Array;
    use arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;

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
        // The same rows pushed in other cuts (333 rows a batch) give the same bytes, in row
        // groups of 1,000 rows cut where the serial writer cuts them.
        let all = arrow::compute::concat_batches(&schema, &batches).unwrap();
        let cuts: Vec<RecordBatch> = (0..all.num_rows())
            .step_by(333)
            .map(|o| all.slice(o, 333.min(all.num_rows() - o)))
            .collect();
        let mut recut = Vec::new();
        write_parquet_to(&mut recut, &schema, &cuts, props(), 1000).unwrap();
        assert!(recut == serial, "cut in 333-row batches: bytes differ");
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("t.parquet");
        std::fs::write(&p, &recut).unwrap();
        let f = File::open(&p).unwrap();
        let reader = parquet::file::reader::SerializedFileReader::new(f).unwrap();
        use parquet::file::reader::FileReader;
        let sizes: Vec<i64> = reader
            .metadata()
            .row_groups()
            .iter()
            .map(|g| g.num_rows())
            .collect();
        assert_eq!(sizes, vec![1000, 1000, 605]);
    }

    #[test]
    fn csv_in_pieces_gives_the_serial_writers_bytes() {
        let d = tempfile::tempdir().unwrap();
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::UInt64, false)]));
        // More pieces than one window holds, the last one short.
        let window = CSV_WINDOW_PER_THREAD * rayon::current_num_threads().max(1);
        let n = ((window + 1) * CSV_PIECE_ROWS) as u64 + 17;
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

    /// arrow's CSV writer with callsift's settings (what `csv_bytes` replaced).
    fn arrow_csv(batches: &[RecordBatch]) -> Vec<u8> {
        let mut want = Vec::new();
        {
            let mut w = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .with_timestamp_tz_format("%Y-%m-%dT%H:%M:%S%.fZ".to_string())
                .build(&mut want);
            for b in batches {
                w.write(b).unwrap();
            }
        }
        want
    }

    #[test]
    fn csv_bytes_are_arrows_for_text_without_formulas() {
        use arrow::array::{
            BooleanArray, DictionaryArray, Float64Array, LargeStringArray, StringArray,
            TimestampMicrosecondArray,
        };
        use arrow::datatypes::Int32Type;
        let text = vec![
            Some("plain"),
            None,
            Some(""),
            Some("a,b"),
            Some("say \"hi\""),
            Some("two\nlines"),
            Some("cr\rhere"),
            Some(" spaced "),
            Some("+16135550101"),
            Some("-1.5"),
        ];
        let n = text.len();
        let dict: DictionaryArray<Int32Type> = text.iter().map(|v| v.map(|v| v)).collect();
        let schema = Arc::new(Schema::new(vec![
            Field::new("t", DataType::Utf8, true),
            Field::new("l", DataType::LargeUtf8, true),
            Field::new("d", dict.data_type().clone(), true),
            Field::new("f", DataType::Float64, false),
            Field::new("b", DataType::Boolean, false),
            Field::new("ts", crate::model::timestamp_utc(), false),
        ]));
        let b = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(text.clone())),
                Arc::new(LargeStringArray::from(text.clone())),
                Arc::new(dict),
                Arc::new(Float64Array::from_iter_values(
                    (0..n).map(|i| i as f64 * -0.5e-7),
                )),
                Arc::new(BooleanArray::from_iter((0..n).map(|i| Some(i % 2 == 0)))),
                Arc::new(
                    TimestampMicrosecondArray::from_iter_values(
                        (0..n as i64).map(|i| 1_304_342_102_000_000 + i * 1_234_567),
                    )
                    .with_timezone("UTC"),
                ),
            ],
        )
        .unwrap();
        let batches = [b.clone(), b.slice(3, 4)];
        assert_eq!(
            String::from_utf8(csv_bytes(&batches, true).unwrap()).unwrap(),
            String::from_utf8(arrow_csv(&batches)).unwrap()
        );
        // A one-column table: an empty value is `""`, never an empty line.
        let one = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new("t", DataType::Utf8, true)])),
            vec![Arc::new(StringArray::from(vec![Some(""), None, Some("x")]))],
        )
        .unwrap();
        let one = [one];
        assert_eq!(csv_bytes(&one, true).unwrap(), arrow_csv(&one));
    }

    /// A list of text (the results' list columns) is a Parquet list, read back as the same
    /// list, and in CSV its items joined with `; `: a null and an empty list both as an empty
    /// cell, the joined text quoted and guarded as any text cell (two numbers joined are not a
    /// plain number: a spreadsheet would take `+1…; +1…` for a formula).
    #[test]
    fn a_list_column_is_a_parquet_list_and_joined_text_in_csv() {
        use crate::model::results::{list_item_field, text_list_type};
        use arrow::array::{ListBuilder, StringBuilder};
        let rows: [Option<&[&str]>; 6] = [
            Some(&["+16135550101", "+16135550102"]),
            None,
            Some(&[]),
            Some(&["a,b", "c"]),
            Some(&["=1+1", "x"]),
            Some(&["one"]),
        ];
        let mut lb = ListBuilder::new(StringBuilder::new()).with_field(Arc::new(list_item_field()));
        for r in rows {
            lb.append_option(r.map(|v| v.iter().map(|s| Some(*s))));
        }
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::UInt64, false),
            Field::new("l", text_list_type(), true),
        ]));
        let b = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(UInt64Array::from_iter_values(0..rows.len() as u64)),
                Arc::new(lb.finish()),
            ],
        )
        .unwrap();
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("t.parquet");
        write_parquet(&p, &schema, std::slice::from_ref(&b)).unwrap();
        let back = read_table_as(&p, &schema, None).unwrap();
        assert_eq!(back, b);
        let l = back.column(1).as_list::<i32>();
        assert_eq!(l.data_type(), &text_list_type());
        assert!(l.is_null(1) && l.is_valid(2) && l.value(2).is_empty());
        let items = l.value(0);
        let items = items.as_string::<i32>();
        assert_eq!(
            (items.value(0), items.value(1)),
            ("+16135550101", "+16135550102")
        );
        // Another list type is refused by the contract's reader.
        let other = Schema::new(vec![Field::new(
            "l",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            true,
        )]);
        let e = read_table_as(&p, &other, None).unwrap_err();
        assert!(e.to_string().contains("column `l`"), "{e}");
        let csv = String::from_utf8(csv_bytes(&[b.clone(), b.slice(3, 2)], true).unwrap()).unwrap();
        assert_eq!(
            csv,
            "n,l\n0,'+16135550101; +16135550102\n1,\n2,\n3,\"a,b; c\"\n4,'=1+1; x\n5,one\n\
             3,\"a,b; c\"\n4,'=1+1; x\n"
        );
        let mut s = String::new();
        push_joined(l, 0, &mut s);
        push_joined(l, 1, &mut s);
        push_joined(l, 99, &mut s);
        assert_eq!(s, "+16135550101; +16135550102");
    }

    #[test]
    fn formula_cells_get_a_quote_and_numbers_do_not() {
        for s in [
            "-1+1",
            "=HYPERLINK(\"http://x\",\"y\")",
            "+cmd|' /C calc'!A0",
            "@SUM(1)",
            "\tx",
            "\r1",
            "-",
            "+",
            "=1",
            "-1e",
            "+1 613",
        ] {
            assert!(csv_formula_risk(s), "{s:?}");
        }
        for s in [
            "+16135550101",
            "-1.5",
            "-3",
            "1e-5",
            "-2.5E+3",
            "",
            "a=b",
            "16135550101",
            " =x",
        ] {
            assert!(!csv_formula_risk(s), "{s:?}");
        }
        use arrow::array::{DictionaryArray, StringArray, UInt64Array};
        use arrow::datatypes::Int32Type;
        let dict: DictionaryArray<Int32Type> =
            vec!["@SUM(1)", "ok", "@SUM(1)"].into_iter().collect();
        let schema = Arc::new(Schema::new(vec![
            Field::new("t", DataType::Utf8, false),
            Field::new("d", dict.data_type().clone(), false),
            Field::new("n", DataType::UInt64, false),
        ]));
        let b = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(vec![
                    "=HYPERLINK(\"http://x\",\"y\")",
                    "+16135550101",
                    "-1+1",
                ])),
                Arc::new(dict),
                Arc::new(UInt64Array::from(vec![1, 2, 3])),
            ],
        )
        .unwrap();
        let text = String::from_utf8(csv_bytes(&[b], true).unwrap()).unwrap();
        assert_eq!(
            text,
            "t,d,n\n\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'@SUM(1),1\n\
             +16135550101,ok,2\n'-1+1,'@SUM(1),3\n"
        );
    }

    #[test]
    fn csv_records_quote_and_guard_as_the_twins_do() {
        let mut out = Vec::new();
        csv_record(
            &mut out,
            &["a", "a,b", "say \"hi\"", "+16135550101", "=SUM(A1)", ""],
        );
        csv_record(&mut out, &[""]);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a,\"a,b\",\"say \"\"hi\"\"\",+16135550101,'=SUM(A1),\n\"\"\n"
        );
    }

    #[test]
    fn csv_field_of_20_mb_is_quoted_in_one_pass() {
        // A field that must be quoted, with quotes to double: linear (the csv crate rescanned
        // the rest of the field for each 8 KiB written).
        let v = format!("\"{}\"", "ab,c".repeat(5 << 20));
        let t0 = std::time::Instant::now();
        let mut out = Vec::new();
        csv_field(&mut out, &v, false);
        eprintln!("20 MB field quoted in {:?}", t0.elapsed());
        assert_eq!(out.len(), v.len() + 2 + 2);
        assert_eq!(&out[..7], b"\"\"\"ab,c");
        assert_eq!(&out[out.len() - 4..], b"c\"\"\"");
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
