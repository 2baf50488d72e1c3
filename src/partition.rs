//! The case store's partitions: which part of a table a phone number's rows live in, and how
//! many parts a case gets.
//!
//! Every canonical table keyed by a phone number is written as `store/<table>/part-NNNN.parquet`
//! (NNNN from 0000), its rows split by the partition of their key: the called number for
//! calls, the dialled number for vendor calls, the number for complainants, subscribers, lists,
//! watch-lists, downloads, identifications and the population. So every row about one number,
//! whatever the table, is in the part of the same index: a join or a count on the number runs
//! part by part, and duplicate calls (which share their called number) meet in one part. The
//! tables without a number (the vendors' campaign registries, the numbering plan) are one part.
//!
//! The partition of a number is fixed by the number and the count alone, so an analyst, a
//! binding or a cluster job can compute it: the number's 64 bits mixed by the MurmurHash3
//! finaliser (`fmix64`), then scaled to the count by a multiply and a shift (the top 64 bits of
//! `mix × count` as a 128-bit product). A null key goes to part 0.
//!
//! The count follows the case's size and a memory budget ([`count`]): about one part per
//! [`BYTES_PER_BUDGET`]th of the budget of evidence bytes, so that one part of every table,
//! decoded, fits the budget with room for the counts; at least 1, at most [`MAX_PARTITIONS`].
//! The results do not depend on it: only the store's files do.

use arrow::array::{Array, AsArray, RecordBatch, UInt32Array};
use arrow::compute::take_record_batch;
use arrow::datatypes::UInt64Type;
use arrow::error::ArrowError;

/// The most parts a table is split into.
pub const MAX_PARTITIONS: u32 = 4096;

/// The memory budget when none is given: a quarter of the machine's memory, at most this.
pub const DEFAULT_MEMORY_CAP: u64 = 4 << 30;

/// How many bytes of evidence a part holds per byte of the memory budget, at most: a run's
/// peak was measured at about 3.8 times the size of its CSV evidence (`docs/benchmarks.md`),
/// so a part of a quarter of the budget keeps its peak near the budget.
pub const BYTES_PER_BUDGET: u64 = 4;

/// MurmurHash3's 64-bit finaliser: every bit of the number moves every bit of the result.
#[inline]
pub fn mix(number: u64) -> u64 {
    let mut x = number;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^= x >> 33;
    x
}

/// The part (0-based) of `number` among `parts` (at least 1).
#[inline]
pub fn of(number: u64, parts: u32) -> u32 {
    ((u128::from(mix(number)) * u128::from(parts.max(1))) >> 64) as u32
}

/// The part count for a case of `input_bytes` bytes of evidence under a memory budget of
/// `memory` bytes.
pub fn count(input_bytes: u64, memory: u64) -> u32 {
    let per_part = (memory / BYTES_PER_BUDGET).max(1);
    let n = input_bytes.div_ceil(per_part);
    n.clamp(1, u64::from(MAX_PARTITIONS)) as u32
}

/// The default memory budget: a quarter of the machine's memory (`/proc/meminfo`), at most
/// [`DEFAULT_MEMORY_CAP`]; the cap itself where the machine's memory cannot be read.
pub fn default_memory() -> u64 {
    let total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map(|kb| kb * 1024);
    match total {
        Some(t) => (t / 4).clamp(64 << 20, DEFAULT_MEMORY_CAP),
        None => DEFAULT_MEMORY_CAP,
    }
}

/// A size as a person writes it: `512M`, `4G`, `4GiB`, `1.5G`, `800000000` (bytes). `K`, `M`,
/// `G`, `T` are powers of 1,024, with or without `B` or `iB`.
///
/// # Errors
/// A text saying why, when the size is not a positive number with one of those units.
pub fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let shift = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        "T" | "TB" | "TIB" => 40,
        _ => {
            return Err(format!(
                "{s:?}: the unit must be K, M, G or T (powers of 1024)"
            ))
        }
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (for example 512M or 4G)"))?;
    let bytes = v * (1u64 << shift) as f64;
    if !(bytes.is_finite() && (1.0..1.8e19).contains(&bytes)) {
        return Err(format!("{s:?}: a size must be at least one byte"));
    }
    Ok(bytes as u64)
}

/// How the store is split: a fixed count (`--partitions N`) or one that follows the case's size
/// and a memory budget (`--memory SIZE`, default [`default_memory`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Partitions {
    /// Exactly this many parts (1 to [`MAX_PARTITIONS`]).
    Fixed(u32),
    /// As many as [`count`] gives for the evidence under this budget, in bytes.
    Budget(u64),
}

impl Default for Partitions {
    fn default() -> Self {
        Partitions::Budget(default_memory())
    }
}

impl Partitions {
    /// The count for a case of `input_bytes` bytes of evidence.
    pub fn resolve(self, input_bytes: u64) -> u32 {
        match self {
            Partitions::Fixed(n) => n.clamp(1, MAX_PARTITIONS),
            Partitions::Budget(m) => count(input_bytes, m),
        }
    }
}

/// Splits `batch` into `parts` batches by the part of its `key` column (a `UInt64` phone
/// number; a null goes to part 0), each keeping the rows' order.
///
/// # Errors
/// When `key` is missing or not `UInt64`.
pub fn split(batch: &RecordBatch, key: &str, parts: u32) -> Result<Vec<RecordBatch>, ArrowError> {
    let parts = parts.max(1) as usize;
    if parts == 1 {
        return Ok(vec![batch.clone()]);
    }
    let col = batch
        .column_by_name(key)
        .ok_or_else(|| ArrowError::SchemaError(format!("no column {key:?} to partition by")))?;
    let numbers = col
        .as_primitive_opt::<UInt64Type>()
        .ok_or_else(|| ArrowError::SchemaError(format!("{key:?} is not a UInt64 number")))?;
    let part: Vec<u32> = (0..numbers.len())
        .map(|i| {
            if numbers.is_null(i) {
                0
            } else {
                of(numbers.value(i), parts as u32)
            }
        })
        .collect();
    // A counting sort of the row indices by part: each part's rows in their order.
    let mut start = vec![0usize; parts + 1];
    for &p in &part {
        start[p as usize + 1] += 1;
    }
    for p in 0..parts {
        start[p + 1] += start[p];
    }
    let mut next = start.clone();
    let mut rows = vec![0u32; part.len()];
    for (i, &p) in part.iter().enumerate() {
        rows[next[p as usize]] = i as u32;
        next[p as usize] += 1;
    }
    (0..parts)
        .map(|p| {
            let idx = UInt32Array::from(rows[start[p]..start[p + 1]].to_vec());
            take_record_batch(batch, &idx)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reference_values_of_the_mix_and_the_part() {
        // fmix64 reference values (MurmurHash3_x64_128's finaliser, as in the SMHasher sources).
        assert_eq!(mix(0), 0);
        assert_eq!(mix(1), 0xb456_bcfc_34c2_cb2c);
        assert_eq!(of(0, 7), 0);
        // A number's part for a few counts: fixed forever, since stores on disk depend on it.
        let n = 16_135_550_101u64;
        let parts: Vec<u32> = [1, 2, 7, 64].iter().map(|&p| of(n, p)).collect();
        assert_eq!(parts, [0, (mix(n) >> 63) as u32, parts[2], parts[3]]);
        assert!(parts[2] < 7 && parts[3] < 64);
    }

    #[test]
    fn numbers_spread_evenly_over_the_parts() {
        let parts = 16u32;
        let mut seen = [0u32; 16];
        for i in 0..160_000u64 {
            seen[of(16_135_550_000 + i, parts) as usize] += 1;
        }
        for s in seen {
            assert!((9_500..10_500).contains(&s), "{seen:?}");
        }
    }

    #[test]
    fn the_count_follows_the_size_and_the_budget() {
        assert_eq!(count(0, 4 << 30), 1);
        assert_eq!(count(1 << 30, 4 << 30), 1);
        assert_eq!(count((1 << 30) + 1, 4 << 30), 2);
        assert_eq!(count(3_100_000_000, 4 << 30), 3);
        assert_eq!(count(u64::MAX, 1), MAX_PARTITIONS);
        assert_eq!(Partitions::Fixed(7).resolve(u64::MAX), 7);
        assert_eq!(Partitions::Fixed(0).resolve(1), 1);
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("4G"), Ok(4 << 30));
        assert_eq!(parse_size("4GiB"), Ok(4 << 30));
        assert_eq!(parse_size("1.5g"), Ok(3 << 29));
        assert_eq!(parse_size("800000000"), Ok(800_000_000));
        assert!(parse_size("0").is_err());
        assert!(parse_size("4X").is_err());
        assert!(parse_size("G").is_err());
        assert!(parse_size("-1G").is_err());
    }

    #[test]
    fn a_batch_splits_into_its_parts_in_order() {
        use arrow::array::{Array, UInt64Array};
        use arrow::datatypes::{DataType, Field, Schema};
        use std::sync::Arc;
        let numbers: Vec<u64> = (0..1000).map(|i| 16_135_550_000 + i * 7).collect();
        let schema = Arc::new(Schema::new(vec![
            Field::new("number", DataType::UInt64, false),
            Field::new("row", DataType::UInt64, false),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(UInt64Array::from(numbers.clone())),
                Arc::new(UInt64Array::from((0..1000u64).collect::<Vec<_>>())),
            ],
        )
        .unwrap();
        let parts = split(&batch, "number", 7).unwrap();
        assert_eq!(parts.len(), 7);
        assert_eq!(parts.iter().map(|b| b.num_rows()).sum::<usize>(), 1000);
        for (p, b) in parts.iter().enumerate() {
            let n = b.column(0).as_primitive::<UInt64Type>();
            let r = b.column(1).as_primitive::<UInt64Type>();
            for i in 0..b.num_rows() {
                assert_eq!(of(n.value(i), 7), p as u32);
                assert_eq!(n.value(i), numbers[r.value(i) as usize]);
                if i > 0 {
                    assert!(r.value(i - 1) < r.value(i), "order kept");
                }
            }
            assert!(n.null_count() == 0);
        }
        assert!(split(&batch, "nothing", 2).is_err());
        assert!(split(&batch, "number", 1).unwrap()[0].num_rows() == 1000);
    }

    proptest! {
        #[test]
        fn every_number_has_one_part_in_range(n in any::<u64>(), parts in 1u32..=MAX_PARTITIONS) {
            let p = of(n, parts);
            prop_assert!(p < parts);
            prop_assert_eq!(p, of(n, parts));
        }
    }
}
