"""Secrets inside policies, against Microsoft's documented payloads (tests/fixtures/graph/secrets).

The values each resource page documents as secrets are listed below, written
from the pages (not from inventory.secrets' table): a Graph sync over the
payloads must leave none of them in any text column of any table, on any
page or in the backup export, and drift over a changed secret must say
"secret changed" and show no value.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import respx
from django.contrib.auth.models import User
from django.test import Client

from backups.models import BackupSet
from drift.models import DriftFinding
from inventory import secrets
from inventory.models import InventorySync, Policy
from inventory.normalize import normalize
from monitoring.links import run_url
from operations.models import OperationRun
from tenantatlas.models import Tenant
from tests.inventory.graph_fakes import (
    CATALOG,
    COMPLIANCE,
    DEVICE_CONFIGS,
    GROUP_POLICY,
    GraphSync,
    graph_page,
)
from tests.support.leaks import rows_containing, zip_texts

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "graph" / "secrets"

# file → the values its resource page calls secrets (SOURCES.md names the pages).
DOCUMENTED_SECRETS: dict[str, list[str]] = {
    "windows-wifi.beta.json": ["Pre Shared Key value"],
    "ios-wifi.beta.json": ["Pre Shared Key value"],
    "android-device-owner-wifi.beta.json": ["Pre Shared Key value"],
    "ios-ikev2-vpn.beta.json": ["Shared Secret value"],
    "edition-upgrade.v1.json": ["Product Key value", "License value"],
    "ios-custom.v1.json": ["cGF5bG9hZA=="],
    "macos-custom.v1.json": ["cGF5bG9hZA=="],
    "windows-defender-atp.beta.json": [
        "Advanced Threat Protection Onboarding Blob value",
        "Advanced Threat Protection Offboarding Blob value",
    ],
    "user-pfx-certificate.beta.json": ["ZW5jcnlwdGVkUGZ4QmxvYg==", "Encrypted Pfx Password value"],
    "windows10-custom-oma.v1.json": ["Oma Setting String Value value"],
    "settings-catalog-secret.beta.json": [
        "Secret Setting Value value",
        "9fab7c95-0bb6-4fda-a4a1-6ca582bb3124",
    ],
    "windows10-compliance.v1.json": [],
    "group-policy-text-value.beta.json": [],
    # Derived (SOURCES.md): no documented e-mail profile has a password property.
    "ios-eas-email-password.derived.json": ["Password value"],
}
# Values that are not secrets and must stay readable (the rule must not over-reach).
KEPT = {
    "windows10-compliance.v1.json": ("passwordMinimumLength", 5),
    "android-device-owner-wifi.beta.json": ("preSharedKeyIsSet", True),
    "ios-custom.v1.json": ("payloadName", "Payload Name value"),
    "user-pfx-certificate.beta.json": ("keyName", "Key Name value"),
    "group-policy-text-value.beta.json": ("value", "Value value"),
    "windows-wifi.beta.json": ("ssid", "Ssid value"),
}
ALL_SECRETS = sorted({value for values in DOCUMENTED_SECRETS.values() for value in values})
DEVICE_CONFIG_FILES = [
    name
    for name in DOCUMENTED_SECRETS
    if name not in {"windows10-compliance.v1.json", "settings-catalog-secret.beta.json"}
    and not name.startswith("group-policy")
]


def payload(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return body


def _with_id(body: dict[str, Any], name: str) -> dict[str, Any]:
    # Some Microsoft examples share an id; each file is its own policy here.
    return {**body, "id": f"{body.get('id', 'x')}-{name.split('.')[0]}", "displayName": name}


# --- the rule on its own ----------------------------------------------------------------------


def test_every_fixture_has_its_source_row() -> None:
    sources = (FIXTURES.parent / "SOURCES.md").read_text()
    assert sorted(p.name for p in FIXTURES.glob("*.json")) == sorted(DOCUMENTED_SECRETS)
    for name in DOCUMENTED_SECRETS:
        assert f"`secrets/{name}`" in sources


@pytest.mark.parametrize("name", sorted(DOCUMENTED_SECRETS))
def test_normalising_a_documented_payload_keeps_no_documented_secret(name: str) -> None:
    text = json.dumps(normalize(payload(name), b"k" * 32).settings)
    for value in DOCUMENTED_SECRETS[name]:
        assert value not in text
    if name in KEPT:
        kept_key, kept_value = KEPT[name]
        assert normalize(payload(name), b"k" * 32).settings[kept_key] == kept_value


def test_a_fingerprint_depends_on_the_value_and_the_tenant_not_on_a_reissued_token() -> None:
    wifi = payload("windows-wifi.beta.json")
    changed = {**wifi, "preSharedKey": "another key"}
    one, two = secrets.fingerprint_key(1), secrets.fingerprint_key(2)
    assert (
        normalize(wifi, one).settings["preSharedKey"]
        == normalize(wifi, one).settings["preSharedKey"]
    )
    assert normalize(wifi, one).content_hash != normalize(changed, one).content_hash
    assert normalize(wifi, one).settings != normalize(wifi, two).settings
    catalog = payload("settings-catalog-secret.beta.json")
    reissued = copy.deepcopy(catalog)
    reissued["settings"][1]["settingInstance"]["simpleSettingValue"]["value"] = "0b1d-new-token"
    assert normalize(catalog, one).content_hash == normalize(reissued, one).content_hash


def test_withholding_is_idempotent_on_stored_settings() -> None:
    for name in DOCUMENTED_SECRETS:
        stored = normalize(payload(name), b"k" * 32)
        again = normalize(stored.settings, b"k" * 32)
        assert again.settings == stored.settings
        assert again.content_hash == stored.content_hash


# --- a whole sync, pages, drift and export ----------------------------------------------------


def _serve(
    router: respx.MockRouter, wifi_key: str = "Pre Shared Key value", token: str = ""
) -> None:
    configs = [_with_id(payload(name), name) for name in DEVICE_CONFIG_FILES]
    for body in configs:
        if body["@odata.type"].endswith("windowsWifiConfiguration"):
            body["preSharedKey"] = wifi_key
    router.get(url__eq=DEVICE_CONFIGS).mock(return_value=graph_page(configs))
    compliance = _with_id(payload("windows10-compliance.v1.json"), "compliance")
    router.get(url__eq=COMPLIANCE).mock(return_value=graph_page([compliance]))
    catalog = _with_id(payload("settings-catalog-secret.beta.json"), "catalog")
    if token:
        catalog["settings"][1]["settingInstance"]["simpleSettingValue"]["value"] = token
    router.get(url__eq=CATALOG).mock(return_value=graph_page([catalog]))
    router.get(url__eq=GROUP_POLICY).mock(return_value=graph_page([]))


def _sync(graph: GraphSync) -> InventorySync:
    sync = graph.snapshot(graph.run())
    assert sync.is_complete, sync.run and sync.run.failures.all()
    return sync


def _pages(client: Client, sync: InventorySync) -> list[str]:
    urls = ["/t/acme/inventory/", f"/t/acme/inventory/syncs/{sync.pk}/"]
    if sync.run:
        urls.append(run_url(sync.run))
    return [client.get(url).content.decode() for url in urls]


def test_a_sync_of_the_documented_payloads_stores_shows_and_exports_no_secret(
    graph: GraphSync, graph_tenant: Tenant, owner: User
) -> None:
    _serve(graph.router)
    client = graph.login(graph.operator)
    sync = _sync(graph)
    assert sync.item_count == len(DEVICE_CONFIG_FILES) + 2
    assert sync.items.filter(has_masked_secrets=True).count() == len(DEVICE_CONFIG_FILES) + 1

    backup_set = BackupSet.objects.create(tenant=graph_tenant, name="All", created_by=owner)
    ids = [str(pk) for pk in Policy.objects.for_tenant(graph_tenant).values_list("pk", flat=True)]
    owner_client = graph.login(owner)
    owner_client.post(f"/t/acme/backups/{backup_set.pk}/add-policies/", {"policies": ids})
    assert graph.work_queue() == 1
    export = owner_client.get(f"/t/acme/backups/{backup_set.pk}/export/")
    assert export.status_code == 200
    files = zip_texts(export.getvalue())

    assert rows_containing(ALL_SECRETS) == {}
    texts = [*_pages(client, sync), *files.values()]
    leaks = [value for value in ALL_SECRETS for text in texts if value in text]
    assert leaks == []
    manifest = json.loads(files["manifest.json"])
    withheld = {entry["display_name"]: entry["withheld_settings"] for entry in manifest["policies"]}
    assert withheld["windows-wifi.beta.json"] == ["preSharedKey"]
    assert withheld["windows10-custom-oma.v1.json"] == ["omaSettings[0].value"]
    assert withheld["compliance"] == []  # its password* settings are requirements, not secrets
    assert withheld["ios-eas-email-password.derived.json"] == ["password"]
    assert manifest["withheld_settings_count"] == sum(map(len, withheld.values()))


def test_drift_over_a_changed_secret_says_secret_changed_and_shows_no_value(
    graph: GraphSync,
) -> None:
    client = graph.login(graph.operator)
    _serve(graph.router, wifi_key="first-psk-Value-1")
    _sync(graph)
    # The same routes answer again: a new Wi-Fi key, and a token Graph re-issued.
    _serve(graph.router, wifi_key="second-psk-Value-2", token="0b1d0b1d-0000-4000-8000-re-issued")
    current = _sync(graph)

    client.post("/t/acme/drift/generate/", {"scope_key": current.scope_key})
    assert graph.work_queue() == 1
    run = OperationRun.objects.of_type("drift.generate").get()
    findings = list(DriftFinding.objects.filter(run=run))
    # Only the Wi-Fi key changed; the catalog's re-issued tokens are not drift.
    assert [(f.display_name, len(f.changes)) for f in findings] == [("windows-wifi.beta.json", 1)]
    change = findings[0].changes[0]
    assert {key: change[key] for key in ("path", "kind", "before", "after")} == {
        "path": ["preSharedKey"], "kind": "secret_changed", "before": None, "after": None,
    }  # fmt: skip
    assert change["label"] == "Pre shared key"
    page = client.get(f"/t/acme/drift/findings/?run={run.pk}").content.decode()
    assert "secret changed" in page
    for value in ("first-psk-Value-1", "second-psk-Value-2", secrets.SECRET_PREFIX):
        assert value not in page
    assert rows_containing(["first-psk-Value-1", "second-psk-Value-2"]) == {}
