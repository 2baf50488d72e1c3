//! One-to-one assignment of carrier calls to vendor attempts: given the candidate pairs of a
//! band join ([`crate::join::BandIndex::candidates`]), choose at most one attempt per call and
//! at most one call per attempt.
//!
//! Among all such matchings the chosen one is, in this order of priority:
//! 1. the one with the most pairs whose recorded caller ID agrees with the presented one;
//! 2. then the one with the most pairs;
//! 3. then the one with the least total `|delta|` (delta = t_carrier − t_vendor − offset).
//!
//! The priorities are one integer weight per pair (agreement ≫ a pair ≫ closeness), and the
//! matching of largest total weight is exact: the candidates are cut into connected components
//! (calls and attempts linked by a candidate; in practice one called number, a few calls and
//! attempts within the tolerance), a component of one pair is taken as it is, and a larger one
//! is solved by the Hungarian method (O(n²·m) for n ≤ m sides). A component too large for
//! that (more than [`EXACT_LIMIT`] steps: only hostile or degenerate logs produce one) is
//! matched greedily in the same priority order and counted in [`Assignment::greedy_components`],
//! so a result is never silently inexact.
//!
//! The answer depends only on the candidates (ties between equal-weight matchings fall to the
//! order of the candidates, which the caller gives sorted by call then attempt), so it is the
//! same for any thread count; components are solved in parallel.
//!
//! # Examples
//! ```
//! use callsift::join::assign::{assign, Candidate};
//! // One attempt (0) near two calls: a friend's call 100 s before (0) and the robocall 3 s
//! // after (1), whose recorded caller ID agrees with the presented one.
//! let c = [
//!     Candidate { call: 0, attempt: 0, distance_us: 100_000_000, agrees: false },
//!     Candidate { call: 1, attempt: 0, distance_us: 3_000_000, agrees: true },
//! ];
//! assert_eq!(assign(&c).chosen, vec![1]);
//! ```

use rayon::prelude::*;

/// A candidate pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The call (any id; equal ids are one call).
    pub call: u32,
    /// The attempt (any id; equal ids are one attempt).
    pub attempt: u32,
    /// `|delta|`, µs (non-negative).
    pub distance_us: i64,
    /// Whether the caller ID the carrier recorded agrees with the one presented.
    pub agrees: bool,
}

/// The chosen pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assignment {
    /// Indices into the candidates, ascending.
    pub chosen: Vec<usize>,
    /// Components matched greedily because they were over [`EXACT_LIMIT`].
    pub greedy_components: u64,
}

/// Largest `n² · m` (n ≤ m the two sides of a component) solved exactly: about a second.
pub const EXACT_LIMIT: u64 = 1 << 30;

/// Chooses the pairs (see the module's documentation).
pub fn assign(candidates: &[Candidate]) -> Assignment {
    assign_within(candidates, EXACT_LIMIT)
}

/// [`assign`] with another limit of exact solving (tests).
fn assign_within(candidates: &[Candidate], limit: u64) -> Assignment {
    let components = components(candidates);
    let solved: Vec<(Vec<usize>, bool)> = components
        .par_iter()
        .map(|comp| solve(candidates, comp, limit))
        .collect();
    let mut chosen: Vec<usize> = solved.iter().flat_map(|s| s.0.iter().copied()).collect();
    chosen.sort_unstable();
    Assignment {
        chosen,
        greedy_components: solved.iter().filter(|s| s.1).count() as u64,
    }
}

/// The candidates' connected components (lists of candidate indices, each ascending; the
/// components in order of their first candidate).
fn components(c: &[Candidate]) -> Vec<Vec<usize>> {
    // Union-find over calls and attempts, by dense ids.
    let mut calls: Vec<u32> = c.iter().map(|x| x.call).collect();
    let mut attempts: Vec<u32> = c.iter().map(|x| x.attempt).collect();
    calls.sort_unstable();
    calls.dedup();
    attempts.sort_unstable();
    attempts.dedup();
    let n_calls = calls.len();
    let node = |x: &Candidate| {
        (
            calls.binary_search(&x.call).unwrap_or(0),
            n_calls + attempts.binary_search(&x.attempt).unwrap_or(0),
        )
    };
    let mut parent: Vec<usize> = (0..n_calls + attempts.len()).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for x in c {
        let (a, b) = node(x);
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut index_of_root = vec![usize::MAX; parent.len()];
    let mut out: Vec<Vec<usize>> = Vec::new();
    for (i, x) in c.iter().enumerate() {
        let r = find(&mut parent, node(x).0);
        if index_of_root[r] == usize::MAX {
            index_of_root[r] = out.len();
            out.push(Vec::new());
        }
        out[index_of_root[r]].push(i);
    }
    out
}

/// The weight of a pair: agreement first, then a pair, then closeness (see the module doc).
/// `t` exceeds every distance of the component; `n` is its smaller side.
fn weight(x: &Candidate, t: i128, n: i128) -> i128 {
    let closeness = t - x.distance_us.max(0) as i128; // in 1..=t
    let pair = (n + 1) * t;
    let agreement = (n + 1) * (pair + t);
    if x.agrees {
        agreement + pair + closeness
    } else {
        pair + closeness
    }
}

/// One component: its chosen candidates, and whether it was matched greedily.
fn solve(c: &[Candidate], comp: &[usize], limit: u64) -> (Vec<usize>, bool) {
    if comp.len() == 1 {
        return (comp.to_vec(), false);
    }
    let mut rows: Vec<u32> = comp.iter().map(|&i| c[i].call).collect();
    let mut cols: Vec<u32> = comp.iter().map(|&i| c[i].attempt).collect();
    rows.sort_unstable();
    rows.dedup();
    cols.sort_unstable();
    cols.dedup();
    let transpose = rows.len() > cols.len();
    let (n, m) = if transpose {
        (cols.len(), rows.len())
    } else {
        (rows.len(), cols.len())
    };
    if (n as u64).saturating_mul(n as u64).saturating_mul(m as u64) > limit {
        return (greedy(c, comp), true);
    }
    let t = comp
        .iter()
        .map(|&i| c[i].distance_us.max(0) as i128)
        .max()
        .unwrap_or(0)
        + 1;
    // w[r][k]: the best weight of a candidate between side-n item r and side-m item k, with
    // the candidate's index (several candidates may join one call and one attempt: one per
    // (carrier, vendor) pair of logs; the heavier, then the first, counts).
    let mut w: Vec<Option<(i128, usize)>> = vec![None; n * m];
    for &i in comp {
        let r = rows.binary_search(&c[i].call).unwrap_or(0);
        let k = cols.binary_search(&c[i].attempt).unwrap_or(0);
        let (r, k) = if transpose { (k, r) } else { (r, k) };
        let wi = weight(&c[i], t, n as i128);
        let cell = &mut w[r * m + k];
        if cell.is_none_or(|(best, _)| wi > best) {
            *cell = Some((wi, i));
        }
    }
    let assigned = hungarian_max(n, m, |r, k| w[r * m + k].map_or(0, |x| x.0));
    let mut chosen: Vec<usize> = assigned
        .iter()
        .enumerate()
        .filter_map(|(r, &k)| w[r * m + k].map(|x| x.1))
        .collect();
    chosen.sort_unstable();
    (chosen, false)
}

/// Greedy in priority order: agreement, then distance, then candidate order.
fn greedy(c: &[Candidate], comp: &[usize]) -> Vec<usize> {
    let mut order = comp.to_vec();
    order.sort_by_key(|&i| (!c[i].agrees, c[i].distance_us, i));
    let mut used_calls = std::collections::HashSet::new();
    let mut used_attempts = std::collections::HashSet::new();
    let mut chosen = Vec::new();
    for i in order {
        if !used_calls.contains(&c[i].call) && !used_attempts.contains(&c[i].attempt) {
            used_calls.insert(c[i].call);
            used_attempts.insert(c[i].attempt);
            chosen.push(i);
        }
    }
    chosen.sort_unstable();
    chosen
}

/// The assignment of each of `n` rows to a distinct one of `m >= n` columns with the largest
/// total weight (`weight(r, k) >= 0`; a zero weight is "no pair" and is dropped by the caller).
/// The Hungarian method with potentials (shortest augmenting paths), on costs = −weight.
fn hungarian_max(n: usize, m: usize, weight: impl Fn(usize, usize) -> i128) -> Vec<usize> {
    // 1-based, column 0 is the virtual start (the classic formulation).
    let inf = i128::MAX / 4;
    let mut u = vec![0i128; n + 1];
    let mut v = vec![0i128; m + 1];
    let mut p = vec![0usize; m + 1];
    let mut way = vec![0usize; m + 1];
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0usize;
        let mut minv = vec![inf; m + 1];
        let mut used = vec![false; m + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = inf;
            let mut j1 = 0usize;
            for j in 1..=m {
                if !used[j] {
                    let cur = -weight(i0 - 1, j - 1) - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=m {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut row_to_col = vec![0usize; n];
    for j in 1..=m {
        if p[j] != 0 {
            row_to_col[p[j] - 1] = j - 1;
        }
    }
    row_to_col
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cand(call: u32, attempt: u32, d: i64, agrees: bool) -> Candidate {
        Candidate {
            call,
            attempt,
            distance_us: d,
            agrees,
        }
    }

    /// Every matching of the candidates (exhaustive), scored lexicographically.
    fn oracle(c: &[Candidate]) -> (u64, u64, i64) {
        fn go(
            c: &[Candidate],
            i: usize,
            calls: &mut Vec<u32>,
            atts: &mut Vec<u32>,
            score: (u64, u64, i64),
            best: &mut (u64, u64, i64),
        ) {
            if i == c.len() {
                let key = |s: (u64, u64, i64)| (s.0, s.1, -s.2);
                if key(score) > key(*best) {
                    *best = score;
                }
                return;
            }
            go(c, i + 1, calls, atts, score, best);
            let x = c[i];
            if !calls.contains(&x.call) && !atts.contains(&x.attempt) {
                calls.push(x.call);
                atts.push(x.attempt);
                let s = (
                    score.0 + x.agrees as u64,
                    score.1 + 1,
                    score.2 + x.distance_us,
                );
                go(c, i + 1, calls, atts, s, best);
                calls.pop();
                atts.pop();
            }
        }
        let mut best = (0, 0, 0);
        go(c, 0, &mut Vec::new(), &mut Vec::new(), (0, 0, 0), &mut best);
        best
    }

    fn score(c: &[Candidate], chosen: &[usize]) -> (u64, u64, i64) {
        chosen.iter().fold((0, 0, 0), |s, &i| {
            (s.0 + c[i].agrees as u64, s.1 + 1, s.2 + c[i].distance_us)
        })
    }

    fn is_one_to_one(c: &[Candidate], chosen: &[usize]) -> bool {
        let mut calls: Vec<u32> = chosen.iter().map(|&i| c[i].call).collect();
        let mut atts: Vec<u32> = chosen.iter().map(|&i| c[i].attempt).collect();
        let (n, m) = (calls.len(), atts.len());
        calls.sort_unstable();
        calls.dedup();
        atts.sort_unstable();
        atts.dedup();
        calls.len() == n && atts.len() == m
    }

    #[test]
    fn an_attempt_takes_one_call_the_nearest() {
        // A friend's call 2 minutes before the robocall, same line, neither agrees.
        let c = [cand(0, 0, 118_000_000, false), cand(1, 0, 2_000_000, false)];
        assert_eq!(assign(&c).chosen, vec![1]);
    }

    #[test]
    fn agreement_beats_distance() {
        // Two vendors dialled one line seconds apart: call 0 recorded attempt 1's caller ID.
        // Nearest-first would cross them (0-0 at 1 s, then 1-1 at 9 s); agreement keeps both
        // right.
        let c = [
            cand(0, 0, 1_000_000, false),
            cand(0, 1, 4_000_000, true),
            cand(1, 0, 5_000_000, true),
            cand(1, 1, 9_000_000, false),
        ];
        assert_eq!(assign(&c).chosen, vec![1, 2]);
    }

    #[test]
    fn a_withheld_call_is_matched_only_when_it_wins() {
        // The robocall (agreeing) and a withheld call 1 s nearer: one attempt, to the robocall.
        let c = [cand(0, 0, 2_000_000, true), cand(1, 0, 1_000_000, false)];
        assert_eq!(assign(&c).chosen, vec![0]);
        // Two attempts: the withheld call takes the second.
        let c = [
            cand(0, 0, 2_000_000, true),
            cand(1, 0, 1_000_000, false),
            cand(1, 1, 30_000_000, false),
        ];
        assert_eq!(assign(&c).chosen, vec![0, 2]);
    }

    #[test]
    fn more_pairs_beat_a_smaller_total_distance() {
        // 0-0 is nearest, but 0-1 and 1-0 match both calls.
        let c = [
            cand(0, 0, 1, false),
            cand(0, 1, 50, false),
            cand(1, 0, 60, false),
        ];
        assert_eq!(assign(&c).chosen, vec![1, 2]);
    }

    #[test]
    fn greedy_beyond_the_limit_is_counted() {
        // A complete 30 x 30 component, over a limit of 1000 steps; a 1 x 1 one beside it.
        let mut c: Vec<Candidate> = (0..30u32)
            .flat_map(|i| (0..30u32).map(move |j| cand(i, j, (i as i64 - j as i64).abs(), j == i)))
            .collect();
        c.push(cand(99, 99, 5, false));
        let a = assign_within(&c, 1000);
        assert_eq!(a.greedy_components, 1);
        assert_eq!(a.chosen.len(), 31);
        assert!(is_one_to_one(&c, &a.chosen));
        // Greedy takes the agreeing diagonal here, as the exact method does.
        assert_eq!(score(&c, &a.chosen), score(&c, &assign(&c).chosen));
        assert_eq!(assign(&c).greedy_components, 0);
    }

    proptest! {
        #[test]
        fn optimal_against_the_exhaustive_oracle(
            raw in proptest::collection::vec((0u32..4, 0u32..4, 0i64..50, any::<bool>()), 0..9)
        ) {
            let c: Vec<Candidate> = raw.iter().map(|&(a, b, d, g)| cand(a, b, d, g)).collect();
            let a = assign(&c);
            prop_assert!(is_one_to_one(&c, &a.chosen));
            prop_assert_eq!(a.greedy_components, 0);
            prop_assert_eq!(score(&c, &a.chosen), oracle(&c));
        }

        #[test]
        fn components_solve_independently(
            raw in proptest::collection::vec((0u32..6, 0u32..6, 0i64..50, any::<bool>()), 0..12)
        ) {
            // Split the candidates by call parity into two disjoint worlds (calls and attempts
            // renamed apart): the assignment of the whole is the union of the parts'.
            let c: Vec<Candidate> = raw
                .iter()
                .map(|&(a, b, d, g)| cand(a, b * 2 + a % 2, d, g))
                .collect();
            let whole = score(&c, &assign(&c).chosen);
            let (even, odd): (Vec<Candidate>, Vec<Candidate>) =
                c.iter().partition(|x| x.call % 2 == 0);
            let (se, so) = (score(&even, &assign(&even).chosen), score(&odd, &assign(&odd).chosen));
            prop_assert_eq!(whole, (se.0 + so.0, se.1 + so.1, se.2 + so.2));
        }
    }
}
