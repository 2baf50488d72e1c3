//! JSON lines: one JSON object per line. Keys are the source columns; the header is the union
//! of the keys of all records, in order of first appearance. The file is split into lines on
//! `\n` first (a final `\n` ends the last line, it does not start an empty one); a line that is
//! not valid UTF-8 (in a UTF-8 file), not JSON, not a JSON object or an object naming a key twice
//! is quarantined. An integer above `i64::MAX` is an exact [`Cell::UInt`]. A nested
//! value (array or object) under a mapped key quarantines its record; under an unmapped key it
//! is never read.
//!
//! With the profile's `explode = "KEY"`, each element of the array under KEY is handed over as
//! an item of its own (row = the line, item = the 1-based element), the record's other keys
//! repeated; a record whose KEY is missing, null, not an array or an empty array is quarantined
//! whole with the reason.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::de::DeserializeSeed;
use serde_json::{Map, Value};

use super::driver::{Chunks, Emit, Evidence, Loaded, WholeFile};
use super::record::{Cell, RecordTarget, RowView};
use crate::error::Result;
use crate::profile::TextEncoding;

/// Why a line is not a record.
enum NotRecord {
    /// A blank (white-space only) line: counted, not a record.
    Blank,
    /// A line that goes to the quarantine, with the reason.
    Bad(String),
}

/// A line: its number, its text, and the object or why it is not one.
type JsonRecord<'a> = (
    u64,
    Cow<'a, str>,
    std::result::Result<Map<String, Value>, NotRecord>,
);

/// The quarantine reason of a line that is not valid UTF-8 in a UTF-8 file.
const INVALID_UTF8: &str =
    "invalid UTF-8 (is the file Windows-1252? set `encoding` in the profile)";

/// Reads a JSON-lines file.
///
/// # Errors
/// [`crate::Error::Input`] for an empty file or a missing mapped key.
pub(crate) fn read<T, B>(
    ev: &Evidence<'_>,
    bind: B,
    emit: Option<Emit<'_, T::Chunk>>,
) -> Result<Loaded<T::Chunk>>
where
    T: RecordTarget,
    B: FnOnce(&[String]) -> Result<T>,
{
    let file = WholeFile::read(ev)?;
    // A UTF-8 byte-order mark is stripped and overrides the profile's encoding, as for CSV.
    let (body, cp1252, encoding) = match file.bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(rest) => (
            rest,
            false,
            match ev.spec.encoding {
                TextEncoding::Utf8 => "utf-8 (BOM)",
                TextEncoding::Windows1252 => "utf-8 (BOM overrides windows-1252)",
            },
        ),
        None => match ev.spec.encoding {
            TextEncoding::Utf8 => (&file.bytes[..], false, "utf-8"),
            TextEncoding::Windows1252 => (&file.bytes[..], true, "windows-1252"),
        },
    };
    let (header, recs) = parse(body, cp1252);
    let target = bind(&header)?;
    // The array column, by its exact name (the consumer checked that it is in the header).
    let explode = match &ev.spec.explode {
        Some(key) => match header.iter().position(|h| h == key) {
            Some(i) => Some((key.as_str(), i)),
            None => return Err(no_column(ev, key)),
        },
        None => None,
    };
    let mut chunks = Chunks::with_emit(&target, emit);
    let mut sink = chunks.sink();
    for (row, line, rec) in &recs {
        let m = match rec {
            Err(NotRecord::Blank) => {
                sink.blank();
                continue;
            }
            Err(NotRecord::Bad(e)) => {
                sink.reject(*row, e.clone(), line.to_string());
                continue;
            }
            Ok(m) => m,
        };
        let view = |item| JsonRow {
            m,
            header: &header,
            line,
            item,
        };
        let Some((key, col)) = explode else {
            sink.row(*row, &view(None));
            continue;
        };
        match m.get(key) {
            Some(Value::Array(a)) if !a.is_empty() => {
                for (j, v) in a.iter().enumerate() {
                    let n = u32::try_from(j + 1).unwrap_or(u32::MAX);
                    sink.item(*row, n, &view(Some((col, v))));
                }
            }
            other => sink.reject(*row, no_array(key, other), line.to_string()),
        }
    }
    chunks.push(sink, 0);
    chunks.finish(ev, file.facts(0, encoding))
}

/// The error of an `explode` key that is in no record.
fn no_column(ev: &Evidence<'_>, key: &str) -> crate::error::Error {
    crate::error::Error::input(
        ev.path,
        None,
        format!("explode = {key:?}: no record has that key"),
    )
}

/// Why a record's value under the `explode` key gives no items.
fn no_array(key: &str, v: Option<&Value>) -> String {
    let what = match v {
        None => return format!("no {key:?} key: no array to explode"),
        Some(Value::Null) => return format!("{key:?} is null: no array to explode"),
        Some(Value::Array(_)) => {
            return format!("{key:?} is an empty array: no element to explode")
        }
        Some(Value::Bool(_)) => "a boolean",
        Some(Value::Number(_)) => "a number",
        Some(Value::String(_)) => "a string",
        Some(Value::Object(_)) => "an object",
    };
    format!("{key:?} is {what}, not an array: nothing to explode")
}

/// Splits `body` into lines (lines first, then text: a line of invalid UTF-8 costs that line
/// only) and parses each; the header is the union of the objects' keys, in order of first
/// appearance.
fn parse(body: &[u8], cp1252: bool) -> (Vec<String>, Vec<JsonRecord<'_>>) {
    let lines: Vec<&[u8]> = if body.is_empty() {
        Vec::new()
    } else {
        body.strip_suffix(b"\n")
            .unwrap_or(body)
            .split(|&b| b == b'\n')
            .collect()
    };
    let mut header: Vec<String> = Vec::new();
    let mut seen = HashMap::new();
    let mut recs: Vec<JsonRecord<'_>> = Vec::with_capacity(lines.len());
    for (i, line) in lines.into_iter().enumerate() {
        let row = i as u64 + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let text: Cow<'_, str> = if cp1252 {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(line)
                .0
        } else {
            match std::str::from_utf8(line) {
                Ok(t) => Cow::Borrowed(t),
                Err(_) => {
                    let raw = String::from_utf8_lossy(line);
                    recs.push((row, raw, Err(NotRecord::Bad(INVALID_UTF8.into()))));
                    continue;
                }
            }
        };
        let parsed = if text.trim().is_empty() {
            Err(NotRecord::Blank)
        } else {
            match object(&text, &seen) {
                Ok((m, new_keys)) => {
                    for k in new_keys {
                        seen.insert(k.clone(), header.len());
                        header.push(k);
                    }
                    Ok(m)
                }
                Err(reason) => Err(NotRecord::Bad(reason)),
            }
        };
        recs.push((row, text, parsed));
    }
    (header, recs)
}

/// A line's JSON object with the keys the header has not `seen` yet (in the line's order), or
/// why the line is not one: not JSON, not an object, or an object that names a key twice (which
/// of its values is meant cannot be known, so neither is taken).
fn object(
    text: &str,
    seen: &HashMap<String, usize>,
) -> std::result::Result<(Map<String, Value>, Vec<String>), String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = ObjectSeed(seen)
        .deserialize(&mut de)
        .and_then(|o| de.end().map(|()| o));
    match parsed {
        Ok(Object {
            map,
            dup: None,
            new_keys,
        }) => Ok((map, new_keys)),
        Ok(Object { dup: Some(k), .. }) => Err(format!(
            "duplicate key {k:?}: the object gives it twice, and which value is meant cannot \
             be known"
        )),
        Err(e) if e.classify() == serde_json::error::Category::Data => {
            Err("not a JSON object".into())
        }
        Err(e) => Err(format!("not JSON: {e}")),
    }
}

/// A JSON object read key by key: its first repeated key (serde_json's own map keeps the last
/// value of a repeated key without a word), and the keys new to the header in the order the
/// line gives them (serde_json's map sorts its keys).
struct Object {
    map: Map<String, Value>,
    dup: Option<String>,
    new_keys: Vec<String>,
}

/// Reads an [`Object`], knowing the keys the header already has (so that a line of known keys
/// allocates no list).
struct ObjectSeed<'s>(&'s HashMap<String, usize>);

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_> {
    type Value = Object;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Object, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ObjectSeed<'_> {
    type Value = Object;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut access: A,
    ) -> std::result::Result<Object, A::Error> {
        let mut map = Map::new();
        let mut dup = None;
        let mut new_keys = Vec::new();
        while let Some(k) = access.next_key::<String>()? {
            let v: Value = access.next_value()?;
            if map.contains_key(&k) {
                dup.get_or_insert(k);
            } else {
                if !self.0.contains_key(&k) {
                    new_keys.push(k.clone());
                }
                map.insert(k, v);
            }
        }
        Ok(Object { map, dup, new_keys })
    }
}

/// A record (or one item of it) as the consumer sees it.
struct JsonRow<'a> {
    m: &'a Map<String, Value>,
    header: &'a [String],
    line: &'a str,
    /// For an item: the array's column and the element shown in its place.
    item: Option<(usize, &'a Value)>,
}

impl RowView for JsonRow<'_> {
    fn get(&self, col: usize) -> std::result::Result<Cell<'_>, &'static str> {
        if let Some((c, v)) = self.item {
            if c == col {
                return cell(Some(v));
            }
        }
        let Some(key) = self.header.get(col) else {
            return Ok(Cell::Null);
        };
        cell(self.m.get(key))
    }

    fn raw(&self) -> String {
        self.line.to_string()
    }
}

/// A JSON value as a cell; an array or an object is not one.
fn cell(v: Option<&Value>) -> std::result::Result<Cell<'_>, &'static str> {
    Ok(match v {
        None | Some(Value::Null) => Cell::Null,
        Some(Value::String(s)) => Cell::Text(s),
        Some(Value::Bool(b)) => Cell::Bool(*b),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(v) => Cell::Int(v),
            None => match n.as_u64() {
                Some(v) => Cell::UInt(v),
                None => Cell::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
        },
        Some(_) => return Err("a nested JSON value where a plain value was expected"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_object_naming_a_key_twice_is_not_a_record() {
        let none = HashMap::new();
        let object = |t: &str| super::object(t, &none);
        let (m, _) = object(r#"{"a": 1, "b": {"c": 2}}"#).unwrap();
        assert_eq!(m.len(), 2);
        let e = object(r#"{"a": 1, "b": 2, "a": 1}"#).unwrap_err();
        assert!(e.starts_with("duplicate key \"a\""), "{e}");
        assert_eq!(object("[1, 2]").unwrap_err(), "not a JSON object");
        assert_eq!(object("\"x\"").unwrap_err(), "not a JSON object");
        assert!(object("{\"a\": ").unwrap_err().starts_with("not JSON: "));
        assert!(object("{} x").unwrap_err().starts_with("not JSON: "));
    }

    #[test]
    fn the_header_keeps_the_order_keys_first_appear_in() {
        let body = b"{\"to\": 1, \"from\": 2, \"at\": 3}\n{\"at\": 4, \"zone\": 5, \"b\": 6}\n\
            {\"z\": 1, \"z\": 2}\n";
        let (header, recs) = parse(body, false);
        // The third line names `z` twice: it is no record, and its keys join no header.
        assert_eq!(header, ["to", "from", "at", "zone", "b"]);
        assert_eq!(recs.len(), 3);
    }
}
