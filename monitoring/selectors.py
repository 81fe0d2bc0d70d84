"""Reads for the hub: tenant-scoped querysets, one page of runs, one stats query.

Database only: nothing here (or anywhere in monitoring) talks to Redis, so the
hub keeps working, and stays truthful, while the queue is down.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.db.models.functions import TruncDate

from monitoring.keyset import Cursor, KeysetPage, keyset_page
from monitoring.timerange import Window
from operations.models import Notification, OperationRun, RunFailure
from operations.registry import RelatedLink, get_run_type
from tenantatlas.models import Tenant

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
FAILURES_PAGE_SIZE = 50
# The stats query counts at most this many of the newest runs in its window:
# bounded work however many millions a tenant has (docs/hub.md).
STATS_SAMPLE = 10_000


def runs_for_tenant(tenant: Tenant) -> QuerySet[OperationRun]:
    return OperationRun.objects.for_tenant(tenant).select_related("initiated_by")


def run_page(
    runs: QuerySet[OperationRun], cursor: Cursor | None, size: int = PAGE_SIZE
) -> KeysetPage[OperationRun]:
    return keyset_page(runs, cursor, size)


@dataclass(frozen=True)
class RunStats:
    """Runs per local day and bucket in the window; feeds both the tabs and the chart."""

    window: Window
    per_day: dict[date, dict[str, int]] = field(default_factory=dict)
    # The sample limit was reached: counts are lower bounds (shown as "n+").
    truncated: bool = False

    def bucket_total(self, bucket: str) -> int:
        return sum(day.get(bucket, 0) for day in self.per_day.values())

    @property
    def total(self) -> int:
        return sum(sum(day.values()) for day in self.per_day.values())


def run_stats(
    runs: QuerySet[OperationRun], window: Window, tz: ZoneInfo, sample: int = STATS_SAMPLE
) -> RunStats:
    """ONE query: counts grouped by local day and bucket over the newest ``sample`` runs.

    The newest runs come from the same index walk as the list (LIMIT ``sample``);
    the grouping wraps that SQL, which Django compiled and parametrised, so the
    work stays bounded and no second pass over the table is needed.
    """
    start, end = window.bounds(tz)
    newest = (
        runs.filter(created_at__gte=start, created_at__lt=end)
        .order_by("-created_at", "-pk")
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day", "status_bucket")[:sample]
    )
    sql, params = newest.query.sql_with_params()
    per_day: dict[date, dict[str, int]] = defaultdict(dict)
    with connections[newest.db].cursor() as cursor:
        cursor.execute(
            f"SELECT day, status_bucket, COUNT(*) FROM ({sql}) AS newest"  # noqa: S608 - Django's own SQL
            " GROUP BY day, status_bucket",
            params,
        )
        for day, bucket, count in cursor.fetchall():
            per_day[_as_date(day)][bucket] = count
    counted = sum(n for day in per_day.values() for n in day.values())
    return RunStats(window, dict(per_day), truncated=counted >= sample)


def _as_date(value: date | str) -> date:
    """PostgreSQL answers a date; SQLite (the demo) answers its ISO text."""
    return value if isinstance(value, date) else date.fromisoformat(value)


# -- one run -----------------------------------------------------------------


def detail_runs() -> QuerySet[OperationRun]:
    """For ``get_for_tenant_or_403``, which adds the tenant; related links may need run.tenant."""
    return OperationRun.objects.select_related("tenant", "initiated_by")


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
    return Paginator(run.failures.order_by("id"), FAILURES_PAGE_SIZE).get_page(number)


# -- notifications -----------------------------------------------------------


def notifications_for(user: User, tenant: Tenant) -> QuerySet[Notification]:
    """A person's own notifications in this tenant, never anyone else's."""
    return Notification.objects.for_tenant(tenant).filter(user=user)


def notification_page(
    notifications: QuerySet[Notification], cursor: Cursor | None, size: int = PAGE_SIZE
) -> KeysetPage[Notification]:
    return keyset_page(notifications, cursor, size)
