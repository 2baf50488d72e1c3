//! Readers: evidence files in, canonical record batches and quarantined rows out.
//!
//! One reader per container format (`csv.rs` for delimited text, `xlsx.rs`, `columnar.rs` for
//! Parquet and Arrow IPC, `jsonl.rs`). A reader knows how to find records and cells; it knows
//! nothing of kinds. It hands each record to a [`Converter`](crate::ingest::convert::Converter)
//! through the [`RowView`] trait, and the converter maps cells onto the canonical columns.
//!
//! ```text
//!  file ──reader──▶ records ──RowView──▶ Converter ──▶ RecordBatch (canonical schema)
//!                      │                     └──────▶ quarantine rows (row, column, reason, raw)
//!                      └─ unusable records (unbalanced quote, too few fields) ──▶ quarantine
//! ```

pub mod columnar;
pub mod csv;
pub mod jsonl;
pub mod xlsx;

use std::io::Read;

use crate::config::InputFile;
use crate::error::{Error, Result};
use crate::ingest::convert::ChunkOut;
use crate::manifest::digest::sha256_hex;
use crate::profile::Format;

/// One cell of a record, borrowed from the reader's buffers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell<'a> {
    /// No value (an empty CSV field is `Text("")`).
    Null,
    /// Text.
    Text(&'a str),
    /// An integer cell (Parquet, IPC, xlsx, JSON).
    Int(i64),
    /// A floating-point cell.
    Float(f64),
    /// A boolean cell.
    Bool(bool),
    /// An instant, UTC microseconds (a zoned timestamp column).
    Utc(i64),
    /// A wall-clock date-time without zone, as microseconds since 1970-01-01T00:00 on that
    /// wall clock (an xlsx date, a Parquet timestamp without zone): the profile's zone applies.
    Naive(i64),
}

/// A record as the converter sees it.
pub trait RowView {
    /// The cell of source column `col` (0-based, in header order).
    ///
    /// # Errors
    /// A reason when the cell cannot be read as text (invalid UTF-8).
    fn get(&self, col: usize) -> std::result::Result<Cell<'_>, &'static str>;
    /// The record as it was in the file, for the quarantine.
    fn raw(&self) -> String;
}

/// What a reader produced from one file.
#[derive(Debug)]
pub struct Loaded {
    /// Converted chunks, in file order.
    pub chunks: Vec<ChunkOut>,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// The file's size in bytes.
    pub bytes: u64,
    /// Lines or rows that are not records: preamble, header, declared skips, blank lines.
    pub skipped: u64,
    /// Source columns present in the file but mapped to nothing.
    pub unused_columns: Vec<String>,
    /// The encoding the file was decoded with.
    pub encoding: &'static str,
}

/// Reads one evidence file with the reader its format calls for.
///
/// # Errors
/// [`Error::Input`] when the file as a whole cannot be used (empty, truncated, missing or
/// duplicated columns), naming the file and, where one is to blame, the line.
pub fn read_file(file: &InputFile) -> Result<Loaded> {
    match file.format {
        Format::Csv => csv::read(file),
        Format::Xlsx => xlsx::read(file),
        Format::Parquet | Format::Ipc => columnar::read(file),
        Format::Jsonl => jsonl::read(file),
    }
}

/// Reads a whole file, read-only, and hashes it.
pub(crate) fn read_all(file: &InputFile) -> Result<(Vec<u8>, String)> {
    let mut f = std::fs::File::open(&file.path).map_err(|e| Error::io(&file.path, e))?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf)
        .map_err(|e| Error::io(&file.path, e))?;
    let sha = sha256_hex(&buf);
    Ok((buf, sha))
}

/// Lower-case hex of bytes: kept here for the modules that still import it from `load`
/// (`audit`, `pseudonym`); it lives in [`crate::manifest::digest`].
#[doc(hidden)]
pub use crate::manifest::digest::hex;

/// Runs a third-party reader that may panic on hostile input, turning a panic into an error
/// about the file.
pub(crate) fn guard<T>(file: &InputFile, what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            Err(Error::input(
                &file.path,
                None,
                format!("the {what} reader failed on this file (damaged?): {msg}"),
            ))
        }
    }
}
