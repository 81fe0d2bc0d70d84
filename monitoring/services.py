"""The hub's only writes: a person marking their own notifications read."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.utils import timezone

from operations.models import Notification
from tenantatlas.models import Tenant


def notification_mark_read(notification: Notification, *, now: datetime | None = None) -> bool:
    """Conditional: a notification read twice (two tabs) keeps its first read time."""
    updated = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
    return bool(updated)


def notifications_mark_all_read(*, user: User, tenant: Tenant, now: datetime | None = None) -> int:
    return (
        Notification.objects.for_tenant(tenant)
        .unread()
        .filter(user=user)
        .update(read_at=now or timezone.now())
    )
