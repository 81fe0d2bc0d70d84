"""Drift pages: the landing (scopes and their snapshots), starting generation, findings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from drift import selectors
from drift.forms import FindingFilter, GenerateForm
from drift.jobs import DriftError
from drift.services import (
    SnapshotPair,
    drift_generate_start,
    drift_pair_chosen,
    drift_pair_latest,
)
from inventory.models import InventorySync
from monitoring.links import run_url
from tenantatlas.models import Role
from tenantatlas.tenancy import TenantRequest, get_for_tenant_or_403, role_required

FINDINGS_PER_PAGE = 50
RECENT_RUNS = 10


@role_required(Role.READONLY)
def landing(request: TenantRequest) -> HttpResponse:
    context = {
        "rows": selectors.scope_rows(request.tenant),
        "recent_runs": selectors.drift_runs(request.tenant)[:RECENT_RUNS],
        "can_start": request.membership.has_role(Role.OPERATOR),
    }
    return render(request, "drift/landing.html", context)


@role_required(Role.OPERATOR)
@require_POST
def generate(request: TenantRequest) -> HttpResponse:
    form = GenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("drift:landing", tenant_slug=request.tenant.slug)
    try:
        pair = _pair(request, form.cleaned_data)
        result = drift_generate_start(tenant=request.tenant, pair=pair, initiated_by=request.user)
    except DriftError as exc:
        messages.error(request, str(exc))
        return redirect("drift:landing", tenant_slug=request.tenant.slug)
    return redirect(run_url(result.run))


def _pair(request: TenantRequest, data: dict[str, Any]) -> SnapshotPair:
    scope_key = data["scope_key"]
    if not data.get("baseline_sync_id"):
        return drift_pair_latest(tenant=request.tenant, scope_key=scope_key)
    # Another tenant's sync id answers 403, like any object outside the tenant.
    syncs = InventorySync.objects.all()
    baseline = get_for_tenant_or_403(request, syncs, data["baseline_sync_id"])
    current = get_for_tenant_or_403(request, syncs, data["current_sync_id"])
    return drift_pair_chosen(
        tenant=request.tenant, scope_key=scope_key, baseline=baseline, current=current
    )


def _first_error(form: GenerateForm) -> str:
    field, errors = next(iter(form.errors.items()))
    label = "" if field == "__all__" else f"{form.fields[field].label or field}: "
    return f"{label}{errors[0]}"


@role_required(Role.READONLY)
def findings(request: TenantRequest) -> HttpResponse:
    data = request.GET.copy()
    if not data.get("run") and (latest := selectors.latest_drift_run(request.tenant)):
        data["run"] = str(latest.pk)  # no run asked for: the latest one that finished
    filterset = FindingFilter(
        data, queryset=selectors.findings(request.tenant), tenant=request.tenant
    )
    valid = filterset.is_valid()
    run = filterset.form.cleaned_data.get("run") if valid else None
    page = (
        Paginator(filterset.qs, FINDINGS_PER_PAGE).get_page(request.GET.get("page"))
        if run
        else None
    )
    context = {"filterset": filterset, "run": run, "page": page, "filter_errors": not valid}
    return render(request, "drift/findings.html", context)
