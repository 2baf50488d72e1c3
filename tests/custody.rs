//! Chain of custody, end to end through the binary: evidence is never written, an evidence file
//! is read once under any name, the output folder is a unit (complete old run or complete new
//! run, never a mix: kills, interrupts, a full disk, two runs at once). Every exit code, end to
//! end, is in `tests/binary.rs`.
//! Test names follow the defects of the custody issue they guard against.

mod common;
use common::{
    bin, code, copy_dir, formats_case, hashes, repo, run, s, staging_left, stderr, stdout,
};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn defect1_out_onto_the_evidence_folder_is_refused_and_evidence_unchanged() {
    let d = tempfile::tempdir().unwrap();
    let case = formats_case(d.path());
    let ev = case.parent().unwrap();
    // An evidence file named like an output.
    std::fs::copy(ev.join("complainants.csv"), ev.join("manifest.json")).unwrap();
    let before = hashes(ev);
    let link = d.path().join("link");
    std::os::unix::fs::symlink(ev, &link).unwrap();
    let dotdot = format!("{}/../case", s(ev));
    for out in [s(ev), dotdot.as_str(), s(&link), s(d.path())] {
        for cmd in ["ingest", "run"] {
            let o = run(&[cmd, s(&case), "--out", out, "-q"]);
            assert_eq!(code(&o), 3, "{cmd} --out {out}: {}", stderr(&o));
            assert!(stderr(&o).contains("evidence"), "{}", stderr(&o));
        }
    }
    assert_eq!(hashes(ev), before, "an evidence file changed");
}

#[test]
fn defect1_out_named_as_a_sibling_evidence_folder_is_refused() {
    // The case names the numbering plans as `../numbering/...`; from the parent folder,
    // `--out numbering` is that same folder.
    let d = tempfile::tempdir().unwrap();
    let case = formats_case(d.path());
    let num = d.path().join("numbering");
    let before = hashes(&num);
    let o = bin()
        .current_dir(d.path())
        .args(["run", s(&case), "--out", "numbering", "-q"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("evidence"), "{}", stderr(&o));
    assert_eq!(hashes(&num), before);
}

#[test]
fn defect2_one_file_under_two_names_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let case = formats_case(d.path());
    let carriers = case.parent().unwrap().join("carriers");
    let base = std::fs::read_to_string(&case).unwrap();
    let extra = |path: &str| {
        format!("{base}\n[[inputs]]\nkind = \"calls\"\npath = \"{path}\"\nprofile = \"ontario\"\n")
    };
    // `sub/../f.csv`.
    std::fs::write(&case, extra("carriers/../carriers/ontario-tel.csv")).unwrap();
    let o = run(&["ingest", s(&case), "--out", s(&d.path().join("o1")), "-q"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("read once"), "{}", stderr(&o));
    // A symlink and a hard link matched by the same glob.
    std::fs::write(&case, &base).unwrap();
    std::os::unix::fs::symlink("ontario-tel.csv", carriers.join("ontario-link.csv")).unwrap();
    let o = run(&["ingest", s(&case), "--out", s(&d.path().join("o2")), "-q"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("read once"), "{}", stderr(&o));
    std::fs::remove_file(carriers.join("ontario-link.csv")).unwrap();
    std::fs::hard_link(
        carriers.join("ontario-tel.csv"),
        carriers.join("ontario-hard.csv"),
    )
    .unwrap();
    let o = run(&["ingest", s(&case), "--out", s(&d.path().join("o3")), "-q"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("ontario-hard.csv"), "{}", stderr(&o));
    std::fs::remove_file(carriers.join("ontario-hard.csv")).unwrap();
    assert!(!d.path().join("o1").exists() && !d.path().join("o3").exists());
}

#[test]
fn defect2_a_symlinked_folder_loop_under_double_star_is_an_error() {
    let d = tempfile::tempdir().unwrap();
    let case = formats_case(d.path());
    let carriers = case.parent().unwrap().join("carriers");
    std::os::unix::fs::symlink("..", carriers.join("loop")).unwrap();
    let text = std::fs::read_to_string(&case)
        .unwrap()
        .replace("carriers/ontario-*.csv", "carriers/**/ontario-*.csv");
    std::fs::write(&case, text).unwrap();
    let o = run(&["ingest", s(&case), "--out", s(&d.path().join("o")), "-q"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("loop"), "{}", stderr(&o));
}

#[test]
fn defect2_a_name_that_is_not_utf8_is_an_error_not_a_silent_skip() {
    use std::os::unix::ffi::OsStrExt;
    let d = tempfile::tempdir().unwrap();
    let case = formats_case(d.path());
    let carriers = case.parent().unwrap().join("carriers");
    let bad = carriers.join(std::ffi::OsStr::from_bytes(b"ontario-\xff.csv"));
    std::fs::copy(carriers.join("ontario-tel.csv"), &bad).unwrap();
    let o = run(&["ingest", s(&case), "--out", s(&d.path().join("o")), "-q"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("UTF-8"), "{}", stderr(&o));
}

#[test]
fn defect2_a_fifo_is_an_error_not_a_hang() {
    let d = tempfile::tempdir().unwrap();
    let case = formats_case(d.path());
    let fifo = case.parent().unwrap().join("carriers/ontario-fifo.csv");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let mut child = bin()
        .args(["ingest", s(&case), "--out", s(&d.path().join("o")), "-q"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if t0.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("ingest hangs on a FIFO");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    // As docs/reliability.md quotes it.
    assert!(
        stderr(&o).contains("is a FIFO (named pipe), not an evidence file"),
        "{}",
        stderr(&o)
    );
}

/// A second case: the formats case without its last input (so its store and results differ).
fn smaller_case(case: &Path) -> PathBuf {
    let text = std::fs::read_to_string(case).unwrap();
    let cut = text.rfind("[[inputs]]").unwrap();
    let end = cut + 1 + text[cut + 1..].find("\n[").unwrap();
    let b = case.with_file_name("case-b.toml");
    std::fs::write(&b, format!("{}{}", &text[..cut], &text[end..])).unwrap();
    b
}

#[test]
fn defect3_ingest_over_a_full_run_leaves_no_results_of_the_old_store() {
    let d = tempfile::tempdir().unwrap();
    let case = formats_case(d.path());
    let out = d.path().join("out");
    let o = run(&["run", s(&case), "--out", s(&out), "-q"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(out.join("results/figures.json").exists());
    let b = smaller_case(&case);
    let o = run(&["ingest", s(&b), "--out", s(&out), "-q"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        !out.join("results").exists(),
        "old results left beside a new store"
    );
    let o = run(&["figures", s(&out)]);
    assert_ne!(code(&o), 0, "figures of a run that has none");
    let o = run(&["verify", s(&out)]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    // correlate then brings the results of the new store.
    let o = run(&["correlate", s(&out), "-q"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run(&["verify", s(&out)]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(staging_left(d.path()).is_empty());
}

#[test]
fn defect3_a_folder_with_files_callsift_did_not_write_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let case = formats_case(d.path());
    let out = d.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "the investigator's notes").unwrap();
    let o = run(&["run", s(&case), "--out", s(&out), "-q"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("notes.txt"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "the investigator's notes"
    );
    // A complete run with one extra file is refused too.
    std::fs::remove_file(out.join("notes.txt")).unwrap();
    assert_eq!(code(&run(&["run", s(&case), "--out", s(&out), "-q"])), 0);
    std::fs::write(out.join("results/leads-final.csv"), "forged").unwrap();
    let o = run(&["run", s(&case), "--out", s(&out), "-q"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("leads-final.csv"), "{}", stderr(&o));
}

#[test]
fn defect3_folders_are_not_world_writable_under_umask_000() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let case = formats_case(d.path());
    let out = d.path().join("new/out");
    let o = Command::new("sh")
        .arg("-c")
        .arg("umask 000; exec \"$0\" run \"$1\" --out \"$2\" -q")
        .arg(env!("CARGO_BIN_EXE_callsift"))
        .arg(&case)
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for p in [
        d.path().join("new"),
        out.clone(),
        out.join("store"),
        out.join("results"),
    ] {
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o022, 0, "{} is mode {mode:o}", p.display());
    }
    for (rel, _) in hashes(&out) {
        let mode = std::fs::metadata(out.join(&rel))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode & 0o022, 0, "{rel} is mode {mode:o}");
    }
}

/// The figures.json of each of two cases run into their own folders, and the committed
/// manifests' case hashes.
struct TwoRuns {
    figures: [Vec<u8>; 2],
}

fn figures_of(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("results/figures.json")).unwrap()
}

/// After an interruption: the folder verifies, holds no staging, and its figures are those of
/// case A or case B.
fn assert_old_or_new(out: &Path, two: &TwoRuns, what: &str) {
    let o = run(&["verify", s(out)]);
    assert_eq!(code(&o), 0, "{what}: verify: {}{}", stdout(&o), stderr(&o));
    let f = figures_of(out);
    assert!(
        f == two.figures[0] || f == two.figures[1],
        "{what}: figures of neither run"
    );
    let o = run(&["figures", s(out)]);
    assert_eq!(code(&o), 0, "{what}: figures: {}", stderr(&o));
}

fn inquiry_cases(d: &Path) -> (PathBuf, PathBuf, TwoRuns) {
    let c = d.join("inq");
    copy_dir(&repo("fixtures/inquiry"), &c);
    copy_dir(&repo("fixtures/numbering"), &d.join("numbering"));
    let a = c.join("case.toml");
    // Case B: without the anti-fraud centre's watch-list, so its figures differ.
    let text = std::fs::read_to_string(&a).unwrap();
    let at = text
        .find("path = \"watchlists/antifraud-centre.csv\"")
        .unwrap();
    let start = text[..at].rfind("[[inputs]]").unwrap();
    let end = at + text[at..].find("[[inputs]]").unwrap();
    let b = c.join("case-b.toml");
    std::fs::write(&b, format!("{}{}", &text[..start], &text[end..])).unwrap();
    let mut figures = [Vec::new(), Vec::new()];
    for (i, case) in [&a, &b].into_iter().enumerate() {
        let out = d.join(format!("ref{i}"));
        let o = run(&["run", s(case), "--out", s(&out), "-q"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        figures[i] = figures_of(&out);
    }
    assert_ne!(figures[0], figures[1], "the two cases must be told apart");
    (a, b, TwoRuns { figures })
}

#[test]
fn defect3_sigkill_at_random_moments_leaves_the_old_or_the_new_run() {
    let d = tempfile::tempdir().unwrap();
    let (a, b, two) = inquiry_cases(d.path());
    let out = d.path().join("out");
    let t0 = Instant::now();
    assert_eq!(code(&run(&["run", s(&a), "--out", s(&out), "-q"])), 0);
    let full = t0.elapsed();
    // A fixed sequence of moments spread over a whole run (and a little past its end).
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for k in 0..24 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let at = full.mul_f64((x % 1000) as f64 / 900.0);
        let case = if k % 2 == 0 { &b } else { &a };
        let mut child = bin()
            .args(["run", s(case), "--out", s(&out), "-q"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(at);
        let _ = child.kill();
        let _ = child.wait();
        assert_old_or_new(&out, &two, &format!("kill {k} at {at:?}"));
    }
    // The next run cleans what the kills left.
    assert_eq!(code(&run(&["run", s(&a), "--out", s(&out), "-q"])), 0);
    assert!(
        staging_left(d.path()).is_empty(),
        "{:?}",
        staging_left(d.path())
    );
    assert_eq!(figures_of(&out), two.figures[0]);
}

#[test]
fn defect3_sigint_and_sigterm_stop_cleanly_with_exit_130() {
    let d = tempfile::tempdir().unwrap();
    let (a, b, two) = inquiry_cases(d.path());
    let out = d.path().join("out");
    assert_eq!(code(&run(&["run", s(&a), "--out", s(&out), "-q"])), 0);
    for (k, sig) in ["-INT", "-TERM", "-INT"].into_iter().enumerate() {
        let child = bin()
            .args(["run", s(&b), "--out", s(&out), "-q"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(150 + 200 * k as u64));
        let _ = Command::new("kill")
            .args([sig, &child.id().to_string()])
            .status();
        let o = child.wait_with_output().unwrap();
        let c = code(&o);
        assert!(c == 130 || c == 0, "{sig}: exit {c}: {}", stderr(&o));
        if c == 130 {
            assert!(staging_left(d.path()).is_empty(), "{sig}: staging left");
        }
        assert_old_or_new(&out, &two, sig);
    }
}

#[test]
fn defect3_two_runs_into_one_folder_at_once() {
    let d = tempfile::tempdir().unwrap();
    let (a, b, two) = inquiry_cases(d.path());
    let out = d.path().join("out");
    for round in 0..3 {
        let spawn = |case: &Path| {
            bin()
                .args(["run", s(case), "--out", s(&out), "-q"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (c1, c2) = (spawn(&a), spawn(&b));
        let (o1, o2) = (
            c1.wait_with_output().unwrap(),
            c2.wait_with_output().unwrap(),
        );
        let mut ok = 0;
        for o in [&o1, &o2] {
            match code(o) {
                0 => ok += 1,
                3 => assert!(
                    stderr(o).contains("another callsift run"),
                    "round {round}: {}",
                    stderr(o)
                ),
                c => panic!("round {round}: exit {c}: {}", stderr(o)),
            }
        }
        assert!(ok >= 1, "round {round}: neither run committed");
        assert_old_or_new(&out, &two, &format!("round {round}"));
    }
}

#[test]
fn defect3_a_full_disk_during_a_second_run_leaves_the_first() {
    // RLIMIT_FSIZE stands in for a full disk: the write that crosses it fails (SIGXFSZ is
    // ignored by the shell's exec so the write returns EFBIG) and the run must stop with the
    // folder as it was.
    if Command::new("prlimit").arg("--version").output().is_err() {
        eprintln!("skipped: prlimit is not available");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let (a, b, two) = inquiry_cases(d.path());
    let out = d.path().join("out");
    assert_eq!(code(&run(&["run", s(&a), "--out", s(&out), "-q"])), 0);
    for limit in ["4000", "60000", "300000"] {
        let o = Command::new("sh")
            .arg("-c")
            .arg("trap '' XFSZ; exec prlimit --fsize=\"$0\" \"$1\" run \"$2\" --out \"$3\" -q")
            .arg(limit)
            .arg(env!("CARGO_BIN_EXE_callsift"))
            .arg(&b)
            .arg(&out)
            .output()
            .unwrap();
        assert_ne!(code(&o), 0, "fsize {limit}: the run fitted");
        assert_ne!(code(&o), 101, "fsize {limit}: panic: {}", stderr(&o));
        assert_old_or_new(&out, &two, &format!("fsize {limit}"));
        assert_eq!(figures_of(&out), two.figures[0]);
    }
}

#[test]
fn defect7_a_missing_or_folder_case_manifest_is_exit_3() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("o");
    let o = run(&["run", s(&d.path().join("nope.toml")), "--out", s(&out)]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let o = run(&["ingest", s(d.path()), "--out", s(&out)]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("folder"), "{}", stderr(&o));
}
