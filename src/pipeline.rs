//! The steps that write an output folder, each as one unit: [`ingest`], [`correlate`],
//! [`report`], and [`run`] (the three in turn), as the command line and the Python package run
//! them.
//!
//! Beneath them, [`ingest::run_in_partitioned`](crate::ingest::run_in_partitioned),
//! [`correlate::run`](crate::correlate::run) and [`report::write`](crate::report::write) write
//! into a folder in place. A step here wraps them in the output folder's protocol
//! ([`crate::outdir`]): the folder is resolved, checked and locked, the step writes into a
//! staging folder beside it, and the staged run is swapped in at the end with a line in its
//! audit log. So a step leaves the previous complete run or the new complete one, never half of
//! one, and every caller (the binary, a notebook) leaves the same trace.
//!
//! Everything a step needs from its caller (the case, the published figures, the key file) is
//! read and checked by the caller before the step starts, so that a mistake costs nothing and
//! leaves nothing behind. Interrupts are the caller's: the binary installs
//! [`crate::outdir::install_signal_handlers`] first; a library caller that does not keeps its
//! own handlers, and an interrupted step leaves a staging folder that the next step on the
//! folder removes.

use std::path::{Path, PathBuf};

use crate::audit::Entry;
use crate::config::Case;
use crate::correlate::{CorrelateOptions, Correlation};
use crate::error::{Error, Result};
use crate::figures::Published;
use crate::ingest::IngestReport;
use crate::outdir::{Evidence, OutDir, Staging};
use crate::partition::Partitions;

/// What a step tells an observer while it works, beside what ingest tells it
/// ([`crate::ingest::Progress`]). The command line draws it; the library's callers pass
/// [`crate::ingest::Silent`], which shows nothing.
pub trait Progress: crate::ingest::Progress {
    /// Step `k` of `n` begins (`run` has two before its report: ingest, correlate).
    fn step(&self, _k: usize, _n: usize, _name: &str) {}
    /// A phase of the current step begins, in a few words (`writing the output folder`).
    fn doing(&self, _what: &str) {}
}

impl Progress for crate::ingest::Silent {}

/// How a step runs.
#[derive(Clone, Debug, Default)]
pub struct Options<'a> {
    /// Worker threads, at least 1; `None` for one per core. The outputs are the same bytes
    /// whatever the count.
    pub threads: Option<usize>,
    /// How `ingest` (and `run`) split the case store.
    pub partitions: Partitions,
    /// How `correlate` (and `run`) write the results.
    pub correlate: CorrelateOptions,
    /// Published figures for the report (`report`, and `run`'s last step), read and checked
    /// with [`Published::load`] before the step.
    pub published: Option<&'a Published>,
    /// The command as the audit log records it, argument by argument (the binary's `argv`).
    pub command: Vec<String>,
}

/// What [`run`] did.
#[derive(Debug)]
pub struct Ran {
    /// What ingest did, file by file.
    pub ingest: IngestReport,
    /// What correlate found.
    pub correlation: Correlation,
    /// The report written, `DIR/report.html`.
    pub report: PathBuf,
}

/// The worker thread count `threads` asks for (`None`: one per core), checked.
///
/// # Errors
/// [`Error::Config`] (exit 3) for 0 threads.
pub fn threads(threads: Option<usize>) -> Result<usize> {
    match threads {
        Some(0) => Err(Error::config("--threads", "must be at least 1")),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// Builds the pool of `threads` worker threads (`None`: one per core); returns the count and
/// the pool.
///
/// # Errors
/// [`Error::Config`] (exit 3) for 0 threads, or a pool that cannot be built.
pub fn pool(threads: Option<usize>) -> Result<(usize, rayon::ThreadPool)> {
    let n = self::threads(threads)?;
    let p = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map_err(|e| Error::config("--threads", e.to_string()))?;
    Ok((n, p))
}

/// Ingest: the case store of `case` (`DIR/store/`) and the run manifest, written as a unit
/// into `out`. A run already in `out` is replaced whole.
///
/// # Errors
/// [`Error::Config`] when the folder is refused (it would hold evidence, another run is
/// writing it, or it holds files callsift did not write); otherwise as
/// [`crate::ingest::run_in`].
pub fn ingest(
    case: &Case,
    out: &Path,
    opts: &Options<'_>,
    progress: &dyn Progress,
) -> Result<IngestReport> {
    let (threads, pool) = pool(opts.threads)?;
    let dir = OutDir::open(out, &evidence(case))?;
    step(&dir, opts, case_sha256(case)?, |staged| {
        pool.install(|| {
            progress.step(1, 1, "ingest");
            let rep = ingest_into(case, staged, threads, opts, progress)?;
            progress.doing("writing the output folder");
            Ok(rep)
        })
    })
}

/// Correlate: the results (`DIR/results/`) computed anew from the case store in `out`, the
/// store kept. An older report is not kept: run [`report`] again.
///
/// # Errors
/// [`Error::Store`] when `out` holds no run; otherwise as [`crate::correlate::run`].
pub fn correlate(out: &Path, opts: &Options<'_>, progress: &dyn Progress) -> Result<Correlation> {
    correlate_with(out, opts, progress, &mut crate::correlate::count_here)
}

/// [`correlate`] with `count` counting the parts of each stage of the kernels (a cluster's
/// executors, say: [`crate::correlate::run_with`]); the folder is written as [`correlate`]
/// writes it.
///
/// # Errors
/// As [`correlate`], and what `count` returns.
pub fn correlate_with(
    out: &Path,
    opts: &Options<'_>,
    progress: &dyn Progress,
    count: &mut (dyn FnMut(&mut crate::kernels::Job) -> Result<()> + Send),
) -> Result<Correlation> {
    let (_, pool) = pool(opts.threads)?;
    let dir = OutDir::open(out, &[])?;
    if !dir.exists() {
        return Err(Error::store(
            out,
            "no run in this folder: run `callsift ingest CASE.toml --out DIR` first",
        ));
    }
    let case_sha = crate::manifest::Manifest::read(dir.path())?.case_sha256;
    step(&dir, opts, Some(case_sha), |staged| {
        progress.step(1, 1, "correlate");
        progress.doing("carrying the case store over");
        staged.carry_store()?;
        progress.doing("correlating and ranking");
        let cor = pool
            .install(|| crate::correlate::run_with(staged.path(), &opts.correlate, &mut *count))?;
        progress.doing("writing the output folder");
        Ok(cor)
    })
}

/// Report: `DIR/report.html` written anew from the results in `out` (with
/// [`Options::published`] beside the computed figures), everything else kept. Returns the
/// page's path.
///
/// # Errors
/// [`Error::Store`] when `out` holds no run; otherwise as [`crate::report::write`].
pub fn report(out: &Path, opts: &Options<'_>, progress: &dyn Progress) -> Result<PathBuf> {
    // Checked before the folder is opened, so that a mistyped folder leaves no lock behind.
    if !out.is_dir() {
        return Err(Error::store(
            out,
            "no run in this folder: run `callsift run CASE.toml --out DIR` first",
        ));
    }
    let dir = OutDir::open(out, &[])?;
    let case_sha = crate::manifest::Manifest::read(dir.path())?.case_sha256;
    progress.step(1, 1, "report");
    report_step(&dir, opts, Some(case_sha), progress)?;
    Ok(out.join(crate::layout::REPORT))
}

/// Run: ingest then correlate, committed as one unit, then the report, committed as a second
/// (the whole job of `callsift run`).
///
/// # Errors
/// As [`ingest`], [`crate::correlate::run`] and [`crate::report::write`]; the folder then
/// keeps its previous run (or, when only the report failed, the new store and results).
pub fn run(case: &Case, out: &Path, opts: &Options<'_>, progress: &dyn Progress) -> Result<Ran> {
    let (threads, pool) = pool(opts.threads)?;
    let dir = OutDir::open(out, &evidence(case))?;
    let case_sha = case_sha256(case)?;
    let (rep, cor) = step(&dir, opts, case_sha.clone(), |staged| {
        pool.install(|| -> Result<_> {
            progress.step(1, 2, "ingest");
            let rep = ingest_into(case, staged, threads, opts, progress)?;
            progress.step(2, 2, "correlate");
            let cor = crate::correlate::run(staged.path(), &opts.correlate)?;
            progress.doing("writing the output folder");
            Ok((rep, cor))
        })
    })?;
    report_step(&dir, opts, case_sha, progress)?;
    Ok(Ran {
        ingest: rep,
        correlation: cor,
        report: out.join(crate::layout::REPORT),
    })
}

/// Ingest of `case` into the staged folder, its store split as `opts` says.
fn ingest_into(
    case: &Case,
    staged: &Staging<'_>,
    threads: usize,
    opts: &Options<'_>,
    progress: &dyn Progress,
) -> Result<IngestReport> {
    crate::ingest::run_in_partitioned(case, staged.path(), threads, opts.partitions, progress)
}

/// The report step: the committed run carried whole into a staging folder (but its old
/// report), `report.html` written and recorded in the manifest, then committed as every step
/// is (audit line, one swap).
fn report_step(
    dir: &OutDir,
    opts: &Options<'_>,
    case_sha256: Option<String>,
    progress: &dyn Progress,
) -> Result<()> {
    let report = crate::report::ReportOptions {
        published: opts.published,
    };
    step(dir, opts, case_sha256, |staged| {
        progress.doing("writing the report");
        staged.carry_run(&[crate::layout::REPORT])?;
        crate::report::write(staged.path(), &report)?;
        progress.doing("writing the output folder");
        Ok(())
    })
}

/// The case's evidence files as the output folder checks them.
fn evidence(case: &Case) -> Vec<Evidence> {
    case.files
        .iter()
        .map(|f| Evidence {
            name: f.name.clone(),
            canonical: f.canonical.clone(),
            id: f.id,
        })
        .collect()
}

fn case_sha256(case: &Case) -> Result<Option<String>> {
    Ok(Some(crate::digest::sha256_file(&case.file)?.0))
}

/// Runs one step that writes the output folder: stages, runs `f` on the staging folder, and
/// commits (audit line with exit 0), or, when `f` fails, drops the staging folder and records
/// the failure in the committed folder's audit log, if there is one.
fn step<T>(
    dir: &OutDir,
    opts: &Options<'_>,
    case_sha256: Option<String>,
    f: impl FnOnce(&Staging<'_>) -> Result<T>,
) -> Result<T> {
    let staged = dir.stage()?;
    match f(&staged) {
        Ok(v) => {
            staged.commit(Entry::now(opts.command.clone(), case_sha256, None, 0))?;
            Ok(v)
        }
        Err(e) => {
            let e = e.rebase(staged.path(), dir.path());
            drop(staged);
            if dir.exists() {
                let entry = Entry::now(opts.command.clone(), case_sha256, None, e.exit_code());
                // The failure is recorded when it can be; the error itself is what matters.
                let _ = crate::audit::append(&dir.path().join(crate::layout::AUDIT), &entry);
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_threads_is_refused() {
        let e = pool(Some(0)).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert_eq!(pool(Some(2)).unwrap().0, 2);
    }

    #[test]
    fn a_step_on_a_folder_without_a_run_names_it_and_writes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("none");
        let e = report(&out, &Options::default(), &crate::ingest::Silent).unwrap_err();
        assert_eq!(e.exit_code(), 6);
        assert!(e.to_string().contains("no run in this folder"), "{e}");
        let e = correlate(&out, &Options::default(), &crate::ingest::Silent).unwrap_err();
        assert_eq!(e.exit_code(), 6);
        assert!(!out.exists());
    }
}
