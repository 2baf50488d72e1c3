//! Exact duplicate call records: which rows of one part's calls pieces to drop, and which record
//! each dropped one repeats. Duplicates share their called number, so they meet in one part
//! (module `partition`), and the first in the part's case order is the first in the case's.
//!
//! A record is a duplicate of an earlier one (in case order, then row order) with the same
//! called number, start and duration, and the same calling number, or, when neither has a
//! number, the same caller-ID status and the same raw caller-ID text (exactly). Records with the
//! same number but different raw text (`(613) 555-0199`, `+1 613 555 0199`) are duplicates.
//!
//! Method: every row gets a 16-byte key, (64-bit hash of those fields, position), built per piece
//! in parallel and sorted in parallel; the position (piece in case order, row) makes the first
//! occurrence sort first among equal hashes. Only inside a run of equal hashes are the fields
//! compared exactly, so a hash collision never merges two different records.

use arrow::array::{Array, AsArray, BooleanArray, StringArray, UInt32Array, UInt64Array};
use arrow::array::{Int32Array, Int64Array, PrimitiveArray};
use arrow::datatypes::{Int32Type, Int64Type, TimestampMicrosecondType, UInt32Type, UInt64Type};
use rayon::prelude::*;

use super::col;
use super::staging::Piece;
use crate::error::Result;

/// A removed duplicate call record and the record kept in its place, each as (file index in the
/// case, `source_row`, `source_item`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct DupPair {
    pub file: usize,
    pub row: u64,
    pub item: Option<u32>,
    pub kept_file: usize,
    pub kept_row: u64,
    pub kept_item: Option<u32>,
}

/// Per piece, the rows to keep (`None`: all).
pub(super) type Masks = Vec<Option<BooleanArray>>;

/// The columns of one calls piece that duplicate detection reads.
struct Cols {
    /// Index of the file in the case.
    file: usize,
    called: UInt64Array,
    calling: UInt64Array,
    status: Int32Array,
    raw: StringArray,
    start: PrimitiveArray<TimestampMicrosecondType>,
    dur: Int64Array,
    source_row: UInt64Array,
    source_item: UInt32Array,
}

impl Cols {
    /// The calling number, or the hash of the raw caller-ID text when there is none.
    fn caller(&self, r: usize) -> u64 {
        if self.calling.is_valid(r) {
            self.calling.value(r)
        } else {
            raw_hash(self.raw.value(r))
        }
    }

    fn dur(&self, r: usize) -> i64 {
        if self.dur.is_valid(r) {
            self.dur.value(r)
        } else {
            i64::MIN
        }
    }

    /// The 64-bit hash of the fields that make two records the same.
    fn hash(&self, r: usize) -> u64 {
        let mut h: u64 = 0x243F_6A88_85A3_08D3;
        for v in [
            self.called.value(r),
            self.start.value(r) as u64,
            self.caller(r),
            u64::from(self.calling.is_valid(r)),
            self.status.value(r) as u64,
            self.dur(r) as u64,
        ] {
            h = (h ^ v).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            h ^= h >> 29;
        }
        h
    }

    /// Whether row `r` here is the same record as row `s` of `o`, field by field.
    fn same(&self, r: usize, o: &Cols, s: usize) -> bool {
        let number = self.calling.is_valid(r);
        self.called.value(r) == o.called.value(s)
            && self.start.value(r) == o.start.value(s)
            && number == o.calling.is_valid(s)
            && self.dur(r) == o.dur(s)
            && if number {
                self.calling.value(r) == o.calling.value(s)
            } else {
                self.status.value(r) == o.status.value(s) && self.raw.value(r) == o.raw.value(s)
            }
    }
}

/// The rows of every calls piece of a part (`pieces`, in case order) to keep, and every removed
/// record with the record it duplicates, in case then row order.
pub(super) fn duplicate_masks(pieces: &[Piece]) -> Result<(Masks, Vec<DupPair>)> {
    let mut cols: Vec<Cols> = Vec::with_capacity(pieces.len());
    for pc in pieces {
        let b = &pc.batch;
        cols.push(Cols {
            file: pc.file,
            called: col(b, "called")?.as_primitive::<UInt64Type>().clone(),
            calling: col(b, "calling")?.as_primitive::<UInt64Type>().clone(),
            status: col(b, "calling_status")?
                .as_dictionary::<Int32Type>()
                .keys()
                .clone(),
            raw: col(b, "calling_raw")?.as_string::<i32>().clone(),
            start: col(b, "start")?
                .as_primitive::<TimestampMicrosecondType>()
                .clone(),
            dur: col(b, "duration_ms")?.as_primitive::<Int64Type>().clone(),
            source_row: col(b, "source_row")?.as_primitive::<UInt64Type>().clone(),
            source_item: col(b, "source_item")?.as_primitive::<UInt32Type>().clone(),
        });
    }
    // (hash, piece << 32 | row), one per row, filled piece by piece in parallel.
    let total: usize = cols.iter().map(|c| c.called.len()).sum();
    let mut keys = vec![(0u64, 0u64); total];
    let mut parts: Vec<&mut [(u64, u64)]> = Vec::with_capacity(cols.len());
    let mut rest = keys.as_mut_slice();
    for c in &cols {
        let (part, tail) = rest.split_at_mut(c.called.len());
        parts.push(part);
        rest = tail;
    }
    parts
        .into_par_iter()
        .zip(cols.par_iter().enumerate())
        .for_each(|(part, (g, c))| {
            for (r, key) in part.iter_mut().enumerate() {
                *key = (c.hash(r), ((g as u64) << 32) | r as u64);
            }
        });
    keys.par_sort_unstable();

    let at = |key: u64| (&cols[(key >> 32) as usize], (key & 0xFFFF_FFFF) as usize);
    // (removed, kept) as (piece, row); within a run of equal hashes, each record is compared
    // with the first occurrences seen so far in the run (almost always one).
    let mut drop: Vec<(u64, u64)> = Vec::new();
    let mut firsts: Vec<u64> = Vec::new();
    let mut i = 0;
    while i < keys.len() {
        let mut j = i + 1;
        while j < keys.len() && keys[j].0 == keys[i].0 {
            j += 1;
        }
        if j - i > 1 {
            firsts.clear();
            firsts.push(keys[i].1);
            for &(_, key) in &keys[i + 1..j] {
                let (c, r) = at(key);
                match firsts.iter().find(|&&f| {
                    let (fc, fr) = at(f);
                    c.same(r, fc, fr)
                }) {
                    Some(&f) => drop.push((key, f)),
                    None => firsts.push(key),
                }
            }
        }
        i = j;
    }
    drop.sort_unstable();

    let row_of = |key: u64| {
        let (c, r) = at(key);
        let item = c.source_item.is_valid(r).then(|| c.source_item.value(r));
        (c.file, c.source_row.value(r), item)
    };
    let mut pairs: Vec<DupPair> = drop
        .iter()
        .map(|&(removed, kept)| {
            let (file, row, item) = row_of(removed);
            let (kept_file, kept_row, kept_item) = row_of(kept);
            DupPair {
                file,
                row,
                item,
                kept_file,
                kept_row,
                kept_item,
            }
        })
        .collect();
    pairs.sort_unstable();

    let mut out: Masks = vec![None; cols.len()];
    let mut i = 0;
    while i < drop.len() {
        let g = drop[i].0 >> 32;
        let c = &cols[g as usize];
        let mut keep = vec![true; c.called.len()];
        while i < drop.len() && drop[i].0 >> 32 == g {
            keep[(drop[i].0 & 0xFFFF_FFFF) as usize] = false;
            i += 1;
        }
        out[g as usize] = Some(BooleanArray::from(keep));
    }
    Ok((out, pairs))
}

/// A 64-bit hash of a raw caller ID, for the sort key only (equal keys are confirmed by
/// comparing the text).
fn raw_hash(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}
