//! Analysis 7, numbers and leads: every originating number ranked, with what explains it (a
//! telemarketer's or political entity's watch-listing, a legitimate campaign), its rank among
//! the unexplained numbers, who presented it as caller ID and whether it is likely spoofed
//! ([`super::spoof`]); and the leads: the significant numbers nothing explains and no subscriber
//! return names, or likely spoofed whatever the subscriber return says, with where their
//! exchange is (the numbering plan).

use std::collections::{BTreeMap, BTreeSet};

use arrow::array::RecordBatch;

use super::cols::{u16s, Codes, TableBuilder};
use super::facts::{Facts, Subscriber};
use super::input::Complainants;
use super::reach::{Evidence, Ranking, ReachCounts};
use super::spoof::Verdicts;
use crate::error::Result;
use crate::join;
use crate::model::results::Table;
use crate::normalize::phone::{country_code, format_e164, nanp_parts};

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

/// `file:row` of an evidence row; `files` are the case's evidence files by rank (the
/// manifest's inputs, in order).
pub(crate) fn evidence_text(files: &[String], e: &Evidence) -> String {
    let file = files.get(e.file as usize).map_or("", String::as_str);
    format!("{file}:{}", e.row)
}

/// What the numbers table shows of each number besides its counts.
pub(crate) struct NumberContext<'a> {
    /// The case's evidence files by rank (what [`Evidence::file`] indexes).
    pub files: &'a [String],
    pub comp: &'a Complainants,
    pub facts: &'a Facts,
    pub campaigns: &'a BTreeMap<u64, BTreeSet<String>>,
    pub explained: &'a [bool],
    /// Per number (as `explained`), who presented it and whether it is likely spoofed.
    pub spoof: &'a Verdicts,
    /// The zone of the local-time columns (`[case] time_zone`).
    pub zone: chrono_tz::Tz,
}

/// Each number's rank among the unexplained numbers only (1 = the most significant
/// unexplained), in `rank`'s order and so with its tie-breaking; `None` for an explained one.
pub(crate) fn ranks_unexplained(r: &Ranking, explained: &[bool]) -> Vec<Option<u64>> {
    let mut out = vec![None; r.order.len()];
    let mut next = 0u64;
    for &k in &r.order {
        if !explained[k] {
            next += 1;
            out[k] = Some(next);
        }
    }
    out
}

/// `results/numbers`: every originating number, in rank order, in batches of a Parquet row
/// group's rows, each built when it is asked for (so that what is held while the table is
/// written is a batch, not the table: at 10 M numbers the table took gigabytes); one empty
/// batch when there is no number.
///
/// # Errors
/// Each batch: only if its columns came out of different lengths, which would be a bug.
pub(crate) fn numbers_table<'a>(
    c: &'a ReachCounts,
    r: &'a Ranking,
    cx: &'a NumberContext<'a>,
) -> impl Iterator<Item = Result<RecordBatch>> + Send + 'a {
    numbers_table_in(c, r, cx, crate::store::ROW_GROUP_ROWS)
}

/// [`numbers_table`] in batches of `rows` rows.
fn numbers_table_in<'a>(
    c: &'a ReachCounts,
    r: &'a Ranking,
    cx: &'a NumberContext<'a>,
    rows: usize,
) -> impl Iterator<Item = Result<RecordBatch>> + Send + 'a {
    let unexplained = ranks_unexplained(r, cx.explained);
    let chunks: Vec<&'a [usize]> = match r.order.is_empty() {
        true => vec![&[]],
        false => r.order.chunks(rows.max(1)).collect(),
    };
    chunks
        .into_iter()
        .map(move |o| numbers_rows(c, r, cx, (o, &unexplained)))
}

/// The rows of the `numbers` table of the numbers `o` (indices, in rank order);
/// `unexplained` is each number's rank among the unexplained.
fn numbers_rows(
    c: &ReachCounts,
    r: &Ranking,
    cx: &NumberContext<'_>,
    (o, unexplained): (&[usize], &[Option<u64>]),
) -> Result<RecordBatch> {
    let u64s = |f: &dyn Fn(usize) -> u64| o.iter().map(|&k| f(k)).collect::<Vec<_>>();
    let texts = |f: &dyn Fn(usize) -> String| o.iter().map(|&k| f(k)).collect::<Vec<_>>();
    let opts = |f: &dyn Fn(usize) -> Option<String>| o.iter().map(|&k| f(k)).collect::<Vec<_>>();
    let spoof = |k: usize| cx.spoof.get(k);
    TableBuilder::default()
        .u64("rank", u64s(&|k| r.rank[k]))
        .u64_opt(
            "rank_unexplained",
            o.iter().map(|&k| unexplained[k]).collect(),
        )
        .text_dense("number", &texts(&|k| format_e164(c.number[k])))
        .u64("only_incident", u64s(&|k| u64::from(c.only_incident[k])))
        .u64("only_baseline", u64s(&|k| u64::from(c.only_baseline[k])))
        .u64("both", u64s(&|k| u64::from(c.both[k])))
        .u64("calls", u64s(&|k| c.calls[k]))
        .test_columns(
            o.iter().map(|&k| r.ln_p[k]).collect(),
            o.iter().map(|&k| r.ln_q[k]).collect(),
        )
        .bool("explained", o.iter().map(|&k| cx.explained[k]).collect())
        .text_dense(
            "subscriber_status",
            &texts(&|k| cx.facts.subscriber(c.number[k]).label().to_string()),
        )
        .text(
            "subscriber_name",
            opts(&|k| cx.facts.subscriber_name(c.number[k])),
        )
        .text_list(
            "watchlists",
            o.iter().map(|&k| cx.facts.listing_items(c.number[k])),
        )
        .text_list(
            "campaigns",
            o.iter().map(|&k| cx.campaigns.get(&c.number[k])),
        )
        .text_list(
            "presented_by",
            o.iter().map(|&k| spoof(k).map(|v| &v.presented_by)),
        )
        .bool(
            "spoofed_likely",
            o.iter()
                .map(|&k| spoof(k).is_some_and(|v| v.spoofed))
                .collect(),
        )
        .text(
            "spoofed_reason",
            opts(&|k| spoof(k).map(|v| v.reason.clone())),
        )
        .text_list_dense(
            "districts",
            o.iter().map(|&k| {
                c.districts[k]
                    .iter()
                    .filter_map(|&d| cx.comp.district_names.get(d as usize))
            }),
        )
        .time_local(
            "first_seen",
            o.iter().map(|&k| Some(c.first_seen[k])).collect(),
            cx.zone,
        )
        .time_local(
            "last_seen",
            o.iter().map(|&k| Some(c.last_seen[k])).collect(),
            cx.zone,
        )
        .text_dense(
            "evidence",
            &texts(&|k| evidence_text(cx.files, &c.evidence[k])),
        )
        .build(Table::Numbers)
}

/// The leads, in rank order: significant (q ≤ [`ALPHA`]), unexplained, and either without a
/// subscriber return or likely spoofed (a subscriber on file may then be an innocent party
/// whose number a campaign presented).
pub(crate) fn leads(
    c: &ReachCounts,
    r: &Ranking,
    explained: &[bool],
    facts: &Facts,
    spoof: &Verdicts,
) -> Vec<usize> {
    r.order
        .iter()
        .copied()
        .filter(|&k| {
            let spoofed = spoof.get(k).is_some_and(|v| v.spoofed);
            r.ln_q[k] <= ALPHA.ln()
                && !explained[k]
                && (spoofed || facts.subscriber(c.number[k]) != Subscriber::Obtained)
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

/// `results/leads`: the leads with their numbering-plan facts, and for a likely spoofed one the
/// note that its subscriber may be an innocent party.
///
/// # Errors
/// Only if the columns came out of different lengths, which would be a bug.
pub(crate) fn leads_table(
    lead: &[usize],
    c: &ReachCounts,
    r: &Ranking,
    plan: &NumberingPlan,
    cx: &NumberContext<'_>,
) -> Result<RecordBatch> {
    let facts = cx.facts;
    let spoof = |k: usize| cx.spoof.get(k);
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
    let unexplained = ranks_unexplained(r, cx.explained);
    TableBuilder::default()
        .u64("rank", lead.iter().map(|&k| r.rank[k]).collect())
        .u64_opt(
            "rank_unexplained",
            lead.iter().map(|&k| unexplained[k]).collect(),
        )
        .text_dense(
            "number",
            &nums.iter().map(|&n| format_e164(n)).collect::<Vec<_>>(),
        )
        .test_columns(
            lead.iter().map(|&k| r.ln_p[k]).collect(),
            lead.iter().map(|&k| r.ln_q[k]).collect(),
        )
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
        .bool(
            "spoofed_likely",
            lead.iter()
                .map(|&k| spoof(k).is_some_and(|v| v.spoofed))
                .collect(),
        )
        .text(
            "note",
            lead.iter()
                .map(|&k| spoof(k).and_then(|v| v.note.clone()))
                .collect(),
        )
        .text_dense(
            "evidence",
            &lead
                .iter()
                .map(|&k| evidence_text(cx.files, &c.evidence[k]))
                .collect::<Vec<_>>(),
        )
        .build(Table::Leads)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, AsArray, StringArray, UInt64Array};

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
        let expl = [true, false, false, false];
        let none: Verdicts = [None, None, None, None].into_iter().collect();
        assert_eq!(leads(&c, &r, &expl, &facts, &none), [2]);
        // Likely spoofed, 2 stays among the leads whatever its subscriber return; presented but
        // not flagged (a declared campaign's own number), it does not.
        let v = |spoofed| super::super::spoof::Verdict {
            presented_by: vec!["c".into()],
            spoofed,
            reason: String::new(),
            note: None,
        };
        let spoof: Verdicts = [None, Some(v(true)), None, Some(v(true))]
            .into_iter()
            .collect();
        assert_eq!(leads(&c, &r, &expl, &facts, &spoof), [2, 1]);
        let spoof: Verdicts = [None, Some(v(false)), None, None].into_iter().collect();
        assert_eq!(leads(&c, &r, &expl, &facts, &spoof), [2]);
    }

    /// Reach counts of `numbers`, each with (only_incident, only_baseline).
    fn reach_of(numbers: &[(u64, u32, u32)]) -> ReachCounts {
        let n = numbers.len();
        ReachCounts {
            number: numbers.iter().map(|x| x.0).collect(),
            only_incident: numbers.iter().map(|x| x.1).collect(),
            only_baseline: numbers.iter().map(|x| x.2).collect(),
            both: vec![0; n],
            calls: numbers.iter().map(|x| u64::from(x.1 + x.2)).collect(),
            first_seen: vec![0; n],
            last_seen: vec![0; n],
            districts: vec![Vec::new(); n],
            evidence: vec![
                Evidence {
                    not_incident: 0,
                    start: 0,
                    file: 0,
                    row: 1,
                };
                n
            ],
        }
    }

    #[test]
    fn rank_unexplained_skips_explained_numbers_and_breaks_ties_as_rank() {
        use super::super::testkit::window;
        // 5 and 6 tie on ln p and only_incident: `rank` puts the lower number first.
        let c = reach_of(&[(5, 3, 0), (6, 3, 0), (7, 5, 0), (8, 1, 0)]);
        let r = super::super::reach::finish(&c, window(40, 80), window(0, 40));
        assert_eq!(r.rank, [2, 3, 1, 4]);
        let u = ranks_unexplained(&r, &[false, false, true, false]);
        assert_eq!(u, [Some(1), Some(2), None, Some(3)]);
        let u = ranks_unexplained(&r, &[true, false, false, false]);
        assert_eq!(u, [None, Some(2), Some(1), Some(3)]);
        assert_eq!(ranks_unexplained(&r, &[true; 4]), [None; 4]);
    }

    /// The story of issue 12: campaign `evil` presents 7, the line of an innocent subscriber
    /// (on file), to complainants; the declared campaign `gotv` presents its own 8, whose calls
    /// nothing attributed (so it is unexplained) and whose subscriber is on file too.
    #[test]
    fn a_spoofed_innocent_line_stays_among_the_leads_flagged() {
        use super::super::spoof;
        use super::super::testkit::{self, window};
        let c = reach_of(&[(7, 9, 0), (8, 9, 0), (9, 9, 0)]);
        let r = super::super::reach::finish(&c, window(40, 80), window(0, 40));
        let vc = table(
            Kind::VendorCalls,
            3,
            vec![
                ("dialed", Arc::new(UInt64Array::from(vec![100, 101, 100]))),
                ("presented", Arc::new(UInt64Array::from(vec![7, 7, 8]))),
                ("vendor", Arc::new(StringArray::from(vec!["RoboCo"; 3]))),
                (
                    "campaign",
                    Arc::new(StringArray::from(vec!["evil", "evil", "gotv"])),
                ),
            ],
        );
        let subs = table(
            Kind::Subscribers,
            2,
            vec![
                ("number", Arc::new(UInt64Array::from(vec![7, 8]))),
                ("status", Arc::new(StringArray::from(vec!["obtained"; 2]))),
                (
                    "name",
                    Arc::new(StringArray::from(vec!["A. Innocent", "Party A"])),
                ),
            ],
        );
        let facts = Facts::read(&subs, &table(Kind::Watchlist, 0, vec![])).unwrap();
        let comp = testkit::arb_complainants();
        let log = super::super::attribution::VendorLog::read(&vc, &[]).unwrap();
        let presented = spoof::count(&log, &c.number, &comp.numbers);
        let legit = BTreeSet::from(["gotv"]);
        let verdicts = spoof::finish(&presented, &c.number, &facts, &legit, &Default::default());
        let files = ["calls.csv".to_string()];
        let by_number = BTreeMap::new();
        let explained = [false; 3];
        let cx = NumberContext {
            files: &files,
            comp: &comp,
            facts: &facts,
            campaigns: &by_number,
            explained: &explained,
            spoof: &verdicts,
            zone: chrono_tz::UTC,
        };
        let chunks: Vec<RecordBatch> = numbers_table(&c, &r, &cx).collect::<Result<_>>().unwrap();
        assert_eq!(chunks.len(), 1, "three numbers: one batch");
        let t = chunks[0].clone();
        // In batches of two rows: the same rows, the same order.
        let small: Vec<RecordBatch> = numbers_table_in(&c, &r, &cx, 2)
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(
            small.iter().map(RecordBatch::num_rows).collect::<Vec<_>>(),
            [2, 1]
        );
        let joined = arrow::compute::concat_batches(&t.schema(), &small).unwrap();
        assert_eq!(joined, t);
        let text = |t: &RecordBatch, name: &str| -> Vec<Option<String>> {
            let a = t.column_by_name(name).unwrap().as_string::<i32>();
            (0..a.len())
                .map(|i| a.is_valid(i).then(|| a.value(i).to_string()))
                .collect()
        };
        let flag = |t: &RecordBatch| -> Vec<bool> {
            let a = t.column_by_name("spoofed_likely").unwrap().as_boolean();
            (0..a.len()).map(|i| a.value(i)).collect()
        };
        // Rows in rank order: 7, 8, 9 (a tie broken by number).
        assert_eq!(
            text(&t, "number"),
            [Some("+7"), Some("+8"), Some("+9")].map(|x| x.map(String::from))
        );
        assert_eq!(flag(&t), [true, false, false]);
        let by = t.column_by_name("presented_by").unwrap().as_list::<i32>();
        let by: Vec<Option<Vec<String>>> = (0..by.len())
            .map(|i| {
                by.is_valid(i).then(|| {
                    let v = by.value(i);
                    let v = v.as_string::<i32>();
                    (0..v.len()).map(|j| v.value(j).to_string()).collect()
                })
            })
            .collect();
        assert_eq!(
            by,
            [
                Some(vec!["evil".to_string()]),
                Some(vec!["gotv".into()]),
                None
            ]
        );
        let reasons = text(&t, "spoofed_reason");
        assert!(reasons[0]
            .as_deref()
            .is_some_and(|r| r.starts_with("presented as caller ID by campaign evil")));
        assert!(reasons[1]
            .as_deref()
            .is_some_and(|r| r.starts_with("not flagged: ")));
        assert_eq!(reasons[2], None);
        // 7 stays among the leads with its subscriber on file, flagged; 8 (the declared
        // campaign's own line, subscriber on file) does not; 9 (no subscriber) is an ordinary
        // lead.
        let lead = leads(&c, &r, &explained, &facts, &verdicts);
        assert_eq!(lead, [0, 2]);
        let plan = NumberingPlan::read(&table(Kind::NumberingPlan, 0, vec![])).unwrap();
        let lt = leads_table(&lead, &c, &r, &plan, &cx).unwrap();
        assert_eq!(flag(&lt), [true, false]);
        assert_eq!(
            text(&lt, "subscriber_status"),
            [Some("obtained".into()), Some("not_requested".into())]
        );
        assert_eq!(
            text(&lt, "note"),
            [
                Some(
                    "presented by campaign evil of vendor RoboCo; the subscriber may be an \
                     innocent party"
                        .into()
                ),
                None
            ]
        );
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
        let files = ["calls.csv".to_string()];
        let comp = Complainants::default();
        let by_number = BTreeMap::new();
        let cx = NumberContext {
            files: &files,
            comp: &comp,
            facts: &facts,
            campaigns: &by_number,
            explained: &[false],
            spoof: &Verdicts::default(),
            zone: chrono_tz::UTC,
        };
        let t = leads_table(&[0], &c, &r, &plan, &cx).unwrap();
        let holder = t
            .column_by_name("exchange_holder")
            .unwrap()
            .as_string::<i32>();
        assert_eq!(holder.value(0), "Bell");
        let ev = t.column_by_name("evidence").unwrap().as_string::<i32>();
        assert_eq!(ev.value(0), "calls.csv:7");
    }
}
