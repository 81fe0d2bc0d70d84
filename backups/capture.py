"""The ``backup_set.add_policies`` job: capture the chosen policies' current content into a set.

By default from the latest complete snapshot (``capture_from: "snapshot"``):
per chosen policy, its current snapshot item (selectors.current_items) becomes
a new version in the set (succeeded), or the set's latest version already has
that content (skipped), or it has no current snapshot (failed:
``policy_vanished``). Work goes in chunks: a few queries per chunk (snapshot
hashes, latest versions, one UPDATE, one INSERT … SELECT), never one per
policy; each chunk's versions and counts commit in one transaction. With ``capture_from:
"source"`` the policies are read fresh from the tenant's policy source
instead (fresh.py).
"""

from __future__ import annotations

from itertools import batched

from django.urls import reverse
from django.utils import timezone

from backups.fresh import capture_fresh
from backups.models import BackupItem, BackupSet
from backups.outcomes import SKIPPED, SUCCEEDED, Outcome, report, vanished
from backups.selectors import current_items, latest_hashes, latest_syncs_by_type
from backups.versions import copy_versions
from inventory.models import Policy
from operations.models import OperationRun
from operations.recorder import RunRecorder
from operations.registry import RelatedLink

CHUNK_SIZE = 250
SNAPSHOT, SOURCE = "snapshot", "source"  # context["capture_from"]


class BackupSetMissing(Exception):
    code = "backup_set_missing"


def perform_add_policies(run: OperationRun, recorder: RunRecorder) -> None:
    backup_set = (
        BackupSet.objects.for_tenant(run.tenant).filter(pk=run.context.get("backup_set_id")).first()
    )
    if backup_set is None:
        raise BackupSetMissing("The backup set no longer exists.")
    policy_ids = sorted({int(pk) for pk in run.context.get("policy_ids", [])})
    recorder.set_total(len(policy_ids))
    if run.context.get("capture_from") == SOURCE:
        _capture_from_source(run, backup_set, policy_ids, recorder)
    else:
        capture(run, backup_set, policy_ids, recorder)


def capture(
    run: OperationRun, backup_set: BackupSet, policy_ids: list[int], recorder: RunRecorder
) -> None:
    """From the latest complete snapshot (the default)."""
    policies = Policy.objects.for_tenant(run.tenant).in_bulk(policy_ids)
    syncs = latest_syncs_by_type(run.tenant, {p.policy_type for p in policies.values()})
    for chunk in batched(policy_ids, CHUNK_SIZE):
        _capture_chunk(run, backup_set, list(chunk), policies, syncs, recorder)


def _capture_from_source(
    run: OperationRun, backup_set: BackupSet, policy_ids: list[int], recorder: RunRecorder
) -> None:
    policies = Policy.objects.for_tenant(run.tenant).in_bulk(policy_ids)
    for pk in policy_ids:
        if pk not in policies:
            report(recorder, vanished(pk, None))
    capture_fresh(run, backup_set, policies, recorder)


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


def related_links(run: OperationRun) -> list[RelatedLink]:
    backup_set_id = run.context.get("backup_set_id")
    if not isinstance(backup_set_id, int):
        return []
    url = reverse(
        "backups:detail", kwargs={"tenant_slug": run.tenant.slug, "backup_set_id": backup_set_id}
    )
    return [RelatedLink("Backup set", url)]
