//! `callsift correlate DIR`: the case store in, the ranked results out (`DIR/results/`).
//!
//! ```text
//!  store/calls ──▶ calls: received calls ──▶ figures.json
//!        │                    │
//!        │                    ├─ reach: complainants per originating number and window
//!        │                    │     └─ exact binomial, BH ──▶ numbers ──▶ leads
//!        │                    │                               ▲
//!        │                    │  store/vendor_calls ──▶ spoof ┘ (presented_by, spoofed_likely)
//!        │                    └─ attribution: time-band join with vendor logs ──▶ attribution,
//!        │                                                             campaigns, offsets
//!  store/vendor_*, downloads, watchlist ──▶ lists ──▶ overlaps: all-pairs, hypergeometric, BH
//!                                                 └─ enrichment: vs complainants' numbers
//!  store/population ──▶ spread: districts and scope, skew of attributes ──▶ spread, skew,
//!                                                                        skew_categories
//!  store/campaigns ──▶ registry: account, customer of each campaign (every table naming one)
//!  numbers, attribution, registry, overlaps, enrichment, spread ──▶ chains
//!  store/identifications ──▶ derivations: each list against the party database as of its
//!                            date (hypergeometric), and its overlaps with downloads ──▶ derivations
//!  leads, attribution ──▶ dossier: every call behind each lead and attributed campaign
//!  dossier, numbers, campaigns, chains (as written) ──▶ graph: the link chart
//!                                                     (graph.graphml, links.csv)
//! ```
//!
//! One module per analysis. Each *counts* (integers that add exactly across any split of the
//! numbers: the shape the partitioned store and a cluster run on, each with a property test
//! that the counts of two parts merged are the counts of the whole) and then *finishes* once
//! (ln p, q, ranks, tables). This module only orders them: `input` reads the tables read
//! whole, `sweep` the vendor list, downloads, population and party database part by part
//! (`parts`: where each row sorts in the case, and counts run slice by slice of the numbers),
//! `callparts` the calls and the vendor log in passes over their parts,
//! [`calls`], [`reach`], [`facts`], [`attribution`], [`lists`], [`overlaps`], [`spread`],
//! [`spoof`], [`numbers`], [`derivations`], [`chains`] and [`dossier`] analyse ([`registry`] and
//! [`campaigns`] say who stands behind each campaign), [`results`] writes.
//!
//! With [`CorrelateOptions::pseudonymize`], every phone number in the tables is written as its
//! keyed token ([`crate::pseudonym`]), just before the tables are written.
//!
//! Every table is written as Parquet with a CSV twin; every ranking breaks ties on a stable key,
//! so the output is byte-identical whatever the thread count. The method, each test's null
//! hypothesis and what it can and cannot show are in `docs/method.md`.

pub mod attribution;
mod callparts;
pub mod calls;
pub mod campaigns;
pub mod chains;
pub mod cols;
pub mod derivations;
pub mod dossier;
pub mod facts;
pub mod graph;
pub(crate) mod input;
pub mod kernels;
pub mod lists;
pub mod numbers;
pub mod overlaps;
pub(crate) mod parts;
pub mod reach;
pub mod registry;
pub mod results;
mod segments;
mod slices;
pub mod spoof;
pub mod spread;
mod sweep;
#[cfg(test)]
mod testkit;
pub mod timeline;
pub mod wire;
pub mod workbook;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

use arrow::array::RecordBatch;

use crate::config::{CaseFile, Window, Windows};
use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::model::results::{Figures, InputFigures};
use crate::pseudonym::Key;

pub use numbers::ALPHA;

/// How many of the top originating numbers get a spread row.
pub const SPREAD_TOP_NUMBERS: usize = 20;

/// What correlate found: the figures and the count of leads (the command line's summary reads
/// the rest back from the results tables).
#[derive(Clone, Debug, Default)]
pub struct Correlation {
    /// The figures, as written to figures.json.
    pub figures: Figures,
    /// Significant unexplained numbers without subscriber information, or likely spoofed.
    pub leads: usize,
}

/// How correlate writes its results.
#[derive(Clone, Debug, Default)]
pub struct CorrelateOptions {
    /// Write every phone number of the results tables as its keyed token
    /// (`--pseudonymize KEYFILE`, see [`crate::pseudonym`]).
    pub pseudonymize: Option<Key>,
}

/// Ranks 1..=n by the order of `order` (a sorted permutation of indices).
fn ranks_from_order(order: &[usize]) -> Vec<u64> {
    let mut r = vec![0u64; order.len()];
    for (pos, &i) in order.iter().enumerate() {
        r[i] = pos as u64 + 1;
    }
    r
}

/// The case's parameters as the manifest records them, re-validated.
struct Params {
    case: CaseFile,
    incident: Window,
    baseline: Window,
    orders: Option<Window>,
}

impl Params {
    fn from_manifest(manifest: &Manifest, out: &Path) -> Result<Params> {
        // The parameters are the manifest's record of the case file: an error names the
        // manifest, where they were read (the case file may have changed since, or be gone).
        let manifest_path = out.join(crate::layout::MANIFEST);
        let case: CaseFile = serde_json::from_value(manifest.parameters.clone())
            .map_err(|e| Error::store(&manifest_path, e))?;
        let case_path = manifest_path;
        let windows: Windows = case.validate(&case_path)?;
        let (Some(incident), Some(baseline)) = (windows.incident, windows.baseline) else {
            return Err(Error::config(
                &case_path,
                "correlate needs [windows] incident and baseline (the binomial test compares them)",
            ));
        };
        Ok(Params {
            case,
            incident,
            baseline,
            orders: windows.orders,
        })
    }

    fn legitimate(&self) -> BTreeSet<&str> {
        self.case
            .attribution
            .legitimate_campaigns
            .iter()
            .map(String::as_str)
            .collect()
    }
}

/// Wall time per phase of the correlate step, for the manifest's `timings_ms`.
struct Phases {
    last: Instant,
    done: Vec<(&'static str, u64)>,
}

impl Phases {
    fn new() -> Phases {
        Phases {
            last: Instant::now(),
            done: Vec::new(),
        }
    }

    /// Ends the phase called `name` (the time since the previous mark).
    fn mark(&mut self, name: &'static str) {
        let now = Instant::now();
        self.done
            .push((name, now.duration_since(self.last).as_millis() as u64));
        self.last = now;
    }
}

/// Runs correlate on an output folder that holds a case store: every stage of the kernels
/// ([`kernels`]) counted here ([`count_here`]), and the results written.
///
/// # Errors
/// [`Error::Store`] when the store or manifest is missing, or a store file is not the one the
/// manifest records (checked before anything is read); [`Error::Config`] when the recorded
/// parameters are not valid (as a case manifest's) or the case has no incident or baseline
/// window.
pub fn run(out: &Path, opts: &CorrelateOptions) -> Result<Correlation> {
    run_with(out, opts, &mut count_here)
}

/// [`run`] with `count` counting every part of each stage into the job (and adding the
/// counts: [`kernels::Job::absorb`]), wherever it runs them: [`count_here`], or a cluster.
///
/// # Errors
/// As [`run`], and what `count` returns.
pub fn run_with(
    out: &Path,
    opts: &CorrelateOptions,
    count: &mut (dyn FnMut(&mut kernels::Job) -> Result<()> + Send),
) -> Result<Correlation> {
    let mut job = kernels::Job::open(out)?;
    while job.stage().is_some() {
        count(&mut job)?;
        job.advance()?;
    }
    job.finish(opts)
}

/// Counts every part of the job's current stage on this machine, part after part: the calls
/// and the vendor log of a part together, each other table of the `scan` on its own, the
/// tables of a slice of the `lists` together; the next read while one is counted (so that at
/// most two parts' tables are in memory).
///
/// # Errors
/// [`Error::Store`] when a part cannot be read or counted.
pub fn count_here(job: &mut kernels::Job) -> Result<()> {
    let Some(stage) = job.stage() else {
        return Ok(());
    };
    let (manifest, out) = (job.manifest().clone(), job.out().to_path_buf());
    let reader = parts::PartReader::new(&manifest, &out);
    let cx = job.context()?;
    if stage == kernels::Stage::Lists && !job.parts_align() {
        return count_lists_cut(job, &reader, &cx);
    }
    type Step<'s> = (u32, Vec<(crate::model::Kind, Vec<&'s str>)>);
    let tables = stage.tables();
    let calls_kinds = [crate::model::Kind::Calls, crate::model::Kind::VendorCalls];
    let mut steps: Vec<Step<'_>> = Vec::new();
    for p in 0..job.parts() {
        let (together, alone): (Vec<_>, Vec<_>) = tables
            .iter()
            .cloned()
            .partition(|(k, _)| calls_kinds.contains(k) || stage == kernels::Stage::Lists);
        if !together.is_empty() {
            steps.push((p, together));
        }
        steps.extend(alone.into_iter().map(|t| (p, vec![t])));
    }
    let read = |(p, group): &Step<'_>| {
        let mut out = Vec::with_capacity(group.len());
        for (kind, cols) in group {
            if let Some(b) = reader.read(*kind, *p, cols)? {
                out.push((*kind, b));
            }
        }
        Ok::<_, Error>((*p, out))
    };
    let mut next = steps.first().map(read).transpose()?;
    for k in 0..steps.len() {
        let current = next.take();
        let (counted, read_next) = rayon::join(
            || match &current {
                Some((p, t)) if !t.is_empty() => kernels::count(&cx, *p, t).map(Some),
                _ => Ok(None),
            },
            || steps.get(k + 1).map(read).transpose(),
        );
        if let Some(c) = counted? {
            job.absorb(c)?;
        }
        next = read_next?;
    }
    Ok(())
}

/// The `lists` stage of a store whose tables have different part counts: each slice cut from
/// every part of each table.
fn count_lists_cut(
    job: &mut kernels::Job,
    reader: &parts::PartReader<'_>,
    cx: &kernels::Context,
) -> Result<()> {
    for s in 0..job.parts() {
        let mut tables = Vec::new();
        for (kind, cols) in kernels::Stage::Lists.tables() {
            for p in 0..reader.parts_of(kind) {
                if let Some(b) = reader.read(kind, p, &cols)? {
                    tables.push((kind, b));
                }
            }
        }
        let c = kernels::count(cx, s, &tables)?;
        job.absorb(c)?;
    }
    Ok(())
}

/// Pseudonymises the tables if asked, writes them, and records the timings in the manifest.
fn write(
    out: &Path,
    manifest: &mut Manifest,
    (figures, tables): (Figures, results::Tables),
    opts: &CorrelateOptions,
    (mut phases, t0): (Phases, Instant),
) -> Result<Correlation> {
    let key = opts.pseudonymize.as_ref();
    let tables = match key {
        Some(k) => {
            let t = tables.pseudonymize(k)?;
            phases.mark("pseudonymize");
            t
        }
        None => tables,
    };
    results::write(out, manifest, &figures, &tables)?;
    phases.mark("write");
    for (name, ms) in phases.done {
        manifest.timings_ms.insert(format!("correlate.{name}"), ms);
    }
    manifest
        .timings_ms
        .insert("correlate".into(), t0.elapsed().as_millis() as u64);
    manifest.pseudonymization = key.map(Key::record);
    manifest.write(out)?;
    Ok(Correlation {
        leads: figures.leads as usize,
        figures,
    })
}

/// What the finish reads besides the counts: the case, the tables read whole, the facts, the
/// registry and the complainants; the output folder and the key of the tables written as they
/// are built.
struct Done<'a> {
    out: &'a Path,
    key: Option<&'a Key>,
    params: &'a Params,
    manifest: &'a Manifest,
    st: &'a input::Store,
    facts: &'a facts::Facts,
    reg: &'a registry::Registry,
    comp: &'a input::Complainants,
}

/// Every analysis finished from the stages' counts, in order: the figures and the tables (in
/// clear: [`write`] pseudonymises them), but `numbers`, which is written as it is built
/// (pseudonymised then, if asked).
fn finish(
    d: &Done<'_>,
    (counted, ranking, fact_counts): (callparts::Counted, reach::Ranking, facts::FactCounts),
    (extract, swept, top): (callparts::Extract, sweep::Swept, Vec<(u64, Vec<u64>)>),
    counts: slices::ListCounts,
    phases: &mut Phases,
) -> Result<(Figures, results::Tables)> {
    let (params, manifest, comp, facts, reg) = (d.params, d.manifest, d.comp, d.facts, d.reg);
    let legitimate = params.legitimate();
    let a = &params.case.attribution;
    let callparts::Counted {
        calls: call_counts,
        reach,
        tally,
        ..
    } = counted;
    let (matched, presented) = (extract.matched, extract.presented);
    let calls = input::Calls::new(&extract.calls)?;
    let log = attribution::VendorLog::read(&extract.vendor_calls, &a.never_rang)?;
    let (received, _) = calls::count(&calls, comp, params.orders);
    let zone = params.case.case.zone();
    let attribution_table = attribution::attribution_table(&calls, &log, &matched, reg, zone)?;
    let lists = &swept.lists;
    let campaigns_table = campaigns::table(
        &calls,
        comp,
        (&log, &tally, &matched),
        &lists.campaigns,
        reg,
        &legitimate,
        zone,
    )?;
    let offsets_table = attribution::offsets_table(&matched)?;
    phases.mark("tables");

    let by_number = attribution::campaigns_by_number(&calls, &log, &matched);
    let explained = numbers::explained(&reach, facts, &by_number, &legitimate);
    let verdicts = spoof::finish(&presented, &reach.number, facts, &legitimate, reg);
    let files: Vec<String> = manifest.inputs.iter().map(|i| i.path.clone()).collect();
    let cx = numbers::NumberContext {
        files: &files,
        comp,
        facts,
        campaigns: &by_number,
        explained: &explained,
        spoof: &verdicts,
        zone,
    };
    let numbers_table =
        results::write_numbers(d.out, d.key, numbers::numbers_table(&reach, &ranking, &cx))?;
    phases.mark("numbers");

    let list_times = swept.times.of_lists(lists);
    let lt = list_tests(params, lists, &counts)?;
    let (side_a, side_b, all) = (lists.derived(), lists.sources(), lists.all());
    phases.mark("overlaps");

    let sp = spread_and_skew(&swept.geo, lists, &lt.overlap_rows, top, counts.spread)?;
    phases.mark("spread");

    let chains = chains::chains(&chains::Sources {
        calls: &calls,
        reach: &reach,
        ranking: &ranking,
        explained: &explained,
        presented: &presented,
        log: (&log, &tally),
        matched: &matched,
        lists,
        reg,
        legitimate: &legitimate,
        overlaps: (&lt.overlap_rows, &side_a, &side_b),
        enrichment: (&lt.enrichment_rows, &all),
        spread: (&swept.geo, &sp.sets, &sp.counts),
        firsts: &swept.firsts,
    });
    phases.mark("chains");

    let lead = numbers::leads(&reach, &ranking, &explained, facts, &verdicts);
    let plan = numbers::NumberingPlan::read(&d.st.numbering_plan)?;
    let leads_table = numbers::leads_table(&lead, &reach, &ranking, &plan, &cx)?;
    phases.mark("leads");

    let lead_numbers: Vec<u64> = lead.iter().map(|&k| reach.number[k]).collect();
    let dossier_table = dossier::table(&dossier::Sources {
        calls: &calls,
        received: &received,
        comp,
        log: &log,
        matched: &matched,
        reg,
        leads: &lead_numbers,
        incident: params.incident,
        baseline: params.baseline,
        zone,
    })?;
    phases.mark("dossier");

    let figures = figures(
        manifest,
        comp,
        &call_counts,
        &reach,
        &fact_counts,
        (&matched, reg),
        lists,
        lead.len(),
        params,
    );
    let tables = results::Tables {
        numbers: numbers_table,
        attribution: attribution_table,
        campaigns: campaigns_table,
        offsets: offsets_table,
        overlaps: overlaps::table(&lt.overlap_rows, &side_a, &side_b)?,
        enrichment: overlaps::enrichment_table(&lt.enrichment_rows, &counts.enrichment, &all)?,
        population_coverage: lt.population_coverage,
        spread: sp.spread,
        skew: sp.skew,
        skew_categories: sp.skew_categories,
        chains: chains::table(&chains)?,
        derivations: derive(
            (&swept.db, &swept.times),
            params,
            (lists, &list_times),
            (&counts.derivations, &lt.overlap_rows),
            phases,
        )?,
        leads: leads_table,
        dossier: dossier_table,
    };
    Ok((figures, tables))
}

/// What the list tests found: the overlap and enrichment rows (ranked), and the
/// `population_coverage` table when `[analysis] restrict_to_population` cut numbers.
struct ListTests {
    population_coverage: Option<RecordBatch>,
    overlap_rows: Vec<overlaps::OverlapRow>,
    enrichment_rows: Vec<overlaps::EnrichmentRow>,
}

/// Overlaps (uploads and campaigns against downloads and poll responses) and enrichment (every
/// list against the complainants), finished from their counts. With `[analysis]
/// restrict_to_population` the counts are of the population's numbers only (see
/// [`lists::restrict`]), and what was left out is the `population_coverage` table.
fn list_tests(
    params: &Params,
    lists: &lists::Lists,
    counts: &slices::ListCounts,
) -> Result<ListTests> {
    let population_coverage = match params.case.analysis.restrict_to_population {
        true => Some(lists::coverage_table(lists, &counts.coverage)?),
        false => None,
    };
    let (side_a, side_b) = (lists.derived(), lists.sources());
    let overlap_rows = overlaps::finish(&counts.overlaps, &side_a, &side_b, lists.population);
    let enrichment_rows = overlaps::finish_enrichment(&counts.enrichment, lists.population);
    Ok(ListTests {
        population_coverage,
        overlap_rows,
        enrichment_rows,
    })
}

/// The spread and skew tables, and what they were counted from (the chains read it).
struct Spread {
    spread: RecordBatch,
    skew: RecordBatch,
    skew_categories: RecordBatch,
    sets: Vec<spread::SpreadSet>,
    counts: spread::SpreadCounts,
}

/// The as-of test (`results/derivations`), finished from its counts and timed as its own
/// phase; it takes the list × download rows of the overlaps.
fn derive(
    swept: (&derivations::Database, &derivations::Times),
    params: &Params,
    (lists, list_times): (&lists::Lists, &[Option<i64>]),
    (counts, overlap_rows): (&derivations::Counts, &[overlaps::OverlapRow]),
    phases: &mut Phases,
) -> Result<RecordBatch> {
    let own = &params.case.identifications.own_codes;
    let t = derivations::run(
        swept,
        own,
        (lists, list_times),
        (counts, overlap_rows),
        params.case.case.zone(),
    )?;
    phases.mark("derivations");
    Ok(t)
}

/// The top originating numbers the spread measures, each with the complainants it reached.
fn top_numbers(
    calls: &input::Calls<'_>,
    received: &[usize],
    reach: &reach::ReachCounts,
    ranking: &reach::Ranking,
) -> Vec<(u64, Vec<u64>)> {
    let top: Vec<u64> = ranking
        .order
        .iter()
        .take(SPREAD_TOP_NUMBERS)
        .map(|&k| reach.number[k])
        .collect();
    let reached = reach::reached_by(calls, received, &top);
    top.into_iter().zip(reached).collect()
}

/// Spread and skew of the campaigns, uploads, downloads and top originating numbers, finished
/// from their counts. A list or campaign whose own account has no download log takes the
/// scope of the account behind its closest significant source download.
fn spread_and_skew(
    geo: &spread::Geography,
    lists: &lists::Lists,
    overlap_rows: &[overlaps::OverlapRow],
    top: Vec<(u64, Vec<u64>)>,
    counts: spread::SpreadCounts,
) -> Result<Spread> {
    let side_a = lists.derived();
    let n_downloads = lists.downloads.len();
    let mut source_of = std::collections::BTreeMap::new();
    // Rows are in rank order, so the first download row of a list is its closest source.
    for r in overlap_rows {
        if r.b >= n_downloads || r.ln_q.exp() > ALPHA {
            continue;
        }
        let d = &lists.downloads[r.b];
        if let Some(acc) = &d.account {
            source_of
                .entry(side_a[r.a].name.clone())
                .or_insert_with(|| (d.name.clone(), acc.clone()));
        }
    }
    let sets = spread::sets(&lists.campaigns, &lists.uploads, &lists.downloads, top);
    Ok(Spread {
        spread: spread::spread_table(geo, &sets, &counts, &source_of)?,
        skew: spread::skew_table(geo, &sets, &counts)?,
        skew_categories: spread::skew_categories_table(geo, &sets, &counts)?,
        sets,
        counts,
    })
}

/// `figures.json`.
#[allow(clippy::too_many_arguments)]
fn figures(
    manifest: &Manifest,
    comp: &input::Complainants,
    c: &calls::CallCounts,
    reach: &reach::ReachCounts,
    f: &facts::FactCounts,
    (matched, reg): (&attribution::Attribution, &registry::Registry),
    lists: &lists::Lists,
    leads: usize,
    params: &Params,
) -> Figures {
    let n = reach.len() as u64;
    Figures {
        complainants_in_orders: comp.in_orders,
        complainants_late: comp.late,
        complainant_numbers: comp.numbers.len() as u64,
        calls_received: c.received,
        calls_outside_orders: c.outside_orders,
        calls_not_to_complainants: c.not_to_complainants,
        duplicates_removed: manifest
            .inputs
            .iter()
            .filter(|i| i.kind == "calls")
            .map(|i| i.duplicates_removed)
            .sum(),
        blocked_caller_ids: c.blocked,
        invalid_caller_ids: c.invalid,
        originating_numbers: n,
        incident_share: reach::incident_share(params.incident, params.baseline),
        subscriber_obtained: f.obtained,
        subscriber_refused: f.refused,
        subscriber_not_requested: n - f.obtained - f.refused,
        subscriber_not_obtained: n - f.obtained,
        watchlist: f
            .on_list
            .iter()
            .map(|(k, v)| (format!("watchlist_{k}"), *v))
            .collect(),
        attributed_calls: matched.matches.len() as u64,
        vendor_attempts_never_rang: matched.never_rang,
        attribution_greedy_components: matched.greedy_components,
        campaign_registry_conflicts: reg.conflicts,
        population: lists.population,
        identifications_rows: manifest
            .inputs
            .iter()
            .filter(|i| i.kind == crate::model::Kind::Identifications.name())
            .map(|i| i.accepted)
            .sum(),
        leads: leads as u64,
        inputs: manifest
            .inputs
            .iter()
            .map(|i| InputFigures {
                path: i.path.clone(),
                kind: i.kind.clone(),
                rows_read: i.rows_read,
                accepted: i.accepted,
                quarantined: i.quarantined,
                duplicates_removed: i.duplicates_removed,
                filtered: i.filtered,
            })
            .collect(),
    }
}
