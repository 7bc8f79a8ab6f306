#!/usr/bin/env bash
# Regenerate tshark's view of the WebSocket frames in the sample captures.
#
#   tests/samples_expected/make.sh
#
# For every capture in samples/ that carries WebSocket (websocket-deflate,
# socketio-chat, socketio-deflate, socketio-any-sll, socketio-any-sll2,
# chat-ws-vs-sio) this writes
# tests/samples_expected/NAME.ws.tsv, one line per packet that holds at least
# one WebSocket frame, tab-separated, no header line:
#
#   frame.number  websocket.fin  websocket.rsv  websocket.opcode
#   websocket.mask  websocket.payload_length  websocket.masking_key
#
# made by (run from the repository root, tshark 4.0.17):
#
#   tshark -n -r samples/NAME.pcap -Y websocket -T fields -E separator=/t \
#     -E occurrence=a -E aggregator=, -e frame.number -e websocket.fin \
#     -e websocket.rsv -e websocket.opcode -e websocket.mask \
#     -e websocket.payload_length -e websocket.masking_key
#
# When one TCP segment holds several WebSocket frames, each field lists the
# values of all of them, in order, joined by "," (occurrence=a), e.g. "1,1".
# Reading the fields:
#   websocket.fin          1/0 (tshark 4.0 prints booleans as 1/0 with -T fields)
#   websocket.rsv          the three RSV bits, printed in hex: 0x04 = RSV1 set
#                          (first frame of a compressed message), 0x00 = none
#   websocket.opcode       0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong
#   websocket.mask         1 when the frame is masked (client to server)
#   websocket.payload_length  the 7-bit length field of the header: 126 or 127
#                          mean "see the extended length", which is not listed
#   websocket.masking_key  hex, empty for unmasked frames
#
# socketio-polling.pcap has no WebSocket at all and gets no .ws.tsv.
# The NAME.events.json files next to this script are not made here: they are
# written by samples/make_samples.sh (or by hand, see samples/README.md).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CAPTURES=(websocket-deflate socketio-chat socketio-deflate socketio-any-sll socketio-any-sll2
          chat-ws-vs-sio)

command -v tshark >/dev/null || { echo "error: tshark not found (apt-get install -y tshark)" >&2; exit 1; }

cd "$ROOT"
for name in "${CAPTURES[@]}"; do
  pcap="samples/$name.pcap"
  out="$HERE/$name.ws.tsv"
  [[ -f $pcap ]] || { echo "error: $pcap missing" >&2; exit 1; }
  tshark -n -r "$pcap" -Y websocket -T fields -E separator=/t \
    -E occurrence=a -E aggregator=, -e frame.number -e websocket.fin \
    -e websocket.rsv -e websocket.opcode -e websocket.mask \
    -e websocket.payload_length -e websocket.masking_key >"$out"
  printf '%s: %d packets with WebSocket frames\n' "${out#"$ROOT"/}" "$(wc -l <"$out")" >&2
done
