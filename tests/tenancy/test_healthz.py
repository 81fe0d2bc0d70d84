from __future__ import annotations

from typing import TYPE_CHECKING

import django_rq

from operations.reaper import ALIVE_KEY, Reaper

if TYPE_CHECKING:
    import pytest
    from django.test import Client
    from redis import Redis


def test_healthz_reports_database_redis_and_a_live_reaper(client: Client, db: None) -> None:
    Reaper().run_pass()

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok", "reaper": "ok"}


def test_healthz_turns_red_when_no_reaper_has_run(
    client: Client, db: None, redis_conn: Redis
) -> None:
    Reaper().run_pass()
    redis_conn.delete(ALIVE_KEY)  # what its TTL does once the reaper stops

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "redis": "ok", "reaper": "unreachable"}


def test_healthz_says_when_redis_is_unreachable_without_naming_it(
    client: Client, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = {**django_rq.settings.QUEUES["default"], "URL": "redis://:hunter2@127.0.0.1:1/0"}
    monkeypatch.setitem(django_rq.settings.QUEUES, "default", dead)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["redis"] == "unreachable"
    assert b"hunter2" not in response.content and b"127.0.0.1" not in response.content
