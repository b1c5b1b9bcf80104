#!/usr/bin/env python3
"""Answer every UDP datagram on ADDR PORT with garbage, for at most
MAX_SECONDS: random bytes, the request cut in half, a BER header claiming
64 KiB, the request with its last byte changed, an empty datagram. The
SNMP probe must drop each one (and count it), never crash. Prints how many
datagrams it answered when it stops."""
import os
import socket
import sys
import time

addr, port, max_seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
family = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM)
s.bind((addr, port))
s.settimeout(0.2)
end = time.monotonic() + max_seconds
answered = 0
while time.monotonic() < end:
    try:
        data, peer = s.recvfrom(65535)
    except socket.timeout:
        continue
    kind = answered % 5
    if kind == 0:
        out = os.urandom(48)
    elif kind == 1:
        out = data[: len(data) // 2]
    elif kind == 2:
        out = b"\x30\x83\xff\xff\xff" + data[5:]
    elif kind == 3:
        out = data[:-1] + bytes([data[-1] ^ 0x55]) if data else b"\x30"
    else:
        out = b""
    s.sendto(out, peer)
    answered += 1
print(answered, flush=True)
