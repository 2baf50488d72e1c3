//! Arbitrary bytes as a Parquet file, read through `ingest::read_file` (the parquet crate inside
//! `load::driver::guard`) with the fixtures' population, download-log and calls profiles.
#![no_main]

use std::sync::OnceLock;

use callsift_fuzz::{tolerate_guarded_panics, Harness};
use libfuzzer_sys::fuzz_target;

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        tolerate_guarded_panics();
        Harness::new("table.parquet", callsift_fuzz::COLUMNAR_PROFILES)
    })
}

fuzz_target!(|data: &[u8]| harness().run(data));
