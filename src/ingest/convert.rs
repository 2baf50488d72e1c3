//! Cells to canonical columns: the [`Plan`] binds a file's source columns to a kind's canonical
//! columns once per file; a [`Converter`] (one per chunk, so chunks convert in parallel) turns
//! each record into typed values, appends them to column builders, and sends the record to the
//! quarantine with its reason when a value cannot be used.
//!
//! A record is converted all or nothing: every value is read first, and only when all are usable
//! are they appended, so the columns stay aligned and every record is counted exactly once, as
//! accepted or quarantined.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, DictionaryArray, Int32Array, Int64Builder, StringArray,
    StringBuilder, TimestampMicrosecondBuilder, UInt16Builder, UInt64Array, UInt64Builder,
};
use arrow::datatypes::Int32Type;
use arrow::record_batch::RecordBatch;

use crate::config::InputFile;
use crate::error::{Error, Result};
use crate::load::{Cell, RowView};
use crate::model::{ColSpec, ColType, Kind};
use crate::normalize::phone::{Phone, PhoneParser};
use crate::normalize::time::{parse_duration_ms, trim, DurationError, DurationFormat, TimeParser};

/// Where a canonical column's value comes from in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Binding {
    /// Source columns (0-based), joined with spaces when several.
    Source(Vec<usize>),
    /// The same value on every row.
    Const(String),
    /// Nothing: null.
    Null,
}

/// The per-file conversion plan.
#[derive(Debug)]
pub struct Plan {
    kind: Kind,
    /// Bindings, one per canonical column of the kind.
    pub bindings: Vec<Binding>,
    values: Vec<Option<HashMap<String, String>>>,
    phone: Arc<PhoneParser>,
    time: TimeParser,
    duration: DurationFormat,
    max_field_bytes: usize,
    file_name: String,
    /// Source columns bound to nothing.
    pub unused: Vec<String>,
}

/// One quarantined record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QRow {
    /// 1-based line or row in the evidence file.
    pub row: u64,
    /// The canonical column at fault, if one is.
    pub column: Option<&'static str>,
    /// Why the record could not be used.
    pub reason: String,
    /// The record as it was.
    pub raw: String,
}

/// Counts kept while converting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Records read (accepted + quarantined).
    pub rows_read: u64,
    /// Records converted.
    pub accepted: u64,
    /// Records quarantined.
    pub quarantined: u64,
    /// Blank lines passed over (not records).
    pub blank_lines: u64,
    /// Converted records with a local time in a fall-back fold, resolved by the profile's policy
    /// (before duplicate removal: ingest counts calls again from the rows it keeps).
    pub ambiguous_times: u64,
    /// Converted records with a blocked caller ID (before duplicate removal, as above).
    pub blocked_ids: u64,
    /// Converted records with an unusable (invalid) caller ID, kept with status `invalid`
    /// (before duplicate removal, as above).
    pub invalid_ids: u64,
}

impl Counts {
    /// Adds another chunk's counts.
    pub fn add(&mut self, o: &Counts) {
        self.rows_read += o.rows_read;
        self.accepted += o.accepted;
        self.quarantined += o.quarantined;
        self.blank_lines += o.blank_lines;
        self.ambiguous_times += o.ambiguous_times;
        self.blocked_ids += o.blocked_ids;
        self.invalid_ids += o.invalid_ids;
    }
}

/// A converted chunk.
#[derive(Debug)]
pub struct ChunkOut {
    /// The canonical rows.
    pub batch: RecordBatch,
    /// The quarantined records, in row order.
    pub quarantine: Vec<QRow>,
    /// Counts.
    pub counts: Counts,
}

impl Plan {
    /// Binds `file`'s source columns (`header`, in file order) to the canonical columns of its
    /// kind. A column the profile maps is looked up by exact name, then ignoring case and
    /// surrounding spaces; an unmapped canonical column binds to the input's `set` if it has a
    /// value for it (even when the header has a column of the same name), else to a source
    /// column of its own name, else to its fallback.
    ///
    /// # Errors
    /// [`Error::Input`] naming the file and the column when a mapped column is missing from the
    /// header, appears in it twice, or a required column has no source at all.
    pub fn new(file: &InputFile, header: &[String]) -> Result<Plan> {
        let p = &file.profile;
        let kind = file.kind;
        let mut bindings = Vec::new();
        let mut used = vec![false; header.len()];
        let find = |name: &str| -> Result<Option<usize>> {
            let exact: Vec<usize> = (0..header.len()).filter(|&i| header[i] == name).collect();
            let hits = if exact.is_empty() {
                let lname = name.trim().to_lowercase();
                (0..header.len())
                    .filter(|&i| header[i].trim().to_lowercase() == lname)
                    .collect()
            } else {
                exact
            };
            match hits.len() {
                0 => Ok(None),
                1 => Ok(Some(hits[0])),
                _ => Err(Error::input(
                    &file.path,
                    None,
                    format!(
                        "column {name:?} appears {} times in the header (columns {}); \
                         the mapping would be ambiguous",
                        hits.len(),
                        hits.iter()
                            .map(|i| (i + 1).to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
            }
        };
        for spec in kind.columns() {
            let b = if let Some(src) = p.columns.get(spec.name) {
                let mut idx = Vec::new();
                for name in src.names() {
                    let i = match positional(name, header.len()) {
                        Some(i) => Some(i),
                        None => find(name)?,
                    };
                    match i {
                        Some(i) => idx.push(i),
                        None => {
                            return Err(Error::input(
                                &file.path,
                                None,
                                format!(
                                    "column {name:?} (mapped to `{}` by profile `{}`) is not in \
                                     the header; the header has: {}",
                                    spec.name,
                                    file.profile_name,
                                    quote_list(header)
                                ),
                            ))
                        }
                    }
                }
                Binding::Source(idx)
            } else if let Some(v) = file.set.get(spec.name) {
                Binding::Const(v.clone())
            } else if let Some(i) = find(spec.name)? {
                Binding::Source(vec![i])
            } else if let Some(v) = file.fallback_value(spec.fallback) {
                Binding::Const(v)
            } else if spec.required {
                return Err(Error::input(
                    &file.path,
                    None,
                    format!(
                        "required column `{}` of kind {kind} is not mapped by profile `{}` and the \
                         header has no column of that name; the header has: {}",
                        spec.name,
                        file.profile_name,
                        quote_list(header)
                    ),
                ));
            } else {
                Binding::Null
            };
            if let Binding::Source(idx) = &b {
                for &i in idx {
                    used[i] = true;
                }
            }
            bindings.push(b);
        }
        let values = kind
            .columns()
            .iter()
            .map(|c| {
                p.values.get(c.name).map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.trim().to_lowercase(), v.clone()))
                        .collect::<HashMap<_, _>>()
                })
            })
            .collect();
        let policy = p
            .ambiguous
            .parse()
            .map_err(|_| Error::config(&file.path, "bad `ambiguous` policy"))?;
        let time = TimeParser::try_new(&p.timestamp_formats, &p.time_zone, policy)
            .map_err(|e| Error::config(&file.path, e.to_string()))?;
        let duration = p
            .duration
            .parse()
            .map_err(|_| Error::config(&file.path, "bad `duration` format"))?;
        let phone = PhoneParser::try_new(&p.default_country, &p.blocked_tokens)
            .map_err(|e| Error::config(&file.path, e.to_string()))?;
        let unused = header
            .iter()
            .zip(&used)
            .filter(|(_, u)| !**u)
            .map(|(h, _)| h.clone())
            .collect();
        Ok(Plan {
            kind,
            bindings,
            values,
            phone: Arc::new(phone),
            time,
            duration,
            max_field_bytes: p.max_field_bytes,
            file_name: file.name.clone(),
            unused,
        })
    }

    /// The longest field accepted, in bytes.
    pub fn max_field_bytes(&self) -> usize {
        self.max_field_bytes
    }

    /// A fresh converter for one chunk.
    pub fn converter(&self) -> Converter<'_> {
        Converter {
            plan: self,
            time: self.time.clone(),
            cols: self.kind.columns().iter().map(ColBuilder::new).collect(),
            source_row: Vec::new(),
            quarantine: Vec::new(),
            counts: Counts::default(),
            scratch: String::new(),
            vals: Vec::new(),
        }
    }
}

/// `"#3"` names the third column (for files without a header).
fn positional(name: &str, ncols: usize) -> Option<usize> {
    let n: usize = name.strip_prefix('#')?.parse().ok()?;
    (n >= 1 && n <= ncols).then(|| n - 1)
}

fn quote_list(h: &[String]) -> String {
    let mut s = h
        .iter()
        .take(40)
        .map(|x| format!("{x:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    if h.len() > 40 {
        s.push_str(", ...");
    }
    s
}

/// A typed value read from a record, before it is appended.
#[derive(Clone, Copy, Debug)]
enum Val {
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

enum ColBuilder {
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
    fn new(spec: &ColSpec) -> ColBuilder {
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

const CALLER_STATUS: [&str; 3] = ["ok", "blocked", "invalid"];

/// Converts the records of one chunk.
pub struct Converter<'p> {
    plan: &'p Plan,
    time: TimeParser,
    cols: Vec<ColBuilder>,
    source_row: Vec<u64>,
    quarantine: Vec<QRow>,
    counts: Counts,
    /// Joined multi-column values and owned text of the record being converted.
    scratch: String,
    vals: Vec<Val>,
}

/// Why a value could not be used: the column and the reason.
type Reject = (&'static str, String);

impl<'p> Converter<'p> {
    /// Records a blank line (not a record).
    pub fn blank(&mut self) {
        self.counts.blank_lines += 1;
    }

    /// Quarantines a record the reader could not split into cells.
    pub fn reject(&mut self, row: u64, reason: String, raw: String) {
        self.counts.rows_read += 1;
        self.counts.quarantined += 1;
        self.quarantine.push(QRow {
            row,
            column: None,
            reason,
            raw,
        });
    }

    /// Converts one record, or quarantines it with the reason.
    pub fn row(&mut self, row: u64, view: &dyn RowView) {
        self.counts.rows_read += 1;
        self.scratch.clear();
        self.vals.clear();
        let specs = self.plan.kind.columns();
        let mut ambiguous = false;
        let mut caller = (0u64, 0u64);
        for (ci, spec) in specs.iter().enumerate() {
            match self.value(ci, spec, view) {
                Ok(v) => {
                    match v {
                        Val::Time(_, true) => ambiguous = true,
                        Val::CallerId(_, 1, ..) => caller.0 += 1,
                        Val::CallerId(_, 2, ..) => caller.1 += 1,
                        _ => {}
                    }
                    self.vals.push(v);
                }
                Err((col, reason)) => {
                    self.counts.quarantined += 1;
                    self.quarantine.push(QRow {
                        row,
                        column: Some(col),
                        reason,
                        raw: view.raw(),
                    });
                    return;
                }
            }
        }
        self.counts.accepted += 1;
        self.counts.ambiguous_times += ambiguous as u64;
        self.counts.blocked_ids += caller.0;
        self.counts.invalid_ids += caller.1;
        self.source_row.push(row);
        for (b, v) in self.cols.iter_mut().zip(self.vals.iter()) {
            push(b, *v, &self.scratch);
        }
    }

    /// Reads the value of canonical column `ci` from the record.
    fn value(
        &mut self,
        ci: usize,
        spec: &'static ColSpec,
        view: &dyn RowView,
    ) -> std::result::Result<Val, Reject> {
        let name = spec.name;
        let bad = |reason: String| -> Reject { (name, reason) };
        // A date column and a time column: parsed without joining them (the parser memoises
        // the date and hour). Anything it cannot read goes the general way below, which gives
        // the error and its text.
        if let (Binding::Source(idx), ColType::Time, None) =
            (&self.plan.bindings[ci], spec.ty, &self.plan.values[ci])
        {
            if let [d, t] = idx[..] {
                if let (Ok(Cell::Text(d)), Ok(Cell::Text(t))) = (view.get(d), view.get(t)) {
                    if !(trim(d).is_empty() && trim(t).is_empty()) {
                        if let Ok(i) = self.time.parse_joined(d, t) {
                            return Ok(Val::Time(i.micros, i.ambiguous));
                        }
                    }
                }
            }
        }
        // One text cell for a number or a duration, read as it is (its text is not kept, so it
        // need not be copied into scratch). Only a usable value returns here; the general way
        // below gives everything else, errors and their texts included.
        if let (Binding::Source(idx), None) = (&self.plan.bindings[ci], &self.plan.values[ci]) {
            if let ([i], ColType::Phone | ColType::Duration) = (&idx[..], spec.ty) {
                if let Ok(Cell::Text(s)) = view.get(*i) {
                    if s.len() <= self.plan.max_field_bytes {
                        let t = trim(s);
                        match spec.ty {
                            ColType::Phone if spec.required => {
                                if let Phone::Ok(n) = self.plan.phone.parse(t) {
                                    return Ok(Val::Phone(n));
                                }
                            }
                            ColType::Duration if !t.is_empty() => {
                                if let Ok(ms) = parse_duration_ms(t, self.plan.duration) {
                                    return Ok(Val::Int(ms));
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        // Resolve the binding to one cell; several source columns are joined into scratch.
        let start = self.scratch.len();
        let cell: Cell<'_> = match &self.plan.bindings[ci] {
            Binding::Null => Cell::Null,
            Binding::Const(c) => {
                self.scratch.push_str(c);
                Cell::Text("")
            }
            Binding::Source(idx) if idx.len() == 1 => {
                let c = view.get(idx[0]).map_err(|r| bad(r.to_string()))?;
                match c {
                    Cell::Text(s) => {
                        if s.len() > self.plan.max_field_bytes {
                            return Err(bad(format!(
                                "field of {} bytes exceeds max_field_bytes ({})",
                                s.len(),
                                self.plan.max_field_bytes
                            )));
                        }
                        self.scratch.push_str(s);
                        Cell::Text("")
                    }
                    other => other,
                }
            }
            Binding::Source(idx) => {
                for (k, &i) in idx.iter().enumerate() {
                    if k > 0 {
                        self.scratch.push(' ');
                    }
                    match view.get(i).map_err(|r| bad(r.to_string()))? {
                        Cell::Text(s) => self.scratch.push_str(s.trim()),
                        Cell::Null => {}
                        Cell::Int(v) => self.scratch.push_str(&v.to_string()),
                        Cell::Float(v) => self.scratch.push_str(&v.to_string()),
                        Cell::Bool(v) => self.scratch.push_str(if v { "true" } else { "false" }),
                        Cell::Utc(_) | Cell::Naive(_) => {
                            return Err(bad(
                                "a date-time cell cannot be joined with other columns".into()
                            ))
                        }
                    }
                }
                Cell::Text("")
            }
        };
        // Text now lives in scratch[start..]; apply the profile's value map.
        if matches!(cell, Cell::Text(_)) {
            if let Some(map) = &self.plan.values[ci] {
                let key = self.scratch[start..].trim().to_lowercase();
                if let Some(v) = map.get(&key) {
                    self.scratch.truncate(start);
                    self.scratch.push_str(v);
                }
            }
        }
        let end = self.scratch.len();
        let text = if matches!(cell, Cell::Text(_)) {
            Some(trim(&self.scratch[start..end]))
        } else {
            None
        };
        let empty = match cell {
            Cell::Null => true,
            Cell::Text(_) => text.is_some_and(str::is_empty),
            _ => false,
        };
        match spec.ty {
            ColType::Phone => {
                let parsed = match (cell, text) {
                    (_, Some(t)) => self.plan.phone.parse(t),
                    (Cell::Int(v), _) if v >= 0 => self.plan.phone.parse_int(v as u64),
                    (Cell::Float(v), _) => self.plan.phone.parse_float(v),
                    (Cell::Null, _) => Phone::Blocked,
                    _ => return Err(bad("not a phone number".into())),
                };
                // Keep the raw text of caller IDs in scratch for the `_raw` column.
                let (rs, re) = if text.is_some() {
                    (start, end)
                } else {
                    let s = self.scratch.len();
                    match cell {
                        Cell::Int(v) => self.scratch.push_str(&v.to_string()),
                        Cell::Float(v) => self.scratch.push_str(&v.to_string()),
                        _ => {}
                    }
                    (s, self.scratch.len())
                };
                let raw = &self.scratch[rs..re];
                if spec.required {
                    match parsed {
                        Phone::Ok(n) => Ok(Val::Phone(n)),
                        Phone::Blocked if raw.trim().is_empty() => Err(bad("no number".into())),
                        Phone::Blocked => Err(bad(format!(
                            "{raw:?} is a blocked caller ID, not a usable number"
                        ))),
                        Phone::Invalid(r) => {
                            Err(bad(format!("invalid number {raw:?}: {}", r.as_str())))
                        }
                    }
                } else {
                    match parsed {
                        Phone::Ok(n) => Ok(Val::CallerId(n, 0, rs as u32, re as u32)),
                        Phone::Blocked => Ok(Val::CallerId(0, 1, rs as u32, re as u32)),
                        Phone::Invalid(r) if r.is_corruption() => Err(bad(format!(
                            "damaged number {raw:?}: {} (never repaired)",
                            r.as_str()
                        ))),
                        Phone::Invalid(_) => Ok(Val::CallerId(0, 2, rs as u32, re as u32)),
                    }
                }
            }
            _ if empty => {
                if spec.required {
                    Err(bad("empty".into()))
                } else {
                    Ok(Val::Null)
                }
            }
            ColType::Time => {
                let r = match (cell, text) {
                    (_, Some(t)) => self.time.parse(t),
                    (Cell::Utc(m), _) => Ok(crate::normalize::time::Instant {
                        micros: m,
                        ambiguous: false,
                    }),
                    (Cell::Naive(m), _) => self.time.parse_naive_micros(m),
                    (Cell::Int(v), _) => {
                        let s = v.to_string();
                        self.time.parse(&s)
                    }
                    (Cell::Float(v), _) => {
                        let s = v.to_string();
                        self.time.parse(&s)
                    }
                    _ => return Err(bad("not a time".into())),
                };
                match r {
                    Ok(i) => Ok(Val::Time(i.micros, i.ambiguous)),
                    Err(e) => Err(bad(format!(
                        "{}: {:?}",
                        e.as_str(),
                        text.map(str::to_string)
                            .unwrap_or_else(|| format!("{cell:?}"))
                    ))),
                }
            }
            ColType::Duration => {
                let r = match (cell, text) {
                    (_, Some(t)) => {
                        parse_duration_ms(t, self.plan.duration).map_err(|e| e.as_str())
                    }
                    (Cell::Int(v), _) => number_duration_ms(v as f64).map_err(|e| e.as_str()),
                    (Cell::Float(v), _) if !v.is_nan() => {
                        number_duration_ms(v).map_err(|e| e.as_str())
                    }
                    _ => Err("not a duration"),
                };
                r.map(Val::Int).map_err(|e| {
                    let shown = match (cell, text) {
                        (_, Some(t)) => t.to_string(),
                        (Cell::Int(v), _) => v.to_string(),
                        (Cell::Float(v), _) => v.to_string(),
                        _ => format!("{cell:?}"),
                    };
                    bad(format!("{e}: {shown:?}"))
                })
            }
            ColType::Text => {
                let t = match (cell, text) {
                    (_, Some(_)) => None,
                    (Cell::Int(v), _) => Some(v.to_string()),
                    (Cell::Float(v), _) => Some(v.to_string()),
                    (Cell::Bool(v), _) => Some(v.to_string()),
                    _ => return Err(bad("not text".into())),
                };
                match t {
                    None => {
                        let t = text.unwrap_or_default();
                        let off = t.as_ptr() as usize - self.scratch.as_ptr() as usize;
                        Ok(Val::Text(off as u32, (off + t.len()) as u32))
                    }
                    Some(s) => {
                        let a = self.scratch.len();
                        self.scratch.push_str(&s);
                        Ok(Val::Text(a as u32, self.scratch.len() as u32))
                    }
                }
            }
            ColType::Enum(allowed) => {
                let t = text.ok_or_else(|| bad("not text".into()))?;
                allowed
                    .iter()
                    .position(|a| a.eq_ignore_ascii_case(t))
                    .map(|k| Val::Key(k as i32))
                    .ok_or_else(|| {
                        bad(format!(
                            "{t:?} is not one of {} (map it with `values.{name}`)",
                            allowed.join(", ")
                        ))
                    })
            }
            ColType::Bool => match (cell, text) {
                (Cell::Bool(b), _) => Ok(Val::Bool(b)),
                (Cell::Int(v), _) if v == 0 || v == 1 => Ok(Val::Bool(v == 1)),
                (_, Some(t)) => parse_bool(t).map(Val::Bool).ok_or_else(|| {
                    bad(format!("{t:?} is not yes/no (map it with `values.{name}`)"))
                }),
                _ => Err(bad("not yes/no".into())),
            },
            ColType::Code { max } => {
                let v = match (cell, text) {
                    (Cell::Int(v), _) => u16::try_from(v).ok(),
                    (_, Some(t))
                        if !t.is_empty()
                            && t.len() <= 5
                            && t.bytes().all(|b| b.is_ascii_digit()) =>
                    {
                        t.parse::<u16>().ok()
                    }
                    _ => None,
                };
                match v {
                    Some(v) if v <= max => Ok(Val::Code(v)),
                    _ => Err(bad(format!(
                        "{:?} is not a code from 0 to {max}",
                        text.map(str::to_string)
                            .unwrap_or_else(|| format!("{cell:?}"))
                    ))),
                }
            }
        }
    }

    /// Finishes the chunk: shifts row numbers by `row_offset` (the chunk's first line in the
    /// file, minus one) and builds the batch.
    ///
    /// # Errors
    /// Only when Arrow rejects the arrays, which would be a bug.
    pub fn finish(mut self, row_offset: u64) -> Result<ChunkOut> {
        let kind = self.plan.kind;
        let mut arrays: Vec<ArrayRef> = Vec::new();
        for b in self.cols.iter_mut() {
            finish_col(b, &mut arrays);
        }
        let n = self.source_row.len();
        let keys = Int32Array::from(vec![0i32; n]);
        let values = Arc::new(StringArray::from(vec![self.plan.file_name.as_str()]));
        let file = DictionaryArray::<Int32Type>::try_new(keys, values)
            .map_err(|e| Error::store("source_file", e))?;
        arrays.push(Arc::new(file));
        let rows: Vec<u64> = self.source_row.iter().map(|r| r + row_offset).collect();
        arrays.push(Arc::new(UInt64Array::from(rows)));
        let batch = RecordBatch::try_new(kind.schema(), arrays)
            .map_err(|e| Error::store(kind.name(), e))?;
        for q in &mut self.quarantine {
            q.row += row_offset;
        }
        Ok(ChunkOut {
            batch,
            quarantine: self.quarantine,
            counts: self.counts,
        })
    }
}

fn push(b: &mut ColBuilder, v: Val, scratch: &str) {
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

fn finish_col(b: &mut ColBuilder, out: &mut Vec<ArrayRef>) {
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

/// Longest accepted duration, as for text durations: 24 hours, inclusive.
const MAX_DURATION_MS: f64 = 86_400_000.0;

/// A number cell (spreadsheet, Parquet, JSON) taken as seconds: milliseconds, rounded, under the
/// same rules as a text duration (negative rejected, at most 24 hours).
fn number_duration_ms(secs: f64) -> std::result::Result<i64, DurationError> {
    let ms = (secs * 1000.0).round();
    if ms < 0.0 {
        Err(DurationError::Negative)
    } else if ms > MAX_DURATION_MS {
        Err(DurationError::OutOfRange)
    } else {
        // Zero (also -0.0) up to the limit: exact in i64.
        Ok(ms as i64)
    }
}

/// Yes/no in the spellings carriers and French exports use.
pub fn parse_bool(t: &str) -> Option<bool> {
    let l = t.trim().to_ascii_lowercase();
    match l.as_str() {
        "true" | "yes" | "y" | "1" | "oui" | "o" | "t" => Some(true),
        "false" | "no" | "n" | "0" | "non" | "f" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bool_spellings() {
        assert_eq!(parse_bool(" Oui "), Some(true));
        assert_eq!(parse_bool("NO"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }

    #[test]
    fn bool_single_letters_as_documented() {
        assert_eq!(parse_bool("t"), Some(true));
        assert_eq!(parse_bool(" F "), Some(false));
    }

    #[test]
    fn number_durations_follow_the_text_rules() {
        assert_eq!(number_duration_ms(32.0), Ok(32_000));
        assert_eq!(number_duration_ms(12.5), Ok(12_500));
        assert_eq!(number_duration_ms(-0.0), Ok(0));
        assert_eq!(number_duration_ms(86_400.0), Ok(86_400_000));
        assert_eq!(number_duration_ms(86_400.5), Err(DurationError::OutOfRange));
        assert_eq!(
            number_duration_ms(100_000.0),
            Err(DurationError::OutOfRange)
        );
        assert_eq!(
            number_duration_ms(f64::INFINITY),
            Err(DurationError::OutOfRange)
        );
        assert_eq!(number_duration_ms(-5.0), Err(DurationError::Negative));
    }

    #[test]
    fn positional_names() {
        assert_eq!(positional("#1", 3), Some(0));
        assert_eq!(positional("#4", 3), None);
        assert_eq!(positional("1", 3), None);
    }
}
