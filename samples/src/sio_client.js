// Socket.IO client used to record samples/socketio-chat.pcap.
// Connects with the default transports (HTTP long-polling first, then the
// upgrade to WebSocket), waits for the upgrade, exchanges a few events and
// disconnects.
//
//   node sio_client.js [URL]
// Needs the npm package "socket.io-client" (set NODE_PATH to its node_modules).
"use strict";
const { io } = require("socket.io-client");

const URL = process.argv[2] || "http://127.0.0.1:18300";
const socket = io(URL, { reconnection: false });

function whenUpgraded() {
  return new Promise((resolve) => {
    const engine = socket.io.engine;
    if (engine.transport.name === "websocket") return resolve();
    engine.once("upgrade", () => resolve());
  });
}

function waitFor(event) {
  return new Promise((resolve) => socket.once(event, (...args) => resolve(args)));
}

socket.on("connect", async () => {
  console.log(`client: connected id=${socket.id} transport=${socket.io.engine.transport.name}`);
  await whenUpgraded();
  console.log(`client: now on ${socket.io.engine.transport.name}`);

  const echoed = waitFor("chat message");
  socket.emit("chat message", "hi");
  console.log(`client: got chat message ${JSON.stringify((await echoed)[0])}`);

  const reply = await socket.timeout(5000).emitWithAck("ask", "what is the answer?");
  console.log(`client: ack ${JSON.stringify(reply)}`);

  const done = waitFor("upload done");
  socket.emit("upload", "bytes.bin", Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03]));
  const [name, back] = await done;
  console.log(`client: upload done ${name} -> ${Buffer.from(back).toString("hex")}`);

  socket.disconnect();
  console.log("client: disconnected");
});

socket.on("connect_error", (err) => {
  console.error(`client: connect_error ${err.message}`);
  process.exit(1);
});
