"""The backup set pages: list, create, rename, detail (items and runs), versions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from backups.models import BackupItem, BackupSet
from backups.services import backup_set_add_policies_inline
from monitoring.links import run_url
from operations.models import OperationRun
from tenantatlas.models import Tenant
from tests.backups.conftest import TakeSnapshot, demo_policies, policy_ids, set_url

Login = Callable[[User], Client]

pytestmark = pytest.mark.django_db

LIST_URL = reverse("backups:list", kwargs={"tenant_slug": "acme"})
CREATE_URL = reverse("backups:create", kwargs={"tenant_slug": "acme"})


def _fill(tenant: Tenant, backup_set: BackupSet, user: User | None, ids: list[int]) -> OperationRun:
    return backup_set_add_policies_inline(
        tenant=tenant, backup_set=backup_set, policy_ids=ids, user=user
    )


# --- list ---------------------------------------------------------------------------------


def test_the_list_shows_sets_with_counts_and_last_change(
    tenant: Tenant, reader: User, owner: User, backup_set: BackupSet,
    take_snapshot: TakeSnapshot, login: Login, django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(12))
    _fill(tenant, backup_set, owner, policy_ids(tenant))
    BackupSet.objects.create(tenant=tenant, name="Empty one")
    client = login(reader)

    with django_assert_max_num_queries(8):
        response = client.get(LIST_URL)

    sets = {s.name: s for s in response.context["sets"]}
    assert sets["Baseline"].policy_count == 12
    assert sets["Baseline"].last_change is not None
    assert (sets["Empty one"].policy_count, sets["Empty one"].last_change) == (0, None)
    assert "New backup set" not in response.content.decode()  # readonly: no create form


def test_the_list_shows_only_this_tenants_sets(
    reader: User, backup_set: BackupSet, other_set: BackupSet, login: Login
) -> None:
    response = login(reader).get(LIST_URL)
    assert [s.pk for s in response.context["sets"]] == [backup_set.pk]


def test_the_list_rejects_outsider(outsider: User, login: Login) -> None:
    assert login(outsider).get(LIST_URL).status_code == 403


# --- create and rename --------------------------------------------------------------------


def test_a_manager_creates_a_set(tenant: Tenant, manager: User, login: Login) -> None:
    client = login(manager)
    assert "New backup set" in client.get(LIST_URL).content.decode()

    response = client.post(CREATE_URL, {"name": "  Q4 baseline ", "description": "Before Q4"})

    backup_set = BackupSet.objects.get(tenant=tenant)
    assert response["Location"] == set_url("detail", backup_set)
    assert (backup_set.name, backup_set.description, backup_set.created_by) == (
        "Q4 baseline", "Before Q4", manager,
    )  # fmt: skip


@pytest.mark.parametrize("role", ["operator", "reader"])
def test_create_rejects_less_than_manager(
    role: str, request: pytest.FixtureRequest, login: Login
) -> None:
    client = login(request.getfixturevalue(role))
    assert client.post(CREATE_URL, {"name": "Mine"}).status_code == 403
    assert client.get(CREATE_URL).status_code == 403
    assert not BackupSet.objects.exists()


def test_create_rejects_outsider(outsider: User, login: Login) -> None:
    assert login(outsider).post(CREATE_URL, {"name": "Mine"}).status_code == 403
    assert not BackupSet.objects.exists()


@pytest.mark.parametrize("name", ["baseline", "", "   "])
def test_create_explains_a_bad_name(
    manager: User, backup_set: BackupSet, login: Login, name: str
) -> None:
    response = login(manager).post(CREATE_URL, {"name": name})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert BackupSet.objects.count() == 1


def test_the_same_name_is_fine_in_another_tenant(
    manager: User, other_set: BackupSet, login: Login
) -> None:
    login(manager).post(CREATE_URL, {"name": other_set.name})
    assert BackupSet.objects.filter(name=other_set.name).count() == 2


def test_a_manager_renames_a_set(manager: User, backup_set: BackupSet, login: Login) -> None:
    response = login(manager).post(
        set_url("edit", backup_set), {"name": "Renamed", "description": "New words"}
    )
    backup_set.refresh_from_db()
    assert response["Location"] == set_url("detail", backup_set)
    assert (backup_set.name, backup_set.description) == ("Renamed", "New words")


def test_renaming_to_its_own_name_in_other_case_is_fine(
    manager: User, backup_set: BackupSet, login: Login
) -> None:
    login(manager).post(set_url("edit", backup_set), {"name": "BASELINE"})
    backup_set.refresh_from_db()
    assert backup_set.name == "BASELINE"


def test_renaming_to_another_sets_name_is_refused(
    tenant: Tenant, manager: User, backup_set: BackupSet, login: Login
) -> None:
    BackupSet.objects.create(tenant=tenant, name="Other")
    response = login(manager).post(set_url("edit", backup_set), {"name": "other"})
    assert "already exists" in response.content.decode()
    backup_set.refresh_from_db()
    assert backup_set.name == "Baseline"


@pytest.mark.parametrize("role", ["operator", "reader", "outsider"])
def test_rename_rejects_less_than_manager(
    role: str, request: pytest.FixtureRequest, backup_set: BackupSet, login: Login
) -> None:
    client = login(request.getfixturevalue(role))
    assert client.post(set_url("edit", backup_set), {"name": "Hacked"}).status_code == 403
    backup_set.refresh_from_db()
    assert backup_set.name == "Baseline"


def test_rename_rejects_another_tenants_set(
    manager: User, other_set: BackupSet, login: Login
) -> None:
    response = login(manager).post(set_url("edit", other_set), {"name": "Mine now"})
    assert response.status_code == 403
    other_set.refresh_from_db()
    assert other_set.name == "Globex baseline"


# --- detail and versions ------------------------------------------------------------------


def test_the_set_page_lists_items_and_the_runs_that_touched_it(
    tenant: Tenant, owner: User, reader: User, backup_set: BackupSet,
    take_snapshot: TakeSnapshot, login: Login, django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(8))
    ids = policy_ids(tenant)
    first, second = _fill(tenant, backup_set, owner, ids), _fill(tenant, backup_set, None, ids[:3])
    elsewhere = _fill(tenant, BackupSet.objects.create(tenant=tenant, name="B"), owner, ids[:1])
    client = login(reader)

    with django_assert_max_num_queries(12):
        response = client.get(set_url("detail", backup_set))

    assert [run.pk for run in response.context["runs"]] == [second.pk, first.pk]
    assert len(response.context["page"].object_list) == 8
    html = response.content.decode()
    assert run_url(first) in html and run_url(second) in html
    assert ">Succeeded</span>" in html
    assert run_url(elsewhere) not in html
    assert "Add policies" not in html  # readonly sees no start control
    assert "Export" in html


def test_the_set_page_offers_add_to_operators(
    operator: User, backup_set: BackupSet, login: Login
) -> None:
    html = login(operator).get(set_url("detail", backup_set)).content.decode()
    assert set_url("add_policies", backup_set) in html
    assert set_url("edit", backup_set) not in html  # renaming is for managers


@pytest.mark.parametrize("name", ["detail", "export"])
def test_set_pages_reject_outsider(
    name: str, outsider: User, backup_set: BackupSet, login: Login
) -> None:
    assert login(outsider).get(set_url(name, backup_set)).status_code == 403


@pytest.mark.parametrize("name", ["detail", "export", "edit", "add_policies"])
def test_set_pages_answer_another_tenants_set_like_a_missing_one(
    name: str, owner: User, other_set: BackupSet, login: Login
) -> None:
    client = login(owner)
    foreign = client.get(set_url(name, other_set))
    missing = client.get(set_url(name, other_set).replace(f"/{other_set.pk}/", "/987654/"))
    assert foreign.status_code == missing.status_code == 403
    assert foreign.content == missing.content


def test_the_versions_page_shows_each_version_and_what_changed(
    tenant: Tenant, owner: User, reader: User, backup_set: BackupSet,
    take_snapshot: TakeSnapshot, login: Login,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(60, generation=0))
    ids = policy_ids(tenant)
    _fill(tenant, backup_set, owner, ids)
    take_snapshot(tenant, demo_policies(60, generation=1))
    _fill(tenant, backup_set, owner, ids)
    changed = BackupItem.objects.filter(backup_set=backup_set, version=2).first()
    assert changed is not None

    response = login(reader).get(set_url("versions", backup_set, policy_id=changed.policy_id))

    versions = response.context["versions"]
    assert [v["item"].version for v in versions] == [2, 1]
    assert versions[0]["changes"]  # at least the flipped setting
    assert versions[1]["changes"] is None  # the first version has nothing before it


def test_the_versions_page_answers_404_for_a_policy_not_in_the_set(
    tenant: Tenant, reader: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(2))
    url = set_url("versions", backup_set, policy_id=policy_ids(tenant)[0])
    assert login(reader).get(url).status_code == 404


def test_the_versions_page_rejects_outsider(
    outsider: User, backup_set: BackupSet, login: Login
) -> None:
    assert login(outsider).get(set_url("versions", backup_set, policy_id=1)).status_code == 403


def test_the_versions_page_shows_whom_each_version_was_assigned_to(
    tenant: Tenant, owner: User, reader: User, backup_set: BackupSet,
    take_snapshot: TakeSnapshot, login: Login,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(6, generation=0))
    ids = policy_ids(tenant)
    _fill(tenant, backup_set, owner, ids)
    item = BackupItem.objects.filter(backup_set=backup_set).order_by("external_id").first()
    assert item is not None

    response = login(reader).get(set_url("versions", backup_set, policy_id=item.policy_id))

    page = response.content.decode()
    rows = response.context["versions"][0]["assignments"]
    assert rows and all(row["target"] in page for row in rows)
    assert 'data-testid="assignments"' in page
