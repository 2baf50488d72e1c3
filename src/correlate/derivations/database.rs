//! The party database as the as-of test reads it ([`Database`]): each identified number's
//! history in time order, and the districts of numbers, gathered from the `identifications`
//! and `population` tables ([`DbGather`]: over the whole store for the codes and districts,
//! [`DbCatalog`]; over one part for its rows, placed by the catalog, [`DbParts`]).

use std::sync::Arc;

use arrow::array::RecordBatch;

use crate::correlate::cols::{self, Codes, NONE};
use crate::correlate::parts::{recode, Dict, Slice};
use crate::correlate::segments::{self, Col, Seg, Segments};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// The party database's identification history, and the districts of numbers.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Database {
    /// Distinct identified numbers, ascending.
    pub numbers: Vec<u64>,
    /// The rows of `numbers[i]` are `start[i]..start[i + 1]`, in time order.
    pub(super) start: Vec<usize>,
    /// UTC microseconds per row.
    pub(super) time: Vec<i64>,
    /// Code per row (into `codes`).
    pub(super) code: Vec<u32>,
    /// The codes, sorted.
    pub codes: Vec<String>,
    /// District per identified number (into `districts`; `districts.len()` for none).
    pub(super) district: Vec<u32>,
    /// The district names, sorted.
    pub districts: Vec<String>,
    /// Population numbers, ascending and distinct, with their district (the first row's).
    pop_numbers: Vec<u64>,
    pop_district: Vec<u32>,
}

impl Database {
    /// From whole `identifications` and `population` tables.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    #[cfg(test)]
    pub(crate) fn read(ident: &RecordBatch, population: &RecordBatch) -> Result<Database> {
        let mut g = DbGather::default();
        g.identifications(ident, 0)?;
        g.population(population, 0)?;
        let (_, cat) = g.finish();
        g.part(&cat, 1)?.slice(&cat, Slice::new(0, 1))
    }

    fn population_district(&self, n: u64) -> Option<u32> {
        let p = self.pop_numbers.binary_search(&n).ok()?;
        Some(self.pop_district[p]).filter(|&d| d != self.districts.len() as u32)
    }

    /// The district of any number (`districts.len()` for none).
    pub(super) fn district_of(&self, n: u64) -> u32 {
        match (self.population_district(n), self.numbers.binary_search(&n)) {
            (Some(d), _) => d,
            (None, Ok(i)) => self.district[i],
            (None, Err(_)) => self.districts.len() as u32,
        }
    }

    /// The code of identified number `i` as of `t` (its latest row at or before `t`), or as of
    /// the end of the history.
    pub(super) fn code_at(&self, i: usize, t: Option<i64>) -> Option<u32> {
        let rows = self.start[i]..self.start[i + 1];
        let j = match t {
            Some(t) => self.time[rows.clone()].partition_point(|&x| x <= t),
            None => rows.len(),
        };
        (j > 0).then(|| self.code[rows.start + j - 1])
    }

    /// Cells per list: districts (with the none slot) × codes.
    pub(super) fn cells(&self) -> (usize, usize) {
        (self.districts.len() + 1, self.codes.len())
    }

    /// The part of the database of the numbers `keep` holds (history and population rows), with
    /// the same codes and districts: one part of a partitioned store.
    pub fn part(&self, keep: impl Fn(u64) -> bool) -> Database {
        let mut db = Database {
            codes: self.codes.clone(),
            districts: self.districts.clone(),
            ..Database::default()
        };
        for (i, &n) in self.numbers.iter().enumerate().filter(|(_, &n)| keep(n)) {
            db.numbers.push(n);
            db.start.push(db.time.len());
            db.district.push(self.district[i]);
            let rows = self.start[i]..self.start[i + 1];
            db.time.extend_from_slice(&self.time[rows.clone()]);
            db.code.extend_from_slice(&self.code[rows]);
        }
        db.start.push(db.time.len());
        for (p, &n) in self
            .pop_numbers
            .iter()
            .enumerate()
            .filter(|(_, &n)| keep(n))
        {
            db.pop_numbers.push(n);
            db.pop_district.push(self.pop_district[p]);
        }
        db
    }
}

/// The database as the parts of the store add to it: its codes and districts, provisional
/// (in order of first addition; made the sorted names' positions at the end), and, when
/// reading a part to count it, the history's and the population's rows in segments. A part
/// holds every row of its numbers, in store order.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct DbGather {
    #[serde(skip)]
    segs: Option<Arc<Segments>>,
    codes: Dict,
    districts: Dict,
}

impl Default for DbGather {
    /// A gatherer that keeps the rows, in segments of its own.
    fn default() -> DbGather {
        DbGather::new(Segments::shared())
    }
}

/// `c`'s codes, in `dict`'s provisional codes.
fn provisional(dict: &mut Dict, c: Codes) -> Vec<u32> {
    let to = dict.add_unplaced(&c);
    let mut codes = c.codes;
    recode(&mut codes, &to);
    codes
}

/// The party database's codes and districts (the whole store's, sorted): what the gatherer
/// of one part places its rows by ([`DbGather::part`]).
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct DbCatalog {
    codes: Vec<String>,
    districts: Vec<String>,
}

impl DbGather {
    /// A gatherer keeping the rows in `segs`.
    pub fn new(segs: Arc<Segments>) -> DbGather {
        DbGather {
            segs: Some(segs),
            ..DbGather::names_only()
        }
    }

    /// A gatherer keeping the codes and districts only.
    pub fn names_only() -> DbGather {
        DbGather {
            segs: None,
            codes: Dict::default(),
            districts: Dict::default(),
        }
    }

    /// Adds rows of the `identifications` table, part `part` of it.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn identifications(&mut self, b: &RecordBatch, part: u32) -> Result<()> {
        let code = provisional(&mut self.codes, Codes::read(b, "code")?);
        let district = provisional(&mut self.districts, Codes::read(b, "district")?);
        let Some(segs) = &self.segs else {
            return Ok(());
        };
        let seg = segments::segment(vec![
            ("number", Col::U64(cols::u64_values(b, "number")?.to_vec())),
            (
                "time",
                Col::I64(cols::time_values(b, "identified")?.to_vec()),
            ),
            ("code", Col::U32(code)),
            ("district", Col::U32(district)),
        ])?;
        segs.put(part, Seg::History, seg)
    }

    /// Adds rows of the `population` table, part `part` of it.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn population(&mut self, b: &RecordBatch, part: u32) -> Result<()> {
        let district = provisional(&mut self.districts, Codes::read(b, "district")?);
        let Some(segs) = &self.segs else {
            return Ok(());
        };
        let seg = segments::segment(vec![
            ("number", Col::U64(cols::u64_values(b, "number")?.to_vec())),
            ("district", Col::U32(district)),
        ])?;
        segs.put(part, Seg::DbPopulation, seg)
    }

    /// Adds what `o` gathered from other parts (codes and districts only).
    pub fn absorb(&mut self, o: DbGather) {
        self.codes.absorb(&o.codes);
        self.districts.absorb(&o.districts);
    }

    /// The database's codes and districts (without rows), and the catalog that places a
    /// part's rows.
    pub fn finish(&self) -> (Database, DbCatalog) {
        let (codes, _) = self.codes.clone().finish_sorted();
        let (districts, _) = self.districts.clone().finish_sorted();
        let db = Database {
            codes: codes.clone(),
            districts: districts.clone(),
            ..Database::default()
        };
        (db, DbCatalog { codes, districts })
    }

    /// The rows this gatherer kept, their codes placed by `cat` (the whole store's): read them
    /// slice by slice ([`DbParts::slice`]); `parts` is how many parts the store has (0 when
    /// its tables differ).
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a code or district this gatherer saw is not in `cat` (the
    /// store changed between the reads), or when it kept no rows ([`DbGather::names_only`], a
    /// bug).
    pub fn part(&self, cat: &DbCatalog, parts: u32) -> Result<DbParts> {
        let Some(segs) = self.segs.clone() else {
            return Err(Error::store(
                "segments",
                "a gatherer of names holds no rows",
            ));
        };
        let to = |dict: &Dict, sorted: &[String]| -> Result<Vec<u32>> {
            dict.names()
                .iter()
                .map(|n| {
                    sorted.binary_search(n).map(|i| i as u32).map_err(|_| {
                        Error::store(
                            "store",
                            format!(
                                "party database value {n:?} is in a part counted but was not \
                                 in the store swept: the store changed while correlate read it"
                            ),
                        )
                    })
                })
                .collect()
        };
        Ok(DbParts {
            segs,
            parts,
            code_to: to(&self.codes, &cat.codes)?,
            district_to: to(&self.districts, &cat.districts)?,
        })
    }
}

/// The rows one gatherer kept, and the final codes of their provisional ones.
pub(crate) struct DbParts {
    segs: Arc<Segments>,
    parts: u32,
    code_to: Vec<u32>,
    district_to: Vec<u32>,
}

impl DbParts {
    /// The database of `cat` with the rows of the numbers of slice `s`: each number's history
    /// in time order (rows at one instant in store order); a population number's district is
    /// its first row's.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a segment lacks a column (a bug).
    pub fn slice(&self, cat: &DbCatalog, s: Slice) -> Result<Database> {
        let none = cat.districts.len() as u32;
        let d = |k: u32| {
            if k == NONE {
                none
            } else {
                self.district_to[k as usize]
            }
        };
        let (mut num, mut time, mut code, mut district) = (vec![], vec![], vec![], vec![]);
        for b in self.segs.slice(Seg::History, s, self.parts)? {
            num.extend_from_slice(segments::u64s(&b, "number")?);
            time.extend_from_slice(segments::i64s(&b, "time")?);
            code.extend_from_slice(segments::u32s(&b, "code")?);
            district.extend_from_slice(segments::u32s(&b, "district")?);
        }
        let (mut pop_num, mut pop_district) = (vec![], vec![]);
        for b in self.segs.slice(Seg::DbPopulation, s, self.parts)? {
            pop_num.extend_from_slice(segments::u64s(&b, "number")?);
            pop_district.extend_from_slice(segments::u32s(&b, "district")?);
        }
        let mut pop: Vec<usize> = (0..pop_num.len()).collect();
        pop.sort_by_key(|&i| pop_num[i]); // stable: the first row of a number comes first
        pop.dedup_by_key(|i| pop_num[*i]);
        let mut db = Database {
            codes: cat.codes.clone(),
            districts: cat.districts.clone(),
            pop_numbers: pop.iter().map(|&i| pop_num[i]).collect(),
            pop_district: pop.iter().map(|&i| d(pop_district[i])).collect(),
            ..Database::default()
        };
        let mut order: Vec<usize> = (0..num.len()).collect();
        order.sort_by_key(|&i| (num[i], time[i])); // stable: ties keep store order
        for (pos, &i) in order.iter().enumerate() {
            let di = d(district[i]);
            if db.numbers.last() != Some(&num[i]) {
                db.numbers.push(num[i]);
                db.start.push(pos);
                db.district.push(none);
            }
            if let (true, Some(last)) = (di != none, db.district.last_mut()) {
                *last = di;
            }
            db.time.push(time[i]);
            let c = code[i];
            db.code.push(if c == NONE {
                0
            } else {
                self.code_to[c as usize]
            });
        }
        db.start.push(order.len());
        for (i, &n) in db.numbers.iter().enumerate() {
            if let Some(d) = db.population_district(n) {
                db.district[i] = d;
            }
        }
        Ok(db)
    }
}
