"""Workers killed, stopped, frozen and cut off from the database, with real signals.

Every test runs a real forking RQ worker (``tests/support/worker.py``, our
RunWorker class) in its own process and, where recovery is needed, a real
``manage.py run_reaper``: nothing in this process pretends to be either.
"""

from __future__ import annotations

import os
import signal
import time
from typing import TYPE_CHECKING, Any

import pytest
from django.db import connection

import tests.support.producers  # noqa: F401  (registers test.slow, test.quiet, test.batches)
from operations.lifecycle import run_start
from operations.models import Notification, OperationRun, RunStatus
from tests.reliability.conftest import children, log_of, status_of, wait_for

if TYPE_CHECKING:
    import subprocess

    from django.contrib.auth.models import User

    from tenantatlas.models import Tenant
    from tests.reliability.conftest import Processes

pytestmark = pytest.mark.django_db(transaction=True)


def start(tenant: Tenant, run_type: str, user: User | None = None, **context: Any) -> OperationRun:
    return run_start(tenant=tenant, run_type=run_type, initiated_by=user, context=context).run


def running(run: OperationRun) -> bool | None:
    return wait_for(lambda: status_of(run) == RunStatus.RUNNING)


def ended(run: OperationRun, timeout: float = 20.0) -> bool | None:
    return wait_for(lambda: status_of(run) not in (RunStatus.QUEUED, RunStatus.RUNNING), timeout)


def horse_of(worker: subprocess.Popen[bytes]) -> int:
    horse = wait_for(lambda: children(worker.pid)[0] if children(worker.pid) else None)
    assert horse is not None, "the worker forked no work horse"
    return horse


def test_sigkill_of_the_horse_fails_the_run_at_once_with_the_signal(
    tenant: Tenant, operator: User, processes: Processes
) -> None:
    run = start(tenant, "test.slow", operator, seconds=60)
    worker = processes.worker()
    assert running(run), log_of(worker)

    os.kill(horse_of(worker), signal.SIGKILL)

    assert ended(run, timeout=5), "the worker's parent did not fail the run"
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.failures.get().code == "worker_killed"
    assert run.failure_reason.startswith("Worker process killed (SIGKILL)")
    assert worker.poll() is None, "the worker itself must live on and take the next job"
    notices = Notification.objects.filter(user=operator, title="Test slow failed")
    assert wait_for(notices.exists, timeout=5)  # written right after the failure commits
    assert notices.count() == 1


def test_sigkill_of_the_whole_worker_is_recovered_by_the_reaper(
    tenant: Tenant, processes: Processes
) -> None:
    run = start(tenant, "test.slow", seconds=60)
    # Two reapers at once: they must fail the run once, with one entry.
    reapers = [processes.reaper(), processes.reaper()]
    worker = processes.worker()
    assert running(run), log_of(worker)
    horse = horse_of(worker)
    assert wait_for(lambda: all("a pass every" in log_of(r) for r in reapers)), log_of(reapers[0])

    os.kill(worker.pid, signal.SIGKILL)
    os.kill(horse, signal.SIGKILL)
    killed_at = time.monotonic()

    assert ended(run, timeout=15)
    detected = time.monotonic() - killed_at
    run.refresh_from_db()
    assert run.failures.get().code == "worker_lost"
    assert "no heartbeat for more than 2 s" in run.failure_reason
    assert detected < 2 + 3, f"detected after {detected:.1f} s (timeout 2 s, reaper every 0.2 s)"


def test_a_slow_silent_job_is_kept_alive_by_the_horse_heartbeat(
    tenant: Tenant, processes: Processes
) -> None:
    # The producer says nothing for 4 s; the heartbeat timeout is 2 s.
    run = start(tenant, "test.quiet", seconds=4)
    processes.reaper()
    worker = processes.worker()

    assert ended(run, timeout=20), log_of(worker)
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED, run.failure_reason
    assert run.succeeded == 1


def test_sigterm_warm_lets_the_running_job_finish(tenant: Tenant, processes: Processes) -> None:
    run = start(tenant, "test.slow", seconds=1.5)
    worker = processes.worker()
    assert running(run), log_of(worker)

    worker.send_signal(signal.SIGTERM)

    assert ended(run)
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED, run.failure_reason
    assert worker.wait(timeout=10) is not None


def test_sigterm_cold_fails_the_run_as_stopped(tenant: Tenant, processes: Processes) -> None:
    run = start(tenant, "test.slow", seconds=60)
    worker = processes.worker()
    assert running(run), log_of(worker)

    worker.send_signal(signal.SIGTERM)  # warm: wait for the job
    time.sleep(1.2)  # RQ ignores a second signal within 1 s
    worker.send_signal(signal.SIGTERM)  # cold: take the horse down

    assert ended(run, timeout=5), log_of(worker)
    run.refresh_from_db()
    assert run.failures.get().code == "worker_stopped"
    assert run.failure_reason.startswith("Worker stopped (SIGTERM, cold shutdown)")
    worker.wait(timeout=10)


def test_a_frozen_worker_is_recovered_and_its_late_writes_are_refused(
    tenant: Tenant, processes: Processes
) -> None:
    run = start(tenant, "test.batches", batches=400, pause=0.05)
    reaper = processes.reaper()
    worker = processes.worker()
    assert wait_for(lambda: OperationRun.objects.get(pk=run.pk).succeeded >= 20), log_of(worker)
    horse = horse_of(worker)
    assert wait_for(lambda: "a pass every" in log_of(reaper)), log_of(reaper)

    for pid in (worker.pid, horse):
        os.kill(pid, signal.SIGSTOP)  # hung: alive, silent, holding its job
    assert ended(run, timeout=15)
    frozen = OperationRun.objects.get(pk=run.pk)
    assert frozen.failures.get().code == "worker_lost"

    for pid in (horse, worker.pid):
        os.kill(pid, signal.SIGCONT)  # the zombie wakes up and tries to go on
    assert wait_for(lambda: "ended elsewhere" in log_of(worker), timeout=10), log_of(worker)

    after = OperationRun.objects.get(pk=run.pk)
    assert after.status == RunStatus.FAILED
    assert (after.succeeded, after.processed) == (frozen.succeeded, frozen.processed)
    assert after.heartbeat_at == frozen.heartbeat_at  # its heartbeat thread stopped too


def test_a_terminated_database_connection_fails_the_run_with_that_reason(
    tenant: Tenant, processes: Processes
) -> None:
    run = start(tenant, "test.slow", seconds=60)
    worker = processes.worker()
    assert running(run), log_of(worker)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchall(), "the worker had no connection to terminate"
    cut_at = time.monotonic()

    assert ended(run, timeout=10), log_of(worker)
    run.refresh_from_db()
    assert time.monotonic() - cut_at < 5
    assert run.failures.get().code == "database_connection_lost", (
        run.failure_reason,
        log_of(worker),
    )
    assert run.failure_reason.startswith("Database connection lost")
