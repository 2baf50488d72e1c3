//! The pass over the store's parts that gathers the names of the lists and what is read with
//! them: the uploaded lists, downloads and population (with the geography and the party
//! database's history) are read one part at a time, each part's rows handed to every gatherer
//! that reads them and then dropped. The gatherers keep the names, codes and first
//! appearances (ordering by where each first appears in the case, [`super::parts`], so the
//! result is the same for any part count), and nothing per number: the list analyses read
//! the numbers again one part at a time, placed by what this pass gathered ([`Catalog`],
//! [`super::slices`]).
//!
//! The vendor log's parts are handed over by the calls' first pass, which reads them
//! ([`super::callparts`]); the watch-lists, read whole for the subscriber facts, are handed
//! over whole. Each part is gathered on its own and added to the others ([`Names::absorb`]),
//! so that the parts can be read anywhere, in any order.

use arrow::array::RecordBatch;
use serde::{Deserialize, Serialize};

use super::chains::{Firsts, FirstsGather};
use super::derivations::{Database, DbCatalog, DbGather, Times};
use super::input::Complainants;
use super::lists::{Gather, ListCatalog, Lists};
use super::parts::{PartReader, RowKeys};
use super::registry::Registry;
use super::spread::{GeoCatalog, GeoGather, Geography};
use crate::error::Result;
use crate::model::Kind;

/// What the pass gathered.
pub(crate) struct Swept {
    /// Every list of the case (names, kinds, owners; the numbers are read slice by slice:
    /// [`super::slices`]).
    pub lists: Lists,
    /// The district names and attribute values, and the accounts' scopes.
    pub geo: Geography,
    /// The party database's codes and districts.
    pub db: Database,
    /// The lists' and downloads' times.
    pub times: Times,
    /// The first rows of the uploads and downloads.
    pub firsts: Firsts,
    /// Where each list, district, attribute value and code sits, by name.
    pub catalog: Catalog,
}

/// What places the numbers of one part, read to be counted, in the whole case's lists,
/// geography and database: where each set, district, attribute value and code sits, by name.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Catalog {
    /// The lists.
    pub lists: ListCatalog,
    /// The districts and attribute values, and the complainants' districts.
    pub geo: GeoCatalog,
    /// The party database's codes and districts.
    pub db: DbCatalog,
}

/// The tables swept part by part, each with the columns it is read with.
pub(crate) const SWEPT: [(Kind, &[&str]); 4] = [
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

/// What the pass gathers, over the parts added so far: the names, codes and first
/// appearances of every gatherer. The parts add in any order ([`Names::absorb`]).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Names {
    lists: Gather,
    geo: GeoGather,
    db: DbGather,
    times: Times,
    firsts: FirstsGather,
}

impl Default for Names {
    fn default() -> Names {
        Names {
            lists: Gather::names_only(),
            geo: GeoGather::names_only(),
            db: DbGather::names_only(),
            times: Times::default(),
            firsts: FirstsGather::default(),
        }
    }
}

/// How many slices the list analyses count in (the most parts a table has), and how many
/// parts the swept tables have (0 when they differ: each slice is then cut from every part).
pub(crate) fn slicing(reader: &PartReader<'_>) -> (u32, u32) {
    let counts: Vec<u32> = SWEPT
        .iter()
        .map(|(k, _)| *k)
        .chain([Kind::VendorCalls])
        .map(|k| reader.parts_of(k))
        .filter(|&n| n > 0)
        .collect();
    let most = counts.iter().copied().max().unwrap_or(1);
    let parts = match counts.iter().all(|&n| n == most) {
        true => most,
        false => 0,
    };
    (most.max(1), parts)
}

impl Names {
    /// Adds one part of the `vendor_calls` table, its rows placed by `keys`.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn vendor_calls(&mut self, b: &RecordBatch, keys: &RowKeys) -> Result<()> {
        self.lists.vendor_calls(b, keys)?;
        self.times.vendor_calls(b)
    }

    /// Adds the whole `watchlist` table.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn watchlist(&mut self, watchlist: &RecordBatch) -> Result<()> {
        let keys = RowKeys::in_order(watchlist.num_rows());
        self.lists.watchlist(watchlist, &keys)
    }

    /// Adds one part of a swept table (one of [`SWEPT`], read with its columns), its rows
    /// placed by `k`; the gatherers that read it run side by side.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn table(&mut self, kind: Kind, b: &RecordBatch, k: &RowKeys) -> Result<()> {
        let Names {
            lists,
            geo,
            db,
            times,
            firsts,
        } = self;
        let (x, y) = match kind {
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

    /// Adds what `o` gathered from other parts.
    pub fn absorb(&mut self, o: Names) {
        self.lists.absorb(o.lists);
        self.geo.absorb(o.geo);
        self.db.absorb(o.db);
        self.times.absorb(o.times);
        self.firsts.absorb(o.firsts);
    }

    /// What was gathered, every part added; `population` is the case's figure, `reg` the
    /// campaign registry.
    pub fn finish(self, comp: &Complainants, population: Option<u64>, reg: &Registry) -> Swept {
        let (lists, lc) = self.lists.finish(population, reg);
        let (geo, gc) = self.geo.finish(comp);
        let (db, dc) = self.db.finish();
        Swept {
            lists,
            geo,
            db,
            times: self.times,
            firsts: self.firsts.finish(),
            catalog: Catalog {
                lists: lc,
                geo: gc,
                db: dc,
            },
        }
    }
}
