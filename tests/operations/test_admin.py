"""The Django admin shows runs read-only and lists notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

import tests.support.producers  # noqa: F401
from operations.lifecycle import run_inline
from tests.factories import NotificationFactory

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from django.test import Client

    from tenantatlas.models import Tenant


@pytest.fixture
def staff_client(owner: User, login: Callable[[User], Client]) -> Client:
    owner.is_staff = owner.is_superuser = True
    owner.save()
    return login(owner)


def test_run_admin_shows_a_run_without_an_add_button(staff_client: Client, tenant: Tenant) -> None:
    run = run_inline(tenant=tenant, run_type="test.items", context={"items": 2})

    listing = staff_client.get("/admin/operations/operationrun/")
    change = staff_client.get(f"/admin/operations/operationrun/{run.pk}/change/")

    assert listing.status_code == change.status_code == 200
    assert b"/admin/operations/operationrun/add/" not in listing.content
    assert b'name="status"' not in change.content  # every field is read-only


def test_notification_admin_lists_notifications(
    staff_client: Client, tenant: Tenant, owner: User
) -> None:
    NotificationFactory.create(tenant=tenant, user=owner, title="Inventory sync queued")

    response = staff_client.get("/admin/operations/notification/")

    assert b"Inventory sync queued" in response.content


def test_tenant_admin_lists_tenants(staff_client: Client, tenant: Tenant) -> None:
    assert b"Acme Corp" in staff_client.get("/admin/tenantatlas/tenant/").content
