"""Backup test fixtures: a set per tenant, and snapshots from the one factory.

``take_snapshot(tenant, policies)`` is ``tests.support.snapshots.store_snapshot``:
a succeeded, complete sync stored the way a sync stores it; each one is newer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from backups.models import BackupSet
from inventory.models import InventorySync, Policy
from tenantatlas.models import Tenant
from tests.support.snapshots import demo_policies, store_snapshot

__all__ = ["demo_policies"]  # the backup tests import it from here, beside take_snapshot

TakeSnapshot = Callable[..., InventorySync]


@pytest.fixture
def take_snapshot() -> TakeSnapshot:
    """``take_snapshot(tenant, policies, policy_types=…)``: tests/support/snapshots.py's factory."""
    return store_snapshot


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
