//! Cells to canonical columns: the converter side of the record seam ([`crate::load::record`]).
//!
//! The [`Plan`] binds a file's source columns to a kind's canonical columns once per file (it is
//! the file's [`RecordTarget`]); a [`Converter`] (one per chunk, so chunks convert in parallel,
//! the chunk's [`RecordSink`]) turns each record into typed values, appends them to column
//! builders, and sends the record to the quarantine with its reason when a value cannot be
//! used.
//!
//! A record is converted all or nothing: every value is read first, and only when all are usable
//! are they appended, so the columns stay aligned and every record is counted exactly once, as
//! accepted, quarantined or filtered (left out by the profile's row filter before any value is
//! read).
//!
//! ```text
//!  plan.rs    header ─▶ Plan (bindings, value maps, row filter, the resolved profile)
//!  filter.rs  RowView ─▶ left out by the row filter? its `latest_by` order value
//!  value.rs   RowView ─▶ Val per canonical column (phone, time, duration, text, enum, ...)
//!  columns.rs Val ─▶ column builders ─▶ arrays of the kind's schema
//! ```

mod columns;
mod filter;
mod plan;
mod value;

use std::sync::Arc;

use arrow::array::{ArrayRef, DictionaryArray, Int32Array, StringArray, UInt32Array, UInt64Array};
use arrow::datatypes::Int32Type;
use arrow::record_batch::RecordBatch;

use crate::error::{Error, Result};
use crate::load::record::{Finished, RecordSink, RecordTarget, RowView, Verdict};
use crate::normalize::time::TimeParser;
use columns::{finish_col, push, ColBuilder, Val};

pub use plan::{Binding, Plan};
pub use value::parse_bool;

/// One quarantined record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QRow {
    /// 1-based line or row in the evidence file.
    pub row: u64,
    /// The 1-based element of the row's array, for an item of an exploded record; `None` for
    /// a record (or an exploded record quarantined whole).
    pub item: Option<u32>,
    /// The canonical column at fault, if one is.
    pub column: Option<&'static str>,
    /// Why the record could not be used.
    pub reason: String,
    /// The record as it was.
    pub raw: String,
}

/// Flags the converter counts over the records it converts (before duplicate removal: ingest
/// counts calls again from the rows it keeps).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Flags {
    /// Converted records with a local time in a fall-back fold, resolved by the profile's policy.
    pub ambiguous_times: u64,
    /// Converted records with a blocked caller ID.
    pub blocked_ids: u64,
    /// Converted records with an unusable (invalid) caller ID, kept with status `invalid`.
    pub invalid_ids: u64,
}

impl Flags {
    /// Adds another chunk's flags.
    pub fn add(&mut self, o: &Flags) {
        self.ambiguous_times += o.ambiguous_times;
        self.blocked_ids += o.blocked_ids;
        self.invalid_ids += o.invalid_ids;
    }
}

/// A converted chunk.
#[derive(Debug)]
pub struct ChunkOut {
    /// The canonical rows.
    pub batch: RecordBatch,
    /// The quarantined records, in row order.
    pub quarantine: Vec<QRow>,
    /// Flags counted over the converted rows.
    pub flags: Flags,
    /// Records the row filter left out.
    pub filtered: u64,
    /// Each row's `latest_by` value (UTC microseconds), aligned with `batch`; empty when the
    /// profile names no `latest_by` column.
    pub order: Vec<i64>,
}

impl Finished for ChunkOut {
    fn accepted(&self) -> u64 {
        self.batch.num_rows() as u64
    }

    fn quarantined(&self) -> u64 {
        self.quarantine.len() as u64
    }

    fn filtered(&self) -> u64 {
        self.filtered
    }
}

impl Plan {
    /// A fresh converter for one chunk.
    pub fn converter(&self) -> Converter<'_> {
        Converter {
            plan: self,
            time: self.spec.time.clone(),
            cols: self.kind.columns().iter().map(ColBuilder::new).collect(),
            source_row: Vec::new(),
            source_item: Vec::new(),
            quarantine: Vec::new(),
            flags: Flags::default(),
            filtered: 0,
            order: Vec::new(),
            scratch: String::new(),
            vals: Vec::new(),
        }
    }
}

impl RecordTarget for Plan {
    type Chunk = ChunkOut;
    type Sink<'t> = Converter<'t>;

    fn sink(&self) -> Converter<'_> {
        self.converter()
    }

    fn unused_columns(&self) -> Vec<String> {
        self.unused.clone()
    }
}

/// Converts the records of one chunk.
pub struct Converter<'p> {
    plan: &'p Plan,
    /// The profile's time parser, cloned for this chunk (it keeps caches).
    time: TimeParser,
    cols: Vec<ColBuilder>,
    source_row: Vec<u64>,
    /// The item number of each kept row (`None` where the file is not exploded).
    source_item: Vec<Option<u32>>,
    quarantine: Vec<QRow>,
    flags: Flags,
    filtered: u64,
    order: Vec<i64>,
    /// Joined multi-column values and owned text of the record being converted.
    scratch: String,
    vals: Vec<Val>,
}

impl RecordSink for Converter<'_> {
    type Chunk = ChunkOut;

    /// Leaves the record out (row filter), converts it, or quarantines it with the reason.
    fn record(&mut self, row: u64, view: &dyn RowView) -> Verdict {
        self.convert(row, None, view)
    }

    /// Leaves one item of an exploded record out (row filter), converts it, or quarantines it
    /// with the reason.
    fn item(&mut self, row: u64, item: u32, view: &dyn RowView) -> Verdict {
        self.convert(row, Some(item), view)
    }

    /// Quarantines a record the reader could not split into cells.
    fn quarantine(&mut self, row: u64, reason: String, raw: String) {
        self.quarantine.push(QRow {
            row,
            item: None,
            column: None,
            reason,
            raw,
        });
    }

    /// Finishes the chunk: shifts row numbers by `row_offset` (the chunk's first line in the
    /// file, minus one) and builds the batch.
    ///
    /// # Errors
    /// Only when Arrow rejects the arrays, which would be a bug.
    fn finish(mut self, row_offset: u64) -> Result<ChunkOut> {
        let kind = self.plan.kind;
        let mut arrays: Vec<ArrayRef> = Vec::new();
        for b in self.cols.iter_mut() {
            finish_col(b, &mut arrays);
        }
        let n = self.source_row.len();
        let keys = Int32Array::from(vec![0i32; n]);
        let values = Arc::new(StringArray::from(vec![self.plan.file_name.as_str()]));
        let file = DictionaryArray::<Int32Type>::try_new(keys, values)
            .map_err(|e| Error::store("source_file", e))?;
        arrays.push(Arc::new(file));
        let rows: Vec<u64> = self.source_row.iter().map(|r| r + row_offset).collect();
        arrays.push(Arc::new(UInt64Array::from(rows)));
        arrays.push(Arc::new(UInt32Array::from(std::mem::take(
            &mut self.source_item,
        ))));
        let batch = RecordBatch::try_new(kind.schema(), arrays)
            .map_err(|e| Error::store(kind.name(), e))?;
        for q in &mut self.quarantine {
            q.row += row_offset;
        }
        Ok(ChunkOut {
            batch,
            quarantine: self.quarantine,
            flags: self.flags,
            filtered: self.filtered,
            order: self.order,
        })
    }
}

impl Converter<'_> {
    /// Converts one record or item (`item`: its element number), or quarantines it with the
    /// reason: every value is read first, and appended only when all are usable.
    fn convert(&mut self, row: u64, item: Option<u32>, view: &dyn RowView) -> Verdict {
        match self.left_out(view) {
            Ok(false) => {}
            Ok(true) => {
                self.filtered += 1;
                return Verdict::Filtered;
            }
            Err(reason) => return self.reject(row, item, reason, view),
        }
        self.scratch.clear();
        self.vals.clear();
        let specs = self.plan.kind.columns();
        let mut ambiguous = false;
        let mut caller = (0u64, 0u64);
        for (ci, spec) in specs.iter().enumerate() {
            match self.value(ci, spec, view) {
                Ok(v) => {
                    match v {
                        Val::Time(_, true) => ambiguous = true,
                        Val::CallerId(_, 1, ..) => caller.0 += 1,
                        Val::CallerId(_, 2, ..) => caller.1 += 1,
                        _ => {}
                    }
                    self.vals.push(v);
                }
                Err((col, reason)) => {
                    self.quarantine.push(QRow {
                        row,
                        item,
                        column: Some(col),
                        reason,
                        raw: view.raw(),
                    });
                    return Verdict::Quarantined;
                }
            }
        }
        match self.order_value(view) {
            Ok(Some(v)) => self.order.push(v),
            Ok(None) => {}
            Err(reason) => return self.reject(row, item, reason, view),
        }
        self.flags.ambiguous_times += u64::from(ambiguous);
        self.flags.blocked_ids += caller.0;
        self.flags.invalid_ids += caller.1;
        self.source_row.push(row);
        self.source_item.push(item);
        for (b, v) in self.cols.iter_mut().zip(self.vals.iter()) {
            push(b, *v, &self.scratch);
        }
        Verdict::Accepted
    }

    /// Quarantines a record or item for a reason that names no canonical column (a row filter
    /// or `latest_by` value that cannot be read).
    fn reject(
        &mut self,
        row: u64,
        item: Option<u32>,
        reason: String,
        view: &dyn RowView,
    ) -> Verdict {
        self.quarantine.push(QRow {
            row,
            item,
            column: None,
            reason,
            raw: view.raw(),
        });
        Verdict::Quarantined
    }
}
