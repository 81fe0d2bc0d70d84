"""Demo inventory: a demo source per tenant and a few days of sync history.

Every sync here really runs (``run_inline``: the same claim/perform/finish path
as a worker) and is then moved back in time, so the hub's history, drift's
snapshots and the runs' counts all agree with each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from demo.seed.cast import DemoCast
from inventory.jobs import RUN_TYPE
from inventory.models import ConnectionKind, InventorySync, TenantConnection
from operations import rollup
from operations.lifecycle import run_inline
from operations.models import Notification, OperationRun, RunFailure
from tenantatlas.models import Tenant

SIZES = {"contoso": 60, "fabrikam": 40}


@dataclass(frozen=True)
class Step:
    days_ago: float
    kind: str = "ok"  # "ok", "partial" (some policies unreadable) or "failed" (no credentials)


# Oldest first. Contoso shows every outcome; both end with two complete syncs in a row.
HISTORY = {
    "contoso": (
        Step(6.2),
        Step(4.9, "partial"),
        Step(3.6, "failed"),
        Step(2.3),
        Step(0.4),
    ),
    "fabrikam": (Step(5.5), Step(2.8), Step(0.7)),
}


def seed(cast: DemoCast) -> None:
    user = cast.users["owner"]
    for slug, steps in HISTORY.items():
        tenant = cast.tenants[slug]
        if InventorySync.objects.for_tenant(tenant).usable_for_drift().count() >= 2:
            continue  # already seeded (or synced for real): seeding is idempotent
        connection = _demo_connection(tenant, SIZES[slug])
        now = timezone.now()
        for step in steps:
            _configure(connection, step.kind)
            run = run_inline(tenant=tenant, run_type=RUN_TYPE, initiated_by=user)
            _backdate(run, now - timedelta(days=step.days_ago))
        _configure(connection, "ok")
        rollup.reconcile_tenant(tenant)  # the runs moved back in history: recount their days


def _demo_connection(tenant: Tenant, size: int) -> TenantConnection:
    connection, _ = TenantConnection.objects.update_or_create(
        tenant=tenant,
        defaults={"kind": ConnectionKind.DEMO, "demo_seed": tenant.slug, "demo_size": size},
    )
    return connection


def _configure(connection: TenantConnection, kind: str) -> None:
    # "failed" is an honest failure without any network: a Graph connection
    # with no credentials stops with "not configured" before any request.
    connection.kind = ConnectionKind.GRAPH if kind == "failed" else ConnectionKind.DEMO
    connection.demo_fail_every = 7 if kind == "partial" else 0
    connection.save(update_fields=["kind", "demo_fail_every", "updated_at"])


def _backdate(run: OperationRun, started: datetime) -> None:
    """Move a finished run, its snapshot, failures and notices to ``started``."""
    took = max((run.duration or timedelta(0)), timedelta(seconds=2))
    finished = started + took
    OperationRun.objects.filter(pk=run.pk).update(
        created_at=started - timedelta(seconds=1),
        started_at=started,
        finished_at=finished,
        heartbeat_at=finished,
    )
    InventorySync.objects.filter(run=run).update(taken_at=started, finished_at=finished)
    RunFailure.objects.filter(run=run).update(created_at=finished)
    Notification.objects.filter(run=run).update(created_at=finished)
