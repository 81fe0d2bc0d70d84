"""Inventory writes a person starts: a sync of a scope (the work is in jobs.py)."""

from __future__ import annotations

from django.contrib.auth.models import User

from inventory.jobs import RUN_TYPE, InventorySyncContext
from inventory.normalize import scope_key
from inventory.sources.base import POLICY_TYPES, check_policy_types
from operations.lifecycle import StartResult, run_start
from tenantatlas.models import Tenant


def inventory_sync_start(
    *, tenant: Tenant, user: User | None, policy_types: list[str] | None = None
) -> StartResult:
    """Start (or reuse) the tenant's sync of a scope: one active sync per tenant and scope.

    ValueError for an unknown policy type. ``None`` or empty means every type.
    """
    types = check_policy_types(tuple(policy_types)) if policy_types else POLICY_TYPES
    key = scope_key(types)
    context: InventorySyncContext = {"scope_key": key, "policy_types": list(types)}
    return run_start(
        tenant=tenant, run_type=RUN_TYPE, initiated_by=user, context=context, dedupe_key=key
    )
