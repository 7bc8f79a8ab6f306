#!/usr/bin/env bash
# Runs the stats-vs-tshark benchmark and keeps its markdown report.
#
#   benches/compare_tshark.sh [PACKETS]     (default 1000000)
#
# The report (the bench's stdout) is shown and written to
# target/bench-data/report.md; build output and progress go to stderr.
set -euo pipefail

packets="${1:-1000000}"
case "$packets" in
    '' | *[!0-9_]*) echo "usage: $0 [PACKETS]" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target_dir/bench-data"
report="$target_dir/bench-data/report.md"

for tool in tshark /usr/bin/time; do
    command -v "$tool" >/dev/null 2>&1 ||
        echo "note: $tool not found; install it with: apt-get install -y ${tool##*/}" >&2
done

LAYERSCOPE_BENCH_PACKETS="$packets" cargo bench --bench stats_vs_tshark | tee "$report"
echo "report written to $report" >&2
