"""Who may add policies, and what selections start nothing (no worker needed: nothing runs)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pytest_django.fixtures import Settings

from backups.models import BackupItem, BackupSet
from operations.models import Notification, OperationRun
from tenantatlas.models import Tenant
from tests.backups.conftest import TakeSnapshot, add_url, demo_policies, policy_ids, post_add

Login = Callable[[User], Client]

pytestmark = pytest.mark.django_db


def _runs() -> list[OperationRun]:
    return list(OperationRun.objects.of_type("backup_set.add_policies"))


def test_it_rejects_readonly_and_creates_nothing(
    tenant: Tenant, reader: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(5))
    response = post_add(login(reader), backup_set, policy_ids(tenant))
    assert response.status_code == 403
    assert _runs() == []
    assert not Notification.objects.exists()


def test_it_hides_the_picker_from_readonly(
    reader: User, backup_set: BackupSet, login: Login
) -> None:
    assert login(reader).get(add_url(backup_set)).status_code == 403


def test_it_rejects_outsider(
    tenant: Tenant, outsider: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(5))
    client = login(outsider)
    assert post_add(client, backup_set, policy_ids(tenant)).status_code == 403
    assert client.get(add_url(backup_set)).status_code == 403
    assert _runs() == []


def test_it_rejects_another_tenants_set(
    tenant: Tenant, other_tenant: Tenant, operator: User, other_set: BackupSet,
    take_snapshot: TakeSnapshot, login: Login,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(5))
    client = login(operator)
    assert post_add(client, other_set, policy_ids(tenant)).status_code == 403
    assert client.get(add_url(other_set)).status_code == 403
    assert _runs() == []


def test_it_rejects_another_tenants_policy_ids(
    tenant: Tenant, other_tenant: Tenant, operator: User, backup_set: BackupSet,
    take_snapshot: TakeSnapshot, login: Login,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(5))
    take_snapshot(other_tenant, demo_policies(5, seed="globex"))
    mixed = [*policy_ids(tenant), policy_ids(other_tenant)[0]]

    response = post_add(login(operator), backup_set, mixed)

    assert response.status_code == 403
    assert _runs() == []
    assert not BackupItem.objects.exists()


def test_it_rejects_unknown_policy_ids_like_foreign_ones(
    tenant: Tenant, operator: User, backup_set: BackupSet, login: Login
) -> None:
    response = post_add(login(operator), backup_set, [987654321])
    assert response.status_code == 403
    assert _runs() == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose at least one policy"),
        ({"policies": ["12abc"]}, "policy ids must be numbers"),
        ({"policies": ["99999999999999999999999"]}, "policy ids must be numbers"),
        ({"select": "filtered", "policy_type": "nonsense"}, "The filter is not valid"),
        ({"select": "filtered", "q": "no policy is called this"}, "Choose at least one policy"),
    ],
)
def test_a_bad_selection_gets_a_clear_message_and_no_run(
    tenant: Tenant, operator: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login, data: dict[str, object], message: str,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(5))
    client = login(operator)

    response = client.post(add_url(backup_set), data, follow=True)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert _runs() == []


def test_more_than_the_maximum_gets_a_clear_message_and_no_run(
    tenant: Tenant, operator: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login, settings: Settings,
) -> None:  # fmt: skip
    settings.BACKUP_ADD_MAX_POLICIES = 10
    take_snapshot(tenant, demo_policies(11))
    client = login(operator)

    by_ids = client.post(add_url(backup_set), {"policies": policy_ids(tenant)}, follow=True)
    by_filter = client.post(add_url(backup_set), {"select": "filtered"}, follow=True)

    for response in (by_ids, by_filter):
        assert "one run can add at most 10" in response.content.decode().lower()
    assert _runs() == []
