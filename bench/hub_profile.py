"""Where a hub page's time goes, in CPU time (not a benchmark, not a test).

    .venv/bin/python bench/hub_profile.py [--requests 30] [--only "hub list"] [--profile]

On a shared machine wall-clock percentiles mostly measure the wait for a
core; this process's CPU time per request (``time.process_time``: middleware,
view, ORM, templates; PostgreSQL's own share excluded; median and minimum)
and the SQL queries' wall time are what a change moves. Runs against the data set bench/hub.py
loaded into ``DATABASE_URL`` (e.g. ``<bench db>_quick``); ``--profile``
prints cProfile's top functions by cumulative time for each page.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenantatlas.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--only", default="", help="pages whose name contains this")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.test import Client

    from bench import hub, hub_data

    # Read-only against a shared data set: the sign-in's session row and
    # last_login are written inside one transaction that is rolled back.
    with transaction.atomic():
        _measure(args, Client, User, connection, hub, hub_data)
        transaction.set_rollback(True)


def _measure(args: Any, Client: Any, User: Any, connection: Any, hub: Any, hub_data: Any) -> None:
    reader = Client(SERVER_NAME="localhost")
    reader.force_login(User.objects.get(username=hub_data.READER))
    print(f"{'page':44} {'cpu ms':>7} {'min':>7} {'sql ms':>7} {'queries':>7} {'calls':>7}")
    for name, (_, url, headers) in hub._pages().items():
        if args.only and args.only not in name:
            continue
        for _ in range(3):
            assert reader.get(url, headers=headers).status_code == 200, url
        sql: list[float] = []

        def timed(execute: Any, query: str, *rest: Any, sql: list[float] = sql) -> Any:
            started = time.perf_counter()
            try:
                return execute(query, *rest)
            finally:
                sql.append(time.perf_counter() - started)

        cpu = []
        with connection.execute_wrapper(timed):
            for _ in range(args.requests):
                started = time.process_time()
                reader.get(url, headers=headers)
                cpu.append((time.process_time() - started) * 1000)
        per_request = len(sql) // args.requests
        sql_ms = sum(sql) * 1000 / args.requests
        # Python function calls per request: deterministic, unlike CPU time on a
        # shared machine, and roughly proportional to it.
        counter = cProfile.Profile()
        counter.enable()
        for _ in range(5):
            reader.get(url, headers=headers)
        counter.disable()
        calls = pstats.Stats(counter).total_calls // 5  # type: ignore[attr-defined]
        print(
            f"{name:44} {statistics.median(cpu):7.2f} {min(cpu):7.2f} {sql_ms:7.2f}"
            f" {per_request:7} {calls:7}"
        )
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(10):
                reader.get(url, headers=headers)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
