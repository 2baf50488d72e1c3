//! Arbitrary bytes as a JSON-lines file (vendor call logs, watch-lists), read through
//! `ingest::read_file` with the fixtures' profiles.
#![no_main]

use std::sync::OnceLock;

use callsift_fuzz::Harness;
use libfuzzer_sys::fuzz_target;

/// fixtures/formats `vendor-log`.
const VENDOR_LOG: &str = r#"
timestamp_formats = ["rfc3339"]
[columns]
dialed = "dialed"
presented = "caller_id"
start = "time"
disposition = "result"
keypress = "key"
"#;

/// fixtures/bad/profile.toml (bom.jsonl, nested.jsonl, numeric-durations.jsonl), Windows-1252.
const CALLS_CP1252: &str = r#"
encoding = "windows-1252"
time_zone = "America/Toronto"
timestamp_formats = ["%Y-%m-%d %H:%M:%S", "epoch_ms"]
duration = "s"
[columns]
called = "Called"
calling = "Calling"
start = "Start"
duration = "Duration"
"#;

/// A watch-list with only defaults (columns by canonical name).
const WATCHLIST: &str = "";

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        Harness::new(
            "vendor.jsonl",
            &[
                ("vendor_calls", VENDOR_LOG),
                ("calls", CALLS_CP1252),
                ("watchlist", WATCHLIST),
            ],
        )
    })
}

fuzz_target!(|data: &[u8]| harness().run(data));
