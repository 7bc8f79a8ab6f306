// Socket.IO server used to record samples/socketio-polling.pcap.
// Allows only the HTTP long-polling transport, serves the namespaces "/" and
// "/admin" (the latter wants auth {token: "s3cret"}), answers the client's
// events and exits once the client has closed the Engine.IO session.
// Every event it sends is logged as a TRUTH line (see sio_truth.js).
//
//   node sio_polling_server.js [HOST] [PORT]
// Needs the npm package "socket.io" (set NODE_PATH to its node_modules).
"use strict";
const http = require("http");
const { Server } = require("socket.io");
const truth = require("./sio_truth");

const HOST = process.argv[2] || "127.0.0.1";
const PORT = Number(process.argv[3] || 18301);

const httpServer = http.createServer();
const io = new Server(httpServer, { transports: ["polling"] });

// socket.emit() with a TRUTH line.
function send(socket, event, ...args) {
  const t = truth.now();
  socket.emit(event, ...args);
  truth.record({ t, from: "server", nsp: socket.nsp.name, event, args, transport: socket.conn.transport.name });
}

function onDisconnect(socket) {
  return (reason) => console.log(`server: ${socket.nsp.name} disconnected (${reason})`);
}

io.on("connection", (socket) => {
  console.log(`server: / connected id=${socket.id} transport=${socket.conn.transport.name}`);
  // Exit once the whole Engine.IO session is over (the client's "1" CLOSE
  // packet has arrived), not already at the namespace disconnects, so that
  // the last POST still gets its answer.
  socket.conn.once("close", (reason) => {
    console.log(`server: Engine.IO session closed (${reason})`);
    io.close(() => process.exit(0));
  });

  // Three emits in a row: the first leaves on the GET that is already
  // waiting, the other two queue up and leave together in the next GET
  // response, separated by 0x1E.
  socket.on("chat message", (msg) => {
    console.log(`server: chat message ${JSON.stringify(msg)}`);
    send(socket, "chat message", `echo: ${msg}`);
    send(socket, "news", "first of two in one poll");
    send(socket, "news", "second of two in one poll");
  });

  socket.on("ask", (question, ack) => {
    console.log(`server: ask ${JSON.stringify(question)}`);
    ack({ answer: 42 });
  });

  socket.on("upload", (name, buf) => {
    console.log(`server: upload ${name} (${buf.length} bytes)`);
    send(socket, "upload done", name, Buffer.from(buf).reverse());
  });

  socket.on("disconnect", onDisconnect(socket));
});

const admin = io.of("/admin");
admin.use((socket, next) => {
  if (socket.handshake.auth && socket.handshake.auth.token === "s3cret") return next();
  next(new Error("bad token"));
});
admin.on("connection", (socket) => {
  console.log(`server: /admin connected id=${socket.id} auth=${JSON.stringify(socket.handshake.auth)}`);
  socket.on("admin:ping", (what, ack) => {
    console.log(`server: admin:ping ${JSON.stringify(what)}`);
    ack("pong");
  });
  socket.on("disconnect", onDisconnect(socket));
});

httpServer.listen(PORT, HOST, () => console.log(`server: listening on ${HOST}:${PORT}`));
