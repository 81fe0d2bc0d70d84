"""Normalise a policy's settings so that two snapshots compare by content only.

Graph echoes ids, OData annotations, timestamps and version counters in every
body; none of them is configuration, so they are dropped before hashing, or
every sync would look like drift. Encrypted values come back masked
(``****`` plus a secret reference id that changes when the secret is re-read);
we cannot compare them, so they are replaced by one marker that the diff
engine never reports as a change.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from inventory import secrets
from inventory.identity import comparable
from inventory.secrets import MASKED_SECRET

__all__ = ["MASKED_SECRET", "Normalized", "canonical_json", "content_hash", "normalize"]

VOLATILE_KEYS = frozenset(
    {
        "id",
        "createdDateTime",
        "lastModifiedDateTime",
        "modifiedDateTime",
        "version",
        "secretReferenceValueId",
        "settingCount",
    }
)

_MASK_RE = re.compile(r"^\*{3,}$")

# Kept although volatile-looking, by the key holding the dict (see inventory.identity):
# include vs exclude of an assignment lives only in its target's @odata.type, and an
# expanded group-policy definition or presentation is identified by its catalog id.
KEPT_BY_PARENT = {
    "target": frozenset({"@odata.type"}),
    "definition": frozenset({"id"}),
    "presentation": frozenset({"id"}),
}


def _is_volatile(key: str, parent_key: str | None = None) -> bool:
    if key in KEPT_BY_PARENT.get(parent_key or "", ()):
        return False
    return key in VOLATILE_KEYS or key.startswith("@odata.") or "@odata." in key


def _is_masked(value: Any) -> bool:
    return isinstance(value, str) and bool(_MASK_RE.match(value))


def normalize_settings(value: Any, parent_key: str | None = None) -> Any:
    """Return a copy of ``value`` without volatile keys and with masked secrets marked."""
    if isinstance(value, dict):
        encrypted = value.get("isEncrypted") is True
        out: dict[str, Any] = {}
        for key, item in value.items():
            if _is_volatile(key, parent_key):
                continue
            if encrypted and key == "value":
                out[key] = MASKED_SECRET
            else:
                out[key.replace("\x00", "\ufffd")] = normalize_settings(item, key)
        return out
    if isinstance(value, list):
        return [normalize_settings(item, parent_key) for item in value]
    if _is_masked(value):
        return MASKED_SECRET
    if isinstance(value, str) and "\x00" in value:
        # PostgreSQL cannot store U+0000 in text or jsonb; one such value must not
        # fail the whole sync, and U+FFFD still shows that something was there.
        return value.replace("\x00", "\ufffd")
    return value


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(normalized: Any) -> str:
    """The ingest hash of already-normalised settings: sha256 of the canonical JSON of
    their comparable form (identity arrays sorted, Microsoft metadata dropped), so a
    reordered copy or a metadata-only change hashes the same and is never diffed."""
    return hashlib.sha256(canonical_json(comparable(normalized)).encode()).hexdigest()


def scope_key(policy_types: list[str] | set[str] | tuple[str, ...]) -> str:
    """A stable name for what a sync covered: its sorted, de-duplicated policy types."""
    return ",".join(sorted(set(policy_types)))


@dataclass(frozen=True, slots=True)
class Normalized:
    """What a snapshot or a backup stores of one policy body."""

    settings: Any
    content_hash: str
    has_masked_secrets: bool


def normalize(raw: Any, fingerprint_key: bytes | None = None) -> Normalized:
    """Normalise a raw body and derive its hash and masked-secret mark from one canonical text.

    Secrets are withheld first (inventory.secrets), while the body still says
    its ``@odata.type``: ``fingerprint_key`` is the tenant's
    ``secrets.fingerprint_key``; without it secrets are masked, not fingerprinted.
    """
    settings = normalize_settings(secrets.withhold(raw, fingerprint_key))
    text = canonical_json(settings)
    withheld = MASKED_SECRET in text or secrets.SECRET_PREFIX in text
    return Normalized(settings, content_hash(settings), withheld)
