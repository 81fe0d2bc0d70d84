"""In-app notifications: what a person is told about the runs they started.

One notification per person and run (a partial unique constraint holds it):
starting leaves it, the worker's claim and the finish update it in place. It
is born read (the person just clicked; there is no news yet) and the finish
makes it unread, so the bell counts outcomes to look at, not events. A run's
notice stores the run, not a URL: the hub links it (monitoring.links).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from operations.models import (
    ACTIVE_STATUSES,
    Notification,
    NotificationLevel,
    OperationRun,
    StatusBucket,
)
from operations.registry import label_for
from tenantatlas.models import Tenant

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_OUTCOMES = {
    StatusBucket.SUCCEEDED: ("succeeded", NotificationLevel.SUCCESS),
    StatusBucket.PARTIALLY_SUCCEEDED: ("partially succeeded", NotificationLevel.WARNING),
    StatusBucket.FAILED: ("failed", NotificationLevel.ERROR),
}


def notify(
    *,
    user: User | None,
    tenant: Tenant,
    title: str,
    body: str = "",
    level: str = NotificationLevel.INFO,
    link: str = "",
    run: OperationRun | None = None,
) -> Notification | None:
    """A notification not tied to a run, or a run's first one for this person."""
    if user is None:  # a run started by the system (cron, a command without a user)
        return None
    return Notification.objects.create(
        user=user,
        tenant=tenant,
        title=title[:200],
        body=body[:500],
        level=level,
        link=link,
        run=run,
    )


# The bell counts at most this many: a COUNT over a LIMIT, bounded however many pile up.
UNREAD_CAP = 100


def bell_state(*, user: User, tenant: Tenant, cap: int = UNREAD_CAP) -> tuple[int, bool]:
    """The bell in one query: unread notices (up to ``cap``; the bell shows ``99+`` from
    there), and whether a run it tells of is still active. Both are bounded: a COUNT
    over a LIMIT, and an EXISTS.

    Every tenant page reads it, so the statement is written once (``_bell_sql``):
    building it through the ORM cost ~1.6 ms of CPU per page, ten times running it.
    """
    with connection.cursor() as cursor:
        cursor.execute(_bell_sql(), [tenant.pk, user.pk, cap, tenant.pk, user.pk, *ACTIVE_STATUSES])
        unread, live = cursor.fetchone()
    return unread, bool(live)  # SQLite (the demo) answers an EXISTS with 0 or 1


@cache
def _bell_sql() -> str:
    notices = connection.ops.quote_name(Notification._meta.db_table)
    runs = connection.ops.quote_name(OperationRun._meta.db_table)
    active = ", ".join(["%s"] * len(ACTIVE_STATUSES))
    # Only the models' table names are formatted in; every value is a parameter. No
    # "= ANY(array)": the demo's SQLite binds no lists.
    return (
        "SELECT (SELECT COUNT(*) FROM ("  # noqa: S608
        f"SELECT 1 FROM {notices} WHERE tenant_id = %s AND user_id = %s AND read_at IS NULL"
        " LIMIT %s) AS counted),"
        f" EXISTS(SELECT 1 FROM {notices} n JOIN {runs} r ON r.id = n.run_id"
        f" WHERE n.tenant_id = %s AND n.user_id = %s AND r.status IN ({active}))"
    )


def _counts_text(run: OperationRun) -> str:
    return f"{run.succeeded} succeeded, {run.failed} failed, {run.skipped} skipped of {run.total}."


def notify_run_started(
    run: OperationRun, *, user: User | None, reused: bool
) -> Notification | None:
    """The starter's notice; a second start of the same run by the same person updates it."""
    if user is None:
        return None
    label = label_for(run.run_type)
    title = f"{label} already {run.get_status_display().lower()}" if reused else f"{label} queued"
    body = "An identical run was already in progress; it was reused." if reused else ""
    now = timezone.now()
    fields = {"title": title, "body": body, "level": NotificationLevel.INFO, "read_at": now}
    try:
        # Savepoint: two tabs of one person racing here must not break the start's transaction.
        with transaction.atomic():
            notification, _ = Notification.objects.update_or_create(
                user=user,
                run=run,
                defaults={**fields, "created_at": now},
                create_defaults={**fields, "tenant": run.tenant},
            )
    except IntegrityError:  # the other tab created it first; its text says the same
        return Notification.objects.filter(user=user, run=run).first()
    return notification


def notify_run_running(run: OperationRun) -> int:
    """The worker took the run: the notices say so, without making anything unread."""
    title = f"{label_for(run.run_type)} running"
    return _update_notices(run, title=title[:200], body="")


def notify_run_finished(run: OperationRun) -> int:
    """Everyone who started (or re-started) the run learns its outcome: unread again, on top."""
    bucket = run.bucket
    verb, level = _OUTCOMES.get(bucket, ("finished", NotificationLevel.INFO))
    body = run.failure_reason if bucket == StatusBucket.FAILED and run.failure_reason else ""
    fields = {
        "title": f"{label_for(run.run_type)} {verb}"[:200],
        "body": (body or _counts_text(run))[:500],
        "level": level,
    }
    updated = _update_notices(
        run, **fields, read_at=None, created_at=run.finished_at or timezone.now()
    )
    if not updated and run.initiated_by_id is not None:
        # A run started without a notice (a command, an inline run) still tells its starter.
        notify(user=run.initiated_by, tenant=run.tenant, run=run, **fields)
        return 1
    return updated


def _update_notices(run: OperationRun, **fields: Any) -> int:
    """Every notice of ``run`` gets ``fields``; how many there were.

    The worker's claim and finish call this right around a fork, where the ORM's
    UPDATE cost ~1.1 ms (mostly memory pages touched first) against ~0.2 ms for
    the same statement written once (docs/performance.md, "Fifth pass").
    """
    names = tuple(fields)
    values = [_adapted(value) for value in fields.values()]
    with connection.cursor() as cursor:
        cursor.execute(_update_notices_sql(names), [*values, run.pk])
        updated: int = cursor.rowcount
    return updated


@cache
def _update_notices_sql(names: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    assigned = ", ".join(f"{quote(name)} = %s" for name in names)
    return (
        f"UPDATE {quote(Notification._meta.db_table)} SET {assigned}"  # noqa: S608
        f" WHERE {quote('run_id')} = %s"
    )


def _adapted(value: Any) -> Any:
    # What the ORM would send: a datetime adapted for the backend (SQLite stores text).
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value
