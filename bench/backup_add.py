"""Benchmark: "Add policies" of 1,000 policies from the local snapshot, end to end in an RQ worker.

    make bench                      # or, with the variables of the Makefile's TEST_ENV:
    DATABASE_URL=postgres://... REDIS_URL=redis://... SECRET_KEY=x \\
        .venv/bin/python bench/backup_add.py [--size N]

Needs a migrated database and a reachable Redis. It creates its own scratch
tenant with one complete snapshot of ``--size`` demo policies (~7 KB of
normalised settings each) and an empty backup set, then times two runs of
``backup_set.add_policies`` for all of them, each one enqueued as the real job
(``operations.jobs.run_job``) on a private queue and performed by a real
in-process RQ worker (``SimpleWorker``, burst):

1. into the empty set: every policy captured (succeeded);
2. the same again: every policy unchanged (skipped).

For each it prints the wall time from enqueue until the worker is done, the
run's own duration (claimed → completed), the counts, the progress writes
(``RunRecorder.flushes``, and the UPDATEs of the run row counted with
CaptureQueriesContext), and the largest gap between changes of the run's
``processed`` count as seen by a second database connection polling every
10 ms (claim → first progress → … → completed). Target: ≤ 3 s, gaps < 1 s.

The scratch tenant, everything under it and the private queue are deleted at
the end. Not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenantatlas.settings")

import django

django.setup()

import django_rq  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rq import Queue, SimpleWorker  # noqa: E402

import operations.lifecycle  # noqa: E402
from backups.models import BackupSet  # noqa: E402
from backups.services import add_policies_context  # noqa: E402
from demo.source import DemoSource  # noqa: E402
from inventory.models import InventorySync, Policy, SnapshotItem  # noqa: E402
from inventory.normalize import (  # noqa: E402
    canonical_json,
    scope_key,
)
from inventory.sources.base import POLICY_TYPES, SourcePolicy  # noqa: E402
from operations import rollup  # noqa: E402
from operations.jobs import run_job  # noqa: E402
from operations.models import OperationRun, RunStatus  # noqa: E402
from operations.recorder import RunRecorder  # noqa: E402
from tenantatlas.models import Tenant  # noqa: E402

# DemoSource sizes the raw Graph body; 9,000 raw bytes make about 7 KB of
# normalised canonical JSON (what a snapshot stores and a backup copies).
SOURCE_BYTES = 9000
TARGET_SECONDS = 3.0


# --- the data set --------------------------------------------------------------------------


def build_snapshot(tenant: Tenant, size: int) -> list[int]:
    """One succeeded, complete sync of ``size`` demo policies; returns the policy ids."""
    source = DemoSource(tenant.slug, 0, size=size, settings_bytes=SOURCE_BYTES)
    items = [i for page in source.pages() for i in page if isinstance(i, SourcePolicy)]
    policies = Policy.objects.bulk_create(
        Policy(tenant=tenant, policy_type=i.policy_type, external_id=i.external_id,
               display_name=i.display_name, platform=i.platform)
        for i in items
    )  # fmt: skip
    now = timezone.now()
    run = OperationRun.objects.create(
        tenant=tenant, resource="inventory", action="sync", status=RunStatus.COMPLETED,
        total=len(items), succeeded=len(items), finished_at=now,
    )  # fmt: skip
    sync = InventorySync.objects.create(
        tenant=tenant, scope_key=scope_key(POLICY_TYPES), run=run,
        is_complete=True, item_count=len(items), taken_at=now, finished_at=now,
    )  # fmt: skip
    SnapshotItem.objects.bulk_create(
        (_snapshot_item(sync, policy, item) for policy, item in zip(policies, items, strict=True)),
        batch_size=500,
    )
    return [p.pk for p in policies]


def _snapshot_item(sync: InventorySync, policy: Policy, item: SourcePolicy) -> SnapshotItem:
    return SnapshotItem.from_source(sync, policy.pk, item)


# --- watching a run from a second connection -----------------------------------------------


@dataclass
class Watcher:
    """Polls the run row from its own thread (its own DB connection), as a person's page would."""

    run_id: int
    moments: list[tuple[float, int, str]] = field(default_factory=list)  # (time, processed, status)
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        try:
            while not self.stop.is_set():
                row = OperationRun.objects.filter(pk=self.run_id).values_list(
                    "processed", "status"
                )[0]
                if not self.moments or self.moments[-1][1:] != row:
                    self.moments.append((time.perf_counter(), *row))
                time.sleep(0.01)
        finally:
            connections.close_all()

    def largest_gap(self) -> float:
        """Largest time between visible changes, from the claim to completion."""
        seen = [t for t, _, status in self.moments if status != RunStatus.QUEUED]
        return max((b - a for a, b in pairwise(seen)), default=0.0)

    def progress_values(self) -> list[int]:
        return [processed for _, processed, status in self.moments if status == RunStatus.RUNNING]


# --- one timed run -------------------------------------------------------------------------


class CountingRecorder(RunRecorder):
    """The lifecycle's recorder, remembered so its ``flushes`` can be read after the run."""

    made: list[RunRecorder] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        CountingRecorder.made.append(self)


def timed_add(
    tenant: Tenant, backup_set: BackupSet, ids: list[int], queue: Queue
) -> dict[str, Any]:
    run = OperationRun.objects.create(
        tenant=tenant, resource="backup_set", action="add_policies", total=len(ids),
        context=add_policies_context(backup_set, ids), dedupe_key=f"bench-{uuid.uuid4().hex}",
    )  # fmt: skip
    rollup.add(run)
    watcher = Watcher(run.pk)
    watcher.thread.start()
    CountingRecorder.made.clear()
    with CaptureQueriesContext(connection) as queries:
        started, enqueued_at = time.perf_counter(), timezone.now()
        queue.enqueue(run_job, run.pk, job_id=run.job_id, job_timeout=900)
        SimpleWorker([queue], connection=queue.connection).work(burst=True, with_scheduler=False)
        wall = time.perf_counter() - started
    time.sleep(0.05)  # let the watcher see the final row
    watcher.stop.set()
    watcher.thread.join()
    run.refresh_from_db()
    figures = _figures(run, wall, queries.captured_queries, watcher)
    figures["pickup"] = (run.started_at - enqueued_at).total_seconds() if run.started_at else 0.0
    figures["wrapup"] = (
        (enqueued_at - run.finished_at).total_seconds() + wall if run.finished_at else 0.0
    )
    return figures


def _figures(
    run: OperationRun, wall: float, queries: list[dict[str, Any]], watcher: Watcher
) -> dict[str, Any]:
    run_updates = [q for q in queries if q["sql"].startswith('UPDATE "operations_operationrun"')]
    progress = [q for q in run_updates if '"succeeded"' in q["sql"]]
    return {
        "wall": wall,
        "duration": run.duration.total_seconds() if run.duration else float("nan"),
        "bucket": run.status_bucket,
        "counts": (run.succeeded, run.skipped, run.failed, run.total),
        "flushes": CountingRecorder.made[0].flushes if CountingRecorder.made else -1,
        "progress_updates": len(progress),
        "run_updates": len(run_updates),
        "queries": len(queries),
        "gap": watcher.largest_gap(),
        "seen": watcher.progress_values(),
    }


def report(label: str, f: dict[str, Any]) -> None:
    succeeded, skipped, failed, total = f["counts"]
    verdict = "OK" if f["wall"] <= TARGET_SECONDS and f["gap"] < 1.0 else "OVER TARGET"
    print(f"\n{label}")
    print(f"  wall time, enqueue → worker done : {f['wall']:.2f} s   [{verdict}]")
    print(f"  of which enqueue → claimed        : {f['pickup']:.2f} s (burst worker start-up)")
    print(f"  run duration, claim → completed  : {f['duration']:.2f} s")
    print(f"  completed → worker returned      : {f['wrapup']:.2f} s (RQ bookkeeping)")
    print(f"  outcome                          : {f['bucket']}  {succeeded} succeeded, "
          f"{skipped} skipped, {failed} failed of {total}")  # fmt: skip
    print(f"  progress writes (recorder.flushes): {f['flushes']}  "
          f"(UPDATEs of the run row with counts: {f['progress_updates']}, all UPDATEs of it: "
          f"{f['run_updates']}, SQL queries in all: {f['queries']})")  # fmt: skip
    seen = f["seen"]
    shown = ", ".join(map(str, seen[:12])) + (" …" if len(seen) > 12 else "")
    print(f"  progress seen by a second connection: {len(seen)} values ({shown})")
    print(f"  largest gap between visible changes: {f['gap'] * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000, help="policies to add (default 1000)")
    args = parser.parse_args()
    operations.lifecycle.RunRecorder = CountingRecorder  # type: ignore[misc]
    slug = f"bench-backup-{uuid.uuid4().hex[:8]}"
    tenant = Tenant.objects.create(slug=slug, name="Backup benchmark (scratch)")
    queue = Queue(f"bench-{slug}", connection=django_rq.get_connection("default"))
    try:
        built = time.perf_counter()
        ids = build_snapshot(tenant, args.size)
        print(f"snapshot of {len(ids)} policies built in {time.perf_counter() - built:.1f} s "
              f"(~{_average_bytes(tenant)} bytes of normalised settings each)")  # fmt: skip
        backup_set = BackupSet.objects.create(tenant=tenant, name="Benchmark")
        report("1. add into an empty set (all new)", timed_add(tenant, backup_set, ids, queue))
        report("2. add the same again (all unchanged)", timed_add(tenant, backup_set, ids, queue))
    finally:
        queue.delete(delete_jobs=True)
        tenant.delete()


def _average_bytes(tenant: Tenant) -> int:
    items = SnapshotItem.objects.filter(sync__tenant=tenant)[:50]
    return sum(len(canonical_json(i.settings)) for i in items) // max(len(items), 1)


if __name__ == "__main__":
    main()
