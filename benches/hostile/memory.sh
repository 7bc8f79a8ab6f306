#!/usr/bin/env bash
# Flow-state memory under a SYN flood (issue 11): peak RSS of `layerscope stats` and
# `tshark -n -r` on a capture of N SYNs, each on its own 5-tuple, and the part of
# layerscope's RSS beyond the mapped file (target: at most 300 MiB for 1,000,000 flows).
#
#   benches/hostile/memory.sh [N]          N defaults to 1,000,000
#   LAYERSCOPE_BIN=path/to/layerscope      default: target/release/layerscope (built if absent)
#
# Needs python3 and GNU time (/usr/bin/time); tshark is measured when installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000000}
bin=${LAYERSCOPE_BIN:-target/release/layerscope}
[ -x "$bin" ] || cargo build --release --bin layerscope
[ -x /usr/bin/time ] || { echo "memory.sh: GNU time is needed (apt-get install -y time)" >&2; exit 1; }
dir=target/bench-data
mkdir -p "$dir"
file=$dir/syn-flood-$n.pcap
[ -s "$file" ] || python3 benches/hostile/syn_flood.py "$file" "$n"
size=$(stat -c %s "$file")
rss_kb() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }
flows=$("$bin" stats --json "$file" | python3 -c 'import json,sys; print(json.load(sys.stdin)["flows"])')
[ "$flows" = "$n" ] || { echo "memory.sh: expected $n flows, stats says $flows" >&2; exit 1; }
ls_kb=$(rss_kb "$bin" stats "$file")
beyond=$(( ls_kb * 1024 - size ))
mib() { awk -v b="$1" 'BEGIN { printf "%.0f MiB", b / 1048576 }'; }
echo "| capture | flows | file | layerscope stats RSS | beyond the file | tshark -n -r RSS |"
echo "|---|---:|---:|---:|---:|---:|"
ts="not installed"
if command -v tshark >/dev/null; then ts=$(mib $(( $(rss_kb tshark -n -r "$file") * 1024 ))); fi
echo "| $(basename "$file") | $flows | $(mib "$size") | $(mib $(( ls_kb * 1024 ))) | $(mib "$beyond") | $ts |"
limit=$(( 300 * 1048576 * n / 1000000 ))
if [ "$beyond" -le "$limit" ]; then echo "target met: at most 300 MiB beyond the file per 1,000,000 flows"; else echo "MISS: more than 300 MiB beyond the file per 1,000,000 flows"; fi
