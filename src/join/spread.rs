//! District spread: which districts a set of numbers falls in, through a lookup table from
//! number to district (the population table, or the complainants' districts).
//!
//! Both the numbers and the table are hash-partitioned by number; per partition the table goes
//! into a local hash map (lowest table row wins) and the numbers are deduplicated through a
//! second one. Counts are summed per thread and then added, so the result does not depend on
//! the thread count.

use super::partition::{bits_for_rows, min_parts_per_task, Layout, LocalMap, EMPTY};
use rayon::prelude::*;

/// For the distinct numbers of `numbers`, the count per district `0..n_districts` and the
/// count of numbers without one. A number's district is that of its lowest row in the table;
/// a number absent from the table, or whose district id is not below `n_districts` (e.g. a
/// null stored as `u32::MAX`), has none.
///
/// # Examples
/// ```
/// use callsift::join::district_counts;
/// // 5 is in district 1, 6 in district 0, 7 unknown; 5 is counted once.
/// let (per_district, none) = district_counts(&[5, 6, 5, 7], &[5, 6], &[1, 0], 2);
/// assert_eq!((per_district, none), (vec![1, 1], 1));
/// ```
///
/// # Panics
/// If the table columns differ in length or a side has more than `u32::MAX` rows.
pub fn district_counts(
    numbers: &[u64],
    table_num: &[u64],
    table_district: &[u32],
    n_districts: u32,
) -> (Vec<u64>, u64) {
    assert_eq!(
        table_num.len(),
        table_district.len(),
        "table columns differ"
    );
    let bits = bits_for_rows(numbers.len().max(table_num.len()));
    let (nl, tl) = rayon::join(
        || Layout::new(numbers, bits),
        || Layout::new(table_num, bits),
    );
    let mut ns = vec![0u64; numbers.len()];
    let mut ts = vec![0u128; table_num.len()];
    rayon::join(
        || nl.scatter(numbers, &mut ns, |_, h, _| h),
        || {
            tl.scatter(table_num, &mut ts, |row, h, _| {
                ((h as u128) << 64) | row as u128
            })
        },
    );
    let nd = n_districts as usize;
    let (counts, none) = (0..nl.parts())
        .into_par_iter()
        .with_min_len(min_parts_per_task(nl.parts()))
        .fold(
            || {
                (
                    vec![0u64; nd],
                    0u64,
                    LocalMap::default(),
                    LocalMap::default(),
                )
            },
            |(mut counts, mut none, mut table, mut seen), p| {
                let tpart = &ts[tl.part_range(p)];
                table.reset(tpart.len());
                for &e in tpart {
                    table.get_or_insert((e >> 64) as u64, e as u32);
                }
                let npart = &ns[nl.part_range(p)];
                seen.reset(npart.len());
                for &h in npart {
                    if seen.insert(h) {
                        // The table maps to the lowest row: the district may be any u32.
                        match table.get(h) {
                            EMPTY => none += 1,
                            row => match table_district[row as usize] {
                                d if d < n_districts => counts[d as usize] += 1,
                                _ => none += 1,
                            },
                        }
                    }
                }
                (counts, none, table, seen)
            },
        )
        .map(|(c, n, _, _)| (c, n))
        .reduce(
            || (vec![0u64; nd], 0),
            |(mut c1, n1), (c2, n2)| {
                c1.iter_mut().zip(c2).for_each(|(x, y)| *x += y);
                (c1, n1 + n2)
            },
        );
    (counts, none)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small() {
        let (c, none) = district_counts(&[5, 6, 5, 7, 8], &[6, 5, 5, 8], &[1, 0, 1, u32::MAX], 2);
        assert_eq!(c, vec![1, 1]);
        assert_eq!(none, 2);
    }
}
