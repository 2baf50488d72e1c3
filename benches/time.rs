//! Timestamp normalisation: text → UTC microseconds.
//!
//! Data shape: 1,000,000 call start times spread over November 2024 (which holds the
//! fall-back fold of 3 November) in America/Toronto, sorted by time as carrier records
//! usually are, written in two carrier styles:
//! - `iso`: `2024-11-03 01:30:07` (`%Y-%m-%d %H:%M:%S`)
//! - `us12h`: `11/03/2024 01:30:07 AM` (`%m/%d/%Y %I:%M:%S %p`)
//!
//! Each is timed with [`TimeParser`] (hand parser + offset cache), with the same parser on
//! shuffled rows (cache hits come from the table, not the last-hour memo), and with the
//! chrono-only path it replaces (`NaiveDateTime::parse_from_str` + `from_local_datetime`); the
//! `iso` rows also as separate date and time columns (`TimeParser::parse_joined`).
//! Results are checked against the chrono-only path before anything is timed.

use std::hint::black_box;

use callsift::normalize::time::{AmbiguousPolicy, Instant, TimeError, TimeParser};
use chrono::offset::MappedLocalTime;
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const ROWS: usize = 1_000_000;
const ZONE: &str = "America/Toronto";
const FORMATS: [(&str, &str); 2] = [
    ("iso", "%Y-%m-%d %H:%M:%S"),
    ("us12h", "%m/%d/%Y %I:%M:%S %p"),
];

/// A fixed-seed xorshift generator: the same rows on every run, no extra dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Sorted local wall-clock call start times in November 2024.
fn local_times() -> Vec<NaiveDateTime> {
    let start = NaiveDate::from_ymd_opt(2024, 11, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("valid date");
    let month_secs = 30 * 86_400;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut secs: Vec<i64> = (0..ROWS)
        .map(|_| (rng.next() % month_secs) as i64)
        .collect();
    secs.sort_unstable();
    secs.into_iter()
        .map(|s| start + chrono::Duration::seconds(s))
        .collect()
}

/// The rows in a fixed random order, each copied afresh so that the strings lie in memory
/// in the new order (otherwise the bench would time cache misses on scattered strings).
fn shuffled(rows: &[String]) -> Vec<String> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let mut rng = Rng(42);
    for i in (1..order.len()).rev() {
        order.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
    order
        .into_iter()
        .map(|i| rows[i].as_str().to_owned())
        .collect()
}

/// The chrono-only path the fast parser replaces.
fn chrono_only(tz: Tz, format: &str, s: &str) -> Result<Instant, TimeError> {
    let local =
        NaiveDateTime::parse_from_str(s.trim(), format).map_err(|_| TimeError::Unparseable)?;
    match tz.from_local_datetime(&local) {
        MappedLocalTime::Single(t) => Ok(Instant {
            micros: t.timestamp_micros(),
            ambiguous: false,
        }),
        MappedLocalTime::Ambiguous(t, _) => Ok(Instant {
            micros: t.timestamp_micros(),
            ambiguous: true,
        }),
        MappedLocalTime::None => Err(TimeError::Gap),
    }
}

fn bench_time(c: &mut Criterion) {
    let tz: Tz = ZONE.parse().expect("known zone");
    let locals = local_times();
    let mut group = c.benchmark_group("time_parse");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.sample_size(10);
    for (name, format) in FORMATS {
        let rows: Vec<String> = locals
            .iter()
            .map(|t| t.format(format).to_string())
            .collect();
        let rows_shuffled = shuffled(&rows);
        let template = TimeParser::try_new(&[format.to_string()], ZONE, AmbiguousPolicy::Earliest)
            .expect("valid parser");

        // Check before timing: every row agrees with the chrono-only path.
        let mut parser = template.clone();
        let mut folded = 0;
        for row in &rows {
            let got = parser.parse(row);
            assert_eq!(got, chrono_only(tz, format, row), "{row}");
            folded += usize::from(got.is_ok_and(|t| t.ambiguous));
        }
        assert!(folded > 0, "the month should hold fall-back rows");

        group.bench_function(format!("{name}/callsift_sorted"), |b| {
            b.iter(|| {
                let mut parser = template.clone();
                let mut sum = 0i64;
                for row in &rows {
                    if let Ok(t) = parser.parse(black_box(row)) {
                        sum = sum.wrapping_add(t.micros);
                    }
                }
                sum
            })
        });
        group.bench_function(format!("{name}/callsift_shuffled"), |b| {
            b.iter(|| {
                let mut parser = template.clone();
                let mut sum = 0i64;
                for row in &rows_shuffled {
                    if let Ok(t) = parser.parse(black_box(row)) {
                        sum = sum.wrapping_add(t.micros);
                    }
                }
                sum
            })
        });
        if name == "iso" {
            // The same rows as separate date and time columns (`TimeParser::parse_joined`,
            // which memoises the date and hour), checked against `parse` first.
            let parts: Vec<(&str, &str)> = rows
                .iter()
                .map(|r| r.split_once(' ').expect("date and time"))
                .collect();
            let mut joined = template.clone();
            let mut whole = template.clone();
            for (row, (d, t)) in rows.iter().zip(&parts) {
                assert_eq!(joined.parse_joined(d, t), whole.parse(row), "{row}");
            }
            group.bench_function(format!("{name}/callsift_date_time_columns"), |b| {
                b.iter(|| {
                    let mut parser = template.clone();
                    let mut sum = 0i64;
                    for (d, t) in &parts {
                        if let Ok(t) = parser.parse_joined(black_box(d), black_box(t)) {
                            sum = sum.wrapping_add(t.micros);
                        }
                    }
                    sum
                })
            });
        }
        group.bench_function(format!("{name}/chrono_only"), |b| {
            b.iter(|| {
                let mut sum = 0i64;
                for row in &rows {
                    if let Ok(t) = chrono_only(tz, format, black_box(row)) {
                        sum = sum.wrapping_add(t.micros);
                    }
                }
                sum
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_time);
criterion_main!(benches);
