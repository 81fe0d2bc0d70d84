"""Staff see a connection's certificate thumbprint and expiry, never its ciphertext."""

from __future__ import annotations

from typing import TYPE_CHECKING

from inventory.models import TenantConnection

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from django.test import Client

    from tenantatlas.models import Tenant


def test_connection_admin_hides_ciphertexts(
    owner: User, login: Callable[[User], Client], tenant: Tenant
) -> None:
    owner.is_staff = owner.is_superuser = True
    owner.save()
    connection = TenantConnection.objects.create(
        tenant=tenant,
        client_secret_encrypted="gAAAA-secret-ciphertext",
        certificate_encrypted="gAAAA-certificate-ciphertext",
        certificate_thumbprint="ab" * 20,
    )

    page = login(owner).get(f"/admin/inventory/tenantconnection/{connection.pk}/change/")

    assert page.status_code == 200
    assert b"ab" * 20 in page.content
    assert b"ciphertext" not in page.content
