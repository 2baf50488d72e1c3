//! Excel workbooks (`.xlsx`, also `.xls`/`.ods` through calamine), one sheet.
//!
//! calamine is the one serious pure-Rust spreadsheet reader. Cells keep their Excel types:
//! text, integers, floats (a phone number typed as a number arrives as a float and is accepted
//! only when integral), and dates (Excel serials, read as wall-clock times in the profile's
//! zone). Row numbers are the sheet's own 1-based row numbers, as Excel shows them. A damaged
//! workbook is an error naming the file; a panic inside calamine is caught and reported the
//! same way.
//!
//! Hostile workbooks are bounded:
//! - a zipped workbook (xlsx, ods) is inflated once, part by part, into nothing before calamine
//!   sees it, and refused when its parts declare, or actually inflate to, more than the
//!   profile's `max_inflated_bytes` (a zip bomb), or when a part inflates past the size it
//!   declares;
//! - an xlsx sheet is read as a stream of cells (never sized by its declared dimension or by
//!   a cell reference): only the cells present are kept, so a sparse sheet with one cell at
//!   `XFD1048576` costs one cell, and a reference beyond Excel's limits (1,048,576 rows,
//!   16,384 columns) is refused.

use std::io::{Cursor, Read};
use std::path::Path;

use calamine::{open_workbook_auto_from_rs, Data, DataType, Reader, Sheets};
use chrono::NaiveDate;

use super::driver::{guard, Chunks, Evidence, Loaded, WholeFile};
use super::record::{Cell, RecordTarget, RowView};
use crate::error::{Error, Result};

/// Excel's last row (1-based).
pub const MAX_ROWS: u32 = 1 << 20;
/// Excel's last column (1-based: `XFD`).
pub const MAX_COLS: u32 = 1 << 14;
/// Columns of a row's raw text in the quarantine, at most (beyond the header's width).
const RAW_COLS: usize = 256;

/// One row of a sheet: its cells in column order, columns 0-based from the sheet's first used
/// column, empty cells left out.
type SparseRow = Vec<(u32, Data)>;

/// Reads the profile's sheet (by default the first) of a workbook.
///
/// # Errors
/// [`Error::Input`] when the workbook cannot be opened, is a zip bomb, the sheet does not exist
/// or has a cell beyond Excel's limits, or the header lacks a mapped column.
pub(crate) fn read<T, B>(ev: &Evidence<'_>, bind: B) -> Result<Loaded<T::Chunk>>
where
    T: RecordTarget,
    B: FnOnce(&[String]) -> Result<T>,
{
    let mut file = WholeFile::read(ev)?;
    let bytes = std::mem::take(&mut file.bytes);
    guard(ev.path, "zip", || {
        check_inflated(ev.path, &bytes, ev.spec.max_inflated_bytes)
    })?;
    // (sheet row 0-based, cells) of every row with a cell, in row order.
    let (rows, first_row) = guard(ev.path, "xlsx", || read_cells(ev, bytes))?;
    let p = ev.spec;
    // The sheet's rows from its first used one to its last, rows without a cell as empty; its
    // columns from the first used one to the last.
    let n_rows = rows.last().map_or(0, |(r, _)| (r - first_row) as usize + 1);
    let n_cols = rows.iter().map(|(_, r)| width(r)).max().unwrap_or(0);
    let empty: SparseRow = Vec::new();
    let mut i = p.skip_lines.min(n_rows);
    let mut skipped = i as u64;
    let header: Vec<String> = if p.header {
        if i >= n_rows {
            return Err(Error::input(ev.path, None, "no header row"));
        }
        let mut h = dense_text(sheet_row(&rows, &empty, first_row, i), None);
        h.resize(n_cols, String::new());
        i += 1;
        skipped += 1;
        h.iter().map(|c| c.trim().to_string()).collect()
    } else {
        (1..=n_cols).map(|k| format!("#{k}")).collect()
    };
    let skip_after = p.skip_after_header.min(n_rows - i);
    i += skip_after;
    skipped += skip_after as u64;
    let target = bind(&header)?;
    let mut chunks = Chunks::new(&target);
    let mut sink = chunks.sink();
    let raw_cols = header.len().max(RAW_COLS);
    for k in i..n_rows {
        let row = sheet_row(&rows, &empty, first_row, k);
        let at = u64::from(first_row) + k as u64 + 1; // the sheet's 1-based row number
        if row.iter().all(|(_, c)| matches!(c, Data::Empty)) {
            sink.blank();
            continue;
        }
        if let Some(e) = row.iter().find_map(|(_, c)| match c {
            Data::Error(e) => Some(e),
            _ => None,
        }) {
            sink.reject(at, format!("cell error {e:?}"), raw_row(row, raw_cols));
            continue;
        }
        let view = XlsxRow {
            cells: row,
            raw_cols,
        };
        if is_header_again(&header, &view) {
            sink.reject(at, "repeated header row".into(), raw_row(row, raw_cols));
            continue;
        }
        sink.row(at, &view);
    }
    chunks.push(sink, 0);
    chunks.finish(ev, file.facts(skipped, "xlsx"))
}

/// Whether a row repeats the header (sheets pasted one under the other).
fn is_header_again(header: &[String], view: &XlsxRow<'_>) -> bool {
    !header.is_empty()
        && view.cells.iter().all(|(c, _)| (*c as usize) < header.len())
        && header
            .iter()
            .enumerate()
            .all(|(c, h)| view.text(c).trim() == h)
}

/// The rows of the profile's sheet that have a cell, with the sheet's first used row
/// (0-based); columns are counted from the first used column, as a calamine range does.
fn read_cells(ev: &Evidence<'_>, bytes: Vec<u8>) -> Result<(Vec<(u32, SparseRow)>, u32)> {
    let bad = |e: String| Error::input(ev.path, None, e);
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| bad(format!("not a readable workbook: {e}")))?;
    let names = wb.sheet_names();
    let sheet = match &ev.spec.sheet {
        Some(s) => s.clone(),
        None => names
            .first()
            .cloned()
            .ok_or_else(|| bad("the workbook has no sheet".into()))?,
    };
    if !names.contains(&sheet) {
        return Err(bad(format!(
            "no sheet {sheet:?} (sheets: {})",
            names.join(", ")
        )));
    }
    let at_sheet = |e: &dyn std::fmt::Display| bad(format!("sheet {sheet:?}: {e}"));
    // (row, col, value) of every non-empty cell, in stream order.
    let mut cells: Vec<(u32, u32, Data)> = Vec::new();
    let mut push = |(r, c): (u32, u32), v: Data| -> Result<()> {
        if r >= MAX_ROWS || c >= MAX_COLS {
            return Err(bad(format!(
                "sheet {sheet:?}: a cell at row {}, column {} is beyond Excel's limits \
                 ({MAX_ROWS} rows, {MAX_COLS} columns): a damaged or hostile workbook",
                u64::from(r) + 1,
                u64::from(c) + 1
            )));
        }
        if !v.is_empty() {
            cells.push((r, c, v));
        }
        Ok(())
    };
    match &mut wb {
        Sheets::Xlsx(x) => {
            // A stream of the cells present: the sheet's declared dimension is not used.
            let mut rd = x.worksheet_cells_reader(&sheet).map_err(|e| at_sheet(&e))?;
            while let Some(c) = rd.next_cell().map_err(|e| at_sheet(&e))? {
                push(c.get_position(), Data::from(c.get_value().clone()))?;
            }
        }
        Sheets::Xlsb(x) => {
            let mut rd = x.worksheet_cells_reader(&sheet).map_err(|e| at_sheet(&e))?;
            while let Some(c) = rd.next_cell().map_err(|e| at_sheet(&e))? {
                push(c.get_position(), Data::from(c.get_value().clone()))?;
            }
        }
        // Legacy .xls (at most 65,536 rows by 256 columns) and .ods are read as a range.
        wb => {
            let range = wb.worksheet_range(&sheet).map_err(|e| at_sheet(&e))?;
            let (r0, c0) = range.start().unwrap_or((0, 0));
            for (r, row) in range.rows().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    if !v.is_empty() {
                        push((r0 + r as u32, c0 + c as u32), v.clone())?;
                    }
                }
            }
        }
    }
    // Rows come in order in any workbook Excel writes; others are put in order (stably, so
    // that a cell given twice keeps its last value, as in a range).
    if !cells
        .windows(2)
        .all(|w| (w[0].0, w[0].1) <= (w[1].0, w[1].1))
    {
        cells.sort_by_key(|&(r, c, _)| (r, c));
    }
    let first_row = cells.iter().map(|c| c.0).min().unwrap_or(0);
    let first_col = cells.iter().map(|c| c.1).min().unwrap_or(0);
    let mut rows: Vec<(u32, SparseRow)> = Vec::new();
    for (r, c, v) in cells {
        let c = c - first_col;
        match rows.last_mut() {
            Some((lr, row)) if *lr == r => match row.last_mut() {
                Some((lc, lv)) if *lc == c => *lv = v,
                _ => row.push((c, v)),
            },
            _ => rows.push((r, vec![(c, v)])),
        }
    }
    Ok((rows, first_row))
}

/// Refuses a zipped workbook whose parts declare, or inflate to, more than `limit` bytes in
/// all, or a part that inflates past its declared size. Every part is inflated into nothing
/// (bounded reads), so what calamine inflates afterwards is known to be within the limit.
/// A file that is not a zip (a legacy `.xls`) is left to calamine.
fn check_inflated(path: &Path, bytes: &[u8], limit: u64) -> Result<()> {
    if !bytes.starts_with(b"PK") {
        return Ok(());
    }
    let bad = |msg: String| Error::input(path, None, msg);
    let over = |what: &str, n: u64| {
        bad(format!(
            "the workbook's zipped parts {what} {n} bytes, over the limit of {limit} bytes \
             (a zip bomb?); if the file is genuine, raise `max_inflated_bytes` in its profile"
        ))
    };
    let mut z = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| bad(format!("not a readable workbook (damaged zip): {e}")))?;
    let mut declared = 0u64;
    for i in 0..z.len() {
        let f = z
            .by_index_raw(i)
            .map_err(|e| bad(format!("not a readable workbook (damaged zip): {e}")))?;
        declared = declared.saturating_add(f.size());
        if declared > limit {
            return Err(over("declare", declared));
        }
    }
    let mut inflated = 0u64;
    let mut sink = [0u8; 64 * 1024];
    for i in 0..z.len() {
        let mut f = z
            .by_index(i)
            .map_err(|e| bad(format!("not a readable workbook (damaged zip): {e}")))?;
        let name = String::from_utf8_lossy(f.name_raw()).into_owned();
        let size = f.size();
        let mut n = 0u64;
        loop {
            let got = match f.read(&mut sink) {
                Ok(0) => break,
                Ok(got) => got as u64,
                Err(e) => {
                    // The zip reader stops a part at its declared size ("File is larger
                    // than its declared uncompressed size"): calamine meets the same bound.
                    return Err(bad(format!(
                        "the zip part {name:?} cannot be inflated (a damaged or hostile \
                         workbook): {e}"
                    )));
                }
            };
            n += got;
            if n > size {
                return Err(bad(format!(
                    "the zip part {name:?} inflates past the {size} bytes it declares \
                     (a damaged or hostile workbook)"
                )));
            }
            if inflated + n > limit {
                return Err(over("inflate to more than", inflated + n));
            }
        }
        inflated += n;
    }
    Ok(())
}

/// Row `k` of the sheet counted from `first_row`: its cells, or `empty`.
fn sheet_row<'a>(
    rows: &'a [(u32, SparseRow)],
    empty: &'a SparseRow,
    first_row: u32,
    k: usize,
) -> &'a SparseRow {
    let want = u32::try_from(k).map_or(u32::MAX, |k| first_row.saturating_add(k));
    match rows.binary_search_by_key(&want, |(r, _)| *r) {
        Ok(i) => &rows[i].1,
        Err(_) => empty,
    }
}

/// The number of columns a row spans.
fn width(row: &SparseRow) -> usize {
    row.last().map_or(0, |(c, _)| *c as usize + 1)
}

/// The text of a row's cells, column by column, to its last cell (or `max` columns).
fn dense_text(row: &SparseRow, max: Option<usize>) -> Vec<String> {
    let w = max.map_or(width(row), |m| width(row).min(m));
    let mut out = vec![String::new(); w];
    for (c, v) in row {
        if let Some(s) = out.get_mut(*c as usize) {
            *s = cell_text(v);
        }
    }
    out
}

struct XlsxRow<'a> {
    cells: &'a SparseRow,
    raw_cols: usize,
}

impl XlsxRow<'_> {
    fn cell(&self, col: usize) -> Option<&Data> {
        let col = u32::try_from(col).ok()?;
        self.cells
            .binary_search_by_key(&col, |(c, _)| *c)
            .ok()
            .map(|i| &self.cells[i].1)
    }

    fn text(&self, col: usize) -> String {
        self.cell(col).map(cell_text).unwrap_or_default()
    }
}

impl RowView for XlsxRow<'_> {
    fn get(&self, col: usize) -> std::result::Result<Cell<'_>, &'static str> {
        Ok(match self.cell(col) {
            None | Some(Data::Empty) => Cell::Null,
            Some(Data::String(s)) => Cell::Text(s),
            Some(Data::DateTimeIso(s)) | Some(Data::DurationIso(s)) => Cell::Text(s),
            Some(Data::Int(v)) => Cell::Int(*v),
            Some(Data::Float(v)) => Cell::Float(*v),
            Some(Data::Bool(b)) => Cell::Bool(*b),
            Some(Data::DateTime(d)) => match d.as_datetime().and_then(naive_micros) {
                Some(t) => Cell::Naive(t),
                None => return Err("an Excel date out of range"),
            },
            Some(Data::Error(_)) => return Err("an Excel error cell"),
        })
    }

    fn raw(&self) -> String {
        raw_row(self.cells, self.raw_cols)
    }
}

fn naive_micros(t: chrono::NaiveDateTime) -> Option<i64> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?.and_hms_opt(0, 0, 0)?;
    (t - epoch).num_microseconds()
}

fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(v) => v.to_string(),
        Data::Float(v) => v.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d
            .as_datetime()
            .map(|t| t.to_string())
            .unwrap_or_else(|| d.as_f64().to_string()),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// The row as tab-separated cell texts, for the quarantine: at most `max` columns, so that a
/// row with a far-away cell cannot make a huge raw text.
fn raw_row(row: &SparseRow, max: usize) -> String {
    let mut s = dense_text(row, Some(max)).join("\t");
    if width(row) > max {
        s.push_str(&format!("\t… (cells beyond column {max} left out)"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_text_of_a_far_cell_is_bounded() {
        let row: SparseRow = vec![(0, Data::String("a".into())), (MAX_COLS - 1, Data::Int(1))];
        let raw = raw_row(&row, 4);
        assert_eq!(raw, "a\t\t\t\t… (cells beyond column 4 left out)");
        let view = XlsxRow {
            cells: &row,
            raw_cols: 4,
        };
        assert_eq!(view.get(MAX_COLS as usize - 1), Ok(Cell::Int(1)));
        assert_eq!(view.get(5), Ok(Cell::Null));
    }
}
