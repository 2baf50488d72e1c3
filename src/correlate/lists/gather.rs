//! The lists gathered from a store's tables, part by part or whole: each set's numbers (the
//! parts of a store hold disjoint numbers, so a set is the union of its parts), and where its
//! name and account first appear in the case ([`Seen`]), by which the sets are ordered at the
//! end. Any split of the rows into parts, added in any order, gives the same [`Lists`].

use arrow::array::RecordBatch;
use rustc_hash::FxHashMap;

use super::{unify, ListKind, Lists, NamedSet};
use crate::correlate::cols::{u64s_dense, Codes, NONE};
use crate::correlate::parts::{Dict, RowKeys, Seen, UNSEEN};
use crate::correlate::registry::Registry;
use crate::error::Result;

/// One set as the parts add to it.
#[derive(Clone, Debug)]
struct Acc {
    first: Seen,
    account: Option<(Seen, String)>,
    numbers: Vec<u64>,
}

impl Default for Acc {
    fn default() -> Acc {
        Acc {
            first: UNSEEN,
            account: None,
            numbers: Vec::new(),
        }
    }
}

impl Acc {
    fn take(&mut self, o: Acc) {
        self.first = self.first.min(o.first);
        if let Some((s, a)) = o.account {
            if self.account.as_ref().is_none_or(|(t, _)| s < *t) {
                self.account = Some((s, a));
            }
        }
        self.numbers.extend(o.numbers);
    }
}

/// The sets of one kind, by name (without the kind's prefix).
#[derive(Clone, Debug, Default)]
struct Named(FxHashMap<String, Acc>);

impl Named {
    /// Adds the rows of `b`: each row's number (`num_col`) to the set its `key_col` names.
    fn add(&mut self, b: &RecordBatch, keys: &RowKeys, num_col: &str, key_col: &str) -> Result<()> {
        let nums = u64s_dense(b, num_col)?;
        let names = Codes::read(b, key_col)?;
        let account = match b.column_by_name("account") {
            Some(_) => Some(Codes::read(b, "account")?),
            None => None,
        };
        let mut local = vec![Acc::default(); names.len()];
        for (i, &n) in nums.iter().enumerate() {
            let k = names.codes[i];
            if k == NONE {
                continue;
            }
            let s = keys.at(i);
            let acc = &mut local[k as usize];
            acc.numbers.push(n);
            acc.first = acc.first.min(s);
            if let Some(a) = account.as_ref().and_then(|a| a.get(i)) {
                if acc.account.as_ref().is_none_or(|(t, _)| s < *t) {
                    acc.account = Some((s, a.to_string()));
                }
            }
        }
        for (name, acc) in names.names.into_iter().zip(local) {
            self.0.entry(name).or_default().take(acc);
        }
        Ok(())
    }

    /// The sets, in order of first appearance, each's numbers distinct and ascending.
    fn finish(self, kind: ListKind) -> Vec<NamedSet> {
        let mut v: Vec<(String, Acc)> = self.0.into_iter().collect();
        v.sort_by_key(|(_, a)| a.first);
        v.into_iter()
            .map(|(n, mut a)| {
                a.numbers.sort_unstable();
                a.numbers.dedup();
                NamedSet {
                    name: format!("{}:{n}", kind.label()),
                    kind,
                    account: a.account.map(|(_, a)| a),
                    customer: None,
                    campaign: (kind == ListKind::Campaign).then_some(n),
                    upload: None,
                    numbers: a.numbers,
                }
            })
            .collect()
    }
}

/// The lists as the parts of the store add to them.
#[derive(Clone, Debug, Default)]
pub(crate) struct Gather {
    uploads: Named,
    campaigns: Named,
    downloads: Named,
    watchlists: Named,
    /// Each upload's campaign: the first of its rows that names one.
    links: FxHashMap<String, (Seen, String)>,
    poll_campaign: Dict,
    poll_key: Dict,
    /// Poll response numbers by (campaign, keypress), in provisional codes.
    polls: FxHashMap<(u32, u32), Vec<u64>>,
    /// Distinct population numbers (the parts' are disjoint).
    population: u64,
}

impl Gather {
    /// Adds rows of the `vendor_list` table: the uploads, and the campaign each names.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn vendor_list(&mut self, b: &RecordBatch, keys: &RowKeys) -> Result<()> {
        self.uploads.add(b, keys, "number", "list")?;
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
        self.campaigns.add(b, keys, "dialed", "campaign")?;
        let dialed = u64s_dense(b, "dialed")?;
        let camp = Codes::read(b, "campaign")?;
        let key = Codes::read(b, "keypress")?;
        let (c_to, k_to) = (
            self.poll_campaign.add(&camp, keys),
            self.poll_key.add(&key, keys),
        );
        for (i, &n) in dialed.iter().enumerate() {
            let (c, k) = (camp.codes[i], key.codes[i]);
            if k == NONE || c == NONE {
                continue;
            }
            self.polls
                .entry((c_to[c as usize], k_to[k as usize]))
                .or_default()
                .push(n);
        }
        Ok(())
    }

    /// Adds rows of the `downloads` table.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn downloads(&mut self, b: &RecordBatch, keys: &RowKeys) -> Result<()> {
        self.downloads.add(b, keys, "number", "download")
    }

    /// Adds rows of the `watchlist` table.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn watchlist(&mut self, b: &RecordBatch, keys: &RowKeys) -> Result<()> {
        self.watchlists.add(b, keys, "number", "list_name")
    }

    /// Adds the numbers of rows of the `population` table (all the rows of a number in one
    /// call: a part of the store holds them all).
    ///
    /// # Errors
    /// [`crate::Error::Store`] when the column is missing or of another type.
    pub fn population(&mut self, b: &RecordBatch) -> Result<()> {
        let mut pop = u64s_dense(b, "number")?;
        pop.sort_unstable();
        pop.dedup();
        self.population += pop.len() as u64;
        Ok(())
    }

    /// The lists; `population` is the case's figure, used when the store has no population
    /// rows; `reg` names the account and customer of each campaign.
    pub fn finish(self, population: Option<u64>, reg: &Registry) -> Lists {
        let mut uploads = self.uploads.finish(ListKind::Upload);
        let mut campaigns = self.campaigns.finish(ListKind::Campaign);
        let links = self.links.into_iter().map(|(u, (_, c))| (u, c)).collect();
        unify(&mut uploads, &mut campaigns, &links);
        let (c_names, c_to) = self.poll_campaign.finish();
        let (k_names, k_to) = self.poll_key.finish();
        let mut polls: Vec<((u32, u32), Vec<u64>)> = self
            .polls
            .into_iter()
            .map(|((c, k), v)| ((c_to[c as usize], k_to[k as usize]), v))
            .collect();
        polls.sort_unstable_by_key(|p| p.0);
        let mut polls: Vec<NamedSet> = polls
            .into_iter()
            .map(|((c, k), mut v)| {
                v.sort_unstable();
                v.dedup();
                let campaign = c_names[c as usize].clone();
                NamedSet {
                    name: format!("poll:{campaign}:key={}", k_names[k as usize]),
                    kind: ListKind::PollResponse,
                    account: None,
                    customer: None,
                    campaign: Some(campaign),
                    upload: None,
                    numbers: v,
                }
            })
            .collect();
        for s in campaigns.iter_mut().chain(&mut polls) {
            if let Some(c) = &s.campaign {
                s.account = reg.account(c, s.account.as_deref()).map(str::to_string);
                s.customer = reg.customer(c).map(str::to_string);
            }
        }
        Lists {
            uploads,
            campaigns,
            downloads: self.downloads.finish(ListKind::Download),
            polls,
            watchlists: self.watchlists.finish(ListKind::Watchlist),
            population: match self.population {
                0 => population.unwrap_or(0),
                n => n,
            },
        }
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
            let whole = whole.finish(None, &reg);
            let ranks = FileRanks::of_paths(&["f0", "f1", "f2"]);
            let mut parts = Gather::default();
            for p in (0..k).rev() {
                let of = |rows: &[(Row, u64)]| -> Vec<(Row, u64)> {
                    rows.iter().filter(|(r, _)| crate::partition::of(r.0, k) == p).cloned().collect()
                };
                let (pl, pc) = (rows_table(Kind::VendorList, &of(&list)), rows_table(Kind::VendorCalls, &of(&log)));
                parts.vendor_list(&pl, &RowKeys::new(&pl, &ranks, p).unwrap()).unwrap();
                parts.vendor_calls(&pc, &RowKeys::new(&pc, &ranks, p).unwrap()).unwrap();
            }
            same(&whole, &parts.finish(None, &reg));
        }
    }
}
