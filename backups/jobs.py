"""The backup_set.add_policies run type: capture the chosen policies into a backup set.

From the latest complete snapshot (capture.py, the default) or read fresh from
the tenant's policy source (fresh.py), as the run's context says.
"""

from __future__ import annotations

from typing import Final, Literal, TypedDict

from backups.capture import capture
from backups.fresh import capture_fresh
from backups.models import BackupSet
from backups.outcomes import report, vanished
from inventory.models import Policy
from operations.errors import RunError
from operations.models import OperationRun
from operations.recorder import RunRecorder
from operations.registry import RelatedLink
from tenantatlas.links import reverse_cached

RUN_TYPE = "backup_set.add_policies"
# context["capture_from"]
SNAPSHOT: Final = "snapshot"
SOURCE: Final = "source"


class BackupSetAddPoliciesContext(TypedDict, total=False):
    """A backup_set.add_policies run's context, written by the start."""

    backup_set_id: int
    policy_count: int
    capture_from: Literal["snapshot", "source"]
    policy_ids: list[int]  # internal: can be thousands long, never shown


# The keys a person may see on the run's detail page.
CONTEXT_KEYS = ("backup_set_id", "policy_count", "capture_from")


class BackupSetMissing(RunError):
    code = "backup_set_missing"


def perform_add_policies(run: OperationRun, recorder: RunRecorder) -> None:
    """Capture the run's chosen policies into its set, from the latest snapshot or the source."""
    context: BackupSetAddPoliciesContext = run.context
    backup_set = (
        BackupSet.objects.for_tenant(run.tenant).filter(pk=context.get("backup_set_id", 0)).first()
    )
    if backup_set is None:
        raise BackupSetMissing("The backup set no longer exists.")
    policy_ids = sorted({int(pk) for pk in context.get("policy_ids", [])})
    recorder.set_total(len(policy_ids))
    if context.get("capture_from") == SOURCE:
        _capture_from_source(run, backup_set, policy_ids, recorder)
    else:
        capture(run, backup_set, policy_ids, recorder)


def _capture_from_source(
    run: OperationRun, backup_set: BackupSet, policy_ids: list[int], recorder: RunRecorder
) -> None:
    policies = Policy.objects.for_tenant(run.tenant).in_bulk(policy_ids)
    for pk in policy_ids:
        if pk not in policies:
            report(recorder, vanished(pk, None))
    capture_fresh(run, backup_set, policies, recorder)


def related_links(run: OperationRun) -> list[RelatedLink]:
    backup_set_id = run.context.get("backup_set_id")
    if not isinstance(backup_set_id, int):
        return []
    url = reverse_cached("backups:detail", tenant_slug=run.tenant.slug, backup_set_id=backup_set_id)
    return [RelatedLink("Backup set", url)]
