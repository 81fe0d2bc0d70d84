"""inventory.sync with the demo source, on a real RQ worker and real PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import respx
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.db import connection as db_connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from demo.source import DemoSource
from inventory.jobs import RUN_TYPE
from inventory.models import (
    ConnectionKind,
    InventorySync,
    Policy,
    SnapshotItem,
    SyncStatus,
    TenantConnection,
)
from inventory.normalize import scope_key
from inventory.sources.base import POLICY_TYPES, TAXONOMY, ItemError, SourcePolicy
from monitoring.links import run_url
from operations.lifecycle import run_claim, run_fail, run_inline, run_start
from operations.models import OperationRun, RunFailure, StatusBucket
from operations.recovery import recover_runs
from operations.registry import RelatedLink, get_run_type
from tenantatlas.models import Tenant
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db(transaction=True)

FULL_SCOPE = scope_key(POLICY_TYPES)


def _demo_entries(
    seed: str, generation: int, size: int, fail_every: int = 0
) -> tuple[list[SourcePolicy], list[ItemError]]:
    source = DemoSource(seed, generation, size=size, fail_every=fail_every)
    entries = [entry for page in source.pages() for entry in page]
    policies = [e for e in entries if isinstance(e, SourcePolicy)]
    return policies, [e for e in entries if isinstance(e, ItemError)]


def _sync_via_worker(client: Client, work_queue: Callable[[], int]) -> OperationRun:
    response = client.post(reverse("inventory:sync", kwargs={"tenant_slug": "acme"}))
    run = OperationRun.objects.order_by("-id").first()
    assert run is not None
    assert response.status_code == 302
    assert response["Location"] == run_url(run)
    assert work_queue() == 1
    run.refresh_from_db()
    return run


def _keys(sync: InventorySync) -> set[tuple[str, str]]:
    return set(sync.items.values_list("policy_type", "external_id"))


def test_a_sync_run_by_a_worker_creates_a_complete_snapshot_with_exact_counts(
    tenant: Tenant, operator: User, login: Callable[[User], Client], work_queue: Callable[[], int]
) -> None:
    run = _sync_via_worker(login(operator), work_queue)

    policies, _ = _demo_entries("acme", 0, 60)
    assert run.run_type == RUN_TYPE
    assert run.bucket == StatusBucket.SUCCEEDED
    assert (run.total, run.processed, run.succeeded, run.failed, run.skipped) == (60, 60, 60, 0, 0)
    sync = InventorySync.objects.get(run=run)
    assert (sync.status, sync.is_complete, sync.item_count) == (SyncStatus.SUCCEEDED, True, 60)
    assert sync.scope_key == FULL_SCOPE
    assert sync.finished_at is not None
    assert _keys(sync) == {(p.policy_type, p.external_id) for p in policies}
    assert Policy.objects.for_tenant(tenant).count() == 60
    assert run.context["scope_key"] == FULL_SCOPE
    assert run.context["source"] == "demo"
    assert run.context["snapshot_id"] == sync.pk
    assert list(InventorySync.objects.for_tenant(tenant).usable_for_drift()) == [sync]


def test_a_tenant_without_a_connection_gets_a_demo_connection_on_first_sync(
    tenant: Tenant, operator: User, login: Callable[[User], Client], work_queue: Callable[[], int]
) -> None:
    assert not TenantConnection.objects.filter(tenant=tenant).exists()

    _sync_via_worker(login(operator), work_queue)

    connection = TenantConnection.objects.get(tenant=tenant)
    assert connection.kind == ConnectionKind.DEMO
    assert (connection.demo_seed, connection.demo_size, connection.demo_generation) == (
        "acme",
        60,
        1,
    )


def test_each_demo_sync_sees_the_next_generation_and_hashes_change_only_for_modified_policies(
    tenant: Tenant, operator: User, login: Callable[[User], Client], work_queue: Callable[[], int]
) -> None:
    client = login(operator)
    first = InventorySync.objects.get(run=_sync_via_worker(client, work_queue))
    second = InventorySync.objects.get(run=_sync_via_worker(client, work_queue))

    expected = DemoSource.expected_changes("acme", 60, 0, 1)
    before = {(i.policy_type, i.external_id): i.content_hash for i in first.items.all()}
    after = {(i.policy_type, i.external_id): i.content_hash for i in second.items.all()}
    assert set(after) - set(before) == expected["added"]
    assert set(before) - set(after) == expected["removed"]
    changed = {key for key in set(before) & set(after) if before[key] != after[key]}
    assert changed == expected["modified"]
    assert TenantConnection.objects.get(tenant=tenant).demo_generation == 2


def test_a_second_sync_keeps_one_policy_row_per_policy(
    tenant: Tenant, operator: User, login: Callable[[User], Client], work_queue: Callable[[], int]
) -> None:
    client = login(operator)
    _sync_via_worker(client, work_queue)
    first_seen = dict(Policy.objects.values_list("external_id", "first_seen_at"))
    _sync_via_worker(client, work_queue)

    policies_gen0, _ = _demo_entries("acme", 0, 60)
    policies_gen1, _ = _demo_entries("acme", 1, 60)
    every_id = {p.external_id for p in policies_gen0} | {p.external_id for p in policies_gen1}
    assert Policy.objects.for_tenant(tenant).count() == len(every_id)
    for external_id, seen in Policy.objects.values_list("external_id", "first_seen_at"):
        if external_id in first_seen:
            assert seen == first_seen[external_id]  # an upsert never rewrites first_seen_at
    assert SnapshotItem.objects.count() == len(policies_gen0) + len(policies_gen1)


def test_a_partial_failure_ends_partially_succeeded_and_the_snapshot_is_incomplete(
    tenant: Tenant, operator: User, login: Callable[[User], Client], work_queue: Callable[[], int]
) -> None:
    TenantConnection.objects.create(tenant=tenant, kind=ConnectionKind.DEMO, demo_fail_every=7)

    run = _sync_via_worker(login(operator), work_queue)

    policies, errors = _demo_entries("acme", 0, 60, fail_every=7)
    assert len(errors) == 8
    assert run.bucket == StatusBucket.PARTIALLY_SUCCEEDED
    assert (run.total, run.succeeded, run.failed, run.skipped) == (60, 52, 8, 0)
    sync = InventorySync.objects.get(run=run)
    assert (sync.status, sync.is_complete, sync.item_count) == (SyncStatus.SUCCEEDED, False, 52)
    assert _keys(sync) == {(p.policy_type, p.external_id) for p in policies}
    assert not InventorySync.objects.for_tenant(tenant).usable_for_drift().exists()
    failures = list(RunFailure.objects.filter(run=run))
    assert [f.code for f in failures] == ["bad_response"] * 8
    assert {f.item for f in failures} == {f"{e.display_name} ({e.policy_type})" for e in errors}
    for failure in failures:
        assert failure.message.startswith("settings could not be read")
        assert TAXONOMY["bad_response"] in failure.message


def test_a_graph_connection_without_credentials_fails_fast_without_any_request(
    tenant: Tenant, operator: User, login: Callable[[User], Client], work_queue: Callable[[], int]
) -> None:
    TenantConnection.objects.create(tenant=tenant, kind=ConnectionKind.GRAPH)

    with respx.mock:  # no routes: any HTTP request would fail the test
        run = _sync_via_worker(login(operator), work_queue)

    assert run.bucket == StatusBucket.FAILED
    assert "not configured" in run.failure_reason
    assert "client id, client secret missing" in run.failure_reason
    assert "Inventory → Connection" in run.failure_reason  # the hint
    assert list(RunFailure.objects.filter(run=run).values_list("code", flat=True)) == [
        "not_configured"
    ]
    sync = InventorySync.objects.get(run=run)
    assert (sync.status, sync.is_complete) == (SyncStatus.FAILED, False)
    assert TenantConnection.objects.get(tenant=tenant).demo_generation == 0


def test_two_starts_of_the_same_scope_share_one_run_and_one_job(
    tenant: Tenant, operator: User, login: Callable[[User], Client], work_queue: Callable[[], int]
) -> None:
    client = login(operator)
    url = reverse("inventory:sync", kwargs={"tenant_slug": "acme"})
    first = client.post(url)
    second = client.post(url)

    assert first["Location"] == second["Location"]
    assert OperationRun.objects.count() == 1
    assert OperationRun.objects.get().dedupe_key == FULL_SCOPE
    assert work_queue() == 1
    assert InventorySync.objects.count() == 1


def test_the_run_links_to_its_snapshot(tenant: Tenant) -> None:
    run = run_inline(tenant=tenant, run_type=RUN_TYPE)

    run_type = get_run_type(RUN_TYPE)
    assert run_type is not None
    sync = InventorySync.objects.get(run=run)
    assert run_type.related(run) == [RelatedLink("Snapshot", f"/t/acme/inventory/syncs/{sync.pk}/")]
    assert set(run_type.context_keys) >= {"scope_key", "source", "waiting", "snapshot_id"}


def _queries_for_sync(size: int) -> int:
    tenant = TenantFactory.create()
    TenantConnection.objects.create(tenant=tenant, kind=ConnectionKind.DEMO, demo_size=size)
    with CaptureQueriesContext(db_connection) as queries:
        run = run_inline(tenant=tenant, run_type=RUN_TYPE)
    assert run.succeeded == size
    return len(queries)


def test_queries_grow_with_pages_not_with_policies() -> None:
    small = _queries_for_sync(40)
    large = _queries_for_sync(800)

    # 800 policies are ~10 pages of 100 against 4 pages for 40: a handful of
    # queries per extra page, never one per policy.
    assert large - small < 60
    assert large < 150


def test_a_sync_whose_worker_died_is_failed_with_its_run(tenant: Tenant, operator: User) -> None:
    run = run_start(tenant=tenant, run_type="inventory.sync", initiated_by=operator).run
    run_claim(run.pk)
    # What a worker SIGKILLed mid-sync leaves behind: a running run and snapshot.
    sync = InventorySync.objects.create(tenant=tenant, scope_key="deviceConfiguration", run=run)

    later = timezone.now() + timedelta(seconds=django_settings.RUN_HEARTBEAT_TIMEOUT + 1)
    with time_machine.travel(later):
        assert recover_runs() == 1

    sync.refresh_from_db()
    assert (sync.status, sync.is_complete) == (SyncStatus.FAILED, False)
    assert sync.finished_at is not None
    assert not InventorySync.objects.for_tenant(tenant).usable_for_drift().exists()


def test_a_finished_snapshot_whose_run_then_fails_is_not_offered_to_drift(
    tenant: Tenant, operator: User
) -> None:
    run = run_start(tenant=tenant, run_type="inventory.sync", initiated_by=operator).run
    run_claim(run.pk)
    # The job finished the snapshot, then recovery ended the run before run_complete did.
    finished = timezone.now()
    sync = InventorySync.objects.create(
        tenant=tenant, scope_key="deviceConfiguration", run=run, is_complete=True,
        finished_at=finished,
    )  # fmt: skip
    assert sync.status == SyncStatus.RUNNING  # its run's: still running
    assert not InventorySync.objects.usable_for_drift().exists()

    assert run_fail(run.pk, code="worker_lost", message="Worker lost.")

    sync.refresh_from_db()
    assert (sync.status, sync.is_complete, sync.finished_at) == (SyncStatus.FAILED, False, finished)
    assert not InventorySync.objects.usable_for_drift().exists()
