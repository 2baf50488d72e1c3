//! Analysis 7, numbers and leads: every originating number ranked, with what explains it (a
//! telemarketer's or political entity's watch-listing, a legitimate campaign), and the leads:
//! the significant numbers nothing explains and no subscriber return names, with where their
//! exchange is (the numbering plan).

use std::collections::{BTreeMap, BTreeSet};

use arrow::array::RecordBatch;

use super::cols::{u16s, Codes, TableBuilder};
use super::facts::{Facts, Subscriber};
use super::input::{Calls, Complainants};
use super::reach::{Evidence, Ranking, ReachCounts};
use crate::error::Result;
use crate::join;
use crate::model::results::Table;
use crate::normalize::phone::{country_code, format_e164, nanp_parts};
use crate::stats;

/// q-value at or below which an originating number is significant (leads).
pub const ALPHA: f64 = 0.05;

/// Whether each number's calls are explained: a telemarketer or political entity on a
/// watch-list, or a legitimate campaign attributed to it.
pub(crate) fn explained(
    reach: &ReachCounts,
    facts: &Facts,
    campaigns: &BTreeMap<u64, BTreeSet<String>>,
    legitimate: &BTreeSet<&str>,
) -> Vec<bool> {
    reach
        .number
        .iter()
        .map(|n| {
            facts.listed_as_known_caller(*n)
                || campaigns
                    .get(n)
                    .is_some_and(|cs| cs.iter().any(|c| legitimate.contains(c.as_str())))
        })
        .collect()
}

/// `file:row` of an evidence row.
pub(crate) fn evidence_text(calls: &Calls<'_>, e: &Evidence) -> String {
    let file = calls
        .file
        .names
        .get(e.file as usize)
        .map_or("", String::as_str);
    format!("{file}:{}", e.row)
}

/// What the numbers table shows of each number besides its counts.
pub(crate) struct NumberContext<'a> {
    pub calls: &'a Calls<'a>,
    pub comp: &'a Complainants,
    pub facts: &'a Facts,
    pub campaigns: &'a BTreeMap<u64, BTreeSet<String>>,
    pub explained: &'a [bool],
}

/// `results/numbers`: every originating number, in rank order.
///
/// # Errors
/// Only if the columns came out of different lengths, which would be a bug.
pub(crate) fn numbers_table(
    c: &ReachCounts,
    r: &Ranking,
    cx: &NumberContext<'_>,
) -> Result<RecordBatch> {
    let o = &r.order;
    let u64s = |f: &dyn Fn(usize) -> u64| o.iter().map(|&k| f(k)).collect::<Vec<_>>();
    let texts = |f: &dyn Fn(usize) -> String| o.iter().map(|&k| f(k)).collect::<Vec<_>>();
    let opts = |f: &dyn Fn(usize) -> Option<String>| o.iter().map(|&k| f(k)).collect::<Vec<_>>();
    TableBuilder::default()
        .u64("rank", u64s(&|k| r.rank[k]))
        .text_dense("number", &texts(&|k| format_e164(c.number[k])))
        .u64("only_incident", u64s(&|k| u64::from(c.only_incident[k])))
        .u64("only_baseline", u64s(&|k| u64::from(c.only_baseline[k])))
        .u64("both", u64s(&|k| u64::from(c.both[k])))
        .u64("calls", u64s(&|k| c.calls[k]))
        .f64("ln_p", o.iter().map(|&k| r.ln_p[k]).collect())
        .f64("q", o.iter().map(|&k| r.ln_q[k].exp()).collect())
        .f64("ln_q", o.iter().map(|&k| r.ln_q[k]).collect())
        .text_dense("p_text", &texts(&|k| stats::format_p(r.ln_p[k])))
        .bool("explained", o.iter().map(|&k| cx.explained[k]).collect())
        .text_dense(
            "subscriber_status",
            &texts(&|k| cx.facts.subscriber(c.number[k]).label().to_string()),
        )
        .text(
            "subscriber_name",
            opts(&|k| cx.facts.subscriber_name(c.number[k])),
        )
        .text("watchlists", opts(&|k| cx.facts.listing_text(c.number[k])))
        .text(
            "campaigns",
            opts(&|k| {
                cx.campaigns
                    .get(&c.number[k])
                    .map(|s| s.iter().cloned().collect::<Vec<_>>().join("; "))
            }),
        )
        .text_dense(
            "districts",
            &texts(&|k| {
                c.districts[k]
                    .iter()
                    .map(|&d| cx.comp.district_names[d as usize].as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            }),
        )
        .time(
            "first_seen",
            o.iter().map(|&k| Some(c.first_seen[k])).collect(),
        )
        .time(
            "last_seen",
            o.iter().map(|&k| Some(c.last_seen[k])).collect(),
        )
        .text_dense(
            "evidence",
            &texts(&|k| evidence_text(cx.calls, &c.evidence[k])),
        )
        .build(Table::Numbers)
}

/// The leads, in rank order: significant (q ≤ [`ALPHA`]), unexplained, and without a
/// subscriber return.
pub(crate) fn leads(c: &ReachCounts, r: &Ranking, explained: &[bool], facts: &Facts) -> Vec<usize> {
    r.order
        .iter()
        .copied()
        .filter(|&k| {
            r.ln_q[k] <= ALPHA.ln()
                && !explained[k]
                && facts.subscriber(c.number[k]) != Subscriber::Obtained
        })
        .collect()
}

/// The numbering plan: NPA (and NXX) to the exchange's holder, country, region and status.
pub(crate) struct NumberingPlan {
    npa: Vec<u16>,
    nxx: Vec<Option<u16>>,
    carrier: Codes,
    region: Codes,
    country: Codes,
    status: Codes,
}

impl NumberingPlan {
    /// From the `numbering_plan` table.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn read(np: &RecordBatch) -> Result<NumberingPlan> {
        Ok(NumberingPlan {
            npa: u16s(np, "npa")?
                .into_iter()
                .map(|v| v.unwrap_or(0))
                .collect(),
            nxx: u16s(np, "nxx")?,
            carrier: Codes::read(np, "carrier")?,
            region: Codes::read(np, "region")?,
            country: Codes::read(np, "country")?,
            status: Codes::read(np, "status")?,
        })
    }
}

/// `results/leads`: the leads with their numbering-plan facts.
///
/// # Errors
/// Only if the columns came out of different lengths, which would be a bug.
pub(crate) fn leads_table(
    lead: &[usize],
    c: &ReachCounts,
    r: &Ranking,
    plan: &NumberingPlan,
    facts: &Facts,
    calls: &Calls<'_>,
) -> Result<RecordBatch> {
    let nums: Vec<u64> = lead.iter().map(|&k| c.number[k]).collect();
    let hit = join::prefix_match(&nums, &plan.npa, &plan.nxx);
    let at = |codes: &Codes| -> Vec<Option<String>> {
        hit.iter()
            .map(|h| {
                h.and_then(|row| codes.get(row as usize))
                    .map(str::to_string)
            })
            .collect()
    };
    TableBuilder::default()
        .u64("rank", lead.iter().map(|&k| r.rank[k]).collect())
        .text_dense(
            "number",
            &nums.iter().map(|&n| format_e164(n)).collect::<Vec<_>>(),
        )
        .f64("q", lead.iter().map(|&k| r.ln_q[k].exp()).collect())
        .f64("ln_p", lead.iter().map(|&k| r.ln_p[k]).collect())
        .u64(
            "only_incident",
            lead.iter()
                .map(|&k| u64::from(c.only_incident[k]))
                .collect(),
        )
        .text(
            "country_code",
            nums.iter()
                .map(|&n| country_code(n).map(|x| x.to_string()))
                .collect(),
        )
        .text(
            "area_code",
            nums.iter()
                .map(|&n| nanp_parts(n).map(|(a, _)| a.to_string()))
                .collect(),
        )
        .text("exchange_holder", at(&plan.carrier))
        .text("exchange_status", at(&plan.status))
        .text("country", at(&plan.country))
        .text("region", at(&plan.region))
        .text_dense(
            "subscriber_status",
            &nums
                .iter()
                .map(|&n| facts.subscriber(n).label())
                .collect::<Vec<_>>(),
        )
        .text_dense(
            "evidence",
            &lead
                .iter()
                .map(|&k| evidence_text(calls, &c.evidence[k]))
                .collect::<Vec<_>>(),
        )
        .build(Table::Leads)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{AsArray, StringArray, UInt64Array};

    use super::super::testkit::table;
    use super::*;
    use crate::model::Kind;

    #[test]
    fn leads_are_significant_unexplained_and_unsubscribed() {
        let c = ReachCounts {
            number: vec![1, 2, 3, 4],
            ..ReachCounts::default()
        };
        let r = Ranking {
            ln_p: vec![-10.0; 4],
            ln_q: vec![-10.0, -10.0, -10.0, -1.0],
            order: vec![3, 2, 1, 0],
            rank: vec![4, 3, 2, 1],
        };
        let subs = table(
            Kind::Subscribers,
            1,
            vec![
                ("number", Arc::new(UInt64Array::from(vec![2]))),
                ("status", Arc::new(StringArray::from(vec!["obtained"]))),
            ],
        );
        let facts = Facts::read(&subs, &table(Kind::Watchlist, 0, vec![])).unwrap();
        // 1 is explained, 2 has a subscriber, 4 is not significant (q = e^-1).
        assert_eq!(leads(&c, &r, &[true, false, false, false], &facts), [2]);
    }

    #[test]
    fn leads_table_names_the_exchange() {
        let plan = table(
            Kind::NumberingPlan,
            2,
            vec![
                ("npa", Arc::new(UInt64Array::from(vec![613, 613]))),
                ("nxx", Arc::new(UInt64Array::from(vec![None, Some(555)]))),
                ("carrier", Arc::new(StringArray::from(vec!["Any", "Bell"]))),
            ],
        );
        let plan = NumberingPlan::read(&plan).unwrap();
        let c = ReachCounts {
            number: vec![16135550101],
            only_incident: vec![3],
            evidence: vec![Evidence {
                not_incident: 0,
                start: 0,
                file: 0,
                row: 7,
            }],
            ..ReachCounts::default()
        };
        let r = Ranking {
            ln_p: vec![-5.0],
            ln_q: vec![-5.0],
            order: vec![0],
            rank: vec![1],
        };
        let facts = Facts::default();
        let calls_b =
            super::super::testkit::calls(&[super::super::testkit::Call::new(1, Some(2), 0)]);
        let calls = Calls::new(&calls_b).unwrap();
        let t = leads_table(&[0], &c, &r, &plan, &facts, &calls).unwrap();
        let holder = t
            .column_by_name("exchange_holder")
            .unwrap()
            .as_string::<i32>();
        assert_eq!(holder.value(0), "Bell");
        let ev = t.column_by_name("evidence").unwrap().as_string::<i32>();
        assert_eq!(ev.value(0), "calls.csv:7");
    }
}
