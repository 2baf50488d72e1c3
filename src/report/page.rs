//! The page around the findings: its head and style (screen and print), the case, the
//! figures, the timeline of calls, and the method's caveats.

use chrono_tz::Tz;

use super::caveats::CAVEATS;
use super::hours::Hours;
use super::html::{count, table, Cell, Head, Page};
use super::read::{FigureRow, RunInfo};
use super::svg::{self, Bars};
use crate::config::Window;
use crate::normalize::time::format_in_zone;

/// The XHTML namespace.
pub(super) const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// The sections, in order: `id` and heading. The navigation and the tests read this list.
pub const SECTIONS: [(&str, &str); 9] = [
    ("case", "1. The case"),
    ("figures", "2. The figures"),
    ("timeline", "3. Calls to complainants, hour by hour"),
    ("leads", "4. The leads and their dossiers"),
    ("chains", "5. Who did it: the chains"),
    ("campaigns", "6. Vendor campaigns and clock offsets"),
    (
        "overlaps",
        "7. Where the lists came from: the overlap heat map",
    ),
    ("spread", "8. District spread and skew"),
    ("caveats", "9. What the method cannot show"),
];

/// The style: plain on screen; on paper, each section on a new page, charts never cut, table
/// headings repeated, wide tables in a smaller type.
const STYLE: &str = "
:root{color-scheme:light}
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1b1f24;margin:0 auto;max-width:1180px;padding:0 20px 40px}
h1{font-size:24px;margin:24px 0 4px}h2{font-size:20px;border-bottom:2px solid #1b1f24;padding-bottom:4px;margin-top:36px}
h3{font-size:16px;margin:22px 0 6px}
nav ol{columns:3;padding-left:20px}
div.wide{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;margin:8px 0 16px;font-size:12px}
caption{text-align:left;font-size:12px;color:#4a5360;padding:2px 0 4px;caption-side:top}
th,td{border:1px solid #c9ced6;padding:2px 6px;vertical-align:top;text-align:left}
th{background:#eef1f5}th[title]{cursor:help;text-decoration:underline dotted}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.ev,code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11px;word-break:break-all}
.note,.source{color:#4a5360;font-size:12px}.match-no{color:#b00020;font-weight:bold}
svg.chart{display:block;width:100%;height:auto;margin:8px 0;font-family:system-ui,sans-serif}
svg .grid{stroke:#e3e6ea}svg .axis{stroke:#6b7480}svg .tick{font-size:10px;fill:#4a5360}
svg .window{font-size:12px;font-weight:bold;fill:#1b1f24}svg .count{font-size:10px;fill:#1b1f24}
svg .mark{fill:#c62828}svg .marklabel{font-size:11px;font-weight:bold;fill:#c62828}
svg .link{fill:none;stroke:#4a5360;stroke-width:1.5}svg .arrowhead{fill:#4a5360}
svg .linklabel{font-size:11px;fill:#1b1f24}svg .node{stroke:#4a5360}svg .node.start{stroke-width:2.5}
svg .nodelabel{font-size:12px}svg .rowlabel,svg .collabel{font-size:11px}
svg .row{stroke:#e3e6ea}svg .celltext{font-size:11px;fill:#1b1f24}svg .celltext.dark{fill:#fff}
svg .small{font-size:9px}svg .seglabel{font-size:10px;fill:#fff}svg .seglabel.light{fill:#1b1f24}svg .outside{stroke:#c62828;stroke-width:1.5}
.legend{font-size:12px}.swatch{display:inline-block;width:12px;height:12px;margin:0 4px 0 10px;vertical-align:-1px;border:1px solid #6b7480}
section.lead{border-left:4px solid #c62828;padding-left:12px}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 12px;font-size:13px}dl.facts dt{font-weight:bold}dl.facts dd{margin:0}
@media print{
 body{max-width:none;padding:0;font-size:11px}
 nav{display:none}
 div.wide{overflow:visible}
 main>section{break-before:page}
 svg.chart,figure,tr{break-inside:avoid}
 thead{display:table-header-group}
 table{font-size:9px}td.ev{font-size:8px}
 h2,h3{break-after:avoid}
 @page{size:A4 landscape;margin:12mm}
}
";

/// The page's head, its title and the navigation, up to `<main>`.
pub(super) fn head(p: &mut Page, run: &RunInfo) {
    let name = case_name(run);
    p.raw("<!DOCTYPE html>\n");
    p.open("html", &[("xmlns", XHTML_NS), ("lang", "en")]);
    p.raw("\n");
    p.open("head", &[]);
    p.void("meta", &[("charset", "utf-8")]);
    p.void(
        "meta",
        &[
            ("name", "viewport"),
            ("content", "width=device-width, initial-scale=1"),
        ],
    );
    p.void(
        "meta",
        &[
            ("name", "generator"),
            ("content", &format!("callsift {}", run.manifest.version)),
        ],
    );
    p.leaf("title", &[], &format!("{name}: callsift report"));
    p.open("style", &[]);
    p.raw(STYLE);
    p.close_line("style");
    p.close_line("head");
    p.open("body", &[]);
    p.open("header", &[]);
    p.leaf("h1", &[], &name);
    p.note(
        "note",
        "A callsift report: every number on this page is read from the run's results \
         (results/, checked against manifest.json before it was read), and every row names \
         the results file it comes from; evidence references are file:row of the evidence \
         files (line of a CSV or JSON-lines file, row of a workbook or Parquet file).",
    );
    p.open("nav", &[]);
    p.open("ol", &[]);
    for (id, heading) in SECTIONS {
        p.open("li", &[]);
        p.leaf("a", &[("href", &format!("#{id}"))], heading);
        p.close("li");
    }
    p.close("ol");
    p.close_line("nav");
    p.close_line("header");
    p.open("main", &[]);
    p.raw("\n");
}

/// The case's name (`[case] name`), or a plain one.
fn case_name(run: &RunInfo) -> String {
    match run.case.case.name.trim() {
        "" => "Unnamed case".to_string(),
        n => n.to_string(),
    }
}

/// Opens a section by its index in [`SECTIONS`], with its heading.
pub(super) fn open_section(p: &mut Page, k: usize) {
    let (id, heading) = SECTIONS[k];
    p.open("section", &[("id", id)]);
    p.raw("\n");
    p.leaf("h2", &[], heading);
    p.raw("\n");
}

/// The end of the page.
pub(super) fn foot(p: &mut Page, run: &RunInfo) {
    p.close_line("main");
    p.open("footer", &[]);
    p.note(
        "note",
        &format!(
            "Written by callsift {} from the results of the run in the case section. Check \
             the folder, this page included, with `callsift verify DIR --case CASE.toml`.",
            run.manifest.version
        ),
    );
    p.close_line("footer");
    p.close_line("body");
    p.close_line("html");
}

/// 1. The case: name, zone, windows, evidence with hashes and reconciliation, provenance.
pub(super) fn case(p: &mut Page, run: &RunInfo) {
    open_section(p, 0);
    let zone = run.zone;
    p.para(&format!(
        "{}. Times on this page are local times of {zone} ([case] time_zone of the case \
         manifest, as manifest.json records it), with their offset from UTC.",
        case_name(run)
    ));
    let windows: Vec<Vec<Cell>> = [
        ("baseline", run.windows.baseline),
        ("incident", run.windows.incident),
        ("orders", run.windows.orders),
    ]
    .into_iter()
    .filter_map(|(name, w)| w.map(|w| window_row(name, w, zone)))
    .collect();
    table(
        p,
        "windows",
        "The analysis windows (manifest.json parameters.windows); a window holds its start, not \
         its end",
        &[
            Head::plain("window", ""),
            Head::plain("start", "local time, with its offset from UTC"),
            Head::plain("end", "local time, with its offset from UTC"),
        ],
        &windows,
    );
    inputs(p, run);
    provenance(p, run);
    p.close_line("section");
}

fn window_row(name: &str, w: Window, zone: Tz) -> Vec<Cell> {
    vec![
        Cell::text(name),
        Cell::text(format_in_zone(w.start, zone)),
        Cell::text(format_in_zone(w.end, zone)),
    ]
}

/// The evidence files: SHA-256 and the row reconciliation, as the manifest records them.
fn inputs(p: &mut Page, run: &RunInfo) {
    let rows: Vec<Vec<Cell>> = run
        .manifest
        .inputs
        .iter()
        .map(|i| {
            vec![
                Cell::ev(i.path.clone()),
                Cell::text(i.kind.clone()),
                Cell::text(i.profile.clone()),
                Cell::ev(i.sha256.clone()),
                Cell::num(i.rows_read.to_string()),
                Cell::num(i.accepted.to_string()),
                Cell::num(i.quarantined.to_string()),
                Cell::num(i.duplicates_removed.to_string()),
                Cell::num(i.filtered.to_string()),
            ]
        })
        .collect();
    let h = |l: &str, t: &str| Head::plain(l, t);
    table(
        p,
        "inputs",
        "The evidence files (manifest.json inputs), each with its SHA-256 and its row \
         reconciliation: rows_read = accepted + quarantined + duplicates_removed + filtered",
        &[
            h("path", "relative to the case manifest's folder"),
            h("kind", ""),
            h("profile", ""),
            h("sha256", "SHA-256 of the file's bytes"),
            h("rows_read", "records read"),
            h("accepted", "rows in the case store"),
            h(
                "quarantined",
                "rows in the quarantine (store/quarantine.csv)",
            ),
            h("duplicates_removed", "exact duplicate call records removed"),
            h("filtered", "records the profile's row filter left out"),
        ],
        &rows,
    );
}

/// The versions and hashes of the run.
fn provenance(p: &mut Page, run: &RunInfo) {
    let m = &run.manifest;
    let pseudo = m.pseudonymization.as_ref().map_or_else(
        || "none: phone numbers in clear".to_string(),
        |x| serde_json::to_string(x).unwrap_or_default(),
    );
    let rows = [
        ("callsift version", m.version.as_str()),
        ("tz database", m.tzdb.as_str()),
        ("phone number metadata", m.phone_metadata.as_str()),
        ("case manifest SHA-256", m.case_sha256.as_str()),
        ("pseudonymisation", pseudo.as_str()),
        (
            "manifest.json SHA-256",
            "printed by `callsift verify DIR`, and recorded in audit.log: manifest.json lists \
             this page with its SHA-256, so the page cannot hold the manifest's",
        ),
    ];
    let rows: Vec<Vec<Cell>> = rows
        .iter()
        .map(|(k, v)| vec![Cell::text(*k), Cell::ev(*v)])
        .collect();
    table(
        p,
        "provenance",
        "The run (manifest.json); the build's commit and the timings are in manifest.json",
        &[Head::plain("item", ""), Head::plain("value", "")],
        &rows,
    );
    let files: Vec<Vec<Cell>> = run
        .read
        .iter()
        .map(|o| {
            vec![
                Cell::ev(o.path.clone()),
                Cell::num(o.rows.map(|r| r.to_string()).unwrap_or_default()),
                Cell::ev(o.sha256.clone()),
            ]
        })
        .collect();
    table(
        p,
        "results-files",
        "The results files of the run (manifest.json outputs), each checked against its \
         SHA-256 before the report read it",
        &[
            Head::plain("path", ""),
            Head::plain("rows", "rows of a table"),
            Head::plain("sha256", "as manifest.json records it, and as the file is"),
        ],
        &files,
    );
}

/// 2. The figures, and the published ones beside them.
pub(super) fn figures(p: &mut Page, rows: &[FigureRow], published: bool) {
    open_section(p, 1);
    p.para(
        "Every figure of results/figures.json (its inputs array is the reconciliation of the \
         case section). With published figures, each is set beside the computed one as \
         `callsift figures --published` compares them: campaign_recipients is read from \
         results/campaigns (recipients of the named campaign).",
    );
    let mut heads = vec![
        Head::plain("figure", "key of results/figures.json"),
        Head::plain("value", "as results/figures.json holds it"),
    ];
    if published {
        heads.push(Head::plain("published", "the published figure"));
        heads.push(Head::plain("computed", "what the run computed for it"));
        heads.push(Head::plain("match", ""));
        heads.push(Head::plain("source", "the sentence it comes from"));
    }
    let mut matched = (0, 0);
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            let mut c = vec![
                Cell::text(r.name.clone()),
                Cell::num(r.computed.clone().unwrap_or_default()),
            ];
            if published {
                match &r.published {
                    Some((value, computed, source)) => {
                        let ok = *computed == Some(*value);
                        matched.0 += u64::from(ok);
                        matched.1 += 1;
                        c.push(Cell::num(value.to_string()));
                        c.push(Cell::num(computed.map_or("-".into(), |v| v.to_string())));
                        c.push(Cell::text(if ok { "yes" } else { "NO" }));
                        c.push(Cell::text(source.clone()));
                    }
                    None => c.extend((0..4).map(|_| Cell::text(""))),
                }
            }
            c
        })
        .collect();
    table(p, "figures-table", "results/figures.json", &heads, &cells);
    if published {
        p.note(
            "note",
            &format!("{} of {} published figures matched", matched.0, matched.1),
        );
    }
    p.close_line("section");
}

/// 3. The timeline: calls per hour across both windows, and the incident window by the hour.
pub(super) fn timeline(p: &mut Page, h: &Hours, zone: Tz) {
    open_section(p, 2);
    p.para(&format!(
        "{} received by complainants (the calls figures.json's calls_received counts), per {} \
         of local time ({zone}), across the baseline and the incident window (shaded). The \
         results hold no table of every received call, so these are counted from the case \
         store, checked against manifest.json: the calls `callsift timeline DIR` lists. The \
         colours are what results/attribution matched each call to.",
        count(h.total, "call was", "calls were"),
        if h.hours_per_bin() == 1 {
            "hour".to_string()
        } else {
            format!("{} hours", h.hours_per_bin())
        },
    ));
    legend_of_calls(p);
    svg::bars(
        p,
        &Bars {
            id: "timeline-chart",
            title: "Calls to complainants per hour, baseline and incident windows",
            hours: h,
            range: (0, h.bins.len()),
            zone,
            per_bar: false,
        },
    );
    let marked = h.marked.len() as u64;
    p.note(
        "note",
        &format!(
            "Marked (\u{25bc}): {} with more calls than the busiest hour of the baseline ({}). \
             {} outside both windows {} not drawn.",
            count(marked, "hour", "hours"),
            h.baseline_max,
            count(h.outside, "call", "calls"),
            if h.outside == 1 { "is" } else { "are" }
        ),
    );
    if h.incident.1 > h.incident.0 && h.incident.1 - h.incident.0 <= 72 && h.hours_per_bin() == 1 {
        p.leaf("h3", &[], "The incident window, hour by hour");
        svg::bars(
            p,
            &Bars {
                id: "incident-chart",
                title: "Calls to complainants per hour in the incident window",
                hours: h,
                range: h.incident,
                zone,
                per_bar: true,
            },
        );
    }
    p.close_line("section");
}

fn legend_of_calls(p: &mut Page) {
    svg::legend(
        p,
        &[
            (
                svg::BEHIND[2],
                "attributed to a campaign not declared legitimate".into(),
            ),
            (
                svg::BEHIND[1],
                "attributed to a declared legitimate campaign".into(),
            ),
            (svg::BEHIND[0], "not attributed to any campaign".into()),
        ],
    );
}

/// 9. The caveats.
pub(super) fn caveats(p: &mut Page) {
    open_section(p, 8);
    p.para(
        "What each test can and cannot show, in short; docs/method.md gives each in full, with \
         its null hypothesis.",
    );
    for c in CAVEATS {
        p.leaf("h3", &[], c.test);
        p.open("ul", &[]);
        for point in c.points {
            p.leaf("li", &[], point);
        }
        p.close_line("ul");
        p.note(
            "source",
            &format!(
                "docs/method.md: {}",
                c.method.trim_start_matches('#').trim()
            ),
        );
    }
    p.close_line("section");
}
