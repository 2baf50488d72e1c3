//! `callsift._native`: the engine's library as Python functions, under the thin Python layer
//! of `python/callsift/` (which the analyst imports; see `docs/python.md`).
//!
//! Each function is one call into the library (`callsift::pipeline` for the steps that write an
//! output folder, `callsift::results`, `callsift::manifest` and the store's readers for what is
//! read back), run with the GIL released. What crosses the boundary:
//!
//! - tables, as `pyarrow.Table`, through the Arrow C stream interface: pyarrow takes the
//!   engine's buffers as they are (no copy, no serialisation);
//! - figures, manifests, verifications and summaries as JSON text, which the Python layer
//!   parses (every one of them is a serde type of the library already);
//! - the kernels' contexts as bytes and their counts as count batches (`pyarrow` record
//!   batches), for `callsift.kernels` and `callsift.spark` ([`kernels`]);
//! - errors as the exceptions of `callsift.errors`, one class per exit-code class of the
//!   command line, carrying the file, the row and the exit code ([`raise`]).
//!
//! Nothing may unwind into Python: every call runs under `catch_unwind`, and a panic becomes
//! `callsift.errors.InternalError` (exit code 101, as the binary's).

mod kernels;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use arrow::array::{RecordBatch, RecordBatchIterator, RecordBatchReader};
use arrow::pyarrow::IntoPyArrow;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use callsift::error::Error;
use callsift::ingest::Silent;
use callsift::model::{ColType, Kind};
use callsift::partition::{Partitions, MAX_PARTITIONS};
use callsift::pipeline::{self, Options};
use callsift::{Case, Table};

/// The prefix of a store table's name (`store/calls`), as its folder is named.
const STORE: &str = "store/";
/// The store's two tables that are not a kind's.
const QUARANTINE: &str = "store/quarantine";
const DUPLICATES: &str = "store/duplicates";

/// What went wrong in a call: an engine error, or a panic caught at the boundary.
enum Failure {
    Engine(Error),
    Panic(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Engine(e)
    }
}

/// Runs `f` without the GIL and without letting a panic cross into Python.
fn engine<T: Send>(py: Python<'_>, f: impl FnOnce() -> Result<T, Failure> + Send) -> PyResult<T> {
    let r = py.detach(|| match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => Err(Failure::Panic(
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into()),
        )),
    });
    r.map_err(|f| raise(py, f))
}

/// The Python exception of a failure: the class of `callsift.errors` for its exit code, with
/// the message the command line prints, the file, the row (1-based, when one is to blame),
/// the exit code and the kind of the engine's error.
fn raise(py: Python<'_>, f: Failure) -> PyErr {
    let (class, message, kind, file, row, code) = match &f {
        Failure::Engine(e) => {
            let (kind, file, row) = match e {
                Error::Config { file, .. } => ("config", file.as_path(), None),
                Error::Input { file, line, .. } => ("input", file.as_path(), *line),
                Error::Io { path, .. } => ("io", path.as_path(), None),
                Error::Reconciliation { file, .. } => ("reconciliation", file.as_path(), None),
                Error::Store { path, .. } => ("store", path.as_path(), None),
            };
            let class = match e.exit_code() {
                3 => "ConfigError",
                4 => "InputError",
                5 => "ReconciliationError",
                _ => "StoreError",
            };
            (class, e.to_string(), kind, Some(file), row, e.exit_code())
        }
        Failure::Panic(msg) => (
            "InternalError",
            format!("internal error (a bug: please report it): {msg}"),
            "internal",
            None,
            None,
            101,
        ),
    };
    let made = (|| -> PyResult<PyErr> {
        let cls = py.import("callsift.errors")?.getattr(class)?;
        let kw = PyDict::new(py);
        kw.set_item("file", file.map(|p| p.display().to_string()))?;
        kw.set_item("row", row)?;
        kw.set_item("exit_code", code)?;
        kw.set_item("kind", kind)?;
        Ok(PyErr::from_value(cls.call((message.clone(),), Some(&kw))?))
    })();
    // Without the Python layer (the module imported alone), the message still gets through.
    made.unwrap_or_else(|_| pyo3::exceptions::PyRuntimeError::new_err(message))
}

/// The options of a step: threads checked as a Python caller names them, the partitioning, the
/// command for the audit log.
fn options<'a>(
    threads: Option<usize>,
    partitions: Option<u32>,
    memory: Option<&str>,
    command: Vec<String>,
) -> Result<Options<'a>, Error> {
    if threads == Some(0) {
        return Err(Error::config("threads", "must be at least 1"));
    }
    let partitions = match (partitions, memory) {
        (Some(_), Some(_)) => {
            return Err(Error::config(
                "partitions",
                "give partitions or memory, not both",
            ))
        }
        (Some(n), None) if (1..=MAX_PARTITIONS).contains(&n) => Partitions::Fixed(n),
        (Some(n), None) => {
            return Err(Error::config(
                "partitions",
                format!("{n}: must be 1 to {MAX_PARTITIONS}"),
            ))
        }
        (None, Some(m)) => Partitions::Budget(
            callsift::partition::parse_size(m).map_err(|e| Error::config("memory", e))?,
        ),
        (None, None) => Partitions::default(),
    };
    Ok(Options {
        threads,
        partitions,
        command,
        ..Options::default()
    })
}

fn published(p: Option<&Path>) -> Result<Option<callsift::figures::Published>, Error> {
    p.map(callsift::figures::Published::load).transpose()
}

fn correlate_options(key: Option<&Path>) -> Result<callsift::correlate::CorrelateOptions, Error> {
    Ok(callsift::correlate::CorrelateOptions {
        pseudonymize: key.map(callsift::pseudonym::Key::from_file).transpose()?,
    })
}

fn json(value: &impl serde::Serialize, about: &Path) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::store(about, e))
}

/// Ingest, correlate and report a case into `out`, as `callsift run` does.
#[pyfunction]
#[pyo3(signature = (case, out, command, threads=None, partitions=None, memory=None, published=None, pseudonymize=None))]
#[allow(clippy::too_many_arguments)] // a Python signature of keyword arguments
fn run(
    py: Python<'_>,
    case: PathBuf,
    out: PathBuf,
    command: Vec<String>,
    threads: Option<usize>,
    partitions: Option<u32>,
    memory: Option<String>,
    published: Option<PathBuf>,
    pseudonymize: Option<PathBuf>,
) -> PyResult<()> {
    engine(py, || {
        // In the command line's order: nothing is written before everything is checked.
        let opts = options(threads, partitions, memory.as_deref(), command)?;
        let case = Case::load(&case)?;
        let pubd = self::published(published.as_deref())?;
        let opts = Options {
            published: pubd.as_ref(),
            correlate: correlate_options(pseudonymize.as_deref())?,
            ..opts
        };
        pipeline::run(&case, &out, &opts, &Silent)?;
        Ok(())
    })
}

/// Ingest a case into `out`, as `callsift ingest` does.
#[pyfunction]
#[pyo3(signature = (case, out, command, threads=None, partitions=None, memory=None))]
fn ingest(
    py: Python<'_>,
    case: PathBuf,
    out: PathBuf,
    command: Vec<String>,
    threads: Option<usize>,
    partitions: Option<u32>,
    memory: Option<String>,
) -> PyResult<()> {
    engine(py, || {
        let opts = options(threads, partitions, memory.as_deref(), command)?;
        let case = Case::load(&case)?;
        pipeline::ingest(&case, &out, &opts, &Silent)?;
        Ok(())
    })
}

/// Correlate the case store in `out` anew, as `callsift correlate` does.
#[pyfunction]
#[pyo3(signature = (out, command, threads=None, pseudonymize=None))]
fn correlate(
    py: Python<'_>,
    out: PathBuf,
    command: Vec<String>,
    threads: Option<usize>,
    pseudonymize: Option<PathBuf>,
) -> PyResult<()> {
    engine(py, || {
        let mut opts = options(threads, None, None, command)?;
        opts.correlate = correlate_options(pseudonymize.as_deref())?;
        pipeline::correlate(&out, &opts, &Silent)?;
        Ok(())
    })
}

/// Write `out/report.html` anew, as `callsift report` does; returns its path.
#[pyfunction]
#[pyo3(signature = (out, command, published=None))]
fn report(
    py: Python<'_>,
    out: PathBuf,
    command: Vec<String>,
    published: Option<PathBuf>,
) -> PyResult<PathBuf> {
    engine(py, || {
        let pubd = self::published(published.as_deref())?;
        let opts = Options {
            published: pubd.as_ref(),
            ..options(None, None, None, command)?
        };
        Ok(pipeline::report(&out, &opts, &Silent)?)
    })
}

/// Check `out` against its manifest (and the evidence, given the case); the verification as
/// JSON, as `callsift verify --json` prints it.
#[pyfunction]
#[pyo3(signature = (out, case=None))]
fn verify(py: Python<'_>, out: PathBuf, case: Option<PathBuf>) -> PyResult<String> {
    engine(py, || {
        let v = callsift::manifest::verify(&out, case.as_deref())?;
        Ok(json(&v, &out)?)
    })
}

/// A synthetic case with planted truth under `out`; its summary as JSON.
#[pyfunction]
#[pyo3(signature = (out, seed, scale, world, threads=None))]
fn synth(
    py: Python<'_>,
    out: PathBuf,
    seed: u64,
    scale: f64,
    world: String,
    threads: Option<usize>,
) -> PyResult<String> {
    engine(py, || {
        let opts = options(threads, None, None, Vec::new())?;
        let world: callsift::synth::World = world
            .parse()
            .map_err(|e: String| Error::config("world", e))?;
        let (_, pool) = pipeline::pool(opts.threads)?;
        let s = pool.install(|| {
            callsift::synth::synth(&callsift::synth::SynthOptions { seed, scale, world }, &out)
        })?;
        Ok(json(&s, &out)?)
    })
}

/// `out/results/figures.json`, as JSON.
#[pyfunction]
fn figures(py: Python<'_>, out: PathBuf) -> PyResult<String> {
    engine(py, || {
        let f = callsift::results::figures(&out)?;
        Ok(json(&f, &out)?)
    })
}

/// `out/manifest.json` (checked to be a callsift manifest), as JSON.
#[pyfunction]
fn manifest(py: Python<'_>, out: PathBuf) -> PyResult<String> {
    engine(py, || {
        let m = callsift::manifest::Manifest::read(&out)?;
        Ok(json(&m, &out)?)
    })
}

/// The IANA zone of the case's local times (its `[case] time_zone`, else `UTC`), as the
/// results' `*_local` columns give them.
#[pyfunction]
fn zone(py: Python<'_>, out: PathBuf) -> PyResult<String> {
    engine(py, || {
        let m = callsift::manifest::Manifest::read(&out)?;
        let c: callsift::config::CaseFile = serde_json::from_value(m.parameters)
            .map_err(|e| Error::store(out.join(callsift::layout::MANIFEST), e))?;
        Ok(c.case.zone().name().to_string())
    })
}

/// The run's figures beside the published ones of `published`: (figure, published, computed)
/// triples, computed `None` when the run has no such figure.
#[pyfunction]
fn compare(
    py: Python<'_>,
    out: PathBuf,
    published: PathBuf,
) -> PyResult<Vec<(String, u64, Option<u64>)>> {
    engine(py, || {
        let rows = callsift::figures::compare(&out, &published)?;
        Ok(rows
            .into_iter()
            .map(|c| (c.name, c.published, c.computed))
            .collect())
    })
}

/// The tables of the run in `out` that [`table`] reads: the results it holds (in the
/// contract's order), then the store's (`store/<kind>`, `store/quarantine`,
/// `store/duplicates`) when it holds a store.
#[pyfunction]
fn tables(py: Python<'_>, out: PathBuf) -> PyResult<Vec<String>> {
    engine(py, || {
        let m = callsift::manifest::Manifest::read(&out)?;
        let listed = |p: String| m.outputs.iter().any(|o| o.path == p);
        let mut names: Vec<String> = Table::ALL
            .iter()
            .filter(|t| {
                let ext = if t.has_parquet() { "parquet" } else { "csv" };
                listed(format!("{}/{}.{ext}", callsift::layout::RESULTS, t.name()))
            })
            .map(|t| t.name().to_string())
            .collect();
        if listed(format!("{QUARANTINE}.parquet")) {
            names.extend(Kind::ALL.iter().map(|k| format!("{STORE}{}", k.name())));
            names.push(QUARANTINE.into());
            names.push(DUPLICATES.into());
        }
        Ok(names)
    })
}

/// Every table name [`table`] knows, whether a run holds it or not.
#[pyfunction]
fn table_names() -> Vec<String> {
    Table::ALL
        .iter()
        .map(|t| t.name().to_string())
        .chain(Kind::ALL.iter().map(|k| format!("{STORE}{}", k.name())))
        .chain([QUARANTINE.to_string(), DUPLICATES.to_string()])
        .collect()
}

/// The columns of table `name` that hold phone numbers as E.164 digits (`UInt64`): the store's
/// phone columns. The results write numbers as E.164 text already, so theirs is empty.
#[pyfunction]
fn phone_columns(name: &str) -> PyResult<Vec<String>> {
    if let Some(kind) = store_kind(name) {
        return Ok(kind
            .columns()
            .iter()
            .filter(|c| c.ty == ColType::Phone)
            .map(|c| c.name.to_string())
            .collect());
    }
    if Table::from_name(name).is_some() || name == QUARANTINE || name == DUPLICATES {
        return Ok(Vec::new());
    }
    Err(unknown(name))
}

fn store_kind(name: &str) -> Option<Kind> {
    let kind = name.strip_prefix(STORE)?;
    Kind::ALL.into_iter().find(|k| k.name() == kind)
}

fn unknown(name: &str) -> PyErr {
    PyValueError::new_err(format!(
        "no table {name:?}: a table is one of {}",
        table_names().join(", ")
    ))
}

/// Table `name` of the run in `out` as a `pyarrow.Table`, through the Arrow C stream
/// interface (zero-copy): a results table read through the contract, or a store table (every
/// part, in case order, checked against its canonical schema).
#[pyfunction]
fn table<'py>(py: Python<'py>, out: PathBuf, name: &str) -> PyResult<Bound<'py, PyAny>> {
    let results = Table::from_name(name);
    let kind = store_kind(name);
    if results.is_none() && kind.is_none() && name != QUARANTINE && name != DUPLICATES {
        return Err(unknown(name));
    }
    let name = name.to_string();
    let batch = engine(py, || -> Result<RecordBatch, Failure> {
        if let Some(t) = results {
            return Ok(callsift::results::table(&out, t)?);
        }
        if let Some(k) = kind {
            let m = callsift::manifest::Manifest::read(&out)?;
            return Ok(callsift::ingest::read_table(&m, &out, k, None)?);
        }
        let schema = if name == QUARANTINE {
            callsift::ingest::quarantine_schema()
        } else {
            callsift::ingest::duplicates_schema()
        };
        let path = out.join(format!("{name}.parquet"));
        Ok(callsift::store::read_table_as(&path, &schema, None)?)
    })?;
    let schema = batch.schema();
    let reader: Box<dyn RecordBatchReader + Send> =
        Box::new(RecordBatchIterator::new(vec![Ok(batch)], schema));
    reader.into_pyarrow(py)?.call_method0("read_all")
}

/// The engine's version and the git commit it was built from.
#[pyfunction]
fn version() -> String {
    format!(
        "{} (git {})",
        env!("CARGO_PKG_VERSION"),
        callsift::audit::GIT_COMMIT
    )
}

/// The engine's library, for the Python layer of `callsift`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(ingest, m)?)?;
    m.add_function(wrap_pyfunction!(correlate, m)?)?;
    m.add_function(wrap_pyfunction!(report, m)?)?;
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    m.add_function(wrap_pyfunction!(synth, m)?)?;
    m.add_function(wrap_pyfunction!(figures, m)?)?;
    m.add_function(wrap_pyfunction!(manifest, m)?)?;
    m.add_function(wrap_pyfunction!(zone, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(tables, m)?)?;
    m.add_function(wrap_pyfunction!(table_names, m)?)?;
    m.add_function(wrap_pyfunction!(phone_columns, m)?)?;
    m.add_function(wrap_pyfunction!(table, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(kernels::kernel_count, m)?)?;
    m.add_function(wrap_pyfunction!(kernels::correlate_with, m)?)?;
    m.add_class::<kernels::KernelJob>()?;
    Ok(())
}
