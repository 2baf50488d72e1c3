#!/usr/bin/env bash
# Ingest benchmark: callsift against `wc -l` (the floor) and DuckDB (the bar) on a generated
# Ontario-style carrier CSV. Figures go in docs/benchmarks.md.
#
#   benches/compare/ingest.sh                 # 10,000,000 rows
#   benches/compare/ingest.sh 1000000 10000000
#   RUNS=5 DATA_DIR=/data/bench benches/compare/ingest.sh 1000000
#
# Environment:
#   DATA_DIR          where the generated CSVs, case files and outputs live (/tmp/callsift-bench)
#   CARGO_TARGET_DIR  release build folder (/tmp/bench-target; a shared one is fine)
#   RUNS              timed runs per tool; the median is reported (3)
#   SKIP_BUILD=1      use the callsift binary already in $CARGO_TARGET_DIR/release
#   DUCKDB_ROWNUM=1   also time DuckDB keeping the line number of each record (closer to callsift)
#   DUCKDB_STAGES=1   also time DuckDB stopped after reading, after normalising, after deduping
#   DUCKDB_REPLACE=1  also time DuckDB with replace() instead of regexp_replace() for the digits
#                     (layout-specific, faster: the strongest DuckDB baseline we know of)
#
# Each tool runs RUNS times under /usr/bin/time -v (peak RSS) with a nanosecond wall clock
# around it; the file is read once beforehand so every run finds it in the page cache. The load
# average is taken before every run and printed, because this machine's 2 cores are shared.
#
# What is timed:
#   wc -l          LC_ALL=C wc -l FILE (one core): the rate of merely finding the lines
#   callsift t=2   callsift ingest CASE --out DIR --threads 2 (read, normalise, dedupe, Parquet,
#                  quarantine, manifest with SHA-256 of every input and output, fsync)
#   callsift t=1   the same on one thread
#   duckdb t=2     benches/compare/duckdb_ingest.py: read_csv (all VARCHAR) + normalising SQL +
#                  DISTINCT + COPY TO Parquet, SET threads = 2 (process wall, Python start included)
# Checks: callsift's accepted rows (manifest) = DuckDB's rows, and the same count of distinct
# calling numbers in both Parquet files.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$REPO/benches/compare"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
DATA_DIR=${DATA_DIR:-/tmp/callsift-bench}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/bench-target}
RUNS=${RUNS:-3}
ROWS_LIST=("$@")
[ ${#ROWS_LIST[@]} -eq 0 ] && ROWS_LIST=(10000000)

command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

callsift_binary

ensure_duckdb

mkdir -p "$DATA_DIR"


# run TOOL RESULTS CMD...: one timed run (lib.sh), a line of RESULTS.
run() {
  local tool=$1 results=$2; shift 2
  run_logged "$tool" "$results" '\n' "$@"
}

for ROWS in "${ROWS_LIST[@]}"; do
  L=$(label "$ROWS")
  CSV="$DATA_DIR/ontario-$L.csv"
  CASE="$DATA_DIR/case-ontario-$L.toml"
  if [ ! -f "$CSV" ] || [ ! -f "$CASE" ]; then
    echo "== generating $CSV ($ROWS rows)" >&2
    python3 "$HERE/gen_carrier_csv.py" --rows "$ROWS" --out "$CSV" --case "$CASE"
  fi
  BYTES=$(stat -c %s "$CSV")
  cat "$CSV" >/dev/null # into the page cache
  RESULTS="$DATA_DIR/results-$L.tsv"
  : >"$RESULTS"
  echo "== $CSV: $ROWS rows, $BYTES bytes; $RUNS runs per tool; $(nproc) cores; $(uptime)" >&2

  OUT1="$DATA_DIR/out-callsift-$L"
  DDB="$DATA_DIR/out-duckdb-$L.parquet"
  CS_T2=() CS_T1=() DDB_Q=()
  for i in $(seq "$RUNS"); do
    # Interleaved, so that a change of load hits every tool alike.
    run "wc -l" "$RESULTS" env LC_ALL=C wc -l "$CSV"
    rm -rf "$OUT1"
    run "callsift t=2" "$RESULTS" "$BIN" ingest "$CASE" --out "$OUT1" --threads 2 --quiet
    CS_T2+=("$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["timings_ms"]["ingest.read"], m["timings_ms"]["ingest.total"])' "$OUT1/manifest.json")")
    rm -rf "$OUT1"
    run "callsift t=1" "$RESULTS" "$BIN" ingest "$CASE" --out "$OUT1" --threads 1 --quiet
    CS_T1+=("$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["timings_ms"]["ingest.read"], m["timings_ms"]["ingest.total"])' "$OUT1/manifest.json")")
    rm -f "$DDB"
    run "duckdb t=2" "$RESULTS" python3 "$HERE/duckdb_ingest.py" "$CSV" "$DDB" --threads 2
    DDB_Q+=("$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' "$LAST_OUT")")
    if [ "${DUCKDB_REPLACE:-0}" = 1 ]; then
      rm -f "$DDB.replace"
      run "duckdb/replace t=2" "$RESULTS" python3 "$HERE/duckdb_ingest.py" "$CSV" "$DDB.replace" --threads 2 --digits replace
    fi
    if [ "${DUCKDB_ROWNUM:-0}" = 1 ]; then
      rm -f "$DDB.rownum"
      run "duckdb+row t=2" "$RESULTS" python3 "$HERE/duckdb_ingest.py" "$CSV" "$DDB.rownum" --threads 2 --rownum
    fi
  done

  if [ "${DUCKDB_STAGES:-0}" = 1 ]; then
    # Where DuckDB's time goes: the query stopped after each step (in-process query time).
    for st in read normalise dedupe all; do
      secs=()
      for i in $(seq "$RUNS"); do
        secs+=("$(python3 "$HERE/duckdb_ingest.py" "$CSV" "$DDB.stage" --threads 2 --stage "$st" \
          | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')")
      done
      echo "duckdb stage $st: ${secs[*]} s (median $(printf '%s\n' "${secs[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p") s)" \
        | tee -a "$DATA_DIR/duckdb-stages-$L.txt" >&2
    done
    rm -f "$DDB.stage"
  fi

  # Same work? Rows and distinct calling numbers, from both Parquet files.
  CHECK=$(python3 - "$OUT1" "$DDB" <<'EOF'
import json, sys, duckdb
out, ddb = sys.argv[1], sys.argv[2]
m = json.load(open(f"{out}/manifest.json"))
inp = m["inputs"][0]
cs = duckdb.sql(f"SELECT count(*), count(DISTINCT calling) FROM read_parquet('{out}/store/calls/*.parquet')").fetchall()[0]
dd = duckdb.sql(f"SELECT count(*), count(DISTINCT calling) FROM read_parquet('{ddb}')").fetchall()[0]
ok = cs == dd and cs[0] == inp["accepted"]
print(f"check: callsift rows read {inp['rows_read']}, accepted {inp['accepted']}, "
      f"duplicates removed {inp['duplicates_removed']}, quarantined {inp['quarantined']}, "
      f"distinct calling {cs[1]}; duckdb rows {dd[0]}, distinct calling {dd[1]}: "
      f"{'SAME' if ok else 'DIFFERENT'}")
EOF
)
  echo "$CHECK" >&2

  python3 - "$RESULTS" "$ROWS" "$BYTES" "$L" "$DUCKDB_VERSION" "${CS_T2[*]}" "${CS_T1[*]}" "${DDB_Q[*]}" "$CHECK" <<'EOF' | tee "$DATA_DIR/results-$L.md"
import statistics, sys
path, rows, nbytes, label, ddbv, cs2, cs1, ddbq, check = sys.argv[1:10]
rows, nbytes = int(rows), int(nbytes)
runs = {}
for line in open(path):
    tool, wall, rss, load, cpu = line.rstrip("\n").split("\t")
    runs.setdefault(tool, []).append((float(wall), int(rss), float(load), float(cpu)))
med = {t: statistics.median(x[0] for x in v) for t, v in runs.items()}
wc, ddb = med.get("wc -l"), med.get("duckdb t=2")
print(f"Ontario-style carrier CSV, {rows:,} rows, {nbytes / 1e6:.1f} MB; median of "
      f"{len(runs['wc -l'])} runs; DuckDB {ddbv}")
print()
print("| tool | wall s | rows/s | MB/s | peak RSS MB | CPU s (user+sys) | vs DuckDB | vs wc -l | best wall s | best vs DuckDB |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
best = {t: min(x[0] for x in v) for t, v in runs.items()}
for t, v in runs.items():
    w = med[t]
    rss = statistics.median(x[1] for x in v) / 1024
    cpu = statistics.median(x[3] for x in v)
    vs_ddb = f"{ddb / w:.2f}×" if ddb else "–"
    vs_wc = f"{wc / w * 100:.1f} %" if wc else "–"
    best_vs = f"{best['duckdb t=2'] / best[t]:.2f}×" if ddb else "–"
    print(f"| {t} | {w:.3f} | {rows / w / 1e6:.2f} M | {nbytes / 1e6 / w:.0f} | {rss:.0f} "
          f"| {cpu:.2f} | {vs_ddb} | {vs_wc} | {best[t]:.3f} | {best_vs} |")
loads = [x[2] for v in runs.values() for x in v]
print()
print(f"Wall, rows/s, MB/s, RSS, CPU: medians. vs DuckDB: DuckDB's median wall / the tool's "
      f"(above 1 = faster than DuckDB). vs wc -l: the tool's rate as a share of `wc -l`'s. "
      f"best: the fastest run (least disturbed by other load). 1-min load average before the "
      f"runs: {min(loads):.2f}–{max(loads):.2f}.")
for name, s in (("callsift t=2", cs2), ("callsift t=1", cs1)):
    nums = list(map(int, s.split()))
    reads, totals = nums[0::2], nums[1::2]
    if reads:
        print(f"{name} (manifest timings, median): read+convert {statistics.median(reads) / 1000:.2f} s, "
              f"ingest total {statistics.median(totals) / 1000:.2f} s (process wall includes the rest)")
if ddbq.strip():
    print(f"DuckDB query alone (in process, median): {statistics.median(map(float, ddbq.split())):.2f} s")
print(check)
EOF
done
