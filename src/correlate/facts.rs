//! What is known of an originating number from outside the calls: the subscriber return
//! (obtained, refused, or not requested) and the watch-lists that name it.
//!
//! *count* (`count`): how many of the reaching numbers have each subscriber status and appear
//! on each kind of watch-list; numbers, so counts over any split of the numbers add.

use std::collections::{BTreeMap, BTreeSet};

use arrow::array::RecordBatch;
use rustc_hash::FxHashMap as HashMap;

use super::cols::{u64s_dense, Codes};
use crate::error::Result;
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

/// Subscriber returns and watch-list entries, by number.
#[derive(Clone, Debug, Default)]
pub(crate) struct Facts {
    subscriber: HashMap<u64, (Subscriber, Option<String>)>,
    listed: HashMap<u64, Listing>,
}

impl Facts {
    /// From the subscribers and watch-list tables. Of several returns for one number, the most
    /// informative is kept (obtained, then refused), the first among equals.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn read(subscribers: &RecordBatch, watchlist: &RecordBatch) -> Result<Facts> {
        let num = u64s_dense(subscribers, "number")?;
        let status = Codes::read(subscribers, "status")?;
        let name = Codes::read(subscribers, "name")?;
        let mut subscriber: HashMap<u64, (Subscriber, Option<String>)> = HashMap::default();
        for (i, &n) in num.iter().enumerate() {
            let s = Subscriber::parse(status.text(i));
            let row = (s, name.get(i).map(str::to_string));
            match subscriber.get_mut(&n) {
                Some(e) if s > e.0 => *e = row,
                Some(_) => {}
                None => {
                    subscriber.insert(n, row);
                }
            }
        }
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
        Ok(Facts { subscriber, listed })
    }

    /// The subscriber status of `n`.
    pub fn subscriber(&self, n: u64) -> Subscriber {
        self.subscriber
            .get(&n)
            .map_or(Subscriber::NotRequested, |s| s.0)
    }

    /// The subscriber's name, where obtained and given.
    pub fn subscriber_name(&self, n: u64) -> Option<String> {
        self.subscriber.get(&n).and_then(|s| s.1.clone())
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
    }
}
