//! Criterion benches of the join kernels, on synthetic data made here with a fixed seed.
//!
//! Shapes (n = 1 M, and 10 M for the band join and the overlap):
//! - `band/{n}`: n carrier rows x n + n/16 vendor rows, numbers from a pool of n/3, times
//!   over 14 days; 80 % of carrier rows are a vendor record seen 37 s later ± 60 s.
//!   `band/index+estimate+join/{n}` is the whole attribution step (sort once, estimate the
//!   offset on a ±10 min window, join with 120 s tolerance).
//! - `reach/{n}`: n calls to complainants from n/10 numbers (1 % of the numbers make 30 % of
//!   the calls), 50 K complainants, windows outside/baseline/incident.
//! - `lookup_first/*`, `lookup_all`: n probe rows against a build side of n rows (numbers
//!   from a pool of n, so about 63 % hit; duplicates in both), and against 10 K rows.
//! - `prefix_match`: n numbers against a 20 K-row numbering plan (NPA-NXX and NPA rows).
//! - `district_counts`: n numbers (with repeats) against an n-row population, 338 districts.
//! - `overlap/{lists}x{lists}/{memberships}`: downloads are random subsets of a universe of
//!   memberships/5 numbers; each upload is 70 % of one download plus 30 % other numbers.
//!
//! Every input's answer is checked before it is timed. Run with
//! `cargo bench --bench join` (`RAYON_NUM_THREADS=1` for one core).

use callsift::join::exact::{lookup_first_with, JoinStrategy};
use callsift::join::*;
use callsift::synth::SplitMix as Rng;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

const M: usize = 1_000_000;
const DAY_US: i64 = 86_400_000_000;
const T0: i64 = 1_700_000_000_000_000;
const OFFSET_US: i64 = 37_000_000;
const TOL_US: i64 = 120_000_000;

/// The `k`-th of a set of 11-digit NANP numbers (`1NPANXXXXXX`, NPA 200-999), spread over
/// many exchanges.
fn phone(k: u64) -> u64 {
    12_000_000_000 + (k.wrapping_mul(7_919) % 7_999_999_999)
}

struct BandData {
    cn: Vec<u64>,
    ct: Vec<i64>,
    vn: Vec<u64>,
    vt: Vec<i64>,
}

fn band_data(n: usize) -> BandData {
    let mut r = Rng(1);
    let nv = n + n / 16;
    let pool = (n / 3) as u64;
    let vn: Vec<u64> = (0..nv).map(|_| phone(r.below(pool))).collect();
    let vt: Vec<i64> = (0..nv)
        .map(|_| T0 + r.below(14 * DAY_US as u64) as i64)
        .collect();
    let (mut cn, mut ct) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        if r.below(10) < 8 {
            let j = r.below(nv as u64) as usize;
            cn.push(vn[j]);
            ct.push(vt[j] + OFFSET_US + r.below(120_000_000) as i64 - 60_000_000);
        } else {
            cn.push(phone(r.below(pool)));
            ct.push(T0 + r.below(14 * DAY_US as u64) as i64);
        }
    }
    BandData { cn, ct, vn, vt }
}

fn check_band(d: &BandData, m: &BandMatches, offset: i64) {
    let n = d.cn.len();
    assert!(
        m.len() >= n * 79 / 100 && m.len() <= n,
        "{} matches",
        m.len()
    );
    assert!(m.carrier.windows(2).all(|w| w[0] < w[1]));
    for k in (0..m.len()).step_by(997) {
        let (c, v) = (m.carrier[k] as usize, m.vendor[k] as usize);
        assert_eq!(d.cn[c], d.vn[v]);
        assert_eq!(d.ct[c] - d.vt[v] - offset, m.delta_us[k]);
        assert!(m.delta_us[k].abs() <= TOL_US);
    }
}

fn bench_band(c: &mut Criterion) {
    for (n, samples) in [(M, 20), (10 * M, 10)] {
        let d = band_data(n);
        let est = estimate_offset(&d.cn, &d.ct, &d.vn, &d.vt, 600_000_000).expect("candidates");
        assert!((est.offset_us - OFFSET_US).abs() < 2_000_000, "{est:?}");
        check_band(
            &d,
            &band_join(&d.cn, &d.ct, &d.vn, &d.vt, OFFSET_US, TOL_US),
            OFFSET_US,
        );
        let mut g = c.benchmark_group("band");
        g.sample_size(samples);
        g.throughput(Throughput::Elements((d.cn.len() + d.vn.len()) as u64));
        g.bench_function(BenchmarkId::new("join", n), |b| {
            b.iter(|| band_join(&d.cn, &d.ct, &d.vn, &d.vt, OFFSET_US, TOL_US))
        });
        g.bench_function(BenchmarkId::new("index+estimate+join", n), |b| {
            b.iter(|| {
                let idx = BandIndex::new(&d.cn, &d.ct, &d.vn, &d.vt);
                let e = idx.estimate_offset(600_000_000).expect("candidates");
                idx.join(e.offset_us, TOL_US)
            })
        });
        g.finish();
    }
}

fn bench_reach(c: &mut Criterion) {
    let n = M;
    let mut r = Rng(2);
    let pool = (n / 10) as u64;
    let caller: Vec<u64> = (0..n)
        .map(|_| {
            if r.below(10) < 3 {
                phone(r.below(pool / 100))
            } else {
                phone(r.below(pool))
            }
        })
        .collect();
    let comp: Vec<u32> = (0..n).map(|_| r.below(50_000) as u32).collect();
    let win: Vec<u8> = (0..n).map(|_| r.below(3) as u8).collect();
    let reach = reach_by_window(&caller, &comp, &win);
    assert!(reach.number.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(reach.calls.iter().sum::<u64>(), n as u64);
    let k = reach.number.len() / 2;
    let rows: Vec<usize> = (0..n).filter(|&i| caller[i] == reach.number[k]).collect();
    assert_eq!(reach.first_row[k] as usize, rows[0]);
    assert_eq!(reach.calls[k] as usize, rows.len());
    let mut g = c.benchmark_group("reach");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter(|| reach_by_window(&caller, &comp, &win))
    });
    g.finish();
}

fn bench_lookup(c: &mut Criterion) {
    let n = M;
    let mut r = Rng(3);
    let probe: Vec<u64> = (0..n).map(|_| phone(r.below(n as u64))).collect();
    let build: Vec<u64> = (0..n).map(|_| phone(r.below(n as u64))).collect();
    let small: Vec<u64> = (0..10_000).map(|_| phone(r.below(n as u64))).collect();
    let want = lookup_first_with(&probe, &build, JoinStrategy::PartitionedHash);
    let hits = want.iter().filter(|x| x.is_some()).count();
    assert!(hits > n / 2 && hits < n * 3 / 4, "{hits} hits");
    for k in (0..n).step_by(50_021) {
        let naive = build.iter().position(|&b| b == probe[k]).map(|x| x as u32);
        assert_eq!(want[k], naive);
    }
    assert_eq!(
        lookup_first_with(&probe, &build, JoinStrategy::PartitionedSort),
        want
    );
    let all = lookup_all(&probe, &build);
    assert!(all.0.len() >= hits);
    let mut g = c.benchmark_group("lookup_first");
    g.throughput(Throughput::Elements(2 * n as u64));
    for s in [JoinStrategy::PartitionedHash, JoinStrategy::PartitionedSort] {
        g.bench_function(BenchmarkId::new(format!("{s:?}"), n), |b| {
            b.iter(|| lookup_first_with(&probe, &build, s))
        });
    }
    g.bench_function(BenchmarkId::new("Auto/10K build", n), |b| {
        b.iter(|| lookup_first(&probe, &small))
    });
    g.finish();
    let mut g = c.benchmark_group("lookup_all");
    g.throughput(Throughput::Elements(2 * n as u64));
    g.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter(|| lookup_all(&probe, &build))
    });
    g.finish();
}

fn bench_prefix(c: &mut Criterion) {
    let n = M;
    let mut r = Rng(4);
    let numbers: Vec<u64> = (0..n).map(|_| phone(r.next())).collect();
    let npa: Vec<u16> = (0..20_000).map(|_| 200 + r.below(800) as u16).collect();
    let nxx: Vec<Option<u16>> = (0..20_000)
        .map(|i| (i % 10 != 0).then(|| r.below(1000) as u16))
        .collect();
    let got = prefix_match(&numbers, &npa, &nxx);
    for k in (0..n).step_by(10_007) {
        let (a, x) = (
            ((numbers[k] / 10_000_000) % 1000) as u16,
            ((numbers[k] / 10_000) % 1000) as u16,
        );
        let exact = (0..npa.len()).find(|&i| npa[i] == a && nxx[i] == Some(x));
        let area = (0..npa.len()).find(|&i| npa[i] == a && nxx[i].is_none());
        assert_eq!(got[k], exact.or(area).map(|i| i as u32));
    }
    let mut g = c.benchmark_group("prefix_match");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter(|| prefix_match(&numbers, &npa, &nxx))
    });
    g.finish();
}

fn bench_districts(c: &mut Criterion) {
    let n = M;
    let mut r = Rng(5);
    let table: Vec<u64> = (0..n as u64).map(phone).collect();
    let district: Vec<u32> = (0..n).map(|_| r.below(338) as u32).collect();
    let numbers: Vec<u64> = (0..n).map(|_| phone(r.below(2 * n as u64))).collect();
    let (counts, none) = district_counts(&numbers, &table, &district, 338);
    let distinct = {
        let mut v = numbers.clone();
        v.sort_unstable();
        v.dedup();
        v.len() as u64
    };
    assert_eq!(counts.iter().sum::<u64>() + none, distinct);
    assert!(none > distinct / 3 && none < distinct * 2 / 3);
    let mut g = c.benchmark_group("district_counts");
    g.throughput(Throughput::Elements(2 * n as u64));
    g.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter(|| district_counts(&numbers, &table, &district, 338))
    });
    g.finish();
}

struct Lists {
    al: Vec<u32>,
    an: Vec<u64>,
    bl: Vec<u32>,
    bn: Vec<u64>,
}

fn lists(n_lists: u32, memberships: usize) -> Lists {
    let mut r = Rng(6);
    let universe = (memberships / 5) as u64;
    let per_list = memberships / 2 / n_lists as usize;
    let mut l = Lists {
        al: Vec::with_capacity(memberships / 2),
        an: Vec::with_capacity(memberships / 2),
        bl: Vec::with_capacity(memberships / 2),
        bn: Vec::with_capacity(memberships / 2),
    };
    let mut starts = Vec::with_capacity(n_lists as usize + 1);
    for b in 0..n_lists {
        starts.push(l.bn.len());
        for _ in 0..per_list {
            l.bl.push(b);
            l.bn.push(phone(r.below(universe)));
        }
    }
    starts.push(l.bn.len());
    for a in 0..n_lists {
        let src = r.below(n_lists as u64) as usize;
        for k in 0..per_list {
            l.al.push(a);
            if k * 10 < per_list * 7 {
                l.an.push(l.bn[starts[src] + k]);
            } else {
                l.an.push(phone(r.below(universe)));
            }
        }
    }
    l
}

fn bench_overlap(c: &mut Criterion) {
    for (n_lists, memberships, samples) in [(1000u32, M, 20), (1000, 10 * M, 10)] {
        let l = lists(n_lists, memberships);
        let o = all_pairs_overlap(&l.al, &l.an, n_lists, &l.bl, &l.bn, n_lists);
        // Check one A list against every B list, naively.
        let a = 17u32;
        let set_a: std::collections::BTreeSet<u64> = (0..l.al.len())
            .filter(|&i| l.al[i] == a)
            .map(|i| l.an[i])
            .collect();
        assert_eq!(o.size_a[a as usize], set_a.len() as u64);
        let mut want = vec![0u64; n_lists as usize];
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..l.bl.len() {
            if set_a.contains(&l.bn[i]) && seen.insert((l.bl[i], l.bn[i])) {
                want[l.bl[i] as usize] += 1;
            }
        }
        let mut got = vec![0u64; n_lists as usize];
        for k in 0..o.a.len() {
            if o.a[k] == a {
                got[o.b[k] as usize] = o.overlap[k];
            }
        }
        assert_eq!(got, want);
        let mut g = c.benchmark_group("overlap");
        g.sample_size(samples);
        g.throughput(Throughput::Elements(memberships as u64));
        g.bench_function(
            BenchmarkId::new(format!("{n_lists}x{n_lists}"), memberships),
            |b| {
                b.iter(|| {
                    black_box(all_pairs_overlap(
                        &l.al, &l.an, n_lists, &l.bl, &l.bn, n_lists,
                    ))
                })
            },
        );
        g.finish();
    }
}

criterion_group!(
    benches,
    bench_band,
    bench_reach,
    bench_lookup,
    bench_prefix,
    bench_districts,
    bench_overlap
);
criterion_main!(benches);
