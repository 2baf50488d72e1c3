//! Arbitrary bytes as a Arrow IPC file or stream, read through `ingest::read_file` (arrow-ipc inside
//! `load::driver::guard`) with the fixtures' population, download-log and calls profiles.
#![no_main]

use std::sync::OnceLock;

use callsift_fuzz::{tolerate_guarded_panics, Harness};
use libfuzzer_sys::fuzz_target;

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        tolerate_guarded_panics();
        Harness::new("table.arrow", callsift_fuzz::COLUMNAR_PROFILES)
    })
}

fuzz_target!(|data: &[u8]| harness().run(data));
