"""End to end with a real RQ worker: two demo syncs → generate → findings = the demo's changes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from demo.source import DemoSource
from drift.models import DriftFinding
from inventory.models import InventorySync, TenantConnection
from monitoring.links import run_url
from operations.models import OperationRun
from tenantatlas.models import Tenant
from tests.support.snapshots import ALL_TYPES, demo_snapshot

pytestmark = pytest.mark.django_db(transaction=True)
Login = Callable[[User], Client]
SEED, SIZE = "acme-e2e", 50


def findings_by_change(run: OperationRun) -> dict[str, set[tuple[str, str]]]:
    found: dict[str, set[tuple[str, str]]] = {"added": set(), "removed": set(), "modified": set()}
    for change_type, policy_type, external_id in DriftFinding.objects.filter(run=run).values_list(
        "change_type", "policy_type", "external_id"
    ):
        found[change_type].add((policy_type, external_id))
    return found


def test_two_demo_syncs_then_generate_finds_the_demo_sources_changes(
    login: Login, operator: User, tenant: Tenant, work_queue: Callable[[], int]
) -> None:
    # The real inventory.sync producer, started the way a person starts it.
    TenantConnection.objects.create(
        tenant=tenant, kind="demo", demo_seed=SEED, demo_size=SIZE, demo_generation=0
    )
    client = login(operator)
    for _ in range(2):
        assert client.post("/t/acme/inventory/sync/").status_code == 302
        assert work_queue() == 1
    baseline, current = InventorySync.objects.for_tenant(tenant).order_by("taken_at", "id")
    assert baseline.is_complete and current.is_complete

    landing = client.get("/t/acme/drift/").content.decode()
    assert f"Snapshot #{current.pk}" in landing and 'data-testid="generate"' in landing
    response = client.post("/t/acme/drift/generate/", {"scope_key": current.scope_key})
    assert work_queue() == 1

    run = OperationRun.objects.of_type("drift.generate").get()
    assert response["Location"] == run_url(run)
    assert (run.context["baseline_sync_id"], run.context["current_sync_id"]) == (
        baseline.pk, current.pk,
    )  # fmt: skip
    assert run.bucket == "succeeded"
    expected = DemoSource.expected_changes(SEED, SIZE, 0, 1)
    assert findings_by_change(run) == expected
    assert run.succeeded == sum(map(len, expected.values()))
    page = client.get(f"/t/acme/drift/findings/?run={run.pk}").content.decode()
    assert page.count('data-testid="finding"') == run.succeeded


def test_generate_through_the_page_and_a_worker_on_stored_snapshots(
    login: Login, operator: User, tenant: Tenant, work_queue: Callable[[], int]
) -> None:
    # The same path on snapshots stored directly (no inventory producer involved).
    demo_snapshot(tenant, SEED, 2, size=SIZE)
    demo_snapshot(tenant, SEED, 5, size=SIZE)

    login(operator).post("/t/acme/drift/generate/", {"scope_key": ALL_TYPES})
    assert work_queue() == 1

    run = OperationRun.objects.of_type("drift.generate").get()
    assert run.bucket == "succeeded"
    assert findings_by_change(run) == DemoSource.expected_changes(SEED, SIZE, 2, 5)
