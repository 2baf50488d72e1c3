//! The findings about lists: the overlap heat map (which download or poll response set each
//! upload and campaign list came from) and the district spread and attribute skew of every
//! set.

use std::collections::{BTreeMap, BTreeSet};

use chrono_tz::Tz;

use super::findings::present;
use super::html::{count, float, heads, table, Page};
use super::page::open_section;
use super::read::View;
use super::svg::{self, HeatCell, Segment, Stack};
use crate::error::Result;
use crate::model::results::Table;

/// The most lists (rows) and sources (columns) of the heat map.
const MAX_HEAT: usize = 40;
/// The most rows of the table of closest pairs.
const TOP_PAIRS: usize = 20;
/// The most sets of the spread chart, and rows of the spread and skew tables.
const MAX_SETS: usize = 60;
const MAX_ROWS: usize = 400;

const OVERLAP_COLUMNS: [&str; 13] = [
    "rank",
    "list_a",
    "account_a",
    "list_b",
    "account_b",
    "size_a",
    "size_b",
    "overlap",
    "containment",
    "jaccard",
    "ln_p",
    "p_text",
    "q_text",
];

const SPREAD_COLUMNS: [&str; 8] = [
    "set",
    "kind",
    "account",
    "district",
    "recipients",
    "share",
    "scope",
    "scope_from",
];

const SKEW_COLUMNS: [&str; 9] = [
    "set",
    "attribute",
    "recipients_in_population",
    "g",
    "df",
    "ln_p",
    "p_text",
    "q_text",
    "ln_q",
];

const CATEGORY_COLUMNS: [&str; 8] = [
    "set",
    "attribute",
    "category",
    "observed",
    "observed_share",
    "expected",
    "expected_share",
    "ratio",
];

/// Distinct values in order of first appearance, at most `max`.
fn firsts(v: &[String], max: usize) -> Vec<String> {
    let mut seen = BTreeSet::new();
    v.iter()
        .filter(|x| seen.insert(x.as_str()))
        .take(max)
        .cloned()
        .collect()
}

/// 7. The overlap heat map and the closest pairs.
pub(super) fn overlaps(p: &mut Page, o: &View, zone: Tz) -> Result<()> {
    open_section(p, 6);
    p.para(
        "Every upload and campaign list (rows) against every candidate source: each party \
         database download and each set of poll responses (columns), from results/overlaps. A \
         cell shows the containment (the share of the row's list found in the source; the \
         colour) and the overlap (numbers on both); a blank cell is a pair that shares no \
         number. Hover a cell for its sizes, ln p and rank. The source of a list is the one \
         that holds most of it, most significantly: compare each cell with the rest of its row.",
    );
    let (a, b) = (o.texts("list_a")?, o.texts("list_b")?);
    let (rows, cols) = (firsts(&a, MAX_HEAT), firsts(&b, MAX_HEAT));
    let containment = o.f64s("containment")?;
    let overlap = o.u64s("overlap")?;
    let (size_a, size_b) = (o.u64s("size_a")?, o.u64s("size_b")?);
    let (ln_p, rank) = (o.f64s("ln_p")?, o.u64s("rank")?);
    let mut cells = Vec::new();
    for i in 0..o.rows() {
        let (Some(r), Some(c)) = (
            rows.iter().position(|x| *x == a[i]),
            cols.iter().position(|x| *x == b[i]),
        ) else {
            continue;
        };
        let shade = containment[i].unwrap_or(0.0);
        let n = |v: Option<u64>| v.map_or(String::new(), |v| v.to_string());
        cells.push(HeatCell {
            row: r,
            col: c,
            shade,
            value: format!("{shade:.2}"),
            detail: n(overlap[i]),
            tip: format!(
                "{} \u{d7} {}: overlap {} of {} (containment {}), source size {}, ln p {}, rank {}",
                a[i],
                b[i],
                n(overlap[i]),
                n(size_a[i]),
                float(shade),
                n(size_b[i]),
                ln_p[i].map_or(String::new(), float),
                n(rank[i]),
            ),
        });
    }
    if cells.is_empty() {
        p.note(
            "note",
            "No pair of lists shares a number: results/overlaps has no row.",
        );
    } else {
        let legend: Vec<(String, String)> = svg::blue_scale();
        let legend: Vec<(&str, String)> = legend
            .iter()
            .map(|(c, l)| (c.as_str(), format!("containment {l}")))
            .collect();
        svg::legend(p, &legend);
        svg::heat(
            p,
            "overlaps-chart",
            "List overlaps: containment of each list in each source",
            &rows,
            &cols,
            &cells,
        );
    }
    let distinct = |v: &[String]| v.iter().collect::<BTreeSet<_>>().len();
    if distinct(&a) > rows.len() || distinct(&b) > cols.len() {
        p.note(
            "note",
            &format!(
                "The map shows the first {MAX_HEAT} lists and sources in rank order; every pair \
                 is in results/overlaps."
            ),
        );
    }
    let names = present(Table::Overlaps, &OVERLAP_COLUMNS);
    let top: Vec<usize> = (0..o.rows().min(TOP_PAIRS)).collect();
    table(
        p,
        "overlaps-table",
        &format!(
            "results/overlaps, the {} most significant of {}",
            top.len(),
            count(o.rows() as u64, "pair", "pairs")
        ),
        &heads(Table::Overlaps, &names),
        &o.cells(&names, &top, zone)?,
    );
    p.close_line("section");
    Ok(())
}

/// 8. The district spread (a chart and its table) and the skew of attributes.
pub(super) fn spread(p: &mut Page, s: &View, skew: &View, cats: &View, zone: Tz) -> Result<()> {
    open_section(p, 7);
    p.para(
        "The districts each set's recipients fall in (results/spread): every campaign, upload, \
         download and top originating number, one bar each, a segment per district by its \
         share of the recipients placed in a district. A hatched segment lies outside the \
         scope of the account behind the set: a district-level account cannot reach it.",
    );
    let set = s.texts("set")?;
    let district = s.texts("district")?;
    let scope = s.texts("scope")?;
    let share = s.f64s("share")?;
    let recipients = s.u64s("recipients")?;
    let districts: Vec<String> = district
        .iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .cloned()
        .collect();
    let sets = firsts(&set, MAX_SETS);
    let mut bars: BTreeMap<usize, Vec<Segment>> = BTreeMap::new();
    for i in 0..s.rows() {
        let Some(k) = sets.iter().position(|x| *x == set[i]) else {
            continue;
        };
        let d = districts
            .iter()
            .position(|x| *x == district[i])
            .unwrap_or(0);
        let name = if district[i].is_empty() {
            "(no district)"
        } else {
            &district[i]
        };
        let n = recipients[i].unwrap_or(0);
        bars.entry(k).or_default().push(Segment {
            recipients: n,
            share: share[i].unwrap_or(0.0),
            district: d,
            outside: scope[i] == "outside_scope",
            label: name.to_string(),
            tip: format!(
                "{}: {} in {name} (share {}){}",
                set[i],
                count(n, "recipient", "recipients"),
                float(share[i].unwrap_or(0.0)),
                if scope[i].is_empty() {
                    String::new()
                } else {
                    format!(", {}", scope[i])
                }
            ),
        });
    }
    if bars.is_empty() {
        p.note(
            "note",
            "No set has recipients in a district: results/spread has no row.",
        );
    } else {
        let mut legend: Vec<(&str, String)> = districts
            .iter()
            .enumerate()
            .map(|(k, d)| (svg::district_colour(k), d.clone()))
            .collect();
        legend.push((
            "#e8a09b",
            "hatched: outside the account's scope".to_string(),
        ));
        svg::legend(p, &legend);
        let rows: Vec<Stack> = bars
            .into_iter()
            .map(|(k, segments)| Stack {
                name: sets[k].clone(),
                note: outside_note(&segments),
                segments,
            })
            .collect();
        svg::stacked(p, "spread-chart", "District spread of each set", &rows);
    }
    let names = present(Table::Spread, &SPREAD_COLUMNS);
    let shown: Vec<usize> = (0..s.rows().min(MAX_ROWS)).collect();
    table(
        p,
        "spread-table",
        &capped("results/spread", shown.len(), s.rows()),
        &heads(Table::Spread, &names),
        &s.cells(&names, &shown, zone)?,
    );
    skews(p, skew, cats, zone)?;
    p.close_line("section");
    Ok(())
}

/// The skew rows, then the categories of the skews whose q is at most [`crate::correlate::ALPHA`].
fn skews(p: &mut Page, skew: &View, cats: &View, zone: Tz) -> Result<()> {
    p.leaf("h3", &[], "Skew of the recipients' attributes");
    p.para(
        "Each set's recipients in the population against the population, per attribute \
         (results/skew): the G-test of the whole distribution. The categories of the skews \
         significant at q \u{2264} 0.05 follow (results/skew_categories): observed against \
         expected counts and shares, the direction of the skew.",
    );
    let names = present(Table::Skew, &SKEW_COLUMNS);
    let shown: Vec<usize> = (0..skew.rows().min(MAX_ROWS)).collect();
    table(
        p,
        "skew-table",
        &capped("results/skew", shown.len(), skew.rows()),
        &heads(Table::Skew, &names),
        &skew.cells(&names, &shown, zone)?,
    );
    let (set, attribute, ln_q) = (
        skew.texts("set")?,
        skew.texts("attribute")?,
        skew.f64s("ln_q")?,
    );
    let alpha = crate::correlate::ALPHA.ln();
    let significant: BTreeSet<(&str, &str)> = (0..skew.rows())
        .filter(|&i| ln_q[i].is_some_and(|l| l <= alpha))
        .map(|i| (set[i].as_str(), attribute[i].as_str()))
        .collect();
    let (c_set, c_attribute) = (cats.texts("set")?, cats.texts("attribute")?);
    let rows: Vec<usize> = (0..cats.rows())
        .filter(|&i| significant.contains(&(c_set[i].as_str(), c_attribute[i].as_str())))
        .take(MAX_ROWS)
        .collect();
    let names = present(Table::SkewCategories, &CATEGORY_COLUMNS);
    table(
        p,
        "skew-categories-table",
        &format!(
            "results/skew_categories, the categories of the {} significant at q \u{2264} 0.05",
            count(significant.len() as u64, "skew", "skews")
        ),
        &heads(Table::SkewCategories, &names),
        &cats.cells(&names, &rows, zone)?,
    );
    Ok(())
}

/// What of a set lies outside its account's scope: `outside scope: Kitchener—Waterloo 53`.
fn outside_note(segments: &[Segment]) -> String {
    let out: Vec<String> = segments
        .iter()
        .filter(|s| s.outside)
        .map(|s| format!("{} {}", s.label, s.recipients))
        .collect();
    if out.is_empty() {
        String::new()
    } else {
        format!("outside scope: {}", out.join(", "))
    }
}

/// A caption naming a file, and how many of its rows are shown when not all.
fn capped(file: &str, shown: usize, all: usize) -> String {
    if shown < all {
        format!("{file}, the first {shown} of {all} rows")
    } else {
        file.to_string()
    }
}
