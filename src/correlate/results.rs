//! The results folder: the tables and `figures.json` written (each table as Parquet with a CSV
//! twin, `leads` as CSV only; all of them as the sheets of `results.xlsx`, beside the data
//! dictionary `DICTIONARY.md`), recorded in the manifest.

use std::path::Path;

use arrow::array::RecordBatch;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::layout::RESULTS;
use crate::manifest::Manifest;
use crate::model::results::{Figures, Table, FIGURES_FILE};
use crate::pseudonym::Key;
use crate::store;

/// The results tables, in the order the manifest lists them.
pub(crate) struct Tables {
    /// In batches of a Parquet row group's rows ([`super::numbers::numbers_table`]).
    pub numbers: Vec<RecordBatch>,
    pub attribution: RecordBatch,
    pub campaigns: RecordBatch,
    pub offsets: RecordBatch,
    pub overlaps: RecordBatch,
    pub enrichment: RecordBatch,
    /// Only with `[analysis] restrict_to_population`.
    pub population_coverage: Option<RecordBatch>,
    pub spread: RecordBatch,
    pub skew: RecordBatch,
    pub skew_categories: RecordBatch,
    pub chains: RecordBatch,
    pub derivations: RecordBatch,
    pub leads: RecordBatch,
    pub dossier: RecordBatch,
}

impl Tables {
    /// Each table written with its name and its batches, in [`Table::ALL`]'s order.
    fn named(&self) -> Vec<(Table, &[RecordBatch])> {
        fn one(b: &RecordBatch) -> &[RecordBatch] {
            std::slice::from_ref(b)
        }
        [
            (Table::Numbers, Some(self.numbers.as_slice())),
            (Table::Attribution, Some(one(&self.attribution))),
            (Table::Campaigns, Some(one(&self.campaigns))),
            (Table::Offsets, Some(one(&self.offsets))),
            (Table::Overlaps, Some(one(&self.overlaps))),
            (Table::Enrichment, Some(one(&self.enrichment))),
            (
                Table::PopulationCoverage,
                self.population_coverage.as_ref().map(one),
            ),
            (Table::Spread, Some(one(&self.spread))),
            (Table::Skew, Some(one(&self.skew))),
            (Table::SkewCategories, Some(one(&self.skew_categories))),
            (Table::Chains, Some(one(&self.chains))),
            (Table::Derivations, Some(one(&self.derivations))),
            (Table::Leads, Some(one(&self.leads))),
            (Table::Dossier, Some(one(&self.dossier))),
        ]
        .into_iter()
        .filter_map(|(t, b)| b.map(|b| (t, b)))
        .collect()
    }

    /// Every phone number of every table replaced by its keyed token (`figures.json` holds
    /// only counts).
    ///
    /// # Errors
    /// As [`crate::pseudonym::pseudonymize_batch`].
    pub fn pseudonymize(self, key: &Key) -> Result<Tables> {
        let p = |table: Table, b: RecordBatch| crate::pseudonym::pseudonymize_batch(key, table, &b);
        Ok(Tables {
            numbers: self
                .numbers
                .into_iter()
                .map(|b| p(Table::Numbers, b))
                .collect::<Result<_>>()?,
            attribution: p(Table::Attribution, self.attribution)?,
            campaigns: p(Table::Campaigns, self.campaigns)?,
            offsets: p(Table::Offsets, self.offsets)?,
            overlaps: p(Table::Overlaps, self.overlaps)?,
            enrichment: p(Table::Enrichment, self.enrichment)?,
            population_coverage: self
                .population_coverage
                .map(|b| p(Table::PopulationCoverage, b))
                .transpose()?,
            spread: p(Table::Spread, self.spread)?,
            skew: p(Table::Skew, self.skew)?,
            skew_categories: p(Table::SkewCategories, self.skew_categories)?,
            chains: p(Table::Chains, self.chains)?,
            derivations: p(Table::Derivations, self.derivations)?,
            leads: p(Table::Leads, self.leads)?,
            dossier: p(Table::Dossier, self.dossier)?,
        })
    }
}

/// Writes `figures.json` and the tables under `out/results/`, each file on its own task, with
/// the workbook and the link chart drawn from the same tables (`graph.graphml`, `links.csv`:
/// [`super::graph`]), and records them in the manifest in a fixed order.
///
/// # Errors
/// [`Error::Io`] or [`Error::Store`] when a file cannot be written.
pub(crate) fn write(
    out: &Path,
    manifest: &mut Manifest,
    figures: &Figures,
    tables: &Tables,
) -> Result<()> {
    let dir = out.join(RESULTS);
    crate::outdir::create_dir(&dir)?;
    let fig_path = dir.join(FIGURES_FILE);
    let text = serde_json::to_string_pretty(&serde_json::Value::Object(figures.to_map()))
        .map_err(|e| Error::store(&fig_path, e))?;
    store::write_atomic(&fig_path, |f| {
        use std::io::Write;
        f.write_all(text.as_bytes())
            .and_then(|_| f.write_all(b"\n"))
            .map_err(|e| Error::io(&fig_path, e))
    })?;
    manifest.add_output(out, &format!("{RESULTS}/{FIGURES_FILE}"), None)?;
    let files: Vec<(String, &[RecordBatch], bool)> = tables
        .named()
        .into_iter()
        .flat_map(|(table, t)| {
            let name = table.name();
            let csv = (format!("{RESULTS}/{name}.csv"), t, true);
            if table.has_parquet() {
                vec![(format!("{RESULTS}/{name}.parquet"), t, false), csv]
            } else {
                vec![csv]
            }
        })
        .collect();
    let named = tables.named();
    let xlsx = format!("{RESULTS}/{}", super::workbook::XLSX_FILE);
    let dictionary = format!("{RESULTS}/{DICTIONARY_FILE}");
    let (written, (workbook, graph)) = rayon::join(
        || {
            files
                .par_iter()
                .map(|(rel, t, csv)| {
                    let path = out.join(rel);
                    match (*csv, t.first()) {
                        (true, _) => store::write_csv(&path, t),
                        (false, Some(b)) => store::write_parquet(&path, &b.schema(), t),
                        (false, None) => Err(Error::store(&path, "a table of no batch (a bug)")),
                    }
                })
                .collect::<Result<Vec<()>>>()
        },
        || {
            rayon::join(
                || super::workbook::write(&out.join(&xlsx), figures, &named),
                || {
                    // The chart reads the tables as written: pseudonymised when they are.
                    let g = super::graph::build(&super::graph::Sources {
                        dossier: &tables.dossier,
                        numbers: &tables.numbers,
                        campaigns: &tables.campaigns,
                        chains: &tables.chains,
                    })?;
                    super::graph::write(out, &g)
                },
            )
        },
    );
    written?;
    workbook?;
    let graph = graph?;
    let md = super::workbook::dictionary_markdown();
    let md_path = out.join(&dictionary);
    store::write_atomic(&md_path, |f| {
        use std::io::Write;
        f.write_all(md.as_bytes())
            .map_err(|e| Error::io(&md_path, e))
    })?;
    let mut listed: Vec<(String, Option<u64>)> = files
        .iter()
        .map(|(rel, t, _)| {
            let rows: usize = t.iter().map(RecordBatch::num_rows).sum();
            (rel.clone(), Some(rows as u64))
        })
        .collect();
    listed.push((xlsx, None));
    listed.push((dictionary, None));
    listed.extend(graph);
    manifest.add_outputs(out, &listed)
}

/// The data dictionary's file name under `results/`.
pub const DICTIONARY_FILE: &str = "DICTIONARY.md";
