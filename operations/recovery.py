"""Find runs that nothing will ever finish, and fail them with a clear reason.

A worker can die without a word (SIGKILL, OOM, machine lost): RQ never calls
the failure callback then, and leaves the job in its started registry for
minutes. So this check relies only on our own heartbeat and on what Redis
says about the job right now.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from redis import Redis
from redis.exceptions import RedisError
from rq.job import Job, JobStatus

from operations.models import OperationRun, RunStatus, job_id_for
from operations.services import run_fail

logger = logging.getLogger(__name__)

_DEAD_JOB_STATUSES = {JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


def recover_runs(
    *,
    now: datetime | None = None,
    heartbeat_timeout: int | None = None,
    queued_grace: int | None = None,
    connection: Redis | None = None,
) -> int:
    """Fail every lost run; return how many were failed."""
    now = now or timezone.now()
    timeout = settings.RUN_HEARTBEAT_TIMEOUT if heartbeat_timeout is None else heartbeat_timeout
    grace = settings.RUN_QUEUED_GRACE if queued_grace is None else queued_grace
    failed = _fail_silent_runs(now - timedelta(seconds=timeout), timeout, now)
    try:
        failed += _fail_runs_with_dead_jobs(now - timedelta(seconds=grace), connection, now)
    except (RedisError, OSError) as exc:
        # The heartbeat check above needs no Redis; the job checks wait for it.
        logger.warning("recovery could not reach Redis: %s", exc)
    return failed


def _fail_silent_runs(cutoff: datetime, timeout: int, now: datetime) -> int:
    silent = OperationRun.objects.filter(status=RunStatus.RUNNING, heartbeat_at__lt=cutoff)
    message = (
        f"Worker lost: no heartbeat for more than {timeout} s "
        "(the worker process died, was killed or the machine was lost)."
    )
    return sum(
        run_fail(pk, code="worker_lost", message=message, now=now)
        for pk in silent.values_list("pk", flat=True)
    )


def _fail_runs_with_dead_jobs(cutoff: datetime, connection: Redis | None, now: datetime) -> int:
    import django_rq

    connection = connection or django_rq.get_connection("default")
    # Just-created runs get a grace period: their job is enqueued right after commit.
    runs = list(
        OperationRun.objects.active().filter(created_at__lt=cutoff).values_list("pk", "status")
    )
    jobs = Job.fetch_many([job_id_for(pk) for pk, _ in runs], connection=connection) if runs else []
    failed = 0
    for (pk, status), job in zip(runs, jobs, strict=True):
        reason = _dead_job_reason(job, status)
        if reason:
            failed += run_fail(pk, code=reason[0], message=reason[1], now=now)
    return failed


def _dead_job_reason(job: Job | None, status: str) -> tuple[str, str] | None:
    if job is None:
        if status == RunStatus.QUEUED:
            return "job_vanished", "The job vanished from the queue (Redis lost it) before it ran."
        return None  # a running run's heartbeat decides whether its worker lives
    job_status = job.get_status(refresh=False)
    if job_status not in _DEAD_JOB_STATUSES:
        return None
    return (
        f"job_{job_status.value}",
        f"The job {job_status.value} in the worker (it timed out, crashed or was stopped).",
    )
