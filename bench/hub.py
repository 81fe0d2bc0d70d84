"""Benchmark: the Operations hub at MSP scale, side by side with Django admin's changelist.

    make bench          # 1.2M runs (+ the 10k growth set), with the lifecycle benchmark
    make bench-quick    # the same at 1/50 scale, in under three minutes
    .venv/bin/python bench/hub.py [--scale 0.02] [--requests 100] [--reload]

Loads (once; kept while its shape matches, ``--reload`` forces) the data set of
bench/hub_data.py into ``DATABASE_URL`` (the benchmarks' own database) and the
10,000-run growth set into ``<DATABASE_URL>_10k``, then measures each page:
server time in-process through Django's test client (middleware, views, SQL,
templates; no network), p50/p95 over ``--requests`` requests after 3
warm-ups, and the SQL queries of one request. On a shared machine the
neighbours' load comes and goes within seconds, so the pages are timed in
rounds (one request each per round), and the two data sets, each measured by
a process of its own, take the rounds in lockstep (1.2M, 10k, 1.2M, …; a
fifth of a second each): a slow second falls on every page and on both sets
alike.
Django admin's changelist for OperationRun (first page, page 200) runs in the
same process on the same rows. Prints one table; docs/performance.md keeps it.
Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenantatlas.settings")

TARGETS = {"hub": 25.0, "api": 15.0}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--growth-runs", type=int, default=10_000)
    # 100, not 50: a p95 of 50 times is their third highest, one noisy second away from
    # another page's; the growth ratio divides two of them.
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--admin-requests", type=int, default=50)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--db-suffix", default="", help="keep this scale's data set apart")
    parser.add_argument("--child", choices=["load", "measure"])
    parser.add_argument("--total", type=int, default=0)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    small_url = os.environ["DATABASE_URL"] + "_10k"
    big_url = os.environ["DATABASE_URL"] + args.db_suffix
    big_shape = ["--scale", str(args.scale)]
    small_shape = ["--total", str(args.growth_runs)]
    reload = ["--reload"] if args.reload else []
    big_loaded = _prepare(big_url, *big_shape, *reload)
    small_loaded = _prepare(small_url, *small_shape, *reload)
    # The two data sets take the rounds in lockstep: the growth ratio compares like
    # with like only if both meet the same seconds of a shared host. Until
    # 2026-12-07 07:50 they took turns of 10 rounds, each turn a new process: one
    # noisy quarter-minute filled a turn of one set, 10 of a page's 50 times, its p95.
    big_child = _Measuring(big_url, *big_shape, "--admin-requests", str(args.admin_requests))
    small_child = _Measuring(small_url, *small_shape, "--admin-requests", str(args.admin_requests))
    for _ in range(args.requests):
        big_child.round()
        small_child.round()
    big, small = big_child.finish(), small_child.finish()
    report({**big, "loaded": big_loaded}, {**small, "loaded": small_loaded})


def _prepare(url: str, *args: str) -> dict[str, Any]:
    """Create, migrate and (unless kept) load one data set; what the load reported."""
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, str(ROOT / "scripts/ensure-database")], env=env, check=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    return _child_json(env, "load", *args)


class _Measuring:
    """A child measuring one data set, one round whenever told (see ``_rounds_told``)."""

    def __init__(self, url: str, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--child", "measure", *args],
            env={**os.environ, "DATABASE_URL": url},
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._expect("ready")

    def round(self) -> None:
        self._say("round")
        self._expect("done")

    def finish(self) -> dict[str, Any]:
        self._say("finish")
        out, _ = self.process.communicate()
        if self.process.returncode:
            raise RuntimeError(f"the measuring child failed ({self.process.returncode})")
        result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
        return result

    def _say(self, word: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(word + "\n")
        self.process.stdin.flush()

    def _expect(self, word: str) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:  # other lines (a library's banner) pass by
            if line.strip() == word:
                return
        raise RuntimeError(f"the measuring child ended before saying {word!r}")


def _child_json(env: dict[str, str], step: str, *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", step, *args],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


# -- the child: load or measure in one database ------------------------------------


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.conf import settings

    # The pages' {% static %} without collectstatic; the same lookup cost as the manifest's.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from bench import hub_data

    shape = (
        hub_data.Shape.for_total(args.total) if args.total else hub_data.Shape.for_scale(args.scale)
    )
    if args.child == "load":
        if hub_data.loaded_shape() == shape and not args.reload:
            print(json.dumps({"kept": True, "runs": shape.total}))
            return
        loaded = hub_data.load(shape)
        print(
            json.dumps(
                {
                    "kept": False,
                    "seconds": round(loaded.seconds, 1),
                    "reconcile_seconds": round(loaded.reconcile_seconds, 2),
                    "runs": loaded.runs,
                    "failures": loaded.failures,
                    "notifications": loaded.notifications,
                }
            )
        )
        return
    from tenantatlas.startup import settle

    settle()  # what tenantatlas/wsgi.py does before a server takes its first request
    print(json.dumps(measure(_rounds_told(), args.admin_requests)))


def _rounds_told() -> Iterator[None]:
    """The parent's pace: a round for each "round" on stdin, each answered with "done"."""
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() != "round":
            return
        yield
        print("done", flush=True)


def _pages() -> dict[str, tuple[str, str, dict[str, str]]]:
    """name → (kind, url, headers). Kind picks the target: hub pages or API-like answers."""
    from datetime import timedelta

    from django.utils import timezone

    from bench import hub_data
    from monitoring.keyset import Cursor
    from operations.models import OperationRun
    from tenantatlas.models import Tenant

    big = Tenant.objects.get(slug=hub_data.BIG)
    runs = OperationRun.objects.filter(tenant=big).order_by("-created_at", "-pk")
    # 10,000 rows back in the 1.2M set (5 % of its big tenant, ~4.5 days); as far
    # back in time in the growth set's smaller tenant, so that the combined
    # filter's deep page (30 days) is as full there as here.
    deep = runs[max(1, min(10_000, runs.count() // 20)) - 1]
    detail = runs.filter(failed=200, total=1000).first()
    running = runs.filter(status="running").first()
    assert detail and running and deep, "the data set lacks its detail/poll targets"
    hub = f"/t/{big.slug}/monitoring/operations/"
    api = f"/api/v1/t/{big.slug}/runs/"
    now = timezone.now().date()
    after, before = now - timedelta(days=60), now - timedelta(days=20)
    custom = f"created_after={after}&created_before={before}"
    cursor = Cursor.after(deep).encode()
    htmx = {"HX-Request": "true"}
    return {
        "hub list, first page": ("hub", hub, {}),
        "hub list, deep page (after 10,000 rows)": ("hub", f"{hub}?cursor={cursor}", {}),
        "hub ?run_type=backup_set.add_policies": (
            "hub",
            f"{hub}?run_type=backup_set.add_policies",
            {},
        ),
        "hub ?status_bucket=failed": ("hub", f"{hub}?status_bucket=failed", {}),
        "hub ?status_bucket=queued (rare)": ("hub", f"{hub}?status_bucket=queued", {}),
        "hub ?range=24h": ("hub", f"{hub}?range=24h", {}),
        "hub ?range=7d": ("hub", f"{hub}?range=7d", {}),
        "hub ?range=30d": ("hub", f"{hub}?range=30d", {}),
        "hub custom from/to": ("hub", f"{hub}?{custom}", {}),
        "hub type+bucket+30d combined": (
            "hub",
            f"{hub}?run_type=drift.generate&status_bucket=partially_succeeded&range=30d",
            {},
        ),
        "hub combined, deep page": (
            "hub",
            f"{hub}?status_bucket=succeeded&range=30d&cursor={cursor}",
            {},
        ),
        "hub run detail, 200 failures": ("hub", f"{hub}{detail.pk}/", {}),
        "notifications inbox": ("hub", f"/t/{big.slug}/notifications/", {}),
        "API list": ("api", api, {}),
        "API list, combined filters": (
            "api",
            f"{api}?run_type=backup_set.add_policies&status_bucket=failed&range=30d",
            {},
        ),
        "API run detail, 200 failures": ("api", f"{api}{detail.pk}/", {}),
        "live-progress poll (detail partial)": (
            "api",
            f"{hub}{running.pk}/?partial=progress",
            htmx,
        ),
        # The list's own poll: its rows (new runs on top, active ones moving), no chart or tabs.
        "live-progress poll (list rows)": ("api", f"{hub}?partial=rows", htmx),
    }


def measure(rounds: Iterable[None], admin_requests: int) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.test import Client

    from bench import hub_data
    from operations.models import OperationRun

    reader, admin = Client(SERVER_NAME="localhost"), Client(SERVER_NAME="localhost")
    reader.force_login(User.objects.get(username=hub_data.READER))
    admin.force_login(User.objects.get(username=hub_data.ADMIN))
    pages = _pages()
    probes = {name: _probe(reader, url, headers) for name, (_, url, headers) in pages.items()}
    # Round-robin, one request per page per round: on a shared machine the
    # neighbours' load comes and goes within minutes, and measuring page after
    # page would hand one slow minute to whichever pages it fell on.
    times: dict[str, list[float]] = {name: [] for name in pages}
    for _ in rounds:
        for name, (_, url, headers) in pages.items():
            times[name].append(_request_ms(reader, url, headers))
    rows: list[dict[str, Any]] = [
        {"name": name, "kind": kind, **probes[name], "times": times[name]}
        for name, (kind, _, _) in pages.items()
    ]
    if not admin_requests:
        return _result(rows)
    changelist = "/admin/operations/operationrun/"
    last_page = -(-OperationRun.objects.count() // 100)  # the admin shows 100 a page
    for name, url in (
        ("admin changelist, first page", changelist),
        ("admin changelist, page 200", f"{changelist}?p={min(200, last_page)}"),
    ):
        admin_times = [_request_ms(admin, url, {}) for _ in range(admin_requests)]
        rows.append({"name": name, "kind": "admin", **_probe(admin, url, {}), "times": admin_times})
    return _result(rows)


def _result(rows: list[dict[str, Any]]) -> dict[str, Any]:
    from django.db import connection

    from bench import hub_data
    from operations.models import OperationRun

    runs = OperationRun.objects.count()
    big = OperationRun.objects.filter(tenant__slug=hub_data.BIG).count()
    return {
        "rows": rows,
        "runs": runs,
        "big": big,
        "server": connection.cursor().connection.info.server_version,
    }


def _probe(client: Any, url: str, headers: dict[str, str]) -> dict[str, Any]:
    """Three warm-up requests, then one that counts the SQL queries."""
    from django.db import connection

    for _ in range(3):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    executed: list[str] = []

    def count(execute: Any, sql: str, *args: Any) -> Any:
        executed.append(sql)
        return execute(sql, *args)

    # An execute wrapper, not CaptureQueriesContext: request_started resets Django's query log.
    with connection.execute_wrapper(count):
        client.get(url, headers=headers)
    return {"queries": len(executed), "bytes": len(response.content)}


def _request_ms(client: Any, url: str, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    client.get(url, headers=headers)
    return (time.perf_counter() - started) * 1000


def _percentiles(times: list[float]) -> dict[str, Any]:
    return {"p50": statistics.median(times), "p95": _p95(times), "n": len(times)}


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# -- the report ----------------------------------------------------------------------


def report(big: dict[str, Any], small: dict[str, Any]) -> None:
    for result in (big, small):
        for row in result["rows"]:
            row.update(_percentiles(row.pop("times")))
    small_rows = {row["name"]: row for row in small["rows"]}
    print(
        f"hub benchmark: {big['runs']:,} runs ({big['big']:,} in the big tenant) vs growth set "
        f"{small['runs']:,} ({small['big']:,}); PostgreSQL {big['server']}, Python "
        f"{sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    for label, data in (("data set", big["loaded"]), ("growth set", small["loaded"])):
        print(f"{label}: {json.dumps(data)}")
    print(
        f"{'page':44} {'p50 ms':>8} {'p95 ms':>8} {'target':>7} {'queries':>7} "
        f"{'p95 10k':>8} {'ratio':>6}"
    )
    for row in big["rows"]:
        base = small_rows.get(row["name"])
        target = TARGETS.get(row["kind"])
        ratio = row["p95"] / base["p95"] if base and base["p95"] else 0.0
        print(
            f"{row['name']:44} {row['p50']:8.1f} {row['p95']:8.1f} "
            f"{(f'≤ {target:.0f}' if target else ''):>7} {row['queries']:7} "
            f"{(base['p95'] if base else 0):8.1f} {ratio:6.2f}"
        )
    rows = {row["name"]: row for row in big["rows"]}
    for admin_page, ours in (
        ("admin changelist, first page", "hub list, first page"),
        ("admin changelist, page 200", "hub list, deep page (after 10,000 rows)"),
    ):
        factor = rows[admin_page]["p95"] / rows[ours]["p95"]
        print(f"{admin_page} vs {ours}: {factor:.0f}x (p95)")


if __name__ == "__main__":
    main()
