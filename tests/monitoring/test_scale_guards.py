"""Structural guards for scale (timings live in bench/hub.py, not here).

Every list page answers in a fixed number of queries, whatever its page size
and however many runs the table holds; none of them counts or skips rows of
the run table (no ``COUNT(*)``, no ``OFFSET``): tabs and chart read the
rollup, pages follow a keyset, the bell counts over a LIMIT. And the list
never reads a run's context payload.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from monitoring.keyset import Cursor
from operations import rollup
from operations.models import OperationRun, RunStatus
from tests.factories import NotificationFactory, OperationRunFactory, TenantFactory

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from django.test import Client

    from tenantatlas.models import Tenant

HUB = "/t/acme/monitoring/operations/"
API = "/api/v1/t/acme/runs/"
PAGES = [
    HUB,
    f"{HUB}?range=7d&run_type=hubtest.alpha",
    f"{HUB}?status_bucket=succeeded&range=30d",
    f"{HUB}?range=24h",
    API,
    f"{API}?run_type=hubtest.alpha&status_bucket=succeeded",
    "/t/acme/notifications/",
]

# A backup run's context: thousands of policy ids that no list row shows.
BIG_CONTEXT = {"target_id": 7, "policy_ids": list(range(3000))}
SMALL_CONTEXT = {"target_id": 7, "policy_ids": [1, 2, 3]}


def _runs(tenant: Tenant, user: User, count: int, *, days: int = 20, batch: str = "a") -> None:
    now = timezone.now()
    for n in range(count):
        OperationRunFactory.create(
            tenant=tenant,
            initiated_by=user,
            resource="hubtest",
            action="alpha",
            status=RunStatus.RUNNING if n % 7 == 0 else RunStatus.COMPLETED,
            total=10,
            succeeded=n % 10,
            failed=n % 3,
            dedupe_key=f"{batch}{n}",
            context=BIG_CONTEXT,
            created_at=now - timedelta(hours=n * 24 * days / max(count, 1)),
        )
        NotificationFactory.create(tenant=tenant, user=user)


def _queries(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return [q["sql"] for q in captured.captured_queries]


def _fill_table(tenant: Tenant, rows: int) -> None:
    """Many more runs, in this tenant (older than the page) and another one, behind the factory."""
    other = TenantFactory.create(slug="bulk")
    old = timezone.now() - timedelta(days=60)
    OperationRun.objects.bulk_create(
        OperationRun(
            tenant=t,
            resource="hubtest",
            action="alpha",
            status="completed",
            dedupe_key=f"bulk{n}",
            created_at=old - timedelta(minutes=n),
            context=SMALL_CONTEXT,
        )
        for n in range(rows)
        for t in (tenant, other)
    )
    rollup.reconcile()


@pytest.mark.parametrize("url", PAGES)
def test_a_list_costs_the_same_queries_for_any_page_and_table_size(
    login: Callable[[User], Client], reader: User, tenant: Tenant, url: str
) -> None:
    client = login(reader)
    _runs(tenant, reader, 3)
    few = len(_queries(client, url))
    _runs(tenant, reader, 55, batch="b")  # more than a page
    _fill_table(tenant, 1_000)
    many = len(_queries(client, url))

    # Issue 15's bound: the hub page's "Started by" choices come with the
    # membership query (TenantMiddleware), not a query of their own.
    assert few == many <= 6


def test_no_list_counts_or_skips_runs(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    _runs(tenant, reader, 60)
    client = login(reader)
    middle = OperationRun.objects.for_tenant(tenant).order_by("-created_at", "-pk")[30]
    deep = Cursor.after(middle).encode()

    for url in [*PAGES, f"{HUB}?cursor={deep}", f"{API}?cursor={deep}"]:
        for sql in _queries(client, url):
            assert "OFFSET" not in sql, (url, sql)
            # The bell's COUNT runs over a LIMITed subquery; the "24h" tabs count that
            # day's runs (the rollup cannot split a day); nothing else counts.
            if "COUNT(" in sql and "operations_notification" in sql:
                assert re.search(r"LIMIT \d+\)", sql), sql
            elif "COUNT(" in sql:
                assert "range=24h" in url and "GROUP BY" in sql, (url, sql)


CONTEXT = '"operations_operationrun"."context"'


def _page_columns(client: Client, url: str) -> str:
    page = [sql for sql in _queries(client, url) if "LIMIT 51" in sql]
    assert len(page) == 1
    return page[0].split(' FROM "operations_operationrun"')[0]


def test_the_hub_list_never_reads_the_context(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    _runs(tenant, reader, 5)

    assert CONTEXT not in _page_columns(login(reader), HUB)


def test_the_api_list_reads_only_the_visible_context_keys(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    _runs(tenant, reader, 5)

    columns = _page_columns(login(reader), API)

    # Related links need e.g. a backup set's id: the keys people may see, never the payload.
    reads = re.findall(re.escape(CONTEXT) + r"( -> '\w+')?", columns)
    assert reads and all(reads), columns  # every read is ``context -> 'key'``
    assert "policy_ids" not in columns


def test_the_api_list_still_links_related_objects_without_the_payload(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    _runs(tenant, reader, 3)

    results = login(reader).get(API).json()["results"]

    assert {link["label"] for r in results for link in r["related"]} == {"Alpha target"}


def test_the_bell_stops_counting_at_its_cap(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    for _ in range(101):
        NotificationFactory.create(tenant=tenant, user=reader)

    body = login(reader).get(HUB).content.decode()

    assert 'data-testid="unread-count">99+<' in body
