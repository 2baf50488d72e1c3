//! JSON lines: one JSON object per line. Keys are the source columns; the header is the union
//! of the keys of all records, in order of first appearance. A line that is not a JSON object
//! is quarantined; nested values are read as their JSON text.

use serde_json::{Map, Value};

use crate::config::InputFile;
use crate::error::{Error, Result};
use crate::ingest::convert::Plan;
use crate::load::{read_all, Cell, Loaded, RowView};
use crate::profile::TextEncoding;

/// A line: its number, its text, and the object or why it is not one (empty: a blank line).
type JsonRecord<'a> = (u64, &'a str, std::result::Result<Map<String, Value>, String>);

/// Reads a JSON-lines file.
///
/// # Errors
/// [`Error::Input`] for an empty file or a missing mapped key.
pub fn read(file: &InputFile) -> Result<Loaded> {
    let (bytes, sha256) = read_all(file)?;
    let size = bytes.len() as u64;
    if bytes.is_empty() {
        return Err(Error::input(&file.path, None, "empty file (0 bytes)"));
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(&bytes);
    let text: std::borrow::Cow<'_, str> = match file.profile.encoding {
        TextEncoding::Windows1252 => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(body)
                .0
        }
        TextEncoding::Utf8 => String::from_utf8_lossy(body),
    };
    // First pass: parse every line and collect the keys.
    let mut header: Vec<String> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    let mut recs: Vec<JsonRecord<'_>> = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let parsed = if line.trim().is_empty() {
            Err(String::new())
        } else {
            match serde_json::from_str::<Value>(line) {
                Ok(Value::Object(m)) => {
                    for k in m.keys() {
                        if !seen.contains_key(k) {
                            seen.insert(k.clone(), header.len());
                            header.push(k.clone());
                        }
                    }
                    Ok(m)
                }
                Ok(_) => Err("not a JSON object".to_string()),
                Err(e) => Err(format!("not JSON: {e}")),
            }
        };
        recs.push((i as u64 + 1, line, parsed));
    }
    let plan = Plan::new(file, &header)?;
    let mut conv = plan.converter();
    for (row, line, rec) in &recs {
        match rec {
            Err(e) if e.is_empty() => conv.blank(),
            Err(e) => conv.reject(*row, e.clone(), line.to_string()),
            Ok(m) => conv.row(
                *row,
                &JsonRow {
                    m,
                    header: &header,
                    line,
                },
            ),
        }
    }
    let chunk = conv.finish(0)?;
    Ok(Loaded {
        chunks: vec![chunk],
        sha256,
        bytes: size,
        skipped: 0,
        unused_columns: plan.unused.clone(),
        encoding: "utf-8",
    })
}

struct JsonRow<'a> {
    m: &'a Map<String, Value>,
    header: &'a [String],
    line: &'a str,
}

impl RowView for JsonRow<'_> {
    fn get(&self, col: usize) -> std::result::Result<Cell<'_>, &'static str> {
        let Some(key) = self.header.get(col) else {
            return Ok(Cell::Null);
        };
        Ok(match self.m.get(key) {
            None | Some(Value::Null) => Cell::Null,
            Some(Value::String(s)) => Cell::Text(s),
            Some(Value::Bool(b)) => Cell::Bool(*b),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(v) => Cell::Int(v),
                None => match n.as_u64() {
                    Some(v) if v <= i64::MAX as u64 => Cell::Int(v as i64),
                    _ => Cell::Float(n.as_f64().unwrap_or(f64::NAN)),
                },
            },
            Some(_) => return Err("a nested JSON value where a plain value was expected"),
        })
    }

    fn raw(&self) -> String {
        self.line.to_string()
    }
}
