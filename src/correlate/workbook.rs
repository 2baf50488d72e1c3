//! `results/results.xlsx` and `results/DICTIONARY.md`: the results for people who read them in
//! Excel, and what every table and column means.
//!
//! The workbook has a `figures` sheet (each figure of `figures.json` with its value), then one
//! sheet per results table, in the manifest's order, with the contract's columns: a frozen
//! header row whose cells carry the column's meaning as a note ([`crate::model::dictionary`]),
//! text as text (phone numbers stay `+1…` text, never a number Excel would round), a list as
//! its items joined with `; ` (as in the CSV twin), counts and floats as numbers, flags as
//! booleans, and UTC times as ISO 8601 text (`…Z`; Excel has no time zones, and text keeps the
//! instant exact). Values Excel cannot hold are written as text: an integer above 2^53, a
//! float that is not finite (`-inf`).
//!
//! The sheet of a table longer than Excel's 1,048,576 rows holds its first 1,048,575 rows, and
//! its header's first note says so (the Parquet and CSV files hold every row); a text cell
//! longer than Excel's 32,767 characters is cut, ending `…`. The workbook is written row by row
//! (constant memory) and is byte-identical from run to run: its creation date is fixed at
//! 1980-01-01, the date of every part of the zip.

use std::path::Path;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Float64Type, Int64Type, TimestampMicrosecondType, UInt64Type};
use rayon::prelude::*;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Note, Workbook, Worksheet, XlsxError};

use crate::error::{Error, Result};
use crate::model::dictionary::{column_doc, table_doc};
use crate::model::results::{Figures, Table, Type};
use crate::normalize::time::format_utc;

/// The workbook's file name under `results/`.
pub const XLSX_FILE: &str = "results.xlsx";
/// The most data rows a sheet holds (Excel's 1,048,576 rows, less the header).
pub const MAX_SHEET_ROWS: usize = 1_048_575;
/// The longest text a cell holds (Excel's limit).
const MAX_CELL_CHARS: usize = 32_767;
/// The largest integer an Excel number holds exactly.
const MAX_EXACT: u64 = 1 << 53;

/// Writes the workbook of `tables` (each with its table, its first rows at least, in batches,
/// and how many rows it has in all; in the manifest's order) to `path`.
///
/// # Errors
/// [`Error::Store`] when the workbook cannot be built or saved: also when the writer panics,
/// as `rust_xlsxwriter` does when it cannot write a sheet's temporary file (a full disk).
pub(crate) fn write(
    path: &Path,
    figures: &Figures,
    tables: &[(Table, &[RecordBatch], u64)],
) -> Result<()> {
    crate::error::unpanic(|| build_and_save(path, figures, tables)).unwrap_or_else(|msg| {
        Err(Error::store(
            path,
            format!("the workbook writer failed (is the disk full?): {msg}"),
        ))
    })
}

/// [`write`], unguarded.
fn build_and_save(
    path: &Path,
    figures: &Figures,
    tables: &[(Table, &[RecordBatch], u64)],
) -> Result<()> {
    let fail = |e: XlsxError| Error::store(path, e);
    let mut wb = Workbook::new();
    let epoch = ExcelDateTime::from_ymd(1980, 1, 1).map_err(fail)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title("callsift results")
            .set_creation_datetime(&epoch),
    );
    // Deflate at its fastest level: the workbook is a copy of tables written beside it, and
    // the default level 6 cost about twice the time for a file 43 % smaller on a 2 M-row world
    // (docs/benchmarks.md).
    wb.set_zip_compression_level(1);
    let bold = Format::new().set_bold();
    // The sheets are filled side by side (each writes its rows to its own temporary file),
    // then added to the workbook in order.
    let mut sheets = (0..=tables.len())
        .map(|_| wb.new_worksheet_with_constant_memory())
        .collect::<std::result::Result<Vec<Worksheet>, XlsxError>>()
        .map_err(fail)?;
    sheets
        .par_iter_mut()
        .enumerate()
        .try_for_each(|(i, ws)| match i.checked_sub(1) {
            None => figures_sheet(ws, figures, &bold),
            Some(t) => table_sheet(ws, tables[t], &bold),
        })
        .map_err(fail)?;
    for ws in sheets {
        wb.push_worksheet(ws);
    }
    // Through the store's atomic writer: the file appears whole or not at all, with the mode
    // every output has.
    crate::store::write_atomic(path, |f| wb.save_to_writer(f).map_err(fail))
}

/// The `figures` sheet: each figure and its value, in `figures.json`'s order.
fn figures_sheet(
    ws: &mut Worksheet,
    figures: &Figures,
    bold: &Format,
) -> std::result::Result<(), XlsxError> {
    ws.set_name("figures")?;
    ws.write_string_with_format(0, 0, "figure", bold)?;
    ws.write_string_with_format(0, 1, "value", bold)?;
    ws.set_freeze_panes(1, 0)?;
    ws.set_column_width(0, 32)?;
    let mut row = 1;
    for (k, v) in figures.to_map() {
        let text = match &v {
            serde_json::Value::Number(n) => {
                if let Some(x) = n
                    .as_f64()
                    .filter(|_| n.as_u64().is_none_or(|u| u <= MAX_EXACT))
                {
                    ws.write_string(row, 0, &k)?;
                    ws.write_number(row, 1, x)?;
                    row += 1;
                    continue;
                }
                n.to_string()
            }
            // `inputs`: the per-file counts, as `figures.json` gives them.
            other => other.to_string(),
        };
        ws.write_string(row, 0, &k)?;
        ws.write_string(row, 1, cut(&text))?;
        row += 1;
    }
    Ok(())
}

/// The rows a sheet shows of a table in `batches` (its first rows, or all): the first batch
/// when it holds them all (a table of one batch, or the `numbers` table's first row group),
/// else the batches put together up to [`MAX_SHEET_ROWS`].
fn sheet_rows(
    batches: &[RecordBatch],
) -> std::result::Result<std::borrow::Cow<'_, RecordBatch>, arrow::error::ArrowError> {
    let total: usize = batches.iter().map(RecordBatch::num_rows).sum();
    match batches {
        [first, ..] if first.num_rows() >= total.min(MAX_SHEET_ROWS) => {
            Ok(std::borrow::Cow::Borrowed(first))
        }
        [first, ..] => {
            let mut take = Vec::new();
            let mut left = MAX_SHEET_ROWS;
            for b in batches {
                take.push(b.slice(0, b.num_rows().min(left)));
                left -= b.num_rows().min(left);
            }
            arrow::compute::concat_batches(&first.schema(), &take).map(std::borrow::Cow::Owned)
        }
        [] => Err(arrow::error::ArrowError::InvalidArgumentError(
            "a table of no batch".into(),
        )),
    }
}

/// One results table's sheet: the first rows of the table ([`sheet_rows`] of its batches), and
/// how many rows it has in all.
fn table_sheet(
    ws: &mut Worksheet,
    (table, batches, total): (Table, &[RecordBatch], u64),
    bold: &Format,
) -> std::result::Result<(), XlsxError> {
    let b = sheet_rows(batches).map_err(|e| XlsxError::ParameterError(e.to_string()))?;
    ws.set_name(table.name())?;
    let cols = table.columns();
    let n = b.num_rows().min(MAX_SHEET_ROWS);
    for (c, col) in cols.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, col.name, bold)?;
        let mut note = column_doc(table, col.name).unwrap_or_default().to_string();
        if c == 0 {
            note = format!("{} {note}", table_doc(table));
            if total > n as u64 {
                note = format!(
                    "This sheet holds the first {n} of the table's {} rows (Excel's limit); \
                     {}.parquet and {}.csv hold every row. {note}",
                    total,
                    table.name(),
                    table.name()
                );
            }
        }
        ws.insert_note(0, c, &Note::new(note).set_author("callsift"))?;
    }
    ws.set_freeze_panes(1, 0)?;
    let mut list = String::new();
    for r in 0..n {
        for (c, col) in cols.iter().enumerate() {
            let a = b.column(c);
            if a.is_null(r) {
                continue;
            }
            let (row, c) = (r as u32 + 1, c as u16);
            match col.ty {
                Type::Text => {
                    let v = a.as_string::<i32>().value(r);
                    ws.write_string(row, c, cut(v))?;
                }
                Type::TextList => {
                    // As the CSV twin shows it: the items joined with `; `.
                    list.clear();
                    if let Some(l) = a.as_list_opt::<i32>() {
                        crate::store::push_joined(l, r, &mut list);
                    }
                    ws.write_string(row, c, cut(&list))?;
                }
                Type::U64 => {
                    let v = a.as_primitive::<UInt64Type>().value(r);
                    if v <= MAX_EXACT {
                        ws.write_number(row, c, v as f64)?;
                    } else {
                        ws.write_string(row, c, v.to_string())?;
                    }
                }
                Type::I64 => {
                    let v = a.as_primitive::<Int64Type>().value(r);
                    if v.unsigned_abs() <= MAX_EXACT {
                        ws.write_number(row, c, v as f64)?;
                    } else {
                        ws.write_string(row, c, v.to_string())?;
                    }
                }
                Type::F64 => {
                    let v = a.as_primitive::<Float64Type>().value(r);
                    if v.is_finite() {
                        ws.write_number(row, c, v)?;
                    } else {
                        ws.write_string(row, c, v.to_string())?;
                    }
                }
                Type::Bool => {
                    ws.write_boolean(row, c, a.as_boolean().value(r))?;
                }
                Type::Time => {
                    let v = a.as_primitive::<TimestampMicrosecondType>().value(r);
                    ws.write_string(row, c, format_utc(v))?;
                }
            }
        }
    }
    Ok(())
}

/// `s`, cut to the characters a cell holds (ending `…` when cut).
fn cut(s: &str) -> std::borrow::Cow<'_, str> {
    // Excel counts UTF-16 units; a char is at most two.
    if s.len() <= MAX_CELL_CHARS || s.encode_utf16().count() <= MAX_CELL_CHARS {
        return s.into();
    }
    let mut units = 0;
    let mut end = 0;
    for (i, ch) in s.char_indices() {
        units += ch.len_utf16();
        if units > MAX_CELL_CHARS - 1 {
            break;
        }
        end = i + ch.len_utf8();
    }
    format!("{}…", &s[..end]).into()
}

/// `results/DICTIONARY.md`: every results table and column, its type, whether it may be empty,
/// what `--pseudonymize` does to it and what it means.
pub fn dictionary_markdown() -> String {
    use std::fmt::Write as _;
    let mut s = String::from(
        "# The results dictionary\n\n\
         Every table callsift writes under `results/` (Parquet with a CSV twin, `leads` as CSV \
         only; every table also a sheet of `results.xlsx`) and every column, generated from the \
         results contract (`src/model/results.rs`, `src/model/dictionary/`). Times are UTC \
         instants (microseconds) unless the column says otherwise; `ln_p` and `ln_q` are natural \
         logarithms. A *list of text* is a Parquet list (`List<Utf8>`, items never null); the \
         CSV twin and the workbook show its items joined with `; `, and an empty cell there is \
         a null list (a column that may be empty) or an empty list (one that is never). \
         *Pseudonymised*: what `--pseudonymize KEYFILE` writes in place of the value (`token`: \
         the number's keyed token; `numbers inside`: any phone number inside the text is \
         replaced by its token, the rest kept; for a list, done to each item).\n",
    );
    for t in Table::ALL {
        let _ = write!(s, "\n## `{}`\n\n{}\n\n", t.name(), table_doc(t));
        s.push_str("| column | type | empty? | pseudonymised | meaning |\n|---|---|---|---|---|\n");
        for c in t.columns() {
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} | {} |",
                c.name,
                type_name(c.ty),
                if c.nullable { "may be" } else { "never" },
                rule_name(c),
                column_doc(t, c.name).unwrap_or_default()
            );
        }
    }
    s
}

/// A column type in words.
fn type_name(t: Type) -> &'static str {
    match t {
        Type::Text => "text",
        Type::TextList => "list of text",
        Type::U64 => "integer ≥ 0",
        Type::I64 => "integer",
        Type::F64 => "float",
        Type::Bool => "boolean",
        Type::Time => "UTC time",
    }
}

/// What `--pseudonymize` does to a column, in words.
fn rule_name(c: &crate::model::results::Column) -> &'static str {
    use crate::model::results::Rule;
    if !matches!(c.ty, Type::Text | Type::TextList) {
        return "kept";
    }
    match c.rule {
        Rule::Keep => "numbers inside",
        Rule::Number => "token",
        Rule::NumberList => "each number's token",
        Rule::SetName => "token for `number:` names",
        Rule::Name => "`nm-` token",
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn a_sheet_shows_the_first_rows_of_a_table_in_batches() {
        let b = |v: &[u64]| {
            let schema = Arc::new(arrow::datatypes::Schema::new(vec![
                arrow::datatypes::Field::new("n", arrow::datatypes::DataType::UInt64, false),
            ]));
            RecordBatch::try_new(
                schema,
                vec![Arc::new(arrow::array::UInt64Array::from(v.to_vec()))],
            )
            .unwrap()
        };
        let one = [b(&[1, 2, 3])];
        assert!(matches!(
            sheet_rows(&one).unwrap(),
            std::borrow::Cow::Borrowed(_)
        ));
        let two = [b(&[1, 2]), b(&[3])];
        assert_eq!(*sheet_rows(&two).unwrap(), b(&[1, 2, 3]));
        assert!(sheet_rows(&[]).is_err());
    }

    #[test]
    fn long_text_is_cut_to_what_a_cell_holds() {
        assert_eq!(cut("abc"), "abc");
        let long = "é".repeat(MAX_CELL_CHARS + 10);
        let c = cut(&long);
        assert!(c.ends_with('…'));
        assert_eq!(
            c.chars().map(char::len_utf16).sum::<usize>(),
            MAX_CELL_CHARS
        );
        // Characters outside the BMP count two units each.
        let wide = "𝄞".repeat(MAX_CELL_CHARS);
        let c = cut(&wide);
        assert!(c.chars().map(char::len_utf16).sum::<usize>() <= MAX_CELL_CHARS);
        let exact = "a".repeat(MAX_CELL_CHARS);
        assert_eq!(cut(&exact), exact.as_str());
        // Longer in bytes than a cell, not in characters: kept whole.
        let fits = "é".repeat(MAX_CELL_CHARS);
        assert_eq!(cut(&fits), fits.as_str());
    }

    #[test]
    fn the_dictionary_names_every_table_and_column() {
        let md = dictionary_markdown();
        for t in Table::ALL {
            assert!(md.contains(&format!("\n## `{}`\n", t.name())));
            for c in t.columns() {
                assert!(md.contains(&format!("\n| `{}` |", c.name)), "{}", c.name);
            }
        }
    }
}
