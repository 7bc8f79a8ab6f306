#!/usr/bin/env bash
# Regenerates tshark's answers to the display filters of filters.txt on every sample and
# corpus capture, the oracle that tests/filter_parity.rs compares layerscope's filters with.
# Needs tshark with Lua (Debian: tshark). Default preferences, one pass, no name
# resolution: the frames `tshark -n -r FILE -Y FILTER -T fields -e frame.number` shows.
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
# One tshark pass per capture answers every filter (answers.lua: a tap per filter, the
# same filter engine as -Y); a capture cut short still answers for the packets before the
# cut (exit code 2).
list="$(mktemp)"
trap 'rm -f "$list"' EXIT
printf '%s\n' "${filters[@]}" > "$list"
for file in ../../samples/*.pcap ../corpus/*.pcap ../corpus/*.pcapng; do
  out="$(basename "$file").tsv"
  LAYERSCOPE_FILTERS="$list" tshark -n -q -r "$file" -X lua_script:answers.lua \
    > "$out.tmp" 2>/dev/null || true
  [ "$(wc -l < "$out.tmp")" -eq "${#filters[@]}" ] \
    || { echo "tshark gave no answers for $file" >&2; exit 1; }
  mv "$out.tmp" "$out"
done
