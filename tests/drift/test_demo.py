"""demo/seed/drift.py: one finished drift run per demo tenant, idempotent."""

from __future__ import annotations

import pytest

from demo.seed import drift as drift_seed
from demo.seed.cast import DemoCast, seed_cast
from drift.models import DriftFinding
from operations.models import OperationRun
from tests.support.snapshots import demo_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast() -> DemoCast:
    cast = seed_cast("demo-password-1")
    for slug, tenant in cast.tenants.items():
        for generation in range(3):
            demo_snapshot(tenant, slug, generation, size=30)
    return cast


def drift_runs() -> list[OperationRun]:
    return list(OperationRun.objects.of_type("drift.generate").order_by("tenant__slug"))


def test_it_leaves_one_finished_drift_run_per_tenant_with_findings(cast: DemoCast) -> None:
    drift_seed.seed(cast)

    runs = drift_runs()
    assert [run.tenant.slug for run in runs] == ["contoso", "fabrikam"]
    for run in runs:
        assert not run.is_active and run.bucket == "succeeded"
        assert DriftFinding.objects.filter(run=run).count() == run.succeeded > 0
    assert runs[0].initiated_by == cast.users["operator"]


def test_it_compares_the_two_latest_usable_syncs_and_keys_the_run_by_that_pair(
    cast: DemoCast,
) -> None:
    drift_seed.seed(cast)

    contoso = drift_runs()[0]
    latest = list(contoso.tenant.inventory_syncs.order_by("-taken_at").values_list("pk", flat=True))
    assert (contoso.context["baseline_sync_id"], contoso.context["current_sync_id"]) == (
        latest[1], latest[0],
    )  # fmt: skip
    assert contoso.dedupe_key == f"{contoso.context['scope_key']}:{latest[1]}:{latest[0]}"


def test_seeding_again_changes_nothing(cast: DemoCast) -> None:
    drift_seed.seed(cast)
    before = [(run.pk, run.succeeded) for run in drift_runs()]

    drift_seed.seed(cast)

    assert [(run.pk, run.succeeded) for run in drift_runs()] == before


def test_a_tenant_with_fewer_than_two_usable_syncs_gets_no_drift_run() -> None:
    cast = seed_cast("demo-password-1")
    demo_snapshot(cast.tenants["contoso"], "contoso", 0, size=10)

    drift_seed.seed(cast)

    assert drift_runs() == []
