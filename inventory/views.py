"""Inventory pages. Access was checked by TenantMiddleware; each view declares its least role."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from inventory import source_registry
from inventory.connections import NOT_CONNECTED, connection_or_default, is_connected
from inventory.filters import SnapshotItemFilter
from inventory.forms import ConnectionForm
from inventory.models import ConnectionKind, InventorySync, SnapshotItem, TenantConnection
from inventory.selectors import (
    latest_snapshot,
    latest_snapshots,
    recent_syncs,
    scope_label,
    snapshot_items,
)
from inventory.services import inventory_sync_start
from monitoring.links import run_url
from tenantatlas.models import Role
from tenantatlas.tenancy import TenantRequest, get_for_tenant_or_403, role_required

PAGE_SIZE = 50


def _items_page(request: TenantRequest, items: QuerySet[SnapshotItem]) -> dict[str, Any]:
    """A snapshot's items, filtered (bad values come back as form errors, never a 500)."""
    filterset = SnapshotItemFilter(request.GET or None, queryset=items)
    page: Page[SnapshotItem] = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return {"filter": filterset, "page": page}


@role_required(Role.READONLY)
def index(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    snapshot = latest_snapshot(tenant)
    context: dict[str, Any] = {
        "latest": [(s, scope_label(s.scope_key)) for s in latest_snapshots(tenant)],
        "recent": [(s, scope_label(s.scope_key)) for s in recent_syncs(tenant)],
        "snapshot": snapshot,
        "snapshot_scope": scope_label(snapshot.scope_key) if snapshot else "",
        "connection": getattr(tenant, "connection", None),
        "new_tenant_source": _new_tenant_source_label(),
        "not_connected": NOT_CONNECTED,
        "can_sync": request.membership.has_role(Role.OPERATOR),
        "can_manage": request.membership.has_role(Role.MANAGER),
    }
    if snapshot is not None:
        context.update(_items_page(request, snapshot_items(snapshot)))
    return render(request, "inventory/index.html", context)


def _new_tenant_source_label() -> str:
    """What a tenant without a connection syncs from: a plugged-in source (the demo), or ""."""
    default = source_registry.default_for_new_tenants()
    return ConnectionKind(default.kind).label if default else ""


@role_required(Role.READONLY)
def sync_detail(request: TenantRequest, sync_id: int) -> HttpResponse:
    sync = get_for_tenant_or_403(request, InventorySync.objects.select_related("run"), sync_id)
    context = {"sync": sync, "scope": scope_label(sync.scope_key)}
    return render(
        request, "inventory/sync_detail.html", context | _items_page(request, snapshot_items(sync))
    )


@role_required(Role.OPERATOR)
@require_POST
def sync_now(request: TenantRequest) -> HttpResponse:
    if not is_connected(request.tenant):
        # Refused before any run exists: nothing to read, so nothing to queue or fail.
        messages.error(request, NOT_CONNECTED)
        return redirect("inventory:index", tenant_slug=request.tenant.slug)
    result = inventory_sync_start(tenant=request.tenant, user=request.user)
    return redirect(run_url(result.run))


def _stored_certificate(current: TenantConnection) -> dict[str, Any] | None:
    """What the page may say about the stored certificate: public facts only, never the PEM."""
    if not current.has_certificate:
        return None
    return {
        "thumbprint": current.certificate_thumbprint,
        "expires_at": current.certificate_expires_at,
        "updated_at": current.certificate_updated_at,
        "state": current.certificate_state(),
    }


@role_required(Role.MANAGER)
@sensitive_post_parameters("client_secret", "certificate_pem")
def connection(request: TenantRequest) -> HttpResponse:
    current = connection_or_default(request.tenant)
    # Read before binding: a rejected form must not claim a secret or certificate it never stored.
    stored = {
        "has_secret": current.has_secret,
        "secret_updated_at": current.secret_updated_at,
        "certificate": _stored_certificate(current),
        "demo_generation": current.demo_generation if current.pk else None,
    }
    form = ConnectionForm(request.POST or None, request.FILES or None, instance=current)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Connection saved.")
        return redirect("inventory:connection", tenant_slug=request.tenant.slug)
    return render(request, "inventory/connection.html", {"form": form, **stored})
