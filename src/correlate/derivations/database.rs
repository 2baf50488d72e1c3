//! The party database as the as-of test reads it ([`Database`]): each identified number's
//! history in time order, and the districts of numbers, gathered from the `identifications`
//! and `population` tables part by part or whole ([`DbGather`]).

use arrow::array::RecordBatch;

use crate::correlate::cols::{self, u64s_dense, Codes, NONE};
use crate::correlate::parts::{recode, Dict};
use crate::error::Result;

/// The party database's identification history, and the districts of numbers.
#[derive(Clone, Debug, Default)]
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
        g.identifications(ident)?;
        g.population(population)?;
        Ok(g.finish())
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

/// The database as the parts of the store add to it: the history's and the population's
/// rows, their codes and districts provisional (in order of first addition), made the sorted
/// names' positions at the end. A part holds every row of its numbers, in store order.
#[derive(Default)]
pub(crate) struct DbGather {
    num: Vec<u64>,
    time: Vec<i64>,
    code: Vec<u32>,
    district: Vec<u32>,
    pop_num: Vec<u64>,
    pop_district: Vec<u32>,
    codes: Dict,
    districts: Dict,
}

/// `c`'s codes, in `dict`'s provisional codes.
fn provisional(dict: &mut Dict, c: Codes) -> Vec<u32> {
    let to = dict.add_unplaced(&c);
    let mut codes = c.codes;
    recode(&mut codes, &to);
    codes
}

impl DbGather {
    /// Adds rows of the `identifications` table.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn identifications(&mut self, b: &RecordBatch) -> Result<()> {
        self.num.extend_from_slice(cols::u64_values(b, "number")?);
        self.time
            .extend_from_slice(cols::time_values(b, "identified")?);
        let code = Codes::read(b, "code")?;
        self.code.extend(provisional(&mut self.codes, code));
        let d = Codes::read(b, "district")?;
        self.district.extend(provisional(&mut self.districts, d));
        Ok(())
    }

    /// Adds rows of the `population` table.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn population(&mut self, b: &RecordBatch) -> Result<()> {
        self.pop_num.extend(u64s_dense(b, "number")?);
        let d = Codes::read(b, "district")?;
        self.pop_district
            .extend(provisional(&mut self.districts, d));
        Ok(())
    }

    /// The database: codes and districts sorted by name; each number's history in time
    /// order (rows at one instant in store order); a population number's district is its
    /// first row's.
    pub fn finish(self) -> Database {
        let (codes, code_to) = self.codes.finish_sorted();
        let (districts, district_to) = self.districts.finish_sorted();
        let none = districts.len() as u32;
        let d = |k: u32| {
            if k == NONE {
                none
            } else {
                district_to[k as usize]
            }
        };
        let (num, time) = (&self.num, &self.time);
        let mut pop: Vec<usize> = (0..self.pop_num.len()).collect();
        pop.sort_by_key(|&i| self.pop_num[i]); // stable: the first row of a number comes first
        pop.dedup_by_key(|i| self.pop_num[*i]);
        let mut db = Database {
            codes,
            districts,
            pop_numbers: pop.iter().map(|&i| self.pop_num[i]).collect(),
            pop_district: pop.iter().map(|&i| d(self.pop_district[i])).collect(),
            ..Database::default()
        };
        let mut order: Vec<usize> = (0..num.len()).collect();
        order.sort_by_key(|&i| (num[i], time[i])); // stable: ties keep store order
        for (pos, &i) in order.iter().enumerate() {
            let di = d(self.district[i]);
            if db.numbers.last() != Some(&num[i]) {
                db.numbers.push(num[i]);
                db.start.push(pos);
                db.district.push(none);
            }
            if let (true, Some(last)) = (di != none, db.district.last_mut()) {
                *last = di;
            }
            db.time.push(time[i]);
            let c = self.code[i];
            db.code
                .push(if c == NONE { 0 } else { code_to[c as usize] });
        }
        db.start.push(order.len());
        for (i, &n) in db.numbers.iter().enumerate() {
            if let Some(d) = db.population_district(n) {
                db.district[i] = d;
            }
        }
        db
    }
}
