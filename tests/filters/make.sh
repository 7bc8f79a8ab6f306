#!/usr/bin/env bash
# Regenerates tshark's answers to the display filters of filters.txt on every sample and
# corpus capture, the oracle that tests/filter_parity.rs compares layerscope's filters with.
# Needs tshark (Debian: tshark). Default preferences, one pass, no name resolution, as
# `tshark -n -r FILE -Y FILTER -T fields -e frame.number`.
# Each FILE.tsv holds one line per filter: the filter, a tab, and the matching frame
# numbers with runs joined (`1,2,5-9`; nothing after the tab when none match).
set -euo pipefail
cd "$(dirname "$0")"
command -v tshark >/dev/null || { echo "install tshark (apt-get install tshark)" >&2; exit 1; }
tshark --version | head -1 > VERSION
mapfile -t filters < <(grep -v -e '^#' -e '^[[:space:]]*$' filters.txt)
# A filter tshark does not accept would be stored as matching nothing: refuse it here.
for f in "${filters[@]}"; do
  tshark -n -r ../../samples/http-get.pcap -Y "$f" -c 1 >/dev/null 2>&1 \
    || { echo "tshark rejects: $f" >&2; exit 1; }
done
# 1 2 3 5 8 9 -> 1-3,5,8-9
runs() { awk 'NF { if (s == "") { s = $1; p = $1 } else if ($1 == p + 1) { p = $1 }
                   else { o = o sep (s == p ? s : s "-" p); sep = ","; s = $1; p = $1 } }
              END { if (s != "") o = o sep (s == p ? s : s "-" p); print o }'; }
one() {
  local file=$1 out
  out="$(basename "$file").tsv"
  : > "$out.tmp"
  for f in "${filters[@]}"; do
    # A capture cut short still answers for the packets before the cut (exit code 2).
    printf '%s\t%s\n' "$f" "$(tshark -n -r "$file" -Y "$f" -T fields -e frame.number 2>/dev/null | runs || true)" >> "$out.tmp"
  done
  mv "$out.tmp" "$out"
}
export -f one runs
export FILTERS_TEXT
FILTERS_TEXT="$(printf '%s\n' "${filters[@]}")"
# Two at a time: one tshark start per file and filter is most of the cost.
printf '%s\n' ../../samples/*.pcap ../corpus/*.pcap ../corpus/*.pcapng \
  | xargs -P 2 -I{} bash -c 'mapfile -t filters <<< "$FILTERS_TEXT"; one "$1"' _ {}
