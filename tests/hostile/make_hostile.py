#!/usr/bin/env python3
"""Writes the crafted captures of tests/hostile/: each aims at one limit or one
protocol error that a hostile or broken peer can produce (issue 11). Standard
library only; the output is byte-for-byte the same on every run.

    python3 tests/hostile/make_hostile.py          # rewrites tests/hostile/*.pcap

Every capture is TCP over Ethernet/IPv4 with correct checksums, sequence and
acknowledgement numbers: one conversation (two servers' four for the shared sid), a
handshake, then what each case needs.
"""

import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = ("10.0.0.1", 40000, b"\x02\x00\x00\x00\x00\x01")
SERVER = ("10.0.0.2", 80, b"\x02\x00\x00\x00\x00\x02")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


class Conversation:
    """A TCP conversation written as it goes; `send` keeps seq/ack right."""

    def __init__(self, client=CLIENT, server=SERVER, t=1_700_000_000_000_000):
        self.frames = []
        self.client, self.server = client, server
        self.t = t  # microseconds
        self.seq = {True: 1000, False: 5000}  # from_client -> next seq

    def packet(self, from_client, flags, payload=b""):
        src, dst = (self.client, self.server) if from_client else (self.server, self.client)
        seq, ack = self.seq[from_client], self.seq[not from_client]
        tcp = struct.pack("!HHIIBBHHH", src[1], dst[1], seq, ack if flags & 0x10 else 0,
                          5 << 4, flags, 65535, 0, 0)
        pseudo = ip4(src[0]) + ip4(dst[0]) + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
        c = csum(pseudo + tcp + payload)
        tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
        total = 20 + len(tcp) + len(payload)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, len(self.frames) & 0xFFFF, 0x4000,
                         64, 6, 0, ip4(src[0]), ip4(dst[0]))
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        eth = dst[2] + src[2] + b"\x08\x00"
        self.frames.append((self.t, eth + ip + tcp + payload))
        self.t += 1000
        self.seq[from_client] += len(payload) + (1 if flags & 0x03 else 0)

    def handshake(self):
        self.packet(True, 0x02)
        self.packet(False, 0x12)
        self.packet(True, 0x10)

    def send(self, from_client, payload, mss=1400):
        for i in range(0, len(payload), mss):
            self.packet(from_client, 0x18, payload[i:i + mss])
            self.packet(not from_client, 0x10)

    def upgrade(self, deflate=False, path=b"/chat", host=b"server"):
        """The HTTP Upgrade to WebSocket, with the RFC 6455 §1.3 key and accept;
        `deflate`: permessage-deflate offered and accepted (RFC 7692)."""
        ext = b"Sec-WebSocket-Extensions: permessage-deflate\r\n" if deflate else b""
        self.send(True, b"GET " + path + b" HTTP/1.1\r\nHost: " + host + b"\r\nUpgrade: websocket\r\n"
                        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        b"Sec-WebSocket-Version: 13\r\n" + ext + b"\r\n")
        self.send(False, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         b"Connection: Upgrade\r\n" + ext +
                         b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")

    def write(self, name):
        write_frames(name, self.frames)


def write_frames(name, frames):
    """A pcap file of `frames`, (time in microseconds, Ethernet frame) pairs."""
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for t, data in frames:
        out += struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(data), len(data))
        out += data
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(out)


def ws_frame(opcode, payload, fin=True, length=None, rsv1=False):
    """A server (unmasked) frame; `length` overrides the 64-bit length written;
    `rsv1` marks a compressed message (RFC 7692 §6)."""
    b0 = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
    if length is not None:
        return bytes([b0, 127]) + struct.pack("!Q", length) + payload
    n = len(payload)
    if n < 126:
        return bytes([b0, n]) + payload
    if n < 65536:
        return bytes([b0, 126]) + struct.pack("!H", n) + payload
    return bytes([b0, 127]) + struct.pack("!Q", n) + payload


def ws_invalid_length():
    """Issue 11, point 5: a 64-bit length with its top bit set, then a valid frame."""
    c = Conversation()
    c.handshake()
    c.upgrade()
    c.send(False, ws_frame(1, b"ok"))
    c.send(False, ws_frame(2, b"\x01\x02\x03", length=(1 << 63) | 3))
    c.send(False, ws_frame(1, b"after the bad frame"))
    c.write("ws-invalid-length.pcap")


def ws_endless_frame():
    """Issue 11, point 6: a frame that declares 2^63-1 bytes; the capture ends first."""
    c = Conversation()
    c.handshake()
    c.upgrade()
    c.send(False, ws_frame(1, b"ok"))
    c.send(False, ws_frame(2, b"only the start of it", length=(1 << 63) - 1))
    c.write("ws-endless-frame.pcap")


def ws_masked(opcode, payload, key=b"\x11\x22\x33\x44"):
    """A client frame (masked, RFC 6455 §5.3)."""
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def socketio_connected(sid, nsp_sid):
    """A Socket.IO client over WebSocket: the upgrade, the Engine.IO open packet
    (session `sid`), the CONNECT of `/` and its answer, and one ordinary event."""
    c = Conversation()
    c.handshake()
    c.upgrade(path=b"/socket.io/?EIO=4&transport=websocket")
    c.send(False, ws_frame(1, b'0{"sid":"' + sid + b'","upgrades":[],"pingInterval":25000,'
                              b'"pingTimeout":20000,"maxPayload":1000000}'))
    c.send(True, ws_masked(1, b"40"))
    c.send(False, ws_frame(1, b'40{"sid":"' + nsp_sid + b'"}'))
    c.send(True, ws_masked(1, b'42["chat message","before"]'))
    return c


def socketio_deep_arguments():
    """Issue 11, point 7: Socket.IO events whose arguments nest 200 levels deep
    (serde_json stops at 128), between two ordinary events."""
    c = socketio_connected(b"deep1", b"nsp1")
    deep = b"[" * 200 + b"1" + b"]" * 200
    c.send(True, ws_masked(1, b'42["deep",' + deep + b"]"))
    c.send(True, ws_masked(1, b'42["deep",{"a":' + deep + b"}]"))
    c.send(True, ws_masked(1, b'42["chat message","after"]'))
    c.write("socketio-deep-arguments.pcap")


def socketio_invalid_utf8():
    """Socket.IO events whose JSON is well formed but not UTF-8 (a text frame
    must be, RFC 6455 §8.1): in an argument, in the event name, in an object key;
    between two ordinary events."""
    c = socketio_connected(b"utf8x", b"nsp2")
    c.send(True, ws_masked(1, b'42["chat message","caf\xe9 au lait"]'))
    c.send(False, ws_frame(1, b'42["caf\xe9","hi"]'))
    c.send(True, ws_masked(1, b'421["chat message",{"k\xff":"v"}]'))
    c.send(True, ws_masked(1, b'42["chat message","after"]'))
    c.write("socketio-invalid-utf8.pcap")


def engineio_polled_then_upgraded(server, host, port, t, sid, said):
    """An Engine.IO client of `server` (named `host`): the polling handshake, whose
    open packet names session `sid`, on one conversation; the upgrade to WebSocket
    with that sid on a second; the probe, the Socket.IO CONNECT and one event
    (`said`) over it."""
    poll = Conversation((CLIENT[0], port, CLIENT[2]), server, t)
    poll.handshake()
    poll.send(True, b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: " + host +
                    b"\r\n\r\n")
    body = (b'0{"sid":"' + sid + b'","upgrades":["websocket"],"pingInterval":25000,'
            b'"pingTimeout":20000,"maxPayload":1000000}')
    poll.send(False, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    ws = Conversation((CLIENT[0], port + 1, CLIENT[2]), server, poll.t)
    ws.handshake()
    ws.upgrade(path=b"/socket.io/?EIO=4&transport=websocket&sid=" + sid, host=host)
    ws.send(True, ws_masked(1, b"2probe"))
    ws.send(False, ws_frame(1, b"3probe"))
    ws.send(True, ws_masked(1, b"5"))
    ws.send(True, ws_masked(1, b"40"))
    ws.send(False, ws_frame(1, b'40{"sid":"n' + said + b'"}'))
    ws.send(True, ws_masked(1, b'42["chat message","' + said + b'"]'))
    return poll.frames + ws.frames


def engineio_same_sid_two_servers():
    """Two servers that hand out the same Engine.IO sid (a sid is unique on one
    server only): two sessions, one per server, each with its two conversations."""
    b = ("10.0.0.3", 80, b"\x02\x00\x00\x00\x00\x03")
    frames = engineio_polled_then_upgraded(SERVER, b"server-a", 40000, 1_700_000_000_000_000,
                                           b"same", b"a")
    frames += engineio_polled_then_upgraded(b, b"server-b", 41000, 1_700_000_000_000_500,
                                            b"same", b"b")
    write_frames("engineio-same-sid-two-servers.pcap", sorted(frames, key=lambda f: f[0]))


def deflated(z, data):
    """One permessage-deflate message from compressor `z` (context kept between
    messages): a sync flush with its trailing 00 00 ff ff removed (RFC 7692 §7.2.1)."""
    out = z.compress(data) + z.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


def ws_deflate_bomb():
    """Issue 11, point 4: a message that inflates to 20 MiB (over the 16 MiB cap),
    then a normal message in the same compression context."""
    c = Conversation()
    c.handshake()
    c.upgrade(deflate=True)
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    c.send(False, ws_frame(2, deflated(z, bytes(20 << 20)), rsv1=True))
    c.send(False, ws_frame(1, deflated(z, b"hello after the bomb"), rsv1=True))
    c.write("ws-deflate-bomb.pcap")


def http_huge_chunk():
    """Issue 11: a chunk size over 64 bits in a chunked response body."""
    c = Conversation()
    c.handshake()
    c.send(True, b"GET /stream HTTP/1.1\r\nHost: server\r\n\r\n")
    c.send(False, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"5\r\nhello\r\n1ffffffffffffffffffff\r\nmore\r\n0\r\n\r\n")
    c.write("http-huge-chunk.pcap")


if __name__ == "__main__":
    ws_invalid_length()
    ws_endless_frame()
    ws_deflate_bomb()
    http_huge_chunk()
    socketio_deep_arguments()
    socketio_invalid_utf8()
    engineio_same_sid_two_servers()
    sys.exit(0)
