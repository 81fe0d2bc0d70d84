"""The worker claims before it forks and completes after (operations/handoff.py), on real processes.

A forking worker (``tests/support/worker.py``, our RunWorker) in its own
process; the horse's and the worker's deaths are real signals.
"""

from __future__ import annotations

import os
import signal
from typing import TYPE_CHECKING, Any

import pytest

import tests.support.producers  # noqa: F401  (registers test.handed, test.quiet)
from operations.lifecycle import run_fail
from operations.models import Notification, OperationRun, RunStatus, StatusBucket
from tests.reliability.conftest import log_of, wait_for
from tests.reliability.test_worker_faults import ended, horse_of, running, start

if TYPE_CHECKING:
    import subprocess

    from django.contrib.auth.models import User

    from tenantatlas.models import Tenant
    from tests.reliability.conftest import Processes

pytestmark = pytest.mark.django_db(transaction=True)


def ended_on_a_worker(
    processes: Processes, tenant: Tenant, user: User, run_type: str, **context: Any
) -> tuple[OperationRun, subprocess.Popen[bytes]]:
    """Start a run, let a real worker take it, and read the run back once it has ended."""
    run = start(tenant, run_type, user, **context)
    worker = processes.worker()
    assert ended(run), log_of(worker)
    run.refresh_from_db()
    return run, worker


def test_counts_handed_back_by_the_horse_are_written_by_the_worker_with_the_completion(
    tenant: Tenant, operator: User, processes: Processes
) -> None:
    run, _ = ended_on_a_worker(processes, tenant, operator, "test.handed", items=7)

    assert (run.status, run.status_bucket) == (RunStatus.COMPLETED, StatusBucket.SUCCEEDED)
    assert (run.succeeded, run.processed, run.failures.count()) == (7, 7, 0)
    assert run.started_at is not None and run.finished_at is not None
    notice = Notification.objects.get(run=run, user=operator)
    assert (notice.title, notice.read_at) == ("Test handed succeeded", None)


def test_a_horse_killed_after_handing_back_its_counts_still_completes_its_run(
    tenant: Tenant, operator: User, processes: Processes
) -> None:
    # The horse dies in RQ's own bookkeeping, after the job: the work was done.
    run, worker = ended_on_a_worker(
        processes, tenant, operator, "test.handed", items=3, die_after=True
    )

    assert wait_for(lambda: "Work-horse terminated unexpectedly" in log_of(worker)), log_of(worker)
    assert (run.status, run.status_bucket, run.succeeded) == (
        RunStatus.COMPLETED, StatusBucket.SUCCEEDED, 3,
    )  # fmt: skip
    assert not run.failures.exists() and run.failure_reason == ""


def test_a_completion_the_database_refuses_fails_the_run_with_that_cause(
    tenant: Tenant, operator: User, processes: Processes
) -> None:
    # A producer that counts -2 items: the worker's completion breaks a CHECK constraint.
    run, worker = ended_on_a_worker(processes, tenant, operator, "test.handed", items=-2)

    assert (run.status, run.succeeded) == (RunStatus.FAILED, 0)
    assert run.failures.get().code == "integrityerror"
    assert "IntegrityError" in run.failure_reason
    assert "could not complete run" in log_of(worker)


def test_a_horse_whose_worker_was_killed_completes_its_run_itself(
    tenant: Tenant, operator: User, processes: Processes
) -> None:
    run = start(tenant, "test.quiet", operator, seconds=1.5)
    worker = processes.worker()
    assert running(run), log_of(worker)
    horse = horse_of(worker)

    os.kill(worker.pid, signal.SIGKILL)  # the horse runs on, an orphan

    assert ended(run, timeout=10), log_of(worker)
    run.refresh_from_db()
    assert (run.status, run.status_bucket, run.succeeded) == (
        RunStatus.COMPLETED, StatusBucket.SUCCEEDED, 1,
    )  # fmt: skip
    assert wait_for(lambda: not os.path.exists(f"/proc/{horse}/status") or _zombie(horse))


def test_a_run_ended_before_its_job_is_picked_up_is_left_as_it_ended(
    tenant: Tenant, operator: User, processes: Processes
) -> None:
    run = start(tenant, "test.handed", operator, items=2)
    assert run_fail(run.pk, code="cancelled", message="Cancelled before it started.")
    worker = processes.worker()

    assert wait_for(lambda: "was not queued any more" in log_of(worker)), log_of(worker)
    after = OperationRun.objects.get(pk=run.pk)
    assert (after.status, after.succeeded, after.started_at) == (RunStatus.FAILED, 0, None)
    assert after.failure_reason == "Cancelled before it started."


def _zombie(pid: int) -> bool:
    with open(f"/proc/{pid}/status") as status:
        return any(line.startswith("State:\tZ") for line in status)
