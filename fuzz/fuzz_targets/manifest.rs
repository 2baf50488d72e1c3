//! Arbitrary bytes as a run manifest (`manifest.json`): `Manifest::read`, then what reads it:
//! `correlate`'s recovery of the case (`parameters` as a `CaseFile`, windows resolved) and
//! `callsift verify` (`manifest::verify`, re-hashing the listed outputs and inputs in a folder
//! holding a few files).
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use callsift::config::CaseFile;
use callsift::manifest::{verify, Manifest};
use libfuzzer_sys::fuzz_target;

fn dir() -> &'static (tempfile::TempDir, PathBuf) {
    static D: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    D.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("callsift-fuzz-")
            .tempdir_in(callsift_fuzz::tmp_root())
            .unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir_all(out.join("store")).unwrap();
        std::fs::write(out.join("store/calls.parquet"), b"PAR1").unwrap();
        std::fs::write(out.join("a.csv"), b"x\n").unwrap();
        (dir, out)
    })
}

fuzz_target!(|data: &[u8]| {
    let (_, out) = dir();
    let path = out.join("manifest.json");
    std::fs::write(&path, data).unwrap();
    let m = match Manifest::read(out) {
        Ok(m) => m,
        Err(e) => {
            assert!(e.to_string().contains("manifest.json"), "{e}");
            return;
        }
    };
    // As `correlate::run`.
    if let Ok(case) = serde_json::from_value::<CaseFile>(m.parameters.clone()) {
        let _ = case.resolve_windows(Path::new(&m.case_file));
    }
    for i in &m.inputs {
        let _ = i.reconciles();
    }
    // Paths outside the folder are not fed to verify: reading /dev/zero never ends (see
    // tests/fuzz_regressions.rs for what verify does with them).
    let outside = |p: &str| p.is_empty() || p.starts_with('/') || p.contains("..");
    if m.outputs.iter().all(|o| !outside(&o.path)) && m.inputs.iter().all(|i| !outside(&i.path)) {
        let _ = verify(out, None);
        let _ = verify(out, Some(out));
    }
    // And written back (as each step does).
    let _ = serde_json::to_string_pretty(&m).unwrap();
});
