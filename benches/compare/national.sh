#!/usr/bin/env bash
# `callsift run` against the same pipeline in DuckDB on a synthetic world of national shape
# (`callsift synth --world national`: hundreds of districts, a population as large as the
# carrier records, five vendors, hundreds of campaigns, uploads and downloads). Figures go in
# docs/benchmarks.md.
#
#   benches/compare/national.sh SCALE          # e.g. 10 (about 10 M carrier rows)
#   RUNS=3 SEED=2 benches/compare/national.sh 1
#
# Environment:
#   DATA_DIR          the world, the outputs and the result files (/tmp/callsift-national-bench)
#   CARGO_TARGET_DIR  release build folder (/tmp/bench-target; a shared one is fine)
#   RUNS              timed runs per tool, interleaved; the median is reported (2)
#   SEED              synth seed (7)
#   THREADS           threads of both tools (2)
#   SKIP_BUILD=1      use the callsift binary already in $CARGO_TARGET_DIR/release
#   KEEP_DATA=1       keep the run outputs (the world is always kept, and reused when present)
#
# Steps: build (lib.sh), `callsift synth --world national --scale SCALE --seed SEED` into
# DATA_DIR unless that world is there, every file read once into the page cache, then RUNS
# rounds of `callsift run CASE --out DIR --threads T --quiet` and
# `benches/compare/duckdb_pipeline.py CASE DIR --threads T`, in turn, each under
# /usr/bin/time -v (peak RSS, user + sys CPU) with a nanosecond wall clock around it and the
# 1-minute load average read before it (lib.sh `measure`). Then benches/compare/check_run.py
# checks that the two agree (every integer figure, the top unexplained number, the top
# attributed and enriched campaigns, each list's top overlap partner, the attributed pairs);
# the script exits 1 when they do not. Prints the world's sizes, every run, and a Markdown
# table (header and one row) with the medians; the row is also appended to
# DATA_DIR/results.md.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$REPO/benches/compare"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
[ $# -eq 1 ] || { echo "usage: $0 SCALE" >&2; exit 2; }
X=$1
DATA_DIR=${DATA_DIR:-/tmp/callsift-national-bench}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/bench-target}
RUNS=${RUNS:-2}
SEED=${SEED:-7}
THREADS=${THREADS:-2}
unset RUST_BACKTRACE

command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
command -v bc >/dev/null || { echo "needs bc" >&2; exit 2; }

callsift_binary
ensure_duckdb
CALLSIFT_VERSION=$("$BIN" --version 2>/dev/null | head -n 1 || echo callsift)
mkdir -p "$DATA_DIR"

CASE_DIR="$DATA_DIR/national-s$SEED-x$X"
CASE="$CASE_DIR/case.toml"
if [ ! -f "$CASE" ] || [ ! -f "$CASE_DIR/truth.json" ]; then
  rm -rf "$CASE_DIR"
  echo "== callsift synth --world national --seed $SEED --scale $X" >&2
  measure "$DATA_DIR/synth.out" "$DATA_DIR/synth.out" \
    "$BIN" synth --world national --seed "$SEED" --scale "$X" --out "$CASE_DIR" --threads "$THREADS"
  printf '   synth: %.1f s, peak %.0f MB, load %s\n' "$M_WALL" "$(echo "$M_RSS / 1024" | bc -l)" "$M_LOAD" >&2
else
  echo "== reusing $CASE_DIR" >&2
fi
BYTES=$(du -sb --exclude=truth.json "$CASE_DIR" | cut -f1)
find "$CASE_DIR" -type f -exec cat {} + >/dev/null # into the page cache
RESULTS="$DATA_DIR/runs-x$X.tsv"
: >"$RESULTS"
echo "== national world, scale $X: $CASE_DIR, $BYTES bytes; $RUNS runs per tool; $(nproc) cores; $(uptime)" >&2
OC="$DATA_DIR/out-callsift-x$X" OD="$DATA_DIR/out-duckdb-x$X"
for i in $(seq "$RUNS"); do
  rm -rf "$OC"
  run_logged "callsift" "$RESULTS" '\n' "$BIN" run "$CASE" --out "$OC" --threads "$THREADS" --quiet
  rm -rf "$OD"
  run_logged "duckdb" "$RESULTS" '\n' python3 "$HERE/duckdb_pipeline.py" "$CASE" "$OD" --threads "$THREADS"
done

# Same figures? (fails the script when not)
CHECK=$(python3 "$HERE/check_run.py" "$OC" "$OD") || {
  echo "$CHECK" >&2
  echo "callsift and DuckDB DISAGREE on the national world at scale $X" >&2
  exit 1
}
echo "$CHECK" >&2

python3 - "$RESULTS" "$X" "$BYTES" "$CASE_DIR" "$OC" "$DUCKDB_VERSION" "$CALLSIFT_VERSION" "$DATA_DIR/results.md" <<'EOF'
import glob, json, statistics, sys
path, scale, nbytes, case, oc, ddbv, csv_, md = sys.argv[1:9]
t = json.load(open(f"{case}/truth.json"))["counts"]
m = json.load(open(f"{oc}/manifest.json"))
rows = sum(i["rows_read"] for i in m["inputs"] if i["kind"] == "calls")
fig = json.load(open(f"{oc}/results/figures.json"))
uploads = glob.glob(f"{case}/vendor*/uploads/*.csv")
runs = {}
for line in open(path):
    tool, wall, rss, load, cpu = line.rstrip("\n").split("\t")[:5]
    runs.setdefault(tool, []).append((float(wall), int(rss), float(load), float(cpu)))
med = lambda tool, k: statistics.median(x[k] for x in runs[tool])
c, d = runs["callsift"], runs["duckdb"]
loads = [x[2] for x in c + d]
print(f"National world, scale {scale}: {rows:,} carrier rows, {t['population']:,} population lines, "
      f"{len(glob.glob(f'{case}/vendor*/outbound/*.jsonl'))} campaigns of 5 vendors "
      f"({t['vendor_rows']:,} vendor rows), {len(uploads)} uploads, {len(t['downloads'])} downloads "
      f"({sum(t['downloads'].values()):,} rows), {fig['originating_numbers']:,} originating numbers, "
      f"{t['complainants_in_orders'] + t['complainants_late']:,} complainants; "
      f"{int(nbytes) / 1e6:.0f} MB of evidence; {csv_}, DuckDB {ddbv}; median of {len(c)} runs each.")
print("Walls: callsift " + ", ".join(f"{x[0]:.2f}" for x in c) + "; DuckDB " + ", ".join(f"{x[0]:.2f}" for x in d) + ".")
print()
header = ("| scale | carrier rows | callsift wall s | callsift CPU s | callsift peak MB | DuckDB wall s "
          "| DuckDB CPU s | DuckDB peak MB | DuckDB / callsift | load avg (1 min) | figures |")
row = (f"| {scale} | {rows:,} | {med('callsift', 0):.2f} | {med('callsift', 3):.2f} | {med('callsift', 1) / 1024:.0f} "
       f"| {med('duckdb', 0):.2f} | {med('duckdb', 3):.2f} | {med('duckdb', 1) / 1024:.0f} "
       f"| {med('duckdb', 0) / med('callsift', 0):.2f}× | {min(loads):.2f}–{max(loads):.2f} | same |")
print(header)
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
print(row)
with open(md, "a") as f:
    f.write(row + "\n")
EOF
if [ "${KEEP_DATA:-0}" != 1 ]; then
  rm -rf "$OC" "$OD"
fi
