"""The JSON API: the hub's runs with the hub's filters, cursor and tenant rules."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, cast

import pytest
from django.utils import timezone

from monitoring.api import ApiCaller, authenticate
from operations.models import RunFailure, RunStatus
from tests.factories import OperationRunFactory

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from django.test import Client, RequestFactory

    from operations.models import OperationRun
    from tenantatlas.models import Tenant
    from tenantatlas.tenancy import TenantRequest

API = "/api/v1/t/acme/runs/"
RUN_KEYS = {"id", "run_type", "status", "status_bucket", "counts", "created_at", "started_at",
            "finished_at", "initiated_by", "related"}  # fmt: skip


@pytest.fixture
def run(tenant: Tenant, operator: User) -> OperationRun:
    now = timezone.now()
    return OperationRunFactory.create(
        tenant=tenant, resource="hubtest", action="alpha", initiated_by=operator,
        total=3, succeeded=2, failed=1, started_at=now, finished_at=now,
        context={"target_id": 9, "internal": "not for people"},
    )  # fmt: skip


def test_anonymous_gets_401_json(client: Client, tenant: Tenant) -> None:
    response = client.get(API)

    assert response.status_code == 401
    assert response.json() == {"error": "authentication required"}


def test_it_rejects_outsider_with_json(
    login: Callable[[User], Client], outsider: User, run: OperationRun
) -> None:
    client = login(outsider)

    assert client.get(API).status_code == 403
    assert client.get(f"{API}{run.pk}/").json() == {"error": "forbidden"}


def test_another_tenants_run_id_is_403(
    login: Callable[[User], Client], reader: User, other_tenant: Tenant
) -> None:
    theirs = OperationRunFactory.create(tenant=other_tenant)
    client = login(reader)

    foreign = client.get(f"{API}{theirs.pk}/")
    missing = client.get(f"{API}999999/")

    assert foreign.status_code == missing.status_code == 403
    assert foreign.json() == missing.json() == {"error": "forbidden"}


def test_readonly_reads_the_list_in_the_documented_shape(
    login: Callable[[User], Client], reader: User, run: OperationRun
) -> None:
    body = login(reader).get(API).json()

    assert set(body) == {"results", "next_cursor"}
    assert body["next_cursor"] is None
    (item,) = body["results"]
    assert set(item) == RUN_KEYS
    assert item["id"] == run.pk and item["run_type"] == "hubtest.alpha"
    assert item["status"] == "completed" and item["status_bucket"] == "partially_succeeded"
    assert item["counts"] == {"total": 3, "processed": 3, "succeeded": 2, "failed": 1, "skipped": 0}
    assert item["initiated_by"] == "operator"
    assert item["related"] == [
        {"label": "Alpha target", "url": "http://testserver/t/acme/alpha/9/"}
    ]
    assert item["created_at"].endswith("Z") and item["finished_at"]


def test_detail_adds_sanitized_failures_and_allowed_context(
    login: Callable[[User], Client], reader: User, run: OperationRun
) -> None:
    RunFailure.objects.create(run=run, code="bad", message="token=abc123secretvalue oops", item="x")

    body = login(reader).get(f"{API}{run.pk}/").json()

    assert set(body) == RUN_KEYS | {"failures", "context"}
    assert body["context"] == {"target_id": 9}
    (failure,) = body["failures"]
    assert failure["code"] == "bad" and failure["item"] == "x"
    assert "abc123secretvalue" not in failure["message"]


def test_the_api_is_read_only(
    login: Callable[[User], Client], owner: User, run: OperationRun
) -> None:
    client = login(owner)

    assert client.post(API).status_code == 405
    assert client.delete(f"{API}{run.pk}/").status_code == 405


def test_filters_and_cursor_work_like_the_hub(
    login: Callable[[User], Client], reader: User, tenant: Tenant, other_tenant: Tenant
) -> None:
    now = timezone.now()
    failed = [
        OperationRunFactory.create(
            tenant=tenant, status=RunStatus.FAILED, created_at=now - timedelta(minutes=n)
        )
        for n in range(60)
    ]
    OperationRunFactory.create(tenant=tenant, status=RunStatus.COMPLETED)
    OperationRunFactory.create(
        tenant=tenant, status=RunStatus.FAILED, created_at=now - timedelta(days=9)
    )
    OperationRunFactory.create(tenant=other_tenant, status=RunStatus.FAILED)
    client = login(reader)

    first = client.get(API, {"status_bucket": "failed", "range": "7d"}).json()
    second = client.get(
        API, {"status_bucket": "failed", "range": "7d", "cursor": first["next_cursor"]}
    ).json()

    ids = [r["id"] for r in first["results"] + second["results"]]
    assert ids == [r.pk for r in failed]
    assert second["next_cursor"] is None


def test_pages_cover_every_run_once_while_new_runs_arrive(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    an_hour_ago = timezone.now() - timedelta(hours=1)
    existing = {
        OperationRunFactory.create(tenant=tenant, created_at=an_hour_ago).pk for _ in range(130)
    }
    client = login(reader)

    seen, cursor = [], None
    while True:
        body = client.get(API, {"cursor": cursor} if cursor else {}).json()
        seen += [r["id"] for r in body["results"]]
        OperationRunFactory.create(tenant=tenant)  # started while the client pages
        if not (cursor := body["next_cursor"]):
            break

    assert len(seen) == len(set(seen))
    assert existing <= set(seen)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status_bucket": "nope"}, "status_bucket"),
        ({"run_type": "nope"}, "run_type"),
        ({"range": "2d"}, "range"),
        ({"created_after": "2026-13-01"}, "created_after"),
        ({"created_before": "tomorrow"}, "created_before"),
        ({"created_after": "2026-03-02", "created_before": "2026-03-01"}, "created_after"),
        ({"cursor": "garbage"}, "cursor"),
    ],
)
def test_a_malformed_filter_is_a_400_naming_the_field(
    login: Callable[[User], Client], reader: User, tenant: Tenant, query: dict[str, str], field: str
) -> None:
    response = login(reader).get(API, query)

    body = response.json()
    assert response.status_code == 400
    assert field in body["fields"] and field in body["error"]


def test_authentication_is_one_function(rf: RequestFactory, reader: User, tenant: Tenant) -> None:
    # What the tenant middleware does to a request, done by hand: typed as its result.
    request = cast("TenantRequest", rf.get(API))
    request.user = reader
    request.tenant = tenant
    request.membership = reader.memberships.get(tenant=tenant)

    assert authenticate(request) == ApiCaller(tenant=tenant, user=reader, via="session")
