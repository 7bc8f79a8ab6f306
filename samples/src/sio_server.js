// Socket.IO chat server used to record samples/socketio-chat.pcap.
// Accepts one client, answers its events, and exits when it disconnects.
//
//   node sio_server.js [HOST] [PORT]
// Needs the npm package "socket.io" (set NODE_PATH to its node_modules).
"use strict";
const http = require("http");
const { Server } = require("socket.io");

const HOST = process.argv[2] || "127.0.0.1";
const PORT = Number(process.argv[3] || 18300);

const httpServer = http.createServer();
const io = new Server(httpServer); // default options: polling + websocket

io.on("connection", (socket) => {
  console.log(`server: connected id=${socket.id} transport=${socket.conn.transport.name}`);
  socket.conn.on("upgrade", (t) => console.log(`server: upgraded to ${t.name}`));

  // Plain chat message: broadcast it back to everybody (here: the one client).
  socket.on("chat message", (msg) => {
    console.log(`server: chat message ${JSON.stringify(msg)}`);
    io.emit("chat message", `echo: ${msg}`);
  });

  // Event with an acknowledgement callback: the server answers through it.
  socket.on("ask", (question, ack) => {
    console.log(`server: ask ${JSON.stringify(question)}`);
    ack({ answer: 42, question });
  });

  // Binary payload: sent back reversed so both directions carry a Buffer.
  socket.on("upload", (name, buf) => {
    console.log(`server: upload ${name} (${buf.length} bytes)`);
    socket.emit("upload done", name, Buffer.from(buf).reverse());
  });

  socket.on("disconnect", (reason) => {
    console.log(`server: disconnected (${reason})`);
    io.close(() => process.exit(0));
  });
});

httpServer.listen(PORT, HOST, () => console.log(`server: listening on ${HOST}:${PORT}`));
