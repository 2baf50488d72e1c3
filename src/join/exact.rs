//! Exact joins and group counts on phone numbers: lookups of numbers in another table
//! (subscribers, watch-lists, the population), longest-prefix match on the numbering plan, and
//! complainants reached per originating number and window.
//!
//! Lookups are radix-partitioned hash joins: both sides are scattered by a hash of the number
//! into partitions of about 64 K rows, each build partition goes into an open-addressing table
//! (at most 1.5 MB, in L2/L3), and the probe partition is looked up in its local order, so the
//! probe side is never sorted; a reverse walk of the partitioning puts the answers back in
//! probe order.
//! When the build side is small (watch-lists, subscribers: up to [`BROADCAST_MAX`] rows) one
//! table is built and probed in place, without partitioning. See the module doc of
//! [`crate::join`] for the measurements behind these choices.

use super::partition::{
    bits_for, bits_for_rows, min_parts_per_task, mix, sort_parts, unmix, Layout, LocalMap, SortBuf,
    EMPTY,
};
use rayon::prelude::*;

/// Build sides up to this many rows are looked up through one shared table (≤ 3 MB) instead
/// of being partitioned.
pub const BROADCAST_MAX: usize = 1 << 17;

/// How [`lookup_first_with`] and [`lookup_all_with`] run. All give the same answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum JoinStrategy {
    /// Broadcast for small build sides, partitioned hash otherwise.
    #[default]
    Auto,
    /// One hash table over the whole build side, probed in parallel chunks.
    Broadcast,
    /// Radix-partitioned hash join.
    PartitionedHash,
    /// Radix-partitioned sort-merge join (kept to measure against; `lookup_first` only,
    /// `lookup_all` treats it as [`JoinStrategy::PartitionedHash`]).
    PartitionedSort,
}

impl JoinStrategy {
    fn resolve(self, build_len: usize) -> JoinStrategy {
        match self {
            JoinStrategy::Auto if build_len <= BROADCAST_MAX => JoinStrategy::Broadcast,
            JoinStrategy::Auto => JoinStrategy::PartitionedHash,
            s => s,
        }
    }
}

/// For each probe key, the lowest build row holding the same key.
///
/// # Examples
/// ```
/// use callsift::join::lookup_first;
/// assert_eq!(lookup_first(&[7, 8, 7], &[9, 7, 7]), vec![Some(1), None, Some(1)]);
/// ```
pub fn lookup_first(probe: &[u64], build: &[u64]) -> Vec<Option<u32>> {
    lookup_first_with(probe, build, JoinStrategy::Auto)
}

/// [`lookup_first`] with an explicit strategy.
///
/// # Panics
/// If a side has more than `u32::MAX` rows.
pub fn lookup_first_with(probe: &[u64], build: &[u64], strategy: JoinStrategy) -> Vec<Option<u32>> {
    assert!(build.len() <= u32::MAX as usize && probe.len() <= u32::MAX as usize);
    let opt = |r: u32| (r != EMPTY).then_some(r);
    match strategy.resolve(build.len()) {
        JoinStrategy::Broadcast => {
            let mut map = LocalMap::default();
            map.reset(build.len());
            for (row, &k) in build.iter().enumerate() {
                map.get_or_insert(mix(k), row as u32);
            }
            probe
                .par_iter()
                .with_min_len(1 << 14)
                .map(|&k| opt(map.get(mix(k))))
                .collect()
        }
        s => {
            let bits = bits_for_rows(probe.len().max(build.len()));
            let (pl, bl) = rayon::join(|| Layout::new(probe, bits), || Layout::new(build, bits));
            let mut res = vec![0u32; probe.len()];
            if s == JoinStrategy::PartitionedSort {
                first_sorted(probe, build, &pl, &bl, &mut res);
            } else {
                first_hashed(probe, build, &pl, &bl, &mut res);
            }
            let mut out = vec![None; probe.len()];
            reverse_walk(&pl, probe, &mut out, opt, &res);
            out
        }
    }
}

/// Puts per-partition answers (`res`, partition-major, in local order) back in row order.
fn reverse_walk<T: Send, F: Fn(u32) -> T + Sync>(
    layout: &Layout,
    keys: &[u64],
    out: &mut [T],
    f: F,
    res: &[u32],
) {
    let mut rest = out;
    let mut pieces = Vec::with_capacity(layout.chunks());
    for c in 0..layout.chunks() {
        let (a, b) = rest.split_at_mut(layout.chunk_rows(c).len());
        pieces.push((c, a));
        rest = b;
    }
    pieces.into_par_iter().for_each(|(c, piece)| {
        let mut cur = layout.chunk_cursors(c);
        for (slot, row) in piece.iter_mut().zip(layout.chunk_rows(c)) {
            let p = layout.part_of(mix(keys[row]));
            *slot = f(res[cur[p]]);
            cur[p] += 1;
        }
    });
}

fn first_hashed(probe: &[u64], build: &[u64], pl: &Layout, bl: &Layout, res: &mut [u32]) {
    let mut bs = vec![0u128; build.len()];
    let mut ps = vec![0u64; probe.len()];
    rayon::join(
        || {
            bl.scatter(build, &mut bs, |row, h, _| {
                ((h as u128) << 64) | row as u128
            })
        },
        || pl.scatter(probe, &mut ps, |_, h, _| h),
    );
    pl.split_mut(res)
        .into_par_iter()
        .enumerate()
        .with_min_len(min_parts_per_task(pl.parts()))
        .for_each_init(LocalMap::default, |map, (p, out)| {
            let bpart = &bs[bl.part_range(p)];
            map.reset(bpart.len());
            for &e in bpart {
                map.get_or_insert((e >> 64) as u64, e as u32);
            }
            for (o, &h) in out.iter_mut().zip(&ps[pl.part_range(p)]) {
                *o = map.get(h);
            }
        });
}

fn first_sorted(probe: &[u64], build: &[u64], pl: &Layout, bl: &Layout, res: &mut [u32]) {
    // (h_low, row) and (h_low, local), h_low left-aligned.
    let hs = 64 + pl.bits;
    let low = pl.low_mask();
    let mut bs = vec![0u128; build.len()];
    let mut ps = vec![0u128; probe.len()];
    rayon::join(
        || {
            bl.scatter(build, &mut bs, |row, h, _| {
                (((h & low) as u128) << hs) | row as u128
            });
            sort_parts(bl, &mut bs);
        },
        || {
            pl.scatter(probe, &mut ps, |_, h, l| {
                (((h & low) as u128) << hs) | l as u128
            });
            sort_parts(pl, &mut ps);
        },
    );
    pl.split_mut(res)
        .into_par_iter()
        .enumerate()
        .for_each(|(p, out)| {
            let (b, q) = (&bs[bl.part_range(p)], &ps[pl.part_range(p)]);
            let mut j = 0;
            for &k in q {
                let h = k >> hs;
                while j < b.len() && (b[j] >> hs) < h {
                    j += 1;
                }
                out[k as u32 as usize] = if j < b.len() && (b[j] >> hs) == h {
                    b[j] as u32
                } else {
                    EMPTY
                };
            }
        });
}

/// All matching (probe row, build row) pairs, sorted by probe row then build row.
///
/// # Examples
/// ```
/// use callsift::join::lookup_all;
/// assert_eq!(lookup_all(&[7, 8, 7], &[9, 7, 7]), (vec![0, 0, 2, 2], vec![1, 2, 1, 2]));
/// ```
pub fn lookup_all(probe: &[u64], build: &[u64]) -> (Vec<u32>, Vec<u32>) {
    lookup_all_with(probe, build, JoinStrategy::Auto)
}

/// Build rows grouped by key: `rows[start[g]..start[g + 1]]` ascending.
#[derive(Default)]
struct Groups {
    map: LocalMap,
    start: Vec<u32>,
    rows: Vec<u32>,
}

impl Groups {
    /// Groups `(h, row)` entries; rows come in ascending order.
    fn build(&mut self, entries: impl Iterator<Item = (u64, u32)> + Clone, n: usize) {
        self.map.reset(n);
        self.start.clear();
        // Pass 1: group ids in order of first appearance, and counts.
        for (h, _) in entries.clone() {
            let g = self.map.get_or_insert(h, self.start.len() as u32);
            if g as usize == self.start.len() {
                self.start.push(0);
            }
            self.start[g as usize] += 1;
        }
        // Counts to starts (exclusive prefix), with a sentinel.
        let mut acc = 0u32;
        for s in self.start.iter_mut() {
            let c = *s;
            *s = acc;
            acc += c;
        }
        self.start.push(acc);
        self.rows.clear();
        self.rows.resize(n, 0);
        for (h, row) in entries {
            let g = self.map.get(h) as usize;
            self.rows[self.start[g] as usize] = row;
            self.start[g] += 1;
        }
        // start[g] now holds the end of g = the start of g + 1: shift back.
        for g in (1..self.start.len()).rev() {
            self.start[g] = self.start[g - 1];
        }
        self.start[0] = 0;
    }

    fn get(&self, h: u64) -> &[u32] {
        let g = self.map.get(h);
        if g == EMPTY {
            return &[];
        }
        &self.rows[self.start[g as usize] as usize..self.start[g as usize + 1] as usize]
    }
}

/// [`lookup_all`] with an explicit strategy.
///
/// # Panics
/// If a side has more than `u32::MAX` rows.
pub fn lookup_all_with(
    probe: &[u64],
    build: &[u64],
    strategy: JoinStrategy,
) -> (Vec<u32>, Vec<u32>) {
    assert!(build.len() <= u32::MAX as usize && probe.len() <= u32::MAX as usize);
    match strategy.resolve(build.len()) {
        JoinStrategy::Broadcast => {
            let mut g = Groups::default();
            g.build(
                build.iter().enumerate().map(|(r, &k)| (mix(k), r as u32)),
                build.len(),
            );
            let pieces: Vec<(Vec<u32>, Vec<u32>)> = probe
                .par_chunks(1 << 16)
                .enumerate()
                .map(|(c, ks)| {
                    let (mut a, mut b) = (Vec::new(), Vec::new());
                    for (i, &k) in ks.iter().enumerate() {
                        let rows = g.get(mix(k));
                        a.extend(std::iter::repeat_n((c << 16) as u32 + i as u32, rows.len()));
                        b.extend_from_slice(rows);
                    }
                    (a, b)
                })
                .collect();
            concat_pairs(pieces)
        }
        _ => {
            let bits = bits_for_rows(probe.len().max(build.len()));
            let (pl, bl) = rayon::join(|| Layout::new(probe, bits), || Layout::new(build, bits));
            let mut bs = vec![0u128; build.len()];
            let mut ps = vec![0u64; probe.len()];
            rayon::join(
                || {
                    bl.scatter(build, &mut bs, |row, h, _| {
                        ((h as u128) << 64) | row as u128
                    })
                },
                || pl.scatter(probe, &mut ps, |_, h, _| h),
            );
            // Per partition: the build rows grouped by key (in place of the build partition,
            // partition-major) and, per probe row, (start in that group list, count).
            let mut grouped = vec![0u32; build.len()];
            let mut span = vec![0u64; probe.len()];
            bl.split_mut(&mut grouped)
                .into_par_iter()
                .zip(pl.split_mut(&mut span))
                .enumerate()
                .with_min_len(min_parts_per_task(pl.parts()))
                .for_each_init(Groups::default, |g, (p, (gout, sout))| {
                    let bpart = &bs[bl.part_range(p)];
                    g.build(
                        bpart.iter().map(|&e| ((e >> 64) as u64, e as u32)),
                        bpart.len(),
                    );
                    gout.copy_from_slice(&g.rows);
                    for (s, &h) in sout.iter_mut().zip(&ps[pl.part_range(p)]) {
                        let gi = g.map.get(h);
                        *s = if gi == EMPTY {
                            0
                        } else {
                            let (a, b) = (g.start[gi as usize], g.start[gi as usize + 1]);
                            ((a as u64) << 32) | (b - a) as u64
                        };
                    }
                });
            let pieces: Vec<(Vec<u32>, Vec<u32>)> = (0..pl.chunks())
                .into_par_iter()
                .map(|c| {
                    let mut cur = pl.chunk_cursors(c);
                    let (mut a, mut b) = (Vec::new(), Vec::new());
                    for row in pl.chunk_rows(c) {
                        let p = pl.part_of(mix(probe[row]));
                        let s = span[cur[p]];
                        cur[p] += 1;
                        let len = s as u32 as usize;
                        if len > 0 {
                            let from = bl.part_range(p).start + (s >> 32) as usize;
                            a.extend(std::iter::repeat_n(row as u32, len));
                            b.extend_from_slice(&grouped[from..from + len]);
                        }
                    }
                    (a, b)
                })
                .collect();
            concat_pairs(pieces)
        }
    }
}

fn concat_pairs(pieces: Vec<(Vec<u32>, Vec<u32>)>) -> (Vec<u32>, Vec<u32>) {
    let n = pieces.iter().map(|p| p.0.len()).sum();
    let (mut a, mut b) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for (x, y) in pieces {
        a.extend_from_slice(&x);
        b.extend_from_slice(&y);
    }
    (a, b)
}

/// Longest-prefix match of 11-digit NANP numbers (`1NPANXXXXXX`) onto a numbering plan whose
/// rows are an area code (`npa`) with an exchange (`nxx`), or an area code alone: the lowest
/// plan row with the number's NPA-NXX, else the lowest with its NPA and no NXX, else `None`.
/// Numbers that are not 11-digit NANP, and plan rows with codes above 999, match nothing.
///
/// # Examples
/// ```
/// use callsift::join::prefix_match;
/// let (npa, nxx) = ([613, 613], [None, Some(555)]);
/// let rows = prefix_match(&[16135550101, 16134440101, 18195550101], &npa, &nxx);
/// assert_eq!(rows, vec![Some(1), Some(0), None]);
/// ```
///
/// # Panics
/// If the plan columns differ in length or the plan has more than `u32::MAX` rows.
pub fn prefix_match(
    numbers: &[u64],
    plan_npa: &[u16],
    plan_nxx: &[Option<u16>],
) -> Vec<Option<u32>> {
    assert_eq!(plan_npa.len(), plan_nxx.len(), "plan columns differ");
    assert!(plan_npa.len() <= u32::MAX as usize);
    // Dense tables: 10^6 NPA-NXX slots (4 MB) and 10^3 NPA slots.
    let mut by_exchange = vec![EMPTY; 1_000_000];
    let mut by_area = vec![EMPTY; 1_000];
    for (row, (&npa, &nxx)) in plan_npa.iter().zip(plan_nxx).enumerate().rev() {
        if npa > 999 {
            continue;
        }
        match nxx {
            Some(x) if x <= 999 => by_exchange[npa as usize * 1000 + x as usize] = row as u32,
            Some(_) => {}
            None => by_area[npa as usize] = row as u32,
        }
    }
    numbers
        .par_iter()
        .with_min_len(1 << 14)
        .map(|&n| {
            if !(10_000_000_000..20_000_000_000).contains(&n) {
                return None;
            }
            let npanxx = (n / 10_000) % 1_000_000;
            let r = by_exchange[npanxx as usize];
            let r = if r == EMPTY {
                by_area[(npanxx / 1000) as usize]
            } else {
                r
            };
            (r != EMPTY).then_some(r)
        })
        .collect()
}

/// Complainants reached per originating number, split by window. Sorted by number ascending;
/// every number of the input appears once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reach {
    /// Originating number, ascending.
    pub number: Vec<u64>,
    /// Distinct complainants called in the incident window and never in the baseline window.
    pub only_incident: Vec<u32>,
    /// Distinct complainants called in the baseline window and never in the incident window.
    pub only_baseline: Vec<u32>,
    /// Distinct complainants called in both windows.
    pub both: Vec<u32>,
    /// Calls (input rows) from the number, in any window.
    pub calls: Vec<u64>,
    /// Lowest input row of the number, to trace back to the evidence (with calls in time
    /// order, this is the earliest call).
    pub first_row: Vec<u32>,
}

/// Window code of [`reach_by_window`]'s `window` column: outside both windows (so is any
/// value other than the two below).
pub const WINDOW_OUTSIDE: u8 = 0;
/// Window code: the baseline window (e.g. the 14 days before the election).
pub const WINDOW_BASELINE: u8 = 1;
/// Window code: the incident window (e.g. election day).
pub const WINDOW_INCIDENT: u8 = 2;

/// Complainants reached per originating number and window. Parallel columns of the calls to
/// complainants: `caller` (originating number; blocked callers left out beforehand),
/// `complainant` (dense id), `window` (see [`WINDOW_BASELINE`], [`WINDOW_INCIDENT`]).
///
/// Partitioned by number; each partition is sorted on a packed `(number, complainant,
/// window, row)` key, so that one pass over a number's run counts its distinct complainants
/// per window set; the per-number rows are then sorted by number.
///
/// # Examples
/// ```
/// use callsift::join::reach_by_window;
/// // Number 5 calls complainant 0 in both windows and complainant 1 on election day.
/// let r = reach_by_window(&[5, 5, 5], &[0, 0, 1], &[1, 2, 2]);
/// assert_eq!((r.both, r.only_incident, r.only_baseline, r.calls), (vec![1], vec![1], vec![0], vec![3]));
/// ```
///
/// # Panics
/// If the columns differ in length or there are more than `u32::MAX` rows.
pub fn reach_by_window(caller: &[u64], complainant: &[u32], window: &[u8]) -> Reach {
    let n = caller.len();
    assert!(
        complainant.len() == n && window.len() == n,
        "columns differ in length"
    );
    let bits = bits_for_rows(n);
    let layout = Layout::new(caller, bits);
    let max_c = complainant.par_iter().copied().max().unwrap_or(0);
    let rb = bits_for(n.saturating_sub(1) as u64);
    let cb = bits_for(max_c as u64);
    // h_low from bit 64 + bits; complainant, 2 window bits, row below: cb + 2 + rb <= 66 <=
    // 64 + bits since bits >= 2.
    let hs = 64 + bits;
    let (cs, ws) = (2 + rb, rb);
    debug_assert!(cb + 2 + rb <= hs);
    let low = layout.low_mask();
    let mut keys = vec![0u128; n];
    layout.scatter(caller, &mut keys, |row, h, _| {
        let w = match window[row] {
            WINDOW_BASELINE => 1u128,
            WINDOW_INCIDENT => 2,
            _ => 0,
        };
        (((h & low) as u128) << hs) | ((complainant[row] as u128) << cs) | (w << ws) | row as u128
    });
    #[derive(Clone, Copy, Default)]
    struct Row {
        number: u64,
        oi: u32,
        ob: u32,
        both: u32,
        first: u32,
        calls: u64,
    }
    let shift = layout.shift();
    let per_part: Vec<Vec<Row>> = layout
        .split_mut(&mut keys)
        .into_par_iter()
        .enumerate()
        .with_min_len(min_parts_per_task(layout.parts()))
        .map_init(SortBuf::default, |sb, (p, part)| {
            super::partition::sort_part(part, sb);
            let mut out = Vec::new();
            let rmask = (1u128 << rb) - 1;
            let mut i = 0;
            while i < part.len() {
                let h = part[i] >> hs;
                let mut r = Row {
                    number: unmix(((p as u64) << shift) | h as u64),
                    first: u32::MAX,
                    ..Row::default()
                };
                while i < part.len() && part[i] >> hs == h {
                    let c = part[i] >> cs;
                    let mut mask = 0u32;
                    while i < part.len() && part[i] >> cs == c {
                        mask |= ((part[i] >> ws) & 3) as u32;
                        r.first = r.first.min((part[i] & rmask) as u32);
                        r.calls += 1;
                        i += 1;
                    }
                    match mask {
                        1 => r.ob += 1,
                        2 => r.oi += 1,
                        3 => r.both += 1,
                        _ => {}
                    }
                }
                out.push(r);
            }
            out
        })
        .collect();
    let mut rows: Vec<Row> = per_part.concat();
    rows.par_sort_unstable_by_key(|r| r.number);
    Reach {
        number: rows.par_iter().map(|r| r.number).collect(),
        only_incident: rows.par_iter().map(|r| r.oi).collect(),
        only_baseline: rows.par_iter().map(|r| r.ob).collect(),
        both: rows.par_iter().map(|r| r.both).collect(),
        calls: rows.par_iter().map(|r| r.calls).collect(),
        first_row: rows.par_iter().map(|r| r.first).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies_agree() {
        let mut s = 5u64;
        let mut next = || {
            s = mix(s.wrapping_add(1));
            s
        };
        let build: Vec<u64> = (0..200_000).map(|_| next() % 150_000).collect();
        let probe: Vec<u64> = (0..300_000).map(|_| next() % 300_000).collect();
        let want = lookup_first_with(&probe, &build, JoinStrategy::Broadcast);
        for s in [
            JoinStrategy::PartitionedHash,
            JoinStrategy::PartitionedSort,
            JoinStrategy::Auto,
        ] {
            assert_eq!(lookup_first_with(&probe, &build, s), want, "{s:?}");
        }
        for (i, w) in want.iter().enumerate().step_by(997) {
            assert_eq!(
                *w,
                build.iter().position(|&b| b == probe[i]).map(|r| r as u32)
            );
        }
        let all = lookup_all_with(&probe, &build, JoinStrategy::Broadcast);
        assert_eq!(
            lookup_all_with(&probe, &build, JoinStrategy::PartitionedHash),
            all
        );
    }

    #[test]
    fn prefix() {
        let npa = [613, 613, 819, 613];
        let nxx = [None, Some(555), Some(555), Some(555)];
        let got = prefix_match(
            &[
                16135550101,
                16134440101,
                18195550000,
                18194440000,
                6135550101,
                16131234567,
            ],
            &npa,
            &nxx,
        );
        assert_eq!(got, vec![Some(1), Some(0), Some(2), None, None, Some(0)]);
    }

    #[test]
    fn reach_small() {
        let caller = [7, 7, 7, 9, 7, 7];
        let comp = [1, 1, 2, 1, 3, 4];
        let win = [1, 2, 2, 0, 1, 0];
        let r = reach_by_window(&caller, &comp, &win);
        assert_eq!(r.number, vec![7, 9]);
        assert_eq!(r.both, vec![1, 0]);
        assert_eq!(r.only_incident, vec![1, 0]);
        assert_eq!(r.only_baseline, vec![1, 0]);
        assert_eq!(r.calls, vec![5, 1]);
        assert_eq!(r.first_row, vec![0, 3]);
    }
}
