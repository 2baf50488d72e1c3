//! What the analyses read: the case store's tables (each checked against its canonical schema
//! as it is read), the complainants, and a typed view of the calls table's columns.
//!
//! Words used by every analysis:
//! - **received call**: a call to a complainant whose records are in the production orders,
//!   inside the orders window ([`super::calls`]);
//! - **originating number**: the caller ID of a received call, when it is a valid number;
//! - **row**: an index into the calls table as read here (the evidence file and line are the
//!   table's `source_file`/`source_row` at that index).

use std::path::Path;

use arrow::array::{Array, AsArray, RecordBatch, StringArray, UInt64Array};
use rustc_hash::FxHashMap as HashMap;

use super::cols::{self, bools, u64s_dense, Codes};
use crate::error::{Error, Result};
use crate::ingest;
use crate::manifest::Manifest;
use crate::model::Kind;
use crate::normalize::phone::format_e164;
use serde::{Deserialize, Serialize};

/// Tables read whole from the case store and kept (the calls and the vendor log are read part
/// by part: [`super::callparts`]; the lists, downloads, population and party database too:
/// [`super::sweep`]; the complainants and subscribers are read into [`Complainants`] and
/// [`super::facts::Facts`], for the columns those read, and not kept).
pub(crate) struct Store {
    pub campaigns: RecordBatch,
    pub watchlist: RecordBatch,
    pub numbering_plan: RecordBatch,
}

impl Store {
    /// Reads the kept tables of the store in `out`, each from the parts `manifest` lists.
    ///
    /// # Errors
    /// [`Error::Store`] when a table is missing, unreadable, or not of its canonical schema (a
    /// column missing, of another type, or with nulls where none may be), naming the file and
    /// the column; so the typed views of [`cols`] never meet a column they do not expect.
    pub fn read(manifest: &Manifest, out: &Path) -> Result<Store> {
        let t = |k: Kind| ingest::read_table_coded(manifest, out, k, None);
        Ok(Store {
            campaigns: t(Kind::Campaigns)?,
            watchlist: t(Kind::Watchlist)?,
            numbering_plan: t(Kind::NumberingPlan)?,
        })
    }
}

/// The columns of the complainants table that [`Complainants::read`] reads.
pub(crate) const COMPLAINANT_COLUMNS: [&str; 4] =
    ["number", "complainant", "in_orders", "district"];

/// Complainants: identities, numbers, districts.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Complainants {
    /// Dense complainant id per number of a complainant whose records are in the orders.
    pub by_number: HashMap<u64, u32>,
    /// The district names, sorted, so that sorted codes are sorted names.
    pub district_names: Vec<String>,
    /// Code (into `district_names`) per complainant number with a district (any complainant;
    /// the first row's).
    pub district_code: HashMap<u64, u32>,
    /// Distinct numbers of all complainants, sorted.
    pub numbers: Vec<u64>,
    /// Each complainant's id in the complainants table, by its dense id; `None` for one the
    /// table names by its number only.
    pub names: Vec<Option<String>>,
    /// Complainants whose records are in the orders.
    pub in_orders: u64,
    /// Complainants whose records are not (late complainants).
    pub late: u64,
}

impl Complainants {
    /// The district of complainant number `n`, if it has one.
    pub fn district(&self, n: u64) -> Option<&str> {
        self.district_code
            .get(&n)
            .and_then(|&c| self.district_names.get(c as usize))
            .map(String::as_str)
    }

    /// From the complainants table. A complainant is its id, or its number where the id is
    /// missing; it is in the orders if any of its rows says so, and then each of its numbers
    /// so marked maps to it.
    ///
    /// # Errors
    /// [`Error::Store`] when a column is missing or of another type.
    pub fn read(b: &RecordBatch) -> Result<Complainants> {
        let num = u64s_dense(b, "number")?;
        let ids = Codes::read(b, "complainant")?;
        let in_orders = bools(b, "in_orders")?;
        let dist = Codes::read(b, "district")?;
        let mut key_of: HashMap<String, u32> = HashMap::default();
        let mut keys = Vec::with_capacity(num.len());
        let mut names: Vec<Option<String>> = Vec::new();
        for (i, n) in num.iter().enumerate() {
            let k = match ids.get(i) {
                Some(id) => id.to_string(),
                None => format!("#{n}"),
            };
            let next = key_of.len() as u32;
            let key = *key_of.entry(k).or_insert(next);
            if key == next {
                names.push(None);
            }
            if let Some(id) = ids.get(i) {
                names[key as usize] = Some(id.to_string());
            }
            keys.push(key);
        }
        let mut ordered = vec![false; key_of.len()];
        for i in 0..num.len() {
            if in_orders[i] == Some(true) {
                ordered[keys[i] as usize] = true;
            }
        }
        let mut by_number = HashMap::default();
        // The first row's district of each number, as its code in the column.
        let mut first: HashMap<u64, u32> = HashMap::default();
        for i in 0..num.len() {
            if ordered[keys[i] as usize] && in_orders[i] == Some(true) {
                by_number.entry(num[i]).or_insert(keys[i]);
            }
            if dist.get(i).is_some() {
                first.entry(num[i]).or_insert(dist.codes[i]);
            }
        }
        // The names the numbers use, sorted; each column code's place among them.
        let mut used = vec![false; dist.len()];
        for &c in first.values() {
            used[c as usize] = true;
        }
        // The column's values are distinct (`Codes`), so these are too.
        let mut district_names: Vec<String> = (0..dist.len())
            .filter(|&c| used[c])
            .map(|c| dist.names[c].clone())
            .collect();
        district_names.sort_unstable();
        let place: Vec<u32> = dist
            .names
            .iter()
            .map(|d| district_names.binary_search(d).unwrap_or(0) as u32)
            .collect();
        let district_code = first
            .into_iter()
            .map(|(n, c)| (n, place[c as usize]))
            .collect();
        let mut numbers = num;
        numbers.sort_unstable();
        numbers.dedup();
        let in_count = ordered.iter().filter(|&&o| o).count() as u64;
        Ok(Complainants {
            names,
            by_number,
            district_names,
            district_code,
            numbers,
            in_orders: in_count,
            late: ordered.len() as u64 - in_count,
        })
    }
}

/// The calls table's columns, typed. The big columns are used in place (no copies): `called`,
/// `start` and `source_row` have no nulls in a case store; `calling` is null where the caller
/// ID was blocked or invalid.
pub(crate) struct Calls<'a> {
    /// The complainant's number.
    pub called: &'a [u64],
    calling: &'a UInt64Array,
    /// `ok`, `blocked` or `invalid`.
    pub status: Codes,
    /// The carrier that produced the record.
    pub carrier: Codes,
    /// The evidence file.
    pub file: Codes,
    /// UTC microseconds.
    pub start: &'a [i64],
    /// The evidence line or row.
    pub row: &'a [u64],
    calling_raw: &'a StringArray,
}

impl<'a> Calls<'a> {
    /// The view of a calls table (the three text columns interned side by side).
    ///
    /// # Errors
    /// [`Error::Store`] when a column is missing or of another type.
    pub fn new(b: &'a RecordBatch) -> Result<Calls<'a>> {
        let (status, (carrier, file)) = rayon::join(
            || Codes::read(b, "calling_status"),
            || {
                rayon::join(
                    || Codes::read(b, "carrier"),
                    || Codes::read(b, "source_file"),
                )
            },
        );
        let calling_raw = b
            .column_by_name("calling_raw")
            .ok_or_else(|| Error::store("calling_raw", "missing column in the calls table"))?
            .as_string_opt::<i32>()
            .ok_or_else(|| Error::store("calling_raw", "not a text column in the calls table"))?;
        Ok(Calls {
            called: cols::u64_values(b, "called")?,
            calling: cols::u64_array(b, "calling")?,
            status: status?,
            carrier: carrier?,
            file: file?,
            start: cols::time_values(b, "start")?,
            row: cols::u64_values(b, "source_row")?,
            calling_raw,
        })
    }

    /// How many calls.
    pub fn len(&self) -> usize {
        self.called.len()
    }

    /// The originating number of call `i`, where the caller ID is a valid number.
    pub fn calling(&self, i: usize) -> Option<u64> {
        self.calling.is_valid(i).then(|| self.calling.value(i))
    }

    /// The caller ID as the carrier showed it: the number in E.164, else the raw text.
    pub fn seen(&self, i: usize) -> Option<String> {
        match self.calling(i) {
            Some(n) => Some(format_e164(n)),
            None => self
                .calling_raw
                .is_valid(i)
                .then(|| self.calling_raw.value(i).to_string()),
        }
    }
}
