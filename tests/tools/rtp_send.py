#!/usr/bin/env python3
"""Sends one RTP stream over UDP, paced: for the rtp tests' namespace lab.

    rtp_send.py SRC_ADDR SRC_PORT DST_ADDR DST_PORT COUNT RATE SSRC [PT]

COUNT packets at RATE packets a second, each with the next sequence number
and a timestamp advancing at the payload type's clock (8 kHz for PT 0 and
8, 90 kHz otherwise), 160 payload bytes. Sends on an absolute schedule, so
a late wake-up does not slow the stream down; bounded by COUNT.
"""
import socket
import struct
import sys
import time


def main():
    if len(sys.argv) not in (8, 9):
        print(__doc__, file=sys.stderr)
        return 2
    src, sport, dst, dport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    count, rate, ssrc = int(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7], 0)
    pt = int(sys.argv[8]) if len(sys.argv) == 9 else 0
    clock = 8000 if pt in (0, 8) else 90000
    family = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((src, sport))
    payload = bytes(160)
    start = time.monotonic()
    for i in range(count):
        due = start + i / rate
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        header = struct.pack("!BBHII", 0x80, pt, i & 0xFFFF, int(i * clock / rate) & 0xFFFFFFFF,
                             ssrc)
        try:
            s.sendto(header + payload, (dst, dport))
        except OSError:
            pass  # a full queue drops it: the analysis sees a loss, as it should
    return 0


if __name__ == "__main__":
    sys.exit(main())
