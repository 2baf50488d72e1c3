#!/usr/bin/env bash
# End-to-end benchmark: `callsift run` against the same pipeline in DuckDB, on synthetic worlds
# written by `callsift synth`. Figures go in docs/benchmarks.md.
#
#   benches/compare/run.sh                 # scales 1 and 10 (about 1 M and 10 M call rows)
#   benches/compare/run.sh 1
#   RUNS=5 SEED=3 DATA_DIR=/data/bench benches/compare/run.sh 10 100
#
# Environment:
#   DATA_DIR          synthetic cases, outputs and result tables (/tmp/callsift-run-bench)
#   CARGO_TARGET_DIR  release build folder (/tmp/bench-target; a shared one is fine)
#   RUNS              timed runs per tool; the median is reported (3)
#   SEED              synth seed (7)
#   WORLD             synth world (standard)
#   SKIP_BUILD=1      use the callsift binary already in $CARGO_TARGET_DIR/release
#   KEEP_DATA=1       keep each scale's synthetic case (default: deleted at scales >= 100)
#
# Per scale: `callsift synth --seed SEED --scale X --world WORLD` (unless the case is there), every
# file read once into the page cache, then RUNS rounds, each running, in turn (interleaved, so
# that a change of load hits every tool alike):
#   callsift t=2   callsift run CASE --out DIR --threads 2 --quiet
#   callsift t=1   the same on one thread
#   duckdb t=2     benches/compare/duckdb_pipeline.py CASE DIR --threads 2 (read and normalise
#                  every input, dedupe, case store and results as Parquet; see its header for
#                  what it does and does not do); process wall, Python start included
# each under /usr/bin/time -v (peak RSS, user + sys CPU) with a nanosecond wall clock around it,
# the 1-minute load average (/proc/loadavg) taken before each run. Then
# benches/compare/check_run.py checks that callsift and DuckDB agree (figures, top number,
# campaigns, overlap partners, attributed calls) and the script fails if they do not.
# Prints a Markdown table per scale and, with more than one scale, time per row and the
# 1 -> 2 thread speedup across scales; everything is also written to DATA_DIR/results-*.md.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$REPO/benches/compare"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
DATA_DIR=${DATA_DIR:-/tmp/callsift-run-bench}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/bench-target}
RUNS=${RUNS:-3}
SEED=${SEED:-7}
WORLD=${WORLD:-standard}
SCALES=("$@")
[ ${#SCALES[@]} -eq 0 ] && SCALES=(1 10)
unset RUST_BACKTRACE

command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
command -v bc >/dev/null || { echo "needs bc" >&2; exit 2; }

callsift_binary

ensure_duckdb
CALLSIFT_VERSION=$("$BIN" --version 2>/dev/null || echo callsift)
mkdir -p "$DATA_DIR"

# run TOOL RESULTS CMD...: one timed run (lib.sh), the start of a line of RESULTS (the caller
# appends the extra field and the newline).
run() {
  local tool=$1 results=$2; shift 2
  run_logged "$tool" "$results" '\t' "$@"
}

SUMMARY="$DATA_DIR/results-summary.tsv"
: >"$SUMMARY"
for X in "${SCALES[@]}"; do
  CASE_DIR="$DATA_DIR/synth-$WORLD-s$SEED-x$X"
  CASE="$CASE_DIR/case.toml"
  if [ ! -f "$CASE" ]; then
    rm -rf "$CASE_DIR"
    echo "== callsift synth --seed $SEED --scale $X --world $WORLD" >&2
    "$BIN" synth --seed "$SEED" --scale "$X" --world "$WORLD" --out "$CASE_DIR"
  fi
  BYTES=$(du -sb --exclude=truth.json "$CASE_DIR" | cut -f1)
  find "$CASE_DIR" -type f -exec cat {} + >/dev/null # into the page cache
  RESULTS="$DATA_DIR/results-x$X.tsv"
  : >"$RESULTS"
  echo "== scale $X: $CASE_DIR, $BYTES bytes; $RUNS runs per tool; $(nproc) cores; $(uptime)" >&2
  O2="$DATA_DIR/out-callsift-t2-x$X" O1="$DATA_DIR/out-callsift-t1-x$X" OD="$DATA_DIR/out-duckdb-x$X"
  timings() { python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["timings_ms"]))' "$1/manifest.json"; }
  for i in $(seq "$RUNS"); do
    rm -rf "$O2"
    run "callsift t=2" "$RESULTS" "$BIN" run "$CASE" --out "$O2" --threads 2 --quiet
    timings "$O2" >>"$RESULTS"
    rm -rf "$O1"
    run "callsift t=1" "$RESULTS" "$BIN" run "$CASE" --out "$O1" --threads 1 --quiet
    timings "$O1" >>"$RESULTS"
    rm -rf "$OD"
    run "duckdb t=2" "$RESULTS" python3 "$HERE/duckdb_pipeline.py" "$CASE" "$OD" --threads 2
    tail -n 1 "$LAST_OUT" >>"$RESULTS"
  done

  # Same figures? (fails the script when not)
  CHECK=$(python3 "$HERE/check_run.py" "$O2" "$OD") || { echo "$CHECK" >&2; echo "callsift and DuckDB DISAGREE at scale $X" >&2; exit 1; }
  echo "$CHECK" >&2
  cmp -s "$O1/results/figures.json" "$O2/results/figures.json" \
    || { echo "callsift figures differ between 1 and 2 threads at scale $X" >&2; exit 1; }

  python3 - "$RESULTS" "$X" "$BYTES" "$O2" "$DUCKDB_VERSION" "$CALLSIFT_VERSION" "$CHECK" "$SUMMARY" <<'EOF' | tee "$DATA_DIR/results-x$X.md"
import json, statistics, sys
path, scale, nbytes, o2, ddbv, csv_, check, summary = sys.argv[1:9]
m = json.load(open(f"{o2}/manifest.json"))
rows = sum(i["rows_read"] for i in m["inputs"] if i["kind"] == "calls")
runs = {}
for line in open(path):
    tool, wall, rss, load, cpu, extra = line.rstrip("\n").split("\t", 5)
    runs.setdefault(tool, []).append((float(wall), int(rss), float(load), float(cpu), json.loads(extra)))
med = {t: statistics.median(x[0] for x in v) for t, v in runs.items()}
ddb = med["duckdb t=2"]
print(f"Synthetic world, scale {scale}: {rows:,} carrier call rows, {int(nbytes) / 1e6:.0f} MB of "
      f"evidence files; median of {len(runs['duckdb t=2'])} runs; {csv_}, DuckDB {ddbv}")
print()
print("| tool | wall s | CPU s (user+sys) | peak RSS MB | call rows/s | vs DuckDB | load avg (1 min) |")
print("|---|---:|---:|---:|---:|---:|---:|")
for t, v in runs.items():
    w = med[t]
    rss = statistics.median(x[1] for x in v) / 1024
    cpu = statistics.median(x[3] for x in v)
    loads = [x[2] for x in v]
    print(f"| {t} | {w:.2f} | {cpu:.2f} | {rss:.0f} | {rows / w / 1e6:.2f} M | {ddb / w:.2f}× "
          f"| {min(loads):.2f}–{max(loads):.2f} |")
print()
print(f"vs DuckDB: DuckDB's median wall / the tool's (above 1 = faster than DuckDB). "
      f"1 → 2 threads (callsift): {med['callsift t=1'] / med['callsift t=2']:.2f}×. "
      f"Walls of every run: " + "; ".join(f"{t} " + ", ".join(f"{x[0]:.2f}" for x in v) for t, v in runs.items()) + ".")
for t in ("callsift t=2", "callsift t=1"):
    keys = runs[t][0][4].keys()
    parts = ", ".join(f"{k} {statistics.median(x[4][k] for x in runs[t]) / 1000:.2f} s" for k in keys)
    print(f"{t} manifest timings_ms (median): {parts}.")
st = runs["duckdb t=2"][0][4]["stages"].keys()
parts = ", ".join(f"{k} {statistics.median(x[4]['stages'][k] for x in runs['duckdb t=2']):.2f} s" for k in st)
print(f"duckdb t=2 stages (median, in process): {parts}; query total "
      f"{statistics.median(x[4]['seconds'] for x in runs['duckdb t=2']):.2f} s.")
print(check)
with open(summary, "a") as f:
    for t, v in runs.items():
        f.write(f"{scale}\t{rows}\t{t}\t{med[t]}\t{statistics.median(x[1] for x in v)}\n")
EOF
  if [ "${KEEP_DATA:-0}" != 1 ] && [ "$(echo "$X >= 100" | bc -l)" = 1 ]; then
    rm -rf "$CASE_DIR" "$O1" "$O2" "$OD"
  fi
done

if [ ${#SCALES[@]} -gt 1 ]; then
  python3 - "$SUMMARY" <<'EOF' | tee "$DATA_DIR/results-scaling.md"
import sys
rows = {}
for line in open(sys.argv[1]):
    scale, n, tool, wall, rss = line.rstrip("\n").split("\t")
    rows.setdefault(tool, []).append((float(scale), int(n), float(wall), int(rss)))
print()
print("Linearity: time per call row at each scale (µs), and the wall ratio against the row ratio "
      "from the smallest scale (1.00 = linear).")
print()
print("| tool | " + " | ".join(f"scale {s:g}: µs/row" for s, *_ in next(iter(rows.values()))) + " | wall ratio / row ratio |")
print("|---|" + "---:|" * (len(next(iter(rows.values()))) + 1))
for tool, v in rows.items():
    per = [w / n * 1e6 for _, n, w, _ in v]
    s0, n0, w0, _ = v[0]
    lin = ", ".join(f"×{s / s0:g}: {(w / w0) / (n / n0):.2f}" for s, n, w, _ in v[1:])
    print(f"| {tool} | " + " | ".join(f"{p:.3f}" for p in per) + f" | {lin} |")
EOF
fi
