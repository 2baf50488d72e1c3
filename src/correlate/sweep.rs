//! The pass over the store's parts that gathers the lists and what is read with them: the
//! uploaded lists, downloads and population (with the geography and the party database's
//! history) are read one part at a time, each part's rows handed to every gatherer that reads
//! them and then dropped. What the analyses keep is compact (numbers, codes, counts), so the
//! tables are never whole in memory; the gatherers order what they keep by where it first
//! appears in the case ([`super::parts`]), so the result is the same for any part count.
//!
//! The vendor log and the watch-lists are read whole by the analyses that match calls to them
//! (attribution, spoofing, subscriber facts); they are handed to the gatherers whole, first, so
//! that the vendor log's table can be dropped before the parts are read.

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

/// The columns each swept table is read with.
const VENDOR_LIST: [&str; 5] = ["number", "list", "account", "uploaded", "campaign"];
const DOWNLOADS: [&str; 5] = ["number", "download", "account", "time", "scope"];
const POPULATION: [&str; 4] = ["number", "district", "age_band", "party"];
const IDENTIFICATIONS: [&str; 4] = ["number", "code", "identified", "district"];

/// The pass, as it goes: the whole tables handed over first ([`Sweep::whole`]), then the parts
/// read ([`Sweep::parts`]), then what was gathered ([`Sweep::finish`]). The gatherers do not
/// depend on the order they are fed in.
#[derive(Default)]
pub(crate) struct Sweep(Gatherers);

impl Sweep {
    /// Hands over the whole `vendor_calls` and `watchlist` tables (the caller may then drop
    /// them).
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn whole(&mut self, vendor_calls: &RecordBatch, watchlist: &RecordBatch) -> Result<()> {
        let g = &mut self.0;
        let whole = |b: &RecordBatch| RowKeys::in_order(b.num_rows());
        g.lists.vendor_calls(vendor_calls, &whole(vendor_calls))?;
        g.times.vendor_calls(vendor_calls)?;
        g.lists.watchlist(watchlist, &whole(watchlist))
    }

    /// Reads `reader`'s store part by part: the vendor list, downloads, population and
    /// identifications.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a part is missing, unreadable or not of its schema.
    pub fn parts(&mut self, reader: &PartReader<'_>) -> Result<()> {
        let kinds = [
            Kind::VendorList,
            Kind::Downloads,
            Kind::Population,
            Kind::Identifications,
        ];
        for p in 0..reader.parts(&kinds) {
            let read = |k: Kind, cols: &[&str]| reader.read(k, p, cols);
            let ((vl, dl), (pop, ident)) = rayon::join(
                || {
                    rayon::join(
                        || read(Kind::VendorList, &VENDOR_LIST),
                        || read(Kind::Downloads, &DOWNLOADS),
                    )
                },
                || {
                    rayon::join(
                        || read(Kind::Population, &POPULATION),
                        || read(Kind::Identifications, &IDENTIFICATIONS),
                    )
                },
            );
            let part = Part::new(p, reader, [vl?, dl?, pop?, ident?])?;
            self.0.part(&part)?;
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

/// One part of the swept tables, each with the keys that place its rows in the case.
struct Part {
    vl: Option<(RecordBatch, RowKeys)>,
    dl: Option<(RecordBatch, RowKeys)>,
    pop: Option<(RecordBatch, RowKeys)>,
    ident: Option<RecordBatch>,
}

impl Part {
    /// Places the rows of part `p`'s tables.
    fn new(
        p: u32,
        reader: &PartReader<'_>,
        [vl, dl, pop, ident]: [Option<RecordBatch>; 4],
    ) -> Result<Part> {
        let keyed = |b: Option<RecordBatch>| -> Result<Option<(RecordBatch, RowKeys)>> {
            b.map(|b| RowKeys::new(&b, &reader.ranks, p).map(|k| (b, k)))
                .transpose()
        };
        Ok(Part {
            vl: keyed(vl)?,
            dl: keyed(dl)?,
            pop: keyed(pop)?,
            ident,
        })
    }
}

impl Gatherers {
    /// Hands a part's tables to the gatherers that read them, the gatherers side by side.
    fn part(&mut self, part: &Part) -> Result<()> {
        let Gatherers {
            lists,
            geo,
            db,
            times,
            firsts,
        } = self;
        let (vl, dl, pop) = (part.vl.as_ref(), part.dl.as_ref(), part.pop.as_ref());
        let ((a, b), (c, d)) = rayon::join(
            || {
                rayon::join(
                    || -> Result<()> {
                        if let Some((b, k)) = vl {
                            lists.vendor_list(b, k)?;
                        }
                        if let Some((b, k)) = dl {
                            lists.downloads(b, k)?;
                        }
                        match pop {
                            Some((b, _)) => lists.population(b),
                            None => Ok(()),
                        }
                    },
                    || -> Result<()> {
                        if let Some((b, k)) = vl {
                            firsts.vendor_list(b, k)?;
                            times.vendor_list(b)?;
                        }
                        if let Some((b, k)) = dl {
                            firsts.downloads(b, k)?;
                            times.downloads(b)?;
                        }
                        Ok(())
                    },
                )
            },
            || {
                rayon::join(
                    || -> Result<()> {
                        if let Some((b, _)) = dl {
                            geo.downloads(b)?;
                        }
                        match pop {
                            Some((b, k)) => geo.population(b, k),
                            None => Ok(()),
                        }
                    },
                    || -> Result<()> {
                        if let Some((b, _)) = pop {
                            db.population(b)?;
                        }
                        match &part.ident {
                            Some(b) => db.identifications(b),
                            None => Ok(()),
                        }
                    },
                )
            },
        );
        a.and(b).and(c).and(d)
    }
}
