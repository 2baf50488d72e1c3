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

/// The `numbers` table written as it was built, batch by batch ([`write_numbers`]: it has a
/// row per originating number, the size of the case): what the workbook and the link chart
/// read of it, as written.
pub(crate) struct Streamed {
    /// Its first batch (the workbook's sheet shows the first rows).
    pub first: RecordBatch,
    /// How many rows it has.
    pub rows: u64,
    /// The rows the link chart reads: those with a `presented_by`.
    pub presented: Vec<RecordBatch>,
}

/// A results table as [`write`] finds it: whole in memory, or already written.
#[derive(Clone, Copy)]
enum Held<'a> {
    Whole(&'a [RecordBatch]),
    Written(&'a Streamed),
}

impl<'a> Held<'a> {
    fn rows(self) -> u64 {
        match self {
            Held::Whole(t) => t.iter().map(|b| b.num_rows() as u64).sum(),
            Held::Written(s) => s.rows,
        }
    }

    /// The batches held: the whole table, or its first batch.
    fn batches(self) -> &'a [RecordBatch] {
        match self {
            Held::Whole(t) => t,
            Held::Written(s) => std::slice::from_ref(&s.first),
        }
    }
}

/// Writes `results/numbers.parquet` and its CSV twin from batches as they are built, each
/// pseudonymised first when `key` is given; the next batch is built while one is written, so
/// two batches at most are held. Creates `results/`.
///
/// # Errors
/// What building a batch returns; [`Error::Io`] or [`Error::Store`] when a file cannot be
/// written.
pub(crate) fn write_numbers(
    out: &Path,
    key: Option<&Key>,
    mut batches: impl Iterator<Item = Result<RecordBatch>> + Send,
) -> Result<Streamed> {
    let table = Table::Numbers;
    let dir = out.join(RESULTS);
    crate::outdir::create_dir(&dir)?;
    let name = table.name();
    let parquet_path = dir.join(format!("{name}.parquet"));
    let mut csv = store::CsvFile::create(&dir.join(format!("{name}.csv")))?;
    let mut parquet: Option<store::ParquetFile> = None;
    let mut kept: Option<Streamed> = None;
    let mut next = batches.next().transpose()?;
    while let Some(b) = next.take() {
        let b = match key {
            Some(k) => crate::pseudonym::pseudonymize_batch(k, table, &b)?,
            None => b,
        };
        let pq = match &mut parquet {
            Some(p) => p,
            None => parquet.insert(store::ParquetFile::create(&parquet_path, &b.schema())?),
        };
        let (written, built) = rayon::join(
            || {
                let (p, c) = rayon::join(|| pq.push(&b), || csv.push(&b));
                p.and(c)
            },
            || batches.next().transpose(),
        );
        written?;
        next = built?;
        let presented = presented_rows(&b)?;
        match &mut kept {
            None => {
                kept = Some(Streamed {
                    rows: b.num_rows() as u64,
                    presented: vec![presented],
                    first: b,
                })
            }
            Some(k) => {
                k.rows += b.num_rows() as u64;
                k.presented.push(presented);
            }
        }
    }
    let (Some(kept), Some(parquet)) = (kept, parquet) else {
        return Err(Error::store(&parquet_path, "a table of no batch (a bug)"));
    };
    let (p, c) = rayon::join(|| parquet.commit(), || csv.commit());
    p.and(c)?;
    Ok(kept)
}

/// The rows of a `numbers` batch with a `presented_by` (the link chart's).
fn presented_rows(b: &RecordBatch) -> Result<RecordBatch> {
    let what = "results table numbers";
    let by = b
        .column_by_name("presented_by")
        .ok_or_else(|| Error::store(what, "no column presented_by (a bug)"))?;
    let keep = arrow::compute::is_not_null(by).map_err(|e| Error::store(what, e))?;
    arrow::compute::filter_record_batch(b, &keep).map_err(|e| Error::store(what, e))
}

/// The results tables, in the order the manifest lists them.
pub(crate) struct Tables {
    /// Written as it was built ([`write_numbers`]).
    pub numbers: Streamed,
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
    /// Each table with its name, in [`Table::ALL`]'s order.
    fn named(&self) -> Vec<(Table, Held<'_>)> {
        fn one(b: &RecordBatch) -> Held<'_> {
            Held::Whole(std::slice::from_ref(b))
        }
        [
            (Table::Numbers, Some(Held::Written(&self.numbers))),
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

    /// Every phone number of every table held replaced by its keyed token (`figures.json`
    /// holds only counts; the tables written as they were built were pseudonymised then).
    ///
    /// # Errors
    /// As [`crate::pseudonym::pseudonymize_batch`].
    pub fn pseudonymize(self, key: &Key) -> Result<Tables> {
        let p = |table: Table, b: RecordBatch| crate::pseudonym::pseudonymize_batch(key, table, &b);
        Ok(Tables {
            numbers: self.numbers,
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

/// Writes `figures.json` and the tables under `out/results/` (`numbers` is already written),
/// each file on its own task, with the workbook and the link chart drawn from the same tables
/// (`graph.graphml`, `links.csv`: [`super::graph`]), and records them all in the manifest in
/// a fixed order.
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
    let files: Vec<(String, Held<'_>, bool)> = tables
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
    let named: Vec<(Table, &[RecordBatch], u64)> = tables
        .named()
        .into_iter()
        .map(|(table, t)| (table, t.batches(), t.rows()))
        .collect();
    let xlsx = format!("{RESULTS}/{}", super::workbook::XLSX_FILE);
    let dictionary = format!("{RESULTS}/{DICTIONARY_FILE}");
    let (written, (workbook, graph)) = rayon::join(
        || {
            files
                .par_iter()
                .map(|(rel, t, csv)| {
                    let path = out.join(rel);
                    let Held::Whole(t) = t else {
                        return Ok(()); // written as it was built
                    };
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
                        numbers: &tables.numbers.presented,
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
        .map(|(rel, t, _)| (rel.clone(), Some(t.rows())))
        .collect();
    listed.push((xlsx, None));
    listed.push((dictionary, None));
    listed.extend(graph);
    manifest.add_outputs(out, &listed)
}

/// The data dictionary's file name under `results/`.
pub const DICTIONARY_FILE: &str = "DICTIONARY.md";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::correlate::cols::TableBuilder;

    /// A slice of a numbers-like table: a number and who presented it (every third row).
    fn batch(from: u64, n: u64) -> RecordBatch {
        let rows: Vec<u64> = (from..from + n).collect();
        TableBuilder::default()
            .u64("number", rows.clone())
            .text_list(
                "presented_by",
                rows.iter()
                    .map(|&r| (r % 3 == 0).then(|| vec![format!("c{r}")])),
            )
            .build_any()
            .unwrap()
    }

    #[test]
    fn a_table_written_as_built_is_the_table_written_whole() {
        let d = tempfile::tempdir().unwrap();
        let batches = vec![batch(0, 5), batch(5, 0), batch(5, 4)];
        let kept = write_numbers(d.path(), None, batches.clone().into_iter().map(Ok)).unwrap();
        assert_eq!(kept.rows, 9);
        assert_eq!(kept.first, batches[0]);
        let presented: usize = kept.presented.iter().map(RecordBatch::num_rows).sum();
        assert_eq!(presented, 3, "rows 0, 3 and 6");
        let whole = d.path().join("whole");
        std::fs::create_dir(&whole).unwrap();
        store::write_parquet(&whole.join("t.parquet"), &batches[0].schema(), &batches).unwrap();
        store::write_csv(&whole.join("t.csv"), &batches).unwrap();
        let read = |p: std::path::PathBuf| std::fs::read(p).unwrap();
        let res = d.path().join(RESULTS);
        assert!(read(res.join("numbers.parquet")) == read(whole.join("t.parquet")));
        assert!(read(res.join("numbers.csv")) == read(whole.join("t.csv")));
        // A batch that cannot be built stops the write, and nothing is left in the folder: not
        // the tables, not their temporary files.
        let d = tempfile::tempdir().unwrap();
        let failing = [Ok(batch(0, 2)), Err(Error::store("numbers", "no"))];
        assert!(write_numbers(d.path(), None, failing.into_iter()).is_err());
        let left: Vec<_> = std::fs::read_dir(d.path().join(RESULTS)).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
