//! A population that is a history: several rows per number.
//!
//! A `population` input lists the lines in scope, one row per number. A file that repeats a
//! number (a register exported with its past states, or two population files that overlap)
//! would leave it to chance which row counts, so a repeat stops the run, naming the first repeat
//! in case order (its file and line, and the file and line of the row it repeats), unless every
//! row of the number carries an order value: the profile's `latest_by` column, read as a time
//! with the profile's `timestamp_formats`. Then the latest row wins (ties: the later row, in case
//! order then file order), and every other row of the number is removed as *superseded*:
//! counted in its file's `duplicates_removed` and listed in the duplicates table with the row
//! kept in its place, so the store holds one row per number and the counts reconcile.
//!
//! A number's rows all fall in one part (module `partition`), so each part is worked alone;
//! the repeat an error names is the first over all parts ([`Repeat::earlier`]).

use arrow::array::{Array, AsArray, BooleanArray};
use arrow::datatypes::{Int64Type, UInt32Type, UInt64Type};

use super::col;
use super::dedupe::{DupPair, Masks};
use super::staging::{Piece, ORDER};
use crate::config::Case;
use crate::error::{Error, Result};

/// One accepted population row: (number, file index in the case, source row, source item (in an
/// exploded file), piece, row in the piece, order value).
type Row = (u64, usize, u64, Option<u32>, usize, usize, Option<i64>);

/// A number listed again without an order: its first row and the row that repeats it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Repeat {
    first: Row,
    again: Row,
}

impl Repeat {
    /// Of two repeats (either may be absent), the one whose repeating row comes first in case
    /// order.
    pub fn earlier(a: Option<Repeat>, b: Option<Repeat>) -> Option<Repeat> {
        match (a, b) {
            (Some(a), Some(b)) => Some(if b.key() < a.key() { b } else { a }),
            (a, b) => a.or(b),
        }
    }

    fn key(&self) -> (usize, u64, Option<u32>) {
        (self.again.1, self.again.2, self.again.3)
    }

    /// The error that names it.
    pub fn error(&self, case: &Case) -> Error {
        let (first, again) = (&self.first, &self.again);
        let f = &case.files[again.1];
        Error::input(
            &f.path,
            Some(again.2),
            format!(
                "number +{} is listed again: its first row is {}:{}. A population lists each \
                 line once; if the file is a history of each number, name the column that \
                 orders its rows with `latest_by` in profile `{}` (the latest row wins)",
                again.0,
                case.files[first.1].name,
                at(first),
                f.profile_name
            ),
        )
    }
}

/// What superseding one part's population found.
#[derive(Debug, Default)]
pub(super) struct Superseded {
    /// Per piece, the rows to keep (`None`: all).
    pub masks: Masks,
    /// Each removed row with the row kept in its place, sorted.
    pub pairs: Vec<DupPair>,
    /// The first repeat of a number whose rows are not all ordered, if any (then nothing is
    /// removed: the run stops).
    pub repeat: Option<Repeat>,
}

/// Finds the superseded rows of every number of one part's population pieces (in case order).
///
/// # Errors
/// [`Error::Store`] when a piece lacks a canonical column.
pub(super) fn supersede(pieces: &[Piece]) -> Result<Superseded> {
    let mut rows: Vec<Row> = Vec::new();
    for (k, pc) in pieces.iter().enumerate() {
        let b = &pc.batch;
        let numbers = col(b, "number")?.as_primitive::<UInt64Type>();
        let source = col(b, "source_row")?.as_primitive::<UInt64Type>();
        let items = col(b, "source_item")?.as_primitive::<UInt32Type>();
        let order = col(b, ORDER)?.as_primitive::<Int64Type>();
        for r in 0..b.num_rows() {
            let o = order.is_valid(r).then(|| order.value(r));
            let item = items.is_valid(r).then(|| items.value(r));
            rows.push((numbers.value(r), pc.file, source.value(r), item, k, r, o));
        }
    }
    // By number, then in case order: each run is one number's rows, its first row first.
    rows.sort_unstable();
    let mut pairs = Vec::new();
    let mut drop: Vec<(usize, usize)> = Vec::new();
    let mut repeat: Option<Repeat> = None;
    for run in rows.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
        if run.iter().any(|r| r.6.is_none()) {
            let found = Repeat {
                first: run[0],
                again: run[1],
            };
            repeat = Repeat::earlier(repeat, Some(found));
            continue;
        }
        // The latest wins; of equal order values, the later row.
        let kept = run
            .iter()
            .max_by_key(|r| (r.6, r.1, r.2, r.3))
            .expect("a run has rows");
        for r in run
            .iter()
            .filter(|r| (r.1, r.2, r.3) != (kept.1, kept.2, kept.3))
        {
            pairs.push(DupPair {
                file: r.1,
                row: r.2,
                item: r.3,
                kept_file: kept.1,
                kept_row: kept.2,
                kept_item: kept.3,
            });
            drop.push((r.4, r.5));
        }
    }
    if repeat.is_some() {
        return Ok(Superseded {
            masks: vec![None; pieces.len()],
            pairs: Vec::new(),
            repeat,
        });
    }
    pairs.sort_unstable();
    Ok(Superseded {
        masks: masks(pieces, drop),
        pairs,
        repeat: None,
    })
}

/// A row's place in its file: `12`, or `12#3` for an item of an exploded record.
fn at(r: &Row) -> String {
    match r.3 {
        Some(item) => format!("{}#{item}", r.2),
        None => r.2.to_string(),
    }
}

/// Per piece, the rows to keep: all but the `(piece, row)`s of `drop`.
fn masks(pieces: &[Piece], mut drop: Vec<(usize, usize)>) -> Masks {
    let mut out: Masks = vec![None; pieces.len()];
    drop.sort_unstable();
    for group in drop.chunk_by(|a, b| a.0 == b.0) {
        let k = group[0].0;
        let mut keep = vec![true; pieces[k].batch.num_rows()];
        for &(_, r) in group {
            keep[r] = false;
        }
        out[k] = Some(BooleanArray::from(keep));
    }
    out
}
