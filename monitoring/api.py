"""The read-only JSON API: the hub's runs, with the hub's filters, cursor and rules.

``/api/v1/t/<slug>/runs/`` and ``…/runs/<id>/``. Serialised with plain
functions (no framework), shaped as DESIGN.md "Addresses" says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, JsonResponse

from monitoring import selectors
from monitoring.filters import RunFilterSet
from monitoring.shown import shown
from operations.models import OperationRun, RunFailure
from tenantatlas.models import Role, Tenant
from tenantatlas.tenancy import TenantRequest, get_for_tenant_or_403, role_required

type ApiView = Callable[..., JsonResponse]


@dataclass(frozen=True)
class ApiCaller:
    tenant: Tenant
    user: AbstractBaseUser | None
    via: str  # "session"; a per-tenant token would add "token"


def authenticate(request: TenantRequest) -> ApiCaller | None:
    """The one place that decides who is calling the API for ``request.tenant``.

    Today: the signed-in session, whose membership and role TenantMiddleware has
    already checked. A per-tenant API token plugs in here (read the
    ``Authorization: Bearer`` header, match it to ``request.tenant``, return an
    ``ApiCaller(via="token")``); TenantMiddleware would then have to let such
    requests past its anonymous-401 answer (see docs/hub.md).
    """
    membership = getattr(request, "membership", None)
    if request.user.is_authenticated and membership and membership.tenant_id == request.tenant.pk:
        return ApiCaller(tenant=request.tenant, user=request.user, via="session")
    return None


def api_view(view: ApiView) -> ApiView:
    """GET only, authenticated by ``authenticate``; errors answer JSON, never HTML."""

    @role_required(Role.READONLY)
    @wraps(view)
    def wrapper(request: TenantRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        if request.method not in ("GET", "HEAD"):
            body = {"error": "method not allowed"}
            return JsonResponse(body, status=405, headers={"Allow": "GET"})
        if authenticate(request) is None:
            return JsonResponse({"error": "authentication required"}, status=401)
        return view(request, *args, **kwargs)

    return wrapper


# -- serialisers -----------------------------------------------------------------


def run_json(run: OperationRun, request: HttpRequest) -> dict[str, Any]:
    return {
        "id": run.pk,
        "run_type": run.run_type,
        "status": run.status,
        "status_bucket": run.status_bucket,
        "counts": {
            "total": run.total,
            "processed": run.processed,
            "succeeded": run.succeeded,
            "failed": run.failed,
            "skipped": run.skipped,
        },
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "initiated_by": run.initiated_by.get_username() if run.initiated_by else None,
        "related": [
            {"label": link.label, "url": request.build_absolute_uri(link.url)}
            for link in selectors.related_links(run)
        ],
    }


def failure_json(failure: RunFailure) -> dict[str, Any]:
    return {
        "code": failure.code,
        "message": shown(failure.message),
        "item": shown(failure.item, max_length=200),
        "created_at": failure.created_at,
    }


def run_detail_json(run: OperationRun, request: HttpRequest) -> dict[str, Any]:
    return {
        **run_json(run, request),
        "failures": [failure_json(failure) for failure in run.failures.order_by("id")],
        "context": selectors.visible_context(run),
    }


# -- views -----------------------------------------------------------------------


@api_view
def run_list(request: TenantRequest) -> JsonResponse:
    runs = selectors.api_list_runs(request.tenant)
    filters = RunFilterSet.for_request(request, runs)
    if not filters.is_valid():
        fields = filters.error_fields()
        error = f"invalid filter: {', '.join(sorted(fields))}"
        return JsonResponse({"error": error, "fields": fields}, status=400)
    page = selectors.run_page(filters.qs, filters.cursor, tenant=request.tenant)
    rows = selectors.with_link_context(page.rows)
    return JsonResponse(
        {"results": [run_json(run, request) for run in rows], "next_cursor": page.next_cursor}
    )


@api_view
def run_detail(request: TenantRequest, run_id: int) -> JsonResponse:
    run = get_for_tenant_or_403(request, selectors.detail_runs(), run_id)
    return JsonResponse(run_detail_json(run, request))
