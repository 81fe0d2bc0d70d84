"""Reads for the drift pages: scopes with their usable snapshots, drift runs, findings."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber

from drift.jobs import RUN_TYPE
from drift.models import DriftFinding
from drift.services import SnapshotPair
from inventory.models import USABLE, InventorySync
from operations.models import OperationRun
from tenantatlas.models import Tenant

CHOICES_PER_SCOPE = 20  # usable syncs offered in a scope's "choose two syncs" form


@dataclass
class ScopeRow:
    """One scope on the landing: its latest usable snapshots and what drift can do with them."""

    scope_key: str
    sync_count: int  # every sync of the scope, whatever its outcome
    usable_count: int  # successful, complete syncs
    syncs: list[InventorySync]  # the latest usable ones, newest first (at most CHOICES_PER_SCOPE)
    latest_run: OperationRun | None = None  # the latest drift run of the latest pair

    @property
    def pair(self) -> SnapshotPair | None:
        if len(self.syncs) < 2:
            return None
        return SnapshotPair(self.scope_key, baseline=self.syncs[1], current=self.syncs[0])

    @property
    def policy_types(self) -> list[str]:
        return self.scope_key.split(",")

    @property
    def unusable_count(self) -> int:
        return self.sync_count - self.usable_count


def scope_rows(tenant: Tenant) -> list[ScopeRow]:
    """Every scope the tenant has synced, with its latest usable snapshots (three queries)."""
    counts = (
        InventorySync.objects.for_tenant(tenant)
        .values("scope_key")
        .annotate(syncs=Count("id"), usable=Count("id", filter=USABLE))
        .order_by("scope_key")
    )
    rows = {c["scope_key"]: ScopeRow(c["scope_key"], c["syncs"], c["usable"], []) for c in counts}
    for sync in _latest_usable_syncs(tenant):
        sync.tenant = tenant  # their links need the slug: spare a query per sync
        rows[sync.scope_key].syncs.append(sync)
    _attach_latest_runs(tenant, list(rows.values()))
    return list(rows.values())


def _latest_usable_syncs(tenant: Tenant) -> QuerySet[InventorySync]:
    rank = Window(
        RowNumber(), partition_by=[F("scope_key")], order_by=[F("taken_at").desc(), F("id").desc()]
    )
    return (
        InventorySync.objects.for_tenant(tenant)
        .usable_for_drift()
        .annotate(rank=rank)
        .filter(rank__lte=CHOICES_PER_SCOPE)
        .order_by("scope_key", "rank")
    )


def _attach_latest_runs(tenant: Tenant, rows: list[ScopeRow]) -> None:
    by_key = {row.pair.dedupe_key: row for row in rows if row.pair is not None}
    if not by_key:
        return
    rank = Window(
        RowNumber(),
        partition_by=[F("dedupe_key")],
        order_by=[F("created_at").desc(), F("id").desc()],
    )
    runs = drift_runs(tenant).filter(dedupe_key__in=list(by_key)).annotate(rank=rank).filter(rank=1)
    for run in runs:
        by_key[run.dedupe_key].latest_run = run


def drift_runs(tenant: Tenant) -> QuerySet[OperationRun]:
    return (
        OperationRun.objects.for_tenant(tenant)
        .of_type(RUN_TYPE)
        .select_related("tenant", "initiated_by")
        .order_by("-created_at", "-id")
    )


def latest_drift_run(tenant: Tenant) -> OperationRun | None:
    """The run the findings page shows when none is asked for: the latest one that finished."""
    return drift_runs(tenant).filter(finished_at__isnull=False).first()


def findings(tenant: Tenant) -> QuerySet[DriftFinding]:
    return DriftFinding.objects.for_tenant(tenant).order_by(
        "change_type", "policy_type", "display_name", "id"
    )
