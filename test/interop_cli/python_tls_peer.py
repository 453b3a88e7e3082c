#!/usr/bin/env python3
"""A TLS peer made with Python's ssl module, for test/interop_cli/run.sh.

  python_tls_peer.py server CERT KEY VERSION
      Listens on 127.0.0.1 (a port the system picks; prints
      "listening on 127.0.0.1:PORT"), accepts one connection, prints
      "negotiated VERSION CIPHER", echoes what arrives until the client
      closes, then prints "echoed N bytes".
  python_tls_peer.py client PORT CAFILE VERSION MESSAGE
      Connects to localhost:PORT verifying the certificate for "localhost",
      prints "negotiated VERSION CIPHER", sends MESSAGE, prints the echo as
      "echo: TEXT" and closes with close_notify.

VERSION is 1.2 or 1.3: the only version the peer accepts
(minimum_version = maximum_version).
"""
import socket
import ssl
import sys

VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


def pin(ctx, version):
    ctx.minimum_version = VERSIONS[version]
    ctx.maximum_version = VERSIONS[version]


def report(tls):
    name, _, _ = tls.cipher()
    print("negotiated", tls.version(), name, flush=True)


def server(cert, key, version):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    pin(ctx, version)
    ctx.load_cert_chain(cert, key)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        print("listening on 127.0.0.1:%d" % listener.getsockname()[1], flush=True)
        listener.settimeout(30)
        conn, _ = listener.accept()
        conn.settimeout(30)
        with ctx.wrap_socket(conn, server_side=True) as tls:
            report(tls)
            total = 0
            while True:
                data = tls.recv(16384)
                if not data:
                    break
                tls.sendall(data)
                total += len(data)
            print("echoed %d bytes" % total, flush=True)
            tls.unwrap()


def client(port, cafile, version, message):
    ctx = ssl.create_default_context(cafile=cafile)
    pin(ctx, version)
    with socket.create_connection(("127.0.0.1", int(port)), timeout=30) as sock:
        with ctx.wrap_socket(sock, server_hostname="localhost") as tls:
            report(tls)
            data = message.encode() + b"\n"
            tls.sendall(data)
            got = b""
            while len(got) < len(data):
                chunk = tls.recv(16384)
                if not chunk:
                    break
                got += chunk
            print("echo:", got.decode().rstrip("\n"), flush=True)
            tls.unwrap()


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "server":
        server(*sys.argv[2:])
    elif len(sys.argv) == 6 and sys.argv[1] == "client":
        client(*sys.argv[2:])
    else:
        sys.exit(__doc__)
