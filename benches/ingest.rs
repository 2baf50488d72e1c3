//! Carrier CSV → canonical batches (`callsift::ingest::read_file`), and `ingest::run` end to end.
//!
//! Data shape: a generated Ontario-style carrier CSV of 200,000 rows (~15 MB), the same shape as
//! `benches/compare/gen_carrier_csv.py` writes (not the same bytes): every field quoted, CRLF,
//! `"(613) 555-0101"` numbers, 50,000 called numbers (mild skew), 500,000 calling numbers with
//! a heavy tail (index = pool·u³) and 2 % `PRIVATE`, local Toronto dates and times over 30 days
//! of April 2011 in time order, durations in seconds, 0.5 % exact repeats of earlier rows. It is
//! written into a temporary folder with a fixed seed (SplitMix64: no rand crate) and read with
//! the `ontario` profile of `fixtures/formats/case.toml`.
//!
//! * `csv_to_batches/threads=N`: `ingest::read_file` (read, hash, split, normalise numbers and
//!   times, build Arrow batches) on a rayon pool of N threads;
//! * `ingest_run/threads=2`: `ingest::run` (the above, duplicate removal, Parquet, quarantine,
//!   manifest with hashes, fsync) into a fresh temporary folder per iteration.
//!
//! Throughput is in bytes of the CSV. Row counts are checked before anything is timed. Run:
//! `cargo bench --bench ingest` (figures in docs/benchmarks.md).

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use callsift::config::Case;
use callsift::ingest::read_file;
use callsift::synth::SplitMix as Rng;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const ROWS: usize = 200_000;
const CALLED: usize = 50_000;
const CALLING: usize = 500_000;
const DUP_PER_MILLE: u64 = 5;
const PRIVATE_PER_MILLE: u64 = 20;
const AREA_CODES: [u16; 20] = [
    613, 416, 647, 437, 905, 289, 519, 226, 705, 807, 343, 514, 438, 450, 819, 604, 403, 780, 902,
    204,
];
/// Relative call volume per local hour.
const HOUR_WEIGHT: [u32; 24] = [
    1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 13, 12, 13, 14, 14, 14, 15, 16, 15, 12, 8, 4, 2,
];

fn number_pool(rng: &mut Rng, n: usize, seen: &mut std::collections::HashSet<u64>) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let npa = AREA_CODES[rng.below(AREA_CODES.len() as u64) as usize];
        let nxx = 200 + rng.below(800);
        let line = rng.below(10_000);
        if seen.insert(u64::from(npa) * 10_000_000 + nxx * 10_000 + line) {
            out.push(format!("\"({npa}) {nxx:03}-{line:04}\""));
        }
    }
    out
}

/// Writes the CSV; returns (rows written, exact repeats among them).
fn write_csv(path: &Path) -> (usize, usize) {
    let mut rng = Rng(0x2011_0502);
    let mut seen = std::collections::HashSet::new();
    let called = number_pool(&mut rng, CALLED, &mut seen);
    let calling = number_pool(&mut rng, CALLING, &mut seen);
    let total_w: u32 = HOUR_WEIGHT.iter().sum();
    let mut text = String::with_capacity(ROWS * 80);
    text.push_str(
        "\"Subscriber Number\",\"Originating Number\",\"Call Date\",\"Call Time\",\
         \"Duration (s)\",\"Call Type\"\r\n",
    );
    let days = 30;
    let mut recent: Vec<(usize, usize)> = Vec::new(); // (start, end) of recent rows in `text`
    let mut repeats = 0;
    for d in 0..days {
        let n = ROWS / days + usize::from(d < ROWS % days);
        let mut secs: Vec<u32> = (0..n)
            .map(|_| {
                let x = rng.below(u64::from(total_w)) as u32;
                let mut h = 0;
                let mut acc = HOUR_WEIGHT[0];
                while acc <= x {
                    h += 1;
                    acc += HOUR_WEIGHT[h];
                }
                h as u32 * 3600 + rng.below(3600) as u32
            })
            .collect();
        secs.sort_unstable();
        // 2011-04-03 + d, all in April/May 2011 (no daylight-saving change).
        let (month, day) = if d < 28 { (4, 3 + d) } else { (5, d - 27) };
        for s in secs {
            if !recent.is_empty() && rng.below(1000) < DUP_PER_MILLE {
                let (a, b) = recent[rng.below(recent.len() as u64) as usize];
                let row = text[a..b].to_string();
                text.push_str(&row);
                repeats += 1;
                continue;
            }
            let start = text.len();
            let u = rng.unit();
            let cd = &called[(CALLED as f64 * u * u) as usize];
            let cg = if rng.below(1000) < PRIVATE_PER_MILLE {
                "\"PRIVATE\""
            } else {
                let u = rng.unit();
                &calling[(CALLING as f64 * u * u * u) as usize]
            };
            let dur = if rng.below(100) < 8 {
                0
            } else {
                ((-70.0 * (1.0 - rng.unit()).ln()) as u64 + 1).min(19_999)
            };
            let _ = write!(
                text,
                "{cd},{cg},\"2011-{month:02}-{day:02}\",\"{:02}:{:02}:{:02}\",\"{dur}\",\"INBOUND\"\r\n",
                s / 3600,
                s / 60 % 60,
                s % 60
            );
            if recent.len() < 4096 {
                recent.push((start, text.len()));
            } else {
                let k = rng.below(4096) as usize;
                recent[k] = (start, text.len());
            }
        }
    }
    std::fs::write(path, text).expect("write the bench CSV");
    (ROWS, repeats)
}

const CASE: &str = r#"
[case]
name = "ingest bench"

[[inputs]]
kind = "calls"
path = "ontario-200k.csv"
profile = "ontario"
label = "Ontario Tel"

[profiles.ontario]
time_zone = "America/Toronto"
timestamp_formats = ["%Y-%m-%d %H:%M:%S"]
duration = "s"
[profiles.ontario.columns]
called = "Subscriber Number"
calling = "Originating Number"
start = ["Call Date", "Call Time"]
duration = "Duration (s)"
"#;

fn bench_ingest(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let csv = dir.path().join("ontario-200k.csv");
    let (rows, repeats) = write_csv(&csv);
    let bytes = std::fs::metadata(&csv).expect("bench CSV").len();
    let case_path = dir.path().join("case.toml");
    std::fs::write(&case_path, CASE).expect("write case.toml");
    let case = Case::load(&case_path).expect("the bench case loads");
    let file = &case.files[0];

    // Checks before timing: every row accepted, none quarantined, and after duplicate removal
    // at most `rows - repeats` rows (a few more random repeats may collide).
    let loaded = read_file(file).expect("the bench CSV reads");
    let accepted: usize = loaded.chunks.iter().map(|c| c.batch.num_rows()).sum();
    let quarantined: usize = loaded.chunks.iter().map(|c| c.quarantine.len()).sum();
    assert_eq!((accepted, quarantined), (rows, 0), "rows before timing");
    let out = tempfile::tempdir().expect("temporary folder");
    let rep = callsift::ingest::run(&case, out.path(), 2).expect("ingest runs");
    let stored = rep.rows[&callsift::model::Kind::Calls] as usize;
    assert!(
        stored <= rows - repeats && stored + 50 >= rows - repeats,
        "stored {stored} rows, expected about {}",
        rows - repeats
    );
    eprintln!(
        "ingest bench: {rows} rows, {bytes} bytes, {repeats} planted repeats, {stored} stored"
    );

    let mut g = c.benchmark_group("ingest");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8))
        .throughput(Throughput::Bytes(bytes));
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        g.bench_function(format!("csv_to_batches/threads={threads}"), |b| {
            b.iter(|| {
                pool.install(|| {
                    let l = read_file(black_box(file)).expect("reads");
                    l.chunks.iter().map(|c| c.batch.num_rows()).sum::<usize>()
                })
            })
        });
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("thread pool");
    g.bench_function("ingest_run/threads=2", |b| {
        b.iter(|| {
            let out = tempfile::tempdir().expect("temporary folder");
            pool.install(|| callsift::ingest::run(&case, out.path(), 2).expect("ingest runs"))
                .rows
                .len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench_ingest);
criterion_main!(benches);
