//! The lists gathered from a store's tables, part by part or whole, in two roles. Reading the
//! whole store ([`Gather::names_only`]), a gatherer keeps each set's name and where its name
//! and account first appear in the case ([`Seen`], by which the sets are ordered at the end):
//! the lists without their numbers, and a [`ListCatalog`] that tells each set's place by name.
//! Reading one part to count it ([`Gather::new`]), a gatherer keeps that part's numbers too
//! ([`Segments`], in its own provisional ids), and places them through the catalog
//! ([`Gather::part`], [`ListParts::slice`]): the parts of a store hold disjoint numbers, so a
//! set is the union of its parts. Any split of the rows into parts, added in any order, gives
//! the same [`Lists`].

use std::sync::Arc;

use arrow::array::RecordBatch;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::{unify, ListKind, Lists, NamedSet, Place};
use crate::correlate::cols::{u64_values, Codes, NONE};
use crate::correlate::parts::{Dict, RowKeys, Seen, Slice, UNSEEN};
use crate::correlate::registry::Registry;
use crate::correlate::segments::{self, Col, Seg, Segments};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Where a set's name, and its account, first appear.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Meta {
    first: Seen,
    account: Option<(Seen, String)>,
}

impl Default for Meta {
    fn default() -> Meta {
        Meta {
            first: UNSEEN,
            account: None,
        }
    }
}

impl Meta {
    fn take(&mut self, o: Meta) {
        self.first = self.first.min(o.first);
        if let Some((s, a)) = o.account {
            if self.account.as_ref().is_none_or(|(t, _)| s < *t) {
                self.account = Some((s, a));
            }
        }
    }
}

/// The sets of one kind, by name (without the kind's prefix), each with a provisional id (in
/// order of first addition); their numbers are kept as segment `seg`.
#[derive(Debug, Serialize, Deserialize)]
struct Named {
    seg: Seg,
    ids: FxHashMap<String, u32>,
    meta: Vec<(String, Meta)>,
}

impl Named {
    fn new(seg: Seg) -> Named {
        Named {
            seg,
            ids: FxHashMap::default(),
            meta: Vec::new(),
        }
    }

    /// Adds the rows of `b`: each row's number (`num_col`) to the set its `key_col` names; the
    /// part's `(id, number)` pairs, distinct and ascending, to `segs` when given.
    fn add(
        &mut self,
        b: &RecordBatch,
        keys: &RowKeys,
        (num_col, key_col): (&str, &str),
        segs: Option<&Segments>,
    ) -> Result<()> {
        let nums = u64_values(b, num_col)?;
        let names = Codes::read(b, key_col)?;
        let account = match b.column_by_name("account") {
            Some(_) => Some(Codes::read(b, "account")?),
            None => None,
        };
        let mut local = vec![Meta::default(); names.len()];
        let mut pairs: Vec<(u32, u64)> = Vec::new();
        for (i, &n) in nums.iter().enumerate() {
            let k = names.codes[i];
            if k == NONE {
                continue;
            }
            let s = keys.at(i);
            let m = &mut local[k as usize];
            m.first = m.first.min(s);
            if let Some(a) = account.as_ref().and_then(|a| a.get(i)) {
                if m.account.as_ref().is_none_or(|(t, _)| s < *t) {
                    m.account = Some((s, a.to_string()));
                }
            }
            if segs.is_some() {
                pairs.push((k, n));
            }
        }
        let ids: Vec<u32> = names
            .names
            .into_iter()
            .zip(local)
            .map(|(name, m)| self.note(name, m))
            .collect();
        let Some(segs) = segs else {
            return Ok(());
        };
        pairs.iter_mut().for_each(|p| p.0 = ids[p.0 as usize]);
        pairs.par_sort_unstable();
        pairs.dedup();
        let (id, number): (Vec<u32>, Vec<u64>) = pairs.into_iter().unzip();
        let seg = segments::segment(vec![("id", Col::U32(id)), ("number", Col::U64(number))])?;
        segs.put(keys.part(), self.seg, seg)
    }

    /// Notes set `name` as one part saw it: its provisional id.
    fn note(&mut self, name: String, m: Meta) -> u32 {
        let id = match self.ids.get(&name) {
            Some(&id) => id,
            None => {
                let id = self.meta.len() as u32;
                self.ids.insert(name.clone(), id);
                self.meta.push((name, Meta::default()));
                id
            }
        };
        self.meta[id as usize].1.take(m);
        id
    }

    /// Adds the sets `o` holds, as another part saw them.
    fn absorb(&mut self, o: Named) {
        for (name, m) in o.meta {
            self.note(name, m);
        }
    }

    /// The sets in order of first appearance (their numbers not yet read), and the index
    /// among them of each set, by name.
    fn finish(&self, kind: ListKind) -> (Vec<NamedSet>, FxHashMap<String, u32>) {
        let mut order: Vec<u32> = (0..self.meta.len() as u32).collect();
        order.sort_by_key(|&i| self.meta[i as usize].1.first);
        let mut at = FxHashMap::default();
        let sets = order
            .iter()
            .enumerate()
            .map(|(fin, &i)| {
                let (n, m) = &self.meta[i as usize];
                at.insert(n.clone(), fin as u32);
                NamedSet {
                    name: format!("{}:{n}", kind.label()),
                    kind,
                    account: m.account.as_ref().map(|(_, a)| a.clone()),
                    customer: None,
                    campaign: (kind == ListKind::Campaign).then(|| n.clone()),
                    upload: None,
                    numbers: Vec::new(),
                }
            })
            .collect();
        (sets, at)
    }

    /// Where each provisional id goes, by its name's place in `at`.
    fn places<T: Copy>(&self, at: &FxHashMap<String, T>) -> Result<Vec<T>> {
        self.meta
            .iter()
            .map(|(n, _)| at.get(n).copied().ok_or_else(|| unseen(self.seg, n)))
            .collect()
    }
}

/// The error for a set that a part holds but the sweep of the whole store did not see: the
/// store changed between the two reads.
fn unseen(seg: Seg, name: &str) -> Error {
    Error::store(
        "store",
        format!(
            "{seg:?} set {name:?} is in a part counted but was not in the store swept: the \
             store changed while correlate read it"
        ),
    )
}

/// The lists as the parts of the store add to them.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Gather {
    #[serde(skip)]
    segs: Option<Arc<Segments>>,
    uploads: Named,
    campaigns: Named,
    downloads: Named,
    watchlists: Named,
    /// Each upload's campaign: the first of its rows that names one.
    links: FxHashMap<String, (Seen, String)>,
    poll_campaign: Dict,
    poll_key: Dict,
    /// The (campaign, keypress) pairs with a response, in provisional codes.
    polls: FxHashSet<(u32, u32)>,
    /// Distinct population numbers (the parts' are disjoint).
    population: u64,
}

impl Default for Gather {
    /// A gatherer that keeps the numbers, in segments of its own.
    fn default() -> Gather {
        Gather::new(Segments::shared())
    }
}

/// Where each list of the case sits among its kind's, by name (without the kind's prefix):
/// what the gatherer of one part places its numbers by ([`Gather::part`]).
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct ListCatalog {
    /// The lists, without their numbers.
    lists: Lists,
    uploads: FxHashMap<String, Place>,
    campaigns: FxHashMap<String, u32>,
    downloads: FxHashMap<String, u32>,
    watchlists: FxHashMap<String, u32>,
    /// By (campaign, keypress).
    polls: FxHashMap<(String, String), u32>,
}

impl Gather {
    /// A gatherer keeping the numbers of the rows it is handed in `segs`.
    pub fn new(segs: Arc<Segments>) -> Gather {
        Gather {
            segs: Some(segs),
            ..Gather::names_only()
        }
    }

    /// A gatherer keeping the names and first appearances only.
    pub fn names_only() -> Gather {
        Gather {
            segs: None,
            uploads: Named::new(Seg::Uploads),
            campaigns: Named::new(Seg::Campaigns),
            downloads: Named::new(Seg::Downloads),
            watchlists: Named::new(Seg::Watchlists),
            links: FxHashMap::default(),
            poll_campaign: Dict::default(),
            poll_key: Dict::default(),
            polls: FxHashSet::default(),
            population: 0,
        }
    }

    /// Adds rows of the `vendor_list` table: the uploads, and the campaign each names (when
    /// the column is read).
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn vendor_list(&mut self, b: &RecordBatch, keys: &RowKeys) -> Result<()> {
        let segs = self.segs.as_deref();
        self.uploads.add(b, keys, ("number", "list"), segs)?;
        if b.column_by_name("campaign").is_none() {
            return Ok(());
        }
        let list = Codes::read(b, "list")?;
        let camp = Codes::read(b, "campaign")?;
        for i in 0..b.num_rows() {
            if let (Some(l), Some(c)) = (list.get(i), camp.get(i)) {
                let s = keys.at(i);
                let e = self
                    .links
                    .entry(format!("{}:{l}", ListKind::Upload.label()))
                    .or_insert((UNSEEN, String::new()));
                if s < e.0 {
                    *e = (s, c.to_string());
                }
            }
        }
        Ok(())
    }

    /// Adds rows of the `vendor_calls` table: the numbers each campaign dialed, and the poll
    /// responses (a keypress) per campaign and key.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn vendor_calls(&mut self, b: &RecordBatch, keys: &RowKeys) -> Result<()> {
        let segs = self.segs.as_deref();
        self.campaigns.add(b, keys, ("dialed", "campaign"), segs)?;
        let dialed = u64_values(b, "dialed")?;
        let camp = Codes::read(b, "campaign")?;
        let key = Codes::read(b, "keypress")?;
        let (c_to, k_to) = (
            self.poll_campaign.add(&camp, keys),
            self.poll_key.add(&key, keys),
        );
        let mut rows: Vec<(u32, u32, u64)> = Vec::new();
        for (i, &n) in dialed.iter().enumerate() {
            let (c, k) = (camp.codes[i], key.codes[i]);
            if k == NONE || c == NONE {
                continue;
            }
            rows.push((c_to[c as usize], k_to[k as usize], n));
        }
        rows.par_sort_unstable();
        rows.dedup();
        self.polls.extend(rows.iter().map(|r| (r.0, r.1)));
        let Some(segs) = segs else {
            return Ok(());
        };
        let seg = segments::segment(vec![
            ("campaign", Col::U32(rows.iter().map(|r| r.0).collect())),
            ("key", Col::U32(rows.iter().map(|r| r.1).collect())),
            ("number", Col::U64(rows.iter().map(|r| r.2).collect())),
        ])?;
        segs.put(keys.part(), Seg::Polls, seg)
    }

    /// Adds rows of the `downloads` table.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn downloads(&mut self, b: &RecordBatch, keys: &RowKeys) -> Result<()> {
        let segs = self.segs.as_deref();
        self.downloads.add(b, keys, ("number", "download"), segs)
    }

    /// Adds rows of the `watchlist` table.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn watchlist(&mut self, b: &RecordBatch, keys: &RowKeys) -> Result<()> {
        let segs = self.segs.as_deref();
        self.watchlists.add(b, keys, ("number", "list_name"), segs)
    }

    /// Adds the numbers of rows of the `population` table (all the rows of a number in one
    /// call: a part of the store holds them all).
    ///
    /// # Errors
    /// [`crate::Error::Store`] when the column is missing or of another type.
    pub fn population(&mut self, b: &RecordBatch) -> Result<()> {
        let mut pop = u64_values(b, "number")?.to_vec();
        pop.sort_unstable();
        pop.dedup();
        self.population += pop.len() as u64;
        Ok(())
    }

    /// Adds what `o` gathered from other parts (names only: the numbers are read by part).
    pub fn absorb(&mut self, o: Gather) {
        self.uploads.absorb(o.uploads);
        self.campaigns.absorb(o.campaigns);
        self.downloads.absorb(o.downloads);
        self.watchlists.absorb(o.watchlists);
        for (u, (s, c)) in o.links {
            let e = self.links.entry(u).or_insert((UNSEEN, String::new()));
            if s < e.0 {
                *e = (s, c);
            }
        }
        let c_to = self.poll_campaign.absorb(&o.poll_campaign);
        let k_to = self.poll_key.absorb(&o.poll_key);
        self.polls.extend(
            o.polls
                .into_iter()
                .map(|(c, k)| (c_to[c as usize], k_to[k as usize])),
        );
        self.population += o.population;
    }

    /// The lists (without their numbers) and where each sits, by name; `population` is the
    /// case's figure, used when the store has no population rows; `reg` names the account and
    /// customer of each campaign.
    pub fn finish(&self, population: Option<u64>, reg: &Registry) -> (Lists, ListCatalog) {
        let (mut uploads, up_at) = self.uploads.finish(ListKind::Upload);
        let (mut campaigns, camp_at) = self.campaigns.finish(ListKind::Campaign);
        let links = self
            .links
            .iter()
            .map(|(u, (_, c))| (u.clone(), c.clone()))
            .collect();
        let places = unify(&mut uploads, &mut campaigns, &links);
        let up_at = up_at
            .into_iter()
            .map(|(n, i)| (n, places[i as usize]))
            .collect();
        let (c_names, c_to) = self.poll_campaign.clone().finish();
        let (k_names, k_to) = self.poll_key.clone().finish();
        let mut pairs: Vec<(u32, u32)> = self
            .polls
            .iter()
            .map(|&(c, k)| (c_to[c as usize], k_to[k as usize]))
            .collect();
        pairs.sort_unstable();
        let mut poll_at = FxHashMap::default();
        let mut polls: Vec<NamedSet> = Vec::with_capacity(pairs.len());
        for (i, (c, k)) in pairs.into_iter().enumerate() {
            let (campaign, key) = (&c_names[c as usize], &k_names[k as usize]);
            poll_at.insert((campaign.clone(), key.clone()), i as u32);
            polls.push(NamedSet {
                name: format!("poll:{campaign}:key={key}"),
                kind: ListKind::PollResponse,
                account: None,
                customer: None,
                campaign: Some(campaign.clone()),
                upload: None,
                numbers: Vec::new(),
            });
        }
        for s in campaigns.iter_mut().chain(&mut polls) {
            if let Some(c) = &s.campaign {
                s.account = reg.account(c, s.account.as_deref()).map(str::to_string);
                s.customer = reg.customer(c).map(str::to_string);
            }
        }
        let (downloads, down_at) = self.downloads.finish(ListKind::Download);
        let (watchlists, watch_at) = self.watchlists.finish(ListKind::Watchlist);
        let lists = Lists {
            uploads,
            campaigns,
            downloads,
            polls,
            watchlists,
            population: match self.population {
                0 => population.unwrap_or(0),
                n => n,
            },
        };
        let cat = ListCatalog {
            lists: lists.clone(),
            uploads: up_at,
            campaigns: camp_at,
            downloads: down_at,
            watchlists: watch_at,
            polls: poll_at,
        };
        (lists, cat)
    }

    /// The numbers this gatherer kept, placed by `cat` (the whole store's): read them slice
    /// by slice ([`ListParts::slice`]); `parts` is how many parts the store has (0 when its
    /// tables differ).
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a set this gatherer saw is not in `cat` (the store changed
    /// between the reads), or when it kept no numbers ([`Gather::names_only`], a bug).
    pub fn part(&self, cat: &ListCatalog, parts: u32) -> Result<ListParts> {
        let Some(segs) = self.segs.clone() else {
            return Err(Error::store(
                "segments",
                "a gatherer of names holds no numbers",
            ));
        };
        let (c_names, k_names) = (self.poll_campaign.names(), self.poll_key.names());
        let mut polls = FxHashMap::default();
        for &(c, k) in &self.polls {
            let key = (c_names[c as usize].clone(), k_names[k as usize].clone());
            let at = cat
                .polls
                .get(&key)
                .ok_or_else(|| unseen(Seg::Polls, &key.0))?;
            polls.insert((c, k), *at);
        }
        Ok(ListParts {
            segs,
            parts,
            uploads: self.uploads.places(&cat.uploads)?,
            campaigns: self.campaigns.places(&cat.campaigns)?,
            downloads: self.downloads.places(&cat.downloads)?,
            watchlists: self.watchlists.places(&cat.watchlists)?,
            polls,
        })
    }

    /// The lists with their numbers: the whole case's, this gatherer having read all of it.
    #[cfg(test)]
    pub fn finish_whole(self, population: Option<u64>, reg: &Registry) -> Lists {
        let (_, cat) = self.finish(population, reg);
        let lp = self.part(&cat, 1).unwrap();
        lp.slice(&cat, Slice::new(0, 1)).unwrap()
    }
}

/// The numbers one gatherer kept, and which list of the catalog each of its sets is.
pub(crate) struct ListParts {
    segs: Arc<Segments>,
    parts: u32,
    /// Per provisional upload id, where it went.
    uploads: Vec<Place>,
    /// Per provisional id, the set's index among its kind's.
    campaigns: Vec<u32>,
    downloads: Vec<u32>,
    watchlists: Vec<u32>,
    /// Per provisional (campaign, keypress), the poll response set's index.
    polls: FxHashMap<(u32, u32), u32>,
}

impl ListParts {
    /// The lists of `cat` with the numbers of slice `s` only (distinct, ascending).
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a segment lacks a column (a bug).
    pub fn slice(&self, cat: &ListCatalog, s: Slice) -> Result<Lists> {
        let mut l = cat.lists.clone();
        for seg in [
            Seg::Uploads,
            Seg::Campaigns,
            Seg::Downloads,
            Seg::Watchlists,
        ] {
            for b in self.segs.slice(seg, s, self.parts)? {
                let (id, num) = (segments::u32s(&b, "id")?, segments::u64s(&b, "number")?);
                for (&i, &n) in id.iter().zip(num) {
                    let i = i as usize;
                    let set = match seg {
                        Seg::Uploads => match self.uploads[i] {
                            Place::Upload(u) => &mut l.uploads[u as usize],
                            Place::Campaign(c) => &mut l.campaigns[c as usize],
                        },
                        Seg::Campaigns => &mut l.campaigns[self.campaigns[i] as usize],
                        Seg::Downloads => &mut l.downloads[self.downloads[i] as usize],
                        _ => &mut l.watchlists[self.watchlists[i] as usize],
                    };
                    set.numbers.push(n);
                }
            }
        }
        for b in self.segs.slice(Seg::Polls, s, self.parts)? {
            let (c, k) = (segments::u32s(&b, "campaign")?, segments::u32s(&b, "key")?);
            let num = segments::u64s(&b, "number")?;
            for ((&c, &k), &n) in c.iter().zip(k).zip(num) {
                if let Some(&i) = self.polls.get(&(c, k)) {
                    l.polls[i as usize].numbers.push(n);
                }
            }
        }
        l.uploads
            .par_iter_mut()
            .chain(l.campaigns.par_iter_mut())
            .chain(l.downloads.par_iter_mut())
            .chain(l.polls.par_iter_mut())
            .chain(l.watchlists.par_iter_mut())
            .for_each(|set| {
                set.numbers.sort_unstable();
                set.numbers.dedup();
            });
        Ok(l)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, StringArray, UInt64Array};
    use proptest::prelude::*;

    use super::*;
    use crate::correlate::parts::FileRanks;
    use crate::correlate::testkit::table;
    use crate::model::Kind;

    /// A row of the vendor list and one of the vendor log: (number, list or campaign, account,
    /// campaign or keypress, evidence file).
    type Row = (u64, u8, Option<u8>, Option<u8>, u8);

    fn text(v: Vec<Option<String>>) -> ArrayRef {
        Arc::new(StringArray::from(v))
    }

    /// The rows (in case order: file, then row) as a table of `kind`.
    fn rows_table(kind: Kind, rows: &[(Row, u64)]) -> RecordBatch {
        let (num, name, acc, extra) = match kind {
            Kind::VendorList => ("number", "list", "account", "campaign"),
            _ => ("dialed", "campaign", "account", "keypress"),
        };
        let t = |f: &dyn Fn(&Row) -> Option<String>| text(rows.iter().map(|(r, _)| f(r)).collect());
        table(
            kind,
            rows.len(),
            vec![
                (
                    num,
                    Arc::new(UInt64Array::from_iter_values(rows.iter().map(|(r, _)| r.0))),
                ),
                (name, t(&|r| Some(format!("n{}", r.1)))),
                (acc, t(&|r| r.2.map(|a| format!("a{a}")))),
                (extra, t(&|r| r.3.map(|c| format!("x{c}")))),
                ("source_file", t(&|r| Some(format!("f{}", r.4)))),
                (
                    "source_row",
                    Arc::new(UInt64Array::from_iter_values(rows.iter().map(|(_, i)| *i))),
                ),
            ],
        )
    }

    fn arb_rows() -> impl Strategy<Value = Vec<(Row, u64)>> {
        prop::collection::vec(
            (
                0u64..60,
                0u8..5,
                prop::option::of(0u8..3),
                prop::option::of(0u8..3),
                0u8..3,
            ),
            0..80,
        )
        .prop_map(|v| {
            let mut rows: Vec<(Row, u64)> = v.into_iter().zip(1..).collect();
            rows.sort_by_key(|(r, i)| (r.4, *i));
            rows
        })
    }

    fn same(a: &Lists, b: &Lists) {
        assert_eq!(a.uploads, b.uploads);
        assert_eq!(a.campaigns, b.campaigns);
        assert_eq!(a.polls, b.polls);
        assert_eq!(a.population, b.population);
    }

    proptest! {
        /// The rows split by the partition of their number into `k` parts, the parts added in
        /// reverse, give the lists of the whole table read in case order.
        #[test]
        fn any_split_into_parts_gives_the_whole_tables_lists(
            list in arb_rows(),
            log in arb_rows(),
            k in 1u32..8,
        ) {
            let reg = Registry::default();
            let (vl, vc) = (rows_table(Kind::VendorList, &list), rows_table(Kind::VendorCalls, &log));
            let mut whole = Gather::default();
            whole.vendor_list(&vl, &RowKeys::in_order(vl.num_rows())).unwrap();
            whole.vendor_calls(&vc, &RowKeys::in_order(vc.num_rows())).unwrap();
            let whole = whole.finish_whole(None, &reg);
            let ranks = FileRanks::of_paths(&["f0", "f1", "f2"]);
            let of_part = |rows: &[(Row, u64)], p: u32| -> Vec<(Row, u64)> {
                rows.iter().filter(|(r, _)| crate::partition::of(r.0, k) == p).cloned().collect()
            };
            // The names from every part, added in reverse.
            let mut names = Gather::names_only();
            for p in (0..k).rev() {
                let (pl, pc) = (rows_table(Kind::VendorList, &of_part(&list, p)), rows_table(Kind::VendorCalls, &of_part(&log, p)));
                names.vendor_list(&pl, &RowKeys::new(&pl, &ranks, p).unwrap()).unwrap();
                names.vendor_calls(&pc, &RowKeys::new(&pc, &ranks, p).unwrap()).unwrap();
            }
            let (meta, cat) = names.finish(None, &reg);
            prop_assert!(meta.all().iter().all(|s| s.numbers.is_empty()));
            prop_assert!(names.part(&cat, k).is_err());
            // Every part's numbers, read by a gatherer of its own (its rows not placed), or
            // every part read by one (the slices then cut from them).
            let read = |parts: &[u32]| -> Gather {
                let mut g = Gather::default();
                for &p in parts {
                    let (pl, pc) = (rows_table(Kind::VendorList, &of_part(&list, p)), rows_table(Kind::VendorCalls, &of_part(&log, p)));
                    g.vendor_list(&pl, &RowKeys::unplaced(pl.num_rows(), p)).unwrap();
                    g.vendor_calls(&pc, &RowKeys::unplaced(pc.num_rows(), p)).unwrap();
                }
                g
            };
            let all: Vec<u32> = (0..k).collect();
            let lp = read(&all).part(&cat, 0).unwrap();
            same(&whole, &lp.slice(&cat, Slice::new(0, 1)).unwrap());
            // Each slice, as the parts hold them or cut otherwise, is the whole cut to it.
            for of in [k, k + 1] {
                for i in 0..of {
                    let s = Slice::new(i, of);
                    let cut = |v: &[NamedSet]| -> Vec<NamedSet> {
                        let r: Vec<&NamedSet> = v.iter().collect();
                        super::super::cut(&r, s).into_iter().map(|c| c.into_owned()).collect()
                    };
                    let got = match of == k {
                        true => read(&[i]).part(&cat, k).unwrap().slice(&cat, s).unwrap(),
                        false => lp.slice(&cat, s).unwrap(),
                    };
                    same(&whole.map_sets(cut), &got);
                }
            }
        }
    }
}
