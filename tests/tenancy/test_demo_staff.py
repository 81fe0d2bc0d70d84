"""The demo's owner is no superuser; a separate staff account opens /admin/ and the queues."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from demo.seed.cast import STAFF_USERNAME, seed_cast
from tenantatlas.models import Membership

pytestmark = pytest.mark.django_db


def test_the_owner_is_a_tenant_owner_and_nothing_more(client: Client) -> None:
    cast = seed_cast("atlas-demo-2026")
    client.force_login(cast.users["owner"])

    assert not cast.users["owner"].is_staff and not cast.users["owner"].is_superuser
    assert client.get("/admin/").status_code == 302  # to the admin's own sign-in
    assert client.get("/admin/django_rq/dashboard/").status_code == 302


def test_the_staff_account_opens_the_admin_and_the_queue_dashboard_but_no_tenant() -> None:
    cast = seed_cast("atlas-demo-2026")
    staff = Client()

    response = staff.post(
        "/accounts/login/", {"username": STAFF_USERNAME, "password": "atlas-demo-2026"}
    )
    assert response.status_code == 302
    assert staff.get("/admin/").status_code == 200
    assert staff.get("/admin/django_rq/dashboard/").status_code == 200
    assert not Membership.objects.filter(user=cast.users[STAFF_USERNAME]).exists()
    assert staff.get("/t/contoso/monitoring/operations/").status_code == 403


def test_seeding_again_demotes_an_older_demos_superuser_owner() -> None:
    User.objects.create_user("owner", is_staff=True, is_superuser=True)

    cast = seed_cast("atlas-demo-2026")

    assert not User.objects.get(pk=cast.users["owner"].pk).is_superuser
