//! Inputs the fuzzers found (`fixtures/bad/fuzz/`), each fed through the path `callsift ingest`
//! uses: a clear error naming the file, never a panic, an abort or a hang.
//!
//! `ipc-huge-allocation-*.arrow`: Arrow IPC files whose buffers declare lengths of terabytes to
//! exabytes (found by the `ipc` target in 10 minutes: `fuzz/run.sh ipc 600`). arrow-ipc panics
//! trying to allocate them; the reader's fence turns that into an input error.
//! `ipc-slow-*.arrow`: files the `ipc` target timed out on (over 10 s in one execution); they end
//! in an input error ("failed to fill whole buffer") after a few seconds of a debug build.
//! `parquet-slow-*.parquet`: a 1.2 KB file the `parquet` target timed out on (13 s per profile in
//! the instrumented build, 4 s in a debug build): a page header declares Thrift lists of about
//! 2^31 elements, and the parquet crate's reader-backed Thrift protocol skips them element by
//! element (its `skip_bytes` returns `Ok` at end of input). Bounded by the list size, so slow,
//! not a hang; it ends in an input error naming the file.

use std::path::{Path, PathBuf};

fn found(prefix: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bad/fuzz");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .collect();
    v.sort();
    v
}

/// A one-input case reading `file` as a party-database download log in Arrow IPC.
fn ipc_case(dir: &Path, file: &Path) -> callsift::config::Case {
    let text = format!(
        "[[inputs]]\nkind = \"downloads\"\npath = {:?}\nprofile = \"party-db\"\n\n\
         [profiles.party-db]\nformat = \"ipc\"\n[profiles.party-db.columns]\n\
         number = \"voter_phone\"\ndownload = \"download_id\"\ntime = \"at\"\n",
        file.display().to_string()
    );
    let p = dir.join("case.toml");
    std::fs::write(&p, text).unwrap();
    callsift::config::Case::load(&p).unwrap()
}

#[test]
fn fuzz_ipc_declared_huge_buffers_are_an_input_error_not_an_abort() {
    let files = found("ipc-");
    assert!(files.len() >= 6, "{files:?}");
    for f in files {
        let d = tempfile::tempdir().unwrap();
        let case = ipc_case(d.path(), &f);
        let out = d.path().join("out");
        let r = std::panic::catch_unwind(|| callsift::ingest::run(&case, &out, 1));
        let r = r.unwrap_or_else(|_| panic!("{}: panicked", f.display()));
        let e = match r {
            Ok(_) => panic!("{}: accepted", f.display()),
            Err(e) => e,
        };
        assert_eq!(e.exit_code(), 4, "{}: {e}", f.display());
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert!(e.to_string().contains(&name), "{e}");
    }
}

#[test]
fn fuzz_parquet_slow_thrift_skip_is_an_input_error() {
    let files = found("parquet-slow-");
    assert!(!files.is_empty());
    for f in files {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("case.toml");
        let text = format!(
            "[[inputs]]\nkind = \"population\"\npath = {:?}\n",
            f.display().to_string()
        );
        std::fs::write(&p, text).unwrap();
        let case = callsift::config::Case::load(&p).unwrap();
        let e = callsift::ingest::run(&case, &d.path().join("out"), 1)
            .err()
            .unwrap_or_else(|| panic!("{}: accepted", f.display()));
        assert_eq!(e.exit_code(), 4, "{}: {e}", f.display());
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert!(e.to_string().contains(&name), "{e}");
    }
}
