"""Recover: nothing stays queued or running forever, and a lost worker's late writes are refused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import django_rq
import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rq.job import JobStatus

import tests.support.producers  # noqa: F401  (registers test.slow, test.timeout)
from operations.lifecycle import run_complete, run_start
from operations.models import Notification, OperationRun, RunStatus
from operations.recorder import RunLost, RunRecorder
from operations.recovery import recover_runs

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User

    from tenantatlas.models import Tenant

ROOT = Path(__file__).resolve().parents[2]


def start(tenant: Tenant, run_type: str, user: User | None = None, **context: Any) -> OperationRun:
    return run_start(tenant=tenant, run_type=run_type, initiated_by=user, context=context).run


def later(seconds: float) -> datetime:
    return timezone.now() + timedelta(seconds=seconds)


def recover_at(seconds: float) -> int:
    """Run the recovery check as it would run ``seconds`` from now."""
    with time_machine.travel(later(seconds)):
        return recover_runs()


def worker_env() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env["REDIS_URL"] = settings.REDIS_URL  # already the test database number
    env["DJANGO_SETTINGS_MODULE"] = "tenantatlas.settings"
    return env


def wait_for(predicate: Callable[[], object], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_sigkilled_worker_is_declared_lost_and_its_late_writes_are_refused(
    tenant: Tenant, operator: User
) -> None:
    run = start(tenant, "test.slow", operator, seconds=60)
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/support/worker.py")],
        env=worker_env(),
        cwd=ROOT,
        start_new_session=True,  # its own process group: the work horse dies with it
    )
    try:
        running = wait_for(
            lambda: OperationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).exists()
        )
        assert running, "the forking worker never claimed the run"
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

    # Nothing else will ever touch the run: the heartbeat check must catch it.
    assert recover_at(5) == 0
    assert recover_at(settings.RUN_HEARTBEAT_TIMEOUT + 5) == 1

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.failures.get().code == "worker_lost"
    assert "Worker lost" in run.failure_reason
    assert Notification.objects.filter(user=operator, title="Test slow failed").exists()
    with pytest.raises(RunLost):
        run_complete(run)
    with pytest.raises(RunLost):
        RunRecorder(run).flush()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED


@pytest.mark.django_db(transaction=True)
def test_a_queued_run_whose_job_vanished_is_failed(tenant: Tenant) -> None:
    run = start(tenant, "test.slow")
    job = django_rq.get_queue("default").fetch_job(run.job_id)
    assert job is not None
    job.delete()

    assert recover_at(1) == 0  # still inside the grace period
    assert recover_at(settings.RUN_QUEUED_GRACE + 1) == 1

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.failures.get().code == "job_vanished"


@pytest.mark.django_db(transaction=True)
def test_a_run_whose_job_failed_in_rq_is_failed(tenant: Tenant) -> None:
    run = start(tenant, "test.slow")
    job = django_rq.get_queue("default").fetch_job(run.job_id)
    assert job is not None
    job.set_status(JobStatus.FAILED)

    assert recover_at(settings.RUN_QUEUED_GRACE + 1) == 1

    run.refresh_from_db()
    assert run.failures.get().code == "job_failed"


@pytest.mark.django_db(transaction=True)
def test_a_job_that_times_out_fails_its_run(tenant: Tenant, work_queue: Callable[[], int]) -> None:
    run = start(tenant, "test.timeout", seconds=30)

    work_queue()

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.failures.get().code == "job_timeout"
    assert run.failure_reason.startswith("Timed out after 1 s")


@pytest.mark.django_db(transaction=True)
def test_recovery_leaves_healthy_runs_alone(tenant: Tenant, work_queue: Callable[[], int]) -> None:
    run = start(tenant, "test.slow")

    assert recover_at(settings.RUN_QUEUED_GRACE + 1) == 0
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED


@pytest.mark.django_db(transaction=True)
def test_recovery_still_checks_heartbeats_when_redis_is_down(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = start(tenant, "test.slow")
    OperationRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, heartbeat_at=timezone.now()
    )
    dead = {**django_rq.settings.QUEUES["default"], "URL": "redis://127.0.0.1:1/0"}
    monkeypatch.setitem(django_rq.settings.QUEUES, "default", dead)

    assert recover_at(settings.RUN_HEARTBEAT_TIMEOUT + 1) == 1
