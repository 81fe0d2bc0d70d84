"""Web requests when Redis is frozen or gone: gunicorn against a redis-server of the test's own."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest
from django.test import Client

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User

    from tests.support.redis_server import RedisServer
    from tests.support.webserver import WebServer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def web(
    start_web: Callable[..., WebServer], private_redis: RedisServer, live_database_url: str
) -> WebServer:
    return start_web(database_url=live_database_url, redis_url=private_redis.url)


@pytest.fixture
def live_database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    return f"postgres://postgres@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def test_healthz_answers_within_two_seconds_while_redis_is_frozen(
    web: WebServer, private_redis: RedisServer
) -> None:
    private_redis.freeze()  # accepts connections, answers nothing
    try:
        started = time.monotonic()
        health = web.client().get("/healthz")
        seconds = time.monotonic() - started
    finally:
        private_redis.thaw()

    assert health.status_code == 503
    assert health.json()["redis"] == "unreachable" and health.json()["database"] == "ok"
    assert seconds < 2
    assert web.client().get("/healthz").json()["redis"] == "ok"


def test_the_queue_dashboard_with_redis_down_is_a_503_page_not_a_500(
    web: WebServer, private_redis: RedisServer, owner: User
) -> None:
    owner.is_staff = owner.is_superuser = True
    owner.save()
    staff = Client()
    staff.force_login(owner)
    browser = web.client(staff.cookies["sessionid"].value)
    assert browser.get("/admin/django_rq/dashboard/queues/0/").status_code == 200

    private_redis.kill()
    response = browser.get("/admin/django_rq/dashboard/queues/0/")

    assert response.status_code == 503
    assert "temporarily unavailable" in response.text
    assert "127.0.0.1" not in response.text
