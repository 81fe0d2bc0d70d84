"""Reasons by cause class, and the horse's heartbeat, on the real database and queue."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import django_rq
import pytest
from rq.exceptions import AbandonedJobError
from rq.timeouts import JobTimeoutException

import tests.support.producers  # noqa: F401  (registers test.slow)
from drift.jobs import DriftError
from operations.faults import from_exception
from operations.heartbeat import Heartbeat
from operations.jobs import on_job_failure
from operations.lifecycle import run_claim, run_fail, run_start
from operations.models import OperationRun, RunStatus
from operations.reaper import MAX_BACKOFF, Reaper

if TYPE_CHECKING:
    from rq.job import Job

    from tenantatlas.models import Tenant

pytestmark = pytest.mark.django_db(transaction=True)


def queued(tenant: Tenant) -> tuple[OperationRun, Job]:
    run = run_start(tenant=tenant, run_type="test.slow", initiated_by=None).run
    job = django_rq.get_queue("default").fetch_job(run.job_id)
    assert job is not None
    return run, job


def claimed(tenant: Tenant) -> OperationRun:
    run = run_claim(queued(tenant)[0].pk)
    assert run is not None
    return run


@pytest.mark.parametrize(
    ("exc", "code", "reason"),
    [
        (RuntimeError(), "runtimeerror", "The job failed in the worker (RuntimeError)."),
        (RuntimeError("disk"), "runtimeerror", "The job failed in the worker (RuntimeError): disk"),
        (AbandonedJobError(), "worker_lost", "Worker lost: its RQ worker died before the job"),
    ],
)  # fmt: skip
def test_rqs_failure_callback_never_leaves_an_empty_reason(
    tenant: Tenant, exc: Exception, code: str, reason: str
) -> None:
    run, job = queued(tenant)

    on_job_failure(job, job.connection, type(exc), exc, None)

    run.refresh_from_db()
    assert run.failures.get().code == code
    assert run.failure_reason.startswith(reason)


def test_the_heartbeat_thread_beats_while_the_block_runs_and_stops_with_it(tenant: Tenant) -> None:
    run = claimed(tenant)
    first = run.heartbeat_at
    assert first is not None

    with Heartbeat(run.pk, interval=0.05) as heartbeat:
        time.sleep(0.4)
    beats = heartbeat.beats

    assert beats >= 3
    last = OperationRun.objects.get(pk=run.pk).heartbeat_at
    assert last is not None and last > first
    time.sleep(0.2)
    assert heartbeat.beats == beats  # stopped with the block


def test_the_heartbeat_stops_once_the_run_was_ended_elsewhere(tenant: Tenant) -> None:
    run = claimed(tenant)
    run_fail(run.pk, code="worker_lost", message="recovered")
    ended = OperationRun.objects.get(pk=run.pk).heartbeat_at

    with Heartbeat(run.pk, interval=0.05) as heartbeat:
        time.sleep(0.3)

    assert heartbeat.beats == 1  # the first beat found nothing running and stopped
    after = OperationRun.objects.get(pk=run.pk)
    assert (after.status, after.heartbeat_at) == (RunStatus.FAILED, ended)


def test_the_reaper_backs_off_only_while_the_database_is_down() -> None:
    reaper = Reaper(interval=1.0)
    reaper.down, reaper.failed_passes = {"redis"}, 4
    assert reaper.pause() == 1.0  # the heartbeat check needs no Redis: same pace
    reaper.down = {"database"}
    pauses = []
    for failed in (1, 2, 3, 9):
        reaper.failed_passes = failed
        pauses.append(reaper.pause())
    assert pauses == [2.0, 4.0, 8.0, MAX_BACKOFF]


def test_a_cause_wrapped_by_the_producer_keeps_its_class(tenant: Tenant) -> None:

    try:
        try:
            raise JobTimeoutException("Task exceeded maximum timeout value (5 seconds)")
        except JobTimeoutException as exc:
            raise DriftError("Drift generation stopped: JobTimeoutException") from exc
    except DriftError as wrapped:
        fault = from_exception(wrapped, job_timeout=5)

    assert fault is not None and fault.code == "job_timeout"
    assert fault.message.startswith("Timed out after 5 s")
