"""Starting a sync: scopes, dedupe keys and messages with their hints."""

from __future__ import annotations

import pytest

from inventory.services import inventory_sync_start
from operations.errors import with_hint
from operations.models import OperationRun
from tenantatlas.models import Tenant

pytestmark = pytest.mark.django_db


def test_one_active_sync_per_tenant_and_scope(tenant: Tenant, other_tenant: Tenant) -> None:
    first = inventory_sync_start(tenant=tenant, user=None)
    again = inventory_sync_start(tenant=tenant, user=None, policy_types=[])
    narrower = inventory_sync_start(tenant=tenant, user=None, policy_types=["settingsCatalog"])
    elsewhere = inventory_sync_start(tenant=other_tenant, user=None)

    assert first.created and not again.created
    assert again.run.pk == first.run.pk
    assert narrower.created and elsewhere.created
    assert first.run.dedupe_key == (
        "compliancePolicy,deviceConfiguration,groupPolicyConfiguration,settingsCatalog"
    )
    assert narrower.run.context == {
        "scope_key": "settingsCatalog",
        "policy_types": ["settingsCatalog"],
    }
    assert OperationRun.objects.count() == 3


def test_the_scope_key_ignores_order_and_duplicates(tenant: Tenant) -> None:
    first = inventory_sync_start(
        tenant=tenant, user=None, policy_types=["settingsCatalog", "compliancePolicy"]
    )
    second = inventory_sync_start(
        tenant=tenant,
        user=None,
        policy_types=["compliancePolicy", "settingsCatalog", "compliancePolicy"],
    )

    assert second.run.pk == first.run.pk


def test_an_unknown_policy_type_is_refused_before_anything_is_stored(tenant: Tenant) -> None:
    with pytest.raises(ValueError, match="unknown policy types: wifi"):
        inventory_sync_start(tenant=tenant, user=None, policy_types=["wifi"])
    assert not OperationRun.objects.exists()


def test_a_long_message_is_cut_so_that_its_hint_survives() -> None:
    text = with_hint("x" * 1000, "Check the secret.", limit=100)

    assert len(text) == 100
    assert text.endswith("… Hint: Check the secret.")
    assert with_hint("Short.", "") == "Short."
