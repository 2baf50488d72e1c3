#!/usr/bin/env python3
"""DuckDB doing the work of `callsift ingest` on an Ontario-style carrier CSV.

Reads the file with `read_csv` (every column VARCHAR), normalises it in SQL the way the
`ontario` profile does, removes exact duplicates and writes Parquet, so that, like callsift, it
reads, normalises and writes:

* numbers: digits only; 10 digits, or 11 starting with 1, with area code and exchange >= 200
  -> BIGINT E.164 digits ('1' prefix); `PRIVATE` (and the other usual blocked tokens) -> NULL
  with status `blocked`; anything else NULL with status `invalid`; the raw text kept;
* date + time -> TIMESTAMPTZ: `strptime(date || ' ' || time, '%Y-%m-%d %H:%M:%S')` read as
  America/Toronto wall-clock time with `timezone('America/Toronto', ...)`;
* duration (s) -> BIGINT milliseconds;
* exact duplicates (same called, calling, caller-ID status, start, duration) kept once;
* `COPY ... TO ... (FORMAT parquet)` (DuckDB's default Snappy compression, like callsift).

callsift does somewhat more per row (the row's line number `source_row` and `source_file`, a
quarantine for bad rows, per-file reconciliation, SHA-256 of input and outputs, fsync of every
file): DuckDB is given the lighter job. With --rownum DuckDB also keeps the line number of the
first occurrence of each record (closer to callsift; slower).

    python3 benches/compare/duckdb_ingest.py FILE.csv OUT.parquet [--threads 2] [--rownum]

Prints one line: `rows=N seconds=S` (S: the query alone, in process), plus
`distinct_calling=M` with --check.
"""

import argparse
import sys
import time

import duckdb

BLOCKED = ("private", "private number", "unknown", "anonymous", "restricted", "unavailable",
           "blocked", "withheld")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("out")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rownum", action="store_true",
                    help="keep the file line of each record's first occurrence")
    ap.add_argument("--memory-limit", default=None, help="e.g. 8GB (DuckDB's default: 80 %% of RAM)")
    ap.add_argument("--check", action="store_true", help="print distinct calling numbers of OUT")
    ap.add_argument("--stage", choices=["read", "normalise", "dedupe", "all"], default="all",
                    help="stop early, to see where DuckDB's time goes: `read` counts the rows of "
                         "read_csv (every column VARCHAR), `normalise` also normalises (all "
                         "columns hashed so that none is optimised away), `dedupe` also removes "
                         "duplicates; `all` (default) also writes the Parquet file")
    ap.add_argument("--digits", choices=["regexp", "replace"], default="regexp",
                    help="how numbers are reduced to digits: regexp_replace(x, '[^0-9]', '', 'g') "
                         "(default: any layout), or a chain of replace() that removes only the "
                         "'(', ')', ' ' and '-' of the Ontario layout (faster, layout-specific)")
    a = ap.parse_args()

    con = duckdb.connect()
    con.execute(f"SET threads = {a.threads}")
    if a.memory_limit:
        con.execute(f"SET memory_limit = '{a.memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    blocked = ", ".join(f"'{t}'" for t in BLOCKED)
    csv = a.csv.replace("'", "''")
    out = a.out.replace("'", "''")
    rownum = ", row_number() OVER () + 1 AS source_row" if a.rownum else ""

    def digits(col):
        if a.digits == "regexp":
            return f"regexp_replace({col}, '[^0-9]', '', 'g')"
        return f"replace(replace(replace(replace({col}, '(', ''), ')', ''), ' ', ''), '-', '')"

    dedupe = ("SELECT DISTINCT ON (called, calling, calling_status, start, duration_ms) * FROM norm "
              "WHERE called IS NOT NULL ORDER BY called, calling, calling_status, start, duration_ms, source_row"
              if a.rownum else
              "SELECT DISTINCT * FROM norm WHERE called IS NOT NULL")
    sql = f"""
    COPY (
      WITH raw AS (
        SELECT * {rownum}
        FROM read_csv('{csv}', header = true, all_varchar = true, delim = ',', quote = '"',
                      auto_detect = false,
                      columns = {{'sub': 'VARCHAR', 'orig': 'VARCHAR', 'd': 'VARCHAR',
                                  't': 'VARCHAR', 'dur': 'VARCHAR', 'type': 'VARCHAR'}})
      ),
      digits AS (
        SELECT *, {digits('sub')} AS sd,
                  {digits('orig')} AS od,
                  lower(trim(orig)) IN ({blocked}) AS blk
        FROM raw
      ),
      e164 AS (
        SELECT *,
          CASE WHEN length(sd) = 10 THEN '1' || sd
               WHEN length(sd) = 11 AND sd[1] = '1' THEN sd END AS s11,
          CASE WHEN blk THEN NULL
               WHEN length(od) = 10 THEN '1' || od
               WHEN length(od) = 11 AND od[1] = '1' THEN od END AS o11
        FROM digits
      ),
      norm AS (
        SELECT
          CASE WHEN s11[2] >= '2' AND s11[5] >= '2' THEN CAST(s11 AS BIGINT) END AS called,
          CASE WHEN o11[2] >= '2' AND o11[5] >= '2' THEN CAST(o11 AS BIGINT) END AS calling,
          CASE WHEN blk THEN 'blocked'
               WHEN o11[2] >= '2' AND o11[5] >= '2' THEN 'ok'
               ELSE 'invalid' END AS calling_status,
          orig AS calling_raw,
          timezone('America/Toronto', strptime(d || ' ' || t, '%Y-%m-%d %H:%M:%S')) AS start,
          CAST(dur AS BIGINT) * 1000 AS duration_ms,
          'Ontario Tel' AS carrier
          {", source_row" if a.rownum else ""}
        FROM e164
      )
      {dedupe}
    ) TO '{out}' (FORMAT parquet)
    """
    body = sql.split("COPY (", 1)[1].rsplit(") TO", 1)[0]
    ctes = body.rsplit(dedupe, 1)[0]
    if a.stage == "read":
        sql = f"SELECT count(*) FROM read_csv('{csv}', header = true, all_varchar = true, " \
              "delim = ',', quote = '\"', auto_detect = false, columns = {'sub': 'VARCHAR', " \
              "'orig': 'VARCHAR', 'd': 'VARCHAR', 't': 'VARCHAR', 'dur': 'VARCHAR', 'type': 'VARCHAR'})"
    elif a.stage == "normalise":
        sql = ctes + "SELECT count(*), sum(hash(called, calling, calling_status, calling_raw, start, " \
              "duration_ms, carrier)) FROM norm WHERE called IS NOT NULL"
    elif a.stage == "dedupe":
        sql = ctes + f"SELECT count(*) FROM ({dedupe})"
    t0 = time.perf_counter()
    rows = con.execute(sql).fetchone()[0]
    secs = time.perf_counter() - t0
    line = f"rows={rows} seconds={secs:.3f}"
    if a.check:
        dc = con.execute(
            f"SELECT count(DISTINCT calling) FROM read_parquet('{out}')").fetchone()[0]
        line += f" distinct_calling={dc}"
    print(line)


if __name__ == "__main__":
    sys.exit(main())
