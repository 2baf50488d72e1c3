//! Property tests of the join operators against naive nested-loop references, and the check
//! that 1 and 2 threads give the same output.

use callsift::join::exact::{lookup_all_with, lookup_first_with, JoinStrategy};
use callsift::join::*;
use callsift::synth::SplitMix;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const STRATEGIES: [JoinStrategy; 4] = [
    JoinStrategy::Auto,
    JoinStrategy::Broadcast,
    JoinStrategy::PartitionedHash,
    JoinStrategy::PartitionedSort,
];

// ---------- naive references ----------

/// Nearest vendor row per carrier row; `None` numbers (blocked, unusable) never match.
fn naive_band(
    cn: &[Option<u64>],
    ct: &[i64],
    vn: &[Option<u64>],
    vt: &[i64],
    off: i64,
    tol: i64,
) -> Vec<(u32, u32, i64)> {
    let mut out = Vec::new();
    for i in 0..cn.len() {
        let mut best: Option<(usize, i128)> = None;
        for j in 0..vn.len() {
            if cn[i].is_none() || cn[i] != vn[j] {
                continue;
            }
            let d = ct[i] as i128 - vt[j] as i128 - off as i128;
            if d.abs() > tol as i128 {
                continue;
            }
            // Strictly nearer only: among equals the first (lowest) row stays.
            if best.is_none_or(|(_, b)| d.abs() < b.abs()) {
                best = Some((j, d));
            }
        }
        if let Some((j, d)) = best {
            out.push((i as u32, j as u32, d as i64));
        }
    }
    out
}

fn naive_offset(cn: &[u64], ct: &[i64], vn: &[u64], vt: &[i64], w: i64) -> Option<OffsetEstimate> {
    let mut d: Vec<i64> = Vec::new();
    for i in 0..cn.len() {
        for j in 0..vn.len() {
            let x = ct[i] as i128 - vt[j] as i128;
            if cn[i] == vn[j] && x.abs() <= w as i128 {
                d.push(x as i64);
            }
        }
    }
    if d.is_empty() {
        return None;
    }
    d.sort();
    let mid = (d.len() - 1) / 2;
    let med = d[mid];
    let mut dev: Vec<i64> = d
        .iter()
        .map(|&x| (x as i128 - med as i128).abs().min(i64::MAX as i128) as i64)
        .collect();
    dev.sort();
    Some(OffsetEstimate {
        offset_us: med,
        candidates: d.len() as u64,
        mad_us: dev[mid],
    })
}

fn naive_first(probe: &[u64], build: &[u64]) -> Vec<Option<u32>> {
    probe
        .iter()
        .map(|p| build.iter().position(|b| b == p).map(|r| r as u32))
        .collect()
}

fn naive_all(probe: &[u64], build: &[u64]) -> (Vec<u32>, Vec<u32>) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for (i, p) in probe.iter().enumerate() {
        for (j, q) in build.iter().enumerate() {
            if p == q {
                a.push(i as u32);
                b.push(j as u32);
            }
        }
    }
    (a, b)
}

fn naive_prefix(numbers: &[u64], npa: &[u16], nxx: &[Option<u16>]) -> Vec<Option<u32>> {
    numbers
        .iter()
        .map(|&n| {
            let s = n.to_string();
            if s.len() != 11 || !s.starts_with('1') {
                return None;
            }
            let a: u16 = s[1..4].parse().unwrap();
            let x: u16 = s[4..7].parse().unwrap();
            let exact = (0..npa.len()).find(|&r| npa[r] == a && nxx[r] == Some(x));
            let area = (0..npa.len()).find(|&r| npa[r] == a && nxx[r].is_none());
            exact.or(area).map(|r| r as u32)
        })
        .collect()
}

fn naive_reach(caller: &[u64], comp: &[u32], win: &[u8]) -> Reach {
    // number -> (baseline complainants, incident complainants, calls, first row)
    type Acc = (BTreeSet<u32>, BTreeSet<u32>, u64, u32);
    let mut by: BTreeMap<u64, Acc> = BTreeMap::new();
    for i in 0..caller.len() {
        let e = by
            .entry(caller[i])
            .or_insert((BTreeSet::new(), BTreeSet::new(), 0, i as u32));
        match win[i] {
            1 => {
                e.0.insert(comp[i]);
            }
            2 => {
                e.1.insert(comp[i]);
            }
            _ => {}
        }
        e.2 += 1;
    }
    let mut r = Reach::default();
    for (n, (base, inc, calls, first)) in by {
        r.number.push(n);
        r.only_incident.push(inc.difference(&base).count() as u32);
        r.only_baseline.push(base.difference(&inc).count() as u32);
        r.both.push(inc.intersection(&base).count() as u32);
        r.calls.push(calls);
        r.first_row.push(first);
    }
    r
}

fn naive_overlap(al: &[u32], an: &[u64], na: u32, bl: &[u32], bn: &[u64], nb: u32) -> Overlaps {
    // Nested loop over the memberships; sets make duplicates inside a list count once.
    let mut o = Overlaps {
        size_a: vec![0; na as usize],
        size_b: vec![0; nb as usize],
        ..Overlaps::default()
    };
    for (l, _) in (0..al.len())
        .map(|i| (al[i], an[i]))
        .collect::<BTreeSet<_>>()
    {
        o.size_a[l as usize] += 1;
    }
    for (l, _) in (0..bl.len())
        .map(|i| (bl[i], bn[i]))
        .collect::<BTreeSet<_>>()
    {
        o.size_b[l as usize] += 1;
    }
    let mut shared = BTreeSet::new();
    for i in 0..al.len() {
        for j in 0..bl.len() {
            if an[i] == bn[j] {
                shared.insert((al[i], bl[j], an[i]));
            }
        }
    }
    let mut pairs: BTreeMap<(u32, u32), u64> = BTreeMap::new();
    for (a, b, _) in shared {
        *pairs.entry((a, b)).or_default() += 1;
    }
    for ((a, b), c) in pairs {
        o.a.push(a);
        o.b.push(b);
        o.overlap.push(c);
    }
    o
}

fn naive_districts(numbers: &[u64], tn: &[u64], td: &[u32], nd: u32) -> (Vec<u64>, u64) {
    let mut counts = vec![0u64; nd as usize];
    let mut none = 0;
    for n in numbers.iter().collect::<BTreeSet<_>>() {
        match tn.iter().position(|t| t == n).map(|r| td[r]) {
            Some(d) if d < nd => counts[d as usize] += 1,
            _ => none += 1,
        }
    }
    (counts, none)
}

// ---------- generators ----------

/// Numbers from a small pool (many duplicates), skewed towards one hot number.
fn number(pool: u64) -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => Just(16_135_550_101u64),
        7 => (0..pool).prop_map(|k| 16_135_550_000 + k * 7),
    ]
}

fn opt_number(pool: u64) -> impl Strategy<Value = Option<u64>> {
    prop_oneof![1 => Just(None), 6 => number(pool).prop_map(Some)]
}

/// Times on a coarse grid, so equal times and exact ties at the tolerance are common.
fn time() -> impl Strategy<Value = i64> {
    (0i64..40).prop_map(|k| 1_700_000_000_000_000 + k * 5)
}

fn side(max: usize, pool: u64) -> impl Strategy<Value = (Vec<Option<u64>>, Vec<i64>)> {
    prop::collection::vec((opt_number(pool), time()), 0..max).prop_map(|v| v.into_iter().unzip())
}

/// What a caller does with null numbers: leave them out and keep the row mapping.
fn compact(nums: &[Option<u64>], t: &[i64]) -> (Vec<u64>, Vec<i64>, Vec<u32>) {
    let mut out = (Vec::new(), Vec::new(), Vec::new());
    for (i, n) in nums.iter().enumerate() {
        if let Some(n) = n {
            out.0.push(*n);
            out.1.push(t[i]);
            out.2.push(i as u32);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn band_join_matches_nested_loop(
        (cn, ct) in side(60, 6),
        (vn, vt) in side(60, 6),
        off in prop_oneof![Just(0i64), (-3i64..4).prop_map(|k| k * 5), -30i64..30],
        tol in prop_oneof![Just(0i64), Just(5), Just(10), -1i64..40],
    ) {
        let (cnc, ctc, cmap) = compact(&cn, &ct);
        let (vnc, vtc, vmap) = compact(&vn, &vt);
        let got = band_join(&cnc, &ctc, &vnc, &vtc, off, tol);
        prop_assert!(got.carrier.windows(2).all(|w| w[0] < w[1]));
        let got: Vec<(u32, u32, i64)> = (0..got.len())
            .map(|k| (cmap[got.carrier[k] as usize], vmap[got.vendor[k] as usize], got.delta_us[k]))
            .collect();
        prop_assert_eq!(got, naive_band(&cn, &ct, &vn, &vt, off, tol));
    }

    #[test]
    fn band_join_extreme_times(
        c in prop::collection::vec((number(3), prop_oneof![Just(i64::MIN), Just(i64::MAX), any::<i64>(), -5i64..5]), 0..25),
        v in prop::collection::vec((number(3), prop_oneof![Just(i64::MIN), Just(i64::MAX), any::<i64>(), -5i64..5]), 0..25),
        off in prop_oneof![Just(0i64), Just(i64::MIN), Just(i64::MAX), -3i64..3],
        tol in prop_oneof![Just(i64::MAX), Just(3i64), Just(i64::MAX / 2)],
    ) {
        let (cn, ct): (Vec<u64>, Vec<i64>) = c.into_iter().unzip();
        let (vn, vt): (Vec<u64>, Vec<i64>) = v.into_iter().unzip();
        let got = band_join(&cn, &ct, &vn, &vt, off, tol);
        let got: Vec<(u32, u32, i64)> = (0..got.len()).map(|k| (got.carrier[k], got.vendor[k], got.delta_us[k])).collect();
        let some = |x: &[u64]| x.iter().map(|&n| Some(n)).collect::<Vec<_>>();
        prop_assert_eq!(got, naive_band(&some(&cn), &ct, &some(&vn), &vt, off, tol));
        let w = tol;
        prop_assert_eq!(estimate_offset(&cn, &ct, &vn, &vt, w), naive_offset(&cn, &ct, &vn, &vt, w));
    }

    #[test]
    fn band_join_presorted_matches_nested_loop(
        c in prop::collection::vec((number(6), time()), 0..80),
        v in prop::collection::vec((number(6), time()), 0..80),
        off in prop_oneof![Just(0i64), (-3i64..4).prop_map(|k| k * 5), -30i64..30],
        tol in prop_oneof![Just(0i64), Just(5), Just(10), -1i64..40],
        w in prop_oneof![Just(0i64), Just(25), -1i64..100],
    ) {
        // Sides sorted by (number, time), as a store clustered by number holds them: the
        // linear check finds it and the merge runs on the columns as given.
        let sorted = |mut x: Vec<(u64, i64)>| -> (Vec<u64>, Vec<i64>) { x.sort(); x.into_iter().unzip() };
        let (cn, ct) = sorted(c);
        let (vn, vt) = sorted(v);
        let idx = BandIndex::new(&cn, &ct, &vn, &vt);
        prop_assert!(idx.is_presorted());
        prop_assert_eq!(idx.estimate_offset(w), naive_offset(&cn, &ct, &vn, &vt, w));
        let got = band_join(&cn, &ct, &vn, &vt, off, tol);
        let got: Vec<(u32, u32, i64)> = (0..got.len()).map(|k| (got.carrier[k], got.vendor[k], got.delta_us[k])).collect();
        let some = |x: &[u64]| x.iter().map(|&n| Some(n)).collect::<Vec<_>>();
        prop_assert_eq!(got, naive_band(&some(&cn), &ct, &some(&vn), &vt, off, tol));
    }

    #[test]
    fn offset_estimate_matches_nested_loop(
        (cn, ct) in side(50, 5),
        (vn, vt) in side(50, 5),
        w in prop_oneof![Just(0i64), Just(25), -1i64..100],
    ) {
        let (cn, ct, _) = compact(&cn, &ct);
        let (vn, vt, _) = compact(&vn, &vt);
        let idx = BandIndex::new(&cn, &ct, &vn, &vt);
        prop_assert_eq!(idx.estimate_offset(w), naive_offset(&cn, &ct, &vn, &vt, w));
        // The index serves both: its join equals the one-shot join.
        prop_assert_eq!(idx.join(3, 10), band_join(&cn, &ct, &vn, &vt, 3, 10));
    }

    #[test]
    fn lookups_match_nested_loop(
        probe in prop::collection::vec(number(40), 0..80),
        build in prop::collection::vec(number(40), 0..80),
    ) {
        let first = naive_first(&probe, &build);
        let all = naive_all(&probe, &build);
        prop_assert_eq!(lookup_first(&probe, &build), first.clone());
        prop_assert_eq!(lookup_all(&probe, &build), all.clone());
        for s in STRATEGIES {
            prop_assert_eq!(lookup_first_with(&probe, &build, s), first.clone());
            prop_assert_eq!(lookup_all_with(&probe, &build, s), all.clone());
        }
    }

    #[test]
    fn prefix_match_matches_naive(
        numbers in prop::collection::vec(prop_oneof![
            (0u64..4, 0u64..4, 0u64..10_000).prop_map(|(a, x, s)| 10_000_000_000 + (612 + a) * 10_000_000 + (554 + x) * 10_000 + s),
            Just(19_999_999_999u64), Just(9_999_999_999u64), Just(20_000_000_000u64), any::<u64>(),
        ], 0..60),
        plan in prop::collection::vec((prop_oneof![612u16..616, Just(999u16), Just(1000u16)], prop_oneof![Just(None), (554u16..558).prop_map(Some), Just(Some(1200u16))]), 0..20),
    ) {
        let (npa, nxx): (Vec<u16>, Vec<Option<u16>>) = plan.into_iter().unzip();
        prop_assert_eq!(prefix_match(&numbers, &npa, &nxx), naive_prefix(&numbers, &npa, &nxx));
    }

    #[test]
    fn reach_matches_naive(
        rows in prop::collection::vec((number(12), 0u32..10, 0u8..4), 0..150),
    ) {
        let caller: Vec<u64> = rows.iter().map(|r| r.0).collect();
        let comp: Vec<u32> = rows.iter().map(|r| r.1).collect();
        let win: Vec<u8> = rows.iter().map(|r| r.2).collect();
        prop_assert_eq!(reach_by_window(&caller, &comp, &win), naive_reach(&caller, &comp, &win));
    }

    #[test]
    fn reach_wide_ids(
        rows in prop::collection::vec((any::<u64>(), prop_oneof![Just(u32::MAX), any::<u32>()], 0u8..3), 0..40),
    ) {
        let mut rows = rows;
        let dup = rows.clone();
        rows.extend(dup.into_iter().map(|(n, c, w)| (n, c, 2 - w)));
        let caller: Vec<u64> = rows.iter().map(|r| r.0).collect();
        let comp: Vec<u32> = rows.iter().map(|r| r.1).collect();
        let win: Vec<u8> = rows.iter().map(|r| r.2).collect();
        prop_assert_eq!(reach_by_window(&caller, &comp, &win), naive_reach(&caller, &comp, &win));
    }

    #[test]
    fn overlap_matches_naive(
        na in 0u32..6, nb in 0u32..6,
        a in prop::collection::vec((0u32..1000, number(15)), 0..100),
        b in prop::collection::vec((0u32..1000, number(15)), 0..100),
    ) {
        let fix = |v: Vec<(u32, u64)>, n: u32| -> (Vec<u32>, Vec<u64>) {
            if n == 0 { return (Vec::new(), Vec::new()); }
            v.into_iter().map(|(l, x)| (l % n, x)).unzip()
        };
        let (al, an) = fix(a, na);
        let (bl, bn) = fix(b, nb);
        prop_assert_eq!(all_pairs_overlap(&al, &an, na, &bl, &bn, nb), naive_overlap(&al, &an, na, &bl, &bn, nb));
    }

    #[test]
    fn overlap_many_lists(
        a in prop::collection::vec((0u32..70_000, number(10)), 0..60),
        b in prop::collection::vec((0u32..70_000, number(10)), 0..60),
    ) {
        // List ids wider than the partition bits: the u128 key layout and the sparse count.
        let (al, an): (Vec<u32>, Vec<u64>) = a.into_iter().unzip();
        let (bl, bn): (Vec<u32>, Vec<u64>) = b.into_iter().unzip();
        let got = all_pairs_overlap(&al, &an, 70_000, &bl, &bn, 70_000);
        let want = naive_overlap(&al, &an, 70_000, &bl, &bn, 70_000);
        prop_assert_eq!(got, want);
    }

    #[test]
    fn districts_match_naive(
        numbers in prop::collection::vec(number(20), 0..80),
        table in prop::collection::vec((number(20), prop_oneof![0u32..5, Just(u32::MAX)]), 0..40),
    ) {
        let (tn, td): (Vec<u64>, Vec<u32>) = table.into_iter().unzip();
        prop_assert_eq!(district_counts(&numbers, &tn, &td, 4), naive_districts(&numbers, &tn, &td, 4));
    }
}

// ---------- same output for 1 and 2 threads ----------

#[derive(Debug, PartialEq)]
struct AllOutputs {
    band: BandMatches,
    band_sorted: BandMatches,
    sorted_offset: Option<OffsetEstimate>,
    offset: Option<OffsetEstimate>,
    sampled: Option<OffsetEstimate>,
    first: Vec<Option<u32>>,
    all: (Vec<u32>, Vec<u32>),
    prefix: Vec<Option<u32>>,
    reach: Reach,
    overlap: Overlaps,
    districts: (Vec<u64>, u64),
}

fn run_all(rows: usize) -> AllOutputs {
    let mut r = SplitMix(2024);
    let num = |r: &mut SplitMix| {
        if r.below(20) == 0 {
            16_135_550_101
        } else {
            16_130_000_000 + r.below(rows as u64 / 3)
        }
    };
    let cn: Vec<u64> = (0..rows).map(|_| num(&mut r)).collect();
    let ct: Vec<i64> = (0..rows).map(|_| r.below(50_000) as i64 * 1000).collect();
    let vn: Vec<u64> = (0..rows + 77).map(|_| num(&mut r)).collect();
    let vt: Vec<i64> = (0..rows + 77)
        .map(|_| r.below(50_000) as i64 * 1000)
        .collect();
    let idx = BandIndex::new(&cn, &ct, &vn, &vt);
    let sort = |n: &[u64], t: &[i64]| -> (Vec<u64>, Vec<i64>) {
        let mut x: Vec<(u64, i64)> = n.iter().copied().zip(t.iter().copied()).collect();
        x.sort();
        x.into_iter().unzip()
    };
    let ((scn, sct), (svn, svt)) = (sort(&cn, &ct), sort(&vn, &vt));
    let sidx = BandIndex::new(&scn, &sct, &svn, &svt);
    assert!(sidx.is_presorted());
    let sorted_offset = sidx.estimate_offset(60_000_000);
    let comp: Vec<u32> = (0..rows).map(|_| r.below(5000) as u32).collect();
    let win: Vec<u8> = (0..rows).map(|_| r.below(3) as u8).collect();
    let al: Vec<u32> = (0..rows).map(|_| r.below(300) as u32).collect();
    let bl: Vec<u32> = (0..rows).map(|_| r.below(200) as u32).collect();
    let npa: Vec<u16> = (0..2000).map(|_| 200 + r.below(800) as u16).collect();
    let nxx: Vec<Option<u16>> = (0..2000)
        .map(|_| (r.below(4) > 0).then(|| r.below(1000) as u16))
        .collect();
    let td: Vec<u32> = (0..rows).map(|_| r.below(400) as u32).collect();
    let offset = idx.estimate_offset(600_000);
    AllOutputs {
        band: idx.join(7_000, 30_000),
        band_sorted: sidx.join(7_000, 30_000),
        sorted_offset,
        offset,
        sampled: estimate_offset(&cn, &ct, &vn, &vt, 60_000_000),
        first: lookup_first(&cn, &vn),
        all: lookup_all(&cn[..rows / 4], &vn),
        prefix: prefix_match(&cn, &npa, &nxx),
        reach: reach_by_window(&cn, &comp, &win),
        overlap: all_pairs_overlap(&al, &cn, 300, &bl, &vn[..rows], 200),
        districts: district_counts(&cn, &vn[..rows], &td, 390),
    }
}

#[test]
fn one_and_two_threads_agree() -> Result<(), Box<dyn std::error::Error>> {
    // Large enough for several chunks and partitions, and for the offset sample.
    let rows = 300_000;
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()?
        .install(|| run_all(rows));
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()?
        .install(|| run_all(rows));
    let cap = callsift::join::band::OFFSET_SAMPLE_CAP;
    assert!(
        one.sampled.is_some_and(|e| e.candidates > cap),
        "sample path not reached"
    );
    assert!(!one.band.is_empty() && !one.overlap.a.is_empty());
    // The presorted path takes the same sample as the partitioned one.
    assert_eq!(one.sorted_offset, one.sampled);
    assert_eq!(one.band_sorted.len(), one.band.len());
    assert_eq!(one, two);
    Ok(())
}
