"""Capture fresh: read the chosen policies from the tenant's policy source instead of a snapshot.

Chosen with "Read fresh from the policy source" on the Add policies form
(context ``capture_from: "source"``). The tenant's connection (inventory:
Microsoft Graph or the demo generator) is read page by page for the chosen
policies' types only; each chosen policy found is normalised and hashed like
a sync would, and becomes a new version unless the set's latest one has the
same hash. A chosen policy the source does not list any more has vanished; one
the source could not read fails with the source's code. A source that fails as
a whole (credentials, throttling after retries) fails the run with its hint.

No inventory snapshot is written: that is what an inventory sync is for.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from backups.models import BackupItem, BackupSet
from backups.outcomes import IN_SOURCE, SKIPPED, SUCCEEDED, Outcome, report, vanished
from backups.selectors import latest_hashes
from inventory.connections import connection_for, source_for
from inventory.models import Policy, stored_copy
from inventory.sources.base import (
    POLICY_TYPES,
    ItemError,
    PolicySource,
    SourcePolicy,
    WaitCallback,
)
from operations.models import OperationRun
from operations.recorder import RunRecorder

Key = tuple[str, str]  # (policy_type, external_id)


def capture_fresh(
    run: OperationRun, backup_set: BackupSet, policies: dict[int, Policy], recorder: RunRecorder
) -> None:
    """Report ``policies`` read from the source; the caller reports unknown ids itself."""
    wanted = {(p.policy_type, p.external_id): p for p in policies.values()}
    types = tuple(t for t in POLICY_TYPES if any(key[0] == t for key in wanted))
    if types:
        _read(run, backup_set, wanted, types, recorder)
    # Whatever is still wanted was not listed (or is of a type no source lists).
    for policy in wanted.values():
        report(recorder, vanished(policy.pk, policy, why=IN_SOURCE))


def _read(
    run: OperationRun,
    backup_set: BackupSet,
    wanted: dict[Key, Policy],
    types: tuple[str, ...],
    recorder: RunRecorder,
) -> None:
    # A source that fails as a whole (SourceError, ConnectionNotConfigured: RunErrors)
    # fails the run with its code and hint.
    source: PolicySource | None = None
    try:
        source = source_for(connection_for(run.tenant), types)
        for page in source.pages(on_wait=_heartbeat(recorder)):
            _store_page(run, backup_set, page, wanted, recorder)
    finally:
        close = getattr(source, "close", None)  # GraphSource owns an HTTP client
        if close is not None:
            close()


def _store_page(
    run: OperationRun,
    backup_set: BackupSet,
    page: list[SourcePolicy | ItemError],
    wanted: dict[Key, Policy],
    recorder: RunRecorder,
) -> None:
    found: list[tuple[Policy, SourcePolicy]] = []
    for entry in page:
        policy = wanted.pop((entry.policy_type, entry.external_id), None)
        if policy is None:  # not chosen (or listed twice: the first copy counted)
            continue
        if isinstance(entry, ItemError):
            report(recorder, Outcome("failed", policy.display_name, entry.message, entry.code))
        else:
            found.append((policy, entry))
    if found:
        _write(run, backup_set, found, recorder)


def _write(
    run: OperationRun,
    backup_set: BackupSet,
    found: list[tuple[Policy, SourcePolicy]],
    recorder: RunRecorder,
) -> None:
    # The versions and their counts commit together (see capture.py).
    with recorder.batch():
        # The same turn-taking as the snapshot path (capture.py).
        list(BackupSet.objects.select_for_update().filter(pk=backup_set.pk).values_list("pk"))
        latest = latest_hashes(backup_set, [policy.pk for policy, _ in found])
        outcomes, items = _decide(run, backup_set, found, latest)
        BackupItem.objects.filter(
            backup_set=backup_set, is_latest=True, policy_id__in=[p for p in items if p in latest]
        ).update(is_latest=False)
        BackupItem.objects.bulk_create(items.values())
        for outcome in outcomes:
            report(recorder, outcome)


def _decide(
    run: OperationRun,
    backup_set: BackupSet,
    found: list[tuple[Policy, SourcePolicy]],
    latest: dict[int, tuple[str, int]],
) -> tuple[list[Outcome], dict[int, BackupItem]]:
    now = timezone.now()
    outcomes: list[Outcome] = []
    items: dict[int, BackupItem] = {}
    for policy, entry in found:
        item = _item(run, backup_set, policy, entry, now)
        previous_hash, previous_version = latest.get(policy.pk, ("", 0))
        if item.content_hash == previous_hash:
            outcomes.append(SKIPPED)
        else:
            item.version = previous_version + 1
            items[policy.pk] = item
            outcomes.append(SUCCEEDED)
    return outcomes, items


def _item(
    run: OperationRun, backup_set: BackupSet, policy: Policy, entry: SourcePolicy, now: datetime
) -> BackupItem:
    return BackupItem(
        backup_set=backup_set, policy=policy, platform=entry.platform[:64], captured_at=now,
        run=run, **stored_copy(entry, run.tenant_id),
    )  # fmt: skip


def _heartbeat(recorder: RunRecorder) -> WaitCallback:
    """While the source waits for Graph (also between the slices of a long wait): alive."""

    def on_wait(seconds: float, /, *, still: bool = False) -> None:
        recorder.heartbeat()

    return on_wait
