#!/usr/bin/env bash
# Regenerate the loopback sample captures in samples/.
#
#   sudo samples/make_samples.sh              # all captures
#   sudo samples/make_samples.sh NAME...      # only these, e.g. socketio-polling
#
# NAME is a capture file name without ".pcap": http-get, tcp-refused,
# http-get-ipv6, websocket-deflate, socketio-chat, socketio-polling,
# socketio-deflate, socketio-any-sll, socketio-any-sll2, chat-ws-vs-sio.
#
# Every capture is real traffic between real programs on this machine, sent
# only to 127.0.0.1 or ::1. For each capture the script starts the server,
# waits until it listens, starts tcpdump on "lo" with a filter for just that
# port, runs the client, then stops tcpdump with SIGINT. socketio-any-sll and
# socketio-any-sll2 record the socketio-chat exchange on the "any" device
# instead, as Linux cooked capture v1 and v2, with a filter that keeps only
# 127.0.0.1 and the test port. chat-ws-vs-sio records two exchanges in one
# file, one tcpdump with a filter for both ports: the same chat over plain
# WebSocket (python websockets), then over Socket.IO (node).
#
# The socketio-polling, socketio-deflate and chat-ws-vs-sio captures also write the ground
# truth of the events their scripts sent to
# tests/samples_expected/NAME.events.json (see src/sio_truth.js). At the end,
# if tshark is present, tests/samples_expected/make.sh refreshes the tshark
# views (NAME.ws.tsv) of the WebSocket captures.
#
# Nothing is installed by this script. It needs:
#   tcpdump, curl, ss (iproute2), python3 with the "websockets" package,
#   node with the npm packages "socket.io" and "socket.io-client".
#   tshark is optional; when present it is used for a short summary at the end.
#
# The node packages are looked up in $NODE_MODULES_DIR
# (default: /tmp/ls-samples-node/node_modules), so node_modules never lives in
# the repository. Set up with:
#   mkdir -p /tmp/ls-samples-node && cd /tmp/ls-samples-node \
#     && npm init -y && npm install socket.io socket.io-client
set -euo pipefail

SAMPLES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC_DIR="$SAMPLES_DIR/src"
NODE_MODULES_DIR="${NODE_MODULES_DIR:-/tmp/ls-samples-node/node_modules}"
EXPECTED_DIR="$(cd "$SAMPLES_DIR/.." && pwd)/tests/samples_expected"
ALL_CAPTURES=(http-get tcp-refused http-get-ipv6 websocket-deflate socketio-chat
              socketio-polling socketio-deflate socketio-any-sll socketio-any-sll2
              chat-ws-vs-sio)

# Fixed ports so reruns produce alike captures.
HTTP_PORT=18080      # http-get.pcap
HTTP6_PORT=18086     # http-get-ipv6.pcap
CLOSED_PORT=18099    # tcp-refused.pcap (nothing listens here)
WS_PORT=18765        # websocket-deflate.pcap
SIO_PORT=18300       # socketio-chat.pcap
SIO_POLL_PORT=18301  # socketio-polling.pcap
SIO_DEFL_PORT=18302  # socketio-deflate.pcap
SIO_SLL_PORT=18303   # socketio-any-sll.pcap
SIO_SLL2_PORT=18304  # socketio-any-sll2.pcap
CHAT_WS_PORT=18310   # chat-ws-vs-sio.pcap, the plain WebSocket half
CHAT_SIO_PORT=18311  # chat-ws-vs-sio.pcap, the Socket.IO half

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- checks ---
check_tools() {
  local missing=()
  [[ $EUID -eq 0 ]] || die "run as root (tcpdump needs it): sudo $0"
  command -v tcpdump >/dev/null || missing+=("tcpdump        (apt-get install -y tcpdump)")
  command -v curl    >/dev/null || missing+=("curl           (apt-get install -y curl)")
  command -v ss      >/dev/null || missing+=("ss             (apt-get install -y iproute2)")
  command -v python3 >/dev/null || missing+=("python3        (apt-get install -y python3)")
  command -v node    >/dev/null || missing+=("node           (apt-get install -y nodejs npm)")
  if command -v python3 >/dev/null && ! python3 -c 'import websockets.asyncio' 2>/dev/null; then
    missing+=("python websockets >= 13   (pip install websockets)")
  fi
  if command -v node >/dev/null &&
     ! NODE_PATH="$NODE_MODULES_DIR" node -e 'require.resolve("socket.io"); require.resolve("socket.io-client")' 2>/dev/null; then
    missing+=("socket.io + socket.io-client in $NODE_MODULES_DIR
                 (mkdir -p ${NODE_MODULES_DIR%/node_modules} && cd ${NODE_MODULES_DIR%/node_modules} && npm init -y && npm install socket.io socket.io-client)")
  fi
  if ((${#missing[@]})); then
    printf 'missing tools:\n' >&2
    printf '  - %s\n' "${missing[@]}" >&2
    exit 1
  fi
  command -v tshark >/dev/null || log "tshark not found: captures will be made but not summarised (apt-get install -y tshark)"
}

# ------------------------------------------------------------- plumbing ---
SERVER_PID=""
TCPDUMP_PID=""
CAPTURE_FILE=""
TMP_DIR="$(mktemp -d /tmp/ls-samples.XXXXXX)"

cleanup() {
  [[ -n $TCPDUMP_PID ]] && kill -INT "$TCPDUMP_PID" 2>/dev/null && wait "$TCPDUMP_PID" 2>/dev/null || true
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$TMP_DIR"
}
trap cleanup EXIT

# Refuse to start if a fixed port is already taken by something else.
port_free() {
  local port=$1
  if ss -Hltn "sport = :$port" | grep -q .; then
    die "port $port is already in use; stop whatever listens there and rerun"
  fi
}

# Wait (without sending any packet) until something listens on ADDR:PORT.
# ss prints IPv6 addresses in brackets, e.g. [::1]:18086.
wait_listen() {
  local addr=$1 port=$2 i
  [[ $addr == *:* ]] && addr="[$addr]"
  for i in $(seq 1 100); do
    if ss -Hltn "sport = :$port" | grep -qF "$addr:$port"; then return 0; fi
    sleep 0.1
  done
  die "server did not start listening on $addr:$port"
}

start_server() {   # start_server NAME CMD... ; output goes to $TMP_DIR/NAME.log
  local name=$1; shift
  "$@" >"$TMP_DIR/$name.log" 2>&1 &
  SERVER_PID=$!
}

stop_server() {
  if [[ -n $SERVER_PID ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}

start_capture() {  # start_capture FILE BPF [TCPDUMP_ARGS...]  (default: -i lo)
  local file=$1 filter=$2 i
  shift 2
  (($# > 0)) || set -- -i lo
  CAPTURE_FILE=$file
  rm -f "$file"
  tcpdump "$@" -s 0 -U -w "$file" "$filter" 2>"$TMP_DIR/tcpdump.log" &
  TCPDUMP_PID=$!
  for i in $(seq 1 50); do
    grep -q 'listening on' "$TMP_DIR/tcpdump.log" 2>/dev/null && break
    sleep 0.1
  done
  sleep 1
}

stop_capture() {
  sleep 1
  kill -INT "$TCPDUMP_PID"
  wait "$TCPDUMP_PID" || true
  TCPDUMP_PID=""
  # Debian's tcpdump drops to the "tcpdump" user; give the file to the repo's owner.
  chown --reference="$SAMPLES_DIR" "$CAPTURE_FILE" 2>/dev/null || true
  sed -n 's/^/    tcpdump: /p' "$TMP_DIR/tcpdump.log" | grep -v 'listening on' >&2 || true
}

# ------------------------------------------------------------- captures ---
capture_http_get() {   # capture_http_get FILE BIND_ADDR PORT URL
  local file=$1 addr=$2 port=$3 url=$4
  log "$(basename "$file"): python3 http.server on $addr:$port + one curl GET"
  port_free "$port"
  start_server http python3 -u -m http.server "$port" --bind "$addr" --directory "$SRC_DIR/www"
  wait_listen "$addr" "$port"
  start_capture "$file" "tcp port $port"
  curl -sS -g --http1.1 -o /dev/null -w '    curl: HTTP %{http_code}, %{size_download} bytes\n' "$url" >&2
  stop_capture
  stop_server
}

capture_refused() {
  local file="$SAMPLES_DIR/tcp-refused.pcap"
  log "tcp-refused.pcap: curl to closed port $CLOSED_PORT on 127.0.0.1 and ::1"
  port_free "$CLOSED_PORT"
  start_capture "$file" "tcp port $CLOSED_PORT"
  curl -sS --connect-timeout 3 "http://127.0.0.1:$CLOSED_PORT/" 2>&1 | sed 's/^/    /' >&2 || true
  sleep 0.5
  curl -sS -g --connect-timeout 3 "http://[::1]:$CLOSED_PORT/" 2>&1 | sed 's/^/    /' >&2 || true
  stop_capture
}

capture_websocket() {
  local file="$SAMPLES_DIR/websocket-deflate.pcap"
  log "websocket-deflate.pcap: python websockets echo server + client on 127.0.0.1:$WS_PORT"
  port_free "$WS_PORT"
  start_server ws python3 -u "$SRC_DIR/ws_server.py" 127.0.0.1 "$WS_PORT"
  wait_listen 127.0.0.1 "$WS_PORT"
  start_capture "$file" "tcp port $WS_PORT"
  python3 -u "$SRC_DIR/ws_client.py" "ws://127.0.0.1:$WS_PORT/chat" 2>&1 | sed 's/^/    /' >&2
  wait "$SERVER_PID" || true   # the server exits by itself after one connection
  SERVER_PID=""
  stop_capture
  sed 's/^/    /' "$TMP_DIR/ws.log" >&2
}

# The socketio-chat exchange. With a link type (LINUX_SLL or LINUX_SLL2) it is
# recorded on the "any" device, which writes Linux cooked headers; "any" sees
# every interface, so the filter also pins the address.
capture_socketio() {  # capture_socketio NAME PORT [LINKTYPE]
  local name=$1 port=$2 linktype=${3:-}
  local file="$SAMPLES_DIR/$name.pcap" filter="tcp port $port" where=(-i lo)
  if [[ -n $linktype ]]; then
    filter="tcp and host 127.0.0.1 and port $port"
    where=(-i any -y "$linktype")
  fi
  log "$name.pcap: node socket.io server + socket.io-client on 127.0.0.1:$port (tcpdump ${where[*]})"
  port_free "$port"
  start_server sio env NODE_PATH="$NODE_MODULES_DIR" node "$SRC_DIR/sio_server.js" 127.0.0.1 "$port"
  wait_listen 127.0.0.1 "$port"
  start_capture "$file" "$filter" "${where[@]}"
  NODE_PATH="$NODE_MODULES_DIR" timeout 20 node "$SRC_DIR/sio_client.js" "http://127.0.0.1:$port" 2>&1 | sed 's/^/    /' >&2
  # The server exits by itself once the client has disconnected.
  for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  stop_server
  stop_capture
  sed 's/^/    /' "$TMP_DIR/sio.log" >&2
}

# A Socket.IO capture whose node scripts log every event they send as a
# TRUTH line; the lines of both logs are merged, in send order, into
# tests/samples_expected/NAME.events.json.
capture_socketio_truth() {  # capture_socketio_truth NAME PORT SERVER_JS CLIENT_JS
  local name=$1 port=$2 server_js=$3 client_js=$4
  local file="$SAMPLES_DIR/$name.pcap"
  log "$name.pcap: node $server_js + $client_js on 127.0.0.1:$port"
  port_free "$port"
  start_server "$name-server" env NODE_PATH="$NODE_MODULES_DIR" node "$SRC_DIR/$server_js" 127.0.0.1 "$port"
  wait_listen 127.0.0.1 "$port"
  start_capture "$file" "tcp port $port"
  sio_client_then_truth "$name" "$client_js" "$port" "$TMP_DIR/$name-server.log"
}

# Runs node CLIENT_JS against the Socket.IO server started last, on PORT; waits for
# that server to end, stops it and the capture, and writes NAME's truth from the
# client's log and SERVER_LOG.
sio_client_then_truth() {  # sio_client_then_truth NAME CLIENT_JS PORT SERVER_LOG
  local name=$1 client_js=$2 port=$3 server_log=$4
  NODE_PATH="$NODE_MODULES_DIR" timeout 20 node "$SRC_DIR/$client_js" "http://127.0.0.1:$port" 2>&1 |
    tee "$TMP_DIR/$name-client.log" | grep -v '^TRUTH ' | sed 's/^/    /' >&2
  # The server exits by itself once the client has disconnected.
  for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  stop_server
  stop_capture
  grep -v '^TRUTH ' "$server_log" | sed 's/^/    /' >&2 || true
  write_truth "$name" "$TMP_DIR/$name-client.log" "$server_log"
}

# The same short chat twice in one capture: first over plain WebSocket
# (python websockets), then over Socket.IO with its default transports. One
# tcpdump with a filter for both ports; the Socket.IO scripts' TRUTH lines
# become tests/samples_expected/chat-ws-vs-sio.events.json.
capture_chat_compare() {
  local name=chat-ws-vs-sio
  local file="$SAMPLES_DIR/$name.pcap"
  log "$name.pcap: python websockets chat on 127.0.0.1:$CHAT_WS_PORT, then socket.io chat on 127.0.0.1:$CHAT_SIO_PORT"
  port_free "$CHAT_WS_PORT"
  port_free "$CHAT_SIO_PORT"
  start_capture "$file" "tcp port $CHAT_WS_PORT or tcp port $CHAT_SIO_PORT"

  start_server chat-ws python3 -u "$SRC_DIR/chat_ws_server.py" 127.0.0.1 "$CHAT_WS_PORT"
  wait_listen 127.0.0.1 "$CHAT_WS_PORT"
  timeout 20 python3 -u "$SRC_DIR/chat_ws_client.py" "ws://127.0.0.1:$CHAT_WS_PORT/chat" 2>&1 | sed 's/^/    /' >&2
  wait "$SERVER_PID" || true   # the server exits by itself after one connection
  SERVER_PID=""
  sed 's/^/    /' "$TMP_DIR/chat-ws.log" >&2
  sleep 0.5

  start_server chat-sio env NODE_PATH="$NODE_MODULES_DIR" node "$SRC_DIR/chat_sio_server.js" 127.0.0.1 "$CHAT_SIO_PORT"
  wait_listen 127.0.0.1 "$CHAT_SIO_PORT"
  sio_client_then_truth "$name" chat_sio_client.js "$CHAT_SIO_PORT" "$TMP_DIR/chat-sio.log"
}

# tests/samples_expected/NAME.events.json from the TRUTH lines of the client's and
# the server's logs.
write_truth() {
  local name="$1" client_log="$2" server_log="$3"
  mkdir -p "$EXPECTED_DIR"
  node "$SRC_DIR/sio_truth.js" merge "$client_log" "$server_log" >"$EXPECTED_DIR/$name.events.json"
  chown --reference="$SAMPLES_DIR" "$EXPECTED_DIR/$name.events.json" 2>/dev/null || true
  log "    wrote $EXPECTED_DIR/$name.events.json ($(grep -c '"from"' "$EXPECTED_DIR/$name.events.json") events)"
}

# -------------------------------------------------------------- summary ---
summarise() {
  command -v tshark >/dev/null || return 0
  log "summary"
  local f n bad odd note
  for f in "${ALL_CAPTURES[@]}"; do
    f="$SAMPLES_DIR/$f.pcap"
    [[ -f $f ]] || { log "    $(basename "$f") missing"; continue; }
    n=$(tshark -n -r "$f" 2>/dev/null | wc -l)
    # Any address that is not 127.0.0.0/8 or ::1 would be a mistake.
    bad=$(tshark -n -r "$f" -T fields -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst 2>/dev/null |
          tr '\t' '\n' | grep -v -e '^$' -e '^127\.' -e '^::1$' | sort -u || true)
    # Loopback occasionally shows a spurious retransmission; worth a rerun if so.
    odd=$(tshark -n -r "$f" -Y 'tcp.analysis.retransmission || tcp.analysis.duplicate_ack || tcp.analysis.lost_segment' 2>/dev/null | wc -l)
    note=""
    ((odd == 0)) || note="   ($odd retransmission/dup-ack packets; rerun for a cleaner capture)"
    printf '    %-24s %5d packets %8d bytes%s%s\n' "$(basename "$f")" "$n" "$(stat -c %s "$f")" \
      "${bad:+   NON-LOOPBACK: $bad}" "$note" >&2
    [[ -z $bad ]] || die "$(basename "$f") contains non-loopback addresses"
  done
}

run_capture() {
  case $1 in
    http-get)          capture_http_get "$SAMPLES_DIR/http-get.pcap" 127.0.0.1 "$HTTP_PORT" \
                         "http://127.0.0.1:$HTTP_PORT/hello.txt" ;;
    tcp-refused)       capture_refused ;;
    http-get-ipv6)     capture_http_get "$SAMPLES_DIR/http-get-ipv6.pcap" ::1 "$HTTP6_PORT" \
                         "http://[::1]:$HTTP6_PORT/hello.txt" ;;
    websocket-deflate) capture_websocket ;;
    socketio-chat)     capture_socketio socketio-chat "$SIO_PORT" ;;
    socketio-any-sll)  capture_socketio socketio-any-sll "$SIO_SLL_PORT" LINUX_SLL ;;
    socketio-any-sll2) capture_socketio socketio-any-sll2 "$SIO_SLL2_PORT" LINUX_SLL2 ;;
    socketio-polling)  capture_socketio_truth socketio-polling "$SIO_POLL_PORT" \
                         sio_polling_server.js sio_polling_client.js ;;
    socketio-deflate)  capture_socketio_truth socketio-deflate "$SIO_DEFL_PORT" \
                         sio_deflate_server.js sio_deflate_client.js ;;
    chat-ws-vs-sio)    capture_chat_compare ;;
    *) die "unknown capture '$1' (known: ${ALL_CAPTURES[*]})" ;;
  esac
}

main() {
  local name
  (($# > 0)) || set -- "${ALL_CAPTURES[@]}"
  for name in "$@"; do   # refuse typos before recording anything
    [[ " ${ALL_CAPTURES[*]} " == *" $name "* ]] || die "unknown capture '$name' (known: ${ALL_CAPTURES[*]})"
  done
  check_tools
  for name in "$@"; do run_capture "$name"; done
  summarise
  if command -v tshark >/dev/null; then
    log "refreshing tshark views in $EXPECTED_DIR"
    "$EXPECTED_DIR/make.sh"
  fi
  log "done"
}

main "$@"
