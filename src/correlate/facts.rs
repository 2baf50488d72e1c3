//! What is known of an originating number from outside the calls: the subscriber return
//! (obtained, refused, or not requested) and the watch-lists that name it.
//!
//! *count* (`count`): how many of the reaching numbers have each subscriber status and appear
//! on each kind of watch-list; numbers, so counts over any split of the numbers add.

use std::collections::{BTreeMap, BTreeSet};

use arrow::array::{Array, AsArray, RecordBatch, StringArray, UInt32Array};
use arrow::datatypes::DataType;
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use super::cols::{u64_values, u64s_dense, Codes};
use crate::error::{Error, Result};
use crate::model::LIST_KINDS;

/// A subscriber return's status, in the order a number's returns are preferred.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subscriber {
    /// No return for the number.
    #[default]
    NotRequested,
    /// The carrier refused.
    Refused,
    /// The subscriber is known.
    Obtained,
}

impl Subscriber {
    /// The word used in the results.
    pub fn label(self) -> &'static str {
        match self {
            Subscriber::Obtained => "obtained",
            Subscriber::Refused => "refused",
            Subscriber::NotRequested => "not_requested",
        }
    }

    fn parse(s: &str) -> Subscriber {
        match s {
            "obtained" => Subscriber::Obtained,
            "refused" => Subscriber::Refused,
            _ => Subscriber::NotRequested,
        }
    }
}

/// The watch-lists naming one number.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    /// Kinds of list (`telemarketer`, ...).
    pub kinds: BTreeSet<String>,
    /// Names of the lists.
    pub names: BTreeSet<String>,
}

/// Subscriber returns and watch-list entries, by number. The returns are held in columns, a
/// row per number (a national case has a return for most of its ten million numbers: a map
/// of a tuple with its own string per number took 70 bytes a row, these take 13 and the
/// name's text).
#[derive(Clone, Debug)]
pub(crate) struct Facts {
    /// The numbers with a subscriber return, ascending.
    returned: Vec<u64>,
    /// Per returned number, its preferred return's status.
    status: Vec<Subscriber>,
    /// Per returned number, its preferred return's subscriber name (null where not given).
    name: StringArray,
    listed: HashMap<u64, Listing>,
}

impl Default for Facts {
    fn default() -> Facts {
        Facts {
            returned: Vec::new(),
            status: Vec::new(),
            name: StringArray::from(Vec::<Option<&str>>::new()),
            listed: HashMap::default(),
        }
    }
}

/// The columns of the subscribers table that [`Facts::read`] reads.
pub(crate) const SUBSCRIBER_COLUMNS: [&str; 3] = ["number", "status", "name"];

impl Facts {
    /// From the subscribers and watch-list tables. Of several returns for one number, the most
    /// informative is kept (obtained, then refused), the first among equals.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn read(subscribers: &RecordBatch, watchlist: &RecordBatch) -> Result<Facts> {
        let num = u64_values(subscribers, "number")?;
        let status = Codes::read(subscribers, "status")?;
        let name = subscribers
            .column_by_name("name")
            .ok_or_else(|| Error::store("name", "missing column in the subscribers table"))?;
        let of_code: Vec<Subscriber> = status.names.iter().map(|s| Subscriber::parse(s)).collect();
        let st = |i: usize| {
            of_code
                .get(status.codes[i] as usize)
                .copied()
                .unwrap_or_default()
        };
        // Each number's rows, the preferred first: by number, the most informative status,
        // then the first row.
        let mut rows: Vec<u32> = (0..num.len() as u32).collect();
        rows.par_sort_unstable_by_key(|&i| {
            let i = i as usize;
            (num[i], std::cmp::Reverse(st(i)), i)
        });
        rows.dedup_by_key(|i| num[*i as usize]);
        let returned: Vec<u64> = rows.iter().map(|&i| num[i as usize]).collect();
        let status: Vec<Subscriber> = rows.iter().map(|&i| st(i as usize)).collect();
        let fail = |e: arrow::error::ArrowError| Error::store("name", e);
        let taken =
            arrow::compute::take(name.as_ref(), &UInt32Array::from(rows), None).map_err(fail)?;
        let name = arrow::compute::cast(&taken, &DataType::Utf8)
            .map_err(fail)?
            .as_string::<i32>()
            .clone();
        let num = u64s_dense(watchlist, "number")?;
        let kind = Codes::read(watchlist, "list_kind")?;
        let list = Codes::read(watchlist, "list_name")?;
        let mut listed: HashMap<u64, Listing> = HashMap::default();
        for (i, &n) in num.iter().enumerate() {
            let e = listed.entry(n).or_default();
            e.kinds.insert(kind.text(i).to_string());
            if let Some(l) = list.get(i) {
                e.names.insert(l.to_string());
            }
        }
        Ok(Facts {
            returned,
            status,
            name,
            listed,
        })
    }

    /// Where `n` is among the returned numbers.
    fn returned_at(&self, n: u64) -> Option<usize> {
        self.returned.binary_search(&n).ok()
    }

    /// The subscriber status of `n`.
    pub fn subscriber(&self, n: u64) -> Subscriber {
        self.returned_at(n)
            .map_or(Subscriber::NotRequested, |i| self.status[i])
    }

    /// The subscriber's name, where obtained and given.
    pub fn subscriber_name(&self, n: u64) -> Option<String> {
        self.returned_at(n)
            .filter(|&i| self.name.is_valid(i))
            .map(|i| self.name.value(i).to_string())
    }

    /// The watch-lists naming `n`, if any.
    pub fn listing(&self, n: u64) -> Option<&Listing> {
        self.listed.get(&n)
    }

    /// The watch-lists naming `n`, as the numbers' `watchlists` list: kinds, then names, each
    /// sorted.
    pub fn listing_items(&self, n: u64) -> Option<impl Iterator<Item = &str>> {
        self.listing(n)
            .map(|l| l.kinds.iter().chain(l.names.iter()).map(String::as_str))
    }

    /// Whether a watch-list explains calls from `n`: a telemarketer's or a political entity's.
    pub fn listed_as_known_caller(&self, n: u64) -> bool {
        self.listing(n).is_some_and(|l| {
            l.kinds.contains("telemarketer") || l.kinds.contains("political_entity")
        })
    }
}

/// How many numbers have each subscriber status, and appear on each kind of list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FactCounts {
    /// Numbers counted.
    pub numbers: u64,
    /// With a subscriber return.
    pub obtained: u64,
    /// With a refusal.
    pub refused: u64,
    /// Per kind of list (every kind of [`LIST_KINDS`], zero where none).
    pub on_list: BTreeMap<&'static str, u64>,
}

impl FactCounts {
    /// The counts of two disjoint sets of numbers, added.
    pub fn merge(mut self, o: &FactCounts) -> FactCounts {
        self.numbers += o.numbers;
        self.obtained += o.obtained;
        self.refused += o.refused;
        for (k, v) in &o.on_list {
            *self.on_list.entry(k).or_insert(0) += v;
        }
        self
    }
}

/// Counts `numbers` (distinct).
pub(crate) fn count(facts: &Facts, numbers: &[u64]) -> FactCounts {
    let mut c = FactCounts {
        numbers: numbers.len() as u64,
        obtained: 0,
        refused: 0,
        on_list: LIST_KINDS.iter().map(|k| (*k, 0)).collect(),
    };
    for &n in numbers {
        match facts.subscriber(n) {
            Subscriber::Obtained => c.obtained += 1,
            Subscriber::Refused => c.refused += 1,
            Subscriber::NotRequested => {}
        }
        if let Some(l) = facts.listing(n) {
            for k in &l.kinds {
                if let Some(v) = c.on_list.get_mut(k.as_str()) {
                    *v += 1;
                }
            }
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{StringArray, UInt64Array};
    use proptest::prelude::*;

    use super::super::testkit::table;
    use super::*;
    use crate::model::Kind;

    fn facts() -> Facts {
        let subs = table(
            Kind::Subscribers,
            4,
            vec![
                ("number", Arc::new(UInt64Array::from(vec![1, 1, 2, 3]))),
                (
                    "status",
                    Arc::new(StringArray::from(vec![
                        "refused",
                        "obtained",
                        "refused",
                        "not_requested",
                    ])),
                ),
                (
                    "name",
                    Arc::new(StringArray::from(vec![None, Some("Acme"), None, None])),
                ),
            ],
        );
        let wl = table(
            Kind::Watchlist,
            3,
            vec![
                ("number", Arc::new(UInt64Array::from(vec![2, 2, 4]))),
                (
                    "list_kind",
                    Arc::new(StringArray::from(vec![
                        "telemarketer",
                        "fraud_suspect",
                        "fraud_suspect",
                    ])),
                ),
                (
                    "list_name",
                    Arc::new(StringArray::from(vec!["crtc", "cafc", "cafc"])),
                ),
            ],
        );
        Facts::read(&subs, &wl).unwrap()
    }

    #[test]
    fn prefers_the_obtained_return_and_gathers_lists() {
        let f = facts();
        assert_eq!(f.subscriber(1), Subscriber::Obtained);
        assert_eq!(f.subscriber_name(1).as_deref(), Some("Acme"));
        assert_eq!(f.subscriber(2), Subscriber::Refused);
        assert_eq!(f.subscriber(3), Subscriber::NotRequested);
        assert_eq!(f.subscriber(9), Subscriber::NotRequested);
        assert_eq!(
            f.listing_items(2).map(Iterator::collect::<Vec<_>>),
            Some(vec!["fraud_suspect", "telemarketer", "cafc", "crtc"])
        );
        assert!(f.listing_items(9).is_none());
        assert!(f.listed_as_known_caller(2) && !f.listed_as_known_caller(4));
        let c = count(&f, &[1, 2, 3, 4, 5]);
        assert_eq!((c.numbers, c.obtained, c.refused), (5, 1, 1));
        assert_eq!(
            (c.on_list["telemarketer"], c.on_list["fraud_suspect"]),
            (1, 2)
        );
    }

    proptest! {
        #[test]
        fn counts_add_over_any_split_of_the_numbers(side in prop::collection::vec(any::<bool>(), 6)) {
            let f = facts();
            let all: Vec<u64> = (0..6).collect();
            let a: Vec<u64> = all.iter().copied().filter(|&n| side[n as usize]).collect();
            let b: Vec<u64> = all.iter().copied().filter(|&n| !side[n as usize]).collect();
            prop_assert_eq!(count(&f, &a).merge(&count(&f, &b)), count(&f, &all));
        }

        /// The columns give each number the return a map kept row by row gives it: the most
        /// informative, the first among equals; with the name column plain or a dictionary
        /// (as the store reads it).
        #[test]
        fn the_preferred_return_is_the_one_a_row_by_row_map_keeps(
            rows in prop::collection::vec((0u64..6, 0usize..4, prop::option::of(0u8..3)), 0..40),
            coded in any::<bool>(),
        ) {
            let words = ["obtained", "refused", "not_requested", "something else"];
            let names: Vec<Option<String>> =
                rows.iter().map(|r| r.2.map(|k| format!("name {k}"))).collect();
            let name: arrow::array::ArrayRef = match coded {
                false => Arc::new(StringArray::from(names.clone())),
                true => Arc::new(
                    names
                        .iter()
                        .map(Option::as_deref)
                        .collect::<arrow::array::DictionaryArray<arrow::datatypes::Int32Type>>(),
                ),
            };
            let n = rows.len();
            let subs = RecordBatch::try_from_iter(vec![
                ("number", Arc::new(UInt64Array::from_iter_values(rows.iter().map(|r| r.0))) as _),
                ("status", Arc::new(StringArray::from_iter_values(rows.iter().map(|r| words[r.1]))) as _),
                ("name", name),
            ])
            .unwrap();
            let f = Facts::read(&subs, &table(Kind::Watchlist, 0, vec![])).unwrap();
            let mut want: std::collections::HashMap<u64, (Subscriber, Option<String>)> =
                Default::default();
            for i in 0..n {
                let row = (Subscriber::parse(words[rows[i].1]), names[i].clone());
                match want.get_mut(&rows[i].0) {
                    Some(e) if row.0 > e.0 => *e = row,
                    Some(_) => {}
                    None => {
                        want.insert(rows[i].0, row);
                    }
                }
            }
            for k in 0..7 {
                let (s, name) = want.get(&k).cloned().unwrap_or_default();
                prop_assert_eq!(f.subscriber(k), s);
                prop_assert_eq!(f.subscriber_name(k), name);
            }
        }
    }
}
