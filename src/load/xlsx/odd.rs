//! Odd cells of a sheet, each with one defined behaviour (issue 13): nothing unreadable is
//! handed over as an empty cell (which a caller-ID column would take for a withheld number).
//!
//! - **A formula without a cached value** (`<c><f>A1+1</f></c>`, a workbook written by a
//!   program that does not calculate): [`XCell::Uncached`], an error naming the cell and the
//!   formula. A formula *with* its cached value is that value, as Excel shows it.
//! - **A cell under a merged range** (any cell of `B6:B8` but `B6`, which alone holds the
//!   value): an error naming the cell and the range ([`Merges`]). The value is never copied
//!   down: the file does not say that it belongs to the rows below.
//! - **Date serials Excel shows as no real day** ([`serial_cell`]): a negative serial,
//!   a serial below 1 in the 1900 date system (day 0, Excel's `1900-01-00`: a time of day with
//!   no date), serial 60 (Excel's fictitious `1900-02-29`), and a serial after 9999-12-31.
//!   The 1904 date system (the workbook's `date1904`) has neither day 0 nor 29 February 1900;
//!   there only negative serials and those after 9999-12-31 are refused.
//! - **ISO 8601 date cells** (`t="d"`, [`iso_cell`]): read as a wall-clock date-time (or an
//!   instant when an offset or `Z` is written), like a serial date cell.
//! - **Duration cells** (`[h]:mm:ss` formats): a number of seconds, as any number cell in a
//!   duration column.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use calamine::{Data, Dimensions, ExcelDateTime, ExcelDateTimeType};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};

use crate::load::record::Cell;

/// The most merged ranges a sheet may declare (a sheet of a million merges is hostile).
pub const MAX_MERGES: usize = 1 << 20;
/// Highest serial of each date system: 9999-12-31 (the day after is refused).
const MAX_SERIAL_1900: f64 = 2_958_466.0;
const MAX_SERIAL_1904: f64 = 2_957_004.0;
const SECS_PER_DAY: f64 = 86_400.0;

/// A cell as read: a value, or a formula the workbook holds without its result.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum XCell {
    /// A value (the cached one of a formula cell).
    Value(Data),
    /// A formula without a cached value: its text, without the `=`.
    Uncached(String),
}

impl XCell {
    /// Whether the cell holds nothing.
    pub(super) fn is_empty(&self) -> bool {
        matches!(self, XCell::Value(Data::Empty))
    }
}

/// Excel's column name of a 0-based column: `A`, `Z`, `AA`, `XFD`.
pub(super) fn col_name(col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut out = Vec::new();
    while n > 0 {
        let d = ((n - 1) % 26) as u8;
        out.push(b'A' + d);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Excel's name of a 0-based cell: `B7`.
pub(super) fn cell_name(row: u32, col: u32) -> String {
    format!("{}{}", col_name(col), u64::from(row) + 1)
}

/// Excel's name of a range: `B6:B8`.
pub(super) fn range_name(d: &Dimensions) -> String {
    format!(
        "{}:{}",
        cell_name(d.start.0, d.start.1),
        cell_name(d.end.0, d.end.1)
    )
}

/// Whether a date cell's serial is in the 1904 date system (calamine keeps the flag private;
/// a cell equals its 1904 twin only if it is one).
fn is_1904(d: &ExcelDateTime) -> bool {
    *d == ExcelDateTime::new(d.as_f64(), ExcelDateTimeType::DateTime, true)
}

/// Why a date serial is no real day, or `None` when it is one.
fn odd_serial(d: &ExcelDateTime) -> Option<String> {
    let v = d.as_f64();
    let s1904 = is_1904(d);
    let max = if s1904 {
        MAX_SERIAL_1904
    } else {
        MAX_SERIAL_1900
    };
    Some(if !v.is_finite() {
        format!("Excel date serial {v} is not a number")
    } else if v < 0.0 {
        let system = if s1904 { "1904" } else { "1900" };
        format!("Excel date serial {v} is negative: no day in the {system} date system (Excel shows ####)")
    } else if !s1904 && v < 1.0 {
        format!(
            "Excel date serial {v} has no date, only a time of day (day 0 is Excel's 1900-01-00)"
        )
    } else if !s1904 && (60.0..61.0).contains(&v) {
        format!(
            "Excel date serial {v} is 1900-02-29, a day that never was (Excel's 1900 leap-year bug)"
        )
    } else if v >= max {
        format!("Excel date serial {v} is after 9999-12-31")
    } else {
        return None;
    })
}

/// A date cell: a duration (`[h]:mm:ss`) as seconds, a date as wall-clock microseconds since
/// 1970-01-01T00:00; the error when its serial is no real day (see [`odd_serial`]).
pub(super) fn serial_cell(d: &ExcelDateTime) -> Result<Cell<'static>, &'static str> {
    if d.is_duration() {
        return Ok(Cell::Float(d.as_f64() * SECS_PER_DAY));
    }
    if odd_serial(d).is_some() {
        return Err("an Excel date serial that is no real day");
    }
    d.as_datetime()
        .and_then(naive_micros)
        .map(Cell::Naive)
        .ok_or("an Excel date out of range")
}

/// The reason of [`serial_cell`]'s error, naming the serial.
pub(super) fn serial_reason(d: &ExcelDateTime) -> Option<String> {
    (!d.is_duration()).then(|| odd_serial(d)).flatten()
}

/// An ISO 8601 date cell (`t="d"`): a date-time or a date without offset is wall-clock time
/// (`Naive`), one with `Z` or an offset an instant (`Utc`).
pub(super) fn iso_cell(s: &str) -> Result<Cell<'static>, &'static str> {
    let t = s.trim();
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(v) = NaiveDateTime::parse_from_str(t, f) {
            return naive_micros(v).map(Cell::Naive).ok_or(OUT_OF_RANGE);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return naive_micros(d.and_time(NaiveTime::MIN))
            .map(Cell::Naive)
            .ok_or(OUT_OF_RANGE);
    }
    if let Ok(v) = DateTime::parse_from_rfc3339(t) {
        return Ok(Cell::Utc(v.timestamp_micros()));
    }
    if NaiveTime::parse_from_str(t, "%H:%M:%S%.f").is_ok() {
        return Err("an ISO 8601 date cell with a time of day and no date");
    }
    Err(NOT_ISO)
}

const OUT_OF_RANGE: &str = "an Excel date out of range";
const NOT_ISO: &str = "an ISO 8601 date cell (t=\"d\") that is not a date";

/// Microseconds of a wall-clock date-time since 1970-01-01T00:00 on that clock.
pub(super) fn naive_micros(t: NaiveDateTime) -> Option<i64> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?.and_hms_opt(0, 0, 0)?;
    (t - epoch).num_microseconds()
}

/// The merged ranges of a sheet, swept row by row: which range (other than at its top-left
/// cell) covers a cell of the current row. Ranges are activated when the sweep reaches their
/// first row and retired after their last, each once, so a sheet costs O(ranges · log ranges)
/// whatever their shapes. Overlapping ranges (which Excel refuses to open) keep the first.
#[derive(Debug, Default)]
pub(super) struct Merges {
    /// Ranges not yet reached, by first row, last first (popped in order).
    pending: Vec<Dimensions>,
    /// Ranges covering the current row, by first column.
    active: BTreeMap<u32, Dimensions>,
    /// (last row, first column) of the active ranges, soonest first.
    ends: BinaryHeap<Reverse<(u32, u32)>>,
}

impl Merges {
    /// The sweep over `ranges` (single cells, which merge nothing, are left out).
    pub(super) fn new(ranges: Vec<Dimensions>) -> Merges {
        let mut pending: Vec<Dimensions> = ranges
            .into_iter()
            .filter(|d| d.start != d.end && d.start.0 <= d.end.0 && d.start.1 <= d.end.1)
            .collect();
        pending.sort_by_key(|d| Reverse((d.start.0, d.start.1)));
        Merges {
            pending,
            ..Merges::default()
        }
    }

    /// Moves the sweep to `row` (0-based; rows only ever increase).
    pub(super) fn advance(&mut self, row: u32) {
        while let Some(Reverse((end, col))) = self.ends.peek().copied() {
            if end >= row {
                break;
            }
            self.ends.pop();
            if self.active.get(&col).is_some_and(|d| d.end.0 == end) {
                self.active.remove(&col);
            }
        }
        while let Some(d) = self.pending.last().copied() {
            if d.start.0 > row {
                break;
            }
            self.pending.pop();
            if d.end.0 < row || self.covering_cols(d.start.1, d.end.1) {
                continue;
            }
            self.active.insert(d.start.1, d);
            self.ends.push(Reverse((d.end.0, d.start.1)));
        }
    }

    /// Whether an active range shares a column with `first..=last`.
    fn covering_cols(&self, first: u32, last: u32) -> bool {
        self.active
            .range(..=first)
            .next_back()
            .is_some_and(|(_, d)| d.end.1 >= first)
            || self.active.range(first..=last).next().is_some()
    }

    /// The range that covers cell (`row`, `col`) of the current row, unless the cell is its
    /// top-left one (which holds the range's value).
    pub(super) fn under(&self, row: u32, col: u32) -> Option<&Dimensions> {
        let (_, d) = self.active.range(..=col).next_back()?;
        (d.end.1 >= col && d.start.0 <= row && row <= d.end.0 && d.start != (row, col)).then_some(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims(a: (u32, u32), b: (u32, u32)) -> Dimensions {
        Dimensions { start: a, end: b }
    }

    #[test]
    fn names_as_excel_writes_them() {
        assert_eq!(col_name(0), "A");
        assert_eq!(col_name(25), "Z");
        assert_eq!(col_name(26), "AA");
        assert_eq!(col_name(16_383), "XFD");
        assert_eq!(cell_name(6, 1), "B7");
        assert_eq!(range_name(&dims((5, 1), (7, 1))), "B6:B8");
    }

    #[test]
    fn merges_are_swept_row_by_row() {
        // B6:B8, D2:E3, and an overlapping A7:C7 that is ignored.
        let mut m = Merges::new(vec![
            dims((5, 1), (7, 1)),
            dims((1, 3), (2, 4)),
            dims((6, 0), (6, 2)),
            dims((9, 9), (9, 9)),
        ]);
        m.advance(1);
        assert_eq!(m.under(1, 3), None, "the top-left cell holds the value");
        assert_eq!(m.under(1, 4), Some(&dims((1, 3), (2, 4))));
        m.advance(2);
        assert_eq!(m.under(2, 3), Some(&dims((1, 3), (2, 4))));
        assert_eq!(m.under(2, 5), None);
        m.advance(5);
        assert_eq!(m.under(5, 3), None, "D2:E3 retired");
        assert_eq!(m.under(5, 1), None);
        m.advance(6);
        assert_eq!(m.under(6, 1), Some(&dims((5, 1), (7, 1))));
        assert_eq!(m.under(6, 0), None, "the overlapping range was left out");
        m.advance(8);
        assert_eq!(m.under(8, 1), None);
        m.advance(9);
        assert_eq!(m.under(9, 9), None, "a one-cell merge merges nothing");
    }

    fn serial(v: f64, s1904: bool) -> ExcelDateTime {
        ExcelDateTime::new(v, ExcelDateTimeType::DateTime, s1904)
    }

    #[test]
    fn serials_that_are_no_real_day() {
        let day = |y, m, d| {
            naive_micros(
                NaiveDate::from_ymd_opt(y, m, d)
                    .unwrap()
                    .and_hms_opt(0, 0, 0)
                    .unwrap(),
            )
            .unwrap()
        };
        assert_eq!(
            serial_cell(&serial(59.0, false)),
            Ok(Cell::Naive(day(1900, 2, 28)))
        );
        assert_eq!(
            serial_cell(&serial(61.0, false)),
            Ok(Cell::Naive(day(1900, 3, 1)))
        );
        assert_eq!(
            serial_cell(&serial(1.0, false)),
            Ok(Cell::Naive(day(1900, 1, 1)))
        );
        assert_eq!(
            serial_cell(&serial(0.0, true)),
            Ok(Cell::Naive(day(1904, 1, 1)))
        );
        assert_eq!(
            serial_cell(&serial(59.0, true)),
            Ok(Cell::Naive(day(1904, 2, 29)))
        );
        for (v, s1904, want) in [
            (60.0, false, "1900-02-29, a day that never was"),
            (60.75, false, "1900-02-29"),
            (0.5, false, "no date, only a time of day"),
            (0.0, false, "1900-01-00"),
            (-5.0, false, "negative: no day in the 1900 date system"),
            (-1.0, true, "negative: no day in the 1904 date system"),
            (2_958_466.0, false, "after 9999-12-31"),
            (2_957_004.0, true, "after 9999-12-31"),
        ] {
            let d = serial(v, s1904);
            assert!(serial_cell(&d).is_err(), "{v} {s1904}");
            let r = serial_reason(&d).unwrap();
            assert!(r.contains(want) && r.contains(&v.to_string()), "{r}");
        }
        assert!(is_1904(&serial(1.0, true)) && !is_1904(&serial(1.0, false)));
        let dur = ExcelDateTime::new(32.0 / 86_400.0, ExcelDateTimeType::TimeDelta, false);
        match serial_cell(&dur) {
            Ok(Cell::Float(s)) => assert!((s - 32.0).abs() < 1e-6, "{s}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(serial_reason(&dur), None);
    }

    #[test]
    fn iso_date_cells() {
        let t = |s| naive_micros(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap());
        assert_eq!(
            iso_cell("2011-05-02T09:15:02"),
            Ok(Cell::Naive(t("2011-05-02 09:15:02").unwrap()))
        );
        assert_eq!(
            iso_cell("2011-05-02T09:15:02.5"),
            Ok(Cell::Naive(t("2011-05-02 09:15:02").unwrap() + 500_000))
        );
        assert_eq!(
            iso_cell("2011-05-02"),
            Ok(Cell::Naive(t("2011-05-02 00:00:00").unwrap()))
        );
        assert_eq!(
            iso_cell("2011-05-02T13:15:02Z"),
            Ok(Cell::Utc(t("2011-05-02 13:15:02").unwrap()))
        );
        assert_eq!(
            iso_cell("2011-05-02T09:15:02-04:00"),
            Ok(Cell::Utc(t("2011-05-02 13:15:02").unwrap()))
        );
        assert!(iso_cell("09:15:02").unwrap_err().contains("no date"));
        assert_eq!(iso_cell("2011-02-30"), Err(NOT_ISO));
        assert_eq!(iso_cell("tomorrow"), Err(NOT_ISO));
    }
}
