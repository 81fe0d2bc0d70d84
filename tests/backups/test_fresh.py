"""Add policies "read fresh from the policy source": the tenant's connection, not a snapshot."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.test import Client

from backups.models import BackupSet
from backups.services import backup_set_add_policies_inline
from demo.source import DemoSource
from inventory import secrets, source_registry
from inventory.models import (
    ConnectionKind,
    InventorySync,
    Policy,
    SnapshotItem,
    TenantConnection,
)
from inventory.normalize import content_hash, normalize
from inventory.sources.base import POLICY_TYPES, ItemError, SourcePolicy, WaitCallback
from operations.models import OperationRun, StatusBucket
from tenantatlas.models import Tenant
from tests.backups.conftest import TakeSnapshot, add_url, demo_policies, policy_ids

Login = Callable[[User], Client]


def _fresh(tenant: Tenant, backup_set: BackupSet, ids: list[int]) -> OperationRun:
    return backup_set_add_policies_inline(
        tenant=tenant, backup_set=backup_set, policy_ids=ids, fresh=True
    )


def _demo_connection(tenant: Tenant, **fields: object) -> TenantConnection:
    fields = {"demo_seed": "acme", "demo_size": 60, **fields}
    return TenantConnection.objects.create(tenant=tenant, kind=ConnectionKind.DEMO, **fields)


@pytest.mark.django_db
def test_it_captures_what_the_source_says_now(
    tenant: Tenant, backup_set: BackupSet, take_snapshot: TakeSnapshot
) -> None:
    take_snapshot(tenant, demo_policies(60, generation=0))
    _demo_connection(tenant, demo_generation=1)  # the tenant moved on since the snapshot
    ids = policy_ids(tenant)

    run = _fresh(tenant, backup_set, ids)

    now = {
        # Secrets are withheld with the tenant's fingerprint key before hashing.
        p.external_id: normalize(p.settings, secrets.fingerprint_key(tenant.pk)).content_hash
        for page in DemoSource("acme", 1, size=60).pages()
        for p in page
        if isinstance(p, SourcePolicy)
    }
    removed = DemoSource.expected_changes("acme", 60, 0, 1)["removed"]
    assert run.status_bucket == StatusBucket.PARTIALLY_SUCCEEDED
    assert (run.succeeded, run.failed) == (60 - len(removed), len(removed))
    assert {f.code for f in run.failures.all()} == {"policy_vanished"}
    for item in backup_set.items.all():
        assert item.content_hash == now[item.external_id] == content_hash(item.settings)
        assert item.source_sync_id is None


@pytest.mark.django_db
def test_fresh_again_with_nothing_changed_skips(
    tenant: Tenant, backup_set: BackupSet, take_snapshot: TakeSnapshot
) -> None:
    take_snapshot(tenant, demo_policies(60))
    _demo_connection(tenant)
    ids = policy_ids(tenant)
    _fresh(tenant, backup_set, ids)

    run = _fresh(tenant, backup_set, ids)

    assert (run.succeeded, run.skipped, run.failed) == (0, 60, 0)


@pytest.mark.django_db
def test_an_item_the_source_cannot_read_fails_with_its_code(
    tenant: Tenant, backup_set: BackupSet, take_snapshot: TakeSnapshot
) -> None:
    take_snapshot(tenant, demo_policies(60))
    _demo_connection(tenant, demo_fail_every=20)

    run = _fresh(tenant, backup_set, policy_ids(tenant))

    assert run.status_bucket == StatusBucket.PARTIALLY_SUCCEEDED
    assert (run.succeeded, run.failed) == (57, 3)
    assert {f.code for f in run.failures.all()} == {"bad_response"}


@pytest.mark.django_db
def test_an_unconfigured_source_fails_the_run_with_a_hint(
    tenant: Tenant, backup_set: BackupSet, take_snapshot: TakeSnapshot
) -> None:
    take_snapshot(tenant, demo_policies(5))
    TenantConnection.objects.create(tenant=tenant, kind=ConnectionKind.GRAPH)

    run = _fresh(tenant, backup_set, policy_ids(tenant))

    assert run.status_bucket == StatusBucket.FAILED
    assert run.failures.get().code == "not_configured"
    assert "Hint:" in run.failure_reason
    assert not backup_set.items.exists()


@pytest.mark.django_db(transaction=True)
def test_the_form_starts_a_fresh_run_on_a_real_worker(
    tenant: Tenant, operator: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login, work_queue: Callable[[], int],
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(10))
    _demo_connection(tenant, demo_size=10)
    client, ids = login(operator), policy_ids(tenant)

    client.post(add_url(backup_set), {"policies": ids, "capture_from": "source"})
    client.post(add_url(backup_set), {"policies": ids})  # the snapshot kind: another run
    work_queue()

    fresh, snapshot = OperationRun.objects.of_type("backup_set.add_policies").order_by("pk")
    assert (fresh.context["capture_from"], snapshot.context["capture_from"]) == (
        "source", "snapshot",
    )  # fmt: skip
    assert fresh.status_bucket == snapshot.status_bucket == StatusBucket.SUCCEEDED
    assert (fresh.succeeded, snapshot.skipped) == (10, 10)


@dataclass
class _OnePage:
    """A plugged-in source that lists exactly these policies."""

    listed: list[SourcePolicy]
    policy_types: tuple[str, ...] = POLICY_TYPES

    def pages(
        self, *, on_wait: WaitCallback | None = None
    ) -> Iterator[list[SourcePolicy | ItemError]]:
        yield list(self.listed)


@pytest.mark.django_db
def test_a_name_postgresql_cannot_store_is_kept_as_a_snapshot_keeps_it(
    tenant: Tenant, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(1))
    (policy,) = Policy.objects.for_tenant(tenant)
    read = SourcePolicy(
        policy_type=policy.policy_type, external_id=policy.external_id, platform=policy.platform,
        display_name="Office Wi\x00Fi " + "x" * 400, settings={"id": policy.external_id},
    )  # fmt: skip
    demo = source_registry.plugged(ConnectionKind.DEMO)
    assert demo is not None
    plugged = dataclasses.replace(demo, build=lambda connection, types, sleep: _OnePage([read]))
    monkeypatch.setitem(source_registry._SOURCES, ConnectionKind.DEMO, plugged)
    _demo_connection(tenant)

    run = _fresh(tenant, backup_set, [policy.pk])

    assert run.status_bucket == StatusBucket.SUCCEEDED, run.failure_reason
    sync = InventorySync.objects.for_tenant(tenant).get()
    snapshot_item = SnapshotItem.from_source(sync, policy.pk, read)
    version = backup_set.items.get()
    assert (
        version.display_name
        == snapshot_item.display_name
        == ("Office Wi\ufffdFi " + "x" * 400)[:300]
    )
    assert version.content_hash == snapshot_item.content_hash
