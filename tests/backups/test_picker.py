"""GET …/backups/<id>/add-policies/: the current snapshot's policies, filtered, with their state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from backups.models import BackupSet
from backups.services import backup_set_add_policies_inline
from inventory.models import Policy, SyncStatus
from tenantatlas.models import Tenant
from tests.backups.conftest import TakeSnapshot, add_url, demo_policies, policy_ids

Login = Callable[[User], Client]

pytestmark = pytest.mark.django_db


def _shown(client: Client, backup_set: BackupSet, **query: str) -> set[int]:
    response = client.get(add_url(backup_set), query)
    assert response.status_code == 200
    return {row["item"].policy_id for row in response.context["rows"]}


def test_it_lists_the_latest_snapshot_policies(
    tenant: Tenant, operator: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login,
) -> None:  # fmt: skip
    policies = demo_policies(30)
    take_snapshot(tenant, policies)
    take_snapshot(tenant, policies[:-1])  # the last one was deleted from the tenant since
    gone = Policy.objects.get(tenant=tenant, external_id=policies[-1].external_id)

    shown = _shown(login(operator), backup_set)

    assert shown == set(policy_ids(tenant)) - {gone.pk}


def test_it_ignores_failed_and_incomplete_syncs(
    tenant: Tenant, operator: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(10))
    take_snapshot(tenant, demo_policies(3), status=SyncStatus.FAILED, is_complete=False)
    take_snapshot(tenant, demo_policies(4), is_complete=False)
    assert len(_shown(login(operator), backup_set)) == 10


def test_it_filters_by_type_platform_and_search(
    tenant: Tenant, operator: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(60))
    client = login(operator)

    assert _shown(client, backup_set, policy_type="compliancePolicy") == set(
        policy_ids(tenant, policy_type="compliancePolicy")
    )
    assert _shown(client, backup_set, platform="iOS") == set(policy_ids(tenant, platform="iOS"))
    assert _shown(client, backup_set, q="defender") == set(
        policy_ids(tenant, display_name__icontains="defender")
    )


def test_a_bad_filter_gets_a_clear_message_not_a_500(
    tenant: Tenant, operator: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(10))
    response = login(operator).get(add_url(backup_set), {"policy_type": "x", "platform": "y"})
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "Select a valid choice" in response.content.decode()


def test_it_tells_what_adding_would_do(
    tenant: Tenant, owner: User, operator: User, backup_set: BackupSet,
    take_snapshot: TakeSnapshot, login: Login,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(60, generation=0))
    ids = policy_ids(tenant)
    backup_set_add_policies_inline(tenant=tenant, backup_set=backup_set, policy_ids=ids, user=owner)
    take_snapshot(tenant, demo_policies(60, generation=1))

    response = login(operator).get(add_url(backup_set))

    states = {row["state"] for row in response.context["rows"]}
    assert states == {"new", "unchanged", "changed"}


def test_it_says_when_there_is_no_snapshot(
    operator: User, backup_set: BackupSet, login: Login
) -> None:
    response = login(operator).get(add_url(backup_set))
    assert "Run an inventory sync first" in response.content.decode()


def test_it_pages_through_many_policies_in_a_few_queries(
    tenant: Tenant, operator: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login, django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(150))
    client = login(operator)
    with django_assert_max_num_queries(12):
        client.get(add_url(backup_set), {"policy_type": "settingsCatalog", "page": "1"})
    first, second = _shown(client, backup_set), _shown(client, backup_set, page="2")
    assert (len(first), len(second)) == (100, 50)
    assert _shown(client, backup_set, page="nonsense") == first
