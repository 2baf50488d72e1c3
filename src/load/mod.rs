//! Readers: evidence files in, records out through the record seam.
//!
//! One reader per container format (`csv/` for delimited text, `xlsx/` for workbooks, `columnar.rs` for
//! Parquet and Arrow IPC, `jsonl.rs`). A reader knows how to find records and cells; it knows
//! nothing of kinds or canonical columns. It reads the file's header, has its consumer bind to
//! it, and pushes each record into a [`RecordSink`] as a [`RowView`]
//! ([`record`], the seam this module defines and the converter in `ingest` implements). The
//! shared [`driver`] reads and hashes whole files, counts the records each chunk receives,
//! finishes the chunks and reconciles them.
//!
//! ```text
//!  file ──reader──▶ records ──RowView──▶ RecordSink (the converter) ──▶ chunk (canonical batch)
//!                      │                     └──────▶ quarantine rows (row, column, reason, raw)
//!                      └─ unusable records (unbalanced quote, too few fields) ──▶ quarantine
//! ```
//!
//! Imports go one way: readers use [`record`], [`driver`] and the typed read spec
//! ([`crate::profile::ReadSpec`]); nothing here imports `ingest` or `config`.

pub mod columnar;
pub mod csv;
pub mod driver;
pub mod jsonl;
pub mod record;
pub mod xlsx;

pub use driver::{Emit, Evidence, Loaded, RecordCounts};
pub use record::{Cell, Finished, RecordSink, RecordTarget, RowView, Verdict};

use crate::error::Result;
use crate::profile::Format;

/// Reads one evidence file with the reader its format calls for: `bind` makes the consumer of
/// its records from its header (source column names in file order; `#1`, `#2`... without one).
///
/// # Errors
/// [`crate::Error::Input`] when the file as a whole cannot be used (empty, truncated, missing
/// or duplicated columns, `explode` on a format without arrays), naming the file and, where one
/// is to blame, the line; what `bind` returns; [`crate::Error::Io`] when the file cannot be read.
pub fn read<T, B>(ev: &Evidence<'_>, bind: B) -> Result<Loaded<T::Chunk>>
where
    T: RecordTarget,
    B: FnOnce(&[String]) -> Result<T>,
{
    read_with(ev, bind, None)
}

/// [`read`], handing each chunk to `emit` as soon as it is finished, in file order, instead of
/// keeping it: the [`Loaded`] returned holds no chunks, and only one window's chunks are held
/// at a time (a delimited-text file is read in windows of 32 MiB; the other formats are
/// finished in one piece). A chunk `emit` refuses ends the read with its error.
///
/// # Errors
/// As [`read`]; what `emit` returns.
pub fn read_each<T, B>(
    ev: &Evidence<'_>,
    bind: B,
    emit: Emit<'_, T::Chunk>,
) -> Result<Loaded<T::Chunk>>
where
    T: RecordTarget,
    B: FnOnce(&[String]) -> Result<T>,
{
    read_with(ev, bind, Some(emit))
}

fn read_with<T, B>(
    ev: &Evidence<'_>,
    bind: B,
    emit: Option<Emit<'_, T::Chunk>>,
) -> Result<Loaded<T::Chunk>>
where
    T: RecordTarget,
    B: FnOnce(&[String]) -> Result<T>,
{
    if let (Some(key), Format::Csv | Format::Xlsx) = (&ev.spec.explode, ev.format) {
        return Err(crate::Error::input(
            ev.path,
            None,
            format!(
                "explode = {key:?}: a {} file has no arrays; explode applies to JSON lines, \
                 Parquet and Arrow IPC files",
                ev.format.name()
            ),
        ));
    }
    match ev.format {
        Format::Csv => csv::read(ev, bind, emit),
        Format::Xlsx => xlsx::read(ev, bind, emit),
        Format::Parquet | Format::Ipc => columnar::read(ev, bind, emit),
        Format::Jsonl => jsonl::read(ev, bind, emit),
    }
}
