//! Each subcommand, from its checked arguments to its exit code. Everything a command needs
//! from the user (the case, a `--published` file, a key file, the thread count) is read and
//! checked before the output folder is touched, so that a mistake costs nothing and leaves
//! nothing behind.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::paint::Paint;
use super::progress::Progress;
use super::summary::{figures_text, CorrelatePart, IngestPart, PublishedPart};
use super::{
    CheckArgs, Cli, Command, CorrelateArgs, EvalArgs, FiguresArgs, IngestArgs, OutputArgs,
    ReportArgs, RunArgs, SynthArgs, TimelineArgs, VerifyArgs,
};
use callsift::config::Case;
use callsift::error::{Error, Result};
use callsift::figures::Published;
use callsift::manifest;
use callsift::pipeline::{self, Options, Progress as _};
use callsift::Figures;

/// Runs a parsed command line; returns the process exit code.
///
/// # Errors
/// Any library error; `main` prints it and exits with [`Error::exit_code`].
pub fn run(cli: Cli) -> Result<i32> {
    if matches!(
        cli.command,
        Command::Run(_) | Command::Ingest(_) | Command::Correlate(_) | Command::Report(_)
    ) {
        // Before anything is staged, so that an interrupt at any moment stops cleanly.
        callsift::outdir::install_signal_handlers()?;
    }
    match cli.command {
        Command::Check(a) => check(&a),
        Command::Timeline(a) => timeline(&a),
        Command::Ingest(a) => ingest(&a),
        Command::Run(r) => run_case(&r),
        Command::Correlate(c) => correlate(&c),
        Command::Figures(a) => figures(&a),
        Command::Report(a) => report(&a),
        Command::Synth(a) => synth(&a),
        Command::Eval(a) => eval(&a),
        Command::Verify(a) => verify(&a),
    }
}

/// Writes `text` to standard output. A closed pipe (`callsift … | head`) is not an error: the
/// reader has what it wanted, and the exit code still tells the outcome.
fn print(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// What a command prints with `--json`: the parts it ran (docs/cli.md, "JSON output").
#[derive(Serialize)]
struct Report<'a> {
    command: &'static str,
    out: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    ingest: Option<&'a IngestPart>,
    #[serde(skip_serializing_if = "Option::is_none")]
    correlate: Option<&'a CorrelatePart>,
    #[serde(skip_serializing_if = "Option::is_none")]
    figures: Option<&'a Figures>,
    /// `run` and `report`: the page written, `DIR/report.html`.
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<String>,
    /// `run` and `figures`: the comparison, `null` without `--published`.
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<Option<&'a PublishedPart>>,
}

impl Report<'_> {
    fn new(command: &'static str, out: &Path) -> Self {
        Report {
            command,
            out: out.display().to_string(),
            ingest: None,
            correlate: None,
            figures: None,
            report: None,
            published: None,
        }
    }
}

/// Prints `report` as JSON, or `text()`, or nothing with `-q`.
fn emit(o: &OutputArgs, report: &Report<'_>, text: impl FnOnce() -> String) -> Result<()> {
    if o.quiet {
        return Ok(());
    }
    if o.json {
        print(&json(report, Path::new(&report.out))?);
    } else {
        print(&text());
    }
    Ok(())
}

/// `value` as pretty JSON and a line break.
fn json(value: &impl Serialize, about: &Path) -> Result<String> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| Error::store(about, e))
}

/// `callsift check`: the report on standard output; exit 1 when a run would stop on a file.
fn check(a: &CheckArgs) -> Result<i32> {
    let (_, pool) = pipeline::pool(a.threads)?;
    let case = Case::load(&a.case)?;
    let opts = callsift::check::CheckOptions {
        input: a.input,
        rows: a.rows,
    };
    let report = pool.install(|| callsift::check::check(&case, &opts))?;
    print(&callsift::check::render(&case, &report));
    Ok(if report.passed() { 0 } else { 1 })
}

/// `callsift timeline`: the received calls as a table or CSV on standard output.
fn timeline(a: &TimelineArgs) -> Result<i32> {
    use callsift::correlate::timeline::{parse_bound, timeline, Filter};
    let zone = match &a.tz {
        Some(z) => Some(z.parse::<chrono_tz::Tz>().map_err(|_| {
            Error::config(
                "--tz",
                format!("{z:?} is not an IANA time zone (e.g. America/Toronto)"),
            )
        })?),
        None => None,
    };
    let number = match &a.number {
        Some(n) => match callsift::normalize::phone::PhoneParser::try_new("CA", &[])
            .map_err(|e| Error::config("--number", e.to_string()))?
            .parse(n)
        {
            callsift::normalize::phone::Phone::Ok(d) => Some(d),
            _ => {
                return Err(Error::config(
                    "--number",
                    format!("{n:?} is not a phone number"),
                ))
            }
        },
        None => None,
    };
    // The bounds are read in the zone the reader gave, else the case's: read the manifest's
    // zone first when --tz is not given.
    let case_zone = || -> Result<chrono_tz::Tz> {
        let m = manifest::Manifest::read(&a.dir)?;
        let c: callsift::config::CaseFile = serde_json::from_value(m.parameters)
            .map_err(|e| Error::store(a.dir.join(callsift::layout::MANIFEST), e))?;
        Ok(c.case.zone())
    };
    let zone = match zone {
        Some(z) => z,
        None => case_zone()?,
    };
    let filter = Filter {
        number,
        complainant: a.complainant.clone(),
        from: a
            .from
            .as_deref()
            .map(|t| parse_bound("--from", t, zone, false))
            .transpose()?,
        to: a
            .to
            .as_deref()
            .map(|t| parse_bound("--to", t, zone, true))
            .transpose()?,
    };
    let t = timeline(&a.dir, &filter)?;
    print(&super::timeline::text(&t, zone, a.csv));
    Ok(0)
}

/// The pipeline's options of a command: its thread count, and the command line for the audit
/// log.
fn options<'a>(threads: Option<usize>) -> Options<'a> {
    Options {
        threads,
        command: std::env::args().collect(),
        ..Options::default()
    }
}

/// `callsift ingest`: the case store, written as a unit.
fn ingest(a: &IngestArgs) -> Result<i32> {
    let opts = Options {
        partitions: a.store.partitions(),
        ..options(a.engine.threads)
    };
    pipeline::threads(opts.threads)?;
    let case = Case::load(&a.case)?;
    let mut progress = Progress::for_case(a.output.quiet, &case);
    let rep = pipeline::ingest(&case, &a.out, &opts, &progress)?;
    progress.finish();
    let part = IngestPart::new(&rep.manifest, &a.out);
    let report = Report {
        ingest: Some(&part),
        ..Report::new("ingest", &a.out)
    };
    emit(&a.output, &report, || part.text(Paint::stdout()))?;
    Ok(0)
}

/// The published figures of `--published`, read and checked now (before any work).
fn published(p: Option<&Path>) -> Result<Option<(&Path, Published)>> {
    p.map(|p| Ok((p, Published::load(p)?))).transpose()
}

/// The comparison of a run's figures with the published ones.
fn compare(out: &Path, published: Option<&(&Path, Published)>) -> Result<Option<PublishedPart>> {
    published
        .map(|(file, p)| {
            let rows = callsift::figures::compare_with(out, p)?;
            Ok(PublishedPart::new(file, p, &rows))
        })
        .transpose()
}

/// Exit 1 when a published figure is not matched.
fn published_code(p: Option<&PublishedPart>) -> i32 {
    i32::from(p.is_some_and(|p| !p.all_matched()))
}

/// `callsift run`: ingest then correlate, as one unit; then the report, then the published
/// figures if given.
fn run_case(r: &RunArgs) -> Result<i32> {
    let a = &r.ingest;
    pipeline::threads(a.engine.threads)?;
    let case = Case::load(&a.case)?;
    let pubd = published(r.published.as_deref())?;
    let opts = Options {
        partitions: a.store.partitions(),
        correlate: correlate_options(r.pseudonymize.as_deref())?,
        published: pubd.as_ref().map(|(_, p)| p),
        ..options(a.engine.threads)
    };
    let mut progress = Progress::for_case(a.output.quiet, &case);
    let ran = pipeline::run(&case, &a.out, &opts, &progress)?;
    progress.finish();
    let page = ran.report;
    let ingest = IngestPart::new(&ran.ingest.manifest, &a.out);
    let correlate = summary_of(&a.output, &a.out, ran.correlation)?;
    let compared = compare(&a.out, pubd.as_ref())?;
    let report = Report {
        ingest: Some(&ingest),
        correlate: correlate.as_ref(),
        report: Some(page.display().to_string()),
        published: Some(compared.as_ref()),
        ..Report::new("run", &a.out)
    };
    emit(&a.output, &report, || {
        let paint = Paint::stdout();
        let mut t = ingest.text(paint);
        if let Some(c) = &correlate {
            t += &c.text(paint);
        }
        if let Some(p) = &compared {
            t += "\n";
            t += &p.text(paint);
        }
        // Last, so that the run ends by naming the page that tells it all.
        t += &format!("report: {}\n", page.display());
        t
    })?;
    Ok(published_code(compared.as_ref()))
}

/// The ranked summary of what correlate wrote, unless `-q` (then nothing is read back).
fn summary_of(
    o: &OutputArgs,
    out: &Path,
    cor: callsift::correlate::Correlation,
) -> Result<Option<CorrelatePart>> {
    if o.quiet {
        return Ok(None);
    }
    CorrelatePart::read(out, cor.figures, cor.leads).map(Some)
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

/// `callsift correlate`: the results again from the folder's store.
fn correlate(c: &CorrelateArgs) -> Result<i32> {
    let opts = Options {
        correlate: correlate_options(c.pseudonymize.as_deref())?,
        ..options(c.engine.threads)
    };
    pipeline::threads(opts.threads)?;
    let mut progress = Progress::new(c.output.quiet);
    let cor = pipeline::correlate(&c.dir, &opts, &progress)?;
    progress.finish();
    let part = summary_of(&c.output, &c.dir, cor)?;
    let report = Report {
        correlate: part.as_ref(),
        ..Report::new("correlate", &c.dir)
    };
    emit(&c.output, &report, || {
        part.as_ref()
            .map(|p| p.text(Paint::stdout()))
            .unwrap_or_default()
    })?;
    Ok(0)
}

/// `callsift report`: `DIR/report.html` written anew from the folder's results.
fn report(a: &ReportArgs) -> Result<i32> {
    let pubd = published(a.published.as_deref())?;
    let opts = Options {
        published: pubd.as_ref().map(|(_, p)| p),
        ..options(None)
    };
    let mut progress = Progress::new(a.output.quiet);
    let page = pipeline::report(&a.dir, &opts, &progress)?;
    progress.finish();
    let compared = compare(&a.dir, pubd.as_ref())?;
    let report = Report {
        report: Some(page.display().to_string()),
        published: Some(compared.as_ref()),
        ..Report::new("report", &a.dir)
    };
    emit(&a.output, &report, || {
        let mut t = format!("report: {}\n", page.display());
        if let Some(p) = &compared {
            t += "\n";
            t += &p.text(Paint::stdout());
        }
        t
    })?;
    Ok(published_code(compared.as_ref()))
}

/// `callsift figures`: the figures, beside the published ones when given.
fn figures(a: &FiguresArgs) -> Result<i32> {
    let pubd = published(a.published.as_deref())?;
    let figures = callsift::results::figures(&a.dir)?;
    let compared = compare(&a.dir, pubd.as_ref())?;
    let report = Report {
        figures: Some(&figures),
        published: Some(compared.as_ref()),
        ..Report::new("figures", &a.dir)
    };
    emit(&a.output, &report, || match &compared {
        Some(p) => p.text(Paint::stdout()),
        None => figures_text(&figures),
    })?;
    Ok(published_code(compared.as_ref()))
}

/// `callsift synth`: a synthetic case with its planted truth.
fn synth(a: &SynthArgs) -> Result<i32> {
    let world: callsift::synth::World = a
        .world
        .parse()
        .map_err(|e: String| Error::config("--world", e))?;
    let (_, pool) = pipeline::pool(a.engine.threads)?;
    let opts = callsift::synth::SynthOptions {
        seed: a.seed,
        scale: a.scale,
        world,
    };
    let mut progress = Progress::new(a.quiet);
    progress.step(1, 1, "synth");
    progress.doing("writing a synthetic case");
    let s = pool.install(|| callsift::synth::synth(&opts, &a.out))?;
    progress.finish();
    if !a.quiet {
        print(&format!(
            "{} call rows in {} files ({:.1} MB) in {:.1} s: {}\n",
            s.call_rows,
            s.files.len(),
            s.bytes() as f64 / 1e6,
            s.seconds,
            a.out.join("case.toml").display()
        ));
    }
    Ok(0)
}

/// `callsift eval`: a run on a synthetic case against its truth. The evaluation is printed,
/// not written: the run folder is a unit callsift owns.
fn eval(a: &EvalArgs) -> Result<i32> {
    let acc = callsift::synth::eval(&a.dir, &a.run)?;
    if !a.output.quiet {
        print(&if a.output.json {
            json(&acc, &a.run)?
        } else {
            format!("{acc}\n")
        });
    }
    Ok(if acc.passed() { 0 } else { 1 })
}

/// `callsift verify`: the folder against its manifest (and the evidence, given the case).
fn verify(a: &VerifyArgs) -> Result<i32> {
    let v = manifest::verify(&a.dir, a.case.as_deref())?;
    let code = if v.ok { 0 } else { 1 };
    if a.output.quiet {
        return Ok(code);
    }
    if a.output.json {
        print(&json(&v, &a.dir.join(callsift::layout::MANIFEST))?);
        return Ok(code);
    }
    let paint = Paint::stdout();
    let mut o = String::new();
    for p in &v.problems {
        o += &format!(
            "{} {}: {} [{}]\n",
            paint.bad("FAIL"),
            p.file,
            p.message,
            p.check
        );
    }
    for n in &v.notes {
        o += &format!("note: {n}\n");
    }
    let count = format!("{} files checked, {} problems", v.checked, v.problems.len());
    o += &if v.problems.is_empty() {
        paint.good(&count)
    } else {
        paint.bad(&count)
    };
    o += &format!("\nmanifest.json SHA-256 {}\n", v.manifest_sha256);
    print(&o);
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_key_file_is_a_configuration_error() {
        let e = correlate_options(Some(Path::new("/nonexistent/case.key"))).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().contains("/nonexistent/case.key"), "{e}");
    }

    #[test]
    fn a_wrong_published_file_fails_before_any_work() {
        let e = published(Some(Path::new("/nonexistent/published.toml"))).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(published(None).unwrap().is_none());
    }
}
