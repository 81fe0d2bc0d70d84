"""Content-Security-Policy: Django's middleware with nonces; our pages need nothing inline."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from monitoring.links import run_url
from tests.factories import OperationRunFactory
from tests.support.matching import found

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from django.test import Client

    from tenantatlas.models import Tenant

PAGES = [
    "/t/acme/monitoring/operations/",
    "/t/acme/inventory/",
    "/t/acme/drift/",
    "/t/acme/backups/",
    "/t/acme/notifications/",
]


def test_every_page_has_a_strict_policy_and_its_scripts_carry_the_nonce(
    login: Callable[[User], Client], owner: User, tenant: Tenant
) -> None:
    OperationRunFactory.create(tenant=tenant)
    client = login(owner)

    for url in [*PAGES, run_url(OperationRunFactory.create(tenant=tenant))]:
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        nonce = found(r"'nonce-([^']+)'", policy)
        body = response.content.decode()
        assert "script-src 'self' 'nonce-" in policy and "style-src 'self'" in policy, url
        assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy, url
        assert 'style="' not in body and " onclick=" not in body and " onchange=" not in body, url
        for tag in re.findall(r"<script[^>]*>", body):
            assert f'nonce="{nonce}"' in tag, (url, tag)


@pytest.mark.django_db
def test_the_admin_gets_its_own_policy_for_its_inline_scripts(
    client: Client, admin_user: User
) -> None:
    client.force_login(admin_user)

    policy = client.get("/admin/")["Content-Security-Policy"]

    assert "script-src 'self' 'unsafe-inline'" in policy and "frame-ancestors 'none'" in policy


def test_the_sign_in_page_is_covered_too(client: Client, db: None) -> None:
    assert "default-src 'self'" in client.get("/accounts/login/")["Content-Security-Policy"]
