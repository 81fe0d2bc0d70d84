"""Reads for backups: the current inventory snapshot, sets with their figures, runs of a set.

"The latest snapshot" of a policy, decided here once for the picker and the
capture job alike: a sync covers the policy types in its scope key, so for each
policy type we take the newest succeeded, complete sync whose scope covers it,
and a policy's current snapshot is its item in that sync. A policy with no item
there was not seen by the latest sync that looked at its type: it vanished
from the tenant. (An older item of it in some earlier sync does not count: a
backup of a deleted policy's old content would be a lie about the present.)
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from functools import reduce

from django.db.models import Count, Max, Q, QuerySet

from backups.models import BackupItem, BackupSet
from inventory.models import InventorySync, SnapshotItem
from inventory.sources.base import POLICY_TYPES
from operations.models import OperationRun
from tenantatlas.models import Tenant


def latest_syncs_by_type(
    tenant: Tenant, policy_types: Iterable[str] = POLICY_TYPES
) -> dict[str, int]:
    """policy type → id of the newest usable sync whose scope covers it (never synced: absent)."""
    wanted = set(policy_types)
    found: dict[str, int] = {}
    syncs = (
        InventorySync.objects.for_tenant(tenant)
        .usable_for_drift()
        .order_by("-taken_at", "-id")
        .values_list("id", "scope_key")
    )
    # Newest first, so this usually stops after a row or two.
    for sync_id, scope_key in syncs.iterator(chunk_size=50):
        for policy_type in (set(scope_key.split(",")) & wanted) - found.keys():
            found[policy_type] = sync_id
        if found.keys() >= wanted:
            break
    return found


def current_items(tenant: Tenant, syncs: dict[str, int] | None = None) -> QuerySet[SnapshotItem]:
    """Every policy's current snapshot item (see the module docstring)."""
    syncs = latest_syncs_by_type(tenant) if syncs is None else syncs
    if not syncs:
        return SnapshotItem.objects.none()
    # sync__tenant is redundant with the sync ids, and keeps the query tenant-scoped on its face.
    covered = reduce(operator.or_, (Q(sync_id=s, policy_type=t) for t, s in syncs.items()))
    return SnapshotItem.objects.filter(covered, sync__tenant=tenant)


def sets_with_figures(tenant: Tenant) -> QuerySet[BackupSet]:
    """The tenant's sets with ``policy_count`` (latest versions) and ``last_change``."""
    return BackupSet.objects.for_tenant(tenant).annotate(
        policy_count=Count("items", filter=Q(items__is_latest=True)),
        last_change=Max("items__captured_at"),
    )


def latest_items(backup_set: BackupSet) -> QuerySet[BackupItem]:
    return BackupItem.objects.filter(backup_set=backup_set, is_latest=True).order_by(
        "policy_type", "display_name", "external_id"
    )


def versions_of(backup_set: BackupSet, policy_id: int) -> QuerySet[BackupItem]:
    return BackupItem.objects.filter(backup_set=backup_set, policy_id=policy_id).order_by(
        "-version"
    )


def latest_hashes(backup_set: BackupSet, policy_ids: Iterable[int]) -> dict[int, tuple[str, int]]:
    """policy id → (content hash, version) of its latest version in the set, in one query."""
    rows = BackupItem.objects.filter(
        backup_set=backup_set, is_latest=True, policy_id__in=list(policy_ids)
    ).values_list("policy_id", "content_hash", "version")
    return {policy_id: (digest, version) for policy_id, digest, version in rows}


def runs_for_set(tenant: Tenant, backup_set: BackupSet) -> QuerySet[OperationRun]:
    """Every add-policies run that targeted the set, newest first."""
    # Here, not at the top: jobs imports the capture, which reads through this module.
    from backups.jobs import RUN_TYPE

    return (
        OperationRun.objects.for_tenant(tenant)
        .of_type(RUN_TYPE)
        .filter(context__backup_set_id=backup_set.pk)
        .select_related("initiated_by")
    )
