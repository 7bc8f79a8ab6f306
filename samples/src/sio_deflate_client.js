// Socket.IO client used to record samples/socketio-deflate.pcap.
// Goes to WebSocket straight away (transports: ["websocket"], no polling) and
// asks for permessage-deflate with threshold 0, so its own messages are
// compressed too (the "ws" package behind socket.io-client in node honours
// the option). Sends two long, repetitive chat messages (the second one
// profits from context takeover), an event with an ack and a binary event.
// Every event it sends is logged as a TRUTH line (see sio_truth.js).
//
//   node sio_deflate_client.js [URL]
// Needs the npm package "socket.io-client" (set NODE_PATH to its node_modules).
"use strict";
const { io } = require("socket.io-client");
const truth = require("./sio_truth");

const URL = process.argv[2] || "http://127.0.0.1:18302";
const socket = io(URL, {
  transports: ["websocket"],
  perMessageDeflate: { threshold: 0 },
  reconnection: false,
});

const transport = () => socket.io.engine.transport.name;

function waitFor(event) {
  return new Promise((resolve) => socket.once(event, (...args) => resolve(args)));
}

function emit(event, ...args) {
  const t = truth.now();
  socket.emit(event, ...args);
  truth.record({ t, from: "client", nsp: socket.nsp, event, args, transport: transport() });
}

async function emitWithAck(event, ...args) {
  const t = truth.now();
  const tr = transport();
  const reply = await socket.timeout(5000).emitWithAck(event, ...args);
  truth.record({ t, from: "client", nsp: socket.nsp, event, args, transport: tr, ackArgs: [reply] });
  return reply;
}

// 307 characters: "compress me! " 23 times, then "the end.".
const LONG = "compress me! ".repeat(23) + "the end.";

async function chat(text) {
  const echoed = waitFor("chat message");
  emit("chat message", text);
  const [back] = await echoed;
  console.log(`client: chat message of ${text.length} chars echoed as ${back.length} chars`);
}

socket.on("connect", async () => {
  console.log(`client: connected id=${socket.id} transport=${transport()}`);

  await chat(LONG);

  const reply = await emitWithAck("ask", "deflate question");
  console.log(`client: ack ${JSON.stringify(reply)}`);

  const done = waitFor("upload done");
  emit("upload", "deflate.bin", Buffer.from("00112233".repeat(8), "hex"));
  const [name, back] = await done;
  console.log(`client: upload done ${name} -> ${Buffer.from(back).toString("hex")}`);

  // Almost the same text again: with context takeover the deflate stream
  // still remembers the first one, so this message shrinks to a few bytes.
  await chat(`again! ${LONG}`);

  socket.disconnect();
  console.log("client: disconnected");
});

socket.on("connect_error", (err) => {
  console.error(`client: connect_error ${err.message}`);
  process.exit(1);
});
