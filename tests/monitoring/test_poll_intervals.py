"""The live parts poll at the intervals settings.py gives (production: 2 s and 3 s).

The browser tests set short ones (tests/conftest.py); these check that every
polling element follows the settings, so those tests watch the real pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from monitoring.context_processors import htmx_interval
from operations.models import RunStatus
from tests.factories import NotificationFactory, OperationRunFactory
from tests.support.matching import found

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from django.test import Client

    from tenantatlas.models import Tenant


@pytest.mark.parametrize(
    ("seconds", "shown"), [(2.0, "2s"), (3, "3s"), (0.25, "250ms"), (1.5, "1500ms")]
)
def test_an_interval_reads_as_htmx_reads_it(seconds: float, shown: str) -> None:
    assert htmx_interval(seconds) == shown


def test_progress_rows_and_bell_poll_at_the_configured_intervals(
    login: Callable[[User], Client], reader: User, tenant: Tenant, settings: Any
) -> None:
    settings.HUB_POLL_SECONDS = 0.25
    settings.BELL_POLL_SECONDS = 0.5
    run = OperationRunFactory.create(tenant=tenant, status=RunStatus.RUNNING, total=4)
    NotificationFactory.create(tenant=tenant, user=reader, run=run)  # the bell polls for it
    client = login(reader)

    detail = client.get(f"/t/acme/monitoring/operations/{run.pk}/").content.decode()
    hub = client.get("/t/acme/monitoring/operations/").content.decode()
    bell = client.get("/t/acme/notifications/bell/").content.decode()

    assert 'hx-trigger="every 250ms"' in found(r'<section id="run-progress"[^>]*>', detail, 0)
    assert 'hx-trigger="every 250ms, focus' in found(r'<tbody id="run-rows"[^>]*>', hub, 0)
    assert 'hx-trigger="every 500ms"' in found(r'<a class="bell"[^>]*>', bell, 0)
