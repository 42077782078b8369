#!/usr/bin/env bash
# Runs one fuzz target for SECONDS (default 900) on one core, seeded from seeds/TARGET.
# Usage: fuzz/run.sh TARGET [SECONDS] [libFuzzer flags…]. Needs cargo-fuzz; the stable
# toolchain is enough with RUSTC_BOOTSTRAP=1 (set here, for the fuzz build only).
# The export target spawns threads, whose thread-local teardown LeakSanitizer reports as a
# 112-byte "leak" at exit: run it with -detect_leaks=0.
set -euo pipefail
cd "$(dirname "$0")"
target=$1
seconds=${2:-900}
shift $(( $# < 2 ? $# : 2 ))
mkdir -p "corpus/$target" artifacts logs
RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb=1024 -print_final_stats=1 "$@" 2>&1 | tee "logs/$target.log" | tail -25
