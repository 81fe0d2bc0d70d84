"""The Operations list: access, rows, tabs, chart, pages, and a fixed number of queries."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, NoReturn

import pytest
import redis
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from monitoring.selectors import run_stats
from monitoring.tabs import bounded, bucket_tabs
from monitoring.timerange import Window
from operations.models import OperationRun, RunStatus
from tests.factories import MembershipFactory, OperationRunFactory, UserFactory
from tests.support.matching import found

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from django.test import Client
    from pytest_django import DjangoAssertNumQueries

    from tenantatlas.models import Tenant

URL = "/t/acme/monitoring/operations/"


def test_anonymous_is_sent_to_sign_in(client: Client, tenant: Tenant) -> None:
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_rejects_outsider(
    login: Callable[[User], Client], outsider: User, tenant: Tenant
) -> None:
    OperationRunFactory.create(tenant=tenant)

    assert login(outsider).get(URL).status_code == 403


def test_readonly_sees_the_list(
    login: Callable[[User], Client],
    reader: User,
    tenant: Tenant,
    listed: Callable[[Client, str], list[int]],
) -> None:
    mine = OperationRunFactory.create(tenant=tenant)

    assert listed(login(reader), URL) == [mine.pk]


def test_it_is_view_only(login: Callable[[User], Client], owner: User, tenant: Tenant) -> None:
    assert login(owner).post(URL).status_code == 405


def test_a_row_shows_type_bucket_counts_starter_and_duration(
    login: Callable[[User], Client], reader: User, operator: User, tenant: Tenant
) -> None:
    now = timezone.now()
    OperationRunFactory.create(
        tenant=tenant, resource="hubtest", action="alpha", initiated_by=operator,
        total=10, succeeded=7, failed=1, skipped=1,
        started_at=now - timedelta(minutes=3, seconds=5), finished_at=now,
    )  # fmt: skip

    body = login(reader).get(URL).content.decode()

    assert "Hub test alpha" in body
    assert 'class="badge badge--partially_succeeded">Partially succeeded<' in body
    assert "7 succeeded, 1 failed, 1 skipped" in body  # a finished row: its outcome
    assert 'width="70.00"' in body and 'x="70.00" width="10.00"' in body
    assert '<td data-label="Started by">operator</td>' in body
    assert "3 min 05 s" in body


def _rows_tag(body: str) -> str:
    return found(r'<tbody id="run-rows"[^>]*>', body, group=0)


def test_the_rows_poll_only_while_one_is_active(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    active = OperationRunFactory.create(
        tenant=tenant, resource="hubtest", action="alpha", status=RunStatus.RUNNING,
        total=8, succeeded=3,
    )  # fmt: skip
    client = login(reader)

    live = client.get(URL + "?run_type=hubtest.alpha").content.decode()
    OperationRun.objects.filter(pk=active.pk).update(status=RunStatus.COMPLETED)
    settled = client.get(URL).content.decode()

    assert 'hx-trigger="every 2s, focus from:window' in _rows_tag(live)
    assert 'hx-get="?run_type=hubtest.alpha&amp;partial=rows"' in _rows_tag(live)
    assert "3 / 8" in live
    # Nothing active: no timer, only a look when the person comes back to the tab.
    assert "every" not in _rows_tag(settled) and "focus from:window" in _rows_tag(settled)


def test_the_rows_poll_shows_new_runs_and_moves_active_ones(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    active = OperationRunFactory.create(
        tenant=tenant, status=RunStatus.RUNNING, total=8, succeeded=3
    )
    client = login(reader)
    client.get(URL)

    OperationRun.objects.filter(pk=active.pk).update(succeeded=6)
    new = OperationRunFactory.create(tenant=tenant, status=RunStatus.QUEUED, dedupe_key="other")
    rows = client.get(URL + "?partial=rows", headers={"HX-Request": "true"}).content.decode()

    assert rows.lstrip().startswith('<tbody id="run-rows"') and "<html" not in rows
    assert [int(pk) for pk in re.findall(r'data-run="(\d+)"', rows)] == [new.pk, active.pk]
    assert "6 / 8" in rows


def test_the_page_names_its_time_zone(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    tenant.time_zone = "America/New_York"
    tenant.save()

    body = login(reader).get(URL).content.decode()

    assert '<strong data-testid="time-zone">America/New_York</strong>' in body


def _tab_counts(body: str) -> dict[str, str]:
    return dict(re.findall(r'data-bucket="(\w+)">[^<]*<span class="n">([^<]+)</span>', body))


def test_tabs_count_each_bucket_and_ignore_the_bucket_filter(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    for status, failed, succeeded in [("completed", 0, 1)] * 3 + [("failed", 0, 0)] * 2:
        OperationRunFactory.create(tenant=tenant, status=status, failed=failed, succeeded=succeeded)
    OperationRunFactory.create(tenant=tenant, status=RunStatus.RUNNING)

    body = login(reader).get(URL + "?status_bucket=failed").content.decode()

    counts = _tab_counts(body)
    assert counts["all"] == "6" and counts["succeeded"] == "3" and counts["failed"] == "2"
    assert counts["running"] == "1" and counts["queued"] == "0"
    assert 'class="active" data-bucket="failed"' in body


def test_tabs_count_within_the_type_filter(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    OperationRunFactory.create(tenant=tenant, resource="hubtest", action="alpha")
    OperationRunFactory.create(tenant=tenant, resource="hubtest", action="beta")

    body = login(reader).get(URL + "?run_type=hubtest.beta").content.decode()

    assert _tab_counts(body)["all"] == "1"


def test_without_a_range_the_tabs_say_what_they_count(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    OperationRunFactory.create(tenant=tenant, created_at=timezone.now() - timedelta(days=45))

    body = login(reader).get(URL).content.decode()

    assert "the last 30 days; tab counts cover the same days" in body
    assert _tab_counts(body)["all"] == "0"
    assert body.count('data-run="') == 1  # the list itself is not limited to the window


def test_counts_are_bounded() -> None:
    assert bounded(999) == "999"
    assert bounded(1000) == "1,000+"
    assert bounded(2_500_000) == "1,000+"


@pytest.mark.django_db
def test_stats_come_from_the_rollup_not_the_runs(tenant: Tenant) -> None:
    today = timezone.now().date()
    for _ in range(5):
        OperationRunFactory.create(tenant=tenant)
    window = Window(today - timedelta(days=1), today, "test")
    # A run written behind the lifecycle's back is not counted until reconciliation.
    OperationRun.objects.create(tenant=tenant, resource="inventory", action="sync")

    stats = run_stats(tenant, window)
    tabs = {tab.label: tab.count for tab in bucket_tabs(stats, "")}

    assert stats.total == 5 and tabs["All"] == "5" and tabs["Succeeded"] == "5"


def test_the_chart_shows_runs_per_day_by_bucket(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    now = timezone.now()
    for days_ago, status in [(0, "completed"), (0, "failed"), (2, "completed"), (40, "failed")]:
        OperationRunFactory.create(
            tenant=tenant, status=status, created_at=now - timedelta(days=days_ago)
        )

    body = login(reader).get(URL + "?range=7d").content.decode()

    bars = dict(re.findall(r'<g data-day="([\d-]+)" data-total="(\d+)"', body))
    assert len(bars) == 7
    assert bars[now.date().isoformat()] == "2"
    assert bars[(now - timedelta(days=2)).date().isoformat()] == "1"
    assert sum(int(n) for n in bars.values()) == 3
    assert 'data-bucket="failed" data-count="1"' in body


def test_the_chart_follows_the_bucket_filter(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    OperationRunFactory.create(tenant=tenant, status="completed")
    OperationRunFactory.create(tenant=tenant, status="failed")

    body = login(reader).get(URL + "?status_bucket=failed").content.decode()

    assert 'data-bucket="failed" data-count="1"' in body
    assert 'data-bucket="succeeded" data-count' not in body


def test_pages_follow_next_links_to_the_end(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    runs = [OperationRunFactory.create(tenant=tenant) for _ in range(120)]
    client = login(reader)

    seen: list[int] = []
    url: str | None = URL
    while url:
        body = client.get(url).content.decode()
        seen += [int(pk) for pk in re.findall(r'data-run="(\d+)"', body)]
        following = re.search(r'href="([^"]+)" rel="next"', body)
        url = URL + following.group(1).replace("&amp;", "&") if following else None

    assert seen == [run.pk for run in reversed(runs)]


@pytest.mark.parametrize("rows", [5, 50])
def test_a_list_page_costs_six_queries_however_many_rows(
    login: Callable[[User], Client],
    reader: User,
    operator: User,
    tenant: Tenant,
    rows: int,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    for n in range(rows):
        OperationRunFactory.create(
            tenant=tenant, initiated_by=operator if n % 2 else reader, resource="hubtest",
            action="alpha", status=RunStatus.RUNNING if n % 3 == 0 else RunStatus.COMPLETED,
            total=10, succeeded=n % 10, dedupe_key=f"k{n}",
        )  # fmt: skip
    client = login(reader)

    # Session, user, membership (with the tenant's members for "Started by"), bell,
    # stats, page: choosing a starter costs no query of its own, to list or to check.
    with django_assert_num_queries(6):
        response = client.get(f"{URL}?range=7d&run_type=hubtest.alpha&initiated_by={operator.pk}")

    assert response.content.decode().count('data-run="') == rows // 2


def test_the_hub_never_talks_to_redis(
    login: Callable[[User], Client], reader: User, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = OperationRunFactory.create(tenant=tenant, status=RunStatus.RUNNING)

    def no_redis(*args: object, **kwargs: object) -> NoReturn:
        raise AssertionError("the hub must not talk to Redis")

    client = login(reader)

    with monkeypatch.context() as patch:
        patch.setattr(redis.Redis, "execute_command", no_redis)
        answers = {
            url: client.get(url).status_code
            for url in [
                URL,
                f"{URL}{run.pk}/",
                f"{URL}{run.pk}/?partial=progress",
                f"/api/v1/t/acme/runs/{run.pk}/",
                "/t/acme/notifications/",
            ]
        }

    assert set(answers.values()) == {200}, answers


def test_a_row_built_in_python_escapes_what_people_typed(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    # Usernames are validated by forms, not by the column: an import or the admin shell may
    # store anything, and the row's markup is a Python format string (presenters.ROW).
    odd = UserFactory.create(username='<b>x</b>&"y')
    MembershipFactory.create(user=odd, tenant=tenant)
    run = OperationRunFactory.create(tenant=tenant, initiated_by=odd)

    body = login(reader).get(URL).content.decode()

    assert '<td data-label="Started by">&lt;b&gt;x&lt;/b&gt;&amp;&quot;y</td>' in body
    assert f'<option value="{odd.pk}">&lt;b&gt;x&lt;/b&gt;&amp;&quot;y</option>' in body
    assert f'<tr id="run-{run.pk}" data-run="{run.pk}" data-status="{run.status}">' in body
    assert "<b>x</b>" not in body
