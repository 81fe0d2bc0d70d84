"""The data migrations' rewrite: rows stored before the secret rule lose their secret values."""

from __future__ import annotations

import json

import pytest

from backups.models import BackupItem, BackupSet
from drift.models import DriftFinding
from inventory import stored_secrets
from inventory.models import InventorySync, Policy, SnapshotItem
from inventory.normalize import normalize_settings
from operations.models import OperationRun
from tenantatlas.models import Tenant
from tests.support.leaks import rows_containing

pytestmark = pytest.mark.django_db

OLD_BODY = {  # what the old normaliser kept: no @odata.type, secrets in clear
    "ssid": "Corp",
    "preSharedKey": "old-psk-in-clear",
    "omaSettings": [{"omaUri": "./Vendor/MSFT/X", "value": "old-oma-secret"}],
    "passwordMinimumLength": 8,
}


def _change(path: list[object], before: object, after: object) -> dict[str, object]:
    return {"path": path, "kind": "changed", "before": before, "after": after}


def _old_rows(tenant: Tenant) -> tuple[SnapshotItem, BackupItem, DriftFinding]:
    run = OperationRun.objects.create(tenant=tenant, resource="inventory", action="sync")
    sync = InventorySync.objects.create(tenant=tenant, scope_key="deviceConfiguration", run=run)
    policy = Policy.objects.create(
        tenant=tenant, policy_type="deviceConfiguration", external_id="p1", display_name="Wi-Fi"
    )
    settings = normalize_settings(OLD_BODY)
    item = SnapshotItem.objects.create(
        sync=sync, policy=policy, policy_type="deviceConfiguration", external_id="p1",
        display_name="Wi-Fi", settings=settings, content_hash="old",
    )  # fmt: skip
    backup_set = BackupSet.objects.create(tenant=tenant, name="Old")
    backup = BackupItem.objects.create(
        backup_set=backup_set, policy=policy, policy_type="deviceConfiguration",
        external_id="p1", display_name="Wi-Fi", version=1, is_latest=True,
        settings=settings, content_hash="old", run=run,
    )  # fmt: skip
    finding = DriftFinding.objects.create(
        tenant=tenant, run=run, change_type="modified", policy_type="deviceConfiguration",
        external_id="p1", display_name="Wi-Fi",
        changes=[
            _change(["preSharedKey"], "older-psk", "old-psk-in-clear"),
            _change(["omaSettings", 0, "value"], "a", "old-oma-secret"),
            {"path": ["passwordMinimumLength"], "kind": "changed", "before": 6, "after": 8},
        ],
    )  # fmt: skip
    return item, backup, finding


def test_the_rewrite_leaves_no_old_secret_and_keeps_the_rest(tenant: Tenant) -> None:
    item, _backup, finding = _old_rows(tenant)
    assert rows_containing(["old-psk-in-clear"])  # the check can see it before

    assert stored_secrets.rewrite_items(SnapshotItem, "sync__tenant_id") == 1
    assert stored_secrets.rewrite_items(BackupItem, "backup_set__tenant_id") == 1
    assert stored_secrets.rewrite_findings(DriftFinding) == 1

    assert rows_containing(["old-psk-in-clear", "older-psk", "old-oma-secret"]) == {}
    item.refresh_from_db()
    assert item.settings["ssid"] == "Corp" and item.settings["passwordMinimumLength"] == 8
    assert item.has_masked_secrets and item.content_hash != "old"
    finding.refresh_from_db()
    assert [c["kind"] for c in finding.changes] == ["secret_changed", "secret_changed", "changed"]
    assert finding.changes[2] == {
        "path": ["passwordMinimumLength"], "kind": "changed", "before": 6, "after": 8,
    }  # fmt: skip


def test_the_rewrite_is_idempotent(tenant: Tenant) -> None:
    _old_rows(tenant)
    stored_secrets.rewrite_items(SnapshotItem, "sync__tenant_id")
    first = json.dumps(list(SnapshotItem.objects.values("settings", "content_hash")))
    assert stored_secrets.rewrite_items(SnapshotItem, "sync__tenant_id") == 0
    assert json.dumps(list(SnapshotItem.objects.values("settings", "content_hash"))) == first
