"""A dead Redis at start: the person gets the run page with the reason, never a 500."""

from __future__ import annotations

from typing import TYPE_CHECKING

import django_rq
import pytest

from monitoring.links import run_url
from operations.models import Notification, OperationRun, RunStatus

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from django.test import Client


@pytest.fixture
def dead_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    dead = {**django_rq.settings.QUEUES["default"], "URL": "redis://127.0.0.1:1/0"}
    monkeypatch.setitem(django_rq.settings.QUEUES, "default", dead)


@pytest.mark.django_db(transaction=True)
def test_starting_a_sync_with_redis_down_shows_the_failed_run(
    login: Callable[[User], Client], operator: User, dead_redis: None
) -> None:
    client = login(operator)

    response = client.post("/t/acme/inventory/sync/", follow=True)

    run = OperationRun.objects.get()
    assert response.status_code == 200
    assert response.redirect_chain[0][0] == run_url(run)
    assert run.status == RunStatus.FAILED
    assert "job queue (Redis) is unreachable" in response.content.decode()
    assert Notification.objects.filter(user=operator, title="Inventory sync failed").exists()
    assert b"127.0.0.1:1" not in response.content
