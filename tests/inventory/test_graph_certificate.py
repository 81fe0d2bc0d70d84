"""App-only Graph authentication with a certificate: what msal sends, the sync, the page.

Keys and certificates are throwaway ones generated here with ``cryptography``;
respx answers every HTTP request (an unrouted one fails the test), so nothing
reaches the network. Every scenario checks that the private key, the PEM, the
client assertion and the access token end up in no row, page or log line.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from cryptography import x509
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from inventory import connections
from inventory.connections import set_certificate, source_for
from inventory.crypto import decrypt_certificate
from inventory.models import (
    AuthMethod,
    ConnectionKind,
    InventorySync,
    SyncStatus,
    TenantConnection,
)
from inventory.sources.base import SourceError
from inventory.sources.graph import (
    ENDPOINTS,
    HINT_ASSERTION_TIME,
    HINT_REJECTED_CERTIFICATE,
    MSG_BAD_KEY,
    MSG_ENCRYPTED,
    MSG_MANY_KEYS,
    MSG_MISMATCH,
    MSG_NO_CERTIFICATE,
    MSG_NO_KEY,
    MSG_NOT_RSA,
    MSG_SMALL_KEY,
    CertificateBundleError,
    CertificateCredential,
    GraphSource,
    SecretCredential,
    load_certificate_bundle,
)
from operations.models import RunFailure, StatusBucket
from tenantatlas.models import Tenant
from tests.inventory.graph_fakes import (
    CLIENT,
    DEVICE_CONFIGS,
    ENTRA_TENANT,
    TOKEN,
    TOKEN_ENDPOINT,
    graph_page,
    stored_and_shown,
    sync_via_page,
    token_ok,
)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"  # RFC 7523


# --- throwaway keys and certificates -------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def key_pem(self) -> str:
        return _key_pem(self.key)

    @property
    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def bundle(self) -> str:
        return self.key_pem + self.certificate_pem

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def thumbprint(self) -> str:
        return hashlib.sha1(self.der, usedforsecurity=False).hexdigest().upper()

    def key_material(self) -> list[str]:
        """Every base64 line of the key in the usual encodings, and the whole bodies."""
        texts = []
        for fmt in (
            serialization.PrivateFormat.PKCS8,
            serialization.PrivateFormat.TraditionalOpenSSL,
        ):
            lines = _key_pem(self.key, fmt).strip().splitlines()[1:-1]
            texts += [*lines, "".join(lines)]
        return texts


def _key_pem(key: Any, fmt: Any = serialization.PrivateFormat.PKCS8, password: bytes = b"") -> str:
    encryption: Any = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    pem: bytes = key.private_bytes(serialization.Encoding.PEM, fmt, encryption)
    return pem.decode()


def _certificate(key: Any, *, expires: datetime | None = None) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TenantAtlas test")])
    not_after = expires or datetime.now(UTC) + timedelta(days=365)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_after - timedelta(days=400))
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )


def _pair(*, expires: datetime | None = None) -> Pair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return Pair(key, _certificate(key, expires=expires))


@pytest.fixture(scope="module")
def pair() -> Pair:
    return _pair()


@pytest.fixture(scope="module")
def other() -> Pair:
    return _pair()


def _b64decode(segment: str) -> bytes:
    assert "=" not in segment  # base64url without padding
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def _config(n: int) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.windows10GeneralConfiguration",
        "id": f"00000000-0000-0000-0000-{n:012d}",
        "displayName": f"Windows 10 - Policy {n}",
        "passwordRequired": True,
    }


def _rejected_assertion(request: httpx.Request) -> httpx.Response:
    """Entra's answer for a certificate it does not know, hostile: it echoes the assertion."""
    assertion = _form(request)["client_assertion"]
    return httpx.Response(
        401,
        json={
            "error": "invalid_client",
            "error_description": (
                "AADSTS700027: The certificate with identifier used to sign the client "
                f"assertion is not registered on application. client_assertion={assertion} "
                f"[{assertion}]\r\nTrace ID: 0d1e2f3a\r\nCorrelation ID: 9a8b7c6d"
            ),
            "error_codes": [700027],
            "trace_id": "0d1e2f3a",
            "correlation_id": "9a8b7c6d",
        },
    )


@pytest.fixture(autouse=True)
def _capture_every_log_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)


def _source(pair: Pair, **kwargs: Any) -> GraphSource:
    credential = CertificateCredential(pair.key_pem, pair.certificate_pem)
    return GraphSource(
        ENTRA_TENANT,
        CLIENT,
        credential,
        http=httpx.Client(),
        sleep=lambda _: None,
        policy_types=("deviceConfiguration",),
        **kwargs,
    )


def _assert_no_key_material(pair: Pair, texts: Sequence[str], secrets: Sequence[str] = ()) -> None:
    for text in texts:
        for material in [*pair.key_material(), *secrets, TOKEN, "ACCESS-TOKEN-BODY"]:
            assert material not in text


# --- the token request and its client assertion ---------------------------------------------------


def test_the_token_request_sends_a_client_assertion_and_no_secret(
    pair: Pair, router: respx.MockRouter
) -> None:
    token = router.post(url__eq=TOKEN_ENDPOINT).mock(return_value=token_ok())
    graph = router.get(url__eq=DEVICE_CONFIGS).mock(return_value=graph_page([_config(1)]))

    items = [item for page in _source(pair).pages() for item in page]

    assert len(items) == 1
    assert graph.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"
    form = _form(token.calls.last.request)
    assert set(form) == {
        "grant_type",
        "client_id",
        "scope",
        "client_assertion_type",
        "client_assertion",
        "client_info",  # msal's own field
    }
    assert form["grant_type"] == "client_credentials"
    assert form["client_id"] == CLIENT
    assert form["scope"] == "https://graph.microsoft.com/.default"
    assert form["client_assertion_type"] == ASSERTION_TYPE
    assert "client_secret" not in token.calls.last.request.content.decode()


def test_the_assertion_msal_sends_names_the_certificate_has_the_right_claims_and_verifies(
    pair: Pair, router: respx.MockRouter
) -> None:
    token = router.post(url__eq=TOKEN_ENDPOINT).mock(return_value=token_ok())
    router.get(url__eq=DEVICE_CONFIGS).mock(return_value=graph_page([]))
    source = _source(pair)
    list(source.pages())
    source._drop_token()  # as a 401 would: the next request signs a new assertion
    list(source.pages())

    first, again = (_form(call.request)["client_assertion"] for call in token.calls)
    header_part, claims_part, signature_part = first.split(".")
    header = json.loads(_b64decode(header_part))
    claims = json.loads(_b64decode(claims_part))
    # The certificate's SHA-256 thumbprint and PS256 (msal's form for Entra), and the
    # certificate itself for subject-name/issuer authentication.
    assert header["alg"] == "PS256"
    assert base64.urlsafe_b64decode(header["x5t#S256"]) == hashlib.sha256(pair.der).digest()
    assert base64.b64decode(header["x5c"][0]) == pair.der
    assert claims["aud"] == TOKEN_ENDPOINT
    assert claims["iss"] == claims["sub"] == CLIENT
    assert uuid.UUID(claims["jti"])
    assert claims["iat"] <= time.time() < claims["exp"] <= time.time() + 3600
    # Raises InvalidSignature unless the certificate's key signed exactly these two parts.
    key = pair.certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(
        _b64decode(signature_part),
        f"{header_part}.{claims_part}".encode(),
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO),
        hashes.SHA256(),
    )
    assert pair.key_pem not in first + again


def test_one_bundle_two_parts_and_a_chain_give_the_same_certificate(
    pair: Pair, other: Pair
) -> None:
    chain = pair.key_pem + other.certificate_pem + pair.certificate_pem  # the right one second

    credentials = [
        CertificateCredential(pair.key_pem, pair.certificate_pem),
        CertificateCredential(pair.bundle),
        CertificateCredential(chain.replace("\n", "\r\n")),  # pasted from a Windows editor
    ]

    assert {c.thumbprint for c in credentials} == {pair.thumbprint}
    assert load_certificate_bundle(chain).not_valid_after == pair.certificate.not_valid_after_utc


def _bad_bundles(pair: Pair, other: Pair) -> list[tuple[str, str, str]]:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - refused
    traditional = serialization.PrivateFormat.TraditionalOpenSSL
    return [
        ("garbage", "this is not a PEM at all", MSG_NO_KEY),
        ("certificate only", pair.certificate_pem, MSG_NO_KEY),
        ("key only", pair.key_pem, MSG_NO_CERTIFICATE),
        ("mismatched", pair.key_pem + other.certificate_pem, MSG_MISMATCH),
        (
            "encrypted pkcs8",
            _key_pem(pair.key, password=b"pw") + pair.certificate_pem,
            MSG_ENCRYPTED,
        ),
        (
            "encrypted traditional",
            _key_pem(pair.key, traditional, b"pw") + pair.certificate_pem,
            MSG_ENCRYPTED,
        ),
        ("two keys", pair.key_pem + other.key_pem + pair.certificate_pem, MSG_MANY_KEYS),
        (
            "broken key",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" + pair.certificate_pem,
            MSG_BAD_KEY,
        ),
        (
            "ec key",
            _key_pem(ec_key)
            + _certificate(ec_key).public_bytes(serialization.Encoding.PEM).decode(),
            MSG_NOT_RSA,
        ),
        ("small key", _key_pem(small) + pair.certificate_pem, MSG_SMALL_KEY),
    ]


def test_unusable_bundles_are_refused_with_a_clear_message_without_key_material(
    pair: Pair, other: Pair
) -> None:
    for name, text, message in _bad_bundles(pair, other):
        with pytest.raises(CertificateBundleError) as caught:
            load_certificate_bundle(text)
        assert str(caught.value) == message, name
        _assert_no_key_material(pair, ["".join(traceback.format_exception(caught.value))])


def test_an_unregistered_certificate_is_auth_failed_with_an_upload_hint_and_no_assertion(
    pair: Pair, router: respx.MockRouter
) -> None:
    token = router.post(url__eq=TOKEN_ENDPOINT).mock(side_effect=_rejected_assertion)
    source = _source(pair)

    with pytest.raises(SourceError) as caught:
        list(source.pages())

    error = caught.value
    assertion = _form(token.calls.last.request)["client_assertion"]
    assert error.code == "auth_failed"
    assert "AADSTS700027" in error.message
    assert "9a8b7c6d" in error.message  # the correlation id, for support
    assert error.hint == HINT_REJECTED_CERTIFICATE
    assert "upload its public part" in error.hint
    assert "[redacted]" in error.message
    texts = [str(error), repr(error), error.hint, "".join(traceback.format_exception(error))]
    texts += [repr(source), repr(source._credential)]
    _assert_no_key_material(pair, texts, [assertion, assertion.rsplit(".", 1)[1]])
    assert pair.thumbprint in repr(source)  # public: it names which certificate is in use


def test_an_assertion_outside_its_time_window_hints_at_the_clock(
    pair: Pair, router: respx.MockRouter
) -> None:
    router.post(url__eq=TOKEN_ENDPOINT).respond(
        400,
        json={
            "error": "invalid_client",
            "error_description": (
                "AADSTS700024: Client assertion is not within its valid time range."
            ),
            "error_codes": [700024],
        },
    )

    with pytest.raises(SourceError) as caught:
        list(_source(pair).pages())

    assert (caught.value.code, caught.value.hint) == ("auth_failed", HINT_ASSERTION_TIME)


def test_a_secret_credential_still_sends_the_secret(router: respx.MockRouter) -> None:
    token = router.post(url__eq=TOKEN_ENDPOINT).mock(return_value=token_ok())
    router.get(url__eq=DEVICE_CONFIGS).mock(return_value=graph_page([]))
    source = GraphSource(
        ENTRA_TENANT, CLIENT, SecretCredential("s3cr3t-value"), http=httpx.Client(),
        policy_types=("deviceConfiguration",),
    )  # fmt: skip

    list(source.pages())

    form = _form(token.calls.last.request)
    assert form["client_secret"] == "s3cr3t-value"
    assert "client_assertion" not in form
    assert "s3cr3t-value" not in repr(source)


# --- the sync, through the real job -----------------------------------------------------------


@pytest.fixture
def certificate_tenant(tenant: Tenant, settings: Settings, pair: Pair) -> Tenant:
    settings.CREDENTIALS_KEY = Fernet.generate_key().decode()
    tenant.entra_tenant_id = ENTRA_TENANT
    tenant.save()
    connection = TenantConnection(
        tenant=tenant,
        kind=ConnectionKind.GRAPH,
        client_id=CLIENT,
        auth_method=AuthMethod.CERTIFICATE,
    )
    set_certificate(connection, load_certificate_bundle(pair.bundle))
    connection.save()
    return tenant


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    sleeps: list[float] = []
    monkeypatch.setattr(
        connections, "source_for", partial(connections.source_for, sleep=sleeps.append)
    )
    return sleeps


@pytest.mark.django_db(transaction=True)
def test_a_certificate_connection_syncs_into_a_complete_snapshot(
    certificate_tenant: Tenant,
    pair: Pair,
    operator: User,
    owner: User,
    login: Callable[[User], Client],
    work_queue: Callable[[], int],
    router: respx.MockRouter,
    no_sleep: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = router.post(url__eq=TOKEN_ENDPOINT).mock(return_value=token_ok())
    router.get(url__eq=DEVICE_CONFIGS).mock(return_value=graph_page([_config(1), _config(2)]))
    for policy_type in ("compliancePolicy", "settingsCatalog", "groupPolicyConfiguration"):
        router.get(url__eq=ENDPOINTS[policy_type]).mock(return_value=graph_page([]))

    run = sync_via_page(login, operator, work_queue)

    assert run.bucket == StatusBucket.SUCCEEDED
    sync = InventorySync.objects.get(run=run)
    assert (sync.status, sync.is_complete, sync.item_count) == (SyncStatus.SUCCEEDED, True, 2)
    form = _form(token.calls.last.request)
    assert form["client_assertion_type"] == ASSERTION_TYPE
    assert "client_secret" not in form
    assertion = form["client_assertion"]
    texts = stored_and_shown(login(owner), run, caplog)
    _assert_no_key_material(pair, texts, [assertion])
    connection = TenantConnection.objects.get(tenant=certificate_tenant)
    assert connection.certificate_encrypted not in "".join(texts[1:])  # pages and logs


@pytest.mark.django_db(transaction=True)
def test_an_unregistered_certificate_fails_the_sync_with_the_upload_hint(
    certificate_tenant: Tenant,
    pair: Pair,
    operator: User,
    owner: User,
    login: Callable[[User], Client],
    work_queue: Callable[[], int],
    router: respx.MockRouter,
    no_sleep: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = router.post(url__eq=TOKEN_ENDPOINT).mock(side_effect=_rejected_assertion)
    graph = router.get(url__eq=DEVICE_CONFIGS)

    run = sync_via_page(login, operator, work_queue)

    assert run.bucket == StatusBucket.FAILED
    assert graph.call_count == 0
    failure = RunFailure.objects.get(run=run)
    assert failure.code == "auth_failed"
    assert "AADSTS700027" in failure.message
    assert "upload its public part" in failure.message
    assert "upload its public part" in run.failure_reason
    assert "AADSTS700027" in caplog.text  # the worker's log was captured, and it is clean
    assertion = _form(token.calls.last.request)["client_assertion"]
    texts = stored_and_shown(login(owner), run, caplog)
    _assert_no_key_material(pair, texts, [assertion, assertion.rsplit(".", 1)[1]])


@pytest.mark.django_db(transaction=True)
def test_the_certificate_method_without_a_certificate_fails_before_any_request(
    certificate_tenant: Tenant,
    operator: User,
    login: Callable[[User], Client],
    work_queue: Callable[[], int],
    router: respx.MockRouter,
    no_sleep: list[float],
) -> None:
    connection = TenantConnection.objects.get(tenant=certificate_tenant)
    connection.certificate_encrypted = ""
    connection.client_secret_encrypted = "a stored secret does not stand in for the certificate"
    connection.save()

    run = sync_via_page(login, operator, work_queue)

    assert run.bucket == StatusBucket.FAILED
    assert RunFailure.objects.get(run=run).code == "not_configured"
    assert "certificate missing" in run.failure_reason
    assert len(router.calls) == 0


@pytest.mark.django_db
def test_source_for_builds_the_credential_the_method_names(
    certificate_tenant: Tenant, pair: Pair
) -> None:
    connection = TenantConnection.objects.get(tenant=certificate_tenant)

    source = source_for(connection)

    assert isinstance(source, GraphSource)
    assert isinstance(source._credential, CertificateCredential)
    assert source._credential.thumbprint == pair.thumbprint


# --- the connection page ------------------------------------------------------------------------


def _url() -> str:
    return reverse("inventory:connection", kwargs={"tenant_slug": "acme"})


def _certificate_form(**extra: Any) -> dict[str, Any]:
    return {"kind": "graph", "auth_method": "certificate", "entra_tenant_id": ENTRA_TENANT,
            "client_id": CLIENT, "demo_size": "60", "demo_fail_every": "0", **extra}  # fmt: skip


@pytest.fixture
def key(settings: Settings) -> str:
    settings.CREDENTIALS_KEY = Fernet.generate_key().decode()
    return str(settings.CREDENTIALS_KEY)


@pytest.mark.django_db
def test_a_pasted_pem_is_stored_encrypted_and_only_its_thumbprint_is_shown(
    tenant: Tenant, manager: User, login: Callable[[User], Client], key: str, pair: Pair
) -> None:
    client = login(manager)

    response = client.post(_url(), _certificate_form(certificate_pem=pair.bundle))

    assert response.status_code == 302
    connection = TenantConnection.objects.get(tenant=tenant)
    assert connection.auth_method == AuthMethod.CERTIFICATE
    assert connection.certificate_thumbprint == pair.thumbprint
    assert connection.certificate_expires_at == pair.certificate.not_valid_after_utc
    assert (
        load_certificate_bundle(decrypt_certificate(connection.certificate_encrypted)).thumbprint
        == pair.thumbprint
    )
    _assert_no_key_material(pair, [connection.certificate_encrypted])
    page = client.get(_url()).content.decode()
    assert f"A certificate is set: thumbprint <code>{pair.thumbprint}</code>" in page
    assert "valid until" in page
    assert "expire" not in page.split('data-testid="certificate-state"')[1].split("</p>")[0]
    _assert_no_key_material(pair, [page])
    assert connection.certificate_encrypted not in page
    assert pair.certificate_pem.splitlines()[1] not in page  # nor the certificate's PEM


@pytest.mark.django_db
def test_an_uploaded_pem_file_is_accepted(
    tenant: Tenant, owner: User, login: Callable[[User], Client], key: str, pair: Pair
) -> None:
    upload = SimpleUploadedFile("bundle.pem", pair.bundle.encode(), "application/x-pem-file")

    response = login(owner).post(_url(), _certificate_form(certificate_file=upload))

    assert response.status_code == 302
    assert TenantConnection.objects.get(tenant=tenant).certificate_thumbprint == pair.thumbprint


@pytest.mark.django_db
def test_unusable_pems_are_rejected_with_a_clear_message_and_never_echoed(
    tenant: Tenant,
    manager: User,
    login: Callable[[User], Client],
    key: str,
    pair: Pair,
    other: Pair,
) -> None:
    client = login(manager)
    encrypted = _key_pem(pair.key, password=b"pw") + pair.certificate_pem
    cases = [
        (pair.key_pem + other.certificate_pem, "does not belong to the certificate"),
        ("garbage garbage garbage", "No private key found"),
        (encrypted, "is encrypted (password-protected)"),
    ]
    for text, message in cases:
        response = client.post(_url(), _certificate_form(certificate_pem=text))

        page = response.content.decode()
        assert response.status_code == 200
        assert message in page
        assert "No certificate is set." in page
        _assert_no_key_material(pair, [page])
        assert encrypted.splitlines()[1] not in page
    binary = SimpleUploadedFile(
        "cert.pfx", b"\x30\x82\x0a\xff\xfe\x00binary", "application/x-pkcs12"
    )
    response = client.post(_url(), _certificate_form(certificate_file=binary))
    assert "The file is not PEM text" in response.content.decode()
    assert not TenantConnection.objects.exists()


@pytest.mark.django_db
def test_the_certificate_method_needs_a_certificate(
    tenant: Tenant, manager: User, login: Callable[[User], Client], key: str
) -> None:
    response = login(manager).post(_url(), _certificate_form())

    page = response.content.decode()
    assert "Microsoft Graph needs a certificate" in page
    assert "Microsoft Graph needs a client secret." not in page
    assert not TenantConnection.objects.exists()


@pytest.mark.django_db
def test_saving_without_a_new_pem_keeps_the_certificate_and_it_can_be_removed(
    certificate_tenant: Tenant, manager: User, login: Callable[[User], Client], pair: Pair
) -> None:
    client = login(manager)

    assert client.post(_url(), _certificate_form()).status_code == 302
    connection = TenantConnection.objects.get(tenant=certificate_tenant)
    assert connection.certificate_thumbprint == pair.thumbprint

    removed = client.post(
        _url(), {**_certificate_form(), "kind": "demo", "clear_certificate": "on"}
    )

    assert removed.status_code == 302
    connection.refresh_from_db()
    assert (connection.certificate_encrypted, connection.certificate_thumbprint) == ("", "")
    assert connection.certificate_expires_at is None
    assert "No certificate is set." in client.get(_url()).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("days", "warning"),
    [(10, "expires in 1"), (-3, "expired")],  # "1 week, 2 days" / already past
)
def test_the_page_warns_about_an_expiring_or_expired_certificate(
    tenant: Tenant,
    manager: User,
    login: Callable[[User], Client],
    key: str,
    days: int,
    warning: str,
) -> None:
    expiring = _pair(expires=datetime.now(UTC) + timedelta(days=days))
    client = login(manager)
    assert (
        client.post(_url(), _certificate_form(certificate_pem=expiring.bundle)).status_code == 302
    )

    page = client.get(_url()).content.decode()

    state = page.split('data-testid="certificate-state"')[1].split("</p>")[0]
    assert expiring.thumbprint in state
    assert warning in state


@pytest.mark.django_db
def test_without_an_encryption_key_the_certificate_is_refused_clearly(
    tenant: Tenant, manager: User, login: Callable[[User], Client], settings: Settings, pair: Pair
) -> None:
    settings.CREDENTIALS_KEY = ""
    settings.DEBUG = False

    response = login(manager).post(_url(), _certificate_form(certificate_pem=pair.bundle))

    page = response.content.decode()
    assert "set CREDENTIALS_KEY in the environment" in page
    _assert_no_key_material(pair, [page])
    assert not TenantConnection.objects.exists()
