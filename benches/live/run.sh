#!/usr/bin/env bash
# Live capture benchmark: `layerscope capture` against tcpdump on the same traffic, in the
# same run. A bounded sender (udp_flood.c, loopback only) sends COUNT UDP datagrams to
# 127.0.0.1 at each RATE while both capture `lo` with the same filter; then both are
# stopped and their files counted. Also: the memory a long capture holds (the printing
# path keeps the index and the summaries of every packet) per packet.
#
#   benches/live/run.sh [COUNT] [RATES...]     (default 300000 at 10000 100000 200000)
#   MEMORY_PACKETS=3600000 benches/live/run.sh  (one hour at 1,000 packets/s, sent faster)
#
# Needs root (or the helper's capability), tcpdump, cc. Release binaries are built first.
set -euo pipefail
cd "$(dirname "$0")/../.."

count="${1:-300000}"
shift || true
rates=("${@:-10000 100000 200000}")
read -r -a rates <<<"${rates[*]}"
memory_packets="${MEMORY_PACKETS:-3600000}"
port=40999
work="$(mktemp -d /tmp/ls-live-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT

for tool in tcpdump cc; do
    command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install -y $tool)" >&2; exit 2; }
done
cargo build --release --bins >&2
ls=target/release/layerscope
export LAYERSCOPE_CAPTURE="$PWD/target/release/layerscope-capture"
cc -O2 -o "$work/flood" benches/live/udp_flood.c

wait_line() { # FILE TEXT: wait up to 10 s for TEXT in FILE
    for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    echo "no '$2' in $1: $(cat "$1")" >&2; return 1
}

echo "## Live capture on lo: layerscope capture vs tcpdump, same traffic, same run"
echo
echo "$(nproc) cores; $(tcpdump --version 2>&1 | head -1); UDP datagrams of 64 bytes, $count per rate"
echo
echo "| rate asked (pkt/s) | rate sent | layerscope captured | kernel drops | tcpdump captured | tcpdump kernel drops |"
echo "|---:|---:|---:|---:|---:|---:|"
for rate in "${rates[@]}"; do
    rm -f "$work"/*.pcap* "$work"/*.err
    $ls capture -i lo -f "udp port $port" -B 32 -w "$work/ls.pcapng" 2>"$work/ls.err" &
    lsp=$!
    tcpdump -i lo -n -B 32768 -w "$work/td.pcap" "udp port $port" 2>"$work/td.err" &
    tdp=$!
    wait_line "$work/ls.err" "Capturing on"
    wait_line "$work/td.err" "listening on"
    sleep 0.5
    read -r sent secs < <("$work/flood" $port "$count" "$rate" 64)
    sleep 1
    kill -INT $lsp $tdp
    wait $lsp || true
    wait $tdp || true
    ls_n=$($ls stats --json "$work/ls.pcapng" | python3 -c 'import json,sys; print(json.load(sys.stdin)["packets"])')
    td_n=$($ls stats --json "$work/td.pcap" | python3 -c 'import json,sys; print(json.load(sys.stdin)["packets"])')
    ls_drop=$(sed -n 's/.* captured, \([0-9]*\) dropped by the kernel.*/\1/p' "$work/ls.err")
    td_drop=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$work/td.err")
    rate_sent=$(python3 -c "print(round($sent/$secs))")
    echo "| $rate | $rate_sent | $ls_n of $sent | ${ls_drop:-?} | $td_n of $sent | ${td_drop:-?} |"
done

echo
echo "## Memory of a long capture: $memory_packets packets followed and printed (\`layerscope capture -i lo > /dev/null\`)"
echo
rm -f "$work"/*.err
XDG_CACHE_HOME="$work/cache" $ls capture -i lo -f "udp port $port" -B 64 >/dev/null 2>"$work/mem.err" &
lsp=$!
wait_line "$work/mem.err" "Capturing on"
peak=0
base=$(awk '/^RssAnon/ {print $2}' /proc/$lsp/status)
sample() { local kb; kb=$(awk '/^RssAnon/ {print $2}' /proc/$lsp/status 2>/dev/null || echo 0); [ "${kb:-0}" -gt "$peak" ] && peak=$kb; true; }
"$work/flood" $port "$memory_packets" 300000 64 >"$work/mem.sent" &
fp=$!
while kill -0 $fp 2>/dev/null; do sample; sleep 0.2; done
# Let the printer catch up with the spool, sampling as it goes.
for _ in $(seq 50); do sample; sleep 0.2; done
kill -INT $lsp
while kill -0 $lsp 2>/dev/null; do sample; sleep 0.1; done
wait $lsp || true
captured=$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$work/mem.err")
echo "| packets captured | RssAnon at start | peak RssAnon | (peak - start) per packet |"
echo "|---:|---:|---:|---:|"
python3 -c "c=int('${captured:-0}'); b=$base*1024; p=$peak*1024; print(f'| {c} | {b/2**20:.1f} MiB | {p/2**20:.1f} MiB | {(p-b)/max(c,1):.1f} B |')"
echo
echo "RssAnon counts the heap and stacks, not the spool's mapped pages (which the kernel can drop at will)."
