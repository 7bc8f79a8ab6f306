// Socket.IO chat client, the second half of samples/chat-ws-vs-sio.pcap.
// The same chat as chat_ws_client.py: joins with the default transports,
// waits for the upgrade to WebSocket, sends "hi" and "how are you?" (each
// comes back as the server's broadcast), waits for the server's first
// Engine.IO ping (answered with a pong by engine.io-client itself), then
// disconnects. Every event it sends is logged as a TRUTH line (see
// sio_truth.js).
//
//   node chat_sio_client.js [URL]
// Needs the npm package "socket.io-client" (set NODE_PATH to its node_modules).
"use strict";
const { io } = require("socket.io-client");
const truth = require("./sio_truth");

const URL = process.argv[2] || "http://127.0.0.1:18311";
const socket = io(URL, { reconnection: false });
const transport = () => socket.io.engine.transport.name;

function whenUpgraded() {
  return new Promise((resolve) => {
    if (transport() === "websocket") return resolve();
    socket.io.engine.once("upgrade", () => resolve());
  });
}

function waitFor(event) {
  return new Promise((resolve) => socket.once(event, (...args) => resolve(args)));
}

socket.on("connect", async () => {
  console.log(`client: joined id=${socket.id} transport=${transport()}`);
  await whenUpgraded();
  console.log(`client: now on ${transport()}`);

  for (const text of ["hi", "how are you?"]) {
    const back = waitFor("chat message");
    const t = truth.now();
    socket.emit("chat message", text);
    truth.record({ t, from: "client", nsp: "/", event: "chat message", args: [text], transport: transport() });
    console.log(`client: sent ${JSON.stringify(text)}, broadcast back ${JSON.stringify((await back)[0])}`);
  }

  // engine.io-client answers the server's ping with a pong, then emits "ping".
  await new Promise((resolve) => socket.io.engine.once("ping", resolve));
  console.log("client: ping answered");
  setTimeout(() => {
    socket.disconnect();
    console.log("client: disconnected");
  }, 100);
});

socket.on("connect_error", (err) => {
  console.error(`client: connect_error ${err.message}`);
  process.exit(1);
});
