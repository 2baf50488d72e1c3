# Shared helpers of the compare scripts (ingest.sh, joins.sh, run.sh); sourced, not run.

# callsift_binary: builds the release binary (unless SKIP_BUILD=1) in $CARGO_TARGET_DIR from
# $REPO; sets BIN to it, or exits if it is not there.
callsift_binary() {
  if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "== cargo build --release (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)" >&2
    (cd "$REPO" && cargo build --release --bin callsift)
  fi
  BIN="$CARGO_TARGET_DIR/release/callsift"
  [ -x "$BIN" ] || { echo "no binary at $BIN" >&2; exit 2; }
}

# ensure_duckdb: installs the duckdb Python package if missing; sets DUCKDB_VERSION.
ensure_duckdb() {
  if ! python3 -c 'import duckdb' 2>/dev/null; then
    echo "== pip install duckdb" >&2
    python3 -m pip install --quiet duckdb
  fi
  DUCKDB_VERSION=$(python3 -c 'import duckdb; print(duckdb.__version__)')
}

# label N: 10000000 -> 10m, 1000000 -> 1m, 200000 -> 200k.
label() {
  local n=$1
  if (( n % 1000000 == 0 )); then echo "$((n / 1000000))m"
  elif (( n % 1000 == 0 )); then echo "$((n / 1000))k"
  else echo "$n"; fi
}

# run_logged TOOL RESULTS END CMD...: one timed run of CMD (output left in $LAST_OUT, under
# $DATA_DIR), appended to RESULTS as tool<TAB>wall s<TAB>peak RSS kB<TAB>load average<TAB>CPU s
# followed by END (a newline, or a tab when the caller appends more fields); a line to stderr.
run_logged() {
  local tool=$1 results=$2 end=$3; shift 3
  LAST_OUT="$DATA_DIR/last-run.out"
  measure "$LAST_OUT" "$LAST_OUT" "$@"
  printf '%s\t%s\t%s\t%s\t%s%b' "$tool" "$M_WALL" "$M_RSS" "$M_LOAD" "$M_CPU" "$end" >>"$results"
  printf '  %-14s %8.3f s  cpu %7.2f s  %7.0f MB  load %s\n' "$tool" "$M_WALL" \
    "$M_CPU" "$(echo "$M_RSS / 1024" | bc -l)" "$M_LOAD" >&2
}

# measure OUT ERR CMD...: runs CMD under /usr/bin/time -v with a nanosecond wall clock around
# it, stdout to OUT and stderr to ERR (may be the same file); on failure prints both and exits.
# Sets M_WALL (s), M_RSS (peak kB), M_CPU (user + sys s) and M_LOAD (1-minute load average,
# read before the run).
measure() {
  local out=$1 err=$2; shift 2
  local tf t0 t1
  M_LOAD=$(cut -d' ' -f1 /proc/loadavg)
  tf=$(mktemp)
  t0=$(date +%s.%N)
  if ! /usr/bin/time -v -o "$tf" "$@" >"$out" 2>"$err"; then
    cat "$out" >&2
    [ "$err" != "$out" ] && cat "$err" >&2
    cat "$tf" >&2
    echo "FAILED: $*" >&2
    exit 1
  fi
  t1=$(date +%s.%N)
  M_RSS=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tf")
  M_CPU=$(awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ {s += $2} END {print s}' "$tf")
  M_WALL=$(echo "$t1 - $t0" | bc -l)
  rm -f "$tf"
}
