"""A tenant's connection: which policy source its syncs read, and with what credentials."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from inventory.crypto import (
    CredentialsUnavailable,
    decrypt_certificate,
    decrypt_secret,
    encrypt_secret,
)
from inventory.models import AuthMethod, ConnectionKind, TenantConnection
from inventory.sources.base import POLICY_TYPES, PolicySource
from inventory.sources.demo import DemoSource
from inventory.sources.graph import (
    CertificateBundle,
    CertificateBundleError,
    CertificateCredential,
    ClientCredential,
    GraphSource,
    SecretCredential,
)
from inventory.sources.paced import PacedSource
from operations.errors import RunError
from tenantatlas.models import Tenant

NOT_CONFIGURED_HINT = (
    "An owner or manager can set the Entra tenant id, client id and client secret "
    "(or certificate) on Inventory → Connection."
)


class ConnectionNotConfigured(RunError):
    """The connection cannot be used as it is; raised before any network call (fails the run)."""

    code = "not_configured"
    hint = NOT_CONFIGURED_HINT


def connection_for(tenant: Tenant) -> TenantConnection:
    """The tenant's connection; a tenant without one gets the demo source on first use."""
    connection, _ = TenantConnection.objects.get_or_create(
        tenant=tenant, defaults={"kind": ConnectionKind.DEMO, "demo_seed": tenant.slug}
    )
    connection.tenant = tenant  # spare a query wherever tenant is read next
    return connection


def connection_or_default(tenant: Tenant) -> TenantConnection:
    """The stored connection, or an unsaved demo one (for a form: reading creates nothing)."""
    stored = TenantConnection.objects.for_tenant(tenant).first()
    if stored is None:
        stored = TenantConnection(tenant=tenant, kind=ConnectionKind.DEMO, demo_seed=tenant.slug)
    stored.tenant = tenant
    return stored


def set_secret(connection: TenantConnection, plain: str) -> None:
    """Store a new client secret, encrypted (CredentialsUnavailable if no key is configured)."""
    connection.client_secret_encrypted = encrypt_secret(plain)
    connection.secret_updated_at = timezone.now()


def set_certificate(connection: TenantConnection, bundle: CertificateBundle) -> None:
    """Store a validated key + certificate, encrypted; keep its public facts for the page."""
    connection.certificate_encrypted = encrypt_secret(bundle.pem())
    connection.certificate_thumbprint = bundle.thumbprint
    connection.certificate_expires_at = bundle.not_valid_after
    connection.certificate_updated_at = timezone.now()


def clear_certificate(connection: TenantConnection) -> None:
    connection.certificate_encrypted = ""
    connection.certificate_thumbprint = ""
    connection.certificate_expires_at = None
    connection.certificate_updated_at = None


def source_for(
    connection: TenantConnection,
    policy_types: tuple[str, ...] = POLICY_TYPES,
    *,
    http: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PolicySource:
    """The policy source a sync of this connection reads (tests pass ``http`` and ``sleep``)."""
    if connection.kind == ConnectionKind.GRAPH:
        return _graph_source(connection, policy_types, http=http, sleep=sleep)
    demo = DemoSource(
        connection.demo_seed or connection.tenant.slug,
        connection.demo_generation,
        size=connection.demo_size,
        fail_every=connection.demo_fail_every,
        policy_types=policy_types,
    )
    if settings.DEMO_SYNC_SECONDS > 0:
        return PacedSource(demo, seconds=settings.DEMO_SYNC_SECONDS, sleep=sleep)
    return demo


def _graph_source(
    connection: TenantConnection,
    policy_types: tuple[str, ...],
    *,
    http: httpx.Client | None,
    sleep: Callable[[float], None],
) -> GraphSource:
    proof = (
        ("certificate", connection.certificate_encrypted)
        if connection.auth_method == AuthMethod.CERTIFICATE
        else ("client secret", connection.client_secret_encrypted)
    )
    missing = [
        name
        for name, value in (
            ("Entra tenant id", connection.tenant.entra_tenant_id),
            ("client id", connection.client_id),
            proof,
        )
        if not value
    ]
    if missing:
        raise ConnectionNotConfigured(
            f"The Microsoft Graph connection is not configured: {', '.join(missing)} missing."
        )
    return GraphSource(
        connection.tenant.entra_tenant_id,
        connection.client_id,
        _credential(connection),
        http=http,
        sleep=sleep,
        policy_types=policy_types,
        retry_after_ceiling=settings.GRAPH_RETRY_AFTER_MAX,
        cloud=connection.cloud,
    )


def _credential(connection: TenantConnection) -> ClientCredential:
    """The stored credential the connection's auth method names, decrypted (or not configured)."""
    try:
        if connection.auth_method != AuthMethod.CERTIFICATE:
            return SecretCredential(decrypt_secret(connection.client_secret_encrypted))
        return CertificateCredential(decrypt_certificate(connection.certificate_encrypted))
    except CredentialsUnavailable as exc:
        raise ConnectionNotConfigured(str(exc)) from None
    except CertificateBundleError:
        # Validated when it was stored: only a damaged row gets here.
        raise ConnectionNotConfigured(
            "The stored certificate cannot be used; upload the certificate and its key again."
        ) from None


def advance_demo(connection: TenantConnection) -> None:
    """Move the demo tenant one generation on, so the next sync sees a changed inventory."""
    if connection.kind != ConnectionKind.DEMO:
        return
    # F(): two syncs of different scopes may finish at once; neither step is lost.
    TenantConnection.objects.filter(pk=connection.pk).update(
        demo_generation=F("demo_generation") + 1
    )
