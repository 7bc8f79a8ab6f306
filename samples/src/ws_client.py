#!/usr/bin/env python3
"""WebSocket client used to record samples/websocket-deflate.pcap.

Talks to ws_server.py (an echo server) with permessage-deflate left on
(the websockets default) and walks through:
  1. a short text message
  2. a short binary message
  3. a ping carrying a payload, answered by a pong
  4. a larger (~4 KB), very compressible text message
  5. a text message sent as three fragments (one frame each)
  6. a close with code 1000 and reason "bye"
Every message is echoed back by the server and checked.

    python3 ws_client.py [URI]
"""
import asyncio
import sys

from websockets.asyncio.client import connect

URI = sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:18765/chat"


async def roundtrip(ws, message, label):
    await ws.send(message)
    reply = await ws.recv()
    assert reply == message, f"{label}: echo mismatch"
    print(f"client: {label} echoed OK ({len(message)} chars/bytes)", flush=True)


async def main() -> None:
    async with connect(URI, ping_interval=None) as ws:
        print("client: connected, extensions:",
              [e.name for e in ws.protocol.extensions], flush=True)

        await roundtrip(ws, "Hello, layerscope!", "text")
        await roundtrip(ws, bytes(range(16)), "binary")

        pong = await ws.ping(b"ping-1234")
        await pong
        print("client: pong received", flush=True)

        big = "".join(f"line {i:03d}: the quick brown fox jumps over the lazy dog\n"
                      for i in range(64))
        await roundtrip(ws, big, "large text")

        fragments = ["fragmented ", "message ", "in three parts"]
        await ws.send(fragments)
        reply = await ws.recv()
        assert reply == "".join(fragments), "fragmented: echo mismatch"
        print("client: fragmented message echoed OK", flush=True)

        await ws.close(code=1000, reason="bye")
        print("client: closed", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
