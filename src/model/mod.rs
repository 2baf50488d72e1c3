//! The canonical data model: the input kinds and the columns each one has in the case store.
//!
//! Every evidence file, whatever its carrier format, is mapped onto one of these schemas. A
//! profile says which source column feeds which canonical column (see `profile.rs`); this module
//! says what the canonical columns are, which are required, and how a raw cell becomes a value.
//!
//! Words used throughout the crate:
//! - **kind**: what an input file is (`calls`, `complainants`, ...), see [`Kind`].
//! - **canonical column**: a column of the case store, named and typed here ([`ColSpec`]).
//! - **source row**: the 1-based line (CSV, JSON lines) or row (xlsx, Parquet, IPC) of the
//!   evidence file a canonical row came from. Every canonical row keeps `source_file` and
//!   `source_row`, so every figure can be traced back to the evidence.
//! - **source item**: for a row of a file read with the profile's `explode`, the 1-based
//!   element of the record's array it came from (`source_item`, null for every other row).
//! - **phone number**: a `u64` holding the E.164 digits (`+1 613 555 0101` is `16135550101`).
//!   Caller-ID columns keep a status (`ok`, `blocked`, `invalid`) and the raw text; key columns
//!   (the called number, list members) must parse, or the row goes to the quarantine.
//! - **time**: UTC microseconds since the epoch, Arrow `Timestamp(Microsecond, "UTC")`.

pub mod dictionary;
pub mod results;

use std::fmt;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use serde::{Deserialize, Serialize};

/// What an input file is. One canonical table per kind in the case store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Carrier production-order records of calls received by complainants.
    Calls,
    /// The people who complained, with their numbers and whether their records were obtained.
    Complainants,
    /// Subscriber information returned (or refused) for originating numbers.
    Subscribers,
    /// The numbers an account uploaded to a robo-dialing vendor.
    VendorList,
    /// The vendor's outbound call log.
    VendorCalls,
    /// The vendor's campaign registry: who each campaign belongs to and what it declared.
    Campaigns,
    /// Watch-lists: telemarketers, political entities, regulator and anti-fraud suspects.
    Watchlist,
    /// Party voter-database download logs, one row per downloaded number.
    Downloads,
    /// A party database's identification history, one row per identification event.
    Identifications,
    /// The lines in scope, with district and attributes.
    Population,
    /// Area code (+ exchange) to carrier, country and region.
    NumberingPlan,
}

impl Kind {
    /// Every kind, in the order the case store lists them.
    pub const ALL: [Kind; 11] = [
        Kind::Calls,
        Kind::Complainants,
        Kind::Subscribers,
        Kind::VendorList,
        Kind::VendorCalls,
        Kind::Campaigns,
        Kind::Watchlist,
        Kind::Downloads,
        Kind::Identifications,
        Kind::Population,
        Kind::NumberingPlan,
    ];

    /// The kind named `name` ([`Kind::name`]).
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The name used in case manifests and for the store's folder (`store/calls/`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Calls => "calls",
            Kind::Complainants => "complainants",
            Kind::Subscribers => "subscribers",
            Kind::VendorList => "vendor_list",
            Kind::VendorCalls => "vendor_calls",
            Kind::Campaigns => "campaigns",
            Kind::Watchlist => "watchlist",
            Kind::Downloads => "downloads",
            Kind::Identifications => "identifications",
            Kind::Population => "population",
            Kind::NumberingPlan => "numbering_plan",
        }
    }

    /// The canonical columns of this kind, in store order (before `source_file`, `source_row`
    /// and `source_item`).
    pub fn columns(self) -> &'static [ColSpec] {
        match self {
            Kind::Calls => CALLS,
            Kind::Complainants => COMPLAINANTS,
            Kind::Subscribers => SUBSCRIBERS,
            Kind::VendorList => VENDOR_LIST,
            Kind::VendorCalls => VENDOR_CALLS,
            Kind::Campaigns => CAMPAIGNS,
            Kind::Watchlist => WATCHLIST,
            Kind::Downloads => DOWNLOADS,
            Kind::Identifications => IDENTIFICATIONS,
            Kind::Population => POPULATION,
            Kind::NumberingPlan => NUMBERING_PLAN,
        }
    }

    /// The column whose phone number places a row among the store's parts
    /// ([`crate::partition`]): the kind's first required phone column (`called` for calls,
    /// `dialed` for vendor calls, `number` for the rest); `None` for a kind without one, stored
    /// as one part.
    pub fn partition_key(self) -> Option<&'static str> {
        self.columns()
            .iter()
            .find(|c| c.ty == ColType::Phone && c.required)
            .map(|c| c.name)
    }

    /// The canonical column called `name`, if this kind has one.
    pub fn column(self, name: &str) -> Option<&'static ColSpec> {
        self.columns().iter().find(|c| c.name == name)
    }

    /// The Arrow schema of this kind's table in the case store.
    pub fn schema(self) -> SchemaRef {
        let mut fields = Vec::new();
        for c in self.columns() {
            c.push_fields(&mut fields);
        }
        fields.push(Field::new(
            "source_file",
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            false,
        ));
        fields.push(Field::new("source_row", DataType::UInt64, false));
        fields.push(Field::new("source_item", DataType::UInt32, true));
        Arc::new(Schema::new(fields))
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a canonical column's value is read from a raw cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColType {
    /// A phone number. Key columns (`required`) must parse; caller-ID columns keep
    /// `<name>_status` and `<name>_raw` beside the number, which is null unless the status is ok.
    Phone,
    /// A point in time, stored as UTC microseconds, with `<name>_ambiguous` flagging a local
    /// time that fell in a fall-back fold.
    Time,
    /// A duration, stored as milliseconds in `<name>_ms`.
    Duration,
    /// Free text, stored as UTF-8.
    Text,
    /// One of a fixed set of values (after the profile's `values` mapping, case-insensitive).
    Enum(&'static [&'static str]),
    /// Yes/no, ignoring case and surrounding spaces: `true`, `t`, `yes`, `y`, `1`, `oui`, `o` and
    /// `false`, `f`, `no`, `n`, `0`, `non`.
    Bool,
    /// A small unsigned code (area code, exchange), at most `max`.
    Code {
        /// The largest accepted value.
        max: u16,
    },
}

/// Where the value of an unmapped canonical column comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fallback {
    /// Null (or, for a required column, a manifest error).
    None,
    /// The evidence file's stem (`upload-17.csv` gives `upload-17`).
    FileStem,
    /// The input's label (`label = "..."` in the case manifest), else the file stem.
    Label,
    /// The input's label, else null: for an optional column that a file stem would only guess
    /// at (the vendor of an upload, whose file stem already names the list).
    LabelOnly,
    /// A fixed value.
    Const(&'static str),
}

/// One canonical column of a kind.
#[derive(Clone, Copy, Debug)]
pub struct ColSpec {
    /// The canonical name: the key in a profile's `columns` table and the store's column name.
    pub name: &'static str,
    /// How a raw cell is read.
    pub ty: ColType,
    /// A row without a usable value here is quarantined.
    pub required: bool,
    /// Where the value comes from when the profile maps no source column and `set` gives none.
    pub fallback: Fallback,
}

impl ColSpec {
    const fn new(name: &'static str, ty: ColType, required: bool) -> Self {
        ColSpec {
            name,
            ty,
            required,
            fallback: Fallback::None,
        }
    }

    const fn or(mut self, fallback: Fallback) -> Self {
        self.fallback = fallback;
        self
    }

    /// Whether this is a caller-ID column (a phone number that may be blocked or invalid).
    pub fn is_caller_id(&self) -> bool {
        self.ty == ColType::Phone && !self.required
    }

    /// The store's column names for this canonical column, in order.
    pub fn store_names(&self) -> Vec<String> {
        let mut v = Vec::new();
        let mut fields = Vec::new();
        self.push_fields(&mut fields);
        for f in fields {
            v.push(f.name().clone());
        }
        v
    }

    fn push_fields(&self, out: &mut Vec<Field>) {
        let n = self.name;
        match self.ty {
            ColType::Phone if self.required => out.push(Field::new(n, DataType::UInt64, false)),
            ColType::Phone => {
                out.push(Field::new(n, DataType::UInt64, true));
                out.push(Field::new(format!("{n}_status"), dict_utf8(), false));
                out.push(Field::new(format!("{n}_raw"), DataType::Utf8, false));
            }
            ColType::Time => {
                out.push(Field::new(n, timestamp_utc(), !self.required));
                out.push(Field::new(
                    format!("{n}_ambiguous"),
                    DataType::Boolean,
                    false,
                ));
            }
            ColType::Duration => out.push(Field::new(
                format!("{n}_ms"),
                DataType::Int64,
                !self.required,
            )),
            ColType::Text => out.push(Field::new(n, DataType::Utf8, !self.required)),
            ColType::Enum(_) => out.push(Field::new(n, dict_utf8(), !self.required)),
            ColType::Bool => out.push(Field::new(n, DataType::Boolean, !self.required)),
            ColType::Code { .. } => out.push(Field::new(n, DataType::UInt16, !self.required)),
        }
    }
}

/// Arrow type of every time column: UTC microseconds.
pub fn timestamp_utc() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// Arrow type of low-cardinality text columns.
pub fn dict_utf8() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// The subscriber statuses: information obtained, refused by the provider, or never requested.
pub const SUBSCRIBER_STATUS: &[&str] = &["obtained", "refused", "not_requested"];

/// The watch-list kinds of DESIGN.md.
pub const LIST_KINDS: &[&str] = &[
    "telemarketer",
    "political_entity",
    "regulator_suspect",
    "fraud_suspect",
    "other",
];

use ColType::*;

const CALLS: &[ColSpec] = &[
    ColSpec::new("called", Phone, true),
    ColSpec::new("calling", Phone, false),
    ColSpec::new("start", Time, true),
    ColSpec::new("duration", Duration, false),
    ColSpec::new("carrier", Text, true).or(Fallback::Label),
];

const COMPLAINANTS: &[ColSpec] = &[
    ColSpec::new("number", Phone, true),
    ColSpec::new("complainant", Text, false),
    ColSpec::new("district", Text, false),
    ColSpec::new("in_orders", Bool, true).or(Fallback::Const("true")),
    ColSpec::new("complained", Time, false),
];

const SUBSCRIBERS: &[ColSpec] = &[
    ColSpec::new("number", Phone, true),
    ColSpec::new("status", Enum(SUBSCRIBER_STATUS), true),
    ColSpec::new("name", Text, false),
    ColSpec::new("provider", Text, false),
];

const VENDOR_LIST: &[ColSpec] = &[
    ColSpec::new("number", Phone, true),
    ColSpec::new("list", Text, true).or(Fallback::FileStem),
    ColSpec::new("vendor", Text, false).or(Fallback::LabelOnly),
    ColSpec::new("account", Text, false),
    ColSpec::new("uploaded", Time, false),
    ColSpec::new("campaign", Text, false),
];

const VENDOR_CALLS: &[ColSpec] = &[
    ColSpec::new("dialed", Phone, true),
    ColSpec::new("presented", Phone, false),
    ColSpec::new("start", Time, true),
    ColSpec::new("vendor", Text, true).or(Fallback::Label),
    ColSpec::new("account", Text, false),
    ColSpec::new("campaign", Text, true),
    ColSpec::new("disposition", Text, false),
    ColSpec::new("keypress", Text, false),
];

const CAMPAIGNS: &[ColSpec] = &[
    ColSpec::new("campaign", Text, true),
    ColSpec::new("vendor", Text, true).or(Fallback::Label),
    ColSpec::new("account", Text, false),
    ColSpec::new("customer", Text, false),
    ColSpec::new("purpose", Text, false),
    ColSpec::new("created", Time, false),
];

const WATCHLIST: &[ColSpec] = &[
    ColSpec::new("number", Phone, true),
    ColSpec::new("list_kind", Enum(LIST_KINDS), true),
    ColSpec::new("list_name", Text, true).or(Fallback::Label),
    ColSpec::new("entity", Text, false),
];

const DOWNLOADS: &[ColSpec] = &[
    ColSpec::new("number", Phone, true),
    ColSpec::new("download", Text, true).or(Fallback::FileStem),
    ColSpec::new("account", Text, true),
    ColSpec::new("time", Time, false),
    ColSpec::new("scope", Text, false),
    ColSpec::new("criteria", Text, false),
];

const IDENTIFICATIONS: &[ColSpec] = &[
    ColSpec::new("number", Phone, true),
    ColSpec::new("code", Text, true),
    ColSpec::new("identified", Time, true),
    ColSpec::new("district", Text, false),
];

const POPULATION: &[ColSpec] = &[
    ColSpec::new("number", Phone, true),
    ColSpec::new("district", Text, false),
    ColSpec::new("age_band", Text, false),
    ColSpec::new("party", Text, false),
];

const NUMBERING_PLAN: &[ColSpec] = &[
    ColSpec::new("npa", Code { max: 999 }, true),
    ColSpec::new("nxx", Code { max: 999 }, false),
    ColSpec::new("country", Text, false),
    ColSpec::new("region", Text, false),
    ColSpec::new("carrier", Text, false),
    ColSpec::new("ocn", Text, false),
    ColSpec::new("status", Text, false),
    ColSpec::new("rate_center", Text, false),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_schema_with_provenance_columns() {
        for k in Kind::ALL {
            let s = k.schema();
            let n = s.fields().len();
            assert_eq!(s.field(n - 3).name(), "source_file", "{k}");
            assert_eq!(s.field(n - 2).name(), "source_row", "{k}");
            assert_eq!(s.field(n - 1).name(), "source_item", "{k}");
            let names: std::collections::BTreeSet<_> =
                s.fields().iter().map(|f| f.name().clone()).collect();
            assert_eq!(names.len(), n, "duplicate column names in {k}");
        }
    }

    #[test]
    fn caller_id_columns_keep_status_and_raw() {
        let s = Kind::Calls.schema();
        for name in [
            "calling",
            "calling_status",
            "calling_raw",
            "start_ambiguous",
        ] {
            assert!(s.field_with_name(name).is_ok(), "{name}");
        }
        assert!(!s.field_with_name("called").unwrap().is_nullable());
    }

    #[test]
    fn numbered_kinds_are_partitioned_by_their_number() {
        let keys: Vec<(&str, Option<&str>)> = Kind::ALL
            .iter()
            .map(|k| (k.name(), k.partition_key()))
            .collect();
        assert_eq!(
            keys,
            [
                ("calls", Some("called")),
                ("complainants", Some("number")),
                ("subscribers", Some("number")),
                ("vendor_list", Some("number")),
                ("vendor_calls", Some("dialed")),
                ("campaigns", None),
                ("watchlist", Some("number")),
                ("downloads", Some("number")),
                ("identifications", Some("number")),
                ("population", Some("number")),
                ("numbering_plan", None),
            ]
        );
    }

    #[test]
    fn kind_names_round_trip_through_serde() {
        for k in Kind::ALL {
            let v: Kind = serde_json::from_str(&format!("\"{}\"", k.name())).unwrap();
            assert_eq!(v, k);
        }
    }
}
