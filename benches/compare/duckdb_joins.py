#!/usr/bin/env python3
"""DuckDB doing the work of callsift's join kernels on the Parquet files of `join_compare gen`.

The same four computations as `benches/join_compare.rs`, in the SQL an analyst would write,
straight from the Parquet files (`SET threads`), answering with the same checksums:

* band      offset = median(t_carrier - t_vendor) over the pairs with equal number within
            +-600 s; then every carrier call's nearest vendor record on the same number with
            |t_c - t_v - offset| <= 120 s (ties: lowest vendor row), picked with
            QUALIFY row_number() (variant `qualify`, the default). Variants: `argmin`, min()
            of a (distance, row, delta) struct per carrier row; `packed`, the fastest we found:
            lower median with quantile_disc(), and min() of (distance, row, sign) packed in one
            BIGINT (vendor files below 2^24 rows). ASOF JOIN (nearest below and nearest above,
            vendor deduplicated on (number, t) for the lowest row) was 5x slower than `packed`;
* reach     per originating number, distinct complainants reached only in the incident window,
            only in the baseline window, in both, and the calls;
* lookup    for each call, the subscriber row of its caller (LEFT JOIN; subscriber numbers are
            distinct);
* overlap   sizes of 1,000 uploads and 1,000 downloads (distinct numbers) and every pair that
            shares a number, with its overlap.

Row numbers are positions in the files (`file_row_number`). `band_sorted` is `band` on the
files sorted by (number, t); rows are positions in those files.

    python3 benches/compare/duckdb_joins.py DIR KERNEL [--threads 2] [--variant V]
                                            [--expect LINE_FILE]

Prints one line `kernel=K seconds=S key=value...` (S: the queries alone, in process). With
--expect, compares every checksum with the same key in LINE_FILE (the output line of
`join_compare run`) and exits with status 3, loudly, when one differs.
"""

import argparse
import sys
import time

import duckdb

TOL_US = 120_000_000
WINDOW_US = 600_000_000
LISTS = 1000


def pq(d, name, rownum=False):
    path = f"{d}/{name}.parquet".replace("'", "''")
    return f"read_parquet('{path}'{', file_row_number = true' if rownum else ''})"


def band(con, d, variant, sfx=""):
    c, v = pq(d, "carrier" + sfx, True), pq(d, "vendor" + sfx, True)
    # Step 1: the clock offset, the median difference of the candidate pairs. median() of a
    # BIGINT interpolates (a DOUBLE); quantile_disc(x, 0.5) is the lower median, callsift's
    # definition, and faster.
    med = "quantile_disc(c.t - v.t, 0.5)" if variant == "packed" else "median(c.t - v.t)"
    off_sql = f"""
      SELECT {med}, count(*)
      FROM {c} c JOIN {v} v
        ON c.number = v.number AND c.t - v.t BETWEEN -{WINDOW_US} AND {WINDOW_US}"""
    offset, candidates = con.execute(off_sql).fetchone()
    if offset != int(offset):
        print(f"note: median {offset} is not whole; using floor", file=sys.stderr)
    offset = int(offset // 1)
    # Step 2: the band join, nearest vendor record per carrier call (ties: lowest row).
    join = f"""
          FROM {c} c JOIN {v} v
            ON c.number = v.number
           AND v.t BETWEEN c.t - {offset} - {TOL_US} AND c.t - {offset} + {TOL_US}"""
    if variant == "qualify":
        matched = f"""
          SELECT c.file_row_number AS cr, v.file_row_number AS vr, c.t - v.t - {offset} AS d
          {join}
          QUALIFY row_number() OVER (PARTITION BY c.file_row_number
                                     ORDER BY abs(c.t - v.t - {offset}), v.file_row_number) = 1"""
    elif variant == "argmin":
        matched = f"""
          SELECT cr, best.vr AS vr, best.d AS d FROM (
            SELECT c.file_row_number AS cr,
                   min({{'dist': abs(c.t - v.t - {offset}), 'vr': v.file_row_number,
                        'd': c.t - v.t - {offset}}}) AS best
            {join}
            GROUP BY c.file_row_number)"""
    elif variant == "packed":
        # (|d|, vendor row, sign of d) packed in one BIGINT: |d| <= 120 s < 2^27 us, rows
        # < 2^24, so min() of a plain integer picks the nearest, then the lowest row.
        matched = f"""
          SELECT cr, (k % {1 << 25}) // 2 AS vr, (k // {1 << 25}) * (1 - 2 * (k % 2)) AS d FROM (
            SELECT c.file_row_number AS cr,
                   min(abs(c.t - v.t - {offset}) * {1 << 25} + v.file_row_number * 2
                       + (c.t - v.t - {offset} < 0)::BIGINT) AS k
            {join}
            GROUP BY c.file_row_number)"""
    else:
        raise SystemExit(f"unknown band variant {variant}")
    sums = con.execute(f"""
      SELECT count(*), sum(cr), sum(vr), sum(d), sum(cr::HUGEINT * vr) FROM ({matched})""").fetchone()
    keys = ["matches", "sum_c", "sum_v", "sum_d", "sum_cv"]
    return {"offset_us": offset, "candidates": candidates, **dict(zip(keys, sums))}


def reach(con, d, variant):
    calls = pq(d, "calls")
    r = con.execute(f"""
      WITH per AS (
        SELECT caller, complainant,
               bool_or("window" = 2) AS inc, bool_or("window" = 1) AS base, count(*) AS n
        FROM {calls} GROUP BY caller, complainant),
      num AS (
        SELECT caller,
               count(*) FILTER (WHERE inc AND NOT base) AS oi,
               count(*) FILTER (WHERE base AND NOT inc) AS ob,
               count(*) FILTER (WHERE inc AND base) AS bo,
               sum(n) AS calls
        FROM per GROUP BY caller)
      SELECT count(*), sum(oi), sum(ob), sum(bo), sum(calls),
             sum(caller::HUGEINT * (oi + 1000 * ob + 1000000 * bo))
      FROM num""").fetchone()
    return dict(zip(["numbers", "sum_oi", "sum_ob", "sum_both", "sum_calls", "chk"], r))


def lookup(con, d, variant):
    calls, subs = pq(d, "calls", True), pq(d, "subscribers", True)
    r = con.execute(f"""
      SELECT count(s.file_row_number), sum(s.file_row_number),
             sum(c.file_row_number::HUGEINT * s.file_row_number)
      FROM {calls} c LEFT JOIN {subs} s ON c.caller = s.number""").fetchone()
    return dict(zip(["hits", "sum_b", "sum_pb"], r))


def overlap(con, d, variant):
    up, down = pq(d, "uploads"), pq(d, "downloads")
    r = con.execute(f"""
      WITH a AS (SELECT DISTINCT list, number FROM {up}),
           b AS (SELECT DISTINCT list, number FROM {down}),
           pairs AS (SELECT a.list AS la, b.list AS lb, count(*) AS ov
                     FROM a JOIN b ON a.number = b.number GROUP BY a.list, b.list),
           sa AS (SELECT list, count(*) AS s FROM a GROUP BY list),
           sb AS (SELECT list, count(*) AS s FROM b GROUP BY list)
      SELECT (SELECT count(*) FROM pairs), (SELECT sum(ov) FROM pairs),
             (SELECT sum((la::HUGEINT * {LISTS} + lb) * ov) FROM pairs),
             (SELECT sum(s) FROM sa), (SELECT sum(s) FROM sb),
             (SELECT sum(list::BIGINT * s) FROM sa), (SELECT sum(list::BIGINT * s) FROM sb)
      """).fetchone()
    keys = ["pairs", "sum_overlap", "chk", "sum_size_a", "sum_size_b", "lsum_size_a",
            "lsum_size_b"]
    return dict(zip(keys, r))


KERNELS = {
    "band": band,
    "band_sorted": lambda con, d, v: band(con, d, v, "_sorted"),
    "reach": reach,
    "lookup": lookup,
    "overlap": overlap,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("kernel", choices=sorted(KERNELS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--variant", default="qualify",
                    help="band join: qualify (default), argmin or packed")
    ap.add_argument("--memory-limit", default=None, help="e.g. 8GB (DuckDB's default: 80 %% of RAM)")
    ap.add_argument("--expect", help="file holding callsift's `join_compare run` output line")
    a = ap.parse_args()

    con = duckdb.connect()
    con.execute(f"SET threads = {a.threads}")
    if a.memory_limit:
        con.execute(f"SET memory_limit = '{a.memory_limit}'")
    t0 = time.perf_counter()
    got = KERNELS[a.kernel](con, a.dir, a.variant)
    secs = time.perf_counter() - t0
    got = {k: int(v) if v is not None else 0 for k, v in got.items()}
    print(f"kernel={a.kernel} seconds={secs:.4f} " + " ".join(f"{k}={v}" for k, v in got.items()))
    if a.expect:
        line = open(a.expect).read().split()
        want = dict(kv.split("=", 1) for kv in line if "=" in kv)
        bad = [(k, v, want[k]) for k, v in got.items() if k in want and str(v) != want[k]]
        missing = [k for k in got if k not in want]
        if bad or missing:
            print("=" * 72, file=sys.stderr)
            print(f"ANSWERS DIFFER: {a.kernel} in {a.dir}", file=sys.stderr)
            for k, v, w in bad:
                print(f"  {k}: duckdb {v} != callsift {w}", file=sys.stderr)
            for k in missing:
                print(f"  {k}: missing from callsift's line", file=sys.stderr)
            print("=" * 72, file=sys.stderr)
            return 3
        print(f"check {a.kernel}: {len(got)} checksums agree", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
