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
    progress: Progress
    counts: str  # "9/10 · 7 ok, 1 failed, 1 skipped"
    starter: str
    created_iso: str
    created_title: str
    created_short: str
    duration: str
    is_active: bool

    @property
    def poll_url(self) -> str:
        return f"{self.url}?partial=row"


def detail_prefix(tenant: Tenant) -> str:
    """``/t/<slug>/monitoring/operations/``: every run's address is this plus ``<id>/``."""
    return reverse("monitoring:run_list", kwargs={"tenant_slug": tenant.slug})


def run_rows(runs: list[OperationRun], tenant: Tenant) -> list[RunRow]:
    prefix = detail_prefix(tenant)
    return [run_row(run, prefix) for run in runs]


def run_row(run: OperationRun, prefix: str) -> RunRow:
    """One row, in the active time zone (``render_hub`` sets the tenant's)."""
    created = timezone.localtime(run.created_at)
    return RunRow(
        pk=run.pk,
        url=f"{prefix}{run.pk}/",
        label=label_for(run.run_type),
        bucket=run.status_bucket,
        bucket_label=StatusBucket(run.status_bucket).label if run.status_bucket else "",
        progress=progress_for(run),
        counts=_counts(run),
        starter=run.initiated_by.get_username() if run.initiated_by else "system",
        created_iso=date_format(created, "c"),
        created_title=date_format(created, "Y-m-d H:i:s T"),
        created_short=_short(created),
        duration=duration(run.duration),
        is_active=run.is_active,
    )


def _counts(run: OperationRun) -> str:
    return (
        f"{run.processed:,}/{run.total:,} · {run.succeeded:,} ok, "
        f"{run.failed:,} failed, {run.skipped:,} skipped"
    )


def _short(created: datetime) -> str:
    """Django's ``M j, H:i`` (English month abbreviations; USE_I18N is off)."""
    return f"{created:%b} {created.day}, {created:%H:%M}"
