//! The join core: the few joins and counts that callsift's analyses need, on plain column
//! slices (`&[u64]` numbers, `&[i64]` microsecond times, dense `u32` ids), answering with
//! index and count vectors. The caller holds the Arrow arrays (`PrimitiveArray::values()` gives
//! the slices) and builds output batches with `arrow::compute::take` on the indices.
//!
//! | operator | analysis | module |
//! | --- | --- | --- |
//! | [`reach_by_window`] | 2, originating numbers: complainants reached per window | [`exact`] |
//! | [`lookup_first`], [`lookup_all`] | subscribers, watch-lists, population | [`exact`] |
//! | [`prefix_match`] | 7, leads: numbering plan (NPA-NXX, then NPA) | [`exact`] |
//! | [`estimate_offset`], [`band_join`], [`BandIndex::candidates`] | 3, vendor attribution | [`band`] |
//! | [`assign::assign`] | 3, vendor attribution: one call per attempt and back | [`assign`] |
//! | [`all_pairs_overlap`] | 4 and 5, list overlaps and enrichment | [`overlap`] |
//! | [`district_counts`] | 6, spread | [`spread`] |
//!
//! # The shared first step: radix partitioning on the number
//!
//! ```text
//!   rows (number, payload)                 partition p = top bits of mix(number)
//!   ┌──────────────┐   histogram per chunk   ┌────┬────┬────┬─ ─ ─┬────┐
//!   │ chunk 0      │ ──────────────────────▶ │ p0 │ p1 │ p2 │     │ pP │  ~64 K rows each,
//!   │ chunk 1      │   stable scatter of     └────┴────┴────┴─ ─ ─┴────┘  one rayon task per
//!   └──────────────┘   packed u64/u128 keys    sorted or hashed in L2      partition
//!          ▲                                            │
//!          └──────── reverse walk (answers back in row order) ◀─┘
//! ```
//! `mix` is a fixed bijection (murmur3's finaliser), so inside a partition the low bits of
//! the hash identify the number and fill the top of a packed sort key `(number, ..., row)`.
//! Keys end in a row index, so every sort is a total order and every answer is exact and the
//! same for any thread count and partition count (tested: 1 vs 2 threads, and partition bits
//! 1 to 9 in the unit tests). Counts are integers summed per thread, then added.
//!
//! # The operators
//! ```text
//!  exact lookup (radix-partitioned hash join)
//!    build p ──▶ open-addressing table (lowest row per number)   probe p, in row order ──▶
//!    answer per probe row ──▶ reverse walk ──▶ Vec<Option<u32>> aligned with the probe
//!    build side ≤ 128 K rows: one shared table, probed in parallel chunks (no partitioning)
//!
//!  reach_by_window (sort-based)
//!    p: sort (number, complainant, window bit, row) ──▶ per number: per complainant OR of
//!    window bits ──▶ only_incident / only_baseline / both, calls, min row ──▶ sort by number
//!
//!  band join (sort-merge)
//!    carrier p: sort (number, time, local)    vendor p: sort (number, time, row)
//!    merge with one forward cursor: nearest vendor time to t - offset, within tolerance
//!
//!  all-pairs overlap (inverted index + dense tiles)
//!    A p, B p: sort (number, list), dedupe ──▶ number: [A lists] x [B lists] ──▶
//!    += 1 in an n_a x n_b u32 tile per thread ──▶ sum tiles, read non-zero cells in (a, b)
//!
//!  district_counts
//!    p: table ──▶ map number -> lowest row; numbers ──▶ set (distinct) ──▶ count district
//! ```
//!
//! # Why these algorithms (measured, one core of this 2-core machine, rows as in
//! `benches/join.rs`)
//! - **Exact lookups, 1 M probe x 1 M build**: radix-partitioned hash 40–70 ms, radix-
//!   partitioned sort-merge 90–100 ms, one shared 2 M-slot table 60–77 ms. Hash wins: the
//!   probe side never needs sorting. [`exact::JoinStrategy`] keeps the others for comparison.
//! - **Band join, 10 M carrier x 10.6 M vendor**: sorting both sides and merging took 1.2 s
//!   (partition + sort 0.65 s, join 0.55 s; the offset estimate 0.43 s). Sorting only the
//!   vendor side and probing each carrier row into a table of the vendor's number groups
//!   saved the carrier sort (0.48 s) but made the join 0.80 s and the estimate 1.06 s (with
//!   16 K-row partitions, whose tables stay in L2: join 0.87 s, estimate 1.1 s): the merge's
//!   sequential access beats random probes.
//! - **In-partition sort**: one counting pass on the top key bits then `sort_unstable` of
//!   buckets of ~4 keys: 11 ns/key, against 20 ns/key for `sort_unstable` of 16-byte keys.
//! - **Overlap, 1,000 x 1,000 lists, 10 M memberships**: 0.45–0.5 s of CPU on one core (the
//!   dense 4 MB matrix stays in L2/L3; 1 M non-zero pairs). Partitioning a little finer so
//!   that `(number, list)` packs in a `u64` instead of a `u128` took it from 0.6 s. 10,000 x
//!   10,000 lists: 1.5 s, memory bounded by 32 MB tiles per thread (11.8 M non-zero pairs).
//!   Very sparse cases (cells above 64 x the increments) switch to sorted pair keys, so time
//!   follows the increments, not `n_a * n_b`.
//! - **Reach, 10 M calls**: 0.7 s on one core.
//! - **Memory**: a fresh page costs a fault (about 0.45 ms per MB here, and faults do not run
//!   in parallel), as much as the join work at 10 M rows; so the band join writes its matches
//!   over the carrier keys and each chunk of the reverse walk writes straight into its place
//!   in the output.
//!
//! # Beyond one machine
//! Every operator is "partition by number, then a kernel per partition": the case store's
//! Parquet files partitioned by the same number hash can be handed to the same kernels, and
//! the sizes, overlaps and reach counts add across partitions (`ln_p`, `q` and ranks come
//! after the merge).

pub mod assign;
pub mod band;
pub mod exact;
pub mod overlap;
mod partition;
pub mod spread;

pub use band::{band_join, estimate_offset, BandIndex, BandMatches, BandParams, OffsetEstimate};
pub use exact::{lookup_all, lookup_first, prefix_match, reach_by_window, Reach};
pub use overlap::{all_pairs_overlap, Overlaps};
pub use spread::district_counts;
