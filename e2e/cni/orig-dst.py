#!/usr/bin/env python3
"""Traffic helper for the CNI e2e suite (stdlib only; Node cannot read SO_ORIGINAL_DST).

    orig-dst.py listen READY_FILE TAG HOST:PORT [HOST:PORT...]
        Accepts TCP connections until SIGTERM; each gets one line and is closed:
        tag=TAG local=IP:PORT orig=IP:PORT|none
        (orig: the destination before NAT, SO_ORIGINAL_DST; none without a NAT record).
    orig-dst.py connect HOST PORT
        Connects, prints the line the listener sent, exits 0 (1 on failure).
"""
import os, selectors, signal, socket, struct, sys

SO_ORIGINAL_DST = 80


def orig_dst(s):
    try:
        port, ip = struct.unpack_from("!2xH4s", s.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16))
        return f"{socket.inet_ntoa(ip)}:{port}"
    except OSError:
        return "none"


def listen(ready, tag, specs):
    sel = selectors.DefaultSelector()
    for spec in specs:
        host, port = spec.rsplit(":", 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, int(port)))
        s.listen(16)
        sel.register(s, selectors.EVENT_READ)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(ready, "w") as f:
        f.write("ready\n")
    while True:
        for key, _ in sel.select():
            conn, _ = key.fileobj.accept()
            local = "%s:%d" % conn.getsockname()
            conn.sendall(f"tag={tag} local={local} orig={orig_dst(conn)}\n".encode())
            conn.close()


def connect(host, port):
    try:
        s = socket.create_connection((host, int(port)), timeout=3)
        print(s.makefile().readline().strip())
        return 0
    except OSError as e:
        print(f"error={e}")
        return 1


if __name__ == "__main__":
    if sys.argv[1] == "listen":
        listen(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.exit(connect(sys.argv[2], sys.argv[3]))
