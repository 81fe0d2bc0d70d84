"""Microsoft Graph policy source: app-only client credentials, paging, throttling, errors.

Quirks handled here:

* Tokens come from msal (``ConfidentialClientApplication.acquire_token_for_client``)
  with the ``.default`` scope (the app's admin-consented application permissions),
  at the authority of the connection's cloud. msal caches the token for the sync
  (one application per source) until five minutes before it expires; a 401 from
  Graph drops it and asks once more.
* The app proves who it is with a client secret or with a certificate
  (``SecretCredential`` / ``CertificateCredential``); for a certificate msal signs
  the client assertion (PS256 with the SHA-256 thumbprint). msal's HTTP goes
  through this source's own client (``_MsalHttp``), so token requests share its
  timeouts, retries and reported waits.
* ``@odata.nextLink`` is an opaque absolute URL (``$skiptoken``) and is
  followed as given; it must stay on the cloud's Graph host (graph.microsoft.com,
  graph.microsoft.us, dod-graph.microsoft.us, microsoftgraph.chinacloudapi.cn),
  because we send our bearer token to it.
* 429/503 carry ``Retry-After`` (seconds, sometimes an HTTP date, sometimes
  nothing); Intune also answers transient 500/502/504. All are retried with
  capped backoff, reporting each wait through ``on_wait``.
* Settings-catalog settings are read 20 policies per JSON batch (``$batch``); an
  inner answer other than 200 is asked again on its own. Settings can be cut off
  (``settings@odata.nextLink``); then the rest is read from the policy's
  ``settings`` collection, and a failure there fails only that policy.
* The group ids of all assignments are named in one ``directoryObjects/getByIds``
  call per sync (per 1,000 ids): every list page is read before the first is
  completed and yielded.
* Intune answers tenants without a licence with 400/403 "Request not applicable
  to target tenant", which is not a permission problem.

The client secret, the private key, the client assertion and the access token
never appear in messages or ``repr``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx
import msal
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from inventory.identity import UNKNOWN_GROUP
from inventory.sources.base import (
    POLICY_TYPES,
    WAIT_SLICE,
    ItemError,
    SourceError,
    SourcePolicy,
    WaitCallback,
    check_policy_types,
)

log = logging.getLogger(__name__)

# National clouds: each has its own login authority and Graph host, and a token of one
# is worthless at another. https://learn.microsoft.com/graph/deployments
CLOUDS = {
    "global": ("login.microsoftonline.com", "graph.microsoft.com"),
    "usgov_high": ("login.microsoftonline.us", "graph.microsoft.us"),
    "usgov_dod": ("login.microsoftonline.us", "dod-graph.microsoft.us"),
    "china": ("login.chinacloudapi.cn", "microsoftgraph.chinacloudapi.cn"),
}
GROUPS_PER_CALL = 1000  # directoryObjects/getByIds takes up to 1,000 ids a call
BATCH_SIZE = 20  # JSON batching takes up to 20 requests a call
CATALOG_SETTINGS = (
    "/deviceManagement/configurationPolicies('{id}')/settings?$expand=settingDefinitions"
)


class GraphUrls:
    """Every address the source calls, for one cloud.

    Every family is read from beta (docs/inventory.md, "What is read"): v1.0 lacks
    many deviceConfiguration subtypes (Wi-Fi, VPN, certificate and e-mail profiles of
    most platforms) and properties; settings catalog and administrative templates
    exist only there. Assignments come expanded with the policy, in the same body.
    """

    def __init__(self, cloud: str = "global") -> None:
        if cloud not in CLOUDS:
            raise ValueError(f"unknown cloud {cloud!r}")
        login, self.graph_host = CLOUDS[cloud]
        root = f"https://{self.graph_host}"
        # msal reads the authority's OpenID metadata, which names this token endpoint.
        self.authority = f"https://{login}/{{tenant}}"
        self.login = f"{self.authority}/oauth2/v2.0/token"
        self.scope = f"{root}/.default"
        manage = f"{root}/beta/deviceManagement"
        self.endpoints = {
            "deviceConfiguration": f"{manage}/deviceConfigurations?$expand=assignments",
            "compliancePolicy": f"{manage}/deviceCompliancePolicies?$expand=assignments",
            "settingsCatalog": f"{manage}/configurationPolicies?$expand=assignments",
            "groupPolicyConfiguration": (f"{manage}/groupPolicyConfigurations?$expand=assignments"),
        }
        # Each policy's settings with their definitions (displayName of the setting and of
        # every child along its path): what findings name a setting by. No documented list
        # call expands them, so they are read per policy, BATCH_SIZE policies per $batch
        # call (docs/inventory.md); CATALOG_SETTINGS is the path inside a batch.
        self.catalog_settings = f"{root}/beta{CATALOG_SETTINGS}"
        self.batch = f"{root}/beta/$batch"
        # A list cannot expand two levels (definition values, then their presentation
        # values): each administrative template's values are read on their own.
        self.definition_values = (
            f"{manage}/groupPolicyConfigurations('{{id}}')/definitionValues"
            "?$expand=definition,presentationValues($expand=presentation)"
        )
        # Group ids of assignment targets -> display names.
        self.groups_by_ids = f"{root}/v1.0/directoryObjects/getByIds"
        self.assignment_filters = f"{manage}/assignmentFilters"


_GLOBAL = GraphUrls()
# The global cloud's addresses, as module constants for callers and tests.
LOGIN_URL = _GLOBAL.login
GRAPH_HOST = _GLOBAL.graph_host
SCOPE = _GLOBAL.scope
ENDPOINTS = _GLOBAL.endpoints
CATALOG_SETTINGS_URL = _GLOBAL.catalog_settings
DEFINITION_VALUES_URL = _GLOBAL.definition_values
GROUPS_BY_IDS_URL = _GLOBAL.groups_by_ids
ASSIGNMENT_FILTERS_URL = _GLOBAL.assignment_filters
BATCH_URL = _GLOBAL.batch
NO_FILTER = "00000000-0000-0000-0000-000000000000"

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_MESSAGE = 400

# AADSTS codes from the token endpoint (error_codes / "AADSTSnnnn:" in error_description).
AADSTS_CONSENT = {65001, 7000229, 500011}
# "Application with identifier ... was not found in the directory": a wrong client id, or
# a right one in the wrong tenant (or cloud). Consent cannot help.
AADSTS_APP_NOT_FOUND = {700016}
AADSTS_BAD_SECRET = {7000215, 7000222, 7000216}
# The client assertion: bad signature or certificate not registered (700027), issuer or
# audience not matching (700021, 700023), outside its time window (700024: our clock).
AADSTS_BAD_ASSERTION = {700027, 700021, 700023}
AADSTS_ASSERTION_TIME = {700024}
AADSTS_BAD_TENANT = {90002, 900023, 900021, 90072}
LICENCE_MARKERS = ("not applicable to target tenant", "not licensed", "licence", "license")

# @odata.type prefixes (lower-cased, without "#microsoft.graph.") -> platform.
PLATFORM_PREFIXES = (
    ("windowsphone81", "windowsPhone81"),
    ("windows81", "windows81"),
    ("windows", "windows10"),
    ("editionupgrade", "windows10"),
    ("sharedpc", "windows10"),
    ("ios", "iOS"),
    ("macos", "macOS"),
    ("androidforwork", "android"),
    ("android", "android"),
    ("aosp", "android"),
)
CATALOG_PLATFORMS = {"androidEnterprise": "android", "aosp": "android", "windows10X": "windows10"}

HINT_REJECTED_CREDENTIAL = (
    "The client secret was rejected: check the client secret value (not the secret ID) "
    "and that it has not expired."
)
HINT_REJECTED_CERTIFICATE = (
    "The certificate was rejected: upload its public part (the certificate, never the key) "
    "to the app registration in Entra (Certificates & secrets > Certificates), check that its "
    "thumbprint matches the one on Inventory > Connection, and that it has not expired."
)
HINT_ASSERTION_TIME = (
    "Entra refused the client assertion's validity window: check this server's clock (NTP)."
)
HINT_BAD_TENANT = "Check the Entra tenant id (a GUID or a verified domain of the tenant)."
HINT_CONSENT = "An admin must grant admin consent to the app in this tenant."
HINT_APP_NOT_FOUND = "application not found: check the client id and the tenant."
DEFAULT_RETRY_AFTER_CEILING = 300.0  # seconds (GRAPH_RETRY_AFTER_MAX)


def platform_from_odata_type(odata_type: str | None) -> str:
    """``#microsoft.graph.windows10GeneralConfiguration`` -> ``windows10``, etc."""
    name = (odata_type or "").removeprefix("#").removeprefix("microsoft.graph.").lower()
    for prefix, platform in PLATFORM_PREFIXES:
        if name.startswith(prefix):
            return platform
    return "unknown"


def _catalog_platform(platforms: Any) -> str:
    # A flags enum: "windows10", "macOS", or several as "iOS,macOS"; the first one names it.
    first = str(platforms or "unknown").split(",")[0].strip()
    return CATALOG_PLATFORMS.get(first, first or "unknown")


def platform_of(policy_type: str, raw: dict[str, Any]) -> str:
    if policy_type == "settingsCatalog":
        return _catalog_platform(raw.get("platforms"))
    if policy_type == "groupPolicyConfiguration":
        return "windows10"  # administrative templates exist for Windows only
    return platform_from_odata_type(raw.get("@odata.type"))


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _support_ids(response: httpx.Response, inner: dict[str, Any] | None = None) -> str:
    """Graph's support ids (request-id, client-request-id) for the person opening a ticket."""
    inner = inner or {}
    ids = []
    for name in ("request-id", "client-request-id"):
        value = response.headers.get(name) or inner.get(name)
        if value:
            ids.append(f"{name}: {value}")
    return f" ({', '.join(ids)})" if ids else ""


def _graph_error_parts(response: httpx.Response) -> tuple[str, str, str]:
    """(Graph error code, message, support ids) from a Graph error answer."""
    body = _json_or_none(response)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return response.reason_phrase or "Error", "", _support_ids(response)
    inner = error.get("innerError") or error.get("innererror")
    inner = inner if isinstance(inner, dict) else {}
    code = str(error.get("code") or response.reason_phrase or "Error")
    message, activity = _intune_message(str(error.get("message") or ""))
    ids = _support_ids(response, inner)
    if activity:
        ids = f" (Activity ID: {activity}{', ' + ids[2:-1] if ids else ''})"
    return code, message, ids


_ACTIVITY_RE = re.compile(r"Activity ID: ([0-9a-fA-F-]{36})")


def _intune_message(message: str) -> tuple[str, str]:
    """Intune nests its own error JSON in Graph's message ("_version": 3, "Message": "An
    error has occurred - Operation ID ... - Activity ID: <guid> - Url: <internal>"): keep
    its words and the Activity ID support asks for, not the internal URL."""
    text = message
    if message.lstrip().startswith("{"):
        try:
            nested = json.loads(message)
        except ValueError:
            nested = None
        if isinstance(nested, dict):
            phrase = str(nested.get("CustomApiErrorPhrase") or "")
            text = phrase or str(nested.get("Message") or "")
    match = _ACTIVITY_RE.search(text)
    activity = match.group(1) if match else ""
    text = text.split(" - Url: ", 1)[0]
    text = re.sub(r" - Operation ID \(for customer support\): [0-9a-f-]{36}", "", text)
    text = _ACTIVITY_RE.sub("", text).strip(" -")
    return text, activity


def _path(url: str) -> str:
    # Messages name the endpoint, not the query ($skiptoken is long and opaque).
    return httpx.URL(url).path


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:  # The HTTP-date form.
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _aadsts_code(body: dict[str, Any]) -> int | None:
    codes = body.get("error_codes")
    if isinstance(codes, list) and codes and isinstance(codes[0], int):
        return codes[0]
    match = re.search(r"AADSTS(\d+)", str(body.get("error_description") or ""))
    return int(match.group(1)) if match else None


# --- credentials -------------------------------------------------------------------------

MIN_RSA_BITS = 2048  # Entra refuses smaller keys
MAX_BUNDLE_CHARS = 64 * 1024  # a key, its certificate and a chain fit many times over
# One PEM block; its body cannot hold "-----", so a scan never runs past the next marker.
_PEM_BLOCK_RE = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(?:[^-]|-(?!----))*-----END \1-----")

MSG_NO_KEY = "No private key found: paste or upload a PEM with the private key and its certificate."
MSG_MANY_KEYS = "The PEM holds more than one private key; keep only the certificate's key."
MSG_ENCRYPTED = (
    "The private key is encrypted (password-protected); export it without a password "
    "(e.g. openssl pkey -in key.pem -out plain-key.pem)."
)
MSG_BAD_KEY = "The private key cannot be read; paste it in PEM form (-----BEGIN PRIVATE KEY-----)."
MSG_NOT_RSA = "The private key is not an RSA key; Entra app certificates here must use RSA."
MSG_SMALL_KEY = f"The RSA key is too short; use at least {MIN_RSA_BITS} bits."
MSG_NO_CERTIFICATE = (
    "No readable certificate found: add the certificate (-----BEGIN CERTIFICATE-----) "
    "after the private key. A .pfx/.p12 file must be converted to PEM first "
    "(openssl pkcs12 -in cert.pfx -nodes -out bundle.pem)."
)
MSG_MISMATCH = "The private key does not belong to the certificate (their public keys differ)."
MSG_TOO_LARGE = "The PEM is too large for a private key and its certificate."


class CertificateBundleError(ValueError):
    """A PEM bundle that cannot be used; the message is fixed text, never the PEM itself."""


def _spki(key: Any) -> bytes:
    return bytes(
        key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


class CertificateBundle:
    """An RSA private key and the certificate it belongs to (validated on construction)."""

    def __init__(self, private_key: rsa.RSAPrivateKey, certificate: x509.Certificate) -> None:
        if _spki(private_key.public_key()) != _spki(certificate.public_key()):
            raise CertificateBundleError(MSG_MISMATCH)
        self.private_key = private_key
        self.certificate = certificate
        self._der = certificate.public_bytes(serialization.Encoding.DER)

    def __repr__(self) -> str:
        return f"CertificateBundle(thumbprint={self.thumbprint!r})"

    @property
    def thumbprint(self) -> str:
        """SHA-1 of the certificate, upper-case hex: what Entra shows as its thumbprint."""
        return hashlib.sha1(self._der, usedforsecurity=False).hexdigest().upper()

    @property
    def not_valid_after(self) -> datetime:
        return self.certificate.not_valid_after_utc

    def pem(self) -> str:
        """The key (PKCS#8, unencrypted) and the certificate: what is stored, encrypted."""
        return self.key_pem() + self.certificate_pem()

    def key_pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")

    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def load_certificate_bundle(text: str) -> CertificateBundle:
    """Parse a PEM text holding one unencrypted RSA private key and its certificate.

    The certificate may come with others (a chain): the one matching the key is
    kept. Raises CertificateBundleError with a message meant for the person who
    pasted it; cryptography's own messages are not passed on.
    """
    if len(text) > MAX_BUNDLE_CHARS:
        raise CertificateBundleError(MSG_TOO_LARGE)
    blocks = [
        (m.group(1), m.group(0).encode("ascii", "replace")) for m in _PEM_BLOCK_RE.finditer(text)
    ]
    key = _private_key([(label, pem) for label, pem in blocks if label.endswith("PRIVATE KEY")])
    certificates = _certificates([pem for label, pem in blocks if label == "CERTIFICATE"])
    for certificate in certificates:
        if _spki(certificate.public_key()) == _spki(key.public_key()):
            return CertificateBundle(key, certificate)
    raise CertificateBundleError(MSG_MISMATCH if certificates else MSG_NO_CERTIFICATE)


def _private_key(blocks: list[tuple[str, bytes]]) -> rsa.RSAPrivateKey:
    if not blocks:
        raise CertificateBundleError(MSG_NO_KEY)
    if len(blocks) > 1:
        raise CertificateBundleError(MSG_MANY_KEYS)
    label, pem = blocks[0]
    if label == "ENCRYPTED PRIVATE KEY":
        raise CertificateBundleError(MSG_ENCRYPTED)
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except TypeError:  # a legacy "Proc-Type: 4,ENCRYPTED" key asks for its password
        raise CertificateBundleError(MSG_ENCRYPTED) from None
    except (ValueError, UnsupportedAlgorithm):
        raise CertificateBundleError(MSG_BAD_KEY) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CertificateBundleError(MSG_NOT_RSA)
    if key.key_size < MIN_RSA_BITS:
        raise CertificateBundleError(MSG_SMALL_KEY)
    return key


def _certificates(blocks: list[bytes]) -> list[x509.Certificate]:
    certificates = []
    for pem in blocks:
        try:
            certificates.append(x509.load_pem_x509_certificate(pem))
        except ValueError:
            continue  # an unreadable extra (chain) certificate does not matter
    return certificates


class ClientCredential(ABC):
    """How the app proves its identity at the token endpoint."""

    @abstractmethod
    def msal_credential(self) -> str | dict[str, str]:
        """msal's ``client_credential``: the secret, or the key and its certificate."""

    @abstractmethod
    def rejected_hint(self) -> str:
        """What to check when Entra refuses this credential."""

    def secrets(self) -> tuple[str, ...]:
        """Values no message may carry (what msal sent is redacted by the source too)."""
        return ()


class SecretCredential(ClientCredential):
    """A client secret, sent as is."""

    def __init__(self, secret: str) -> None:
        self.__secret = secret

    def __repr__(self) -> str:
        return "SecretCredential(secret='***')"

    def msal_credential(self) -> str:
        return self.__secret

    def rejected_hint(self) -> str:
        return HINT_REJECTED_CREDENTIAL

    def secrets(self) -> tuple[str, ...]:
        return (self.__secret,) if self.__secret else ()


class CertificateCredential(ClientCredential):
    """A certificate: msal signs a fresh client assertion with its key for each request.

    Takes the key's PEM and the certificate's PEM, or one PEM bundle holding both
    as ``private_key_pem``. Raises CertificateBundleError if they do not fit.
    """

    def __init__(self, private_key_pem: str, certificate_pem: str = "") -> None:
        self.__bundle = load_certificate_bundle(f"{private_key_pem}\n{certificate_pem}")

    def __repr__(self) -> str:
        return f"CertificateCredential(thumbprint={self.thumbprint!r}, private_key='***')"

    @property
    def thumbprint(self) -> str:
        return self.__bundle.thumbprint

    def msal_credential(self) -> dict[str, str]:
        # With the certificate (not a SHA-1 "thumbprint"), msal takes its SHA-256
        # thumbprint and signs PS256, Entra's current form; only the certificate's x5c
        # header and the assertion leave the process, never the key.
        bundle = self.__bundle
        return {"private_key": bundle.key_pem(), "public_certificate": bundle.certificate_pem()}

    def secrets(self) -> tuple[str, ...]:
        return (self.__bundle.key_pem(),)

    def rejected_hint(self) -> str:
        return HINT_REJECTED_CERTIFICATE


class _MsalHttp:
    """The ``http_client`` msal is given (it calls requests' ``get``/``post``).

    Every call goes through the source's own HTTP path: token requests get its timeouts,
    its retries of 429/5xx and of ``temporarily_unavailable`` and the waits it reports,
    and tests see them in respx like every other request.
    """

    def __init__(self, source: GraphSource) -> None:
        self._source = source

    def get(self, url: str, params: Any = None, headers: Any = None, **_: Any) -> httpx.Response:
        return self._source._login_request("GET", url, params=params, headers=headers)

    def post(
        self, url: str, params: Any = None, data: Any = None, headers: Any = None, **_: Any
    ) -> httpx.Response:
        return self._source._login_request("POST", url, params=params, data=data, headers=headers)

    def close(self) -> None:
        """The source closes its own client."""


class GraphSource:
    """Reads a tenant's Intune policies from Microsoft Graph (see the module docstring)."""

    def __init__(
        self,
        entra_tenant_id: str,
        client_id: str,
        credential: str | ClientCredential,
        *,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_retries: int = 4,
        max_backoff: float = 60.0,
        retry_after_ceiling: float = DEFAULT_RETRY_AFTER_CEILING,
        cloud: str = "global",
        timeout: float = 30.0,
        policy_types: tuple[str, ...] = POLICY_TYPES,
    ) -> None:
        self.entra_tenant_id = entra_tenant_id
        self.client_id = client_id
        # A plain string is a client secret (the original signature, kept for callers).
        self._credential = (
            SecretCredential(credential) if isinstance(credential, str) else credential
        )
        self.policy_types = check_policy_types(policy_types)
        self._sleep = sleep
        self._max_retries = max(0, max_retries)
        self._max_backoff = max_backoff
        self._retry_after_ceiling = retry_after_ceiling
        self._urls = GraphUrls(cloud)
        self._timeout = timeout
        # Bounded everywhere: connecting never waits longer than 10 s.
        self._timeouts = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client(timeout=self._timeouts)
        self.__token: str | None = None
        self._msal_app: msal.ConfidentialClientApplication | None = None
        self._login_wait: WaitCallback | None = None  # on_wait of the token being acquired
        self.__sent: tuple[str, ...] = ()  # what msal last sent as proof (e.g. the assertion)

    def __repr__(self) -> str:
        return (
            f"GraphSource(entra_tenant_id={self.entra_tenant_id!r}, "
            f"client_id={self.client_id!r}, credential={self._credential!r})"
        )

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> GraphSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the PolicySource contract ---------------------------------------------------------

    def pages(
        self, *, on_wait: WaitCallback | None = None
    ) -> Iterator[list[SourcePolicy | ItemError]]:
        """Every list page first, then the targets named, then each page completed and yielded.

        Assignments come with the list pages, so every group id of the sync is known before
        any policy is completed: they are named in one directory call per sync (per 1,000
        ids). The list bodies are held until then; the expensive part, each catalog
        policy's settings and each template's values, is read page by page as it is yielded.
        """
        listed = [
            (policy_type, raws)
            for policy_type in self.policy_types
            for raws in self._list_pages(policy_type, on_wait)
        ]
        self._name_targets([raw for _, raws in listed for raw in raws], on_wait)
        for policy_type, raws in listed:
            if policy_type == "settingsCatalog":
                self._batch_catalog_settings(raws, on_wait)
            yield [self._item(policy_type, raw, on_wait) for raw in raws]

    def _list_pages(self, policy_type: str, on_wait: WaitCallback | None) -> Iterator[list[Any]]:
        url: str | None = self._urls.endpoints[policy_type]
        while url:
            body = self._get_json(url, on_wait)
            raws = self._values(body, url)
            if raws:
                yield raws
            url = self._next_link(body, url)

    # --- settings-catalog settings, BATCH_SIZE policies a call ------------------------------

    def _batch_catalog_settings(self, raws: list[Any], on_wait: WaitCallback | None) -> None:
        """Fill in the settings of the page's catalog policies through JSON batching.

        Only an inner 200 is used (its ``@odata.nextLink`` is followed per policy later).
        Any other answer, or none (a batch may answer part of its requests), leaves the
        policy to ``_complete_catalog_settings``: one request with the source's retries
        and error reporting, after the longest Retry-After an inner answer asked for.
        """
        pending = [
            raw
            for raw in raws
            if isinstance(raw, dict) and isinstance(raw.get("id"), str) and raw["id"]
            and not isinstance(raw.get("settings"), list)
            and not raw.get("settings@odata.nextLink")
        ]  # fmt: skip
        for start in range(0, len(pending), BATCH_SIZE):
            chunk = pending[start : start + BATCH_SIZE]
            requests = [
                {"id": str(n), "method": "GET",
                 "url": CATALOG_SETTINGS.format(id=quote(raw["id"], safe=""))}
                for n, raw in enumerate(chunk)
            ]  # fmt: skip
            body = self._optional_post(self._urls.batch, {"requests": requests}, on_wait)
            wait = self._fill_settings(chunk, (body or {}).get("responses"))
            if wait:
                self._wait(min(wait, self._retry_after_ceiling), on_wait, "$batch", "throttled")

    def _fill_settings(self, chunk: list[dict[str, Any]], responses: Any) -> float:
        """Settings from each inner 200; the longest Retry-After of the others."""
        wait = 0.0
        for answer in responses if isinstance(responses, list) else ():
            if not isinstance(answer, dict) or not str(answer.get("id", "")).isdigit():
                continue
            index, body = int(answer["id"]), answer.get("body")
            if index >= len(chunk):
                continue
            if answer.get("status") == 200 and isinstance(body, dict):
                if isinstance(body.get("value"), list):
                    chunk[index]["settings"] = body["value"]
                    if body.get("@odata.nextLink"):
                        chunk[index]["settings@odata.nextLink"] = body["@odata.nextLink"]
                continue
            headers = answer.get("headers")
            status = answer.get("status")
            if isinstance(headers, dict) and isinstance(status, int):
                # An httpx response, so Retry-After is read as for any other answer.
                inner = httpx.Response(status, headers={str(k): str(v) for k, v in headers.items()})
                wait = max(wait, _retry_after(inner) or 0.0)
        return wait

    # --- names of assignment targets (looked up once per sync) -----------------------------

    def _name_targets(self, raws: list[Any], on_wait: WaitCallback | None) -> None:
        """Add ``groupDisplayName``/``filterDisplayName`` beside the ids of every target.

        The names are metadata for people (inventory.identity.METADATA): drift compares
        the ids. A group the directory no longer knows (deleted) keeps its id and is named
        UNKNOWN_GROUP; without the directory permission the ids stay unnamed and the sync
        goes on.
        """
        targets = [
            assignment["target"]
            for raw in raws
            if isinstance(raw, dict)
            for assignment in raw.get("assignments") or ()
            if isinstance(assignment, dict) and isinstance(assignment.get("target"), dict)
        ]
        group_ids = {str(t["groupId"]) for t in targets if t.get("groupId")}
        groups = self._group_names(group_ids, on_wait)
        filters: dict[str, str] = {}
        if any(t.get("deviceAndAppManagementAssignmentFilterId") not in (None, "", NO_FILTER)
               for t in targets):  # fmt: skip
            filters = self._filter_names(on_wait)
        for target in targets:
            group_id = str(target.get("groupId") or "")
            if group_id and groups is not None:
                target["groupDisplayName"] = groups.get(group_id, UNKNOWN_GROUP)
            name = filters.get(str(target.get("deviceAndAppManagementAssignmentFilterId")))
            if name:
                target["filterDisplayName"] = name

    def _group_names(
        self, group_ids: set[str], on_wait: WaitCallback | None
    ) -> dict[str, str] | None:
        """Group id -> display name, in one getByIds call per 1,000 ids; None if refused."""
        asked = sorted(group_ids)
        names: dict[str, str] = {}
        for start in range(0, len(asked), GROUPS_PER_CALL):
            ids = asked[start : start + GROUPS_PER_CALL]
            body = self._optional_post(
                self._urls.groups_by_ids, {"ids": ids, "types": ["group"]}, on_wait
            )
            if body is None:
                return None
            for group in body.get("value") or ():
                if isinstance(group, dict) and group.get("id") and group.get("displayName"):
                    names[str(group["id"])] = str(group["displayName"])
        return names

    def _filter_names(self, on_wait: WaitCallback | None) -> dict[str, str]:
        """Assignment filter id -> display name; empty if the filters cannot be read."""
        names: dict[str, str] = {}
        url: str | None = self._urls.assignment_filters
        while url:
            try:
                body = self._get_json(url, on_wait)
            except SourceError as exc:
                if exc.code not in ("permission_missing", "not_found", "bad_response"):
                    raise
                log.info("graph assignment filters not readable: %s", exc.code)
                return names
            for item in self._values(body, url):
                if isinstance(item, dict) and item.get("id") and item.get("displayName"):
                    names[str(item["id"])] = str(item["displayName"])
            url = self._next_link(body, url)
        return names

    def _optional_post(
        self, url: str, payload: dict[str, Any], on_wait: WaitCallback | None
    ) -> dict[str, Any] | None:
        """A POST whose refusal costs nothing but what it would have saved: targets stay
        unnamed (no directory permission), or a batch's requests are sent one by one."""
        headers = {"Authorization": f"Bearer {self._token(on_wait)}", "Accept": "application/json"}
        response = self._send("POST", url, on_wait, what=f"POST {_path(url)}", headers=headers,
                              json=payload)  # fmt: skip
        if response.status_code >= 400:
            log.info("graph POST %s answered %s: done without it", _path(url), response.status_code)
            return None
        body = _json_or_none(response)
        return body if isinstance(body, dict) else None

    # --- items -----------------------------------------------------------------------------

    def _item(
        self, policy_type: str, raw: Any, on_wait: WaitCallback | None
    ) -> SourcePolicy | ItemError:
        if not isinstance(raw, dict):
            return ItemError(policy_type, "", "", "bad_response", "a listed item is not an object")
        external_id = raw.get("id")
        name = str(raw.get("displayName") or raw.get("name") or "")
        if not isinstance(external_id, str) or not external_id:
            return ItemError(policy_type, "", name, "bad_response", "a listed policy has no id")
        completions = {
            "settingsCatalog": self._complete_catalog_settings,
            "groupPolicyConfiguration": self._complete_definition_values,
        }
        complete = completions.get(policy_type)
        if complete is not None:
            try:
                raw = complete(raw, on_wait)
            except SourceError as exc:
                if exc.code not in ("not_found", "permission_missing", "bad_response"):
                    raise  # throttling, outages and auth problems stop the whole sync
                return ItemError(policy_type, external_id, name, exc.code, exc.message)
        return SourcePolicy(policy_type, external_id, name, platform_of(policy_type, raw), raw)

    def _complete_catalog_settings(
        self, raw: dict[str, Any], on_wait: WaitCallback | None
    ) -> dict[str, Any]:
        """Settings-catalog settings: expanded inline, but possibly cut off or absent."""
        next_url = raw.get("settings@odata.nextLink")
        if isinstance(raw.get("settings"), list) and not next_url:
            return raw
        settings = list(raw.get("settings") or [])
        url: str | None = (
            self._checked_link(str(next_url))
            if next_url
            else self._urls.catalog_settings.format(id=quote(raw["id"], safe=""))
        )
        while url:
            body = self._get_json(url, on_wait)
            settings.extend(self._values(body, url))
            url = self._next_link(body, url)
        completed = {k: v for k, v in raw.items() if k != "settings@odata.nextLink"}
        completed["settings"] = settings
        return completed

    def _complete_definition_values(
        self, raw: dict[str, Any], on_wait: WaitCallback | None
    ) -> dict[str, Any]:
        """An administrative template's values with their definitions and presentation values."""
        if isinstance(raw.get("definitionValues"), list):
            return raw  # already expanded (an older answer, or a test's)
        url: str | None = self._urls.definition_values.format(id=quote(raw["id"], safe=""))
        values: list[Any] = []
        while url:
            body = self._get_json(url, on_wait)
            values.extend(self._values(body, url))
            url = self._next_link(body, url)
        return {**raw, "definitionValues": values}

    def _values(self, body: dict[str, Any], url: str) -> list[Any]:
        values = body.get("value")
        if not isinstance(values, list):
            raise self._error("bad_response", f"Graph answer for {_path(url)} has no 'value' list")
        return values

    def _next_link(self, body: dict[str, Any], url: str) -> str | None:
        link = body.get("@odata.nextLink")
        if not link:
            return None
        if not isinstance(link, str):
            raise self._error("bad_response", f"Graph answer for {_path(url)} has a bad nextLink")
        return self._checked_link(link)

    def _checked_link(self, link: str) -> str:
        # Followed as given, but our bearer token must never be sent to another host.
        parsed = httpx.URL(link)
        if parsed.scheme != "https" or parsed.host != self._urls.graph_host:
            raise self._error(
                "bad_response", f"Graph sent a nextLink to another host ({parsed.host})"
            )
        return link

    # --- HTTP ------------------------------------------------------------------------------

    def _get_json(self, url: str, on_wait: WaitCallback | None) -> dict[str, Any]:
        for renewed in (False, True):
            headers = {
                "Authorization": f"Bearer {self._token(on_wait)}",
                "Accept": "application/json",
            }
            response = self._send("GET", url, on_wait, what=f"GET {_path(url)}", headers=headers)
            if response.status_code == 401 and not renewed:
                self._drop_token()  # revoked or expired early: fetch a new one once
                continue
            if response.status_code >= 400:
                raise self._graph_error(response, url)
            return self._parse(response, url)
        raise AssertionError("unreachable")

    def _parse(self, response: httpx.Response, url: str) -> dict[str, Any]:
        body = _json_or_none(response)
        if not isinstance(body, dict):
            raise self._error(
                "bad_response",
                f"Graph answered {_path(url)} with unreadable JSON{_support_ids(response)}",
            )
        return body

    def _send(
        self, method: str, url: str, on_wait: WaitCallback | None, *, what: str, **kwargs: Any
    ) -> httpx.Response:
        """One request with retries for throttling, transient 5xx, timeouts and network errors."""
        attempts = self._max_retries + 1
        for attempt in range(attempts):
            retry_after: float | None = None
            try:
                response = self._http.request(method, url, timeout=self._timeouts, **kwargs)
            except httpx.TimeoutException:
                failure = self._error(
                    "timeout", f"{what}: no answer within {self._timeout:g} s ({attempts} attempts)"
                )
            except httpx.TransportError as exc:
                failure = self._error(
                    "graph_unavailable", f"{what}: {type(exc).__name__} ({attempts} attempts)"
                )
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                failure = self._exhausted(response, what, attempts)
                retry_after = _retry_after(response)
            if attempt + 1 == attempts:
                raise failure
            if retry_after is not None and retry_after > self._retry_after_ceiling:
                # Retrying before Graph said would only be throttled again, longer.
                raise self._error(
                    failure.code,
                    f"{failure.message} Graph asked to wait {retry_after:.0f} s, more than "
                    f"the {self._retry_after_ceiling:.0f} s this server waits "
                    "(GRAPH_RETRY_AFTER_MAX); try again later.",
                )
            self._wait(self._delay(attempt, retry_after), on_wait, what, failure.code)
        raise AssertionError("unreachable")

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after  # as given: never earlier (the ceiling was checked)
        return min(2.0 ** (attempt + 1), self._max_backoff)  # back off 2, 4, 8, ...

    def _wait(self, seconds: float, on_wait: WaitCallback | None, what: str, code: str) -> None:
        """Sleep ``seconds`` in slices, telling ``on_wait`` between them: a long Retry-After
        must not look like a dead worker to the recovery check."""
        log.info("graph %s: %s, retrying in %.1f s", what, code, seconds)
        if on_wait is not None:
            on_wait(seconds)
        left = seconds
        while left > WAIT_SLICE:
            self._sleep(WAIT_SLICE)
            left -= WAIT_SLICE
            if on_wait is not None:
                on_wait(left, still=True)
        self._sleep(left)

    def _exhausted(self, response: httpx.Response, what: str, attempts: int) -> SourceError:
        code, message, ids = _graph_error_parts(response)
        detail = f"{response.status_code} {code}" + (f": {message}" if message else "")
        kind = "throttled" if response.status_code == 429 else "graph_unavailable"
        return self._error(kind, f"{what}: {detail} ({attempts} attempts){ids}")

    # --- token -----------------------------------------------------------------------------

    def _token(self, on_wait: WaitCallback | None) -> str:
        """The access token, from msal's cache (one application per source, so per sync)."""
        self._login_wait = on_wait
        try:
            result = self._msal().acquire_token_for_client(scopes=[self._urls.scope])
        finally:
            self._login_wait = None
        token = result.get("access_token") if isinstance(result, dict) else None
        if isinstance(result, dict) and result.get("error"):
            raise self._token_error(result)
        if not isinstance(token, str) or not token:
            raise self._error("bad_response", "the token endpoint answered without an access token")
        self.__token = token
        return token

    def _msal(self) -> msal.ConfidentialClientApplication:
        # Built on first use: msal reads the authority's OpenID metadata when constructed,
        # and that request must happen inside the run (its waits and errors reported).
        if self._msal_app is None:
            self._msal_app = msal.ConfidentialClientApplication(
                self.client_id,
                client_credential=self._credential.msal_credential(),
                authority=self._urls.authority.format(tenant=quote(self.entra_tenant_id, safe="")),
                # The authority is ours (CLOUDS), not a user's: no instance-discovery call
                # to the global cloud, which a national cloud must not depend on.
                validate_authority=False,
                instance_discovery=False,
                http_client=_MsalHttp(self),
                timeout=self._timeout,
            )
        return self._msal_app

    def _drop_token(self) -> None:
        if self._msal_app is not None:
            self._msal_app.remove_tokens_for_client()
        self.__token = None

    def _login_request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """msal's requests to the login host: the OpenID metadata, then the token.

        Entra's ``temporarily_unavailable`` (RFC 6749 5.2, with HTTP 400 or 503) is a
        passing outage: retried like a 503, with backoff. Metadata refused (an unknown
        tenant) is reported here, in Entra's words, not as msal's ValueError."""
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        if "data" in kwargs:
            # msal hands the client assertion over as bytes, which requests encodes as
            # text but httpx would send as "b'...'" (an assertion Entra cannot read).
            kwargs["data"] = {
                k: v.decode("ascii") if isinstance(v, bytes) else v
                for k, v in kwargs["data"].items()
            }
            self._remember_sent(kwargs["data"])
        what = "token request" if method == "POST" else "sign-in metadata request"
        on_wait = self._login_wait
        for attempt in range(self._max_retries + 1):
            response = self._send(method, url, on_wait, what=what, **kwargs)
            body = _json_or_none(response)
            passing = isinstance(body, dict) and body.get("error") == "temporarily_unavailable"
            if not passing or attempt == self._max_retries:
                break
            self._wait(self._delay(attempt, _retry_after(response)), on_wait, what,
                       "temporarily_unavailable")  # fmt: skip
        if method == "GET" and response.status_code >= 400:
            raise self._token_error(body, status=response.status_code)
        return response

    def _remember_sent(self, form: dict[str, Any]) -> None:
        """Keep what proved our identity, so no error text can echo it (or its signature)."""
        sent = [str(form.get(name) or "") for name in ("client_secret", "client_assertion")]
        assertion = sent[1]
        if assertion.count(".") == 2:
            sent.append(assertion.rsplit(".", 1)[1])
        if any(sent):
            self.__sent = tuple(v for v in sent if v)

    def _token_error(self, body: Any, *, status: int | None = None) -> SourceError:
        if not isinstance(body, dict):
            return self._error("auth_failed", f"token request failed: HTTP {status}, no JSON body")
        error = str(body.get("error") or "error")
        # The description is "AADSTSnnnn: text\r\nTrace ID: ...": keep its first line.
        description = str(body.get("error_description") or "").splitlines()
        first = description[0] if description else ""
        ids = [
            f"{k.replace('_', ' ')}: {body[k]}"
            for k in ("trace_id", "correlation_id")
            if body.get(k)
        ]
        message = f"token request failed: {error}: {first}" + (
            f" ({', '.join(ids)})" if ids else ""
        )
        return self._classified(body, error, message)

    def _classified(self, body: dict[str, Any], error: str, message: str) -> SourceError:
        aadsts = _aadsts_code(body)
        if aadsts in AADSTS_APP_NOT_FOUND:
            return self._error("auth_failed", message, hint=HINT_APP_NOT_FOUND)
        if aadsts in AADSTS_CONSENT or error == "consent_required":
            return self._error("consent_missing", message, hint=HINT_CONSENT)
        if aadsts in AADSTS_ASSERTION_TIME:
            return self._error("auth_failed", message, hint=HINT_ASSERTION_TIME)
        rejected = aadsts in AADSTS_BAD_SECRET or aadsts in AADSTS_BAD_ASSERTION
        if rejected or error == "invalid_client":
            return self._error("auth_failed", message, hint=self._credential.rejected_hint())
        if aadsts in AADSTS_BAD_TENANT or error == "invalid_tenant":
            return self._error("auth_failed", message, hint=HINT_BAD_TENANT)
        return self._error("auth_failed", message)

    # --- errors ----------------------------------------------------------------------------

    def _graph_error(self, response: httpx.Response, url: str) -> SourceError:
        status = response.status_code
        code, message, ids = _graph_error_parts(response)
        text = f"GET {_path(url)}: {status} {code}" + (f": {message}" if message else "") + ids
        if status in (400, 403) and any(m in message.lower() for m in LICENCE_MARKERS):
            return self._error("licence_missing", text)
        if status == 403:
            return self._error("permission_missing", text)
        if status == 401:
            return self._error("auth_failed", text, hint="Graph rejected the app's access token.")
        if status == 404:
            return self._error("not_found", text)
        if status >= 500:
            return self._error("graph_unavailable", text)
        return self._error("bad_response", text)

    def _error(self, code: str, message: str, *, hint: str | None = None) -> SourceError:
        """A SourceError whose text can never carry the credential or the access token."""
        secrets = (*self._credential.secrets(), *self.__sent, self.__token or "")
        # Longest first: a whole assertion goes before its signature alone. Redacted before
        # the text is cut, or a secret cut in half at the end would survive the replace.
        for secret in sorted(filter(None, secrets), key=len, reverse=True):
            message = message.replace(secret, "[redacted]")
        return SourceError(code, _one_line(message), hint=hint)
