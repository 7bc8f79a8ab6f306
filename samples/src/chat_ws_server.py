#!/usr/bin/env python3
"""Plain WebSocket chat server, the first half of samples/chat-ws-vs-sio.pcap.

A chat room in the smallest form: every text message a client sends is
broadcast to every connected client (here the one client, which gets its own
message back), the way the Socket.IO half's server does with io.emit.
No permessage-deflate (compression=None) and no automatic keep-alive pings
(ping_interval=None): the client sends the one ping of the capture. Serves
exactly one connection, then exits.

    python3 chat_ws_server.py [HOST] [PORT]
"""
import asyncio
import sys

from websockets.asyncio.server import broadcast, serve

HOST = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 18310


async def main() -> None:
    done = asyncio.get_running_loop().create_future()
    clients = set()

    async def chat(ws):
        clients.add(ws)
        print(f"server: client joined on {ws.request.path}", flush=True)
        try:
            async for message in ws:
                print(f"server: chat message {message!r}", flush=True)
                broadcast(clients, message)
        finally:
            clients.discard(ws)
            print(f"server: closed with code={ws.close_code} reason={ws.close_reason!r}", flush=True)
            if not done.done():
                done.set_result(None)

    async with serve(chat, HOST, PORT, compression=None, ping_interval=None):
        print(f"server: listening on {HOST}:{PORT}", flush=True)
        await done


if __name__ == "__main__":
    asyncio.run(main())
