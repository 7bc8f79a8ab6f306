#!/usr/bin/env bash
# Display filters and stats against tshark on the reference workload (issue 10's targets).
#
#   benches/filters_vs_tshark.sh [PACKETS]     (default 1000000)
#
# The capture is ../shared/bench/gen_pcap.py's (seed 2), written once to
# target/bench-data/reference-<PACKETS>.pcap; LAYERSCOPE_BENCH_FILE=FILE uses FILE instead.
# Each command runs 3 times per program (LAYERSCOPE_BENCH_RUNS=N: N times, N odd), the two
# programs alternating (layerscope first in odd runs, tshark first in even ones), after a
# warm-up read of the file; the report (a
# markdown table of medians and ratios, MISS where a target is missed) goes to standard
# output and to target/bench-data/filters-report.md, progress to standard error.
# LAYERSCOPE_BENCH_CHECK=0 skips the cross-check of the rows each program prints;
# LAYERSCOPE_BIN=PATH measures that binary instead of building one (an older build, to compare).
set -euo pipefail

packets="${1:-1000000}"
case "$packets" in
    '' | *[!0-9]*) echo "usage: $0 [PACKETS]" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
root="$PWD"
data="${CARGO_TARGET_DIR:-target}/bench-data"
mkdir -p "$data"
report="$data/filters-report.md"
gen="$root/../shared/bench/gen_pcap.py"

file="${LAYERSCOPE_BENCH_FILE:-}"
if [[ -z "$file" ]]; then
    file="$data/reference-$packets.pcap"
    if [[ ! -s "$file" ]]; then
        if [[ ! -f "$gen" ]]; then
            echo "no capture: $gen is not there. Write one with the shared generator," >&2
            echo "  python3 gen_pcap.py $file $packets pcap --seed 2" >&2
            echo "or pass any capture as LAYERSCOPE_BENCH_FILE=FILE." >&2
            exit 2
        fi
        echo "writing $file ($packets packets, seed 2) ..." >&2
        python3 "$gen" "$file.tmp" "$packets" pcap --seed 2 >&2
        mv "$file.tmp" "$file"
    fi
fi
[[ -s "$file" ]] || { echo "no capture at $file" >&2; exit 2; }

ls_bin="${LAYERSCOPE_BIN:-}"
if [[ -z "$ls_bin" ]]; then
    echo "building layerscope (release, no default features) ..." >&2
    cargo build --release --no-default-features --bin layerscope >&2
    ls_bin="${CARGO_TARGET_DIR:-target}/release/layerscope"
fi
have_tshark=1
command -v tshark >/dev/null 2>&1 || {
    have_tshark=0
    echo "note: tshark not found (apt-get install -y tshark): layerscope's side only" >&2
}

# Wall seconds of one run of "$@" with standard output to /dev/null.
seconds() {
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }
    t1=$(date +%s%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'
}

runs="${LAYERSCOPE_BENCH_RUNS:-3}"
case "$runs" in
    *[!0-9]* | '' | *[02468]) echo "LAYERSCOPE_BENCH_RUNS must be odd" >&2; exit 2 ;;
esac
median() { printf '%s\n' "$@" | sort -g | sed -n "$(((runs + 1) / 2))p"; }

cat "$file" >/dev/null # warm-up: the file in the page cache

# name | target ratio | layerscope arguments | tshark arguments
cases=(
    "inspect -Y 'tcp.port == 8080'|20|inspect -Y tcp.port==8080|-n -r FILE -Y tcp.port==8080"
    "inspect -Y 'websocket.opcode == 1'|10|inspect -Y websocket.opcode==1|-n -r FILE -Y websocket.opcode==1"
    "stats --json (tshark -n -r)|25|stats --json|-n -r FILE"
)

rows=()
for c in "${cases[@]}"; do
    IFS='|' read -r name target ls_args ts_args <<<"$c"
    read -ra ls_argv <<<"$ls_args"
    read -ra ts_argv <<<"${ts_args//FILE/$file}"
    ls_t=()
    ts_t=()
    for run in $(seq "$runs"); do
        echo "$name: run $run ..." >&2
        if [[ $((run % 2)) == 0 && $have_tshark == 1 ]]; then
            ts_t+=("$(seconds tshark "${ts_argv[@]}")")
            ls_t+=("$(seconds "$ls_bin" "${ls_argv[@]}" "$file")")
        else
            ls_t+=("$(seconds "$ls_bin" "${ls_argv[@]}" "$file")")
            [[ $have_tshark == 1 ]] && ts_t+=("$(seconds tshark "${ts_argv[@]}")")
        fi
    done
    ls_m=$(median "${ls_t[@]}")
    lines="-"
    if [[ "${LAYERSCOPE_BENCH_CHECK:-1}" == 1 && $name == inspect* ]]; then
        lines="$("$ls_bin" "${ls_argv[@]}" "$file" | wc -l)"
        [[ $have_tshark == 1 ]] && lines="$lines / $(tshark "${ts_argv[@]}" | wc -l)"
    fi
    if [[ $have_tshark == 1 ]]; then
        ts_m=$(median "${ts_t[@]}")
        ratio=$(awk -v a="$ts_m" -v b="$ls_m" 'BEGIN { printf "%.1f", a / b }')
        verdict=$(awk -v r="$ratio" -v t="$target" 'BEGIN { print (r >= t ? "ok" : "MISS") }')
        rows+=("| \`$name\` | $ls_m (${ls_t[*]}) | $ts_m (${ts_t[*]}) | ${ratio}× | ≥ ${target}× | $verdict | $lines |")
    else
        rows+=("| \`$name\` | $ls_m (${ls_t[*]}) | not run | - | ≥ ${target}× | - | $lines |")
    fi
done

{
    echo "Capture: \`$file\` ($(stat -c %s "$file") bytes), $(nproc) cores, $(date -u +%Y-%m-%d)."
    echo
    echo "| command | layerscope s, median (runs) | tshark s, median (runs) | ratio | target | | rows printed (layerscope / tshark) |"
    echo "|---|---:|---:|---:|---:|---|---:|"
    printf '%s\n' "${rows[@]}"
} | tee "$report"
echo "report written to $report" >&2
