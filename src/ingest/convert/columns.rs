//! The typed values of one record ([`Val`]) and the column builders they are appended to, one
//! per canonical column, finished into the arrays of the kind's schema.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, DictionaryArray, Int32Array, Int64Builder, StringArray,
    StringBuilder, TimestampMicrosecondBuilder, UInt16Builder, UInt64Array, UInt64Builder,
};
use arrow::datatypes::Int32Type;

use crate::model::{ColSpec, ColType};

/// A typed value read from a record, before it is appended.
#[derive(Clone, Copy, Debug)]
pub(super) enum Val {
    Null,
    Phone(u64),
    /// Caller ID: number (0 when none), status code (0 ok, 1 blocked, 2 invalid), raw text
    /// as a range of the converter's raw buffer.
    CallerId(u64, u8, u32, u32),
    Time(i64, bool),
    Int(i64),
    /// Text as a range of the converter's text buffer.
    Text(u32, u32),
    Key(i32),
    Bool(bool),
    Code(u16),
}

/// The column builder of one canonical column (two or three arrays for caller IDs and times).
pub(super) enum ColBuilder {
    Phone(Vec<u64>),
    CallerId(UInt64Builder, Vec<i32>, StringBuilder),
    Time(TimestampMicrosecondBuilder, BooleanBuilder),
    Duration(Int64Builder),
    Text(StringBuilder),
    Enum(&'static [&'static str], Vec<Option<i32>>),
    Bool(BooleanBuilder),
    Code(UInt16Builder),
}

impl ColBuilder {
    pub(super) fn new(spec: &ColSpec) -> ColBuilder {
        match spec.ty {
            ColType::Phone if spec.required => ColBuilder::Phone(Vec::new()),
            ColType::Phone => {
                ColBuilder::CallerId(UInt64Builder::new(), Vec::new(), StringBuilder::new())
            }
            ColType::Time => ColBuilder::Time(
                TimestampMicrosecondBuilder::new().with_timezone("UTC"),
                BooleanBuilder::new(),
            ),
            ColType::Duration => ColBuilder::Duration(Int64Builder::new()),
            ColType::Text => ColBuilder::Text(StringBuilder::new()),
            ColType::Enum(allowed) => ColBuilder::Enum(allowed, Vec::new()),
            ColType::Bool => ColBuilder::Bool(BooleanBuilder::new()),
            ColType::Code { .. } => ColBuilder::Code(UInt16Builder::new()),
        }
    }
}

/// The caller-ID status dictionary: code 0, 1, 2.
const CALLER_STATUS: [&str; 3] = ["ok", "blocked", "invalid"];

/// Appends a value to its column.
pub(super) fn push(b: &mut ColBuilder, v: Val, scratch: &str) {
    match (b, v) {
        (ColBuilder::Phone(x), Val::Phone(n)) => x.push(n),
        (ColBuilder::CallerId(n, s, r), Val::CallerId(num, st, a, e)) => {
            if st == 0 {
                n.append_value(num)
            } else {
                n.append_null()
            }
            s.push(st as i32);
            r.append_value(&scratch[a as usize..e as usize]);
        }
        (ColBuilder::Time(t, a), Val::Time(m, amb)) => {
            t.append_value(m);
            a.append_value(amb);
        }
        (ColBuilder::Time(t, a), Val::Null) => {
            t.append_null();
            a.append_value(false);
        }
        (ColBuilder::Duration(d), Val::Int(v)) => d.append_value(v),
        (ColBuilder::Duration(d), Val::Null) => d.append_null(),
        (ColBuilder::Text(t), Val::Text(a, e)) => t.append_value(&scratch[a as usize..e as usize]),
        (ColBuilder::Text(t), Val::Null) => t.append_null(),
        (ColBuilder::Enum(_, k), Val::Key(v)) => k.push(Some(v)),
        (ColBuilder::Enum(_, k), Val::Null) => k.push(None),
        (ColBuilder::Bool(x), Val::Bool(v)) => x.append_value(v),
        (ColBuilder::Bool(x), Val::Null) => x.append_null(),
        (ColBuilder::Code(x), Val::Code(v)) => x.append_value(v),
        (ColBuilder::Code(x), Val::Null) => x.append_null(),
        // The value and builder kinds come from the same ColSpec.
        (_, v) => unreachable!("value {v:?} does not fit its column"),
    }
}

/// Finishes a column into its arrays (in the kind's schema order).
pub(super) fn finish_col(b: &mut ColBuilder, out: &mut Vec<ArrayRef>) {
    match b {
        ColBuilder::Phone(x) => out.push(Arc::new(UInt64Array::from(std::mem::take(x)))),
        ColBuilder::CallerId(n, s, r) => {
            out.push(Arc::new(n.finish()));
            out.push(dict(
                std::mem::take(s).into_iter().map(Some).collect(),
                &CALLER_STATUS,
            ));
            out.push(Arc::new(r.finish()));
        }
        ColBuilder::Time(t, a) => {
            out.push(Arc::new(t.finish()));
            out.push(Arc::new(a.finish()));
        }
        ColBuilder::Duration(d) => out.push(Arc::new(d.finish())),
        ColBuilder::Text(t) => out.push(Arc::new(t.finish())),
        ColBuilder::Enum(allowed, k) => out.push(dict(std::mem::take(k), allowed)),
        ColBuilder::Bool(x) => out.push(Arc::new(x.finish())),
        ColBuilder::Code(x) => out.push(Arc::new(x.finish())),
    }
}

/// A dictionary column over a fixed value list (all values present, so dictionaries of every
/// chunk are identical and concatenate without remapping).
fn dict(keys: Vec<Option<i32>>, values: &[&str]) -> ArrayRef {
    let keys = Int32Array::from(keys);
    let values = Arc::new(StringArray::from(values.to_vec()));
    Arc::new(
        DictionaryArray::<Int32Type>::try_new(keys, values)
            .expect("keys index the fixed value list"),
    )
}
