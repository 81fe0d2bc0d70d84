"""What a list row and a chart bar display, computed once in Python.

Measured on the list page (bench/hub.py): Django's template engine spent most
of the page's time on fifty rows of filters (``intcomma``, ``date`` three
times, ``progress``, two ``{% url %}``) and on the chart's per-bar filters.
Here each row's strings are built with plain formatting, its links from one
reversed prefix, so the template only prints values. The HTML is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from monitoring.progress import Progress, progress_for
from monitoring.templatetags.hub import duration
from operations.models import OperationRun, StatusBucket
from operations.registry import label_for
from tenantatlas.models import Tenant


@dataclass(frozen=True)
class RunRow:
    pk: int
    url: str  # the run's detail page
    label: str
    bucket: str
    bucket_label: str
    status: str
    progress: Progress
    counts: str  # "9 / 10" while active, the outcome in words ("7 succeeded, 1 failed") after
    starter: str
    created_iso: str
    created_title: str
    created_short: str
    duration: str
    is_active: bool


def detail_prefix(tenant: Tenant) -> str:
    """``/t/<slug>/monitoring/operations/``: every run's address is this plus ``<id>/``."""
    return reverse("monitoring:run_list", kwargs={"tenant_slug": tenant.slug})


def run_rows(runs: list[OperationRun], tenant: Tenant, tz: ZoneInfo) -> list[RunRow]:
    """The rows, with times in the person's zone (they are built before the page renders)."""
    prefix = detail_prefix(tenant)
    return [run_row(run, prefix, tz) for run in runs]


def run_row(run: OperationRun, prefix: str, tz: ZoneInfo) -> RunRow:
    created = timezone.localtime(run.created_at, tz)
    progress = progress_for(run)
    return RunRow(
        pk=run.pk,
        url=f"{prefix}{run.pk}/",
        label=label_for(run.run_type),
        bucket=run.status_bucket,
        bucket_label=StatusBucket(run.status_bucket).label if run.status_bucket else "",
        status=run.status,
        progress=progress,
        counts=_counts(run, progress),
        starter=run.initiated_by.get_username() if run.initiated_by else "system",
        created_iso=date_format(created, "c"),
        created_title=date_format(created, "Y-m-d H:i:s T"),
        created_short=_short(created),
        duration=duration(run.duration),
        is_active=run.is_active,
    )


def _counts(run: OperationRun, progress: Progress) -> str:
    """How far an active run got (``?`` until it names its total); a finished one's outcome."""
    if not run.is_active:
        return progress.outcome
    return f"{run.processed:,} / {f'{run.total:,}' if run.total else '?'}"


def _short(created: datetime) -> str:
    """Django's ``M j, H:i`` (English month abbreviations; USE_I18N is off)."""
    return f"{created:%b} {created.day}, {created:%H:%M}"
