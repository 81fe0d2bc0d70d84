"""The app as production runs it, for fault tests: gunicorn in a subprocess, on a free port.

Fixtures (import them by name into a test module):

- ``collected_static``: STATIC_ROOT with ``collectstatic`` run once per session
  (DEBUG=0 refuses to start without it).
- ``pg_proxy``: a ``PgProxy`` in front of the test database's server (one per
  module; a test that cuts it restores it).
- ``private_redis``: a redis-server of the test's own on a free port
  (``--save "" --appendonly no``), that the test may stop, freeze or kill.
- ``start_web``: ``start_web(database_url=..., redis_url=..., **env)`` → a
  running ``WebServer``; stopped at the end of the test (``web_servers`` for
  other scopes).

Thresholds are small through the environment (statement timeout 1 s, connect
timeout 2 s) so that a test waits seconds, not the production defaults.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.db import connection

from tests.support.pgproxy import PgProxy

REPO = Path(__file__).resolve().parents[2]
FAST_DB_THRESHOLDS = {"DB_STATEMENT_TIMEOUT": "1", "DB_CONNECT_TIMEOUT": "2"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes] | None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited early with code {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGCONT)  # a frozen process cannot act on SIGTERM
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class WebServer:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, sessionid: str | None = None) -> httpx.Client:
        cookies = {settings.SESSION_COOKIE_NAME: sessionid} if sessionid else None
        return httpx.Client(base_url=self.base_url, cookies=cookies, timeout=40)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def web_env(database_url: str, redis_url: str, static_root: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "STATIC_ROOT": str(static_root),
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,  # the sessions the test makes must be valid there
        "ALLOWED_HOSTS": "127.0.0.1",
        **FAST_DB_THRESHOLDS,
        **extra,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def gunicorn_command(port: int, workers: int = 1) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "tenantatlas.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "30",
        "--no-control-socket",  # gunicorn's default control socket is one path per user
    ]


def database_url_via(port: int) -> str:
    """The pytest-django test database, reached through ``port`` (a proxy)."""
    return f"postgres://postgres@127.0.0.1:{port}/{connection.settings_dict['NAME']}"


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("static")
    env = web_env("sqlite:///:memory:", settings.REDIS_URL, root)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=REPO,
        env=env,
        check=True,
    )
    return root


@pytest.fixture(scope="module")
def pg_proxy() -> Iterator[PgProxy]:
    upstream = connection.settings_dict
    with PgProxy.start(upstream["HOST"] or "127.0.0.1", int(upstream["PORT"] or 5432)) as proxy:
        yield proxy


@contextmanager
def web_servers(static_root: Path, logs: Path) -> Iterator[Callable[..., WebServer]]:
    """``start(database_url=..., redis_url=..., **env)`` → a WebServer; all stop on exit."""
    servers: list[WebServer] = []

    def start(
        *, database_url: str, redis_url: str = "", wait: bool = True, **env: Any
    ) -> WebServer:
        port = free_port()
        log = logs / f"gunicorn-{port}.log"
        root = Path(env.pop("STATIC_ROOT", static_root))
        proc = subprocess.Popen(
            gunicorn_command(port),
            cwd=REPO,
            env=web_env(database_url, redis_url or settings.REDIS_URL, root, **env),
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        server = WebServer(proc=proc, port=port, log=log)
        servers.append(server)
        if wait:
            wait_for_port(port, proc)
            # The first request loads the app in the worker: do it before the test times anything.
            server.client().get("/accounts/login/")
        return server

    try:
        yield start
    finally:
        for server in servers:
            stop_process(server.proc)


@pytest.fixture
def start_web(collected_static: Path, tmp_path: Path) -> Iterator[Callable[..., WebServer]]:
    with web_servers(collected_static, tmp_path) as start:
        yield start
