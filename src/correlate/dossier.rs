//! `results/dossier`: every call behind each lead and each attributed campaign, one row per
//! call, as the carrier and (where a vendor record matched it) the vendor recorded it, with both
//! evidence references. The numbers table's `evidence` names a lead's first call; the dossier
//! names all of them, so that counsel can read each lead call by call.
//!
//! ```text
//!  leads (ranked numbers) ──▶ the received calls whose caller ID is the lead ─┐
//!  attribution (one-to-one matches) ──▶ the calls matched to each campaign ───┴─▶ rows, each
//!        with its vendor record where one matched: campaign, account, vendor time, delta
//! ```
//!
//! Rows are ordered by subject (leads by rank, then campaigns by name), then by time and
//! evidence; `call` numbers each subject's calls from 1. Times are UTC (`start`,
//! `vendor_start`) with the same instant in the case's zone beside them (`start_local`,
//! `vendor_start_local`, [`crate::config::CaseSection::time_zone`]).

use std::collections::{BTreeMap, HashMap};

use arrow::array::RecordBatch;
use chrono_tz::Tz;

use super::attribution::{Attribution, Match, VendorLog};
use super::cols::TableBuilder;
use super::input::{Calls, Complainants};
use super::registry::Registry;
use crate::config::Window;
use crate::error::Result;
use crate::model::results::Table;
use crate::normalize::phone::format_e164;

/// What the dossier is built from.
pub(crate) struct Sources<'a> {
    pub calls: &'a Calls<'a>,
    /// The received calls (indices into `calls`).
    pub received: &'a [usize],
    pub comp: &'a Complainants,
    pub log: &'a VendorLog,
    pub matched: &'a Attribution,
    pub reg: &'a Registry,
    /// The leads' numbers, in rank order.
    pub leads: &'a [u64],
    pub incident: Window,
    pub baseline: Window,
    /// The zone of the local-time columns.
    pub zone: Tz,
}

/// One row: its subject and the call (with its match, if a vendor record matched it).
struct Row<'m> {
    /// 0 for a lead, 1 for a campaign: leads first.
    kind: u8,
    /// The subject's position (a lead's rank order, a campaign's name order).
    subject: usize,
    call: usize,
    matched: Option<&'m Match>,
}

/// The dossier table.
///
/// # Errors
/// Only if the columns came out of different lengths, which would be a bug.
pub(crate) fn table(s: &Sources<'_>) -> Result<RecordBatch> {
    let by_call: HashMap<usize, &Match> = s.matched.matches.iter().map(|m| (m.call, m)).collect();
    let lead_pos: HashMap<u64, usize> = s.leads.iter().enumerate().map(|(i, &n)| (n, i)).collect();
    let mut rows: Vec<Row<'_>> = Vec::new();
    for &i in s.received {
        if let Some(&pos) = s.calls.calling(i).and_then(|n| lead_pos.get(&n)) {
            rows.push(Row {
                kind: 0,
                subject: pos,
                call: i,
                matched: by_call.get(&i).copied(),
            });
        }
    }
    // The attributed campaigns, by name.
    let campaigns: BTreeMap<&str, ()> = s
        .matched
        .matches
        .iter()
        .filter_map(|m| s.log.campaign.get(m.vendor_row))
        .map(|c| (c, ()))
        .collect();
    let campaign_pos: HashMap<&str, usize> =
        campaigns.keys().enumerate().map(|(i, &c)| (c, i)).collect();
    for m in &s.matched.matches {
        if let Some(&pos) = s
            .log
            .campaign
            .get(m.vendor_row)
            .and_then(|c| campaign_pos.get(c))
        {
            rows.push(Row {
                kind: 1,
                subject: pos,
                call: m.call,
                matched: Some(m),
            });
        }
    }
    let calls = s.calls;
    rows.sort_unstable_by(|a, b| {
        (
            a.kind,
            a.subject,
            calls.start[a.call],
            calls.file.text(a.call),
            calls.row[a.call],
        )
            .cmp(&(
                b.kind,
                b.subject,
                calls.start[b.call],
                calls.file.text(b.call),
                calls.row[b.call],
            ))
    });
    let campaign_names: Vec<&str> = campaigns.keys().copied().collect();
    build(s, &rows, &campaign_names)
}

/// The columns of the sorted rows.
fn build(s: &Sources<'_>, rows: &[Row<'_>], campaigns: &[&str]) -> Result<RecordBatch> {
    let (calls, log) = (s.calls, s.log);
    let mut ordinal = Vec::with_capacity(rows.len());
    for (k, r) in rows.iter().enumerate() {
        let first = k == 0 || (rows[k - 1].kind, rows[k - 1].subject) != (r.kind, r.subject);
        ordinal.push(if first { 1 } else { ordinal[k - 1] + 1 });
    }
    let texts = |f: &dyn Fn(&Row<'_>) -> String| rows.iter().map(f).collect::<Vec<_>>();
    let opts = |f: &dyn Fn(&Row<'_>) -> Option<String>| rows.iter().map(f).collect::<Vec<_>>();
    let vendor = |f: &dyn Fn(usize) -> Option<String>| {
        opts(&|r: &Row<'_>| r.matched.and_then(|m| f(m.vendor_row)))
    };
    TableBuilder::default()
        .text_dense(
            "subject_kind",
            &texts(&|r| ["lead", "campaign"][usize::from(r.kind)].to_string()),
        )
        .text_dense(
            "subject",
            &texts(&|r| match r.kind {
                0 => format!("number:{}", format_e164(s.leads[r.subject])),
                _ => format!("campaign:{}", campaigns[r.subject]),
            }),
        )
        .u64("call", ordinal)
        .time_local(
            "start",
            rows.iter().map(|r| Some(calls.start[r.call])).collect(),
            s.zone,
        )
        .text_dense(
            "window",
            &texts(&|r| window(s, calls.start[r.call]).to_string()),
        )
        .text(
            "complainant",
            opts(&|r| {
                // A complainant the table names by no id is known by its number, which is in
                // `called` (as a number, so that pseudonymisation replaces it there).
                let id = s.comp.by_number.get(&calls.called[r.call])?;
                s.comp.names.get(*id as usize)?.clone()
            }),
        )
        .text_dense("called", &texts(&|r| format_e164(calls.called[r.call])))
        .text(
            "district",
            opts(&|r| s.comp.district(calls.called[r.call]).map(str::to_string)),
        )
        .text_dense(
            "carrier",
            &texts(&|r| calls.carrier.text(r.call).to_string()),
        )
        .text("seen", opts(&|r| calls.seen(r.call)))
        .text_dense(
            "seen_status",
            &texts(&|r| calls.status.text(r.call).to_string()),
        )
        .text("vendor", vendor(&|j| log.vendor.get(j).map(str::to_string)))
        .text(
            "campaign",
            vendor(&|j| log.campaign.get(j).map(str::to_string)),
        )
        .text(
            "account",
            vendor(&|j| {
                let c = log.campaign.text(j);
                s.reg.account(c, log.account.get(j)).map(str::to_string)
            }),
        )
        .text("presented", vendor(&|j| log.presented[j].map(format_e164)))
        .bool_opt(
            "caller_id_agrees",
            rows.iter().map(|r| r.matched.map(|m| m.agrees)).collect(),
        )
        .i64_opt(
            "delta_ms",
            rows.iter()
                .map(|r| r.matched.map(|m| m.delta_us / 1000))
                .collect(),
        )
        .time_local(
            "vendor_start",
            rows.iter()
                .map(|r| r.matched.and_then(|m| log.start[m.vendor_row]))
                .collect(),
            s.zone,
        )
        .text(
            "disposition",
            vendor(&|j| log.disposition.get(j).map(str::to_string)),
        )
        .text_dense(
            "evidence",
            &texts(&|r| format!("{}:{}", calls.file.text(r.call), calls.row[r.call])),
        )
        .text("vendor_evidence", vendor(&|j| Some(log.evidence(j))))
        .build(Table::Dossier)
}

/// Which window a call falls in: `incident`, `baseline`, or `other` (inside the orders but in
/// neither).
fn window(s: &Sources<'_>, t: i64) -> &'static str {
    if s.incident.contains(t) {
        "incident"
    } else if s.baseline.contains(t) {
        "baseline"
    } else {
        "other"
    }
}
