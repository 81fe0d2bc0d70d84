"""Reads for the inventory pages: tenant-scoped querysets, no side effects."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from inventory.models import POLICY_TYPE_LABELS, InventorySync, SnapshotItem
from tenantatlas.models import Tenant


def scope_label(scope_key: str) -> str:
    """``compliancePolicy,deviceConfiguration`` → ``Compliance policy, Device configuration``."""
    types = [t for t in scope_key.split(",") if t]
    if set(types) == set(POLICY_TYPE_LABELS):
        return "All policy types"
    return ", ".join(POLICY_TYPE_LABELS.get(t, t) for t in types)


def latest_snapshots(tenant: Tenant) -> QuerySet[InventorySync]:
    """The newest usable snapshot of each scope (a subquery: SQLite has no DISTINCT ON)."""
    usable = InventorySync.objects.for_tenant(tenant).usable_for_drift()
    newest = usable.filter(scope_key=OuterRef("scope_key")).order_by("-taken_at", "-id")
    return usable.filter(pk=Subquery(newest.values("pk")[:1])).order_by("scope_key")


def latest_snapshot(tenant: Tenant) -> InventorySync | None:
    return InventorySync.objects.for_tenant(tenant).usable_for_drift().first()


def recent_syncs(tenant: Tenant, *, limit: int = 10) -> QuerySet[InventorySync]:
    return InventorySync.objects.for_tenant(tenant).select_related("run")[:limit]


def snapshot_items(sync: InventorySync) -> QuerySet[SnapshotItem]:
    items = SnapshotItem.objects.filter(sync=sync).select_related("policy")
    return items.order_by("policy_type", "display_name", "external_id")
