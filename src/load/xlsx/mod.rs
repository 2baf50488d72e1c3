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
//!
//! Odd cells (a formula without its cached value, a cell under a merged range, date serials
//! that are no real day, ISO 8601 date cells) each have one defined behaviour: see `odd.rs`.
//! Such a cell is never handed over as empty; its row's raw text shows what the file holds
//! (`=A1+1` for a formula).

mod odd;

use std::io::{Cursor, Read};
use std::path::Path;

use calamine::{open_workbook_auto_from_rs, Data, DataType, Reader, Sheets};

use super::driver::{guard, Chunks, Emit, Evidence, Loaded, WholeFile};
use super::record::{Cell, RecordTarget, RowView};
use crate::error::{Error, Result};
use odd::{cell_name, range_name, Merges, XCell};

/// Excel's last row (1-based).
pub const MAX_ROWS: u32 = 1 << 20;
/// Excel's last column (1-based: `XFD`).
pub const MAX_COLS: u32 = 1 << 14;
/// Columns of a row's raw text in the quarantine, at most (beyond the header's width).
const RAW_COLS: usize = 256;

/// One row of a sheet: its cells in column order, columns 0-based from the sheet's first used
/// column, empty cells left out.
type SparseRow = Vec<(u32, XCell)>;

/// The cells of a sheet as read: the rows with a cell, the sheet's first used row and column
/// (0-based), and its merged ranges.
struct SheetCells {
    /// (sheet row 0-based, cells) of every row with a cell, in row order.
    rows: Vec<(u32, SparseRow)>,
    first_row: u32,
    first_col: u32,
    merges: Merges,
}

/// Reads the profile's sheet (by default the first) of a workbook.
///
/// # Errors
/// [`Error::Input`] when the workbook cannot be opened, is a zip bomb, the sheet does not exist
/// or has a cell beyond Excel's limits, or the header lacks a mapped column.
pub(crate) fn read<T, B>(
    ev: &Evidence<'_>,
    bind: B,
    emit: Option<Emit<'_, T::Chunk>>,
) -> Result<Loaded<T::Chunk>>
where
    T: RecordTarget,
    B: FnOnce(&[String]) -> Result<T>,
{
    let mut file = WholeFile::read(ev)?;
    let bytes = std::mem::take(&mut file.bytes);
    guard(ev.path, "zip", || {
        check_inflated(ev.path, &bytes, ev.spec.max_inflated_bytes)
    })?;
    let SheetCells {
        rows,
        first_row,
        first_col,
        mut merges,
    } = guard(ev.path, "xlsx", || read_cells(ev, bytes))?;
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
    let mut chunks = Chunks::with_emit(&target, emit);
    let mut sink = chunks.sink();
    let raw_cols = header.len().max(RAW_COLS);
    for k in i..n_rows {
        let row = sheet_row(&rows, &empty, first_row, k);
        // The sheet's 0-based row (within Excel's limits, so it fits), and its 1-based number.
        let r = first_row.saturating_add(u32::try_from(k).unwrap_or(u32::MAX));
        let at = u64::from(r) + 1;
        merges.advance(r);
        if row.iter().all(|(_, c)| c.is_empty()) {
            sink.blank();
            continue;
        }
        if let Some(e) = row.iter().find_map(|(_, c)| match c {
            XCell::Value(Data::Error(e)) => Some(e),
            _ => None,
        }) {
            sink.reject(at, format!("cell error {e:?}"), raw_row(row, raw_cols));
            continue;
        }
        let view = XlsxRow {
            cells: row,
            raw_cols,
            row: r,
            first_col,
            merges: &merges,
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

/// The rows of the profile's sheet that have a cell, with the sheet's first used row and
/// column (0-based) and its merged ranges (xlsx only); columns are counted from the first used
/// column, as a calamine range does.
fn read_cells(ev: &Evidence<'_>, bytes: Vec<u8>) -> Result<SheetCells> {
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
    let mut cells: Vec<(u32, u32, XCell)> = Vec::new();
    let mut push = |(r, c): (u32, u32), v: XCell| -> Result<()> {
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
    let mut merged = Vec::new();
    match &mut wb {
        Sheets::Xlsx(x) => {
            // A stream of the cells present: the sheet's declared dimension is not used.
            let mut rd = x.worksheet_cells_reader(&sheet).map_err(|e| at_sheet(&e))?;
            while let Some(c) = rd.next_cell_with_formula().map_err(|e| at_sheet(&e))? {
                let v = Data::from(c.value);
                let v = match c.formula {
                    // A formula saved without its result (not even an empty text).
                    Some(f) if v.is_empty() => XCell::Uncached(f),
                    _ => XCell::Value(v),
                };
                push(c.pos, v)?;
            }
            drop(rd);
            // The merged ranges follow the cells in the sheet's XML: a second pass over it.
            merged = x
                .merge_cells_by_sheet_name(&sheet)
                .map_err(|e| at_sheet(&e))?;
            if merged.len() > odd::MAX_MERGES {
                return Err(bad(format!(
                    "sheet {sheet:?}: {} merged ranges, more than {}: a damaged or hostile \
                     workbook",
                    merged.len(),
                    odd::MAX_MERGES
                )));
            }
        }
        Sheets::Xlsb(x) => {
            let mut rd = x.worksheet_cells_reader(&sheet).map_err(|e| at_sheet(&e))?;
            while let Some(c) = rd.next_cell().map_err(|e| at_sheet(&e))? {
                push(
                    c.get_position(),
                    XCell::Value(Data::from(c.get_value().clone())),
                )?;
            }
        }
        // Legacy .xls (at most 65,536 rows by 256 columns) and .ods are read as a range.
        wb => {
            let range = wb.worksheet_range(&sheet).map_err(|e| at_sheet(&e))?;
            let (r0, c0) = range.start().unwrap_or((0, 0));
            for (r, row) in range.rows().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    if !v.is_empty() {
                        push((r0 + r as u32, c0 + c as u32), XCell::Value(v.clone()))?;
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
    Ok(SheetCells {
        rows,
        first_row,
        first_col,
        merges: Merges::new(merged),
    })
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
    /// The sheet's 0-based row.
    row: u32,
    /// The sheet's first used column (0-based): `col` of a cell is counted from it.
    first_col: u32,
    merges: &'a Merges,
}

impl XlsxRow<'_> {
    fn cell(&self, col: usize) -> Option<&XCell> {
        let col = u32::try_from(col).ok()?;
        self.cells
            .binary_search_by_key(&col, |(c, _)| *c)
            .ok()
            .map(|i| &self.cells[i].1)
    }

    fn text(&self, col: usize) -> String {
        self.cell(col).map(cell_text).unwrap_or_default()
    }

    /// The sheet's 0-based column of source column `col`.
    fn sheet_col(&self, col: usize) -> u32 {
        u32::try_from(col).map_or(u32::MAX, |c| c.saturating_add(self.first_col))
    }

    /// The merged range an empty cell of source column `col` lies under (not at its top-left).
    fn under_merge(&self, col: usize) -> Option<&calamine::Dimensions> {
        self.merges.under(self.row, self.sheet_col(col))
    }
}

impl RowView for XlsxRow<'_> {
    fn get(&self, col: usize) -> std::result::Result<Cell<'_>, &'static str> {
        let v = match self.cell(col) {
            None | Some(XCell::Value(Data::Empty)) => {
                return match self.under_merge(col) {
                    Some(_) => Err("a cell under a merged range"),
                    None => Ok(Cell::Null),
                }
            }
            Some(XCell::Uncached(_)) => return Err("a formula without a cached value"),
            Some(XCell::Value(v)) => v,
        };
        Ok(match v {
            Data::Empty => Cell::Null,
            Data::String(s) | Data::DurationIso(s) => Cell::Text(s),
            Data::DateTimeIso(s) => odd::iso_cell(s)?,
            Data::Int(v) => Cell::Int(*v),
            Data::Float(v) => Cell::Float(*v),
            Data::Bool(b) => Cell::Bool(*b),
            Data::DateTime(d) => odd::serial_cell(d)?,
            Data::Error(_) => return Err("an Excel error cell"),
        })
    }

    fn why(&self, col: usize) -> Option<String> {
        let at = cell_name(self.row, self.sheet_col(col));
        match self.cell(col) {
            None | Some(XCell::Value(Data::Empty)) => self.under_merge(col).map(|d| {
                format!(
                    "cell {at} lies under the merged range {}; only {} holds its value",
                    range_name(d),
                    cell_name(d.start.0, d.start.1)
                )
            }),
            Some(XCell::Uncached(f)) => Some(format!(
                "cell {at} holds a formula without a cached value (={f}): the workbook was \
                 saved without its results (open it in Excel, recalculate and save a copy)"
            )),
            Some(XCell::Value(Data::DateTime(d))) => {
                odd::serial_reason(d).map(|r| format!("cell {at}: {r}"))
            }
            Some(XCell::Value(Data::DateTimeIso(s))) => odd::iso_cell(s)
                .err()
                .map(|r| format!("cell {at}: {r}: {s:?}")),
            _ => None,
        }
    }

    fn raw(&self) -> String {
        raw_row(self.cells, self.raw_cols)
    }
}

/// A cell's text for the raw row and the header: a formula without its value as `=` and its
/// text, a date serial that is no real day as its number.
fn cell_text(c: &XCell) -> String {
    let c = match c {
        XCell::Uncached(f) => return format!("={f}"),
        XCell::Value(v) => v,
    };
    match c {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(v) => v.to_string(),
        Data::Float(v) => v.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) if d.is_duration() || odd::serial_reason(d).is_some() => {
            d.as_f64().to_string()
        }
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
        let row: SparseRow = vec![
            (0, XCell::Value(Data::String("a".into()))),
            (MAX_COLS - 1, XCell::Value(Data::Int(1))),
        ];
        let raw = raw_row(&row, 4);
        assert_eq!(raw, "a\t\t\t\t… (cells beyond column 4 left out)");
        let merges = Merges::default();
        let view = XlsxRow {
            cells: &row,
            raw_cols: 4,
            row: 0,
            first_col: 0,
            merges: &merges,
        };
        assert_eq!(view.get(MAX_COLS as usize - 1), Ok(Cell::Int(1)));
        assert_eq!(view.get(5), Ok(Cell::Null));
    }
}
