// Socket.IO chat server, the second half of samples/chat-ws-vs-sio.pcap.
// The same chat room as chat_ws_server.py: every "chat message" is sent to
// everybody with io.emit (here the one client, which gets its own message
// back). Default transports (HTTP long-polling first, then the upgrade to
// WebSocket) and no compression, as in a default socket.io setup. Only the
// heartbeat is shortened: the server pings after 1 s (pingInterval) instead of
// 25 s, so one ping/pong shows up in a short capture. Accepts one client and
// exits when it leaves. Every event it sends is logged as a TRUTH line (see
// sio_truth.js).
//
//   node chat_sio_server.js [HOST] [PORT]
// Needs the npm package "socket.io" (set NODE_PATH to its node_modules).
"use strict";
const http = require("http");
const { Server } = require("socket.io");
const truth = require("./sio_truth");

const HOST = process.argv[2] || "127.0.0.1";
const PORT = Number(process.argv[3] || 18311);

const httpServer = http.createServer();
const io = new Server(httpServer, { pingInterval: 1000, pingTimeout: 2000 });

io.on("connection", (socket) => {
  console.log(`server: client joined id=${socket.id} transport=${socket.conn.transport.name}`);
  socket.conn.on("upgrade", (t) => console.log(`server: upgraded to ${t.name}`));

  socket.on("chat message", (msg) => {
    console.log(`server: chat message ${JSON.stringify(msg)}`);
    const t = truth.now();
    io.emit("chat message", msg);
    truth.record({ t, from: "server", nsp: "/", event: "chat message", args: [msg], transport: socket.conn.transport.name });
  });

  socket.on("disconnect", (reason) => {
    console.log(`server: disconnected (${reason})`);
    io.close(() => process.exit(0));
  });
});

httpServer.listen(PORT, HOST, () => console.log(`server: listening on ${HOST}:${PORT}`));
