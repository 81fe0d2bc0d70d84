"""A tenant's connection: which policy source its syncs read, and with what credentials."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from django.conf import settings
from django.utils import timezone

from inventory import source_registry
from inventory.crypto import (
    CredentialsUnavailable,
    decrypt_certificate,
    decrypt_secret,
    encrypt_secret,
)
from inventory.models import AuthMethod, ConnectionKind, TenantConnection
from inventory.sources.base import POLICY_TYPES, PolicySource
from inventory.sources.graph import (
    CertificateBundle,
    CertificateBundleError,
    CertificateCredential,
    ClientCredential,
    GraphSource,
    SecretCredential,
)
from operations.errors import RunError
from tenantatlas.models import Tenant

NOT_CONFIGURED_HINT = (
    "An owner or manager can set the Entra tenant id, client id and client secret "
    "(or certificate) on Inventory → Connection."
)


NOT_CONNECTED = (
    "Not connected: add a Microsoft Graph connection on Inventory → Connection to sync this tenant."
)
NOT_CONNECTED_HINT = (
    "An owner or manager can add one on Inventory → Connection (Entra tenant id, "
    "client id and client secret or certificate)."
)


class ConnectionNotConfigured(RunError):
    """The connection cannot be used as it is; raised before any network call (fails the run)."""

    code = "not_configured"
    hint = NOT_CONFIGURED_HINT


class NotConnected(ConnectionNotConfigured):
    """The tenant has no connection (and no plugged-in source is given to new tenants)."""

    code = "not_connected"
    hint = NOT_CONNECTED_HINT

    def __init__(self) -> None:
        super().__init__(NOT_CONNECTED)


def connection_for(tenant: Tenant) -> TenantConnection:
    """The tenant's connection: NotConnected without one, unless a plugged-in source (the
    demo, when enabled) is given to new tenants, which then gets it on first use."""
    default = source_registry.default_for_new_tenants()
    if default is None:
        connection = TenantConnection.objects.for_tenant(tenant).first()
        if connection is None:
            raise NotConnected
    else:
        connection, _ = TenantConnection.objects.get_or_create(
            tenant=tenant, defaults={"kind": default.kind}
        )
    connection.tenant = tenant  # spare a query wherever tenant is read next
    return connection


def is_connected(tenant: Tenant) -> bool:
    """Whether a sync of this tenant has something to read (without creating anything)."""
    return (
        source_registry.default_for_new_tenants() is not None
        or TenantConnection.objects.for_tenant(tenant).exists()
    )


def connection_or_default(tenant: Tenant) -> TenantConnection:
    """The stored connection, or an unsaved new one (for a form: reading creates nothing)."""
    stored = TenantConnection.objects.for_tenant(tenant).first()
    if stored is None:
        default = source_registry.default_for_new_tenants()
        stored = TenantConnection(
            tenant=tenant, kind=default.kind if default else ConnectionKind.GRAPH
        )
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
    return _plugged(connection).build(connection, policy_types, sleep)


def _plugged(connection: TenantConnection) -> source_registry.PluggedSource:
    plugged = source_registry.plugged(connection.kind)
    if plugged is None:  # e.g. a demo connection kept from a trial, the demo now off
        raise ConnectionNotConfigured(
            f"The {connection.get_kind_display().lower()} is not enabled on this installation: "
            "choose Microsoft Graph on Inventory → Connection."
        )
    return plugged


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


def after_sync(connection: TenantConnection) -> None:
    """A sync of this connection succeeded: let a plugged-in source move on (the demo's
    next generation); Microsoft Graph keeps no state of its own here."""
    plugged = source_registry.plugged(connection.kind)
    if plugged is not None:
        plugged.after_sync(connection)
