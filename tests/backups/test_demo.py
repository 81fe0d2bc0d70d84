"""demo/seed/backups.py: a filled backup set per demo tenant, seeded once, only terminal runs."""

from __future__ import annotations

import pytest

from backups.models import BackupSet
from demo.seed.backups import DEMO_SET, seed
from demo.seed.cast import seed_cast
from operations.models import OperationRun
from tests.backups.conftest import TakeSnapshot, demo_policies

pytestmark = pytest.mark.django_db


def test_it_seeds_a_filled_set_per_tenant_once(take_snapshot: TakeSnapshot) -> None:
    cast = seed_cast("pw-for-tests-1")
    for slug, tenant in cast.tenants.items():
        take_snapshot(tenant, demo_policies(30, seed=slug))

    seed(cast)
    seed(cast)

    for tenant in cast.tenants.values():
        backup_set = BackupSet.objects.get(tenant=tenant, name=DEMO_SET)
        assert backup_set.items.count() == 30
        runs = OperationRun.objects.for_tenant(tenant).of_type("backup_set.add_policies")
        assert [(r.succeeded, r.skipped) for r in runs.order_by("pk")] == [(30, 0), (0, 10)]
    assert not OperationRun.objects.active().exists()


def test_it_leaves_an_empty_set_when_there_is_no_snapshot() -> None:
    cast = seed_cast("pw-for-tests-1")
    seed(cast)
    assert BackupSet.objects.count() == 2
    assert not OperationRun.objects.exists()
