//! What `ingest`, `correlate`, `run` and `figures` print: a text summary for a person, or with
//! `--json` one JSON object (keys in docs/cli.md, "JSON output").
//!
//! Every count is printed under the name it has in the files it comes from: the column of a
//! results table (`enrichment.overlap`, `campaigns.complainants_matched`), the key of
//! `figures.json` or of the manifest's `inputs`. The rows of the ranked summary are read back
//! from the results tables through the results contract, so that the console shows what the
//! tables say, never a count computed another way.
//!
//! Each command's JSON object has `command` and `out` and the parts it ran:
//!
//! ```text
//! ingest     {command, out, ingest}
//! correlate  {command, out, correlate}
//! run        {command, out, ingest, correlate, published}
//! figures    {command, out, figures, published}
//! ```

use std::path::Path;

use arrow::array::{Array, AsArray, RecordBatch, UInt32Array};
use arrow::compute::take_record_batch;
use arrow::datatypes::Float64Type;
use serde::Serialize;

use super::paint::Paint;
use super::paths::shorten_middle;
use super::table::TextTable;
use callsift::error::{Error, Result};
use callsift::figures::{Comparison, Published};
use callsift::layout::{MANIFEST, RESULTS, STORE};
use callsift::manifest::Manifest;
use callsift::results;
use callsift::{Figures, Table};

/// Rows of each ranked list in the summary.
const TOP_NUMBERS: usize = 5;
const TOP_CAMPAIGNS: usize = 3;
const TOP_OVERLAPS: usize = 3;

/// Display width of the `path` column of the ingest summary.
const PATH_WIDTH: usize = 48;

/// The quarantined share above which the ingest summary marks a file.
const QUARANTINE_MARK: f64 = 0.01;

/// `ingest`'s part: the case store and every evidence file's reconciliation.
#[derive(Debug, Serialize)]
pub struct IngestPart {
    /// `DIR/store`.
    pub store: String,
    /// `DIR/manifest.json`.
    pub manifest: String,
    /// `DIR/store/quarantine.csv`.
    pub quarantine: String,
    /// Records quarantined, all files.
    pub quarantined: u64,
    /// Per evidence file, as the manifest's `inputs`.
    pub inputs: Vec<InputLine>,
}

/// One evidence file: its path as the manifest records it (whole, never shortened) and its
/// counts under the manifest's names.
#[derive(Debug, Serialize)]
pub struct InputLine {
    pub path: String,
    pub kind: String,
    pub sha256: String,
    pub rows_read: u64,
    pub accepted: u64,
    pub quarantined: u64,
    pub duplicates_removed: u64,
    pub filtered: u64,
    /// quarantined / (rows_read − filtered), 0 for a file with no records left to use.
    pub quarantined_share: f64,
}

impl IngestPart {
    /// From the manifest ingest wrote into `out`.
    pub fn new(m: &Manifest, out: &Path) -> IngestPart {
        let inputs: Vec<InputLine> = m
            .inputs
            .iter()
            .map(|i| InputLine {
                path: i.path.clone(),
                kind: i.kind.clone(),
                sha256: i.sha256.clone(),
                rows_read: i.rows_read,
                accepted: i.accepted,
                quarantined: i.quarantined,
                duplicates_removed: i.duplicates_removed,
                filtered: i.filtered,
                quarantined_share: callsift::ingest::quarantined_share(
                    i.quarantined,
                    i.rows_read - i.filtered.min(i.rows_read),
                ),
            })
            .collect();
        IngestPart {
            store: out.join(STORE).display().to_string(),
            manifest: out.join(MANIFEST).display().to_string(),
            quarantine: out.join(STORE).join("quarantine.csv").display().to_string(),
            quarantined: inputs.iter().map(|i| i.quarantined).sum(),
            inputs,
        }
    }

    /// The text summary: one line per file, then where the store is.
    pub fn text(&self, paint: Paint) -> String {
        let mut t = TextTable::new(&[
            ("path", false),
            ("kind", false),
            ("rows_read", true),
            ("accepted", true),
            ("quarantined", true),
            ("duplicates_removed", true),
            ("filtered", true),
            ("", false),
        ]);
        let mut marked = false;
        for i in &self.inputs {
            // A file with more than 1 % of its records in the quarantine is marked: under the
            // profile's max_quarantine_share it did not stop the run, but it deserves a look.
            let mark = if i.quarantined_share > QUARANTINE_MARK {
                marked = true;
                paint.warn(&format!(
                    "! {:.1} % quarantined",
                    i.quarantined_share * 100.0
                ))
            } else {
                String::new()
            };
            t.row(vec![
                shorten_middle(&i.path, PATH_WIDTH),
                i.kind.clone(),
                i.rows_read.to_string(),
                i.accepted.to_string(),
                i.quarantined.to_string(),
                i.duplicates_removed.to_string(),
                i.filtered.to_string(),
                mark,
            ]);
        }
        let mut out = t.render("");
        if marked {
            out.push_str(
                "! more than 1 % of the file's records are in the quarantine: see the reasons in \
                 store/quarantine.csv\n",
            );
        }
        out.push_str(&format!(
            "case store: {}  quarantine: {} rows ({})  manifest: {}\n",
            self.store, self.quarantined, self.quarantine, self.manifest
        ));
        out
    }
}

/// `correlate`'s part: the figures, the top of each ranking, the leads.
#[derive(Debug, Serialize)]
pub struct CorrelatePart {
    /// `DIR/results`.
    pub results: String,
    /// As `results/figures.json`.
    pub figures: Figures,
    /// Rows of `results/leads.csv`.
    pub leads: u64,
    /// `DIR/results/leads.csv`.
    pub leads_file: String,
    /// The first unexplained rows of `numbers` (by `rank_unexplained`).
    pub top_numbers: Vec<TopNumber>,
    /// The first campaigns of `enrichment` (by `rank`), with their row of `campaigns`.
    pub top_campaigns: Vec<TopCampaign>,
    /// The first rows of `overlaps` (by `rank`).
    pub top_overlaps: Vec<TopOverlap>,
}

/// A row of `results/numbers`.
#[derive(Debug, Serialize)]
pub struct TopNumber {
    pub rank_unexplained: u64,
    pub rank: u64,
    pub number: String,
    pub only_incident: u64,
    pub only_baseline: u64,
    pub ln_p: f64,
    pub p_text: String,
    pub subscriber_status: String,
}

/// A campaign's row of `results/enrichment`, with `results/campaigns`' counts for it.
#[derive(Debug, Serialize)]
pub struct TopCampaign {
    /// `enrichment.rank` (among every list, not only campaigns).
    pub rank: u64,
    /// `enrichment.list` (`campaign:NAME`).
    pub list: String,
    /// `enrichment.size`: the campaign's dialed numbers.
    pub size: u64,
    /// `enrichment.overlap`: complainant numbers among them.
    pub overlap: u64,
    pub ln_p: f64,
    /// `campaigns.complainants_matched`: complainants with a carrier call matched to one of its
    /// dial records (absent when `campaigns` has no row for it).
    pub complainants_matched: Option<u64>,
    /// `campaigns.calls_matched`.
    pub calls_matched: Option<u64>,
}

/// A row of `results/overlaps`.
#[derive(Debug, Serialize)]
pub struct TopOverlap {
    pub rank: u64,
    pub list_a: String,
    pub list_b: String,
    pub size_a: u64,
    pub size_b: u64,
    pub overlap: u64,
    pub containment: f64,
    pub ln_p: f64,
}

impl CorrelatePart {
    /// Read from the results `correlate` committed to `out`.
    ///
    /// # Errors
    /// [`Error::Store`] when a results table is missing or differs from the contract.
    pub fn read(out: &Path, figures: Figures, leads: usize) -> Result<CorrelatePart> {
        let results = out.join(RESULTS);
        Ok(CorrelatePart {
            leads_file: results.join("leads.csv").display().to_string(),
            results: results.display().to_string(),
            figures,
            leads: leads as u64,
            top_numbers: top_numbers(out)?,
            top_campaigns: top_campaigns(out)?,
            top_overlaps: top_overlaps(out)?,
        })
    }

    /// The text summary.
    pub fn text(&self, paint: Paint) -> String {
        let mut o = String::from("\n");
        o += &paint.bold("figures (results/figures.json):");
        o.push('\n');
        for (k, v) in self.figures.to_map() {
            if k != "inputs" {
                o += &format!("  {k:<30} {v}\n");
            }
        }
        o += &self.numbers_text(paint);
        o += &self.campaigns_text(paint);
        o += &self.overlaps_text(paint);
        o += &format!(
            "\nleads: {} (significant, unexplained, no subscriber information or likely spoofed): {}\n",
            self.leads, self.leads_file
        );
        o += &format!("results: {}\n", self.results);
        o
    }

    fn numbers_text(&self, paint: Paint) -> String {
        let mut t = TextTable::new(&[
            ("rank_unexplained", true),
            ("number", false),
            ("only_incident", true),
            ("only_baseline", true),
            ("p_text", true),
            ("subscriber_status", false),
        ]);
        for r in &self.top_numbers {
            t.row(vec![
                r.rank_unexplained.to_string(),
                r.number.clone(),
                r.only_incident.to_string(),
                r.only_baseline.to_string(),
                r.p_text.clone(),
                r.subscriber_status.clone(),
            ]);
        }
        section(
            paint,
            "top unexplained originating numbers (results/numbers.csv)",
            &t,
            &[
                "rank_unexplained: rank among numbers not explained (on a telemarketer or political-entity list, or by a declared legitimate campaign)",
                "only_incident, only_baseline: complainants reached only in the incident window, only in the baseline",
            ],
        )
    }

    fn campaigns_text(&self, paint: Paint) -> String {
        let opt = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
        let mut t = TextTable::new(&[
            ("rank", true),
            ("list", false),
            ("size", true),
            ("overlap", true),
            ("p", true),
            ("complainants_matched", true),
            ("calls_matched", true),
        ]);
        for r in &self.top_campaigns {
            t.row(vec![
                r.rank.to_string(),
                r.list.clone(),
                r.size.to_string(),
                r.overlap.to_string(),
                callsift::stats::format_p(r.ln_p),
                opt(r.complainants_matched),
                opt(r.calls_matched),
            ]);
        }
        section(
            paint,
            "campaigns most enriched among complainants (results/enrichment.csv, campaigns.csv)",
            &t,
            &[
                "rank, size, overlap, p: enrichment's; size: numbers the campaign dialed",
                "overlap: complainant numbers among them (complainants in the orders or late)",
                "complainants_matched, calls_matched: campaigns'; complainants and calls whose carrier records matched its dial records",
            ],
        )
    }

    fn overlaps_text(&self, paint: Paint) -> String {
        let mut t = TextTable::new(&[
            ("rank", true),
            ("list_a", false),
            ("list_b", false),
            ("size_a", true),
            ("overlap", true),
            ("containment", true),
        ]);
        for r in &self.top_overlaps {
            t.row(vec![
                r.rank.to_string(),
                r.list_a.clone(),
                r.list_b.clone(),
                r.size_a.to_string(),
                r.overlap.to_string(),
                format!("{:.3}", r.containment),
            ]);
        }
        section(
            paint,
            "closest list pairs (results/overlaps.csv)",
            &t,
            &["overlap: numbers on both lists; containment: overlap / size_a"],
        )
    }
}

/// A titled table, then lines that say what its counts are.
fn section(paint: Paint, title: &str, t: &TextTable, legend: &[&str]) -> String {
    let mut o = format!("\n{}\n", paint.bold(&format!("{title}:")));
    if t.is_empty() {
        o += "  (none)\n";
    } else {
        o += &t.render("  ");
        for l in legend {
            o += &format!("  - {l}\n");
        }
    }
    o
}

/// A `Float64` column of a results table read through [`results::table`].
fn f64s(b: &RecordBatch, table: Table, name: &str) -> Result<Vec<f64>> {
    let path = format!("{}/{}.parquet", RESULTS, table.name());
    let a = b
        .column_by_name(name)
        .ok_or_else(|| Error::store(&path, format!("no column {name}")))?;
    let v = a
        .as_primitive_opt::<Float64Type>()
        .ok_or_else(|| Error::store(&path, format!("column {name} is not a float")))?;
    Ok((0..v.len())
        .map(|i| if v.is_null(i) { f64::NAN } else { v.value(i) })
        .collect())
}

fn text_at(v: &[Option<String>], i: usize) -> String {
    v[i].clone().unwrap_or_default()
}

fn top_numbers(out: &Path) -> Result<Vec<TopNumber>> {
    let t = Table::Numbers;
    // The table has a row per originating number (millions in a national case): its ranks are
    // read, then only the top rows of the columns shown.
    let ranks = results::table_columns(out, t, &["rank_unexplained"])?;
    let ru = results::u64s_opt(&ranks, t, "rank_unexplained")?;
    let mut top: Vec<(u64, u32)> = ru
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.map(|r| (r, i as u32)))
        .collect();
    top.sort_unstable();
    top.truncate(TOP_NUMBERS);
    let cols = [
        "rank",
        "number",
        "only_incident",
        "only_baseline",
        "ln_p",
        "p_text",
        "subscriber_status",
    ];
    let all = results::table_columns(out, t, &cols)?;
    let at = UInt32Array::from_iter_values(top.iter().map(|&(_, i)| i));
    let b = take_record_batch(&all, &at).map_err(|e| Error::store(out.join(RESULTS), e))?;
    drop(all);
    let rows: Vec<(u64, usize)> = top.iter().enumerate().map(|(k, &(r, _))| (r, k)).collect();
    let rank = results::u64s(&b, t, "rank")?;
    let number = results::texts(&b, t, "number")?;
    let inc = results::u64s(&b, t, "only_incident")?;
    let base = results::u64s(&b, t, "only_baseline")?;
    let ln_p = f64s(&b, t, "ln_p")?;
    let p_text = results::texts(&b, t, "p_text")?;
    let status = results::texts(&b, t, "subscriber_status")?;
    Ok(rows
        .into_iter()
        .map(|(r, i)| TopNumber {
            rank_unexplained: r,
            rank: rank[i],
            number: text_at(&number, i),
            only_incident: inc[i],
            only_baseline: base[i],
            ln_p: ln_p[i],
            p_text: text_at(&p_text, i),
            subscriber_status: text_at(&status, i),
        })
        .collect())
}

/// The enrichment list of a campaign is `campaign:NAME`.
const CAMPAIGN_LIST: &str = "campaign:";

fn top_campaigns(out: &Path) -> Result<Vec<TopCampaign>> {
    let t = Table::Enrichment;
    let b = results::table(out, t)?;
    let rank = results::u64s(&b, t, "rank")?;
    let list = results::texts(&b, t, "list")?;
    let kind = results::texts(&b, t, "kind")?;
    let size = results::u64s(&b, t, "size")?;
    let overlap = results::u64s(&b, t, "overlap")?;
    let ln_p = f64s(&b, t, "ln_p")?;
    let mut rows: Vec<(u64, usize)> = (0..b.num_rows())
        .filter(|&i| kind[i].as_deref() == Some("campaign"))
        .map(|i| (rank[i], i))
        .collect();
    rows.sort_unstable();
    rows.truncate(TOP_CAMPAIGNS);
    let c = Table::Campaigns;
    let cb = results::table(out, c)?;
    let name = results::texts(&cb, c, "campaign")?;
    let matched = results::u64s(&cb, c, "complainants_matched")?;
    let calls = results::u64s(&cb, c, "calls_matched")?;
    Ok(rows
        .into_iter()
        .map(|(r, i)| {
            let l = text_at(&list, i);
            let k = l
                .strip_prefix(CAMPAIGN_LIST)
                .and_then(|n| name.iter().position(|c| c.as_deref() == Some(n)));
            TopCampaign {
                rank: r,
                list: l,
                size: size[i],
                overlap: overlap[i],
                ln_p: ln_p[i],
                complainants_matched: k.map(|k| matched[k]),
                calls_matched: k.map(|k| calls[k]),
            }
        })
        .collect())
}

fn top_overlaps(out: &Path) -> Result<Vec<TopOverlap>> {
    let t = Table::Overlaps;
    let b = results::table(out, t)?;
    let rank = results::u64s(&b, t, "rank")?;
    let mut rows: Vec<(u64, usize)> = rank.iter().enumerate().map(|(i, &r)| (r, i)).collect();
    rows.sort_unstable();
    rows.truncate(TOP_OVERLAPS);
    let a = results::texts(&b, t, "list_a")?;
    let bl = results::texts(&b, t, "list_b")?;
    let size_a = results::u64s(&b, t, "size_a")?;
    let size_b = results::u64s(&b, t, "size_b")?;
    let overlap = results::u64s(&b, t, "overlap")?;
    let containment = f64s(&b, t, "containment")?;
    let ln_p = f64s(&b, t, "ln_p")?;
    Ok(rows
        .into_iter()
        .map(|(r, i)| TopOverlap {
            rank: r,
            list_a: text_at(&a, i),
            list_b: text_at(&bl, i),
            size_a: size_a[i],
            size_b: size_b[i],
            overlap: overlap[i],
            containment: containment[i],
            ln_p: ln_p[i],
        })
        .collect())
}

/// The published figures beside the computed ones (`--published`).
#[derive(Debug, Serialize)]
pub struct PublishedPart {
    /// The published-figures file as given.
    pub file: String,
    /// One row per published figure, in name order.
    pub figures: Vec<PublishedRow>,
    /// How many match.
    pub matched: usize,
    /// How many there are.
    pub total: usize,
}

/// One published figure and the computed one.
#[derive(Debug, Serialize)]
pub struct PublishedRow {
    pub name: String,
    pub published: u64,
    /// `null` when the run has no such figure (a campaign it does not know).
    pub computed: Option<u64>,
    #[serde(rename = "match")]
    pub matches: bool,
    /// The sentence it comes from.
    pub source: String,
}

impl PublishedPart {
    /// The comparison of `rows` (from [`callsift::figures::compare_with`]) for `file`.
    pub fn new(file: &Path, published: &Published, rows: &[Comparison]) -> PublishedPart {
        let figures: Vec<PublishedRow> = rows
            .iter()
            .map(|r| PublishedRow {
                name: r.name.clone(),
                published: r.published,
                computed: r.computed,
                matches: r.matches(),
                source: published
                    .figures
                    .get(&r.name)
                    .map(|f| f.source.clone())
                    .unwrap_or_default(),
            })
            .collect();
        PublishedPart {
            file: file.display().to_string(),
            matched: figures.iter().filter(|f| f.matches).count(),
            total: figures.len(),
            figures,
        }
    }

    /// Whether every published figure is matched (exit 0, else 1).
    pub fn all_matched(&self) -> bool {
        self.matched == self.total
    }

    /// The table `figure / published / computed / match`.
    pub fn text(&self, paint: Paint) -> String {
        let mut o = format!(
            "{:<28} {:>12} {:>12}  match\n",
            "figure", "published", "computed"
        );
        for r in &self.figures {
            let mark = if r.matches {
                paint.good("yes")
            } else {
                paint.bad("NO")
            };
            o += &format!(
                "{:<28} {:>12} {:>12}  {mark}\n",
                r.name,
                r.published,
                r.computed.map_or("-".to_string(), |c| c.to_string()),
            );
        }
        let last = format!(
            "{} of {} published figures matched",
            self.matched, self.total
        );
        o += &if self.all_matched() {
            paint.good(&last)
        } else {
            paint.bad(&last)
        };
        o.push('\n');
        o
    }
}

/// The figures alone, one per line (`callsift figures DIR`).
pub fn figures_text(f: &Figures) -> String {
    f.to_map()
        .into_iter()
        .filter(|(k, _)| k != "inputs")
        .map(|(k, v)| format!("{k:<28} {v}\n"))
        .collect()
}
