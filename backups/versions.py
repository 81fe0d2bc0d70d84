"""Write new versions into a set by copying snapshot items inside the database.

A snapshot item's settings are ~7 KB of JSON. Through the ORM, each one would
be decoded into Python, re-encoded and quoted into the INSERT: measured, that
was most of the time of adding 1,000 policies. ``INSERT … SELECT`` copies them
where they already are. Plain SQL that PostgreSQL and SQLite (the demo) both
run; table and column names come from the models.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import connection
from django.db.models import Field, Model

from backups.models import BackupItem, BackupSet
from inventory.models import Policy, SnapshotItem
from operations.models import OperationRun

# (BackupItem field, expression over the snapshot item "s" and its policy "p", or a parameter)
_COPIED = (
    ("backup_set", "%s"),
    ("policy", "s.{policy}"),
    ("policy_type", "s.{policy_type}"),
    ("external_id", "s.{external_id}"),
    ("display_name", "s.{display_name}"),
    ("platform", "p.{platform}"),
    ("version", "%s"),
    ("is_latest", "%s"),
    ("settings", "s.{settings}"),
    ("content_hash", "s.{content_hash}"),
    ("has_masked_secrets", "s.{has_masked_secrets}"),
    ("captured_at", "%s"),
    ("run", "%s"),
    ("source_sync", "s.{sync}"),
)


def copy_versions(
    run: OperationRun, backup_set: BackupSet, copies: list[tuple[int, int]], *, now: datetime
) -> None:
    """Insert a latest version per ``(snapshot item id, version)``, a statement per version."""
    by_version: dict[int, list[int]] = defaultdict(list)
    for item_id, version in copies:
        by_version[version].append(item_id)
    captured_at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        for version, item_ids in sorted(by_version.items()):
            params = [backup_set.pk, version, True, captured_at, run.pk, *item_ids]
            cursor.execute(_insert_sql(len(item_ids)), params)


def _insert_sql(count: int) -> str:
    q = connection.ops.quote_name
    targets = ", ".join(q(_column(BackupItem, name)) for name, _ in _COPIED)
    names = {
        "policy": q(_column(SnapshotItem, "policy")),
        "sync": q(_column(SnapshotItem, "sync")),
        "platform": q(_column(Policy, "platform")),
        **{f: q(_column(SnapshotItem, f)) for f in _SNAPSHOT_FIELDS},
    }
    values = ", ".join(expression.format(**names) for _, expression in _COPIED)
    # Only quoted names from the models go into the text; every value is a parameter.
    return (
        f"INSERT INTO {q(BackupItem._meta.db_table)} ({targets}) "  # noqa: S608
        f"SELECT {values} FROM {q(SnapshotItem._meta.db_table)} s "
        f"INNER JOIN {q(Policy._meta.db_table)} p ON p.{q('id')} = s.{names['policy']} "
        f"WHERE s.{q('id')} IN ({', '.join(['%s'] * count)})"
    )


_SNAPSHOT_FIELDS = (
    "policy_type", "external_id", "display_name", "settings", "content_hash", "has_masked_secrets",
)  # fmt: skip


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return field.column
