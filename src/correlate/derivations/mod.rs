//! Analysis 7, the as-of test: does an uploaded list, or a campaign's dialed list, match a
//! segment of the party database *as the database stood on the list's date*, and which source
//! (segment or download) explains it best (`results/derivations`).
//!
//! The party database is the `identifications` input: one row per identification event. A
//! number's code as of a time `t` is the code of its latest row at or before `t` (rows of one
//! number at one instant: the later row of the store wins). A list's time is the earliest
//! `uploaded` of an upload's rows; for a campaign, that of the upload merged into it, else its
//! first dial in the vendor log. A list without a time gets no segment rows.
//!
//! A number's district is the one the `population` input gives it, else the one its latest
//! identification row naming a district gives, else none (a district slot of its own). A
//! list's districts are those of its numbers. Within them, as of the list's time: N numbers
//! identified, K of them in segment S, n of the list's numbers identified, k of them in S;
//! ln p is the hypergeometric upper tail P(X ≥ k), X ~ Hyp(N, K, n). Segments: each code, and
//! `opponents` (every code not in `[identifications] own_codes`) when own codes are given.
//!
//! *count* ([`count`]): per list, per district and code, the numbers identified as of the
//! list's time and the list's among them, and the same as of the end of the history: counts
//! of distinct numbers that add over any split of the numbers ([`Counts::merge`]).
//!
//! *finish* ([`finish`]): the segments summed over the list's districts, ln p, the list's
//! candidate downloads from the overlaps analysis (its counts and ln p, not recomputed), q
//! over every row, the rank within the list and the best row ([`table`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::RecordBatch;
use rayon::prelude::*;

use super::cols::{self, Codes, TableBuilder, NONE};
use super::lists::{Lists, NamedSet};
use super::overlaps::OverlapRow;
use crate::error::Result;

mod database;

use crate::model::results::Table;
use crate::stats;
pub use database::Database;
pub(crate) use database::{DbCatalog, DbGather};
use serde::{Deserialize, Serialize};

/// Per list (in [`Lists::derived`] order), district (with a last slot for numbers without
/// one) and code: counts of distinct numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// District slots (the districts and the none slot).
    pub n_districts: usize,
    /// Codes.
    pub n_codes: usize,
    /// `[list][district]`: the list's numbers (identified or not).
    pub listed: Vec<u64>,
    /// `[list][district][code]`: numbers identified as of the list's time, by their code then.
    pub urn: Vec<u64>,
    /// `[list][district][code]`: the list's numbers among them.
    pub hit: Vec<u64>,
    /// `[district][code]`: numbers identified by the end of the history, by their last code.
    pub urn_latest: Vec<u64>,
    /// `[list][district][code]`: the list's numbers among them.
    pub hit_latest: Vec<u64>,
}

impl Counts {
    /// The counts of two parts of the numbers, added.
    ///
    /// # Panics
    /// If the parts count different lists, districts or codes.
    pub fn merge(&self, o: &Counts) -> Counts {
        assert_eq!(
            (self.n_districts, self.n_codes, self.listed.len()),
            (o.n_districts, o.n_codes, o.listed.len()),
            "merging derivation counts of different shapes"
        );
        let add = |p: &[u64], q: &[u64]| p.iter().zip(q).map(|(u, v)| u + v).collect();
        Counts {
            n_districts: self.n_districts,
            n_codes: self.n_codes,
            listed: add(&self.listed, &o.listed),
            urn: add(&self.urn, &o.urn),
            hit: add(&self.hit, &o.hit),
            urn_latest: add(&self.urn_latest, &o.urn_latest),
            hit_latest: add(&self.hit_latest, &o.hit_latest),
        }
    }
}

/// Counts every list (`times[l]` its time, if any) against the database.
pub fn count(db: &Database, lists: &[&NamedSet], times: &[Option<i64>]) -> Counts {
    let (nd, nc) = db.cells();
    let per_list: Vec<[Vec<u64>; 3]> = lists
        .par_iter()
        .zip(times)
        .map(|(set, &t)| {
            let mut listed = vec![0u64; nd];
            let (mut hit, mut hit_latest) = (vec![0u64; nd * nc], vec![0u64; nd * nc]);
            for &n in &set.numbers {
                let d = db.district_of(n) as usize;
                listed[d] += 1;
                let Ok(i) = db.numbers.binary_search(&n) else {
                    continue;
                };
                if let Some(c) = t.and_then(|t| db.code_at(i, Some(t))) {
                    hit[d * nc + c as usize] += 1;
                }
                if let Some(c) = db.code_at(i, None) {
                    hit_latest[d * nc + c as usize] += 1;
                }
            }
            [listed, hit, hit_latest]
        })
        .collect();
    let urns = urn_as_of(db, times);
    let mut urn_latest = vec![0u64; nd * nc];
    for i in 0..db.numbers.len() {
        if let Some(c) = db.code_at(i, None) {
            urn_latest[db.district[i] as usize * nc + c as usize] += 1;
        }
    }
    let mut out = Counts {
        n_districts: nd,
        n_codes: nc,
        urn_latest,
        ..Counts::default()
    };
    for ([listed, hit, hit_latest], urn) in per_list.into_iter().zip(urns) {
        out.listed.extend(listed);
        out.urn.extend(urn);
        out.hit.extend(hit);
        out.hit_latest.extend(hit_latest);
    }
    out
}

/// Per list, `[district][code]`: the numbers identified as of the list's time (`times[l]`), by
/// their code then; zeros for a list without a time.
///
/// One sweep of the history in time order instead of every number's history searched per list:
/// the rows are applied in (time, history position) order, a number's current code moving from
/// cell to cell, and the cells are copied out at each list's time, lists in time order. A
/// number's rows sit in the history by time and then store order, so the last row applied at
/// or before `t` is the one [`Database::code_at`] finds: the same counts, in O(rows log rows +
/// lists × cells) instead of O(lists × numbers).
fn urn_as_of(db: &Database, times: &[Option<i64>]) -> Vec<Vec<u64>> {
    let (nd, nc) = db.cells();
    let mut out = vec![Vec::new(); times.len()];
    let mut timed: Vec<(i64, usize)> = times
        .iter()
        .enumerate()
        .filter_map(|(l, t)| t.map(|t| (t, l)))
        .collect();
    if timed.is_empty() {
        out.iter_mut().for_each(|u| *u = vec![0; nd * nc]);
        return out;
    }
    timed.sort_unstable();
    // (time, history position) of every row; the owner of a position is found from `start`.
    let mut rows: Vec<(i64, usize)> = db.time.iter().copied().zip(0..).collect();
    rows.par_sort_unstable();
    let mut owner = vec![0u32; db.time.len()];
    for i in 0..db.numbers.len() {
        owner[db.start[i]..db.start[i + 1]].fill(i as u32);
    }
    let mut current = vec![NONE; db.numbers.len()];
    let mut cells = vec![0u64; nd * nc];
    let mut next = 0;
    for (t, l) in timed {
        while next < rows.len() && rows[next].0 <= t {
            let j = rows[next].1;
            let i = owner[j] as usize;
            let base = db.district[i] as usize * nc;
            if current[i] != NONE {
                cells[base + current[i] as usize] -= 1;
            }
            current[i] = db.code[j];
            cells[base + current[i] as usize] += 1;
            next += 1;
        }
        out[l] = cells.clone();
    }
    out.iter_mut()
        .filter(|u| u.is_empty())
        .for_each(|u| *u = vec![0; nd * nc]);
    out
}

/// The times the as-of test reads from the store, as its parts add to them: each upload's
/// earliest `uploaded`, each campaign's first dial, each download's earliest time (minima, so
/// any split of the rows gives the same).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Times {
    uploaded: BTreeMap<String, i64>,
    dialed: BTreeMap<String, i64>,
    downloaded: BTreeMap<String, i64>,
}

/// Adds to `m` the earliest `time` of each `key` of `b`'s rows, named `prefix:key`.
fn earliest(
    m: &mut BTreeMap<String, i64>,
    b: &RecordBatch,
    (key, time, prefix): (&str, &str, &str),
) -> Result<()> {
    let k = Codes::read(b, key)?;
    let t = cols::times(b, time)?;
    let mut first = vec![None::<i64>; k.len()];
    for (i, t) in t.into_iter().enumerate() {
        if let (Some(t), c) = (t, k.codes[i]) {
            if c != NONE {
                let f = &mut first[c as usize];
                *f = Some(f.map_or(t, |v: i64| v.min(t)));
            }
        }
    }
    for (name, t) in k.names.iter().zip(first) {
        if let Some(t) = t {
            let e = m.entry(format!("{prefix}:{name}")).or_insert(t);
            *e = (*e).min(t);
        }
    }
    Ok(())
}

impl Times {
    /// Adds rows of the `vendor_list` table.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn vendor_list(&mut self, b: &RecordBatch) -> Result<()> {
        earliest(&mut self.uploaded, b, ("list", "uploaded", "upload"))
    }

    /// Adds rows of the `vendor_calls` table.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn vendor_calls(&mut self, b: &RecordBatch) -> Result<()> {
        earliest(&mut self.dialed, b, ("campaign", "start", "campaign"))
    }

    /// Adds rows of the `downloads` table.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn downloads(&mut self, b: &RecordBatch) -> Result<()> {
        earliest(&mut self.downloaded, b, ("download", "time", "download"))
    }

    /// Adds the times `o` gathered from other parts.
    pub fn absorb(&mut self, o: Times) {
        for (mine, theirs) in [
            (&mut self.uploaded, o.uploaded),
            (&mut self.dialed, o.dialed),
            (&mut self.downloaded, o.downloaded),
        ] {
            for (k, t) in theirs {
                let e = mine.entry(k).or_insert(t);
                *e = (*e).min(t);
            }
        }
    }

    /// Each list's time (see the module doc), in [`Lists::derived`] order.
    pub fn of_lists(&self, lists: &Lists) -> Vec<Option<i64>> {
        lists
            .derived()
            .iter()
            .map(|s| {
                let up = s.upload.as_ref().unwrap_or(&s.name);
                self.uploaded
                    .get(up)
                    .or_else(|| self.dialed.get(&s.name))
                    .copied()
            })
            .collect()
    }
}

/// A candidate source download of a list, from the overlaps analysis.
#[derive(Clone, Debug, PartialEq)]
pub struct DownloadRow {
    /// Index of the list (in [`Lists::derived`] order).
    pub list: usize,
    /// `download:NAME`.
    pub name: String,
    /// The download's earliest time.
    pub time: Option<i64>,
    /// The overlaps' urn, download size, list size and overlap.
    pub counts: [u64; 4],
    /// ln p, as the overlaps analysis computed it.
    pub ln_p: f64,
}

/// The overlaps rows of a list and a download (`rows` against `Lists::derived` and
/// `Lists::sources`, whose first `downloads.len()` are the downloads), with each download's
/// time from `times`.
pub(crate) fn download_rows(
    times: &Times,
    downloads: &[NamedSet],
    rows: &[OverlapRow],
    population: u64,
) -> Vec<DownloadRow> {
    let time_of = |name: &str| times.downloaded.get(name).copied();
    rows.iter()
        .filter(|r| r.b < downloads.len())
        .map(|r| {
            let name = downloads[r.b].name.clone();
            DownloadRow {
                list: r.a,
                time: time_of(&name),
                name,
                counts: [
                    population.max(r.size_a + r.size_b - r.overlap),
                    r.size_b,
                    r.size_a,
                    r.overlap,
                ],
                ln_p: r.ln_p,
            }
        })
        .collect()
}

/// One row of `results/derivations`.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Index of the list (in [`Lists::derived`] order).
    pub list: usize,
    /// `segment` or `download`.
    pub source_kind: &'static str,
    /// The segment (a code, or `opponents`), or `download:NAME`.
    pub source: String,
    /// The list's time (a segment), or the download's.
    pub as_of: Option<i64>,
    /// The list's districts (segments only; one list's rows share them).
    pub districts: Option<Arc<[String]>>,
    /// N, K, n, k.
    pub population: u64,
    /// K.
    pub size: u64,
    /// n.
    pub in_scope: u64,
    /// k.
    pub overlap: u64,
    /// The containment of the same segment as of the end of the history (segments only).
    pub containment_latest: Option<f64>,
    /// ln p.
    pub ln_p: f64,
    /// ln q over every row (and every list × download pair not listed, p = 1).
    pub ln_q: f64,
    /// Rank within the list.
    pub rank: u64,
    /// The list's best row.
    pub best: bool,
}

impl Row {
    /// k / n.
    pub fn containment(&self) -> f64 {
        self.overlap as f64 / self.in_scope.max(1) as f64
    }

    /// k / K.
    pub fn coverage(&self) -> f64 {
        self.overlap as f64 / self.size.max(1) as f64
    }
}

/// The segments: each code alone, then `opponents` (every code not in `own`) when `own` is
/// not empty.
fn segments(codes: &[String], own: &[String]) -> Vec<(String, Vec<bool>)> {
    let mut v: Vec<(String, Vec<bool>)> = (0..codes.len())
        .map(|c| (codes[c].clone(), (0..codes.len()).map(|x| x == c).collect()))
        .collect();
    if !own.is_empty() {
        v.push((
            "opponents".into(),
            codes.iter().map(|c| !own.contains(c)).collect(),
        ));
    }
    v
}

/// The segment rows of list `l` (none without a time).
fn segment_rows(
    c: &Counts,
    db: &Database,
    segs: &[(String, Vec<bool>)],
    l: usize,
    t: Option<i64>,
) -> Vec<Row> {
    let (nd, nc) = (c.n_districts, c.n_codes);
    let scope: Vec<usize> = (0..nd).filter(|&d| c.listed[l * nd + d] > 0).collect();
    let Some(t) = t.filter(|_| !scope.is_empty()) else {
        return Vec::new();
    };
    let names: Arc<[String]> = scope
        .iter()
        .map(|&d| {
            db.districts
                .get(d)
                .map_or("(no district)", String::as_str)
                .to_string()
        })
        .collect();
    let sum = |v: &[u64], base: usize, mask: Option<&[bool]>| -> u64 {
        scope
            .iter()
            .flat_map(|&d| (0..nc).map(move |k| (d, k)))
            .filter(|&(_, k)| mask.is_none_or(|m| m[k]))
            .map(|(d, k)| v[base + d * nc + k])
            .sum()
    };
    let base = l * nd * nc;
    let (n_all, in_scope) = (sum(&c.urn, base, None), sum(&c.hit, base, None));
    let in_scope_latest = sum(&c.hit_latest, base, None);
    segs.iter()
        .map(|(name, mask)| {
            let (size, overlap) = (sum(&c.urn, base, Some(mask)), sum(&c.hit, base, Some(mask)));
            let k_latest = sum(&c.hit_latest, base, Some(mask));
            Row {
                list: l,
                source_kind: "segment",
                source: name.clone(),
                as_of: Some(t),
                districts: Some(names.clone()),
                population: n_all,
                size,
                in_scope,
                overlap,
                containment_latest: Some(k_latest as f64 / in_scope_latest.max(1) as f64),
                ln_p: stats::ln_hyper_sf_ge(n_all, size, in_scope, overlap),
                ln_q: 0.0,
                rank: 0,
                best: false,
            }
        })
        .collect()
}

/// Every row: per list (in order), its segments and candidate downloads, ranked by ln p (ties:
/// segments before downloads, then the larger overlap, then the name). q is over every row and
/// every list × download pair that shares no number (p = 1). The best row of a list is, among
/// its rows with q ≤ [`super::ALPHA`], the one that holds the largest share of the list's
/// numbers it is tested on (containment; ties: the smaller ln p, then the rank): the source
/// that explains the list most completely, whether a segment or a download.
#[allow(clippy::too_many_arguments)]
pub fn finish(
    c: &Counts,
    db: &Database,
    times: &[Option<i64>],
    own: &[String],
    downloads: &[DownloadRow],
    n_downloads: usize,
) -> Vec<Row> {
    // No history (the case has no `identifications` input): no segment, not even `opponents`.
    let segs = match db.codes.is_empty() {
        true => Vec::new(),
        false => segments(&db.codes, own),
    };
    let n_lists = times.len();
    let mut rows: Vec<Row> = (0..n_lists)
        .flat_map(|l| segment_rows(c, db, &segs, l, times[l]))
        .collect();
    rows.extend(downloads.iter().map(|d| Row {
        list: d.list,
        source_kind: "download",
        source: d.name.clone(),
        as_of: d.time,
        districts: None,
        population: d.counts[0],
        size: d.counts[1],
        in_scope: d.counts[2],
        overlap: d.counts[3],
        containment_latest: None,
        ln_p: d.ln_p,
        ln_q: 0.0,
        rank: 0,
        best: false,
    }));
    let ln_p: Vec<f64> = rows.iter().map(|r| r.ln_p).collect();
    let m_total = (rows.len() - downloads.len() + n_lists * n_downloads) as u64;
    for (r, q) in rows
        .iter_mut()
        .zip(super::overlaps::bh_total(&ln_p, m_total))
    {
        r.ln_q = q;
    }
    rows.sort_by(|x, y| {
        x.list
            .cmp(&y.list)
            .then(x.ln_p.total_cmp(&y.ln_p))
            .then(y.source_kind.cmp(x.source_kind))
            .then(y.overlap.cmp(&x.overlap))
            .then(x.source.cmp(&y.source))
    });
    let mut at = 0;
    while at < rows.len() {
        let end = at + rows[at..].partition_point(|r| r.list == rows[at].list);
        let mut best: Option<usize> = None;
        for i in at..end {
            rows[i].rank = (i - at + 1) as u64;
            if rows[i].ln_q.exp() > super::ALPHA {
                continue;
            }
            let better = best.is_none_or(|b| {
                let (x, y) = (&rows[i], &rows[b]);
                x.containment()
                    .total_cmp(&y.containment())
                    .then(y.ln_p.total_cmp(&x.ln_p))
                    .is_gt()
            });
            if better {
                best = Some(i);
            }
        }
        if let Some(b) = best {
            rows[b].best = true;
        }
        at = end;
    }
    rows
}

/// `results/derivations`: the rows, by list then rank.
///
/// # Errors
/// Only if the columns came out of different lengths, which would be a bug.
pub fn table(rows: &[Row], lists: &[&NamedSet], zone: chrono_tz::Tz) -> Result<RecordBatch> {
    let u = |f: &dyn Fn(&Row) -> u64| rows.iter().map(f).collect::<Vec<_>>();
    let f = |f: &dyn Fn(&Row) -> f64| rows.iter().map(f).collect::<Vec<_>>();
    TableBuilder::default()
        .text_dense(
            "list",
            &rows
                .iter()
                .map(|r| lists[r.list].name.as_str())
                .collect::<Vec<_>>(),
        )
        .text_dense(
            "list_kind",
            &rows
                .iter()
                .map(|r| lists[r.list].kind.label())
                .collect::<Vec<_>>(),
        )
        .u64("rank", u(&|r| r.rank))
        .bool("best", rows.iter().map(|r| r.best).collect())
        .text_dense(
            "source_kind",
            &rows.iter().map(|r| r.source_kind).collect::<Vec<_>>(),
        )
        .text_dense(
            "source",
            &rows.iter().map(|r| r.source.as_str()).collect::<Vec<_>>(),
        )
        .time_local("as_of", rows.iter().map(|r| r.as_of).collect(), zone)
        .text_list("districts", rows.iter().map(|r| r.districts.as_deref()))
        .u64("population", u(&|r| r.population))
        .u64("segment_size", u(&|r| r.size))
        .u64("list_in_scope", u(&|r| r.in_scope))
        .u64("overlap", u(&|r| r.overlap))
        .f64("containment", f(&Row::containment))
        .f64("coverage", f(&Row::coverage))
        .test_columns(f(&|r| r.ln_p), f(&|r| r.ln_q))
        .f64_opt(
            "containment_latest",
            rows.iter().map(|r| r.containment_latest).collect(),
        )
        .build(Table::Derivations)
}

/// The whole analysis: the table. `db` and `times` were gathered from the store.
///
/// # Errors
/// Only if the table's columns came out of different lengths, which would be a bug.
pub(crate) fn run(
    (db, times): (&Database, &Times),
    own: &[String],
    (lists, list_times): (&Lists, &[Option<i64>]),
    (counts, overlap_rows): (&Counts, &[OverlapRow]),
    zone: chrono_tz::Tz,
) -> Result<RecordBatch> {
    let dl = download_rows(times, &lists.downloads, overlap_rows, lists.population);
    let rows = finish(counts, db, list_times, own, &dl, lists.downloads.len());
    table(&rows, &lists.derived(), zone)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, StringArray, TimestampMicrosecondArray, UInt64Array};
    use proptest::prelude::*;

    use super::super::lists::ListKind;
    use super::super::testkit::table;
    use super::*;
    use crate::model::Kind;

    /// The history `(number, code, time, district)` and the population `(number, district)`.
    fn db(h: &[(u64, &str, i64, Option<&str>)], pop: &[(u64, Option<&str>)]) -> Database {
        let col = |v: Vec<Option<&str>>| -> ArrayRef { Arc::new(StringArray::from(v)) };
        let ident = table(
            Kind::Identifications,
            h.len(),
            vec![
                (
                    "number",
                    Arc::new(UInt64Array::from_iter_values(h.iter().map(|r| r.0))),
                ),
                ("code", col(h.iter().map(|r| Some(r.1)).collect())),
                (
                    "identified",
                    Arc::new(
                        TimestampMicrosecondArray::from_iter_values(h.iter().map(|r| r.2))
                            .with_timezone("UTC"),
                    ),
                ),
                ("district", col(h.iter().map(|r| r.3).collect())),
            ],
        );
        let population = table(
            Kind::Population,
            pop.len(),
            vec![
                (
                    "number",
                    Arc::new(UInt64Array::from_iter_values(pop.iter().map(|r| r.0))),
                ),
                ("district", col(pop.iter().map(|r| r.1).collect())),
            ],
        );
        Database::read(&ident, &population).unwrap()
    }

    fn set(name: &str, numbers: &[u64]) -> NamedSet {
        NamedSet {
            name: name.into(),
            kind: ListKind::Upload,
            account: None,
            customer: None,
            campaign: None,
            upload: None,
            numbers: numbers.to_vec(),
        }
    }

    /// Number 3 turns opponent after the list's time (50), number 4 turns supporter after it,
    /// number 7 is identified only after it, number 8 never; 9 and 10 are in another district,
    /// 11 is outside the population and takes the district of its history.
    #[test]
    fn the_list_is_tested_against_the_database_as_of_its_time() {
        let n = Some("North");
        let d = db(
            &[
                (4, "A", 100, None),
                (1, "B", 10, None),
                (2, "B", 10, None),
                (3, "A", 10, None),
                (3, "B", 100, None),
                (4, "B", 10, None),
                (5, "A", 10, None),
                (6, "A", 10, None),
                (7, "C", 60, None),
                (9, "B", 10, None),
                (10, "B", 10, None),
                (11, "B", 10, n),
            ],
            &[
                (1, n),
                (2, n),
                (3, n),
                (4, n),
                (5, n),
                (6, n),
                (7, n),
                (8, n),
                (9, Some("South")),
                (10, Some("South")),
            ],
        );
        assert_eq!(d.codes, ["A", "B", "C"]);
        assert_eq!(d.districts, ["North", "South"]);
        let l = set("upload:l", &[1, 2, 4, 8]);
        let times = [Some(50)];
        let c = count(&d, &[&l], &times);
        // North as of 50: A = {3, 5, 6}, B = {1, 2, 4, 11}; the list's identified: 1, 2, 4 (B).
        assert_eq!(&c.urn[..3], [3, 4, 0]);
        assert_eq!(&c.hit[..3], [0, 3, 0]);
        // At the end: 4 is A, 3 is B, 7 is C.
        assert_eq!(&c.hit_latest[..3], [1, 2, 0]);
        assert_eq!(c.listed, [4, 0, 0]);
        let rows = finish(&c, &d, &times, &["A".into()], &[], 0);
        let b = rows.iter().find(|r| r.source == "B").unwrap();
        assert_eq!((b.population, b.size, b.in_scope, b.overlap), (7, 4, 3, 3));
        assert_eq!(b.districts.as_deref(), Some(&["North".to_string()][..]));
        // P(X >= 3), X ~ Hyp(7, 4, 3) = C(4,3) / C(7,3) = 4/35.
        assert!((b.ln_p - (4.0f64 / 35.0).ln()).abs() < 1e-12, "{}", b.ln_p);
        assert_eq!((b.containment(), b.coverage()), (1.0, 0.75));
        assert_eq!(b.containment_latest, Some(2.0 / 3.0));
        // Opponents = B and C: as of 50 the same as B (7 was not yet identified).
        let o = rows.iter().find(|r| r.source == "opponents").unwrap();
        assert_eq!((o.size, o.overlap, o.ln_p), (4, 3, b.ln_p));
        assert_eq!(rows.len(), 4);
        assert_eq!((rows[0].rank, rows[3].rank), (1, 4));
        assert!(rows.iter().all(|r| !r.best), "p = 4/35 is not significant");
        // Without a time, no segment rows.
        let c = count(&d, &[&l], &[None]);
        assert!(finish(&c, &d, &[None], &[], &[], 0).is_empty());
        // Without a history, none either, own codes or not: only the downloads.
        let empty = db(&[], &[(1, n)]);
        let c = count(&empty, &[&l], &times);
        let dl = DownloadRow {
            list: 0,
            name: "download:d".into(),
            time: None,
            counts: [10, 4, 4, 3],
            ln_p: -1.0,
        };
        let rows = finish(&c, &empty, &times, &["A".into()], &[dl], 1);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].source_kind, "download");
    }

    /// The best row: the significant one holding the largest share of the list, a segment here
    /// though a download has the smaller p.
    #[test]
    fn the_best_row_is_the_most_complete_significant_source() {
        let h: Vec<(u64, &str, i64, Option<&str>)> = (0..40)
            .map(|n| (n, if n < 20 { "B" } else { "A" }, 0, Some("North")))
            .collect();
        let d = db(&h, &[]);
        let l = set("upload:l", &(0..20).collect::<Vec<_>>());
        let times = [Some(5)];
        let c = count(&d, &[&l], &times);
        let dl = DownloadRow {
            list: 0,
            name: "download:d".into(),
            time: Some(1),
            counts: [1000, 25, 20, 18],
            ln_p: -30.0,
        };
        let rows = finish(&c, &d, &times, &[], std::slice::from_ref(&dl), 1);
        assert_eq!(rows[0].source, "download:d");
        let best: Vec<&Row> = rows.iter().filter(|r| r.best).collect();
        assert_eq!(best.len(), 1);
        assert_eq!((best[0].source.as_str(), best[0].rank), ("B", 2));
        // ln C(40, 20) = ln 137846528820.
        assert!((best[0].ln_p + 137_846_528_820f64.ln()).abs() < 1e-9);
        let t = super::table(&rows, &[&l], chrono_tz::UTC).unwrap();
        assert_eq!(t.num_rows(), 3);
    }

    fn arb_history() -> impl Strategy<Value = Vec<(u64, usize, i64, Option<usize>)>> {
        prop::collection::vec(
            (0u64..30, 0usize..3, 0i64..100, prop::option::of(0usize..2)),
            0..60,
        )
    }

    proptest! {
        /// The sweep of [`urn_as_of`] counts what searching every number's history as of each
        /// list's time counts (the definition; ties in time: the later row of the store wins).
        #[test]
        fn the_sweep_counts_each_number_at_its_code_as_of_the_list_time(
            h in arb_history(),
            times in prop::collection::vec(prop::option::of(-1i64..101), 0..6),
        ) {
            const CODES: [&str; 3] = ["A", "B", "C"];
            const DISTRICTS: [&str; 2] = ["N", "S"];
            let h: Vec<_> = h.iter().map(|r| (r.0, CODES[r.1], r.2, r.3.map(|d| DISTRICTS[d]))).collect();
            let d = db(&h, &[]);
            let (nd, nc) = d.cells();
            let by_search: Vec<Vec<u64>> = times.iter().map(|t| {
                let mut u = vec![0u64; nd * nc];
                for i in 0..d.numbers.len() {
                    if let Some(c) = t.and_then(|t| d.code_at(i, Some(t))) {
                        u[d.district[i] as usize * nc + c as usize] += 1;
                    }
                }
                u
            }).collect();
            prop_assert_eq!(urn_as_of(&d, &times), by_search);
        }

        /// count(A) + count(B) == count(A ∪ B) for any split of the numbers.
        #[test]
        fn counts_add_over_any_split_of_the_numbers(
            h in arb_history(),
            pop in prop::collection::vec((0u64..30, prop::option::of(0usize..2)), 0..20),
            sets in prop::collection::vec(prop::collection::btree_set(0u64..35, 0..12), 3),
            times in prop::collection::vec(prop::option::of(0i64..100), 3),
            mask in any::<u64>(),
        ) {
            const CODES: [&str; 3] = ["A", "B", "C"];
            const DISTRICTS: [&str; 2] = ["N", "S"];
            let h: Vec<_> = h.iter().map(|r| (r.0, CODES[r.1], r.2, r.3.map(|d| DISTRICTS[d]))).collect();
            let pop: Vec<_> = pop.iter().map(|r| (r.0, r.1.map(|d| DISTRICTS[d]))).collect();
            let whole = db(&h, &pop);
            let part = |n: u64| mask >> n & 1 == 1;
            let lists = |f: &dyn Fn(u64) -> bool| -> Vec<NamedSet> {
                sets.iter().enumerate().map(|(i, s)| {
                    set(&format!("upload:{i}"), &s.iter().copied().filter(|&n| f(n)).collect::<Vec<_>>())
                }).collect()
            };
            let (w, p, q) = (lists(&|_| true), lists(&part), lists(&|n| !part(n)));
            fn r(v: &[NamedSet]) -> Vec<&NamedSet> {
                v.iter().collect()
            }
            prop_assert_eq!(
                count(&whole.part(part), &r(&p), &times).merge(&count(&whole.part(|n| !part(n)), &r(&q), &times)),
                count(&whole, &r(&w), &times)
            );
        }
    }
}
