//! Ingest streams into partitions in bounded memory (issue 15, item 2): with a memory budget so
//! small that every chunk's rows are spilled to the staging folder as soon as they are read,
//! and every part is worked alone, the store and the manifest are the same bytes as a run that
//! holds everything in memory, for 1, 2 and 7 parts, on the bundled inquiry fixture and on a
//! small national world. The staging folder (`OUT/.staging-XXXX`) is gone after a run, and
//! after a run that fails (a quarantine threshold, a population number listed again).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use callsift::config::Case;
use callsift::ingest::run_with_budget;
use callsift::partition::Partitions;
use callsift::synth::{synth, SynthOptions, World};

/// A budget nothing fits in: every piece is spilled when staged, every part worked alone.
const TINY: u64 = 1;
/// A budget everything fits in: nothing is spilled.
const HUGE: u64 = 1 << 40;

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Relative path → bytes of every file under `out` (the manifest without its timings); panics
/// if a staging folder is left.
fn files(out: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut v = BTreeMap::new();
    let mut stack = vec![out.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(out).unwrap().to_string_lossy().into_owned();
            assert!(!rel.contains(".staging"), "{rel} left in {}", out.display());
            if p.is_dir() {
                stack.push(p);
            } else if rel == "manifest.json" {
                let mut m: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
                m.as_object_mut().unwrap().remove("timings_ms").unwrap();
                v.insert(rel, serde_json::to_vec(&m).unwrap());
            } else {
                v.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    v
}

/// Ingests `case` into `work` held in memory and spilled, at 1, 2 and 7 parts, and compares.
fn same_bytes_spilled(case: &Path, work: &Path) {
    let case = Case::load(case).unwrap();
    for parts in [1, 2, 7] {
        let held = work.join(format!("held-{parts}"));
        let spilled = work.join(format!("spilled-{parts}"));
        run_with_budget(&case, &held, 2, Partitions::Fixed(parts), HUGE).unwrap();
        let r = run_with_budget(&case, &spilled, 2, Partitions::Fixed(parts), TINY).unwrap();
        assert_eq!(r.manifest.store_partitions, parts);
        let (a, b) = (files(&held), files(&spilled));
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "{parts} parts"
        );
        let calls = a.keys().filter(|k| k.starts_with("store/calls/")).count();
        assert_eq!(calls, parts as usize);
        for (rel, bytes) in &a {
            assert!(
                bytes == &b[rel],
                "{parts} parts: {rel} differs when spilled"
            );
        }
    }
}

#[test]
fn issue_15_a_spilled_inquiry_ingest_writes_the_same_bytes() {
    let d = tempfile::tempdir().unwrap();
    same_bytes_spilled(&repo("fixtures/inquiry/case.toml"), d.path());
}

#[test]
fn issue_15_a_spilled_national_ingest_writes_the_same_bytes() {
    let d = tempfile::tempdir().unwrap();
    let world = d.path().join("world");
    let opts = SynthOptions {
        seed: 7,
        scale: 0.05,
        world: World::National,
    };
    synth(&opts, &world).unwrap();
    same_bytes_spilled(&world.join("case.toml"), d.path());
}

/// Nothing is left in `out` (which existed before the run) but what was there.
fn only(out: &Path, names: &[&str]) {
    let mut left: Vec<String> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, names, "{}", out.display());
}

#[test]
fn issue_15_a_failed_ingest_leaves_no_staging_folder() {
    // A quarantine threshold: the file is read (and its rows spilled) before the check.
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "mine").unwrap();
    let case = Case::load(&repo("fixtures/rules/garbage/case.toml")).unwrap();
    let e = run_with_budget(&case, &out, 2, Partitions::Fixed(7), TINY).unwrap_err();
    assert!(e.to_string().contains("max_quarantine_share"), "{e}");
    only(&out, &["keep.txt"]);
    // A folder the run created is removed again.
    let fresh = d.path().join("a/b/out");
    run_with_budget(&case, &fresh, 2, Partitions::Fixed(7), TINY).unwrap_err();
    assert!(!d.path().join("a").exists());

    // A population number listed again: the repeat named is the first in case order over
    // every part, whatever the part count and the budget.
    let mut a = String::from("number,district\n");
    let mut b = String::from("number,district\n");
    for i in 0..40 {
        a.push_str(&format!("613-555-{:04},Guelph\n", 100 + i));
        b.push_str(&format!("613-555-{:04},Guelph\n", 200 + i));
    }
    // Repeats in b of a's numbers: the first one (b's line 5) names a's line 8.
    for (line, n) in [(5, 106), (9, 101), (20, 130)] {
        let mut lines: Vec<String> = b.lines().map(String::from).collect();
        lines[line - 1] = format!("613-555-{n:04},Guelph");
        b = lines.join("\n") + "\n";
    }
    std::fs::write(d.path().join("a.csv"), a).unwrap();
    std::fs::write(d.path().join("b.csv"), b).unwrap();
    let p = d.path().join("case.toml");
    std::fs::write(
        &p,
        "[[inputs]]\nkind = \"population\"\npath = \"a.csv\"\n\
         [[inputs]]\nkind = \"population\"\npath = \"b.csv\"\n",
    )
    .unwrap();
    let case = Case::load(&p).unwrap();
    let mut msgs = Vec::new();
    for (parts, memory) in [(1, HUGE), (2, TINY), (7, TINY), (7, HUGE)] {
        let out = d.path().join(format!("pop-{parts}-{memory}"));
        std::fs::create_dir(&out).unwrap();
        let e = run_with_budget(&case, &out, 2, Partitions::Fixed(parts), memory).unwrap_err();
        only(&out, &[]);
        msgs.push(e.to_string());
    }
    assert!(
        msgs[0].contains("b.csv:5: number +16135550106 is listed again: its first row is a.csv:8"),
        "{}",
        msgs[0]
    );
    assert!(msgs.iter().all(|m| m == &msgs[0]), "{msgs:?}");
}
