"""GET …/backups/<id>/export/: a zip with one JSON file per policy and a manifest."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from backups.models import BackupItem, BackupSet
from backups.services import backup_set_add_policies_inline
from inventory.normalize import content_hash
from tenantatlas.models import Tenant
from tests.backups.conftest import TakeSnapshot, demo_policies, policy_ids, set_url

Login = Callable[[User], Client]

pytestmark = pytest.mark.django_db


def _fill(tenant: Tenant, backup_set: BackupSet, ids: list[int]) -> None:
    backup_set_add_policies_inline(tenant=tenant, backup_set=backup_set, policy_ids=ids)


def _export(client: Client, backup_set: BackupSet) -> zipfile.ZipFile:
    response = client.get(set_url("export", backup_set))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="backup-acme-baseline.zip"'
    return zipfile.ZipFile(io.BytesIO(response.content))


def _read(archive: zipfile.ZipFile) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The manifest and the policy documents it lists, in its order."""
    manifest = json.loads(archive.read("manifest.json"))
    return manifest, [json.loads(archive.read(entry["file"])) for entry in manifest["policies"]]


def test_export_round_trips_the_captured_settings(
    tenant: Tenant, reader: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(25))
    _fill(tenant, backup_set, policy_ids(tenant))

    archive = _export(login(reader), backup_set)

    manifest, documents = _read(archive)
    assert manifest["format"] == "tenantatlas.backup-set/1"
    assert manifest["backup_set"]["name"] == "Baseline"
    assert manifest["policy_count"] == 25
    assert sorted(archive.namelist()) == sorted(
        ["manifest.json", *(entry["file"] for entry in manifest["policies"])]
    )
    for document in documents:
        item = BackupItem.objects.get(
            backup_set=backup_set, external_id=document["external_id"], is_latest=True
        )
        assert document["settings"] == item.settings
        assert content_hash(document["settings"]) == document["content_hash"] == item.content_hash
        assert {k: document[k] for k in ("policy_type", "display_name", "platform")} == {
            "policy_type": item.policy_type,
            "display_name": item.display_name,
            "platform": item.platform,
        }
        assert document["captured_at"] == item.captured_at.isoformat()


def test_export_holds_only_the_latest_version_of_each_policy(
    tenant: Tenant, reader: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(60, generation=0))
    ids = policy_ids(tenant)
    _fill(tenant, backup_set, ids)
    take_snapshot(tenant, demo_policies(60, generation=1))
    _fill(tenant, backup_set, ids)
    assert backup_set.items.count() > 60  # some policies have two versions

    archive = _export(login(reader), backup_set)

    _, documents = _read(archive)
    latest = {i.external_id: i.version for i in backup_set.items.filter(is_latest=True)}
    assert {d["external_id"]: d["version"] for d in documents} == latest


def test_an_empty_set_exports_just_a_manifest(
    reader: User, backup_set: BackupSet, login: Login
) -> None:
    archive = _export(login(reader), backup_set)
    assert archive.namelist() == ["manifest.json"]
    assert json.loads(archive.read("manifest.json"))["policy_count"] == 0


def test_export_rejects_another_tenants_set(
    reader: User, other_set: BackupSet, login: Login
) -> None:
    assert login(reader).get(set_url("export", other_set)).status_code == 403


def test_export_keeps_whom_each_policy_was_assigned_to_with_group_names(
    tenant: Tenant, reader: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(12))
    _fill(tenant, backup_set, policy_ids(tenant))

    archive = _export(login(reader), backup_set)

    _, documents = _read(archive)
    targets = {row["target"] for d in documents for row in d["assignments"]}
    # The demo's audiences: groups with their names, exclusions, everyone.
    assert {"group Finance-Laptops (include)", "exclusion Pilot", "all devices"} <= targets
    for document in documents:
        assert document["assignments"], "every demo policy is assigned"
        raw = document["settings"]["assignments"]
        assert len(raw) == len(document["assignments"])
        named = [r for r in document["assignments"] if r["group_id"]]
        assert all(r["group_display_name"] for r in named)
