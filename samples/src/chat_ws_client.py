#!/usr/bin/env python3
"""Plain WebSocket chat client, the first half of samples/chat-ws-vs-sio.pcap.

Joins the chat of chat_ws_server.py, sends "hi" and "how are you?" (each
comes back as the server's broadcast), sends one ping and waits for its pong,
then closes with code 1000. The same chat as chat_sio_client.js, with
nothing but WebSocket text frames: no compression, no automatic pings.

    python3 chat_ws_client.py [URI]
"""
import asyncio
import sys

from websockets.asyncio.client import connect

URI = sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:18310/chat"


async def main() -> None:
    async with connect(URI, compression=None, ping_interval=None) as ws:
        print("client: joined", flush=True)
        for text in ("hi", "how are you?"):
            await ws.send(text)
            back = await ws.recv()
            print(f"client: sent {text!r}, broadcast back {back!r}", flush=True)
        pong = await ws.ping(b"ping 1")
        await pong
        print("client: pong received", flush=True)
        await ws.close(code=1000, reason="bye")
        print("client: closed", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
