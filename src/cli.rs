//! The command line: clap definitions ([`Cli`]), checked, then run ([`run`]). Part of the
//! binary, not of the library: it drives the library's public API as any other program would.
//!
//! `main.rs` only parses ([`parse`]), calls [`run`], and turns the result into an exit code
//! (listed in `callsift --help` and docs/cli.md, "Exit codes").
//!
//! - `cli/commands.rs`: each subcommand, from its arguments to its exit code;
//! - `cli/summary.rs`: what `run`, `ingest`, `correlate` and `figures` print, as text or JSON;
//! - `cli/progress.rs`: progress bars, on a terminal only;
//! - `cli/paint.rs`: colour, on a terminal only, and never with `NO_COLOR`;
//! - `cli/paths.rs`: evidence paths shortened in the middle, the file name kept;
//! - `cli/table.rs`: the console's aligned tables.
//!
//! Every example in a `--help` runs, from the repository root, on the bundled fixtures, in the
//! order shown, and exits 0 (tests/binary.rs runs them all).

mod commands;
mod paint;
mod paths;
mod progress;
mod summary;
mod table;
mod timeline;

use std::path::PathBuf;
use std::sync::OnceLock;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

pub use commands::run;
pub use paint::Paint;

/// Forensic call-log correlation for election investigations.
#[derive(Debug, Parser)]
#[command(
    name = "callsift",
    version = concat!(env!("CARGO_PKG_VERSION"), " (git ", env!("CALLSIFT_GIT_COMMIT"), ")"),
    about,
    long_about = None
)]
#[command(after_help = "\
Examples:
  callsift run fixtures/inquiry/case.toml --out /tmp/inquiry --published fixtures/inquiry/published.toml
  callsift figures /tmp/inquiry --published fixtures/inquiry/published.toml --json
  callsift verify /tmp/inquiry --case fixtures/inquiry/case.toml

Exit codes:
  0    success
  1    a check failed: a published figure not matched (run, figures, report), a problem found
       (verify), a file that would stop the run (check), a criterion not met (eval)
  2    usage error (unknown flag, missing argument)
  3    the case manifest, a profile, a command-line value, a --published or key file is wrong
       (the message names the file and key), or the output folder is refused
  4    an evidence file cannot be used (the message names the file and line); nothing written
  5    a file's row counts do not reconcile (a bug: please report it)
  6    an output cannot be written, or a run folder's files are missing, malformed or changed
  101  internal error (a bug: please report it)
  130  stopped by SIGINT or SIGTERM; the output folder keeps its previous state

Progress bars and colour appear on a terminal only; NO_COLOR=1 turns colour off,
CLICOLOR_FORCE=1 turns it on in a pipe. Full reference: docs/cli.md.")]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ingest, correlate, then write the report: the whole job, from evidence files to ranked
    /// results and DIR/report.html; with --published, ends with the published figures beside
    /// the computed ones (in the report too).
    #[command(after_help = "\
Examples:
  callsift run fixtures/inquiry/case.toml --out out/inquiry --published fixtures/inquiry/published.toml
  callsift run fixtures/formats/case.toml --out /tmp/case --threads 1 --json

Exit codes: 0 done (and every published figure matched), 1 a published figure not matched,
2 usage, 3 case manifest, profile, --published or key file wrong, or output folder refused,
4 evidence file unusable, 5 reconciliation (a bug), 6 I/O, 130 interrupted.")]
    Run(RunArgs),
    /// Try a case's profiles before a run: validates the case manifest, reads and converts
    /// every evidence file as ingest would, and shows each file's first records raw beside
    /// what they became (canonical values, quarantine reason, or filtered); writes nothing.
    #[command(after_help = "\
Examples:
  callsift check fixtures/inquiry/case.toml
  callsift check fixtures/rules/mixed-direction/case.toml --input 1 --rows 5

Exit codes: 0 every file would be ingested, 1 a file would stop the run, 2 usage,
3 case manifest, profile or --input wrong, 6 I/O.")]
    Check(CheckArgs),
    /// The chronology of the received calls of a run: time (local and UTC), complainant,
    /// caller ID, carrier, window, the campaign they were attributed to, evidence line; as a
    /// table or CSV, filtered by caller ID, complainant or time. Writes nothing.
    #[command(after_help = "\
Examples:
  callsift run fixtures/inquiry/case.toml --out out/inquiry -q && callsift timeline out/inquiry --number +15195550147
  callsift timeline out/inquiry --complainant 2011-0042 --tz UTC
  callsift timeline out/inquiry --from 2011-05-02 --to 2011-05-02 --csv > /tmp/election-day.csv

--from is included, --to excluded; each is an RFC 3339 instant, a local date-time
(2011-05-02 10:00) or a local date in the zone of --tz (a date as --to ends with that day).

Exit codes: 0 done, 2 usage, 3 a flag's value wrong, 6 the run folder missing or changed.")]
    Timeline(TimelineArgs),
    /// Read every evidence file of a case into the case store (DIR/store/), with the quarantine
    /// and the run manifest (DIR/manifest.json).
    #[command(after_help = "\
Examples:
  callsift ingest fixtures/formats/case.toml --out /tmp/case
  callsift ingest fixtures/formats/case.toml --out /tmp/case --threads 1 --json

Exit codes: 0 done, 2 usage, 3 case manifest or profile wrong, or output folder refused,
4 evidence file unusable, 5 reconciliation (a bug), 6 I/O, 130 interrupted.")]
    Ingest(IngestArgs),
    /// Correlate and rank: reads DIR/store/, writes DIR/results/ (figures.json, numbers,
    /// attribution, campaigns, overlaps, enrichment, spread, leads, ...).
    #[command(after_help = "\
Examples:
  callsift ingest fixtures/formats/case.toml --out /tmp/case -q
  callsift correlate /tmp/case
  head -c 32 /dev/urandom > /tmp/case.key
  callsift correlate /tmp/case --pseudonymize /tmp/case.key --json

Exit codes: 0 done, 2 usage, 3 key file or recorded parameters wrong, or output folder
refused, 6 no run in DIR, or its store missing or changed, 130 interrupted.")]
    Correlate(CorrelateArgs),
    /// Write DIR/report.html, the run told on one self-contained page: the case, the figures
    /// (beside the published ones with --published), the calls per hour, the leads with their
    /// dossiers, the chains, the vendor campaigns, the overlap heat map, the district spread
    /// and skew, the method's caveats. `run` writes it as its last step.
    #[command(after_help = "\
Examples:
  callsift run fixtures/inquiry/case.toml --out /tmp/inquiry -q
  callsift report /tmp/inquiry --published fixtures/inquiry/published.toml

Exit codes: 0 done (and every published figure matched), 1 a published figure not matched,
2 usage, 3 --published file wrong, or output folder refused, 6 no results in DIR, or a results
or store file missing or changed since it was written, 130 interrupted.")]
    Report(ReportArgs),
    /// Print the figures of a run; with --published, side by side with the published ones.
    #[command(after_help = "\
Examples:
  callsift run fixtures/inquiry/case.toml --out /tmp/inquiry -q
  callsift figures /tmp/inquiry --published fixtures/inquiry/published.toml
  callsift figures /tmp/inquiry --json

Exit codes: 0 done (and every published figure matched), 1 a published figure not matched,
2 usage, 3 --published file wrong (unreadable, or an unknown figure name), 6 no results in DIR.")]
    Figures(FiguresArgs),
    /// Generate a synthetic case with planted truth (DIR/case.toml, DIR/truth.json, raw files).
    #[command(after_help = "\
Examples:
  callsift synth --seed 1 --scale 0.01 --out /tmp/world
  callsift synth --seed 4 --scale 0.01 --world hard --out /tmp/hard
  callsift synth --seed 1 --scale 0.01 --world national --out /tmp/national

Exit codes: 0 done, 2 usage, 3 --world or --scale wrong, or DIR not empty, 6 I/O.")]
    Synth(SynthArgs),
    /// Measure how well a run recovered a synthetic case's planted truth: DIR is the case
    /// folder of `callsift synth`, --run the folder of `callsift run DIR/case.toml --out RUN`.
    #[command(after_help = "\
Examples:
  callsift synth --seed 1 --scale 0.01 --out /tmp/world
  callsift run /tmp/world/case.toml --out /tmp/world-out -q
  callsift eval /tmp/world --run /tmp/world-out

Exit codes: 0 every criterion met, 1 a criterion not met, 2 usage,
6 no truth.json in DIR or no results in RUN.")]
    Eval(EvalArgs),
    /// Check everything DIR/manifest.json claims: every output's hash and row count, files
    /// it does not list, the row reconciliation, the parameters and the audit log; with
    /// --case, the case manifest, profiles and evidence files too.
    #[command(after_help = "\
Examples:
  callsift ingest fixtures/formats/case.toml --out /tmp/case -q
  callsift verify /tmp/case --case fixtures/formats/case.toml
  callsift verify /tmp/case --case fixtures/formats/case.toml --json

Exit codes: 0 every check holds, 1 a problem found, 2 usage, 6 no readable manifest in DIR.")]
    Verify(VerifyArgs),
}

/// Options shared by commands that run the engine.
#[derive(Debug, Args)]
pub struct EngineArgs {
    /// Worker threads (default: all cores). Output is identical whatever the count.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// What a command prints on standard output.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Print nothing but errors: no progress, no summary; the exit code tells the outcome.
    #[arg(short, long, conflicts_with = "json")]
    pub quiet: bool,
    /// Print one JSON object on standard output instead of the text summary (keys in
    /// docs/cli.md, "JSON output").
    #[arg(long)]
    pub json: bool,
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
    #[command(flatten)]
    #[allow(missing_docs)]
    pub store: StoreArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

/// How the case store is split into parts by phone number (docs/formats.md, "The case
/// store"). The results do not depend on it.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// Split each table of the store into N parts (1 to 4096) by its phone number, instead of
    /// as many as the evidence's size and the memory budget call for.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=4096),
          conflicts_with = "memory")]
    pub partitions: Option<u32>,
    /// The memory budget the store's parts are sized for (512M, 4G...; default a quarter of
    /// the machine's memory, at most 4G): one part per quarter of it of evidence bytes.
    #[arg(long, value_name = "SIZE", value_parser = callsift::partition::parse_size)]
    pub memory: Option<u64>,
}

impl StoreArgs {
    /// The partitioning these flags ask for.
    pub fn partitions(&self) -> callsift::partition::Partitions {
        use callsift::partition::Partitions;
        match (self.partitions, self.memory) {
            (Some(n), _) => Partitions::Fixed(n),
            (None, Some(m)) => Partitions::Budget(m),
            (None, None) => Partitions::default(),
        }
    }
}

/// `callsift timeline`.
#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// The output folder of a run (its store; the campaign column needs its results).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Only calls whose caller ID is this number (any spelling; North American by default).
    #[arg(long, value_name = "N")]
    pub number: Option<String>,
    /// Only calls to this complainant: its id, or one of its numbers.
    #[arg(long, value_name = "C")]
    pub complainant: Option<String>,
    /// Only calls at or after this time.
    #[arg(long, value_name = "T")]
    pub from: Option<String>,
    /// Only calls before this time (a date: to the end of that day).
    #[arg(long, value_name = "T")]
    pub to: Option<String>,
    /// The zone of the local times, of --from and --to (IANA; default: the case's
    /// [case] time_zone, else UTC).
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// CSV on standard output instead of a table.
    #[arg(long)]
    pub csv: bool,
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
    /// Published figures to compare with at the end, and in the report (exit 1 when one is
    /// not matched). Read and checked before the run starts: a missing file or an unknown
    /// figure name exits 3.
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
    /// The output folder of `ingest` (or `run`).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Write the results with every phone number replaced by a keyed token (HMAC-SHA-256, key =
    /// the file's bytes, at least 16); the case store stays in clear. See docs/cli.md.
    #[arg(long, value_name = "KEYFILE")]
    pub pseudonymize: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub engine: EngineArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

/// `callsift figures`.
#[derive(Debug, Args)]
pub struct FiguresArgs {
    /// The output folder of a run.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Published figures (TOML: `[figures.NAME] value = N, source = "..."`); exit 1 when one is
    /// not matched, 3 when the file names a figure callsift does not compute.
    #[arg(long, value_name = "FILE")]
    pub published: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

/// `callsift report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The output folder of a run (with its results).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Published figures to set beside the computed ones in the report (TOML, as `figures`
    /// reads them); read and checked first: exit 3 when it is wrong, 1 when a figure is not
    /// matched (the report is written either way).
    #[arg(long, value_name = "FILE")]
    pub published: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
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
    /// standard, two-campaigns, rotating-spoof, us-spoof, clock-skew, gotv, hard or national.
    #[arg(long, default_value = "standard")]
    pub world: String,
    /// The output folder (must be empty or absent).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub engine: EngineArgs,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `callsift eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The synthetic case folder (with truth.json).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The folder of `callsift run DIR/case.toml --out RUN` (`--out` is accepted as an old
    /// name for it).
    #[arg(long = "run", alias = "out", value_name = "DIR")]
    pub run: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
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
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

/// The clap command, with `--version`'s long text (the data versions compiled in).
pub fn command() -> clap::Command {
    Cli::command().long_version(long_version())
}

/// Parses the process's arguments; on a usage error, `--help` or `--version`, prints and
/// exits as clap does (2 for a usage error, 0 otherwise).
pub fn parse() -> Cli {
    let mut cmd = command();
    let matches = cmd.clone().get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.format(&mut cmd).exit())
}

/// `callsift --version`: the version and commit, then the versions of the data compiled in
/// (the same the run manifest records as `tzdb` and `phone_metadata`).
pub fn long_version() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        format!(
            "{} (git {})\n\
             tz database: {} (chrono-tz {}, chrono_tz::IANA_TZDB_VERSION)\n\
             phone number metadata: {}",
            env!("CARGO_PKG_VERSION"),
            env!("CALLSIFT_GIT_COMMIT"),
            callsift::normalize::time::tzdb_version(),
            env!("CALLSIFT_CHRONO_TZ_VERSION"),
            phone_metadata(env!("CALLSIFT_PHONENUMBER_VERSION")),
        )
    })
}

/// What the `phonenumber` crate's version says of its metadata. The crate exposes no metadata
/// version at run time; its releases carry the libphonenumber release they were built from as
/// semver build metadata (`0.3.10+9.0.33`), which the build script reads from Cargo.lock.
fn phone_metadata(crate_version: &str) -> String {
    match crate_version.split_once('+') {
        Some((v, release)) => format!(
            "libphonenumber {release} (phonenumber {v}; the crate exposes no metadata version: \
             the release is its version's build tag)"
        ),
        None => format!(
            "phonenumber {crate_version} (the crate exposes no metadata version, and this \
             version names no libphonenumber release)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn cli_is_well_formed() {
        command().debug_assert();
    }

    fn parse_from(args: &[&str]) -> Result<Cli, clap::Error> {
        command()
            .try_get_matches_from(args)
            .and_then(|m| Cli::from_arg_matches(&m))
    }

    #[test]
    fn threads_flag() {
        let c = parse_from(&[
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
        assert!(parse_from(&[
            "callsift",
            "ingest",
            "c.toml",
            "--out",
            "o",
            "--threads",
            "x"
        ])
        .is_err());
    }

    #[test]
    fn pseudonymize_flag() {
        let c = parse_from(&["callsift", "correlate", "d", "--pseudonymize", "k"]).unwrap();
        match c.command {
            Command::Correlate(a) => {
                assert_eq!(a.pseudonymize.as_deref(), Some(Path::new("k")));
                assert_eq!(a.dir, Path::new("d"));
            }
            _ => panic!("wrong command"),
        }
        let c = parse_from(&[
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
    }

    #[test]
    fn out_is_required() {
        assert!(parse_from(&["callsift", "ingest", "c.toml"]).is_err());
    }

    #[test]
    fn json_and_quiet_flags() {
        for cmd in [
            &["callsift", "run", "c.toml", "--out", "o"][..],
            &["callsift", "ingest", "c.toml", "--out", "o"],
            &["callsift", "correlate", "d"],
            &["callsift", "figures", "d"],
            &["callsift", "report", "d"],
            &["callsift", "verify", "d"],
            &["callsift", "eval", "w", "--run", "d"],
        ] {
            let with = |flag: &str| {
                let mut v = cmd.to_vec();
                v.push(flag);
                parse_from(&v)
            };
            assert!(with("--json").is_ok(), "{cmd:?} --json");
            assert!(with("-q").is_ok(), "{cmd:?} -q");
            let mut both = cmd.to_vec();
            both.extend(["-q", "--json"]);
            let e = parse_from(&both).unwrap_err();
            assert_eq!(
                e.kind(),
                clap::error::ErrorKind::ArgumentConflict,
                "{cmd:?}"
            );
        }
    }

    #[test]
    fn eval_takes_run_and_the_old_out() {
        for flag in ["--run", "--out"] {
            match parse_from(&["callsift", "eval", "w", flag, "r"])
                .unwrap()
                .command
            {
                Command::Eval(a) => assert_eq!(a.run, Path::new("r")),
                _ => panic!("wrong command"),
            }
        }
        // The old name works but is not shown.
        let help = command()
            .find_subcommand_mut("eval")
            .unwrap()
            .render_help()
            .to_string();
        assert!(
            help.contains("--run <DIR>") && !help.contains("--out <"),
            "{help}"
        );
    }

    #[test]
    fn version_names_the_data() {
        let v = long_version();
        assert!(
            v.starts_with(concat!(env!("CARGO_PKG_VERSION"), " (git ")),
            "{v}"
        );
        assert!(
            v.contains(&format!(
                "tz database: {} (chrono-tz ",
                chrono_tz::IANA_TZDB_VERSION
            )),
            "{v}"
        );
        // The manifest's phone_metadata (a constant of the library) agrees with Cargo.lock.
        let (crate_version, release) = env!("CALLSIFT_PHONENUMBER_VERSION")
            .split_once('+')
            .expect("the phonenumber crate's version names its libphonenumber release");
        assert_eq!(
            callsift::normalize::PHONE_METADATA,
            format!("libphonenumber {release} (phonenumber {crate_version})")
        );
        assert!(
            v.contains(&format!("phone number metadata: libphonenumber {release}")),
            "{v}"
        );
        assert!(phone_metadata("0.4.0").contains("names no libphonenumber release"));
    }
}
