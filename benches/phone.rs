//! Phone-number normalisation throughput (`callsift::normalize::phone`).
//!
//! Data shape, generated deterministically (no files, no real subscriber data):
//! * `nanp_mix`: 1,000,000 strings from 20 real area codes in 10 layouts (`(613) 555-0101`,
//!   `1-613-555-0101`, `613.555.0101`, `+1 613 555 0101`, bare 10 and 11 digits, padded with
//!   spaces and tabs, `+1-…`, `(613)555-0101`, `613-555-0101`), ~3 % junk (7-digit locals,
//!   12-digit strings), ~1 % with `x123` extensions (slow path). Default country CA. This is
//!   the hot path: carrier CSV with NANP caller IDs.
//! * `nanp_plain`: the ~96 % of `nanp_mix` in plain layouts (the register fast path only).
//! * `nanp_ints`: the valid numbers of `nanp_mix` as integer cells (Parquet/xlsx).
//! * `non_nanp_mix`: 2,000 strings through `phonenumber`: `+44 …`, `011 44 …`, `+33 …` with
//!   default CA, and French national numbers with default FR.
//!
//! Each benchmark checks its result counts before timing. Run:
//! `cargo bench --bench phone`.

use std::hint::black_box;
use std::time::Duration;

use callsift::normalize::phone::{write_e164, Phone, PhoneParser};
use callsift::synth::SplitMix as Rng;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const NANP_ROWS: usize = 1_000_000;
const NON_NANP_ROWS: usize = 2_000;
const AREA_CODES: [u16; 20] = [
    613, 416, 514, 604, 403, 780, 902, 204, 306, 819, 212, 202, 312, 415, 617, 713, 305, 206, 303,
    512,
];

/// Returns the strings and how many of them must parse as `Ok`.
fn nanp_corpus() -> (Vec<String>, usize) {
    let mut rng = Rng(0x00C0_FFEE);
    let mut rows = Vec::with_capacity(NANP_ROWS);
    let mut expected_ok = 0;
    for _ in 0..NANP_ROWS {
        let a = AREA_CODES[rng.below(AREA_CODES.len() as u64) as usize];
        let b = 200 + rng.below(800);
        let c = rng.below(10_000);
        let kind = rng.below(100);
        let s = match kind {
            0..=1 => format!("{b:03}-{c:04}"), // 7-digit local: invalid
            2 => format!("{a}{b:03}{c:04}{}", rng.below(100)), // 12-13 digits: invalid
            3 => format!("{a}-{b:03}-{c:04} x{}", rng.below(1000)), // extension: slow path
            _ => match kind % 10 {
                0 => format!("({a}) {b:03}-{c:04}"),
                1 => format!("1-{a}-{b:03}-{c:04}"),
                2 => format!("{a}.{b:03}.{c:04}"),
                3 => format!("+1 {a} {b:03} {c:04}"),
                4 => format!("{a}{b:03}{c:04}"),
                5 => format!("1{a}{b:03}{c:04}"),
                6 => format!("  {a} {b:03} {c:04}\t"),
                7 => format!("+1-{a}-{b:03}-{c:04}"),
                8 => format!("({a}){b:03}-{c:04}"),
                _ => format!("{a}-{b:03}-{c:04}"),
            },
        };
        if kind >= 3 {
            expected_ok += 1;
        }
        rows.push(s);
    }
    (rows, expected_ok)
}

fn non_nanp_corpus() -> Vec<(bool, String)> {
    let mut rng = Rng(0x0BAD_CAFE);
    (0..NON_NANP_ROWS)
        .map(|i| {
            let n = rng.below(10_000);
            match i % 4 {
                0 => (false, format!("+44 20 7946 {n:04}")),
                1 => (false, format!("011 44 20 7946 {n:04}")),
                2 => (false, format!("+33 1 42 68 {:02} {:02}", n / 100, n % 100)),
                _ => (true, format!("01 42 68 {:02} {:02}", n / 100, n % 100)),
            }
        })
        .collect()
}

fn count_ok(parser: &PhoneParser, rows: &[String]) -> usize {
    rows.iter()
        .filter(|s| matches!(parser.parse(s), Phone::Ok(_)))
        .count()
}

fn bench_nanp(c: &mut Criterion) {
    let parser = PhoneParser::try_new("CA", &[]).expect("CA is a known region");
    let (rows, expected_ok) = nanp_corpus();
    assert_eq!(
        count_ok(&parser, &rows),
        expected_ok,
        "corpus check before timing"
    );
    let ints: Vec<u64> = rows
        .iter()
        .filter_map(|s| parser.parse(s).number())
        .collect();
    assert_eq!(ints.len(), expected_ok);

    let mut group = c.benchmark_group("phone");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));

    group.throughput(Throughput::Elements(rows.len() as u64));
    group.bench_function("nanp_mix/parse", |b| {
        b.iter(|| count_ok(&parser, black_box(&rows)))
    });
    group.bench_function("nanp_mix/parse+write_e164", |b| {
        let mut out = String::with_capacity(rows.len() * 13);
        b.iter(|| {
            out.clear();
            for s in black_box(&rows) {
                if let Phone::Ok(n) = parser.parse(s) {
                    write_e164(n, &mut out);
                }
            }
            out.len()
        })
    });

    // The plain layouts alone: the register fast path with no slow-path strings mixed in.
    let plain: Vec<String> = rows
        .iter()
        .filter(|s| !s.contains('x') && parser.parse(s).number().is_some())
        .cloned()
        .collect();
    assert_eq!(
        count_ok(&parser, &plain),
        plain.len(),
        "plain rows all parse"
    );
    group.throughput(Throughput::Elements(plain.len() as u64));
    group.bench_function("nanp_plain/parse", |b| {
        b.iter(|| count_ok(&parser, black_box(&plain)))
    });

    group.throughput(Throughput::Elements(ints.len() as u64));
    group.bench_function("nanp_ints/parse_int", |b| {
        b.iter(|| {
            black_box(&ints)
                .iter()
                .filter(|&&n| matches!(parser.parse_int(n), Phone::Ok(_)))
                .count()
        })
    });
    group.finish();
}

fn bench_non_nanp(c: &mut Criterion) {
    let ca = PhoneParser::try_new("CA", &[]).expect("CA is a known region");
    let fr = PhoneParser::try_new("FR", &[]).expect("FR is a known region");
    let rows = non_nanp_corpus();
    let parse_all = |rows: &[(bool, String)]| {
        rows.iter()
            .filter(|(in_fr, s)| {
                let p = if *in_fr { &fr } else { &ca };
                matches!(p.parse(s), Phone::Ok(_))
            })
            .count()
    };
    assert_eq!(parse_all(&rows), rows.len(), "corpus check before timing");

    let mut group = c.benchmark_group("phone");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    group.throughput(Throughput::Elements(rows.len() as u64));
    group.bench_function("non_nanp_mix/parse", |b| {
        b.iter(|| parse_all(black_box(&rows)))
    });
    group.finish();
}

criterion_group!(benches, bench_nanp, bench_non_nanp);
criterion_main!(benches);
