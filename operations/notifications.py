"""In-app notifications: what a person is told about the runs they started."""

from __future__ import annotations

from typing import TYPE_CHECKING

from operations.models import Notification, NotificationLevel, OperationRun, StatusBucket
from operations.registry import label_for

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from tenantatlas.models import Tenant

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


def unread_count(*, user: User, tenant: Tenant, cap: int = UNREAD_CAP) -> int:
    """Unread notifications, counted up to ``cap`` (the bell shows ``99+`` from there)."""
    return Notification.objects.for_tenant(tenant).unread().filter(user=user)[:cap].count()


def _counts_text(run: OperationRun) -> str:
    return f"{run.succeeded} succeeded, {run.failed} failed, {run.skipped} skipped of {run.total}."


def notify_run_started(
    run: OperationRun, *, user: User | None, reused: bool
) -> Notification | None:
    label = label_for(run.run_type)
    title = f"{label} already {run.get_status_display().lower()}" if reused else f"{label} queued"
    body = "An identical run was already in progress; it was reused." if reused else ""
    return notify(
        user=user, tenant=run.tenant, title=title, body=body, link=run.get_absolute_url(), run=run
    )


def notify_run_finished(run: OperationRun) -> Notification | None:
    bucket = run.bucket
    verb, level = _OUTCOMES.get(bucket, ("finished", NotificationLevel.INFO))
    body = run.failure_reason if bucket == StatusBucket.FAILED and run.failure_reason else ""
    return notify(
        user=run.initiated_by,
        tenant=run.tenant,
        title=f"{label_for(run.run_type)} {verb}",
        body=body or _counts_text(run),
        level=level,
        link=run.get_absolute_url(),
        run=run,
    )
