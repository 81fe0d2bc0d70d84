"""What a list row and a chart bar display, computed once in Python.

Measured on the list page (bench/hub.py): Django's template engine spent most
of the page's time on fifty rows of filters (``intcomma``, ``date`` three
times, ``progress``, two ``{% url %}``) and on the chart's per-bar filters.
Here each row's strings are built with plain formatting, its links from one
reversed prefix. Even printing a precomputed value costs the engine ~10 µs
(lookup, ``conditional_escape``, node bookkeeping), ~20 of them a row: so a
row's markup is one format string (``ROW``) filled with escaped values, and
the template prints one value a row (bench/hub_profile.py: 4 ms of a 13 ms
render before). The HTML is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from monitoring.links import notification_open_path
from monitoring.progress import Progress, progress_for
from monitoring.templatetags.hub import duration
from operations.models import Notification, OperationRun, StatusBucket
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

    @property
    def html(self) -> SafeString:
        """The row's ``<tr>``; every value escaped (a starter's name is anyone's text)."""
        p = self.progress
        values = {
            "pk": self.pk, "url": self.url, "label": self.label, "bucket": self.bucket,
            "bucket_label": self.bucket_label, "status": self.status, "ok": p.succeeded,
            "failed_x": p.failed_x, "failed": p.failed, "skipped_x": p.skipped_x,
            "skipped": p.skipped, "counts": self.counts, "starter": self.starter,
            "created_iso": self.created_iso, "created_title": self.created_title,
            "created_short": self.created_short, "duration": self.duration,
        }  # fmt: skip
        return mark_safe(ROW.format_map({k: escape(str(v)) for k, v in values.items()}))  # noqa: S308 - escaped above


# The hub list's row (monitoring/run_list.html prints one per run).
ROW = (
    '<tr id="run-{pk}" data-run="{pk}" data-status="{status}">\n'
    '      <td data-label="Type"><a href="{url}">{label}</a> '
    '<span class="muted small">run #{pk}</span></td>\n'
    '      <td data-label="Status"><span class="badge badge--{bucket}">{bucket_label}</span></td>\n'
    '      <td data-label="Progress">\n'
    '        <svg class="progress" viewBox="0 0 100 8" preserveAspectRatio="none" '
    'aria-hidden="true"><rect class="ok" width="{ok}" height="8"/>'
    '<rect class="bad" x="{failed_x}" width="{failed}" height="8"/>'
    '<rect class="skip" x="{skipped_x}" width="{skipped}" height="8"/></svg>\n'
    '        <span class="small muted" data-testid="counts">{counts}</span>\n'
    "      </td>\n"
    '      <td data-label="Started by">{starter}</td>\n'
    '      <td data-label="Created"><time datetime="{created_iso}" title="{created_title}" '
    "data-relative>{created_short}</time></td>\n"
    '      <td data-label="Duration">{duration}</td>\n'
    "    </tr>"
)


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
        created_iso=created.isoformat(),  # Django's "c"
        created_title=f"{created:%Y-%m-%d %H:%M:%S} {created.tzname()}",  # "Y-m-d H:i:s T"
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


# -- the notifications inbox ---------------------------------------------------------


def notification_rows(
    notifications: list[Notification], tenant: Tenant, tz: ZoneInfo
) -> list[SafeString]:
    """The inbox's ``<tr>``s, built in Python like the run list's rows: the markup is
    what the template wrote (``tests/monitoring/test_notifications.py`` holds it
    equal), every value escaped, times in the person's zone."""
    return [_notification_row(n, tenant.slug, tz) for n in notifications]


def _notification_row(n: Notification, tenant_slug: str, tz: ZoneInfo) -> SafeString:
    created = timezone.localtime(n.created_at, tz)
    body = f'<div class="small muted">{escape(n.body)}</div>' if n.body else ""
    link = ""
    if n.run_id or n.link:
        href = escape(notification_open_path(tenant_slug, n.pk))
        link = f'\n        <a class="button secondary" href="{href}">View run</a>\n        '
    return mark_safe(  # noqa: S308 - every value is escaped
        f'<tr class="{"" if n.is_read else "unread"}" data-notification="{n.pk}">\n'
        f'      <td class="small"><time datetime="{escape(created.isoformat())}">'
        f"{escape(_short(created))}</time></td>\n"
        f'      <td><span class="badge badge--{escape(n.level)}">'
        f"{escape(n.get_level_display())}</span> {escape(n.title)}{body}</td>\n"
        f"      <td>\n        {link}\n      </td>\n"
        "    </tr>"
    )
