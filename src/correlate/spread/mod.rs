//! Analysis 6, spread and skew: which districts the numbers of each campaign, list, download
//! and top originating number fall in, against the districts the account behind it may reach
//! (its download logs' scope); and whether the recipients' attributes (age band, party) differ
//! from the population's (G-test), and in which direction (per category, the recipients
//! observed against those the population's shares lead one to expect).
//!
//! *count* (`count`): per set, numbers per district and per attribute value; numbers, so the
//! counts over any split of the sets' numbers add ([`SpreadCounts::merge`]).
//!
//! *finish* (`spread_table`, `skew_table`, `skew_categories_table`): shares, scope verdicts,
//! G, ln p and ln q, expected counts and shares.

use std::collections::BTreeMap;

use arrow::array::RecordBatch;
use rayon::prelude::*;

use super::cols::TableBuilder;
use super::lists::{ListKind, NamedSet};
use crate::error::Result;
use crate::join;
use crate::model::results::Table;
use crate::normalize::phone::format_e164;
use crate::stats;
use serde::{Deserialize, Serialize};

mod geography;

pub(crate) use geography::{GeoCatalog, GeoGather, Geography};

/// One set whose spread is measured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpreadSet {
    /// `kind:name`, or `number:+E164` for an originating number.
    pub name: String,
    /// `campaign`, `upload`, `download` or `number`.
    pub kind: &'static str,
    /// The account behind it, where known.
    pub account: Option<String>,
    /// The customer behind it, where the campaign registry names one.
    pub customer: Option<String>,
    /// Distinct numbers, ascending (for a number: the complainants it reached).
    pub numbers: Vec<u64>,
}

impl SpreadSet {
    /// The set of a list.
    pub fn of_list(s: &NamedSet) -> SpreadSet {
        SpreadSet {
            name: s.name.clone(),
            kind: s.kind.label(),
            account: s.account.clone(),
            customer: s.customer.clone(),
            numbers: s.numbers.clone(),
        }
    }

    /// The set of the complainants an originating number reached.
    pub fn of_number(n: u64, reached: Vec<u64>) -> SpreadSet {
        SpreadSet {
            name: format!("number:{}", format_e164(n)),
            kind: "number",
            account: None,
            customer: None,
            numbers: reached,
        }
    }
}

/// The recipients of a set against an account's scope (what the chains read of the spread).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Beyond {
    /// The scope: `national`, or its districts joined with `; `.
    pub scope: String,
    /// Recipients placed in a district.
    pub placed: u64,
    /// Of them, per district outside the scope (district order), with how many.
    pub outside: Vec<(String, u64)>,
}

/// The recipients of set `s` (counted in `c`) against the scope of `account`'s downloads;
/// `None` when the account has no download log.
pub(crate) fn beyond(geo: &Geography, c: &SpreadCounts, s: usize, account: &str) -> Option<Beyond> {
    let sc = geo.scope.get(account)?;
    let counts = c.district.get(s)?;
    let outside = counts
        .iter()
        .enumerate()
        .filter(|&(d, &n)| n > 0 && !sc.national && !sc.districts.contains(&geo.districts[d]))
        .map(|(d, &n)| (geo.districts[d].clone(), n))
        .collect();
    Some(Beyond {
        scope: if sc.national {
            "national".into()
        } else {
            sc.districts.iter().cloned().collect::<Vec<_>>().join("; ")
        },
        placed: counts.iter().sum(),
        outside,
    })
}

/// Per set: numbers per district and without one; per attribute, per set (but numbers), the
/// population numbers per value; per attribute, the population rows per value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpreadCounts {
    /// Per set, per district code.
    pub district: Vec<Vec<u64>>,
    /// Per set, numbers with no district.
    pub no_district: Vec<u64>,
    /// Per attribute, per set that is not a number, per value.
    pub observed: Vec<Vec<Vec<u64>>>,
    /// Per attribute, per value: population rows.
    pub base: Vec<Vec<u64>>,
}

fn add_into(x: &mut [u64], y: &[u64]) {
    for (u, v) in x.iter_mut().zip(y) {
        *u += v;
    }
}

impl SpreadCounts {
    /// The counts of two parts of the sets' numbers (and of the population), added.
    pub fn merge(mut self, o: &SpreadCounts) -> SpreadCounts {
        for (x, y) in self.district.iter_mut().zip(&o.district) {
            add_into(x, y);
        }
        add_into(&mut self.no_district, &o.no_district);
        for (xa, ya) in self.observed.iter_mut().zip(&o.observed) {
            for (x, y) in xa.iter_mut().zip(ya) {
                add_into(x, y);
            }
        }
        for (x, y) in self.base.iter_mut().zip(&o.base) {
            add_into(x, y);
        }
        self
    }
}

/// Counts the sets. Every member is looked up once in the district table and once in the
/// population (one join each for all the sets).
pub(crate) fn count(geo: &Geography, sets: &[SpreadSet]) -> SpreadCounts {
    let members: Vec<u64> = sets
        .iter()
        .flat_map(|s| s.numbers.iter().copied())
        .collect();
    let mut bounds = Vec::with_capacity(sets.len() + 1);
    bounds.push(0usize);
    for s in sets {
        bounds.push(bounds[bounds.len() - 1] + s.numbers.len());
    }
    let (in_table, in_pop) = rayon::join(
        || join::lookup_first(&members, &geo.table_number),
        || join::lookup_first(&members, &geo.pop_number),
    );
    let nd = geo.districts.len();
    let (district, no_district): (Vec<Vec<u64>>, Vec<u64>) = (0..sets.len())
        .into_par_iter()
        .map(|s| {
            let mut counts = vec![0u64; nd];
            let mut none = 0u64;
            for row in &in_table[bounds[s]..bounds[s + 1]] {
                match row.map(|r| geo.table_district[r as usize] as usize) {
                    Some(d) if d < nd => counts[d] += 1,
                    _ => none += 1,
                }
            }
            (counts, none)
        })
        .unzip();
    let named: Vec<usize> = (0..sets.len())
        .filter(|&s| sets[s].kind != "number")
        .collect();
    let observed = geo
        .attributes
        .iter()
        .map(|(_, codes)| {
            named
                .par_iter()
                .map(|&s| {
                    let mut obs = vec![0u64; codes.len()];
                    for row in in_pop[bounds[s]..bounds[s + 1]].iter().flatten() {
                        let c = codes.codes[*row as usize];
                        if c != super::cols::NONE {
                            obs[c as usize] += 1;
                        }
                    }
                    obs
                })
                .collect()
        })
        .collect();
    let base = geo
        .attributes
        .iter()
        .map(|(_, codes)| {
            let mut b = vec![0u64; codes.len()];
            for &c in &codes.codes {
                if c != super::cols::NONE {
                    b[c as usize] += 1;
                }
            }
            b
        })
        .collect();
    SpreadCounts {
        district,
        no_district,
        observed,
        base,
    }
}

/// `results/spread`: per set, per district reached, the recipients, their share, and whether
/// the district is in the scope of the account behind the set. A set whose own account has no
/// download log takes the scope of the account behind its source download (`source_of`: set
/// name → (download name, account)).
///
/// # Errors
/// Only if the columns came out of different lengths, which would be a bug.
pub(crate) fn spread_table(
    geo: &Geography,
    sets: &[SpreadSet],
    c: &SpreadCounts,
    source_of: &BTreeMap<String, (String, String)>,
) -> Result<RecordBatch> {
    let mut t = SpreadRows::default();
    for (s, set) in sets.iter().enumerate() {
        let total = (c.district[s].iter().sum::<u64>() + c.no_district[s]).max(1) as f64;
        let own = set.account.as_ref().and_then(|a| geo.scope.get(a));
        let (sc, from) = match (own, source_of.get(&set.name)) {
            (Some(sc), _) => (
                Some(sc),
                set.account.as_ref().map(|a| format!("account {a}")),
            ),
            (None, Some((dl, acc))) => (
                geo.scope.get(acc),
                Some(format!("account {acc} of source {dl}")),
            ),
            (None, None) => (None, None),
        };
        for (d, &n) in c.district[s].iter().enumerate() {
            if n == 0 {
                continue;
            }
            let name = &geo.districts[d];
            let verdict = sc.map(|x| {
                if x.national || x.districts.contains(name) {
                    "in_scope"
                } else {
                    "outside_scope"
                }
            });
            t.push(
                set,
                Some(name.clone()),
                n,
                n as f64 / total,
                verdict,
                sc.and(from.clone()),
            );
        }
        if c.no_district[s] > 0 {
            let n = c.no_district[s];
            t.push(set, None, n, n as f64 / total, None, None);
        }
    }
    TableBuilder::default()
        .text_dense("set", &t.set)
        .text_dense("kind", &t.kind)
        .text("account", t.account)
        .text("customer", t.customer)
        .text("district", t.district)
        .u64("recipients", t.recipients)
        .f64("share", t.share)
        .text("scope", t.scope)
        .text("scope_from", t.scope_from)
        .build(Table::Spread)
}

#[derive(Default)]
struct SpreadRows {
    set: Vec<String>,
    kind: Vec<&'static str>,
    account: Vec<Option<String>>,
    customer: Vec<Option<String>>,
    district: Vec<Option<String>>,
    recipients: Vec<u64>,
    share: Vec<f64>,
    scope: Vec<Option<&'static str>>,
    scope_from: Vec<Option<String>>,
}

impl SpreadRows {
    fn push(
        &mut self,
        set: &SpreadSet,
        district: Option<String>,
        n: u64,
        share: f64,
        scope: Option<&'static str>,
        from: Option<String>,
    ) {
        self.set.push(set.name.clone());
        self.kind.push(set.kind);
        self.account.push(set.account.clone());
        self.customer.push(set.customer.clone());
        self.district.push(district);
        self.recipients.push(n);
        self.share.push(share);
        self.scope.push(scope);
        self.scope_from.push(from);
    }
}

/// `results/skew`: per set (but numbers) and attribute, the G-test of the recipients found in
/// the population against the population's proportions; q over every row.
///
/// # Errors
/// Only if the columns came out of different lengths, which would be a bug.
pub(crate) fn skew_table(
    geo: &Geography,
    sets: &[SpreadSet],
    c: &SpreadCounts,
) -> Result<RecordBatch> {
    let named: Vec<&SpreadSet> = sets.iter().filter(|s| s.kind != "number").collect();
    let (mut set, mut attr, mut g, mut df, mut ln_p, mut n) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let mut owner: Vec<&SpreadSet> = vec![];
    for (a, (name, codes)) in geo.attributes.iter().enumerate() {
        if codes.is_empty() {
            continue;
        }
        let total: u64 = c.base[a].iter().sum();
        let props: Vec<f64> = c.base[a]
            .iter()
            .map(|&b| b as f64 / total.max(1) as f64)
            .collect();
        for (s, obs) in named.iter().zip(&c.observed[a]) {
            let n_obs: u64 = obs.iter().sum();
            if n_obs == 0 {
                continue;
            }
            let t = stats::g_test(obs, &props);
            set.push(s.name.clone());
            owner.push(s);
            attr.push(name.as_str());
            g.push(t.g);
            df.push(t.df as u64);
            ln_p.push(t.ln_p);
            n.push(n_obs);
        }
    }
    let ln_q = stats::bh_ln_q(&ln_p);
    TableBuilder::default()
        .text_dense("set", &set)
        .text("account", owner.iter().map(|s| s.account.clone()).collect())
        .text(
            "customer",
            owner.iter().map(|s| s.customer.clone()).collect(),
        )
        .text_dense("attribute", &attr)
        .u64("recipients_in_population", n)
        .f64("g", g)
        .u64("df", df)
        .test_columns(ln_p, ln_q)
        .build(Table::Skew)
}

/// `results/skew_categories`: the direction of each skew. Per row of the skew table (a set but
/// a number, and an attribute), one row per category of the attribute in the population, by
/// category name: the recipients `observed` in it (of the `n` found in the population with a
/// known value) and the `expected` count `n · w / Σw` (`w`: the population rows holding the
/// value, `population`), their shares of `n` and `observed / expected` (`ratio`; above 1 the
/// category is over-represented). A category no recipient holds is a row with `observed` 0:
/// under-representation is a direction too. The categories are those of the G-test (held by
/// some population row).
///
/// # Errors
/// Only if the columns came out of different lengths, which would be a bug.
pub(crate) fn skew_categories_table(
    geo: &Geography,
    sets: &[SpreadSet],
    c: &SpreadCounts,
) -> Result<RecordBatch> {
    let named: Vec<&SpreadSet> = sets.iter().filter(|s| s.kind != "number").collect();
    let mut t = CategoryRows::default();
    for (a, (name, codes)) in geo.attributes.iter().enumerate() {
        let base = &c.base[a];
        let total: u64 = base.iter().sum();
        if codes.is_empty() || total == 0 {
            continue;
        }
        let mut by_name: Vec<usize> = (0..codes.len()).filter(|&k| base[k] > 0).collect();
        by_name.sort_by(|&x, &y| codes.names[x].cmp(&codes.names[y]));
        for (s, obs) in named.iter().zip(&c.observed[a]) {
            let n: u64 = obs.iter().sum();
            if n == 0 {
                continue;
            }
            for &k in &by_name {
                let expected_share = base[k] as f64 / total as f64;
                let expected = n as f64 * base[k] as f64 / total as f64;
                t.set.push(s.name.clone());
                t.attribute.push(name.clone());
                t.category.push(codes.names[k].clone());
                t.observed.push(obs[k]);
                t.observed_share.push(obs[k] as f64 / n as f64);
                t.expected.push(expected);
                t.expected_share.push(expected_share);
                t.ratio.push(obs[k] as f64 / expected);
                t.population.push(base[k]);
            }
        }
    }
    TableBuilder::default()
        .text_dense("set", &t.set)
        .text_dense("attribute", &t.attribute)
        .text_dense("category", &t.category)
        .u64("observed", t.observed)
        .f64("observed_share", t.observed_share)
        .f64("expected", t.expected)
        .f64("expected_share", t.expected_share)
        .f64("ratio", t.ratio)
        .u64("population", t.population)
        .build(Table::SkewCategories)
}

#[derive(Default)]
struct CategoryRows {
    set: Vec<String>,
    attribute: Vec<String>,
    category: Vec<String>,
    observed: Vec<u64>,
    observed_share: Vec<f64>,
    expected: Vec<f64>,
    expected_share: Vec<f64>,
    ratio: Vec<f64>,
    population: Vec<u64>,
}

/// The sets whose spread is measured: campaigns, uploads, downloads, then the top originating
/// numbers with the complainants each reached.
pub(crate) fn sets(
    campaigns: &[NamedSet],
    uploads: &[NamedSet],
    downloads: &[NamedSet],
    top_numbers: Vec<(u64, Vec<u64>)>,
) -> Vec<SpreadSet> {
    let mut v: Vec<SpreadSet> = campaigns
        .iter()
        .chain(uploads)
        .chain(downloads)
        .map(SpreadSet::of_list)
        .collect();
    v.extend(
        top_numbers
            .into_iter()
            .map(|(n, r)| SpreadSet::of_number(n, r)),
    );
    debug_assert!(v.iter().all(|s| s.kind != ListKind::Watchlist.label()));
    v
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, AsArray, Float64Array, StringArray, UInt64Array};
    use proptest::prelude::*;

    use super::super::parts::Slice;
    use super::super::testkit::{self, table};
    use super::*;
    use crate::model::Kind;

    fn geography() -> Geography {
        population_geography(
            &[1, 2, 3, 4],
            &[Some("North"), Some("North"), Some("South"), None],
            &[Some("18-34"), Some("35+"), Some("35+"), Some("35+")],
            &[None; 4],
        )
    }

    /// The population given, a download of account `acc` scoped to the North, and complainant
    /// 9 in the East (outside the population).
    fn population_geography(
        numbers: &[u64],
        district: &[Option<&str>],
        age: &[Option<&str>],
        party: &[Option<&str>],
    ) -> Geography {
        let text = |v: &[Option<&str>]| -> ArrayRef { Arc::new(StringArray::from(v.to_vec())) };
        let population = table(
            Kind::Population,
            numbers.len(),
            vec![
                ("number", Arc::new(UInt64Array::from(numbers.to_vec()))),
                ("district", text(district)),
                ("age_band", text(age)),
                ("party", text(party)),
            ],
        );
        let downloads = table(
            Kind::Downloads,
            1,
            vec![
                ("number", Arc::new(UInt64Array::from(vec![1]))),
                ("account", Arc::new(StringArray::from(vec!["acc"]))),
                ("scope", Arc::new(StringArray::from(vec!["North"]))),
            ],
        );
        let comp = testkit::complainants(&[(9, "a", true, Some("East"))]);
        Geography::read(&population, &downloads, &comp).unwrap()
    }

    /// Six lines: age bands first seen out of name order, one age and one party unknown.
    fn skewed_geography() -> Geography {
        population_geography(
            &[1, 2, 3, 4, 5, 6],
            &[Some("North"); 6],
            &[
                Some("65+"),
                Some("18-34"),
                Some("65+"),
                Some("35-64"),
                None,
                Some("65+"),
            ],
            &[Some("A"), Some("B"), Some("A"), Some("A"), Some("B"), None],
        )
    }

    fn set(name: &str, account: Option<&str>, numbers: &[u64]) -> SpreadSet {
        SpreadSet {
            name: name.into(),
            kind: "upload",
            account: account.map(str::to_string),
            customer: None,
            numbers: numbers.to_vec(),
        }
    }

    #[test]
    fn districts_against_the_accounts_scope() {
        let g = geography();
        assert_eq!(g.districts, ["North", "South", "East"]);
        let sets = vec![set("upload:u", Some("acc"), &[1, 2, 3, 4, 9, 77])];
        let c = count(&g, &sets);
        assert_eq!(
            (c.district[0].clone(), c.no_district[0]),
            (vec![2, 1, 1], 2)
        );
        let t = spread_table(&g, &sets, &c, &BTreeMap::new()).unwrap();
        let scope: Vec<Option<&str>> = t
            .column_by_name("scope")
            .unwrap()
            .as_string::<i32>()
            .iter()
            .collect();
        assert_eq!(
            scope,
            [
                Some("in_scope"),
                Some("outside_scope"),
                Some("outside_scope"),
                None
            ]
        );
        // Population: one 18-34 and three 35+; the set holds all four population numbers.
        assert_eq!(
            (c.base[0].clone(), c.observed[0][0].clone()),
            (vec![1, 3], vec![1, 3])
        );
        let k = skew_table(&g, &sets, &c).unwrap();
        assert_eq!(k.num_rows(), 1);
        // The chains' view of the same: 4 placed, South and East outside North.
        assert_eq!(
            beyond(&g, &c, 0, "acc"),
            Some(Beyond {
                scope: "North".into(),
                placed: 4,
                outside: vec![("South".into(), 1), ("East".into(), 1)],
            })
        );
        assert_eq!(beyond(&g, &c, 0, "no-downloads"), None);
    }

    fn texts(t: &RecordBatch, name: &str) -> Vec<String> {
        let a = t.column_by_name(name).unwrap().as_string::<i32>();
        a.iter().map(|v| v.unwrap().to_string()).collect()
    }

    fn counts_of(t: &RecordBatch, name: &str) -> Vec<u64> {
        let a = t.column_by_name(name).unwrap();
        a.as_any()
            .downcast_ref::<UInt64Array>()
            .unwrap()
            .values()
            .to_vec()
    }

    fn floats(t: &RecordBatch, name: &str) -> Vec<f64> {
        let a = t.column_by_name(name).unwrap();
        a.as_any()
            .downcast_ref::<Float64Array>()
            .unwrap()
            .values()
            .to_vec()
    }

    fn close(got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len(), "{got:?} {want:?}");
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{got:?} != {want:?}");
        }
    }

    #[test]
    fn skew_categories_show_the_direction_against_the_population() {
        let g = skewed_geography();
        let sets = vec![
            // In the population: 1 (65+, A), 2 (18-34, B), 3 (65+, A), 5 (age unknown, B).
            set("upload:s", None, &[1, 2, 3, 5, 99]),
            // 4 (35-64, A).
            set("upload:t", None, &[4]),
            // Nobody in the population: no row.
            set("upload:u", None, &[99]),
            SpreadSet::of_number(7, vec![1, 2]),
        ];
        let c = count(&g, &sets);
        let t = skew_categories_table(&g, &sets, &c).unwrap();
        // Age: population rows 65+ 3, 18-34 1, 35-64 1 (Σ 5, row 5 unknown); categories by
        // name. Set s: n = 3 known ages (1, 2, 3), E = 3 · w / 5. Set t: n = 1.
        // Party: A 3, B 2 (Σ 5, row 6 unknown). Set s: n = 4 (1, 2, 3, 5); t: n = 1.
        let s3 = ["upload:s"; 3];
        let t3 = ["upload:t"; 3];
        let s2 = ["upload:s"; 2];
        let t2 = ["upload:t"; 2];
        assert_eq!(texts(&t, "set"), [&s3[..], &t3, &s2, &t2].concat());
        let age = ["age_band"; 6];
        let party = ["party"; 4];
        assert_eq!(texts(&t, "attribute"), [&age[..], &party].concat());
        let ages = ["18-34", "35-64", "65+"];
        let parties = ["A", "B"];
        assert_eq!(
            texts(&t, "category"),
            [&ages[..], &ages, &parties, &parties].concat()
        );
        assert_eq!(counts_of(&t, "observed"), [1, 0, 2, 0, 1, 0, 2, 2, 1, 0]);
        assert_eq!(counts_of(&t, "population"), [1, 1, 3, 1, 1, 3, 3, 2, 3, 2]);
        close(
            &floats(&t, "observed_share"),
            &[1. / 3., 0., 2. / 3., 0., 1., 0., 0.5, 0.5, 1., 0.],
        );
        close(
            &floats(&t, "expected"),
            &[0.6, 0.6, 1.8, 0.2, 0.2, 0.6, 2.4, 1.6, 0.6, 0.4],
        );
        close(
            &floats(&t, "expected_share"),
            &[0.2, 0.2, 0.6, 0.2, 0.2, 0.6, 0.6, 0.4, 0.6, 0.4],
        );
        close(
            &floats(&t, "ratio"),
            &[
                1. / 0.6,
                0.,
                2. / 1.8,
                0.,
                5.,
                0.,
                2. / 2.4,
                1.25,
                1. / 0.6,
                0.,
            ],
        );
        // One block of categories per row of the skew table, in its order.
        let k = skew_table(&g, &sets, &c).unwrap();
        let keys: Vec<(String, String)> = texts(&k, "set")
            .into_iter()
            .zip(texts(&k, "attribute"))
            .collect();
        let mut blocks: Vec<(String, String)> = texts(&t, "set")
            .into_iter()
            .zip(texts(&t, "attribute"))
            .collect();
        blocks.dedup();
        assert_eq!(blocks, keys);
        // The skew table's n is the categories' observed total.
        assert_eq!(counts_of(&k, "recipients_in_population"), [3, 1, 4, 1]);
    }

    proptest! {
        /// count(A) + count(B) == count(A ∪ B) for any split of the sets' numbers.
        #[test]
        fn counts_add_over_any_split_of_the_numbers(
            sets in prop::collection::vec(prop::collection::btree_set(0u64..12, 0..8), 3),
            mask in any::<u16>(),
        ) {
            let g = skewed_geography();
            let mk = |f: &dyn Fn(u64) -> bool| -> Vec<SpreadSet> {
                sets.iter().enumerate().map(|(i, s)| SpreadSet {
                    kind: if i == 2 { "number" } else { "upload" },
                    ..set(&format!("s{i}"), None, &s.iter().copied().filter(|&n| f(n)).collect::<Vec<_>>())
                }).collect()
            };
            let whole = count(&g, &mk(&|_| true));
            let a = count(&g, &mk(&|n| mask >> n & 1 == 1));
            let mut b = count(&g, &mk(&|n| mask >> n & 1 == 0));
            // The population is counted once, in the whole: the base of one part only.
            b.base.iter_mut().for_each(|v| v.iter_mut().for_each(|x| *x = 0));
            prop_assert_eq!(a.merge(&b), whole);
        }

        /// Counted slice by slice of the numbers (the sets and the geography cut to each),
        /// merged, the counts are the whole's: the population's base included.
        #[test]
        fn sliced_counts_are_the_whole(
            sets in prop::collection::vec(prop::collection::btree_set(0u64..12, 0..8), 3),
            slices in 1u32..8,
        ) {
            let g = skewed_geography();
            let sets: Vec<SpreadSet> = sets.iter().enumerate().map(|(i, s)| SpreadSet {
                kind: if i == 2 { "number" } else { "upload" },
                ..set(&format!("s{i}"), None, &s.iter().copied().collect::<Vec<_>>())
            }).collect();
            let sliced = (0..slices)
                .map(|i| {
                    let s = Slice::new(i, slices);
                    let part: Vec<SpreadSet> = sets.iter().map(|x| SpreadSet {
                        numbers: x.numbers.iter().copied().filter(|&n| s.keeps(n)).collect(),
                        ..x.clone()
                    }).collect();
                    count(&g.part(|n| s.keeps(n)), &part)
                })
                .reduce(|x, y| x.merge(&y));
            prop_assert_eq!(sliced, Some(count(&g, &sets)));
        }

        /// Per row of the skew table, its categories' observed counts add up to the skew
        /// table's recipients, and so do the expected counts; both shares add up to 1; and
        /// `ratio · expected = observed`.
        #[test]
        fn skew_categories_add_up(
            sets in prop::collection::vec(prop::collection::btree_set(0u64..9, 0..8), 3),
        ) {
            let g = skewed_geography();
            let sets: Vec<SpreadSet> = sets.iter().enumerate().map(|(i, s)| {
                set(&format!("s{i}"), None, &s.iter().copied().collect::<Vec<_>>())
            }).collect();
            let c = count(&g, &sets);
            let k = skew_table(&g, &sets, &c).unwrap();
            let t = skew_categories_table(&g, &sets, &c).unwrap();
            let n = counts_of(&k, "recipients_in_population");
            let (obs, exp) = (counts_of(&t, "observed"), floats(&t, "expected"));
            let (os, es) = (floats(&t, "observed_share"), floats(&t, "expected_share"));
            let ratio = floats(&t, "ratio");
            let keys: Vec<(String, String)> =
                texts(&t, "set").into_iter().zip(texts(&t, "attribute")).collect();
            let mut row = 0;
            for (r, want) in n.iter().enumerate() {
                let end = (row..keys.len()).find(|&i| keys[i] != keys[row]).unwrap_or(keys.len());
                prop_assert!(end > row, "skew row {r} has no categories");
                prop_assert_eq!(obs[row..end].iter().sum::<u64>(), *want);
                prop_assert!((exp[row..end].iter().sum::<f64>() - *want as f64).abs() < 1e-9);
                prop_assert!((os[row..end].iter().sum::<f64>() - 1.0).abs() < 1e-12);
                prop_assert!((es[row..end].iter().sum::<f64>() - 1.0).abs() < 1e-12);
                for i in row..end {
                    prop_assert!((ratio[i] * exp[i] - obs[i] as f64).abs() < 1e-9);
                }
                row = end;
            }
            prop_assert_eq!(row, keys.len());
        }
    }
}
