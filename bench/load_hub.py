"""Load check: 20 concurrent clients on the hub list for 60 s against gunicorn on PostgreSQL.

    make bench-load                 # or, with the variables of the Makefile's BENCH_ENV:
    .venv/bin/python bench/load_hub.py [--clients 20] [--seconds 60] [--workers 3] [--runs 5000]

Needs a migrated database (BENCH_DATABASE_URL in the Makefile) and a
reachable Redis. It creates a scratch tenant with ``--runs`` terminal
operation runs (every run type and bucket) and one owner with a session,
collects the static files into a temporary STATIC_ROOT, and starts gunicorn
the way the image does (sync workers, ``--workers``, DEBUG=0, the production
database settings: persistent connections with health checks, statement
timeout) on a free loopback port. ``--clients`` threads then each GET the
hub list (``/t/<slug>/monitoring/operations/``, first page, 50 rows) in a
loop, one request at a time, for ``--seconds``. Every answer that is not a
200 with the hub's table, and every exception, counts as an error.

It prints requests, errors, throughput and the latency percentiles (p50, p90,
p95, p99, max) seen by the clients, which include the wait for a free gunicorn
worker. Exit status 1 when there was any error. Bounded: at most 300 s and 64
clients, loopback only; gunicorn and the scratch tenant are removed at the end.
Not a test.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenantatlas.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.utils import timezone  # noqa: E402

from operations.models import OperationRun, RunStatus  # noqa: E402
from tenantatlas.models import Membership, Role, Tenant  # noqa: E402

MAX_SECONDS, MAX_CLIENTS = 300, 64
RUN_TYPES = [("inventory", "sync"), ("drift", "generate"), ("backup_set", "add_policies")]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def seed(runs: int) -> tuple[Tenant, User, str]:
    slug = f"bench-load-{uuid.uuid4().hex[:8]}"
    tenant = Tenant.objects.create(slug=slug, name="Bench load")
    user = User.objects.create_user(f"{slug}-owner", password=uuid.uuid4().hex)
    Membership.objects.create(user=user, tenant=tenant, role=Role.OWNER)
    now, rng = timezone.now(), random.Random(7)
    OperationRun.objects.bulk_create(
        [_run(tenant, user, now - timedelta(minutes=i), rng) for i in range(runs)], batch_size=1000
    )
    return tenant, user, _session_for(user)


def _run(tenant: Tenant, user: User, created: object, rng: random.Random) -> OperationRun:
    resource, action = rng.choice(RUN_TYPES)
    failed = rng.choice([0, 0, 0, 1, 5])
    succeeded = rng.choice([0, 10, 50])
    status = rng.choice([RunStatus.COMPLETED] * 4 + [RunStatus.FAILED])
    return OperationRun(
        tenant=tenant, resource=resource, action=action, status=status, initiated_by=user,
        total=succeeded + failed, succeeded=succeeded,
        failed=failed, created_at=created, started_at=created, finished_at=created,
    )  # fmt: skip


def _session_for(user: User) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "tenantatlas.auth.PreferencesBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    assert session.session_key
    return session.session_key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(port: int, workers: int, static_root: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DEBUG": "0", "STATIC_ROOT": static_root, "ALLOWED_HOSTS": "127.0.0.1"}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=REPO, env=env, check=True,
    )  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tenantatlas.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "30", "--no-control-socket"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        try:
            if get(port, "/healthz", "")[0] in (200, 503):
                return proc
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 60 s")


def get(port: int, path: str, sessionid: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        cookie = f"{settings.SESSION_COOKIE_NAME}={sessionid}"
        conn.request("GET", path, headers={"Cookie": cookie})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def client_loop(port: int, path: str, sessionid: str, until: float, tally: Tally) -> None:
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            status, body = get(port, path, sessionid)
            problem = None if status == 200 and b"<table" in body else f"HTTP {status}"
        except Exception as exc:  # noqa: BLE001 - every failure is counted, none stops the check
            problem = type(exc).__name__
        elapsed = time.perf_counter() - started
        with tally.lock:
            tally.latencies.append(elapsed)
            if problem:
                tally.errors.append(problem)


def percentile(sorted_values: list[float], share: float) -> float:
    index = min(len(sorted_values) - 1, round(share * (len(sorted_values) - 1)))
    return sorted_values[index]


def report(tally: Tally, seconds: float, clients: int, workers: int, runs: int) -> None:
    values = sorted(tally.latencies)
    ms = {name: 1000 * percentile(values, share) for name, share in
          [("p50", 0.50), ("p90", 0.90), ("p95", 0.95), ("p99", 0.99), ("max", 1.0)]}  # fmt: skip
    print(f"hub list load: {clients} clients, {seconds:.0f} s, gunicorn {workers} sync workers,")
    print(f"  {runs} runs in the tenant, first page (50 rows), PostgreSQL on loopback")
    print(f"  requests: {len(values)}  errors: {len(tally.errors)}  "
          f"throughput: {len(values) / seconds:.1f} req/s")  # fmt: skip
    print("  latency ms: " + "  ".join(f"{name} {value:.0f}" for name, value in ms.items()))
    print(f"  mean {1000 * statistics.fmean(values):.0f} ms")
    if tally.errors:
        print(f"  first errors: {sorted(set(tally.errors))[:5]}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument(
        "--seconds", type=float, default=float(os.environ.get("BENCH_LOAD_SECONDS", 60))
    )
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5000)
    args = parser.parse_args()
    clients, seconds = min(args.clients, MAX_CLIENTS), min(args.seconds, MAX_SECONDS)

    tenant, user, sessionid = seed(args.runs)
    port = free_port()
    proc = None
    try:
        with tempfile.TemporaryDirectory() as static_root:
            proc = start_gunicorn(port, args.workers, static_root)
            path = f"/t/{tenant.slug}/monitoring/operations/"
            assert get(port, path, sessionid)[0] == 200, (
                "the hub does not answer 200 before the load"
            )
            tally, until = Tally(), time.monotonic() + seconds
            loop_args = (port, path, sessionid, until, tally)
            threads = [threading.Thread(target=client_loop, args=loop_args) for _ in range(clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            report(tally, seconds, clients, args.workers, args.runs)
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        SessionStore(session_key=sessionid).delete()
        tenant.delete()
        user.delete()
    return 1 if tally.errors else 0


if __name__ == "__main__":
    sys.exit(main())
