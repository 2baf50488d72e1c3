//! A population that is a history: several rows per number.
//!
//! A `population` input lists the lines in scope, one row per number. A file that repeats a
//! number (a register exported with its past states, or two population files that overlap)
//! would leave it to chance which row counts, so a repeat stops the run, naming the first repeat
//! in case order (its file and line, and the file and line of the row it repeats), unless every
//! row of the number carries an order value: the profile's `latest_by` column, read as a time
//! with the profile's `timestamp_formats`. Then the latest row wins (ties: the later row, in case
//! order then file order), and every other row of the number is removed as *superseded*:
//! counted in its file's `duplicates_removed` and listed in the duplicates table with the row
//! kept in its place, so the store holds one row per number and the counts reconcile.

use arrow::array::{Array, AsArray, BooleanArray};
use arrow::compute::filter_record_batch;
use arrow::datatypes::{UInt32Type, UInt64Type};

use super::dedupe::DupPair;
use super::{col, FileOut};
use crate::config::Case;
use crate::error::{Error, Result};
use crate::model::Kind;

/// One accepted population row: (number, file index in the case, source row, source item (in an
/// exploded file), chunk, row in the chunk, order value).
type Row = (u64, usize, u64, Option<u32>, usize, usize, Option<i64>);

/// Removes the superseded rows of every number of the population inputs, and returns each
/// removed row with the row kept in its place.
///
/// # Errors
/// [`Error::Input`] at the first repeat (in case order) of a number whose rows are not all
/// ordered by `latest_by`, naming both rows.
pub(super) fn supersede(case: &Case, files: &mut [FileOut]) -> Result<Vec<DupPair>> {
    let mut rows: Vec<Row> = Vec::new();
    for (fi, (f, fo)) in case.files.iter().zip(files.iter()).enumerate() {
        if f.kind != Kind::Population {
            continue;
        }
        for (k, ch) in fo.loaded.chunks.iter().enumerate() {
            let numbers = col(&ch.batch, "number")?.as_primitive::<UInt64Type>();
            let source = col(&ch.batch, "source_row")?.as_primitive::<UInt64Type>();
            let items = col(&ch.batch, "source_item")?.as_primitive::<UInt32Type>();
            for r in 0..ch.batch.num_rows() {
                let order = ch.order.get(r).copied();
                let item = items.is_valid(r).then(|| items.value(r));
                rows.push((numbers.value(r), fi, source.value(r), item, k, r, order));
            }
        }
    }
    // By number, then in case order: each run is one number's rows, its first row first.
    rows.sort_unstable();
    let mut pairs = Vec::new();
    let mut drop: Vec<(usize, usize, usize)> = Vec::new();
    let mut repeat: Option<(&Row, &Row)> = None;
    for run in rows.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
        if run.iter().any(|r| r.6.is_none()) {
            let (first, again) = (&run[0], &run[1]);
            if repeat.is_none_or(|(_, a)| (again.1, again.2, again.3) < (a.1, a.2, a.3)) {
                repeat = Some((first, again));
            }
            continue;
        }
        // The latest wins; of equal order values, the later row.
        let kept = run
            .iter()
            .max_by_key(|r| (r.6, r.1, r.2, r.3))
            .expect("a run has rows");
        for r in run
            .iter()
            .filter(|r| (r.1, r.2, r.3) != (kept.1, kept.2, kept.3))
        {
            pairs.push(DupPair {
                file: r.1,
                row: r.2,
                item: r.3,
                kept_file: kept.1,
                kept_row: kept.2,
                kept_item: kept.3,
            });
            drop.push((r.1, r.4, r.5));
        }
    }
    if let Some((first, again)) = repeat {
        let f = &case.files[again.1];
        return Err(Error::input(
            &f.path,
            Some(again.2),
            format!(
                "number +{} is listed again: its first row is {}:{}. A population lists each \
                 line once; if the file is a history of each number, name the column that \
                 orders its rows with `latest_by` in profile `{}` (the latest row wins)",
                again.0,
                case.files[first.1].name,
                at(first),
                f.profile_name
            ),
        ));
    }
    remove(files, drop)?;
    pairs.sort_unstable();
    Ok(pairs)
}

/// A row's place in its file: `12`, or `12#3` for an item of an exploded record.
fn at(r: &Row) -> String {
    match r.3 {
        Some(item) => format!("{}#{item}", r.2),
        None => r.2.to_string(),
    }
}

/// Removes the rows `(file, chunk, row)` from their chunks and counts them per file.
fn remove(files: &mut [FileOut], mut drop: Vec<(usize, usize, usize)>) -> Result<()> {
    drop.sort_unstable();
    for group in drop.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        let (fi, k) = (group[0].0, group[0].1);
        let fo = &mut files[fi];
        let chunk = &mut fo.loaded.chunks[k];
        let mut keep = vec![true; chunk.batch.num_rows()];
        for &(_, _, r) in group {
            keep[r] = false;
        }
        chunk.batch = filter_record_batch(&chunk.batch, &BooleanArray::from(keep))
            .map_err(|e| Error::store("population", e))?;
        chunk.order.clear();
        fo.removed += group.len() as u64;
    }
    Ok(())
}
