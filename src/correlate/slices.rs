//! The count phase of the list analyses, one slice of the numbers at a time: population
//! coverage, overlaps, enrichment, spread and the as-of test all count distinct numbers, so
//! their counts over any split of the numbers add. Each slice's lists, geography and party
//! database come back from the sweep's spill ([`super::sweep::SweptParts`]), are counted, and
//! are dropped before the next; the merged counts ([`ListCounts`]) go to the analyses' finish
//! phases. What is in memory is one slice's numbers and the counts, whatever the size of the
//! case; the counts are those of the whole, whatever the number of slices.

use std::borrow::Cow;

use super::derivations;
use super::lists::{self, Coverage, Lists};
use super::overlaps::{self, EnrichmentCounts};
use super::parts::Slice;
use super::spread::{self, SpreadCounts, SpreadSet};
use super::sweep::SweptParts;
use crate::error::Result;
use crate::join::Overlaps;

/// What the counts are taken of, besides the lists.
pub(crate) struct Wanted<'a> {
    /// Count overlaps and enrichment in the population only (`[analysis]
    /// restrict_to_population`).
    pub restrict: bool,
    /// The complainants' numbers (distinct, ascending).
    pub marked: &'a [u64],
    /// The top originating numbers, each with the complainants it reached (for the spread).
    pub top: &'a [(u64, Vec<u64>)],
    /// Each derived list's time (for the as-of test), in [`Lists::derived`] order.
    pub times: &'a [Option<i64>],
}

/// The list analyses' counts.
#[derive(Clone, Debug, PartialEq, Eq)]
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

/// The counts of every slice of `slices`, merged.
///
/// # Errors
/// [`crate::Error::Io`] or [`crate::Error::Store`] when a spilled segment cannot be read.
pub(crate) fn count(parts: &SweptParts, w: &Wanted<'_>, slices: u32) -> Result<ListCounts> {
    let of = slices.max(1);
    let mut acc = count_slice(parts, w, Slice::new(0, of))?;
    for index in 1..of {
        acc = acc.merge(&count_slice(parts, w, Slice::new(index, of))?);
    }
    Ok(acc)
}

/// The counts of slice `s`.
fn count_slice(parts: &SweptParts, w: &Wanted<'_>, s: Slice) -> Result<ListCounts> {
    let (l, (geo, db)) = rayon::join(
        || parts.lists.slice(s),
        || rayon::join(|| parts.geo.slice(s), || parts.db.slice(s)),
    );
    let (l, geo, db) = (l?, geo?, db?);
    let marked: Vec<u64> = w.marked.iter().copied().filter(|&n| s.keeps(n)).collect();
    let (urn, marked, coverage): (Cow<'_, Lists>, Vec<u64>, Coverage) = match w.restrict {
        true => {
            let (inner, m, c) = lists::restrict(&l, &marked, geo.population_numbers());
            (Cow::Owned(inner), m, c)
        }
        false => {
            let n = l.all().len();
            let none = Coverage {
                inside: vec![0; n],
                outside: vec![0; n],
                ..Coverage::default()
            };
            (Cow::Borrowed(&l), marked, none)
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
                spread::count(&geo, &sets),
                derivations::count(&db, &l.derived(), w.times),
            )
        },
    );
    Ok(ListCounts {
        coverage,
        overlaps: ov,
        enrichment: en,
        spread: sp,
        derivations: de,
    })
}
