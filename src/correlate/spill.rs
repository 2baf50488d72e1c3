//! What the sweep over the store's parts gathers per number, kept part by part out of the way
//! until the list analyses count it slice by slice ([`super::slices`]): each part's segment
//! (a list's numbers, the population's rows, the party database's history) is a small Arrow
//! table, held in memory for a store of one part and written to an Arrow IPC file otherwise,
//! in a folder of the output (`OUT/.spill-XXXX`, removed however the run ends). So what stays
//! in memory while the analyses run is one slice's numbers and the merged counts, whatever
//! the size of the case.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, RecordBatch};
use arrow::compute::filter_record_batch;
use arrow::datatypes::{DataType, Field, Int64Type, Schema, UInt32Type, UInt64Type};
use rustc_hash::FxHashMap;

use super::parts::{Slice, WHOLE};
use crate::error::{Error, Result};

/// What a segment holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

/// A held segment, or the file it was written to.
enum Entry {
    Held(RecordBatch),
    File(PathBuf),
}

/// The segments by part and kind, several per part and kind in the order put.
type Entries = FxHashMap<(u32, Seg), Vec<Entry>>;

/// The segments, by part and kind.
pub(crate) struct Spill {
    /// The folder segments are written to; `None` holds them in memory.
    dir: Option<tempfile::TempDir>,
    entries: Mutex<Entries>,
    /// Segments written so far.
    written: AtomicU64,
}

impl Spill {
    /// Segments held in memory.
    pub fn in_memory() -> Spill {
        Spill {
            dir: None,
            entries: Mutex::default(),
            written: AtomicU64::new(0),
        }
    }

    /// Segments written to a fresh folder inside `out`.
    ///
    /// # Errors
    /// [`Error::Io`] naming `out` when the folder cannot be created.
    pub fn on_disk(out: &Path) -> Result<Spill> {
        let dir = tempfile::Builder::new()
            .prefix(".spill-")
            .tempdir_in(out)
            .map_err(|e| Error::io(out, e))?;
        Ok(Spill {
            dir: Some(dir),
            entries: Mutex::default(),
            written: AtomicU64::new(0),
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Entries>> {
        self.entries
            .lock()
            .map_err(|_| Error::store("spill", "a thread failed while spilling"))
    }

    /// Adds a segment of `part` (or [`WHOLE`]). An empty one is not kept.
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::Store`] naming the file that cannot be written.
    pub fn put(&self, part: u32, seg: Seg, b: RecordBatch) -> Result<()> {
        if b.num_rows() == 0 {
            return Ok(());
        }
        let entry = match &self.dir {
            None => Entry::Held(b),
            Some(dir) => {
                // A name no other segment takes, whatever puts run at once.
                let n = self.written.fetch_add(1, Ordering::Relaxed);
                let part_name = match part {
                    WHOLE => "whole".to_string(),
                    p => format!("{p:04}"),
                };
                let path = dir.path().join(format!("{seg:?}-{part_name}-{n}.arrow"));
                crate::ingest::write_spill(&path, std::slice::from_ref(&b), false)?;
                Entry::File(path)
            }
        };
        self.lock()?.entry((part, seg)).or_default().push(entry);
        Ok(())
    }

    /// The segments of `part` and kind `seg`, in the order put.
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::Store`] naming a file that cannot be read back.
    pub fn get(&self, part: u32, seg: Seg) -> Result<Vec<RecordBatch>> {
        let files: Vec<std::result::Result<RecordBatch, PathBuf>> = {
            let entries = self.lock()?;
            let Some(v) = entries.get(&(part, seg)) else {
                return Ok(Vec::new());
            };
            v.iter()
                .map(|e| match e {
                    Entry::Held(b) => Ok(b.clone()),
                    Entry::File(p) => Err(p.clone()),
                })
                .collect()
        };
        let mut out = Vec::with_capacity(files.len());
        for f in files {
            match f {
                Ok(b) => out.push(b),
                Err(path) => out.extend(crate::ingest::read_spill(&path)?),
            }
        }
        Ok(out)
    }

    /// The segments of kind `seg` that hold the numbers of slice `s`, the store having been
    /// swept in `parts` parts: part `s`'s when the slices are the parts, else every part's
    /// (in order) cut to the slice; and those of tables read whole ([`WHOLE`]), cut to it.
    /// Segments must have a `number` column.
    ///
    /// # Errors
    /// As [`Spill::get`].
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
    fn segments_come_back_in_the_order_put_held_or_written() {
        let out = tempfile::tempdir().unwrap();
        for s in [Spill::in_memory(), Spill::on_disk(out.path()).unwrap()] {
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
        // Written segments leave nothing behind once the spill is dropped.
        assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_segment_that_cannot_be_read_back_names_its_file() {
        let out = tempfile::tempdir().unwrap();
        let s = Spill::on_disk(out.path()).unwrap();
        s.put(3, Seg::History, seg(&[1, 2])).unwrap();
        let dir = std::fs::read_dir(out.path())
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
        for f in std::fs::read_dir(dir.path()).unwrap() {
            std::fs::write(f.unwrap().path(), b"not arrow").unwrap();
        }
        let msg = s.get(3, Seg::History).unwrap_err().to_string();
        assert!(msg.contains("History-0003-"), "{msg}");
    }
}
