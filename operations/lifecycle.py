"""The run lifecycle: the one path every producer's runs take.

start (web request or command) → claim (worker) → record progress
(recorder.py) → complete or fail; recovery.py fails what a dead worker left
behind. Every transition is a conditional UPDATE on the current status, so a
late write from a worker that was already declared lost changes nothing.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from redis.exceptions import RedisError

from operations import faults, rollup
from operations.errors import RunError
from operations.heartbeat import Heartbeat
from operations.models import (
    ACTIVE_STATUSES,
    OperationRun,
    RunFailure,
    RunStatus,
    StatusBucket,
    failure_kept,
    job_id_for,
    split_run_type,
)
from operations.notifications import notify_run_finished, notify_run_running, notify_run_started
from operations.recorder import NO_COUNTS, Counts, RunLost, RunRecorder
from operations.registry import get_run_type
from operations.sanitize import sanitize
from tenantatlas.models import Tenant
from tenantatlas.rows import attnames, columns, converted, loaded

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StartResult:
    run: OperationRun
    created: bool


def run_start(
    *,
    tenant: Tenant,
    run_type: str,
    initiated_by: User | None,
    context: Mapping[str, Any] | None = None,
    dedupe_key: str = "",
    total: int = 0,
    reuse_succeeded: bool = False,
) -> StartResult:
    """Create the run, or reuse the active one with the same tenant × type × dedupe key.

    The partial unique constraint ``run_one_active_per_key`` decides between
    concurrent starts, not a read-then-write. The job is enqueued only when the
    transaction commits, so a rolled-back start leaves neither run nor job.
    ``reuse_succeeded`` also reuses the latest succeeded run for the key
    (drift: the same pair of snapshots gives the same findings).
    """
    if get_run_type(run_type) is None:
        raise ValueError(f"unknown run type {run_type!r}")
    with transaction.atomic():
        result = _reuse_succeeded(tenant, run_type, dedupe_key) if reuse_succeeded else None
        result = result or _create_or_reuse_active(
            tenant=tenant,
            run_type=run_type,
            initiated_by=initiated_by,
            context=dict(context or {}),
            dedupe_key=dedupe_key,
            total=total,
        )
        if result.created:
            transaction.on_commit(partial(_enqueue, result.run.pk, run_type))
        # A reused run keeps its first starter; this start's notice goes to this person.
        notify_run_started(result.run, user=initiated_by, reused=not result.created)
    return result


def _reuse_succeeded(tenant: Tenant, run_type: str, dedupe_key: str) -> StartResult | None:
    run = (
        OperationRun.objects.for_tenant(tenant)
        .of_type(run_type)
        .filter(dedupe_key=dedupe_key, status_bucket=StatusBucket.SUCCEEDED)
        .select_related("tenant")
        .first()
    )
    return StartResult(run, created=False) if run else None


def _create_or_reuse_active(
    *, tenant: Tenant, run_type: str, dedupe_key: str, **fields: Any
) -> StartResult:
    resource, action = split_run_type(run_type)
    # A conflicting active run may finish between our failed insert and our
    # read; then the insert can win on the next try.
    for _ in range(5):
        try:
            with transaction.atomic():
                run = OperationRun.objects.create(
                    tenant=tenant, resource=resource, action=action, dedupe_key=dedupe_key, **fields
                )
                rollup.add(run)
            return StartResult(run, created=True)
        except IntegrityError:
            active = (
                OperationRun.objects.for_tenant(tenant)
                .of_type(run_type)
                .active()
                .filter(dedupe_key=dedupe_key)
                .select_related("tenant")
                .first()
            )
            if active is not None:
                return StartResult(active, created=False)
    raise RuntimeError("could not start or reuse a run after 5 attempts")


def _enqueue(run_id: int, run_type: str) -> None:
    """Hand the run to RQ. Runs after commit; a dead Redis fails the run instead of a 500."""
    import django_rq
    from rq import Callback

    from operations.jobs import on_job_failure, run_job

    try:
        # commit_mode="auto": we are already past the commit; django-rq's
        # deferral would swallow the Redis error we must handle here.
        queue = django_rq.get_queue("default", commit_mode="auto")
        queue.enqueue(
            run_job,
            run_id,
            job_id=job_id_for(run_id),
            job_timeout=run_job_timeout(run_type),
            on_failure=Callback(on_job_failure),
            failure_ttl=7 * 24 * 3600,
        )
    except (RedisError, OSError) as exc:
        logger.warning("could not enqueue run %s: %s", run_id, sanitize(exc))
        run_fail(
            run_id,
            code="queue_unavailable",
            # The address stays in the log: a page shows only what happened.
            message=f"The job queue (Redis) is unreachable ({type(exc).__name__}), "
            "so the run could not start. Try again once it is back.",
        )


def run_job_timeout(run_type_key: str) -> int:
    """The run type's own timeout, never above RUN_JOB_TIMEOUT (the ceiling for every run)."""
    run_type = get_run_type(run_type_key)
    own = run_type.timeout if run_type else settings.RUN_JOB_TIMEOUT
    return min(own, settings.RUN_JOB_TIMEOUT)


def run_claim(run_id: int, *, now: datetime | None = None) -> OperationRun | None:
    """queued → running, for exactly one worker. None if the run is not queued any more."""
    now = now or timezone.now()
    with transaction.atomic():
        at = _at(now)
        row = _one_row(_claim_sql(), [RunStatus.RUNNING, at, at, run_id, RunStatus.QUEUED])
        if row is None:
            logger.info("run %s was not queued any more; nothing to do", run_id)
            return None
        run = loaded(OperationRun, row)
        run.tenant = _tenant(run.tenant_id)
        rollup.move(run, StatusBucket.QUEUED, StatusBucket.RUNNING)
        notify_run_running(run)
    return run


def run_complete(
    run: OperationRun, *, counts: Counts = NO_COUNTS, now: datetime | None = None
) -> OperationRun:
    """running → completed; the bucket follows from the counts. RunLost if no longer running.

    ``counts`` (``RunRecorder.handed_over``) are added by the same UPDATE: the last
    counts cost no write of their own.
    """
    with transaction.atomic():
        row = _one_row(
            _complete_sql(),
            [RunStatus.COMPLETED, _at(now or timezone.now()), *counts, run.pk, RunStatus.RUNNING],
        )
        if row is None:
            raise RunLost(f"run {run.pk} is no longer running")
        # Only what the finish changed or the workers counted; the tenant stays loaded.
        for name, value in zip(
            _FINISH_FIELDS, converted(OperationRun, _FINISH_FIELDS, row), strict=True
        ):
            setattr(run, name, value)
        rollup.move(run, StatusBucket.RUNNING, run.bucket)
        notify_run_finished(run)  # in the same commit: a finished run always has its notice
    return run


_FINISH_FIELDS = (
    "status", "status_bucket", "total", "processed", "succeeded", "failed", "skipped",
    "failures_dropped", "finished_at", "heartbeat_at", "context",
)  # fmt: skip


# The two transitions every run makes are written once as SQL, each one UPDATE
# that also reads back what it changed (RETURNING; PostgreSQL and SQLite alike).
# A forking worker makes them right before and after each fork (handoff.py),
# where every object touched first costs a page fault, and the ORM touches
# many: in a forked child the whole claim went from 5.5 to 3.1 ms and the finish
# from 2.6 to 1.6 ms (docs/performance.md, "Fifth pass").


@cache
def _claim_sql() -> str:
    return _transition_sql(["status", "started_at", "heartbeat_at"], attnames(OperationRun))


@cache
def _complete_sql() -> str:
    return _transition_sql(["status", "finished_at"], _FINISH_FIELDS, added=Counts._fields)


def _transition_sql(
    assigned: Sequence[str], returned: Sequence[str], added: Sequence[str] = ()
) -> str:
    """UPDATE one run from one status: ``assigned`` columns get values, ``added`` columns
    increments (parameters in that order, then the run's id and its expected status)."""
    quote = connection.ops.quote_name
    changes = [f"{quote(name)} = %s" for name in assigned]
    changes += [f"{quote(name)} = {quote(name)} + %s" for name in added]
    return (
        f"UPDATE {quote(OperationRun._meta.db_table)} SET {', '.join(changes)}"  # noqa: S608
        f" WHERE {quote('id')} = %s AND {quote('status')} = %s"
        f" RETURNING {columns(OperationRun, returned)}"
    )


@cache
def _tenant_sql() -> str:
    quote = connection.ops.quote_name
    tenants = quote(Tenant._meta.db_table)
    return f"SELECT {columns(Tenant)} FROM {tenants} WHERE {quote('id')} = %s"  # noqa: S608


def _one_row(sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row: tuple[Any, ...] | None = cursor.fetchone()
    return row


def _tenant(tenant_id: int) -> Tenant:
    row = _one_row(_tenant_sql(), [tenant_id])
    assert row is not None, "a run's tenant cannot be gone: the foreign key cascades"
    return loaded(Tenant, row)


def _at(moment: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(moment)


def run_fail(
    run_id: int, *, code: str, message: object, item: str = "", now: datetime | None = None
) -> bool:
    """queued/running → failed with a sanitized reason. False if the run had already ended."""
    now = now or timezone.now()
    reason = sanitize(message)
    with transaction.atomic():
        updated = OperationRun.objects.filter(pk=run_id, status__in=ACTIVE_STATUSES).update(
            status=RunStatus.FAILED, finished_at=now, heartbeat_at=now, failure_reason=reason
        )
        if not updated:
            return False
        run = OperationRun.objects.select_related("tenant", "initiated_by").get(pk=run_id)
        rollup.move(run, rollup.active_bucket(run), StatusBucket.FAILED)
        _add_failure(run, code=code, message=reason, item=item, now=now)
        run_type = get_run_type(run.run_type)
        if run_type is not None:
            run_type.on_failed(run)
        notify_run_finished(run)  # in the same commit, as run_complete's
    return True


def _add_failure(run: OperationRun, *, code: str, message: str, item: str, now: datetime) -> None:
    if not failure_kept(run.failures.count()):
        OperationRun.objects.filter(pk=run.pk).update(failures_dropped=F("failures_dropped") + 1)
        return
    failure = RunFailure.sanitized(run, code=code, message=message, item=item)
    failure.created_at = now
    failure.save()


def run_execute(run_id: int, *, heartbeat: bool = True) -> None:
    """The whole run in this process: claim, perform through the producer, complete or fail.

    A forking worker splits it (operations/handoff.py): its own process claims
    and completes, the work horse performs. ``heartbeat=False`` is for runs
    performed inline (seeding, benchmarks): no worker can be lost there, and on
    the demo's SQLite the heartbeat thread's own connection would only contend
    with the run's writes.
    """
    run = run_claim(run_id)
    if run is None:
        return
    counts = run_perform(run, heartbeat=heartbeat)
    if counts is not None:
        run_finish(run, counts)


def run_perform(run: OperationRun, *, heartbeat: bool = True) -> Counts | None:
    """The producer's part of a claimed run: its work, progress, failure entries, heartbeat.

    Returns the counts its completion writes, or None when the run ended here:
    failed (any error is the job's boundary) or ended elsewhere meanwhile.
    """
    run_type = get_run_type(run.run_type)
    if run_type is None:
        run_fail(run.pk, code="unknown_run_type", message=f"No producer for {run.run_type}.")
        return None
    recorder = RunRecorder(run)
    try:
        with Heartbeat(run.pk) if heartbeat else contextlib.nullcontext():
            run_type.perform(run, recorder)
        return recorder.handed_over()
    except RunLost:
        _log_lost(run.pk)
    except Exception as exc:  # noqa: BLE001 - the job's boundary: any error must end the run
        fault = faults.describe(exc, job_timeout=_current_job_timeout())
        faults.reopen_if_broken()
        _log_failure(run.pk, exc)
        recorder.flush_quietly()
        run_fail(run.pk, code=fault.code, message=fault.message)
    return None


def run_finish(run: OperationRun, counts: Counts) -> None:
    """Complete a performed run, unless it was ended elsewhere meanwhile (that end stays)."""
    try:
        run_complete(run, counts=counts)
    except RunLost:
        _log_lost(run.pk)


def _log_lost(run_id: int) -> None:
    logger.warning("run %s was ended elsewhere (recovered?); dropping its late writes", run_id)


def _current_job_timeout() -> float | None:
    from rq import get_current_job

    job = get_current_job()
    return job.timeout if job is not None else None


def _log_failure(run_id: int, exc: Exception) -> None:
    # A producer's RunError (Graph refused the token, a policy vanished) is
    # expected: one sanitized line. Anything else is a bug and keeps its traceback.
    if isinstance(exc, RunError):
        logger.warning("run %s failed: %s", run_id, sanitize(exc))
    else:
        logger.exception("run %s failed", run_id)


def run_inline(
    *,
    tenant: Tenant,
    run_type: str,
    initiated_by: User | None = None,
    context: Mapping[str, Any] | None = None,
    total: int = 0,
) -> OperationRun:
    """Create a run and perform it here and now, on the same claim/perform/finish path as a job.

    For seeding demo history and for benchmarks: no queue, no notification of
    the start, and the result is always a terminal run.
    """
    resource, action = split_run_type(run_type)
    with transaction.atomic():
        run = OperationRun.objects.create(
            tenant=tenant, resource=resource, action=action, initiated_by=initiated_by,
            context=dict(context or {}), total=total,
            dedupe_key=f"inline-{timezone.now().timestamp()}",
        )  # fmt: skip
        rollup.add(run)
    run_execute(run.pk, heartbeat=False)
    run.refresh_from_db()
    return run
