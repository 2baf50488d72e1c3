//! Spoofed caller IDs (part of analysis 2): which vendor campaigns *presented* each originating
//! number as their caller ID, and whether that makes the number likely spoofed.
//!
//! Words:
//! - **presenter**: a (campaign, vendor, account) of the vendor call log that sent a number as
//!   its caller ID (the log's `presented` column), whether or not any call was attributed to it;
//! - **declared**: a campaign listed in `[attribution] legitimate_campaigns`;
//! - **known caller**: a number on a `telemarketer` or `political_entity` watch-list;
//! - **suspect**: a presenter that is not declared and that dialled at least one complainant's
//!   number (of any complainant, late ones included) while presenting the number.
//!
//! *count* (`count`): per originating number and presenter, the vendor records presenting the
//! number and how many of them dialled a complainant. The counts are keyed by the presented
//! number, so the counts of any split of the numbers (or of the vendor log's rows), merged
//! ([`PresentedCounts::merge`]), are the counts of the whole.
//!
//! *finish* (`finish`): per number, its verdict. A number is `spoofed_likely` when a suspect
//! presented it, it is not a known caller, and no declared campaign presents it. Otherwise a
//! presented number is not flagged and its reason says why:
//! - only declared campaigns present it: their own number;
//! - no presenter dialled a complainant with it: the complainants' calls from it are not shown
//!   to be the campaign's;
//! - a known caller: the campaign is most likely its listed owner's (a spoofer borrowing a known
//!   caller's number is possible, and the reason names the campaign so it can be checked);
//! - a declared campaign presents it too: the number is likely that campaign's own.
//!
//! The flag says that a vendor campaign nobody vouched for put the number on calls that reached
//! complainants, so whoever the subscriber return names may be an innocent party. It cannot say
//! whether the campaign had the right to use the number (a caller's own undeclared campaign is
//! flagged): `docs/method.md`, section 2, "Spoofed caller IDs".

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;

use super::attribution::VendorLog;
use super::cols::NONE;
use super::facts::{Facts, Subscriber};
use super::registry::Registry;
use serde::{Deserialize, Serialize};

/// A campaign that presented a number as its caller ID.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Presenter {
    /// The campaign.
    pub campaign: String,
    /// Its vendor.
    pub vendor: String,
    /// The vendor account, where the log gives one.
    pub account: Option<String>,
}

impl Presenter {
    /// "campaign C of vendor V (account A, customer X)", the account and customer from the log
    /// and the campaign registry.
    fn describe(&self, reg: &Registry) -> String {
        reg.describe(&self.campaign, &self.vendor, self.account.as_deref())
    }
}

/// How often a presenter sent a number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presented {
    /// Vendor records with the number as caller ID.
    pub records: u64,
    /// Of them, those that dialled a complainant's number.
    pub to_complainants: u64,
}

/// Per originating number (of those counted), its presenters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresentedCounts {
    /// Presenters by number.
    pub by_number: BTreeMap<u64, BTreeMap<Presenter, Presented>>,
}

impl PresentedCounts {
    /// The counts of two parts (of the numbers, or of the vendor log's rows), added.
    pub fn merge(mut self, o: &PresentedCounts) -> PresentedCounts {
        for (n, ps) in &o.by_number {
            let mine = self.by_number.entry(*n).or_default();
            for (p, c) in ps {
                let e = mine.entry(p.clone()).or_default();
                e.records += c.records;
                e.to_complainants += c.to_complainants;
            }
        }
        self
    }
}

/// Counts who presented each of `numbers` (sorted ascending) as caller ID, and how often to one
/// of `complainants` (sorted ascending). Rows without a campaign are left out (the store has
/// none: the column is required).
pub(crate) fn count(log: &VendorLog, numbers: &[u64], complainants: &[u64]) -> PresentedCounts {
    // Keyed by codes while counting: (number, campaign, vendor, account).
    let mut by_code: HashMap<(u64, u32, u32, u32), Presented> = HashMap::default();
    // A campaign presents the same caller ID over long runs of rows: remember the last lookup.
    let mut last: Option<(u64, bool)> = None;
    let mut run: Option<((u64, u32, u32, u32), Presented)> = None;
    for (j, p) in log.presented.iter().enumerate() {
        let Some(p) = *p else { continue };
        let originating = match last {
            Some((q, hit)) if q == p => hit,
            _ => {
                let hit = numbers.binary_search(&p).is_ok();
                last = Some((p, hit));
                hit
            }
        };
        let campaign = log.campaign.codes[j];
        if !originating || campaign == NONE {
            continue;
        }
        let key = (p, campaign, log.vendor.codes[j], log.account.codes[j]);
        // Rows come in runs of one presenter: add up a run, then put it in the map once.
        if run.as_ref().is_some_and(|r| r.0 != key) {
            flush(&mut by_code, run.take());
        }
        let r = run.get_or_insert((key, Presented::default()));
        r.1.records += 1;
        if complainants.binary_search(&log.dialed[j]).is_ok() {
            r.1.to_complainants += 1;
        }
    }
    flush(&mut by_code, run);
    let mut c = PresentedCounts::default();
    for ((n, campaign, vendor, account), v) in by_code {
        let who = Presenter {
            campaign: log.campaign.names[campaign as usize].clone(),
            vendor: log
                .vendor
                .names
                .get(vendor as usize)
                .cloned()
                .unwrap_or_default(),
            account: (account != NONE).then(|| log.account.names[account as usize].clone()),
        };
        let e = c.by_number.entry(n).or_default().entry(who).or_default();
        e.records += v.records;
        e.to_complainants += v.to_complainants;
    }
    c
}

/// Adds a run of rows of one (number, campaign, vendor, account) to the counts.
fn flush(
    by_code: &mut HashMap<(u64, u32, u32, u32), Presented>,
    run: Option<((u64, u32, u32, u32), Presented)>,
) {
    if let Some((key, v)) = run {
        let e = by_code.entry(key).or_default();
        e.records += v.records;
        e.to_complainants += v.to_complainants;
    }
}

/// What the numbers table and the leads say of a presented number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The presenting campaigns, sorted, distinct (the numbers' `presented_by` list).
    pub presented_by: Vec<String>,
    /// Whether the number is likely spoofed.
    pub spoofed: bool,
    /// Why it is, or why it is not.
    pub reason: String,
    /// For a spoofed number, the leads' note: "presented by campaign C of vendor V; the
    /// subscriber may be an innocent party".
    pub note: Option<String>,
}

/// The verdicts of the numbers a campaign presented, by their index among the numbers: as
/// many as were presented, not one per number (a national case has millions of numbers and
/// thousands presented).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdicts {
    /// (index, verdict), ascending by index.
    at: Vec<(usize, Verdict)>,
}

impl Verdicts {
    /// The verdict of the number at index `k`, if a campaign presented it.
    pub fn get(&self, k: usize) -> Option<&Verdict> {
        self.at
            .binary_search_by_key(&k, |(i, _)| *i)
            .ok()
            .map(|i| &self.at[i].1)
    }
}

/// From each number's verdict, in index order (`None` where not presented).
impl FromIterator<Option<Verdict>> for Verdicts {
    fn from_iter<I: IntoIterator<Item = Option<Verdict>>>(it: I) -> Verdicts {
        let at = it
            .into_iter()
            .enumerate()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        Verdicts { at }
    }
}

/// The verdict of each of `numbers` that a campaign presented.
pub(crate) fn finish(
    c: &PresentedCounts,
    numbers: &[u64],
    facts: &Facts,
    legitimate: &BTreeSet<&str>,
    reg: &Registry,
) -> Verdicts {
    numbers
        .iter()
        .map(|n| {
            c.by_number
                .get(n)
                .filter(|ps| !ps.is_empty())
                .map(|ps| verdict(ps, *n, facts, legitimate, reg))
        })
        .collect()
}

/// "A on 3 vendor records, 2 to complainants; B on …".
fn listed(ps: &[(&Presenter, &Presented)], reg: &Registry) -> String {
    ps.iter()
        .map(|(p, c)| {
            let s = if c.records == 1 { "" } else { "s" };
            format!(
                "{} on {} vendor record{s}, {} to complainants",
                p.describe(reg),
                c.records,
                c.to_complainants
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The verdict on number `n`, presented by `ps` (not empty).
fn verdict(
    ps: &BTreeMap<Presenter, Presented>,
    n: u64,
    facts: &Facts,
    legitimate: &BTreeSet<&str>,
    reg: &Registry,
) -> Verdict {
    let campaigns: BTreeSet<&str> = ps.keys().map(|p| p.campaign.as_str()).collect();
    let presented_by: Vec<String> = campaigns.into_iter().map(str::to_string).collect();
    let declared = |p: &Presenter| legitimate.contains(p.campaign.as_str());
    let legit: Vec<_> = ps.iter().filter(|(p, _)| declared(p)).collect();
    let suspects: Vec<_> = ps
        .iter()
        .filter(|(p, c)| !declared(p) && c.to_complainants > 0)
        .collect();
    let quiet: Vec<_> = ps
        .iter()
        .filter(|(p, c)| !declared(p) && c.to_complainants == 0)
        .collect();
    let known = facts.listing(n).map(|l| {
        l.kinds
            .iter()
            .filter(|k| *k == "telemarketer" || *k == "political_entity")
            .cloned()
            .collect::<Vec<_>>()
    });
    let known = known.filter(|k| !k.is_empty()).map(|k| k.join(" and "));
    let not_flagged = |reason: String| Verdict {
        presented_by: presented_by.clone(),
        spoofed: false,
        reason,
        note: None,
    };
    if suspects.is_empty() {
        let mut why = Vec::new();
        if !quiet.is_empty() {
            why.push(format!(
                "presented as caller ID by {}, none of which dialled a complainant with it",
                listed(&quiet, reg)
            ));
        }
        if !legit.is_empty() {
            why.push(format!(
                "presented as caller ID by declared legitimate {}, taken as its own number",
                listed(&legit, reg)
            ));
        }
        return not_flagged(format!("not flagged: {}", why.join("; ")));
    }
    let by = listed(&suspects, reg);
    if let Some(kinds) = known {
        return not_flagged(format!(
            "not flagged: presented as caller ID by {by}, but the number is on a {kinds} \
             watch-list, so the campaign is likely its listed owner's (check that it is)"
        ));
    }
    if !legit.is_empty() {
        return not_flagged(format!(
            "not flagged: presented as caller ID by {by}, but also by declared legitimate {}, \
             so it is likely that campaign's own number (check the other campaign)",
            listed(&legit, reg)
        ));
    }
    let mut reason = format!(
        "presented as caller ID by {by}; no declared legitimate campaign presents it and no \
         telemarketer or political-entity watch-list names it"
    );
    if facts.subscriber(n) == Subscriber::Obtained {
        reason.push_str("; the subscriber on file may be an innocent party");
    }
    let who = suspects
        .iter()
        .map(|(p, _)| p.describe(reg))
        .collect::<Vec<_>>()
        .join(" and ");
    Verdict {
        presented_by,
        spoofed: true,
        reason,
        note: Some(format!(
            "presented by {who}; the subscriber may be an innocent party"
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{StringArray, UInt64Array};
    use proptest::prelude::*;

    use super::super::testkit::table;
    use super::*;
    use crate::model::Kind;

    /// A vendor log: (dialed, presented, campaign, account).
    fn log(rows: &[(u64, Option<u64>, &str, Option<&str>)]) -> VendorLog {
        let b = table(
            Kind::VendorCalls,
            rows.len(),
            vec![
                (
                    "dialed",
                    Arc::new(rows.iter().map(|r| r.0).collect::<UInt64Array>()),
                ),
                (
                    "presented",
                    Arc::new(rows.iter().map(|r| r.1).collect::<UInt64Array>()),
                ),
                (
                    "vendor",
                    Arc::new(rows.iter().map(|_| Some("RoboCo")).collect::<StringArray>()),
                ),
                (
                    "campaign",
                    Arc::new(rows.iter().map(|r| Some(r.2)).collect::<StringArray>()),
                ),
                (
                    "account",
                    Arc::new(rows.iter().map(|r| r.3).collect::<StringArray>()),
                ),
            ],
        );
        VendorLog::read(&b, &[]).unwrap()
    }

    /// Subscribers (number, status) and watch-list entries (number, kind).
    fn facts(subs: &[(u64, &str)], listed: &[(u64, &str)]) -> Facts {
        let s = table(
            Kind::Subscribers,
            subs.len(),
            vec![
                (
                    "number",
                    Arc::new(subs.iter().map(|r| r.0).collect::<UInt64Array>()),
                ),
                (
                    "status",
                    Arc::new(subs.iter().map(|r| Some(r.1)).collect::<StringArray>()),
                ),
                (
                    "name",
                    Arc::new(
                        subs.iter()
                            .map(|_| Some("A. Person"))
                            .collect::<StringArray>(),
                    ),
                ),
            ],
        );
        let w = table(
            Kind::Watchlist,
            listed.len(),
            vec![
                (
                    "number",
                    Arc::new(listed.iter().map(|r| r.0).collect::<UInt64Array>()),
                ),
                (
                    "list_kind",
                    Arc::new(listed.iter().map(|r| Some(r.1)).collect::<StringArray>()),
                ),
                (
                    "list_name",
                    Arc::new(listed.iter().map(|_| Some("wl")).collect::<StringArray>()),
                ),
            ],
        );
        Facts::read(&s, &w).unwrap()
    }

    /// Complainants 100 and 101; originating numbers 7 (an innocent subscriber's line, spoofed by
    /// `evil`), 8 (`gotv`'s own, declared), 9 (a telemarketer's, presented by `tm`), 10
    /// (presented by `quiet`, never to a complainant), 11 (presented by nobody), 12 (declared
    /// `gotv` and undeclared `evil` both present it). 99 is presented but not originating.
    fn world() -> (VendorLog, Vec<u64>, Vec<u64>) {
        (log(&rows()), vec![7, 8, 9, 10, 11, 12], vec![100, 101])
    }

    /// The vendor log of [`world`].
    fn rows() -> Vec<(u64, Option<u64>, &'static str, Option<&'static str>)> {
        let acc = Some("acct-9");
        vec![
            (100, Some(7), "evil", acc),
            (300, Some(7), "evil", acc),
            (101, Some(7), "evil", acc),
            (100, Some(8), "gotv", None),
            (100, Some(9), "tm", None),
            (300, Some(10), "quiet", None),
            (100, Some(12), "evil", acc),
            (101, Some(12), "gotv", None),
            (100, Some(99), "evil", acc),
            (100, None, "evil", acc),
        ]
    }

    #[test]
    fn counts_presenters_per_number() {
        let (v, numbers, comp) = world();
        let c = count(&v, &numbers, &comp);
        let evil = Presenter {
            campaign: "evil".into(),
            vendor: "RoboCo".into(),
            account: Some("acct-9".into()),
        };
        assert_eq!(
            c.by_number[&7][&evil],
            Presented {
                records: 3,
                to_complainants: 2
            }
        );
        assert_eq!(c.by_number[&12].len(), 2);
        assert!(!c.by_number.contains_key(&11) && !c.by_number.contains_key(&99));
    }

    #[test]
    fn a_spoofed_innocent_line_is_flagged_and_a_campaigns_own_number_is_not() {
        let (v, numbers, comp) = world();
        let c = count(&v, &numbers, &comp);
        let f = facts(&[(7, "obtained"), (8, "obtained")], &[(9, "telemarketer")]);
        let legit = BTreeSet::from(["gotv"]);
        let got = finish(&c, &numbers, &f, &legit, &Registry::default());
        let seven = got.get(0).unwrap();
        assert!(seven.spoofed, "{seven:?}");
        assert_eq!(seven.presented_by, ["evil"]);
        assert_eq!(
            seven.reason,
            "presented as caller ID by campaign evil of vendor RoboCo (account acct-9) on 3 \
             vendor records, 2 to complainants; no declared legitimate campaign presents it and \
             no telemarketer or political-entity watch-list names it; the subscriber on file \
             may be an innocent party"
        );
        assert_eq!(
            seven.note.as_deref(),
            Some(
                "presented by campaign evil of vendor RoboCo (account acct-9); the subscriber \
                 may be an innocent party"
            )
        );
        // The declared campaign's own number, the telemarketer's, the quiet campaign's and the
        // number a declared campaign shares are presented but not flagged; 11 is not presented.
        for (k, why) in [
            (1, "declared legitimate campaign gotv"),
            (2, "telemarketer watch-list"),
            (3, "none of which dialled a complainant"),
            (5, "also by declared legitimate campaign gotv"),
        ] {
            let x = got.get(k).unwrap();
            assert!(!x.spoofed && x.note.is_none(), "{x:?}");
            assert!(
                x.reason.starts_with("not flagged: ") && x.reason.contains(why),
                "{x:?}"
            );
        }
        assert_eq!(got.get(5).unwrap().presented_by, ["evil", "gotv"]);
        assert!(got.get(4).is_none());
        // Undeclared, the same campaign's number is flagged: the flag cannot tell a campaign's
        // own number from a borrowed one.
        let none = BTreeSet::new();
        let reg = Registry::default();
        assert!(
            finish(&c, &numbers, &f, &none, &reg)
                .get(1)
                .unwrap()
                .spoofed
        );
    }

    #[test]
    fn the_registrys_customer_is_named_beside_the_campaign() {
        let (v, numbers, comp) = world();
        let c = count(&v, &numbers, &comp);
        let f = facts(&[(7, "obtained")], &[]);
        let mut reg = Registry::default();
        reg.by_campaign.insert(
            "evil".into(),
            super::super::registry::Entry {
                vendor: "RoboCo".into(),
                customer: Some("Pierre Poutine".into()),
                ..Default::default()
            },
        );
        let got = finish(&c, &numbers, &f, &BTreeSet::from(["gotv"]), &reg);
        let note = got.get(0).unwrap().note.clone().unwrap();
        assert!(
            note.starts_with(
                "presented by campaign evil of vendor RoboCo (account acct-9, customer Pierre \
                 Poutine);"
            ),
            "{note}"
        );
    }

    proptest! {
        #[test]
        fn counts_add_over_any_split_of_the_numbers(side in prop::collection::vec(any::<bool>(), 6)) {
            let (v, numbers, comp) = world();
            let a: Vec<u64> = numbers.iter().enumerate().filter(|(i, _)| side[*i]).map(|x| *x.1).collect();
            let b: Vec<u64> = numbers.iter().enumerate().filter(|(i, _)| !side[*i]).map(|x| *x.1).collect();
            prop_assert_eq!(
                count(&v, &a, &comp).merge(&count(&v, &b, &comp)),
                count(&v, &numbers, &comp)
            );
        }

        #[test]
        fn counts_add_over_any_split_of_the_log_rows(side in prop::collection::vec(any::<bool>(), 10)) {
            let (v, numbers, comp) = world();
            let all = rows();
            let part = |keep: bool| -> Vec<_> {
                all.iter().zip(&side).filter(|(_, s)| **s == keep).map(|(r, _)| *r).collect()
            };
            prop_assert_eq!(
                count(&log(&part(true)), &numbers, &comp).merge(&count(&log(&part(false)), &numbers, &comp)),
                count(&v, &numbers, &comp)
            );
        }
    }
}
