"""The inventory part of ``seed_demo``: demo sources and a few days of real sync history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from demo.seed.cast import DemoCast, seed_cast
from demo.seed.inventory import seed
from inventory.models import ConnectionKind, InventorySync, TenantConnection
from operations.models import OperationRun, StatusBucket

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast() -> DemoCast:
    return seed_cast("demo-password-1")


def _buckets(slug: str) -> list[str]:
    runs = OperationRun.objects.filter(tenant__slug=slug).of_type("inventory.sync")
    return [str(run.bucket) for run in runs.order_by("created_at")]


def test_each_tenant_gets_a_demo_source_and_two_usable_syncs_or_more(cast: DemoCast) -> None:
    seed(cast)

    for slug, size in (("contoso", 60), ("fabrikam", 40)):
        connection = TenantConnection.objects.get(tenant__slug=slug)
        assert (connection.kind, connection.demo_size, connection.demo_fail_every) == (
            ConnectionKind.DEMO,
            size,
            0,
        )
        usable = InventorySync.objects.filter(tenant__slug=slug).usable_for_drift()
        assert usable.count() >= 2
    oldest = InventorySync.objects.filter(tenant__slug="fabrikam").order_by("taken_at")[0]
    assert oldest.item_count == 40  # generation 0 of a demo tenant has exactly demo_size


def test_contoso_shows_every_outcome_and_every_run_is_terminal(cast: DemoCast) -> None:
    seed(cast)

    assert _buckets("contoso") == [
        StatusBucket.SUCCEEDED,
        StatusBucket.PARTIALLY_SUCCEEDED,
        StatusBucket.FAILED,
        StatusBucket.SUCCEEDED,
        StatusBucket.SUCCEEDED,
    ]
    assert not OperationRun.objects.active().exists()
    failed = OperationRun.objects.get(tenant__slug="contoso", status_bucket=StatusBucket.FAILED)
    assert "not configured" in failed.failure_reason


def test_the_history_is_spread_over_the_last_days_with_snapshots_matching_their_runs(
    cast: DemoCast,
) -> None:
    seed(cast)

    now = timezone.now()
    syncs = InventorySync.objects.select_related("run")
    assert min(s.taken_at for s in syncs) < now - timedelta(days=5)
    assert max(s.taken_at for s in syncs) > now - timedelta(days=1)
    for sync in syncs:
        assert sync.run is not None
        assert sync.taken_at == sync.run.started_at
        assert sync.run.created_at < sync.run.started_at < sync.run.finished_at  # type: ignore[operator]


def test_seeding_again_changes_nothing(cast: DemoCast) -> None:
    seed(cast)
    runs, syncs = OperationRun.objects.count(), InventorySync.objects.count()

    seed(cast)

    assert (OperationRun.objects.count(), InventorySync.objects.count()) == (runs, syncs)
