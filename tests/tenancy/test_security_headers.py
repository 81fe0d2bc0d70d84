"""Permissions-Policy everywhere; no cache keeps what a signed-in person sees (pages, exports)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from backups.models import BackupSet

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from django.test import Client

    from tenantatlas.models import Tenant

pytestmark = pytest.mark.django_db


def test_authenticated_pages_and_the_api_are_never_stored(
    login: Callable[[User], Client], owner: User
) -> None:
    client = login(owner)

    for url in ("/t/acme/monitoring/operations/", "/api/v1/t/acme/runs/", "/t/acme/backups/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


def test_a_backup_export_is_never_stored(
    login: Callable[[User], Client], owner: User, tenant: Tenant
) -> None:
    backup_set = BackupSet.objects.create(tenant=tenant, name="Baseline", created_by=owner)

    response = login(owner).get(f"/t/acme/backups/{backup_set.pk}/export/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]


def test_every_answer_carries_a_permissions_policy(
    client: Client, login: Callable[[User], Client], owner: User
) -> None:
    for response in (client.get("/accounts/login/"), login(owner).get("/t/acme/drift/")):
        assert "camera=()" in response["Permissions-Policy"]
        assert "geolocation=()" in response["Permissions-Policy"]
