"""Snapshots for drift tests, built the way an inventory sync stores them.

``take_snapshot`` stores what a ``DemoSource`` yields (normalised, hashed) as one
InventorySync with its SnapshotItems; ``snapshot_of`` stores hand-written
settings for targeted cases. Neither needs the inventory.sync producer.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from typing import Any

from django.utils import timezone

from inventory.models import InventorySync, Policy, SnapshotItem, SyncStatus
from inventory.normalize import scope_key
from inventory.sources.base import POLICY_TYPES, SourcePolicy
from inventory.sources.demo import DemoSource
from tenantatlas.models import Tenant

Key = tuple[str, str]
ALL_TYPES = scope_key(POLICY_TYPES)
_clock = count(1)


def _next_time() -> datetime:
    # Strictly increasing, so "latest" never depends on the clock's resolution.
    return timezone.now() - timedelta(days=30) + timedelta(minutes=next(_clock))


def store_snapshot(
    tenant: Tenant,
    policies: list[SourcePolicy],
    *,
    scope: str = ALL_TYPES,
    status: str = SyncStatus.SUCCEEDED,
    complete: bool = True,
    taken_at: datetime | None = None,
) -> InventorySync:
    sync = InventorySync.objects.create(
        tenant=tenant, scope_key=scope, status=status, is_complete=complete,
        item_count=len(policies), taken_at=taken_at or _next_time(), finished_at=timezone.now(),
    )  # fmt: skip
    Policy.objects.bulk_create(
        [Policy(tenant=tenant, policy_type=p.policy_type, external_id=p.external_id,
                display_name=p.display_name, platform=p.platform) for p in policies],
        ignore_conflicts=True,
    )  # fmt: skip
    rows = Policy.objects.for_tenant(tenant).values_list("policy_type", "external_id", "pk")
    ids = {(policy_type, external_id): pk for policy_type, external_id, pk in rows}
    items = [
        SnapshotItem.from_source(sync, ids[(p.policy_type, p.external_id)], p) for p in policies
    ]
    SnapshotItem.objects.bulk_create(items, batch_size=500)
    return sync


def demo_policies(seed: str, generation: int, **source: Any) -> list[SourcePolicy]:
    pages = DemoSource(seed, generation, **source).pages()
    return [item for page in pages for item in page if isinstance(item, SourcePolicy)]


def take_snapshot(
    tenant: Tenant, seed: str = "acme", generation: int = 0, *, size: int = 40, **options: Any
) -> InventorySync:
    """A successful, complete snapshot of the demo tenant ``seed`` at ``generation``."""
    return store_snapshot(tenant, demo_policies(seed, generation, size=size), **options)


def policy(
    external_id: str, settings: dict[str, Any], *, policy_type: str = "deviceConfiguration",
    name: str | None = None,
) -> SourcePolicy:  # fmt: skip
    return SourcePolicy(
        policy_type, external_id, name or f"Policy {external_id}", "windows10", settings
    )


def snapshot_of(tenant: Tenant, policies: list[SourcePolicy], **options: Any) -> InventorySync:
    return store_snapshot(tenant, policies, **options)
