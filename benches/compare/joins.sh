#!/usr/bin/env bash
# Join kernels benchmark: callsift's kernels against DuckDB doing the same work on the same
# generated Parquet files. Figures go in docs/benchmarks.md ("Join kernels").
#
#   benches/compare/joins.sh                       # 1,000,000 and 10,000,000 rows
#   benches/compare/joins.sh 10000000
#   RUNS=5 KERNELS="band reach" benches/compare/joins.sh 1000000
#
# Environment:
#   DATA_DIR          where the generated Parquet files live (/tmp/callsift-joins), one folder
#                     per size; generated once by `join_compare gen` (seeded), then reused
#   CARGO_TARGET_DIR  release build folder (/tmp/bench-target; a shared one is fine)
#   RUNS              timed runs per tool; the median is reported (3)
#   KERNELS           which kernels (band band_sorted reach lookup overlap)
#   BAND_VARIANTS     DuckDB formulations of the band join to time (qualify packed); see
#                     duckdb_joins.py: qualify = median() + QUALIFY row_number() (the natural
#                     SQL), argmin = min() of a struct, packed = quantile_disc() + min() of a
#                     packed BIGINT (the fastest we found)
#   SKIP_BUILD=1      use the join_compare binary found by the last build
#   SKIP_T1=1         do not time callsift on one thread
#
# The kernels (benches/join_compare.rs has the data shapes):
#   band         offset estimate (median of differences within ±600 s) + band join (120 s),
#                ROWS carrier × ROWS·17/16 vendor rows, in random order
#   band_sorted  the same rows, files sorted by (number, t): a store clustered by number
#   reach        complainants reached per originating number: only incident / only baseline /
#                both, ROWS calls
#   lookup       subscriber row of each call's caller: ROWS calls × ROWS/10 subscribers
#   overlap      all pairs of 1,000 uploads × 1,000 downloads, ROWS memberships in all
#
# Every run is a fresh process under /usr/bin/time -v (peak RSS, CPU = user + sys) with a
# nanosecond wall clock around it; the files are read once beforehand so every run finds them in
# the page cache; runs are interleaved (callsift t=2, t=1, DuckDB) so a change of load hits all
# alike, and the 1-minute load average is taken before every run (this machine's 2 cores are
# shared). callsift prints its in-process read and kernel times, DuckDB its query time (Parquet
# read included, Python start excluded). Every DuckDB run checks its answer against callsift's
# (checksums of the matched pairs / counts per key) and the script stops loudly if they differ.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$REPO/benches/compare"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
DATA_DIR=${DATA_DIR:-/tmp/callsift-joins}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/bench-target}
RUNS=${RUNS:-3}
KERNELS=${KERNELS:-band band_sorted reach lookup overlap}
BAND_VARIANTS=${BAND_VARIANTS:-qualify packed}
ROWS_LIST=("$@")
[ ${#ROWS_LIST[@]} -eq 0 ] && ROWS_LIST=(1000000 10000000)

command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
mkdir -p "$DATA_DIR"

BIN_FILE="$DATA_DIR/join_compare.path"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== cargo bench --bench join_compare --no-run (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)" >&2
  (cd "$REPO" && cargo bench --bench join_compare --no-run --message-format=json) \
    | python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "join_compare" and m.get("executable"):
        print(m["executable"])' >"$BIN_FILE"
fi
BIN=$(cat "$BIN_FILE" 2>/dev/null || true)
[ -x "$BIN" ] || { echo "no join_compare binary (looked in $BIN_FILE)" >&2; exit 2; }

ensure_duckdb


# run TOOL KERNEL RESULTS OUTFILE CMD...: one timed run, appended to RESULTS as
# tool<TAB>kernel<TAB>wall s<TAB>peak RSS kB<TAB>load<TAB>CPU s<TAB>the tool's output line.
run() {
  local tool=$1 kernel=$2 results=$3 out=$4; shift 4
  measure "$out" "$out.err" "$@"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$kernel" "$M_WALL" "$M_RSS" "$M_LOAD" "$M_CPU" "$(head -1 "$out")" >>"$results"
  printf '  %-22s %-12s %8.3f s  cpu %6.2f s  %6.0f MB  load %s\n' "$tool" "$kernel" "$M_WALL" "$M_CPU" \
    "$(echo "$M_RSS / 1024" | bc -l)" "$M_LOAD" >&2
}

for ROWS in "${ROWS_LIST[@]}"; do
  L=$(label "$ROWS")
  D="$DATA_DIR/$L"
  if [ ! -f "$D/done" ]; then
    echo "== generating $D ($ROWS rows)" >&2
    "$BIN" gen "$D" "$ROWS"
    touch "$D/done"
  fi
  cat "$D"/*.parquet >/dev/null # into the page cache
  RESULTS="$DATA_DIR/results-$L.tsv"
  : >"$RESULTS"
  echo "== $D: $ROWS rows; $RUNS runs per tool; $(nproc) cores; DuckDB $DUCKDB_VERSION; $(uptime)" >&2
  for i in $(seq "$RUNS"); do
    for K in $KERNELS; do
      EXP="$DATA_DIR/last-$L-$K.out"
      run "callsift t=2" "$K" "$RESULTS" "$EXP" env RAYON_NUM_THREADS=2 "$BIN" run "$D" "$K"
      if [ "${SKIP_T1:-0}" != 1 ]; then
        run "callsift t=1" "$K" "$RESULTS" "$DATA_DIR/last.out" env RAYON_NUM_THREADS=1 "$BIN" run "$D" "$K"
      fi
      case $K in band*) VARIANTS=$BAND_VARIANTS ;; *) VARIANTS=default ;; esac
      for V in $VARIANTS; do
        NAME="duckdb t=2"
        ARGS=()
        if [ "$V" != default ]; then NAME="duckdb/$V t=2"; ARGS=(--variant "$V"); fi
        run "$NAME" "$K" "$RESULTS" "$DATA_DIR/last.out" \
          python3 "$HERE/duckdb_joins.py" "$D" "$K" --threads 2 "${ARGS[@]}" --expect "$EXP"
      done
    done
  done

  python3 - "$RESULTS" "$ROWS" "$DUCKDB_VERSION" <<'EOF' | tee "$DATA_DIR/results-$L.md"
import statistics, sys
path, rows, ddbv = sys.argv[1], int(sys.argv[2]), sys.argv[3]
runs = {}
for line in open(path):
    tool, kernel, wall, rss, load, cpu, out = line.rstrip("\n").split("\t")
    kv = dict(x.split("=", 1) for x in out.split() if "=" in x)
    runs.setdefault((kernel, tool), []).append(dict(
        wall=float(wall), rss=int(rss) / 1024, load=float(load), cpu=float(cpu),
        kernel=float(kv.get("kernel_s", kv.get("seconds", "nan"))),
        inproc=float(kv.get("total_s", kv.get("seconds", "nan")))))
med = lambda k, t, f: statistics.median(r[f] for r in runs[(k, t)]) if (k, t) in runs else None
kernels = list(dict.fromkeys(k for k, _ in runs))
print(f"{rows:,} rows; median of {len(next(iter(runs.values())))} runs; DuckDB {ddbv}, "
      f"`SET threads = 2`, from Parquet")
print()
print("| kernel | callsift t=2 kernel s | callsift t=2 read+kernel s | CPU s | peak MB "
      "| callsift t=1 kernel s | t=1 read+kernel s | 1→2 threads (kernel) "
      "| DuckDB t=2 s | CPU s | peak MB | DuckDB SQL | ratio (read+kernel) | ratio (kernel only) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|")
for k in kernels:
    c2 = "callsift t=2"
    c1 = "callsift t=1"
    ddbs = [t for kk, t in runs if kk == k and t.startswith("duckdb")]
    for t in ddbs:
        d = med(k, t, "inproc")
        ck, ct = med(k, c2, "kernel"), med(k, c2, "inproc")
        k1, t1 = med(k, c1, "kernel"), med(k, c1, "inproc")
        f = lambda x, p=3: "–" if x is None else f"{x:.{p}f}"
        sql = t.split(" ")[0].split("/")[1] if "/" in t else "natural"
        print(f"| {k} | {f(ck)} | {f(ct)} | {f(med(k, c2, 'cpu'), 2)} | {f(med(k, c2, 'rss'), 0)} "
              f"| {f(k1)} | {f(t1)} | {f(k1 / ck if k1 else None, 2)}× "
              f"| {f(d)} | {f(med(k, t, 'cpu'), 2)} | {f(med(k, t, 'rss'), 0)} | {sql} "
              f"| {d / ct:.2f}× | {d / ck:.2f}× |")
loads = [r["load"] for v in runs.values() for r in v]
print()
print(f"Times are medians, in process: callsift's Parquet read + kernel (`total_s`) and kernel "
      f"alone (`kernel_s`, data in memory, first run in the process), DuckDB's queries "
      f"(Parquet read included). CPU s (user + sys) and peak RSS are of the whole process "
      f"(/usr/bin/time -v). ratio = DuckDB s / callsift s (above 1: callsift faster). "
      f"1-min load average before the runs: {min(loads):.2f}–{max(loads):.2f}.")
print()
print("Process wall (s, median, process start included):",
      ", ".join(f"{k} {t}: {med(k, t, 'wall'):.2f}" for k, t in runs))
EOF
done
