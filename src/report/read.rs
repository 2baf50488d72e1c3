//! What the report reads, and nothing else: the run's manifest, `results/figures.json`, the
//! results tables through their contract ([`crate::results`]) and `results/leads.csv`; each
//! results file checked against the SHA-256 the manifest records before anything is read, so
//! that a report never shows a number from a file changed after `correlate` wrote it.
//!
//! Cells are set from a column's contract type ([`View::cells`]): counts as written, floats
//! rounded for reading ([`super::float`]), flags as `yes`/`no`, times in the case's zone, lists
//! as their items joined with `; ` (as the CSV twin writes them).
//! Nothing is computed from the values: each cell is one value of one row of one file.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, ArrowPrimitiveType, AsArray, PrimitiveArray, RecordBatch};
use arrow::datatypes::{
    DataType, Field, Float64Type, Int64Type, Schema, TimestampMicrosecondType, UInt64Type,
};
use chrono_tz::Tz;

use super::html::{float, Cell};
use crate::config::{CaseFile, Windows};
use crate::digest::sha256_file;
use crate::error::{Error, Result};
use crate::figures::Published;
use crate::layout::{MANIFEST, RESULTS};
use crate::manifest::{Manifest, OutputRecord};
use crate::model::results::{Figures, Table, Type, FIGURES_FILE};
use crate::normalize::time::format_in_zone;

/// A results table as read, with its contract.
pub(super) struct View {
    pub table: Table,
    pub batch: RecordBatch,
}

impl View {
    /// Reads `results/<table>.parquet` through the contract.
    pub fn read(dir: &Path, table: Table) -> Result<View> {
        Ok(View {
            table,
            batch: crate::results::table(dir, table)?,
        })
    }

    /// Its rows.
    pub fn rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// A text column, nulls as empty text.
    pub fn texts(&self, name: &str) -> Result<Vec<String>> {
        Ok(crate::results::texts(&self.batch, self.table, name)?
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect())
    }

    /// A list-of-text column as its CSV twin shows it: the items joined with `; `, a null or
    /// empty list as empty text.
    pub fn joined(&self, name: &str) -> Result<Vec<String>> {
        Ok(crate::results::joined(&self.batch, self.table, name)?
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect())
    }

    /// A count column, nulls as `None`.
    pub fn u64s(&self, name: &str) -> Result<Vec<Option<u64>>> {
        crate::results::u64s_opt(&self.batch, self.table, name)
    }

    /// A float column, nulls as `None`.
    pub fn f64s(&self, name: &str) -> Result<Vec<Option<f64>>> {
        crate::results::f64s(&self.batch, self.table, name)
    }

    /// A flag column, nulls as `None`.
    pub fn flags(&self, name: &str) -> Result<Vec<Option<bool>>> {
        let col = self
            .table
            .column(name)
            .ok_or_else(|| self.no_column(name))?;
        let a = self
            .batch
            .column_by_name(col.name)
            .and_then(|a| a.as_boolean_opt())
            .ok_or_else(|| self.no_column(name))?;
        Ok((0..a.len())
            .map(|i| a.is_valid(i).then(|| a.value(i)))
            .collect())
    }

    /// The cells of the columns `names` in the rows `rows`, each set by its contract type:
    /// text as written and lists joined with `; ` (an `evidence` column monospaced), counts and
    /// milliseconds as written, floats as [`float`], flags `yes`/`no`, times as ISO 8601 in
    /// `zone`; null as empty. Only the rows asked for are read (a dossier of millions of rows is
    /// shown a lead at a time).
    pub fn cells(&self, names: &[&str], rows: &[usize], zone: Tz) -> Result<Vec<Vec<Cell>>> {
        let mut columns: Vec<Vec<Cell>> = Vec::with_capacity(names.len());
        for name in names {
            let col = self
                .table
                .column(name)
                .ok_or_else(|| self.no_column(name))?;
            let a = self
                .batch
                .column_by_name(col.name)
                .ok_or_else(|| self.no_column(name))?;
            let cells: Option<Vec<Cell>> = match col.ty {
                Type::Text => a.as_string_opt::<i32>().map(|s| {
                    let ev = name.contains("evidence");
                    rows.iter()
                        .map(|&i| {
                            let t = if s.is_valid(i) { s.value(i) } else { "" };
                            if ev {
                                Cell::ev(t)
                            } else {
                                Cell::text(t)
                            }
                        })
                        .collect()
                }),
                Type::TextList => a.as_list_opt::<i32>().map(|l| {
                    let ev = name.contains("evidence");
                    rows.iter()
                        .map(|&i| {
                            let mut t = String::new();
                            crate::store::push_joined(l, i, &mut t);
                            if ev {
                                Cell::ev(t)
                            } else {
                                Cell::text(t)
                            }
                        })
                        .collect()
                }),
                Type::U64 => a
                    .as_primitive_opt::<UInt64Type>()
                    .map(|v| num_cells(v, rows, |x| x.to_string())),
                Type::I64 => a
                    .as_primitive_opt::<Int64Type>()
                    .map(|v| num_cells(v, rows, |x| x.to_string())),
                Type::F64 => a
                    .as_primitive_opt::<Float64Type>()
                    .map(|v| num_cells(v, rows, float)),
                Type::Time => a
                    .as_primitive_opt::<TimestampMicrosecondType>()
                    .map(|v| num_cells(v, rows, |t| format_in_zone(t, zone))),
                Type::Bool => a.as_boolean_opt().map(|v| {
                    rows.iter()
                        .map(|&i| {
                            let t = match v.is_valid(i).then(|| v.value(i)) {
                                Some(true) => "yes",
                                Some(false) => "no",
                                None => "",
                            };
                            Cell::text(t)
                        })
                        .collect()
                }),
            };
            columns.push(cells.ok_or_else(|| self.no_column(name))?);
        }
        Ok((0..rows.len())
            .map(|r| columns.iter().map(|c| c[r].clone()).collect())
            .collect())
    }

    fn no_column(&self, name: &str) -> Error {
        Error::store(
            format!("results table {}", self.table.name()),
            format!("no column '{name}' of the contract to read"),
        )
    }
}

/// The cells of a numeric column in `rows`, each value set by `f`, null as empty.
fn num_cells<T: ArrowPrimitiveType>(
    v: &PrimitiveArray<T>,
    rows: &[usize],
    f: impl Fn(T::Native) -> String,
) -> Vec<Cell> {
    rows.iter()
        .map(|&i| {
            Cell::num(if v.is_valid(i) {
                f(v.value(i))
            } else {
                String::new()
            })
        })
        .collect()
}

/// The run as the manifest records it: parameters, windows, zone, and its own hash.
pub(super) struct RunInfo {
    pub manifest: Manifest,
    pub case: CaseFile,
    pub windows: Windows,
    pub zone: Tz,
    /// The results files the report reads, as the manifest records them.
    pub read: Vec<OutputRecord>,
}

impl RunInfo {
    /// Reads `DIR/manifest.json` and checks every `results/` file it lists against its
    /// recorded size and SHA-256.
    ///
    /// # Errors
    /// [`Error::Store`] when the manifest is missing or malformed, lists no results
    /// (`correlate` has not run), or a results file is missing or changed; [`Error::Config`]
    /// when its parameters are not a valid case manifest.
    pub fn read(dir: &Path) -> Result<RunInfo> {
        let path = dir.join(MANIFEST);
        let bytes = std::fs::read(&path)
            .map_err(|e| Error::store(&path, format!("{e} (run `callsift run` first?)")))?;
        let manifest: Manifest =
            serde_json::from_slice(&bytes).map_err(|e| Error::store(&path, e))?;
        let case: CaseFile = serde_json::from_value(manifest.parameters.clone())
            .map_err(|e| Error::store(&path, e))?;
        let windows = case.validate(&path)?;
        let figures = format!("{RESULTS}/{FIGURES_FILE}");
        if !manifest.outputs.iter().any(|o| o.path == figures) {
            return Err(Error::store(
                dir.join(&figures),
                format!(
                    "not recorded in {MANIFEST}: the folder has no results to report (run \
                     `callsift correlate` first?)"
                ),
            ));
        }
        let read = check_results(dir, &manifest)?;
        Ok(RunInfo {
            zone: case.case.zone(),
            manifest,
            case,
            windows,
            read,
        })
    }
}

/// Every `results/` output of the manifest, checked against the file; returned in the
/// manifest's order.
fn check_results(dir: &Path, m: &Manifest) -> Result<Vec<OutputRecord>> {
    use rayon::prelude::*;
    let prefix = format!("{RESULTS}/");
    let listed: Vec<&OutputRecord> = m
        .outputs
        .iter()
        .filter(|o| o.path.starts_with(&prefix))
        .collect();
    let checks: Vec<Result<()>> = listed
        .par_iter()
        .map(|o| {
            let p = dir.join(&o.path);
            let (sha, bytes) = sha256_file(&p).map_err(|e| {
                Error::store(&p, format!("listed in {MANIFEST} but cannot be read: {e}"))
            })?;
            if sha != o.sha256 || bytes != o.bytes {
                return Err(Error::store(
                    &p,
                    format!(
                        "SHA-256 {sha} ({bytes} bytes) is not the {} ({} bytes) recorded in \
                         {MANIFEST}: the results changed after correlate wrote them; run \
                         `callsift correlate` again",
                        o.sha256, o.bytes
                    ),
                ));
            }
            Ok(())
        })
        .collect();
    checks.into_iter().collect::<Result<()>>()?;
    Ok(listed.into_iter().cloned().collect())
}

/// One line of the figures table: a figure of `figures.json`, a published one, or both.
pub(super) struct FigureRow {
    pub name: String,
    /// As `figures.json` holds it (`None` for `campaign_recipients`, read from campaigns).
    pub computed: Option<String>,
    pub published: Option<(u64, Option<u64>, String)>,
}

/// The figures (every key of `figures.json` but `inputs`), with the published ones beside
/// them as `figures --published` compares them.
pub(super) fn figure_rows(
    dir: &Path,
    figures: &Figures,
    published: Option<&Published>,
) -> Result<Vec<FigureRow>> {
    let mut rows: BTreeMap<String, FigureRow> = figures
        .to_map()
        .into_iter()
        .filter(|(k, _)| k != "inputs")
        .map(|(k, v)| {
            let row = FigureRow {
                name: k.clone(),
                computed: Some(v.to_string()),
                published: None,
            };
            (k, row)
        })
        .collect();
    if let Some(p) = published {
        for c in crate::figures::compare_with(dir, p)? {
            let source = p
                .figures
                .get(&c.name)
                .map(|f| f.source.clone())
                .unwrap_or_default();
            let row = rows.entry(c.name.clone()).or_insert_with(|| FigureRow {
                name: c.name.clone(),
                computed: None,
                published: None,
            });
            row.published = Some((c.published, c.computed, source));
        }
    }
    Ok(rows.into_values().collect())
}

/// `results/leads.csv` (written as CSV only): its header and rows, as text.
pub(super) struct Leads {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Leads {
    /// Reads `results/leads.csv`; its header must be the contract's columns.
    ///
    /// # Errors
    /// [`Error::Store`] when it is missing, not CSV, or its header is not the contract's.
    pub fn read(dir: &Path) -> Result<Leads> {
        let path = dir
            .join(RESULTS)
            .join(format!("{}.csv", Table::Leads.name()));
        let text = std::fs::read_to_string(&path).map_err(|e| Error::store(&path, e))?;
        let header: Vec<String> = text
            .lines()
            .next()
            .unwrap_or_default()
            .split(',')
            .map(str::to_string)
            .collect();
        let want: Vec<&str> = Table::Leads.columns().iter().map(|c| c.name).collect();
        if header != want {
            return Err(Error::store(
                &path,
                format!(
                    "its header is not the contract's columns ({})",
                    want.join(",")
                ),
            ));
        }
        let schema = Arc::new(Schema::new(
            header
                .iter()
                .map(|h| Field::new(h, DataType::Utf8, true))
                .collect::<Vec<_>>(),
        ));
        let reader = arrow::csv::ReaderBuilder::new(schema)
            .with_header(true)
            .build(std::io::Cursor::new(text.as_bytes()))
            .map_err(|e| Error::store(&path, e))?;
        let mut rows = Vec::new();
        for b in reader {
            let b = b.map_err(|e| Error::store(&path, e))?;
            for i in 0..b.num_rows() {
                rows.push(
                    b.columns()
                        .iter()
                        .map(|c| {
                            let s = c.as_string::<i32>();
                            unguard(if s.is_valid(i) { s.value(i) } else { "" })
                        })
                        .collect(),
                );
            }
        }
        Ok(Leads { header, rows })
    }

    /// The values of column `name`, one per lead.
    pub fn column(&self, name: &str) -> Vec<&str> {
        match self.header.iter().position(|h| h == name) {
            Some(k) => self.rows.iter().map(|r| r[k].as_str()).collect(),
            None => vec![""; self.rows.len()],
        }
    }
}

/// A CSV cell as it was before the writer guarded it against spreadsheet formulas
/// ([`crate::store::csv_unguard`]).
fn unguard(cell: &str) -> String {
    crate::store::csv_unguard(cell).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guarded_cell_reads_as_written() {
        assert_eq!(unguard("'=1+1"), "=1+1");
        assert_eq!(unguard("'@x"), "@x");
        assert_eq!(unguard("+15195550147"), "+15195550147");
        assert_eq!(unguard("'quoted'"), "'quoted'");
    }
}
