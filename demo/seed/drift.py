"""Demo drift: one finished drift run per demo tenant, between its two latest usable syncs.

Runs after inventory's demo seed (demo.seed.PRODUCERS order), really performs the
job (``run_inline``) so its findings and counts are true, and is idempotent: a
tenant that already has a drift run for that pair is left alone.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from demo.seed.cast import DemoCast
from drift.jobs import RUN_TYPE, DriftError
from drift.services import SnapshotPair, drift_pair_latest
from inventory.models import InventorySync
from operations import rollup
from operations.lifecycle import run_inline
from operations.models import Notification, OperationRun
from tenantatlas.models import Tenant

STARTERS = {"contoso": "operator", "fabrikam": "owner"}


def seed(cast: DemoCast) -> None:
    for slug, username in STARTERS.items():
        tenant = cast.tenants[slug]
        pair = _latest_pair(tenant)
        if pair is None or _has_run(tenant, pair):
            continue
        run = run_inline(
            tenant=tenant, run_type=RUN_TYPE, initiated_by=cast.users[username],
            context=pair.context,
        )  # fmt: skip
        _settle(run, pair)
        rollup.reconcile_tenant(tenant)  # the run moved back in history: recount its days


def _latest_pair(tenant: Tenant) -> SnapshotPair | None:
    latest = InventorySync.objects.for_tenant(tenant).usable_for_drift().first()
    if latest is None:
        return None
    try:
        return drift_pair_latest(tenant=tenant, scope_key=latest.scope_key)
    except DriftError:
        return None


def _has_run(tenant: Tenant, pair: SnapshotPair) -> bool:
    return (
        OperationRun.objects.for_tenant(tenant)
        .of_type(RUN_TYPE)
        .filter(dedupe_key=pair.dedupe_key)
        .exists()
    )


def _settle(run: OperationRun, pair: SnapshotPair) -> None:
    """Give the run its pair's dedupe key and a place in history just after the current sync.

    With the key, a person's "Generate drift" for this pair reuses the seeded
    run (it is terminal, so it is never mistaken for an active one).
    """
    fields: dict[str, object] = {"dedupe_key": pair.dedupe_key}
    started = (pair.current.finished_at or pair.current.taken_at) + timedelta(minutes=5)
    if started < timezone.now() and run.finished_at and run.started_at:
        finished = started + (run.finished_at - run.started_at)
        fields |= {"created_at": started - timedelta(seconds=1), "started_at": started,
                   "finished_at": finished, "heartbeat_at": finished}  # fmt: skip
        Notification.objects.filter(run=run).update(created_at=finished)
    OperationRun.objects.filter(pk=run.pk).update(**fields)
