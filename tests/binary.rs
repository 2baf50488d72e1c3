//! The `callsift` binary end to end: every subcommand on the bundled fixtures, every exit code of
//! docs/cli.md ("Exit codes") that an input can produce, and the program output the docs quote
//! (docs/cli.md, docs/formats.md, docs/reliability.md, docs/reproducing-the-inquiry.md).
//!
//! A quoted message is checked twice: the doc still says it word for word, and the binary prints
//! it (the parts of a quote between `…` in order, so that paths, hashes and counts that vary
//! from run to run are left out of the doc with `…`). When one of these tests fails after a
//! message changed, change the doc with it.
//!
//! Exit codes and where each is produced:
//!
//! | code | test |
//! |---|---|
//! | 0 | `formats_fixture_through_ingest_verify_correlate_figures`, `inquiry_run_prints_what_the_docs_show`, `synth_run_eval`, `json_summaries_parse_and_say_what_the_files_say`, every `--help` and every example of the help pages and of docs/cli.md (`every_help_example_runs_with_the_exit_code_it_implies`, `every_example_of_docs_cli_runs`) |
//! | 1 | `formats_run_published_mismatch_then_damage` (`run`/`figures --published`, `verify`), tests/report.rs (`report --published`), `synth_run_eval` (`eval`), tests/check.rs (`check`), `quiet_prints_nothing_but_errors` (each with `-q`) |
//! | 2 | `usage_errors_exit_2` (`-q` with `--json` too) |
//! | 3 | tests/check.rs (`check --input 99`), tests/report.rs (`report --published`), `case_manifest_errors_exit_3_with_the_quoted_messages`, `output_folder_refusals_exit_3`, `command_line_values_exit_3`, `formats_run_published_mismatch_then_damage` (`correlate` on edited parameters), `published_is_read_and_checked_before_the_run_starts` |
//! | 4 | `evidence_that_cannot_be_used_exits_4_with_the_quoted_messages` |
//! | 5 | no input can produce it (a reconciliation failure is a bug detector): `exit_code_mapping_of_every_error` checks the mapping through `callsift::Error` |
//! | 6 | `missing_or_malformed_run_folders_exit_6`, tests/report.rs (`report` on a missing folder, one without results, a changed results file), `formats_run_published_mismatch_then_damage` (`correlate` on a changed store) |
//! | 101 | no input can produce it (a panic is a bug; `main` keeps Rust's default status 101): every run here goes through [`cs`], which fails the test on a panic or a 101 |
//! | 130 | `sigint_and_sigterm_exit_130_and_keep_the_previous_run` |
//!
//! Tests marked `#[ignore = "defect: …"]` document defects of the program, found here and left
//! to the program's owners; each passes once the defect is fixed.

mod common;
use common::{code, copy_dir, hashes, repo, run_in, s, sha, staging_left, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

// ---- Helpers.

/// Runs the binary from `cwd`. A panic (exit 101, or "panicked" on standard error) is never an
/// acceptable outcome, whatever the test expects.
fn cs(cwd: &Path, args: &[&str]) -> Output {
    let o = run_in(cwd, args);
    assert!(
        code(&o) != 101 && !stderr(&o).contains("panicked"),
        "callsift {args:?} panicked: {}",
        stderr(&o)
    );
    o
}

/// Runs the binary from `cwd` and checks its exit code; returns standard output and error.
fn expect(cwd: &Path, args: &[&str], want: i32) -> (String, String) {
    let o = cs(cwd, args);
    assert_eq!(
        code(&o),
        want,
        "callsift {args:?}\nstdout:\n{}\nstderr:\n{}",
        stdout(&o),
        stderr(&o)
    );
    (stdout(&o), stderr(&o))
}

/// The repository root, from which the fixtures' documented commands run.
fn root() -> PathBuf {
    repo("")
}

/// A doc of the repository (`docs/cli.md`, `README.md`).
fn doc(name: &str) -> String {
    std::fs::read_to_string(repo(name)).unwrap()
}

/// `quote` is in the doc `name` word for word, and `printed` holds it: the pieces of the quote
/// between `…` appear in `printed`, in order.
fn assert_quoted(name: &str, quote: &str, printed: &str) {
    // Prose is wrapped: the doc holds the quote up to runs of white space.
    let squeeze = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        squeeze(&doc(name)).contains(&squeeze(quote)),
        "{name} no longer quotes {quote:?}: update this test with the doc"
    );
    let mut rest = printed;
    for piece in quote.split('…').map(str::trim).filter(|p| !p.is_empty()) {
        match rest.find(piece) {
            Some(i) => rest = &rest[i + piece.len()..],
            None => panic!(
                "{name} quotes {quote:?}, but the binary printed:\n{printed}\n(no {piece:?} there)"
            ),
        }
    }
}

/// An error as docs/formats.md says every error is printed: `callsift: error: FILE[:LINE]: …`
/// (`file` is what the message must begin with after `callsift: error: `).
fn assert_error_line(err: &str, file: &str) {
    assert!(
        err.starts_with(&format!("callsift: error: {file}")),
        "not `callsift: error: {file}…`: {err}"
    );
}

/// The subcommands, as `callsift --help` lists them (without clap's `help`).
fn subcommands() -> Vec<String> {
    let (out, _) = expect(&root(), &["--help"], 0);
    out.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// A tiny calls file (`a.csv`, header `To,From,When`) with the case manifest that reads it;
/// the case text before any change is [`tiny_case`].
fn tiny(dir: &Path) -> PathBuf {
    std::fs::write(
        dir.join("a.csv"),
        "To,From,When\n6135550101,6135550199,2011-05-02 09:15:02\n",
    )
    .unwrap();
    let case = dir.join("case.toml");
    std::fs::write(&case, tiny_case()).unwrap();
    case
}

const TINY_INPUT: &str = "[[inputs]]\nkind = \"calls\"\npath = \"a.csv\"\nprofile = \"p\"\n";
const TINY_PROFILE: &str = "[profiles.p]\ntime_zone = \"America/Toronto\"\n\
    timestamp_formats = [\"%Y-%m-%d %H:%M:%S\"]\n";
const TINY_COLUMNS: &str =
    "[profiles.p.columns]\ncalled = \"To\"\ncalling = \"From\"\nstart = \"When\"\n";
/// The tiny case manifest: [`TINY_INPUT`], [`TINY_PROFILE`], [`TINY_COLUMNS`].
fn tiny_case() -> String {
    format!("{TINY_INPUT}{TINY_PROFILE}{TINY_COLUMNS}")
}

/// `ingest` and `correlate` of the formats fixture (`run`, quietly) into `out`.
fn formats_run(out: &Path) {
    let (o, e) = expect(
        &root(),
        &["run", "fixtures/formats/case.toml", "--out", s(out), "-q"],
        0,
    );
    assert!(o.is_empty() && e.is_empty(), "-q printed {o}{e}");
}

/// The 64-hex-digit hash of a `manifest.json SHA-256 …` line.
fn manifest_line(out: &str) -> &str {
    let last = out.lines().last().unwrap_or_default();
    let h = last
        .strip_prefix("manifest.json SHA-256 ")
        .unwrap_or_else(|| panic!("no `manifest.json SHA-256 …` last line: {out}"));
    assert!(
        h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()),
        "{last}"
    );
    h
}

// ---- Help and usage (exit 0 and 2).

#[test]
fn help_lists_every_subcommand_and_each_help_shows_its_examples() {
    let cmds = subcommands();
    let tested = [
        "run",
        "check",
        "timeline",
        "ingest",
        "correlate",
        "report",
        "figures",
        "synth",
        "eval",
        "verify",
    ];
    assert_eq!(
        cmds, tested,
        "a subcommand was added or removed: give it tests here and a line in docs/cli.md"
    );
    let cli = doc("docs/cli.md");
    let synopsis = cli.split("```").nth(1).unwrap();
    for c in &cmds {
        let (out, _) = expect(&root(), &[c, "--help"], 0);
        assert!(out.contains(&format!("Usage: callsift {c}")), "{out}");
        let examples = out
            .split_once("\nExample")
            .unwrap_or_else(|| panic!("`callsift {c} --help` shows no example: {out}"))
            .1;
        assert!(
            examples.contains(&format!("callsift {c} ")),
            "`callsift {c} --help`: {examples}"
        );
        let (again, _) = expect(&root(), &["help", c], 0);
        assert_eq!(again, out);
        assert!(
            synopsis.contains(&format!("callsift {c} ")),
            "docs/cli.md's synopsis lacks `callsift {c}`"
        );
    }
    let (out, _) = expect(&root(), &["--version"], 0);
    assert!(
        out.starts_with(&format!("callsift {} (git ", env!("CARGO_PKG_VERSION"))),
        "{out}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let r = root();
    for c in subcommands() {
        let (_, err) = expect(&r, &[&c, "--frobnicate"], 2);
        assert!(
            err.contains("unexpected argument '--frobnicate'")
                && err.contains(&format!("Usage: callsift {c}")),
            "{c}: {err}"
        );
    }
    let (_, err) = expect(&r, &[], 2);
    assert!(err.contains("Usage: callsift <COMMAND>"), "{err}");
    let (_, err) = expect(&r, &["frobnicate"], 2);
    assert!(
        err.contains("unrecognized subcommand 'frobnicate'"),
        "{err}"
    );
    // A missing argument, a missing option, a value of the wrong type.
    let (_, err) = expect(&r, &["run", "fixtures/formats/case.toml"], 2);
    assert!(err.contains("--out <DIR>"), "{err}");
    let (_, err) = expect(&r, &["verify"], 2);
    assert!(err.contains("<DIR>"), "{err}");
    let (_, err) = expect(&r, &["eval", "/tmp/world"], 2);
    assert!(err.contains("--run <DIR>"), "{err}");
    // -q and --json ask for two different outputs.
    let (_, err) = expect(&r, &["figures", "d", "-q", "--json"], 2);
    assert!(err.contains("cannot be used with"), "{err}");
    let (_, err) = expect(&r, &["ingest", "c.toml", "--out", "o", "--threads", "x"], 2);
    assert!(
        err.contains("invalid value 'x' for '--threads <N>'"),
        "{err}"
    );
    let (_, err) = expect(&r, &["synth", "--out", "w", "--scale", "big"], 2);
    assert!(err.contains("invalid value 'big'"), "{err}");
    // The store's parts: a count out of range, a size without a known unit, both at once.
    for (flags, says) in [
        (
            &["--partitions", "0"][..],
            "invalid value '0' for '--partitions <N>'",
        ),
        (&["--partitions", "4097"], "invalid value '4097'"),
        (&["--memory", "4X"], "the unit must be K, M, G or T"),
        (&["--memory", "0"], "at least one byte"),
        (
            &["--partitions", "2", "--memory", "1G"],
            "cannot be used with",
        ),
    ] {
        let mut args = vec!["run", "c.toml", "--out", "o"];
        args.extend_from_slice(flags);
        let (_, err) = expect(&r, &args, 2);
        assert!(err.contains(says), "{flags:?}: {err}");
    }
}

// ---- The formats fixture through the engine's subcommands (exit 0 and 1).

#[test]
fn formats_fixture_through_ingest_verify_correlate_figures() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("case");
    let o = s(&out);
    let r = root();
    let evidence = hashes(&repo("fixtures/formats"));

    // ingest: one line per input, headed by the manifest's names for its counts.
    let (text, err) = expect(
        &r,
        &[
            "ingest",
            "fixtures/formats/case.toml",
            "--out",
            o,
            "--threads",
            "1",
        ],
        0,
    );
    assert!(err.is_empty(), "{err}");
    let words = |l: &str| l.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        words(lines[0]),
        [
            "path",
            "kind",
            "rows_read",
            "accepted",
            "quarantined",
            "duplicates_removed",
            "filtered"
        ]
    );
    assert!(
        lines
            .iter()
            .any(|l| words(l) == ["carriers/ontario-tel.csv", "calls", "7", "6", "0", "1", "0"]),
        "{text}"
    );
    assert!(
        lines.iter().any(|l| words(l)
            == [
                "../numbering/nanpa-npa-report-2020-03-01.csv",
                "numbering_plan",
                "800",
                "798",
                "2",
                "0",
                "0"
            ]),
        "{text}"
    );
    assert_eq!(
        lines.last().unwrap(),
        &format!(
            "case store: {o}/store  quarantine: 2 rows ({o}/store/quarantine.csv)  \
             manifest: {o}/manifest.json"
        )
    );

    // verify, without and with the case manifest, as text and as JSON.
    let sha = sha(&out.join("manifest.json"));
    let (text, _) = expect(&r, &["verify", o], 0);
    assert_eq!(manifest_line(&text), sha);
    assert!(
        text.contains(
            "note: evidence files, the case manifest and profile files not checked: \
             give --case CASE.toml\n"
        ),
        "{text}"
    );
    let (text, _) = expect(
        &r,
        &["verify", o, "--case", "fixtures/formats/case.toml"],
        0,
    );
    assert_eq!(manifest_line(&text), sha);
    assert!(!text.contains("note:") && !text.contains("FAIL"), "{text}");
    let counted = text
        .lines()
        .find_map(|l| l.strip_suffix(" files checked, 0 problems"))
        .unwrap_or_else(|| panic!("no `N files checked, 0 problems`: {text}"));
    let (json, _) = expect(
        &r,
        &[
            "verify",
            o,
            "--case",
            "fixtures/formats/case.toml",
            "--json",
        ],
        0,
    );
    let j: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(j["ok"], true);
    assert_eq!(j["manifest_sha256"], sha.as_str());
    assert_eq!(j["checked"].to_string(), counted);
    assert_eq!(j["problems"], serde_json::json!([]));
    assert_eq!(j["notes"], serde_json::json!([]));

    // correlate: the figures, the ranked summary, the leads.
    let (text, err) = expect(&r, &["correlate", o, "--threads", "1"], 0);
    assert!(err.is_empty(), "{err}");
    // Each count under its name in the file it comes from (issue 14: the console said a
    // campaign "reaches 8 complainant numbers" for enrichment.overlap, beside a different
    // campaigns.complainants_matched).
    for want in [
        "\nfigures (results/figures.json):\n",
        "\n  calls_received                 13\n",
        "\n  originating_numbers            6\n",
        &[
            "\ntop unexplained originating numbers (results/numbers.csv):",
            "  rank_unexplained  number         only_incident  only_baseline  p_text  subscriber_status",
            "                 1  +16135550199               6              0  8.8e-8  refused\n",
        ]
        .join("\n"),
        &[
            "\ncampaigns most enriched among complainants (results/enrichment.csv, campaigns.csv):",
            "  rank  list                           size  overlap     p  complainants_matched  calls_matched",
            "     1  campaign:poll-location-change     8        8  0.20                     7              7\n",
        ]
        .join("\n"),
        &[
            "\nclosest list pairs (results/overlaps.csv):",
            "  rank  list_a                         list_b                    size_a  overlap  containment",
            "     1  upload:upload-guelph-0501      download:dl-2011-05-01-a       7        3        0.429\n",
        ]
        .join("\n"),
        &format!(
            "\nleads: 1 (significant, unexplained, no subscriber information or likely spoofed): \
             {o}/results/leads.csv\nresults: {o}/results\n"
        ),
    ] {
        assert!(text.contains(want), "no {want:?} in:\n{text}");
    }
    assert!(!text.contains("inputs"), "{text}");
    assert_method_worked_example(&out);

    // figures: the same figures, unindented; with --published, the comparison (exit 1: the
    // inquiry's published figures are not the formats fixture's).
    let (text, _) = expect(&r, &["figures", o], 0);
    assert!(
        text.starts_with("attributed_calls             7\n"),
        "{text}"
    );
    assert!(
        text.contains("\ncalls_received               13\n"),
        "{text}"
    );
    let (text, _) = expect(
        &r,
        &[
            "figures",
            o,
            "--published",
            "fixtures/inquiry/published.toml",
        ],
        1,
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        words(lines[0]),
        ["figure", "published", "computed", "match"]
    );
    assert!(lines.contains(&"calls_received                       6051           13  NO"));
    assert_eq!(lines.last(), Some(&"0 of 7 published figures matched"));
    // A campaign the run does not have is shown as `-` (docs/reproducing-the-inquiry.md).
    let published = d.path().join("published.toml");
    std::fs::write(
        &published,
        "[figures.calls_received]\nvalue = 13\n[figures.campaign_recipients]\nvalue = 3\n\
         campaign = \"no-such-campaign\"\n",
    )
    .unwrap();
    let (text, _) = expect(&r, &["figures", o, "--published", s(&published)], 1);
    let lines: Vec<Vec<String>> = text.lines().map(words).collect();
    assert_eq!(lines[1], ["calls_received", "13", "13", "yes"], "{text}");
    assert_eq!(lines[2], ["campaign_recipients", "3", "-", "NO"], "{text}");
    assert!(
        text.ends_with("\n1 of 2 published figures matched\n"),
        "{text}"
    );

    // Nothing above wrote the folder but ingest and correlate, nor any evidence.
    let (text, _) = expect(
        &r,
        &["verify", o, "--case", "fixtures/formats/case.toml"],
        0,
    );
    assert!(text.contains(" files checked, 0 problems\n"), "{text}");
    assert_eq!(hashes(&repo("fixtures/formats")), evidence);
}

/// The results rows docs/method.md shows in its worked example on the formats fixture
/// (section 12: `numbers`, `leads`, `offsets`, `attribution` as their CSV twins) are those of
/// the run in `out`.
fn assert_method_worked_example(out: &Path) {
    let page = doc("docs/method.md");
    let section = page
        .split_once("## 12. Worked example: `fixtures/formats/`")
        .unwrap()
        .1;
    let csvs: Vec<(PathBuf, String)> = std::fs::read_dir(out.join("results"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect();
    let mut shown = 0;
    for block in section.split("```").skip(1).step_by(2) {
        // A CSV block opens with no language; a wrapped line goes on indented.
        let Some(rows) = block.strip_prefix('\n') else {
            continue;
        };
        let rows = rows.replace("\n  ", "");
        let header = rows.lines().next().unwrap();
        let (file, text) = csvs
            .iter()
            .find(|(_, t)| t.lines().next() == Some(header))
            .unwrap_or_else(|| panic!("docs/method.md shows a table no results CSV has: {header}"));
        for row in rows.lines() {
            assert!(
                text.lines().any(|l| l == row),
                "docs/method.md shows {row:?}, not in {}",
                file.display()
            );
        }
        shown += 1;
    }
    assert_eq!(
        shown, 4,
        "docs/method.md's worked example shows four results tables"
    );
}

#[test]
fn formats_run_published_mismatch_then_damage() {
    let d = tempfile::tempdir().unwrap();
    let r = root();
    let out = d.path().join("case");
    let o = s(&out);
    // run --published: exit 1 when a published figure is not matched; the run is committed all
    // the same. With -q, nothing is printed: the exit code tells.
    let (text, err) = expect(
        &r,
        &[
            "run",
            "fixtures/formats/case.toml",
            "--out",
            o,
            "--published",
            "fixtures/inquiry/published.toml",
            "-q",
        ],
        1,
    );
    assert!(err.is_empty() && text.is_empty(), "-q printed {text}{err}");
    expect(&r, &["verify", o], 0);

    // verify: a changed output and a forged file (exit 1), one FAIL line per problem.
    let t = d.path().join("tampered");
    copy_dir(&out, &t);
    let mut numbers = std::fs::read(t.join("results/numbers.csv")).unwrap();
    numbers.push(b'\n');
    std::fs::write(t.join("results/numbers.csv"), numbers).unwrap();
    std::fs::write(t.join("results/leads-final.csv"), "number\n").unwrap();
    let (text, _) = expect(&r, &["verify", s(&t)], 1);
    let fails: Vec<&str> = text.lines().filter(|l| l.starts_with("FAIL ")).collect();
    assert!(
        fails
            .iter()
            .any(|l| l.starts_with("FAIL results/numbers.csv: ")
                && l.contains(" bytes, the manifest records ")
                && l.ends_with(" [size]")),
        "{text}"
    );
    assert!(
        fails.iter().any(
            |l| l.starts_with("FAIL results/numbers.csv: SHA-256 ") && l.ends_with(" [sha256]")
        ),
        "{text}"
    );
    let unlisted = "in the folder but not listed in the manifest (added after the run?)";
    assert!(
        fails.contains(&format!("FAIL results/leads-final.csv: {unlisted} [unlisted]").as_str()),
        "{text}"
    );
    assert!(
        text.contains(&format!(" files checked, {} problems\n", fails.len())),
        "{text}"
    );
    manifest_line(&text);
    let (json, _) = expect(&r, &["verify", s(&t), "--json"], 1);
    let j: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(j["ok"], false);
    assert!(
        j["problems"].as_array().unwrap().iter().any(|p| p
            == &serde_json::json!({"file": "results/leads-final.csv", "check": "unlisted",
                                   "message": unlisted})),
        "{json}"
    );
    assert_quoted(
        "docs/cli.md",
        &format!("\"message\": \"{unlisted}\""),
        &json,
    );

    // correlate refuses a changed store (exit 6)...
    let t = d.path().join("store-changed");
    copy_dir(&out, &t);
    let mut calls = std::fs::read(t.join("store/calls/part-0000.parquet")).unwrap();
    calls.push(0);
    std::fs::write(t.join("store/calls/part-0000.parquet"), calls).unwrap();
    let (_, err) = expect(&r, &["correlate", s(&t)], 6);
    assert!(
        err.contains("store/calls/part-0000.parquet: SHA-256 ")
            && err.contains("the case store changed after ingest"),
        "{err}"
    );
    // ... and edited parameters (exit 3), which verify reports too.
    let t = d.path().join("params-edited");
    copy_dir(&out, &t);
    edit_tolerance(&t);
    let (_, err) = expect(&r, &["correlate", s(&t)], 3);
    assert_quoted(
        "docs/cli.md",
        "attribution.tolerance_s: must be a non-negative number of seconds",
        &err,
    );
    let (text, _) = expect(&r, &["verify", s(&t)], 1);
    assert!(
        text.contains(
            "FAIL manifest.json: parameters: attribution.tolerance_s: must be a non-negative \
             number of seconds [parameters]\n"
        ),
        "{text}"
    );
    assert!(staging_left(d.path()).is_empty());
}

/// Sets `parameters.attribution.tolerance_s` to -5 in `dir/manifest.json`.
fn edit_tolerance(dir: &Path) {
    let p = dir.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    m["parameters"]["attribution"]["tolerance_s"] = serde_json::json!(-5);
    std::fs::write(&p, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
}

// ---- The inquiry (exit 0), as docs/reproducing-the-inquiry.md shows it.

#[test]
fn inquiry_run_prints_what_the_docs_show() {
    let d = tempfile::tempdir().unwrap();
    let case = repo("fixtures/inquiry/case.toml");
    let published = repo("fixtures/inquiry/published.toml");
    // From a folder of its own, so that `--out out/inquiry` is printed as the doc shows it.
    let (text, err) = expect(
        d.path(),
        &[
            "run",
            s(&case),
            "--out",
            "out/inquiry",
            "--published",
            s(&published),
        ],
        0,
    );
    assert!(err.is_empty(), "{err}");
    let page = doc("docs/reproducing-the-inquiry.md");
    let section = page
        .split_once("## 3. The table the command prints")
        .unwrap()
        .1
        .split_once("\n## 4.")
        .unwrap()
        .0;
    let blocks: Vec<&str> = section
        .split("```")
        .skip(1)
        .step_by(2)
        .map(|b| b.trim_start_matches('\n'))
        .collect();
    assert_eq!(
        blocks.len(),
        2,
        "section 3 of the doc has two printed blocks"
    );
    let (table, summary) = (blocks[0], blocks[1]);
    assert!(
        text.contains(summary),
        "docs/reproducing-the-inquiry.md shows\n{summary}\nbut `run` printed\n{text}"
    );
    // The table, then the line naming the report: the run ends by naming the page.
    assert!(
        text.ends_with(&format!("\n\n{table}report: out/inquiry/report.html\n")),
        "docs/reproducing-the-inquiry.md shows\n{table}\nbut `run` printed\n{text}"
    );
    // figures prints the same table, alone; verify with the case holds.
    let (again, _) = expect(
        d.path(),
        &["figures", "out/inquiry", "--published", s(&published)],
        0,
    );
    assert_eq!(again, table);
    let (text, _) = expect(d.path(), &["verify", "out/inquiry", "--case", s(&case)], 0);
    assert!(text.contains(" files checked, 0 problems\n"), "{text}");
}

// ---- Synthetic worlds: synth, run, eval (exit 0 and 1).

#[test]
fn synth_run_eval() {
    let d = tempfile::tempdir().unwrap();
    let w = d.path().join("world");
    let (text, _) = expect(
        d.path(),
        &["synth", "--seed", "1", "--scale", "0.002", "--out", "world"],
        0,
    );
    let summary = text.trim_end();
    assert!(
        summary.contains(" call rows in ")
            && summary.contains(" files (")
            && summary.ends_with(" s: world/case.toml"),
        "{text}"
    );
    // The README: "writes a whole synthetic case with planted truth (`case.toml`, `truth.json`,
    // raw files in the three carrier formats)".
    assert!(w.join("case.toml").is_file() && w.join("truth.json").is_file());
    let (_, err) = expect(
        d.path(),
        &["synth", "--seed", "1", "--scale", "0.002", "--out", "world"],
        3,
    );
    assert!(err.contains("the output folder is not empty"), "{err}");

    let (o, _) = expect(
        d.path(),
        &["run", "world/case.toml", "--out", "world-out", "-q"],
        0,
    );
    assert!(o.is_empty(), "{o}");
    let (text, _) = expect(d.path(), &["eval", "world", "--run", "world-out"], 0);
    assert!(
        text.contains("poll-location-change: spoofed number rank 1 among unexplained")
            && text.contains("targeted complainants: ")
            && text.ends_with("all criteria pass\n"),
        "{text}"
    );
    let (json, _) = expect(
        d.path(),
        &["eval", "world", "--run", "world-out", "--json"],
        0,
    );
    let j: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(j["campaigns"], serde_json::json!(["poll-location-change"]));
    assert!(j["precision"].as_f64().unwrap() >= 0.9, "{json}");

    // eval of the world against another case's results: criteria fail, exit 1.
    formats_run(&d.path().join("formats-out"));
    let (text, _) = expect(d.path(), &["eval", "world", "--run", "formats-out"], 1);
    assert!(text.contains("\nFAILED: "), "{text}");
    // --out, the option's old name, still works (old scripts), and -q prints nothing.
    let (text, _) = expect(
        d.path(),
        &["eval", "world", "--out", "formats-out", "-q"],
        1,
    );
    assert!(text.is_empty(), "{text}");
    // eval without a truth: exit 6.
    let (_, err) = expect(d.path(), &["eval", "formats-out", "--run", "world-out"], 6);
    assert!(err.contains("truth.json"), "{err}");
}

// ---- Exit 3: the case manifest, a profile, a command-line value or the output folder.

/// One case manifest that docs/formats.md ("What is checked before any evidence is read") says
/// is refused, and what the doc quotes of the message.
struct Refused {
    what: &'static str,
    case: String,
    quotes: &'static [&'static str],
}

fn refused_cases() -> Vec<Refused> {
    let (i, p, c) = (TINY_INPUT, TINY_PROFILE, TINY_COLUMNS);
    let with_key = |kv: &str| format!("{i}{p}{kv}\n{c}");
    let with_format = |f: &str| {
        format!("{i}[profiles.p]\ntime_zone = \"America/Toronto\"\ntimestamp_formats = [{f}]\n{c}")
    };
    fn r(what: &'static str, case: String, quotes: &'static [&'static str]) -> Refused {
        Refused { what, case, quotes }
    }
    vec![
        r(
            "misspelled key",
            "[[inputs]]\nkind = \"calls\"\npath = \"a.csv\"\nprofil = \"p\"\n".into(),
            &[
                "case.toml: TOML parse error at line 4, column 1",
                "unknown field `profil`, expected one of `kind`, `path`, `profile`, `label`, `set`",
            ],
        ),
        r(
            "unknown kind",
            format!("{}{p}{c}", i.replace("\"calls\"", "\"call\"")),
            &[
                "unknown variant `call`, expected one of `calls`, `complainants`, `subscribers`, \
               `vendor_list`, `vendor_calls`, `campaigns`, `watchlist`, `downloads`, `identifications`, \
               `population`, `numbering_plan`",
            ],
        ),
        r(
            "wrong type",
            format!("[case]\npopulation = \"many\"\n{i}{p}{c}"),
            &["invalid type: string \"many\", expected u64"],
        ),
        r(
            "unknown window",
            format!(
                "[windows]\nelection = {{ start = \"2011-05-02T00:00:00-04:00\", \
                 end = \"2011-05-03T00:00:00-04:00\" }}\n{i}{p}{c}"
            ),
            &["unknown field `election`, expected one of `incident`, `baseline`, `orders`"],
        ),
        r(
            "window without an offset",
            format!(
                "[windows]\nincident = {{ start = \"2011-05-02T00:00:00\", \
                 end = \"2011-05-03T00:00:00-04:00\" }}\n{i}{p}{c}"
            ),
            &[
                "case.toml: windows.incident.start: \"2011-05-02T00:00:00\" is not an RFC 3339 \
               time with an offset (e.g. 2011-05-02T00:00:00-04:00): premature end of input",
            ],
        ),
        r(
            "window backwards",
            format!(
                "[windows]\nbaseline = {{ start = \"2011-05-02T00:00:00-04:00\", \
                 end = \"2011-04-18T00:00:00-04:00\" }}\n{i}{p}{c}"
            ),
            &["case.toml: windows.baseline: end must come after start"],
        ),
        r(
            "window half given",
            format!("[windows]\nincident = {{ start = \"2011-05-02T00:00:00-04:00\" }}\n{i}{p}{c}"),
            &["case.toml: windows.incident: write {start, end} (RFC 3339 with an offset)"],
        ),
        r(
            "local day without its zone",
            format!("[windows]\nincident = {{ date = \"2011-05-02\" }}\n{i}{p}{c}"),
            &["case.toml: windows.incident.time_zone: local days need their IANA zone \
               (e.g. time_zone = \"America/Toronto\")"],
        ),
        r(
            "two forms in one window",
            format!(
                "[windows]\nincident = {{ date = \"2011-05-02\", time_zone = \"UTC\", \
                 end = \"2011-05-03T00:00:00Z\" }}\n{i}{p}{c}"
            ),
            &["case.toml: windows.incident: write {start, end} (RFC 3339 with an offset), \
               {date, time_zone} (one local day) or {from, to, time_zone} (local days, `to` \
               included), one form only"],
        ),
        r(
            "negative tolerance",
            format!("[attribution]\ntolerance_s = -5\n{i}{p}{c}"),
            &["case.toml: attribution.tolerance_s: must be a non-negative number of seconds"],
        ),
        r(
            "blank never_rang entry",
            format!("[attribution]\nnever_rang = [\"busy\", \" \"]\n{i}{p}{c}"),
            &["case.toml: attribution.never_rang[1]: a disposition cannot be blank"],
        ),
        r(
            "no inputs",
            "[case]\nname = \"x\"\n".into(),
            &["case.toml: no [[inputs]]: the case names no evidence"],
        ),
        r(
            "glob matches nothing",
            format!("{}{p}{c}", i.replace("a.csv", "carriers/*.csv")),
            &["case.toml: inputs[0].path: no file matches \"carriers/*.csv\" (relative to .)"],
        ),
        r(
            "bad glob",
            format!("{}{p}{c}", i.replace("a.csv", "a[.csv")),
            &[
                "case.toml: inputs[0].path: bad glob \"a[.csv\": Pattern syntax error near \
               position 1: invalid range pattern",
            ],
        ),
        r(
            "unknown extension",
            format!("{}{p}{c}", i.replace("a.csv", "data.dat")),
            &[
                "case.toml: inputs[0].path: cannot tell the format of ./data.dat from its \
               extension; set `format` in profile `p`",
            ],
        ),
        r(
            "same file twice",
            format!("{i}{i}{p}{c}"),
            &[
                "case.toml: inputs[0] and inputs[1] name one file twice (…/a.csv): an evidence \
               file is read once",
            ],
        ),
        r(
            "unknown profile",
            format!("{}{p}{c}", i.replace("\"p\"", "\"ontario\"")),
            &[
                "case.toml: inputs[0].profile: no profile named \"ontario\" (defined: p; or use a \
               .toml path or builtin:NAME)",
            ],
        ),
        r(
            "unknown built-in",
            format!("{}{p}{c}", i.replace("\"p\"", "\"builtin:nanpa\"")),
            &[
                "case.toml: inputs[0].profile: no built-in profile \"nanpa\" (built-in: \
               nanpa-npa, cna-co-code)",
            ],
        ),
        r(
            "missing profile file",
            format!("{}{p}{c}", i.replace("\"p\"", "\"profiles/ontario.toml\"")),
            &["case.toml: inputs[0].profile: cannot read profile file \
               ./profiles/ontario.toml: No such file or directory (os error 2)"],
        ),
        r(
            "misspelled profile key",
            with_key("delimeter = \";\""),
            &[
                "unknown field `delimeter`, expected one of `format`, `delimiter`, `quote`, \
               `encoding`, …",
            ],
        ),
        r(
            "unknown canonical column",
            format!("{i}{p}{c}caling = \"From\"\n"),
            &[
                "case.toml: profile `p` (inputs[0], kind calls): unknown canonical column \
               `caling` (columns of calls: called, calling, start, duration, carrier)",
            ],
        ),
        r(
            "empty source column",
            format!(
                "{i}{p}{}",
                c.replace("calling = \"From\"", "calling = \"\"")
            ),
            &["profile `p` (inputs[0], kind calls): columns.calling: empty source column name"],
        ),
        r(
            "value outside a fixed list (set)",
            "[[inputs]]\nkind = \"watchlist\"\npath = \"a.csv\"\n\
             set = { list_kind = \"telemarketers\" }\n"
                .into(),
            &[
                "profile `default` (inputs[0], kind watchlist): set.list_kind: \"telemarketers\" \
               is not one of telemarketer, political_entity, regulator_suspect, fraud_suspect, \
               other",
            ],
        ),
        r(
            "value outside a fixed list (values)",
            "[[inputs]]\nkind = \"subscribers\"\npath = \"a.csv\"\nprofile = \"s\"\n\
             [profiles.s.values]\nstatus = { OK = \"ok\" }\n"
                .into(),
            &[
                "profile `s` (inputs[0], kind subscribers): values.status.\"OK\": \"ok\" is not \
               one of obtained, refused, not_requested",
            ],
        ),
        r(
            "bad delimiter",
            with_key("delimiter = \";;\""),
            &[
                "profile `p` (…): key `delimiter`: expected one ASCII character (or \"tab\"), \
               found \";;\"",
            ],
        ),
        r(
            "bad encoding",
            with_key("encoding = \"utf-16\""),
            &[
                "unknown variant `utf-16`, expected one of `UTF-8`, `utf-8`, `utf8`, `cp1252`, \
               `iso-8859-1`, `latin-1`, `latin1`, `windows-1252`",
            ],
        ),
        r(
            "bad format",
            with_key("format = \"excel\""),
            &["unknown variant `excel`, expected one of `csv`, `xlsx`, `parquet`, `ipc`, `jsonl`"],
        ),
        r(
            "bad fold policy",
            with_key("ambiguous = \"first\""),
            &["profile `p` (…): ambiguous: \"first\" is not earliest, latest or quarantine"],
        ),
        r(
            "bad duration format",
            with_key("duration = \"minutes\""),
            &["profile `p` (…): duration: \"minutes\" is not s, mm:ss or hh:mm:ss"],
        ),
        r(
            "no timestamp format",
            with_format(""),
            &["profile `p` (…): timestamp_formats: give at least one format"],
        ),
        r(
            "unknown time zone",
            format!(
                "{i}[profiles.p]\ntime_zone = \"America/Torronto\"\n\
                 timestamp_formats = [\"%Y-%m-%d %H:%M:%S\"]\n{c}"
            ),
            &[
                "profile `p` (…): time_zone/timestamp_formats: unknown time zone \
               'America/Torronto': give an IANA zone name such as 'America/Toronto' or 'UTC' \
               (names are case-sensitive)",
            ],
        ),
        r(
            "%Z in a format",
            with_format("\"%Y-%m-%d %H:%M:%S %Z\""),
            &[
                "… unusable timestamp format '%Y-%m-%d %H:%M:%S %Z': %Z (a zone name such as \
               EST) cannot be turned into an offset safely; match the name as literal text and \
               set the profile's zone, or use %z",
            ],
        ),
        r(
            "format missing a field",
            with_format("\"%Y-%m %H:%M\""),
            &[
                "… unusable timestamp format '%Y-%m %H:%M': it cannot read back its own \
               rendering '2011-05 14:03' of 2011-05-02 14:03:07.250; a format needs a year, a \
               month and a day, and, if it has a time, hours (%H, or %I with %p) and minutes",
            ],
        ),
        r(
            "unknown % code",
            with_format("\"%Y-%m-%d %Q\""),
            &[
                "… unusable timestamp format '%Y-%m-%d %Q': it has an unknown or malformed % \
               specifier",
            ],
        ),
        r(
            "unknown country",
            with_key("default_country = \"CAN\""),
            &[
                "profile `p` (…): default_country: unknown default country \"CAN\" for phone \
               numbers: expected an ISO 3166-1 alpha-2 code known to libphonenumber, such as \
               \"CA\", \"US\" or \"FR\"",
            ],
        ),
        r(
            "blank blocked token",
            with_key("blocked_tokens = [\"  \"]"),
            &[
                "profile `p` (…): blocked_tokens: blocked caller-ID token \"  \" is empty after \
               trimming; blank values are already treated as blocked",
            ],
        ),
        r(
            "zero field limit",
            with_key("max_field_bytes = 0"),
            &["profile `p` (…): max_field_bytes: must be at least 1"],
        ),
    ]
}

#[test]
fn case_manifest_errors_exit_3_with_the_quoted_messages() {
    let d = tempfile::tempdir().unwrap();
    tiny(d.path());
    std::fs::write(d.path().join("data.dat"), "x\n").unwrap();
    // The tiny case itself is accepted (so each refusal below is the change it makes).
    expect(d.path(), &["ingest", "case.toml", "--out", "ok", "-q"], 0);
    for r in refused_cases() {
        std::fs::write(d.path().join("case.toml"), &r.case).unwrap();
        let o = cs(d.path(), &["ingest", "case.toml", "--out", "o", "-q"]);
        let err = stderr(&o);
        assert_eq!(code(&o), 3, "{}: {err}", r.what);
        assert_error_line(&err, "case.toml: ");
        for q in r.quotes {
            assert_quoted("docs/formats.md", q, &err);
        }
        assert!(!d.path().join("o").exists(), "{}", r.what);
    }
    // The output folder holds the evidence (docs/formats.md's last row).
    std::fs::write(d.path().join("case.toml"), tiny_case()).unwrap();
    let (_, err) = expect(d.path(), &["ingest", "case.toml", "--out", "."], 3);
    assert_quoted(
        "docs/formats.md",
        ".: --out holds the evidence file a.csv (…/a.csv): evidence is never written; choose a \
         folder outside the evidence",
        &err,
    );
}

#[test]
fn output_folder_refusals_exit_3() {
    let d = tempfile::tempdir().unwrap();
    tiny(d.path());
    // A folder callsift did not write.
    std::fs::create_dir(d.path().join("notes")).unwrap();
    std::fs::write(d.path().join("notes/notes.txt"), "mine").unwrap();
    let (_, err) = expect(d.path(), &["run", "case.toml", "--out", "notes"], 3);
    assert_error_line(&err, "notes: ");
    assert!(
        err.contains("--out holds files but no callsift manifest.json (e.g. notes.txt)")
            && err.contains("callsift replaces only a folder it wrote"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("notes/notes.txt")).unwrap(),
        "mine"
    );
    // A folder another run is writing: its lock is held (here by the test).
    let holder = "pid 4242 on host lab-3 since 2026-12-04T17:02:11Z";
    let lock_path = d.path().join(".busy.callsift.lock");
    std::fs::write(&lock_path, holder).unwrap();
    let lock = std::fs::File::open(&lock_path).unwrap();
    lock.try_lock().unwrap();
    let (_, err) = expect(d.path(), &["ingest", "case.toml", "--out", "busy"], 3);
    assert_quoted(
        "docs/reliability.md",
        &format!("another callsift run is writing this folder ({holder})"),
        &err,
    );
    drop(lock);
    expect(d.path(), &["ingest", "case.toml", "--out", "busy", "-q"], 0);
    // One evidence file named twice (docs/reliability.md).
    std::fs::write(
        d.path().join("twice.toml"),
        format!(
            "{TINY_INPUT}{}{TINY_PROFILE}{TINY_COLUMNS}",
            TINY_INPUT.replace("a.csv", "./a.csv")
        ),
    )
    .unwrap();
    let (_, err) = expect(d.path(), &["ingest", "twice.toml", "--out", "o2"], 3);
    assert_quoted("docs/reliability.md", "an evidence file is read once", &err);
    // (A FIFO, "is a FIFO (named pipe), not an evidence file", is in tests/custody.rs, which
    // guards against a hang.)
}

#[test]
fn command_line_values_exit_3() {
    let d = tempfile::tempdir().unwrap();
    tiny(d.path());
    let (_, err) = expect(
        d.path(),
        &["ingest", "case.toml", "--out", "o", "--threads", "0"],
        3,
    );
    assert_eq!(err, "callsift: error: --threads: must be at least 1\n");
    // The pseudonymisation key: missing or short, named, before any work (docs/cli.md).
    std::fs::write(d.path().join("short.key"), [7u8; 8]).unwrap();
    for (key, why) in [
        (
            "short.key",
            "the pseudonymisation key has 8 bytes, at least 16 are needed",
        ),
        ("none.key", "cannot read the pseudonymisation key"),
    ] {
        let (_, err) = expect(
            d.path(),
            &["run", "case.toml", "--out", "o", "--pseudonymize", key],
            3,
        );
        assert_error_line(&err, &format!("{key}: "));
        assert!(err.contains(why), "{err}");
        assert!(!d.path().join("o").exists());
    }
    let (_, err) = expect(d.path(), &["synth", "--scale", "0", "--out", "w"], 3);
    assert!(
        err.contains("synth: scale must be a number in (0, 10000], not 0"),
        "{err}"
    );
    let (_, err) = expect(d.path(), &["synth", "--world", "nope", "--out", "w"], 3);
    assert_error_line(&err, "--world: unknown world \"nope\"");
    // A missing case manifest.
    let (_, err) = expect(d.path(), &["run", "nope.toml", "--out", "o"], 3);
    assert_error_line(&err, "nope.toml");
}

// ---- Exit 4: an evidence file that cannot be used as a whole.

#[test]
fn evidence_that_cannot_be_used_exits_4_with_the_quoted_messages() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    // A header without a mapped column; a required column not mapped (docs/formats.md).
    tiny(dir);
    for (cols, quote) in [
        (
            TINY_COLUMNS.replace("\"When\"", "\"Start Time\""),
            "./a.csv: column \"Start Time\" (mapped to `start` by profile `p`) is not in the \
             header; the header has: \"To\", \"From\", \"When\"",
        ),
        (
            TINY_COLUMNS.replace("start = \"When\"\n", ""),
            "./a.csv: required column `start` of kind calls is not mapped by profile `p` and the \
             header has no column of that name; the header has: \"To\", \"From\", \"When\"",
        ),
    ] {
        std::fs::write(
            dir.join("case.toml"),
            format!("{TINY_INPUT}{TINY_PROFILE}{cols}"),
        )
        .unwrap();
        let (out, err) = expect(dir, &["ingest", "case.toml", "--out", "o", "-q"], 4);
        assert!(out.is_empty());
        assert_error_line(&err, "./a.csv: ");
        assert_quoted("docs/formats.md", quote, &err);
        assert!(!dir.join("o").exists());
    }
    // fixtures/bad, seen from a case manifest beside a `fixtures/bad` link (the doc's messages
    // are those of a case manifest at the repository root); the files are only read.
    std::fs::create_dir(dir.join("fixtures")).unwrap();
    std::os::unix::fs::symlink(repo("fixtures/bad"), dir.join("fixtures/bad")).unwrap();
    let before = hashes(&repo("fixtures/bad"));
    for (file, quote) in [
        (
            "missing-column.csv",
            "callsift: error: ./fixtures/bad/missing-column.csv: column \"Calling\" (mapped to \
             `calling` by profile `fixtures/bad/profile.toml`) is not in the header; the header \
             has: \"Called\", \"Start\", \"Duration\"",
        ),
        (
            "windows-1252-french.csv",
            "callsift: error: ./fixtures/bad/windows-1252-french.csv:1: the header is not valid \
             UTF-8: set `encoding = \"windows-1252\"` in the profile",
        ),
        (
            "empty.csv",
            "callsift: error: ./fixtures/bad/empty.csv: empty file (0 bytes): no header, no \
             records",
        ),
        (
            "duplicate-header.csv",
            "callsift: error: ./fixtures/bad/duplicate-header.csv: column \"Calling\" appears 2 \
             times in the header (columns 2, 4); the mapping would be ambiguous",
        ),
        (
            "truncated.parquet",
            "callsift: error: ./fixtures/bad/truncated.parquet: not a readable parquet file \
             (truncated or damaged?): Parquet error: Invalid Parquet file. Corrupt footer",
        ),
    ] {
        std::fs::write(
            dir.join("bad.toml"),
            format!(
                "[[inputs]]\nkind = \"calls\"\npath = \"fixtures/bad/{file}\"\n\
                 profile = \"fixtures/bad/profile.toml\"\n"
            ),
        )
        .unwrap();
        let (_, err) = expect(dir, &["run", "bad.toml", "--out", "o", "-q"], 4);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert_quoted("docs/formats.md", quote, &err);
        assert!(!dir.join("o").exists(), "{file}");
    }
    assert_eq!(hashes(&repo("fixtures/bad")), before);
}

// ---- Exit 5: no input produces it.

#[test]
fn exit_code_mapping_of_every_error() {
    // Exit 5 is a reconciliation failure: the row counts of a file do not add up, which ingest
    // checks as a bug detector; no input can produce it, so the mapping is checked here through
    // the library's error type. (Exit 101, a panic, has no input either: see the file's doc.)
    use callsift::Error;
    let rec = Error::Reconciliation {
        file: "carriers/a.csv".into(),
        msg: "rows read 3 != accepted 1 + quarantined 1 + duplicates removed 0 + filtered 0".into(),
    };
    assert_eq!(rec.exit_code(), 5);
    let shown = rec.to_string();
    assert!(shown.starts_with("carriers/a.csv: "), "{shown}");
    assert_quoted(
        "docs/formats.md",
        "reconciliation failed: rows read … != accepted … + quarantined … + duplicates removed … + \
         filtered …",
        &shown,
    );
    assert_eq!(Error::config("case.toml", "x").exit_code(), 3);
    assert_eq!(Error::input("a.csv", Some(3), "x").exit_code(), 4);
    assert_eq!(
        Error::input("a.csv", Some(3), "bad").to_string(),
        "a.csv:3: bad"
    );
    assert_eq!(Error::io("o", std::io::Error::other("full")).exit_code(), 6);
    assert_eq!(
        Error::store("o/store/calls/part-0000.parquet", "x").exit_code(),
        6
    );
}

// ---- Exit 6: a run folder that is missing or malformed.

#[test]
fn missing_or_malformed_run_folders_exit_6() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::create_dir(dir.join("empty")).unwrap();
    std::fs::create_dir(dir.join("foreign")).unwrap();
    std::fs::write(dir.join("foreign/manifest.json"), "{}").unwrap();
    // verify: no readable manifest (missing, or not a callsift manifest), text or JSON.
    for args in [
        &["verify", "empty"][..],
        &["verify", "empty", "--json"][..],
        &["verify", "foreign"][..],
    ] {
        let (out, err) = expect(dir, args, 6);
        assert!(out.is_empty(), "{out}");
        assert_error_line(&err, &format!("{}/manifest.json: ", args[1]));
    }
    // correlate and figures before the step that writes what they read.
    let (_, err) = expect(dir, &["correlate", "empty"], 6);
    assert!(
        err.contains("manifest.json: ") && err.contains("(run `callsift ingest` first?)"),
        "{err}"
    );
    let (_, err) = expect(dir, &["correlate", "nothing-here"], 6);
    assert_eq!(
        err,
        "callsift: error: nothing-here: no run in this folder: run `callsift ingest CASE.toml \
         --out DIR` first\n"
    );
    let (_, err) = expect(dir, &["figures", "empty"], 6);
    assert_error_line(&err, "empty/results/figures.json: ");
    assert!(err.contains("(run `callsift correlate` first?)"), "{err}");
}

// ---- Exit 130: interrupted.

#[test]
fn sigint_and_sigterm_exit_130_and_keep_the_previous_run() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    tiny(dir);
    expect(dir, &["ingest", "case.toml", "--out", "out", "-q"], 0);
    let before = sha(&dir.join("out/manifest.json"));
    // A calls file big enough that ingest is still at work when the signal comes.
    let mut big = String::from("To,From,When\n");
    for i in 0..60_000u32 {
        big.push_str(&format!(
            "613555{:04},416555{:04},2011-05-02 09:{:02}:{:02}\n",
            i % 10_000,
            (i * 7) % 10_000,
            (i / 60) % 60,
            i % 60
        ));
    }
    std::fs::write(dir.join("big.csv"), big).unwrap();
    std::fs::write(
        dir.join("big.toml"),
        tiny_case().replace("\"a.csv\"", "\"big.csv\""),
    )
    .unwrap();
    for (sig, name) in [("-INT", "SIGINT"), ("-TERM", "SIGTERM")] {
        let mut child = common::bin()
            .current_dir(dir)
            .args(["ingest", "big.toml", "--out", "out", "-q", "--threads", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Once the staging folder exists, the handlers are installed and the step is at work.
        let t0 = Instant::now();
        while staging_left(dir).is_empty() {
            assert!(
                child.try_wait().unwrap().is_none(),
                "{name}: ingest ended before it could be interrupted"
            );
            assert!(t0.elapsed() < Duration::from_secs(60), "no staging folder");
            std::thread::sleep(Duration::from_millis(2));
        }
        let killed = std::process::Command::new("kill")
            .args([sig, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let o = child.wait_with_output().unwrap();
        assert_eq!(code(&o), 130, "{name}: {}", stderr(&o));
        assert_eq!(
            stderr(&o),
            format!("callsift: stopped by {name}; the output folder keeps its previous state\n")
        );
        assert!(staging_left(dir).is_empty(), "{name}: staging folder left");
        assert_eq!(sha(&dir.join("out/manifest.json")), before, "{name}");
        let (text, _) = expect(dir, &["verify", "out", "--case", "case.toml"], 0);
        assert!(text.contains(" files checked, 0 problems\n"), "{text}");
    }
}

// ---- Defects found by these tests, fixed: each test guards its fix.

#[test]
fn correlate_on_a_changed_store_names_the_file_of_the_folder() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("case");
    formats_run(&out);
    let mut calls = std::fs::read(out.join("store/calls/part-0000.parquet")).unwrap();
    calls.push(0);
    std::fs::write(out.join("store/calls/part-0000.parquet"), calls).unwrap();
    let (_, err) = expect(&root(), &["correlate", s(&out)], 6);
    assert_error_line(
        &err,
        &format!("{}/store/calls/part-0000.parquet: ", s(&out)),
    );
}

#[test]
fn correlate_with_edited_parameters_names_the_manifest() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("case");
    formats_run(&out);
    edit_tolerance(&out);
    let (_, err) = expect(&root(), &["correlate", s(&out)], 3);
    assert_error_line(&err, &format!("{}/manifest.json: ", s(&out)));
}

#[test]
fn eval_failure_lines_say_not_found_in_words() {
    let d = tempfile::tempdir().unwrap();
    expect(
        d.path(),
        &["synth", "--scale", "0.002", "--out", "world", "-q"],
        0,
    );
    formats_run(&d.path().join("formats-out"));
    let (text, _) = expect(d.path(), &["eval", "world", "--run", "formats-out"], 1);
    assert!(!text.contains("None"), "{text}");
    assert!(text.contains("not found"), "{text}");
}

#[test]
fn a_blank_blocked_token_is_reported_under_blocked_tokens() {
    let d = tempfile::tempdir().unwrap();
    tiny(d.path());
    std::fs::write(
        d.path().join("case.toml"),
        format!("{TINY_INPUT}{TINY_PROFILE}blocked_tokens = [\"  \"]\n{TINY_COLUMNS}"),
    )
    .unwrap();
    let (_, err) = expect(d.path(), &["ingest", "case.toml", "--out", "o"], 3);
    assert!(err.contains("blocked_tokens: "), "{err}");
}

// ---- The command line's conventions (issue 14, item 7): help examples that run, --json,
// -q, --published checked first, colour, progress, paths, --version.

/// The example lines of a `--help` page (the indented lines after `Example:`/`Examples:`, up
/// to the first blank line).
fn help_examples(page: &str) -> Vec<String> {
    page.lines()
        .skip_while(|l| !l.starts_with("Example"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| l.trim().to_string())
        .collect()
}

/// The example lines of docs/cli.md's "Examples" section (its `sh` blocks, comments and blank
/// lines left out).
fn doc_examples() -> Vec<String> {
    let page = doc("docs/cli.md");
    let section = page.split_once("\n## Examples\n").unwrap().1;
    let section = section.split("\n## ").next().unwrap();
    section
        .split("```sh\n")
        .skip(1)
        .flat_map(|b| b.split("```").next().unwrap().lines())
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Runs one example as a shell would, from the repository root with this build's `callsift`
/// first on PATH; every path under `/tmp/` or `out/` is moved into `tmp`, so that examples
/// write nothing outside it. An example may end in `# exits N`; otherwise it must exit 0.
fn run_example(line: &str, tmp: &Path) {
    let (cmd, want) = match line.split_once("# exits ") {
        Some((c, n)) => (c.trim(), n.trim().parse::<i32>().unwrap()),
        None => (line, 0),
    };
    let t = s(tmp);
    let rewritten: Vec<String> = cmd
        .split(' ')
        .map(|w| {
            if let Some(rest) = w.strip_prefix("/tmp/") {
                format!("{t}/{rest}")
            } else if w.starts_with("out/") {
                format!("{t}/{w}")
            } else {
                w.to_string()
            }
        })
        .collect();
    let bin = Path::new(env!("CARGO_BIN_EXE_callsift")).parent().unwrap();
    let path = format!("{}:{}", s(bin), std::env::var("PATH").unwrap_or_default());
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(rewritten.join(" "))
        .current_dir(root())
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(
        code(&o) == want && !stderr(&o).contains("panicked"),
        "the example `{line}` exited {} (it should exit {want}):\n{}{}",
        code(&o),
        stdout(&o),
        stderr(&o)
    );
}

#[test]
fn every_help_example_runs_with_the_exit_code_it_implies() {
    let mut pages = vec![expect(&root(), &["--help"], 0).0];
    for c in subcommands() {
        pages.push(expect(&root(), &[&c, "--help"], 0).0);
    }
    let mut ran = 0;
    for page in &pages {
        // Each page's examples run in order, from nothing: the first makes what the next use.
        let d = tempfile::tempdir().unwrap();
        let examples = help_examples(page);
        assert!(
            !examples.is_empty(),
            "a --help page without examples:\n{page}"
        );
        for e in &examples {
            run_example(e, d.path());
            ran += 1;
        }
    }
    assert!(ran >= 2 * pages.len(), "{ran} examples");
}

#[test]
fn every_example_of_docs_cli_runs() {
    let d = tempfile::tempdir().unwrap();
    let examples = doc_examples();
    assert!(examples.len() >= 5, "{examples:?}");
    for e in &examples {
        run_example(e, d.path());
    }
}

#[test]
fn help_lists_the_exit_codes() {
    // Every code of docs/cli.md's table is in `callsift --help`, and every page says its own.
    let cli = doc("docs/cli.md");
    let table = cli.split_once("\n## Exit codes\n").unwrap().1;
    let codes: Vec<&str> = table
        .lines()
        .skip_while(|l| !l.starts_with("| 0 "))
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_start_matches('|').split('|').next().unwrap().trim())
        .collect();
    assert_eq!(codes.len(), 9, "{codes:?}");
    let (top, _) = expect(&root(), &["--help"], 0);
    let listed = top.split_once("\nExit codes:\n").unwrap().1;
    for c in &codes {
        assert!(
            listed
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{c} "))),
            "exit code {c} is not in `callsift --help`:\n{listed}"
        );
    }
    for c in subcommands() {
        let (page, _) = expect(&root(), &[&c, "--help"], 0);
        assert!(page.contains("\nExit codes: 0 "), "{c}: {page}");
        // Every flag of every command is in docs/cli.md's table of flags.
        let options = page.split_once("\nOptions:\n").unwrap().1;
        for flag in options
            .lines()
            .take_while(|l| l.starts_with(' '))
            .flat_map(|l| l.split_whitespace())
            .filter(|w| w.starts_with("--"))
            .map(|w| w.trim_end_matches(','))
        {
            assert!(
                cli.contains(&format!("| `{flag}")) || cli.contains(&format!(", `{flag}")),
                "`callsift {c} {flag}` is not in docs/cli.md's table of flags"
            );
        }
    }
}

#[test]
fn version_names_the_commit_and_the_data_compiled_in() {
    let (long, _) = expect(&root(), &["--version"], 0);
    let lines: Vec<&str> = long.lines().collect();
    assert_eq!(lines.len(), 3, "{long}");
    let commit = lines[0]
        .strip_prefix(&format!("callsift {} (git ", env!("CARGO_PKG_VERSION")))
        .and_then(|l| l.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{long}"));
    assert!(
        commit == "unknown"
            || (commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
        "{long}"
    );
    // The same versions the run manifest records.
    let d = tempfile::tempdir().unwrap();
    formats_run(d.path());
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("manifest.json")).unwrap()).unwrap();
    let tzdb = m["tzdb"].as_str().unwrap();
    assert!(
        lines[1].starts_with(&format!("tz database: {tzdb} (chrono-tz ")),
        "{long}"
    );
    let phone = m["phone_metadata"].as_str().unwrap();
    let release = phone.split_whitespace().nth(1).unwrap();
    assert!(
        lines[2].starts_with(&format!(
            "phone number metadata: libphonenumber {release} (phonenumber "
        )),
        "{long} / {phone}"
    );
    assert_eq!(m["git_commit"].as_str(), Some(commit));
    // -V is the short form.
    let (short, _) = expect(&root(), &["-V"], 0);
    assert_eq!(short, format!("{}\n", lines[0]));
}

/// The JSON object a command printed; it must be the whole of standard output.
fn json_of(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not one JSON object ({e}):\n{out}"))
}

/// Every key of `v` (an object) is documented in docs/cli.md's "JSON output" section as
/// `` `key` ``.
fn assert_keys_documented(v: &serde_json::Value, what: &str) {
    let cli = doc("docs/cli.md");
    let section = cli.split_once("\n## JSON output\n").unwrap().1;
    let section = section.split("\n## ").next().unwrap();
    for k in v
        .as_object()
        .unwrap_or_else(|| panic!("{what}: {v}"))
        .keys()
    {
        assert!(
            section.contains(&format!("`{k}`")),
            "{what}.{k} is not documented in docs/cli.md, \"JSON output\""
        );
    }
}

#[test]
fn json_summaries_parse_and_say_what_the_files_say() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("case");
    let o = s(&out);
    let r = root();
    // run --json: ingest, correlate and (without --published) a null published.
    let (text, err) = expect(
        &r,
        &["run", "fixtures/formats/case.toml", "--out", o, "--json"],
        0,
    );
    assert!(err.is_empty(), "{err}");
    let j = json_of(&text);
    assert_keys_documented(&j, "run");
    assert_eq!(j["command"], "run");
    assert_eq!(j["out"], o);
    assert_eq!(j["published"], serde_json::Value::Null);
    let ingest = &j["ingest"];
    assert_keys_documented(ingest, "ingest");
    assert_keys_documented(&ingest["inputs"][0], "ingest.inputs[]");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let inputs = ingest["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), manifest["inputs"].as_array().unwrap().len());
    for (a, b) in inputs.iter().zip(manifest["inputs"].as_array().unwrap()) {
        for k in [
            "path",
            "kind",
            "sha256",
            "rows_read",
            "accepted",
            "quarantined",
            "duplicates_removed",
            "filtered",
        ] {
            assert_eq!(a[k], b[k], "{k}");
        }
    }
    assert_eq!(ingest["quarantined"], 2);
    assert_eq!(ingest["manifest"], format!("{o}/manifest.json"));
    let cor = &j["correlate"];
    assert_keys_documented(cor, "correlate");
    let figures: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("results/figures.json")).unwrap()).unwrap();
    assert_eq!(cor["figures"], figures);
    assert_eq!(cor["leads"], 1);
    assert_eq!(cor["leads_file"], format!("{o}/results/leads.csv"));
    let n = &cor["top_numbers"][0];
    assert_keys_documented(n, "correlate.top_numbers[]");
    assert_eq!(n["number"], "+16135550199");
    assert_eq!(
        (n["rank_unexplained"].clone(), n["only_incident"].clone()),
        (1.into(), 6.into())
    );
    let c = &cor["top_campaigns"][0];
    assert_keys_documented(c, "correlate.top_campaigns[]");
    assert_eq!(c["list"], "campaign:poll-location-change");
    assert_eq!(
        (c["overlap"].clone(), c["complainants_matched"].clone()),
        (8.into(), 7.into())
    );
    let p = &cor["top_overlaps"][0];
    assert_keys_documented(p, "correlate.top_overlaps[]");
    assert_eq!(p["list_a"], "upload:upload-guelph-0501");

    // ingest --json and correlate --json: their own part only.
    let o2 = d.path().join("case2");
    let (text, _) = expect(
        &r,
        &[
            "ingest",
            "fixtures/formats/case.toml",
            "--out",
            s(&o2),
            "--json",
        ],
        0,
    );
    let j = json_of(&text);
    assert_eq!(j["command"], "ingest");
    assert_eq!(j["ingest"]["inputs"], ingest["inputs"]);
    assert!(
        j.get("correlate").is_none() && j.get("published").is_none(),
        "{j}"
    );
    let (text, _) = expect(&r, &["correlate", s(&o2), "--json"], 0);
    let j = json_of(&text);
    assert_eq!(j["command"], "correlate");
    assert_eq!(j["correlate"]["figures"], figures);
    assert_eq!(j["correlate"]["top_numbers"], cor["top_numbers"]);
    assert!(j.get("ingest").is_none(), "{j}");

    // figures --json, alone and with --published (exit 1: another case's figures).
    let (text, _) = expect(&r, &["figures", o, "--json"], 0);
    let j = json_of(&text);
    assert_keys_documented(&j, "figures");
    assert_eq!(j["figures"], figures);
    assert_eq!(j["published"], serde_json::Value::Null);
    let (text, _) = expect(
        &r,
        &[
            "figures",
            o,
            "--json",
            "--published",
            "fixtures/inquiry/published.toml",
        ],
        1,
    );
    let j = json_of(&text);
    let p = &j["published"];
    assert_keys_documented(p, "published");
    assert_keys_documented(&p["figures"][0], "published.figures[]");
    assert_eq!(
        (p["matched"].clone(), p["total"].clone()),
        (0.into(), 7.into())
    );
    let row = p["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "calls_received")
        .unwrap();
    assert_eq!(
        (
            row["published"].clone(),
            row["computed"].clone(),
            row["match"].clone()
        ),
        (6051.into(), 13.into(), false.into())
    );
    assert!(row["source"].as_str().unwrap().contains("6,051"), "{row}");
}

#[test]
fn quiet_prints_nothing_but_errors() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("case");
    let o = s(&out);
    let r = root();
    let published = "fixtures/inquiry/published.toml";
    for (args, want) in [
        (
            vec!["run", "fixtures/formats/case.toml", "--out", o, "-q"],
            0,
        ),
        (
            vec![
                "run",
                "fixtures/formats/case.toml",
                "--out",
                o,
                "--published",
                published,
                "-q",
            ],
            1,
        ),
        (
            vec!["ingest", "fixtures/formats/case.toml", "--out", o, "-q"],
            0,
        ),
        (vec!["correlate", o, "-q"], 0),
        (vec!["figures", o, "-q"], 0),
        (vec!["figures", o, "--published", published, "-q"], 1),
        (
            vec!["verify", o, "--case", "fixtures/formats/case.toml", "-q"],
            0,
        ),
        (
            vec![
                "synth",
                "--scale",
                "0.002",
                "--out",
                s(&d.path().join("w")),
                "-q",
            ],
            0,
        ),
        (vec!["eval", s(&d.path().join("w")), "--run", o, "-q"], 1),
    ] {
        let (text, err) = expect(&r, &args, want);
        assert!(
            text.is_empty() && err.is_empty(),
            "{args:?} printed {text}{err}"
        );
    }
    // verify -q on a tampered folder: exit 1, silent.
    std::fs::write(out.join("results/leads-final.csv"), "number\n").unwrap();
    let (text, _) = expect(&r, &["verify", o, "-q"], 1);
    assert!(text.is_empty(), "{text}");
    // An error is still printed.
    let (text, err) = expect(&r, &["ingest", "no-such-case.toml", "--out", o, "-q"], 3);
    assert!(text.is_empty(), "{text}");
    assert_error_line(&err, "no-such-case.toml");
}

#[test]
fn published_is_read_and_checked_before_the_run_starts() {
    let d = tempfile::tempdir().unwrap();
    tiny(d.path());
    std::fs::write(
        d.path().join("typo.toml"),
        "[figures.calls_recieved]\nvalue = 6051\nsource = \"…\"\n",
    )
    .unwrap();
    std::fs::write(
        d.path().join("no-campaign.toml"),
        "[figures.campaign_recipients]\nvalue = 5053\n",
    )
    .unwrap();
    for (file, says) in [
        (
            "typo.toml",
            "figures.calls_recieved: no such figure; a published figure is one of ",
        ),
        (
            "no-campaign.toml",
            "figures.campaign_recipients needs `campaign`",
        ),
        ("missing.toml", "cannot read the published figures"),
    ] {
        let t0 = Instant::now();
        let (text, err) = expect(
            d.path(),
            &["run", "case.toml", "--out", "o", "--published", file],
            3,
        );
        assert!(text.is_empty(), "{text}");
        assert_error_line(&err, &format!("{file}: "));
        assert!(err.contains(says), "{err}");
        // Nothing was written, not even an empty folder.
        assert!(!d.path().join("o").exists(), "{file}");
        assert!(staging_left(d.path()).is_empty());
        assert!(t0.elapsed() < Duration::from_secs(30));
    }
    // The list of known names includes calls_received; figures checks the same way.
    let (_, err) = expect(
        d.path(),
        &["figures", "anywhere", "--published", "typo.toml"],
        3,
    );
    assert!(err.contains(", calls_received, "), "{err}");
}

/// Runs the binary from the repository root with `env` set (and the colour variables of the
/// test's own environment removed).
fn with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = common::bin();
    c.current_dir(root()).args(args);
    for v in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TERM"] {
        c.env_remove(v);
    }
    c.envs(env.iter().copied());
    let o = c.output().unwrap();
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    o
}

#[test]
fn colour_only_when_asked_and_never_with_no_color() {
    let d = tempfile::tempdir().unwrap();
    formats_run(d.path());
    let o = s(d.path());
    let figures = [
        "figures",
        o,
        "--published",
        "fixtures/inquiry/published.toml",
    ];
    let esc = |o: &Output| stdout(o).contains('\x1b') || stderr(o).contains('\x1b');
    // A pipe: no colour.
    let plain = with_env(&figures, &[]);
    assert_eq!(code(&plain), 1);
    assert!(!esc(&plain), "{}", stdout(&plain));
    // CLICOLOR_FORCE=1: colour in a pipe, words unchanged.
    let forced = with_env(&figures, &[("CLICOLOR_FORCE", "1")]);
    assert!(
        stdout(&forced).contains("\x1b[1;31mNO\x1b[0m"),
        "{}",
        stdout(&forced)
    );
    let stripped = stdout(&forced)
        .replace("\x1b[1;31m", "")
        .replace("\x1b[0m", "");
    assert_eq!(stripped, stdout(&plain));
    // NO_COLOR wins over everything, on every stream, --help included.
    for args in [
        &figures[..],
        &["--help"],
        &["verify", "nowhere"],
        &["ingest", "x.toml", "--out", o],
    ] {
        let forced = with_env(args, &[("CLICOLOR_FORCE", "1")]);
        assert!(esc(&forced), "{args:?}: no colour with CLICOLOR_FORCE=1");
        let none = with_env(args, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
        assert!(
            !esc(&none),
            "{args:?} coloured under NO_COLOR:\n{}{}",
            stdout(&none),
            stderr(&none)
        );
        assert_eq!(code(&none), code(&forced));
    }
}

/// `args` run under a pseudo-terminal (`script` from util-linux), standard input from
/// /dev/null; `None` where `script` is missing. Returns what the terminal received.
fn on_a_terminal(args: &[&str]) -> Option<String> {
    let cmd = std::iter::once(env!("CARGO_BIN_EXE_callsift"))
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ");
    let o = std::process::Command::new("script")
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .current_dir(root())
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    Some(stdout(&o))
}

#[test]
fn progress_bars_on_a_terminal_only() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("case");
    let o = s(&out);
    let Some(tty) = on_a_terminal(&["run", "fixtures/formats/case.toml", "--out", o]) else {
        eprintln!("no `script` here: progress on a terminal not checked");
        return;
    };
    // Per phase and per file, with the seconds ticking.
    for want in [
        "[1/2] ingest",
        ": reading evidence files (",
        "/12 read)",
        " MB",
        " s",
        "[2/2] correlate",
    ] {
        assert!(tty.contains(want), "no {want:?} on the terminal:\n{tty}");
    }
    // A file's own line is drawn only when the file takes longer to read than a frame (0.1 s),
    // which depends on the machine's load: not asserted here.
    // The summary follows, on the same terminal; the bars were cleared before it.
    assert!(tty.contains("case store: "), "{tty}");
    // -q: nothing at all, on a terminal too.
    let quiet = on_a_terminal(&["run", "fixtures/formats/case.toml", "--out", o, "-q"]).unwrap();
    assert!(quiet.trim().is_empty(), "{quiet:?}");
    // A pipe (standard error not a terminal): no progress, nothing on standard error.
    let (_, err) = expect(
        &root(),
        &["ingest", "fixtures/formats/case.toml", "--out", o],
        0,
    );
    assert!(err.is_empty(), "{err}");
    // NO_COLOR on a terminal: bars, no colour.
    let o2 = std::process::Command::new("script")
        .args(["-q", "-e", "-c"])
        .arg(format!("{} correlate {o}", env!("CARGO_BIN_EXE_callsift")))
        .arg("/dev/null")
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = stdout(&o2);
    assert!(
        text.contains("correlate") && !text.contains("\x1b[1m") && !text.contains("\x1b[3"),
        "{text:?}"
    );
}

#[test]
fn evidence_paths_are_shortened_in_the_middle_keeping_the_file_name() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    tiny(dir);
    let folder = "evidence/carrier-productions/2011/ontario-tel/orders";
    let name = "ontario-tel-PO-2011-117.csv";
    std::fs::create_dir_all(dir.join(folder)).unwrap();
    std::fs::copy(dir.join("a.csv"), dir.join(folder).join(name)).unwrap();
    std::fs::write(
        dir.join("case.toml"),
        tiny_case().replace("\"a.csv\"", &format!("\"{folder}/{name}\"")),
    )
    .unwrap();
    let (text, _) = expect(dir, &["ingest", "case.toml", "--out", "o"], 0);
    let line = text.lines().nth(1).unwrap();
    let shown = line.split("  ").next().unwrap();
    assert!(
        shown.ends_with(&format!("/{name}")) && shown.contains('…'),
        "{text}"
    );
    assert!(shown.chars().count() <= 48, "{shown}");
    assert_eq!(
        shown,
        format!("evidence/c…el/orders/{name}"),
        "cut in the middle"
    );
    // --json keeps the whole path.
    let (text, _) = expect(dir, &["ingest", "case.toml", "--out", "o", "--json"], 0);
    assert_eq!(
        json_of(&text)["ingest"]["inputs"][0]["path"],
        format!("{folder}/{name}")
    );
}
