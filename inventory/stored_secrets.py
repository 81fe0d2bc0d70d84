"""Rewrite rows stored before the secret rule (inventory.secrets) existed.

Used once by data migrations (inventory 0005, backups 0002, drift 0002): every
snapshot item, backup version and drift finding goes through the same rule as
a new sync, so no old row keeps a secret value. Safe to run again: markers
stay markers.
"""

from __future__ import annotations

from typing import Any

from inventory import secrets
from inventory.normalize import normalize

BATCH = 500


def rewrite_items(model: Any, tenant_field: str) -> int:
    """Re-normalise every row of a SnapshotItem-like model; the number of rows changed."""
    changed = 0
    rows = model.objects.values_list("pk", tenant_field, "settings").iterator(chunk_size=BATCH)
    for pk, tenant_id, settings in rows:
        normalized = normalize(settings, secrets.fingerprint_key(tenant_id))
        if normalized.settings != settings:
            model.objects.filter(pk=pk).update(
                settings=normalized.settings,
                content_hash=normalized.content_hash,
                has_masked_secrets=normalized.has_masked_secrets,
            )
            changed += 1
    return changed


def rewrite_findings(model: Any) -> int:
    """Drop secret values from stored drift findings' before/after; the number of rows changed."""
    changed = 0
    for pk, tenant_id, changes in model.objects.values_list("pk", "tenant_id", "changes").iterator(
        chunk_size=BATCH
    ):
        key = secrets.fingerprint_key(tenant_id)
        scrubbed = [scrub_change(change, key) for change in changes]
        if scrubbed != changes:
            model.objects.filter(pk=pk).update(changes=scrubbed)
            changed += 1
    return changed


def scrub_change(change: dict[str, Any], key: bytes) -> dict[str, Any]:
    """A stored SettingChange with any secret value replaced (or turned into secret_changed)."""
    if change.get("kind") == "secret_changed":
        return change
    path = list(change.get("path") or [])
    before, after = change.get("before"), change.get("after")
    if _is_secret_path(path, before, after, key):
        return {**change, "kind": "secret_changed", "before": None, "after": None}
    return {
        **change,
        "before": secrets.withhold(before, key),
        "after": secrets.withhold(after, key),
    }


def _is_secret_path(path: list[Any], before: Any, after: Any, key: bytes) -> bool:
    name = path[-1] if path and isinstance(path[-1], str) else None
    if name is None:
        return False
    if name == "value" and len(path) >= 3 and path[-3] == "omaSettings":
        return True
    return any(
        value is not None and secrets.withhold({name: value}, key)[name] != value
        for value in (before, after)
    )
