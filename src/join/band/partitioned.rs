//! The hash-partitioned path of the band join: both sides partitioned on the number, each
//! partition sorted by a packed `u128` key `(h_low, t - t_min, index)` (or a three-field key
//! when times span more than it holds), then merged partition by partition.

use rayon::prelude::*;

use super::super::partition::{min_parts_per_task, mix, Layout, SortKey};
use super::offset::sampled;
use super::*;

/// Hash-partitioned, sorted keys of both sides.
pub(super) struct Partitioned<'a> {
    pub(super) carrier_num: &'a [u64],
    pub(super) cl: Layout,
    pub(super) vl: Layout,
    pub(super) base: i64,
    pub(super) keys: Keys,
}

pub(super) enum Keys {
    /// The common case: `(h_low, t - base, index)` in one `u128`.
    Packed {
        c: Vec<u128>,
        v: Vec<u128>,
        codec: Packed,
    },
    /// Times spanning more than the packed key can hold (millennia): three fields.
    Wide { c: Vec<Wide>, v: Vec<Wide> },
}

/// How the fields sit in a packed `u128` key: `h_low` left-aligned from bit `hshift`, the
/// relative time from bit `ib`, the index in the low `ib` bits.
#[derive(Clone, Copy)]
pub(super) struct Packed {
    pub(super) hshift: u32,
    pub(super) ib: u32,
    pub(super) tmask: u64,
    pub(super) imask: u128,
}

#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Wide {
    /// `h_low` shifted left by the partition bits, so that its top bits lead.
    pub(super) h: u64,
    pub(super) t: u64,
    pub(super) i: u32,
}

impl SortKey for Wide {
    #[inline]
    fn top(self, bits: u32) -> usize {
        (self.h >> (64 - bits)) as usize
    }
}

/// Field access shared by both key layouts; the merge code is generic over it.
pub(super) trait BandKey: SortKey {
    type Codec: Copy + Sync;
    fn h(self, c: &Self::Codec) -> u64;
    fn t(self, c: &Self::Codec) -> u64;
    fn idx(self, c: &Self::Codec) -> u32;
    /// `h_low` itself, given the partition bits.
    fn h_low(self, c: &Self::Codec, bits: u32) -> u64;
    /// The smallest key with hash field `h` and time `t` (index 0); `t <= tmax`.
    fn probe(h: u64, t: u64, c: &Self::Codec) -> Self;
    /// The key without its index: equal for equal (number, time).
    fn run(self, c: &Self::Codec) -> Self;
    /// The largest relative time a key can hold.
    fn tmax(c: &Self::Codec) -> u64;
}

impl BandKey for u128 {
    type Codec = Packed;
    #[inline]
    fn h(self, c: &Packed) -> u64 {
        (self >> c.hshift) as u64
    }
    #[inline]
    fn t(self, c: &Packed) -> u64 {
        (self >> c.ib) as u64 & c.tmask
    }
    #[inline]
    fn idx(self, c: &Packed) -> u32 {
        (self & c.imask) as u32
    }
    #[inline]
    fn h_low(self, c: &Packed, _: u32) -> u64 {
        self.h(c)
    }
    #[inline]
    fn probe(h: u64, t: u64, c: &Packed) -> Self {
        ((h as u128) << c.hshift) | ((t as u128) << c.ib)
    }
    #[inline]
    fn run(self, c: &Packed) -> Self {
        self & !c.imask
    }
    #[inline]
    fn tmax(c: &Packed) -> u64 {
        c.tmask
    }
}

impl BandKey for Wide {
    type Codec = ();
    #[inline]
    fn h(self, _: &()) -> u64 {
        self.h
    }
    #[inline]
    fn t(self, _: &()) -> u64 {
        self.t
    }
    #[inline]
    fn idx(self, _: &()) -> u32 {
        self.i
    }
    #[inline]
    fn h_low(self, _: &(), bits: u32) -> u64 {
        self.h >> bits
    }
    #[inline]
    fn probe(h: u64, t: u64, _: &()) -> Self {
        Wide { h, t, i: 0 }
    }
    #[inline]
    fn run(self, _: &()) -> Self {
        Wide { i: 0, ..self }
    }
    #[inline]
    fn tmax(_: &()) -> u64 {
        u64::MAX
    }
}

impl Partitioned<'_> {
    /// The number of candidate pairs: equal number and `|t_c - t_v| <= w`.
    pub(super) fn offset_candidates<K: BandKey>(
        &self,
        c: &[K],
        v: &[K],
        codec: &K::Codec,
        w: u64,
    ) -> u64 {
        (0..self.cl.parts())
            .into_par_iter()
            .map(|p| {
                let mut n = 0u64;
                windows(
                    &c[self.cl.part_range(p)],
                    &v[self.vl.part_range(p)],
                    codec,
                    w,
                    |_, lo, hi| n += (hi - lo) as u64,
                );
                n
            })
            .sum()
    }

    /// The deltas of the candidates that the sample keeps at `stride` (all of them at 1):
    /// each carrier key's candidates, in (time, row) order, from its phase on.
    pub(super) fn offset_sample<K: BandKey>(
        &self,
        c: &[K],
        v: &[K],
        codec: &K::Codec,
        w: u64,
        stride: u64,
    ) -> Vec<i64> {
        let shift = self.cl.shift();
        let base = self.base;
        let parts: Vec<Vec<i64>> = (0..self.cl.parts())
            .into_par_iter()
            .map(|p| {
                let (cp, vp) = (&c[self.cl.part_range(p)], &v[self.vl.part_range(p)]);
                let mut out = Vec::new();
                windows(cp, vp, codec, w, |ck, lo, hi| {
                    let tc = ck.t(codec) as i64;
                    // The number's full hash (`mix(number)`) and the time, as on the input.
                    let h = ((p as u64) << shift) | ck.h_low(codec, self.cl.bits);
                    for vk in sampled(&vp[lo..hi], h, tc.wrapping_add(base), stride) {
                        out.push(tc.wrapping_sub(vk.t(codec) as i64));
                    }
                });
                out
            })
            .collect();
        parts.concat()
    }

    /// Every pair of a carrier key and a vendor key with the same number and
    /// `|t_c - t_v - offset| <= tol`, as (carrier row, vendor row, delta), in no set order.
    /// The vendor keys in the window `|t_c - t_v| <= |offset| + tol` are scanned ([`windows`])
    /// and filtered; a carrier key's local index is mapped back to its row by the order of the
    /// scatter (rows ascending within a partition).
    pub(super) fn candidates<K: BandKey>(
        &self,
        c: &[K],
        v: &[K],
        codec: &K::Codec,
        offset_us: i64,
        tolerance_us: i64,
    ) -> Vec<(u32, u32, i64)> {
        let (off, tol) = (offset_us as i128, tolerance_us as i128);
        let w = (off.unsigned_abs() + tol as u128).min(u64::MAX as u128) as u64;
        let mut rows = vec![0u32; self.cl.n];
        self.cl
            .scatter(self.carrier_num, &mut rows, |row, _, _| row as u32);
        (0..self.cl.parts())
            .into_par_iter()
            .with_min_len(min_parts_per_task(self.cl.parts()))
            .map(|p| {
                let (cr, vr) = (self.cl.part_range(p), self.vl.part_range(p));
                let part_rows = &rows[cr.clone()];
                let vp = &v[vr];
                let mut out = Vec::new();
                windows(&c[cr], vp, codec, w, |ck, lo, hi| {
                    let tc = ck.t(codec) as i128;
                    for vk in &vp[lo..hi] {
                        let d = tc - vk.t(codec) as i128 - off;
                        if d.abs() <= tol {
                            let row = part_rows[ck.idx(codec) as usize];
                            out.push((row, vk.idx(codec), d as i64));
                        }
                    }
                });
                out
            })
            .flatten_iter()
            .collect()
    }

    pub(super) fn join(self, offset_us: i64, tolerance_us: i64) -> BandMatches {
        if tolerance_us < 0 || self.cl.n == 0 {
            return BandMatches::default();
        }
        let (off, tol) = (offset_us as i128, tolerance_us as i128);
        let Partitioned {
            carrier_num,
            cl,
            vl,
            keys,
            ..
        } = self;
        let chunks = cl.chunks();
        // Matches per (partition, chunk), to place every chunk's output exactly.
        let mut counts = vec![0u32; cl.parts() * chunks];
        let count = |p: usize, res: &[u128], out: &mut [u32]| {
            for (c, o) in out.iter_mut().enumerate() {
                *o = res[cl.segment(p, c)].iter().filter(|&&r| r != 0).count() as u32;
            }
        };
        let res: Vec<u128> = match keys {
            Keys::Packed { mut c, v, codec } => {
                let splits = cl.split_mut(&mut c);
                splits
                    .into_par_iter()
                    .zip(counts.par_chunks_mut(chunks))
                    .enumerate()
                    .with_min_len(min_parts_per_task(cl.parts()))
                    .for_each_init(Vec::new, |buf, (p, (part, cnt))| {
                        buf.clear();
                        buf.extend_from_slice(part);
                        part.fill(0);
                        join_part(buf, &v[vl.part_range(p)], &codec, off, tol, part);
                        count(p, part, cnt);
                    });
                c
            }
            Keys::Wide { c, v } => {
                let mut res = vec![0u128; cl.n];
                cl.split_mut(&mut res)
                    .into_par_iter()
                    .zip(counts.par_chunks_mut(chunks))
                    .enumerate()
                    .for_each(|(p, (part, cnt))| {
                        join_part(
                            &c[cl.part_range(p)],
                            &v[vl.part_range(p)],
                            &(),
                            off,
                            tol,
                            part,
                        );
                        count(p, part, cnt);
                    });
                res
            }
        };
        // Reverse walk, every chunk straight into its place in the output.
        let totals: Vec<usize> = (0..chunks)
            .map(|c| {
                (0..cl.parts())
                    .map(|p| counts[p * chunks + c] as usize)
                    .sum()
            })
            .collect();
        let total = totals.iter().sum();
        let mut out = BandMatches::zeroed(total);
        let pieces = out.pieces_mut(&totals);
        pieces
            .into_par_iter()
            .enumerate()
            .for_each(|(ch, (oc, ov, od))| {
                let mut cur = cl.chunk_cursors(ch);
                let mut k = 0;
                for row in cl.chunk_rows(ch) {
                    let p = cl.part_of(mix(carrier_num[row]));
                    let r = res[cur[p]];
                    cur[p] += 1;
                    if r != 0 {
                        oc[k] = row as u32;
                        ov[k] = ((r >> 64) as u64 - 1) as u32;
                        od[k] = r as u64 as i64;
                        k += 1;
                    }
                }
                debug_assert_eq!(k, oc.len());
            });
        out
    }
}

/// Calls `f(carrier_key, lo, hi)` for every carrier key of a partition, where `v[lo..hi]` are
/// the vendor keys with the same number and `|t_c - t_v| <= w`. Both runs sorted; `lo` and
/// `hi` only move forward.
pub(super) fn windows<K: BandKey, F: FnMut(K, usize, usize)>(
    c: &[K],
    v: &[K],
    codec: &K::Codec,
    w: u64,
    mut f: F,
) {
    let (mut lo, mut hi) = (0, 0);
    let tmax = K::tmax(codec);
    for &ck in c {
        let (h, t) = (ck.h(codec), ck.t(codec));
        let from = K::probe(h, t.saturating_sub(w), codec);
        let to = K::probe(h, t.saturating_add(w).min(tmax), codec);
        while lo < v.len() && v[lo] < from {
            lo += 1;
        }
        hi = hi.max(lo);
        while hi < v.len() && v[hi].run(codec) <= to {
            hi += 1;
        }
        if hi > lo {
            f(ck, lo, hi);
        }
    }
}

/// Joins one partition; writes `(vendor_row + 1) << 64 | delta` at each matched carrier key's
/// local index (`res` is zero on entry).
pub(super) fn join_part<K: BandKey>(
    c: &[K],
    v: &[K],
    codec: &K::Codec,
    offset: i128,
    tol: i128,
    res: &mut [u128],
) {
    // q: first vendor key at or after (number, target); rs: start of the run of equal
    // (number, time) that ends at q - 1. Both only move forward: carrier keys are sorted by
    // (number, time) and the target is the time minus a constant.
    let (mut q, mut rs) = (0usize, 0usize);
    let tmax = K::tmax(codec);
    for &ck in c {
        let h = ck.h(codec);
        let target = ck.t(codec) as i128 - offset;
        // Packed keys compare as (number, time, index): one integer comparison per step.
        let (probe, inclusive) = if target > tmax as i128 {
            (K::probe(h, tmax, codec), true)
        } else {
            (K::probe(h, target.max(0) as u64, codec), false)
        };
        while q < v.len() && (v[q] < probe || (inclusive && v[q].run(codec) <= probe)) {
            if q == 0 || v[q].run(codec) != v[q - 1].run(codec) {
                rs = q;
            }
            q += 1;
        }
        let mut best: Option<(usize, i128)> = None;
        if q > 0 && v[q - 1].h(codec) == h {
            let d = target - v[rs].t(codec) as i128;
            if d <= tol {
                best = Some((rs, d));
            }
        }
        if q < v.len() && v[q].h(codec) == h {
            let d = v[q].t(codec) as i128 - target;
            let better = match best {
                None => true,
                Some((l, dl)) => d < dl || (d == dl && v[q].idx(codec) < v[l].idx(codec)),
            };
            if d <= tol && better {
                best = Some((q, -d));
            }
        }
        if let Some((k, delta)) = best {
            res[ck.idx(codec) as usize] =
                ((v[k].idx(codec) as u128 + 1) << 64) | (delta as i64 as u64) as u128;
        }
    }
}
