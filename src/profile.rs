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

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

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
}

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
    pub fn delimiter_byte(&self) -> std::result::Result<u8, String> {
        single_ascii(&self.delimiter, "delimiter")
    }

    /// The quote byte.
    ///
    /// # Errors
    /// When the quote is not one ASCII character.
    pub fn quote_byte(&self) -> std::result::Result<u8, String> {
        single_ascii(&self.quote, "quote")
    }
}

fn single_ascii(s: &str, key: &str) -> std::result::Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(format!(
            "key `{key}`: expected one ASCII character (or \"tab\"), found {s:?}"
        )),
    }
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
    fn format_from_extension() {
        assert_eq!(Format::from_path(Path::new("a/b.CSV")), Some(Format::Csv));
        assert_eq!(Format::from_path(Path::new("b.xlsx")), Some(Format::Xlsx));
        assert_eq!(Format::from_path(Path::new("b")), None);
    }
}
