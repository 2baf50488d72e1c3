//! Reading a run's results (`DIR/results/`): `figures.json` as the typed [`Figures`] and each
//! table through its contract ([`Table`]), so that every reader of results (`figures`, `eval`,
//! the report, the bindings) sees the columns `correlate` promised or a clear error.

use std::path::Path;

use arrow::array::{Array, ArrayRef, AsArray, ListArray, RecordBatch, StringArray};

use crate::error::{Error, Result};
use crate::layout::RESULTS;
use crate::model::results::{Figures, Table, Type, FIGURES_FILE};

/// Reads `DIR/results/figures.json`.
///
/// # Errors
/// [`Error::Store`] when it is missing (run `callsift correlate` first) or malformed.
pub fn figures(dir: &Path) -> Result<Figures> {
    let p = dir.join(RESULTS).join(FIGURES_FILE);
    let text = std::fs::read_to_string(&p)
        .map_err(|e| Error::store(&p, format!("{e} (run `callsift correlate` first?)")))?;
    serde_json::from_str(&text).map_err(|e| Error::store(&p, e))
}

/// Reads the results table `table` of the run in `dir` (its Parquet file; `leads`, written as
/// CSV only, from its CSV), checked against the contract: every column present with its type,
/// no null where the contract allows none.
///
/// # Errors
/// [`Error::Store`] when the file is missing, damaged or differs from the contract.
pub fn table(dir: &Path, table: Table) -> Result<RecordBatch> {
    read(dir, table, None)
}

/// [`table`], only the columns `columns` names (in the contract's order): what reads a few
/// columns of a table of millions of rows.
///
/// # Errors
/// As [`table`], and when the contract has no column of one of the names.
pub fn table_columns(dir: &Path, table: Table, columns: &[&str]) -> Result<RecordBatch> {
    if let Some(c) = columns.iter().find(|c| table.column(c).is_none()) {
        return Err(Error::store(
            format!("results table {}", table.name()),
            format!("no column '{c}' in the contract"),
        ));
    }
    read(dir, table, Some(columns))
}

fn read(dir: &Path, table: Table, columns: Option<&[&str]>) -> Result<RecordBatch> {
    if !table.has_parquet() {
        let whole = csv_table(dir, table)?;
        let Some(columns) = columns else {
            return Ok(whole);
        };
        let keep: Vec<usize> = (0..table.columns().len())
            .filter(|&i| columns.contains(&table.columns()[i].name))
            .collect();
        return whole
            .project(&keep)
            .map_err(|e| Error::store(dir.join(RESULTS).join(format!("{}.csv", table.name())), e));
    }
    let path = dir.join(RESULTS).join(format!("{}.parquet", table.name()));
    crate::store::read_table_as(&path, &table.schema(), columns)
}

/// A results table written as CSV only (`leads`) read through its contract: the header must be
/// the contract's columns; each cell is parsed as its column's type, a text cell as it was
/// before the writer guarded it against spreadsheet formulas ([`crate::store::csv_unguard`]),
/// an empty cell null where the column may be null and empty text where it may not.
fn csv_table(dir: &Path, table: Table) -> Result<RecordBatch> {
    let path = dir.join(RESULTS).join(format!("{}.csv", table.name()));
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::store(&path, format!("{e} (run `callsift correlate` first?)")))?;
    let schema = table.schema();
    let want: Vec<&str> = table.columns().iter().map(|c| c.name).collect();
    let header: Vec<&str> = text.lines().next().unwrap_or_default().split(',').collect();
    if header != want {
        return Err(Error::store(
            &path,
            format!(
                "its header is not the contract's columns ({})",
                want.join(",")
            ),
        ));
    }
    // Read with every column nullable (an empty cell is null to the CSV reader), then made
    // what the contract says.
    let loose = arrow::datatypes::Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone().with_nullable(true))
            .collect::<Vec<_>>(),
    );
    let reader = arrow::csv::ReaderBuilder::new(std::sync::Arc::new(loose))
        .with_header(true)
        .build(std::io::Cursor::new(text.as_bytes()))
        .map_err(|e| Error::store(&path, e))?;
    let batches = reader
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::store(&path, e))?;
    let columns = table
        .columns()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let parts: Vec<&dyn Array> = batches.iter().map(|b| b.column(i).as_ref()).collect();
            let whole = if parts.is_empty() {
                arrow::array::new_empty_array(&c.field().data_type().clone())
            } else {
                arrow::compute::concat(&parts).map_err(|e| Error::store(&path, e))?
            };
            Ok(match c.ty {
                Type::Text => {
                    let s = whole.as_string::<i32>();
                    let cells: StringArray = s
                        .iter()
                        .map(|v| match v {
                            Some(v) => Some(crate::store::csv_unguard(v)),
                            None if c.nullable => None,
                            None => Some(""),
                        })
                        .collect();
                    std::sync::Arc::new(cells) as ArrayRef
                }
                _ => whole,
            })
        })
        .collect::<Result<Vec<ArrayRef>>>()?;
    RecordBatch::try_new(schema, columns).map_err(|e| Error::store(&path, e))
}

/// A text column of a results table read through [`table`], by its contract name.
///
/// # Errors
/// [`Error::Store`] when the contract has no such text column.
pub fn texts(b: &RecordBatch, table: Table, name: &str) -> Result<Vec<Option<String>>> {
    let a = column(b, table, name)?;
    let s = a.as_string_opt::<i32>().ok_or_else(|| {
        if table.column(name).is_some_and(|c| c.ty == Type::TextList) {
            Error::store(
                format!("results table {}", table.name()),
                format!(
                    "column '{name}' is a list of text: read it with results::text_lists or \
                     results::joined"
                ),
            )
        } else {
            not_of(table, name, "text")
        }
    })?;
    Ok(s.iter().map(|v| v.map(str::to_string)).collect())
}

/// A list-of-text column ([`Type::TextList`]) of a results table read through [`table`], by
/// its contract name: per row its items, or `None` where the list is null.
///
/// # Errors
/// [`Error::Store`] when the contract has no such list column.
pub fn text_lists(b: &RecordBatch, table: Table, name: &str) -> Result<Vec<Option<Vec<String>>>> {
    let (l, v) = list_column(b, table, name)?;
    let o = l.value_offsets();
    Ok((0..l.len())
        .map(|i| {
            l.is_valid(i).then(|| {
                let (from, to) = (o[i].max(0) as usize, o[i + 1].max(0) as usize);
                (from..to.min(v.len()))
                    .map(|j| v.value(j).to_string())
                    .collect()
            })
        })
        .collect())
}

/// A list-of-text column of a results table read through [`table`] as its CSV twin shows it:
/// per row the items joined with `; ` ([`crate::model::results::LIST_SEPARATOR`]), `None`
/// where the list is null.
///
/// # Errors
/// [`Error::Store`] when the contract has no such list column.
pub fn joined(b: &RecordBatch, table: Table, name: &str) -> Result<Vec<Option<String>>> {
    let (l, _) = list_column(b, table, name)?;
    Ok((0..l.len())
        .map(|i| {
            l.is_valid(i).then(|| {
                let mut s = String::new();
                crate::store::push_joined(l, i, &mut s);
                s
            })
        })
        .collect())
}

fn list_column<'b>(
    b: &'b RecordBatch,
    table: Table,
    name: &str,
) -> Result<(&'b ListArray, &'b StringArray)> {
    let a = column(b, table, name)?;
    let l = a
        .as_list_opt::<i32>()
        .ok_or_else(|| not_of(table, name, "a list of text"))?;
    let v = l
        .values()
        .as_string_opt::<i32>()
        .ok_or_else(|| not_of(table, name, "a list of text"))?;
    Ok((l, v))
}

/// A `u64` column of a results table read through [`table`] that the contract allows no null
/// in, by its contract name.
///
/// # Errors
/// [`Error::Store`] when the contract has no such `u64` column, or allows nulls in it (read
/// those with [`u64s_opt`]).
pub fn u64s(b: &RecordBatch, table: Table, name: &str) -> Result<Vec<u64>> {
    if table.column(name).is_some_and(|c| c.nullable) {
        return Err(not_of(table, name, "u64 without nulls"));
    }
    let a = column(b, table, name)?;
    let v = a
        .as_primitive_opt::<arrow::datatypes::UInt64Type>()
        .ok_or_else(|| not_of(table, name, "u64"))?;
    Ok(v.values().to_vec())
}

/// A `u64` column (nulls as `None`) of a results table read through [`table`], such as
/// `numbers.rank_unexplained`.
///
/// # Errors
/// [`Error::Store`] when the contract has no such `u64` column.
pub fn u64s_opt(b: &RecordBatch, table: Table, name: &str) -> Result<Vec<Option<u64>>> {
    let a = column(b, table, name)?;
    let v = a
        .as_primitive_opt::<arrow::datatypes::UInt64Type>()
        .ok_or_else(|| not_of(table, name, "u64"))?;
    Ok(v.iter().collect())
}

/// An `i64` column (nulls as `None`) of a results table read through [`table`].
///
/// # Errors
/// [`Error::Store`] when the contract has no such `i64` column.
pub fn i64s(b: &RecordBatch, table: Table, name: &str) -> Result<Vec<Option<i64>>> {
    let a = column(b, table, name)?;
    let v = a
        .as_primitive_opt::<arrow::datatypes::Int64Type>()
        .ok_or_else(|| not_of(table, name, "i64"))?;
    Ok(v.iter().collect())
}

/// A float column (nulls as `None`) of a results table read through [`table`], such as
/// `overlaps.containment` or `chains.ln_p`.
///
/// # Errors
/// [`Error::Store`] when the contract has no such float column.
pub fn f64s(b: &RecordBatch, table: Table, name: &str) -> Result<Vec<Option<f64>>> {
    let a = column(b, table, name)?;
    let v = a
        .as_primitive_opt::<arrow::datatypes::Float64Type>()
        .ok_or_else(|| not_of(table, name, "f64"))?;
    Ok(v.iter().collect())
}

/// A UTC time column (microseconds since 1970, nulls as `None`) of a results table read
/// through [`table`].
///
/// # Errors
/// [`Error::Store`] when the contract has no such time column.
pub fn times(b: &RecordBatch, table: Table, name: &str) -> Result<Vec<Option<i64>>> {
    let a = column(b, table, name)?;
    let v = a
        .as_primitive_opt::<arrow::datatypes::TimestampMicrosecondType>()
        .ok_or_else(|| not_of(table, name, "time"))?;
    Ok(v.iter().collect())
}

/// A flag column of a results table read through [`table`].
///
/// # Errors
/// [`Error::Store`] when the contract has no such flag column.
pub fn bools(b: &RecordBatch, table: Table, name: &str) -> Result<Vec<bool>> {
    let a = column(b, table, name)?;
    let v = a
        .as_boolean_opt()
        .ok_or_else(|| not_of(table, name, "flag"))?;
    Ok((0..v.len()).map(|i| v.is_valid(i) && v.value(i)).collect())
}

fn column<'b>(b: &'b RecordBatch, table: Table, name: &str) -> Result<&'b ArrayRef> {
    if table.column(name).is_none() {
        return Err(Error::store(
            format!("results table {}", table.name()),
            format!("the contract has no column '{name}'"),
        ));
    }
    b.column_by_name(name)
        .ok_or_else(|| not_of(table, name, "present"))
}

fn not_of(table: Table, name: &str, what: &str) -> Error {
    Error::store(
        format!("results table {}", table.name()),
        format!("column '{name}' is not {what} (read it with results::table)"),
    )
}
