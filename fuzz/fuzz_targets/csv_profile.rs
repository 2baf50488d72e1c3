//! Arbitrary bytes as a delimited-text call record file, read through realistic carrier
//! profiles all the way to canonical rows and the quarantine (`ingest::read_file`, as
//! `callsift ingest` does). Besides "no panic, hang or over-allocation": every line of the file
//! is a preamble/header line, a blank line or a record, and every record is accepted or
//! quarantined with a reason (nothing silently dropped).
#![no_main]

use std::sync::OnceLock;

use callsift_fuzz::{count_lines, Harness};
use libfuzzer_sys::fuzz_target;

/// fixtures/bad/profile.toml: one start column, seconds.
const BAD_CORPUS: &str = r#"
time_zone = "America/Toronto"
timestamp_formats = ["%Y-%m-%d %H:%M:%S"]
duration = "s"
[columns]
called = "Called"
calling = "Calling"
start = "Start"
duration = "Duration"
"#;

/// The same layout, quoted fields spanning lines, one preamble line, an `epoch_s` fallback.
const BAD_CORPUS_MULTILINE: &str = r#"
multiline = true
skip_lines = 1
time_zone = "America/Toronto"
timestamp_formats = ["%Y-%m-%d %H:%M:%S", "epoch_s"]
ambiguous = "quarantine"
duration = "mm:ss"
[columns]
called = "Called"
calling = "Calling"
start = "Start"
duration = "Duration"
"#;

/// fixtures/formats `ontario`: date and time in two columns (parse_joined).
const ONTARIO: &str = r#"
time_zone = "America/Toronto"
timestamp_formats = ["%Y-%m-%d %H:%M:%S"]
duration = "s"
blocked_tokens = ["NO CID"]
[columns]
called = "Subscriber Number"
calling = "Originating Number"
start = ["Call Date", "Call Time"]
duration = "Duration (s)"
"#;

/// fixtures/formats `quebec`: semicolons, Windows-1252, hh:mm:ss, extra blocked tokens, a small
/// field limit.
const QUEBEC: &str = r#"
delimiter = ";"
encoding = "windows-1252"
time_zone = "America/Montreal"
timestamp_formats = ["%d/%m/%Y %H:%M:%S"]
ambiguous = "latest"
duration = "hh:mm:ss"
blocked_tokens = ["Confidentiel", "Inconnu"]
max_field_bytes = 64
[columns]
called = "Numéro abonné"
calling = "Numéro appelant"
start = ["Date d'appel", "Heure"]
duration = "Durée"
"#;

/// Profiles read line by line (not `multiline`), whose line accounting is checked.
const SINGLE_LINE: [bool; 4] = [true, false, true, true];

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        Harness::new(
            "carrier.csv",
            &[
                ("calls", BAD_CORPUS),
                ("calls", BAD_CORPUS_MULTILINE),
                ("calls", ONTARIO),
                ("calls", QUEBEC),
            ],
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let h = harness();
    std::fs::write(&h.path, data).unwrap();
    for (f, single_line) in h.files.iter().zip(SINGLE_LINE) {
        let r = callsift::ingest::read_file(f);
        callsift_fuzz::check_loaded(f, data, &r);
        let utf16 = data.starts_with(&[0xFF, 0xFE]) || data.starts_with(&[0xFE, 0xFF]);
        if let (Ok(l), true, false) = (&r, single_line, utf16) {
            let records = l.counts.rows_read + l.counts.blank_lines;
            assert_eq!(
                count_lines(data),
                l.skipped + records,
                "lines != skipped {} + records and blank lines {records}",
                l.skipped
            );
        }
    }
});
