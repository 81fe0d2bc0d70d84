"""Staff see a connection's certificate thumbprint and expiry, never its ciphertext."""

from inventory.models import TenantConnection


def test_connection_admin_hides_ciphertexts(owner, login, tenant):
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
