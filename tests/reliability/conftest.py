"""Fault tests on real processes: forking RQ workers, reapers, a private redis-server.

Thresholds are made small through the same environment variables production
reads (RUN_HEARTBEAT_INTERVAL, RUN_HEARTBEAT_TIMEOUT, REAPER_INTERVAL, …), so
a worker is declared lost in about two seconds instead of a minute.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import django_rq
import pytest
from django.conf import settings
from django.db import connection

from operations.models import OperationRun
from tests.support.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[2]

FAST = {
    "RUN_HEARTBEAT_INTERVAL": "0.2",
    "RUN_HEARTBEAT_TIMEOUT": "2",
    "RUN_QUEUED_GRACE": "1",
    "REAPER_INTERVAL": "0.2",
}


def wait_for[T](predicate: Callable[[], T], timeout: float = 20.0, step: float = 0.05) -> T | None:
    """The predicate's first truthy value, or None once ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


def status_of(run: OperationRun) -> str:
    return OperationRun.objects.values_list("status", flat=True).get(pk=run.pk)


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (the work horse of a forking worker)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


class Processes:
    """Starts our real processes against the test database; kills what is left at teardown."""

    def __init__(self, redis_url: str, logdir: Path) -> None:
        self.redis_url = redis_url
        self.logdir = logdir
        self.started: list[subprocess.Popen[bytes]] = []

    def env(self, **extra: str) -> dict[str, str]:
        db = connection.settings_dict
        # The processes see the demo as this test process does (settings.DEMO_ENABLED).
        env = {**os.environ, "DEMO_ENABLED": str(int(settings.DEMO_ENABLED)), **FAST, **extra}
        env["DATABASE_URL"] = extra.get(
            "DATABASE_URL", f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
        env["REDIS_URL"] = self.redis_url
        env["DJANGO_SETTINGS_MODULE"] = "tenantatlas.settings"
        return env

    def _start(self, name: str, argv: list[str], **extra: str) -> subprocess.Popen[bytes]:
        log = (self.logdir / f"{name}-{len(self.started)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, *argv], env=self.env(**extra), cwd=ROOT, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        process.log_path = log.name  # type: ignore[attr-defined]
        self.started.append(process)
        return process

    def worker(self, **extra: str) -> subprocess.Popen[bytes]:
        """A real forking RQ worker (our RunWorker class) on the default queue."""
        return self._start("worker", [str(ROOT / "tests/support/worker.py")], **extra)

    def reaper(self, **extra: str) -> subprocess.Popen[bytes]:
        return self._start("reaper", ["manage.py", "run_reaper"], **extra)

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                for pid in children(process.pid):
                    _kill(pid, signal.SIGKILL)
                _kill(process.pid, signal.SIGCONT)
                _kill(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def log_of(process: subprocess.Popen[bytes]) -> str:
    return Path(process.log_path).read_text(errors="replace")  # type: ignore[attr-defined]


def _kill(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


@pytest.fixture
def private_redis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisServer]:
    """A redis-server of this test's own; this process's queue points at it too."""
    server = RedisServer(tmp_path)
    server.start()
    queue = {**django_rq.settings.QUEUES["default"], "URL": server.url}
    monkeypatch.setitem(django_rq.settings.QUEUES, "default", queue)
    yield server
    server.kill()


@pytest.fixture
def fast(settings: Any) -> None:
    for name, value in FAST.items():
        setattr(settings, name, float(value) if "." in value else int(value))


@pytest.fixture
def processes(private_redis: RedisServer, tmp_path: Path, fast: None) -> Iterator[Processes]:
    """Our processes, on the test's private redis-server (which the test may kill or restart)."""
    procs = Processes(private_redis.url, tmp_path)
    yield procs
    procs.stop_all()


# The web fault tests' fixtures (gunicorn through a cuttable PostgreSQL proxy).
from tests.support.webserver import (  # noqa: E402, F401  (fixtures)
    collected_static,
    pg_proxy,
    start_web,
)
