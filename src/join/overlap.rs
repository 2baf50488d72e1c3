//! All-pairs list overlap: for every list of side A (uploads, campaign dialed sets) and every
//! list of side B (downloads, the complainant set), the number of distinct numbers in both,
//! without ever listing the pairs that share nothing.
//!
//! ```text
//!  memberships (list, number)     per partition, sorted by (number, list), deduplicated
//!  A: (a3, n1) (a7, n1) ...  ──▶  n1: A lists [a3 a7]   B lists [b1 b4 b9]
//!  B: (b1, n1) (b4, n1) ...       n2: A lists [a3]      B lists []          (only sizes)
//!                                 ───────────────────────────────────────────────────────
//!  inverted index of the numbers on both sides: per number, its A lists x its B lists
//!  are added into a dense n_a x n_b u32 matrix (one per thread, summed), tile by tile of A
//!  lists when the matrix would be large; the non-zero cells are read out in (a, b) order.
//! ```
//!
//! Sizes and overlaps are integer counts that add across partitions, so the result does not
//! depend on the thread count or the partitioning. When the matrix is very sparse (many
//! lists, few shared numbers: `n_a * n_b` above 64 times the number of increments) the
//! increments are instead emitted as packed `(a, b)` keys, sorted and counted.

use super::partition::{bits_for, bits_for_rows, sort_parts, Layout, SortKey};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Sizes of all lists and the overlaps of the pairs that share at least one number.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overlaps {
    /// Distinct numbers per A list, indexed by list id `0..n_a`.
    pub size_a: Vec<u64>,
    /// Distinct numbers per B list, indexed by list id `0..n_b`.
    pub size_b: Vec<u64>,
    /// A list of each overlapping pair.
    pub a: Vec<u32>,
    /// B list of each overlapping pair.
    pub b: Vec<u32>,
    /// Distinct numbers in both lists; only pairs with overlap > 0, sorted by `(a, b)`.
    pub overlap: Vec<u64>,
}

/// Cells of one dense accumulator tile (32 MB of `u32`).
const TILE_CELLS: usize = 1 << 23;

/// Per number on both sides: its A lists and its B lists (both ascending, distinct).
#[derive(Default)]
struct Shared {
    a: Vec<u32>,
    b: Vec<u32>,
    /// End of each number's run in `a` and in `b`.
    ends: Vec<(u32, u32)>,
    /// Sum over the numbers of `|A lists| * |B lists|`.
    increments: u64,
}

impl Shared {
    fn runs(&self) -> impl Iterator<Item = (&[u32], &[u32])> + '_ {
        let mut from = (0usize, 0usize);
        self.ends.iter().map(move |&(ea, eb)| {
            let r = (&self.a[from.0..ea as usize], &self.b[from.1..eb as usize]);
            from = (ea as usize, eb as usize);
            r
        })
    }
}

/// A packed `(h_low, list)` key.
trait ListKey: SortKey {
    fn pack(h_low: u64, list: u32, bits: u32) -> Self;
    /// Equal for equal numbers (within a partition).
    fn num(self, bits: u32) -> u64;
    fn list(self, bits: u32) -> u32;
}

/// `h_low << bits | list`: fits when list ids have at most `bits` bits.
impl ListKey for u64 {
    #[inline]
    fn pack(h_low: u64, list: u32, bits: u32) -> Self {
        (h_low << bits) | list as u64
    }
    #[inline]
    fn num(self, bits: u32) -> u64 {
        self >> bits
    }
    #[inline]
    fn list(self, bits: u32) -> u32 {
        (self & ((1u64 << bits) - 1)) as u32
    }
}

/// `h_low << (64 + bits) | list`.
impl ListKey for u128 {
    #[inline]
    fn pack(h_low: u64, list: u32, bits: u32) -> Self {
        ((h_low as u128) << (64 + bits)) | list as u128
    }
    #[inline]
    fn num(self, bits: u32) -> u64 {
        (self >> (64 + bits)) as u64
    }
    #[inline]
    fn list(self, _: u32) -> u32 {
        self as u32
    }
}

/// Sizes of every list and the overlap of every pair (A list, B list) that shares a number.
/// Memberships are parallel columns `(list id, number)`; a number listed twice in one list
/// counts once.
///
/// # Examples
/// ```
/// use callsift::join::all_pairs_overlap;
/// // Upload 0 = {1, 2, 3}; downloads 0 = {2, 3}, 1 = {9}.
/// let o = all_pairs_overlap(&[0, 0, 0, 0], &[1, 2, 3, 3], 1, &[0, 0, 1], &[2, 3, 9], 2);
/// assert_eq!((o.size_a, o.size_b), (vec![3], vec![2, 1]));
/// assert_eq!((o.a, o.b, o.overlap), (vec![0], vec![0], vec![2]));
/// ```
///
/// # Panics
/// If the columns of a side differ in length, a list id is not below `n_a` / `n_b`, or a side
/// has more than `u32::MAX` memberships.
pub fn all_pairs_overlap(
    a_list: &[u32],
    a_num: &[u64],
    n_a: u32,
    b_list: &[u32],
    b_num: &[u64],
    n_b: u32,
) -> Overlaps {
    assert_eq!(a_list.len(), a_num.len(), "A columns differ in length");
    assert_eq!(b_list.len(), b_num.len(), "B columns differ in length");
    let (max_a, max_b) = rayon::join(
        || a_list.par_iter().copied().max(),
        || b_list.par_iter().copied().max(),
    );
    assert!(max_a.is_none_or(|m| m < n_a), "A list id not below n_a");
    assert!(max_b.is_none_or(|m| m < n_b), "B list id not below n_b");
    // With list ids of at most `bits` bits the key `h_low << bits | list` fits a u64: half
    // the memory and twice the sort speed of u128 keys, worth a few more partitions.
    let lb = bits_for(n_a.max(n_b).saturating_sub(1) as u64);
    let n = a_num.len().max(b_num.len());
    let bits = bits_for_rows(n).max(lb.min(12).min(bits_for((n / 256) as u64)));
    let (sizes, shared) = if lb <= bits {
        index::<u64>(a_list, a_num, n_a, b_list, b_num, n_b, bits)
    } else {
        index::<u128>(a_list, a_num, n_a, b_list, b_num, n_b, bits)
    };
    let (size_a, size_b) = sizes;
    let increments: u64 = shared.iter().map(|s| s.increments).sum();
    let cells = n_a as u64 * n_b as u64;
    let (a, b, overlap) = if cells > 64 * increments + (1 << 26) {
        count_sparse(&shared)
    } else {
        count_dense(&shared, n_a as usize, n_b as usize, TILE_CELLS)
    };
    Overlaps {
        size_a,
        size_b,
        a,
        b,
        overlap,
    }
}

type Sizes = (Vec<u64>, Vec<u64>);

/// Partitions, sorts and deduplicates both sides; returns the list sizes and, per group of
/// partitions, the inverted index of the numbers found on both sides.
fn index<K: ListKey>(
    a_list: &[u32],
    a_num: &[u64],
    n_a: u32,
    b_list: &[u32],
    b_num: &[u64],
    n_b: u32,
    bits: u32,
) -> (Sizes, Vec<Shared>) {
    let (al, bl) = rayon::join(|| Layout::new(a_num, bits), || Layout::new(b_num, bits));
    let low = al.low_mask();
    let mut ak = vec![K::default(); a_num.len()];
    let mut bk = vec![K::default(); b_num.len()];
    rayon::join(
        || {
            al.scatter(a_num, &mut ak, |row, h, _| {
                K::pack(h & low, a_list[row], bits)
            });
            sort_parts(&al, &mut ak);
        },
        || {
            bl.scatter(b_num, &mut bk, |row, h, _| {
                K::pack(h & low, b_list[row], bits)
            });
            sort_parts(&bl, &mut bk);
        },
    );
    let parts = al.parts();
    let groups = (4 * rayon::current_num_threads()).min(parts);
    let per = parts.div_ceil(groups);
    let out: Vec<(Sizes, Shared)> = (0..groups)
        .into_par_iter()
        .map(|g| {
            let mut size_a = vec![0u64; n_a as usize];
            let mut size_b = vec![0u64; n_b as usize];
            let mine = (g * per)..((g + 1) * per).min(parts);
            // Upper bounds, so that the runs never move; untouched capacity costs nothing.
            let (na, nb) = mine.clone().fold((0, 0), |(x, y), p| {
                (x + al.part_range(p).len(), y + bl.part_range(p).len())
            });
            let mut sh = Shared {
                a: Vec::with_capacity(na),
                b: Vec::with_capacity(nb),
                ..Shared::default()
            };
            for p in mine {
                let (x, y) = (&ak[al.part_range(p)], &bk[bl.part_range(p)]);
                let (mut i, mut j) = (0, 0);
                while i < x.len() || j < y.len() {
                    let hx = x.get(i).map_or(u64::MAX, |k| k.num(bits));
                    let hy = y.get(j).map_or(u64::MAX, |k| k.num(bits));
                    let h = hx.min(hy);
                    // h_low < 2^62, so u64::MAX is a safe end marker.
                    let (a0, b0) = (sh.a.len(), sh.b.len());
                    let mut last = u32::MAX;
                    while i < x.len() && x[i].num(bits) == h {
                        let l = x[i].list(bits);
                        if l != last {
                            size_a[l as usize] += 1;
                            sh.a.push(l);
                            last = l;
                        }
                        i += 1;
                    }
                    last = u32::MAX;
                    while j < y.len() && y[j].num(bits) == h {
                        let l = y[j].list(bits);
                        if l != last {
                            size_b[l as usize] += 1;
                            sh.b.push(l);
                            last = l;
                        }
                        j += 1;
                    }
                    let (na, nb) = (sh.a.len() - a0, sh.b.len() - b0);
                    if na == 0 || nb == 0 {
                        sh.a.truncate(a0);
                        sh.b.truncate(b0);
                    } else {
                        sh.increments += (na * nb) as u64;
                        sh.ends.push((sh.a.len() as u32, sh.b.len() as u32));
                    }
                }
            }
            ((size_a, size_b), sh)
        })
        .collect();
    let mut size_a = vec![0u64; n_a as usize];
    let mut size_b = vec![0u64; n_b as usize];
    let mut shared = Vec::with_capacity(out.len());
    for ((sa, sb), sh) in out {
        size_a.iter_mut().zip(sa).for_each(|(t, s)| *t += s);
        size_b.iter_mut().zip(sb).for_each(|(t, s)| *t += s);
        shared.push(sh);
    }
    ((size_a, size_b), shared)
}

type Triples = (Vec<u32>, Vec<u32>, Vec<u64>);

/// Dense counting, tile by tile of A lists; one accumulator per thread, summed.
fn count_dense(shared: &[Shared], n_a: usize, n_b: usize, tile_cells: usize) -> Triples {
    let (mut ra, mut rb, mut ro) = (Vec::new(), Vec::new(), Vec::new());
    if n_a == 0 || n_b == 0 {
        return (ra, rb, ro);
    }
    let tile_rows = (tile_cells / n_b).clamp(1, n_a);
    let threads = rayon::current_num_threads().clamp(1, shared.len().max(1));
    let mut accs: Vec<Vec<u32>> = (0..threads).map(|_| vec![0u32; tile_rows * n_b]).collect();
    let mut a0 = 0;
    while a0 < n_a {
        let a1 = (a0 + tile_rows).min(n_a);
        let whole = a0 == 0 && a1 == n_a;
        let cells = (a1 - a0) * n_b;
        accs.par_iter_mut().enumerate().for_each(|(t, acc)| {
            let acc = &mut acc[..cells];
            acc.fill(0);
            for sh in shared.iter().skip(t).step_by(threads) {
                for (la, lb) in sh.runs() {
                    let la = if whole {
                        la
                    } else {
                        let lo = la.partition_point(|&a| (a as usize) < a0);
                        let hi = la.partition_point(|&a| (a as usize) < a1);
                        &la[lo..hi]
                    };
                    for &a in la {
                        let row = &mut acc[(a as usize - a0) * n_b..][..n_b];
                        for &b in lb {
                            row[b as usize] += 1;
                        }
                    }
                }
            }
        });
        // Sum the accumulators and read out the non-zero cells, in (a, b) order.
        let (first, rest) = accs.split_at_mut(1);
        let rows_per_block = (1 << 16) / n_b + 1;
        let block_cells = rows_per_block * n_b;
        let pieces: Vec<Triples> = first[0][..cells]
            .par_chunks_mut(block_cells)
            .enumerate()
            .map(|(blk, cells0)| {
                let from = blk * block_cells;
                let len = cells0.len();
                for other in rest.iter() {
                    for (x, y) in cells0.iter_mut().zip(&other[from..from + len]) {
                        *x += y;
                    }
                }
                let (mut pa, mut pb, mut po) = (Vec::new(), Vec::new(), Vec::new());
                for (i, &c) in cells0.iter().enumerate() {
                    if c != 0 {
                        let cell = from + i;
                        pa.push((a0 + cell / n_b) as u32);
                        pb.push((cell % n_b) as u32);
                        po.push(c as u64);
                    }
                }
                (pa, pb, po)
            })
            .collect();
        for (pa, pb, po) in pieces {
            ra.extend_from_slice(&pa);
            rb.extend_from_slice(&pb);
            ro.extend_from_slice(&po);
        }
        a0 = a1;
    }
    (ra, rb, ro)
}

/// Sparse counting: every increment as a packed `a << 32 | b` key, sorted and run-length
/// counted per group, then merged.
fn count_sparse(shared: &[Shared]) -> Triples {
    let per_group: Vec<Vec<(u64, u64)>> = shared
        .par_iter()
        .map(|sh| {
            let mut keys = Vec::with_capacity(sh.increments as usize);
            for (la, lb) in sh.runs() {
                for &a in la {
                    keys.extend(lb.iter().map(|&b| ((a as u64) << 32) | b as u64));
                }
            }
            keys.sort_unstable();
            run_lengths(keys.iter().map(|&k| (k, 1)))
        })
        .collect();
    let mut all: Vec<(u64, u64)> = per_group.concat();
    all.par_sort_unstable_by_key(|e| e.0);
    let merged = run_lengths(all.into_iter());
    let a = merged.iter().map(|e| (e.0 >> 32) as u32).collect();
    let b = merged.iter().map(|e| e.0 as u32).collect();
    let o = merged.iter().map(|e| e.1).collect();
    (a, b, o)
}

/// Sums the counts of equal adjacent keys.
fn run_lengths(it: impl Iterator<Item = (u64, u64)>) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for (k, c) in it {
        match out.last_mut() {
            Some(last) if last.0 == k => last.1 += c,
            _ => out.push((k, c)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(al: &[u32], an: &[u64], na: u32, bl: &[u32], bn: &[u64], nb: u32) -> Overlaps {
        use std::collections::BTreeSet;
        let sa: Vec<BTreeSet<u64>> = (0..na)
            .map(|l| {
                (0..al.len())
                    .filter(|&i| al[i] == l)
                    .map(|i| an[i])
                    .collect()
            })
            .collect();
        let sb: Vec<BTreeSet<u64>> = (0..nb)
            .map(|l| {
                (0..bl.len())
                    .filter(|&i| bl[i] == l)
                    .map(|i| bn[i])
                    .collect()
            })
            .collect();
        let mut o = Overlaps {
            size_a: sa.iter().map(|s| s.len() as u64).collect(),
            size_b: sb.iter().map(|s| s.len() as u64).collect(),
            ..Overlaps::default()
        };
        for (i, x) in sa.iter().enumerate() {
            for (j, y) in sb.iter().enumerate() {
                let c = x.intersection(y).count() as u64;
                if c > 0 {
                    o.a.push(i as u32);
                    o.b.push(j as u32);
                    o.overlap.push(c);
                }
            }
        }
        o
    }

    #[test]
    fn dense_tiles_sparse_agree() {
        let mut s = 11u64;
        let mut next = || {
            s = super::super::partition::mix(s.wrapping_add(3));
            s
        };
        let (na, nb) = (40u32, 3000u32);
        let al: Vec<u32> = (0..4000).map(|_| (next() % na as u64) as u32).collect();
        let an: Vec<u64> = (0..4000).map(|_| next() % 900).collect();
        let bl: Vec<u32> = (0..6000).map(|_| (next() % nb as u64) as u32).collect();
        let bn: Vec<u64> = (0..6000).map(|_| next() % 900).collect();
        let want = naive(&al, &an, na, &bl, &bn, nb);
        assert_eq!(all_pairs_overlap(&al, &an, na, &bl, &bn, nb), want);
        let bits = 3;
        let (_, shared) = index::<u128>(&al, &an, na, &bl, &bn, nb, bits);
        let dense = count_dense(&shared, na as usize, nb as usize, TILE_CELLS);
        assert_eq!(
            dense,
            (want.a.clone(), want.b.clone(), want.overlap.clone())
        );
        for tile in [1, 3000, 7000, 20_000] {
            assert_eq!(
                count_dense(&shared, na as usize, nb as usize, tile),
                dense,
                "{tile}"
            );
        }
        assert_eq!(count_sparse(&shared), dense);
    }
}
