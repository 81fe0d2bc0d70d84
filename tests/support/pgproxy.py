"""A TCP proxy in front of the shared PostgreSQL that a fault test starts, cuts and restores.

    with PgProxy.start(upstream_port=5432) as proxy:
        url = f"postgres://postgres@127.0.0.1:{proxy.port}/{db_name}"
        proxy.cut()        # the database is down: live connections reset, new ones refused
        proxy.blackhole()  # packets dropped: connections accepted, nothing comes back
        proxy.restore()    # forwarding again (connections that lost bytes are reset)

It listens on a free loopback port and never touches the real server: the
shared PostgreSQL keeps running for everyone else.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

FORWARD, DOWN, BLACKHOLE = "forward", "down", "blackhole"


def _reset(sock: socket.socket) -> None:
    """Close with an RST, as a server that went away does; wakes a thread blocked in recv."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


@dataclass(eq=False)
class _Link:
    client: socket.socket
    server: socket.socket | None
    swallowing: bool = False  # bytes are read and dropped, in both directions

    def close(self) -> None:
        _reset(self.client)
        if self.server is not None:
            _reset(self.server)


@dataclass
class PgProxy:
    upstream: tuple[str, int]
    mode: str = FORWARD
    accepted: int = 0  # connections accepted so far, whatever the mode
    _links: set[_Link] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _listener: socket.socket | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)

    @classmethod
    @contextmanager
    def start(
        cls, upstream_host: str = "127.0.0.1", upstream_port: int = 5432
    ) -> Iterator[PgProxy]:
        proxy = cls(upstream=(upstream_host, upstream_port))
        proxy._listen()
        try:
            yield proxy
        finally:
            proxy.stop()

    @property
    def port(self) -> int:
        assert self._listener is not None
        return int(self._listener.getsockname()[1])

    @property
    def live_connections(self) -> int:
        with self._lock:
            return len(self._links)

    def cut(self) -> None:
        with self._lock:
            self.mode = DOWN
            self._close_links(lambda link: True)

    def blackhole(self) -> None:
        with self._lock:
            self.mode = BLACKHOLE
            for link in self._links:
                link.swallowing = True

    def restore(self) -> None:
        with self._lock:
            self.mode = FORWARD
            # A connection that lost bytes has a broken protocol stream: end it.
            self._close_links(lambda link: link.swallowing)

    def stop(self) -> None:
        self._stopping.set()
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            self._close_links(lambda link: True)

    def _close_links(self, which: Callable[[_Link], bool]) -> None:
        for link in [link for link in self._links if which(link)]:
            self._links.discard(link)
            link.close()

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        listener.settimeout(0.2)
        self._listener = listener
        threading.Thread(target=self._accept_loop, name="pgproxy-accept", daemon=True).start()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            self.accepted += 1
            self._admit(client)

    def _admit(self, client: socket.socket) -> None:
        mode = self.mode
        if mode == DOWN:
            _reset(client)
            return
        server = None
        if mode == FORWARD:
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                _reset(client)
                return
        link = _Link(client=client, server=server, swallowing=mode == BLACKHOLE)
        with self._lock:
            self._links.add(link)
        self._pump(link, client, server)
        if server is not None:
            self._pump(link, server, client)

    def _pump(self, link: _Link, source: socket.socket, target: socket.socket | None) -> None:
        def run() -> None:
            while True:
                try:
                    data = source.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    break
                if link.swallowing or target is None:
                    continue
                try:
                    target.sendall(data)
                except OSError:
                    break
            with self._lock:
                if link in self._links:
                    self._links.discard(link)
                    link.close()

        threading.Thread(target=run, name="pgproxy-pump", daemon=True).start()
