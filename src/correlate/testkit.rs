//! Small hand-made case-store tables for the analyses' unit and count-merge property tests.

use std::sync::Arc;

use arrow::array::{
    new_null_array, ArrayRef, BooleanArray, Int64Array, RecordBatch, StringArray, UInt64Array,
};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field};
use proptest::prelude::*;

use super::input::Complainants;
use crate::config::Window;
use crate::model::Kind;

/// A table of `kind` with `n` rows: the given columns (cast to the store's types), and every
/// other column null where it may be, else zero, false or empty.
pub fn table(kind: Kind, n: usize, given: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let schema = kind.schema();
    let cols: Vec<ArrayRef> = schema
        .fields()
        .iter()
        .map(|f| match given.iter().find(|(name, _)| name == f.name()) {
            Some((_, a)) => cast(a, f.data_type()).unwrap(),
            None => default_array(f, n),
        })
        .collect();
    RecordBatch::try_new(schema, cols).unwrap()
}

fn default_array(f: &Field, n: usize) -> ArrayRef {
    if f.is_nullable() {
        return new_null_array(f.data_type(), n);
    }
    let a: ArrayRef = match f.data_type() {
        DataType::Boolean => Arc::new(BooleanArray::from(vec![false; n])),
        DataType::Utf8 | DataType::Dictionary(..) => Arc::new(StringArray::from(vec![""; n])),
        _ => Arc::new(Int64Array::from(vec![0i64; n])),
    };
    cast(&a, f.data_type()).unwrap()
}

fn strings<S: AsRef<str>>(v: impl Iterator<Item = Option<S>>) -> ArrayRef {
    Arc::new(v.collect::<StringArray>())
}

/// One received or other call, as a carrier recorded it.
#[derive(Clone, Debug)]
pub struct Call {
    pub called: u64,
    pub calling: Option<u64>,
    pub status: &'static str,
    pub raw: String,
    pub start: i64,
    pub carrier: &'static str,
    pub row: u64,
}

impl Call {
    /// A call from `calling` (`None`: blocked) at `start` µs, carrier `c1`.
    pub fn new(called: u64, calling: Option<u64>, start: i64) -> Call {
        match calling {
            Some(n) => Call {
                called,
                calling,
                status: "ok",
                raw: n.to_string(),
                start,
                carrier: "c1",
                row: 0,
            },
            None => Call::blocked(called, start),
        }
    }

    /// A call with a withheld caller ID.
    pub fn blocked(called: u64, start: i64) -> Call {
        Call {
            called,
            calling: None,
            status: "blocked",
            raw: "PRIVATE".into(),
            start,
            carrier: "c1",
            row: 0,
        }
    }

    /// A call whose caller ID is not a valid number.
    pub fn invalid(called: u64, raw: &str, start: i64) -> Call {
        Call {
            called,
            calling: None,
            status: "invalid",
            raw: raw.into(),
            start,
            carrier: "c1",
            row: 0,
        }
    }

    /// The same call recorded by `carrier`.
    pub fn by(mut self, carrier: &'static str) -> Call {
        self.carrier = carrier;
        self
    }
}

/// A calls table; `source_row` is the call's `row`, or its position (1-based) where 0.
pub fn calls(rows: &[Call]) -> RecordBatch {
    let n = rows.len();
    table(
        Kind::Calls,
        n,
        vec![
            (
                "called",
                Arc::new(rows.iter().map(|r| r.called).collect::<UInt64Array>()),
            ),
            (
                "calling",
                Arc::new(rows.iter().map(|r| r.calling).collect::<UInt64Array>()),
            ),
            (
                "calling_status",
                strings(rows.iter().map(|r| Some(r.status))),
            ),
            ("calling_raw", strings(rows.iter().map(|r| Some(&r.raw)))),
            (
                "start",
                Arc::new(rows.iter().map(|r| r.start).collect::<Int64Array>()),
            ),
            ("carrier", strings(rows.iter().map(|r| Some(r.carrier)))),
            (
                "source_file",
                strings(rows.iter().map(|_| Some("calls.csv"))),
            ),
            (
                "source_row",
                Arc::new(
                    rows.iter()
                        .enumerate()
                        .map(|(i, r)| if r.row == 0 { i as u64 + 1 } else { r.row })
                        .collect::<UInt64Array>(),
                ),
            ),
        ],
    )
}

/// A vendor record: (dialed, start µs, vendor, campaign, presented, disposition).
pub type VendorRecord<'a> = (u64, i64, &'a str, &'a str, Option<u64>, &'a str);

/// A `vendor_calls` table of such records, each with its `source_row`.
pub fn vendor_calls(rows: &[VendorRecord<'_>], source_rows: &[u64]) -> RecordBatch {
    let u64s =
        |v: Vec<Option<u64>>| -> ArrayRef { Arc::new(v.into_iter().collect::<UInt64Array>()) };
    table(
        Kind::VendorCalls,
        rows.len(),
        vec![
            ("dialed", u64s(rows.iter().map(|r| Some(r.0)).collect())),
            (
                "start",
                Arc::new(rows.iter().map(|r| r.1).collect::<Int64Array>()),
            ),
            ("vendor", strings(rows.iter().map(|r| Some(r.2)))),
            ("campaign", strings(rows.iter().map(|r| Some(r.3)))),
            ("presented", u64s(rows.iter().map(|r| r.4).collect())),
            ("disposition", strings(rows.iter().map(|r| Some(r.5)))),
            (
                "source_row",
                u64s(source_rows.iter().map(|&r| Some(r)).collect()),
            ),
        ],
    )
}

/// Complainants from `(number, id, in_orders, district)` rows.
pub fn complainants(rows: &[(u64, &str, bool, Option<&str>)]) -> Complainants {
    let b = table(
        Kind::Complainants,
        rows.len(),
        vec![
            (
                "number",
                Arc::new(rows.iter().map(|r| r.0).collect::<UInt64Array>()),
            ),
            ("complainant", strings(rows.iter().map(|r| Some(r.1)))),
            (
                "in_orders",
                Arc::new(rows.iter().map(|r| Some(r.2)).collect::<BooleanArray>()),
            ),
            ("district", strings(rows.iter().map(|r| r.3))),
        ],
    );
    Complainants::read(&b).unwrap()
}

/// The window `[start, end)` in µs.
pub fn window(start: i64, end: i64) -> Window {
    Window { start, end }
}

/// The complainants the property tests use: `a` with two numbers (100, 101), `b` (102), both
/// in the orders, and a late complainant (200).
pub fn arb_complainants() -> Complainants {
    complainants(&[
        (100, "a", true, Some("North")),
        (101, "a", true, Some("South")),
        (102, "b", true, None),
        (200, "c", false, Some("North")),
    ])
}

/// Up to `n` calls among the numbers of [`arb_complainants`] and a stranger (300), from
/// callers 1..=6 or withheld, at times 0..80 µs, from two carriers.
pub fn arb_calls(n: usize) -> impl Strategy<Value = Vec<Call>> {
    prop::collection::vec(
        (
            prop::sample::select(vec![100u64, 101, 102, 200, 300]),
            prop::option::weighted(0.85, 1u64..=6),
            0i64..80,
            any::<bool>(),
        )
            .prop_map(|(called, calling, start, c2)| {
                Call::new(called, calling, start).by(if c2 { "c2" } else { "c1" })
            }),
        0..n,
    )
}

/// The calls split in two by `side(position, call)` (true: the first), each keeping its
/// `source_row` of the whole.
pub fn split(rows: &[Call], side: impl Fn(usize, &Call) -> bool) -> (Vec<Call>, Vec<Call>) {
    let mut a = Vec::new();
    let mut b = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let mut r = r.clone();
        r.row = i as u64 + 1;
        if side(i, &r) {
            a.push(r);
        } else {
            b.push(r);
        }
    }
    (a, b)
}
