"""Snapshots for backup tests, built directly (the inventory sync producer is tested elsewhere).

``take_snapshot(tenant, policies)`` stores a succeeded, complete sync the way a
sync would: Policy rows upserted, settings normalised and hashed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backups.models import BackupSet
from inventory.models import InventorySync, Policy, SnapshotItem, SyncStatus
from inventory.normalize import scope_key as make_scope_key
from inventory.sources.base import POLICY_TYPES, SourcePolicy
from inventory.sources.demo import DemoSource
from tenantatlas.models import Tenant

TakeSnapshot = Callable[..., InventorySync]


def demo_policies(count: int, *, seed: str = "acme", generation: int = 0) -> list[SourcePolicy]:
    """``count`` realistic policies from the deterministic demo source."""
    source = DemoSource(seed, generation, size=count)
    return [item for page in source.pages() for item in page if isinstance(item, SourcePolicy)]


def store_snapshot(
    tenant: Tenant,
    policies: list[SourcePolicy],
    *,
    policy_types: tuple[str, ...] = POLICY_TYPES,
    taken_at: datetime | None = None,
    status: str = SyncStatus.SUCCEEDED,
    is_complete: bool = True,
) -> InventorySync:
    taken_at = taken_at or timezone.now()
    sync = InventorySync.objects.create(
        tenant=tenant,
        scope_key=make_scope_key(policy_types),
        status=status,
        is_complete=is_complete,
        item_count=len(policies),
        taken_at=taken_at,
        finished_at=taken_at,
    )
    SnapshotItem.objects.bulk_create(_item(tenant, sync, policy) for policy in policies)
    return sync


def _item(tenant: Tenant, sync: InventorySync, source: SourcePolicy) -> SnapshotItem:
    policy, _ = Policy.objects.update_or_create(
        tenant=tenant,
        policy_type=source.policy_type,
        external_id=source.external_id,
        defaults={"display_name": source.display_name, "platform": source.platform},
    )
    return SnapshotItem.from_source(sync, policy.pk, source)


@pytest.fixture
def take_snapshot() -> TakeSnapshot:
    """``take_snapshot(tenant, policies, policy_types=…)``; each call is newer than the last."""
    calls = [0]

    def take(tenant: Tenant, policies: list[SourcePolicy], **kwargs: Any) -> InventorySync:
        calls[0] += 1
        kwargs.setdefault(
            "taken_at", timezone.now() - timedelta(hours=1) + timedelta(minutes=calls[0])
        )
        return store_snapshot(tenant, policies, **kwargs)

    return take


@pytest.fixture
def backup_set(tenant: Tenant, owner: User) -> BackupSet:
    return BackupSet.objects.create(tenant=tenant, name="Baseline", created_by=owner)


@pytest.fixture
def other_set(other_tenant: Tenant) -> BackupSet:
    return BackupSet.objects.create(tenant=other_tenant, name="Globex baseline")


def policy_ids(tenant: Tenant, **filters: Any) -> list[int]:
    return sorted(Policy.objects.for_tenant(tenant).filter(**filters).values_list("pk", flat=True))


def add_url(backup_set: BackupSet, slug: str = "acme") -> str:
    return reverse(
        "backups:add_policies", kwargs={"tenant_slug": slug, "backup_set_id": backup_set.pk}
    )


def set_url(name: str, backup_set: BackupSet, slug: str = "acme", **kwargs: Any) -> str:
    return reverse(
        f"backups:{name}", kwargs={"tenant_slug": slug, "backup_set_id": backup_set.pk, **kwargs}
    )


def post_add(client: Client, backup_set: BackupSet, ids: list[int], slug: str = "acme") -> Any:
    return client.post(add_url(backup_set, slug), {"policies": [str(i) for i in ids]})
