//! The wire format of what the kernels hand between machines ([`super::kernels`]): a stage's
//! context, broadcast to every part, and each part's counts, gathered back. Both are serde
//! values encoded with postcard (a compact, documented format: integers as varints, strings and
//! byte strings length-prefixed), carried in Arrow so that an engine that moves Arrow batches
//! (Spark's `mapInArrow`) moves them as they are: a *count batch* is one row per part, with the
//! columns
//!
//! | column | type | holds |
//! |---|---|---|
//! | `format` | Utf8 | [`FORMAT`], so that a reader of another version refuses it |
//! | `stage` | Utf8 | the stage counted ([`super::kernels::Stage::name`]) |
//! | `part` | UInt32 | the store part counted |
//! | `tables` | Utf8 | the tables counted, comma-separated |
//! | `counts` | LargeBinary | the counts, postcard-encoded |
//!
//! Store rows that travel with the counts (the extracts of pass 3) ride inside them as Arrow IPC
//! streams.

use std::io::Cursor;
use std::sync::Arc;

use arrow::array::{Array, AsArray, LargeBinaryArray, RecordBatch, StringArray, UInt32Array};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::ipc::reader::StreamReader;
use arrow::ipc::writer::StreamWriter;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};

/// The format of count batches and contexts this build writes and reads.
pub const FORMAT: &str = "callsift-counts/1";

/// `v` encoded.
///
/// # Errors
/// [`Error::Store`] when `v` cannot be encoded (a bug: every value handed here can).
pub(crate) fn encode<T: Serialize>(v: &T) -> Result<Vec<u8>> {
    postcard::to_stdvec(v).map_err(|e| Error::store("counts", format!("cannot encode: {e}")))
}

/// The value `bytes` encode, `what` naming it in an error.
///
/// # Errors
/// [`Error::Store`] when `bytes` are not such a value (damaged, or of another version).
pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    postcard::from_bytes(bytes).map_err(|e| {
        Error::store(
            what,
            format!("cannot decode ({e}): not written by this version of callsift ({FORMAT})"),
        )
    })
}

/// One row of a count batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountRow {
    /// The stage counted.
    pub stage: String,
    /// The part counted.
    pub part: u32,
    /// The tables counted.
    pub tables: Vec<String>,
    /// The counts, encoded.
    pub counts: Vec<u8>,
}

/// The schema of a count batch.
pub fn count_schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("format", DataType::Utf8, false),
        Field::new("stage", DataType::Utf8, false),
        Field::new("part", DataType::UInt32, false),
        Field::new("tables", DataType::Utf8, false),
        Field::new("counts", DataType::LargeBinary, false),
    ]))
}

/// A count batch of `rows`.
///
/// # Errors
/// [`Error::Store`] only on a bug (the columns are built to the schema).
pub fn to_batch(rows: &[CountRow]) -> Result<RecordBatch> {
    let format = StringArray::from(vec![FORMAT; rows.len()]);
    let stage = StringArray::from_iter_values(rows.iter().map(|r| r.stage.as_str()));
    let part = UInt32Array::from_iter_values(rows.iter().map(|r| r.part));
    let tables = StringArray::from_iter_values(rows.iter().map(|r| r.tables.join(",")));
    let counts = LargeBinaryArray::from_iter_values(rows.iter().map(|r| r.counts.as_slice()));
    RecordBatch::try_new(
        count_schema(),
        vec![
            Arc::new(format),
            Arc::new(stage),
            Arc::new(part),
            Arc::new(tables),
            Arc::new(counts),
        ],
    )
    .map_err(|e| Error::store("counts", e))
}

/// The rows of count batch `b`.
///
/// # Errors
/// [`Error::Store`] when `b` is not a count batch, or of another format.
pub fn from_batch(b: &RecordBatch) -> Result<Vec<CountRow>> {
    let bad = |why: String| Error::store("counts", format!("not a count batch: {why}"));
    let col = |name: &str| {
        b.column_by_name(name)
            .ok_or_else(|| bad(format!("no column {name}")))
    };
    let text = |name: &str| -> Result<StringArray> {
        let c =
            arrow::compute::cast(col(name)?, &DataType::Utf8).map_err(|e| bad(e.to_string()))?;
        Ok(c.as_string::<i32>().clone())
    };
    let (format, stage, tables) = (text("format")?, text("stage")?, text("tables")?);
    let part = col("part")?
        .as_primitive_opt::<arrow::datatypes::UInt32Type>()
        .ok_or_else(|| bad("part is not UInt32".into()))?
        .clone();
    let counts = arrow::compute::cast(col("counts")?, &DataType::LargeBinary)
        .map_err(|e| bad(e.to_string()))?;
    let counts = counts.as_binary::<i64>();
    let mut rows = Vec::with_capacity(b.num_rows());
    for i in 0..b.num_rows() {
        if format.is_null(i) || format.value(i) != FORMAT {
            return Err(bad(format!(
                "row {i} is of format {:?}, this build reads {FORMAT}",
                format.is_valid(i).then(|| format.value(i))
            )));
        }
        if stage.is_null(i) || part.is_null(i) || tables.is_null(i) || counts.is_null(i) {
            return Err(bad(format!("row {i} has a null")));
        }
        rows.push(CountRow {
            stage: stage.value(i).to_string(),
            part: part.value(i),
            tables: tables
                .value(i)
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
            counts: counts.value(i).to_vec(),
        });
    }
    Ok(rows)
}

/// A record batch as a serde value: an Arrow IPC stream in a byte string.
pub(crate) mod batch {
    use super::*;

    /// Serialises `b` as an Arrow IPC stream.
    pub fn serialize<S: serde::Serializer>(
        b: &RecordBatch,
        s: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        let bytes = to_ipc(b).map_err(serde::ser::Error::custom)?;
        s.serialize_bytes(&bytes)
    }

    /// Reads a batch serialised by [`serialize`].
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> std::result::Result<RecordBatch, D::Error> {
        let bytes: Vec<u8> = d.deserialize_byte_buf(Bytes)?;
        from_ipc(&bytes).map_err(serde::de::Error::custom)
    }

    struct Bytes;

    impl serde::de::Visitor<'_> for Bytes {
        type Value = Vec<u8>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an Arrow IPC stream")
        }

        fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> std::result::Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }

        fn visit_byte_buf<E: serde::de::Error>(
            self,
            v: Vec<u8>,
        ) -> std::result::Result<Vec<u8>, E> {
            Ok(v)
        }
    }
}

/// `b` as an Arrow IPC stream.
///
/// # Errors
/// An Arrow error when `b` cannot be written (a bug).
pub(crate) fn to_ipc(b: &RecordBatch) -> std::result::Result<Vec<u8>, arrow::error::ArrowError> {
    let mut out = Vec::new();
    {
        let mut w = StreamWriter::try_new(&mut out, &b.schema())?;
        w.write(b)?;
        w.finish()?;
    }
    Ok(out)
}

/// The batch of an Arrow IPC stream written by [`to_ipc`] (its batches concatenated).
///
/// # Errors
/// An Arrow error when `bytes` are not such a stream.
pub(crate) fn from_ipc(bytes: &[u8]) -> std::result::Result<RecordBatch, arrow::error::ArrowError> {
    let r = StreamReader::try_new(Cursor::new(bytes), None)?;
    let schema = r.schema();
    let batches = r.collect::<std::result::Result<Vec<_>, _>>()?;
    arrow::compute::concat_batches(&schema, &batches)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_rows_round_trip_and_another_format_is_refused() {
        let rows = vec![
            CountRow {
                stage: "scan".into(),
                part: 3,
                tables: vec!["calls".into(), "vendor_calls".into()],
                counts: vec![1, 2, 3],
            },
            CountRow {
                stage: "lists".into(),
                part: 0,
                tables: vec![],
                counts: vec![],
            },
        ];
        let b = to_batch(&rows).unwrap();
        assert_eq!(from_batch(&b).unwrap(), rows);
        let mut cols = b.columns().to_vec();
        cols[0] = Arc::new(StringArray::from(vec!["callsift-counts/0"; 2]));
        let other = RecordBatch::try_new(b.schema(), cols).unwrap();
        let msg = from_batch(&other).unwrap_err().to_string();
        assert!(msg.contains("callsift-counts/0"), "{msg}");
    }

    #[test]
    fn a_batch_travels_inside_a_value() {
        #[derive(Serialize, serde::Deserialize)]
        struct V {
            #[serde(with = "batch")]
            b: RecordBatch,
            n: u64,
        }
        let b = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new("x", DataType::UInt32, false)])),
            vec![Arc::new(UInt32Array::from(vec![7, 8]))],
        )
        .unwrap();
        let bytes = encode(&V { b: b.clone(), n: 9 }).unwrap();
        let v: V = decode(&bytes, "test").unwrap();
        assert_eq!((v.b, v.n), (b, 9));
        assert!(decode::<V>(&bytes[..bytes.len() / 2], "test").is_err());
    }
}
