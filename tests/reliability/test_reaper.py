"""The reaper outlives Redis and PostgreSQL outages; queue faults get their real reason."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import django_rq
import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rq.registry import StartedJobRegistry

import tests.support.producers  # noqa: F401  (registers the test run types)
from operations.lifecycle import StartResult, run_job_timeout, run_start
from operations.models import OperationRun, RunStatus
from operations.reaper import ALIVE_KEY, REDIS_TIMEOUT, Reaper
from operations.recovery import recover_runs
from tests.reliability.conftest import ROOT, children, log_of, status_of, wait_for
from tests.support.concurrency import at_once
from tests.support.pgproxy import PgProxy

if TYPE_CHECKING:
    from collections.abc import Callable

    from pytest_django import Settings

    from tenantatlas.models import Tenant
    from tests.reliability.conftest import Processes
    from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.django_db(transaction=True)


def start(tenant: Tenant, run_type: str, **context: Any) -> OperationRun:
    return run_start(tenant=tenant, run_type=run_type, initiated_by=None, context=context).run


def later(seconds: float) -> datetime:
    return timezone.now() + timedelta(seconds=seconds)


def recover_at(seconds: float, **options: Any) -> int:
    """The recovery check as it would run ``seconds`` from now."""
    with time_machine.travel(later(seconds)):
        return recover_runs(**options)


def silent_running_run(tenant: Tenant) -> OperationRun:
    """What a worker that died long ago leaves behind: running, heartbeat far in the past.

    Written directly: starting it would need the queue that some tests have taken away.
    """
    long_ago = timezone.now() - timedelta(minutes=5)
    return OperationRun.objects.create(
        tenant=tenant, resource="test", action="slow", status=RunStatus.RUNNING,
        created_at=long_ago, started_at=long_ago, heartbeat_at=long_ago,
    )  # fmt: skip


def failed_soon(run: OperationRun, timeout: float = 15.0) -> bool | None:
    return wait_for(lambda: status_of(run) == RunStatus.FAILED, timeout)


def test_the_reaper_survives_a_redis_outage_and_logs_it_once(
    tenant: Tenant, processes: Processes, private_redis: RedisServer
) -> None:
    reaper = processes.reaper()
    assert wait_for(lambda: private_redis.client().exists(ALIVE_KEY)), log_of(reaper)
    assert 0 < private_redis.client().ttl(ALIVE_KEY) <= 5

    private_redis.kill()
    run = silent_running_run(tenant)  # the heartbeat check needs no Redis
    assert failed_soon(run), log_of(reaper)
    time.sleep(1.0)  # several passes into the outage
    assert reaper.poll() is None, log_of(reaper)

    private_redis.start()
    assert wait_for(lambda: private_redis.client().exists(ALIVE_KEY), timeout=40), log_of(reaper)
    log = log_of(reaper)
    assert log.count("reaper: redis unreachable") == 1, log
    assert log.count("reaper: redis reachable again") == 1, log


def test_the_reaper_keeps_checking_heartbeats_while_redis_is_frozen(
    tenant: Tenant, processes: Processes, private_redis: RedisServer
) -> None:
    reaper = processes.reaper()
    assert wait_for(lambda: private_redis.client().exists(ALIVE_KEY)), log_of(reaper)

    private_redis.freeze()
    try:
        assert wait_for(lambda: "reaper: redis unreachable (TimeoutError)" in log_of(reaper))
        run = silent_running_run(tenant)
        started = time.monotonic()
        assert failed_soon(run, timeout=15), log_of(reaper)
        assert time.monotonic() - started < 2 * REDIS_TIMEOUT + 2  # one stalled pass at most
    finally:
        private_redis.thaw()
    assert wait_for(lambda: "reaper: redis reachable again" in log_of(reaper)), log_of(reaper)
    assert reaper.poll() is None


def test_the_reaper_survives_a_postgresql_outage_and_logs_it_once(
    tenant: Tenant, processes: Processes
) -> None:
    db = connection.settings_dict
    with PgProxy.start(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)) as proxy:
        via_proxy = f"postgres://{db['USER']}@127.0.0.1:{proxy.port}/{db['NAME']}"
        reaper = processes.reaper(DATABASE_URL=via_proxy)
        assert wait_for(lambda: "a pass every" in log_of(reaper)), log_of(reaper)
        time.sleep(0.5)

        proxy.cut()
        assert wait_for(lambda: "reaper: database unreachable" in log_of(reaper)), log_of(reaper)
        time.sleep(1.0)
        assert reaper.poll() is None, log_of(reaper)
        run = silent_running_run(tenant)

        proxy.restore()
        assert failed_soon(run, timeout=40), log_of(reaper)
        assert wait_for(lambda: "database reachable again" in log_of(reaper)), log_of(reaper)
        log = log_of(reaper)
        assert log.count("reaper: database unreachable") == 1, log
        assert log.count("reaper: database reachable again") == 1, log
        assert db["NAME"] not in log and str(proxy.port) not in log  # class names, not addresses


def test_two_reapers_fail_a_lost_run_once(tenant: Tenant) -> None:
    run = silent_running_run(tenant)
    results, errors = at_once(2, lambda: Reaper().run_pass())

    assert errors == []
    assert sorted(r for r in results if r is not None) == [0, 1] and None not in results
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.failures.count() == 1


def test_runs_queued_when_redis_restarted_are_failed_as_lost_by_redis(
    tenant: Tenant, processes: Processes, private_redis: RedisServer, work_queue: Callable[[], int]
) -> None:
    recover_runs()  # the reaper has marked this Redis as holding its data
    runs = [
        run_start(tenant=tenant, run_type="test.items", initiated_by=None, dedupe_key=str(n)).run
        for n in range(3)
    ]
    assert django_rq.get_queue("default").count == 3

    private_redis.restart()  # no persistence: the three jobs are gone

    assert recover_at(settings.RUN_QUEUED_GRACE + 1) == 3
    for run in runs:
        run.refresh_from_db()
        assert run.failures.get().code == "job_vanished"
        assert "Redis restarted without its data" in run.failure_reason
    # And the queue works again at once for the next start.
    fresh = start(tenant, "test.items", items=2)
    assert work_queue() == 1
    assert status_of(fresh) == RunStatus.COMPLETED


def test_a_run_whose_starter_died_before_enqueueing_is_failed_as_never_handed_over(
    tenant: Tenant, processes: Processes
) -> None:
    recover_runs()  # the reaper has marked this Redis as holding its data
    script = (
        "import os, signal, django; django.setup()\n"
        "import tests.support.producers\n"
        "from operations import lifecycle\n"
        "from tenantatlas.models import Tenant\n"
        # The web process dies between its commit and the enqueue that follows it.
        "lifecycle._enqueue = lambda *args: os.kill(os.getpid(), signal.SIGKILL)\n"
        "lifecycle.run_start(tenant=Tenant.objects.get(slug='acme'), run_type='test.items',"
        " initiated_by=None, context={})\n"
    )
    web = subprocess.run(
        [sys.executable, "-c", script], env=processes.env(), cwd=ROOT, timeout=60, check=False
    )
    assert web.returncode == -signal.SIGKILL

    run = OperationRun.objects.get()
    assert run.status == RunStatus.QUEUED  # committed, never enqueued
    assert recover_at(settings.RUN_QUEUED_GRACE + 1) == 1
    run.refresh_from_db()
    assert run.failures.get().code == "never_enqueued"
    assert run.failure_reason.startswith("The run was never handed to the queue")


def test_twenty_concurrent_identical_starts_make_one_run_and_one_job(
    tenant: Tenant, private_redis: RedisServer
) -> None:
    def click() -> StartResult:
        return run_start(tenant=tenant, run_type="test.slow", initiated_by=None, dedupe_key="k")

    results, errors = at_once(20, click)

    assert errors == []
    assert len(results) == 20
    assert len({result.run.pk for result in results}) == 1
    assert sum(result.created for result in results) == 1
    assert OperationRun.objects.count() == 1
    assert django_rq.get_queue("default").count == 1


def test_run_job_timeout_is_a_ceiling_over_the_run_types_own(
    tenant: Tenant, settings: Settings, work_queue: Callable[[], int]
) -> None:
    settings.RUN_JOB_TIMEOUT = 1
    assert run_job_timeout("test.slow") == 1  # its own is 120 s
    run = start(tenant, "test.slow", seconds=30)
    job = django_rq.get_queue("default").fetch_job(run.job_id)
    assert job is not None and job.timeout == 1

    work_queue()

    run.refresh_from_db()
    assert run.failures.get().code == "job_timeout"
    assert run.failure_reason.startswith("Timed out after 1 s")
    settings.RUN_JOB_TIMEOUT = 3600
    assert run_job_timeout("test.slow") == 120  # under the ceiling a type keeps its own


def test_a_killed_worker_found_by_rqs_cleanup_later_never_leaves_an_empty_reason(
    tenant: Tenant, processes: Processes
) -> None:
    run = start(tenant, "test.slow", seconds=60)
    worker = processes.worker()  # and no reaper: RQ's own cleanup finds the job
    assert wait_for(lambda: status_of(run) == RunStatus.RUNNING), log_of(worker)
    horse = wait_for(lambda: children(worker.pid)[0] if children(worker.pid) else None)
    assert horse is not None
    worker.kill()
    processes.started.remove(worker)
    os.kill(horse, signal.SIGKILL)

    # What a restarted worker does once the dead one's entry expires.
    registry = StartedJobRegistry("default", connection=django_rq.get_connection("default"))
    registry.cleanup(timestamp=time.time() + 10_000)

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.failures.get().code == "worker_lost"
    assert run.failure_reason.startswith("Worker lost: its RQ worker died")


def test_a_running_run_whose_rq_worker_is_gone_is_failed_without_waiting_for_silence(
    tenant: Tenant, processes: Processes
) -> None:
    run = start(tenant, "test.slow", seconds=60)
    worker = processes.worker()
    assert wait_for(lambda: status_of(run) == RunStatus.RUNNING), log_of(worker)
    job = django_rq.get_queue("default").fetch_job(run.job_id)
    assert job is not None
    # While the worker lives, RQ's view of it keeps the run alone.
    assert recover_at(settings.RUN_QUEUED_GRACE + 1, heartbeat_timeout=600) == 0

    horse = wait_for(lambda: children(worker.pid)[0] if children(worker.pid) else None)
    assert horse is not None
    worker.kill()
    os.kill(horse, signal.SIGKILL)
    # What the worker key's TTL (RQ's own worker heartbeat) does once the worker is dead.
    django_rq.get_connection("default").delete(f"rq:worker:{job.worker_name}")

    assert recover_at(settings.RUN_QUEUED_GRACE + 1, heartbeat_timeout=600) == 1
    run.refresh_from_db()
    assert run.failures.get().code == "worker_lost"
    assert run.failure_reason == "Worker lost: the RQ worker running the job is gone."
