//! `callsift verify` against a tamperer: one test per class of manifest field, per kind of
//! output, per evidence-side edit and per way of breaking the audit chain; and `correlate`
//! refusing a changed store or edited parameters.
//!
//! Each test works on its own copy: the fixture case (fixtures/formats, with the `western`
//! profile moved out to a profile file so that `profile_sha256` is exercised, and
//! fixtures/numbering beside it), run through `ingest` and `correlate` into `out/`, with an
//! audit line appended after each step as a run would.

mod common;
use common::copy_dir;
use std::path::{Path, PathBuf};

use callsift::audit;
use callsift::config::Case;
use callsift::layout;
use callsift::manifest::{self, Verification};
use serde_json::Value;

struct Run {
    _tmp: tempfile::TempDir,
    /// The copied case manifest.
    case: PathBuf,
    /// The copied case folder.
    case_dir: PathBuf,
    /// The output folder.
    out: PathBuf,
}

fn sha256_of(p: &Path) -> String {
    callsift::digest::sha256_file(p).unwrap().0
}

fn log(out: &Path, case: &Path, step: &str) {
    let entry = audit::Entry::now(
        vec!["callsift".into(), step.into(), case.display().to_string()],
        Some(sha256_of(case)),
        Some(sha256_of(&out.join(layout::MANIFEST))),
        0,
    );
    audit::append(&out.join(layout::AUDIT), &entry).unwrap();
}

fn setup() -> Run {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let tmp = tempfile::tempdir().unwrap();
    let fx = tmp.path().join("fixtures");
    copy_dir(&root.join("formats"), &fx.join("formats"));
    copy_dir(&root.join("numbering"), &fx.join("numbering"));
    let case_dir = fx.join("formats");
    let case = case_dir.join("case.toml");
    // The western profile, moved to a file.
    let text = std::fs::read_to_string(&case).unwrap();
    let start = text.find("[profiles.western]\n").unwrap();
    let end = text.find("[profiles.quebec]").unwrap();
    let profile = text[start..end]
        .replace("[profiles.western]\n", "")
        .replace("[profiles.western.columns]", "[columns]");
    std::fs::create_dir_all(case_dir.join("profiles")).unwrap();
    std::fs::write(case_dir.join("profiles/western.toml"), profile).unwrap();
    let text = format!("{}{}", &text[..start], &text[end..]).replace(
        "profile = \"western\"",
        "profile = \"profiles/western.toml\"",
    );
    std::fs::write(&case, text).unwrap();

    let out = tmp.path().join("out");
    let c = Case::load(&case).unwrap();
    callsift::ingest::run(&c, &out, 1).unwrap();
    log(&out, &case, "ingest");
    callsift::correlate::run(&out, &Default::default()).unwrap();
    log(&out, &case, "correlate");
    Run {
        _tmp: tmp,
        case,
        case_dir,
        out,
    }
}

fn verify(r: &Run) -> Verification {
    manifest::verify(&r.out, Some(&r.case)).unwrap()
}

/// Asserts that `v` reports problem `check` on a file whose name contains `file`.
#[track_caller]
fn caught(v: &Verification, file: &str, check: &str) {
    assert!(
        v.problems
            .iter()
            .any(|p| p.file.contains(file) && p.check == check),
        "expected {check} on {file}; got {:#?}",
        v.problems
    );
    assert!(!v.ok);
}

fn edit_manifest(r: &Run, f: impl FnOnce(&mut Value)) {
    let p = r.out.join(layout::MANIFEST);
    let mut m: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    f(&mut m);
    std::fs::write(&p, serde_json::to_string_pretty(&m).unwrap() + "\n").unwrap();
}

fn input<'a>(m: &'a mut Value, path: &str) -> &'a mut Value {
    m["inputs"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|i| i["path"] == path)
        .unwrap()
}

fn output<'a>(m: &'a mut Value, path: &str) -> &'a mut Value {
    m["outputs"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|o| o["path"] == path)
        .unwrap()
}

fn flip_middle_byte(p: &Path) {
    let mut b = std::fs::read(p).unwrap();
    let k = b.len() / 2;
    b[k] ^= 0x01;
    std::fs::write(p, b).unwrap();
}

const ONTARIO: &str = "carriers/ontario-tel.csv";

#[test]
fn untouched_run_verifies_clean() {
    let r = setup();
    let v = verify(&r);
    assert!(v.ok, "{:#?}", v.problems);
    assert!(v.problems.is_empty());
    assert_eq!(v.manifest_sha256, sha256_of(&r.out.join(layout::MANIFEST)));
    let m = manifest::Manifest::read(&r.out).unwrap();
    // Outputs, the case manifest, every evidence file, the one profile file, the audit log.
    assert_eq!(v.checked, m.outputs.len() + 1 + m.inputs.len() + 1 + 1);
    assert!(m.inputs.iter().any(|i| i.profile_sha256.is_some()));
    assert!(m.git_commit.is_some());
    // Without the case: no problem either, and a note that the evidence was not checked.
    let v = manifest::verify(&r.out, None).unwrap();
    assert!(v.ok, "{:#?}", v.problems);
    assert!(v.notes.iter().any(|n| n.contains("--case")));
}

// ---- Manifest fields.

#[test]
fn tamper_input_sha256_in_manifest() {
    let r = setup();
    edit_manifest(&r, |m| {
        input(m, ONTARIO)["sha256"] = Value::from("0".repeat(64));
    });
    let v = verify(&r);
    caught(&v, ONTARIO, "evidence-sha256");
    caught(&v, "manifest.json", "audit-manifest");
}

#[test]
fn tamper_input_bytes_in_manifest() {
    let r = setup();
    edit_manifest(&r, |m| {
        let i = input(m, ONTARIO);
        i["bytes"] = Value::from(i["bytes"].as_u64().unwrap() + 1);
    });
    caught(&verify(&r), ONTARIO, "evidence-size");
}

#[test]
fn tamper_reconciliation_count() {
    let r = setup();
    edit_manifest(&r, |m| {
        let i = input(m, ONTARIO);
        i["quarantined"] = Value::from(i["quarantined"].as_u64().unwrap() + 1);
    });
    let v = verify(&r);
    caught(&v, ONTARIO, "reconciliation");
    caught(&v, "store/quarantine.parquet", "reconciliation");
    caught(&v, "results/figures.json", "inputs");
}

#[test]
fn tamper_reconciliation_counts_that_still_add_up() {
    // rows read and accepted both raised: the file's equation holds, the store's does not.
    let r = setup();
    edit_manifest(&r, |m| {
        let i = input(m, ONTARIO);
        i["rows_read"] = Value::from(i["rows_read"].as_u64().unwrap() + 1);
        i["accepted"] = Value::from(i["accepted"].as_u64().unwrap() + 1);
    });
    let v = verify(&r);
    caught(&v, "store/calls/", "reconciliation");
    assert!(!v.problems.iter().any(|p| p.file == ONTARIO));
}

#[test]
fn tamper_duplicates_removed_count() {
    let r = setup();
    edit_manifest(&r, |m| {
        let i = input(m, ONTARIO);
        i["duplicates_removed"] = Value::from(i["duplicates_removed"].as_u64().unwrap() + 1);
        i["rows_read"] = Value::from(i["rows_read"].as_u64().unwrap() + 1);
    });
    caught(&verify(&r), "store/duplicates.parquet", "reconciliation");
}

#[test]
fn tamper_parameter_tolerance_negative() {
    let r = setup();
    edit_manifest(&r, |m| {
        m["parameters"]["attribution"]["tolerance_s"] = Value::from(-5.0);
    });
    let v = verify(&r);
    let p = v
        .problems
        .iter()
        .find(|p| p.check == "parameters" && p.message.contains("tolerance_s: must be"))
        .unwrap_or_else(|| panic!("{:#?}", v.problems));
    assert_eq!(p.file, "manifest.json");
    // Without the case it is caught too (by validation alone).
    let v = manifest::verify(&r.out, None).unwrap();
    caught(&v, "manifest.json", "parameters");
}

#[test]
fn tamper_parameter_tolerance_still_valid() {
    let r = setup();
    edit_manifest(&r, |m| {
        m["parameters"]["attribution"]["tolerance_s"] = Value::from(90.0);
    });
    let v = verify(&r);
    let p = v
        .problems
        .iter()
        .find(|p| p.check == "parameters")
        .unwrap_or_else(|| panic!("{:#?}", v.problems));
    assert!(
        p.message.contains("attribution.tolerance_s"),
        "{}",
        p.message
    );
}

#[test]
fn tamper_output_rows() {
    let r = setup();
    edit_manifest(&r, |m| {
        let o = output(m, "results/numbers.parquet");
        o["rows"] = Value::from(o["rows"].as_u64().unwrap() + 1);
    });
    caught(&verify(&r), "results/numbers.parquet", "rows");
}

#[test]
fn tamper_output_sha256_in_manifest() {
    let r = setup();
    edit_manifest(&r, |m| {
        output(m, "results/leads.csv")["sha256"] = Value::from("f".repeat(64));
    });
    caught(&verify(&r), "results/leads.csv", "sha256");
}

#[test]
fn tamper_remove_inputs_entry() {
    let r = setup();
    edit_manifest(&r, |m| {
        m["inputs"]
            .as_array_mut()
            .unwrap()
            .retain(|i| i["path"] != ONTARIO);
    });
    let v = verify(&r);
    caught(&v, ONTARIO, "evidence-new");
    caught(&v, "store/calls/", "reconciliation");
    // Without the case, the store's counts still give it away.
    caught(
        &manifest::verify(&r.out, None).unwrap(),
        "store/calls/",
        "reconciliation",
    );
}

#[test]
fn tamper_remove_outputs_entry_then_alter_file() {
    let r = setup();
    edit_manifest(&r, |m| {
        m["outputs"]
            .as_array_mut()
            .unwrap()
            .retain(|o| o["path"] != "results/leads.csv");
    });
    let p = r.out.join("results/leads.csv");
    let mut t = std::fs::read_to_string(&p).unwrap();
    t.push_str("+16135550000,forged\n");
    std::fs::write(&p, t).unwrap();
    caught(&verify(&r), "results/leads.csv", "unlisted");
}

#[test]
fn tamper_remove_store_outputs_entry_then_alter_table() {
    let r = setup();
    edit_manifest(&r, |m| {
        m["outputs"]
            .as_array_mut()
            .unwrap()
            .retain(|o| o["path"] != "store/quarantine.csv");
    });
    std::fs::write(r.out.join("store/quarantine.csv"), "kind,file\n").unwrap();
    let v = verify(&r);
    caught(&v, "store/quarantine.csv", "unlisted");
    caught(&v, "store/quarantine.csv", "reconciliation");
}

// ---- Outputs, one per kind of file.

#[test]
fn tamper_parquet_store_table() {
    let r = setup();
    flip_middle_byte(&r.out.join("store/calls/part-0000.parquet"));
    caught(&verify(&r), "store/calls/part-0000.parquet", "sha256");
}

#[test]
fn tamper_parquet_results_table() {
    let r = setup();
    flip_middle_byte(&r.out.join("results/attribution.parquet"));
    caught(&verify(&r), "results/attribution.parquet", "sha256");
}

#[test]
fn tamper_csv_twin() {
    let r = setup();
    let p = r.out.join("results/numbers.csv");
    let mut t = std::fs::read_to_string(&p).unwrap();
    let row = format!("{}\n", t.lines().nth(1).unwrap());
    t.push_str(&row);
    std::fs::write(&p, t).unwrap();
    let v = verify(&r);
    caught(&v, "results/numbers.csv", "sha256");
    caught(&v, "results/numbers.csv", "size");
    caught(&v, "results/numbers.csv", "rows");
}

#[test]
fn tamper_figures_json() {
    let r = setup();
    let p = r.out.join("results/figures.json");
    let t = std::fs::read_to_string(&p)
        .unwrap()
        .replace("\"leads\": ", "\"leads\": 1");
    std::fs::write(&p, t).unwrap();
    caught(&verify(&r), "results/figures.json", "sha256");
}

#[test]
fn tamper_missing_output() {
    let r = setup();
    std::fs::remove_file(r.out.join("results/spread.csv")).unwrap();
    caught(&verify(&r), "results/spread.csv", "missing");
}

#[test]
fn forged_results_file() {
    let r = setup();
    std::fs::copy(
        r.out.join("results/leads.csv"),
        r.out.join("results/leads-final.csv"),
    )
    .unwrap();
    let v = verify(&r);
    caught(&v, "results/leads-final.csv", "unlisted");
    assert_eq!(v.problems.len(), 1, "{:#?}", v.problems);
}

// ---- The evidence side (with --case).

#[test]
fn new_evidence_file_matched_by_glob() {
    let r = setup();
    std::fs::copy(
        r.case_dir.join(ONTARIO),
        r.case_dir.join("carriers/ontario-tel-late.csv"),
    )
    .unwrap();
    caught(&verify(&r), "carriers/ontario-tel-late.csv", "evidence-new");
}

#[test]
fn deleted_evidence_file_is_a_finding() {
    let r = setup();
    std::fs::remove_file(r.case_dir.join(ONTARIO)).unwrap();
    let v = verify(&r);
    caught(&v, ONTARIO, "evidence-missing");
    assert_eq!(v.problems.len(), 1, "{:#?}", v.problems);
}

#[test]
fn altered_evidence_file() {
    let r = setup();
    let p = r.case_dir.join("vendor-calls.jsonl");
    let mut b = std::fs::read(&p).unwrap();
    b.extend_from_slice(b"\n");
    std::fs::write(&p, b).unwrap();
    let v = verify(&r);
    caught(&v, "vendor-calls.jsonl", "evidence-sha256");
    caught(&v, "vendor-calls.jsonl", "evidence-size");
}

#[test]
fn tamper_case_toml() {
    let r = setup();
    let t = std::fs::read_to_string(&r.case).unwrap();
    std::fs::write(&r.case, t.replace("tolerance_s = 120", "tolerance_s = 300")).unwrap();
    let v = verify(&r);
    caught(&v, "case.toml", "case-sha256");
    caught(&v, "manifest.json", "parameters");
}

#[test]
fn tamper_case_toml_moves_a_file_to_another_input() {
    let r = setup();
    let t = std::fs::read_to_string(&r.case).unwrap();
    std::fs::write(
        &r.case,
        t.replace("carriers/quebec-*.csv", "carriers/quebec-nothing-*.csv"),
    )
    .unwrap();
    let v = verify(&r);
    caught(&v, "case.toml", "case-sha256");
    caught(&v, "carriers/quebec-telecom.csv", "evidence-unmatched");
}

#[test]
fn tamper_profile_file() {
    let r = setup();
    let p = r.case_dir.join("profiles/western.toml");
    let t = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, t.replace("duration = \"mm:ss\"", "duration = \"s\"")).unwrap();
    caught(&verify(&r), "profiles/western.toml", "profile-sha256");
}

#[test]
fn tamper_profile_sha256_removed_from_manifest() {
    let r = setup();
    edit_manifest(&r, |m| {
        input(m, "carriers/western-wireless.csv")["profile_sha256"] = Value::Null;
    });
    caught(&verify(&r), "profiles/western.toml", "profile-sha256");
}

// ---- The audit chain.

fn audit_lines(r: &Run) -> Vec<String> {
    std::fs::read_to_string(r.out.join(layout::AUDIT))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_audit(r: &Run, lines: &[String]) {
    std::fs::write(r.out.join(layout::AUDIT), lines.join("\n") + "\n").unwrap();
}

/// Three more entries, so edits in the middle of the log can be tried.
fn longer_log(r: &Run) -> Vec<String> {
    for _ in 0..3 {
        log(&r.out, &r.case, "verify");
    }
    let ls = audit_lines(r);
    assert_eq!(ls.len(), 5);
    assert!(verify(r).ok);
    ls
}

#[test]
fn audit_chain_edited_line() {
    let r = setup();
    let mut ls = longer_log(&r);
    ls[1] = ls[1].replace("\"exit\":0", "\"exit\":1");
    write_audit(&r, &ls);
    caught(&verify(&r), "audit.log", "audit-chain");
}

#[test]
fn audit_chain_deleted_line() {
    let r = setup();
    let mut ls = longer_log(&r);
    ls.remove(2);
    write_audit(&r, &ls);
    caught(&verify(&r), "audit.log", "audit-chain");
}

#[test]
fn audit_chain_deleted_first_line() {
    let r = setup();
    let mut ls = longer_log(&r);
    ls.remove(0);
    write_audit(&r, &ls);
    caught(&verify(&r), "audit.log", "audit-chain");
}

#[test]
fn audit_chain_reordered() {
    let r = setup();
    let mut ls = longer_log(&r);
    ls.swap(1, 3);
    write_audit(&r, &ls);
    caught(&verify(&r), "audit.log", "audit-chain");
}

#[test]
fn audit_chain_junk_line() {
    let r = setup();
    let mut ls = longer_log(&r);
    ls.insert(3, "{\"note\": \"all fine\"}".into());
    write_audit(&r, &ls);
    caught(&verify(&r), "audit.log", "audit-chain");
}

#[test]
fn manifest_edit_outside_any_check_is_caught_by_the_audit_log() {
    // A field no file can confirm (a timing): only the manifest hash of the last run shows it.
    let r = setup();
    edit_manifest(&r, |m| {
        m["timings_ms"]["correlate"] = Value::from(1);
    });
    let v = verify(&r);
    caught(&v, "manifest.json", "audit-manifest");
    assert_eq!(v.problems.len(), 1, "{:#?}", v.problems);
}

#[test]
fn missing_audit_log_is_a_note_not_a_problem() {
    let r = setup();
    std::fs::remove_file(r.out.join(layout::AUDIT)).unwrap();
    let v = verify(&r);
    assert!(v.ok, "{:#?}", v.problems);
    assert!(v.notes.iter().any(|n| n.contains("audit.log")));
}

// ---- correlate checks what it reads.

#[test]
fn correlate_refuses_edited_parameters() {
    let r = setup();
    edit_manifest(&r, |m| {
        m["parameters"]["attribution"]["tolerance_s"] = Value::from(-5.0);
    });
    let e = callsift::correlate::run(&r.out, &Default::default()).unwrap_err();
    assert_eq!(e.exit_code(), 3, "{e}");
    assert!(e.to_string().contains("tolerance_s"), "{e}");
}

#[test]
fn correlate_refuses_an_altered_store() {
    let r = setup();
    flip_middle_byte(&r.out.join("store/vendor_calls/part-0000.parquet"));
    let e = callsift::correlate::run(&r.out, &Default::default()).unwrap_err();
    assert_eq!(e.exit_code(), 6, "{e}");
    assert!(matches!(e, callsift::Error::Store { .. }), "{e}");
    assert!(
        e.to_string().contains("vendor_calls/part-0000.parquet"),
        "{e}"
    );
}

#[test]
fn correlate_refuses_a_missing_or_unlisted_store_table() {
    let r = setup();
    std::fs::remove_file(r.out.join("store/duplicates.csv")).unwrap();
    let e = callsift::correlate::run(&r.out, &Default::default()).unwrap_err();
    assert!(matches!(e, callsift::Error::Store { .. }), "{e}");
    assert!(e.to_string().contains("duplicates.csv"), "{e}");
    let r = setup();
    edit_manifest(&r, |m| {
        m["outputs"]
            .as_array_mut()
            .unwrap()
            .retain(|o| o["path"] != "store/calls/part-0000.parquet");
    });
    let e = callsift::correlate::run(&r.out, &Default::default()).unwrap_err();
    assert!(e.to_string().contains("calls/part-0000.parquet"), "{e}");
}

#[test]
fn correlate_again_on_an_untouched_store_still_runs() {
    let r = setup();
    callsift::correlate::run(&r.out, &Default::default()).unwrap();
}

// ---- The command line.

fn callsift(args: &[&str]) -> (i32, String) {
    let o = common::run(args);
    (common::code(&o), common::stdout(&o))
}

#[test]
fn cli_verify_exit_codes_text_and_json() {
    let r = setup();
    let (out, case) = (r.out.to_str().unwrap(), r.case.to_str().unwrap());
    let (code, text) = callsift(&["verify", out, "--case", case]);
    assert_eq!(code, 0, "{text}");
    let sha = sha256_of(&r.out.join(layout::MANIFEST));
    assert!(
        text.contains(&format!("manifest.json SHA-256 {sha}")),
        "{text}"
    );
    let (code, text) = callsift(&["verify", out, "--case", case, "--json"]);
    assert_eq!(code, 0, "{text}");
    let j: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(j["ok"], true);
    assert_eq!(j["manifest_sha256"], sha.as_str());
    assert!(j["checked"].as_u64().unwrap() > 20);

    std::fs::remove_file(r.case_dir.join(ONTARIO)).unwrap();
    std::fs::write(r.out.join("results/leads-final.csv"), "number\n").unwrap();
    let (code, text) = callsift(&["verify", out, "--case", case]);
    assert_eq!(
        code, 1,
        "a deleted evidence file is a finding, not exit 3: {text}"
    );
    assert!(text.contains(&format!("FAIL {ONTARIO}: ")), "{text}");
    assert!(text.contains("FAIL results/leads-final.csv: "), "{text}");
    let (code, text) = callsift(&["verify", out, "--case", case, "--json"]);
    assert_eq!(code, 1);
    let j: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(j["ok"], false);
    let problems = j["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2, "{text}");
    for p in problems {
        assert!(p["file"].is_string() && p["check"].is_string() && p["message"].is_string());
    }

    let empty = tempfile::tempdir().unwrap();
    let (code, _) = callsift(&["verify", empty.path().to_str().unwrap()]);
    assert_eq!(code, 6);
}

#[test]
fn cli_version_names_the_git_commit() {
    let (code, text) = callsift(&["--version"]);
    assert_eq!(code, 0);
    assert!(text.contains(audit::GIT_COMMIT), "{text}");
}
