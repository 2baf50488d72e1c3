//! The results contract: what `correlate` writes to `results/` and every reader of results
//! (`figures`, `eval`, the report, the bindings) reads.
//!
//! - The figures of `figures.json` are the [`Figures`] struct; its JSON has the keys in
//!   alphabetical order (serde_json's default map).
//! - Every results table is a [`Table`], whose [`Table::columns`] are its schema: name, type,
//!   nullability and, for text, what pseudonymisation does to it ([`Rule`]). The writers build
//!   against it (`correlate::cols::TableBuilder::build` refuses a table that differs), the
//!   readers read through it (`store::read_results`), and `--pseudonymize` takes its rules
//!   from it. DESIGN.md's contract columns are checked against it by a test below.
//! - A column of several values ([`Type::TextList`]) is a Parquet/Arrow list,
//!   `List<Utf8>` with non-null items ([`text_list_type`]); its CSV twin, the workbook and the
//!   report show it as the items joined with [`LIST_SEPARATOR`]. Where a row has no value, a
//!   column that may be null holds null (never an empty list), and a column that may not holds
//!   an empty list; either way the CSV cell is empty.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use serde::{Deserialize, Serialize};

/// A results table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// `numbers`: every originating number of the received calls, ranked.
    Numbers,
    /// `attribution`: each carrier call matched to a vendor record.
    Attribution,
    /// `campaigns`: each vendor campaign.
    Campaigns,
    /// `offsets`: each (carrier, vendor) pair's clock offset.
    Offsets,
    /// `overlaps`: every list against every candidate source.
    Overlaps,
    /// `enrichment`: every list against the complainants.
    Enrichment,
    /// `population_coverage`: per list, its numbers in and outside the population; written
    /// only with `[analysis] restrict_to_population` (see [`Table::always_written`]).
    PopulationCoverage,
    /// `spread`: the districts each set reaches, against its account's scope.
    Spread,
    /// `skew`: the attributes of each set's recipients against the population.
    Skew,
    /// `skew_categories`: per category of each `skew` row, observed against expected.
    SkewCategories,
    /// `chains`: who stands behind the calls, one row per link of each chain.
    Chains,
    /// `derivations`: each list against the party database's segments as of its date, and
    /// against its candidate source downloads.
    Derivations,
    /// `leads`: significant unexplained numbers without a subscriber, or likely spoofed (CSV
    /// only).
    Leads,
    /// `dossier`: every call behind each lead and each attributed campaign, as the carrier and
    /// the vendor recorded it.
    Dossier,
}

/// What joins the items of a list cell where it is shown as text: in the CSV twin, the
/// workbook and the report.
pub const LIST_SEPARATOR: &str = "; ";

/// The Arrow item field of a list column: `item`, UTF-8 text, never null.
pub fn list_item_field() -> Field {
    Field::new("item", DataType::Utf8, false)
}

/// The Arrow type of a list column ([`Type::TextList`]): `List<Utf8>`, items never null.
pub fn text_list_type() -> DataType {
    DataType::List(Arc::new(list_item_field()))
}

/// The type of a results column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    /// UTF-8 text.
    Text,
    /// Several UTF-8 texts: a list ([`text_list_type`]), in the CSV twin its items joined with
    /// [`LIST_SEPARATOR`].
    TextList,
    /// An unsigned count, rank or row number.
    U64,
    /// A signed integer (milliseconds).
    I64,
    /// A float (ln p, q, shares).
    F64,
    /// A flag.
    Bool,
    /// A UTC instant (`Timestamp(µs, "UTC")`).
    Time,
}

/// What `--pseudonymize` does to a text column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Not a number (a name, a status, a reference): kept, embedded canonical numbers replaced.
    Keep,
    /// One phone number per cell (or the raw caller-ID text): its token.
    Number,
    /// Phone numbers, a list ([`Type::TextList`]) or text joined with `; `: each replaced,
    /// the tokens sorted.
    NumberList,
    /// A set or list name, which is a number for the `number:` sets of the spread table.
    SetName,
    /// A person's name (the subscriber behind a number): an `nm-` token, since a name beside a
    /// token would identify the number again.
    Name,
}

/// One column of a results table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// Its name.
    pub name: &'static str,
    /// Its type.
    pub ty: Type,
    /// Whether it may hold nulls.
    pub nullable: bool,
    /// For text and lists of text, what pseudonymisation does to it (to each item of a list);
    /// [`Rule::Keep`] for every other type.
    pub rule: Rule,
}

impl Column {
    /// Its Arrow field.
    pub fn field(&self) -> Field {
        let t = match self.ty {
            Type::Text => DataType::Utf8,
            Type::TextList => text_list_type(),
            Type::U64 => DataType::UInt64,
            Type::I64 => DataType::Int64,
            Type::F64 => DataType::Float64,
            Type::Bool => DataType::Boolean,
            Type::Time => super::timestamp_utc(),
        };
        Field::new(self.name, t, self.nullable)
    }
}

const fn text(name: &'static str, rule: Rule) -> Column {
    Column {
        name,
        ty: Type::Text,
        nullable: false,
        rule,
    }
}

const fn text_opt(name: &'static str, rule: Rule) -> Column {
    Column {
        name,
        ty: Type::Text,
        nullable: true,
        rule,
    }
}

/// A list of text that may be null (null, not an empty list, where there is no value).
const fn list_opt(name: &'static str, rule: Rule) -> Column {
    Column {
        name,
        ty: Type::TextList,
        nullable: true,
        rule,
    }
}

/// A list of text that is never null (an empty list where there is no value).
const fn list(name: &'static str, rule: Rule) -> Column {
    Column {
        name,
        ty: Type::TextList,
        nullable: false,
        rule,
    }
}

const fn of(name: &'static str, ty: Type, nullable: bool) -> Column {
    Column {
        name,
        ty,
        nullable,
        rule: Rule::Keep,
    }
}

const fn u64(name: &'static str) -> Column {
    of(name, Type::U64, false)
}

const fn u64_opt(name: &'static str) -> Column {
    of(name, Type::U64, true)
}

const fn f64(name: &'static str) -> Column {
    of(name, Type::F64, false)
}

const fn f64_opt(name: &'static str) -> Column {
    of(name, Type::F64, true)
}

const fn i64_opt(name: &'static str) -> Column {
    of(name, Type::I64, true)
}

const fn time_opt(name: &'static str) -> Column {
    of(name, Type::Time, true)
}

const fn bool(name: &'static str) -> Column {
    of(name, Type::Bool, false)
}

const NUMBERS: &[Column] = &[
    u64("rank"),
    u64_opt("rank_unexplained"),
    text("number", Rule::Number),
    u64("only_incident"),
    u64("only_baseline"),
    u64("both"),
    u64("calls"),
    f64("ln_p"),
    f64("q"),
    f64("ln_q"),
    text("p_text", Rule::Keep),
    text("q_text", Rule::Keep),
    bool("explained"),
    text("subscriber_status", Rule::Keep),
    text_opt("subscriber_name", Rule::Name),
    list_opt("watchlists", Rule::Keep),
    list_opt("campaigns", Rule::Keep),
    // Campaign, vendor and account names, as `campaigns` (never the subscriber's name).
    list_opt("presented_by", Rule::Keep),
    bool("spoofed_likely"),
    text_opt("spoofed_reason", Rule::Keep),
    list("districts", Rule::Keep),
    time_opt("first_seen"),
    text_opt("first_seen_local", Rule::Keep),
    time_opt("last_seen"),
    text_opt("last_seen_local", Rule::Keep),
    text("evidence", Rule::Keep),
];

const ATTRIBUTION: &[Column] = &[
    text("source_file", Rule::Keep),
    u64("source_row"),
    text("carrier", Rule::Keep),
    text("called", Rule::Number),
    time_opt("start"),
    text_opt("start_local", Rule::Keep),
    text_opt("seen", Rule::Number),
    text("seen_status", Rule::Keep),
    text("vendor", Rule::Keep),
    text_opt("campaign", Rule::Keep),
    text_opt("account", Rule::Keep),
    text_opt("customer", Rule::Keep),
    text_opt("presented", Rule::Number),
    bool("caller_id_agrees"),
    i64_opt("delta_ms"),
    time_opt("vendor_start"),
    text_opt("vendor_start_local", Rule::Keep),
    text_opt("disposition", Rule::Keep),
    text("vendor_source_file", Rule::Keep),
    u64("vendor_source_row"),
];

const CAMPAIGNS: &[Column] = &[
    text("campaign", Rule::Keep),
    text_opt("vendor", Rule::Keep),
    text_opt("account", Rule::Keep),
    text_opt("customer", Rule::Keep),
    text_opt("purpose", Rule::Keep),
    time_opt("created"),
    text_opt("created_local", Rule::Keep),
    text_opt("upload", Rule::SetName),
    u64("recipients"),
    u64("dial_records"),
    list_opt("presented", Rule::NumberList),
    u64("complainants_matched"),
    u64("calls_matched"),
    u64("calls_caller_id_agrees"),
    f64_opt("caller_id_agreement"),
    i64_opt("offset_ms"),
    bool("legitimate"),
    time_opt("first_dial"),
    text_opt("first_dial_local", Rule::Keep),
    time_opt("last_dial"),
    text_opt("last_dial_local", Rule::Keep),
    list_opt("registry_evidence", Rule::Keep),
];

const DOSSIER: &[Column] = &[
    text("subject_kind", Rule::Keep),
    text("subject", Rule::SetName),
    u64("call"),
    time_opt("start"),
    text_opt("start_local", Rule::Keep),
    text("window", Rule::Keep),
    text_opt("complainant", Rule::Keep),
    text("called", Rule::Number),
    text_opt("district", Rule::Keep),
    text("carrier", Rule::Keep),
    text_opt("seen", Rule::Number),
    text("seen_status", Rule::Keep),
    text_opt("vendor", Rule::Keep),
    text_opt("campaign", Rule::Keep),
    text_opt("account", Rule::Keep),
    text_opt("presented", Rule::Number),
    of("caller_id_agrees", Type::Bool, true),
    i64_opt("delta_ms"),
    time_opt("vendor_start"),
    text_opt("vendor_start_local", Rule::Keep),
    text_opt("disposition", Rule::Keep),
    text("evidence", Rule::Keep),
    text_opt("vendor_evidence", Rule::Keep),
];

const OFFSETS: &[Column] = &[
    text("carrier", Rule::Keep),
    text("vendor", Rule::Keep),
    i64_opt("offset_ms"),
    u64("candidates"),
    i64_opt("mad_ms"),
    u64("matches"),
];

const OVERLAPS: &[Column] = &[
    u64("rank"),
    text("list_a", Rule::SetName),
    text_opt("account_a", Rule::Keep),
    text_opt("customer_a", Rule::Keep),
    text("list_b", Rule::SetName),
    text_opt("account_b", Rule::Keep),
    text_opt("customer_b", Rule::Keep),
    u64("size_a"),
    u64("size_b"),
    u64("overlap"),
    f64("containment"),
    f64("jaccard"),
    f64("ln_p"),
    f64("q"),
    f64("ln_q"),
    text("p_text", Rule::Keep),
    text("q_text", Rule::Keep),
];

const ENRICHMENT: &[Column] = &[
    u64("rank"),
    text("list", Rule::SetName),
    text("kind", Rule::Keep),
    text_opt("account", Rule::Keep),
    text_opt("customer", Rule::Keep),
    u64("size"),
    u64("overlap"),
    f64("ln_p"),
    f64("q"),
    f64("ln_q"),
    text("p_text", Rule::Keep),
    text("q_text", Rule::Keep),
];

const POPULATION_COVERAGE: &[Column] = &[
    text("list", Rule::SetName),
    text("kind", Rule::Keep),
    u64("numbers"),
    u64("in_population"),
    u64("outside_population"),
];

const SPREAD: &[Column] = &[
    text("set", Rule::SetName),
    text("kind", Rule::Keep),
    text_opt("account", Rule::Keep),
    text_opt("customer", Rule::Keep),
    text_opt("district", Rule::Keep),
    u64("recipients"),
    f64("share"),
    text_opt("scope", Rule::Keep),
    text_opt("scope_from", Rule::Keep),
];

const SKEW: &[Column] = &[
    text("set", Rule::SetName),
    text_opt("account", Rule::Keep),
    text_opt("customer", Rule::Keep),
    text("attribute", Rule::Keep),
    u64("recipients_in_population"),
    f64("g"),
    u64("df"),
    f64("ln_p"),
    f64("q"),
    f64("ln_q"),
    text("p_text", Rule::Keep),
    text("q_text", Rule::Keep),
];

const SKEW_CATEGORIES: &[Column] = &[
    text("set", Rule::SetName),
    text("attribute", Rule::Keep),
    text("category", Rule::Keep),
    u64("observed"),
    f64("observed_share"),
    f64("expected"),
    f64("expected_share"),
    f64("ratio"),
    u64("population"),
];

const CHAINS: &[Column] = &[
    u64("chain"),
    text("start", Rule::SetName),
    u64("step"),
    text("link", Rule::Keep),
    text("from", Rule::SetName),
    text_opt("to", Rule::SetName),
    u64_opt("count"),
    f64_opt("share"),
    f64_opt("ln_p"),
    list_opt("evidence", Rule::Keep),
    text_opt("note", Rule::Keep),
];

const DERIVATIONS: &[Column] = &[
    text("list", Rule::SetName),
    text("list_kind", Rule::Keep),
    u64("rank"),
    bool("best"),
    text("source_kind", Rule::Keep),
    text("source", Rule::SetName),
    time_opt("as_of"),
    text_opt("as_of_local", Rule::Keep),
    list_opt("districts", Rule::Keep),
    u64("population"),
    u64("segment_size"),
    u64("list_in_scope"),
    u64("overlap"),
    f64("containment"),
    f64("coverage"),
    f64("ln_p"),
    f64("q"),
    f64("ln_q"),
    text("p_text", Rule::Keep),
    text("q_text", Rule::Keep),
    f64_opt("containment_latest"),
];

const LEADS: &[Column] = &[
    u64("rank"),
    u64_opt("rank_unexplained"),
    text("number", Rule::Number),
    f64("ln_p"),
    f64("q"),
    f64("ln_q"),
    text("p_text", Rule::Keep),
    text("q_text", Rule::Keep),
    u64("only_incident"),
    text_opt("country_code", Rule::Keep),
    text_opt("area_code", Rule::Keep),
    text_opt("exchange_holder", Rule::Keep),
    text_opt("exchange_status", Rule::Keep),
    text_opt("country", Rule::Keep),
    text_opt("region", Rule::Keep),
    text("subscriber_status", Rule::Keep),
    bool("spoofed_likely"),
    text_opt("note", Rule::Keep),
    text("evidence", Rule::Keep),
];

impl Table {
    /// Every results table, in the order the manifest lists them.
    pub const ALL: [Table; 14] = [
        Table::Numbers,
        Table::Attribution,
        Table::Campaigns,
        Table::Offsets,
        Table::Overlaps,
        Table::Enrichment,
        Table::PopulationCoverage,
        Table::Spread,
        Table::Skew,
        Table::SkewCategories,
        Table::Chains,
        Table::Derivations,
        Table::Leads,
        Table::Dossier,
    ];

    /// Its name: the file stem under `results/`.
    pub fn name(self) -> &'static str {
        match self {
            Table::Numbers => "numbers",
            Table::Attribution => "attribution",
            Table::Campaigns => "campaigns",
            Table::Offsets => "offsets",
            Table::Overlaps => "overlaps",
            Table::Enrichment => "enrichment",
            Table::PopulationCoverage => "population_coverage",
            Table::Spread => "spread",
            Table::Skew => "skew",
            Table::SkewCategories => "skew_categories",
            Table::Chains => "chains",
            Table::Derivations => "derivations",
            Table::Leads => "leads",
            Table::Dossier => "dossier",
        }
    }

    /// The table of a name.
    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Whether every run writes it; `population_coverage` is written only when the case sets
    /// `[analysis] restrict_to_population` (without it no number is left out of a count).
    pub fn always_written(self) -> bool {
        self != Table::PopulationCoverage
    }

    /// Whether it is written as Parquet (beside its CSV twin); `leads` is CSV only.
    pub fn has_parquet(self) -> bool {
        self != Table::Leads
    }

    /// Its columns, in order.
    pub fn columns(self) -> &'static [Column] {
        match self {
            Table::Numbers => NUMBERS,
            Table::Attribution => ATTRIBUTION,
            Table::Campaigns => CAMPAIGNS,
            Table::Offsets => OFFSETS,
            Table::Overlaps => OVERLAPS,
            Table::Enrichment => ENRICHMENT,
            Table::PopulationCoverage => POPULATION_COVERAGE,
            Table::Spread => SPREAD,
            Table::Skew => SKEW,
            Table::SkewCategories => SKEW_CATEGORIES,
            Table::Chains => CHAINS,
            Table::Derivations => DERIVATIONS,
            Table::Leads => LEADS,
            Table::Dossier => DOSSIER,
        }
    }

    /// A column by name.
    pub fn column(self, name: &str) -> Option<&'static Column> {
        self.columns().iter().find(|c| c.name == name)
    }

    /// Its Arrow schema.
    pub fn schema(self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns().iter().map(Column::field).collect::<Vec<_>>(),
        ))
    }

    /// How `schema` differs from the contract (first difference), `None` when it does not.
    pub fn mismatch(self, schema: &Schema) -> Option<String> {
        let want = self.schema();
        for (i, w) in want.fields().iter().enumerate() {
            match schema.fields().get(i) {
                None => return Some(format!("column {} '{}' is missing", i + 1, w.name())),
                Some(g) if g.name() != w.name() => {
                    return Some(format!(
                        "column {} is '{}', the contract says '{}'",
                        i + 1,
                        g.name(),
                        w.name()
                    ))
                }
                Some(g) if g.data_type() != w.data_type() || g.is_nullable() != w.is_nullable() => {
                    return Some(format!(
                        "column '{}' is {}{}, the contract says {}{}",
                        w.name(),
                        g.data_type(),
                        if g.is_nullable() { " (nullable)" } else { "" },
                        w.data_type(),
                        if w.is_nullable() { " (nullable)" } else { "" },
                    ))
                }
                Some(_) => {}
            }
        }
        schema
            .fields()
            .get(want.fields().len())
            .map(|f| format!("column '{}' is not in the contract", f.name()))
    }
}

/// The file of the figures under `results/`.
pub const FIGURES_FILE: &str = "figures.json";

/// `results/figures.json`: the counts a published inquiry reports, computed from the store.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// Complainants whose records are in the production orders.
    pub complainants_in_orders: u64,
    /// Complainants whose records are not (late complainants).
    pub complainants_late: u64,
    /// Distinct numbers of all complainants.
    pub complainant_numbers: u64,
    /// Calls to complainants in the orders, inside the orders window.
    pub calls_received: u64,
    /// Calls to complainants in the orders, outside the orders window.
    pub calls_outside_orders: u64,
    /// Calls not to a complainant in the orders.
    pub calls_not_to_complainants: u64,
    /// Exact duplicate call records removed at ingest.
    pub duplicates_removed: u64,
    /// Received calls with a withheld caller ID.
    pub blocked_caller_ids: u64,
    /// Received calls whose caller ID is not a valid number.
    pub invalid_caller_ids: u64,
    /// Distinct originating numbers of the received calls.
    pub originating_numbers: u64,
    /// The incident window's share of the incident and baseline windows' time.
    pub incident_share: f64,
    /// Originating numbers with a subscriber return.
    pub subscriber_obtained: u64,
    /// Originating numbers whose subscriber information was refused.
    pub subscriber_refused: u64,
    /// Originating numbers with no return.
    pub subscriber_not_requested: u64,
    /// Originating numbers without a subscriber (refused or not requested).
    pub subscriber_not_obtained: u64,
    /// `watchlist_<kind>`: originating numbers on a watch-list of each kind.
    #[serde(flatten)]
    pub watchlist: BTreeMap<String, u64>,
    /// Received calls attributed to a vendor record (one-to-one: as many vendor records).
    pub attributed_calls: u64,
    /// Vendor records whose disposition says the phone never rang (`[attribution] never_rang`),
    /// left out of attribution.
    pub vendor_attempts_never_rang: u64,
    /// Groups of calls and vendor records too large for the exact assignment, matched greedily
    /// instead (0 but on hostile or degenerate logs; see `docs/method.md`).
    pub attribution_greedy_components: u64,
    /// Campaign-registry rows that name a campaign already registered, with other contents
    /// (the first is used; each is named in the campaign's `registry_evidence`).
    pub campaign_registry_conflicts: u64,
    /// Lines in the population.
    pub population: u64,
    /// Rows of the party database's identification history accepted into the store.
    pub identifications_rows: u64,
    /// The leads: significant unexplained originating numbers without a subscriber return, or
    /// with one but likely spoofed.
    pub leads: u64,
    /// Per evidence file, its row reconciliation.
    pub inputs: Vec<InputFigures>,
}

/// One evidence file's row reconciliation, as `figures.json` lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFigures {
    /// The file, as the manifest names it.
    pub path: String,
    /// Its kind.
    pub kind: String,
    /// Rows read.
    pub rows_read: u64,
    /// Rows accepted into the store.
    pub accepted: u64,
    /// Rows in the quarantine.
    pub quarantined: u64,
    /// Exact duplicate call records removed (and superseded population rows).
    pub duplicates_removed: u64,
    /// Records the profile's row filter left out.
    #[serde(default)]
    pub filtered: u64,
}

impl Figures {
    /// A figure by its `figures.json` key (`inputs` and `incident_share`, which are not counts,
    /// excepted).
    pub fn count(&self, name: &str) -> Option<u64> {
        self.to_map().get(name).and_then(serde_json::Value::as_u64)
    }

    /// The figures as a JSON object, keys in alphabetical order (`inputs` included).
    pub fn to_map(&self) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The column and key names `../shared/DESIGN.md` ("The analyses (results/)") calls the
    /// contract, copied from it. Tables may carry more.
    const DESIGN: &[(Table, &[&str])] = &[
        (
            Table::Numbers,
            &[
                "number",
                "only_incident",
                "only_baseline",
                "both",
                "calls",
                "ln_p",
                "q",
                "rank",
                "explained",
                "first_seen",
                "last_seen",
                "districts",
                "subscriber_status",
                "subscriber_name",
                "watchlists",
                "campaigns",
                "presented_by",
                "spoofed_likely",
                "rank_unexplained",
            ],
        ),
        (
            Table::Attribution,
            &[
                "source_file",
                "source_row",
                "vendor",
                "campaign",
                "account",
                "presented",
                "seen",
                "delta_ms",
            ],
        ),
        (
            Table::Campaigns,
            &[
                "campaign",
                "complainants_matched",
                "calls_matched",
                "offset_ms",
            ],
        ),
        (
            Table::Overlaps,
            &[
                "list_a",
                "list_b",
                "size_a",
                "size_b",
                "overlap",
                "containment",
                "jaccard",
                "ln_p",
                "q",
                "rank",
            ],
        ),
        (
            Table::Enrichment,
            &["list", "kind", "size", "overlap", "ln_p", "q", "rank"],
        ),
        (Table::Spread, &["set", "district", "recipients", "scope"]),
        (Table::Leads, &["number", "country_code", "area_code"]),
    ];

    /// DESIGN's contract columns that the engine does not write yet, with the issue that adds
    /// them. When one lands this test fails until it moves to [`DESIGN`].
    const PENDING: &[(Table, &str, &str)] = &[];

    const DESIGN_FIGURES: &[&str] = &[
        "complainants_in_orders",
        "complainants_late",
        "calls_received",
        "calls_outside_orders",
        "duplicates_removed",
        "blocked_caller_ids",
        "originating_numbers",
        "subscriber_obtained",
        "subscriber_not_obtained",
        "subscriber_refused",
        "subscriber_not_requested",
        "complainant_numbers",
        "population",
        "incident_share",
        "inputs",
    ];

    #[test]
    fn the_contract_holds_designs_columns() {
        for (t, cols) in DESIGN {
            for c in *cols {
                assert!(t.column(c).is_some(), "{}: no column {c}", t.name());
            }
        }
        for (t, c, issue) in PENDING {
            assert!(
                t.column(c).is_none(),
                "{}.{c} ({issue}) is written now: move it to DESIGN",
                t.name()
            );
        }
        let keys = Figures::default().to_map();
        for k in DESIGN_FIGURES {
            assert!(keys.contains_key(*k), "figures.json has no {k}");
        }
        // Per watch-list kind, `watchlist_<kind>`, at the top level of the object.
        let mut f = Figures::default();
        f.watchlist.insert("watchlist_regulator".into(), 3);
        assert_eq!(f.count("watchlist_regulator"), Some(3));
        let back: Figures = serde_json::from_value(serde_json::Value::Object(f.to_map())).unwrap();
        assert_eq!(back, f);
    }

    #[test]
    fn names_are_unique_and_text_alone_has_rules() {
        for t in Table::ALL {
            assert_eq!(Table::from_name(t.name()), Some(t));
            let cols = t.columns();
            for (i, c) in cols.iter().enumerate() {
                assert!(
                    cols[..i].iter().all(|d| d.name != c.name),
                    "{}.{} twice",
                    t.name(),
                    c.name
                );
                assert!(
                    matches!(c.ty, Type::Text | Type::TextList) || c.rule == Rule::Keep,
                    "{}",
                    c.name
                );
            }
        }
    }

    #[test]
    fn mismatch_names_the_first_difference() {
        let s = Table::Offsets.schema();
        assert_eq!(Table::Offsets.mismatch(&s), None);
        let mut f: Vec<Field> = s.fields().iter().map(|f| f.as_ref().clone()).collect();
        f[2] = Field::new("offset_ms", DataType::Int64, false);
        let m = Table::Offsets.mismatch(&Schema::new(f.clone())).unwrap();
        assert!(m.contains("'offset_ms'") && m.contains("(nullable)"), "{m}");
        f.swap(0, 1);
        let m = Table::Offsets.mismatch(&Schema::new(f.clone())).unwrap();
        assert!(m.contains("column 1 is 'vendor'"), "{m}");
        let mut fewer: Vec<Field> = s.fields().iter().map(|f| f.as_ref().clone()).collect();
        fewer.truncate(3);
        let m = Table::Offsets.mismatch(&Schema::new(fewer)).unwrap();
        assert!(m.contains("column 4 'candidates' is missing"), "{m}");
        let mut more: Vec<Field> = s.fields().iter().map(|f| f.as_ref().clone()).collect();
        more.push(Field::new("note", DataType::Utf8, true));
        let m = Table::Offsets.mismatch(&Schema::new(more)).unwrap();
        assert!(m.contains("column 'note' is not in the contract"), "{m}");
        assert!(Table::Offsets.mismatch(&Table::Overlaps.schema()).is_some());
    }
}
