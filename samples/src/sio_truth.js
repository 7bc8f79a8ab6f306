// Ground-truth log shared by the Socket.IO sample scripts.
//
// Every Socket.IO event a script sends is printed as one line
//   TRUTH {"t":"<ns>","from":"client",...}
// where t is process.hrtime.bigint() (CLOCK_MONOTONIC, so it can be compared
// between the client and the server process on one machine). The line is
// printed once the event is complete, i.e. after its ack came back, but t is
// taken when the event was emitted, so sorting by t gives the send order.
//
//   node sio_truth.js merge LOG... > NAME.events.json
// collects the TRUTH lines of the given logs, sorts them by t, drops t and
// writes the JSON array stored in tests/samples_expected/NAME.events.json.
"use strict";

// Buffers become {"_binary_hex": "..."} so the truth is plain JSON.
function plain(value) {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array || value instanceof ArrayBuffer) {
    return { _binary_hex: Buffer.from(value).toString("hex") };
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}

function now() {
  return process.hrtime.bigint();
}

// record({t, from, nsp, event, args, transport, ackArgs}); ackArgs undefined = no ack asked.
function record({ t, from, nsp, event, args, transport, ackArgs }) {
  const entry = { t: String(t), from, nsp, event, args: plain(args), ack: ackArgs !== undefined };
  if (ackArgs !== undefined) entry.ack_args = plain(ackArgs);
  entry.transport = transport;
  console.log(`TRUTH ${JSON.stringify(entry)}`);
}

function merge(files) {
  const fs = require("fs");
  const entries = [];
  for (const file of files) {
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
      if (line.startsWith("TRUTH ")) entries.push(JSON.parse(line.slice(6)));
    }
  }
  entries.sort((a, b) => (BigInt(a.t) < BigInt(b.t) ? -1 : BigInt(a.t) > BigInt(b.t) ? 1 : 0));
  const lines = entries.map(({ t, ...rest }) => "  " + JSON.stringify(rest));
  process.stdout.write("[\n" + lines.join(",\n") + "\n]\n");
}

module.exports = { now, record, plain };

if (require.main === module) {
  const [cmd, ...files] = process.argv.slice(2);
  if (cmd !== "merge" || files.length === 0) {
    console.error("usage: node sio_truth.js merge LOG...");
    process.exit(2);
  }
  merge(files);
}
