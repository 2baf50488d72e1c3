//! Column access for the correlate step: typed views of store columns and builders of result
//! tables. Store tables are read whole (one batch each); these helpers turn their columns into
//! plain vectors once, so the analyses work on `u64`/`i64` slices and interned string codes.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array, ListBuilder, RecordBatch,
    StringArray, StringBuilder, TimestampMicrosecondArray, UInt64Array,
};
use arrow::datatypes::{
    DataType, Field, Int32Type, Schema, TimestampMicrosecondType, UInt16Type, UInt64Type,
};

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::model::results::{list_item_field, text_list_type, Table};
use serde::{Deserialize, Serialize};

/// Null code of an interned column.
pub const NONE: u32 = u32::MAX;

fn col<'b>(b: &'b RecordBatch, name: &str) -> Result<&'b ArrayRef> {
    b.column_by_name(name)
        .ok_or_else(|| Error::store(name, "missing column in a case-store table"))
}

/// The error of a column that is not of the type a view needs. Store tables are checked against
/// their canonical schema when read (`store::read_table_as`), so this is a second line: a view
/// never panics on a column of another type.
fn wrong_type(name: &str, a: &ArrayRef, want: &str) -> Error {
    Error::store(
        name,
        format!(
            "column of type {} in a case-store table, expected {want}",
            a.data_type()
        ),
    )
}

/// A `u64` column, checked.
fn u64_col<'b>(b: &'b RecordBatch, name: &str) -> Result<&'b UInt64Array> {
    let a = col(b, name)?;
    a.as_primitive_opt::<UInt64Type>()
        .ok_or_else(|| wrong_type(name, a, "UInt64"))
}

/// A timestamp (µs) column, checked.
fn time_col<'b>(b: &'b RecordBatch, name: &str) -> Result<&'b TimestampMicrosecondArray> {
    let a = col(b, name)?;
    a.as_primitive_opt::<TimestampMicrosecondType>()
        .ok_or_else(|| wrong_type(name, a, "Timestamp(µs, UTC)"))
}

/// A `u64` column (nulls as `None`).
pub fn u64s(b: &RecordBatch, name: &str) -> Result<Vec<Option<u64>>> {
    let a = u64_col(b, name)?;
    Ok((0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i)))
        .collect())
}

/// A `u64` column without nulls.
///
/// # Errors
/// [`Error::Store`] when the column is missing, of another type, or holds a null.
pub fn u64s_dense(b: &RecordBatch, name: &str) -> Result<Vec<u64>> {
    Ok(u64_values(b, name)?.to_vec())
}

/// The values of a `u64` column without nulls, in place.
///
/// # Errors
/// [`Error::Store`] when the column is missing or holds a null.
pub fn u64_values<'b>(b: &'b RecordBatch, name: &str) -> Result<&'b [u64]> {
    let a = u64_array(b, name)?;
    if a.null_count() > 0 {
        return Err(Error::store(
            name,
            "null in a column that must have a value on every row",
        ));
    }
    Ok(a.values())
}

/// A `u64` column, in place.
///
/// # Errors
/// [`Error::Store`] when the column is missing.
pub fn u64_array<'b>(b: &'b RecordBatch, name: &str) -> Result<&'b UInt64Array> {
    u64_col(b, name)
}

/// The values of a timestamp column without nulls (UTC microseconds), in place.
///
/// # Errors
/// [`Error::Store`] when the column is missing or holds a null.
pub fn time_values<'b>(b: &'b RecordBatch, name: &str) -> Result<&'b [i64]> {
    let a = time_col(b, name)?;
    if a.null_count() > 0 {
        return Err(Error::store(
            name,
            "null in a column that must have a value on every row",
        ));
    }
    Ok(a.values())
}

/// A `u16` column (nulls as `None`).
pub fn u16s(b: &RecordBatch, name: &str) -> Result<Vec<Option<u16>>> {
    let c = col(b, name)?;
    let a = c
        .as_primitive_opt::<UInt16Type>()
        .ok_or_else(|| wrong_type(name, c, "UInt16"))?;
    Ok((0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i)))
        .collect())
}

/// A timestamp column, UTC microseconds (nulls as `None`).
pub fn times(b: &RecordBatch, name: &str) -> Result<Vec<Option<i64>>> {
    let a = time_col(b, name)?;
    Ok((0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i)))
        .collect())
}

/// A boolean column (nulls as `None`).
pub fn bools(b: &RecordBatch, name: &str) -> Result<Vec<Option<bool>>> {
    let c = col(b, name)?;
    let a = c
        .as_boolean_opt()
        .ok_or_else(|| wrong_type(name, c, "Boolean"))?;
    Ok((0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i)))
        .collect())
}

/// A text column (plain, or a dictionary with `Int32` keys) interned: a code per row ([`NONE`]
/// for null) and the distinct values in order of first appearance.
///
/// # Errors
/// [`Error::Store`] when the column is missing or not text.
pub fn intern(b: &RecordBatch, name: &str) -> Result<(Vec<u32>, Vec<String>)> {
    let a = col(b, name)?;
    let mut names: Vec<String> = Vec::new();
    let mut codes = Vec::with_capacity(a.len());
    let not_text = || wrong_type(name, a, "Utf8 or Dictionary(Int32, Utf8)");
    if let Some(d) = a.as_dictionary_opt::<Int32Type>() {
        let vals = d.values().as_string_opt::<i32>().ok_or_else(not_text)?;
        let mut remap: Vec<u32> = vec![NONE; vals.len()];
        let mut by_name: FxHashMap<&str, u32> = FxHashMap::default();
        for i in 0..d.len() {
            if d.is_null(i) {
                codes.push(NONE);
                continue;
            }
            let k = usize::try_from(d.keys().value(i))
                .ok()
                .filter(|&k| k < vals.len())
                .ok_or_else(|| Error::store(name, "dictionary key out of range"))?;
            if remap[k] == NONE {
                let v = vals.value(k);
                let c = *by_name.entry(v).or_insert_with(|| {
                    names.push(v.to_string());
                    names.len() as u32 - 1
                });
                remap[k] = c;
            }
            codes.push(remap[k]);
        }
    } else {
        let s = a.as_string_opt::<i32>().ok_or_else(not_text)?;
        let mut by_name: FxHashMap<&str, u32> = FxHashMap::default();
        // Values come in runs (a carrier label, a campaign): the previous row's value is
        // compared first.
        let mut prev: Option<(&str, u32)> = None;
        for i in 0..s.len() {
            if s.is_null(i) {
                codes.push(NONE);
                continue;
            }
            let v = s.value(i);
            let c = match prev {
                Some((p, c)) if p == v => c,
                _ => *by_name.entry(v).or_insert_with(|| {
                    names.push(v.to_string());
                    names.len() as u32 - 1
                }),
            };
            prev = Some((v, c));
            codes.push(c);
        }
    }
    Ok((codes, names))
}

/// An interned text column: a dense code per row ([`NONE`] where null) and the distinct
/// values, in order of first appearance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Codes {
    /// Code per row.
    pub codes: Vec<u32>,
    /// Value per code.
    pub names: Vec<String>,
}

impl Codes {
    /// Interns column `name` of `b` (see [`intern`]).
    ///
    /// # Errors
    /// [`Error::Store`] when the column is missing or not text.
    pub fn read(b: &RecordBatch, name: &str) -> Result<Codes> {
        let (codes, names) = intern(b, name)?;
        Ok(Codes { codes, names })
    }

    /// The value of row `i` (`None` where null).
    pub fn get(&self, i: usize) -> Option<&str> {
        let c = self.codes[i];
        (c != NONE).then(|| self.names[c as usize].as_str())
    }

    /// The value of row `i`, or `""` where null.
    pub fn text(&self, i: usize) -> &str {
        self.get(i).unwrap_or("")
    }

    /// The code of `value`, if any row holds it.
    pub fn code_of(&self, value: &str) -> Option<u32> {
        self.names.iter().position(|s| s == value).map(|p| p as u32)
    }

    /// How many distinct values.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the column holds no value.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// Builds a result table column by column.
#[derive(Default)]
pub struct TableBuilder {
    fields: Vec<Field>,
    arrays: Vec<ArrayRef>,
}

impl TableBuilder {
    /// A text column.
    pub fn text<S: AsRef<str>>(mut self, name: &str, v: Vec<Option<S>>) -> Self {
        let a: StringArray = v.iter().map(|s| s.as_ref().map(|s| s.as_ref())).collect();
        self.fields.push(Field::new(name, DataType::Utf8, true));
        self.arrays.push(Arc::new(a));
        self
    }

    /// A text column without nulls.
    pub fn text_dense<S: AsRef<str>>(mut self, name: &str, v: &[S]) -> Self {
        let a: StringArray = v.iter().map(|s| Some(s.as_ref())).collect();
        self.fields.push(Field::new(name, DataType::Utf8, false));
        self.arrays.push(Arc::new(a));
        self
    }

    /// A list-of-text column that may be null: per row its items, or `None`. A row without
    /// items is null, never an empty list (the results contract's convention for a list that
    /// may be null). Built in place: the items are copied into one values buffer, no list is
    /// allocated per row.
    pub fn text_list<R, I, S>(self, name: &str, rows: R) -> Self
    where
        R: IntoIterator<Item = Option<I>>,
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.list_column(name, rows, true)
    }

    /// A list-of-text column without nulls: per row its items (an empty list where none).
    pub fn text_list_dense<R, I, S>(self, name: &str, rows: R) -> Self
    where
        R: IntoIterator<Item = I>,
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.list_column(name, rows.into_iter().map(Some), false)
    }

    fn list_column<R, I, S>(mut self, name: &str, rows: R, nullable: bool) -> Self
    where
        R: IntoIterator<Item = Option<I>>,
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let rows = rows.into_iter();
        let mut b = ListBuilder::with_capacity(StringBuilder::new(), rows.size_hint().0)
            .with_field(Arc::new(list_item_field()));
        for row in rows {
            let mut items = 0usize;
            for item in row.into_iter().flatten() {
                b.values().append_value(item);
                items += 1;
            }
            b.append(!nullable || items > 0);
        }
        self.fields
            .push(Field::new(name, text_list_type(), nullable));
        self.arrays.push(Arc::new(b.finish()));
        self
    }

    /// A `u64` column.
    pub fn u64(mut self, name: &str, v: Vec<u64>) -> Self {
        self.fields.push(Field::new(name, DataType::UInt64, false));
        self.arrays.push(Arc::new(UInt64Array::from(v)));
        self
    }

    /// A `u64` column with nulls.
    pub fn u64_opt(mut self, name: &str, v: Vec<Option<u64>>) -> Self {
        self.fields.push(Field::new(name, DataType::UInt64, true));
        self.arrays.push(Arc::new(UInt64Array::from(v)));
        self
    }

    /// An `i64` column with nulls.
    pub fn i64_opt(mut self, name: &str, v: Vec<Option<i64>>) -> Self {
        self.fields.push(Field::new(name, DataType::Int64, true));
        self.arrays.push(Arc::new(Int64Array::from(v)));
        self
    }

    /// A float column.
    pub fn f64(mut self, name: &str, v: Vec<f64>) -> Self {
        self.fields.push(Field::new(name, DataType::Float64, false));
        self.arrays.push(Arc::new(Float64Array::from(v)));
        self
    }

    /// A float column with nulls.
    pub fn f64_opt(mut self, name: &str, v: Vec<Option<f64>>) -> Self {
        self.fields.push(Field::new(name, DataType::Float64, true));
        self.arrays.push(Arc::new(Float64Array::from(v)));
        self
    }

    /// A boolean column.
    pub fn bool(mut self, name: &str, v: Vec<bool>) -> Self {
        self.fields.push(Field::new(name, DataType::Boolean, false));
        self.arrays.push(Arc::new(BooleanArray::from(v)));
        self
    }

    /// A boolean column with nulls.
    pub fn bool_opt(mut self, name: &str, v: Vec<Option<bool>>) -> Self {
        self.fields.push(Field::new(name, DataType::Boolean, true));
        self.arrays.push(Arc::new(BooleanArray::from(v)));
        self
    }

    /// A UTC timestamp column with nulls.
    pub fn time(mut self, name: &str, v: Vec<Option<i64>>) -> Self {
        self.fields
            .push(Field::new(name, crate::model::timestamp_utc(), true));
        self.arrays.push(Arc::new(
            TimestampMicrosecondArray::from(v).with_timezone("UTC"),
        ));
        self
    }

    /// A UTC timestamp column `name` and, beside it, `<name>_local`: the same instants as ISO
    /// 8601 text in `zone`, with the offset at each (the results' local-time columns).
    pub fn time_local(self, name: &str, v: Vec<Option<i64>>, zone: chrono_tz::Tz) -> Self {
        let local: Vec<Option<String>> = v
            .iter()
            .map(|t| t.map(|t| crate::normalize::time::format_in_zone(t, zone)))
            .collect();
        self.time(name, v).text(&format!("{name}_local"), local)
    }

    /// The columns of a test, in the results' order: `ln_p`, `q` (= exp `ln_q`), `ln_q`, and
    /// readable `p_text` and `q_text` (two significant digits at any depth, `stats::format_p`).
    pub fn test_columns(self, ln_p: Vec<f64>, ln_q: Vec<f64>) -> Self {
        let text =
            |v: &[f64]| -> Vec<String> { v.iter().map(|&l| crate::stats::format_p(l)).collect() };
        let (p_text, q_text) = (text(&ln_p), text(&ln_q));
        let q = ln_q.iter().map(|l| l.exp()).collect();
        self.f64("ln_p", ln_p)
            .f64("q", q)
            .f64("ln_q", ln_q)
            .text_dense("p_text", &p_text)
            .text_dense("q_text", &q_text)
    }

    /// The results table `table`, checked against its contract ([`Table::columns`]).
    ///
    /// # Errors
    /// [`Error::Store`] when the columns differ from the contract or in length: a bug.
    pub fn build(self, table: Table) -> Result<RecordBatch> {
        let what = format!("results table {}", table.name());
        let schema = Schema::new(self.fields);
        if let Some(m) = table.mismatch(&schema) {
            return Err(Error::store(&what, format!("{m} (model::results)")));
        }
        // The contract's own schema, so that the table carries exactly it.
        RecordBatch::try_new(table.schema(), self.arrays).map_err(|e| Error::store(&what, e))
    }

    /// A table of any columns (tests build partial tables).
    ///
    /// # Errors
    /// Only when column lengths differ.
    #[cfg(test)]
    pub fn build_any(self) -> Result<RecordBatch> {
        RecordBatch::try_new(Arc::new(Schema::new(self.fields)), self.arrays)
            .map_err(|e| Error::store("table", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::results::text_list_type;

    #[test]
    fn list_columns_are_lists_of_text_null_or_empty_by_nullability() {
        let rows: Vec<Option<Vec<&str>>> = vec![Some(vec!["a", "b"]), None, Some(vec![])];
        let b = TableBuilder::default()
            .text_list("may", rows.clone())
            .text_list_dense("never", rows.iter().map(|r| r.clone().unwrap_or_default()))
            .build_any()
            .unwrap();
        for (c, nullable) in [("may", true), ("never", false)] {
            let f = b.schema().field_with_name(c).unwrap().clone();
            assert_eq!(
                (f.data_type(), f.is_nullable()),
                (&text_list_type(), nullable)
            );
        }
        // Where a row has no item: null in a column that may be null, else an empty list.
        let may = b.column_by_name("may").unwrap().as_list::<i32>();
        assert_eq!(
            (0..3).map(|i| may.is_valid(i)).collect::<Vec<_>>(),
            [true, false, false]
        );
        let never = b.column_by_name("never").unwrap().as_list::<i32>();
        assert_eq!(never.null_count(), 0);
        assert_eq!(never.value_offsets(), [0, 2, 2, 2]);
        let items = never.values().as_string::<i32>();
        assert_eq!((items.value(0), items.value(1)), ("a", "b"));
        assert_eq!(items.null_count(), 0);
    }
}
