"""Web requests when PostgreSQL blips, goes silent or is down: gunicorn through a TCP proxy.

The app runs as production runs it (gunicorn, DEBUG=0, persistent connections
with CONN_MAX_AGE) against the test database through ``PgProxy``; the test
cuts or blackholes the proxy, never the shared server.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import httpx
import pytest
from django.test import Client

from tests.support.webserver import database_url_via, web_servers

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from django.contrib.auth.models import User

    from tests.support.pgproxy import PgProxy
    from tests.support.webserver import WebServer

pytestmark = pytest.mark.django_db(transaction=True)

HUB = "/t/acme/monitoring/operations/"
API = "/api/v1/t/acme/runs/"


@pytest.fixture
def owner_session(owner: User) -> str:
    client = Client()
    client.force_login(owner)
    return client.cookies["sessionid"].value


@pytest.fixture(scope="module")
def web(
    collected_static: Path,
    pg_proxy: PgProxy,
    tmp_path_factory: pytest.TempPathFactory,
    django_db_setup: None,
) -> Iterator[WebServer]:
    # One gunicorn for the module: starting one costs seconds.
    with web_servers(collected_static, tmp_path_factory.mktemp("web")) as start:
        yield start(database_url=database_url_via(pg_proxy.port))


@pytest.fixture(autouse=True)
def _proxy_forwards_again(pg_proxy: PgProxy) -> Iterator[None]:
    yield
    pg_proxy.restore()


def timed_get(client: httpx.Client, url: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = client.get(url)
    return response, time.monotonic() - started


def test_a_two_second_blip_costs_the_next_request_nothing(
    web: WebServer, pg_proxy: PgProxy, owner_session: str
) -> None:
    browser = web.client(owner_session)
    assert browser.get(HUB).status_code == 200
    assert pg_proxy.live_connections == 1  # the worker keeps its connection (CONN_MAX_AGE)

    pg_proxy.cut()
    time.sleep(2)
    pg_proxy.restore()
    accepted_before = pg_proxy.accepted

    responses = [browser.get(HUB) for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert pg_proxy.accepted == accepted_before + 1  # the dead connection was replaced once


def test_a_silent_database_answers_503_in_seconds_not_a_hang(
    web: WebServer, pg_proxy: PgProxy, owner_session: str
) -> None:
    browser = web.client(owner_session)
    assert browser.get(HUB).status_code == 200

    pg_proxy.blackhole()
    page, page_seconds = timed_get(browser, HUB)
    api, api_seconds = timed_get(browser, API)
    health, health_seconds = timed_get(web.client(), "/healthz")

    assert page.status_code == 503 and "temporarily unavailable" in page.text
    assert page.headers["Retry-After"] == "30"
    assert api.status_code == 503 and api.json() == {"error": "temporarily unavailable"}
    # health check (≤ 2 s) + reconnect (connect timeout 2 s), far below gunicorn's 30 s
    assert page_seconds < 8 and api_seconds < 8
    assert health.status_code == 503
    assert health.json()["database"] == "unreachable" and health.json()["redis"] == "ok"
    assert health_seconds < 2

    pg_proxy.restore()
    assert browser.get(HUB).status_code == 200


def test_a_database_that_is_down_answers_503_html_and_json_and_sign_in_says_so(
    web: WebServer, pg_proxy: PgProxy, owner_session: str
) -> None:
    pg_proxy.cut()  # stays down: live connections reset, new ones refused

    page = web.client(owner_session).get(HUB)
    api = web.client(owner_session).get(API)
    anonymous = web.client()
    sign_in_page = anonymous.get("/accounts/login/")
    sign_in = anonymous.post(
        "/accounts/login/",
        data={
            "username": "owner",
            "password": "whatever",
            "csrfmiddlewaretoken": anonymous.cookies["csrftoken"],
        },
    )
    sign_in_with_a_session = web.client(owner_session).get("/accounts/login/")
    health, health_seconds = timed_get(web.client(), "/healthz")

    assert page.status_code == 503 and "temporarily unavailable" in page.text
    assert api.status_code == 503 and api.json() == {"error": "temporarily unavailable"}
    assert sign_in_page.status_code == 200  # the form needs no database
    assert sign_in_with_a_session.status_code == 503  # the session does
    assert sign_in.status_code == 503 and "temporarily unavailable" in sign_in.text
    assert health.status_code == 503 and health.json()["database"] == "unreachable"
    assert health_seconds < 2
    for response in (page, api, sign_in, health):
        assert "127.0.0.1" not in response.text and "postgres" not in response.text.lower()

    pg_proxy.restore()
    assert web.client(owner_session).get(HUB).status_code == 200
