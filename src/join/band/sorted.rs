//! The presorted path of the band join: both sides already sorted by `(number, time)` (a
//! store clustered by number), merged on the input columns in fixed chunks of carrier rows.

use rayon::prelude::*;

use super::super::partition::mix;
use super::offset::sampled;
use super::*;

/// Both sides as given, each sorted by `(number, time)`; rows are positions.
pub(super) struct Sorted<'a> {
    pub(super) cn: &'a [u64],
    pub(super) ct: &'a [i64],
    pub(super) vn: &'a [u64],
    pub(super) vt: &'a [i64],
    /// Carrier rows per task ([`SORTED_CHUNK`]; smaller in tests).
    pub(super) chunk: usize,
}

/// True if `(num, t)` is non-decreasing: the whole input is one sorted run.
pub(super) fn is_sorted(num: &[u64], t: &[i64]) -> bool {
    // Chunks overlapping by one row, each checked by a plain loop (rayon's per-item `all`
    // costs more than the comparison); unsorted input fails in the first chunks.
    let n = num.len();
    (0..n.div_ceil(SORTED_CHUNK)).into_par_iter().all(|c| {
        let r = (c * SORTED_CHUNK).saturating_sub(1)..((c + 1) * SORTED_CHUNK).min(n);
        num[r.clone()]
            .windows(2)
            .zip(t[r].windows(2))
            .all(|(a, b)| (a[0], b[0]) <= (a[1], b[1]))
    })
}

/// Carrier rows per task on the presorted path.
pub(super) const SORTED_CHUNK: usize = 1 << 16;

/// The presorted path: both sides as given, sorted by `(number, time)`, so that the vendor
/// rows of one number are contiguous, in time order, and equal times in row order. Carrier
/// rows are cut into fixed chunks; each chunk finds its start in the vendor rows by binary
/// search and then merges with cursors that only move forward. Every answer is a function of
/// one carrier row, so neither the chunking nor the thread count changes anything, and the
/// matches come out in carrier-row order without a reverse walk.
impl Sorted<'_> {
    pub(super) fn chunks(
        &self,
    ) -> impl IndexedParallelIterator<Item = std::ops::Range<usize>> + '_ {
        let (n, k) = (self.cn.len(), self.chunk);
        (0..n.div_ceil(k))
            .into_par_iter()
            .map(move |c| c * k..((c + 1) * k).min(n))
    }

    /// First vendor row with `(number, time) >= (n, t)`.
    pub(super) fn lower(&self, n: u64, t: i128) -> usize {
        let (a, b) = (
            self.vn.partition_point(|&x| x < n),
            self.vn.partition_point(|&x| x <= n),
        );
        a + self.vt[a..b].partition_point(|&x| (x as i128) < t)
    }

    /// Calls `f(carrier_row, lo, hi)` for every carrier row of `rows` with candidates: vendor
    /// rows `lo..hi` have its number and `|t_c - t_v| <= w`.
    pub(super) fn candidates<F: FnMut(usize, usize, usize)>(
        &self,
        rows: std::ops::Range<usize>,
        w: i64,
        mut f: F,
    ) {
        let (cn, ct, vn, vt) = (self.cn, self.ct, self.vn, self.vt);
        let Some(i0) = rows.clone().next() else {
            return;
        };
        // Saturating bounds keep their meaning: below i64::MIN, every time is >= the bound.
        let mut lo = self.lower(cn[i0], ct[i0].saturating_sub(w) as i128);
        let mut hi = lo;
        for i in rows {
            let (n, from, to) = (cn[i], ct[i].saturating_sub(w), ct[i].saturating_add(w));
            while lo < vn.len() && (vn[lo], vt[lo]) < (n, from) {
                lo += 1;
            }
            hi = hi.max(lo);
            while hi < vn.len() && (vn[hi], vt[hi]) <= (n, to) {
                hi += 1;
            }
            if hi > lo {
                f(i, lo, hi);
            }
        }
    }

    /// As [`Partitioned::offset_candidates`], chunk by chunk.
    pub(super) fn offset_candidates(&self, w: i64) -> u64 {
        self.chunks()
            .map(|r| {
                let mut n = 0u64;
                self.candidates(r, w, |_, lo, hi| n += (hi - lo) as u64);
                n
            })
            .sum()
    }

    /// As [`Partitioned::offset_sample`], with the same sample: a carrier row's candidates
    /// are in time order on both paths and the phase depends only on its number and time.
    pub(super) fn offset_sample(&self, w: i64, stride: u64) -> Vec<i64> {
        let (cn, ct, vt) = (self.cn, self.ct, self.vt);
        let parts: Vec<Vec<i64>> = self
            .chunks()
            .map(|r| {
                let mut out = Vec::new();
                self.candidates(r, w, |i, lo, hi| {
                    for &t in sampled(&vt[lo..hi], mix(cn[i]), ct[i], stride) {
                        out.push(ct[i].wrapping_sub(t));
                    }
                });
                out
            })
            .collect();
        parts.concat()
    }

    /// As [`Partitioned::candidates`], on the input columns, chunk by chunk.
    pub(super) fn all_within(&self, offset_us: i64, tolerance_us: i64) -> Vec<(u32, u32, i64)> {
        let (off, tol) = (offset_us as i128, tolerance_us as i128);
        let w = (off.unsigned_abs() + tol as u128).min(i64::MAX as u128) as i64;
        let (ct, vt) = (self.ct, self.vt);
        self.chunks()
            .map(|r| {
                let mut out = Vec::new();
                self.candidates(r, w, |i, lo, hi| {
                    for (j, &t) in vt[lo..hi].iter().enumerate() {
                        let d = ct[i] as i128 - t as i128 - off;
                        if d.abs() <= tol {
                            out.push((i as u32, (lo + j) as u32, d as i64));
                        }
                    }
                });
                out
            })
            .flatten_iter()
            .collect()
    }

    /// Calls `emit(carrier_row, vendor_row, delta)` for every match of the carrier rows
    /// `rows`, in row order. The cursors of [`join_part`], on the input columns.
    pub(super) fn merge<F: FnMut(usize, usize, i64)>(
        &self,
        rows: std::ops::Range<usize>,
        off: i128,
        tol: i128,
        mut emit: F,
    ) {
        let (cn, ct, vn, vt) = (self.cn, self.ct, self.vn, self.vt);
        let Some(i0) = rows.clone().next() else {
            return;
        };
        // q: first vendor row at or after (number, target); rs: start of the run of equal
        // (number, time) that ends at q - 1, i.e. its lowest row.
        let mut q = self.lower(cn[i0], ct[i0] as i128 - off);
        let mut rs = if q == 0 {
            0
        } else {
            self.lower(vn[q - 1], vt[q - 1] as i128)
        };
        for i in rows {
            let n = cn[i];
            let target = ct[i] as i128 - off;
            while q < vn.len() && (vn[q] < n || (vn[q] == n && (vt[q] as i128) < target)) {
                if q == 0 || vn[q] != vn[q - 1] || vt[q] != vt[q - 1] {
                    rs = q;
                }
                q += 1;
            }
            let mut best: Option<(usize, i128)> = None;
            if q > 0 && vn[q - 1] == n {
                let d = target - vt[rs] as i128;
                if d <= tol {
                    best = Some((rs, d));
                }
            }
            if q < vn.len() && vn[q] == n {
                // rs < q: at equal distance the earlier run (lower row) stays.
                let d = vt[q] as i128 - target;
                if d <= tol && best.is_none_or(|(_, dl)| d < dl) {
                    best = Some((q, -d));
                }
            }
            if let Some((j, delta)) = best {
                emit(i, j, delta as i64);
            }
        }
    }

    /// One merge per chunk writes each carrier row's vendor row (or none) into a dense
    /// column and counts the chunk's matches; each chunk is then copied straight into its
    /// place in the output (the delta is recomputed from the two times).
    pub(super) fn join(self, offset_us: i64, tolerance_us: i64) -> BandMatches {
        if tolerance_us < 0 || self.cn.is_empty() {
            return BandMatches::default();
        }
        let (off, tol) = (offset_us as i128, tolerance_us as i128);
        let mut dense = vec![NO_MATCH; self.cn.len()];
        let counts: Vec<usize> = self
            .chunks()
            .zip(dense.par_chunks_mut(self.chunk))
            .map(|(r, d)| {
                let (start, mut k) = (r.start, 0);
                self.merge(r, off, tol, |i, j, _| {
                    d[i - start] = j as u32;
                    k += 1;
                });
                k
            })
            .collect();
        let total = counts.iter().sum();
        let mut out = BandMatches::zeroed(total);
        let pieces = out.pieces_mut(&counts);
        let (ct, vt) = (self.ct, self.vt);
        self.chunks()
            .zip(dense.par_chunks(self.chunk))
            .zip(pieces)
            .for_each(|((r, d), (oc, ov, od))| {
                let mut k = 0;
                for (i, &j) in r.zip(d) {
                    if j != NO_MATCH {
                        oc[k] = i as u32;
                        ov[k] = j;
                        // |delta| <= tolerance: fits.
                        od[k] = (ct[i] as i128 - vt[j as usize] as i128 - off) as i64;
                        k += 1;
                    }
                }
                debug_assert_eq!(k, oc.len());
            });
        out
    }
}

/// No vendor row (row indices are below `u32::MAX`).
pub(super) const NO_MATCH: u32 = u32::MAX;
