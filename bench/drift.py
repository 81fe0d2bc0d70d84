"""Benchmark: drift of 10,000 vs 10,000 policies (~7 KB each, with assignments), 1 % changed.

    make bench                      # or, with the variables of the Makefile's TEST_ENV:
    DATABASE_URL=postgres://... SECRET_KEY=x .venv/bin/python bench/drift.py [--size N]

Needs a migrated PostgreSQL database (``manage.py migrate``). It creates its own
scratch tenant, bulk-loads both snapshots with COPY, then measures in a fresh
Python process (so the memory figures are the job's, not the loader's):

* wall time of ``run_inline(drift.generate)``: run created, claimed, both
  snapshots streamed, settings of the changed policies loaded, findings
  written, run completed -- the same code path as the RQ job;
* peak memory: Python allocations during the run (tracemalloc, on a separate
  run because tracing slows Python down) and the growth of the process's
  maximum resident set size (which also sees C buffers, e.g. libpq's);
* the number of SQL queries (CaptureQueriesContext).

The scratch tenant and everything under it is deleted at the end. Not a test.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
import uuid
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenantatlas.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from demo.source import DemoSource  # noqa: E402
from drift.models import DriftFinding  # noqa: E402
from inventory.identity import shuffled  # noqa: E402
from inventory.models import InventorySync, Policy  # noqa: E402
from inventory.normalize import (  # noqa: E402
    MASKED_SECRET,
    canonical_json,
    content_hash,
    normalize_settings,
    scope_key,
)
from inventory.sources.base import POLICY_TYPES, SourcePolicy  # noqa: E402
from operations.lifecycle import run_inline  # noqa: E402
from operations.models import OperationRun, RunStatus  # noqa: E402
from tenantatlas.models import Tenant  # noqa: E402

# DemoSource sizes the raw Graph body (volatile keys, JSON with spaces); 9,000 raw
# bytes make about 7 KB of normalised canonical JSON, what is stored and compared.
SOURCE_BYTES = 9000
CHANGED_SHARE = 0.01
TIMED_RUNS = 3
SCOPE = scope_key(POLICY_TYPES)


# --- building the data set -----------------------------------------------------------------


def _mutate(settings: dict[str, Any], serial: int) -> dict[str, Any]:
    """A real configuration change: one top-level value and one leaf deep in a nested block;
    every other changed policy also loses an assignment (whom it applies to drifts)."""
    changed = copy.deepcopy(settings)
    changed["description"] = f"{changed.get('description', '')} (changed {serial})"
    if serial % 2 and changed.get("assignments"):
        changed["assignments"] = changed["assignments"][1:]
    for value in changed.values():
        if isinstance(value, list) and value and isinstance(value[len(value) // 2], dict):
            leaf = value[len(value) // 2]
            for key, item in leaf.items():
                if isinstance(item, str) and item != MASKED_SECRET:
                    leaf[key] = f"{item}-changed"
                    break
            break
    return changed


def _policies(size: int) -> list[SourcePolicy]:
    pages = DemoSource("bench-drift", 0, size=size, settings_bytes=SOURCE_BYTES).pages()
    return [item for page in pages for item in page if isinstance(item, SourcePolicy)]


def _copy_rows(table: str, columns: tuple[str, ...], rows: Any) -> None:
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy_:
            for row in rows:
                copy_.write_row(row)


def _snapshot_rows(
    sync: InventorySync,
    policies: list[SourcePolicy],
    ids: dict[tuple[str, str], int],
    changed_share: float,
) -> Any:
    every = round(1 / changed_share) if changed_share else 0
    rng = random.Random(f"bench-drift|{changed_share}")
    for serial, policy in enumerate(policies):
        settings = normalize_settings(policy.settings)
        if every and serial % every == every // 2:
            settings = _mutate(settings, serial)
        if changed_share:  # the current snapshot: every policy read back in another order
            settings = shuffled(settings, rng)
        text = canonical_json(settings)
        key = (policy.policy_type, policy.external_id)
        yield (
            sync.pk, ids[key], policy.policy_type, policy.external_id, policy.display_name,
            text, content_hash(settings), MASKED_SECRET in text,
        )  # fmt: skip


def build(size: int, changed_share: float) -> tuple[Tenant, dict[str, Any]]:
    slug = f"bench-drift-{uuid.uuid4().hex[:8]}"
    tenant = Tenant.objects.create(slug=slug, name="Drift benchmark (scratch)")
    policies = _policies(size)
    _copy_rows(
        Policy._meta.db_table,
        ("tenant_id", "policy_type", "external_id", "display_name", "platform",
         "first_seen_at", "last_seen_at"),
        ((tenant.pk, p.policy_type, p.external_id, p.display_name, p.platform,
          timezone.now(), timezone.now()) for p in policies),
    )  # fmt: skip
    ids = {(p.policy_type, p.external_id): p.pk for p in Policy.objects.for_tenant(tenant)}
    syncs = []
    for share in (0.0, changed_share):
        run = OperationRun.objects.create(
            tenant=tenant, resource="inventory", action="sync", status=RunStatus.COMPLETED,
            total=len(policies), succeeded=len(policies), finished_at=timezone.now(),
        )  # fmt: skip
        sync = InventorySync.objects.create(
            tenant=tenant, scope_key=SCOPE, run=run, is_complete=True,
            item_count=len(policies), finished_at=timezone.now(),
        )  # fmt: skip
        _copy_rows(
            "inventory_snapshotitem",
            ("sync_id", "policy_id", "policy_type", "external_id", "display_name", "settings",
             "content_hash", "has_masked_secrets"),
            _snapshot_rows(sync, policies, ids, share),
        )  # fmt: skip
        syncs.append(sync)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE inventory_snapshotitem")  # fresh statistics, as autovacuum would
    context = {"scope_key": SCOPE, "baseline_sync_id": syncs[0].pk, "current_sync_id": syncs[1].pk}
    return tenant, context


def server_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return str(cursor.fetchone()[0])


def settings_size(tenant: Tenant) -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT avg(octet_length(i.settings::text)) FROM inventory_snapshotitem i"
            " JOIN inventory_inventorysync s ON s.id = i.sync_id WHERE s.tenant_id = %s",
            [tenant.pk],
        )
        return float(cursor.fetchone()[0])


# --- measuring (in a fresh process) ------------------------------------------------------------


def _max_rss_kib() -> int:
    """The process's peak resident set size, in KiB.

    Linux's ``ru_maxrss`` survives ``exec``, so a child would report its loader
    parent's peak; the memory map's own high-water mark (VmHWM) starts afresh.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(tenant_id: int, context: dict[str, Any]) -> dict[str, Any]:
    tenant = Tenant.objects.get(pk=tenant_id)  # also opens the connection
    DriftFinding.objects.exists()  # and loads what a long-lived worker has loaded already
    rss_before = _max_rss_kib()
    times, cpu_times, runs = [], [], []
    for _ in range(TIMED_RUNS):
        start, cpu_start = time.perf_counter(), time.process_time()
        run = run_inline(tenant=tenant, run_type="drift.generate", context=context)
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
        runs.append(run)
    rss_after = _max_rss_kib()
    tracemalloc.start()
    with CaptureQueriesContext(connection) as queries:
        traced = run_inline(tenant=tenant, run_type="drift.generate", context=context)
    _, peak = tracemalloc.get_traced_memory()
    if os.environ.get("BENCH_SHOW_QUERIES"):
        for query in queries.captured_queries:
            print(query["time"], query["sql"][:120], file=sys.stderr)
    tracemalloc.stop()
    run = runs[-1]
    return {
        "times": times,
        "cpu_times": cpu_times,
        "rss_kib": (rss_before, rss_after),
        "traced_peak_bytes": peak,
        "queries": len(queries.captured_queries),
        "status": [r.status for r in [*runs, traced]],
        "counts": {k: getattr(run, k) for k in ("total", "succeeded", "failed", "skipped")},
        "findings": DriftFinding.objects.filter(run=run).count(),
    }


# --- the report ---------------------------------------------------------------------------------


def report(
    size: int, share: float, avg_bytes: float, build_s: float, result: dict[str, Any]
) -> None:
    times = result["times"]
    before, after = (kib / 1024 for kib in result["rss_kib"])
    lines = [
        f"drift generation benchmark on PostgreSQL {server_version()},"
        f" Python {sys.version.split()[0]}, {os.cpu_count()} CPUs",
        f"data set: {size:,} vs {size:,} policies, {avg_bytes / 1024:.1f} KiB of settings each"
        f" (canonical JSON), {share:.0%} modified; loaded in {build_s:.1f} s",
        f"run: status {', '.join(result['status'])}; counts {result['counts']};"
        f" findings {result['findings']}",
        "wall time per run: "
        + ", ".join(f"{t:.3f} s" for t in times)
        + f" (median {statistics.median(times):.3f} s; target <= 2 s)",
        "worker CPU time per run: "
        + ", ".join(f"{t:.3f} s" for t in result["cpu_times"])
        + " (this process only; PostgreSQL's share is in the wall time)",
        f"peak memory: {result['traced_peak_bytes'] / 2**20:.1f} MiB of Python allocations"
        f" during a run (tracemalloc); the measuring process's max RSS was {before:.1f} MiB"
        f" before the runs and {after:.1f} MiB after {len(times)} runs",
        f"SQL queries per run: {result['queries']}",
    ]
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000, help="policies per snapshot")
    parser.add_argument(
        "--changed", type=float, default=CHANGED_SHARE, help="share of policies modified"
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: "tenant_id:json"
    args = parser.parse_args()
    if args.measure:
        tenant_id, _, context = args.measure.partition(":")
        print(json.dumps(measure(int(tenant_id), json.loads(context))))
        return
    if connection.vendor != "postgresql":
        sys.exit("bench/drift.py measures on PostgreSQL: set DATABASE_URL (see the Makefile).")
    start = time.perf_counter()
    tenant, context = build(args.size, args.changed)
    try:
        build_s = time.perf_counter() - start
        child = subprocess.run(
            [sys.executable, __file__, "--measure", f"{tenant.pk}:{json.dumps(context)}"],
            check=True, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        result = json.loads(child.stdout.strip().splitlines()[-1])
        report(args.size, args.changed, settings_size(tenant), build_s, result)
    finally:
        tenant.delete()  # the scratch tenant and everything under it


if __name__ == "__main__":
    main()
