//! `results/links.csv`: the chart's edges as a flat link table, one row per edge in the
//! GraphML's order, for i2 Analyst's Notebook and Gephi (whose spreadsheet import reads
//! `source`, `target` and `weight` by name): `source, source_type, target, target_type,
//! link_type, weight, first, last, evidence`.
//!
//! Written by the store's CSV writer, as every results CSV: a header, a field quoted when it
//! holds a comma, a quote or a line break (quotes doubled, RFC 4180), empty for a value the
//! results do not give, and a leading `'` on text a spreadsheet would take for a formula.

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringArray, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::error::ArrowError;

use super::Graph;
use crate::normalize::time::format_utc;

/// The columns, in order.
pub(super) const COLUMNS: [&str; 9] = [
    "source",
    "source_type",
    "target",
    "target_type",
    "link_type",
    "weight",
    "first",
    "last",
    "evidence",
];

/// The link table of `g`.
///
/// # Errors
/// Only if the columns came out of different lengths, which would be a bug.
pub(super) fn table(g: &Graph) -> Result<RecordBatch, ArrowError> {
    let id = |i: usize| g.nodes.get(i).map_or("", |n| n.id.as_str());
    let kind = |i: usize| g.nodes.get(i).map_or("", |n| n.kind.name());
    let e = &g.edges;
    let text = |v: Vec<Option<&str>>| -> ArrayRef { Arc::new(StringArray::from(v)) };
    let time = |v: Vec<Option<String>>| -> ArrayRef { Arc::new(StringArray::from(v)) };
    let columns: Vec<ArrayRef> = vec![
        text(e.iter().map(|x| Some(id(x.source))).collect()),
        text(e.iter().map(|x| Some(kind(x.source))).collect()),
        text(e.iter().map(|x| Some(id(x.target))).collect()),
        text(e.iter().map(|x| Some(kind(x.target))).collect()),
        text(e.iter().map(|x| Some(x.link.as_ref())).collect()),
        Arc::new(e.iter().map(|x| x.weight).collect::<UInt64Array>()),
        time(e.iter().map(|x| x.first.map(format_utc)).collect()),
        time(e.iter().map(|x| x.last.map(format_utc)).collect()),
        text(
            e.iter()
                .map(|x| (!x.evidence.is_empty()).then_some(x.evidence.as_str()))
                .collect(),
        ),
    ];
    let fields: Vec<Field> = COLUMNS
        .iter()
        .map(|&c| match c {
            "weight" => Field::new(c, DataType::UInt64, true),
            _ => Field::new(c, DataType::Utf8, true),
        })
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
}
