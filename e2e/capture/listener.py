#!/usr/bin/env python3
"""Test listener for the capture e2e suite (Python 3 stdlib, Linux).

Node can neither read SO_ORIGINAL_DST nor set IP_TRANSPARENT, so the suite uses this helper.

    listener.py READY_FILE TAG SPEC[,SPEC...] [--transparent]

SPEC is HOST:PORT (TCP) or udp:HOST:PORT; IPv6 hosts in brackets. Each accepted TCP connection
(or received UDP datagram) gets one reply line and, for TCP, is closed:

    tag=TAG local=IP:PORT orig=IP:PORT|none peer=IP:PORT

orig is the pre-NAT destination (SO_ORIGINAL_DST, option 80 for both families); "none" when
conntrack has no NAT record. With --transparent the sockets get IP(V6)_TRANSPARENT (TPROXY).
READY_FILE is written once every socket listens. Runs until SIGTERM.
"""
import os, selectors, signal, socket, struct, sys


def addr(a):
    return f"[{a[0]}]:{a[1]}" if ":" in a[0] else f"{a[0]}:{a[1]}"


def orig_dst(s):
    try:
        if s.family == socket.AF_INET:
            port, ip = struct.unpack_from("!2xH4s", s.getsockopt(socket.SOL_IP, 80, 16))
            return f"{socket.inet_ntop(socket.AF_INET, ip)}:{port}"
        port, ip = struct.unpack_from("!2xH4x16s", s.getsockopt(socket.IPPROTO_IPV6, 80, 28))
        return f"[{socket.inet_ntop(socket.AF_INET6, ip)}]:{port}"
    except OSError:
        return "none"


def open_socket(spec, transparent):
    udp = spec.startswith("udp:")
    host, port = (spec[4:] if udp else spec).rsplit(":", 1)
    host = host.strip("[]")
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    if transparent:
        if fam == socket.AF_INET:
            s.setsockopt(socket.SOL_IP, 19, 1)  # IP_TRANSPARENT
        else:
            s.setsockopt(socket.IPPROTO_IPV6, 75, 1)  # IPV6_TRANSPARENT
    s.bind((host, int(port)))
    if not udp:
        s.listen(64)
    return s, udp


def main(argv):
    transparent = "--transparent" in argv
    argv = [a for a in argv if a != "--transparent"]
    ready, tag, specs = argv[0], argv[1], [x for x in argv[2].split(",") if x]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sel = selectors.DefaultSelector()
    for spec in specs:
        s, udp = open_socket(spec, transparent)
        sel.register(s, selectors.EVENT_READ, udp)
    with open(ready, "w") as f:
        f.write("ready\n")
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            try:
                if key.data:  # UDP
                    _, peer = s.recvfrom(4096)
                    s.sendto(f"tag={tag} local={addr(s.getsockname())} orig=none peer={addr(peer)}\n".encode(), peer)
                    continue
                conn, peer = s.accept()
            except OSError:
                continue
            with conn:
                line = f"tag={tag} local={addr(conn.getsockname())} orig={orig_dst(conn)} peer={addr(peer)}\n"
                try:
                    conn.sendall(line.encode())
                except OSError:
                    pass


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(0)
