//! Correlate as per-part kernels and a driver: what runs the case on one machine
//! ([`super::run`]) and what runs it on a cluster (the Python package's `callsift.spark`), with
//! the same code and the same results.
//!
//! A case is correlated in four **stages** ([`Stage`]). In each, every part of the store is
//! counted on its own by [`count`] (a pure function of the stage's [`Context`] and the part's
//! Arrow batches: it reads no file), and the driver ([`Job`]) adds the parts' [`Counts`] up
//! ([`Job::absorb`], in any order) and, once every part is in, finishes the stage
//! ([`Job::advance`]): that gives the next stage's context. After the last stage,
//! [`Job::finish`] ranks and writes the results, the figures and the manifest exactly as
//! `callsift correlate` does.
//!
//! | stage | reads per part | counts | the driver then |
//! |---|---|---|---|
//! | `scan` | `calls`, `vendor_calls`, `vendor_list`, `downloads`, `population`, `identifications` (with provenance) | calls by fate, reach per originating number, offset candidates and samples, each campaign's log, the names and first appearances of every list, district, value and code | ranks the numbers (exact binomial, BH), counts the subscriber facts, picks the rows to keep |
//! | `samples` (only when an offset sample outgrew pass 1) | `calls`, `vendor_calls` | each (carrier, vendor) pair's share of its offset sample | estimates the clock offsets |
//! | `match` | `calls`, `vendor_calls` | the matches with those offsets, who presented each number, the rows later tables show | merges the rows in case order; orders the lists |
//! | `lists` | `vendor_calls`, `vendor_list`, `downloads`, `population`, `identifications` (columns counted only) | population coverage, overlaps, enrichment, spread, the as-of test | — |
//!
//! Which tables and columns a stage reads is [`Stage::tables`]. Every count is exact and adds
//! over any split of the numbers (integers, minima of where rows sort, unions of names), so
//! the results do not depend on where or in which order the parts were counted. What crosses
//! between machines is the context (broadcast) and the counts (gathered), each encoded in the
//! format of [`super::wire`]: a count batch ([`Counts::to_batch`]) is an Arrow record batch.
//!
//! ```
//! # fn main() -> callsift::Result<()> {
//! use callsift::kernels::{count, Job};
//! use callsift::store::read_table_coded;
//!
//! // A case ingested into `dir` (as `callsift ingest` does).
//! let case = callsift::Case::load(std::path::Path::new("fixtures/formats/case.toml"))?;
//! let dir = tempfile::tempdir().map_err(|e| callsift::Error::io("tempdir", e))?;
//! callsift::ingest::run(&case, dir.path(), 2)?;
//!
//! let mut job = Job::open(dir.path())?;
//! while let Some(stage) = job.stage() {
//!     // Broadcast the context; count every part (anywhere); gather the counts.
//!     let cx = job.context()?;
//!     for part in 0..job.parts() {
//!         let mut tables = Vec::new();
//!         for (kind, cols) in stage.tables() {
//!             if let Some(path) = job.part_path(kind, part) {
//!                 tables.push((kind, read_table_coded(&path, &kind.schema(), Some(&cols))?));
//!             }
//!         }
//!         let counts = count(&cx, part, &tables)?;
//!         job.absorb(counts.to_batch()?.try_into()?)?;
//!     }
//!     job.advance()?;
//! }
//! let found = job.finish(&Default::default())?;
//! assert!(found.figures.calls_received > 0);
//! # Ok(())
//! # }
//! ```

mod job;

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::RecordBatch;
use serde::{Deserialize, Serialize};

use super::attribution;
use super::callparts::{self, CallCx, MatchPart, Samples, Scan, Settings};
use super::input::Complainants;
use super::parts::{FileRanks, RowKeys, Slice};
use super::slices::{self, ListCounts, Wanted};
use super::sweep::{self, Catalog};
use super::wire::CountRow;
use crate::error::{Error, Result};
use crate::model::Kind;

pub use super::wire;

pub use job::Job;

/// A stage of correlate (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Stage {
    /// Pass 1 over the calls and vendor log, and the names of the lists.
    Scan,
    /// Pass 2: the offsets' samples (only when pass 1 could not keep them).
    Samples,
    /// Pass 3: the matches, the presenters and the rows kept.
    Match,
    /// The list analyses' counts.
    Lists,
}

impl Stage {
    /// The stage's name, as count batches carry it.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Scan => "scan",
            Stage::Samples => "samples",
            Stage::Match => "match",
            Stage::Lists => "lists",
        }
    }

    /// The stage named `name`.
    pub fn from_name(name: &str) -> Option<Stage> {
        [Stage::Scan, Stage::Samples, Stage::Match, Stage::Lists]
            .into_iter()
            .find(|s| s.name() == name)
    }

    /// The store tables the stage reads of each part, each with the columns to read (a part
    /// of a table the store lacks is left out).
    pub fn tables(self) -> Vec<(Kind, Vec<&'static str>)> {
        let with_provenance = |cols: &[&'static str]| {
            let mut v = cols.to_vec();
            v.extend(["source_file", "source_row", "source_item"]);
            v
        };
        let calls = [
            (Kind::Calls, with_provenance(&callparts::CALLS_READ)),
            (Kind::VendorCalls, with_provenance(&callparts::VENDOR_READ)),
        ];
        match self {
            Stage::Scan => calls
                .into_iter()
                .chain(sweep::SWEPT.iter().map(|(k, c)| (*k, with_provenance(c))))
                .collect(),
            Stage::Samples | Stage::Match => calls.to_vec(),
            Stage::Lists => slices::COUNTED
                .iter()
                .map(|(k, c)| (*k, c.to_vec()))
                .collect(),
        }
    }
}

/// What the passes over the calls read besides the parts.
#[derive(Clone, Serialize, Deserialize)]
struct Shared {
    ranks: FileRanks,
    comp: Complainants,
    never_rang: Vec<String>,
    spanning: Vec<bool>,
    parts: u32,
    settings: Settings,
}

impl Shared {
    fn cx(&self) -> CallCx<'_> {
        CallCx {
            comp: &self.comp,
            never_rang: &self.never_rang,
            spanning: &self.spanning,
            ranks: &self.ranks,
            parts: self.parts,
            s: self.settings,
        }
    }
}

/// What a stage's kernels need besides the parts, broadcast to wherever they run.
#[derive(Serialize, Deserialize)]
pub struct Context {
    need: Need,
}

#[derive(Serialize, Deserialize)]
enum Need {
    Scan(Arc<Shared>),
    Samples(Arc<Shared>, Box<attribution::OffsetCounts>),
    Match {
        shared: Arc<Shared>,
        offsets: BTreeMap<(String, String), i64>,
        numbers: Vec<u64>,
        keep: Vec<u64>,
    },
    Lists {
        catalog: Box<Catalog>,
        wanted: Box<Wanted>,
        #[serde(with = "super::wire::batch")]
        watchlist: RecordBatch,
        slices: u32,
        parts: u32,
    },
}

impl Context {
    /// The stage this context is of.
    pub fn stage(&self) -> Stage {
        match self.need {
            Need::Scan(_) => Stage::Scan,
            Need::Samples(..) => Stage::Samples,
            Need::Match { .. } => Stage::Match,
            Need::Lists { .. } => Stage::Lists,
        }
    }

    /// The context encoded ([`super::wire`]), to broadcast.
    ///
    /// # Errors
    /// Only on a bug.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut v = wire::FORMAT.as_bytes().to_vec();
        v.push(0);
        v.extend(wire::encode(self)?);
        Ok(v)
    }

    /// A context encoded by [`Context::to_bytes`].
    ///
    /// # Errors
    /// [`Error::Store`] when `bytes` are not a context of this version.
    pub fn from_bytes(bytes: &[u8]) -> Result<Context> {
        let head = wire::FORMAT.len();
        if bytes.len() <= head || &bytes[..head] != wire::FORMAT.as_bytes() || bytes[head] != 0 {
            return Err(Error::store(
                "context",
                format!(
                    "not a context written by this version of callsift ({})",
                    wire::FORMAT
                ),
            ));
        }
        wire::decode(&bytes[head + 1..], "context")
    }
}

/// What one part's kernels counted, in one stage.
pub struct Counts {
    stage: Stage,
    part: u32,
    tables: Vec<Kind>,
    body: Body,
}

#[derive(Serialize, Deserialize)]
enum Body {
    Scan(Box<Scan>),
    Samples(Samples),
    Match(Box<MatchPart>),
    Lists(Box<ListCounts>),
}

impl Counts {
    /// The stage counted.
    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// The part counted.
    pub fn part(&self) -> u32 {
        self.part
    }

    /// The tables counted.
    pub fn tables(&self) -> &[Kind] {
        &self.tables
    }

    /// The counts as one row of a count batch ([`super::wire`]).
    ///
    /// # Errors
    /// Only on a bug.
    pub fn to_row(&self) -> Result<CountRow> {
        Ok(CountRow {
            stage: self.stage.name().to_string(),
            part: self.part,
            tables: self.tables.iter().map(|k| k.name().to_string()).collect(),
            counts: wire::encode(&self.body)?,
        })
    }

    /// The counts as a count batch of one row.
    ///
    /// # Errors
    /// Only on a bug.
    pub fn to_batch(&self) -> Result<RecordBatch> {
        wire::to_batch(&[self.to_row()?])
    }

    /// The counts of a row of a count batch.
    ///
    /// # Errors
    /// [`Error::Store`] when the row names an unknown stage or table, or its counts are not
    /// of its stage (damaged, or of another version).
    pub fn from_row(row: &CountRow) -> Result<Counts> {
        let bad = |why: String| Error::store("counts", why);
        let stage = Stage::from_name(&row.stage)
            .ok_or_else(|| bad(format!("unknown stage {:?}", row.stage)))?;
        let tables = row
            .tables
            .iter()
            .map(|t| Kind::from_name(t).ok_or_else(|| bad(format!("unknown table {t:?}"))))
            .collect::<Result<Vec<_>>>()?;
        let body: Body = wire::decode(&row.counts, "counts")?;
        let of = match &body {
            Body::Scan(_) => Stage::Scan,
            Body::Samples(_) => Stage::Samples,
            Body::Match(_) => Stage::Match,
            Body::Lists(_) => Stage::Lists,
        };
        if of != stage {
            return Err(bad(format!(
                "part {} says stage {} but holds the counts of stage {}",
                row.part,
                stage.name(),
                of.name()
            )));
        }
        Ok(Counts {
            stage,
            part: row.part,
            tables,
            body,
        })
    }
}

impl TryFrom<RecordBatch> for Counts {
    type Error = Error;

    /// The counts of a count batch of one row.
    fn try_from(b: RecordBatch) -> Result<Counts> {
        match wire::from_batch(&b)?.as_slice() {
            [row] => Counts::from_row(row),
            rows => Err(Error::store(
                "counts",
                format!(
                    "a count batch of {} rows where one was expected",
                    rows.len()
                ),
            )),
        }
    }
}

/// Batch `b`, rows of `kind`'s table read from elsewhere than the engine's reader (pyarrow,
/// a cluster), in the types of the canonical schema: each column it has is checked against
/// the schema and cast where its type differs (large strings, other integer widths); a text
/// column may stay a dictionary. `what` names the batch in an error.
///
/// # Errors
/// [`Error::Store`] naming `what` when a column is not of the schema, or cannot be cast to
/// its type.
pub fn conform(kind: Kind, b: RecordBatch, what: &str) -> Result<RecordBatch> {
    use arrow::datatypes::{DataType, Field, Schema};
    let canonical = kind.schema();
    let mut fields = Vec::with_capacity(b.num_columns());
    let mut columns = Vec::with_capacity(b.num_columns());
    for (f, c) in b.schema().fields().iter().zip(b.columns()) {
        let Ok(want) = canonical.field_with_name(f.name()) else {
            return Err(Error::store(
                what,
                format!("column {} is not of the {} table", f.name(), kind.name()),
            ));
        };
        let coded = *want.data_type() == DataType::Utf8
            && *c.data_type()
                == DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        let c = match coded || c.data_type() == want.data_type() {
            true => c.clone(),
            false => arrow::compute::cast(c, want.data_type())
                .map_err(|e| Error::store(what, format!("column {}: {e}", f.name())))?,
        };
        fields.push(Field::new(f.name(), c.data_type().clone(), true));
        columns.push(c);
    }
    RecordBatch::try_new(std::sync::Arc::new(Schema::new(fields)), columns)
        .map_err(|e| Error::store(what, e))
}

/// The batch of `kind` among `tables`.
fn table(tables: &[(Kind, RecordBatch)], kind: Kind) -> Option<&RecordBatch> {
    tables.iter().find(|(k, _)| *k == kind).map(|(_, b)| b)
}

/// The batch of `kind` among `tables`, or an empty one of its schema.
fn table_or_empty(tables: &[(Kind, RecordBatch)], kind: Kind) -> RecordBatch {
    table(tables, kind)
        .cloned()
        .unwrap_or_else(|| RecordBatch::new_empty(kind.schema()))
}

/// Counts part `part` of the store in the stage `cx` is of: `tables` are the part's batches
/// (each read with the columns [`Stage::tables`] names, or more; a table left out counts as
/// empty). In the `scan` stage the tables may come in several calls, each counted apart
/// (the calls and vendor log together; each list table on its own), as long as each table
/// of each part is counted once.
///
/// # Errors
/// [`Error::Store`] when a batch lacks a column or holds it in another type, when a row is
/// not of the part (the store was split otherwise), or a name is not in the context (the
/// store changed since the stage before).
pub fn count(cx: &Context, part: u32, tables: &[(Kind, RecordBatch)]) -> Result<Counts> {
    let kinds: Vec<Kind> = tables.iter().map(|(k, _)| *k).collect();
    let has_calls = kinds.contains(&Kind::Calls) || kinds.contains(&Kind::VendorCalls);
    let calls = || {
        (
            table_or_empty(tables, Kind::Calls),
            table_or_empty(tables, Kind::VendorCalls),
        )
    };
    let body = match &cx.need {
        Need::Scan(shared) => {
            let mut scan = match has_calls {
                true => {
                    let (c, v) = calls();
                    shared.cx().scan(part, &c, &v)?
                }
                false => Scan::default(),
            };
            for (kind, b) in tables {
                if sweep::SWEPT.iter().any(|(k, _)| k == kind) {
                    let keys = RowKeys::new(b, &shared.ranks, part)?;
                    scan.names.table(*kind, b, &keys)?;
                }
            }
            Body::Scan(Box::new(scan))
        }
        Need::Samples(shared, totals) => {
            let (c, v) = calls();
            Body::Samples(shared.cx().samples(part, (&c, &v), totals)?)
        }
        Need::Match {
            shared,
            offsets,
            numbers,
            keep,
        } => {
            let (c, v) = calls();
            let m = shared
                .cx()
                .matched(part, (&c, &v), offsets, (numbers, keep))?;
            Body::Match(Box::new(m))
        }
        Need::Lists {
            catalog,
            wanted,
            watchlist,
            slices,
            parts,
        } => {
            let s = Slice::new(part, *slices);
            let batches = tables.iter().map(|(k, b)| Ok((*k, part, b.clone())));
            let g = slices::gather_from(batches, watchlist, catalog, s, *parts)?;
            Body::Lists(Box::new(slices::count_slice(&g, wanted, s)))
        }
    };
    Ok(Counts {
        stage: cx.stage(),
        part,
        tables: kinds,
        body,
    })
}
