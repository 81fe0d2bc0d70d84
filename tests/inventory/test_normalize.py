"""Normalisation: only configuration counts towards a policy's content hash."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from inventory.normalize import (
    MASKED_SECRET,
    canonical_json,
    content_hash,
    normalize,
    normalize_settings,
    scope_key,
)


def _policy(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "@odata.type": "#microsoft.graph.windows10CustomConfiguration",
        "id": "0b5e3b6c-7d59-4a5e-9a55-1c7f0b1a2f11",
        "createdDateTime": "2024-11-02T10:00:00Z",
        "lastModifiedDateTime": "2025-01-06T08:00:00Z",
        "version": 3,
        "displayName": "Windows 10 - Custom OMA-URI",
        "omaSettings": [
            {
                "@odata.type": "#microsoft.graph.omaSettingInteger",
                "omaUri": "./Device/Vendor/MSFT/Policy/Config/Experience/AllowCortana",
                "value": 0,
                "isEncrypted": False,
            },
            {
                "@odata.type": "#microsoft.graph.omaSettingString",
                "omaUri": "./Vendor/MSFT/VPNv2/ContosoVPN/NativeProfile/Authentication/PSK",
                "value": "****",
                "isEncrypted": True,
                "secretReferenceValueId": "0b5e3b6c_1f2e3d4c",
            },
        ],
        "settings@odata.context": "https://graph.microsoft.com/beta/$metadata#settings",
        "settingCount": 2,
    }
    body.update(changes)
    return body


def _hash(body: dict[str, Any]) -> str:
    return content_hash(normalize_settings(body))


def test_volatile_fields_are_dropped_at_every_level() -> None:
    normalized = normalize_settings(_policy())

    for key in ("id", "@odata.type", "createdDateTime", "lastModifiedDateTime", "version"):
        assert key not in normalized
    assert "settings@odata.context" not in normalized
    assert "settingCount" not in normalized
    for entry in normalized["omaSettings"]:
        assert "@odata.type" not in entry
        assert "secretReferenceValueId" not in entry
    assert normalized["displayName"] == "Windows 10 - Custom OMA-URI"
    assert normalized["omaSettings"][0]["value"] == 0


def test_encrypted_values_are_marked_as_masked_secrets() -> None:
    normalized = normalize_settings(_policy())

    assert normalized["omaSettings"][1]["value"] == MASKED_SECRET
    assert normalized["omaSettings"][1]["isEncrypted"] is True


def test_a_masked_string_anywhere_is_marked() -> None:
    assert normalize_settings({"wifi": {"preSharedKey": "********"}}) == {
        "wifi": {"preSharedKey": MASKED_SECRET}
    }
    assert normalize_settings(["**", "***"]) == ["**", MASKED_SECRET]


def test_new_secret_reference_keeps_the_hash() -> None:
    reread = _policy()
    reread["omaSettings"][1]["secretReferenceValueId"] = "0b5e3b6c_99999999"
    reread["omaSettings"][1]["value"] = "*****"

    assert _hash(reread) == _hash(_policy())


def test_new_last_modified_keeps_the_hash() -> None:
    later = _policy(lastModifiedDateTime="2025-02-01T12:34:56.1234567Z", version=4)

    assert _hash(later) == _hash(_policy())


def test_a_setting_change_changes_the_hash() -> None:
    changed = _policy()
    changed["omaSettings"][0]["value"] = 1

    assert _hash(changed) != _hash(_policy())


def test_key_order_does_not_matter() -> None:
    body = _policy()
    reordered = dict(reversed(list(body.items())))

    assert _hash(reordered) == _hash(body)
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'


def test_normalising_does_not_touch_the_input() -> None:
    body = _policy()
    before = copy.deepcopy(body)

    normalize_settings(body)

    assert body == before


def test_content_hash_is_a_sha256_hex_digest() -> None:
    digest = _hash(_policy())

    assert len(digest) == 64
    assert int(digest, 16) >= 0


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        (["settingsCatalog", "compliancePolicy"], "compliancePolicy,settingsCatalog"),
        (
            ("deviceConfiguration", "compliancePolicy", "deviceConfiguration"),
            "compliancePolicy,deviceConfiguration",
        ),
        ({"groupPolicyConfiguration"}, "groupPolicyConfiguration"),
        ([], ""),
    ],
)
def test_scope_key_is_sorted_and_deduplicated(types: Any, expected: str) -> None:
    key = scope_key(types)

    assert key == expected
    assert scope_key(list(reversed(list(types)))) == key


def test_normalize_derives_hash_and_masked_mark_from_the_canonical_settings() -> None:
    raw = {
        "id": "x",
        "lastModifiedDateTime": "2026-11-27T10:00:00Z",
        "omaSettings": [{"isEncrypted": True, "value": "****", "secretReferenceValueId": "r1"}],
    }

    normalized = normalize(raw)

    assert normalized.settings == normalize_settings(raw)
    assert normalized.content_hash == content_hash(normalized.settings)
    assert normalized.has_masked_secrets is True
    assert normalize({"a": 1}).has_masked_secrets is False
