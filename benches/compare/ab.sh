#!/usr/bin/env bash
# Before/after: `callsift run` of two builds of callsift on one case, interleaved, with a check
# that both wrote byte-identical results. For a refactor that must not change output or get
# slower (issue 11's redesign was measured with it).
#
#   benches/compare/ab.sh OLD_BIN NEW_BIN CASE.toml            # 3 rounds, threads 2 and 1
#   RUNS=5 THREADS="2" benches/compare/ab.sh OLD NEW CASE.toml
#
# Build the two binaries first, e.g. `git worktree add /tmp/old REV` and
# `CARGO_TARGET_DIR=/tmp/bench-old cargo build --release` there; a case of 10 M rows is
# `callsift synth --seed 7 --scale 10 --out /tmp/bench10`. Each round runs, in turn, old and new
# at each thread count (interleaved, so that a change of load hits both alike), each under
# /usr/bin/time -v with the 1-minute load average taken before it (lib.sh `measure`). Prints one
# line per run and the medians; fails if the results of the two builds differ.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=lib.sh
. "$REPO/benches/compare/lib.sh"
[ $# -eq 3 ] || { sed -n '2,14p' "$0" >&2; exit 2; }
OLD=$1 NEW=$2 CASE=$3
RUNS=${RUNS:-3}
THREADS=${THREADS:-"2 1"}
DATA_DIR=${DATA_DIR:-$(mktemp -d /tmp/callsift-ab.XXXXXX)}
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
command -v bc >/dev/null || { echo "needs bc" >&2; exit 2; }
unset RUST_BACKTRACE
# Every evidence file once into the page cache.
cat "$(dirname "$CASE")"/* >/dev/null 2>&1 || true
RESULTS="$DATA_DIR/ab.tsv"
: >"$RESULTS"
for r in $(seq 1 "$RUNS"); do
  echo "== round $r" >&2
  for t in $THREADS; do
    for which in old new; do
      bin=$OLD; [ "$which" = new ] && bin=$NEW
      rm -rf "$DATA_DIR/out-$which"
      run_logged "$which t=$t" "$RESULTS" '\n' "$bin" run "$CASE" --out "$DATA_DIR/out-$which" --threads "$t" -q
    done
  done
done
# The results must be the same bytes.
(cd "$DATA_DIR/out-old/results" && sha256sum ./*) >"$DATA_DIR/old.sha"
(cd "$DATA_DIR/out-new/results" && sha256sum ./*) >"$DATA_DIR/new.sha"
if ! diff "$DATA_DIR/old.sha" "$DATA_DIR/new.sha" >&2; then
  echo "FAILED: the two builds wrote different results" >&2
  exit 1
fi
echo "results identical ($(wc -l <"$DATA_DIR/new.sha") files)" >&2
echo "| build | median wall s | its CPU s | its peak RSS MB | walls | load avg (1 min) |"
echo "|---|---:|---:|---:|---|---|"
for t in $THREADS; do
  for which in old new; do
    awk -F'\t' -v tool="$which t=$t" '$1 == tool' "$RESULTS" | sort -t$'\t' -k2,2n | awk -F'\t' -v tool="$which t=$t" '
      { w[NR] = $2; c[NR] = $5; m[NR] = $3; l = l (NR > 1 ? ", " : "") $4; ws = ws (NR > 1 ? ", " : "") sprintf("%.2f", $2) }
      END { k = int((NR + 1) / 2); printf "| %s | %.2f | %.2f | %.0f | %s | %s |\n", tool, w[k], c[k], m[k] / 1024, ws, l }'
  done
done
