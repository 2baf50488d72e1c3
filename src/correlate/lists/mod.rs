//! The lists the overlap, enrichment and spread analyses compare: uploaded lists, the numbers
//! each vendor campaign dialed, database downloads, robo-poll response sets and watch-lists,
//! each a named set of distinct numbers.
//!
//! An upload and the campaign that dialled it are one entity: when an upload's rows name a
//! campaign (`vendor_list.campaign`) that is in the vendor log, the upload is not listed on its
//! own; the campaign's set (`campaign:C`) holds the numbers uploaded and dialed, and records
//! the upload's name ([`NamedSet::upload`]). Overlaps, enrichment, spread and skew then list it
//! once.
//!
//! With `[analysis] restrict_to_population`, overlaps and enrichment count in the population
//! only ([`restrict`]): each list, and the complainants' numbers, cut to the numbers of the
//! `population` input, and the numbers left out counted apart ([`Coverage`],
//! `results/population_coverage`). The counts are per number, so they add over any split of
//! the numbers ([`Coverage::merge`]).

use std::collections::BTreeMap;

use arrow::array::RecordBatch;

use super::cols::TableBuilder;
use crate::error::Result;
use crate::join;
use crate::model::results::Table;
use serde::{Deserialize, Serialize};

mod gather;

pub(crate) use gather::{Gather, ListCatalog};

/// What a list is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ListKind {
    /// An uploaded list (`upload:NAME`).
    Upload,
    /// The numbers a vendor campaign dialed (`campaign:NAME`).
    Campaign,
    /// A voter-database download (`download:NAME`).
    Download,
    /// The numbers that answered a robo-poll with one keypress (`poll:CAMPAIGN:key=K`).
    PollResponse,
    /// A watch-list (`watchlist:NAME`).
    Watchlist,
}

impl ListKind {
    /// The word used in the results' `kind` columns.
    pub fn label(self) -> &'static str {
        match self {
            ListKind::Upload => "upload",
            ListKind::Campaign => "campaign",
            ListKind::Download => "download",
            ListKind::PollResponse => "poll_response",
            ListKind::Watchlist => "watchlist",
        }
    }
}

/// A named set of numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedSet {
    /// `kind:name`, as the results show it.
    pub name: String,
    /// What it is.
    pub kind: ListKind,
    /// The account behind it, where the evidence names one (the first row's; for a campaign
    /// without one in the vendor log, its registry's).
    pub account: Option<String>,
    /// The customer or client behind a campaign or its poll responses, from the vendors'
    /// campaign registry ([`super::registry`]).
    pub customer: Option<String>,
    /// The campaign a campaign's dialed set or a poll response set comes from: such a pair is
    /// not compared (a campaign trivially contains its own responses).
    pub campaign: Option<String>,
    /// The upload merged into a campaign's set (`upload:NAME`), if any.
    pub upload: Option<String>,
    /// Distinct numbers, ascending.
    pub numbers: Vec<u64>,
}

impl NamedSet {
    /// Who stands behind it: its customer (`customer`), else its account.
    pub fn owner(&self, customer: bool) -> Option<&str> {
        if customer {
            self.customer.as_deref()
        } else {
            self.account.as_deref()
        }
    }
}

/// Every list of the case.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Lists {
    /// Uploaded lists, in order of first appearance.
    pub uploads: Vec<NamedSet>,
    /// Campaigns' dialed sets, in order of first appearance in the vendor log.
    pub campaigns: Vec<NamedSet>,
    /// Downloads, in order of first appearance.
    pub downloads: Vec<NamedSet>,
    /// Poll response sets, by campaign then keypress (in order of first appearance).
    pub polls: Vec<NamedSet>,
    /// Watch-lists, in order of first appearance.
    pub watchlists: Vec<NamedSet>,
    /// Lines in the population: distinct numbers of the population table, else the case's
    /// `population` figure, else 0.
    pub population: u64,
}

impl Lists {
    /// Uploads then campaigns: the lists that may derive from a download.
    pub fn derived(&self) -> Vec<&NamedSet> {
        self.uploads.iter().chain(&self.campaigns).collect()
    }

    /// Downloads then poll response sets: the sources compared with [`Lists::derived`].
    pub fn sources(&self) -> Vec<&NamedSet> {
        self.downloads.iter().chain(&self.polls).collect()
    }

    /// The lists with each kind's sets made by `f` from this one's (called in
    /// [`Lists::all`]'s order), the population kept.
    pub fn map_sets(&self, mut f: impl FnMut(&[NamedSet]) -> Vec<NamedSet>) -> Lists {
        Lists {
            uploads: f(&self.uploads),
            campaigns: f(&self.campaigns),
            downloads: f(&self.downloads),
            polls: f(&self.polls),
            watchlists: f(&self.watchlists),
            population: self.population,
        }
    }

    /// Every list, in the order of the enrichment table's candidates.
    pub fn all(&self) -> Vec<&NamedSet> {
        self.uploads
            .iter()
            .chain(&self.campaigns)
            .chain(&self.downloads)
            .chain(&self.polls)
            .chain(&self.watchlists)
            .collect()
    }
}

/// Where an upload went when [`unify`] ran: still an upload (its index among them), or merged
/// into a campaign's set (the campaign's index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Place {
    Upload(u32),
    Campaign(u32),
}

/// Merges each upload that names a campaign of the vendor log into that campaign's set (see the
/// module doc); an upload naming a campaign the log lacks stays an upload. Where each upload
/// went, by its index before.
fn unify(
    uploads: &mut Vec<NamedSet>,
    campaigns: &mut [NamedSet],
    links: &BTreeMap<String, String>,
) -> Vec<Place> {
    let mut places = Vec::with_capacity(uploads.len());
    uploads.retain(|u| {
        let Some((ci, c)) = links.get(&u.name).and_then(|c| {
            campaigns
                .iter_mut()
                .enumerate()
                .find(|(_, s)| s.campaign.as_ref() == Some(c))
        }) else {
            places.push(None);
            return true;
        };
        if c.upload.is_some() {
            places.push(None);
            return true; // a second upload for one campaign stays apart
        }
        let mut numbers = std::mem::take(&mut c.numbers);
        numbers.extend_from_slice(&u.numbers);
        numbers.sort_unstable();
        numbers.dedup();
        c.numbers = numbers;
        c.upload = Some(u.name.clone());
        if c.account.is_none() {
            c.account.clone_from(&u.account);
        }
        places.push(Some(ci as u32));
        false
    });
    let mut kept = 0;
    places
        .into_iter()
        .map(|p| match p {
            Some(c) => Place::Campaign(c),
            None => {
                kept += 1;
                Place::Upload(kept - 1)
            }
        })
        .collect()
}

/// The sets cut to the numbers of `slice` (borrowed whole when the slice is every number).
#[cfg(test)]
pub(crate) fn cut<'a>(
    sets: &[&'a NamedSet],
    slice: super::parts::Slice,
) -> Vec<std::borrow::Cow<'a, NamedSet>> {
    use std::borrow::Cow;
    sets.iter()
        .map(|&s| match slice.is_whole() {
            true => Cow::Borrowed(s),
            false => Cow::Owned(NamedSet {
                numbers: s
                    .numbers
                    .iter()
                    .copied()
                    .filter(|&n| slice.keeps(n))
                    .collect(),
                name: s.name.clone(),
                kind: s.kind,
                account: s.account.clone(),
                customer: s.customer.clone(),
                campaign: s.campaign.clone(),
                upload: s.upload.clone(),
            }),
        })
        .collect()
}

/// The sets as parallel membership columns `(set index, number)`, for the overlap kernel.
pub fn memberships(sets: &[&NamedSet]) -> (Vec<u32>, Vec<u64>) {
    let n: usize = sets.iter().map(|s| s.numbers.len()).sum();
    let mut l = Vec::with_capacity(n);
    let mut m = Vec::with_capacity(n);
    for (i, s) in sets.iter().enumerate() {
        l.extend(std::iter::repeat_n(i as u32, s.numbers.len()));
        m.extend_from_slice(&s.numbers);
    }
    (l, m)
}

/// Per list (in [`Lists::all`] order) and for the complainants' numbers: how many distinct
/// numbers the population holds and how many it does not.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// Per list, its numbers in the population.
    pub inside: Vec<u64>,
    /// Per list, its numbers outside the population.
    pub outside: Vec<u64>,
    /// Complainants' numbers in the population.
    pub marked_inside: u64,
    /// Complainants' numbers outside it.
    pub marked_outside: u64,
}

impl Coverage {
    /// The counts of two parts of the numbers, added.
    pub fn merge(&self, o: &Coverage) -> Coverage {
        let add = |p: &[u64], q: &[u64]| p.iter().zip(q).map(|(u, v)| u + v).collect();
        Coverage {
            inside: add(&self.inside, &o.inside),
            outside: add(&self.outside, &o.outside),
            marked_inside: self.marked_inside + o.marked_inside,
            marked_outside: self.marked_outside + o.marked_outside,
        }
    }
}

/// The lists and the complainants' numbers (`marked`, distinct, ascending) cut to the numbers
/// of `population` (any order, repeats allowed), with what was left out. Every list stays,
/// empty or not, so that its index in [`Lists::derived`], [`Lists::sources`] and
/// [`Lists::all`] is the same as in `lists`; `population` (the urn's size) is kept.
pub fn restrict(lists: &Lists, marked: &[u64], population: &[u64]) -> (Lists, Vec<u64>, Coverage) {
    let all = lists.all();
    let members: Vec<u64> = all
        .iter()
        .flat_map(|s| s.numbers.iter().copied())
        .chain(marked.iter().copied())
        .collect();
    let found = join::lookup_first(&members, population);
    let mut at = 0;
    let mut keep = |numbers: &[u64]| -> Vec<u64> {
        let f = &found[at..at + numbers.len()];
        at += numbers.len();
        numbers
            .iter()
            .zip(f)
            .filter(|(_, row)| row.is_some())
            .map(|(n, _)| *n)
            .collect()
    };
    let cut = |sets: &[NamedSet]| -> Vec<NamedSet> {
        sets.iter()
            .map(|s| NamedSet {
                numbers: keep(&s.numbers),
                ..s.clone()
            })
            .collect()
    };
    // In the order of `all`, which `found` follows.
    let inner = lists.map_sets(cut);
    let marked_in = keep(marked);
    let inside: Vec<u64> = inner.all().iter().map(|s| s.numbers.len() as u64).collect();
    let coverage = Coverage {
        outside: all
            .iter()
            .zip(&inside)
            .map(|(s, i)| s.numbers.len() as u64 - i)
            .collect(),
        inside,
        marked_inside: marked_in.len() as u64,
        marked_outside: (marked.len() - marked_in.len()) as u64,
    };
    (inner, marked_in, coverage)
}

/// `results/population_coverage` (written with `[analysis] restrict_to_population`): per list
/// (in [`Lists::all`] order), then for the complainants' numbers (`list` `complainants`), the
/// distinct numbers, those in the population (the sizes overlaps and enrichment count) and
/// those left out.
///
/// # Errors
/// Only if the columns came out of different lengths, which would be a bug.
pub fn coverage_table(lists: &Lists, c: &Coverage) -> Result<RecordBatch> {
    let all = lists.all();
    let mut name: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
    let mut kind: Vec<&str> = all.iter().map(|s| s.kind.label()).collect();
    let (mut inside, mut outside) = (c.inside.clone(), c.outside.clone());
    name.push("complainants");
    kind.push("complainants");
    inside.push(c.marked_inside);
    outside.push(c.marked_outside);
    TableBuilder::default()
        .text_dense("list", &name)
        .text_dense("kind", &kind)
        .u64(
            "numbers",
            inside.iter().zip(&outside).map(|(i, o)| i + o).collect(),
        )
        .u64("in_population", inside)
        .u64("outside_population", outside)
        .build(Table::PopulationCoverage)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{StringArray, UInt64Array};

    use super::super::overlaps;
    use super::super::parts::RowKeys;
    use super::super::registry::Registry;
    use super::super::testkit::table;
    use super::*;
    use crate::model::Kind;
    use proptest::prelude::*;

    #[test]
    fn groups_by_name_with_the_first_account_and_poll_keys() {
        let vc = table(
            Kind::VendorCalls,
            5,
            vec![
                ("dialed", Arc::new(UInt64Array::from(vec![3, 1, 3, 2, 1]))),
                (
                    "campaign",
                    Arc::new(StringArray::from(vec!["x", "x", "y", "x", "x"])),
                ),
                (
                    "account",
                    Arc::new(StringArray::from(vec![
                        None,
                        Some("acc"),
                        Some("b"),
                        None,
                        None,
                    ])),
                ),
                (
                    "keypress",
                    Arc::new(StringArray::from(vec![
                        Some("1"),
                        Some("1"),
                        None,
                        Some("2"),
                        Some("1"),
                    ])),
                ),
            ],
        );
        let mut g = Gather::default();
        g.vendor_calls(&vc, &RowKeys::in_order(vc.num_rows()))
            .unwrap();
        let lists = g.finish_whole(None, &Registry::default());
        let c = &lists.campaigns;
        assert_eq!(c.len(), 2);
        assert_eq!(
            (c[0].name.as_str(), c[0].numbers.as_slice()),
            ("campaign:x", &[1, 2, 3][..])
        );
        assert_eq!(c[0].account.as_deref(), Some("acc"));
        assert_eq!(c[1].campaign.as_deref(), Some("y"));
        let p = &lists.polls;
        let names: Vec<&str> = p.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["poll:x:key=1", "poll:x:key=2"]);
        assert_eq!(p[0].numbers, [1, 3]);
        let (l, m) = memberships(&[&p[0], &p[1]]);
        assert_eq!((l, m), (vec![0, 0, 1], vec![1, 3, 2]));
    }

    fn list(name: &str, kind: ListKind, numbers: &[u64]) -> NamedSet {
        NamedSet {
            name: name.into(),
            kind,
            account: None,
            customer: None,
            campaign: None,
            upload: None,
            numbers: numbers.to_vec(),
        }
    }

    #[test]
    fn an_upload_and_the_campaign_that_dialled_it_are_one_entity() {
        let mut uploads = vec![
            list("upload:u1", ListKind::Upload, &[1, 2, 3]),
            list("upload:u2", ListKind::Upload, &[7]),
            list("upload:u3", ListKind::Upload, &[8]),
            list("upload:u4", ListKind::Upload, &[9]),
        ];
        let mut campaigns = vec![NamedSet {
            campaign: Some("c".into()),
            ..list("campaign:c", ListKind::Campaign, &[2, 3, 4])
        }];
        let links: BTreeMap<String, String> = [
            ("upload:u1", "c"),  // merged
            ("upload:u3", "c"),  // a second upload for c: stays apart
            ("upload:u4", "zz"), // a campaign the log lacks: stays an upload
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let places = unify(&mut uploads, &mut campaigns, &links);
        assert_eq!(
            places,
            [
                Place::Campaign(0),
                Place::Upload(0),
                Place::Upload(1),
                Place::Upload(2)
            ]
        );
        let names: Vec<&str> = uploads.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["upload:u2", "upload:u3", "upload:u4"]);
        assert_eq!(campaigns[0].numbers, [1, 2, 3, 4]);
        assert_eq!(campaigns[0].upload.as_deref(), Some("upload:u1"));
        assert_eq!(campaigns[0].name, "campaign:c");
    }

    /// An upload and a download of the population 1..=10, each with numbers outside it.
    fn two_lists() -> Lists {
        Lists {
            uploads: vec![list("upload:u", ListKind::Upload, &[1, 2, 3, 4, 101, 102])],
            downloads: vec![list(
                "download:d",
                ListKind::Download,
                &[1, 2, 3, 101, 102, 103, 104],
            )],
            population: 10,
            ..Lists::default()
        }
    }

    fn p_of(ln_p: f64, want: f64) {
        assert!(
            (ln_p - want.ln()).abs() < 1e-12,
            "p = {} != {want}",
            ln_p.exp()
        );
    }

    /// Hypergeometric tails worked by hand, N = 10, with every number counted and with the
    /// population's only.
    #[test]
    fn restricting_to_the_population_counts_in_it_and_reports_the_rest() {
        let lists = two_lists();
        let population: Vec<u64> = (1..=10).rev().chain([3, 3]).collect();
        let complainants = [2, 3, 4, 105];
        let rows = |l: &Lists, marked: &[u64]| {
            let (a, b) = (l.derived(), l.sources());
            let ov = overlaps::finish(&overlaps::count(&a, &b), &a, &b, l.population);
            let e = overlaps::count_enrichment(&l.all(), marked);
            let er = overlaps::finish_enrichment(&e, l.population);
            (ov, e, er)
        };
        // Every number: u and d share 1, 2, 3, 101, 102. P(X >= 5), X ~ Hyp(10, 7, 6)
        // = (C(7,5) C(3,1) + C(7,6)) / C(10,6) = (63 + 7) / 210 = 1/3. Enrichment (K = 4):
        // u holds 2, 3, 4: P(X >= 3), X ~ Hyp(10, 4, 6) = (4·20 + 15) / 210 = 19/42; d holds
        // 2, 3: P(X >= 2), X ~ Hyp(10, 4, 7) = 1 − C(4,1) C(6,6) / C(10,7) = 29/30.
        let (ov, e, er) = rows(&lists, &complainants);
        assert_eq!((ov[0].size_a, ov[0].size_b, ov[0].overlap), (6, 7, 5));
        p_of(ov[0].ln_p, 1.0 / 3.0);
        assert_eq!(
            (e.size.clone(), e.overlap.clone(), e.marked),
            (vec![6, 7], vec![3, 2], 4)
        );
        assert_eq!((er[0].list, er[1].list), (0, 1));
        p_of(er[0].ln_p, 19.0 / 42.0);
        p_of(er[1].ln_p, 29.0 / 30.0);
        // The population's numbers only: u = 1..4, d = 1..3, complainants 2, 3, 4. P(X >= 3),
        // X ~ Hyp(10, 3, 4) = C(7,1) / C(10,4) = 1/30. Enrichment (K = 3): u, P(X >= 3) with
        // X ~ Hyp(10, 3, 4) = 1/30; d, P(X >= 2) with X ~ Hyp(10, 3, 3) = (3·7 + 1) / 120.
        let (inner, marked, c) = restrict(&lists, &complainants, &population);
        assert_eq!(marked, [2, 3, 4]);
        assert_eq!(inner.uploads[0].numbers, [1, 2, 3, 4]);
        assert_eq!(inner.downloads[0].numbers, [1, 2, 3]);
        assert_eq!(inner.population, 10);
        let (ov, e, er) = rows(&inner, &marked);
        assert_eq!((ov[0].size_a, ov[0].size_b, ov[0].overlap), (4, 3, 3));
        p_of(ov[0].ln_p, 1.0 / 30.0);
        assert_eq!(
            (e.size.clone(), e.overlap.clone(), e.marked),
            (vec![4, 3], vec![3, 2], 3)
        );
        assert_eq!((er[0].list, er[1].list), (0, 1));
        p_of(er[0].ln_p, 1.0 / 30.0);
        p_of(er[1].ln_p, 22.0 / 120.0);
        assert_eq!(
            c,
            Coverage {
                inside: vec![4, 3],
                outside: vec![2, 4],
                marked_inside: 3,
                marked_outside: 1,
            }
        );
        let t = coverage_table(&lists, &c).unwrap();
        let texts = |name: &str| -> Vec<String> {
            let a = t.column_by_name(name).unwrap();
            let a = a.as_any().downcast_ref::<StringArray>().unwrap();
            a.iter().map(|v| v.unwrap().to_string()).collect()
        };
        let counts = |name: &str| -> Vec<u64> {
            let a = t.column_by_name(name).unwrap();
            a.as_any()
                .downcast_ref::<UInt64Array>()
                .unwrap()
                .values()
                .to_vec()
        };
        assert_eq!(texts("list"), ["upload:u", "download:d", "complainants"]);
        assert_eq!(texts("kind"), ["upload", "download", "complainants"]);
        assert_eq!(counts("numbers"), [6, 7, 4]);
        assert_eq!(counts("in_population"), [4, 3, 3]);
        assert_eq!(counts("outside_population"), [2, 4, 1]);
    }

    proptest! {
        /// restrict(A) + restrict(B) == restrict(A ∪ B) for any split of the numbers: the
        /// coverage counts add, and so do the overlaps counted on the restricted lists.
        #[test]
        fn restricted_counts_add_over_any_split_of_the_numbers(
            sets in prop::collection::vec(prop::collection::btree_set(0u64..24, 0..10), 4),
            population in prop::collection::vec(0u64..24, 0..20),
            mask in any::<u32>(),
        ) {
            let mk = |f: &dyn Fn(u64) -> bool| {
                let l = |i: usize, kind: ListKind| {
                    let n: Vec<u64> = sets[i].iter().copied().filter(|&n| f(n)).collect();
                    list(&format!("s{i}"), kind, &n)
                };
                let lists = Lists {
                    uploads: vec![l(0, ListKind::Upload)],
                    campaigns: vec![l(1, ListKind::Campaign)],
                    downloads: vec![l(2, ListKind::Download)],
                    watchlists: vec![l(3, ListKind::Watchlist)],
                    population: 24,
                    ..Lists::default()
                };
                let marked: Vec<u64> = (0..24).step_by(5).filter(|&n| f(n)).collect();
                restrict(&lists, &marked, &population)
            };
            let part = |n: u64| mask >> n & 1 == 1;
            let (wl, wm, wc) = mk(&|_| true);
            let (pl, pm, pc) = mk(&part);
            let (ql, qm, qc) = mk(&|n| !part(n));
            prop_assert_eq!(pc.merge(&qc), wc.clone());
            for (i, s) in wl.all().iter().enumerate() {
                prop_assert!(s.numbers.iter().all(|n| population.contains(n)));
                prop_assert_eq!(wc.inside[i], s.numbers.len() as u64);
            }
            prop_assert!(wm.iter().all(|n| population.contains(n)));
            let ov = |l: &Lists| overlaps::count(&l.derived(), &l.sources());
            prop_assert_eq!(overlaps::merge(&ov(&pl), &ov(&ql)), ov(&wl));
            let en = |l: &Lists, m: &[u64]| overlaps::count_enrichment(&l.all(), m);
            prop_assert_eq!(en(&pl, &pm).merge(&en(&ql, &qm)), en(&wl, &wm));
        }
    }
}
