//! The lists the overlap, enrichment and spread analyses compare: uploaded lists, the numbers
//! each vendor campaign dialed, database downloads, robo-poll response sets and watch-lists,
//! each a named set of distinct numbers.

use std::collections::BTreeMap;

use arrow::array::RecordBatch;

use super::cols::{u64s_dense, Codes};
use super::input::Store;
use crate::error::Result;

/// What a list is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedSet {
    /// `kind:name`, as the results show it.
    pub name: String,
    /// What it is.
    pub kind: ListKind,
    /// The account behind it, where the evidence names one (the first row's).
    pub account: Option<String>,
    /// The campaign a campaign's dialed set or a poll response set comes from: such a pair is
    /// not compared (a campaign trivially contains its own responses).
    pub campaign: Option<String>,
    /// Distinct numbers, ascending.
    pub numbers: Vec<u64>,
}

/// Every list of the case.
#[derive(Clone, Debug, Default)]
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
    /// Gathers the lists of the store; `population` is the case's figure, used when the store
    /// has no population table rows.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub(crate) fn read(st: &Store, population: Option<u64>) -> Result<Lists> {
        let vc = &st.vendor_calls;
        let mut pop = u64s_dense(&st.population, "number")?;
        pop.sort_unstable();
        pop.dedup();
        Ok(Lists {
            uploads: group_sets(&st.vendor_list, "number", "list", ListKind::Upload)?,
            campaigns: group_sets(vc, "dialed", "campaign", ListKind::Campaign)?,
            downloads: group_sets(&st.downloads, "number", "download", ListKind::Download)?,
            polls: poll_sets(vc)?,
            watchlists: group_sets(&st.watchlist, "number", "list_name", ListKind::Watchlist)?,
            population: if pop.is_empty() {
                population.unwrap_or(0)
            } else {
                pop.len() as u64
            },
        })
    }

    /// Uploads then campaigns: the lists that may derive from a download.
    pub fn derived(&self) -> Vec<&NamedSet> {
        self.uploads.iter().chain(&self.campaigns).collect()
    }

    /// Downloads then poll response sets: the sources compared with [`Lists::derived`].
    pub fn sources(&self) -> Vec<&NamedSet> {
        self.downloads.iter().chain(&self.polls).collect()
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

/// Groups a table's numbers by a text column: one set per distinct value, in first-seen order.
fn group_sets(
    b: &RecordBatch,
    num_col: &str,
    key_col: &str,
    kind: ListKind,
) -> Result<Vec<NamedSet>> {
    let nums = u64s_dense(b, num_col)?;
    let keys = Codes::read(b, key_col)?;
    let account = match b.column_by_name("account") {
        Some(_) => Some(Codes::read(b, "account")?),
        None => None,
    };
    let mut sets: Vec<NamedSet> = keys
        .names
        .iter()
        .map(|n| NamedSet {
            name: format!("{}:{n}", kind.label()),
            kind,
            account: None,
            campaign: (kind == ListKind::Campaign).then(|| n.clone()),
            numbers: Vec::new(),
        })
        .collect();
    for (i, &n) in nums.iter().enumerate() {
        let Some(&k) = keys.codes.get(i).filter(|&&k| k != super::cols::NONE) else {
            continue;
        };
        let s = &mut sets[k as usize];
        s.numbers.push(n);
        if s.account.is_none() {
            s.account = account.as_ref().and_then(|a| a.get(i)).map(str::to_string);
        }
    }
    for s in &mut sets {
        s.numbers.sort_unstable();
        s.numbers.dedup();
    }
    Ok(sets)
}

/// Robo-poll response sets: the numbers that answered a campaign with a given keypress.
fn poll_sets(vc: &RecordBatch) -> Result<Vec<NamedSet>> {
    let dialed = u64s_dense(vc, "dialed")?;
    let camp = Codes::read(vc, "campaign")?;
    let key = Codes::read(vc, "keypress")?;
    let mut sets: BTreeMap<(u32, u32), Vec<u64>> = BTreeMap::new();
    for (i, &n) in dialed.iter().enumerate() {
        let (c, k) = (camp.codes[i], key.codes[i]);
        if k == super::cols::NONE || c == super::cols::NONE {
            continue;
        }
        sets.entry((c, k)).or_default().push(n);
    }
    Ok(sets
        .into_iter()
        .map(|((c, k), mut v)| {
            v.sort_unstable();
            v.dedup();
            let campaign = camp.names[c as usize].clone();
            NamedSet {
                name: format!("poll:{campaign}:key={}", key.names[k as usize]),
                kind: ListKind::PollResponse,
                account: None,
                campaign: Some(campaign),
                numbers: v,
            }
        })
        .collect())
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{StringArray, UInt64Array};

    use super::super::testkit::table;
    use super::*;
    use crate::model::Kind;

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
        let c = group_sets(&vc, "dialed", "campaign", ListKind::Campaign).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(
            (c[0].name.as_str(), c[0].numbers.as_slice()),
            ("campaign:x", &[1, 2, 3][..])
        );
        assert_eq!(c[0].account.as_deref(), Some("acc"));
        assert_eq!(c[1].campaign.as_deref(), Some("y"));
        let p = poll_sets(&vc).unwrap();
        let names: Vec<&str> = p.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["poll:x:key=1", "poll:x:key=2"]);
        assert_eq!(p[0].numbers, [1, 3]);
        let (l, m) = memberships(&[&p[0], &p[1]]);
        assert_eq!((l, m), (vec![0, 0, 1], vec![1, 3, 2]));
    }
}
