"""Which snapshot is "current" for a policy: the newest usable sync whose scope covers its type."""

from __future__ import annotations

import pytest

from backups.selectors import current_items, latest_syncs_by_type
from inventory.models import SyncStatus
from tenantatlas.models import Tenant
from tests.backups.conftest import TakeSnapshot, demo_policies

pytestmark = pytest.mark.django_db


def test_each_type_comes_from_the_newest_sync_that_covers_it(
    tenant: Tenant, take_snapshot: TakeSnapshot
) -> None:
    policies = demo_policies(40)
    everything = take_snapshot(tenant, policies)
    compliance_only = take_snapshot(
        tenant,
        [p for p in policies if p.policy_type == "compliancePolicy"],
        policy_types=("compliancePolicy",),
    )

    syncs = latest_syncs_by_type(tenant)

    assert syncs["compliancePolicy"] == compliance_only.pk
    assert syncs["deviceConfiguration"] == syncs["settingsCatalog"] == everything.pk
    assert current_items(tenant, syncs).count() == 40


def test_a_narrower_newer_sync_does_not_hide_the_other_types(
    tenant: Tenant, take_snapshot: TakeSnapshot
) -> None:
    policies = demo_policies(40)
    take_snapshot(tenant, policies)
    take_snapshot(tenant, [], policy_types=("compliancePolicy",))  # all compliance policies deleted

    current = {item.policy_type for item in current_items(tenant)}

    assert "compliancePolicy" not in current
    assert current == {p.policy_type for p in policies} - {"compliancePolicy"}


def test_failed_and_incomplete_syncs_never_count(
    tenant: Tenant, take_snapshot: TakeSnapshot
) -> None:
    good = take_snapshot(tenant, demo_policies(10))
    take_snapshot(tenant, demo_policies(5), status=SyncStatus.FAILED)
    take_snapshot(tenant, demo_policies(5), is_complete=False)
    assert set(latest_syncs_by_type(tenant).values()) == {good.pk}


def test_another_tenants_syncs_never_count(
    tenant: Tenant, other_tenant: Tenant, take_snapshot: TakeSnapshot
) -> None:
    take_snapshot(other_tenant, demo_policies(10, seed="globex"))
    assert latest_syncs_by_type(tenant) == {}
    assert not current_items(tenant).exists()
