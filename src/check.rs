//! `callsift check`: a case's profiles tried on its evidence files before a run, writing nothing.
//!
//! The case manifest is loaded and validated as `run` loads it (profiles, inputs, windows); then
//! every file (or the files of one input) is read and converted exactly as ingest reads it, and
//! the first records of each are shown with their raw text beside what they became: the
//! canonical values as the store would hold them, the quarantine reason, or *filtered* (left
//! out by the row filter). Every record is converted, so the counts and the quarantined share
//! are those the run will find; a file that ingest would refuse (a missing column, a share above
//! `max_quarantine_share`) is reported with the run's message, and the check goes on to the
//! next file, so that one pass shows every problem of a case.
//!
//! ```text
//!  Case ─▶ file ─▶ load::read ─▶ Preview (wraps the converter's Plan) ─▶ PreviewSink per chunk
//!                                   │ each record: converted as in ingest, the first N kept
//!                                   ▼   with their raw text and verdict
//!                            FileCheck (counts, share, mapping, samples) ─▶ render (text)
//! ```
//!
//! Nothing is written: no store, no manifest, no log; evidence files are opened read-only, as
//! in every command.

use std::fmt::Write as _;
use std::str::FromStr;

use arrow::array::{Array, AsArray, UInt64Array};
use arrow::datatypes::UInt64Type;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use rayon::prelude::*;

use crate::config::{Case, InputFile, Window, WindowSpec};
use crate::error::{Error, Result};
use crate::ingest::convert::{Binding, Converter, Plan};
use crate::ingest::{quarantined_share, ChunkOut, RecordCounts};
use crate::load::{self, Evidence, Finished, RecordSink, RecordTarget, RowView, Verdict};
use crate::model::{ColType, Kind};
use crate::normalize::phone::format_e164;
use crate::normalize::time::format_utc;
use crate::profile::RowFilter;

/// What to check.
#[derive(Clone, Copy, Debug)]
pub struct CheckOptions {
    /// Only the files of this input (1-based, in case order); every file when `None`.
    pub input: Option<usize>,
    /// Records shown per file.
    pub rows: usize,
}

/// What became of one record.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Converted: each column of the store's table with its value (phone numbers `+digits`,
    /// times in UTC, `null` for none); the provenance columns (`source_*`) are left out.
    Accepted(Vec<(String, String)>),
    /// Sent to the quarantine: the canonical column at fault, if one is, and the reason.
    Quarantined {
        /// The column at fault.
        column: Option<&'static str>,
        /// Why.
        reason: String,
    },
    /// Left out by the profile's row filter.
    Filtered,
}

/// One record as the check shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Its 1-based line or row in the file.
    pub row: u64,
    /// Its element number, for an item of an exploded record.
    pub item: Option<u32>,
    /// The record as the file holds it.
    pub raw: String,
    /// What it became.
    pub outcome: Outcome,
}

/// A file read and converted.
#[derive(Debug)]
pub struct FileSample {
    /// The encoding it was decoded with.
    pub encoding: &'static str,
    /// Its records, as the reader handed them over and the converter judged them.
    pub counts: RecordCounts,
    /// Quarantined records over the records the row filter kept.
    pub share: f64,
    /// The profile's `max_quarantine_share`.
    pub max_share: f64,
    /// Each canonical column and where it comes from (`"Called Number"`, `= "bell"`, `-`).
    pub mapping: Vec<(&'static str, String)>,
    /// The profile's row filter.
    pub filter: RowFilter,
    /// Source columns read for nothing.
    pub unused: Vec<String>,
    /// The first records.
    pub samples: Vec<Sample>,
}

impl FileSample {
    /// Whether the quarantined share stops the run.
    pub fn stops(&self) -> bool {
        self.share > self.max_share
    }
}

/// One evidence file's check.
#[derive(Debug)]
pub struct FileCheck {
    /// The `[[inputs]]` entry it belongs to (1-based).
    pub input: usize,
    /// Its name, relative to the case manifest.
    pub name: String,
    /// Its kind.
    pub kind: &'static str,
    /// Its container format.
    pub format: &'static str,
    /// Its profile's name.
    pub profile: String,
    /// What reading it gave, or the error that stops the run on it.
    pub result: std::result::Result<FileSample, String>,
}

impl FileCheck {
    /// Whether a run would read the file.
    pub fn passes(&self) -> bool {
        matches!(&self.result, Ok(s) if !s.stops())
    }
}

/// Every file's check.
#[derive(Debug)]
pub struct CheckReport {
    /// The files, in case order.
    pub files: Vec<FileCheck>,
}

impl CheckReport {
    /// Whether a run would read every file checked.
    pub fn passed(&self) -> bool {
        self.files.iter().all(FileCheck::passes)
    }
}

/// Reads and converts the files of `case` (or of one input), keeping the first records of each.
///
/// # Errors
/// [`Error::Config`] when `opts.input` names no input of the case. A file that cannot be read
/// is not an error here: its [`FileCheck::result`] holds the message.
pub fn check(case: &Case, opts: &CheckOptions) -> Result<CheckReport> {
    let n_inputs = case.raw.inputs.len();
    if let Some(i) = opts.input {
        if i == 0 || i > n_inputs {
            return Err(Error::config(
                &case.file,
                format!("--input {i}: the case has inputs 1 to {n_inputs}"),
            ));
        }
    }
    let files: Vec<&InputFile> = case
        .files
        .iter()
        .filter(|f| opts.input.is_none_or(|i| f.spec_index + 1 == i))
        .collect();
    let files = files
        .par_iter()
        .map(|f| FileCheck {
            input: f.spec_index + 1,
            name: f.name.clone(),
            kind: f.kind.name(),
            format: f.format.name(),
            profile: f.profile_name.clone(),
            result: check_file(f, opts.rows).map_err(|e| e.to_string()),
        })
        .collect();
    Ok(CheckReport { files })
}

/// Reads one file through the converter, keeping its first `rows` records.
fn check_file(f: &InputFile, rows: usize) -> Result<FileSample> {
    let ev = Evidence {
        path: &f.path,
        format: f.format,
        spec: &f.spec,
    };
    let mut mapping = Vec::new();
    let loaded = load::read(&ev, |header| {
        let plan = Plan::new(f, header)?;
        mapping = describe_mapping(f, &plan, header);
        Ok(Preview { plan, rows })
    })?;
    let c = loaded.counts;
    let mut samples = Vec::with_capacity(rows);
    for chunk in &loaded.chunks {
        let room = rows - samples.len();
        samples.extend(chunk.samples(room, f.kind));
        if samples.len() == rows {
            break;
        }
    }
    Ok(FileSample {
        encoding: loaded.encoding,
        counts: c,
        share: quarantined_share(c.quarantined, c.rows_read - c.filtered),
        max_share: f.spec.max_quarantine_share,
        mapping,
        filter: f.spec.filter.clone(),
        unused: loaded.unused_columns,
        samples,
    })
}

/// Where each canonical column of `plan` comes from.
fn describe_mapping(f: &InputFile, plan: &Plan, header: &[String]) -> Vec<(&'static str, String)> {
    f.kind
        .columns()
        .iter()
        .zip(&plan.bindings)
        .map(|(spec, b)| {
            let from = match b {
                Binding::Source(idx) => idx
                    .iter()
                    .map(|&i| format!("{:?}", header[i]))
                    .collect::<Vec<_>>()
                    .join(" + "),
                Binding::Const(v) => format!("= {v:?}"),
                Binding::Null => "-".to_string(),
            };
            (spec.name, from)
        })
        .collect()
}

/// The converter's plan, its sinks wrapped so that the first records are kept with their raw
/// text.
struct Preview {
    plan: Plan,
    rows: usize,
}

/// A record kept for the check: where it is, its raw text, the verdict, and its index among the
/// chunk's accepted rows or quarantined records.
struct Taken {
    row: u64,
    item: Option<u32>,
    raw: String,
    verdict: Verdict,
    at: usize,
}

/// A converter that also keeps its chunk's first records.
struct PreviewSink<'p> {
    inner: Converter<'p>,
    rows: usize,
    taken: Vec<Taken>,
    accepted: usize,
    quarantined: usize,
}

/// A converted chunk with its first records.
struct PreviewChunk {
    out: ChunkOut,
    taken: Vec<Taken>,
}

impl RecordTarget for Preview {
    type Chunk = PreviewChunk;
    type Sink<'t> = PreviewSink<'t>;

    fn sink(&self) -> PreviewSink<'_> {
        PreviewSink {
            inner: self.plan.converter(),
            rows: self.rows,
            taken: Vec::new(),
            accepted: 0,
            quarantined: 0,
        }
    }

    fn unused_columns(&self) -> Vec<String> {
        self.plan.unused.clone()
    }
}

impl PreviewSink<'_> {
    /// Counts the verdict and keeps the record while the chunk has fewer than `rows`.
    fn take(
        &mut self,
        row: u64,
        item: Option<u32>,
        verdict: Verdict,
        raw: impl FnOnce() -> String,
    ) {
        let at = match verdict {
            Verdict::Accepted => {
                self.accepted += 1;
                self.accepted - 1
            }
            Verdict::Quarantined => {
                self.quarantined += 1;
                self.quarantined - 1
            }
            Verdict::Filtered => 0,
        };
        if self.taken.len() < self.rows {
            self.taken.push(Taken {
                row,
                item,
                raw: raw(),
                verdict,
                at,
            });
        }
    }
}

impl RecordSink for PreviewSink<'_> {
    type Chunk = PreviewChunk;

    fn record(&mut self, row: u64, view: &dyn RowView) -> Verdict {
        let v = self.inner.record(row, view);
        self.take(row, None, v, || view.raw());
        v
    }

    fn item(&mut self, row: u64, item: u32, view: &dyn RowView) -> Verdict {
        let v = self.inner.item(row, item, view);
        self.take(row, Some(item), v, || view.raw());
        v
    }

    fn quarantine(&mut self, row: u64, reason: String, raw: String) {
        self.take(row, None, Verdict::Quarantined, || raw.clone());
        self.inner.quarantine(row, reason, raw);
    }

    fn finish(self, row_offset: u64) -> Result<PreviewChunk> {
        let out = self.inner.finish(row_offset)?;
        let mut taken = self.taken;
        for t in &mut taken {
            t.row += row_offset;
        }
        Ok(PreviewChunk { out, taken })
    }
}

impl Finished for PreviewChunk {
    fn accepted(&self) -> u64 {
        self.out.accepted()
    }

    fn quarantined(&self) -> u64 {
        self.out.quarantined()
    }

    fn filtered(&self) -> u64 {
        self.out.filtered()
    }
}

impl PreviewChunk {
    /// The chunk's first `n` records, with what they became.
    fn samples(&self, n: usize, kind: Kind) -> Vec<Sample> {
        let batch = &self.out.batch;
        let schema = batch.schema();
        let opts = FormatOptions::default().with_null("null");
        // Every column but the provenance ones, phone numbers written `+digits`.
        let shown: Vec<(&str, Shown<'_>)> = schema
            .fields()
            .iter()
            .zip(batch.columns())
            .filter(|(field, _)| !field.name().starts_with("source_"))
            .filter_map(|(field, col)| {
                let phone = kind
                    .columns()
                    .iter()
                    .any(|c| c.name == field.name() && c.ty == ColType::Phone);
                let shown = match col.as_primitive_opt::<UInt64Type>() {
                    Some(numbers) if phone => Shown::Phone(numbers),
                    _ => Shown::Other(ArrayFormatter::try_new(col.as_ref(), &opts).ok()?),
                };
                Some((field.name().as_str(), shown))
            })
            .collect();
        self.taken
            .iter()
            .take(n)
            .map(|t| Sample {
                row: t.row,
                item: t.item,
                raw: t.raw.clone(),
                outcome: self.outcome(t, &shown),
            })
            .collect()
    }

    /// What the kept record `t` became.
    fn outcome(&self, t: &Taken, shown: &[(&str, Shown<'_>)]) -> Outcome {
        let bug = |what: &str| Outcome::Quarantined {
            column: None,
            reason: format!("({what} not found in the chunk: a bug)"),
        };
        match t.verdict {
            Verdict::Accepted if t.at < self.out.batch.num_rows() => Outcome::Accepted(
                shown
                    .iter()
                    .map(|(name, col)| (name.to_string(), col.value(t.at)))
                    .collect(),
            ),
            Verdict::Accepted => bug("the converted row"),
            Verdict::Quarantined => match self.out.quarantine.get(t.at) {
                Some(q) => Outcome::Quarantined {
                    column: q.column,
                    reason: q.reason.clone(),
                },
                None => bug("the quarantine reason"),
            },
            Verdict::Filtered => Outcome::Filtered,
        }
    }
}

/// A column as the check writes its values.
enum Shown<'a> {
    /// A phone number column: `+digits`, or `null`.
    Phone(&'a UInt64Array),
    /// Any other column, as Arrow writes it (times in UTC, `null` for none).
    Other(ArrayFormatter<'a>),
}

impl Shown<'_> {
    fn value(&self, i: usize) -> String {
        match self {
            Shown::Phone(a) if a.is_valid(i) => format_e164(a.value(i)),
            Shown::Phone(_) => "null".into(),
            Shown::Other(f) => f.value(i).to_string(),
        }
    }
}

/// The report as text: the case, its windows, then each file with its mapping, counts and first
/// records.
pub fn render(case: &Case, report: &CheckReport) -> String {
    let mut s = String::new();
    let n_files = case.files.len();
    let _ = writeln!(
        s,
        "case {}: valid ({}, {})",
        case.file.display(),
        count(case.raw.inputs.len(), "input"),
        count(n_files, "file")
    );
    render_windows(&mut s, case);
    for f in &report.files {
        render_file(&mut s, f);
    }
    let stopping = report.files.iter().filter(|f| !f.passes()).count();
    let checked = count(report.files.len(), "file");
    let _ = if stopping == 0 {
        writeln!(
            s,
            "\nchecked {checked}: a run would read every one (nothing was written)"
        )
    } else {
        writeln!(
            s,
            "\nchecked {checked}: {stopping} would stop the run (nothing was written)"
        )
    };
    s
}

/// `1 file`, `2 files`.
fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// The windows in UTC, and in local time where the window was written in local days.
fn render_windows(s: &mut String, case: &Case) {
    let w = &case.windows;
    let raw = &case.raw.windows;
    let all = [
        ("incident", w.incident, raw.incident.as_ref()),
        ("baseline", w.baseline, raw.baseline.as_ref()),
        ("orders", w.orders, raw.orders.as_ref()),
    ];
    if all.iter().all(|(_, w, _)| w.is_none()) {
        let _ = writeln!(s, "windows: none");
        return;
    }
    let _ = writeln!(s, "windows (start included, end excluded):");
    for (name, win, spec) in all {
        if let Some(win) = win {
            let _ = writeln!(s, "  {name:<9} {}", window_text(win, spec));
        }
    }
}

/// `2011-05-02T04:00:00Z .. 2011-05-03T04:00:00Z (24 h); local 2011-05-02 00:00 EDT .. …`.
fn window_text(w: Window, spec: Option<&WindowSpec>) -> String {
    let hours = w.len_us() as f64 / 3_600_000_000.0;
    let mut t = format!(
        "{} .. {} ({hours} h)",
        format_utc(w.start),
        format_utc(w.end)
    );
    let tz = spec
        .and_then(|s| s.time_zone.as_deref())
        .and_then(|z| chrono_tz::Tz::from_str(z).ok());
    if let Some((start, end)) = spec.and_then(|s| s.start.as_deref().zip(s.end.as_deref())) {
        let _ = write!(t, "; as written {start} .. {end}");
    }
    if let Some(tz) = tz {
        let local = |us: i64| {
            chrono::DateTime::from_timestamp_micros(us)
                .map(|d| d.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string())
                .unwrap_or_default()
        };
        let _ = write!(t, "; local {} .. {} ({tz})", local(w.start), local(w.end));
    }
    t
}

/// One file: its header line, mapping, counts, verdict and first records.
fn render_file(s: &mut String, f: &FileCheck) {
    let _ = writeln!(
        s,
        "\ninput {} · {} · {} ({}) · profile `{}`",
        f.input, f.name, f.kind, f.format, f.profile
    );
    let fs = match &f.result {
        Ok(fs) => fs,
        Err(msg) => {
            let _ = writeln!(s, "  STOPS THE RUN: {msg}");
            return;
        }
    };
    let map: Vec<String> = fs
        .mapping
        .iter()
        .map(|(c, from)| format!("{c} <- {from}"))
        .collect();
    let _ = writeln!(s, "  columns: {}", map.join(", "));
    for (word, rules) in [("keep", &fs.filter.keep), ("drop", &fs.filter.drop)] {
        for (col, values) in rules {
            let _ = writeln!(
                s,
                "  row filter: {word} records whose {col:?} is one of {values:?}"
            );
        }
    }
    if !fs.unused.is_empty() {
        let _ = writeln!(s, "  unused source columns: {:?}", fs.unused);
    }
    let c = &fs.counts;
    let _ = writeln!(
        s,
        "  {} records ({}): {} accepted, {} quarantined ({:.1} %), {} filtered",
        c.rows_read,
        fs.encoding,
        c.accepted,
        c.quarantined,
        fs.share * 100.0,
        c.filtered
    );
    if fs.stops() {
        let _ = writeln!(
            s,
            "  STOPS THE RUN: {:.1} % quarantined is more than max_quarantine_share = {} of \
             profile `{}`",
            fs.share * 100.0,
            fs.max_share,
            f.profile
        );
    }
    for x in &fs.samples {
        render_sample(s, x);
    }
}

/// One record: where, raw, then what it became.
fn render_sample(s: &mut String, x: &Sample) {
    let at = match x.item {
        Some(i) => format!("{}#{i}", x.row),
        None => x.row.to_string(),
    };
    let _ = writeln!(s, "  {at:>6}  raw  {}", shorten(&x.raw));
    let _ = match &x.outcome {
        Outcome::Accepted(vals) => {
            let v: Vec<String> = vals.iter().map(|(c, v)| format!("{c}={v}")).collect();
            writeln!(s, "          ->   {}", v.join("  "))
        }
        Outcome::Quarantined { column, reason } => match column {
            Some(c) => writeln!(s, "          QUARANTINED  column `{c}`: {reason}"),
            None => writeln!(s, "          QUARANTINED  {reason}"),
        },
        Outcome::Filtered => writeln!(s, "          filtered (left out by the row filter)"),
    };
}

/// The longest raw record shown, in characters.
const RAW_CHARS: usize = 160;

/// `raw` cut to [`RAW_CHARS`] characters, with `…` where it was cut.
fn shorten(raw: &str) -> String {
    match raw.char_indices().nth(RAW_CHARS) {
        Some((i, _)) => format!("{}…", &raw[..i]),
        None => raw.to_string(),
    }
}
