//! What a gatherer of the sweep ([`super::sweep`]) holds per number for one part of the store,
//! until the list analyses count it ([`super::slices`]): each part's segments (a list's
//! numbers, the population's rows, the party database's history) are small Arrow tables in
//! its own provisional codes, kept by part and kind. The gatherers that read the whole store
//! for names and first appearances keep none ([`Segments`] is then absent); those that read
//! one part to count it keep that part's.

use std::sync::{Arc, Mutex};

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, RecordBatch};
use arrow::compute::filter_record_batch;
use arrow::datatypes::{DataType, Field, Int64Type, Schema, UInt32Type, UInt64Type};
use rustc_hash::FxHashMap;

use super::parts::{Slice, WHOLE};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// What a segment holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) enum Seg {
    /// Uploaded lists' numbers (`id`, `number`).
    Uploads,
    /// Campaigns' dialed numbers (`id`, `number`).
    Campaigns,
    /// Downloads' numbers (`id`, `number`).
    Downloads,
    /// Watch-lists' numbers (`id`, `number`).
    Watchlists,
    /// Poll responses (`campaign`, `key`, `number`).
    Polls,
    /// The population's rows as the geography reads them.
    Geography,
    /// The party database's identification rows.
    History,
    /// The population's rows as the party database reads them.
    DbPopulation,
}

/// The segments by part and kind, several per part and kind in the order put.
type Entries = FxHashMap<(u32, Seg), Vec<RecordBatch>>;

/// The segments, by part and kind.
#[derive(Debug, Default)]
pub(crate) struct Segments {
    entries: Mutex<Entries>,
}

impl Segments {
    /// No segments yet, shared by the gatherers of one part.
    pub fn shared() -> Arc<Segments> {
        Arc::new(Segments::default())
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Entries>> {
        self.entries
            .lock()
            .map_err(|_| Error::store("segments", "a thread failed while gathering"))
    }

    /// Adds a segment of `part` (or [`WHOLE`]). An empty one is not kept.
    ///
    /// # Errors
    /// [`Error::Store`] when a thread failed while holding them (a bug).
    pub fn put(&self, part: u32, seg: Seg, b: RecordBatch) -> Result<()> {
        if b.num_rows() > 0 {
            self.lock()?.entry((part, seg)).or_default().push(b);
        }
        Ok(())
    }

    /// The segments of `part` and kind `seg`, in the order put.
    ///
    /// # Errors
    /// As [`Segments::put`].
    pub fn get(&self, part: u32, seg: Seg) -> Result<Vec<RecordBatch>> {
        Ok(self.lock()?.get(&(part, seg)).cloned().unwrap_or_default())
    }

    /// The segments of kind `seg` that hold the numbers of slice `s`, the store having been
    /// read in `parts` parts: part `s`'s when the slices are the parts, else every part's
    /// (in order) cut to the slice; and those of tables read whole ([`WHOLE`]), cut to it.
    /// Segments must have a `number` column.
    ///
    /// # Errors
    /// As [`Segments::put`]; [`Error::Store`] when a segment lacks its `number` column (a bug).
    pub fn slice(&self, seg: Seg, s: Slice, parts: u32) -> Result<Vec<RecordBatch>> {
        // Whether a part's segments hold exactly the slice's numbers.
        let exact = !s.is_whole() && s.of() == parts;
        let mut out = Vec::new();
        for p in self.parts_of(seg)? {
            if exact && p != WHOLE && p != s.index() {
                continue;
            }
            let as_is = s.is_whole() || (exact && p != WHOLE);
            for b in self.get(p, seg)? {
                out.push(if as_is { b } else { keep_slice(&b, s)? });
            }
        }
        Ok(out)
    }

    /// The parts that have segments of kind `seg`, ascending ([`WHOLE`] last).
    ///
    /// # Errors
    /// As [`Segments::put`].
    pub fn parts_of(&self, seg: Seg) -> Result<Vec<u32>> {
        let mut v: Vec<u32> = self
            .lock()?
            .keys()
            .filter(|(_, s)| *s == seg)
            .map(|(p, _)| *p)
            .collect();
        v.sort_unstable();
        Ok(v)
    }
}

/// The rows of segment `b` whose `number` slice `s` keeps.
fn keep_slice(b: &RecordBatch, s: Slice) -> Result<RecordBatch> {
    if s.is_whole() {
        return Ok(b.clone());
    }
    let mask: BooleanArray = u64s(b, "number")?
        .iter()
        .map(|&n| Some(s.keeps(n)))
        .collect();
    filter_record_batch(b, &mask).map_err(|e| Error::store("spill", e))
}

/// A segment's column.
pub(crate) enum Col {
    U64(Vec<u64>),
    U32(Vec<u32>),
    I64(Vec<i64>),
}

/// A segment of the named columns (of one length).
///
/// # Errors
/// Only if the columns differ in length, which would be a bug.
pub(crate) fn segment(cols: Vec<(&str, Col)>) -> Result<RecordBatch> {
    let mut fields = Vec::with_capacity(cols.len());
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(cols.len());
    for (name, c) in cols {
        let (t, a): (DataType, ArrayRef) = match c {
            Col::U64(v) => (
                DataType::UInt64,
                Arc::new(arrow::array::UInt64Array::from(v)),
            ),
            Col::U32(v) => (
                DataType::UInt32,
                Arc::new(arrow::array::UInt32Array::from(v)),
            ),
            Col::I64(v) => (DataType::Int64, Arc::new(arrow::array::Int64Array::from(v))),
        };
        fields.push(Field::new(name, t, false));
        arrays.push(a);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .map_err(|e| Error::store("spill", e))
}

fn column<'b>(b: &'b RecordBatch, name: &str) -> Result<&'b dyn Array> {
    b.column_by_name(name)
        .map(|a| a.as_ref())
        .ok_or_else(|| Error::store("spill", format!("segment without column {name}")))
}

/// Column `name` of a segment, as `u64`s.
///
/// # Errors
/// [`Error::Store`] when the segment lacks it or it is of another type (a bug).
pub(crate) fn u64s<'b>(b: &'b RecordBatch, name: &str) -> Result<&'b [u64]> {
    let a = column(b, name)?;
    a.as_primitive_opt::<UInt64Type>()
        .map(|a| a.values().as_ref())
        .ok_or_else(|| Error::store("spill", format!("column {name} is not u64")))
}

/// Column `name` of a segment, as `u32`s.
///
/// # Errors
/// [`Error::Store`] when the segment lacks it or it is of another type (a bug).
pub(crate) fn u32s<'b>(b: &'b RecordBatch, name: &str) -> Result<&'b [u32]> {
    let a = column(b, name)?;
    a.as_primitive_opt::<UInt32Type>()
        .map(|a| a.values().as_ref())
        .ok_or_else(|| Error::store("spill", format!("column {name} is not u32")))
}

/// Column `name` of a segment, as `i64`s.
///
/// # Errors
/// [`Error::Store`] when the segment lacks it or it is of another type (a bug).
pub(crate) fn i64s<'b>(b: &'b RecordBatch, name: &str) -> Result<&'b [i64]> {
    let a = column(b, name)?;
    a.as_primitive_opt::<Int64Type>()
        .map(|a| a.values().as_ref())
        .ok_or_else(|| Error::store("spill", format!("column {name} is not i64")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(v: &[u64]) -> RecordBatch {
        segment(vec![
            ("number", Col::U64(v.to_vec())),
            ("id", Col::U32(v.iter().map(|&n| n as u32 * 2).collect())),
        ])
        .unwrap()
    }

    #[test]
    fn segments_come_back_in_the_order_put() {
        let s = Segments::default();
        s.put(1, Seg::Uploads, seg(&[5, 6])).unwrap();
        s.put(0, Seg::Uploads, seg(&[1])).unwrap();
        s.put(1, Seg::Uploads, seg(&[7])).unwrap();
        s.put(1, Seg::Downloads, seg(&[])).unwrap();
        let got = s.get(1, Seg::Uploads).unwrap();
        let nums: Vec<u64> = got
            .iter()
            .flat_map(|b| u64s(b, "number").unwrap().to_vec())
            .collect();
        assert_eq!(nums, [5, 6, 7]);
        assert_eq!(u32s(&got[0], "id").unwrap(), [10, 12]);
        assert!(s.get(1, Seg::Downloads).unwrap().is_empty());
        assert_eq!(s.parts_of(Seg::Uploads).unwrap(), [0, 1]);
        assert!(u64s(&got[0], "id").is_err());
    }

    #[test]
    fn a_slice_takes_its_part_or_cuts_every_part() {
        let s = Segments::default();
        let nums: Vec<u64> = (0..200).collect();
        let of = 3;
        for p in 0..of {
            let mine: Vec<u64> = nums
                .iter()
                .copied()
                .filter(|&n| crate::partition::of(n, of) == p)
                .collect();
            s.put(p, Seg::Uploads, seg(&mine)).unwrap();
        }
        s.put(WHOLE, Seg::Uploads, seg(&[7, 8, 9])).unwrap();
        for p in 0..of {
            let sl = Slice::new(p, of);
            for parts in [of, 0] {
                let got: Vec<u64> = s
                    .slice(Seg::Uploads, sl, parts)
                    .unwrap()
                    .iter()
                    .flat_map(|b| u64s(b, "number").unwrap().to_vec())
                    .filter(|&n| n >= 10)
                    .collect();
                let want: Vec<u64> = nums
                    .iter()
                    .copied()
                    .filter(|&n| n >= 10 && sl.keeps(n))
                    .collect();
                assert_eq!(got, want, "slice {p} of {of}, parts {parts}");
            }
        }
    }
}
