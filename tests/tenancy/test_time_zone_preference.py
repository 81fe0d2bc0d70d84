"""A person's own time zone: saved and validated on the preferences page, then every page,
the hub's day filters and the API's follow it, and nobody else's pages change."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from backups.models import BackupSet
from operations.models import Notification, OperationRun
from tenantatlas.models import Preferences, Tenant
from tests.factories import NotificationFactory, OperationRunFactory
from tests.support.snapshots import demo_snapshot

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]

PREFERENCES = "/accounts/preferences/"
HUB = "/t/acme/monitoring/operations/"
API = "/api/v1/t/acme/runs/"
ROW = re.compile(r'data-run="(\d+)"')
# 23:30 UTC on 30 November: 00:30 on 1 December in Paris, 08:30 in Tokyo.
MOMENT = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)


@pytest.fixture
def paris(tenant: Tenant) -> Tenant:
    tenant.time_zone = "Europe/Paris"
    tenant.save()
    return tenant


def prefer(user: User, zone: str) -> None:
    Preferences.objects.update_or_create(user=user, defaults={"time_zone": zone})


def run_at(tenant: Tenant, moment: datetime, **fields: object) -> OperationRun:
    return OperationRunFactory.create(
        tenant=tenant, created_at=moment, started_at=moment, finished_at=moment, **fields
    )


def listed(client: Client, url: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return [int(pk) for pk in ROW.findall(response.content.decode())]


# -- the preferences page ------------------------------------------------------------


def test_it_sends_anonymous_people_to_sign_in(client: Client) -> None:
    response = client.get(PREFERENCES)

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_header_links_to_it_and_names_the_zone_shown(login: Login, reader: User) -> None:
    page = login(reader).get(HUB).content.decode()

    link = re.search(
        r'<a class="small" href="([^"]+)"[^>]*data-testid="zone-link">([^<]+)</a>', page
    )
    assert link is not None, "no preferences link in the header"
    assert link.group(1) == f"{PREFERENCES}?next=/t/acme/monitoring/operations/"
    assert link.group(2) == "Times: UTC"


def test_a_person_saves_a_zone_and_goes_back_to_their_page(login: Login, reader: User) -> None:
    client = login(reader)

    response = client.post(PREFERENCES, {"time_zone": "Asia/Tokyo", "next": HUB})

    assert response.status_code == 302 and response["Location"] == HUB
    assert Preferences.objects.get(user=reader).time_zone == "Asia/Tokyo"
    page = client.get(HUB).content.decode()
    assert 'data-testid="zone-link">Times: Asia/Tokyo</a>' in page
    assert "Saved: times are now shown in Asia/Tokyo." in page
    assert 'data-testid="current-zone">Asia/Tokyo<' in client.get(PREFERENCES).content.decode()


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus_Mons", "Europe/Paris' OR 1=1", "x" * 500, "localtime"]
)
def test_an_unknown_zone_is_a_form_error_and_keeps_the_saved_one(
    login: Login, reader: User, zone: str
) -> None:
    prefer(reader, "Europe/Paris")

    response = login(reader).post(PREFERENCES, {"time_zone": zone, "next": HUB})

    assert response.status_code == 200
    assert re.search(
        r'class="errorlist[^"]*"[^>]*>\s*<li>Select a valid choice', response.content.decode()
    )
    assert Preferences.objects.get(user=reader).time_zone == "Europe/Paris"


def test_an_empty_zone_follows_each_tenant(login: Login, reader: User, paris: Tenant) -> None:
    prefer(reader, "Asia/Tokyo")
    client = login(reader)

    assert client.post(PREFERENCES, {"time_zone": ""}).status_code == 302

    assert Preferences.objects.get(user=reader).time_zone == ""
    assert 'data-testid="zone-link">Times: Europe/Paris</a>' in client.get(HUB).content.decode()


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_it_never_redirects_off_the_site(login: Login, reader: User, target: str) -> None:
    response = login(reader).post(PREFERENCES, {"time_zone": "UTC", "next": target})

    assert response.status_code == 302 and response["Location"] == PREFERENCES


def test_a_zone_the_server_no_longer_knows_falls_back_to_the_tenants(
    login: Login, reader: User, paris: Tenant
) -> None:
    prefer(reader, "Atlantis/Capital")  # saved when it existed; the tz database moved on

    response = login(reader).get(HUB)

    assert response.status_code == 200
    assert '<strong data-testid="time-zone">Europe/Paris</strong>' in response.content.decode()


# -- every page shows times in the person's zone -----------------------------------


def test_hub_times_follow_the_person_and_nobody_else(
    login: Login, reader: User, operator: User, paris: Tenant
) -> None:
    prefer(reader, "Asia/Tokyo")
    run = run_at(paris, MOMENT)

    mine = login(reader).get(HUB).content.decode()
    theirs = login(operator).get(HUB).content.decode()

    assert 'title="2026-12-01 08:30:00 JST"' in mine
    assert '<strong data-testid="time-zone">Asia/Tokyo</strong>' in mine
    assert 'title="2026-12-01 00:30:00 CET"' in theirs
    assert '<strong data-testid="time-zone">Europe/Paris</strong>' in theirs
    detail = login(reader).get(f"{HUB}{run.pk}/").content.decode()
    assert "<th>Queued</th><td>2026-12-01 08:30:00</td>" in detail
    assert "<th>Finished</th><td>2026-12-01 08:30:00</td>" in detail
    assert 'data-testid="time-zone">Asia/Tokyo<' in detail
    detail = login(operator).get(f"{HUB}{run.pk}/").content.decode()
    assert "<th>Queued</th><td>2026-12-01 00:30:00</td>" in detail


def test_notifications_drift_backups_and_inventory_follow_the_person(
    login: Login, reader: User, operator: User, paris: Tenant
) -> None:
    prefer(reader, "Asia/Tokyo")
    notice = NotificationFactory.create(tenant=paris, user=reader)
    Notification.objects.filter(pk=notice.pk).update(created_at=MOMENT)
    run_at(paris, MOMENT, resource="drift", action="generate")
    BackupSet.objects.create(tenant=paris, name="Nightly", created_at=MOMENT)
    sync = demo_snapshot(paris)
    type(sync).objects.filter(pk=sync.pk).update(taken_at=MOMENT)
    client = login(reader)

    assert "Dec 1, 08:30</time>" in client.get("/t/acme/notifications/").content.decode()
    assert "2026-12-01 08:30</td>" in client.get("/t/acme/drift/").content.decode()
    assert "2026-12-01 08:30</td>" in client.get("/t/acme/backups/").content.decode()
    assert "2026-12-01 08:30" in client.get("/t/acme/inventory/").content.decode()
    # The operator has no zone of their own: the tenant's.
    assert "2026-12-01 00:30</td>" in login(operator).get("/t/acme/drift/").content.decode()


# -- day filters -------------------------------------------------------------------


@pytest.fixture
def around_auckland_midnight(tenant: Tenant) -> tuple[OperationRun, OperationRun]:
    """Two runs on 1 December in UTC (the tenant's zone); either side of midnight in Auckland."""
    late = run_at(tenant, datetime(2026, 12, 1, 10, 30, tzinfo=UTC))  # 23:30 on the 1st there
    later = run_at(tenant, datetime(2026, 12, 1, 11, 30, tzinfo=UTC))  # 00:30 on the 2nd there
    return late, later


def test_day_filters_are_the_persons_days(
    login: Login,
    reader: User,
    operator: User,
    around_auckland_midnight: tuple[OperationRun, OperationRun],
) -> None:
    late, later = around_auckland_midnight
    prefer(reader, "Pacific/Auckland")  # UTC+13 in December
    first = "?created_after=2026-12-01&created_before=2026-12-01"
    second = "?created_after=2026-12-02&created_before=2026-12-02"

    assert listed(login(reader), HUB + first) == [late.pk]
    assert listed(login(reader), HUB + second) == [later.pk]
    # The same link, for someone following the tenant's zone (UTC): both are on the 1st.
    assert listed(login(operator), HUB + first) == [later.pk, late.pk]
    assert listed(login(operator), HUB + second) == []


def test_the_api_filters_days_in_the_persons_zone_too(
    login: Login, reader: User, around_auckland_midnight: tuple[OperationRun, OperationRun]
) -> None:
    late, _ = around_auckland_midnight
    prefer(reader, "Pacific/Auckland")

    body = login(reader).get(API + "?created_before=2026-12-01").json()

    assert [run["id"] for run in body["results"]] == [late.pk]


def test_the_chart_says_when_its_days_are_the_tenants(
    login: Login, reader: User, operator: User, paris: Tenant
) -> None:
    prefer(reader, "Asia/Tokyo")

    mine = login(reader).get(HUB + "?range=7d").content.decode()
    theirs = login(operator).get(HUB + "?range=7d").content.decode()

    assert (
        'counted in the tenant\'s days (<span data-testid="days-zone">Europe/Paris</span>)' in mine
    )
    assert 'data-testid="days-zone"' not in theirs
    # "24h" counts the runs themselves, in the person's own days.
    assert 'data-testid="days-zone"' not in login(reader).get(HUB + "?range=24h").content.decode()


# -- cost ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [HUB, HUB + "?range=7d", API, "/t/acme/drift/"])
def test_a_zone_of_ones_own_costs_no_query(
    login: Login, reader: User, paris: Tenant, url: str
) -> None:
    run_at(paris, MOMENT)
    client = login(reader)
    client.get(url)  # warm: the first request of a session may differ
    before = _queries(client, url)

    prefer(reader, "Asia/Tokyo")
    after = _queries(client, url)

    assert len(after) == len(before)
    # The preferences come with the user, in the query that loads the user anyway.
    reads = [sql for sql in after if "tenantatlas_preferences" in sql]
    assert (
        len(reads) == 1 and 'FROM "auth_user" LEFT OUTER JOIN "tenantatlas_preferences"' in reads[0]
    )


def _queries(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured.captured_queries]
