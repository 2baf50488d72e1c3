//! Arbitrary text as a case manifest (`Case::from_toml`) and as a profile file
//! (`Profile::from_toml`), in a folder holding a few evidence files and a profile file so that
//! globs and profile paths can resolve. A valid case must also survive what `correlate` does
//! with it: its `CaseFile` is stored as JSON in manifest.json (`parameters`), read back and its
//! windows resolved again, to the same windows.
//!
//! Inputs naming paths outside the folder (`..`, an absolute path, `**`, or escapes that could
//! spell them) are skipped: a glob over the whole file system is slow by nature, not a bug.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use callsift::config::{Case, CaseFile};
use callsift::profile::Profile;
use libfuzzer_sys::fuzz_target;

struct Dir {
    _dir: tempfile::TempDir,
    case: PathBuf,
    profile: PathBuf,
}

const PROFILE: &str = r#"
time_zone = "America/Toronto"
timestamp_formats = ["%Y-%m-%d %H:%M:%S"]
[columns]
called = "Called"
calling = "Calling"
start = "Start"
"#;

fn dir() -> &'static Dir {
    static D: OnceLock<Dir> = OnceLock::new();
    D.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("callsift-fuzz-")
            .tempdir_in(callsift_fuzz::tmp_root())
            .unwrap();
        let d = dir.path();
        // The files the fixtures' case manifests name (fixtures/formats, fixtures/inquiry).
        for f in [
            "a.csv",
            "b.csv",
            "carriers/ontario-tel.csv",
            "carriers/western-wireless.csv",
            "carriers/quebec-telecom.csv",
            "complainants.csv",
            "subscribers.xlsx",
            "subscriber-returns.xlsx",
            "vendor-upload.csv",
            "vendor-calls.jsonl",
            "vendor/uploads/upl-20110501-7731.csv",
            "vendor/uploads/upl-20110430-2204.csv",
            "vendor/uploads/upl-20110424-1180.csv",
            "vendor/uploads/upl-20110427-2190.csv",
            "vendor/robodial-outbound-2011-04-24_2011-05-02.jsonl",
            "watchlist-telemarketers.csv",
            "watchlists/political-telemarketers.csv",
            "watchlists/political-entities.jsonl",
            "watchlists/regulator-suspects.tsv",
            "watchlists/antifraud-centre.csv",
            "downloads.arrow",
            "party-db-downloads.parquet",
            "population.parquet",
        ] {
            let p = d.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "Called,Calling,Start\n").unwrap();
        }
        std::fs::write(d.join("p.toml"), PROFILE).unwrap();
        Dir {
            case: d.join("case.toml"),
            profile: d.join("p.toml"),
            _dir: dir,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if ["..", "\"/", "'/", "**", "\\u", "\\U"]
        .iter()
        .any(|bad| text.contains(bad))
    {
        return;
    }
    let d = dir();
    if let Ok(p) = Profile::from_toml(&text, &d.profile) {
        let _ = p.delimiter_byte();
        let _ = p.quote_byte();
    }
    match Case::from_toml(&text, &d.case) {
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.contains("case.toml") || msg.contains("p.toml") || msg.contains("builtin:"),
                "the error names no manifest or profile: {msg}");
        }
        Ok(case) => {
            assert!(!case.files.is_empty());
            let json = serde_json::to_value(&case.raw).expect("parameters as JSON");
            let back: CaseFile = serde_json::from_value(json)
                .unwrap_or_else(|e| panic!("parameters do not read back: {e}"));
            let w = back
                .resolve_windows(&d.case)
                .unwrap_or_else(|e| panic!("windows do not resolve again: {e}"));
            assert_eq!(w, case.windows);
        }
    }
});
