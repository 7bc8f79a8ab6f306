#!/usr/bin/env bash
# Regenerates tshark's one-line view of every sample and corpus capture, the oracle that
# tests/tshark_oracle.rs compares layerscope's rows with. Needs tshark (Debian: tshark).
# Default preferences, one pass, no name resolution, as `tshark -n -r FILE`.
set -euo pipefail
cd "$(dirname "$0")"
command -v tshark >/dev/null || { echo "install tshark (apt-get install tshark)" >&2; exit 1; }
tshark --version | head -1 > VERSION
for f in ../../samples/*.pcap ../corpus/*.pcap ../corpus/*.pcapng; do
  tshark -n -r "$f" > "$(basename "$f").txt" 2>/dev/null || true
done
