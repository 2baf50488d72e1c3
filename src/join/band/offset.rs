//! The clock offset of a (carrier, vendor) pair of logs, estimated on the band join's sorted
//! runs, in passes that merge exactly across any split of the numbers.
//!
//! **Candidates.** Every pair of a carrier row and a vendor row with the same number and
//! `|t_carrier - t_vendor| <= window` is a candidate; the offset is the lower median of their
//! deltas `t_carrier - t_vendor`, and the MAD the lower median of `|delta - offset|`.
//!
//! **Sample.** Above [`OFFSET_SAMPLE_CAP`] candidates the medians are taken on a deterministic
//! sample: with the stride `s = ceil(candidates / cap)`, each carrier row keeps every `s`-th of
//! its candidates (ordered by vendor time) from a phase in `0..s` that is a hash of its number
//! and its time. What a carrier row contributes thus depends only on its own number, its time,
//! the vendor times of its number and the stride: never on the other numbers.
//!
//! **By part.** So a split of the numbers into parts that share no number (the store's parts,
//! [`crate::partition`]) estimates exactly what the whole does, in two passes and a merge:
//!
//! ```text
//!  pass 1, per part:  BandIndex::offset_candidates(w)      ──▶ n_p        (integers: they add)
//!                                                              N = Σ n_p
//!  pass 2, per part:  BandIndex::offset_sample(w, N)       ──▶ deltas_p   (stride from N)
//!  merge, once:       OffsetEstimate::from_sample(N, deltas_0 ++ deltas_1 ++ …)
//!                     == BandIndex::estimate_offset(w) on the whole
//! ```
//!
//! The part samples, put together, are the whole's sample as a multiset (the medians do not
//! depend on the order). [`BandIndex::estimate_offset`] is these same passes on one part.

use super::super::partition::mix;
use super::{BandIndex, Keys, Kind};
use serde::{Deserialize, Serialize};

/// Above this many candidate pairs, the offset is the median of a deterministic sample of
/// about this many pairs (8 MB of deltas).
pub const OFFSET_SAMPLE_CAP: u64 = 1 << 20;

/// The estimated clock offset of one (carrier, vendor) pair of logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetEstimate {
    /// Lower median of `t_carrier - t_vendor` over the candidate pairs (or over the sample).
    pub offset_us: i64,
    /// Number of candidate pairs (all of them, even when the median is taken on a sample).
    pub candidates: u64,
    /// Lower median of `|delta - offset_us|` (saturating): how sharp the estimate is.
    pub mad_us: i64,
}

impl OffsetEstimate {
    /// The estimate from `candidates`, the number of candidate pairs of the whole, and
    /// `deltas`, the sampled deltas of every part ([`BandIndex::offset_sample`]) put together
    /// in any order. `None` when the sample is empty (no candidate, or, rarely, a sample whose
    /// every carrier row's phase fell past its candidates).
    ///
    /// # Examples
    /// ```
    /// use callsift::join::{BandIndex, OffsetEstimate};
    /// // Two parts that share no number; the vendor clock runs 10 µs behind.
    /// let (a, b) = (([1u64, 1], [100i64, 200]), ([2u64], [300i64]));
    /// let (av, bv) = (([1u64, 1], [90i64, 191]), ([2u64], [288i64]));
    /// let pa = BandIndex::new(&a.0, &a.1, &av.0, &av.1);
    /// let pb = BandIndex::new(&b.0, &b.1, &bv.0, &bv.1);
    /// let total = pa.offset_candidates(50) + pb.offset_candidates(50);
    /// let mut deltas = pa.offset_sample(50, total);
    /// deltas.extend(pb.offset_sample(50, total));
    /// let est = OffsetEstimate::from_sample(total, deltas).unwrap();
    /// assert_eq!((est.offset_us, est.candidates, est.mad_us), (10, 3, 1));
    /// // The same as the whole's.
    /// let whole = BandIndex::new(&[1, 1, 2], &[100, 200, 300], &[1, 1, 2], &[90, 191, 288]);
    /// assert_eq!(whole.estimate_offset(50), Some(est));
    /// ```
    pub fn from_sample(candidates: u64, mut deltas: Vec<i64>) -> Option<OffsetEstimate> {
        if deltas.is_empty() {
            return None;
        }
        let mid = (deltas.len() - 1) / 2;
        let offset_us = *deltas.select_nth_unstable(mid).1;
        for d in deltas.iter_mut() {
            // Saturates only for windows wider than half the i64 range.
            *d = (*d as i128 - offset_us as i128).abs().min(i64::MAX as i128) as i64;
        }
        let mad_us = *deltas.select_nth_unstable(mid).1;
        Some(OffsetEstimate {
            offset_us,
            candidates,
            mad_us,
        })
    }
}

/// Lower median of `t_carrier - t_vendor` over all pairs with equal number and
/// `|t_carrier - t_vendor| <= window_us`; `None` without any candidate.
///
/// Above [`OFFSET_SAMPLE_CAP`] candidates the median is taken on a deterministic sample
/// ([`BandIndex::offset_sample`]). The sample depends only on the data.
pub fn estimate_offset(
    carrier_num: &[u64],
    carrier_t: &[i64],
    vendor_num: &[u64],
    vendor_t: &[i64],
    window_us: i64,
) -> Option<OffsetEstimate> {
    BandIndex::new(carrier_num, carrier_t, vendor_num, vendor_t).estimate_offset(window_us)
}

/// Every how many candidates a carrier row keeps one, for `candidates` in all under `cap`.
fn stride(candidates: u64, cap: u64) -> u64 {
    candidates.div_ceil(cap.max(1)).max(1)
}

/// The sampled part of one carrier row's candidates `run` (in vendor-time order): every
/// `stride`-th from a phase that hashes the row's number (`number_hash = mix(number)`) and
/// time. The one sampling rule of both kinds of [`BandIndex`].
pub(super) fn sampled<T>(
    run: &[T],
    number_hash: u64,
    t: i64,
    stride: u64,
) -> impl Iterator<Item = &T> {
    let first = if stride == 1 {
        0
    } else {
        (mix(number_hash ^ mix(t as u64)) % stride) as usize
    };
    run.iter()
        .skip(first)
        .step_by(usize::try_from(stride).unwrap_or(usize::MAX))
}

impl BandIndex<'_> {
    /// See [`estimate_offset`]: the candidates counted, then sampled, on this index.
    pub fn estimate_offset(&self, window_us: i64) -> Option<OffsetEstimate> {
        self.estimate_offset_capped(window_us, OFFSET_SAMPLE_CAP)
    }

    pub(crate) fn estimate_offset_capped(
        &self,
        window_us: i64,
        cap: u64,
    ) -> Option<OffsetEstimate> {
        let candidates = self.offset_candidates(window_us);
        if candidates == 0 {
            return None;
        }
        let deltas = self.offset_sample_capped(window_us, candidates, cap);
        OffsetEstimate::from_sample(candidates, deltas)
    }

    /// Pass 1 of the offset estimate: the number of candidate pairs (equal number,
    /// `|t_carrier - t_vendor| <= window_us`); 0 for a negative window. Counts of parts that
    /// share no number add up to the whole's.
    ///
    /// # Examples
    /// ```
    /// use callsift::join::BandIndex;
    /// let idx = BandIndex::new(&[7, 7, 8], &[100, 500, 100], &[7, 8], &[95, 400]);
    /// assert_eq!(idx.offset_candidates(10), 1); // (7, 100) with (7, 95)
    /// assert_eq!(idx.offset_candidates(300), 2); // and (8, 100) with (8, 400)
    /// ```
    pub fn offset_candidates(&self, window_us: i64) -> u64 {
        if window_us < 0 {
            return 0;
        }
        let w = window_us as u64;
        match &self.kind {
            Kind::Sorted(s) => s.offset_candidates(window_us),
            Kind::Partitioned(pi) => match &pi.keys {
                Keys::Packed { c, v, codec } => pi.offset_candidates(c, v, codec, w),
                Keys::Wide { c, v } => pi.offset_candidates(c, v, &(), w),
            },
        }
    }

    /// Pass 2 of the offset estimate: this index's share of the sample that a whole of
    /// `total_candidates` candidates takes (the sum of every part's
    /// [`offset_candidates`](Self::offset_candidates)), as deltas `t_carrier - t_vendor` in no
    /// set order. Empty for a negative window. See [`OffsetEstimate::from_sample`] for an
    /// example.
    ///
    /// Up to [`OFFSET_SAMPLE_CAP`] in total, every candidate's delta. Above, with the stride
    /// `s = ceil(total / cap)`, each carrier row keeps every `s`-th of its candidates in vendor
    /// time order, from a phase in `0..s` hashed from its number and time: a row's share
    /// depends only on its own number, its time, the vendor times of its number and the total,
    /// so parts that share no number take between them the whole's sample.
    pub fn offset_sample(&self, window_us: i64, total_candidates: u64) -> Vec<i64> {
        self.offset_sample_capped(window_us, total_candidates, OFFSET_SAMPLE_CAP)
    }

    pub(crate) fn offset_sample_capped(
        &self,
        window_us: i64,
        total_candidates: u64,
        cap: u64,
    ) -> Vec<i64> {
        if window_us < 0 {
            return Vec::new();
        }
        let (w, s) = (window_us as u64, stride(total_candidates, cap));
        match &self.kind {
            Kind::Sorted(so) => so.offset_sample(window_us, s),
            Kind::Partitioned(pi) => match &pi.keys {
                Keys::Packed { c, v, codec } => pi.offset_sample(c, v, codec, w, s),
                Keys::Wide { c, v } => pi.offset_sample(c, v, &(), w, s),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::partition;

    /// The rows of `num`/`t` whose number is in part `p` of `k`, sorted by (number, time) if
    /// `sort`.
    fn part(num: &[u64], t: &[i64], p: u32, k: u32, sort: bool) -> (Vec<u64>, Vec<i64>) {
        let mut rows: Vec<(u64, i64)> = num
            .iter()
            .zip(t)
            .filter(|(&n, _)| partition::of(n, k) == p)
            .map(|(&n, &t)| (n, t))
            .collect();
        if sort {
            rows.sort_unstable();
        }
        rows.into_iter().unzip()
    }

    /// One part's carrier and vendor columns.
    type Part = ((Vec<u64>, Vec<i64>), (Vec<u64>, Vec<i64>));

    /// The index of a part: presorted if `sort`, else partitioned on `bits` bits.
    fn index(((cn, ct), (vn, vt)): &Part, sort: bool, bits: u32) -> BandIndex<'_> {
        if sort {
            let idx = BandIndex::new(cn, ct, vn, vt);
            assert!(idx.is_presorted());
            idx
        } else {
            BandIndex::with_bits(cn, ct, vn, vt, bits)
        }
    }

    /// The estimate of the parts of a split into `k`, by the two passes and the merge; each
    /// part sorted (the presorted kind) or not (partitioned, `bits` partition bits).
    fn by_parts(
        cols: &(Vec<u64>, Vec<i64>, Vec<u64>, Vec<i64>),
        k: u32,
        sort: bool,
        bits: u32,
        w: i64,
        cap: u64,
    ) -> Option<OffsetEstimate> {
        let parts: Vec<Part> = (0..k)
            .map(|p| {
                let c = part(&cols.0, &cols.1, p, k, sort);
                (c, part(&cols.2, &cols.3, p, k, sort))
            })
            .collect();
        let total: u64 = parts
            .iter()
            .map(|x| index(x, sort, bits).offset_candidates(w))
            .sum();
        let deltas: Vec<i64> = parts
            .iter()
            .flat_map(|x| index(x, sort, bits).offset_sample_capped(w, total, cap))
            .collect();
        OffsetEstimate::from_sample(total, deltas)
    }

    proptest! {
        /// Counted and sampled part by part, for any split of the numbers, both kinds of index
        /// on either side: the whole's estimate, sample included.
        #[test]
        fn the_estimate_merges_over_splits_by_number(
            carrier in prop::collection::vec((0u64..12, -200i64..200), 0..60),
            vendor in prop::collection::vec((0u64..12, -200i64..200), 0..60),
            k in 1u32..=7,
            w in -1i64..120,
            cap in 1u64..40,
            bits in 1u32..4,
        ) {
            let (cn, ct): (Vec<u64>, Vec<i64>) = carrier.into_iter().unzip();
            let (vn, vt): (Vec<u64>, Vec<i64>) = vendor.into_iter().unzip();
            let whole = BandIndex::with_bits(&cn, &ct, &vn, &vt, bits).estimate_offset_capped(w, cap);
            // Every candidate counts, sampled or not (a sample can come out empty: no estimate).
            let n = BandIndex::new(&cn, &ct, &vn, &vt).offset_candidates(w);
            prop_assert!(whole.is_none_or(|e| e.candidates == n));
            let cols = (cn, ct, vn, vt);
            for sort in [false, true] {
                prop_assert_eq!(by_parts(&cols, k, sort, bits, w, cap), whole, "sorted parts: {}", sort);
            }
        }
    }

    #[test]
    fn sampling_kicks_in_and_still_merges() {
        // 40 carrier rows and 40 vendor rows on 3 numbers within the window: hundreds of
        // candidates against a cap of 16.
        let cn: Vec<u64> = (0..40).map(|i| i % 3).collect();
        let ct: Vec<i64> = (0..40).map(|i| i * 7 % 50).collect();
        let vn: Vec<u64> = (0..40).map(|i| (i + 1) % 3).collect();
        let vt: Vec<i64> = (0..40).map(|i| i * 11 % 50 - 5).collect();
        let whole = BandIndex::new(&cn, &ct, &vn, &vt).estimate_offset_capped(100, 16);
        let e = whole.unwrap();
        assert!(e.candidates > 16 * 16);
        let all = BandIndex::new(&cn, &ct, &vn, &vt).estimate_offset_capped(100, u64::MAX);
        assert_eq!(all.map(|a| a.candidates), Some(e.candidates));
        let cols = (cn, ct, vn, vt);
        for k in 1..=7 {
            for sort in [false, true] {
                assert_eq!(by_parts(&cols, k, sort, 2, 100, 16), whole, "k {k} {sort}");
            }
        }
    }

    #[test]
    fn a_negative_window_has_no_candidate() {
        let idx = BandIndex::new(&[1], &[5], &[1], &[5]);
        assert_eq!(idx.offset_candidates(-1), 0);
        assert!(idx.offset_sample(-1, 10).is_empty());
        assert_eq!(idx.estimate_offset(-1), None);
        assert_eq!(OffsetEstimate::from_sample(0, Vec::new()), None);
    }
}
