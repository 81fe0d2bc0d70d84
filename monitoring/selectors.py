"""Reads for the hub: tenant-scoped querysets, one page of runs, one stats query.

Database only: nothing here (or anywhere in monitoring) talks to Redis, so the
hub keeps working, and stays truthful, while the queue is down.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import JSONObject, TruncDate

from monitoring.keyset import Cursor, KeysetPage, keyset_page
from monitoring.timerange import Window
from operations.models import (
    Notification,
    OperationRun,
    RunDayCount,
    RunFailure,
    split_run_type,
)
from operations.registry import RelatedLink, get_run_type, run_types
from tenantatlas.models import Tenant, tenant_zone

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
FAILURES_PAGE_SIZE = 50

# What a list row shows. The context payload (a backup run's can hold
# thousands of policy ids) is never read for a list.
LIST_FIELDS = (
    "id", "tenant_id", "resource", "action", "status", "status_bucket", "total", "processed",
    "succeeded", "failed", "skipped", "created_at", "started_at", "finished_at",
    "initiated_by__id", "initiated_by__username",
)  # fmt: skip


def runs_for_tenant(tenant: Tenant) -> QuerySet[OperationRun]:
    return OperationRun.objects.for_tenant(tenant).select_related("initiated_by")


def list_runs(tenant: Tenant) -> QuerySet[OperationRun]:
    """The runs for a list page: only the columns a row shows (see ``LIST_FIELDS``)."""
    return runs_for_tenant(tenant).only(*LIST_FIELDS)


def api_list_runs(tenant: Tenant) -> QuerySet[OperationRun]:
    """List columns plus the context keys people may see (related links read them), as
    ``link_context``: never the whole payload. ``with_link_context`` puts it in place."""
    keys = sorted({key for run_type in run_types() for key in run_type.context_keys})
    runs = list_runs(tenant)
    if not keys:
        return runs
    return runs.annotate(link_context=JSONObject(**{k: KeyTransform(k, "context") for k in keys}))


def with_link_context(runs: list[OperationRun]) -> list[OperationRun]:
    for run in runs:
        keys = getattr(run, "link_context", None) or {}
        run.context = {key: value for key, value in keys.items() if value is not None}
    return runs


def run_page(
    runs: QuerySet[OperationRun],
    cursor: Cursor | None,
    size: int = PAGE_SIZE,
    *,
    tenant: Tenant | None = None,
) -> KeysetPage[OperationRun]:
    """One keyset page; with ``tenant`` (the request's), rows know their tenant without a query."""
    page = keyset_page(runs, cursor, size)
    if tenant is not None:
        for run in page.rows:
            run.tenant = tenant
    return page


@dataclass(frozen=True)
class RunStats:
    """Runs per local day and bucket in the window; feeds both the tabs and the chart."""

    window: Window
    per_day: dict[date, dict[str, int]] = field(default_factory=dict)
    days_zone: str = "UTC"  # whose midnights divide the days (the rollup's are the tenant's)

    def bucket_total(self, bucket: str) -> int:
        return sum(day.get(bucket, 0) for day in self.per_day.values())

    @property
    def total(self) -> int:
        return sum(sum(day.values()) for day in self.per_day.values())


def run_stats(tenant: Tenant, window: Window, *, run_type: str = "") -> RunStats:
    """ONE query over the rollup: O(days × types × buckets) rows, whatever the tenant's size.

    For lists whose time filter is whole local days (every one but "24h");
    the rollup's days are the tenant's local days, as the window's are.
    """
    counts = RunDayCount.objects.filter(
        tenant=tenant, day__gte=window.first_day, day__lte=window.last_day
    )
    if run_type:
        resource, action = split_run_type(run_type)
        counts = counts.filter(resource=resource, action=action)
    rows = counts.order_by().values_list("day", "bucket").annotate(n=Sum("count"))
    per_day = _per_day((day, bucket, n) for day, bucket, n in rows)
    return RunStats(window, per_day, days_zone=tenant_zone(tenant).key)


def run_stats_from_runs(runs: QuerySet[OperationRun], window: Window, tz: ZoneInfo) -> RunStats:
    """ONE query over the runs themselves, for a window that starts inside a day ("24h").

    ``runs`` is already limited to that window, so the work is bounded by one
    day's runs; the rollup cannot split a day.
    """
    start, end = window.bounds(tz)
    rows = (
        runs.filter(created_at__gte=start, created_at__lt=end)
        .order_by()
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values_list("day", "status_bucket")
        .annotate(n=Count("pk"))
    )
    per_day = _per_day((_as_date(day), bucket, n) for day, bucket, n in rows)
    return RunStats(window, per_day, days_zone=tz.key)


def _per_day(rows: Iterable[tuple[date, str, int]]) -> dict[date, dict[str, int]]:
    per_day: dict[date, dict[str, int]] = defaultdict(dict)
    for day, bucket, count in rows:
        if count:
            per_day[day][bucket] = count
    return dict(per_day)


def _as_date(value: date | str) -> date:
    """PostgreSQL answers a date; SQLite (the demo) answers its ISO text."""
    return value if isinstance(value, date) else date.fromisoformat(value)


# -- one run -----------------------------------------------------------------


def detail_runs(*, failure_count: bool = False) -> QuerySet[OperationRun]:
    """For ``get_for_tenant_or_403``, which adds the tenant; related links may need run.tenant.

    ``failure_count`` reads the number of stored failure entries in the same
    query (``stored_failures``, capped per run, so an index scan of at most
    RUN_FAILURE_CAP rows), which saves the failures pager its own COUNT.
    """
    runs = OperationRun.objects.select_related("tenant", "initiated_by")
    if failure_count:
        stored = RunFailure.objects.filter(run=OuterRef("pk")).order_by().values("run")
        runs = runs.annotate(stored_failures=Subquery(stored.annotate(n=Count("*")).values("n")))
    return runs


def related_links(run: OperationRun) -> list[RelatedLink]:
    """The producer's links for this run; a producer's bug must not take the hub down."""
    run_type = get_run_type(run.run_type)
    if run_type is None:
        return []
    try:
        return list(run_type.related(run))
    except Exception:  # logged; the page shows the run without the link
        logger.exception("related links failed for run %s", run.pk)
        return []


def visible_context(run: OperationRun) -> dict[str, Any]:
    """Only the keys the run type allows people to see; the rest of the context stays internal."""
    run_type = get_run_type(run.run_type)
    keys = run_type.context_keys if run_type else ()
    context = run.context if isinstance(run.context, dict) else {}
    return {key: context[key] for key in keys if key in context}


def labelled_context(run: OperationRun) -> dict[str, Any]:
    """The visible context under the run type's words for each key, for the page.

    Empty values (a cleared "waiting") are left out.
    """
    run_type = get_run_type(run.run_type)
    if run_type is None:
        return {}
    return {
        run_type.context_label(key): value
        for key, value in visible_context(run).items()
        if value not in (None, "")
    }


def failures_page(run: OperationRun, number: str | None) -> Page[RunFailure]:
    """Failure entries are capped per run (RUN_FAILURE_CAP), so page numbers stay cheap here."""
    paginator = Paginator(run.failures.order_by("id"), FAILURES_PAGE_SIZE)
    if hasattr(run, "stored_failures"):
        # Read with the run (detail_runs(failure_count=True)); NULL is no entries.
        paginator.count = run.stored_failures or 0
    return paginator.get_page(number)


# -- notifications -----------------------------------------------------------


def notifications_for(user: User, tenant: Tenant) -> QuerySet[Notification]:
    """A person's own notifications in this tenant, never anyone else's."""
    return Notification.objects.for_tenant(tenant).filter(user=user)


def notification_page(
    notifications: QuerySet[Notification], cursor: Cursor | None, size: int = PAGE_SIZE
) -> KeysetPage[Notification]:
    return keyset_page(notifications, cursor, size)
