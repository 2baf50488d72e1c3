//! The record seam: what a reader hands over, and the traits its consumer implements.
//!
//! The producer defines the seam, the consumer implements it (ripgrep's searcher owns `Sink`, the
//! printer implements it). A reader finds records and cells and pushes each record into a
//! [`RecordSink`] as a [`RowView`] of [`Cell`]s; it never knows what becomes of them. The
//! converter (`ingest::convert`) implements [`RecordTarget`] and [`RecordSink`]; readers never
//! import it. This module is a leaf: it imports nothing of the crate but [`crate::error`].
//!
//! ```text
//!   reader ── header ──▶ bind (the consumer's) ──▶ RecordTarget ──sink()──▶ RecordSink per chunk
//!     │                                                                        ▲
//!     └── record(row, &RowView) / quarantine(row, reason, raw) ────────────────┘
//!                        finish(row_offset) ──▶ Chunk (Finished: accepted, quarantined, filtered)
//! ```
//!
//! Words: a *record* is what a reader found in the file (a line, a sheet row, an object); a
//! *row number* is its 1-based line or row in the file, counted from the start of its *chunk*
//! (the part of the file one sink receives) until the chunk is finished with its offset. In a
//! file read with the profile's `explode`, each *item* (an element of the record's array, its
//! 1-based *item number* beside the row number) is handed over as a row of its own, and a record
//! without a usable array is quarantined whole.

use crate::error::Result;

/// One cell of a record, borrowed from the reader's buffers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell<'a> {
    /// No value (an empty CSV field is `Text("")`).
    Null,
    /// Text.
    Text(&'a str),
    /// An integer cell (Parquet, IPC, xlsx, JSON).
    Int(i64),
    /// An unsigned integer above `i64::MAX` (a Parquet/IPC `uint64`, a JSON number), exact.
    UInt(u64),
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

/// A record as its consumer sees it.
pub trait RowView {
    /// The cell of source column `col` (0-based, in header order).
    ///
    /// # Errors
    /// A reason when the cell cannot be read as text (invalid UTF-8).
    fn get(&self, col: usize) -> std::result::Result<Cell<'_>, &'static str>;
    /// A fuller reason for [`get`](Self::get)'s error on column `col`, naming the cell and what
    /// it held (a spreadsheet formula without its result, a cell under a merged range, a date
    /// serial that is no real day), when the reader has one. `None` by default: the consumer
    /// then quarantines the record with `get`'s reason.
    fn why(&self, _col: usize) -> Option<String> {
        None
    }
    /// The record as it was in the file, for the quarantine.
    fn raw(&self) -> String;
}

/// What a sink did with a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The record was kept.
    Accepted,
    /// The record went to the quarantine, with its reason.
    Quarantined,
    /// The record was left out by the consumer's row filter: counted, neither kept nor
    /// quarantined.
    Filtered,
}

/// Where a reader puts the records of one chunk.
pub trait RecordSink: Send {
    /// What the sink makes of its records.
    type Chunk: Finished + 'static;

    /// One record, at `row` (1-based, counted from the chunk's start): kept, quarantined or
    /// filtered.
    fn record(&mut self, row: u64, view: &dyn RowView) -> Verdict;

    /// One item of an exploded record: element `item` (1-based) of the array of the record at
    /// `row`, the view showing that element in the array's column and the record's other cells
    /// as they are. Kept or quarantined, like a record.
    fn item(&mut self, row: u64, item: u32, view: &dyn RowView) -> Verdict;

    /// A record the reader could not split into cells (an unbalanced quote, too few fields, a
    /// line that is not JSON...): quarantined with the reason and the record's raw text.
    fn quarantine(&mut self, row: u64, reason: String, raw: String);

    /// Ends the chunk: every row number it was given is shifted by `row_offset` (the number of
    /// lines or rows of the file before the chunk's first).
    ///
    /// # Errors
    /// When the chunk cannot be built (which would be a bug of the consumer).
    fn finish(self, row_offset: u64) -> Result<Self::Chunk>
    where
        Self: Sized;
}

/// A finished chunk, counted: the driver checks it against what the reader handed over.
pub trait Finished: Send {
    /// Records kept.
    fn accepted(&self) -> u64;
    /// Records quarantined.
    fn quarantined(&self) -> u64;
    /// Records left out by a row filter (a consumer without one filters nothing).
    fn filtered(&self) -> u64 {
        0
    }
}

/// The consumer of one file's records, bound to the file's header: one sink per chunk (the
/// chunks of a file fill in parallel, hence `Sync`).
pub trait RecordTarget: Sync {
    /// What each sink makes of its chunk.
    type Chunk: Finished + 'static;
    /// A chunk's sink.
    type Sink<'t>: RecordSink<Chunk = Self::Chunk>
    where
        Self: 't;

    /// A fresh sink for one chunk.
    fn sink(&self) -> Self::Sink<'_>;

    /// The header's columns the consumer uses none of.
    fn unused_columns(&self) -> Vec<String>;
}
