"""The one snapshot factory: an InventorySync stored the way a sync stores it.

``store_snapshot(tenant, policies)`` upserts the Policy rows (names follow the
latest read, as in a sync) and stores each policy normalised and hashed as a
SnapshotItem, without running the inventory.sync producer (tested in
tests/inventory). ``demo_snapshot`` stores what a ``DemoSource`` yields;
``policy`` builds one hand-written policy for targeted cases.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from typing import Any

from django.utils import timezone

from demo.source import DemoSource
from inventory.models import InventorySync, Policy, SnapshotItem, SyncStatus
from inventory.normalize import scope_key
from inventory.sources.base import POLICY_TYPES, SourcePolicy
from operations import rollup
from operations.models import OperationRun, RunStatus
from tenantatlas.models import Tenant

ALL_TYPES = scope_key(POLICY_TYPES)
_clock = count(1)


def _next_time() -> datetime:
    # Strictly increasing, so "latest" never depends on the clock's resolution.
    return timezone.now() - timedelta(days=30) + timedelta(minutes=next(_clock))


def store_snapshot(
    tenant: Tenant,
    policies: list[SourcePolicy],
    *,
    policy_types: tuple[str, ...] = POLICY_TYPES,
    status: str = SyncStatus.SUCCEEDED,
    is_complete: bool = True,
    taken_at: datetime | None = None,
) -> InventorySync:
    """A sync of ``policy_types`` that read ``policies``; each one is newer than the last.

    Its status is its run's, as for a real sync: ``status`` picks the run's end.
    """
    sync = InventorySync.objects.create(
        tenant=tenant, scope_key=scope_key(policy_types), run=_sync_run(tenant, status, policies),
        is_complete=is_complete, item_count=len(policies), taken_at=taken_at or _next_time(),
        finished_at=timezone.now(),
    )  # fmt: skip
    ids = _upsert_policies(tenant, policies)
    items = [
        SnapshotItem.from_source(sync, ids[(p.policy_type, p.external_id)], p) for p in policies
    ]
    SnapshotItem.objects.bulk_create(items, batch_size=500)
    return sync


def _sync_run(tenant: Tenant, status: str, policies: list[SourcePolicy]) -> OperationRun:
    """The inventory.sync run that ended the way ``status`` says (SyncStatus: the run's words)."""
    endings: dict[str, dict[str, Any]] = {
        SyncStatus.SUCCEEDED: {"status": RunStatus.COMPLETED, "succeeded": len(policies)},
        SyncStatus.FAILED: {"status": RunStatus.FAILED},
        SyncStatus.RUNNING: {"status": RunStatus.RUNNING},
    }
    ended = endings[SyncStatus(status)]
    run = OperationRun.objects.create(
        tenant=tenant, resource="inventory", action="sync", total=len(policies),
        dedupe_key=f"snapshot-{next(_clock)}", **ended,
    )  # fmt: skip
    rollup.add(run)  # as the lifecycle would: the hub's counts include it
    return run


def _upsert_policies(tenant: Tenant, policies: list[SourcePolicy]) -> dict[tuple[str, str], int]:
    Policy.objects.bulk_create(
        [Policy(tenant=tenant, policy_type=p.policy_type, external_id=p.external_id,
                display_name=p.display_name, platform=p.platform) for p in policies],
        update_conflicts=True,
        unique_fields=["tenant", "policy_type", "external_id"],
        update_fields=["display_name", "platform"],
    )  # fmt: skip
    rows = Policy.objects.for_tenant(tenant).values_list("policy_type", "external_id", "pk")
    return {(policy_type, external_id): pk for policy_type, external_id, pk in rows}


def demo_policies(
    count: int = 40, *, seed: str = "acme", generation: int = 0
) -> list[SourcePolicy]:
    """``count`` realistic policies from the deterministic demo source."""
    pages = DemoSource(seed, generation, size=count).pages()
    return [item for page in pages for item in page if isinstance(item, SourcePolicy)]


def demo_snapshot(
    tenant: Tenant, seed: str = "acme", generation: int = 0, *, size: int = 40, **options: Any
) -> InventorySync:
    """A snapshot of the demo tenant ``seed`` at ``generation`` (options: see store_snapshot)."""
    return store_snapshot(tenant, demo_policies(size, seed=seed, generation=generation), **options)


def policy(
    external_id: str, settings: dict[str, Any], *, policy_type: str = "deviceConfiguration",
    name: str | None = None,
) -> SourcePolicy:  # fmt: skip
    return SourcePolicy(
        policy_type, external_id, name or f"Policy {external_id}", "windows10", settings
    )
