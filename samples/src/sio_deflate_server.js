// Socket.IO server used to record samples/socketio-deflate.pcap.
// WebSocket permessage-deflate is switched on with threshold 0, so every
// message is compressed whatever its size (the default threshold is 1024
// bytes). Accepts one client, answers its events and exits when it leaves.
// Every event it sends is logged as a TRUTH line (see sio_truth.js).
//
//   node sio_deflate_server.js [HOST] [PORT]
// Needs the npm package "socket.io" (set NODE_PATH to its node_modules).
"use strict";
const http = require("http");
const { Server } = require("socket.io");
const truth = require("./sio_truth");

const HOST = process.argv[2] || "127.0.0.1";
const PORT = Number(process.argv[3] || 18302);

const httpServer = http.createServer();
const io = new Server(httpServer, { perMessageDeflate: { threshold: 0 } });

function send(socket, event, ...args) {
  const t = truth.now();
  socket.emit(event, ...args);
  truth.record({ t, from: "server", nsp: socket.nsp.name, event, args, transport: socket.conn.transport.name });
}

io.on("connection", (socket) => {
  console.log(`server: connected id=${socket.id} transport=${socket.conn.transport.name}`);

  socket.on("chat message", (msg) => {
    console.log(`server: chat message of ${msg.length} chars`);
    send(socket, "chat message", `echo: ${msg}`);
  });

  socket.on("ask", (question, ack) => {
    console.log(`server: ask ${JSON.stringify(question)}`);
    ack({ answer: 42 });
  });

  socket.on("upload", (name, buf) => {
    console.log(`server: upload ${name} (${buf.length} bytes)`);
    send(socket, "upload done", name, Buffer.from(buf).reverse());
  });

  socket.on("disconnect", (reason) => {
    console.log(`server: disconnected (${reason})`);
    io.close(() => process.exit(0));
  });
});

httpServer.listen(PORT, HOST, () => console.log(`server: listening on ${HOST}:${PORT}`));
