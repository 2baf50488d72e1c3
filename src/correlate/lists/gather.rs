//! The lists gathered from a store's tables, part by part or whole. Each set's name, and where
//! its name and account first appear in the case ([`Seen`], by which the sets are ordered at
//! the end), are kept; its numbers go to the spill part by part ([`Spill`]: the parts of a
//! store hold disjoint numbers, so a set is the union of its parts), and come back one slice
//! of the numbers at a time ([`ListParts::slice`]). Any split of the rows into parts, added in
//! any order, gives the same [`Lists`].

use std::sync::Arc;

use arrow::array::RecordBatch;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::{unify, ListKind, Lists, NamedSet, Place};
use crate::correlate::cols::{u64_values, Codes, NONE};
use crate::correlate::parts::{Dict, RowKeys, Seen, Slice, UNSEEN};
use crate::correlate::registry::Registry;
use crate::correlate::spill::{self, Col, Seg, Spill};
use crate::error::Result;

/// Where a set's name, and its account, first appear.
#[derive(Clone, Debug)]
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
/// order of first addition); their numbers are spilled as segment `seg`.
#[derive(Debug)]
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
    /// part's `(id, number)` pairs, distinct and ascending, to the spill.
    fn add(
        &mut self,
        b: &RecordBatch,
        keys: &RowKeys,
        (num_col, key_col): (&str, &str),
        spill: &Spill,
    ) -> Result<()> {
        let nums = u64_values(b, num_col)?;
        let names = Codes::read(b, key_col)?;
        let account = match b.column_by_name("account") {
            Some(_) => Some(Codes::read(b, "account")?),
            None => None,
        };
        let mut local = vec![Meta::default(); names.len()];
        let mut pairs: Vec<(u32, u64)> = Vec::with_capacity(nums.len());
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
            pairs.push((k, n));
        }
        let ids: Vec<u32> = names
            .names
            .into_iter()
            .zip(local)
            .map(|(name, m)| self.note(name, m))
            .collect();
        pairs.iter_mut().for_each(|p| p.0 = ids[p.0 as usize]);
        pairs.par_sort_unstable();
        pairs.dedup();
        let (id, number): (Vec<u32>, Vec<u64>) = pairs.into_iter().unzip();
        let seg = spill::segment(vec![("id", Col::U32(id)), ("number", Col::U64(number))])?;
        spill.put(keys.part(), self.seg, seg)
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

    /// The sets in order of first appearance (their numbers not yet read back), and the index
    /// among them of each provisional id.
    fn finish(self, kind: ListKind) -> (Vec<NamedSet>, Vec<u32>) {
        let mut order: Vec<u32> = (0..self.meta.len() as u32).collect();
        order.sort_by_key(|&i| self.meta[i as usize].1.first);
        let mut to = vec![0u32; order.len()];
        for (fin, &prov) in order.iter().enumerate() {
            to[prov as usize] = fin as u32;
        }
        let mut meta: Vec<Option<(String, Meta)>> = self.meta.into_iter().map(Some).collect();
        let sets = order
            .iter()
            .filter_map(|&i| meta[i as usize].take())
            .map(|(n, m)| NamedSet {
                name: format!("{}:{n}", kind.label()),
                kind,
                account: m.account.map(|(_, a)| a),
                customer: None,
                campaign: (kind == ListKind::Campaign).then_some(n),
                upload: None,
                numbers: Vec::new(),
            })
            .collect();
        (sets, to)
    }
}

/// The lists as the parts of the store add to them.
pub(crate) struct Gather {
    spill: Arc<Spill>,
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
    /// A gatherer whose spill is held in memory.
    fn default() -> Gather {
        Gather::new(Arc::new(Spill::in_memory()))
    }
}

impl Gather {
    /// A gatherer spilling the sets' numbers to `spill`.
    pub fn new(spill: Arc<Spill>) -> Gather {
        Gather {
            spill,
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

    /// Adds rows of the `vendor_list` table: the uploads, and the campaign each names.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn vendor_list(&mut self, b: &RecordBatch, keys: &RowKeys) -> Result<()> {
        self.uploads.add(b, keys, ("number", "list"), &self.spill)?;
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
        self.campaigns
            .add(b, keys, ("dialed", "campaign"), &self.spill)?;
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
        let seg = spill::segment(vec![
            ("campaign", Col::U32(rows.iter().map(|r| r.0).collect())),
            ("key", Col::U32(rows.iter().map(|r| r.1).collect())),
            ("number", Col::U64(rows.iter().map(|r| r.2).collect())),
        ])?;
        self.spill.put(keys.part(), Seg::Polls, seg)
    }

    /// Adds rows of the `downloads` table.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn downloads(&mut self, b: &RecordBatch, keys: &RowKeys) -> Result<()> {
        self.downloads
            .add(b, keys, ("number", "download"), &self.spill)
    }

    /// Adds rows of the `watchlist` table.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn watchlist(&mut self, b: &RecordBatch, keys: &RowKeys) -> Result<()> {
        self.watchlists
            .add(b, keys, ("number", "list_name"), &self.spill)
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

    /// The lists, their numbers not yet read back, and where to read them from, slice by
    /// slice; `population` is the case's figure, used when the store has no population rows;
    /// `reg` names the account and customer of each campaign; `parts` is how many parts the
    /// store was swept in.
    pub fn finish(self, population: Option<u64>, reg: &Registry, parts: u32) -> (Lists, ListParts) {
        let (mut uploads, up_to) = self.uploads.finish(ListKind::Upload);
        let (mut campaigns, camp_to) = self.campaigns.finish(ListKind::Campaign);
        let links = self.links.into_iter().map(|(u, (_, c))| (u, c)).collect();
        let places = unify(&mut uploads, &mut campaigns, &links);
        let uploads_to = up_to.iter().map(|&i| places[i as usize]).collect();
        let (c_names, c_to) = self.poll_campaign.finish();
        let (k_names, k_to) = self.poll_key.finish();
        let mut pairs: Vec<((u32, u32), (u32, u32))> = self
            .polls
            .into_iter()
            .map(|(c, k)| ((c_to[c as usize], k_to[k as usize]), (c, k)))
            .collect();
        pairs.sort_unstable();
        let polls_to = pairs
            .iter()
            .enumerate()
            .map(|(i, &(_, prov))| (prov, i as u32))
            .collect();
        let mut polls: Vec<NamedSet> = pairs
            .into_iter()
            .map(|((c, k), _)| {
                let campaign = c_names[c as usize].clone();
                NamedSet {
                    name: format!("poll:{campaign}:key={}", k_names[k as usize]),
                    kind: ListKind::PollResponse,
                    account: None,
                    customer: None,
                    campaign: Some(campaign),
                    upload: None,
                    numbers: Vec::new(),
                }
            })
            .collect();
        for s in campaigns.iter_mut().chain(&mut polls) {
            if let Some(c) = &s.campaign {
                s.account = reg.account(c, s.account.as_deref()).map(str::to_string);
                s.customer = reg.customer(c).map(str::to_string);
            }
        }
        let (downloads, downloads_to) = self.downloads.finish(ListKind::Download);
        let (watchlists, watchlists_to) = self.watchlists.finish(ListKind::Watchlist);
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
        let lp = ListParts {
            spill: self.spill,
            parts,
            lists: lists.clone(),
            uploads: uploads_to,
            campaigns: camp_to,
            downloads: downloads_to,
            watchlists: watchlists_to,
            polls: polls_to,
        };
        (lists, lp)
    }

    /// The lists with their numbers (every slice read back): the whole case's.
    #[cfg(test)]
    pub fn finish_whole(self, population: Option<u64>, reg: &Registry) -> Lists {
        let (_, lp) = self.finish(population, reg, 1);
        lp.slice(Slice::new(0, 1)).unwrap()
    }
}

/// Where the numbers of the lists are, and which list each spilled set is.
pub(crate) struct ListParts {
    spill: Arc<Spill>,
    parts: u32,
    /// The lists, without their numbers.
    lists: Lists,
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
    /// The lists with the numbers of slice `s` only (distinct, ascending).
    ///
    /// # Errors
    /// [`crate::Error::Io`] or [`crate::Error::Store`] when a spilled segment cannot be read.
    pub fn slice(&self, s: Slice) -> Result<Lists> {
        let mut l = self.lists.clone();
        for seg in [
            Seg::Uploads,
            Seg::Campaigns,
            Seg::Downloads,
            Seg::Watchlists,
        ] {
            for b in self.spill.slice(seg, s, self.parts)? {
                let (id, num) = (spill::u32s(&b, "id")?, spill::u64s(&b, "number")?);
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
        for b in self.spill.slice(Seg::Polls, s, self.parts)? {
            let (c, k) = (spill::u32s(&b, "campaign")?, spill::u32s(&b, "key")?);
            let num = spill::u64s(&b, "number")?;
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
            let spill_dir = tempfile::tempdir().unwrap();
            let spill = Arc::new(Spill::on_disk(spill_dir.path()).unwrap());
            let mut parts = Gather::new(spill);
            for p in (0..k).rev() {
                let of = |rows: &[(Row, u64)]| -> Vec<(Row, u64)> {
                    rows.iter().filter(|(r, _)| crate::partition::of(r.0, k) == p).cloned().collect()
                };
                let (pl, pc) = (rows_table(Kind::VendorList, &of(&list)), rows_table(Kind::VendorCalls, &of(&log)));
                parts.vendor_list(&pl, &RowKeys::new(&pl, &ranks, p).unwrap()).unwrap();
                parts.vendor_calls(&pc, &RowKeys::new(&pc, &ranks, p).unwrap()).unwrap();
            }
            let (meta, lp) = parts.finish(None, &reg, k);
            same(&whole, &lp.slice(Slice::new(0, 1)).unwrap());
            prop_assert!(meta.all().iter().all(|s| s.numbers.is_empty()));
            // Each slice, as the parts hold them or cut otherwise, is the whole cut to it.
            for of in [k, k + 1] {
                for i in 0..of {
                    let s = Slice::new(i, of);
                    let cut = |v: &[NamedSet]| -> Vec<NamedSet> {
                        let r: Vec<&NamedSet> = v.iter().collect();
                        super::super::cut(&r, s).into_iter().map(|c| c.into_owned()).collect()
                    };
                    same(&whole.map_sets(cut), &lp.slice(s).unwrap());
                }
            }
        }
    }
}
