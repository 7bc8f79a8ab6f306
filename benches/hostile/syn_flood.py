#!/usr/bin/env python3
"""A capture of N TCP SYNs, each to a distinct 5-tuple (a SYN flood, or a port scan
seen from the scanner): the flow-state memory benchmark of issue 11.

    python3 benches/hostile/syn_flood.py OUT.pcap [N]     (N defaults to 1,000,000)

Source addresses 10.0.0.0/8 and ports 1024-61023 vary so that every SYN opens its own
flow; all go to 10.255.0.1:80. Each SYN carries the options a Linux client offers
(MSS, SACK permitted, timestamps, window scale), so nothing is smaller than real life.
"""
import struct
import sys


def main():
    out_path = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    eth = bytes.fromhex("020000000002020000000001") + b"\x08\x00"
    opts = bytes.fromhex("020405b4" "0402" "080a0000000100000000" "01" "030307")
    with open(out_path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(n):
            src = struct.pack("!I", 0x0A000000 | (i // 60000))
            sport = 1024 + i % 60000
            tcp = struct.pack("!HHIIBBHHH", sport, 80, (i * 7919) & 0xFFFFFFFF, 0,
                              (5 + len(opts) // 4) << 4, 0x02, 64240, 0, 0) + opts
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0,
                             src, b"\x0a\xff\x00\x01")
            frame = eth + ip + tcp
            out.write(struct.pack("<IIII", 1700000000 + i // 1000000, i % 1000000,
                                  len(frame), len(frame)))
            out.write(frame)


if __name__ == "__main__":
    main()
