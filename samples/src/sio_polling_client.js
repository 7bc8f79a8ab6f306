// Socket.IO client used to record samples/socketio-polling.pcap.
// Uses only HTTP long-polling (no upgrade to WebSocket), so every Socket.IO
// packet travels in the body of an HTTP request or response. Opens the
// namespaces "/" and "/admin" (auth {token: "s3cret"}) over one Engine.IO
// session, exchanges a few events and disconnects from both.
// Every event it sends is logged as a TRUTH line (see sio_truth.js).
//
//   node sio_polling_client.js [URL]
// Needs the npm package "socket.io-client" (set NODE_PATH to its node_modules).
"use strict";
const http = require("http");
const { Manager } = require("socket.io-client");
const truth = require("./sio_truth");

const URL = process.argv[2] || "http://127.0.0.1:18301";
// A keep-alive agent, as a browser would use: the long-poll GETs and the
// POSTs reuse two TCP connections instead of opening one per request.
const agent = new http.Agent({ keepAlive: true });
const manager = new Manager(URL, { transports: ["polling"], reconnection: false, agent });
const root = manager.socket("/");
const admin = manager.socket("/admin", { auth: { token: "s3cret" } });

const transport = () => manager.engine.transport.name;

function connected(socket) {
  return new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
}

function waitFor(socket, event) {
  return new Promise((resolve) => socket.once(event, (...args) => resolve(args)));
}

function emit(socket, event, ...args) {
  const t = truth.now();
  socket.emit(event, ...args);
  truth.record({ t, from: "client", nsp: socket.nsp, event, args, transport: transport() });
}

async function emitWithAck(socket, event, ...args) {
  const t = truth.now();
  const tr = transport();
  const reply = await socket.timeout(5000).emitWithAck(event, ...args);
  truth.record({ t, from: "client", nsp: socket.nsp, event, args, transport: tr, ackArgs: [reply] });
  return reply;
}

async function main() {
  await Promise.all([connected(root), connected(admin)]);
  console.log(`client: connected / id=${root.id} and /admin id=${admin.id}, transport=${transport()}`);

  const replies = Promise.all([waitFor(root, "chat message"), waitFor(root, "news"),
    new Promise((resolve) => { let n = 0; root.on("news", () => { if (++n === 2) resolve(); }); })]);
  emit(root, "chat message", "hi over polling");
  const [[echo], [news]] = await replies;
  console.log(`client: got chat message ${JSON.stringify(echo)} and news ${JSON.stringify(news)} +1`);

  const reply = await emitWithAck(root, "ask", "polling question");
  console.log(`client: ack ${JSON.stringify(reply)}`);

  const done = waitFor(root, "upload done");
  emit(root, "upload", "poll.bin", Buffer.from([1, 2, 3, 4, 5]));
  const [name, back] = await done;
  console.log(`client: upload done ${name} -> ${Buffer.from(back).toString("hex")}`);

  const pong = await emitWithAck(admin, "admin:ping", "are you there?");
  console.log(`client: admin ack ${JSON.stringify(pong)}`);

  // Leaving the last namespace makes the manager close the Engine.IO session
  // (a "1" CLOSE packet in one more POST). The process ends by itself once
  // the last requests are answered: idle keep-alive sockets do not hold it.
  admin.disconnect();
  root.disconnect();
  console.log(`client: disconnected, still on ${transport()}`);
}

main().catch((err) => {
  console.error(`client: ${err.message}`);
  process.exit(1);
});
