"""A TCP proxy on loopback that a test can make misbehave: forward, stall (stop forwarding, keep every
connection open — a silent network stall) or cut (close both sides of every connection — a dropped link).

    with StallProxy(("127.0.0.1", 5432)) as proxy:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/db"
        proxy.stall(); ...; proxy.resume(); proxy.cut()

Threads and plain sockets only. While stalled, bytes stay in the kernel's buffers (nothing is read), new
connections are accepted but get no answer either. `stall_replies()` holds back only what the server sends.
"""

from __future__ import annotations

import select
import socket
import threading
from typing import Any


class StallProxy:
    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self._flowing = threading.Event()  # client → server
        self._flowing.set()
        self._replies = threading.Event()  # server → client
        self._replies.set()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._threads: list[threading.Thread] = []
        self.connections = 0
        self._start(self._accept_loop)

    # --- control ---------------------------------------------------------------------------------------

    def stall(self) -> None:
        """Stop forwarding in both directions; every connection stays open."""
        self._flowing.clear()
        self._replies.clear()

    def stall_replies(self) -> None:
        """Forward what the client sends, hold back every reply (a COMMIT arrives; its answer is lost)."""
        self._replies.clear()

    def resume(self) -> None:
        self._flowing.set()
        self._replies.set()

    def cut(self) -> None:
        """Close both sides of every open connection (new ones are accepted and forwarded as before)."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for s in pair:
                _close(s)

    def close(self) -> None:
        self._closed.set()
        self.resume()
        self.cut()
        for t in self._threads:
            t.join(timeout=5)
        self._listener.close()

    def __enter__(self) -> StallProxy:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- forwarding --------------------------------------------------------------------------------------

    def _start(self, fn: Any, *args: Any) -> None:
        t = threading.Thread(target=fn, args=args, daemon=True, name="stall-proxy")
        self._threads.append(t)
        t.start()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _close(client)
                continue
            for s in (client, server):
                s.setblocking(True)
            with self._lock:
                self._pairs.append((client, server))
                self.connections += 1
            self._start(self._pump, client, server, self._flowing)
            self._start(self._pump, server, client, self._replies)

    def _pump(self, src: socket.socket, dst: socket.socket, flowing: threading.Event) -> None:
        while not self._closed.is_set():
            if not flowing.wait(0.05):
                continue  # stalled: read nothing, forward nothing, keep the connection open
            try:
                ready, _, _ = select.select([src], [], [], 0.05)
                if not ready:
                    continue
                if not flowing.is_set():
                    continue
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
            except (OSError, ValueError):  # cut (closed under us) or reset by the peer
                break
        _close(src)
        _close(dst)


def _close(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        s.close()
    except OSError:
        pass
