//! Format profiles: how one producer's files map onto the canonical columns.
//!
//! A profile is data, never code: a new carrier format needs a new profile. It says how to read
//! the file (format, delimiter, quoting, encoding, header and preamble lines), how to read values
//! (timestamp formats, the IANA zone of local times, the policy for a local time that falls in a
//! fall-back fold, the duration format, the default country for numbers, extra tokens that mean
//! "caller ID blocked") and which source column feeds which canonical column. Profiles live in
//! the case manifest (`[profiles.NAME]`), in their own TOML file, or ship with the binary
//! (`builtin:NAME`, see [`builtin`]).
//!
//! A [`Profile`] is the data as written (strings, checked only by serde); [`Profile::resolve`]
//! validates it once and builds the typed [`ReadSpec`] (bytes, enums, parsers) that the readers
//! and the converter use, so that nothing downstream parses a profile string again.
//!
//! ```toml
//! [profiles.ontario]
//! delimiter = ","
//! time_zone = "America/Toronto"
//! timestamp_formats = ["%Y-%m-%d %H:%M:%S"]
//! duration = "s"
//! blocked_tokens = ["NO CID"]
//! [profiles.ontario.columns]
//! called = "Called Number"
//! calling = "Calling Number"
//! start = ["Call Date", "Call Time"]   # several source columns are joined with one space
//! duration = "Duration (s)"
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Kind;
use crate::normalize::phone::PhoneParser;
use crate::normalize::time::{AmbiguousPolicy, DurationFormat, TimeParser};

/// The container format of an evidence file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Delimited text (comma, semicolon, tab, pipe...).
    Csv,
    /// An Excel workbook (one sheet).
    Xlsx,
    /// Apache Parquet.
    Parquet,
    /// Arrow IPC file or stream.
    Ipc,
    /// One JSON object per line.
    Jsonl,
}

impl Format {
    /// The format a file name suggests, if any.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" | "txt" | "tsv" | "psv" => Format::Csv,
            "xlsx" | "xlsm" | "xls" | "ods" => Format::Xlsx,
            "parquet" | "pq" => Format::Parquet,
            "arrow" | "ipc" | "feather" | "arrows" => Format::Ipc,
            "jsonl" | "ndjson" | "json" => Format::Jsonl,
            _ => return None,
        })
    }

    /// Lower-case name, as in profiles.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Parquet => "parquet",
            Format::Ipc => "ipc",
            Format::Jsonl => "jsonl",
        }
    }
}

/// The text encoding of a delimited file. A UTF-8 byte-order mark is always stripped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TextEncoding {
    /// UTF-8, with or without a BOM. Invalid bytes quarantine the row.
    #[default]
    #[serde(rename = "utf-8", alias = "utf8", alias = "UTF-8")]
    Utf8,
    /// Windows-1252 (the usual "ANSI" export), a superset of printable Latin-1.
    #[serde(
        rename = "windows-1252",
        alias = "cp1252",
        alias = "latin-1",
        alias = "latin1",
        alias = "iso-8859-1"
    )]
    Windows1252,
}

/// One or several source columns feeding a canonical column (several are joined by a space,
/// e.g. a date column and a time column).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ColumnSource {
    /// One source column, by header name (or, without a header, `"#3"` for the third column).
    One(String),
    /// Several source columns, joined with single spaces.
    Many(Vec<String>),
}

impl ColumnSource {
    /// The source column names.
    pub fn names(&self) -> &[String] {
        match self {
            ColumnSource::One(s) => std::slice::from_ref(s),
            ColumnSource::Many(v) => v,
        }
    }
}

/// The default of [`Profile::max_inflated_bytes`]: 1 GiB.
pub const DEFAULT_MAX_INFLATED_BYTES: u64 = 1 << 30;

/// A format profile. Unknown keys are rejected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Profile {
    /// Container format; by default from the file extension.
    pub format: Option<Format>,
    /// Field delimiter for delimited text: one character, or `"tab"`.
    pub delimiter: String,
    /// Quote character for delimited text.
    pub quote: String,
    /// Text encoding of delimited text and JSON lines.
    pub encoding: TextEncoding,
    /// Whether the first (non-preamble) line is a header row.
    pub header: bool,
    /// Lines before the header that are not records (a "File Date" line, a title).
    pub skip_lines: usize,
    /// Lines right after the header that are not records (a snapshot-date line).
    pub skip_after_header: usize,
    /// Whether a quoted field may span lines. Off by default: carrier exports have one record
    /// per line, and then an unbalanced quote costs one quarantined line, never the file.
    pub multiline: bool,
    /// The worksheet of an xlsx file; by default the first.
    pub sheet: Option<String>,
    /// A source column holding an array (a JSON array, a Parquet or IPC list) whose elements
    /// become one row each, the record's other cells repeated (JSON lines, Parquet, IPC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explode: Option<String>,
    /// IANA zone of local times (`America/Toronto`); values with an offset or `Z` keep theirs.
    pub time_zone: String,
    /// Timestamp patterns tried in order (strftime, or `rfc3339`, `epoch_s`, `epoch_ms`,
    /// `excel_serial`).
    pub timestamp_formats: Vec<String>,
    /// What a local time in a fall-back fold becomes: `earliest`, `latest` or `quarantine`.
    pub ambiguous: String,
    /// Duration format: `s`, `mm:ss` or `hh:mm:ss`.
    pub duration: String,
    /// Default country (ISO 3166 alpha-2) for numbers written without a country code.
    pub default_country: String,
    /// Extra tokens meaning "caller ID blocked", beyond the built-in ones.
    pub blocked_tokens: Vec<String>,
    /// Longest field accepted, in bytes; a longer one quarantines its row.
    pub max_field_bytes: usize,
    /// Most bytes the parts of a zipped workbook (xlsx, ods) may inflate to, all parts
    /// together; a workbook over it is refused before it is parsed (a zip bomb).
    pub max_inflated_bytes: u64,
    /// Canonical column -> source column(s).
    pub columns: BTreeMap<String, ColumnSource>,
    /// Canonical column -> (raw value -> canonical value), matched case-insensitively after
    /// trimming, e.g. `values.status = { "OK" = "obtained", "REFUSED" = "refused" }`.
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    /// Canonical column -> a fixed value for every row (e.g. `set.country = "CA"`); an input's
    /// own `set` in the case manifest takes precedence.
    pub set: BTreeMap<String, String>,
    /// Row filter: source column -> the cell texts a record must hold to be read, e.g.
    /// `keep = { "Direction" = ["IN", "Incoming"] }`; any other record is counted as filtered
    /// (see [`RowFilter`]).
    pub keep: BTreeMap<String, Vec<String>>,
    /// Row filter: source column -> cell texts that leave a record out (counted as filtered).
    pub drop: BTreeMap<String, Vec<String>>,
    /// The largest share of a file's records (those the row filter keeps) that may go to the
    /// quarantine; a file above it stops the run. From 0 to 1; 1 never stops.
    pub max_quarantine_share: f64,
    /// For a `population` input that is a history (several rows per number): the source
    /// column that orders a number's rows, read as a time with `timestamp_formats`; the latest
    /// row wins. Without it, a number listed twice stops the run.
    pub latest_by: Option<String>,
    /// Source columns allowed to feed more than one canonical column (each other source
    /// column feeds at most one).
    pub shared_columns: Vec<String>,
}

/// The default of [`Profile::max_quarantine_share`]: a fifth of a file's records.
pub const DEFAULT_MAX_QUARANTINE_SHARE: f64 = 0.2;

impl Default for Profile {
    fn default() -> Self {
        Profile {
            format: None,
            delimiter: ",".into(),
            quote: "\"".into(),
            encoding: TextEncoding::Utf8,
            header: true,
            skip_lines: 0,
            skip_after_header: 0,
            multiline: false,
            sheet: None,
            explode: None,
            time_zone: "UTC".into(),
            timestamp_formats: vec!["rfc3339".into()],
            ambiguous: "earliest".into(),
            duration: "s".into(),
            default_country: "CA".into(),
            blocked_tokens: Vec::new(),
            max_field_bytes: 64 * 1024,
            max_inflated_bytes: DEFAULT_MAX_INFLATED_BYTES,
            columns: BTreeMap::new(),
            values: BTreeMap::new(),
            set: BTreeMap::new(),
            keep: BTreeMap::new(),
            drop: BTreeMap::new(),
            max_quarantine_share: DEFAULT_MAX_QUARANTINE_SHARE,
            latest_by: None,
            shared_columns: Vec::new(),
        }
    }
}

impl Profile {
    /// Parses a profile from TOML text; `origin` names where it came from in error messages.
    ///
    /// # Errors
    /// [`Error::Config`] naming the unknown or mistyped key.
    pub fn from_toml(text: &str, origin: &Path) -> Result<Profile> {
        toml::from_str(text).map_err(|e| Error::config(origin, e.to_string()))
    }

    /// The delimiter byte.
    ///
    /// # Errors
    /// When the delimiter is not one ASCII character (or `tab`).
    pub fn delimiter_byte(&self) -> std::result::Result<u8, ProfileError> {
        single_ascii(&self.delimiter, "delimiter")
    }

    /// The quote byte.
    ///
    /// # Errors
    /// When the quote is not one ASCII character.
    pub fn quote_byte(&self) -> std::result::Result<u8, ProfileError> {
        single_ascii(&self.quote, "quote")
    }

    /// Resolves the profile once into the typed [`ReadSpec`] the readers and the converter use:
    /// the delimiter and quote as bytes, every mode as its enum, the time and phone parsers
    /// built. The keys are checked in this order: `delimiter`, `quote`, `ambiguous`,
    /// `duration`, `timestamp_formats`, `time_zone`, `default_country` (and `blocked_tokens`),
    /// `max_field_bytes`, `keep`, `drop`, `max_quarantine_share`, `latest_by`,
    /// `shared_columns`, `explode`.
    ///
    /// # Errors
    /// The first key that cannot be used, named in the message.
    pub fn resolve(&self) -> std::result::Result<ReadSpec, ProfileError> {
        let delimiter = self.delimiter_byte()?;
        let quote = self.quote_byte()?;
        let ambiguous: AmbiguousPolicy = self.ambiguous.parse().map_err(|_| {
            ProfileError(format!(
                "ambiguous: {:?} is not earliest, latest or quarantine",
                self.ambiguous
            ))
        })?;
        let duration: DurationFormat = self.duration.parse().map_err(|_| {
            ProfileError(format!(
                "duration: {:?} is not s, mm:ss or hh:mm:ss",
                self.duration
            ))
        })?;
        if self.timestamp_formats.is_empty() {
            return Err(ProfileError(
                "timestamp_formats: give at least one format".into(),
            ));
        }
        let time = TimeParser::try_new(&self.timestamp_formats, &self.time_zone, ambiguous)
            .map_err(|e| ProfileError(format!("time_zone/timestamp_formats: {e}")))?;
        let phone = PhoneParser::try_new(&self.default_country, &self.blocked_tokens)
            .map_err(|e| ProfileError(format!("{}: {e}", e.setting())))?;
        if self.max_field_bytes == 0 {
            return Err(ProfileError("max_field_bytes: must be at least 1".into()));
        }
        let filter = RowFilter {
            keep: filter_rules("keep", &self.keep)?,
            drop: filter_rules("drop", &self.drop)?,
        };
        let share = self.max_quarantine_share;
        if !(0.0..=1.0).contains(&share) {
            return Err(ProfileError(format!(
                "max_quarantine_share: {share} is not a share from 0 to 1"
            )));
        }
        if self
            .latest_by
            .as_deref()
            .is_some_and(|c| c.trim().is_empty())
        {
            return Err(ProfileError("latest_by: empty source column name".into()));
        }
        if self.shared_columns.iter().any(|c| c.trim().is_empty()) {
            return Err(ProfileError(
                "shared_columns: empty source column name".into(),
            ));
        }
        if self.explode.as_deref().is_some_and(|k| k.trim().is_empty()) {
            return Err(ProfileError(
                "explode: give the name of the column that holds the array".into(),
            ));
        }
        let values = self
            .values
            .iter()
            .map(|(col, m)| {
                let m = m
                    .iter()
                    .map(|(k, v)| (k.trim().to_lowercase(), v.clone()))
                    .collect();
                (col.clone(), m)
            })
            .collect();
        Ok(ReadSpec {
            format: self.format,
            delimiter,
            quote,
            encoding: self.encoding,
            header: self.header,
            skip_lines: self.skip_lines,
            skip_after_header: self.skip_after_header,
            records: if self.multiline {
                RecordEnd::Quoted
            } else {
                RecordEnd::Line
            },
            sheet: self.sheet.clone(),
            explode: self.explode.clone(),
            max_field_bytes: self.max_field_bytes,
            max_inflated_bytes: self.max_inflated_bytes,
            time,
            duration,
            phone: Arc::new(phone),
            columns: self.columns.clone(),
            values,
            filter,
            max_quarantine_share: share,
            latest_by: self.latest_by.clone(),
            shared_columns: self.shared_columns.clone(),
        })
    }
}

/// One side of a row filter, checked: every column named, every list non-empty, every value
/// trimmed.
fn filter_rules(
    key: &str,
    rules: &BTreeMap<String, Vec<String>>,
) -> std::result::Result<BTreeMap<String, Vec<String>>, ProfileError> {
    let mut out = BTreeMap::new();
    for (col, values) in rules {
        if col.trim().is_empty() {
            return Err(ProfileError(format!("{key}: empty source column name")));
        }
        if values.is_empty() {
            return Err(ProfileError(format!(
                "{key}.{col:?}: give at least one value"
            )));
        }
        let mut v: Vec<String> = values.iter().map(|x| x.trim().to_string()).collect();
        v.sort();
        v.dedup();
        out.insert(col.clone(), v);
    }
    Ok(out)
}

/// A profile's row filter (`keep` and `drop`), applied to each record before it is converted.
///
/// A cell's text is compared with the listed values after trimming surrounding white space on
/// both sides, and otherwise exactly (case counts: list `"IN"` and `"in"` to take both). An
/// empty or null cell reads as `""`; an integer, float or boolean cell as its decimal or
/// `true`/`false` text. A record is read when, for every `keep` column, its cell is one of that
/// column's values, and, for every `drop` column, its cell is none of that column's values;
/// otherwise it is *filtered*: counted per file (`filtered` in the manifest), never converted,
/// never quarantined.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowFilter {
    /// Source column -> values one of which a record must hold (trimmed, sorted).
    pub keep: BTreeMap<String, Vec<String>>,
    /// Source column -> values none of which a record may hold (trimmed, sorted).
    pub drop: BTreeMap<String, Vec<String>>,
}

impl RowFilter {
    /// Whether the filter lets every record through.
    pub fn is_empty(&self) -> bool {
        self.keep.is_empty() && self.drop.is_empty()
    }
}

impl Profile {
    /// [`Profile::resolve`] for the files of one kind: `latest_by` is refused for any kind but
    /// `population` (the only kind whose rows a column orders), then the profile is resolved.
    ///
    /// # Errors
    /// As [`Profile::resolve`], and `latest_by` on another kind.
    pub fn resolve_for(&self, kind: Kind) -> std::result::Result<ReadSpec, ProfileError> {
        if self.latest_by.is_some() && kind != Kind::Population {
            return Err(ProfileError(
                "latest_by: only the rows of a `population` input are ordered by a column".into(),
            ));
        }
        self.resolve()
    }
}

/// Why a profile cannot be used: the message names the key at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ProfileError(String);

fn single_ascii(s: &str, key: &str) -> std::result::Result<u8, ProfileError> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(ProfileError(format!(
            "key `{key}`: expected one ASCII character (or \"tab\"), found {s:?}"
        ))),
    }
}

/// Where a record of delimited text ends (the profile's `multiline`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordEnd {
    /// At the end of its line (`multiline = false`, the default): an unbalanced quote costs
    /// one quarantined line.
    Line,
    /// At the first line end outside quotes (`multiline = true`): quoted fields may span lines.
    Quoted,
}

/// A profile resolved once ([`Profile::resolve`]) into typed values: what the readers (layout)
/// and the converter (parsers, column mapping, value maps) use. Cheap to share: one per
/// `[[inputs]]` entry, behind an `Arc`, for all the files it names.
#[derive(Clone, Debug)]
pub struct ReadSpec {
    /// Container format, when the profile sets one (else each file's extension tells).
    pub format: Option<Format>,
    /// Field delimiter of delimited text.
    pub delimiter: u8,
    /// Quote character of delimited text.
    pub quote: u8,
    /// Text encoding of delimited text and JSON lines.
    pub encoding: TextEncoding,
    /// Whether the first (non-preamble) line or row is a header.
    pub header: bool,
    /// Lines or rows before the header that are not records.
    pub skip_lines: usize,
    /// Lines or rows right after the header that are not records.
    pub skip_after_header: usize,
    /// Where a record of delimited text ends.
    pub records: RecordEnd,
    /// The worksheet of a workbook; by default the first.
    pub sheet: Option<String>,
    /// The source column whose array elements become one row each (JSON lines, Parquet, IPC).
    pub explode: Option<String>,
    /// Longest field accepted, in bytes (at least 1).
    pub max_field_bytes: usize,
    /// Most bytes a workbook's zipped parts (or a Parquet file's row groups) may inflate to.
    pub max_inflated_bytes: u64,
    /// The timestamp parser (formats, zone, fold policy), built once; clone one per chunk.
    pub time: TimeParser,
    /// The duration format.
    pub duration: DurationFormat,
    /// The phone-number parser (default country, blocked tokens), built once.
    pub phone: Arc<PhoneParser>,
    /// Canonical column -> source column(s).
    pub columns: BTreeMap<String, ColumnSource>,
    /// Canonical column -> (raw value, trimmed and lower-cased -> canonical value).
    pub values: BTreeMap<String, HashMap<String, String>>,
    /// The row filter (`keep`, `drop`), values trimmed.
    pub filter: RowFilter,
    /// The largest share of a file's (unfiltered) records that may be quarantined, 0 to 1.
    pub max_quarantine_share: f64,
    /// The source column ordering a population history (`latest_by`).
    pub latest_by: Option<String>,
    /// Source columns allowed to feed several canonical columns.
    pub shared_columns: Vec<String>,
}

/// The profiles that ship with callsift, by name (`builtin:NAME` in a case manifest).
///
/// - `nanpa-npa`: the NANPA area-code report (first line is a "File Date" line).
/// - `cna-co-code`: the Canadian Numbering Administrator CO-code status report (the second
///   line carries only the snapshot date).
pub fn builtin(name: &str) -> Option<&'static str> {
    match name {
        "nanpa-npa" => Some(include_str!("profiles/nanpa-npa.toml")),
        "cna-co-code" => Some(include_str!("profiles/cna-co-code.toml")),
        _ => None,
    }
}

/// Names of the built-in profiles.
pub const BUILTIN_NAMES: &[&str] = &["nanpa-npa", "cna-co-code"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse() {
        for name in BUILTIN_NAMES {
            let text = builtin(name).unwrap();
            Profile::from_toml(text, Path::new(name)).unwrap();
        }
    }

    #[test]
    fn unknown_key_is_named() {
        let e = Profile::from_toml("delimeter = ';'", Path::new("p.toml")).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("delimeter"), "{msg}");
        assert!(msg.contains("p.toml"), "{msg}");
    }

    #[test]
    fn delimiter_forms() {
        let mut p = Profile::default();
        for (s, b) in [(",", b','), (";", b';'), ("tab", b'\t'), ("|", b'|')] {
            p.delimiter = s.into();
            assert_eq!(p.delimiter_byte().unwrap(), b);
        }
        p.delimiter = ";;".into();
        assert!(p.delimiter_byte().is_err());
    }

    #[test]
    fn resolve_builds_the_typed_spec() {
        let p = Profile::from_toml(
            "delimiter = \"tab\"\nquote = \"'\"\nmultiline = true\nduration = \"mm:ss\"\n\
             ambiguous = \"latest\"\n[values.status]\n\" OK \" = \"obtained\"\n",
            Path::new("p.toml"),
        )
        .unwrap();
        let spec = p.resolve().unwrap();
        assert_eq!((spec.delimiter, spec.quote), (b'\t', b'\''));
        assert_eq!(spec.records, RecordEnd::Quoted);
        assert_eq!(spec.duration, DurationFormat::MinSec);
        assert_eq!(spec.values["status"]["ok"], "obtained");
        let d = Profile::default().resolve().unwrap();
        assert_eq!(
            (d.delimiter, d.quote, d.records),
            (b',', b'"', RecordEnd::Line)
        );
    }

    #[test]
    fn resolve_names_the_first_bad_key() {
        let bad = |toml: &str| {
            Profile::from_toml(toml, Path::new("p.toml"))
                .unwrap()
                .resolve()
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            bad("delimiter = \";;\"\nambiguous = \"first\""),
            "key `delimiter`: expected one ASCII character (or \"tab\"), found \";;\""
        );
        assert_eq!(
            bad("ambiguous = \"first\"\nduration = \"minutes\""),
            "ambiguous: \"first\" is not earliest, latest or quarantine"
        );
        assert_eq!(
            bad("duration = \"minutes\""),
            "duration: \"minutes\" is not s, mm:ss or hh:mm:ss"
        );
        assert_eq!(
            bad("timestamp_formats = []"),
            "timestamp_formats: give at least one format"
        );
        assert!(bad("time_zone = \"America/Torronto\"")
            .starts_with("time_zone/timestamp_formats: unknown time zone"));
        assert!(bad("default_country = \"CAN\"").starts_with("default_country: "));
        assert_eq!(
            bad("max_field_bytes = 0"),
            "max_field_bytes: must be at least 1"
        );
        assert_eq!(
            bad("keep = { Direction = [] }"),
            "keep.\"Direction\": give at least one value"
        );
        assert_eq!(
            bad("drop = { \" \" = [\"OUT\"] }"),
            "drop: empty source column name"
        );
        assert_eq!(
            bad("max_quarantine_share = 1.5"),
            "max_quarantine_share: 1.5 is not a share from 0 to 1"
        );
        assert_eq!(
            bad("max_quarantine_share = nan"),
            "max_quarantine_share: NaN is not a share from 0 to 1"
        );
        assert_eq!(
            bad("latest_by = \"\""),
            "latest_by: empty source column name"
        );
        assert_eq!(
            bad("shared_columns = [\"\"]"),
            "shared_columns: empty source column name"
        );
    }

    #[test]
    fn row_filter_values_are_trimmed_sorted_and_deduplicated() {
        let p = Profile::from_toml(
            "keep = { Direction = [\" IN\", \"Incoming\", \"IN \"] }\n\
             drop = { Type = [\"SMS\"] }",
            Path::new("p.toml"),
        )
        .unwrap();
        let f = p.resolve().unwrap().filter;
        assert_eq!(f.keep["Direction"], ["IN", "Incoming"]);
        assert_eq!(f.drop["Type"], ["SMS"]);
        assert!(!f.is_empty());
        assert!(Profile::default().resolve().unwrap().filter.is_empty());
        assert_eq!(
            Profile::default().max_quarantine_share,
            DEFAULT_MAX_QUARANTINE_SHARE
        );
    }

    #[test]
    fn format_from_extension() {
        assert_eq!(Format::from_path(Path::new("a/b.CSV")), Some(Format::Csv));
        assert_eq!(Format::from_path(Path::new("b.xlsx")), Some(Format::Xlsx));
        assert_eq!(Format::from_path(Path::new("b")), None);
    }
}
