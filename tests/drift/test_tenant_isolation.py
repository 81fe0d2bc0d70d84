"""Tenant isolation: another tenant's scopes, snapshots and runs are out of reach."""

from __future__ import annotations

from collections.abc import Callable

import django_rq
import pytest
from django.contrib.auth.models import User
from django.test import Client

from drift.models import DriftFinding
from inventory.models import InventorySync
from operations.lifecycle import run_inline
from operations.models import OperationRun, RunStatus
from tenantatlas.models import Tenant
from tests.support.snapshots import ALL_TYPES, demo_snapshot

pytestmark = pytest.mark.django_db(transaction=True)
Login = Callable[[User], Client]
GENERATE = "/t/acme/drift/generate/"


@pytest.fixture
def globex_syncs(other_tenant: Tenant) -> tuple[InventorySync, InventorySync]:
    return demo_snapshot(other_tenant, "globex", 0), demo_snapshot(other_tenant, "globex", 1)


def nothing_started() -> bool:
    drift_runs = OperationRun.objects.of_type("drift.generate")  # the snapshots' syncs had runs
    return not drift_runs.exists() and django_rq.get_queue("default").count == 0


def test_another_tenants_scope_starts_nothing_here(
    login: Login, operator: User, globex_syncs: tuple[InventorySync, InventorySync]
) -> None:
    response = login(operator).post(GENERATE, {"scope_key": ALL_TYPES}, follow=True)

    assert "Drift needs two successful complete inventory syncs" in response.content.decode()
    assert nothing_started()


def test_another_tenants_sync_ids_answer_403(
    login: Login, operator: User, globex_syncs: tuple[InventorySync, InventorySync]
) -> None:
    baseline, current = globex_syncs

    response = login(operator).post(
        GENERATE,
        {"scope_key": ALL_TYPES, "baseline_sync_id": baseline.pk, "current_sync_id": current.pk},
    )

    assert response.status_code == 403
    assert nothing_started()


def test_mixing_an_own_sync_with_another_tenants_answers_403(
    login: Login,
    operator: User,
    tenant: Tenant,
    globex_syncs: tuple[InventorySync, InventorySync],
) -> None:
    mine = demo_snapshot(tenant, "acme", 0)

    response = login(operator).post(
        GENERATE,
        {
            "scope_key": ALL_TYPES,
            "baseline_sync_id": mine.pk,
            "current_sync_id": globex_syncs[1].pk,
        },
    )

    assert response.status_code == 403
    assert nothing_started()


def test_the_403_is_the_same_for_an_unknown_and_a_foreign_sync_id(
    login: Login, operator: User, globex_syncs: tuple[InventorySync, InventorySync]
) -> None:
    client = login(operator)
    foreign = client.post(
        GENERATE, {"scope_key": ALL_TYPES, "baseline_sync_id": globex_syncs[0].pk,
                   "current_sync_id": globex_syncs[1].pk},
    )  # fmt: skip
    unknown = client.post(
        GENERATE, {"scope_key": ALL_TYPES, "baseline_sync_id": 987654, "current_sync_id": 987655}
    )

    assert foreign.status_code == unknown.status_code == 403
    assert foreign.content == unknown.content


def test_an_outsider_gets_403_on_every_drift_page(
    login: Login, outsider: User, tenant: Tenant
) -> None:
    client = login(outsider)

    assert client.get("/t/acme/drift/").status_code == 403
    assert client.get("/t/acme/drift/findings/").status_code == 403
    assert client.post(GENERATE, {"scope_key": ALL_TYPES}).status_code == 403
    assert nothing_started()


def test_a_run_naming_another_tenants_snapshots_fails_without_reading_them(
    tenant: Tenant, globex_syncs: tuple[InventorySync, InventorySync]
) -> None:
    # Defence in depth: the job loads snapshots only from its own run's tenant.
    baseline, current = globex_syncs
    context = {
        "scope_key": ALL_TYPES,
        "baseline_sync_id": baseline.pk,
        "current_sync_id": current.pk,
    }

    run = run_inline(tenant=tenant, run_type="drift.generate", context=context)

    assert run.status == RunStatus.FAILED
    assert run.failures.get().code == "snapshot_unavailable"
    assert not DriftFinding.objects.exists()


def test_findings_are_written_in_the_runs_tenant(tenant: Tenant, other_tenant: Tenant) -> None:
    mine = [demo_snapshot(tenant, "acme", g) for g in (0, 1)]
    demo_snapshot(other_tenant, "acme", 0), demo_snapshot(other_tenant, "acme", 1)
    context = {
        "scope_key": ALL_TYPES,
        "baseline_sync_id": mine[0].pk,
        "current_sync_id": mine[1].pk,
    }

    run = run_inline(tenant=tenant, run_type="drift.generate", context=context)

    assert run.succeeded > 0
    assert set(DriftFinding.objects.values_list("tenant_id", flat=True)) == {tenant.pk}
    assert not DriftFinding.objects.for_tenant(other_tenant).exists()
