"""The one rule for secrets inside tenants' policies: which values they are, and what we keep.

A secret value is never stored. Before a policy body is normalised, every
secret value is replaced by a marker:

* ``__secret__:<key id>:<fingerprint>`` when we hold the value: an HMAC-SHA256
  of it under a key derived from ``CREDENTIALS_KEY`` and the tenant, cut to 96
  bits. Drift can then say "secret changed"; nobody (us included, without the
  key) can read or search for the value, and two tenants' equal secrets differ.
* ``__masked_secret__`` (``MASKED_SECRET``) when Graph gave us nothing to
  compare: ``****`` masks, ``isEncrypted`` values, and settings-catalog
  ``encryptedValueToken`` values (Graph issues a new token for the same secret
  on every read, so a token change is not a secret change and is never drift).

Which values are secrets comes from Microsoft's Graph API reference
(``microsoftgraph/microsoft-graph-docs-contrib``, the resource pages named in
``SOURCES`` below): ``SECRET_PROPERTIES`` lists the documented secret
properties per ``@odata.type``, and the generic markers catch what the table
cannot name (``isEncrypted``, ``valueState``, custom OMA-URI values, settings
whose name or definition id says password/secret/key/token/psk/payload).

Pure Python apart from ``fingerprint_key`` (it reads Django settings), so the
diff engine and migrations can call it anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from typing import Any

MASKED_SECRET = "__masked_secret__"  # noqa: S105 - a marker, not a secret
SECRET_PREFIX = "__secret__:"  # noqa: S105 - a marker prefix, not a secret
FINGERPRINT_HEX = 24  # 96 bits: collisions are out of reach, the value is not in it
KEY_ID_HEX = 8

_GRAPH = "microsoft.graph."

# @odata.type (without "#microsoft.graph.") → its documented secret properties.
SECRET_PROPERTIES: dict[str, frozenset[str]] = {
    "windowsWifiConfiguration": frozenset({"preSharedKey"}),
    "iosWiFiConfiguration": frozenset({"preSharedKey"}),
    "macOSWiFiConfiguration": frozenset({"preSharedKey"}),
    "androidDeviceOwnerWiFiConfiguration": frozenset({"preSharedKey"}),
    "iosikEv2VpnConfiguration": frozenset({"sharedSecret"}),
    "editionUpgradeConfiguration": frozenset({"productKey", "license"}),
    "windowsDefenderAdvancedThreatProtectionConfiguration": frozenset(
        {"advancedThreatProtectionOnboardingBlob", "advancedThreatProtectionOffboardingBlob"}
    ),
    "iosCustomConfiguration": frozenset({"payload"}),
    "macOSCustomConfiguration": frozenset({"payload"}),
    "userPFXCertificate": frozenset({"encryptedPfxBlob", "encryptedPfxPassword"}),
    "omaSettingString": frozenset({"value"}),
    "omaSettingStringXml": frozenset({"value"}),
    "omaSettingBase64": frozenset({"value"}),
    "deviceManagementConfigurationSecretSettingValue": frozenset({"value"}),
}

# Where each row of the table is documented (api-reference/<version>/resources/<page>.md).
SOURCES: dict[str, str] = {
    "windowsWifiConfiguration": "beta/resources/intune-deviceconfig-windowswificonfiguration.md",
    "iosWiFiConfiguration": "beta/resources/intune-deviceconfig-ioswificonfiguration.md",
    "macOSWiFiConfiguration": "beta/resources/intune-deviceconfig-macoswificonfiguration.md",
    "androidDeviceOwnerWiFiConfiguration": (
        "beta/resources/intune-deviceconfig-androiddeviceownerwificonfiguration.md"
    ),
    "iosikEv2VpnConfiguration": "beta/resources/intune-deviceconfig-iosikev2vpnconfiguration.md",
    "editionUpgradeConfiguration": (
        "v1.0/resources/intune-deviceconfig-editionupgradeconfiguration.md"
    ),
    "windowsDefenderAdvancedThreatProtectionConfiguration": (
        "beta/resources/intune-deviceconfig-windowsdefenderadvancedthreatprotectionconfiguration.md"
    ),
    "iosCustomConfiguration": "v1.0/resources/intune-deviceconfig-ioscustomconfiguration.md",
    "macOSCustomConfiguration": "v1.0/resources/intune-deviceconfig-macoscustomconfiguration.md",
    "userPFXCertificate": "beta/resources/intune-raimportcerts-userpfxcertificate.md",
    "omaSettingString": "v1.0/resources/intune-deviceconfig-omasettingstring.md",
    "omaSettingStringXml": "v1.0/resources/intune-deviceconfig-omasettingstringxml.md",
    "omaSettingBase64": "v1.0/resources/intune-deviceconfig-omasettingbase64.md",
    "deviceManagementConfigurationSecretSettingValue": (
        "beta/resources/intune-deviceconfigv2-devicemanagementconfigurationsecretsettingvalue.md"
    ),
}

# Stored snapshots have lost their @odata.type (normalisation drops it), so the
# migration and any untyped body fall back to every documented name at once,
# except the too-general "value", which the context rules below handle.
_UNTYPED_NAMES = frozenset().union(*SECRET_PROPERTIES.values()) - {"value"}
# A list whose items are OMA-URI settings: each item's value may be a custom secret.
_OMA_LISTS = frozenset({"omaSettings"})

# Generic: a string-valued property whose name ends in one of these camelCase
# words is a secret whatever its type says (preSharedKey, wifiPassword,
# productKey, payload). "payloadName", "keyName", "passwordRequired" end in
# another word and stay.
_SECRET_NAME_RE = re.compile(
    r"^(?:password|passphrase|secret|psk|token|payload|presharedkey|sharedsecret)$"
    r"|[a-z0-9](?:Password|Passphrase|Secret|Psk|Key|Token|Payload|Blob)$"
    r"|_(?:password|secret|key|token)$"
)
# Settings-catalog definition ids and OMA-URIs that name a secret
# (com.apple.loginwindow_autologinpassword, .../WindowsAdvancedThreatProtection/Onboarding).
_SECRET_ID_RE = re.compile(
    r"(?i)(?:password|passphrase|secret|presharedkey|psk|token|onboarding|offboarding|"
    r"productkey|licensekey|networkkey)"
)
_MASK_RE = re.compile(r"^\*{3,}$")
# A fingerprint marker as it appears in JSON text (for pages that show stored settings).
FINGERPRINT_RE = re.compile(r'"__secret__:[0-9a-f]+:[0-9a-f]+"')


# --- the key --------------------------------------------------------------------------------


def fingerprint_key(tenant_id: int) -> bytes:
    """The tenant's fingerprint key: HMAC(the credentials key, a purpose and the tenant).

    Domain-separated from the key's use for encryption; per tenant, so equal
    secrets of two tenants never fingerprint alike. Without CREDENTIALS_KEY
    (the demo) it comes from SECRET_KEY, like inventory.crypto's debug key.
    """
    from django.conf import settings  # the rest of this module is Django-free

    configured = [k.strip() for k in (settings.CREDENTIALS_KEY or "").split(",") if k.strip()]
    root = (configured[0] if configured else f"secret-key:{settings.SECRET_KEY}").encode()
    message = f"tenantatlas.secret-fingerprint/v1/tenant:{tenant_id}".encode()
    return hmac.new(root, message, hashlib.sha256).digest()


def key_id(key: bytes) -> str:
    """A short public name for a key, so fingerprints under different keys are never compared."""
    return hmac.new(key, b"key-id", hashlib.sha256).hexdigest()[:KEY_ID_HEX]


def fingerprint(value: Any, key: bytes) -> str:
    """The marker that stands for ``value``: ``__secret__:<key id>:<96-bit HMAC>``."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:FINGERPRINT_HEX]
    return f"{SECRET_PREFIX}{key_id(key)}:{digest}"


# --- markers --------------------------------------------------------------------------------


def is_secret_marker(value: Any) -> bool:
    """True for what stands where a secret was: a fingerprint or the masked marker."""
    return isinstance(value, str) and (value == MASKED_SECRET or value.startswith(SECRET_PREFIX))


def secret_changed(before: Any, after: Any) -> bool:
    """Whether two values at one path say the secret there changed.

    Fingerprints under the same key compare; a masked value compares with
    nothing (Graph re-issues its tokens); fingerprints under two keys (a
    rotated CREDENTIALS_KEY) cannot be compared either. A plain value next to a
    fingerprint (a row older than this rule) counts as changed, value unseen.
    """
    if before == after or MASKED_SECRET in (before, after):
        return False
    if _is_fingerprint(before) and _is_fingerprint(after):
        return bool(before.split(":")[1] == after.split(":")[1])
    return True


def _is_fingerprint(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(SECRET_PREFIX)


def withheld_paths(settings: Any) -> list[str]:
    """Where ``settings`` holds a marker instead of a value (``omaSettings[0].value``)."""
    return [path for path, _ in _markers(settings, "")]


def _markers(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key in sorted(node):
            yield from _markers(node[key], f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _markers(item, f"{path}[{index}]")
    elif is_secret_marker(node):
        yield path, node


# --- the rule -------------------------------------------------------------------------------


def withhold(body: Any, key: bytes | None) -> Any:
    """A copy of a raw policy body with every secret value replaced by its marker.

    ``key`` is the tenant's ``fingerprint_key``; without one, secrets become
    ``MASKED_SECRET`` (withheld and not comparable).
    """
    return _walk(body, key, parent_key="")


def _walk(node: Any, key: bytes | None, *, parent_key: str) -> Any:
    if isinstance(node, dict):
        return _walk_dict(node, key, in_oma_list=parent_key in _OMA_LISTS)
    if isinstance(node, list):
        return [_walk(item, key, parent_key=parent_key) for item in node]
    return node


def _walk_dict(node: dict[str, Any], key: bytes | None, *, in_oma_list: bool) -> dict[str, Any]:
    secret_names = _secret_names(node, in_oma_list=in_oma_list)
    out: dict[str, Any] = {}
    for name, value in node.items():
        if name in secret_names or _generic_secret(name, value):
            out[name] = _marker(node, value, key)
        else:
            out[name] = _walk(value, key, parent_key=name)
    return out


def _secret_names(node: dict[str, Any], *, in_oma_list: bool) -> frozenset[str]:
    odata_type = node.get("@odata.type")
    if isinstance(odata_type, str) and odata_type.lstrip("#").startswith(_GRAPH):
        names = SECRET_PROPERTIES.get(odata_type.lstrip("#").removeprefix(_GRAPH), frozenset())
    else:
        names = _UNTYPED_NAMES
    if _value_is_secret(node, in_oma_list=in_oma_list):
        names = names | {"value"}
    if _names_a_secret_string(node):
        names = names | {"simpleSettingValue"}
    return names


def _value_is_secret(node: dict[str, Any], *, in_oma_list: bool) -> bool:
    """The generic markers: the dict's ``value`` is a secret (or masked)."""
    if node.get("isEncrypted") is True or "valueState" in node or "secretReferenceValueId" in node:
        return True
    # Stored OMA-URI settings have lost their @odata.type: a text value may be a custom secret.
    if in_oma_list and "omaUri" in node and "@odata.type" not in node:
        return isinstance(node.get("value"), str)
    # Key/value pairs (VPN customData, keyValuePair) whose key names a secret.
    label = node.get("key") or node.get("name")
    return (
        isinstance(label, str)
        and isinstance(node.get("value"), str)
        and bool(_SECRET_ID_RE.search(label))
    )


def _names_a_secret_string(node: dict[str, Any]) -> bool:
    """A settings-catalog instance whose definition names a secret and whose value is text.

    (com.apple.loginwindow_autologinpassword as a string setting; a
    ``...passwordminimumlength`` integer stays readable.)
    """
    definition, value = node.get("settingDefinitionId"), node.get("simpleSettingValue")
    if not (isinstance(definition, str) and isinstance(value, dict)):
        return False
    kind = str(value.get("@odata.type", ""))
    return kind.endswith("StringSettingValue") and bool(_SECRET_ID_RE.search(definition))


def _generic_secret(name: str, value: Any) -> bool:
    return isinstance(value, str) and bool(value) and bool(_SECRET_NAME_RE.search(name))


def _marker(node: dict[str, Any], value: Any, key: bytes | None) -> Any:
    if value is None or value == "" or is_secret_marker(value):
        return value  # "not set" is not a secret, and a marker stays itself (idempotent)
    if key is None or _is_masked(node, value):
        return MASKED_SECRET
    return fingerprint(value, key)


def _is_masked(node: dict[str, Any], value: Any) -> bool:
    """Graph gave us a token or a mask, not the secret: nothing can be compared."""
    if isinstance(value, str) and _MASK_RE.match(value):
        return True
    return node.get("isEncrypted") is True or node.get("valueState") == "encryptedValueToken"
