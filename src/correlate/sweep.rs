//! The pass over the store's parts that gathers the lists and what is read with them: the
//! uploaded lists, downloads and population (with the geography and the party database's
//! history) are read one part at a time, each part's rows handed to every gatherer that reads
//! them and then dropped. What the analyses keep is compact (numbers, codes, counts), so the
//! tables are never whole in memory; the gatherers order what they keep by where it first
//! appears in the case ([`super::parts`]), so the result is the same for any part count.
//!
//! The vendor log's parts are handed over by the calls' first pass, which reads them
//! ([`super::callparts`]); the watch-lists, read whole for the subscriber facts, are handed
//! over whole.

use arrow::array::RecordBatch;

use super::chains::{Firsts, FirstsGather};
use super::derivations::{Database, DbGather, Times};
use super::input::Complainants;
use super::lists::{Gather, Lists};
use super::parts::{PartReader, RowKeys};
use super::registry::Registry;
use super::spread::{GeoGather, Geography};
use crate::error::Result;
use crate::model::Kind;

/// What the pass gathered.
pub(crate) struct Swept {
    /// Every list of the case.
    pub lists: Lists,
    /// Districts and attributes of numbers, and the accounts' scopes.
    pub geo: Geography,
    /// The party database's history.
    pub db: Database,
    /// The lists' and downloads' times.
    pub times: Times,
    /// The first rows of the uploads and downloads.
    pub firsts: Firsts,
}

/// Every gatherer of the pass.
#[derive(Default)]
struct Gatherers {
    lists: Gather,
    geo: GeoGather,
    db: DbGather,
    times: Times,
    firsts: FirstsGather,
}

/// The tables swept part by part, each with the columns it is read with.
const SWEPT: [(Kind, &[&str]); 4] = [
    (
        Kind::VendorList,
        &["number", "list", "account", "uploaded", "campaign"],
    ),
    (
        Kind::Downloads,
        &["number", "download", "account", "time", "scope"],
    ),
    (
        Kind::Population,
        &["number", "district", "age_band", "party"],
    ),
    (
        Kind::Identifications,
        &["number", "code", "identified", "district"],
    ),
];

/// The pass, as it goes: the watch-lists and the vendor log's parts handed over
/// ([`Sweep::watchlist`], [`Sweep::vendor_calls`]), then the parts read ([`Sweep::parts`]),
/// then what was gathered ([`Sweep::finish`]). The gatherers do not
/// depend on the order they are fed in.
#[derive(Default)]
pub(crate) struct Sweep(Gatherers);

impl Sweep {
    /// Hands over one part of the `vendor_calls` table, its rows placed by `keys` (the calls'
    /// passes read it: [`super::callparts`]).
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn vendor_calls(&mut self, b: &RecordBatch, keys: &RowKeys) -> Result<()> {
        let g = &mut self.0;
        g.lists.vendor_calls(b, keys)?;
        g.times.vendor_calls(b)
    }

    /// Hands over the whole `watchlist` table (the caller may then drop it).
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn watchlist(&mut self, watchlist: &RecordBatch) -> Result<()> {
        let keys = RowKeys::in_order(watchlist.num_rows());
        self.0.lists.watchlist(watchlist, &keys)
    }

    /// Reads `reader`'s store part by part: the vendor list, downloads, population and
    /// identifications, one table's part at a time, the next read while the last is gathered
    /// (so at most two are in memory).
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a part is missing, unreadable or not of its schema.
    pub fn parts(&mut self, reader: &PartReader<'_>) -> Result<()> {
        let kinds = SWEPT.map(|(k, _)| k);
        let steps: Vec<(u32, usize)> = (0..reader.parts(&kinds))
            .flat_map(|p| (0..SWEPT.len()).map(move |t| (p, t)))
            .collect();
        let read = |&(p, t): &(u32, usize)| -> Result<Option<Read>> {
            let (kind, cols) = SWEPT[t];
            let Some(b) = reader.read(kind, p, cols)? else {
                return Ok(None);
            };
            let keys = RowKeys::new(&b, &reader.ranks, p)?;
            Ok(Some(Read { t, b, keys }))
        };
        let mut next = match steps.first() {
            Some(s) => read(s)?,
            None => None,
        };
        for k in 0..steps.len() {
            let current = next.take();
            let (gathered, read_next) = rayon::join(
                || match &current {
                    Some(r) => self.0.table(r),
                    None => Ok(()),
                },
                || steps.get(k + 1).map(read).transpose(),
            );
            gathered?;
            next = read_next?.flatten();
        }
        Ok(())
    }

    /// What was gathered; `population` is the case's figure, `reg` the campaign registry.
    pub fn finish(self, comp: &Complainants, population: Option<u64>, reg: &Registry) -> Swept {
        let g = self.0;
        Swept {
            lists: g.lists.finish(population, reg),
            geo: g.geo.finish(comp),
            db: g.db.finish(),
            times: g.times,
            firsts: g.firsts.finish(),
        }
    }
}

/// One part of one swept table (`SWEPT[t]`), with the keys that place its rows in the case.
struct Read {
    t: usize,
    b: RecordBatch,
    keys: RowKeys,
}

impl Gatherers {
    /// Hands one part of a table to the gatherers that read it, side by side.
    fn table(&mut self, r: &Read) -> Result<()> {
        let Gatherers {
            lists,
            geo,
            db,
            times,
            firsts,
        } = self;
        let (b, k) = (&r.b, &r.keys);
        let (x, y) = match SWEPT[r.t].0 {
            Kind::VendorList => rayon::join(
                || lists.vendor_list(b, k),
                || firsts.vendor_list(b, k).and_then(|_| times.vendor_list(b)),
            ),
            Kind::Downloads => rayon::join(
                || lists.downloads(b, k).and_then(|_| geo.downloads(b)),
                || firsts.downloads(b, k).and_then(|_| times.downloads(b)),
            ),
            Kind::Population => rayon::join(
                || lists.population(b).and_then(|_| geo.population(b, k)),
                || db.population(b),
            ),
            _ => (db.identifications(b), Ok(())),
        };
        x.and(y)
    }
}
