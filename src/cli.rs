//! The command line: clap definitions ([`Cli`]), checked, then run. Part of the binary, not of
//! the library: it drives the library's public API as any other program would.
//!
//! `main.rs` only parses, calls [`run`], and turns the result into an exit code: 0 success,
//! 1 a check failed (`verify`), 2 usage, 3 configuration, 4 input, 5 reconciliation, 6 I/O.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use callsift::config::Case;
use callsift::error::{Error, Result};
use callsift::manifest;
use callsift::outdir::{Evidence, OutDir, Staging};

/// Forensic call-log correlation for election investigations.
#[derive(Debug, Parser)]
#[command(
    name = "callsift",
    version = concat!(env!("CARGO_PKG_VERSION"), " (git ", env!("CALLSIFT_GIT_COMMIT"), ")"),
    about,
    long_about = None
)]
#[command(after_help = "Examples:\n  \
    callsift run fixtures/formats/case.toml --out /tmp/case\n  \
    callsift figures /tmp/case --published fixtures/inquiry/published.toml\n  \
    callsift verify /tmp/case --case fixtures/formats/case.toml")]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ingest then correlate: the whole job, from evidence files to ranked results.
    #[command(after_help = "Examples:\n  \
        callsift run fixtures/inquiry/case.toml --out out/inquiry --published fixtures/inquiry/published.toml\n  \
        callsift run fixtures/formats/case.toml --out /tmp/case --threads 1")]
    Run(RunArgs),
    /// Try a case's profiles before a run: validates the case manifest, reads and converts
    /// every evidence file as ingest would, and shows each file's first records raw beside
    /// what they became (canonical values, quarantine reason, or filtered); writes nothing.
    /// Exit 1 when a run would stop on a file.
    #[command(after_help = "Examples:\n  \
        callsift check fixtures/inquiry/case.toml\n  \
        callsift check fixtures/rules/mixed-direction/case.toml --input 1 --rows 5")]
    Check(CheckArgs),
    /// Read every evidence file of a case into the case store (DIR/store/), with the quarantine
    /// and the run manifest (DIR/manifest.json).
    #[command(
        after_help = "Example:\n  callsift ingest fixtures/formats/case.toml --out /tmp/case"
    )]
    Ingest(IngestArgs),
    /// Correlate and rank: reads DIR/store/, writes DIR/results/ (figures.json, numbers,
    /// attribution, campaigns, overlaps, enrichment, spread, leads).
    #[command(after_help = "Examples:\n  \
        callsift correlate /tmp/case\n  \
        callsift correlate /tmp/case --pseudonymize case.key")]
    Correlate(CorrelateArgs),
    /// Print the figures of a run; with --published, side by side with the published ones
    /// (exit 1 when any published figure is not matched).
    #[command(
        after_help = "Example:\n  callsift figures /tmp/case --published fixtures/inquiry/published.toml"
    )]
    Figures(FiguresArgs),
    /// Generate a synthetic case with planted truth (DIR/case.toml, DIR/truth.json, raw files).
    #[command(after_help = "Examples:\n  \
        callsift synth --seed 1 --scale 0.1 --out /tmp/world\n  \
        callsift synth --seed 4 --scale 10 --world hard --out /tmp/hard")]
    Synth(SynthArgs),
    /// Measure how well a run recovered a synthetic case's planted truth (exit 1 if a criterion
    /// fails); OUT is the folder of `callsift run DIR/case.toml --out OUT`.
    #[command(after_help = "Example:\n  \
        callsift run /tmp/world/case.toml --out /tmp/world-out && callsift eval /tmp/world --out /tmp/world-out")]
    Eval(EvalArgs),
    /// Check everything DIR/manifest.json claims: every output's hash and row count, files
    /// it does not list, the row reconciliation, the parameters and the audit log; with
    /// --case, the case manifest, profiles and evidence files too (exit 1 on any problem).
    #[command(after_help = "Examples:\n  \
        callsift verify /tmp/case --case fixtures/formats/case.toml\n  \
        callsift verify /tmp/case --case fixtures/formats/case.toml --json")]
    Verify(VerifyArgs),
}

/// Options shared by commands that run the engine.
#[derive(Debug, Args)]
pub struct EngineArgs {
    /// Worker threads (default: all cores). Output is identical whatever the count.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `callsift ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The case manifest.
    #[arg(value_name = "CASE.toml")]
    pub case: PathBuf,
    /// The output folder.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub engine: EngineArgs,
}

/// `callsift check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The case manifest.
    #[arg(value_name = "CASE.toml")]
    pub case: PathBuf,
    /// Only the files of this input (1-based, in the manifest's order of `[[inputs]]`).
    #[arg(long, value_name = "N")]
    pub input: Option<usize>,
    /// Records shown per file.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub rows: usize,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// `callsift run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub ingest: IngestArgs,
    /// Published figures to compare with at the end (exit 1 when one is not matched).
    #[arg(long, value_name = "FILE")]
    pub published: Option<PathBuf>,
    /// Write the results with every phone number replaced by a keyed token (HMAC-SHA-256, key =
    /// the file's bytes, at least 16); the case store stays in clear. See docs/cli.md.
    #[arg(long, value_name = "KEYFILE")]
    pub pseudonymize: Option<PathBuf>,
}

/// `callsift correlate`.
#[derive(Debug, Args)]
pub struct CorrelateArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub dir: DirArgs,
    /// Write the results with every phone number replaced by a keyed token (HMAC-SHA-256, key =
    /// the file's bytes, at least 16); the case store stays in clear. See docs/cli.md.
    #[arg(long, value_name = "KEYFILE")]
    pub pseudonymize: Option<PathBuf>,
}

/// The correlate options of a command line: the key is read now, so that a bad key file fails
/// before any work.
fn correlate_options(pseudonymize: Option<&Path>) -> Result<callsift::correlate::CorrelateOptions> {
    Ok(callsift::correlate::CorrelateOptions {
        pseudonymize: pseudonymize
            .map(callsift::pseudonym::Key::from_file)
            .transpose()?,
    })
}

/// A run's output folder.
#[derive(Debug, Args)]
pub struct DirArgs {
    /// The output folder of `ingest` (or `run`).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub engine: EngineArgs,
}

/// `callsift figures`.
#[derive(Debug, Args)]
pub struct FiguresArgs {
    /// The output folder of a run.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Published figures (TOML: `[figures.NAME] value = N, source = "..."`).
    #[arg(long, value_name = "FILE")]
    pub published: Option<PathBuf>,
}

/// `callsift synth`.
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Random seed: the same seed, scale and world give byte-identical files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Size: 1.0 is about 1,000,000 carrier call rows.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// standard, two-campaigns, rotating-spoof, us-spoof, clock-skew, gotv or hard.
    #[arg(long, default_value = "standard")]
    pub world: String,
    /// The output folder (must be empty or absent).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub engine: EngineArgs,
}

/// `callsift eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The synthetic case folder (with truth.json).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The output folder of `callsift run DIR/case.toml --out OUT`.
    #[arg(long, value_name = "OUT")]
    pub out: PathBuf,
    /// Print the evaluation as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `callsift verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The output folder of a run.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The case manifest: check it, its profile files and its evidence files too.
    #[arg(long, value_name = "CASE.toml")]
    pub case: Option<PathBuf>,
    /// Print one JSON object (manifest_sha256, checked, problems, notes, ok) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs a parsed command line; returns the process exit code.
///
/// # Errors
/// Any library error; `main` prints it and exits with [`Error::exit_code`].
pub fn run(cli: Cli) -> Result<i32> {
    if matches!(
        cli.command,
        Command::Run(_) | Command::Ingest(_) | Command::Correlate(_)
    ) {
        // Before anything is staged, so that an interrupt at any moment stops cleanly.
        callsift::outdir::install_signal_handlers()?;
    }
    match cli.command {
        Command::Check(a) => check(&a),
        Command::Ingest(a) => ingest(&a),
        Command::Run(r) => run_case(&r),
        Command::Correlate(c) => correlate(&c),
        Command::Figures(a) => callsift::figures::print(&a.dir, a.published.as_deref()),
        Command::Synth(a) => synth(&a),
        Command::Eval(a) => eval(&a),
        Command::Verify(a) => verify(&a),
    }
}

/// `callsift check`: the report on standard output; exit 1 when a run would stop on a file.
fn check(a: &CheckArgs) -> Result<i32> {
    let (_, pool) = pool(a.threads)?;
    let case = Case::load(&a.case)?;
    let opts = callsift::check::CheckOptions {
        input: a.input,
        rows: a.rows,
    };
    let report = pool.install(|| callsift::check::check(&case, &opts))?;
    let _ = write!(
        std::io::stdout().lock(),
        "{}",
        callsift::check::render(&case, &report)
    );
    Ok(if report.passed() { 0 } else { 1 })
}

/// `callsift ingest`: the case store, written as a unit.
fn ingest(a: &IngestArgs) -> Result<i32> {
    let threads = pool(a.engine.threads)?;
    let case = Case::load(&a.case)?;
    let out = OutDir::open(&a.out, &evidence(&case))?;
    let rep = step(&out, case_sha256(&case)?, |staged| {
        threads
            .1
            .install(|| callsift::ingest::run_in(&case, staged.path(), threads.0))
    })?;
    if !a.engine.quiet {
        print_ingest_summary(&rep.manifest, &a.out);
    }
    Ok(0)
}

/// `callsift run`: ingest then correlate, as one unit; then the published figures if given.
fn run_case(r: &RunArgs) -> Result<i32> {
    let a = &r.ingest;
    let threads = pool(a.engine.threads)?;
    let case = Case::load(&a.case)?;
    let out = OutDir::open(&a.out, &evidence(&case))?;
    let opts = correlate_options(r.pseudonymize.as_deref())?;
    let progress = Progress::new(a.engine.quiet);
    let (rep, cor) = step(&out, case_sha256(&case)?, |staged| {
        threads.1.install(|| -> Result<_> {
            progress.step(
                1,
                2,
                &format!("ingest: {} evidence files", case.files.len()),
            );
            let rep = callsift::ingest::run_in(&case, staged.path(), threads.0)?;
            progress.step(2, 2, "correlate");
            let cor = callsift::correlate::run(staged.path(), &opts)?;
            progress.done();
            Ok((rep, cor))
        })
    })?;
    drop(out);
    if !a.engine.quiet {
        print_ingest_summary(&rep.manifest, &a.out);
        print_correlation(&cor, &a.out);
    }
    match &r.published {
        Some(p) => {
            if !a.engine.quiet {
                println!();
            }
            callsift::figures::print(&a.out, Some(p))
        }
        None => Ok(0),
    }
}

/// `callsift correlate`: the results again from the folder's store.
fn correlate(c: &CorrelateArgs) -> Result<i32> {
    let opts = correlate_options(c.pseudonymize.as_deref())?;
    let a = &c.dir;
    let threads = pool(a.engine.threads)?;
    let out = OutDir::open(&a.dir, &[])?;
    if !out.exists() {
        return Err(Error::store(
            &a.dir,
            "no run in this folder: run `callsift ingest CASE.toml --out DIR` first",
        ));
    }
    let case_sha = manifest::Manifest::read(out.path())?.case_sha256;
    let cor = step(&out, Some(case_sha), |staged| {
        staged.carry_store()?;
        threads
            .1
            .install(|| callsift::correlate::run(staged.path(), &opts))
    })?;
    if !a.engine.quiet {
        print_correlation(&cor, &a.dir);
    }
    Ok(0)
}

/// `callsift synth`: a synthetic case with its planted truth.
fn synth(a: &SynthArgs) -> Result<i32> {
    let world: callsift::synth::World = a
        .world
        .parse()
        .map_err(|e: String| Error::config("--world", e))?;
    let threads = pool(a.engine.threads)?;
    let opts = callsift::synth::SynthOptions {
        seed: a.seed,
        scale: a.scale,
        world,
    };
    let s = threads
        .1
        .install(|| callsift::synth::synth(&opts, &a.out))?;
    if !a.engine.quiet {
        println!(
            "{} call rows in {} files ({:.1} MB) in {:.1} s: {}",
            s.call_rows,
            s.files.len(),
            s.bytes() as f64 / 1e6,
            s.seconds,
            a.out.join("case.toml").display()
        );
    }
    Ok(0)
}

/// `callsift eval`: a run on a synthetic case against its truth (the evaluation is printed, not written: the run folder is a unit callsift owns).
fn eval(a: &EvalArgs) -> Result<i32> {
    // The run folder is a unit callsift owns: the evaluation is printed, not written
    // into it.
    let acc = callsift::synth::eval(&a.dir, &a.out)?;
    if a.json {
        let text = serde_json::to_string_pretty(&acc).map_err(|e| Error::store(&a.out, e))?;
        println!("{text}");
    } else {
        println!("{acc}");
    }
    Ok(if acc.passed() { 0 } else { 1 })
}

/// `callsift verify`: the folder against its manifest (and the evidence, given the case).
fn verify(a: &VerifyArgs) -> Result<i32> {
    let v = manifest::verify(&a.dir, a.case.as_deref())?;
    let mut out = std::io::stdout().lock();
    if a.json {
        let text = serde_json::to_string_pretty(&v)
            .map_err(|e| Error::store(a.dir.join(callsift::layout::MANIFEST), e))?;
        let _ = writeln!(out, "{text}");
    } else {
        for p in &v.problems {
            let _ = writeln!(out, "FAIL {}: {} [{}]", p.file, p.message, p.check);
        }
        for n in &v.notes {
            let _ = writeln!(out, "note: {n}");
        }
        let _ = writeln!(
            out,
            "{} files checked, {} problems",
            v.checked,
            v.problems.len()
        );
        let _ = writeln!(out, "manifest.json SHA-256 {}", v.manifest_sha256);
    }
    Ok(if v.ok { 0 } else { 1 })
}

/// Step-by-step progress on standard error, only when it is a terminal (so logs and pipes
/// stay clean).
struct Progress {
    on: bool,
    t0: std::time::Instant,
}

impl Progress {
    fn new(quiet: bool) -> Progress {
        use std::io::IsTerminal;
        Progress {
            on: !quiet && std::io::stderr().is_terminal(),
            t0: std::time::Instant::now(),
        }
    }

    fn step(&self, k: usize, n: usize, what: &str) {
        if self.on {
            eprint!(
                "\r\x1b[2K[{k}/{n}] {what} ({:.1} s)",
                self.t0.elapsed().as_secs_f64()
            );
        }
    }

    fn done(&self) {
        if self.on {
            eprintln!("\r\x1b[2Kdone in {:.1} s", self.t0.elapsed().as_secs_f64());
        }
    }
}

/// Builds the thread pool; returns the thread count and the pool.
fn pool(threads: Option<usize>) -> Result<(usize, rayon::ThreadPool)> {
    let n = match threads {
        Some(0) => return Err(Error::config("--threads", "must be at least 1")),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let p = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map_err(|e| Error::config("--threads", e.to_string()))?;
    Ok((n, p))
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
    Ok(Some(callsift::digest::sha256_file(&case.file)?.0))
}

/// Runs one step that writes the output folder: stages, runs `f` on the staging folder, and
/// commits (audit line with exit 0), or, when `f` fails, drops the staging folder and records
/// the failure in the committed folder's audit log, if there is one.
fn step<T>(
    out: &OutDir,
    case_sha256: Option<String>,
    f: impl FnOnce(&Staging<'_>) -> Result<T>,
) -> Result<T> {
    let command: Vec<String> = std::env::args().collect();
    let staged = out.stage()?;
    match f(&staged) {
        Ok(v) => {
            staged.commit(callsift::audit::Entry::now(command, case_sha256, None, 0))?;
            Ok(v)
        }
        Err(e) => {
            let e = e.rebase(staged.path(), out.path());
            drop(staged);
            if out.exists() {
                let entry = callsift::audit::Entry::now(command, case_sha256, None, e.exit_code());
                // The failure is recorded when it can be; the error itself is what matters.
                let _ = callsift::audit::append(&out.path().join(callsift::layout::AUDIT), &entry);
            }
            Err(e)
        }
    }
}

/// The quarantined share above which the ingest summary marks a file.
const QUARANTINE_MARK: f64 = 0.01;

fn print_ingest_summary(m: &manifest::Manifest, out: &Path) {
    let mut o = std::io::stdout().lock();
    let _ = writeln!(
        o,
        "{:<44} {:>14} {:>10} {:>10} {:>11} {:>10} {:>10}",
        "input", "kind", "read", "accepted", "quarantined", "duplicates", "filtered"
    );
    let mut marked = false;
    for i in &m.inputs {
        // A file with more than 1 % of its records in the quarantine is marked: under the
        // profile's max_quarantine_share it did not stop the run, but it deserves a look.
        let share = callsift::ingest::quarantined_share(
            i.quarantined,
            i.rows_read - i.filtered.min(i.rows_read),
        );
        let mark = if share > QUARANTINE_MARK {
            marked = true;
            format!("  ! {:.1} % quarantined", share * 100.0)
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "{:<44} {:>14} {:>10} {:>10} {:>11} {:>10} {:>10}{mark}",
            truncate(&i.path, 44),
            i.kind,
            i.rows_read,
            i.accepted,
            i.quarantined,
            i.duplicates_removed,
            i.filtered
        );
    }
    if marked {
        let _ = writeln!(
            o,
            "! more than 1 % of the file's records are in the quarantine: see the reasons in \
             store/quarantine.csv"
        );
    }
    let q: u64 = m.inputs.iter().map(|i| i.quarantined).sum();
    let _ = writeln!(
        o,
        "case store: {}  quarantine: {q} rows ({})  manifest: {}",
        out.join(callsift::layout::STORE).display(),
        out.join("store/quarantine.csv").display(),
        out.join(callsift::layout::MANIFEST).display()
    );
}

fn print_correlation(c: &callsift::correlate::Correlation, out: &Path) {
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o);
    for (k, v) in &c.figures.to_map() {
        if k != "inputs" {
            let _ = writeln!(o, "  {k:<28} {v}");
        }
    }
    let _ = writeln!(o, "\ntop unexplained originating numbers:");
    for t in &c.top_numbers {
        let _ = writeln!(o, "  {}  {}", t.name, t.detail);
    }
    let _ = writeln!(o, "campaigns most enriched among complainants:");
    for t in &c.top_campaigns {
        let _ = writeln!(o, "  {}  {}", t.name, t.detail);
    }
    let _ = writeln!(o, "closest list pairs:");
    for t in &c.top_overlaps {
        let _ = writeln!(o, "  {}  {}", t.name, t.detail);
    }
    let _ = writeln!(
        o,
        "\n{} leads (significant, unexplained, no subscriber information or likely spoofed): {}",
        c.leads,
        out.join("results/leads.csv").display()
    );
    let _ = writeln!(
        o,
        "results: {}",
        out.join(callsift::layout::RESULTS).display()
    );
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let tail: String = s
            .chars()
            .rev()
            .take(n - 1)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn threads_flag() {
        let c = Cli::try_parse_from([
            "callsift",
            "ingest",
            "c.toml",
            "--out",
            "o",
            "--threads",
            "2",
        ])
        .unwrap();
        match c.command {
            Command::Ingest(a) => assert_eq!(a.engine.threads, Some(2)),
            _ => panic!("wrong command"),
        }
        assert!(Cli::try_parse_from([
            "callsift",
            "ingest",
            "c.toml",
            "--out",
            "o",
            "--threads",
            "x"
        ])
        .is_err());
        assert!(pool(Some(0)).is_err());
    }

    #[test]
    fn pseudonymize_flag() {
        let c = Cli::try_parse_from(["callsift", "correlate", "d", "--pseudonymize", "k"]).unwrap();
        match c.command {
            Command::Correlate(a) => {
                assert_eq!(a.pseudonymize.as_deref(), Some(Path::new("k")));
                assert_eq!(a.dir.dir, Path::new("d"));
            }
            _ => panic!("wrong command"),
        }
        let c = Cli::try_parse_from([
            "callsift",
            "run",
            "c.toml",
            "--out",
            "o",
            "--pseudonymize",
            "k",
        ])
        .unwrap();
        match c.command {
            Command::Run(r) => assert_eq!(r.pseudonymize.as_deref(), Some(Path::new("k"))),
            _ => panic!("wrong command"),
        }
        let e = correlate_options(Some(Path::new("/nonexistent/case.key"))).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().contains("/nonexistent/case.key"), "{e}");
    }

    #[test]
    fn out_is_required() {
        assert!(Cli::try_parse_from(["callsift", "ingest", "c.toml"]).is_err());
    }
}
