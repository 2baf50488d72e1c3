//! The join kernels on data read from Parquet, for the side-by-side comparison with DuckDB
//! (`benches/compare/joins.sh`, `benches/compare/duckdb_joins.py`). Not a criterion bench:
//! one kernel per process, so that `/usr/bin/time -v` gives the peak memory of each.
//!
//! ```text
//! join_compare gen DIR ROWS          write the data of ROWS rows to DIR/*.parquet (seeded)
//! join_compare run DIR KERNEL        read the Parquet files the kernel needs, run it, print
//!                                    timings and the answer's checksums on one line
//! ```
//! `KERNEL` is `band` (offset estimate + band join), `reach` (complainants per number by
//! window), `lookup` (subscriber of each call: `lookup_first`, 10 × more calls than
//! subscribers) or `overlap` (all pairs of 1,000 uploads × 1,000 downloads). Threads:
//! `RAYON_NUM_THREADS`. `REPS=k` runs the kernel k times on the data in memory (the first run
//! pays the page faults of fresh memory; later runs reuse what the allocator kept).
//!
//! # The data (shapes of `benches/join.rs`, written once, shared by both sides)
//! - `carrier.parquet` (`number`, `t`): ROWS carrier calls; `vendor.parquet` (`number`, `t`):
//!   ROWS + ROWS/16 vendor outbound records. Numbers from a pool of ROWS/3, times over 14 days
//!   in whole seconds (as in carrier and vendor logs; µs since the epoch, `Int64`); 80 % of
//!   carrier rows are a vendor record seen 37 s later ± 60 s.
//! - `carrier_sorted.parquet`, `vendor_sorted.parquet`: the same rows sorted by `(number, t)`
//!   (ties in generation order), as a store clustered by number at ingest holds them.
//! - `calls.parquet` (`caller`, `complainant` `UInt32`, `window` `UInt8`: 0 outside, 1
//!   baseline, 2 incident): ROWS calls to complainants from ROWS/10 numbers (1 % of the numbers
//!   make 30 % of the calls), 50,000 complainants.
//! - `subscribers.parquet` (`number`): ROWS/10 distinct numbers, half of them callers of
//!   `calls.parquet`, in random order.
//! - `uploads.parquet`, `downloads.parquet` (`list` `UInt32`, `number`): 1,000 lists each,
//!   ROWS/2 memberships each; downloads are random subsets of a universe of ROWS/5 numbers, each
//!   upload is 70 % of one download plus 30 % other numbers.
//!
//! Numbers and times are `Int64` in Parquet (as `BIGINT` in DuckDB). Row numbers are positions
//! in the files (DuckDB: `file_row_number`).
//!
//! # Output
//! `kernel=band rows=… threads=… read_s=… kernel_s=… [kernel_s_all=…] key=value…` where the keys
//! after the timings are the answer's checksums (exact integers, compared with DuckDB's by
//! `duckdb_joins.py --expect`).

use arrow::array::{Array, ArrayRef, Int64Array, RecordBatch, UInt32Array, UInt8Array};
use arrow::datatypes::{Field, Schema};
use callsift::join::*;
use callsift::synth::SplitMix as Rng;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::{ArrowWriter, ProjectionMask};
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const DAY_S: u64 = 86_400;
const T0: i64 = 1_700_000_000_000_000;
const SEC: i64 = 1_000_000;
const OFFSET_S: i64 = 37;
const TOL_US: i64 = 120_000_000;
const WINDOW_US: i64 = 600_000_000;
const LISTS: u32 = 1000;

/// The `k`-th of a set of 11-digit NANP numbers, as in `benches/join.rs`.
fn phone(k: u64) -> u64 {
    12_000_000_000 + (k.wrapping_mul(7_919) % 7_999_999_999)
}

fn main() -> Res<()> {
    // `cargo bench` passes `--bench`; ignore flags.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["gen", dir, rows] => generate(Path::new(dir), rows.parse()?),
        ["run", dir, kernel] => run(Path::new(dir), kernel),
        _ => {
            eprintln!(
                "usage: join_compare gen DIR ROWS | run DIR band|band_sorted|reach|lookup|overlap"
            );
            std::process::exit(2)
        }
    }
}

// ---------- generation ----------

fn write(path: &Path, cols: Vec<(&str, ArrayRef)>) -> Res<()> {
    let fields: Vec<Field> = cols
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), false))
        .collect();
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        cols.into_iter().map(|c| c.1).collect(),
    )?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(1 << 20))
        .build();
    let tmp = path.with_extension("parquet.tmp");
    let mut w = ArrowWriter::try_new(File::create(&tmp)?, batch.schema(), Some(props))?;
    for off in (0..batch.num_rows()).step_by(1 << 16) {
        w.write(&batch.slice(off, (1 << 16).min(batch.num_rows() - off)))?;
    }
    w.close()?;
    std::fs::rename(tmp, path)?;
    Ok(())
}

fn i64s(v: impl IntoIterator<Item = i64>) -> ArrayRef {
    Arc::new(Int64Array::from_iter_values(v))
}

fn u32s(v: impl IntoIterator<Item = u32>) -> ArrayRef {
    Arc::new(UInt32Array::from_iter_values(v))
}

fn generate(dir: &Path, n: usize) -> Res<()> {
    std::fs::create_dir_all(dir)?;
    // Band join: as `band_data` in benches/join.rs, times in whole seconds.
    let mut r = Rng(1);
    let nv = n + n / 16;
    let pool = (n / 3) as u64;
    let vn: Vec<u64> = (0..nv).map(|_| phone(r.below(pool))).collect();
    let vt: Vec<i64> = (0..nv)
        .map(|_| T0 + r.below(14 * DAY_S) as i64 * SEC)
        .collect();
    let (mut cn, mut ct) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        if r.below(10) < 8 {
            let j = r.below(nv as u64) as usize;
            cn.push(vn[j]);
            ct.push(vt[j] + (OFFSET_S + r.below(121) as i64 - 60) * SEC);
        } else {
            cn.push(phone(r.below(pool)));
            ct.push(T0 + r.below(14 * DAY_S) as i64 * SEC);
        }
    }
    let side = |num: &[u64], t: &[i64], name: &str, sorted: bool| -> Res<()> {
        let mut order: Vec<u32> = (0..num.len() as u32).collect();
        if sorted {
            order.par_sort_by_key(|&i| (num[i as usize], t[i as usize], i));
        }
        write(
            &dir.join(name),
            vec![
                (
                    "number",
                    i64s(order.iter().map(|&i| num[i as usize] as i64)),
                ),
                ("t", i64s(order.iter().map(|&i| t[i as usize]))),
            ],
        )
    };
    side(&cn, &ct, "carrier.parquet", false)?;
    side(&vn, &vt, "vendor.parquet", false)?;
    side(&cn, &ct, "carrier_sorted.parquet", true)?;
    side(&vn, &vt, "vendor_sorted.parquet", true)?;
    drop((cn, ct, vn, vt));

    // Reach: as `bench_reach`.
    let mut r = Rng(2);
    let pool = (n / 10) as u64;
    let caller: Vec<i64> = (0..n)
        .map(|_| {
            if r.below(10) < 3 {
                phone(r.below(pool / 100)) as i64
            } else {
                phone(r.below(pool)) as i64
            }
        })
        .collect();
    let comp: Vec<u32> = (0..n).map(|_| r.below(50_000) as u32).collect();
    let win: Vec<u8> = (0..n).map(|_| r.below(3) as u8).collect();
    write(
        &dir.join("calls.parquet"),
        vec![
            ("caller", i64s(caller)),
            ("complainant", u32s(comp)),
            ("window", Arc::new(UInt8Array::from(win)) as ArrayRef),
        ],
    )?;

    // Subscribers: pool/1 distinct numbers out of the first 2 * pool, shuffled.
    let mut r = Rng(3);
    let mut ks: Vec<u64> = (0..2 * pool).collect();
    for i in (1..ks.len()).rev() {
        ks.swap(i, r.below(i as u64 + 1) as usize);
    }
    ks.truncate(pool as usize);
    write(
        &dir.join("subscribers.parquet"),
        vec![("number", i64s(ks.iter().map(|&k| phone(k) as i64)))],
    )?;

    // Lists: as `lists` in benches/join.rs.
    let mut r = Rng(6);
    let universe = (n / 5) as u64;
    let per_list = n / 2 / LISTS as usize;
    let (mut al, mut an, mut bl, mut bn) = (vec![], vec![], vec![], vec![]);
    for b in 0..LISTS {
        for _ in 0..per_list {
            bl.push(b);
            bn.push(phone(r.below(universe)) as i64);
        }
    }
    for a in 0..LISTS {
        let src = r.below(LISTS as u64) as usize;
        for k in 0..per_list {
            al.push(a);
            if k * 10 < per_list * 7 {
                an.push(bn[src * per_list + k]);
            } else {
                an.push(phone(r.below(universe)) as i64);
            }
        }
    }
    write(
        &dir.join("uploads.parquet"),
        vec![("list", u32s(al)), ("number", i64s(an))],
    )?;
    write(
        &dir.join("downloads.parquet"),
        vec![("list", u32s(bl)), ("number", i64s(bn))],
    )?;
    eprintln!("wrote {} rows per table to {}", n, dir.display());
    Ok(())
}

// ---------- reading ----------

/// Reads the named columns of a Parquet file, row groups in parallel, each column into one
/// contiguous vector (numbers as `u64`).
struct Cols {
    batches: Vec<RecordBatch>,
    rows: usize,
}

fn read(path: PathBuf, names: &[&str]) -> Res<Cols> {
    let b = ParquetRecordBatchReaderBuilder::try_new(File::open(&path)?)?;
    let groups = b.metadata().num_row_groups();
    let mask = ProjectionMask::columns(b.parquet_schema(), names.iter().copied());
    let batches: Vec<Vec<RecordBatch>> = (0..groups)
        .into_par_iter()
        .map(|g| -> Res<Vec<RecordBatch>> {
            let r = ParquetRecordBatchReaderBuilder::try_new(File::open(&path)?)?
                .with_row_groups(vec![g])
                .with_projection(mask.clone())
                .with_batch_size(1 << 20)
                .build()?;
            Ok(r.collect::<Result<Vec<_>, _>>()?)
        })
        .collect::<Res<_>>()?;
    let batches: Vec<RecordBatch> = batches.into_iter().flatten().collect();
    let rows = batches.iter().map(|b| b.num_rows()).sum();
    Ok(Cols { batches, rows })
}

impl Cols {
    /// One column gathered into a vector, batches converted in parallel, each straight into
    /// its place.
    fn gather<T: Copy + Default + Send + Sync, A: Array + 'static>(
        &self,
        name: &str,
        fill: impl Fn(&A, &mut [T]) + Sync,
    ) -> Vec<T> {
        let mut out = vec![T::default(); self.rows];
        let mut rest = &mut out[..];
        let mut pieces = Vec::new();
        for b in &self.batches {
            let (a, r) = rest.split_at_mut(b.num_rows());
            pieces.push((b, a));
            rest = r;
        }
        pieces.into_par_iter().for_each(|(b, dst)| {
            let col = b.column_by_name(name).expect("column");
            let arr = col.as_any().downcast_ref::<A>().expect("column type");
            fill(arr, dst);
        });
        out
    }

    fn u64(&self, name: &str) -> Vec<u64> {
        // Numbers are below 2^63: the cast is exact.
        self.gather(name, |a: &Int64Array, d: &mut [u64]| {
            d.iter_mut()
                .zip(a.values())
                .for_each(|(d, &x)| *d = x as u64)
        })
    }

    fn i64(&self, name: &str) -> Vec<i64> {
        self.gather(name, |a: &Int64Array, d: &mut [i64]| {
            d.copy_from_slice(a.values())
        })
    }

    fn u32(&self, name: &str) -> Vec<u32> {
        self.gather(name, |a: &UInt32Array, d: &mut [u32]| {
            d.copy_from_slice(a.values())
        })
    }

    fn u8(&self, name: &str) -> Vec<u8> {
        self.gather(name, |a: &UInt8Array, d: &mut [u8]| {
            d.copy_from_slice(a.values())
        })
    }
}

// ---------- kernels ----------

fn run(dir: &Path, kernel: &str) -> Res<()> {
    let reps: usize = std::env::var("REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let threads = rayon::current_num_threads();
    let t0 = Instant::now();
    // Read: (the data, rows); then the kernel, `reps` times; the checksums of the last answer.
    let (rows, read_s, times, sums) = match kernel {
        "band" | "band_sorted" => {
            let sfx = if kernel == "band" { "" } else { "_sorted" };
            let (c, v) = rayon::join(
                || read(dir.join(format!("carrier{sfx}.parquet")), &["number", "t"]),
                || read(dir.join(format!("vendor{sfx}.parquet")), &["number", "t"]),
            );
            let (c, v) = (c?, v?);
            let (cn, ct, vn, vt) = (c.u64("number"), c.i64("t"), v.u64("number"), v.i64("t"));
            drop((c, v));
            let read_s = t0.elapsed().as_secs_f64();
            let mut last = String::new();
            let times = timed(reps, || {
                let t = Instant::now();
                let idx = BandIndex::new(&cn, &ct, &vn, &vt);
                let t_index = t.elapsed().as_secs_f64();
                let e = idx.estimate_offset(WINDOW_US).expect("candidates");
                let t_est = t.elapsed().as_secs_f64();
                let presorted = idx.is_presorted();
                let m = idx.join(e.offset_us, TOL_US);
                let t_join = t.elapsed().as_secs_f64();
                last = format!(
                    "presorted={presorted} index_s={t_index:.4} estimate_s={:.4} join_s={:.4} {}",
                    t_est - t_index,
                    t_join - t_est,
                    band_sums(&e, &m)
                );
            });
            (cn.len(), read_s, times, last)
        }
        "reach" => {
            let c = read(
                dir.join("calls.parquet"),
                &["caller", "complainant", "window"],
            )?;
            let (caller, comp, win) = (c.u64("caller"), c.u32("complainant"), c.u8("window"));
            drop(c);
            let read_s = t0.elapsed().as_secs_f64();
            let mut last = String::new();
            let times = timed(reps, || {
                let r = reach_by_window(&caller, &comp, &win);
                last = reach_sums(&r);
            });
            (caller.len(), read_s, times, last)
        }
        "lookup" => {
            let (c, s) = rayon::join(
                || read(dir.join("calls.parquet"), &["caller"]),
                || read(dir.join("subscribers.parquet"), &["number"]),
            );
            let (probe, build) = (c?.u64("caller"), s?.u64("number"));
            let read_s = t0.elapsed().as_secs_f64();
            let mut last = String::new();
            let times = timed(reps, || {
                let r = lookup_first(&probe, &build);
                last = lookup_sums(&r);
            });
            (probe.len(), read_s, times, last)
        }
        "overlap" => {
            let (a, b) = rayon::join(
                || read(dir.join("uploads.parquet"), &["list", "number"]),
                || read(dir.join("downloads.parquet"), &["list", "number"]),
            );
            let (a, b) = (a?, b?);
            let (al, an, bl, bn) = (
                a.u32("list"),
                a.u64("number"),
                b.u32("list"),
                b.u64("number"),
            );
            drop((a, b));
            let read_s = t0.elapsed().as_secs_f64();
            let mut last = String::new();
            let times = timed(reps, || {
                let o = all_pairs_overlap(&al, &an, LISTS, &bl, &bn, LISTS);
                last = overlap_sums(&o);
            });
            (al.len() + bl.len(), read_s, times, last)
        }
        k => return Err(format!("unknown kernel {k}").into()),
    };
    let all: Vec<String> = times.iter().map(|t| format!("{t:.4}")).collect();
    println!(
        "kernel={kernel} rows={rows} threads={threads} read_s={read_s:.4} kernel_s={:.4} \
         kernel_s_all={} total_s={:.4} {sums}",
        times[0],
        all.join(","),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

fn timed(reps: usize, mut f: impl FnMut()) -> Vec<f64> {
    (0..reps.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect()
}

/// Checksums of the band join (the same in `duckdb_joins.py`): offset, candidate pairs,
/// matches, sums of carrier rows, vendor rows, deltas and carrier row × vendor row.
fn band_sums(e: &OffsetEstimate, m: &BandMatches) -> String {
    let sc: u64 = m.carrier.iter().map(|&x| x as u64).sum();
    let sv: u64 = m.vendor.iter().map(|&x| x as u64).sum();
    let sd: i64 = m.delta_us.iter().sum();
    let scv: u128 = (0..m.len())
        .map(|k| m.carrier[k] as u128 * m.vendor[k] as u128)
        .sum();
    format!(
        "offset_us={} candidates={} matches={} sum_c={sc} sum_v={sv} sum_d={sd} sum_cv={scv}",
        e.offset_us,
        e.candidates,
        m.len()
    )
}

/// Numbers, sums of the three counts and of the calls, and sum of number × (only_incident +
/// 1000 only_baseline + 10^6 both).
fn reach_sums(r: &Reach) -> String {
    let s = |v: &[u32]| v.iter().map(|&x| x as u64).sum::<u64>();
    let chk: u128 = (0..r.number.len())
        .map(|k| {
            r.number[k] as u128
                * (r.only_incident[k] as u128
                    + 1000 * r.only_baseline[k] as u128
                    + 1_000_000 * r.both[k] as u128)
        })
        .sum();
    format!(
        "numbers={} sum_oi={} sum_ob={} sum_both={} sum_calls={} chk={chk}",
        r.number.len(),
        s(&r.only_incident),
        s(&r.only_baseline),
        s(&r.both),
        r.calls.iter().sum::<u64>()
    )
}

/// Hits, sum of the subscriber rows, sum of call row × subscriber row.
fn lookup_sums(r: &[Option<u32>]) -> String {
    let (mut hits, mut sb, mut spb) = (0u64, 0u64, 0u128);
    for (i, x) in r.iter().enumerate() {
        if let Some(b) = x {
            hits += 1;
            sb += *b as u64;
            spb += i as u128 * *b as u128;
        }
    }
    format!("hits={hits} sum_b={sb} sum_pb={spb}")
}

/// Pairs, sum of overlaps, sum of (a × 1000 + b) × overlap, sums of sizes and of list × size.
fn overlap_sums(o: &Overlaps) -> String {
    let chk: u128 = (0..o.a.len())
        .map(|k| (o.a[k] as u128 * LISTS as u128 + o.b[k] as u128) * o.overlap[k] as u128)
        .sum();
    let sz = |v: &[u64]| -> (u64, u64) {
        (
            v.iter().sum(),
            v.iter().enumerate().map(|(l, &s)| l as u64 * s).sum(),
        )
    };
    let ((sa, la), (sb, lb)) = (sz(&o.size_a), sz(&o.size_b));
    format!(
        "pairs={} sum_overlap={} chk={chk} sum_size_a={sa} sum_size_b={sb} lsum_size_a={la} lsum_size_b={lb}",
        o.a.len(),
        o.overlap.iter().sum::<u64>()
    )
}
