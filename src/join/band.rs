//! The time-band join behind vendor attribution: carrier call records against a vendor's
//! outbound log on called number = dialed number and `|t_carrier - t_vendor - offset| <=
//! tolerance`, each carrier call taking at most the nearest vendor record.
//!
//! Both sides are hash-partitioned on the number (see the [module doc](super)); each partition is
//! sorted by a packed `u128` key `(h_low, t - t_min, index)` and the two sorted runs are merged,
//! number group by number group, with a cursor that only moves forward:
//!
//! ```text
//!  carrier (sorted by number, time)      vendor (sorted by number, time, row)
//!  n=5  t=100 ─┐                          n=5  t=  60  row 7
//!              │ target = t - offset      n=5  t=  95  row 2  ◀─ L: last time < target
//!              └──────────────▶ 100 ──▶   n=5  t= 105  row 9  ◀─ R: first time >= target
//!  n=5  t=300 ──── cursor only advances   n=5  t= 105  row 4     (equal time: the sort put
//!                                                                 row 4 first, so the run
//!                                                                 start is the lowest row)
//!  pick the nearer of L and R within the tolerance; equal distance -> lower vendor row
//! ```
//!
//! The matches are written in partition order at each carrier row's local index and put back
//! into carrier-row order by the reverse walk of the partitioning, so the output is sorted by
//! carrier row and identical for any thread count.
//!
//! The clock offset between a carrier and a vendor is estimated on the same sorted runs:
//! every pair with equal number and `|t_carrier - t_vendor| <= window` is a candidate, and the
//! offset is the lower median of their differences ([`BandIndex::estimate_offset`]). Build a
//! [`BandIndex`] once to estimate and join without sorting twice.

use super::partition::{
    bits_for, bits_for_rows, min_parts_per_task, mix, sort_parts, Layout, SortKey,
};
use rayon::prelude::*;

/// Parameters of the attribution join, in microseconds (the unit of canonical times).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BandParams {
    /// Largest `|t_carrier - t_vendor - offset|` that still matches. Default 120 s.
    pub tolerance_us: i64,
    /// Half-width of the window in which candidate pairs for the offset estimate are taken.
    /// Default 600 s.
    pub offset_window_us: i64,
}

impl Default for BandParams {
    fn default() -> Self {
        BandParams {
            tolerance_us: 120_000_000,
            offset_window_us: 600_000_000,
        }
    }
}

/// The estimated clock offset of one (carrier, vendor) pair of logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OffsetEstimate {
    /// Lower median of `t_carrier - t_vendor` over the candidate pairs (or over the sample).
    pub offset_us: i64,
    /// Number of candidate pairs (all of them, even when the median is taken on a sample).
    pub candidates: u64,
    /// Lower median of `|delta - offset_us|` (saturating): how sharp the estimate is.
    pub mad_us: i64,
}

/// Matched pairs, sorted by carrier row; at most one per carrier row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BandMatches {
    /// Carrier row (index into the carrier columns), ascending.
    pub carrier: Vec<u32>,
    /// The vendor row it was attributed to.
    pub vendor: Vec<u32>,
    /// `t_carrier - t_vendor - offset`.
    pub delta_us: Vec<i64>,
}

impl BandMatches {
    /// Number of matched pairs.
    pub fn len(&self) -> usize {
        self.carrier.len()
    }

    /// True without any match.
    pub fn is_empty(&self) -> bool {
        self.carrier.is_empty()
    }
}

/// Above this many candidate pairs, the offset is the median of a deterministic sample of
/// about this many pairs (8 MB of deltas).
pub const OFFSET_SAMPLE_CAP: u64 = 1 << 20;

/// Lower median of `t_carrier - t_vendor` over all pairs with equal number and
/// `|t_carrier - t_vendor| <= window_us`; `None` without any candidate.
///
/// Above [`OFFSET_SAMPLE_CAP`] candidates the median is taken on a deterministic sample: for
/// each carrier row, every `s`-th of its candidates (ordered by vendor time, then row) from a
/// phase derived from its number and time. The sample depends only on the data.
pub fn estimate_offset(
    carrier_num: &[u64],
    carrier_t: &[i64],
    vendor_num: &[u64],
    vendor_t: &[i64],
    window_us: i64,
) -> Option<OffsetEstimate> {
    BandIndex::new(carrier_num, carrier_t, vendor_num, vendor_t).estimate_offset(window_us)
}

/// For each carrier row, the nearest vendor row with the same number and
/// `|t_c - t_v - offset| <= tolerance` (ties: lowest vendor row), sorted by carrier row.
///
/// # Examples
/// ```
/// use callsift::join::band_join;
/// // Carrier rows 0 and 1 call 613-555-0101; the vendor dialed it at 95 and 105 (µs).
/// let m = band_join(&[16135550101, 16135550101], &[100, 900], &[16135550101; 2], &[95, 105], 0, 10);
/// assert_eq!((m.carrier, m.vendor, m.delta_us), (vec![0], vec![0], vec![5])); // tie -> lower row
/// ```
///
/// # Panics
/// If the columns of one side differ in length, or a side has more than `u32::MAX` rows.
pub fn band_join(
    carrier_num: &[u64],
    carrier_t: &[i64],
    vendor_num: &[u64],
    vendor_t: &[i64],
    offset_us: i64,
    tolerance_us: i64,
) -> BandMatches {
    BandIndex::new(carrier_num, carrier_t, vendor_num, vendor_t).join(offset_us, tolerance_us)
}

/// Both sides partitioned and sorted once, for [`estimate_offset`](Self::estimate_offset)
/// then [`join`](Self::join) (the sort does not depend on the offset).
pub struct BandIndex<'a> {
    carrier_num: &'a [u64],
    cl: Layout,
    vl: Layout,
    base: i64,
    keys: Keys,
}

enum Keys {
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
struct Packed {
    hshift: u32,
    ib: u32,
    tmask: u64,
    imask: u128,
}

#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Wide {
    /// `h_low` shifted left by the partition bits, so that its top bits lead.
    h: u64,
    t: u64,
    i: u32,
}

impl SortKey for Wide {
    #[inline]
    fn top(self, bits: u32) -> usize {
        (self.h >> (64 - bits)) as usize
    }
}

/// Field access shared by both key layouts; the merge code is generic over it.
trait BandKey: SortKey {
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

fn min_max(t: &[i64]) -> Option<(i64, i64)> {
    if t.is_empty() {
        return None;
    }
    Some(
        t.par_chunks(1 << 16)
            .map(|c| {
                c.iter()
                    .fold((i64::MAX, i64::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)))
            })
            .reduce(|| (i64::MAX, i64::MIN), |a, b| (a.0.min(b.0), a.1.max(b.1))),
    )
}

impl<'a> BandIndex<'a> {
    /// Partitions and sorts both sides.
    ///
    /// # Panics
    /// If the columns of one side differ in length, or a side has more than `u32::MAX` rows.
    pub fn new(
        carrier_num: &'a [u64],
        carrier_t: &'a [i64],
        vendor_num: &'a [u64],
        vendor_t: &'a [i64],
    ) -> Self {
        let bits = bits_for_rows(carrier_num.len().max(vendor_num.len()));
        Self::with_bits(carrier_num, carrier_t, vendor_num, vendor_t, bits)
    }

    pub(crate) fn with_bits(
        carrier_num: &'a [u64],
        carrier_t: &'a [i64],
        vendor_num: &'a [u64],
        vendor_t: &'a [i64],
        bits: u32,
    ) -> Self {
        assert_eq!(carrier_num.len(), carrier_t.len(), "carrier columns differ");
        assert_eq!(vendor_num.len(), vendor_t.len(), "vendor columns differ");
        let (cl, vl) = rayon::join(
            || Layout::new(carrier_num, bits),
            || Layout::new(vendor_num, bits),
        );
        let (cm, vm) = rayon::join(|| min_max(carrier_t), || min_max(vendor_t));
        let (base, top) = match (cm, vm) {
            (Some(a), Some(b)) => (a.0.min(b.0), a.1.max(b.1)),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => (0, 0),
        };
        let span = (top as i128 - base as i128) as u64;
        let tb = bits_for(span);
        let ib = bits_for(cl.max_part_len().saturating_sub(1) as u64)
            .max(bits_for(vendor_num.len().saturating_sub(1) as u64));
        let hshift = 64 + bits;
        let rel = move |t: i64| (t as i128 - base as i128) as u64;
        let low = cl.low_mask();
        let keys = if tb + ib <= hshift {
            let codec = Packed {
                hshift,
                ib,
                tmask: if tb == 64 { u64::MAX } else { (1u64 << tb) - 1 },
                imask: (1u128 << ib) - 1,
            };
            let pack = move |h: u64, t: i64, i: u32| {
                (((h & low) as u128) << hshift) | ((rel(t) as u128) << ib) | i as u128
            };
            let mut c = vec![0u128; carrier_num.len()];
            let mut v = vec![0u128; vendor_num.len()];
            rayon::join(
                || {
                    cl.scatter(carrier_num, &mut c, |row, h, local| {
                        pack(h, carrier_t[row], local)
                    });
                    sort_parts(&cl, &mut c);
                },
                || {
                    vl.scatter(vendor_num, &mut v, |row, h, _| {
                        pack(h, vendor_t[row], row as u32)
                    });
                    sort_parts(&vl, &mut v);
                },
            );
            Keys::Packed { c, v, codec }
        } else {
            let wide = move |h: u64, t: i64, i: u32| Wide {
                h: (h & low) << bits,
                t: rel(t),
                i,
            };
            let mut c = vec![Wide::default(); carrier_num.len()];
            let mut v = vec![Wide::default(); vendor_num.len()];
            rayon::join(
                || {
                    cl.scatter(carrier_num, &mut c, |row, h, local| {
                        wide(h, carrier_t[row], local)
                    });
                    sort_parts(&cl, &mut c);
                },
                || {
                    vl.scatter(vendor_num, &mut v, |row, h, _| {
                        wide(h, vendor_t[row], row as u32)
                    });
                    sort_parts(&vl, &mut v);
                },
            );
            Keys::Wide { c, v }
        };
        BandIndex {
            carrier_num,
            cl,
            vl,
            base,
            keys,
        }
    }

    /// See [`estimate_offset`].
    pub fn estimate_offset(&self, window_us: i64) -> Option<OffsetEstimate> {
        self.estimate_offset_capped(window_us, OFFSET_SAMPLE_CAP)
    }

    pub(crate) fn estimate_offset_capped(
        &self,
        window_us: i64,
        cap: u64,
    ) -> Option<OffsetEstimate> {
        if window_us < 0 {
            return None;
        }
        let w = window_us as u64;
        let mut deltas = match &self.keys {
            Keys::Packed { c, v, codec } => self.offset_deltas(c, v, codec, w, cap),
            Keys::Wide { c, v } => self.offset_deltas(c, v, &(), w, cap),
        };
        let (candidates, ds) = (deltas.0, &mut deltas.1);
        if ds.is_empty() {
            return None;
        }
        let mid = (ds.len() - 1) / 2;
        let offset_us = *ds.select_nth_unstable(mid).1;
        for d in ds.iter_mut() {
            // Saturates only for windows wider than half the i64 range.
            *d = (*d as i128 - offset_us as i128).abs().min(i64::MAX as i128) as i64;
        }
        let mad_us = *ds.select_nth_unstable(mid).1;
        Some(OffsetEstimate {
            offset_us,
            candidates,
            mad_us,
        })
    }

    /// All candidate deltas, or a deterministic sample of about `cap` of them when there are
    /// more; with the total number of candidates.
    fn offset_deltas<K: BandKey>(
        &self,
        c: &[K],
        v: &[K],
        codec: &K::Codec,
        w: u64,
        cap: u64,
    ) -> (u64, Vec<i64>) {
        let parts = self.cl.parts();
        let total: u64 = (0..parts)
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
            .sum();
        let stride = total.div_ceil(cap.max(1)).max(1);
        let shift = self.cl.shift();
        let base = self.base;
        let parts_out: Vec<Vec<i64>> = (0..parts)
            .into_par_iter()
            .map(|p| {
                let (cp, vp) = (&c[self.cl.part_range(p)], &v[self.vl.part_range(p)]);
                let mut out = Vec::new();
                windows(cp, vp, codec, w, |ck, lo, hi| {
                    let tc = ck.t(codec) as i64;
                    let first = if stride == 1 {
                        0
                    } else {
                        // A phase from the number (the full hash) and the time: data only.
                        let h = ((p as u64) << shift) | ck.h_low(codec, self.cl.bits);
                        (mix(h ^ mix(tc.wrapping_add(base) as u64)) % stride) as usize
                    };
                    for vk in vp[lo..hi].iter().skip(first).step_by(stride as usize) {
                        out.push(tc.wrapping_sub(vk.t(codec) as i64));
                    }
                });
                out
            })
            .collect();
        (total, parts_out.concat())
    }

    /// See [`band_join`]. Consumes the index: the memory of the sorted carrier keys is
    /// reused for the matches (fresh memory costs a page fault per 4 KB, which at 10 M rows
    /// is as much as the join itself).
    pub fn join(self, offset_us: i64, tolerance_us: i64) -> BandMatches {
        if tolerance_us < 0 || self.cl.n == 0 {
            return BandMatches::default();
        }
        let (off, tol) = (offset_us as i128, tolerance_us as i128);
        let BandIndex {
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
        let mut out = BandMatches {
            carrier: vec![0; total],
            vendor: vec![0; total],
            delta_us: vec![0; total],
        };
        let mut pieces = Vec::with_capacity(chunks);
        let (mut rc, mut rv, mut rd) = (
            &mut out.carrier[..],
            &mut out.vendor[..],
            &mut out.delta_us[..],
        );
        for &len in &totals {
            let (c0, c1) = rc.split_at_mut(len);
            let (v0, v1) = rv.split_at_mut(len);
            let (d0, d1) = rd.split_at_mut(len);
            pieces.push((c0, v0, d0));
            (rc, rv, rd) = (c1, v1, d1);
        }
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
fn windows<K: BandKey, F: FnMut(K, usize, usize)>(
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
fn join_part<K: BandKey>(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(cn: &[u64], ct: &[i64], vn: &[u64], vt: &[i64], off: i64, tol: i64) -> BandMatches {
        let mut out = BandMatches::default();
        for i in 0..cn.len() {
            let mut best: Option<(usize, i128)> = None;
            for j in 0..vn.len() {
                if cn[i] != vn[j] {
                    continue;
                }
                let d = ct[i] as i128 - vt[j] as i128 - off as i128;
                if d.abs() > tol as i128 {
                    continue;
                }
                if best.is_none_or(|(_, bd)| d.abs() < bd.abs()) {
                    best = Some((j, d));
                }
            }
            if let Some((j, d)) = best {
                out.carrier.push(i as u32);
                out.vendor.push(j as u32);
                out.delta_us.push(d as i64);
            }
        }
        out
    }

    #[test]
    fn ties_and_edges() {
        // number 5: vendor at 95 (row 0), 105 (rows 1, 2): target 100 -> tie at distance 5,
        // lowest row wins (row 0).
        let cn = [5, 5, 6, 5];
        let ct = [100, 300, 100, 110];
        let vn = [5, 5, 5, 7];
        let vt = [95, 105, 105, 100];
        let got = band_join(&cn, &ct, &vn, &vt, 0, 5);
        assert_eq!(got, naive(&cn, &ct, &vn, &vt, 0, 5));
        assert_eq!(got.carrier, vec![0, 3]);
        assert_eq!(got.vendor, vec![0, 1]);
        assert_eq!(got.delta_us, vec![5, 5]);
    }

    #[test]
    fn partition_bits_and_layouts_agree() {
        let mut s = 1u64;
        let mut next = || {
            s = mix(s.wrapping_add(0x9E37));
            s
        };
        let n = 3000;
        let cn: Vec<u64> = (0..n).map(|_| next() % 300).collect();
        let ct: Vec<i64> = (0..n).map(|_| (next() % 2000) as i64).collect();
        let vn: Vec<u64> = (0..n).map(|_| next() % 300).collect();
        let vt: Vec<i64> = (0..n).map(|_| (next() % 2000) as i64).collect();
        let want = naive(&cn, &ct, &vn, &vt, 7, 20);
        for bits in [1, 2, 5, 9] {
            let idx = BandIndex::with_bits(&cn, &ct, &vn, &vt, bits);
            let e = idx.estimate_offset_capped(50, 100).unwrap();
            assert_eq!(idx.join(7, 20), want, "bits {bits}");
            let e0 = BandIndex::with_bits(&cn, &ct, &vn, &vt, 2).estimate_offset_capped(50, 100);
            assert_eq!(Some(e), e0, "sampled estimate, bits {bits}");
        }
        // Extreme times force the wide layout.
        let ct2: Vec<i64> = ct
            .iter()
            .map(|&t| if t % 2 == 0 { t } else { i64::MIN + t })
            .collect();
        let vt2: Vec<i64> = vt
            .iter()
            .map(|&t| if t % 3 == 0 { i64::MAX - t } else { t })
            .collect();
        let idx = BandIndex::new(&cn, &ct2, &vn, &vt2);
        assert!(matches!(idx.keys, Keys::Wide { .. }));
        assert_eq!(idx.join(7, 20), naive(&cn, &ct2, &vn, &vt2, 7, 20));
    }
}
