//! Arbitrary bytes as an Excel workbook, read through `ingest::read_file` (calamine inside
//! `load::driver::guard`) with the fixtures' subscriber-returns profile and a positional calls profile
//! (no header: every sheet with four columns reaches the time, duration and number
//! conversions of typed cells).
#![no_main]

use std::sync::OnceLock;

use callsift_fuzz::{tolerate_guarded_panics, Harness};
use libfuzzer_sys::fuzz_target;

/// fixtures/formats `subscriber-returns`.
const SUBSCRIBERS: &str = r#"
[columns]
number = "Number"
status = "Result"
name = "Subscriber"
provider = "Provider"
[values]
status = { OK = "obtained", REFUSED = "refused", "NOT REQUESTED" = "not_requested" }
"#;

/// Calls by position.
const CALLS_BY_POSITION: &str = r##"
header = false
time_zone = "America/Toronto"
timestamp_formats = ["%Y-%m-%d %H:%M:%S", "excel_serial"]
duration = "hh:mm:ss"
[columns]
called = "#1"
calling = "#2"
start = "#3"
duration = "#4"
"##;

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        tolerate_guarded_panics();
        Harness::new(
            "returns.xlsx",
            &[("subscribers", SUBSCRIBERS), ("calls", CALLS_BY_POSITION)],
        )
    })
}

fuzz_target!(|data: &[u8]| harness().run(data));
