"""Export a backup set as a zip: one JSON file per policy (its latest version) and a manifest.

This is the format a person restores from: each file holds the policy's
identity, whom it was assigned to (groups with their display names, exclusions,
filters) and its normalised settings exactly as captured. Volatile Graph fields
(ids, timestamps, versions) are not part of normalised settings, and secrets
were never stored: they appear as markers (``inventory.secrets``: a keyed
fingerprint or ``__masked_secret__``) and must be re-entered on restore; the
manifest lists every withheld setting per file (``withheld_settings``).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.text import slugify

from backups.models import BackupItem, BackupSet
from backups.selectors import latest_items
from inventory import secrets
from inventory.identity import assignment_summary
from tenantatlas.models import Tenant

FORMAT = "tenantatlas.backup-set/1"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def item_document(item: BackupItem) -> dict[str, Any]:
    return {
        "policy_type": item.policy_type,
        "external_id": item.external_id,
        "display_name": item.display_name,
        "platform": item.platform,
        "captured_at": item.captured_at.isoformat(),
        "content_hash": item.content_hash,
        "version": item.version,
        "has_masked_secrets": item.has_masked_secrets,
        # Whom the policy applied to when captured, in words and ids (the raw
        # assignments, with the group names read at sync time, are in settings too).
        "assignments": assignment_summary(item.settings),
        "settings": item.settings,
    }


def file_name(item: BackupItem, taken: set[str]) -> str:
    """``policies/<type>/<readable-name>--<external id>.json``, unique within the archive."""
    stem = f"{slugify(item.display_name)[:60] or 'policy'}--{_UNSAFE.sub('_', item.external_id)}"
    name, n = f"policies/{_UNSAFE.sub('_', item.policy_type)}/{stem}.json", 1
    while name in taken:  # only if two external ids differ in unsafe characters alone
        n += 1
        name = f"policies/{_UNSAFE.sub('_', item.policy_type)}/{stem}-{n}.json"
    taken.add(name)
    return name


def export_zip(tenant: Tenant, backup_set: BackupSet, *, now: datetime | None = None) -> bytes:
    buffer = io.BytesIO()
    files: list[dict[str, Any]] = []
    taken: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in latest_items(backup_set).iterator(chunk_size=500):
            name = file_name(item, taken)
            archive.writestr(name, _dumps(item_document(item)))
            files.append(_manifest_entry(name, item))
        archive.writestr("manifest.json", _dumps(_manifest(tenant, backup_set, files, now)))
    return buffer.getvalue()


def _manifest_entry(name: str, item: BackupItem) -> dict[str, Any]:
    keys = ("policy_type", "external_id", "display_name", "content_hash", "version")
    withheld = secrets.withheld_paths(item.settings)
    return {
        "file": name,
        **{key: getattr(item, key) for key in keys},
        "withheld_settings": withheld,
    }


def _manifest(
    tenant: Tenant, backup_set: BackupSet, files: list[dict[str, Any]], now: datetime | None
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "tenant": {"slug": tenant.slug, "name": tenant.name},
        "backup_set": {
            "id": backup_set.pk,
            "name": backup_set.name,
            "description": backup_set.description,
        },
        "exported_at": (now or timezone.now()).isoformat(),
        "policy_count": len(files),
        "policies": files,
        "withheld_settings_count": sum(len(entry["withheld_settings"]) for entry in files),
        "withheld_note": (
            "Secret values are never stored or exported; each withheld setting holds a "
            "marker and must be re-entered on restore."
        ),
    }


def _dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)


def export_filename(tenant: Tenant, backup_set: BackupSet) -> str:
    return f"backup-{tenant.slug}-{slugify(backup_set.name)[:60] or backup_set.pk}.zip"
