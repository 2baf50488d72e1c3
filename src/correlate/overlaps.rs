//! Analyses 4 and 5: which uploaded list or campaign shares far more numbers with which download
//! or poll response set than chance allows (the overlaps), and which list reaches the
//! complainants far more than chance allows (the enrichment). Both are hypergeometric upper
//! tails in the population, with Benjamini–Hochberg q.
//!
//! *count* ([`count`], [`count_enrichment`]): list sizes and overlaps, numbers of distinct
//! numbers, so the counts over any split of the numbers add ([`merge`]).
//!
//! *finish* ([`finish`], [`finish_enrichment`]): ln p, ln q and the ranking, as typed rows; the
//! tables are built from them ([`table`], [`enrichment_table`]).

use arrow::array::RecordBatch;

use super::cols::TableBuilder;
use super::lists::{memberships, NamedSet};
use crate::error::Result;
use crate::join::{self, Overlaps};
use crate::model::results::Table;
use crate::stats;
use serde::{Deserialize, Serialize};

/// The overlaps of every pair of `a` and `b` lists that share a number (a campaign is not
/// compared with its own poll responses: those pairs are left out).
pub fn count(a: &[&NamedSet], b: &[&NamedSet]) -> Overlaps {
    let (al, an) = memberships(a);
    let (bl, bn) = memberships(b);
    let mut ov = join::all_pairs_overlap(&al, &an, a.len() as u32, &bl, &bn, b.len() as u32);
    let keep: Vec<usize> = (0..ov.overlap.len())
        .filter(|&i| !same_campaign(a, b, ov.a[i], ov.b[i]))
        .collect();
    ov.a = keep.iter().map(|&i| ov.a[i]).collect();
    ov.b = keep.iter().map(|&i| ov.b[i]).collect();
    ov.overlap = keep.iter().map(|&i| ov.overlap[i]).collect();
    ov
}

fn same_campaign(a: &[&NamedSet], b: &[&NamedSet], x: u32, y: u32) -> bool {
    let ca = &a[x as usize].campaign;
    ca.is_some() && *ca == b[y as usize].campaign
}

/// The counts of two parts of the numbers, added: sizes add, and the overlaps of pairs present
/// in either part add (pairs stay sorted by `(a, b)`).
///
/// # Panics
/// If the parts count different lists.
pub fn merge(x: &Overlaps, y: &Overlaps) -> Overlaps {
    assert_eq!(
        (x.size_a.len(), x.size_b.len()),
        (y.size_a.len(), y.size_b.len()),
        "merging overlaps of different lists"
    );
    let add = |p: &[u64], q: &[u64]| p.iter().zip(q).map(|(u, v)| u + v).collect();
    let mut m = Overlaps {
        size_a: add(&x.size_a, &y.size_a),
        size_b: add(&x.size_b, &y.size_b),
        ..Overlaps::default()
    };
    let (mut i, mut j) = (0, 0);
    while i < x.overlap.len() || j < y.overlap.len() {
        let kx = (i < x.overlap.len()).then(|| (x.a[i], x.b[i]));
        let ky = (j < y.overlap.len()).then(|| (y.a[j], y.b[j]));
        let (k, v) = match (kx, ky) {
            (Some(p), Some(q)) if p == q => {
                i += 1;
                j += 1;
                (p, x.overlap[i - 1] + y.overlap[j - 1])
            }
            (Some(p), Some(q)) if p < q => {
                i += 1;
                (p, x.overlap[i - 1])
            }
            (Some(p), None) => {
                i += 1;
                (p, x.overlap[i - 1])
            }
            (_, Some(q)) => {
                j += 1;
                (q, y.overlap[j - 1])
            }
            (None, None) => break,
        };
        m.a.push(k.0);
        m.b.push(k.1);
        m.overlap.push(v);
    }
    m
}

/// Hypergeometric upper tail of an overlap, with an urn at least as large as the union.
pub fn ln_p_overlap(population: u64, size_a: u64, size_b: u64, overlap: u64) -> f64 {
    let urn = population.max(size_a + size_b - overlap);
    stats::ln_hyper_sf_ge(urn, size_b, size_a, overlap)
}

/// One ranked pair.
#[derive(Clone, Debug, PartialEq)]
pub struct OverlapRow {
    /// Index of the A list.
    pub a: usize,
    /// Index of the B list.
    pub b: usize,
    /// Distinct numbers of each.
    pub size_a: u64,
    /// Distinct numbers of B.
    pub size_b: u64,
    /// Numbers in both.
    pub overlap: u64,
    /// ln p.
    pub ln_p: f64,
    /// ln q, over every pair compared (those sharing no number have p = 1).
    pub ln_q: f64,
}

/// The pairs that share a number, most significant first (ties: larger overlap, then the lower
/// A, then the lower B). The rank of a row is its position + 1.
pub fn finish(ov: &Overlaps, a: &[&NamedSet], b: &[&NamedSet], population: u64) -> Vec<OverlapRow> {
    let n = ov.overlap.len();
    let excluded = (0..a.len() as u32)
        .flat_map(|x| (0..b.len() as u32).map(move |y| (x, y)))
        .filter(|&(x, y)| same_campaign(a, b, x, y))
        .count() as u64;
    let sa = |i: usize| ov.size_a[ov.a[i] as usize];
    let sb = |i: usize| ov.size_b[ov.b[i] as usize];
    let ln_p: Vec<f64> = (0..n)
        .map(|i| ln_p_overlap(population, sa(i), sb(i), ov.overlap[i]))
        .collect();
    let ln_q = bh_total(&ln_p, a.len() as u64 * b.len() as u64 - excluded);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| {
        ln_p[x]
            .total_cmp(&ln_p[y])
            .then(ov.overlap[y].cmp(&ov.overlap[x]))
            .then(ov.a[x].cmp(&ov.a[y]))
            .then(ov.b[x].cmp(&ov.b[y]))
    });
    order
        .into_iter()
        .map(|i| OverlapRow {
            a: ov.a[i] as usize,
            b: ov.b[i] as usize,
            size_a: sa(i),
            size_b: sb(i),
            overlap: ov.overlap[i],
            ln_p: ln_p[i],
            ln_q: ln_q[i],
        })
        .collect()
}

/// ln q for tests of which only some are listed: BH over the listed ones, rescaled to `m_total`
/// tests (the unlisted ones have p = 1 and never lower a listed q).
pub(crate) fn bh_total(ln_p: &[f64], m_total: u64) -> Vec<f64> {
    let q = stats::bh_ln_q(ln_p);
    if ln_p.is_empty() || m_total as usize <= ln_p.len() {
        return q;
    }
    let shift = (m_total as f64).ln() - (ln_p.len() as f64).ln();
    q.into_iter().map(|v| (v + shift).min(0.0)).collect()
}

/// `results/overlaps`: the ranked rows.
///
/// # Errors
/// Only if the columns came out of different lengths, which would be a bug.
pub fn table(rows: &[OverlapRow], a: &[&NamedSet], b: &[&NamedSet]) -> Result<RecordBatch> {
    let col = |f: &dyn Fn(&OverlapRow) -> u64| rows.iter().map(f).collect::<Vec<_>>();
    let names = |v: &[&NamedSet], f: &dyn Fn(&OverlapRow) -> usize| {
        rows.iter()
            .map(|r| v[f(r)].name.clone())
            .collect::<Vec<_>>()
    };
    let who = |v: &[&NamedSet], f: &dyn Fn(&OverlapRow) -> usize, customer: bool| {
        rows.iter()
            .map(|r| v[f(r)].owner(customer).map(str::to_string))
            .collect::<Vec<_>>()
    };
    TableBuilder::default()
        .u64("rank", (1..=rows.len() as u64).collect())
        .text_dense("list_a", &names(a, &|r| r.a))
        .text("account_a", who(a, &|r| r.a, false))
        .text("customer_a", who(a, &|r| r.a, true))
        .text_dense("list_b", &names(b, &|r| r.b))
        .text("account_b", who(b, &|r| r.b, false))
        .text("customer_b", who(b, &|r| r.b, true))
        .u64("size_a", col(&|r| r.size_a))
        .u64("size_b", col(&|r| r.size_b))
        .u64("overlap", col(&|r| r.overlap))
        .f64(
            "containment",
            rows.iter()
                .map(|r| r.overlap as f64 / r.size_a.max(1) as f64)
                .collect(),
        )
        .f64(
            "jaccard",
            rows.iter()
                .map(|r| r.overlap as f64 / (r.size_a + r.size_b - r.overlap).max(1) as f64)
                .collect(),
        )
        .test_columns(
            rows.iter().map(|r| r.ln_p).collect(),
            rows.iter().map(|r| r.ln_q).collect(),
        )
        .build(Table::Overlaps)
}

/// Per list: its size and how many of `marked` (the complainants' numbers) it holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrichmentCounts {
    /// Distinct numbers per list.
    pub size: Vec<u64>,
    /// Of them, complainants' numbers.
    pub overlap: Vec<u64>,
    /// Distinct complainants' numbers.
    pub marked: u64,
}

impl EnrichmentCounts {
    /// The counts of two parts of the numbers, added.
    pub fn merge(&self, o: &EnrichmentCounts) -> EnrichmentCounts {
        let add = |p: &[u64], q: &[u64]| p.iter().zip(q).map(|(u, v)| u + v).collect();
        EnrichmentCounts {
            size: add(&self.size, &o.size),
            overlap: add(&self.overlap, &o.overlap),
            marked: self.marked + o.marked,
        }
    }
}

/// Counts every list against `marked` (distinct, ascending).
pub fn count_enrichment(lists: &[&NamedSet], marked: &[u64]) -> EnrichmentCounts {
    let (al, an) = memberships(lists);
    let bl = vec![0u32; marked.len()];
    let ov = join::all_pairs_overlap(&al, &an, lists.len() as u32, &bl, marked, 1);
    let mut overlap = vec![0u64; lists.len()];
    for i in 0..ov.overlap.len() {
        overlap[ov.a[i] as usize] = ov.overlap[i];
    }
    EnrichmentCounts {
        size: ov.size_a,
        overlap,
        marked: marked.len() as u64,
    }
}

/// One ranked list.
#[derive(Clone, Debug, PartialEq)]
pub struct EnrichmentRow {
    /// Index of the list.
    pub list: usize,
    /// ln p.
    pub ln_p: f64,
    /// ln q over every list.
    pub ln_q: f64,
}

/// Every list, most enriched first (ties: larger overlap, then list order).
pub fn finish_enrichment(c: &EnrichmentCounts, population: u64) -> Vec<EnrichmentRow> {
    let n = c.size.len();
    let ln_p: Vec<f64> = (0..n)
        .map(|i| ln_p_overlap(population, c.size[i], c.marked, c.overlap[i]))
        .collect();
    let ln_q = stats::bh_ln_q(&ln_p);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| {
        ln_p[x]
            .total_cmp(&ln_p[y])
            .then(c.overlap[y].cmp(&c.overlap[x]))
            .then(x.cmp(&y))
    });
    order
        .into_iter()
        .map(|i| EnrichmentRow {
            list: i,
            ln_p: ln_p[i],
            ln_q: ln_q[i],
        })
        .collect()
}

/// `results/enrichment`: the ranked rows.
///
/// # Errors
/// Only if the columns came out of different lengths, which would be a bug.
pub fn enrichment_table(
    rows: &[EnrichmentRow],
    c: &EnrichmentCounts,
    lists: &[&NamedSet],
) -> Result<RecordBatch> {
    TableBuilder::default()
        .u64("rank", (1..=rows.len() as u64).collect())
        .text_dense(
            "list",
            &rows
                .iter()
                .map(|r| lists[r.list].name.clone())
                .collect::<Vec<_>>(),
        )
        .text_dense(
            "kind",
            &rows
                .iter()
                .map(|r| lists[r.list].kind.label())
                .collect::<Vec<_>>(),
        )
        .text(
            "account",
            rows.iter().map(|r| lists[r.list].owner(false)).collect(),
        )
        .text(
            "customer",
            rows.iter().map(|r| lists[r.list].owner(true)).collect(),
        )
        .u64("size", rows.iter().map(|r| c.size[r.list]).collect())
        .u64("overlap", rows.iter().map(|r| c.overlap[r.list]).collect())
        .test_columns(
            rows.iter().map(|r| r.ln_p).collect(),
            rows.iter().map(|r| r.ln_q).collect(),
        )
        .build(Table::Enrichment)
}

#[cfg(test)]
mod tests {
    use super::super::lists::{cut, ListKind};
    use super::super::parts::Slice;
    use super::*;
    use proptest::prelude::*;

    fn set(name: &str, kind: ListKind, campaign: Option<&str>, numbers: &[u64]) -> NamedSet {
        NamedSet {
            name: name.into(),
            kind,
            account: None,
            customer: None,
            campaign: campaign.map(str::to_string),
            upload: None,
            numbers: numbers.to_vec(),
        }
    }

    #[test]
    fn ranks_the_derived_pair_first_and_skips_own_poll_responses() {
        let up = set(
            "upload:u",
            ListKind::Upload,
            None,
            &[1, 2, 3, 4, 5, 6, 7, 8],
        );
        let camp = set("campaign:c", ListKind::Campaign, Some("c"), &[1, 9]);
        let dl = set(
            "download:d",
            ListKind::Download,
            None,
            &[1, 2, 3, 4, 5, 6, 7, 8, 20],
        );
        let poll = set("poll:c:key=1", ListKind::PollResponse, Some("c"), &[9]);
        let (a, b) = (vec![&up, &camp], vec![&dl, &poll]);
        let ov = count(&a, &b);
        // upload~download (8), upload~poll (0, not listed), campaign~download (1);
        // campaign~poll is its own responses.
        assert_eq!(
            (ov.a.clone(), ov.b.clone(), ov.overlap.clone()),
            (vec![0, 1], vec![0, 0], vec![8, 1])
        );
        let rows = finish(&ov, &a, &b, 1000);
        assert_eq!((rows[0].a, rows[0].b, rows[0].overlap), (0, 0, 8));
        // P(X >= 8) drawing 8 from 1000 with 9 marked: C(9,8)/C(1000,8) exactly.
        let want = (9f64).ln()
            - (0..8)
                .map(|i| ((1000 - i) as f64 / (8 - i) as f64).ln())
                .sum::<f64>();
        assert!(
            (rows[0].ln_p - want).abs() < 1e-9,
            "{} {want}",
            rows[0].ln_p
        );
        // Three pairs were compared: q of the best is p × 3 / 1.
        assert!((rows[0].ln_q - (rows[0].ln_p + 3f64.ln())).abs() < 1e-12);
        let t = table(&rows, &a, &b).unwrap();
        assert_eq!(t.num_rows(), 2);
    }

    #[test]
    fn enrichment_counts_complainants_in_each_list() {
        let l1 = set("upload:u", ListKind::Upload, None, &[1, 2, 3]);
        let l2 = set("watchlist:w", ListKind::Watchlist, None, &[9]);
        let c = count_enrichment(&[&l1, &l2], &[2, 3, 4]);
        assert_eq!(
            (c.size.clone(), c.overlap.clone(), c.marked),
            (vec![3, 1], vec![2, 0], 3)
        );
        let rows = finish_enrichment(&c, 100);
        assert_eq!(rows[0].list, 0);
        assert_eq!(rows[1].ln_p, 0.0);
    }

    fn arb_sets() -> impl Strategy<Value = Vec<Vec<u64>>> {
        prop::collection::vec(prop::collection::btree_set(0u64..30, 0..12), 4)
            .prop_map(|v| v.into_iter().map(|s| s.into_iter().collect()).collect())
    }

    proptest! {
        /// count(A) + count(B) == count(A ∪ B) for any split of the numbers.
        #[test]
        fn counts_add_over_any_split_of_the_numbers(sets in arb_sets(), mask in any::<u32>()) {
            let part = |keep: bool| -> Vec<NamedSet> {
                sets.iter().enumerate().map(|(i, s)| set(
                    &format!("s{i}"),
                    ListKind::Upload,
                    (i == 1 || i == 3).then_some("c"),
                    &s.iter().copied().filter(|&n| (mask >> n & 1 == 1) == keep).collect::<Vec<_>>(),
                )).collect()
            };
            let whole: Vec<NamedSet> = part(true).into_iter().zip(part(false)).map(|(mut x, y)| {
                x.numbers.extend(y.numbers);
                x.numbers.sort_unstable();
                x
            }).collect();
            let (p, q) = (part(true), part(false));
            let refs = |v: &[NamedSet]| -> (Vec<NamedSet>, Vec<NamedSet>) { (v[..2].to_vec(), v[2..].to_vec()) };
            let ((wa, wb), (pa, pb), (qa, qb)) = (refs(&whole), refs(&p), refs(&q));
            fn r(v: &[NamedSet]) -> Vec<&NamedSet> {
                v.iter().collect()
            }
            prop_assert_eq!(
                merge(&count(&r(&pa), &r(&pb)), &count(&r(&qa), &r(&qb))),
                count(&r(&wa), &r(&wb))
            );
            let marked: Vec<u64> = (0..30).step_by(3).collect();
            let mk = |keep: bool| marked.iter().copied().filter(|&n| (mask >> n & 1 == 1) == keep).collect::<Vec<_>>();
            prop_assert_eq!(
                count_enrichment(&r(&p), &mk(true)).merge(&count_enrichment(&r(&q), &mk(false))),
                count_enrichment(&r(&whole), &marked)
            );
        }

        /// Counted slice by slice of the numbers and merged, the counts are the whole's.
        #[test]
        fn sliced_counts_are_the_whole(sets in arb_sets(), slices in 1u32..8) {
            let all: Vec<NamedSet> = sets.iter().enumerate().map(|(i, s)| set(
                &format!("s{i}"),
                ListKind::Upload,
                (i == 1 || i == 3).then_some("c"),
                s,
            )).collect();
            let r: Vec<&NamedSet> = all.iter().collect();
            let (a, b) = (&r[..2], &r[2..]);
            let marked: Vec<u64> = (0..30).step_by(3).collect();
            let (mut ov, mut en) = (None::<Overlaps>, None::<EnrichmentCounts>);
            for i in 0..slices {
                let s = Slice::new(i, slices);
                let (ca, cb, cr) = (cut(a, s), cut(b, s), cut(&r, s));
                let refs = |c: &[std::borrow::Cow<'_, NamedSet>]| -> Vec<NamedSet> {
                    c.iter().map(|x| x.as_ref().clone()).collect()
                };
                let (va, vb, vr) = (refs(&ca), refs(&cb), refs(&cr));
                let (ra, rb, rr): (Vec<&NamedSet>, Vec<&NamedSet>, Vec<&NamedSet>) =
                    (va.iter().collect(), vb.iter().collect(), vr.iter().collect());
                let m: Vec<u64> = marked.iter().copied().filter(|&n| s.keeps(n)).collect();
                let (o, e) = (count(&ra, &rb), count_enrichment(&rr, &m));
                ov = Some(match ov { Some(x) => merge(&x, &o), None => o });
                en = Some(match en { Some(x) => x.merge(&e), None => e });
            }
            prop_assert_eq!(ov, Some(count(a, b)));
            prop_assert_eq!(en, Some(count_enrichment(&r, &marked)));
        }
    }
}
