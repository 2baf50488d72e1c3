//! The kernels of correlate (`callsift::kernels`) for `callsift.kernels` and `callsift.spark`:
//! [`kernel_count`] counts one part of one stage from Arrow tables, [`KernelJob`] is the
//! driver (the counts added up, the stages finished, the results written in place), and
//! [`correlate_with`] runs the driver inside the output folder's protocol with a Python
//! function counting each stage's parts (Spark, in `callsift.spark`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use arrow::array::{RecordBatch, RecordBatchReader};
use arrow::ffi_stream::RecordBatchStreamReader;
use arrow::pyarrow::{FromPyArrow, PyArrowType};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use callsift::error::Error;
use callsift::ingest::Silent;
use callsift::kernels::{self, Context, Counts, Job, Stage};
use callsift::model::Kind;
use callsift::pipeline;

use crate::{correlate_options, engine, options, Failure};

/// The batches of an Arrow stream, as one batch (`what` names it in an error).
fn one_batch(reader: RecordBatchStreamReader, what: &str) -> Result<RecordBatch, Error> {
    let schema = reader.schema();
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::store(what, e))?;
    arrow::compute::concat_batches(&schema, &batches).map_err(|e| Error::store(what, e))
}

/// The store table named `name`.
fn kind(name: &str) -> Result<Kind, Error> {
    Kind::from_name(name).ok_or_else(|| Error::config("tables", format!("no store table {name:?}")))
}

/// Counts part `part` of the store in the stage `context` is of, from the part's tables
/// (`{name: pyarrow.Table}`); returns the count batch.
#[pyfunction]
pub fn kernel_count(
    py: Python<'_>,
    context: &[u8],
    part: u32,
    tables: HashMap<String, PyArrowType<RecordBatchStreamReader>>,
) -> PyResult<PyArrowType<RecordBatch>> {
    let tables: Vec<(String, RecordBatchStreamReader)> =
        tables.into_iter().map(|(n, t)| (n, t.0)).collect();
    let batch = engine(py, || -> Result<RecordBatch, Failure> {
        let cx = Context::from_bytes(context)?;
        let mut read = Vec::with_capacity(tables.len());
        for (name, reader) in tables {
            let k = kind(&name)?;
            let what = callsift::layout::store_part(k.name(), part);
            read.push((k, kernels::conform(k, one_batch(reader, &what)?, &what)?));
        }
        read.sort_by_key(|(k, _)| *k);
        Ok(kernels::count(&cx, part, &read)?.to_batch()?)
    })?;
    Ok(PyArrowType(batch))
}

/// Adds every row of the count batches `reader` streams to `job`.
fn absorb_all(job: &mut Job, reader: RecordBatchStreamReader) -> Result<(), Error> {
    for b in reader {
        let b = b.map_err(|e| Error::store("counts", e))?;
        for row in kernels::wire::from_batch(&b)? {
            job.absorb(Counts::from_row(&row)?)?;
        }
    }
    Ok(())
}

/// The tables the current stage of `job` reads, with their columns.
fn stage_tables(stage: Stage) -> Vec<(String, Vec<String>)> {
    stage
        .tables()
        .into_iter()
        .map(|(k, cols)| {
            (
                k.name().to_string(),
                cols.into_iter().map(str::to_string).collect(),
            )
        })
        .collect()
}

/// The store's part files of each table `job`'s current stage reads.
fn stage_paths(job: &Job, stage: Stage) -> HashMap<String, Vec<String>> {
    stage
        .tables()
        .into_iter()
        .map(|(k, _)| {
            let files = job
                .part_paths(k)
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            (k.name().to_string(), files)
        })
        .collect()
}

/// The driver of a correlate run over an output folder (see `callsift.kernels.Job`).
#[pyclass(module = "callsift._native")]
pub struct KernelJob {
    job: Mutex<Option<Job>>,
}

impl KernelJob {
    /// Runs `f` on the job, without the GIL.
    fn with<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Job) -> Result<T, Error> + Send,
    ) -> PyResult<T> {
        engine(py, || {
            let mut guard = self
                .job
                .lock()
                .map_err(|_| Error::store("job", "a call on this job failed half-way"))?;
            let job = guard
                .as_mut()
                .ok_or_else(|| Error::store("job", "the job is finished"))?;
            Ok(f(job)?)
        })
    }
}

#[pymethods]
impl KernelJob {
    #[new]
    fn new(py: Python<'_>, out: PathBuf) -> PyResult<KernelJob> {
        let job = engine(py, || Ok(Job::open(&out)?))?;
        Ok(KernelJob {
            job: Mutex::new(Some(job)),
        })
    }

    fn stage(&self, py: Python<'_>) -> PyResult<Option<String>> {
        self.with(py, |j| Ok(j.stage().map(|s| s.name().to_string())))
    }

    fn parts(&self, py: Python<'_>) -> PyResult<u32> {
        self.with(py, |j| Ok(j.parts()))
    }

    fn tables(&self, py: Python<'_>) -> PyResult<Vec<(String, Vec<String>)>> {
        self.with(py, |j| Ok(j.stage().map(stage_tables).unwrap_or_default()))
    }

    fn paths(&self, py: Python<'_>) -> PyResult<HashMap<String, Vec<String>>> {
        self.with(py, |j| {
            Ok(j.stage().map(|s| stage_paths(j, s)).unwrap_or_default())
        })
    }

    fn context<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.with(py, |j| j.context()?.to_bytes())?;
        Ok(PyBytes::new(py, &bytes))
    }

    fn absorb(&self, py: Python<'_>, batch: PyArrowType<RecordBatchStreamReader>) -> PyResult<()> {
        let reader = batch.0;
        self.with(py, move |j| absorb_all(j, reader))
    }

    fn advance(&self, py: Python<'_>) -> PyResult<()> {
        self.with(py, |j| j.advance())
    }

    #[pyo3(signature = (pseudonymize=None))]
    fn finish(&self, py: Python<'_>, pseudonymize: Option<PathBuf>) -> PyResult<String> {
        engine(py, || {
            let opts = correlate_options(pseudonymize.as_deref())?;
            let job = self
                .job
                .lock()
                .map_err(|_| Error::store("job", "a call on this job failed half-way"))?
                .take()
                .ok_or_else(|| Error::store("job", "the job is finished"))?;
            let out = job.out().to_path_buf();
            let found = job.finish(&opts)?;
            Ok(serde_json::to_string(&found.figures).map_err(|e| Error::store(&out, e))?)
        })
    }
}

/// Correlates the case store in `out` anew, as `callsift correlate` does (staged, committed
/// with a line in the audit log), each stage's parts counted by `stage_fn(stage, context,
/// parts, tables, paths)`, which returns an iterable of count batches (`pyarrow.Table`s);
/// returns the figures.
#[pyfunction]
#[pyo3(signature = (out, command, stage_fn, pseudonymize=None))]
pub fn correlate_with(
    py: Python<'_>,
    out: PathBuf,
    command: Vec<String>,
    stage_fn: Py<PyAny>,
    pseudonymize: Option<PathBuf>,
) -> PyResult<String> {
    // An exception of `stage_fn` is raised as it is, not as an engine error.
    let raised: Mutex<Option<PyErr>> = Mutex::new(None);
    let keep = |e: PyErr| {
        if let Ok(mut r) = raised.lock() {
            *r = Some(e);
        }
        Error::store(
            "stage",
            "the function counting the parts raised an exception",
        )
    };
    let result = engine(py, || {
        let mut opts = options(None, None, None, command)?;
        opts.correlate = correlate_options(pseudonymize.as_deref())?;
        let mut count = |job: &mut Job| -> Result<(), Error> {
            let Some(stage) = job.stage() else {
                return Ok(());
            };
            let cx = job.context()?.to_bytes()?;
            let (tables, paths) = (stage_tables(stage), stage_paths(job, stage));
            Python::attach(|py| -> Result<(), Error> {
                let args = (
                    stage.name(),
                    PyBytes::new(py, &cx),
                    job.parts(),
                    tables,
                    paths,
                );
                let counted = stage_fn.call1(py, args).map_err(keep)?;
                for item in counted.bind(py).try_iter().map_err(keep)? {
                    let item = item.map_err(keep)?;
                    let reader =
                        RecordBatchStreamReader::from_pyarrow_bound(&item).map_err(keep)?;
                    absorb_all(job, reader)?;
                }
                Ok(())
            })
        };
        let found = pipeline::correlate_with(&out, &opts, &Silent, &mut count)?;
        Ok(serde_json::to_string(&found.figures).map_err(|e| Error::store(&out, e))?)
    });
    match raised.lock().ok().and_then(|mut r| r.take()) {
        Some(e) => Err(e),
        None => result,
    }
}
