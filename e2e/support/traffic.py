#!/usr/bin/env python3
"""Traffic helper for the e2e suites (Python 3 stdlib, Linux).

Node can neither read SO_ORIGINAL_DST nor set IP_TRANSPARENT, so the suites use this helper.

    traffic.py listen READY_FILE TAG SPEC[,SPEC...] [--transparent]
        SPEC is HOST:PORT (TCP) or udp:HOST:PORT; IPv6 hosts in brackets. Each accepted TCP
        connection (or received UDP datagram) gets one reply line and, for TCP, is closed:

            tag=TAG local=IP:PORT orig=IP:PORT|none peer=IP:PORT

        orig is the pre-NAT destination (SO_ORIGINAL_DST, option 80 for both families); "none"
        when conntrack has no NAT record. With --transparent the sockets get IP(V6)_TRANSPARENT
        (TPROXY). READY_FILE is written once every socket listens. Runs until SIGTERM.

    traffic.py connect tcp|udp HOST PORT
        One connection (or datagram): prints the reply line, or ERR <exception class>.
"""
import selectors, signal, socket, struct, sys

SO_ORIGINAL_DST = 80


def addr(a):
    return f"[{a[0]}]:{a[1]}" if ":" in a[0] else f"{a[0]}:{a[1]}"


def orig_dst(s):
    try:
        if s.family == socket.AF_INET:
            port, ip = struct.unpack_from("!2xH4s", s.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16))
            return f"{socket.inet_ntop(socket.AF_INET, ip)}:{port}"
        port, ip = struct.unpack_from("!2xH4x16s", s.getsockopt(socket.IPPROTO_IPV6, SO_ORIGINAL_DST, 28))
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


def listen(argv):
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


def connect(proto, host, port):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        if proto == "udp":
            s = socket.socket(fam, socket.SOCK_DGRAM)
            s.settimeout(2)
            s.sendto(b"query", (host, int(port)))
            print(s.recvfrom(4096)[0].decode().strip())
        else:
            s = socket.create_connection((host, int(port)), timeout=3)
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            print(data.decode().strip())
    except OSError as e:
        print(f"ERR {e.__class__.__name__}")


if __name__ == "__main__":
    try:
        if sys.argv[1] == "listen":
            sys.exit(listen(sys.argv[2:]))
        connect(*sys.argv[2:5])
    except KeyboardInterrupt:
        sys.exit(0)
