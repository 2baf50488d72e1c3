//! The case store read part by part ([`crate::partition`]), and what makes the parts' results
//! the whole's: where each row sorts in the case ([`RowKeys`]) and text values coded in the
//! order of their first appearance in the case, whatever part they come from ([`Dict`]).
//!
//! An analysis that gathers from the parts sees each part's rows in case order, but the parts
//! interleave: "the first row naming a list" is the least [`Seen`] over every part, not the
//! first row of the first part. Every gatherer keeps that least key and orders by it at the
//! end, so its result does not depend on how many parts the store has, nor on their order.

use std::path::Path;

use arrow::array::{Array, AsArray, RecordBatch, UInt32Array};
use arrow::datatypes::UInt32Type;
use rustc_hash::FxHashMap;

use super::cols::{u64s_dense, Codes, NONE};
use crate::error::Result;
use crate::ingest;
use crate::manifest::Manifest;
use crate::model::Kind;
use crate::store;
use serde::{Deserialize, Serialize};

/// Where a row sorts in the case: its evidence file's rank among the case's inputs, its row,
/// its item (none first); then, for rows that agree on all three (only hand-made tables do),
/// the part and the row's index in it.
pub(crate) type Seen = (u32, u64, Option<u32>, u32, u32);

/// The latest possible [`Seen`]: what a value not yet seen holds.
pub(crate) const UNSEEN: Seen = (u32::MAX, u64::MAX, Some(u32::MAX), u32::MAX, u32::MAX);

/// The part of the rows of a table read whole, not part by part: they may hold any number.
pub(crate) const WHOLE: u32 = u32::MAX;

/// Each evidence file's rank among the manifest's inputs (the case's order of files).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct FileRanks(FxHashMap<String, u32>);

impl FileRanks {
    /// The ranks of the manifest's inputs.
    pub fn of(manifest: &Manifest) -> FileRanks {
        let mut m = FxHashMap::default();
        for (i, input) in manifest.inputs.iter().enumerate() {
            m.entry(input.path.clone()).or_insert(i as u32);
        }
        FileRanks(m)
    }

    /// The ranks of `paths`, in their order (hand-made cases).
    #[cfg(test)]
    pub fn of_paths(paths: &[&str]) -> FileRanks {
        FileRanks(
            paths
                .iter()
                .enumerate()
                .map(|(i, p)| (p.to_string(), i as u32))
                .collect(),
        )
    }

    /// The rank of `path`; a file the manifest does not list sorts last.
    pub fn rank(&self, path: &str) -> u32 {
        self.0.get(path).copied().unwrap_or(u32::MAX)
    }
}

/// The [`Seen`] of each row of one part of a table.
pub(crate) struct RowKeys {
    file: Vec<u32>,
    rank: Vec<u32>,
    row: Vec<u64>,
    item: Option<UInt32Array>,
    part: u32,
}

impl RowKeys {
    /// The keys of `b`'s rows, `b` being part `part` (its provenance columns ranked by
    /// `ranks`). A table without provenance columns (hand-made) places its rows by index.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a provenance column is of another type.
    pub fn new(b: &RecordBatch, ranks: &FileRanks, part: u32) -> Result<RowKeys> {
        let n = b.num_rows();
        let (file, rank) = match b.column_by_name("source_file") {
            Some(_) => {
                let c = Codes::read(b, "source_file")?;
                let rank = c.names.iter().map(|p| ranks.rank(p)).collect();
                (c.codes, rank)
            }
            None => (vec![NONE; n], Vec::new()),
        };
        let row = match b.column_by_name("source_row") {
            Some(_) => u64s_dense(b, "source_row")?,
            None => vec![0; n],
        };
        let item = b
            .column_by_name("source_item")
            .and_then(|a| a.as_primitive_opt::<UInt32Type>())
            .cloned();
        Ok(RowKeys {
            file,
            rank,
            row,
            item,
            part,
        })
    }

    /// Keys that place the `n` rows of a table already in case order (a whole store table,
    /// or a hand-made one) by their index; their part is [`WHOLE`].
    pub fn in_order(n: usize) -> RowKeys {
        RowKeys {
            file: vec![NONE; n],
            rank: Vec::new(),
            row: vec![0; n],
            item: None,
            part: WHOLE,
        }
    }

    /// Keys for the `n` rows of part `part` read without their provenance (to be counted, not
    /// placed): every row sorts last, by its index.
    pub fn unplaced(n: usize, part: u32) -> RowKeys {
        RowKeys {
            part,
            ..RowKeys::in_order(n)
        }
    }

    /// The part the rows come from ([`WHOLE`] for a table read whole).
    pub fn part(&self) -> u32 {
        self.part
    }

    /// Where row `i` sorts in the case.
    pub fn at(&self, i: usize) -> Seen {
        let rank = self
            .rank
            .get(self.file[i] as usize)
            .copied()
            .unwrap_or(u32::MAX);
        let item = self
            .item
            .as_ref()
            .and_then(|a| a.is_valid(i).then(|| a.value(i)));
        (rank, self.row[i], item, self.part, i as u32)
    }
}

/// The values of a text column over every part, coded in the order of their first
/// appearance in the case. Parts add their values as they come ([`Dict::add`], provisional
/// codes); [`Dict::finish`] orders them.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Dict {
    by_name: FxHashMap<String, u32>,
    names: Vec<String>,
    first: Vec<Seen>,
}

impl Dict {
    /// The values, in provisional code order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Adds the values of one part's column `c` (its rows placed by `keys`): the provisional
    /// code of each of `c`'s codes.
    pub fn add(&mut self, c: &Codes, keys: &RowKeys) -> Vec<u32> {
        c.names
            .iter()
            .zip(first_rows(c, keys))
            .map(|(name, f)| self.note(name, f.map_or(UNSEEN, |(s, _)| s)))
            .collect()
    }

    /// Adds the values of `c` where their order does not matter (see [`Dict::finish_sorted`]):
    /// the provisional code of each of `c`'s codes.
    pub fn add_unplaced(&mut self, c: &Codes) -> Vec<u32> {
        c.names.iter().map(|name| self.note(name, UNSEEN)).collect()
    }

    /// Notes that `name` appears at `s`: its provisional code.
    pub fn note(&mut self, name: &str, s: Seen) -> u32 {
        let code = match self.by_name.get(name) {
            Some(&c) => c,
            None => {
                let c = self.names.len() as u32;
                self.by_name.insert(name.to_string(), c);
                self.names.push(name.to_string());
                self.first.push(UNSEEN);
                c
            }
        };
        let f = &mut self.first[code as usize];
        if s < *f {
            *f = s;
        }
        code
    }

    /// Adds the values `o` holds (another part's, in its provisional codes): the code here of
    /// each of `o`'s.
    pub fn absorb(&mut self, o: &Dict) -> Vec<u32> {
        o.names
            .iter()
            .zip(&o.first)
            .map(|(n, &s)| self.note(n, s))
            .collect()
    }

    /// The values in order of first appearance, and the final code of each provisional one.
    pub fn finish(self) -> (Vec<String>, Vec<u32>) {
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_by_key(|&c| self.first[c as usize]);
        let mut to = vec![0u32; order.len()];
        for (fin, &prov) in order.iter().enumerate() {
            to[prov as usize] = fin as u32;
        }
        let mut names = self.names;
        let sorted = order
            .iter()
            .map(|&c| std::mem::take(&mut names[c as usize]))
            .collect();
        (sorted, to)
    }

    /// The values sorted by name, and the final code (position among them) of each
    /// provisional one.
    pub fn finish_sorted(self) -> (Vec<String>, Vec<u32>) {
        let mut sorted = self.names.clone();
        sorted.sort_unstable();
        let to = self
            .names
            .iter()
            .map(|n| sorted.binary_search(n).map_or(0, |i| i as u32))
            .collect();
        (sorted, to)
    }
}

/// Per value of an interned column, its least row as `keys` place them (`None` for a value
/// no row holds), in code order.
pub(crate) fn first_rows(c: &Codes, keys: &RowKeys) -> Vec<Option<(Seen, usize)>> {
    let mut first: Vec<Option<(Seen, usize)>> = vec![None; c.names.len()];
    for (i, &k) in c.codes.iter().enumerate() {
        if let Some(f) = first.get_mut(k as usize) {
            let s = keys.at(i);
            if f.is_none_or(|(t, _)| s < t) {
                *f = Some((s, i));
            }
        }
    }
    first
}

/// Maps codes through `to` (provisional to final), leaving [`NONE`] as it is.
pub(crate) fn recode(codes: &mut [u32], to: &[u32]) {
    for c in codes.iter_mut().filter(|c| **c != NONE) {
        *c = to[*c as usize];
    }
}

/// One slice of the numbers: those whose partition among `of` is `index`
/// ([`crate::partition::of`]); with `of` 1, every number.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slice {
    index: u32,
    of: u32,
}

impl Slice {
    /// Slice `index` of `of` (`of` 0 or 1: every number).
    pub fn new(index: u32, of: u32) -> Slice {
        Slice { index, of }
    }

    /// Which slice this is.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// How many slices the numbers are cut into.
    pub fn of(&self) -> u32 {
        self.of
    }

    /// Whether the slice holds number `n`.
    pub fn keeps(&self, n: u64) -> bool {
        self.of <= 1 || crate::partition::of(n, self.of) == self.index
    }

    /// Whether the slice is every number.
    pub fn is_whole(&self) -> bool {
        self.of <= 1
    }
}

/// Reads the parts of the store's tables.
pub(crate) struct PartReader<'a> {
    manifest: &'a Manifest,
    out: &'a Path,
    /// The ranks of the case's evidence files.
    pub ranks: FileRanks,
}

impl<'a> PartReader<'a> {
    /// The reader of the store in `out` that `manifest` records.
    pub fn new(manifest: &'a Manifest, out: &'a Path) -> PartReader<'a> {
        PartReader {
            manifest,
            out,
            ranks: FileRanks::of(manifest),
        }
    }

    /// How many parts the largest of `kinds` has.
    pub fn parts(&self, kinds: &[Kind]) -> u32 {
        kinds
            .iter()
            .map(|&k| ingest::table_parts(self.manifest, self.out, k).len() as u32)
            .max()
            .unwrap_or(0)
    }

    /// Part `p` of `kind`'s table, its text columns as dictionaries, only the columns `keep`
    /// names; `None` when the table has fewer parts.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when the part is missing, unreadable or not of the canonical
    /// schema, naming it.
    pub fn read(&self, kind: Kind, p: u32, keep: &[&str]) -> Result<Option<RecordBatch>> {
        let parts = ingest::table_parts(self.manifest, self.out, kind);
        let Some(path) = parts.get(p as usize) else {
            return Ok(None);
        };
        store::read_table_coded(path, &kind.schema(), Some(keep)).map(Some)
    }

    /// How many parts `kind`'s table has.
    pub fn parts_of(&self, kind: Kind) -> u32 {
        self.parts(&[kind])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(v: &[&str]) -> Codes {
        let mut c = Codes::default();
        for s in v {
            let k = match c.names.iter().position(|n| n == s) {
                Some(k) => k,
                None => {
                    c.names.push(s.to_string());
                    c.names.len() - 1
                }
            };
            c.codes.push(k as u32);
        }
        c
    }

    fn keys(rows: &[u64], part: u32) -> RowKeys {
        RowKeys {
            file: vec![0; rows.len()],
            rank: vec![0],
            row: rows.to_vec(),
            item: None,
            part,
        }
    }

    #[test]
    fn values_are_ordered_by_their_first_row_in_the_case_whatever_the_part() {
        let mut d = Dict::default();
        // Part 0 holds rows 5 and 9, part 1 rows 2 and 7.
        let a = d.add(&codes(&["x", "y"]), &keys(&[5, 9], 0));
        let b = d.add(&codes(&["y", "z"]), &keys(&[2, 7], 1));
        let (names, to) = d.finish();
        assert_eq!(names, ["y", "x", "z"]);
        assert_eq!(
            a.iter().map(|&c| to[c as usize]).collect::<Vec<_>>(),
            [1, 0]
        );
        assert_eq!(
            b.iter().map(|&c| to[c as usize]).collect::<Vec<_>>(),
            [0, 2]
        );
    }

    #[test]
    fn rows_that_tie_keep_the_order_of_parts_then_rows() {
        let mut d = Dict::default();
        d.add(&codes(&["b", "a"]), &keys(&[0, 0], 0));
        d.add(&codes(&["c"]), &keys(&[0], 1));
        assert_eq!(d.finish().0, ["b", "a", "c"]);
    }
}
