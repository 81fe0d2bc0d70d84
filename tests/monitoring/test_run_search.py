"""Search by run id and filter by who started it: the hub list and the JSON API, same rules."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.factories import OperationRunFactory

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from django.test import Client

    from operations.models import OperationRun
    from tenantatlas.models import Tenant
    from tests.support.responses import TestResponse

URL = "/t/acme/monitoring/operations/"
API = "/api/v1/t/acme/runs/"


@pytest.fixture
def runs(
    tenant: Tenant, other_tenant: Tenant, operator: User, owner: User, outsider: User
) -> dict[str, OperationRun]:
    return {
        "by_operator": OperationRunFactory.create(tenant=tenant, initiated_by=operator),
        "by_owner": OperationRunFactory.create(tenant=tenant, initiated_by=owner),
        "system": OperationRunFactory.create(tenant=tenant, initiated_by=None),
        "elsewhere": OperationRunFactory.create(tenant=other_tenant, initiated_by=outsider),
    }


def row_ids(response: TestResponse) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-run="(\d+)"', response.content.decode())}


def test_a_run_id_of_this_tenant_shows_only_that_run(
    login: Callable[[User], Client], reader: User, runs: dict[str, OperationRun]
) -> None:
    wanted = runs["by_owner"]

    response = login(reader).get(URL, {"run": wanted.pk})

    assert response.status_code == 200
    assert row_ids(response) == {wanted.pk}
    assert f'name="run" value="{wanted.pk}"' in response.content.decode()


def test_another_tenants_run_id_answers_like_a_missing_one(
    login: Callable[[User], Client], reader: User, runs: dict[str, OperationRun]
) -> None:
    elsewhere = runs["elsewhere"].pk
    missing = elsewhere + 1000

    answers = [login(reader).get(URL, {"run": pk}) for pk in (elsewhere, missing)]

    for pk, response in zip((elsewhere, missing), answers, strict=True):
        body = response.content.decode()
        assert response.status_code == 200
        assert row_ids(response) == set()
        assert f"No run #{pk} in Acme" in body
        assert "Globex" not in body  # nothing of the other tenant


@pytest.mark.parametrize("garbage", ["abc", "-3", "0", "1e400", str(2**63)])
def test_a_garbage_run_id_is_a_clear_400(
    login: Callable[[User], Client], reader: User, runs: dict[str, OperationRun], garbage: str
) -> None:
    response = login(reader).get(URL, {"run": garbage})

    assert response.status_code == 400
    assert 'data-field="run"' in response.content.decode()


def test_filter_by_who_started_it_offers_only_this_tenants_members(
    login: Callable[[User], Client], reader: User, runs: dict[str, OperationRun], operator: User
) -> None:
    response = login(reader).get(URL, {"initiated_by": operator.pk})

    body = response.content.decode()
    assert response.status_code == 200
    assert row_ids(response) == {runs["by_operator"].pk}
    assert f'<option value="{operator.pk}" selected>operator</option>' in body
    assert ">outsider</option>" not in body


@pytest.mark.parametrize("who", ["outsider", "garbage"])
def test_someone_outside_the_tenant_is_refused_like_garbage(
    login: Callable[[User], Client],
    reader: User,
    runs: dict[str, OperationRun],
    outsider: User,
    who: str,
) -> None:
    value = outsider.pk if who == "outsider" else "x"

    response = login(reader).get(URL, {"initiated_by": value})

    assert response.status_code == 400
    assert 'data-field="initiated_by"' in response.content.decode()
    assert "outsider" not in response.content.decode()


def test_the_api_filters_by_run_id_and_initiator(
    login: Callable[[User], Client],
    reader: User,
    runs: dict[str, OperationRun],
    operator: User,
    owner: User,
) -> None:
    client = login(reader)

    by_id = client.get(API, {"run": runs["by_owner"].pk}).json()
    by_person = client.get(API, {"initiated_by": operator.pk}).json()
    elsewhere = client.get(API, {"run": runs["elsewhere"].pk}).json()

    assert [row["id"] for row in by_id["results"]] == [runs["by_owner"].pk]
    assert [row["id"] for row in by_person["results"]] == [runs["by_operator"].pk]
    assert elsewhere["results"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"run": "abc"}, "run"),
        ({"run": "0"}, "run"),
        ({"initiated_by": "outsider"}, "initiated_by"),
    ],
)
def test_the_api_answers_400_naming_the_field(
    login: Callable[[User], Client],
    reader: User,
    runs: dict[str, OperationRun],
    outsider: User,
    params: dict[str, str],
    field: str,
) -> None:
    if params.get("initiated_by") == "outsider":
        params = {"initiated_by": str(outsider.pk)}

    response = login(reader).get(API, params)

    assert response.status_code == 400
    assert response.json()["error"] == f"invalid filter: {field}"
    assert list(response.json()["fields"]) == [field]
