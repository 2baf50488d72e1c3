//! Throughput of the statistics on the shapes of the list-overlap analysis.
//!
//! `cargo bench --bench stats` (release). 1,000,000 hypergeometric tails at population 25 M
//! with list sizes 100..50,000 (log-uniform) and overlaps from expectation to far above it;
//! the same split over 2 threads with `std::thread::scope` (the engine itself parallelises
//! with rayon; the functions are pure, so any split gives identical results); 1,000,000
//! binomial burst tests; Benjamini–Hochberg with ranks over 1,000,000 ln p.

use callsift::stats::{bh_ln_q_ranked, ln_binom_sf_ge_frac, ln_hyper_sf_ge};
use callsift::synth::SplitMix;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;

const POPULATION: u64 = 25_000_000;
const PAIRS: usize = 1_000_000;

/// (population, size_a, size_b, overlap) like `overlaps.parquet` rows: most pairs near
/// expectation, a tail of strongly overlapping ones (derived lists).
fn overlap_workload() -> Vec<(u64, u64, u64, u64)> {
    let mut rng = SplitMix(2026);
    (0..PAIRS)
        .map(|_| {
            let size = |r: &mut SplitMix| (100.0 * 500f64.powf(r.unit())) as u64; // 100..50,000
            let a = size(&mut rng);
            let b = size(&mut rng);
            let mean = a as f64 * b as f64 / POPULATION as f64;
            let sd = mean.sqrt().max(1.0);
            let z = if rng.unit() < 0.9 {
                rng.unit() * 4.0 - 1.0 // around expectation
            } else {
                4.0 + rng.unit() * 200.0 // far above: derived lists
            };
            let k = ((mean + z * sd).max(0.0) as u64).min(a.min(b));
            (POPULATION, a, b, k)
        })
        .collect()
}

fn tails(work: &[(u64, u64, u64, u64)], out: &mut [f64]) {
    for (o, &(n, a, b, k)) in out.iter_mut().zip(work) {
        *o = ln_hyper_sf_ge(n, a, b, k);
    }
}

fn bench_stats(c: &mut Criterion) {
    let work = overlap_workload();
    let mut out = vec![0.0f64; work.len()];
    let mut group = c.benchmark_group("stats");
    group.sample_size(10);
    group.throughput(Throughput::Elements(PAIRS as u64));

    group.bench_function("hyper_sf_1M_serial", |bench| {
        bench.iter(|| {
            tails(black_box(&work), &mut out);
            black_box(&out);
        })
    });

    group.bench_function("hyper_sf_1M_2threads", |bench| {
        bench.iter(|| {
            let half = work.len() / 2;
            let (w1, w2) = work.split_at(half);
            let (o1, o2) = out.split_at_mut(half);
            std::thread::scope(|s| {
                s.spawn(|| tails(black_box(w1), o1));
                tails(black_box(w2), o2);
            });
            black_box(&out);
        })
    });

    // The burst test of originating numbers: n complainants, incident share 1/15.
    let mut rng = SplitMix(7);
    let bursts: Vec<(u64, u64)> = (0..PAIRS)
        .map(|_| {
            let n = 1 + (rng.unit() * 300.0) as u64;
            let k = ((rng.unit() * n as f64) as u64).max(1);
            (n, k)
        })
        .collect();
    group.bench_function("binom_sf_1M_serial", |bench| {
        bench.iter(|| {
            for (o, &(n, k)) in out.iter_mut().zip(&bursts) {
                *o = ln_binom_sf_ge_frac(n, k, 1, 15);
            }
            black_box(&out);
        })
    });

    tails(&work, &mut out);
    group.bench_function("bh_ranked_1M", |bench| {
        bench.iter_batched(
            || out.clone(),
            |ln_p| black_box(bh_ln_q_ranked(&ln_p)),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_stats);
criterion_main!(benches);
