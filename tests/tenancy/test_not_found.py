"""Unknown addresses get the app's 404 page, never Django's debug page, also with DEBUG=True."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from django.test import Client
    from pytest_django import Settings

    from tenantatlas.models import Tenant
    from tests.support.responses import TestResponse

DEBUG_MARKERS = ("Using the URLconf", "You're seeing this error because you have", "technical_404")


def assert_app_404(response: TestResponse) -> None:
    assert response.status_code == 404
    body = response.content.decode()
    assert "There is nothing at this address." in body
    for marker in DEBUG_MARKERS:
        assert marker not in body


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize(
    "path",
    [
        "/t/acme/monitoring/operations/abc/",
        "/t/acme/no-such-section/",
        "/no/such/page/",
    ],
)
def test_unknown_address_shows_the_apps_404_page(
    settings: Settings, login: Callable[[User], Client], operator: User, path: str, debug: bool
) -> None:
    settings.DEBUG = debug

    assert_app_404(login(operator).get(path))


def test_a_views_http404_also_gets_the_apps_page_under_debug(
    settings: Settings, login: Callable[[User], Client], owner: User, tenant: Tenant
) -> None:
    from django.urls import reverse

    from backups.models import BackupSet

    settings.DEBUG = True
    backup_set = BackupSet.objects.create(tenant=tenant, name="B", created_by=owner)
    # A view-raised Http404 (no version of this policy in the set), not a resolver miss.
    url = reverse(
        "backups:versions",
        kwargs={"tenant_slug": "acme", "backup_set_id": backup_set.pk, "policy_id": 999999},
    )

    assert_app_404(login(owner).get(url))


def test_unknown_api_address_answers_json_404_under_debug(
    settings: Settings, login: Callable[[User], Client], operator: User
) -> None:
    settings.DEBUG = True

    response = login(operator).get("/api/v1/t/acme/no-such-endpoint/")

    assert response.status_code == 404
    assert response.json() == {"error": "not found"}


def test_append_slash_still_redirects(
    settings: Settings, login: Callable[[User], Client], operator: User
) -> None:
    settings.DEBUG = True

    response = login(operator).get("/t/acme/monitoring/operations")

    assert response.status_code == 301
    assert response["Location"] == "/t/acme/monitoring/operations/"
