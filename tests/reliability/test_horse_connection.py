"""The worker lends its database connection to each work horse (operations/horse_connection.py).

Real forking workers, real PostgreSQL backends, real signals: a horse's job
(``test.session``) writes what its session looked like into its run's context.
"""

from __future__ import annotations

import os
import signal
from typing import TYPE_CHECKING, Any

import pytest
from django.db import OperationalError, connection, transaction

import tests.support.producers  # noqa: F401  (registers test.session)
from operations.lifecycle import run_start
from operations.models import OperationRun, RunStatus
from tests.reliability.conftest import children, log_of, status_of, wait_for

if TYPE_CHECKING:
    import subprocess

    from pytest_django import Settings

    from tenantatlas.models import Tenant
    from tests.reliability.conftest import Processes

pytestmark = pytest.mark.django_db(transaction=True)


def session_run(tenant: Tenant, **context: Any) -> OperationRun:
    return run_start(tenant=tenant, run_type="test.session", initiated_by=None, context=context).run


def finished(run: OperationRun, worker: subprocess.Popen[bytes]) -> OperationRun:
    ended = wait_for(lambda: status_of(run) not in (RunStatus.QUEUED, RunStatus.RUNNING))
    assert ended, log_of(worker)
    run.refresh_from_db()
    return run


def backends() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


def test_horses_share_one_warm_backend_and_each_gets_a_clean_session(
    tenant: Tenant, processes: Processes
) -> None:
    worker = processes.worker()
    first = finished(session_run(tenant, dirty=True), worker)
    second = finished(session_run(tenant), worker)

    assert first.bucket == second.bucket == "succeeded", log_of(worker)
    assert second.context["backend_pid"] == first.context["backend_pid"]
    # What the first job left behind was reset before the second horse got the session ...
    assert second.context["application_name"] == first.context["application_name"]
    assert second.context["open_cursors"] == 0
    # ... while the settings sent when connecting are the session's own and stay.
    assert second.context["statement_timeout"] == first.context["statement_timeout"] != "0"


def test_a_horse_killed_inside_a_transaction_leaves_nothing_committed_and_its_backend_dropped(
    tenant: Tenant, processes: Processes
) -> None:
    worker = processes.worker()
    warm = finished(session_run(tenant), worker)
    held = session_run(tenant, hold=60)
    assert wait_for(lambda: status_of(held) == RunStatus.RUNNING), log_of(worker)
    horse = wait_for(lambda: children(worker.pid)[0] if children(worker.pid) else None)
    assert horse, log_of(worker)
    # The horse is inside its transaction once its write holds the run's row.
    assert wait_for(lambda: row_locked(held)), log_of(worker)

    os.kill(horse, signal.SIGKILL)

    failed = finished(held, worker)
    assert failed.bucket == "failed"
    assert failed.failures.get().code == "worker_killed", (failed.failure_reason, log_of(worker))
    # The parent failed the run on a connection of its own: the dead horse's
    # write was rolled back, not committed along with the failure.
    assert "uncommitted" not in failed.context
    assert wait_for(lambda: warm.context["backend_pid"] not in backends())

    after = finished(session_run(tenant), worker)
    assert after.bucket == "succeeded", log_of(worker)
    assert after.context["backend_pid"] != warm.context["backend_pid"]


def test_a_horse_timed_out_inside_a_transaction_rolls_back_and_gives_the_connection_back(
    tenant: Tenant, processes: Processes, settings: Settings
) -> None:
    settings.RUN_JOB_TIMEOUT = 1  # the job's own timeout (RQ's SIGALRM in the horse)
    worker = processes.worker()
    timed_out = finished(session_run(tenant, hold=30), worker)
    settings.RUN_JOB_TIMEOUT = 120

    reason = (timed_out.failure_reason, log_of(worker))
    assert timed_out.failures.get().code == "job_timeout", reason
    assert "uncommitted" not in timed_out.context
    # The horse unwound its transaction and failed its run itself: a clean connection,
    # given back and lent to the next horse.
    after = finished(session_run(tenant), worker)
    assert after.bucket == "succeeded", log_of(worker)
    assert after.context["backend_pid"] == timed_out.context["backend_pid"]


def test_a_backend_terminated_between_jobs_is_replaced_before_the_next_horse(
    tenant: Tenant, processes: Processes
) -> None:
    worker = processes.worker()
    first = finished(session_run(tenant), worker)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [first.context["backend_pid"]])
    assert wait_for(lambda: first.context["backend_pid"] not in backends())

    second = finished(session_run(tenant), worker)

    assert second.bucket == "succeeded", (second.failure_reason, log_of(worker))
    assert second.context["backend_pid"] != first.context["backend_pid"]


def row_locked(run: OperationRun) -> bool:
    """Whether another transaction holds the run's row (NOWAIT: asking does not queue)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {OperationRun._meta.db_table} WHERE id = %s FOR UPDATE NOWAIT",  # noqa: S608
                [run.pk],
            )
    except OperationalError:
        return True
    return False
