//! The pass over the store's parts that gathers the lists and what is read with them: the
//! uploaded lists, downloads and population (with the geography and the party database's
//! history) are read one part at a time, each part's rows handed to every gatherer that reads
//! them and then dropped. The gatherers keep the names, codes and first appearances in memory
//! (ordering by where each first appears in the case, [`super::parts`], so the result is the
//! same for any part count) and spill the per-number rows part by part ([`Spill`]); the list
//! analyses read those back one slice at a time ([`SweptParts`], [`super::slices`]).
//!
//! The vendor log's parts are handed over by the calls' first pass, which reads them
//! ([`super::callparts`]); the watch-lists, read whole for the subscriber facts, are handed
//! over whole.

use std::sync::Arc;

use arrow::array::RecordBatch;

use super::chains::{Firsts, FirstsGather};
use super::derivations::{Database, DbGather, DbParts, Times};
use super::input::Complainants;
use super::lists::{Gather, ListParts, Lists};
use super::parts::{PartReader, RowKeys};
use super::registry::Registry;
use super::spill::Spill;
use super::spread::{GeoGather, GeoParts, Geography};
use crate::error::Result;
use crate::model::Kind;

/// What the pass gathered.
pub(crate) struct Swept {
    /// Every list of the case (names, kinds, owners; the numbers are in [`Swept::parts`]).
    pub lists: Lists,
    /// The district names and attribute values, and the accounts' scopes.
    pub geo: Geography,
    /// The party database's codes and districts.
    pub db: Database,
    /// The lists' and downloads' times.
    pub times: Times,
    /// The first rows of the uploads and downloads.
    pub firsts: Firsts,
    /// The per-number rows of the lists, geography and database, slice by slice.
    pub parts: SweptParts,
    /// How many slices to count them in: the store's parts.
    pub slices: u32,
}

/// Where the lists', geography's and database's rows are read back, one slice of the numbers
/// at a time.
pub(crate) struct SweptParts {
    /// The lists' numbers.
    pub lists: ListParts,
    /// The population's districts and attributes, and the complainants' districts.
    pub geo: GeoParts,
    /// The party database's history and the population's districts.
    pub db: DbParts,
}

/// Every gatherer of the pass.
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
pub(crate) struct Sweep {
    g: Gatherers,
    /// How many parts the store's tables have (0 when they differ: the slices are then cut
    /// from every part).
    parts: u32,
    /// The most parts a table has.
    most: u32,
}

impl Sweep {
    /// A pass spilling what it gathers to `spill`; `reader` tells the store's parts.
    pub fn new(spill: Arc<Spill>, reader: &PartReader<'_>) -> Sweep {
        let counts: Vec<u32> = SWEPT
            .iter()
            .map(|(k, _)| *k)
            .chain([Kind::VendorCalls])
            .map(|k| reader.parts(&[k]))
            .filter(|&n| n > 0)
            .collect();
        let most = counts.iter().copied().max().unwrap_or(1);
        Sweep {
            g: Gatherers {
                lists: Gather::new(spill.clone()),
                geo: GeoGather::new(spill.clone()),
                db: DbGather::new(spill),
                times: Times::default(),
                firsts: FirstsGather::default(),
            },
            parts: if counts.iter().all(|&n| n == most) {
                most
            } else {
                0
            },
            most,
        }
    }

    /// Hands over one part of the `vendor_calls` table, its rows placed by `keys` (the calls'
    /// passes read it: [`super::callparts`]).
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn vendor_calls(&mut self, b: &RecordBatch, keys: &RowKeys) -> Result<()> {
        let g = &mut self.g;
        g.lists.vendor_calls(b, keys)?;
        g.times.vendor_calls(b)
    }

    /// Hands over the whole `watchlist` table (the caller may then drop it).
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn watchlist(&mut self, watchlist: &RecordBatch) -> Result<()> {
        let keys = RowKeys::in_order(watchlist.num_rows());
        self.g.lists.watchlist(watchlist, &keys)
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
                    Some(r) => self.g.table(r),
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
        let (g, parts) = (self.g, self.parts);
        let (lists, lp) = g.lists.finish(population, reg, parts);
        let (geo, gp) = g.geo.finish(comp, parts);
        let (db, dp) = g.db.finish(parts);
        Swept {
            lists,
            geo,
            db,
            times: g.times,
            firsts: g.firsts.finish(),
            parts: SweptParts {
                lists: lp,
                geo: gp,
                db: dp,
            },
            slices: self.most.max(1),
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
                || db.population(b, k.part()),
            ),
            _ => (db.identifications(b, k.part()), Ok(())),
        };
        x.and(y)
    }
}
