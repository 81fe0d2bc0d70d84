"""Drift generation: choose a pair of snapshots and start a ``drift.generate`` run for it.

The work is in jobs.py.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User

from drift.jobs import RUN_TYPE, DriftError, DriftGenerateContext
from inventory.models import InventorySync
from operations.lifecycle import StartResult, run_start
from tenantatlas.models import Tenant

DEDUPE_KEY_MAX = 200  # OperationRun.dedupe_key's max_length


# --- start ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotPair:
    """Two usable snapshots of one scope: ``baseline`` taken before ``current``."""

    scope_key: str
    baseline: InventorySync
    current: InventorySync

    @property
    def dedupe_key(self) -> str:
        return pair_dedupe_key(self.scope_key, self.baseline.pk, self.current.pk)

    @property
    def context(self) -> DriftGenerateContext:
        return {
            "scope_key": self.scope_key,
            "baseline_sync_id": self.baseline.pk,
            "current_sync_id": self.current.pk,
        }


def pair_dedupe_key(scope_key: str, baseline_id: int, current_id: int) -> str:
    """``scope:baseline:current``; a scope key too long for the column is replaced by its digest."""
    key = f"{scope_key}:{baseline_id}:{current_id}"
    if len(key) <= DEDUPE_KEY_MAX:
        return key
    digest = hashlib.sha256(scope_key.encode()).hexdigest()
    return f"sha256-{digest}:{baseline_id}:{current_id}"


def drift_pair_latest(*, tenant: Tenant, scope_key: str) -> SnapshotPair:
    """The scope's two latest usable snapshots; DriftError when it has fewer than two."""
    syncs = list(
        InventorySync.objects.for_tenant(tenant)
        .usable_for_drift()
        .filter(scope_key=scope_key)
        .order_by("-taken_at", "-id")[:2]
    )
    if len(syncs) < 2:
        found = "no successful complete sync" if not syncs else "only one successful complete sync"
        raise DriftError(
            f"Drift needs two successful complete inventory syncs of this scope; it has {found} "
            "yet. Run an inventory sync and try again.",
            code="not_enough_syncs",
        )
    return SnapshotPair(scope_key, baseline=syncs[1], current=syncs[0])


def drift_pair_chosen(
    *, tenant: Tenant, scope_key: str, baseline: InventorySync, current: InventorySync
) -> SnapshotPair:
    """Check a hand-picked pair; DriftError with the first reason it cannot be compared."""
    if baseline.tenant_id != tenant.pk or current.tenant_id != tenant.pk:
        raise DriftError("Both syncs must belong to this tenant.", code="wrong_tenant")
    if baseline.pk == current.pk:
        raise DriftError("Choose two different syncs.", code="same_sync")
    if baseline.scope_key != scope_key or current.scope_key != scope_key:
        raise DriftError("Both syncs must be of the chosen scope.", code="scope_mismatch")
    for role, sync in (("baseline", baseline), ("current", current)):
        if not _is_usable(sync):
            raise DriftError(
                f"The {role} sync #{sync.pk} did not succeed completely; only successful "
                "complete syncs can be compared.",
                code="sync_not_usable",
            )
    if _taken(baseline) >= _taken(current):
        raise DriftError("The baseline must be taken before the current sync.", code="order")
    return SnapshotPair(scope_key, baseline=baseline, current=current)


def _is_usable(sync: InventorySync) -> bool:
    return InventorySync.objects.filter(pk=sync.pk).usable_for_drift().exists()


def _taken(sync: InventorySync) -> tuple[datetime, int]:
    return (sync.taken_at, sync.pk)


def drift_generate_start(
    *, tenant: Tenant, pair: SnapshotPair, initiated_by: User | None
) -> StartResult:
    """Create or reuse the run for this pair: reused while queued, running or succeeded.

    A failed run is not reused (the next start makes a new one); nor is a
    partially succeeded one, so a start after some policies could not be
    compared tries again.
    """
    return run_start(
        tenant=tenant,
        run_type=RUN_TYPE,
        initiated_by=initiated_by,
        context=pair.context,
        dedupe_key=pair.dedupe_key,
        reuse_succeeded=True,
    )
