#!/usr/bin/env python3
"""Tiny WebSocket echo server used to record samples/websocket-deflate.pcap.

Uses the `websockets` library with its defaults, so permessage-deflate is
negotiated when the client offers it. Serves exactly one connection, echoes
every message back unchanged, then exits.

    python3 ws_server.py [HOST] [PORT]
"""
import asyncio
import sys

from websockets.asyncio.server import serve

HOST = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 18765


async def main() -> None:
    done = asyncio.get_running_loop().create_future()

    async def echo(ws):
        print("server: client connected, extensions:",
              [e.name for e in ws.protocol.extensions], flush=True)
        try:
            async for message in ws:
                kind = "text" if isinstance(message, str) else "binary"
                print(f"server: got {kind} message of {len(message)} chars/bytes", flush=True)
                await ws.send(message)
        finally:
            print(f"server: closed with code={ws.close_code} reason={ws.close_reason!r}", flush=True)
            if not done.done():
                done.set_result(None)

    # ping_interval=None: no automatic keepalive pings, the client sends the one ping we want.
    async with serve(echo, HOST, PORT, ping_interval=None):
        print(f"server: listening on {HOST}:{PORT}", flush=True)
        await done


if __name__ == "__main__":
    asyncio.run(main())
