//! The count phase of the list analyses, one slice of the numbers at a time: population
//! coverage, overlaps, enrichment, spread and the as-of test all count distinct numbers, so
//! their counts over any split of the numbers add. A slice is a part of the store: its vendor
//! log, uploads, downloads, population and party database are read (only the columns
//! counted), gathered by gatherers of their own ([`Gathered`]) and placed in the whole case's
//! lists, geography and database by the sweep's catalog ([`super::sweep::Catalog`]), counted,
//! and dropped before the next; the merged counts ([`ListCounts`]) go to the analyses' finish
//! phases. What is in memory is one part's numbers and the counts, whatever the size of the
//! case; the counts are those of the whole, whatever the number of parts.

use std::borrow::Cow;

use arrow::array::RecordBatch;

use super::derivations::{self, Database, DbGather};
use super::lists::{self, Coverage, Gather, Lists};
use super::overlaps::{self, EnrichmentCounts};
use super::parts::{RowKeys, Slice};
use super::segments::Segments;
use super::spread::{self, GeoGather, Geography, SpreadCounts, SpreadSet};
use super::sweep::Catalog;
use crate::error::Result;
use crate::join::Overlaps;
use crate::model::Kind;
use serde::{Deserialize, Serialize};

/// What the counts are taken of, besides the lists.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Wanted {
    /// Count overlaps and enrichment in the population only (`[analysis]
    /// restrict_to_population`).
    pub restrict: bool,
    /// The complainants' numbers (distinct, ascending).
    pub marked: Vec<u64>,
    /// The top originating numbers, each with the complainants it reached (for the spread).
    pub top: Vec<(u64, Vec<u64>)>,
    /// Each derived list's time (for the as-of test), in [`Lists::derived`] order.
    pub times: Vec<Option<i64>>,
}

/// The list analyses' counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ListCounts {
    /// Per list, its numbers in and out of the population (zeros unless restricted).
    pub coverage: Coverage,
    /// Uploads and campaigns against downloads and poll responses.
    pub overlaps: Overlaps,
    /// Every list against the complainants.
    pub enrichment: EnrichmentCounts,
    /// Campaigns, uploads, downloads and top numbers by district and attribute.
    pub spread: SpreadCounts,
    /// Derived lists against the party database as of their time.
    pub derivations: derivations::Counts,
}

impl ListCounts {
    /// The counts of two slices, added.
    pub fn merge(self, o: &ListCounts) -> ListCounts {
        ListCounts {
            coverage: self.coverage.merge(&o.coverage),
            overlaps: overlaps::merge(&self.overlaps, &o.overlaps),
            enrichment: self.enrichment.merge(&o.enrichment),
            spread: self.spread.merge(&o.spread),
            derivations: self.derivations.merge(&o.derivations),
        }
    }
}

/// The tables read to count a slice, each with the columns counted.
pub(crate) const COUNTED: [(Kind, &[&str]); 5] = [
    (Kind::VendorCalls, &["dialed", "campaign", "keypress"]),
    (Kind::VendorList, &["number", "list"]),
    (Kind::Downloads, &["number", "download"]),
    (
        Kind::Population,
        &["number", "district", "age_band", "party"],
    ),
    (
        Kind::Identifications,
        &["number", "code", "identified", "district"],
    ),
];

/// One slice's lists, geography and party database, their numbers only the slice's.
pub(crate) struct Gathered {
    /// The lists.
    pub lists: Lists,
    /// The population's districts and attributes, and the complainants' districts.
    pub geo: Geography,
    /// The party database's history and the population's districts.
    pub db: Database,
}

/// Slice `s`'s lists, geography and database from the batches `reads` gives (each a table of
/// [`COUNTED`] and the part it is of, read one at a time) and the whole `watchlist`, placed
/// by `cat`; `parts` is as [`super::sweep::slicing`] tells it.
///
/// # Errors
/// [`crate::Error::Store`] when a batch lacks a column counted or holds it in another type,
/// or holds a name the sweep did not see (the store changed between the reads).
pub(crate) fn gather_from(
    reads: impl Iterator<Item = Result<(Kind, u32, RecordBatch)>>,
    watchlist: &RecordBatch,
    cat: &Catalog,
    s: Slice,
    parts: u32,
) -> Result<Gathered> {
    let segs = Segments::shared();
    let (mut lists, mut geo, mut db) = (
        Gather::new(segs.clone()),
        GeoGather::new(segs.clone()),
        DbGather::new(segs),
    );
    for read in reads {
        let (kind, p, b) = read?;
        let keys = RowKeys::unplaced(b.num_rows(), p);
        match kind {
            Kind::VendorCalls => lists.vendor_calls(&b, &keys)?,
            Kind::VendorList => lists.vendor_list(&b, &keys)?,
            Kind::Downloads => lists.downloads(&b, &keys)?,
            Kind::Population => {
                let (x, y) = rayon::join(|| geo.population(&b, &keys), || db.population(&b, p));
                x.and(y)?;
            }
            Kind::Identifications => db.identifications(&b, p)?,
            _ => {}
        }
    }
    lists.watchlist(watchlist, &RowKeys::in_order(watchlist.num_rows()))?;
    let (l, (g, d)) = rayon::join(
        || lists.part(&cat.lists, parts)?.slice(&cat.lists, s),
        || {
            rayon::join(
                || geo.part(&cat.geo, parts)?.slice(&cat.geo, s),
                || db.part(&cat.db, parts)?.slice(&cat.db, s),
            )
        },
    );
    Ok(Gathered {
        lists: l?,
        geo: g?,
        db: d?,
    })
}

/// The counts of slice `s`, gathered.
pub(crate) fn count_slice(g: &Gathered, w: &Wanted, s: Slice) -> ListCounts {
    let (l, geo, db) = (&g.lists, &g.geo, &g.db);
    let marked: Vec<u64> = w.marked.iter().copied().filter(|&n| s.keeps(n)).collect();
    let (urn, marked, coverage): (Cow<'_, Lists>, Vec<u64>, Coverage) = match w.restrict {
        true => {
            let (inner, m, c) = lists::restrict(l, &marked, geo.population_numbers());
            (Cow::Owned(inner), m, c)
        }
        false => {
            let n = l.all().len();
            let none = Coverage {
                inside: vec![0; n],
                outside: vec![0; n],
                ..Coverage::default()
            };
            (Cow::Borrowed(l), marked, none)
        }
    };
    let top: Vec<(u64, Vec<u64>)> = w
        .top
        .iter()
        .map(|(n, r)| (*n, r.iter().copied().filter(|&c| s.keeps(c)).collect()))
        .collect();
    let ((ov, en), (sp, de)) = rayon::join(
        || {
            let (a, b) = (urn.derived(), urn.sources());
            (
                overlaps::count(&a, &b),
                overlaps::count_enrichment(&urn.all(), &marked),
            )
        },
        || {
            let sets: Vec<SpreadSet> = spread::sets(&l.campaigns, &l.uploads, &l.downloads, top);
            (
                spread::count(geo, &sets),
                derivations::count(db, &l.derived(), &w.times),
            )
        },
    );
    ListCounts {
        coverage,
        overlaps: ov,
        enrichment: en,
        spread: sp,
        derivations: de,
    }
}
