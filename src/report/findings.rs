//! The findings about callers: the leads, each with its dossier; the chains of who stands
//! behind them, drawn as paths; the vendor campaigns with their clock offsets.

use std::collections::{BTreeMap, HashMap};

use chrono_tz::Tz;

use super::html::{count, float, heads, table, Cell, Page};
use super::page::open_section;
use super::read::{Leads, View};
use super::svg::{self, Link};
use crate::error::Result;
use crate::model::results::Table;

/// The most leads shown with their dossiers (every lead is in the table of leads).
const MAX_LEADS: usize = 50;
/// The most dossier rows shown per lead.
const MAX_DOSSIER_ROWS: usize = 500;

/// The columns of `results/leads.csv` the table of leads shows.
const LEAD_COLUMNS: [&str; 15] = [
    "rank",
    "rank_unexplained",
    "number",
    "p_text",
    "q_text",
    "only_incident",
    "subscriber_status",
    "spoofed_likely",
    "area_code",
    "exchange_holder",
    "exchange_status",
    "country",
    "region",
    "note",
    "evidence",
];

/// The columns of `results/dossier` a lead's dossier shows.
const DOSSIER_COLUMNS: [&str; 16] = [
    "call",
    "start_local",
    "window",
    "complainant",
    "called",
    "district",
    "carrier",
    "seen",
    "campaign",
    "presented",
    "caller_id_agrees",
    "delta_ms",
    "vendor_start_local",
    "disposition",
    "evidence",
    "vendor_evidence",
];

/// The columns of `results/chains` a chain's table shows.
const CHAIN_COLUMNS: [&str; 9] = [
    "step", "link", "from", "to", "count", "share", "ln_p", "evidence", "note",
];

/// The columns of `results/campaigns` the campaigns' table shows.
const CAMPAIGN_COLUMNS: [&str; 17] = [
    "campaign",
    "vendor",
    "account",
    "customer",
    "purpose",
    "legitimate",
    "recipients",
    "dial_records",
    "presented",
    "complainants_matched",
    "calls_matched",
    "calls_caller_id_agrees",
    "offset_ms",
    "created_local",
    "first_dial_local",
    "last_dial_local",
    "registry_evidence",
];

/// The columns of `results/offsets`.
const OFFSET_COLUMNS: [&str; 6] = [
    "carrier",
    "vendor",
    "offset_ms",
    "candidates",
    "mad_ms",
    "matches",
];

/// The names of `names` that `table`'s contract has (a table may lose none, but the report
/// reads what is there).
pub(super) fn present<'a>(table: Table, names: &[&'a str]) -> Vec<&'a str> {
    names
        .iter()
        .copied()
        .filter(|n| table.column(n).is_some())
        .collect()
}

/// 4. The leads, each with every call of its dossier.
pub(super) fn leads(p: &mut Page, leads: &Leads, dossier: &View, zone: Tz) -> Result<()> {
    open_section(p, 3);
    let n = leads.rows.len() as u64;
    p.para(&format!(
        "{} (results/leads.csv): originating numbers significant and unexplained, without \
         subscriber information or likely spoofed, in rank order; then each with its dossier \
         (results/dossier), every received call from it as the carrier and the vendor \
         recorded it, in time order. Where the next production order goes is the carrier \
         holding the exchange (a first guess: numbers are portable).",
        count(n, "lead", "leads")
    ));
    let cols: Vec<usize> = LEAD_COLUMNS
        .iter()
        .filter_map(|c| leads.header.iter().position(|h| h == c))
        .collect();
    let names: Vec<&str> = cols.iter().map(|&k| leads.header[k].as_str()).collect();
    let rows: Vec<Vec<Cell>> = leads
        .rows
        .iter()
        .map(|r| {
            cols.iter()
                .map(|&k| lead_cell(&leads.header[k], &r[k]))
                .collect()
        })
        .collect();
    table(
        p,
        "leads-table",
        "results/leads.csv",
        &heads(Table::Leads, &names),
        &rows,
    );
    let subject = dossier.texts("subject")?;
    let mut by_subject: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, s) in subject.iter().enumerate() {
        by_subject.entry(s.as_str()).or_default().push(i);
    }
    let numbers = leads.column("number");
    for (k, number) in numbers.iter().enumerate().take(MAX_LEADS) {
        let rows = by_subject
            .get(format!("number:{number}").as_str())
            .map_or(&[][..], Vec::as_slice);
        lead(p, k, leads, (number, rows), dossier, zone)?;
    }
    if numbers.len() > MAX_LEADS {
        p.note(
            "note",
            &format!(
                "The dossiers of the first {MAX_LEADS} leads are shown; every lead's is in \
                 results/dossier (subject number:…)."
            ),
        );
    }
    p.close_line("section");
    Ok(())
}

fn lead_cell(column: &str, value: &str) -> Cell {
    match column {
        "rank" | "rank_unexplained" | "only_incident" | "p_text" | "q_text" => Cell::num(value),
        "evidence" => Cell::ev(value),
        _ => Cell::text(value),
    }
}

/// One lead: what is known of it, then its dossier.
fn lead(
    p: &mut Page,
    k: usize,
    leads: &Leads,
    (number, rows): (&str, &[usize]),
    dossier: &View,
    zone: Tz,
) -> Result<()> {
    let id = k + 1;
    p.open(
        "section",
        &[("class", "lead"), ("id", &format!("lead-{id}"))],
    );
    p.leaf("h3", &[], &format!("Lead {id}: {number}"));
    p.open("dl", &[("class", "facts")]);
    for (label, column) in [
        ("rank (unexplained)", "rank_unexplained"),
        ("p", "p_text"),
        ("q", "q_text"),
        (
            "complainants reached only in the incident window",
            "only_incident",
        ),
        ("subscriber", "subscriber_status"),
        ("likely spoofed", "spoofed_likely"),
        ("note", "note"),
        ("exchange holder (next production order)", "exchange_holder"),
        ("its first call in the incident window", "evidence"),
    ] {
        let v = leads.column(column)[k];
        if !v.is_empty() {
            p.leaf("dt", &[], label);
            p.leaf("dd", &[], v);
        }
    }
    p.close_line("dl");
    let key = format!("number:{number}");
    let names = present(Table::Dossier, &DOSSIER_COLUMNS);
    let shown = &rows[..rows.len().min(MAX_DOSSIER_ROWS)];
    let caption = format!(
        "results/dossier, subject {key}: {}{}",
        count(rows.len() as u64, "call", "calls"),
        if shown.len() < rows.len() {
            format!(", the first {} shown", shown.len())
        } else {
            String::new()
        }
    );
    table(
        p,
        &format!("dossier-{id}"),
        &caption,
        &heads(Table::Dossier, &names),
        &dossier.cells(&names, shown, zone)?,
    );
    p.close_line("section");
    Ok(())
}

/// 5. The chains: each drawn as a path, then its links with their evidence.
pub(super) fn chains(p: &mut Page, chains: &View, zone: Tz) -> Result<()> {
    open_section(p, 4);
    p.para(
        "Who stands behind the calls (results/chains): from each significant unexplained \
         number and each enriched campaign, link by link: the campaign that presented or was \
         attributed the calls, its account and customer, the upload it dialled, the download \
         that list most likely came from, that download's account and scope, and the \
         recipients beyond that scope. Each link is as strong as its own row: its count, \
         share, ln p, evidence and note are in the table under the drawing.",
    );
    let ids = chains.u64s("chain")?;
    let mut by_chain: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, c) in ids.iter().enumerate() {
        by_chain.entry(c.unwrap_or_default()).or_default().push(i);
    }
    if by_chain.is_empty() {
        p.note("note", "No chain: results/chains has no row.");
    }
    let start = chains.texts("start")?;
    let (from, to, link) = (
        chains.texts("from")?,
        chains.texts("to")?,
        chains.texts("link")?,
    );
    let (counts, shares, ln_p) = (
        chains.u64s("count")?,
        chains.f64s("share")?,
        chains.f64s("ln_p")?,
    );
    let (evidence, note) = (chains.joined("evidence")?, chains.texts("note")?);
    for (id, rows) in &by_chain {
        let first = rows[0];
        p.leaf("h3", &[], &format!("Chain {id}: {}", start[first]));
        let mut nodes = vec![start[first].clone()];
        let at = |name: &str, nodes: &mut Vec<String>| match nodes.iter().position(|x| x == name) {
            Some(k) => k,
            None => {
                nodes.push(name.to_string());
                nodes.len() - 1
            }
        };
        let mut links = Vec::new();
        for &i in rows {
            let a = at(&from[i], &mut nodes);
            if to[i].is_empty() {
                continue;
            }
            let z = at(&to[i], &mut nodes);
            let mut label = link[i].clone();
            if let Some(c) = counts[i] {
                label += &format!(" \u{b7} {c}");
            }
            if let Some(s) = shares[i] {
                label += &format!(" ({})", float(s));
            }
            let tip = format!(
                "{}: {} \u{2192} {}{}{}. {}",
                link[i],
                from[i],
                to[i],
                ln_p[i].map_or(String::new(), |l| format!("; ln p {}", float(l))),
                if evidence[i].is_empty() {
                    String::new()
                } else {
                    format!("; evidence {}", evidence[i])
                },
                note[i]
            );
            links.push(Link {
                from: a,
                to: z,
                label,
                tip,
            });
        }
        svg::chain(
            p,
            &format!("chain-{id}-chart"),
            &format!("Chain {id}, from {}", start[first]),
            &nodes,
            &links,
        );
        let names = present(Table::Chains, &CHAIN_COLUMNS);
        table(
            p,
            &format!("chain-{id}"),
            &format!("results/chains, chain {id}"),
            &heads(Table::Chains, &names),
            &chains.cells(&names, rows, zone)?,
        );
    }
    p.close_line("section");
    Ok(())
}

/// 6. The vendor campaigns, what was matched to each, and the clock offsets.
pub(super) fn campaigns(p: &mut Page, campaigns: &View, offsets: &View, zone: Tz) -> Result<()> {
    open_section(p, 5);
    p.para(
        "Each campaign of the vendor logs (results/campaigns): who stands behind it, what it \
         dialled and presented, and the received calls the one-to-one time-band join matched \
         to it (complainants_matched, calls_matched). A campaign the case declares legitimate \
         says so. Times are the vendor's clock, before the offset correction.",
    );
    let names = present(Table::Campaigns, &CAMPAIGN_COLUMNS);
    let all: Vec<usize> = (0..campaigns.rows()).collect();
    table(
        p,
        "campaigns-table",
        "results/campaigns",
        &heads(Table::Campaigns, &names),
        &campaigns.cells(&names, &all, zone)?,
    );
    p.para(
        "The clock offset of each pair of carrier and vendor logs (results/offsets): the median \
         of the candidate differences, in milliseconds (carrier time minus vendor time), with \
         their spread (mad_ms); a pair with no candidate has no offset.",
    );
    let names = present(Table::Offsets, &OFFSET_COLUMNS);
    let all: Vec<usize> = (0..offsets.rows()).collect();
    table(
        p,
        "offsets-table",
        "results/offsets",
        &heads(Table::Offsets, &names),
        &offsets.cells(&names, &all, zone)?,
    );
    p.close_line("section");
    Ok(())
}
