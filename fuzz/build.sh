#!/usr/bin/env bash
# Builds every fuzz target of callsift on a stable toolchain (no sanitizer: `-s none`; the
# default ASan build needs nightly, see docs and forensic-reliability.md §3.7).
# Installs cargo-fuzz at a pinned version if it is absent (about a minute).
#
#   fuzz/build.sh            # from anywhere in the repository
set -euo pipefail
CARGO_FUZZ_VERSION=0.13.2
cd "$(dirname "$0")/.."
if ! cargo fuzz --version 2>/dev/null | grep -q " ${CARGO_FUZZ_VERSION}\$"; then
    cargo install cargo-fuzz --version "${CARGO_FUZZ_VERSION}" --locked
fi
start=$(date +%s)
cargo fuzz build -s none
echo "fuzz targets built in $(( $(date +%s) - start )) s: $(cargo fuzz list | tr '\n' ' ')"
