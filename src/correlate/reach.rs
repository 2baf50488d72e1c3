//! Analysis 2, reach: how many complainants each originating number reached on the incident
//! day only, in the baseline only, or in both, and whether the incident-only count is more than
//! the windows' lengths allow (exact binomial test, Benjamini–Hochberg q).
//!
//! *count* (`count`): per number, integers and extremes: distinct complainants per window
//! set, calls, first and last call, the districts reached, and the evidence row. Split the calls
//! by complainant or by originating number and the counts of the parts, merged
//! ([`ReachCounts::merge`]), are the counts of the whole.
//!
//! *finish* ([`finish`]): ln p per number, ln q, and the ranking.

use rayon::prelude::*;

use super::input::{Calls, Complainants};
use crate::config::Window;
use crate::join;
use crate::stats;
use serde::{Deserialize, Serialize};

/// Where a number's evidence row sorts: a call in the incident window first, then the earliest,
/// then the first in the case (file in case order, then line). The least is shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Evidence {
    /// 0 for a call in the incident window, else 1.
    pub not_incident: u8,
    /// The call's start, UTC µs.
    pub start: i64,
    /// The evidence file's rank in the case (its index among the manifest's inputs).
    pub file: u32,
    /// Its line or row.
    pub row: u64,
}

/// Per originating number (ascending), what its received calls add up to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReachCounts {
    /// Originating numbers, ascending.
    pub number: Vec<u64>,
    /// Distinct complainants reached in the incident window and never in the baseline.
    pub only_incident: Vec<u32>,
    /// Distinct complainants reached in the baseline window and never in the incident window.
    pub only_baseline: Vec<u32>,
    /// Distinct complainants reached in both.
    pub both: Vec<u32>,
    /// Received calls, in any window.
    pub calls: Vec<u64>,
    /// Earliest call, UTC µs.
    pub first_seen: Vec<i64>,
    /// Latest call, UTC µs.
    pub last_seen: Vec<i64>,
    /// Districts reached: codes into `Complainants::district_names`, ascending, distinct.
    pub districts: Vec<Vec<u32>>,
    /// The evidence row shown for the number.
    pub evidence: Vec<Evidence>,
}

impl ReachCounts {
    /// How many numbers.
    pub fn len(&self) -> usize {
        self.number.len()
    }

    /// Whether no number reached a complainant.
    pub fn is_empty(&self) -> bool {
        self.number.is_empty()
    }

    /// The counts of two parts that share no complainant (or no originating number): counts
    /// add, extremes take the extreme, districts unite.
    pub fn merge(&self, o: &ReachCounts) -> ReachCounts {
        let mut m = self.clone();
        m.absorb(o.clone());
        m
    }

    /// [`ReachCounts::merge`] in place: a number both hold is updated where it is, and the
    /// numbers only `o` holds are put in their places in one backward pass (their district
    /// lists moved, not copied). Nothing is allocated but room for those numbers, so a part
    /// merged into the whole costs its own size, not a copy of the whole.
    pub fn absorb(&mut self, mut o: ReachCounts) {
        let mut fresh: Vec<usize> = Vec::new();
        let mut i = 0;
        for j in 0..o.len() {
            let n = o.number[j];
            i += self.number[i..].partition_point(|&a| a < n);
            if self.number.get(i) != Some(&n) {
                fresh.push(j);
                continue;
            }
            self.only_incident[i] += o.only_incident[j];
            self.only_baseline[i] += o.only_baseline[j];
            self.both[i] += o.both[j];
            self.calls[i] += o.calls[j];
            self.first_seen[i] = self.first_seen[i].min(o.first_seen[j]);
            self.last_seen[i] = self.last_seen[i].max(o.last_seen[j]);
            self.evidence[i] = self.evidence[i].min(o.evidence[j]);
            let d = &mut self.districts[i];
            if o.districts[j].iter().any(|x| d.binary_search(x).is_err()) {
                d.extend_from_slice(&o.districts[j]);
                d.sort_unstable();
                d.dedup();
            }
        }
        if fresh.is_empty() {
            return;
        }
        let (old, total) = (self.len(), self.len() + fresh.len());
        self.number.resize(total, 0);
        self.only_incident.resize(total, 0);
        self.only_baseline.resize(total, 0);
        self.both.resize(total, 0);
        self.calls.resize(total, 0);
        self.first_seen.resize(total, 0);
        self.last_seen.resize(total, 0);
        self.districts.resize_with(total, Vec::new);
        self.evidence.resize(total, Evidence::default());
        // From the back: the larger of the next old entry and the next fresh one goes last.
        let (mut a, mut f) = (old, fresh.len());
        for w in (0..total).rev() {
            let take_fresh = f > 0 && (a == 0 || o.number[fresh[f - 1]] > self.number[a - 1]);
            if take_fresh {
                f -= 1;
                let j = fresh[f];
                self.number[w] = o.number[j];
                self.only_incident[w] = o.only_incident[j];
                self.only_baseline[w] = o.only_baseline[j];
                self.both[w] = o.both[j];
                self.calls[w] = o.calls[j];
                self.first_seen[w] = o.first_seen[j];
                self.last_seen[w] = o.last_seen[j];
                self.districts[w] = std::mem::take(&mut o.districts[j]);
                self.evidence[w] = o.evidence[j];
            } else {
                a -= 1;
                if a == w {
                    break; // the rest is in place
                }
                self.number[w] = self.number[a];
                self.only_incident[w] = self.only_incident[a];
                self.only_baseline[w] = self.only_baseline[a];
                self.both[w] = self.both[a];
                self.calls[w] = self.calls[a];
                self.first_seen[w] = self.first_seen[a];
                self.last_seen[w] = self.last_seen[a];
                self.districts[w] = std::mem::take(&mut self.districts[a]);
                self.evidence[w] = self.evidence[a];
            }
        }
    }
}

/// Where a part of the calls sits in the case: each evidence file's rank (by the part's file
/// code) and which complainants have numbers in other parts too (by dense id; empty: none).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PartOfCase<'a> {
    /// The case rank of each file code of the part's `source_file`.
    pub file_rank: &'a [u32],
    /// Complainants whose numbers fall in more than one part.
    pub spanning: &'a [bool],
}

/// What one part of the calls, split by called number, counts: its [`ReachCounts`], and for
/// the complainants whose numbers span parts, the window mask of each (originating number,
/// complainant) the part saw, which only the merge can settle ([`PartReach::finish`]).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PartReach {
    /// The part's counts, as if its complainants were all of them.
    pub counts: ReachCounts,
    /// (originating number, complainant, window mask: 1 baseline, 2 incident, 0 outside),
    /// ascending, for complainants that span parts.
    pub spans: Vec<(u64, u32, u8)>,
}

/// The window mask of a call at `t`: the bit [`join::reach_by_window`] ORs per complainant.
fn window_bit(t: i64, incident: Window, baseline: Window) -> u8 {
    if incident.contains(t) {
        join::exact::WINDOW_INCIDENT
    } else if baseline.contains(t) {
        join::exact::WINDOW_BASELINE
    } else {
        join::exact::WINDOW_OUTSIDE
    }
}

/// The mask bit of a window code (as [`join::reach_by_window`] sets it).
fn mask_of(w: u8) -> u8 {
    match w {
        join::exact::WINDOW_BASELINE => 1,
        join::exact::WINDOW_INCIDENT => 2,
        _ => 0,
    }
}

impl PartReach {
    /// Two parts' counts, put together: counts add ([`ReachCounts::merge`]), spans wait for
    /// [`PartReach::finish`].
    pub fn merge(mut self, o: PartReach) -> PartReach {
        self.spans.extend(o.spans);
        self.counts.absorb(o.counts);
        self
    }

    /// The whole's counts, once every part is merged in: each (number, complainant) seen in
    /// several parts counts once, in the window set of its masks OR-ed, not once per part.
    pub fn finish(self) -> ReachCounts {
        let PartReach {
            counts: mut whole,
            mut spans,
        } = self;
        spans.sort_unstable();
        // +1 or -1 to the set a mask names: 1 baseline only, 2 incident only, 3 both.
        let mut add = |number: u64, mask: u8, up: bool| {
            let Ok(k) = whole.number.binary_search(&number) else {
                return;
            };
            let slot = match mask {
                1 => &mut whole.only_baseline[k],
                2 => &mut whole.only_incident[k],
                3 => &mut whole.both[k],
                _ => return,
            };
            *slot = if up {
                *slot + 1
            } else {
                slot.saturating_sub(1)
            };
        };
        for run in spans.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            if run.len() < 2 {
                continue;
            }
            let mut all = 0;
            for &(n, _, m) in run {
                add(n, m, false);
                all |= m;
            }
            add(run[0].0, all, true);
        }
        whole
    }
}

/// The parts' counts merged into the whole's ([`PartReach::merge`], then
/// [`PartReach::finish`]), in any order.
pub fn merge_parts(parts: Vec<PartReach>) -> ReachCounts {
    parts
        .into_iter()
        .fold(PartReach::default(), PartReach::merge)
        .finish()
}

/// Counts the received calls `received` (rows of `calls`) with a valid caller ID, the calls
/// being all of them: the whole case's counts, which the parts' merged must equal.
#[cfg(test)]
fn count(
    calls: &Calls<'_>,
    received: &[usize],
    comp: &Complainants,
    incident: Window,
    baseline: Window,
) -> ReachCounts {
    let ranks: Vec<u32> = (0..calls.file.names.len() as u32).collect();
    let part = PartOfCase {
        file_rank: &ranks,
        spanning: &[],
    };
    count_part(calls, received, comp, (incident, baseline), part).counts
}

/// Counts one part of the calls (split by called number): see [`PartReach`].
pub(crate) fn count_part(
    calls: &Calls<'_>,
    received: &[usize],
    comp: &Complainants,
    (incident, baseline): (Window, Window),
    part: PartOfCase<'_>,
) -> PartReach {
    let win_of = |t: i64| window_bit(t, incident, baseline);
    let rows: Vec<usize> = received
        .par_iter()
        .copied()
        .filter(|&i| calls.calling(i).is_some())
        .collect();
    let caller: Vec<u64> = rows
        .par_iter()
        .map(|&i| calls.calling(i).unwrap_or(0))
        .collect();
    let comp_id: Vec<u32> = rows
        .par_iter()
        .map(|&i| comp.by_number.get(&calls.called[i]).copied().unwrap_or(0))
        .collect();
    let win: Vec<u8> = rows.par_iter().map(|&i| win_of(calls.start[i])).collect();
    let r = join::reach_by_window(&caller, &comp_id, &win);
    // Each number's rows, in number order (both `by_num` and `r.number` ascend, and every
    // number of `r` has rows).
    let mut by_num: Vec<(u64, usize)> = rows
        .par_iter()
        .enumerate()
        .map(|(k, &i)| (caller[k], i))
        .collect();
    by_num.par_sort_unstable();
    let mut run_start = Vec::with_capacity(r.number.len() + 1);
    let mut j = 0usize;
    for &num in &r.number {
        while by_num[j].0 < num {
            j += 1;
        }
        run_start.push(j);
    }
    run_start.push(by_num.len());
    type Context = (i64, i64, Vec<u32>, Evidence);
    let context: Vec<Context> = (0..r.number.len())
        .into_par_iter()
        .map(|k| {
            let mut ds: Vec<u32> = Vec::new();
            let (mut first, mut last) = (i64::MAX, i64::MIN);
            let mut ev: Option<Evidence> = None;
            for &(_, i) in &by_num[run_start[k]..run_start[k + 1]] {
                let t = calls.start[i];
                first = first.min(t);
                last = last.max(t);
                if let Some(&d) = comp.district_code.get(&calls.called[i]) {
                    ds.push(d);
                }
                let e = Evidence {
                    not_incident: u8::from(!incident.contains(t)),
                    start: t,
                    file: part
                        .file_rank
                        .get(calls.file.codes[i] as usize)
                        .copied()
                        .unwrap_or(u32::MAX),
                    row: calls.row[i],
                };
                ev = Some(ev.map_or(e, |x| x.min(e)));
            }
            ds.sort_unstable();
            ds.dedup();
            (
                first,
                last,
                ds,
                ev.unwrap_or(Evidence {
                    not_incident: 1,
                    start: 0,
                    file: 0,
                    row: 0,
                }),
            )
        })
        .collect();
    let mut c = ReachCounts {
        number: r.number,
        only_incident: r.only_incident,
        only_baseline: r.only_baseline,
        both: r.both,
        calls: r.calls,
        ..ReachCounts::default()
    };
    for (f, l, d, e) in context {
        c.first_seen.push(f);
        c.last_seen.push(l);
        c.districts.push(d);
        c.evidence.push(e);
    }
    let spans_of = |k: usize| part.spanning.get(comp_id[k] as usize) == Some(&true);
    let mut spans: Vec<(u64, u32, u8)> = (0..rows.len())
        .filter(|&k| spans_of(k))
        .map(|k| (caller[k], comp_id[k], mask_of(win[k])))
        .collect();
    spans.sort_unstable();
    spans.dedup_by(|later, kept| {
        let same = (later.0, later.1) == (kept.0, kept.1);
        if same {
            kept.2 |= later.2;
        }
        same
    });
    PartReach { counts: c, spans }
}

/// The distinct complainant numbers each of `numbers` reached (any window), in the order of
/// `numbers`.
pub(crate) fn reached_by(calls: &Calls<'_>, received: &[usize], numbers: &[u64]) -> Vec<Vec<u64>> {
    let mut out = vec![Vec::new(); numbers.len()];
    let mut sorted: Vec<(u64, usize)> = numbers.iter().copied().zip(0..).collect();
    sorted.sort_unstable();
    for &i in received {
        let Some(n) = calls.calling(i) else { continue };
        if let Ok(p) = sorted.binary_search_by_key(&n, |x| x.0) {
            out[sorted[p].1].push(calls.called[i]);
        }
    }
    for v in &mut out {
        v.sort_unstable();
        v.dedup();
    }
    out
}

/// The ranking of the numbers: ln p of each, ln q, the order (most significant first; ties:
/// more incident-only complainants, then the lower number) and the rank of each.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ranking {
    /// ln p of the one-sided exact binomial test, per number.
    pub ln_p: Vec<f64>,
    /// ln q (Benjamini–Hochberg over every number), per number.
    pub ln_q: Vec<f64>,
    /// Number indices, most significant first.
    pub order: Vec<usize>,
    /// Rank (1 = most significant), per number.
    pub rank: Vec<u64>,
}

/// The incident window's share of the two windows' time: the chance that a call of a number
/// that calls at a steady rate falls on the incident day.
pub fn incident_share(incident: Window, baseline: Window) -> f64 {
    let inc = incident.len_us() as f64;
    inc / (inc + baseline.len_us() as f64)
}

/// Ranks the numbers. A number's complainants reached in one window only are `n` trials; the
/// incident-only ones are the successes, each with the incident window's share of the time.
pub fn finish(c: &ReachCounts, incident: Window, baseline: Window) -> Ranking {
    let inc_us = incident.len_us() as u64;
    let base_us = baseline.len_us() as u64;
    let ln_p: Vec<f64> = (0..c.len())
        .map(|k| {
            let n = u64::from(c.only_incident[k]) + u64::from(c.only_baseline[k]);
            if n == 0 {
                0.0
            } else {
                stats::ln_binom_sf_ge_frac(
                    n,
                    u64::from(c.only_incident[k]),
                    inc_us,
                    inc_us + base_us,
                )
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..c.len()).collect();
    order.sort_by(|&a, &b| {
        ln_p[a]
            .total_cmp(&ln_p[b])
            .then(c.only_incident[b].cmp(&c.only_incident[a]))
            .then(c.number[a].cmp(&c.number[b]))
    });
    let rank = super::ranks_from_order(&order);
    let ln_q = stats::bh_ln_q(&ln_p);
    Ranking {
        ln_p,
        ln_q,
        order,
        rank,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{self, Call};
    use super::*;
    use proptest::prelude::*;

    fn run(rows: &[Call]) -> ReachCounts {
        let comp = testkit::arb_complainants();
        let b = testkit::calls(rows);
        let calls = Calls::new(&b).unwrap();
        let (received, _) = super::super::calls::count(&calls, &comp, None);
        count(
            &calls,
            &received,
            &comp,
            testkit::window(40, 80),
            testkit::window(0, 40),
        )
    }

    #[test]
    fn counts_complainants_per_window_set() {
        // Caller 7: complainant a (numbers 100 and 101) in both windows, b only on the
        // incident day; the late complainant (200) and the stranger (300) do not count.
        let rows = [
            Call::new(100, Some(7), 10),
            Call::new(101, Some(7), 50),
            Call::new(102, Some(7), 60),
            Call::new(102, Some(7), 61),
            Call::new(200, Some(7), 62),
            Call::new(300, Some(7), 63),
            Call::blocked(102, 64),
            Call::new(102, Some(8), 5),
        ];
        let c = run(&rows);
        assert_eq!(c.number, [7, 8]);
        assert_eq!(
            (c.only_incident, c.only_baseline, c.both, c.calls),
            (vec![1, 0], vec![0, 1], vec![1, 0], vec![4, 1])
        );
        assert_eq!((c.first_seen, c.last_seen), (vec![10, 5], vec![61, 5]));
        // Districts sorted by name: North = 0, South = 1; 102 has none.
        assert_eq!(c.districts, [vec![0, 1], vec![]]);
        // The first incident-day call (row 2, at 50) is 7's evidence; 8 has only a baseline call.
        assert_eq!((c.evidence[0].row, c.evidence[0].not_incident), (2, 0));
        assert_eq!((c.evidence[1].row, c.evidence[1].not_incident), (8, 1));
    }

    #[test]
    fn ranks_the_incident_heavy_number_first() {
        let mut c = ReachCounts {
            number: vec![1, 2, 3],
            only_incident: vec![0, 9, 9],
            only_baseline: vec![5, 0, 1],
            both: vec![0; 3],
            calls: vec![5, 9, 10],
            ..ReachCounts::default()
        };
        c.first_seen = vec![0; 3];
        let r = finish(&c, testkit::window(40, 80), testkit::window(0, 40));
        assert_eq!(r.order, [1, 2, 0]);
        assert_eq!(r.rank, [3, 1, 2]);
        // Nine of nine in a window holding half the time: p = 2^-9.
        assert!((r.ln_p[1] - (0.5f64).powi(9).ln()).abs() < 1e-12);
        assert_eq!(r.ln_p[0], 0.0);
    }

    proptest! {
        /// count(A) merged with count(B) == count(A ∪ B), for a split of the calls by
        /// complainant and for a split by originating number.
        #[test]
        fn counts_merge_over_splits(
            rows in testkit::arb_calls(40),
            by_caller in any::<bool>(),
            mask in 0u64..64,
        ) {
            let (a, b) = testkit::split(&rows, |_, r| {
                let key = if by_caller { r.calling.unwrap_or(0) } else if r.called == 101 { 100 } else { r.called };
                mask >> (key % 6) & 1 == 1
            });
            let whole = run(&testkit::split(&rows, |_, _| true).0);
            prop_assert_eq!(run(&a).merge(&run(&b)), whole);
        }

        /// Any split by called number (as the store's parts split the calls), complainant `a`'s
        /// two numbers in one part or in two: the parts merged ([`merge_parts`]) are the whole.
        #[test]
        fn parts_by_called_number_merge_into_the_whole(
            rows in testkit::arb_calls(40),
            mask in 0u64..32,
        ) {
            let comp = testkit::arb_complainants();
            let (inc, base) = (testkit::window(40, 80), testkit::window(0, 40));
            let numbered = testkit::split(&rows, |_, _| true).0;
            let side = |n: u64| mask >> (n % 5) & 1 == 1;
            let (a, b) = testkit::split(&numbered, |_, r| side(r.called));
            // `a` (dense id 0) spans the parts when its numbers fall on different sides.
            let spanning = [side(100) != side(101), false, false];
            let count_of = |rows: &[Call]| {
                let t = testkit::calls(rows);
                let calls = Calls::new(&t).unwrap();
                let (received, _) = super::super::calls::count(&calls, &comp, None);
                let ranks: Vec<u32> = (0..calls.file.names.len() as u32).collect();
                let part = PartOfCase { file_rank: &ranks, spanning: &spanning };
                count_part(&calls, &received, &comp, (inc, base), part)
            };
            let mut sides = vec![count_of(&a), count_of(&b)];
            if mask & 1 == 1 {
                sides.reverse();
            }
            prop_assert_eq!(merge_parts(sides), run(&numbered));
        }
    }
}
