//! `callsift report DIR`: the run told on one page, `DIR/report.html`.
//!
//! ```text
//!  manifest.json ─▶ the case, its windows, zone, evidence hashes, reconciliation ─┐
//!  results/ (each file checked against manifest.json first):                      │
//!    figures.json (+ --published) ─▶ the figures                                  │
//!    leads.csv, dossier ─▶ the leads and their dossiers                           ├─▶ report.html
//!    chains ─▶ who did it; campaigns, offsets ─▶ vendor campaigns                 │
//!    overlaps ─▶ the heat map; spread, skew, skew_categories ─▶ spread and skew   │
//!  store/ (checked) via correlate::timeline ─▶ calls per hour ─────────────────────┘
//! ```
//!
//! One self-contained file: inline style (screen and print), inline SVG charts, no script, no
//! external resource, so it opens offline, prints with each section on its own page, and can be
//! attached to a report of investigation as one file. It is HTML with XML syntax (an XML
//! parser reads it; the tests parse it with one).
//!
//! Every number shown is read from the results, never computed again another way: counts as
//! written, floats rounded for reading ([`float`]); each table's caption names its file and
//! each heading is the contract's column name, its meaning (from the data dictionary) as a
//! tooltip; evidence references are the results' own `file:row`. The one exception is the
//! timeline: the results hold no table of every received call, so its counts are of the calls
//! `callsift timeline` lists ([`crate::correlate::timeline::timeline`]), from the store, and the
//! section says so.
//!
//! The page is deterministic, byte for byte whatever the thread count: nothing of the report's
//! own run is on it (no time, no path, no timing), every list is in the results' order or
//! sorted. Nor is the manifest's SHA-256: the manifest lists the page with its SHA-256, so the
//! page cannot hold the manifest's; it says where to find it (`callsift verify`).
//!
//! With `--pseudonymize`, the results hold tokens and so does the page: it shows only what the
//! results hold, and the counts per hour, which name no number.
//!
//! Files: [`html`](self) (the markup writer), `read` (what is read and checked), `hours` (the
//! timeline's counts), `svg` (the charts), `page` (head, case, figures, timeline, caveats),
//! `findings` (leads, chains, campaigns), `lists` (overlaps, spread and skew), `caveats` (the
//! method's limits, as text).

mod caveats;
mod findings;
mod hours;
mod html;
mod lists;
mod page;
mod read;
mod svg;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub use html::{esc, float};
pub use page::SECTIONS;

use crate::error::{Error, Result};
use crate::figures::Published;
use crate::layout::REPORT;
use crate::model::results::Table;
use read::{Leads, RunInfo, View};

/// What the report shows beyond the results.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReportOptions<'a> {
    /// Published figures to set beside the computed ones (`--published FILE`, read and
    /// checked with [`Published::load`]).
    pub published: Option<&'a Published>,
}

/// Writes `DIR/report.html` from the run in `dir` and records it in the manifest (its path,
/// size and SHA-256, and the step's time in `timings_ms.report`). Returns the page's path.
///
/// `dir` is written in place: the command line calls this on a staging copy of the run
/// (`callsift report` and the last step of `callsift run`), so that the folder is replaced
/// whole or not at all.
///
/// # Errors
/// As [`render`]; [`Error::Io`] when the page or the manifest cannot be written.
pub fn write(dir: &Path, opts: &ReportOptions<'_>) -> Result<PathBuf> {
    let t0 = Instant::now();
    let run = RunInfo::read(dir)?;
    let page = render_run(dir, &run, opts)?;
    let path = dir.join(REPORT);
    crate::store::write_atomic(&path, |f| {
        f.write_all(page.as_bytes())
            .map_err(|e| Error::io(&path, e))
    })?;
    let mut m = run.manifest;
    m.add_output(dir, REPORT, None)?;
    m.timings_ms
        .insert("report".into(), t0.elapsed().as_millis() as u64);
    m.write(dir)?;
    Ok(path)
}

/// The page of the run in `dir`, as text.
///
/// # Errors
/// [`Error::Store`] when the manifest is missing or malformed, the folder holds no results,
/// a results file (or a store file the timeline reads) is missing, malformed or not the one
/// the manifest records; [`Error::Config`] when the recorded parameters are not a valid case
/// manifest (no incident or baseline window).
pub fn render(dir: &Path, opts: &ReportOptions<'_>) -> Result<String> {
    render_run(dir, &RunInfo::read(dir)?, opts)
}

fn render_run(dir: &Path, run: &RunInfo, opts: &ReportOptions<'_>) -> Result<String> {
    let zone = run.zone;
    let (Some(incident), Some(baseline)) = (run.windows.incident, run.windows.baseline) else {
        return Err(Error::config(
            dir.join(crate::layout::MANIFEST),
            "the report needs [windows] incident and baseline",
        ));
    };
    let figures = crate::results::figures(dir)?;
    let figure_rows = read::figure_rows(dir, &figures, opts.published)?;
    let campaigns = View::read(dir, Table::Campaigns)?;
    let legitimate: BTreeSet<String> = {
        let names = campaigns.texts("campaign")?;
        let flags = campaigns.flags("legitimate")?;
        names
            .into_iter()
            .zip(flags)
            .filter(|(_, f)| *f == Some(true))
            .map(|(n, _)| n)
            .collect()
    };
    let span = hours::Span {
        incident,
        baseline,
        orders: run.windows.orders,
    };
    let hours = hours::hours(dir, &run.manifest, &span, zone, &legitimate)?;
    let mut p = html::Page::default();
    page::head(&mut p, run);
    page::case(&mut p, run);
    page::figures(&mut p, &figure_rows, opts.published.is_some());
    page::timeline(&mut p, &hours, zone);
    findings::leads(
        &mut p,
        &Leads::read(dir)?,
        &View::read(dir, Table::Dossier)?,
        zone,
    )?;
    findings::chains(&mut p, &View::read(dir, Table::Chains)?, zone)?;
    findings::campaigns(&mut p, &campaigns, &View::read(dir, Table::Offsets)?, zone)?;
    lists::overlaps(&mut p, &View::read(dir, Table::Overlaps)?, zone)?;
    lists::spread(
        &mut p,
        &View::read(dir, Table::Spread)?,
        &View::read(dir, Table::Skew)?,
        &View::read(dir, Table::SkewCategories)?,
        zone,
    )?;
    page::caveats(&mut p);
    page::foot(&mut p, run);
    Ok(p.finish())
}
