"""Writes for backups: create and rename sets, start "Add policies" runs.

The capture itself runs in the worker (capture.py); starting it here only
validates the selection and hands it to the run lifecycle.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from backups.jobs import RUN_TYPE, SNAPSHOT, SOURCE, BackupSetAddPoliciesContext
from backups.models import BackupSet
from inventory.models import Policy
from operations.lifecycle import StartResult, run_inline, run_start
from operations.models import OperationRun
from tenantatlas.models import Tenant


class SelectionError(ValueError):
    """The chosen policies cannot start a run (empty, too many, malformed); the message says why."""


class PolicyNotInTenant(Exception):
    """A chosen policy id is unknown or another tenant's: answered 403 like any foreign object."""


def max_policies_per_run() -> int:
    # BACKUP_ADD_MAX_POLICIES (default 5,000: seconds in the worker, see
    # docs/performance.md); a larger selection is split by the person.
    return int(settings.BACKUP_ADD_MAX_POLICIES)


def backup_set_create(
    *, tenant: Tenant, name: str, description: str, created_by: User | None
) -> BackupSet:
    try:
        with transaction.atomic():
            return BackupSet.objects.create(
                tenant=tenant, name=name, description=description, created_by=created_by
            )
    except IntegrityError as exc:  # a concurrent create won the name
        raise _name_taken(name) from exc


def backup_set_update(*, backup_set: BackupSet, name: str, description: str) -> BackupSet:
    backup_set.name, backup_set.description = name, description
    try:
        with transaction.atomic():
            backup_set.save(update_fields=["name", "description"])
    except IntegrityError as exc:
        raise _name_taken(name) from exc
    return backup_set


def _name_taken(name: str) -> ValidationError:
    return ValidationError({"name": f"A backup set named “{name}” already exists."})


def add_policies_context(
    backup_set: BackupSet, policy_ids: list[int], *, fresh: bool = False
) -> BackupSetAddPoliciesContext:
    """The run's context: the ids stay internal (the hub shows the set, the count, the source)."""
    return {
        "backup_set_id": backup_set.pk,
        "policy_count": len(policy_ids),
        "capture_from": SOURCE if fresh else SNAPSHOT,
        "policy_ids": policy_ids,
    }


def backup_set_add_policies_start(
    *,
    tenant: Tenant,
    backup_set: BackupSet,
    policy_ids: list[int],
    user: User | None,
    fresh: bool = False,
) -> StartResult:
    """Start (or reuse the active) run that captures these policies into the set.

    ``fresh`` reads them from the tenant's policy source instead of the latest snapshot.
    """
    ids = check_selection(tenant, policy_ids)
    return run_start(
        tenant=tenant,
        run_type=RUN_TYPE,
        initiated_by=user,
        context=add_policies_context(backup_set, ids, fresh=fresh),
        dedupe_key=selection_key(backup_set, ids, fresh=fresh),
        total=len(ids),
    )


def backup_set_add_policies_inline(
    *,
    tenant: Tenant,
    backup_set: BackupSet,
    policy_ids: list[int],
    user: User | None = None,
    fresh: bool = False,
) -> OperationRun:
    """The same capture performed here and now (``run_inline``): for demo history and tests."""
    return run_inline(
        tenant=tenant,
        run_type=RUN_TYPE,
        initiated_by=user,
        context=add_policies_context(backup_set, policy_ids, fresh=fresh),
        total=len(policy_ids),
    )


def check_selection(tenant: Tenant, policy_ids: list[int]) -> list[int]:
    """Sorted distinct ids, all the tenant's; SelectionError or PolicyNotInTenant otherwise."""
    ids = sorted(set(policy_ids))
    if not ids:
        raise SelectionError("Choose at least one policy to add.")
    limit = max_policies_per_run()
    if len(ids) > limit:
        raise SelectionError(
            f"{len(ids):,} policies chosen; one run can add at most {limit:,}. "
            "Narrow the filter and add them in parts."
        )
    if Policy.objects.for_tenant(tenant).filter(pk__in=ids).count() != len(ids):
        raise PolicyNotInTenant
    return ids


def selection_key(backup_set: BackupSet, ids: list[int], *, fresh: bool = False) -> str:
    """Same set and same policies → same key → one active run (the lifecycle's constraint)."""
    digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()
    return f"{backup_set.pk}:fresh:{digest}" if fresh else f"{backup_set.pk}:{digest}"
