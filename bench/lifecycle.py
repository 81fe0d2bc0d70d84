"""Benchmark: what tracking costs. 500 tracked runs vs 500 raw RQ jobs on the same forking worker.

    make bench      # or: .venv/bin/python bench/lifecycle.py [--jobs 500]

One real forking RQ worker (bench/lifecycle_worker.py: ``manage.py rqworker``'s
configured worker class, operations/worker.py) in its own process, on the ``default`` queue of
``REDIS_URL``. A scratch tenant and its starter are created; then, with the
worker stopped, 500 tracked starts (``run_start`` of a trivial run type, the
real job ``operations.jobs.run_job``: claim, one item, complete, notify) and
500 raw ``queue.enqueue`` calls of a trivial function are made interleaved in
blocks of 10 (10 tracked, 10 raw, …), timing each start; with them, 500 raw
jobs that make one round trip on the horse's (lent) database connection, and
500 that commit two one-statement writes: the floor of any lifecycle whose
horse records a run's start and finish durably. The worker is then started
and drains the queue; each job's cost is the gap between its end and the
previous job's end (RQ's ``ended_at``): the worker's own work for it, the
fork, the horse's work and RQ's bookkeeping. The worker completes a run after
its horse has ended (operations/handoff.py), so that write falls into the
next job's gap: the first job of each block, which carries the previous
block's, is not counted.
Then 50 more tracked runs are started one by one on the idle worker:
enqueue → ``started_at`` (the claim inside the horse). Not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenantatlas.settings")

import django  # noqa: E402

django.setup()

import django_rq  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from rq.job import Job  # noqa: E402

import bench.lifecycle_types  # noqa: E402, F401  (registers bench.noop)
from bench.lifecycle_types import RUN_TYPE, raw_db_touch, raw_noop, raw_two_writes  # noqa: E402
from operations.lifecycle import run_start  # noqa: E402
from operations.models import OperationRun  # noqa: E402
from tenantatlas.models import Tenant  # noqa: E402

TARGET_OVERHEAD = 0.15
TARGET_PICKUP_MS = 100
KINDS = ("tracked", "raw", "raw + db", "raw + 2 writes")
BLOCK = 10  # jobs of one kind in a row


def start_worker() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "bench/lifecycle_worker.py")],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def tracked(tenant: Tenant, user: User) -> tuple[str, float]:
    started = time.perf_counter()
    with transaction.atomic():
        run = run_start(
            tenant=tenant, run_type=RUN_TYPE, initiated_by=user, dedupe_key=uuid.uuid4().hex
        ).run
    return f"run-{run.pk}", (time.perf_counter() - started) * 1000


def raw(
    queue: object, function: Callable[..., None] = raw_noop, *args: object
) -> tuple[str, float]:
    job_id = f"raw-{uuid.uuid4().hex}"
    started = time.perf_counter()
    queue.enqueue(function, *args, job_id=job_id)  # type: ignore[attr-defined]
    return job_id, (time.perf_counter() - started) * 1000


def wait_drained(connection: object, ids: list[str], timeout: float = 900) -> list[Job]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = Job.fetch_many(ids, connection=connection)  # type: ignore[arg-type]
        if all(job is not None and job.ended_at for job in jobs):
            return jobs  # type: ignore[return-value]
        time.sleep(0.5)
    raise TimeoutError("the worker did not drain the queue")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--pickups", type=int, default=50)
    args = parser.parse_args()
    queue = django_rq.get_queue("default", commit_mode="auto")
    queue.empty()
    slug = f"bench-life-{uuid.uuid4().hex[:8]}"
    tenant = Tenant.objects.create(slug=slug, name=slug)
    user = User.objects.create_user(slug)
    try:
        _measure(args, queue, tenant, user)
    finally:
        OperationRun.objects.filter(tenant=tenant).delete()
        tenant.delete()
        user.delete()


def _measure(args: argparse.Namespace, queue: object, tenant: Tenant, user: User) -> None:
    kinds: dict[str, str] = {}
    start_ms: dict[str, list[float]] = {kind: [] for kind in KINDS}
    starts: dict[str, Callable[[], tuple[str, float]]] = {
        "tracked": lambda: tracked(tenant, user),
        "raw": lambda: raw(queue),
        "raw + db": lambda: raw(queue, raw_db_touch),
        "raw + 2 writes": lambda: raw(queue, raw_two_writes, tenant.pk),
    }
    for _ in range(args.jobs // BLOCK):
        for kind, start in starts.items():
            for _ in range(BLOCK):
                job_id, ms = start()
                kinds[job_id] = kind
                start_ms[kind].append(ms)
    worker = start_worker()
    try:
        drained_at = time.perf_counter()
        jobs = wait_drained(queue.connection, list(kinds))  # type: ignore[attr-defined]
        drain = time.perf_counter() - drained_at
        pickups = [_pickup(tenant, user) for _ in range(args.pickups)]
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(30)
    _report(args, jobs, kinds, start_ms, drain, pickups)


def _pickup(tenant: Tenant, user: User) -> float:
    enqueued = timezone.now()
    job_id, _ = tracked(tenant, user)
    pk = int(job_id.removeprefix("run-"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        run = OperationRun.objects.get(pk=pk)
        if run.finished_at:
            return (run.started_at - enqueued).total_seconds() * 1000  # type: ignore[operator]
        time.sleep(0.01)
    raise TimeoutError(f"run {pk} did not finish")


def _report(args, jobs, kinds, start_ms, drain, pickups) -> None:  # type: ignore[no-untyped-def]
    ordered = sorted(jobs, key=lambda job: job.ended_at)
    cost: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for previous, job in pairwise(ordered):
        if kinds[previous.id] != kinds[job.id]:
            continue  # the first of a block: it carries the previous kind's finish
        cost[kinds[job.id]].append((job.ended_at - previous.ended_at).total_seconds() * 1000)
    done = OperationRun.objects.filter(status_bucket="succeeded", resource="bench").count()
    total = {kind: sum(values) for kind, values in cost.items()}
    overhead = total["tracked"] / total["raw"] - 1
    touch = total["raw + db"] / total["raw"] - 1
    floor = total["raw + 2 writes"] / total["raw"] - 1
    print(
        f"lifecycle benchmark: {args.jobs} each of tracked runs, raw jobs, raw jobs making "
        "one round trip and raw jobs committing two writes, interleaved in blocks of 10, one "
        f"forking worker ({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}); "
        f"drained in {drain:.1f} s; {done} tracked runs succeeded"
    )
    for kind in KINDS:
        values = cost[kind]
        print(
            f"  {kind:14} per job in the worker: p50 {statistics.median(values):6.1f} ms, "
            f"mean {statistics.mean(values):6.1f} ms, total {total[kind] / 1000:6.1f} s; "
            f"start in the caller p50 {statistics.median(start_ms[kind]):5.2f} ms"
        )
    print(f"  tracked overhead over raw: {overhead:+.0%} (target <= +{TARGET_OVERHEAD:.0%})")
    print(f"  one round trip on the lent connection: {touch:+.0%} over raw")
    print(
        f"  the floor, two committed one-statement writes (a bare claim and finish): "
        f"{floor:+.0%} over raw"
    )
    print(
        f"  enqueue -> start on an idle worker: p50 {statistics.median(pickups):.0f} ms, "
        f"max {max(pickups):.0f} ms over {len(pickups)} runs (target p50 <= {TARGET_PICKUP_MS} ms)"
    )


if __name__ == "__main__":
    main()
