#!/usr/bin/env python3
"""One connection for the capture e2e suite: prints the reply line, or ERR <reason>.

    client.py tcp|udp HOST PORT
"""
import socket, sys

proto, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
try:
    if proto == "udp":
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.settimeout(2)
        s.sendto(b"query", (host, port))
        print(s.recvfrom(4096)[0].decode().strip())
    else:
        s = socket.create_connection((host, port), timeout=2)
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        print(data.decode().strip())
except OSError as e:
    print(f"ERR {e.__class__.__name__}")
