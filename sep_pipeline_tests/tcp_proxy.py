"""A TCP proxy in a process of its own: `python -m sep_pipeline_tests.tcp_proxy PORT HOST
TARGET_PORT` forwards 127.0.0.1:PORT to HOST:TARGET_PORT until it is killed, which closes every
connection through it at once (what a client sees when the database's network goes)."""

from __future__ import annotations

import selectors
import socket
import sys


def main(port: int, host: str, target: int) -> None:
    sel = selectors.DefaultSelector()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    sel.register(listener, selectors.EVENT_READ)
    peer: dict[socket.socket, socket.socket] = {}
    print("listening", flush=True)
    while True:
        for key, _ in sel.select():
            sock = key.fileobj
            if sock is listener:
                client, _ = listener.accept()
                try:
                    server = socket.create_connection((host, target))
                except OSError:
                    client.close()
                    continue
                peer[client], peer[server] = server, client
                sel.register(client, selectors.EVENT_READ)
                sel.register(server, selectors.EVENT_READ)
                continue
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            other = peer.get(sock)
            if data and other is not None:
                try:
                    other.sendall(data)
                    continue
                except OSError:
                    pass
            for s in (sock, other):  # one side closed: close both
                if s is not None and s in peer:
                    sel.unregister(s)
                    peer.pop(s)
                    s.close()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
