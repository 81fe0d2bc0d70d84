"""Backup set pages. Access is checked by TenantMiddleware; each view declares its least role."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from backups.export import export_filename, export_zip
from backups.filters import SnapshotPolicyFilter
from backups.forms import BackupSetForm, selection_from_post
from backups.jobs import SOURCE
from backups.models import BackupItem, BackupSet
from backups.selectors import (
    current_items,
    latest_hashes,
    latest_items,
    latest_syncs_by_type,
    runs_for_set,
    sets_with_figures,
    versions_of,
)
from backups.services import (
    PolicyNotInTenant,
    SelectionError,
    backup_set_add_policies_start,
    backup_set_create,
    backup_set_update,
    max_policies_per_run,
)
from drift.diff import diff_settings
from inventory.identity import assignment_summary
from monitoring.links import run_url
from tenantatlas.models import Role
from tenantatlas.tenancy import TenantForbidden, TenantRequest, get_for_tenant_or_403, role_required

ITEMS_PER_PAGE = 100
PICKER_PAGE_SIZE = 100
FILTER_FIELDS = ("policy_type", "platform", "q")


def _roles(request: TenantRequest) -> dict[str, bool]:
    return {
        "can_manage": request.membership.has_role(Role.MANAGER),
        "can_add": request.membership.has_role(Role.OPERATOR),
    }


def _load_set(request: TenantRequest, backup_set_id: int) -> BackupSet:
    return get_for_tenant_or_403(request, BackupSet.objects.all(), backup_set_id)


def _detail_url(request: TenantRequest, backup_set: BackupSet) -> str:
    return reverse(
        "backups:detail",
        kwargs={"tenant_slug": request.tenant.slug, "backup_set_id": backup_set.pk},
    )


def set_list(request: TenantRequest) -> HttpResponse:
    context = {
        "sets": sets_with_figures(request.tenant),
        "form": BackupSetForm(tenant=request.tenant),
        **_roles(request),
    }
    return render(request, "backups/list.html", context)


@role_required(Role.MANAGER)
def set_create(request: TenantRequest) -> HttpResponse:
    form = BackupSetForm(request.POST or None, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        try:
            backup_set = backup_set_create(
                tenant=request.tenant, created_by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Backup set “{backup_set.name}” created.")
            return redirect(_detail_url(request, backup_set))
    return render(request, "backups/form.html", {"form": form, "backup_set": None})


@role_required(Role.MANAGER)
def set_edit(request: TenantRequest, backup_set_id: int) -> HttpResponse:
    backup_set = _load_set(request, backup_set_id)
    form = BackupSetForm(request.POST or None, instance=backup_set, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        try:
            backup_set_update(backup_set=backup_set, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Backup set saved.")
            return redirect(_detail_url(request, backup_set))
    return render(request, "backups/form.html", {"form": form, "backup_set": backup_set})


def set_detail(request: TenantRequest, backup_set_id: int) -> HttpResponse:
    backup_set = _load_set(request, backup_set_id)
    items = latest_items(backup_set).defer("settings")
    context = {
        "backup_set": backup_set,
        "page": Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page")),
        "runs": runs_for_set(request.tenant, backup_set),
        **_roles(request),
    }
    return render(request, "backups/detail.html", context)


def policy_versions(request: TenantRequest, backup_set_id: int, policy_id: int) -> HttpResponse:
    backup_set = _load_set(request, backup_set_id)
    versions = list(versions_of(backup_set, policy_id).select_related("run"))
    if not versions:
        raise Http404("This policy is not in the backup set.")
    context = {"backup_set": backup_set, "latest": versions[0], "versions": _with_changes(versions)}
    return render(request, "backups/versions.html", context)


def _with_changes(versions: list[BackupItem]) -> list[dict[str, Any]]:
    """Each version with what changed since the one before it (newest first)."""
    older = [*versions[1:], None]
    return [
        {
            "item": item,
            "changes": diff_settings(before.settings, item.settings) if before else None,
            "assignments": assignment_summary(item.settings),
            "settings_json": json.dumps(item.settings, indent=2, sort_keys=True),
        }
        for item, before in zip(versions, older, strict=True)
    ]


def set_export(request: TenantRequest, backup_set_id: int) -> HttpResponse:
    backup_set = _load_set(request, backup_set_id)
    response = HttpResponse(export_zip(request.tenant, backup_set), content_type="application/zip")
    filename = export_filename(request.tenant, backup_set)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@role_required(Role.OPERATOR)
def add_policies(request: TenantRequest, backup_set_id: int) -> HttpResponse:
    """GET: the picker over the current snapshot. POST: start the run and go to it."""
    backup_set = _load_set(request, backup_set_id)
    if request.method == "POST":
        return _start_add_policies(request, backup_set)
    return _picker(request, backup_set)


def _start_add_policies(request: TenantRequest, backup_set: BackupSet) -> HttpResponse:
    try:
        ids = selection_from_post(request.tenant, request.POST)
        result = backup_set_add_policies_start(
            tenant=request.tenant,
            backup_set=backup_set,
            policy_ids=ids,
            user=request.user,
            fresh=request.POST.get("capture_from") == SOURCE,
        )
    except PolicyNotInTenant:
        raise TenantForbidden from None
    except SelectionError as exc:
        messages.error(request, str(exc))
        return redirect(_picker_url(request, backup_set, request.POST))
    return redirect(run_url(result.run))


def _picker_url(request: TenantRequest, backup_set: BackupSet, data: Any) -> str:
    url = reverse(
        "backups:add_policies",
        kwargs={"tenant_slug": request.tenant.slug, "backup_set_id": backup_set.pk},
    )
    query = {key: data[key] for key in FILTER_FIELDS if data.get(key)}
    return f"{url}?{urlencode(query)}" if query else url


def _picker(request: TenantRequest, backup_set: BackupSet) -> HttpResponse:
    items = current_items(request.tenant, latest_syncs_by_type(request.tenant))
    items = (
        items.select_related("policy")
        .defer("settings")
        .order_by("policy_type", "display_name", "external_id")
    )
    policy_filter = SnapshotPolicyFilter(request.GET or None, queryset=items)
    valid = not policy_filter.is_bound or policy_filter.is_valid()
    matched = policy_filter.qs if valid else items.none()
    page = Paginator(matched, PICKER_PAGE_SIZE).get_page(request.GET.get("page"))
    values = {key: request.GET[key] for key in FILTER_FIELDS if request.GET.get(key)}
    context = {
        "backup_set": backup_set,
        "filter": policy_filter,
        "filter_valid": valid,
        "page": page,
        "rows": _picker_rows(backup_set, page),
        "filter_values": values,
        "filter_query": urlencode(values),
        "max_policies": max_policies_per_run(),
    }
    return render(request, "backups/add_policies.html", context)


def _picker_rows(backup_set: BackupSet, page: Page[Any]) -> list[dict[str, Any]]:
    """Each shown policy with what adding it would do: new, unchanged (skipped) or changed."""
    items = list(page.object_list)
    in_set = latest_hashes(backup_set, [item.policy_id for item in items])
    rows = []
    for item in items:
        digest = in_set.get(item.policy_id, ("", 0))[0]
        state = "new" if not digest else "unchanged" if digest == item.content_hash else "changed"
        rows.append({"item": item, "state": state})
    return rows
