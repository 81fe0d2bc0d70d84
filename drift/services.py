"""Drift generation: start a ``drift.generate`` run for a pair of snapshots, and do its work.

The work streams ``(key, content hash)`` pairs of both snapshots through the
merge join in ``drift.diff.compare_hashes``, loads settings only for the
policies whose hashes differ, in batches, and writes findings in bulk. Memory
stays bounded by one batch, whatever the snapshot size.

Counts are per policy compared: a finding (added, removed, or modified with at
least one setting change) is ``succeeded``; an unchanged policy is ``skipped``,
and so is a modified one whose only differences are masked secrets (its hash
differs, but ``diff_settings`` cannot call that drift); a policy whose settings
cannot be compared is ``failed``, with an entry naming it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import F
from django.db.models.expressions import Combinable
from django.db.models.functions import Collate

from drift.diff import Key, compare_hashes, diff_settings
from drift.models import ChangeType, DriftFinding
from inventory.models import InventorySync, SnapshotItem
from operations.models import OperationRun
from operations.recorder import RunLost, RunRecorder
from operations.lifecycle import StartResult, run_start
from tenantatlas.models import Tenant

RUN_TYPE = "drift.generate"
STREAM_CHUNK = 2000  # (key, hash) rows fetched per round trip from each snapshot
CHANGE_BATCH = 200  # changed policies whose settings are loaded and written together
SKIP_REPORT_EVERY = 1000  # unchanged policies counted between two progress writes
DEDUPE_KEY_MAX = 200  # OperationRun.dedupe_key's max_length


class DriftError(Exception):
    """Drift cannot start or go on. The message is written for a person; ``code`` is short."""

    def __init__(self, message: str, *, code: str = "drift_error") -> None:
        super().__init__(message)
        self.code = code


# --- start ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotPair:
    """Two usable snapshots of one scope: ``baseline`` taken before ``current``."""

    scope_key: str
    baseline: InventorySync
    current: InventorySync

    @property
    def dedupe_key(self) -> str:
        return pair_dedupe_key(self.scope_key, self.baseline.pk, self.current.pk)

    @property
    def context(self) -> dict[str, Any]:
        # The ids are InventorySync ids (the snapshots), not OperationRun ids.
        return {
            "scope_key": self.scope_key,
            "baseline_run_id": self.baseline.pk,
            "current_run_id": self.current.pk,
        }


def pair_dedupe_key(scope_key: str, baseline_id: int, current_id: int) -> str:
    """``scope:baseline:current``; a scope key too long for the column is replaced by its digest."""
    key = f"{scope_key}:{baseline_id}:{current_id}"
    if len(key) <= DEDUPE_KEY_MAX:
        return key
    digest = hashlib.sha256(scope_key.encode()).hexdigest()
    return f"sha256-{digest}:{baseline_id}:{current_id}"


def drift_pair_latest(*, tenant: Tenant, scope_key: str) -> SnapshotPair:
    """The scope's two latest usable snapshots; DriftError when it has fewer than two."""
    syncs = list(
        InventorySync.objects.for_tenant(tenant)
        .usable_for_drift()
        .filter(scope_key=scope_key)
        .order_by("-taken_at", "-id")[:2]
    )
    if len(syncs) < 2:
        found = "no successful complete sync" if not syncs else "only one successful complete sync"
        raise DriftError(
            f"Drift needs two successful complete inventory syncs of this scope; it has {found} "
            "yet. Run an inventory sync and try again.",
            code="not_enough_syncs",
        )
    return SnapshotPair(scope_key, baseline=syncs[1], current=syncs[0])


def drift_pair_chosen(
    *, tenant: Tenant, scope_key: str, baseline: InventorySync, current: InventorySync
) -> SnapshotPair:
    """Check a hand-picked pair; DriftError with the first reason it cannot be compared."""
    if baseline.tenant_id != tenant.pk or current.tenant_id != tenant.pk:
        raise DriftError("Both syncs must belong to this tenant.", code="wrong_tenant")
    if baseline.pk == current.pk:
        raise DriftError("Choose two different syncs.", code="same_sync")
    if baseline.scope_key != scope_key or current.scope_key != scope_key:
        raise DriftError("Both syncs must be of the chosen scope.", code="scope_mismatch")
    for role, sync in (("baseline", baseline), ("current", current)):
        if not _is_usable(sync):
            raise DriftError(
                f"The {role} sync #{sync.pk} did not succeed completely; only successful "
                "complete syncs can be compared.",
                code="sync_not_usable",
            )
    if _taken(baseline) >= _taken(current):
        raise DriftError("The baseline must be taken before the current sync.", code="order")
    return SnapshotPair(scope_key, baseline=baseline, current=current)


def _is_usable(sync: InventorySync) -> bool:
    return InventorySync.objects.filter(pk=sync.pk).usable_for_drift().exists()


def _taken(sync: InventorySync) -> tuple[datetime, int]:
    return (sync.taken_at, sync.pk)


def drift_generate_start(
    *, tenant: Tenant, pair: SnapshotPair, initiated_by: User | None
) -> StartResult:
    """Create or reuse the run for this pair: reused while queued, running or succeeded.

    A failed run is not reused (the next start makes a new one); nor is a
    partially succeeded one, so a start after some policies could not be
    compared tries again.
    """
    return run_start(
        tenant=tenant,
        run_type=RUN_TYPE,
        initiated_by=initiated_by,
        context=pair.context,
        dedupe_key=pair.dedupe_key,
        reuse_succeeded=True,
    )


# --- the job ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Row:
    pk: int
    display_name: str


@dataclass(frozen=True, slots=True)
class _Change:
    status: str  # added | removed | modified
    key: Key
    baseline: _Row | None
    current: _Row | None

    @property
    def row(self) -> _Row:
        # Show the name the policy has now; a removed one only has its old name.
        row = self.current or self.baseline
        assert row is not None
        return row


def perform_generate(run: OperationRun, recorder: RunRecorder) -> None:
    """The ``drift.generate`` job: compare the run's two snapshots and write its findings."""
    try:
        pair = _pair_for_run(run)
        # A retry of this run must not duplicate what an earlier attempt wrote.
        DriftFinding.objects.filter(run=run).delete()
        recorder.set_total(_union_size(pair))
        _compare(run, recorder, pair)
    except (DriftError, RunLost):
        raise
    except Exception as exc:
        # Database errors carry the offending row in their DETAIL lines: keep the
        # first line only, so no payload reaches the failure entry.
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        message = f"Drift generation stopped: {type(exc).__name__}: {first_line}"[:300]
        raise DriftError(message, code=type(exc).__name__) from exc


def _pair_for_run(run: OperationRun) -> SnapshotPair:
    context = run.context
    try:
        ids = int(context["baseline_run_id"]), int(context["current_run_id"])
        scope_key = str(context["scope_key"])
    except (KeyError, TypeError, ValueError) as exc:
        raise DriftError("The run does not name two snapshots.", code="bad_context") from exc
    syncs = InventorySync.objects.for_tenant(run.tenant).usable_for_drift().in_bulk(ids)
    if len(syncs) != 2 or any(sync.scope_key != scope_key for sync in syncs.values()):
        raise DriftError(
            "The baseline or current snapshot no longer exists or is no longer usable.",
            code="snapshot_unavailable",
        )
    return SnapshotPair(scope_key, baseline=syncs[ids[0]], current=syncs[ids[1]])


def _union_size(pair: SnapshotPair) -> int:
    """How many distinct policies the two snapshots hold together: the run's total."""
    return (
        SnapshotItem.objects.filter(sync__in=[pair.baseline.pk, pair.current.pk])
        .values("policy_type", "external_id")
        .distinct()
        .count()
    )


def _compare(run: OperationRun, recorder: RunRecorder, pair: SnapshotPair) -> None:
    baseline_rows: dict[Key, _Row] = {}
    current_rows: dict[Key, _Row] = {}
    pending: list[_Change] = []
    unchanged = 0
    pairs = compare_hashes(
        _remembering(_hash_rows(pair.baseline), baseline_rows),
        _remembering(_hash_rows(pair.current), current_rows),
    )
    for status, key in pairs:
        # The merge join reads at most one row ahead per side, so these dicts
        # hold two entries at most: popping every key keeps memory flat.
        old = baseline_rows.pop(key) if status != "added" else None
        new = current_rows.pop(key) if status != "removed" else None
        if status == "unchanged":
            unchanged += 1
            if unchanged == SKIP_REPORT_EVERY:
                recorder.skipped(unchanged)
                unchanged = 0
            continue
        pending.append(_Change(status, key, old, new))
        if len(pending) == CHANGE_BATCH:
            _write_findings(run, recorder, pending)
            pending = []
    _write_findings(run, recorder, pending)
    recorder.skipped(unchanged)


def _hash_rows(sync: InventorySync) -> Iterator[tuple[str, str, str, int, str]]:
    return (
        SnapshotItem.objects.filter(sync=sync)
        .order_by(*_code_point_order("policy_type", "external_id"))
        .values_list("policy_type", "external_id", "content_hash", "pk", "display_name")
        .iterator(chunk_size=STREAM_CHUNK)
    )


def _code_point_order(*fields: str) -> list[Combinable]:
    """Order as Python compares strings (code points), which the merge join requires.

    PostgreSQL's default collation is a locale one ("a" < "B" < "b"); its "C"
    collation compares UTF-8 bytes, which is code-point order. SQLite's default
    (BINARY) already is.
    """
    if connection.vendor == "postgresql":
        return [Collate(F(field), "C") for field in fields]
    return [F(field) for field in fields]


def _remembering(
    rows: Iterable[tuple[str, str, str, int, str]], seen: dict[Key, _Row]
) -> Iterator[tuple[Key, str]]:
    """Feed ``(key, hash)`` to the merge join and keep each row's id and name aside."""
    for policy_type, external_id, content_hash, pk, display_name in rows:
        key = (policy_type, external_id)
        seen[key] = _Row(pk, display_name)
        yield key, content_hash


def _write_findings(run: OperationRun, recorder: RunRecorder, changes: list[_Change]) -> None:
    settings = _settings_of(changes)
    findings, masked_only = [], 0
    for change in changes:
        try:
            setting_changes = _setting_changes(change, settings)
        except Exception as exc:  # noqa: BLE001 - one policy must not stop the run
            _record_incomparable(recorder, change, exc)
            continue
        if change.status == ChangeType.MODIFIED and not setting_changes:
            masked_only += 1  # the hash moved, but only masked secrets differ: not drift
            continue
        findings.append(_finding(run, change, setting_changes))
    # The findings and the counts that report them commit together.
    with recorder.batch():
        DriftFinding.objects.bulk_create(findings, batch_size=CHANGE_BATCH)
        recorder.succeeded(len(findings))
        recorder.skipped(masked_only)


def _settings_of(changes: list[_Change]) -> dict[int, Any]:
    """The settings of both sides of every modified policy in the batch, by snapshot item id."""
    ids = [
        row.pk
        for change in changes
        if change.status == ChangeType.MODIFIED
        for row in (change.baseline, change.current)
        if row is not None
    ]
    if not ids:
        return {}
    return dict(SnapshotItem.objects.filter(pk__in=ids).values_list("pk", "settings"))


def _setting_changes(change: _Change, settings: dict[int, Any]) -> list[dict[str, Any]]:
    """Added and removed policies are findings without setting changes."""
    if change.status != ChangeType.MODIFIED:
        return []
    assert change.baseline is not None and change.current is not None
    before, after = settings[change.baseline.pk], settings[change.current.pk]
    return [setting.to_json() for setting in diff_settings(before, after)]


def _record_incomparable(recorder: RunRecorder, change: _Change, exc: Exception) -> None:
    recorder.failed(
        code="settings_not_comparable",
        # The class name only: the exception text could quote the settings.
        message=f"The settings could not be compared ({type(exc).__name__}).",
        item=f"{change.row.display_name} ({change.key[0]} {change.key[1]})",
    )


def _finding(
    run: OperationRun, change: _Change, setting_changes: list[dict[str, Any]]
) -> DriftFinding:
    return DriftFinding(
        tenant_id=run.tenant_id,
        run=run,
        change_type=change.status,
        policy_type=change.key[0],
        external_id=change.key[1],
        display_name=change.row.display_name,
        changes=setting_changes,
    )
