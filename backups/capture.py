"""Capture the chosen policies' current content into a set (the ``backup_set.add_policies`` job).

By default from the latest complete snapshot (``capture_from: "snapshot"``):
per chosen policy, its current snapshot item (selectors.current_items) becomes
a new version in the set (succeeded), or the set's latest version already has
that content (skipped), or it has no current snapshot (failed:
``policy_vanished``). Work goes in chunks: a few queries per chunk (snapshot
hashes, latest versions, one UPDATE, one INSERT … SELECT), never one per
policy; each chunk's versions and counts commit in one transaction. With ``capture_from:
"source"`` the policies are read fresh from the tenant's policy source
instead (fresh.py). jobs.py picks one of the two.
"""

from __future__ import annotations

from itertools import batched

from django.utils import timezone

from backups.models import BackupItem, BackupSet
from backups.outcomes import SKIPPED, SUCCEEDED, Outcome, report, vanished
from backups.selectors import current_items, latest_hashes, latest_syncs_by_type
from backups.versions import copy_versions
from inventory.models import Policy
from operations.models import OperationRun
from operations.recorder import RunRecorder

CHUNK_SIZE = 250


def capture(
    run: OperationRun, backup_set: BackupSet, policy_ids: list[int], recorder: RunRecorder
) -> None:
    """From the latest complete snapshot (the default)."""
    policies = Policy.objects.for_tenant(run.tenant).in_bulk(policy_ids)
    syncs = latest_syncs_by_type(run.tenant, {p.policy_type for p in policies.values()})
    for chunk in batched(policy_ids, CHUNK_SIZE):
        _capture_chunk(run, backup_set, list(chunk), policies, syncs, recorder)


def _capture_chunk(
    run: OperationRun,
    backup_set: BackupSet,
    chunk: list[int],
    policies: dict[int, Policy],
    syncs: dict[str, int],
    recorder: RunRecorder,
) -> None:
    # The versions and the counts that report them commit together: a crash
    # at any point leaves the run's counts equal to the versions stored.
    with recorder.batch():
        # Two runs adding to one set take turns per chunk: reading a policy's
        # latest version and replacing it must not interleave.
        list(BackupSet.objects.select_for_update().filter(pk=backup_set.pk).values_list("pk"))
        snapshots = _snapshot_hashes(run, chunk, syncs)
        latest = latest_hashes(backup_set, chunk)
        outcomes, copies = _decide(chunk, policies, snapshots, latest)
        superseded = [policy_id for policy_id in copies if policy_id in latest]
        BackupItem.objects.filter(
            backup_set=backup_set, is_latest=True, policy_id__in=superseded
        ).update(is_latest=False)
        copy_versions(run, backup_set, list(copies.values()), now=timezone.now())
        for outcome in outcomes:
            report(recorder, outcome)


def _snapshot_hashes(
    run: OperationRun, chunk: list[int], syncs: dict[str, int]
) -> dict[int, tuple[int, str]]:
    """policy id → (snapshot item id, content hash); the settings stay in the database."""
    rows = (
        current_items(run.tenant, syncs)
        .filter(policy_id__in=chunk)
        .values_list("policy_id", "pk", "content_hash")
    )
    return {policy_id: (item_id, digest) for policy_id, item_id, digest in rows}


def _decide(
    chunk: list[int],
    policies: dict[int, Policy],
    snapshots: dict[int, tuple[int, str]],
    latest: dict[int, tuple[str, int]],
) -> tuple[list[Outcome], dict[int, tuple[int, int]]]:
    """Each policy's outcome, and the versions to write: policy id → (snapshot item id, version)."""
    outcomes: list[Outcome] = []
    copies: dict[int, tuple[int, int]] = {}
    for policy_id in chunk:
        policy, snapshot = policies.get(policy_id), snapshots.get(policy_id)
        previous_hash, previous_version = latest.get(policy_id, ("", 0))
        if snapshot is None or policy is None:
            outcomes.append(vanished(policy_id, policy))
        elif snapshot[1] == previous_hash:
            outcomes.append(SKIPPED)
        else:
            copies[policy_id] = (snapshot[0], previous_version + 1)
            outcomes.append(SUCCEEDED)
    return outcomes, copies
