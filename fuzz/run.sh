#!/usr/bin/env bash
# Runs one fuzz target for SECONDS (libFuzzer, no sanitizer), with the limits that make hangs
# and over-allocation findings, not only panics: 10 s per input, 2 GiB RSS, 2 GiB per single
# allocation (-malloc_limit_mb needs a sanitizer's hooks; the targets' own allocator in
# fuzz/src/lib.rs enforces the same limit).
#
#   fuzz/run.sh TARGET SECONDS [extra libFuzzer flags...]
#
# Corpus: new inputs go to fuzz/corpus-grown/TARGET (not committed); the committed seeds in
# fuzz/corpus/TARGET are read, never written. Crashes, hangs and OOMs are written to
# fuzz/artifacts/TARGET/ (crash-*, timeout-*, oom-*); replay one with
#   cargo fuzz run -s none TARGET fuzz/artifacts/TARGET/crash-...
# and turn it into fixtures/bad/fuzz/TARGET-NAME plus a test in tests/fuzz_regressions.rs.
# RAYON_NUM_THREADS defaults to 1 here (the readers use rayon; one core per run).
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 TARGET SECONDS [libFuzzer flags...]" >&2
    exit 2
fi
target=$1
seconds=$2
shift 2
cd "$(dirname "$0")/.."
mkdir -p "fuzz/corpus-grown/${target}" "fuzz/corpus/${target}" "fuzz/artifacts/${target}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/callsift-fuzz-run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export CALLSIFT_FUZZ_TMP="$tmp"
export RAYON_NUM_THREADS="${RAYON_NUM_THREADS:-1}"
cargo fuzz run -s none "${target}" \
    "fuzz/corpus-grown/${target}" "fuzz/corpus/${target}" -- \
    -max_total_time="${seconds}" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
    -print_final_stats=1 "$@"
