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
//! **Presorted input.** When both sides already come sorted by `(number, time)` (the store
//! clustered by number at ingest), a linear check (a few ms at 10 M rows) finds it and the same
//! cursors run on the input columns, in fixed chunks of carrier rows: no hashing, scatter,
//! sort, keys or reverse walk. The answers are identical (same tie rule, same offset sample).
//!
//! The clock offset between a carrier and a vendor is estimated on the same sorted runs:
//! every pair with equal number and `|t_carrier - t_vendor| <= window` is a candidate, and the
//! offset is the lower median of their differences ([`BandIndex::estimate_offset`]), counted
//! then sampled in passes that merge across parts of the numbers
//! ([`BandIndex::offset_candidates`], [`BandIndex::offset_sample`],
//! [`OffsetEstimate::from_sample`]). Build a
//! [`BandIndex`] once to estimate and join without sorting twice.

use super::partition::{bits_for, bits_for_rows, sort_parts, Layout};
use rayon::prelude::*;

mod offset;
mod partitioned;
mod sorted;

pub use offset::{estimate_offset, OffsetEstimate, OFFSET_SAMPLE_CAP};
use partitioned::*;
use sorted::*;

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

/// Matched pairs, sorted by carrier row: at most one per carrier row from a join
/// ([`band_join`]), every pair within the tolerance from [`BandIndex::candidates`] (sorted by
/// carrier row, then vendor row).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BandMatches {
    /// Carrier row (index into the carrier columns), ascending.
    pub carrier: Vec<u32>,
    /// The vendor row it was attributed to.
    pub vendor: Vec<u32>,
    /// `t_carrier - t_vendor - offset`.
    pub delta_us: Vec<i64>,
}

/// One piece of [`BandMatches`] columns, filled by one task.
type MatchPiece<'a> = (&'a mut [u32], &'a mut [u32], &'a mut [i64]);

impl BandMatches {
    /// `total` zeroed matches, to be filled in place.
    fn zeroed(total: usize) -> BandMatches {
        BandMatches {
            carrier: vec![0; total],
            vendor: vec![0; total],
            delta_us: vec![0; total],
        }
    }

    /// The columns cut into consecutive pieces of `lens` rows (which sum to the length), so
    /// that each piece can be filled by its own task.
    fn pieces_mut(&mut self, lens: &[usize]) -> Vec<MatchPiece<'_>> {
        let mut pieces = Vec::with_capacity(lens.len());
        let (mut rc, mut rv, mut rd) = (
            &mut self.carrier[..],
            &mut self.vendor[..],
            &mut self.delta_us[..],
        );
        for &len in lens {
            let (c0, c1) = rc.split_at_mut(len);
            let (v0, v1) = rv.split_at_mut(len);
            let (d0, d1) = rd.split_at_mut(len);
            pieces.push((c0, v0, d0));
            (rc, rv, rd) = (c1, v1, d1);
        }
        pieces
    }

    /// Number of matched pairs.
    pub fn len(&self) -> usize {
        self.carrier.len()
    }

    /// True without any match.
    pub fn is_empty(&self) -> bool {
        self.carrier.is_empty()
    }
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
///
/// When both sides already come sorted by `(number, time)` (a store clustered by number at
/// ingest), a linear check finds it and nothing is partitioned or sorted: the estimate and the
/// join merge the input columns directly ([`is_presorted`](Self::is_presorted) tells).
pub struct BandIndex<'a> {
    kind: Kind<'a>,
}

enum Kind<'a> {
    Partitioned(Box<Partitioned<'a>>),
    Sorted(Sorted<'a>),
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
        assert_eq!(carrier_num.len(), carrier_t.len(), "carrier columns differ");
        assert_eq!(vendor_num.len(), vendor_t.len(), "vendor columns differ");
        assert!(
            carrier_num.len() <= u32::MAX as usize && vendor_num.len() <= u32::MAX as usize,
            "callsift::join: at most 2^32 - 1 rows per input"
        );
        let (cs, vs) = rayon::join(
            || is_sorted(carrier_num, carrier_t),
            || is_sorted(vendor_num, vendor_t),
        );
        if cs && vs {
            return BandIndex {
                kind: Kind::Sorted(Sorted {
                    cn: carrier_num,
                    ct: carrier_t,
                    vn: vendor_num,
                    vt: vendor_t,
                    chunk: SORTED_CHUNK,
                }),
            };
        }
        let bits = bits_for_rows(carrier_num.len().max(vendor_num.len()));
        Self::with_bits(carrier_num, carrier_t, vendor_num, vendor_t, bits)
    }

    /// True if the input was found sorted and is merged without partitioning.
    pub fn is_presorted(&self) -> bool {
        matches!(self.kind, Kind::Sorted(_))
    }

    /// The partitioned path, whatever the order of the input.
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
            kind: Kind::Partitioned(Box::new(Partitioned {
                carrier_num,
                cl,
                vl,
                base,
                keys,
            })),
        }
    }

    /// Every pair (not only the nearest) of a carrier row and a vendor row with the same number
    /// and `|t_c - t_v - offset| <= tolerance`, sorted by carrier row then vendor row: the
    /// candidates of a one-to-one assignment ([`crate::join::assign`]). Empty for a negative
    /// tolerance.
    ///
    /// # Examples
    /// ```
    /// use callsift::join::BandIndex;
    /// let (cn, ct) = ([7u64, 7], [100i64, 220]);
    /// let (vn, vt) = ([7u64, 7, 8], [90i64, 200, 100]);
    /// let m = BandIndex::new(&cn, &ct, &vn, &vt).candidates(0, 30);
    /// // Row 0 (t=100) has vendor row 0 (delta 10); row 1 (t=220) has vendor row 1 (20).
    /// assert_eq!((m.carrier, m.vendor, m.delta_us), (vec![0, 1], vec![0, 1], vec![10, 20]));
    /// ```
    pub fn candidates(&self, offset_us: i64, tolerance_us: i64) -> BandMatches {
        if tolerance_us < 0 {
            return BandMatches::default();
        }
        let mut all = match &self.kind {
            Kind::Sorted(s) => s.all_within(offset_us, tolerance_us),
            Kind::Partitioned(pi) => match &pi.keys {
                Keys::Packed { c, v, codec } => pi.candidates(c, v, codec, offset_us, tolerance_us),
                Keys::Wide { c, v } => pi.candidates(c, v, &(), offset_us, tolerance_us),
            },
        };
        all.par_sort_unstable();
        BandMatches {
            carrier: all.iter().map(|x| x.0).collect(),
            vendor: all.iter().map(|x| x.1).collect(),
            delta_us: all.iter().map(|x| x.2).collect(),
        }
    }

    /// See [`band_join`]. Consumes the index: the memory of the sorted carrier keys is
    /// reused for the matches (fresh memory costs a page fault per 4 KB, which at 10 M rows
    /// is as much as the join itself).
    pub fn join(self, offset_us: i64, tolerance_us: i64) -> BandMatches {
        match self.kind {
            Kind::Sorted(s) => s.join(offset_us, tolerance_us),
            Kind::Partitioned(p) => p.join(offset_us, tolerance_us),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::join::partition::mix;

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
        assert!(matches!(&idx.kind, Kind::Partitioned(p) if matches!(p.keys, Keys::Wide { .. })));
        assert_eq!(idx.join(7, 20), naive(&cn, &ct2, &vn, &vt2, 7, 20));
    }
    #[test]
    fn presorted_path_agrees_with_partitioned() {
        let mut s = 11u64;
        let mut next = || {
            s = mix(s.wrapping_add(0x9E37));
            s
        };
        // Few numbers and a coarse clock: many equal (number, time) runs and equal distances.
        let side = |next: &mut dyn FnMut() -> u64, n: usize| {
            let mut rows: Vec<(u64, i64)> = (0..n)
                .map(|_| (next() % 200, (next() % 400) as i64 * 5))
                .collect();
            rows.sort();
            rows.into_iter().unzip::<u64, i64, Vec<u64>, Vec<i64>>()
        };
        let (cn, ct) = side(&mut next, 4000);
        let (vn, vt) = side(&mut next, 4100);
        assert!(BandIndex::new(&cn, &ct, &vn, &vt).is_presorted());
        // Chunks of 1, 7 and all rows: each chunk starts its cursors by binary search.
        let chunked = |chunk: usize| BandIndex {
            kind: Kind::Sorted(Sorted {
                cn: &cn,
                ct: &ct,
                vn: &vn,
                vt: &vt,
                chunk,
            }),
        };
        for (off, tol) in [(7, 20), (0, 0), (-13, 5), (i64::MAX, i64::MAX), (3, 2000)] {
            let want = naive(&cn, &ct, &vn, &vt, off, tol);
            assert_eq!(band_join(&cn, &ct, &vn, &vt, off, tol), want, "{off} {tol}");
            for chunk in [1, 7] {
                assert_eq!(chunked(chunk).join(off, tol), want, "{off} {tol} {chunk}");
            }
            let part = BandIndex::with_bits(&cn, &ct, &vn, &vt, 3);
            assert!(!part.is_presorted());
            assert_eq!(part.join(off, tol), want, "{off} {tol}");
        }
        for (w, cap) in [(50, 100), (50, 1 << 20), (0, 3), (3000, 1000)] {
            let a = BandIndex::new(&cn, &ct, &vn, &vt).estimate_offset_capped(w, cap);
            let b = BandIndex::with_bits(&cn, &ct, &vn, &vt, 4).estimate_offset_capped(w, cap);
            assert_eq!(a, b, "window {w} cap {cap}");
            assert_eq!(chunked(7).estimate_offset_capped(w, cap), a);
            assert!(a.is_some());
        }
        // Same answers with one thread (other chunk-to-thread assignment).
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| band_join(&cn, &ct, &vn, &vt, 7, 20));
        assert_eq!(one, naive(&cn, &ct, &vn, &vt, 7, 20));
    }

    /// Every pair within the tolerance, by brute force, sorted by (carrier row, vendor row).
    fn naive_all(
        cn: &[u64],
        ct: &[i64],
        vn: &[u64],
        vt: &[i64],
        off: i64,
        tol: i64,
    ) -> BandMatches {
        let mut out = BandMatches::default();
        for i in 0..cn.len() {
            for j in 0..vn.len() {
                let d = ct[i] as i128 - vt[j] as i128 - off as i128;
                if cn[i] == vn[j] && d.abs() <= tol as i128 {
                    out.carrier.push(i as u32);
                    out.vendor.push(j as u32);
                    out.delta_us.push(d as i64);
                }
            }
        }
        out
    }

    #[test]
    fn candidates_are_every_pair_within_the_tolerance_on_both_paths() {
        let mut s = 5u64;
        let mut next = || {
            s = mix(s.wrapping_add(0x9E37));
            s
        };
        let n = 1500;
        let cn: Vec<u64> = (0..n).map(|_| next() % 150).collect();
        let ct: Vec<i64> = (0..n).map(|_| (next() % 3000) as i64).collect();
        let vn: Vec<u64> = (0..n).map(|_| next() % 150).collect();
        let vt: Vec<i64> = (0..n).map(|_| (next() % 3000) as i64).collect();
        let mut sorted: Vec<(u64, i64)> = cn.iter().copied().zip(ct.iter().copied()).collect();
        sorted.sort();
        let (scn, sct): (Vec<u64>, Vec<i64>) = sorted.into_iter().unzip();
        let mut vsorted: Vec<(u64, i64)> = vn.iter().copied().zip(vt.iter().copied()).collect();
        vsorted.sort();
        let (svn, svt): (Vec<u64>, Vec<i64>) = vsorted.into_iter().unzip();
        for (off, tol) in [(0, 0), (7, 40), (-90, 25), (400, 300), (0, -1)] {
            let want = naive_all(&cn, &ct, &vn, &vt, off, tol);
            for bits in [1, 3, 6] {
                let got = BandIndex::with_bits(&cn, &ct, &vn, &vt, bits).candidates(off, tol);
                assert_eq!(got, want, "bits {bits}, offset {off}, tolerance {tol}");
            }
            let want = naive_all(&scn, &sct, &svn, &svt, off, tol);
            let idx = BandIndex::new(&scn, &sct, &svn, &svt);
            assert!(idx.is_presorted());
            assert_eq!(idx.candidates(off, tol), want, "presorted {off} {tol}");
            let chunked = BandIndex {
                kind: Kind::Sorted(Sorted {
                    cn: &scn,
                    ct: &sct,
                    vn: &svn,
                    vt: &svt,
                    chunk: 7,
                }),
            };
            assert_eq!(chunked.candidates(off, tol), want, "chunked {off} {tol}");
            // The nearest match of each row is one of its candidates.
            let near = band_join(&scn, &sct, &svn, &svt, off, tol);
            let pairs: std::collections::BTreeSet<(u32, u32)> = want
                .carrier
                .iter()
                .copied()
                .zip(want.vendor.iter().copied())
                .collect();
            assert!(near
                .carrier
                .iter()
                .zip(&near.vendor)
                .all(|(&c, &v)| pairs.contains(&(c, v))));
        }
    }
}
