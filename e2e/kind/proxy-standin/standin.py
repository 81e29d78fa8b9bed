#!/usr/bin/env python3
"""A stand-in for Istio's istio-proxy in the kind suite (no istiod needed), stdlib only.

Serves what the injected istio-proxy container is probed on and what captured traffic reaches:
  15021 /healthz/ready -> 200 (readiness and startup probes), 15020 and 15090 -> 200,
  15001 (outbound capture) and 15006 (inbound capture) -> an HTTP 200 whose body says which
  port the connection landed on and its original destination (SO_ORIGINAL_DST):
      captured port=15001 orig=10.96.12.34:8080
Every other argument (the injected `proxy sidecar --domain ...`) is ignored.

    standin.py get URL     a tiny HTTP client (prints the body), for `kubectl exec`
"""
import socket, struct, sys, threading, urllib.request

SO_ORIGINAL_DST = 80


def orig_dst(conn):
    try:
        port, ip = struct.unpack_from("!2xH4s", conn.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16))
        return f"{socket.inet_ntoa(ip)}:{port}"
    except OSError:
        return "none"


def answer(conn, body):
    try:
        conn.settimeout(5)
        try:
            conn.recv(4096)  # the request; its content does not matter
        except OSError:
            pass
        data = body.encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: "
                     + str(len(data)).encode() + b"\r\n\r\n" + data)
    finally:
        conn.close()


def serve(port, body_of):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(128)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=answer, args=(conn, body_of(conn)), daemon=True).start()


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "get":
        with urllib.request.urlopen(sys.argv[2], timeout=5) as r:
            sys.stdout.write(r.read().decode())
        return
    for port in (15021, 15020, 15090):
        threading.Thread(target=serve, args=(port, lambda c: "ok\n"), daemon=True).start()
    for port in (15001, 15006):
        threading.Thread(target=serve, args=(port, lambda c, p=port: f"captured port={p} orig={orig_dst(c)}\n"), daemon=True).start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
