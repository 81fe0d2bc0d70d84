"""The drift.generate run type: compare a run's two snapshots and write its findings.

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

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple, TypedDict

from django.db import connection
from django.db.models import F
from django.db.models.expressions import Combinable
from django.db.models.functions import Collate

from drift.diff import Key, compare_hashes, diff_settings
from drift.models import ChangeType, DriftFinding
from inventory.models import InventorySync, SnapshotItem
from operations.errors import RunError
from operations.models import OperationRun
from operations.recorder import RunRecorder
from operations.registry import RelatedLink
from tenantatlas.links import reverse_cached

RUN_TYPE = "drift.generate"
STREAM_CHUNK = 2000  # (key, hash) rows fetched per round trip from each snapshot
CHANGE_BATCH = 200  # changed policies whose settings are loaded and written together
SKIP_REPORT_EVERY = 1000  # unchanged policies counted between two progress writes


class DriftGenerateContext(TypedDict):
    """A drift.generate run's context, written by the start (services.SnapshotPair)."""

    scope_key: str
    baseline_sync_id: int  # an InventorySync (snapshot) id, not a run id
    current_sync_id: int


# The keys a person may see on the run's detail page: all of them.
CONTEXT_KEYS = ("scope_key", "baseline_sync_id", "current_sync_id")


class DriftError(RunError):
    """Drift cannot start or go on. The message is written for a person; ``code`` is short."""

    code = "drift_error"


class _Pair(NamedTuple):
    baseline: InventorySync
    current: InventorySync


def related_links(run: OperationRun) -> list[RelatedLink]:
    """A drift run's Related link: its findings (the findings page filtered by the run)."""
    url = reverse_cached("drift:findings", tenant_slug=run.tenant.slug)
    return [RelatedLink("Drift findings", f"{url}?run={run.pk}")]


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
    """The ``drift.generate`` job: compare the run's two snapshots and write its findings.

    Anything else that goes wrong fails the run through the lifecycle, which
    stores the class name and one sanitized line (never a database error's row).
    """
    pair = _pair_for_run(run)
    # A retry of this run must not duplicate what an earlier attempt wrote.
    DriftFinding.objects.filter(run=run).delete()
    recorder.set_total(_union_size(pair))
    _compare(run, recorder, pair)


def _pair_for_run(run: OperationRun) -> _Pair:
    context: DriftGenerateContext = run.context
    try:
        ids = int(context["baseline_sync_id"]), int(context["current_sync_id"])
        scope_key = str(context["scope_key"])
    except (KeyError, TypeError, ValueError) as exc:
        raise DriftError("The run does not name two snapshots.", code="bad_context") from exc
    syncs = InventorySync.objects.for_tenant(run.tenant).usable_for_drift().in_bulk(ids)
    if len(syncs) != 2 or any(sync.scope_key != scope_key for sync in syncs.values()):
        raise DriftError(
            "The baseline or current snapshot no longer exists or is no longer usable.",
            code="snapshot_unavailable",
        )
    return _Pair(baseline=syncs[ids[0]], current=syncs[ids[1]])


def _union_size(pair: _Pair) -> int:
    """How many distinct policies the two snapshots hold together: the run's total."""
    return (
        SnapshotItem.objects.filter(sync__in=[pair.baseline.pk, pair.current.pk])
        .values("policy_type", "external_id")
        .distinct()
        .count()
    )


def _compare(run: OperationRun, recorder: RunRecorder, pair: _Pair) -> None:
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
