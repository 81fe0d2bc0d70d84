"""Monitoring → Operations: the run list, one run, and a person's notifications.

View-only (no rerun, cancel or delete), database-only (never Redis). The
middleware has checked membership and the declared role before a view runs;
every object a request names is loaded through ``get_for_tenant_or_403``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from monitoring import presenters, selectors, services
from monitoring.chart import build_chart
from monitoring.filters import RunFilterSet
from monitoring.keyset import Cursor, CursorError
from monitoring.links import notification_target
from monitoring.tabs import bucket_tabs
from operations.models import Notification
from tenantatlas.models import Role
from tenantatlas.tenancy import TenantRequest, get_for_tenant_or_403, role_required

# The polling partials: the page and the poll render the same template.
PROGRESS = "monitoring/run_detail.html#run-progress"
FINAL = "monitoring/run_final.html"
ROWS = "monitoring/run_list.html#run-rows"


def render_hub(
    request: TenantRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """Render with every time in the person's zone (``request.time_zone``), which the page names."""
    tz = request.time_zone
    with timezone.override(tz):
        return render(request, template, {"tz": tz, **context}, status=status)


@role_required(Role.READONLY)
@require_safe
def run_list(request: TenantRequest) -> HttpResponse:
    runs = selectors.list_runs(request.tenant)
    filters = RunFilterSet.for_request(request, runs)
    if not filters.is_valid():
        return render_hub(request, "monitoring/run_list.html", {"filters": filters}, status=400)
    page = selectors.run_page(filters.qs, filters.cursor, tenant=request.tenant)
    rows = presenters.run_rows(page.rows, request.tenant, request.time_zone)
    # Rows poll while one of them is active; the poll needs neither chart nor tabs.
    live = any(row.is_active for row in rows)
    if request.GET.get("partial") == "rows":
        context = {"filters": filters, "page": page, "rows": rows, "live": live}
        return render_hub(request, ROWS, context)
    stats = _stats(request, filters)
    return render_hub(
        request,
        "monitoring/run_list.html",
        {
            "filters": filters,
            "page": page,
            "rows": rows,
            "live": live,
            "stats": stats,
            "tabs": bucket_tabs(stats, filters.bucket),
            "chart": build_chart(stats, filters.bucket),
        },
    )


def _stats(request: TenantRequest, filters: RunFilterSet) -> selectors.RunStats:
    """Tabs and chart from the rollup, unless the time filter starts inside a day (24h)."""
    if filters.whole_days:
        return selectors.run_stats(request.tenant, filters.window(), run_type=filters.selected_type)
    runs = filters.qs_without("status_bucket")
    return selectors.run_stats_from_runs(runs, filters.window(), filters.tz)


@role_required(Role.READONLY)
@require_safe
def run_detail(request: TenantRequest, run_id: int) -> HttpResponse:
    # The page counts its failure entries with the run; the poll shows none.
    poll = request.GET.get("partial") == "progress"
    run = get_for_tenant_or_403(request, selectors.detail_runs(failure_count=not poll), run_id)
    if poll and run.is_active:
        return render_hub(request, PROGRESS, {"run": run})
    # The page, or the last poll of a run that just ended: that one also swaps
    # in what the end added (related links, failures), so nothing reloads.
    template = FINAL if poll else "monitoring/run_detail.html"
    return render_hub(
        request,
        template,
        {
            "run": run,
            "related": selectors.related_links(run),
            "context_items": selectors.labelled_context(run),
            "failures": selectors.failures_page(run, request.GET.get("failures")),
        },
    )


# -- notifications -------------------------------------------------------------


@role_required(Role.READONLY)
@require_safe
def notifications(request: TenantRequest) -> HttpResponse:
    inbox = selectors.notifications_for(request.user, request.tenant)
    token = request.GET.get("cursor", "")
    try:
        cursor = Cursor.decode(token) if token else None
    except CursorError as exc:
        context = {"cursor_error": str(exc)}
        return render_hub(request, "monitoring/notifications.html", context, status=400)
    page = selectors.notification_page(inbox, cursor)
    rows = presenters.notification_rows(page.rows, request.tenant, request.time_zone)
    return render_hub(request, "monitoring/notifications.html", {"page": page, "rows": rows})


@role_required(Role.READONLY)
@require_safe
def bell(request: TenantRequest) -> HttpResponse:
    """The bell alone, for its own poll (the context processor fills it in)."""
    return render(request, "partials/bell.html")


# A plain link (it opens in a new tab and can be copied); following it marks
# the notice read. Marking one's own notice read is the only effect, so a GET
# that a crawler or prefetch makes costs nothing but that.
@role_required(Role.READONLY)  # reading one's own notifications is for everyone in the tenant
@require_safe
def notification_open(request: TenantRequest, notification_id: int) -> HttpResponse:
    inbox = selectors.notifications_for(request.user, request.tenant)
    notification: Notification = get_for_tenant_or_403(request, inbox, notification_id)
    services.notification_mark_read(notification)
    return redirect(_safe_link(request, notification_target(notification, request.tenant.slug)))


@role_required(Role.READONLY)
@require_POST
def notifications_read_all(request: TenantRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user, tenant=request.tenant)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("monitoring:notifications", tenant_slug=request.tenant.slug)


def _safe_link(request: TenantRequest, link: str) -> str:
    """Only a path on this site; anything else (an old or odd link) lands on the inbox."""
    inbox = reverse("monitoring:notifications", kwargs={"tenant_slug": request.tenant.slug})
    if link.startswith("/") and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return link
    return inbox
