//! Excel workbooks (`.xlsx`, also `.xls`/`.ods` through calamine), one sheet.
//!
//! calamine is the one serious pure-Rust spreadsheet reader. Cells keep their Excel types:
//! text, integers, floats (a phone number typed as a number arrives as a float and is accepted
//! only when integral), and dates (Excel serials, read as wall-clock times in the profile's
//! zone). Row numbers are the sheet's own 1-based row numbers, as Excel shows them. A damaged
//! workbook is an error naming the file; a panic inside calamine is caught and reported the
//! same way.

use calamine::{open_workbook_auto_from_rs, Data, Reader};
use chrono::NaiveDate;

use crate::config::InputFile;
use crate::error::{Error, Result};
use crate::ingest::convert::Plan;
use crate::load::{guard, read_all, Cell, Loaded, RowView};

/// Reads the profile's sheet (by default the first) of a workbook.
///
/// # Errors
/// [`Error::Input`] when the workbook cannot be opened, the sheet does not exist, or the header
/// lacks a mapped column.
pub fn read(file: &InputFile) -> Result<Loaded> {
    let (bytes, sha256) = read_all(file)?;
    let size = bytes.len() as u64;
    if bytes.is_empty() {
        return Err(Error::input(&file.path, None, "empty file (0 bytes)"));
    }
    let range = guard(file, "xlsx", || {
        let mut wb = open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
            .map_err(|e| Error::input(&file.path, None, format!("not a readable workbook: {e}")))?;
        let names = wb.sheet_names();
        let sheet = match &file.profile.sheet {
            Some(s) => s.clone(),
            None => names
                .first()
                .cloned()
                .ok_or_else(|| Error::input(&file.path, None, "the workbook has no sheet"))?,
        };
        if !names.contains(&sheet) {
            return Err(Error::input(
                &file.path,
                None,
                format!("no sheet {sheet:?} (sheets: {})", names.join(", ")),
            ));
        }
        wb.worksheet_range(&sheet)
            .map_err(|e| Error::input(&file.path, None, format!("sheet {sheet:?}: {e}")))
    })?;
    let first_row = range.start().map_or(0, |(r, _)| r as u64); // 0-based sheet row
    let rows: Vec<&[Data]> = range.rows().collect();
    let p = &file.profile;
    let mut i = p.skip_lines.min(rows.len());
    let mut skipped = i as u64;
    let header: Vec<String> = if p.header {
        let Some(h) = rows.get(i) else {
            return Err(Error::input(&file.path, None, "no header row"));
        };
        i += 1;
        skipped += 1;
        h.iter().map(|c| cell_text(c).trim().to_string()).collect()
    } else {
        let w = rows.first().map_or(0, |r| r.len());
        (1..=w).map(|k| format!("#{k}")).collect()
    };
    let skip_after = p.skip_after_header.min(rows.len() - i);
    i += skip_after;
    skipped += skip_after as u64;
    let plan = Plan::new(file, &header)?;
    let mut conv = plan.converter();
    for (k, row) in rows.iter().enumerate().skip(i) {
        let sheet_row = first_row + k as u64 + 1;
        if row.iter().all(|c| matches!(c, Data::Empty)) {
            conv.blank();
            continue;
        }
        if let Some(e) = row.iter().find_map(|c| match c {
            Data::Error(e) => Some(e),
            _ => None,
        }) {
            conv.reject(sheet_row, format!("cell error {e:?}"), raw_row(row));
            continue;
        }
        let view = XlsxRow { cells: row };
        if header
            .iter()
            .zip(row.iter())
            .all(|(h, c)| cell_text(c).trim() == h)
            && !header.is_empty()
        {
            conv.reject(sheet_row, "repeated header row".into(), raw_row(row));
            continue;
        }
        conv.row(sheet_row, &view);
    }
    let chunk = conv.finish(0)?;
    Ok(Loaded {
        chunks: vec![chunk],
        sha256,
        bytes: size,
        skipped,
        unused_columns: plan.unused.clone(),
        encoding: "xlsx",
    })
}

struct XlsxRow<'a> {
    cells: &'a [Data],
}

impl RowView for XlsxRow<'_> {
    fn get(&self, col: usize) -> std::result::Result<Cell<'_>, &'static str> {
        Ok(match self.cells.get(col) {
            None | Some(Data::Empty) => Cell::Null,
            Some(Data::String(s)) => Cell::Text(s),
            Some(Data::DateTimeIso(s)) | Some(Data::DurationIso(s)) => Cell::Text(s),
            Some(Data::Int(v)) => Cell::Int(*v),
            Some(Data::Float(v)) => Cell::Float(*v),
            Some(Data::Bool(b)) => Cell::Bool(*b),
            Some(Data::DateTime(d)) => match d.as_datetime() {
                Some(t) => Cell::Naive(naive_micros(t)),
                None => return Err("an Excel date out of range"),
            },
            Some(Data::Error(_)) => return Err("an Excel error cell"),
        })
    }

    fn raw(&self) -> String {
        raw_row(self.cells)
    }
}

fn naive_micros(t: chrono::NaiveDateTime) -> i64 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)
        .expect("valid date")
        .and_hms_opt(0, 0, 0)
        .expect("valid time");
    (t - epoch).num_microseconds().unwrap_or(i64::MAX)
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

fn raw_row(row: &[Data]) -> String {
    row.iter().map(cell_text).collect::<Vec<_>>().join("\t")
}
