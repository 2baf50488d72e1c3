//! What a record is before it is converted: left out by the profile's row filter (`keep`,
//! `drop`, on source columns), and, for a population history, its place in the order of its
//! number's rows (`latest_by`).
//!
//! A filter compares a cell's *text*, trimmed of surrounding white space, with the listed
//! values (trimmed too), exactly: case counts. An empty or null cell reads as `""`, an integer
//! as its decimal digits, a float as Rust prints it (`2.5`, `3`), a boolean as `true` or
//! `false`. A date-time cell (xlsx, Parquet, IPC) has no text to compare and quarantines its
//! record, as does a cell that cannot be read (invalid UTF-8): a filter never guesses.

use std::borrow::Cow;

use super::columns::Val;
use super::value::time_value;
use super::Converter;
use crate::load::record::{Cell, RowView};
use crate::normalize::time::trim;

impl Converter<'_> {
    /// Whether the row filter leaves the record out.
    ///
    /// # Errors
    /// The quarantine reason when a filter column's cell cannot be compared.
    pub(super) fn left_out(&self, view: &dyn RowView) -> std::result::Result<bool, String> {
        for f in &self.plan.filter {
            let cell = view
                .get(f.col)
                .map_err(|e| format!("row filter column {:?}: {e}", f.name))?;
            let text = cell_text(cell).ok_or_else(|| {
                format!(
                    "row filter column {:?}: a date-time cell has no text to compare",
                    f.name
                )
            })?;
            let listed = f.values.iter().any(|v| v == trim(&text));
            if listed != f.keep {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The record's `latest_by` value (UTC microseconds), when the profile names the column
    /// that orders a population history; `Ok(None)` when it does not.
    ///
    /// # Errors
    /// The quarantine reason when the cell is empty or not a time of the profile's formats.
    pub(super) fn order_value(
        &mut self,
        view: &dyn RowView,
    ) -> std::result::Result<Option<i64>, String> {
        let Some((col, name)) = &self.plan.order_by else {
            return Ok(None);
        };
        let bad = |why: String| format!("latest_by column {name:?}: {why}");
        let cell = view.get(*col).map_err(|e| bad(e.to_string()))?;
        let text = match cell {
            Cell::Text(t) => Some(trim(t)),
            _ => None,
        };
        if matches!(cell, Cell::Null) || text.is_some_and(str::is_empty) {
            return Err(bad("empty".into()));
        }
        match time_value(&mut self.time, cell, text).map_err(bad)? {
            Val::Time(micros, _) => Ok(Some(micros)),
            v => Err(bad(format!("not a time: {v:?}"))),
        }
    }
}

/// A cell's text as a row filter compares it; `None` for a date-time cell.
fn cell_text(cell: Cell<'_>) -> Option<Cow<'_, str>> {
    Some(match cell {
        Cell::Null => Cow::Borrowed(""),
        Cell::Text(t) => Cow::Borrowed(t),
        Cell::Int(v) => Cow::Owned(v.to_string()),
        Cell::UInt(v) => Cow::Owned(v.to_string()),
        Cell::Float(v) => Cow::Owned(v.to_string()),
        Cell::Bool(b) => Cow::Borrowed(if b { "true" } else { "false" }),
        Cell::Utc(_) | Cell::Naive(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_their_text() {
        assert_eq!(cell_text(Cell::Null).unwrap(), "");
        assert_eq!(cell_text(Cell::Text(" IN ")).unwrap(), " IN ");
        assert_eq!(cell_text(Cell::Int(-3)).unwrap(), "-3");
        assert_eq!(
            cell_text(Cell::UInt(u64::MAX)).unwrap(),
            "18446744073709551615"
        );
        assert_eq!(cell_text(Cell::Float(2.5)).unwrap(), "2.5");
        assert_eq!(cell_text(Cell::Bool(true)).unwrap(), "true");
        assert_eq!(cell_text(Cell::Utc(0)), None);
        assert_eq!(cell_text(Cell::Naive(0)), None);
    }
}
