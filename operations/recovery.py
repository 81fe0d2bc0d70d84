"""Find runs that nothing will ever finish, and fail them with a clear reason.

A worker can die without a word (SIGKILL, OOM, machine lost): RQ never calls
the failure callback then, and leaves the job in its started registry for
minutes. So this check relies on our own heartbeat (written by a thread in the
work horse, operations/heartbeat.py) and on what Redis says about the job and
its worker right now. It runs in a process of its own (operations/reaper.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from redis import Redis
from redis.exceptions import RedisError
from rq.job import Job, JobStatus
from rq.worker import Worker

from operations import faults
from operations.faults import Fault
from operations.lifecycle import run_fail
from operations.models import OperationRun, RunStatus, job_id_for

logger = logging.getLogger(__name__)

_DEAD_JOB_STATUSES = {JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}
# Written once into every Redis the reaper talks to: a Redis that lost its data
# (restarted without persistence, flushed) has lost this key too.
REDIS_SINCE_KEY = "tenantatlas:redis-since"


def recover_runs(
    *,
    heartbeat_timeout: int | None = None,
    queued_grace: int | None = None,
    connection: Redis | None = None,
) -> int:
    """Fail every lost run; return how many were failed."""
    now = timezone.now()
    failed = fail_silent_runs(now=now, heartbeat_timeout=heartbeat_timeout)
    try:
        failed += fail_runs_with_dead_jobs(
            now=now, queued_grace=queued_grace, connection=connection
        )
    except (RedisError, OSError) as exc:
        # The heartbeat check above needs no Redis; the job checks wait for it.
        logger.warning("recovery could not reach Redis: %s", exc)
    return failed


def fail_silent_runs(*, now: datetime, heartbeat_timeout: int | None = None) -> int:
    """Running runs whose horse has not written a heartbeat for too long (database only)."""
    timeout = settings.RUN_HEARTBEAT_TIMEOUT if heartbeat_timeout is None else heartbeat_timeout
    cutoff = now - timedelta(seconds=timeout)
    silent = OperationRun.objects.filter(status=RunStatus.RUNNING, heartbeat_at__lt=cutoff)
    message = (
        f"Worker lost: no heartbeat for more than {timeout} s "
        "(the worker process died, was killed, froze or the machine was lost)."
    )
    return sum(
        run_fail(pk, code="worker_lost", message=message, now=now)
        for pk in silent.values_list("pk", flat=True)
    )


def fail_runs_with_dead_jobs(
    *, now: datetime, queued_grace: int | None = None, connection: Redis | None = None
) -> int:
    """Active runs whose RQ job is gone, failed, or held by a worker that is gone."""
    import django_rq

    grace = settings.RUN_QUEUED_GRACE if queued_grace is None else queued_grace
    connection = connection or django_rq.get_connection("default")
    redis_since = _redis_since(connection, now)
    # Just-created runs get a grace period: their job is enqueued right after commit.
    runs = list(
        OperationRun.objects.active()
        .filter(created_at__lt=now - timedelta(seconds=grace))
        .values_list("pk", "status", "created_at")
    )
    job_ids = [job_id_for(run[0]) for run in runs]
    jobs = Job.fetch_many(job_ids, connection=connection) if runs else []
    failed = 0
    for (pk, status, created_at), job in zip(runs, jobs, strict=True):
        if job is None:
            fault = _missing_job(status, created_at, redis_since)
        else:
            fault = _dead_job(job, connection)
        if fault is not None:
            failed += run_fail(pk, code=fault.code, message=fault.message, now=now)
    return failed


def _redis_since(connection: Redis, now: datetime) -> datetime | None:
    """Since when this Redis has kept its data; None if it just lost it (or never had the key)."""
    value = connection.get(REDIS_SINCE_KEY)
    if value is None:
        connection.set(REDIS_SINCE_KEY, now.isoformat(), nx=True)
        return None
    return datetime.fromisoformat(value.decode() if isinstance(value, bytes) else str(value))


def _missing_job(status: str, created_at: datetime, redis_since: datetime | None) -> Fault | None:
    if status != RunStatus.QUEUED:
        return None  # a running run's heartbeat decides whether its worker lives
    if redis_since is not None and created_at >= redis_since:
        # Redis has kept its data since before the run existed: the job never reached it.
        return Fault(
            "never_enqueued",
            "The run was never handed to the queue (the process that started it stopped "
            "before enqueueing the job). Start it again.",
        )
    return Fault(
        "job_vanished",
        "The job vanished from the queue before it ran (Redis restarted without its data "
        "or was flushed). Start it again.",
    )


def _dead_job(job: Job, connection: Redis) -> Fault | None:
    status = job.get_status(refresh=False)
    if status in _DEAD_JOB_STATUSES:
        result = job.latest_result()
        found = faults.from_rq_text(result.exc_string or "") if result is not None else None
        return found or Fault(
            f"job_{status.value}", f"The job {status.value} in the worker before the run ended."
        )
    if (
        status == JobStatus.STARTED
        and job.worker_name
        and not _worker_alive(job.worker_name, connection)
    ):
        # Not its name: RQ names workers with 32 hex digits, which the
        # sanitizer rightly withholds as a possible key.
        return Fault("worker_lost", "Worker lost: the RQ worker running the job is gone.")
    return None


def _worker_alive(name: str, connection: Redis) -> bool:
    # RQ keeps a worker's key alive with its own heartbeat and deletes it on a clean exit.
    return bool(connection.exists(Worker.redis_worker_namespace_prefix + name))
