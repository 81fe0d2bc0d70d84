"""Sign in as the owner, see a tenant page, sign out: through a real browser and a live server."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from tenantatlas.models import Role
from tests.factories import MembershipFactory, TenantFactory, UserFactory

if TYPE_CHECKING:
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_owner_signs_in_sees_the_tenant_and_signs_out(live_server: LiveServer, page: Page) -> None:
    owner = UserFactory.create(username="owner")
    MembershipFactory.create(
        user=owner, tenant=TenantFactory.create(slug="contoso", name="Contoso"), role=Role.OWNER
    )
    MembershipFactory.create(
        user=owner, tenant=TenantFactory.create(slug="fabrikam", name="Fabrikam"), role=Role.OWNER
    )

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("pw-for-tests-1")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Your tenants")).to_be_visible()
    page.get_by_role("link", name="Contoso").click()
    expect(page).to_have_url(f"{live_server.url}/t/contoso/monitoring/operations/")
    expect(page.get_by_role("link", name="Monitoring → Operations")).to_be_visible()
    expect(page.get_by_test_id("unread-count")).to_have_count(0)  # nothing unread: no badge

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to TenantAtlas")).to_be_visible()
    page.goto(f"{live_server.url}/t/contoso/monitoring/operations/")
    expect(page).to_have_url(
        f"{live_server.url}/accounts/login/?next=/t/contoso/monitoring/operations/"
    )
