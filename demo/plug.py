"""The demo source as inventory sees it: built from a connection's demo fields, moved on
one generation after each successful sync, and given to tenants without a connection."""

from __future__ import annotations

from django.conf import settings
from django.db.models import F

from demo.paced import PacedSource
from demo.source import DemoSource
from inventory.models import ConnectionKind, TenantConnection
from inventory.source_registry import PluggedSource, Sleep
from inventory.sources.base import PolicySource


def build(
    connection: TenantConnection, policy_types: tuple[str, ...], sleep: Sleep
) -> PolicySource:
    demo = DemoSource(
        connection.demo_seed or connection.tenant.slug,
        connection.demo_generation,
        size=connection.demo_size,
        fail_every=connection.demo_fail_every,
        policy_types=policy_types,
    )
    if settings.DEMO_SYNC_SECONDS > 0:
        return PacedSource(demo, seconds=settings.DEMO_SYNC_SECONDS, sleep=sleep)
    return demo


def advance(connection: TenantConnection) -> None:
    """Move the demo tenant one generation on, so the next sync sees a changed inventory."""
    # F(): two syncs of different scopes may finish at once; neither step is lost.
    TenantConnection.objects.filter(pk=connection.pk).update(
        demo_generation=F("demo_generation") + 1
    )


DEMO_SOURCE = PluggedSource(
    kind=ConnectionKind.DEMO,
    build=build,
    after_sync=advance,
    default_for_new_tenants=True,
)
