"""Where the hub shows a run: the one place a run's URL is made.

The lifecycle (operations) names no consumer, so it stores no URL: a run's
notice keeps the run's id and the hub turns it into a link when it renders.
"""

from __future__ import annotations

from operations.models import Notification, OperationRun
from tenantatlas.links import reverse_cached


def run_path(tenant_slug: str, run_id: int) -> str:
    return reverse_cached("monitoring:run_detail", tenant_slug=tenant_slug, run_id=run_id)


def run_url(run: OperationRun) -> str:
    """The run's detail page in the hub."""
    return run_path(run.tenant.slug, run.pk)


def notification_target(notification: Notification, tenant_slug: str) -> str:
    """Where opening a notice leads: its run's page, else the link it was left with."""
    if notification.run_id is not None:
        return run_path(tenant_slug, notification.run_id)
    return notification.link


def notification_open_path(tenant_slug: str, notification_id: int) -> str:
    """The inbox's "View run": marks the notice read, then leads to its target."""
    return reverse_cached(
        "monitoring:notification_open", tenant_slug=tenant_slug, notification_id=notification_id
    )
