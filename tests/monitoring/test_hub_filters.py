"""The list's filters: each alone, all combined, day boundaries in the tenant's zone, bad values."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from monitoring.timerange import day_end, day_start, local_midnight
from operations.models import OperationRun, RunStatus
from tests.factories import OperationRunFactory

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from django.test import Client

    from tenantatlas.models import Tenant

PARIS = ZoneInfo("Europe/Paris")
URL = "/t/acme/monitoring/operations/"


@pytest.fixture
def paris(tenant: Tenant) -> Tenant:
    tenant.time_zone = "Europe/Paris"
    tenant.save()
    return tenant


def run(
    tenant: Tenant,
    *,
    at: datetime | None = None,
    run_type: str = "hubtest.alpha",
    bucket: str = "succeeded",
) -> OperationRun:
    resource, action = run_type.split(".")
    status, failed, succeeded = {
        "succeeded": (RunStatus.COMPLETED, 0, 1),
        "partially_succeeded": (RunStatus.COMPLETED, 1, 1),
        "failed": (RunStatus.FAILED, 0, 0),
        "running": (RunStatus.RUNNING, 0, 0),
        "queued": (RunStatus.QUEUED, 0, 0),
    }[bucket]
    return OperationRunFactory.create(
        tenant=tenant, resource=resource, action=action, status=status,
        failed=failed, succeeded=succeeded, created_at=at or timezone.now(),
    )  # fmt: skip


def today_in_paris() -> date:
    return timezone.now().astimezone(PARIS).date()


def test_it_lists_newest_first(
    login: Callable[[User], Client],
    reader: User,
    tenant: Tenant,
    listed: Callable[[Client, str], list[int]],
) -> None:
    old = run(tenant, at=timezone.now() - timedelta(days=2))
    new = run(tenant)

    assert listed(login(reader), URL) == [new.pk, old.pk]


def test_run_type_filter(
    login: Callable[[User], Client],
    reader: User,
    tenant: Tenant,
    listed: Callable[[Client, str], list[int]],
) -> None:
    alpha = run(tenant, run_type="hubtest.alpha")
    run(tenant, run_type="hubtest.beta")

    assert listed(login(reader), URL + "?run_type=hubtest.alpha") == [alpha.pk]


def test_status_bucket_filter(
    login: Callable[[User], Client],
    reader: User,
    tenant: Tenant,
    listed: Callable[[Client, str], list[int]],
) -> None:
    run(tenant, bucket="succeeded")
    partial = run(tenant, bucket="partially_succeeded")
    run(tenant, bucket="failed")

    assert listed(login(reader), URL + "?status_bucket=partially_succeeded") == [partial.pk]


def test_24h_is_rolling(
    login: Callable[[User], Client],
    reader: User,
    paris: Tenant,
    listed: Callable[[Client, str], list[int]],
) -> None:
    now = timezone.now()
    inside = run(paris, at=now - timedelta(hours=23, minutes=59))
    run(paris, at=now - timedelta(hours=24, minutes=1))

    assert listed(login(reader), URL + "?range=24h") == [inside.pk]


@pytest.mark.parametrize(("preset", "days"), [("7d", 7), ("30d", 30)])
def test_day_presets_start_at_local_midnight(
    login: Callable[[User], Client],
    reader: User,
    paris: Tenant,
    listed: Callable[[Client, str], list[int]],
    preset: str,
    days: int,
) -> None:
    first_midnight = local_midnight(today_in_paris() - timedelta(days=days - 1), PARIS)
    at_midnight = run(paris, at=first_midnight)
    run(paris, at=first_midnight - timedelta(microseconds=1))

    assert listed(login(reader), URL + f"?range={preset}") == [at_midnight.pk]


def test_created_after_includes_its_whole_first_day(
    login: Callable[[User], Client],
    reader: User,
    paris: Tenant,
    listed: Callable[[Client, str], list[int]],
) -> None:
    day = today_in_paris() - timedelta(days=40)
    first = run(paris, at=day_start(day, PARIS))
    run(paris, at=day_start(day, PARIS) - timedelta(microseconds=1))

    ids = listed(login(reader), URL + f"?created_after={day.isoformat()}")

    assert ids == [first.pk]


def test_created_before_includes_its_whole_last_day(
    login: Callable[[User], Client],
    reader: User,
    paris: Tenant,
    listed: Callable[[Client, str], list[int]],
) -> None:
    day = today_in_paris() - timedelta(days=40)
    last_moment = run(paris, at=day_end(day, PARIS) - timedelta(microseconds=1))
    run(paris, at=day_end(day, PARIS))

    ids = listed(login(reader), URL + f"?created_before={day.isoformat()}")

    assert ids == [last_moment.pk]


def test_one_day_from_and_to_is_that_local_day(
    login: Callable[[User], Client],
    reader: User,
    paris: Tenant,
    listed: Callable[[Client, str], list[int]],
) -> None:
    day = today_in_paris() - timedelta(days=3)
    morning = run(paris, at=day_start(day, PARIS) + timedelta(hours=1))
    run(paris, at=day_start(day, PARIS) - timedelta(hours=1))
    run(paris, at=day_end(day, PARIS) + timedelta(hours=1))

    query = f"?created_after={day.isoformat()}&created_before={day.isoformat()}"

    assert listed(login(reader), URL + query) == [morning.pk]


FILTERS: dict[str, list[str | None]] = {
    "run_type": [None, "hubtest.alpha"],
    "status_bucket": [None, "failed"],
    "range": [None, "24h", "7d", "30d"],
    "custom": [None, "recent"],
}
AGES = {"hour": timedelta(hours=1), "days": timedelta(days=3), "weeks": timedelta(days=20),
        "months": timedelta(days=60)}  # fmt: skip


def _expected(row: OperationRun, choice: tuple[str | None, ...]) -> bool:
    run_type, bucket, preset, custom = choice
    today = today_in_paris()
    limits = {"24h": timezone.now() - timedelta(hours=24),
              "7d": local_midnight(today - timedelta(days=6), PARIS),
              "30d": local_midnight(today - timedelta(days=29), PARIS)}  # fmt: skip
    return (
        (run_type is None or row.run_type == run_type)
        and (bucket is None or row.status_bucket == bucket)
        and (preset is None or row.created_at >= limits[preset])
        and (custom is None or day_start(today - timedelta(days=25), PARIS) <= row.created_at
             < day_end(today - timedelta(days=2), PARIS))
    )  # fmt: skip


def test_every_combination_of_filters_intersects(
    login: Callable[[User], Client],
    reader: User,
    paris: Tenant,
    other_tenant: Tenant,
    listed: Callable[[Client, str], list[int]],
) -> None:
    now = timezone.now()
    rows = []
    for kind, outcome, age in itertools.product(
        ["hubtest.alpha", "hubtest.beta"], ["succeeded", "failed"], AGES.values()
    ):
        rows.append(run(paris, run_type=kind, bucket=outcome, at=now - age))
        run(other_tenant, run_type=kind, bucket=outcome, at=now - age)
    for row in rows:
        row.refresh_from_db()
    client = login(reader)
    today = today_in_paris()

    for choice in itertools.product(*FILTERS.values()):
        run_type, bucket, preset, custom = choice
        params = {"run_type": run_type, "status_bucket": bucket, "range": preset}
        if custom:
            params["created_after"] = (today - timedelta(days=25)).isoformat()
            params["created_before"] = (today - timedelta(days=2)).isoformat()
        query = "&".join(f"{key}={value}" for key, value in params.items() if value)
        expected = sorted(
            (r for r in rows if _expected(r, choice)),
            key=lambda r: (r.created_at, r.pk),
            reverse=True,
        )

        assert listed(client, f"{URL}?{query}") == [r.pk for r in expected], query


def test_filters_stay_in_the_page_links(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    for _ in range(51):
        run(tenant, bucket="failed")

    body = login(reader).get(URL + "?status_bucket=failed&range=7d").content.decode()

    next_link = body.split('rel="next"')[0].rsplit('href="', 1)[1]
    assert "status_bucket=failed" in next_link and "range=7d" in next_link
    assert "cursor=" in next_link


def test_empty_values_mean_no_filter(
    login: Callable[[User], Client],
    reader: User,
    tenant: Tenant,
    listed: Callable[[Client, str], list[int]],
) -> None:
    one = run(tenant)

    query = "?run_type=&status_bucket=&range=&created_after=&created_before=&cursor="

    assert listed(login(reader), URL + query) == [one.pk]


BAD = [
    ("status_bucket=nope", "status_bucket"),
    ("run_type=nope.nope", "run_type"),
    ("run_type=inventory", "run_type"),
    ("range=1y", "range"),
    ("created_after=2026-02-30", "created_after"),
    ("created_after=yesterday", "created_after"),
    ("created_before=99999-01-01", "created_before"),
    ("created_before=9999-12-31", "created_before"),
    ("created_after=0001-01-01", "created_after"),
    ("created_after=2026-03-10&created_before=2026-03-01", "created_after"),
    ("cursor=not-a-cursor", "cursor"),
    ("cursor=" + "A" * 300, "cursor"),
]


@pytest.mark.parametrize(("query", "field"), BAD)
def test_a_bad_filter_shows_a_clear_message_and_no_rows(
    login: Callable[[User], Client], reader: User, tenant: Tenant, query: str, field: str
) -> None:
    run(tenant)

    response = login(reader).get(f"{URL}?{query}")

    body = response.content.decode()
    assert response.status_code == 400
    assert f'data-field="{field}"' in body
    assert 'data-testid="filter-errors"' in body
    assert 'data-run="' not in body


def test_a_bad_filter_message_escapes_the_value(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    response = login(reader).get(URL + "?status_bucket=<script>alert(1)</script>")

    assert response.status_code == 400
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;" in response.content


def test_no_filter_or_cursor_shows_another_tenants_runs(
    login: Callable[[User], Client], reader: User, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = run(other_tenant)
    mine = run(tenant)
    client = login(reader)
    from monitoring.keyset import Cursor

    just_above = Cursor(theirs.created_at + timedelta(seconds=1), theirs.pk + 1)
    just_below = Cursor(theirs.created_at - timedelta(days=1), theirs.pk, backwards=True)
    queries = ["", "?run_type=hubtest.alpha", "?status_bucket=succeeded", "?range=24h",
               f"?cursor={just_above.encode()}", f"?cursor={just_below.encode()}"]  # fmt: skip

    for query in queries:
        body = client.get(URL + query).content.decode()
        assert f'data-run="{theirs.pk}"' not in body, query
    assert f'data-run="{mine.pk}"' in client.get(URL).content.decode()
