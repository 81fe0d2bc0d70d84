"""The run rollup (``RunDayCount``): per tenant × local day × run type × bucket, how many runs.

The lifecycle (services.py) is the one place that changes a run's status, so
it is the one place that moves the rollup: one ``move`` per transition, in the
transition's own transaction (a rolled-back start leaves no count behind).
``reconcile`` recounts the runs, repairs the rollup and reports the drift it
found; it runs periodically (cron.py) and after demo seeding rewrites history.

Rows are upserted with ``count = count + delta``: concurrent transitions add
up instead of overwriting each other, and each statement touches its rows in
key order, so two transitions never lock the same two rows in opposite orders.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncDate

from operations.models import OperationRun, RunDayCount, StatusBucket
from tenantatlas.models import Tenant, tenant_zone

if TYPE_CHECKING:
    from collections.abc import Iterable

logger = logging.getLogger(__name__)

type Key = tuple[date, str, str, str]  # day, resource, action, bucket

_UPSERT = (
    "INSERT INTO {table} (tenant_id, day, resource, action, bucket, count) VALUES {rows} "
    "ON CONFLICT (tenant_id, day, resource, action, bucket) "
    "DO UPDATE SET count = {table}.count + excluded.count"
)


def run_day(run: OperationRun) -> date:
    """The local day a run counts on: its creation, in its tenant's zone."""
    return run.created_at.astimezone(tenant_zone(run.tenant)).date()


def add(run: OperationRun) -> None:
    """A new run enters the rollup in its current bucket (start)."""
    move(run, None, run.bucket)


def move(run: OperationRun, from_bucket: str | None, to_bucket: str | None) -> None:
    """Count ``run`` out of ``from_bucket`` and into ``to_bucket`` on its day (None: nowhere)."""
    if from_bucket == to_bucket:
        return
    day = run_day(run)
    deltas = sorted(
        (bucket, delta) for bucket, delta in ((from_bucket, -1), (to_bucket, 1)) if bucket
    )
    _upsert(
        run.tenant_id,
        [((day, run.resource, run.action, bucket), delta) for bucket, delta in deltas],
    )


def active_bucket(run: OperationRun) -> StatusBucket:
    """Which active bucket a run that is failing now was in: only a claim sets ``started_at``."""
    return StatusBucket.RUNNING if run.started_at is not None else StatusBucket.QUEUED


def _upsert(tenant_id: int, deltas: list[tuple[Key, int]]) -> None:
    table = RunDayCount._meta.db_table
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(deltas))
    params: list[Any] = []
    for (day, resource, action, bucket), delta in deltas:
        params += [
            tenant_id,
            connection.ops.adapt_datefield_value(day),
            resource,
            action,
            bucket,
            delta,
        ]
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT.format(table=table, rows=rows), params)


# -- reconciliation ------------------------------------------------------------


@dataclass(frozen=True)
class Drift:
    tenant_id: int
    key: Key
    rollup: int  # what the rollup said
    actual: int  # what the runs say


def recount(tenant: Tenant) -> dict[Key, int]:
    """The truth: the tenant's runs grouped as the rollup groups them."""
    rows = (
        OperationRun.objects.for_tenant(tenant)
        .order_by()
        .annotate(day=TruncDate("created_at", tzinfo=tenant_zone(tenant)))
        .values_list("day", "resource", "action", "status_bucket")
        .annotate(n=Count("pk"))
    )
    return {
        (_as_date(day), resource, action, bucket): n for day, resource, action, bucket, n in rows
    }


def stored(tenant: Tenant) -> dict[Key, int]:
    rows = RunDayCount.objects.filter(tenant=tenant).values_list(
        "day", "resource", "action", "bucket", "count"
    )
    return {(day, resource, action, bucket): n for day, resource, action, bucket, n in rows if n}


def reconcile_tenant(tenant: Tenant) -> list[Drift]:
    """Recount one tenant and make its rollup equal to the recount; return what differed.

    The rollup table is locked against writes (not reads) while the tenant is
    recounted: a transition that commits before the lock is in the recount, one
    that commits after it adds its delta on top of it. Either way none is lost.
    """
    with transaction.atomic():
        _lock_rollup()
        actual, cached = recount(tenant), stored(tenant)
        drift = [
            Drift(tenant.pk, key, cached.get(key, 0), actual.get(key, 0))
            for key in sorted(actual.keys() | cached.keys())
            if cached.get(key, 0) != actual.get(key, 0)
        ]
        if drift:
            _rewrite(tenant, actual)
    return drift


def reconcile(tenants: Iterable[Tenant] | None = None) -> list[Drift]:
    """Every tenant (or the given ones); logs one line per tenant it repaired."""
    drift: list[Drift] = []
    for tenant in tenants if tenants is not None else Tenant.objects.order_by("pk"):
        found = reconcile_tenant(tenant)
        if found:
            logger.warning(
                "rollup drift in tenant %s: %s cells differed (rollup %s runs, runs %s); repaired",
                tenant.slug, len(found), sum(d.rollup for d in found), sum(d.actual for d in found),
            )  # fmt: skip
        drift += found
    return drift


def _lock_rollup() -> None:
    # SQLite (the demo) serialises writers by itself.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {RunDayCount._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")


def _rewrite(tenant: Tenant, actual: dict[Key, int]) -> None:
    RunDayCount.objects.filter(tenant=tenant).delete()
    RunDayCount.objects.bulk_create(
        RunDayCount(
            tenant=tenant, day=day, resource=resource, action=action, bucket=bucket, count=n
        )
        for (day, resource, action, bucket), n in actual.items()
    )


def _as_date(value: date | str) -> date:
    """PostgreSQL answers a date; SQLite (the demo) answers its ISO text."""
    return value if isinstance(value, date) else date.fromisoformat(value)
