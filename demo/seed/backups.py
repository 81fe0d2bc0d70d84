"""Demo history: one backup set per demo tenant, filled by real (inline) add-policies runs."""

from __future__ import annotations

from backups.models import BackupSet
from backups.selectors import current_items
from backups.services import backup_set_add_policies_inline
from demo.seed.cast import DemoCast

DEMO_SET = "Baseline before change freeze"
DESCRIPTION = "Every policy as it stood before the December change freeze."
RECHECKED = 10  # the second run re-adds a few unchanged policies: the set shows a "skipped" run


def seed(cast: DemoCast) -> None:
    owner = cast.users["owner"]
    for tenant in cast.tenants.values():
        backup_set, _ = BackupSet.objects.get_or_create(
            tenant=tenant, name=DEMO_SET, defaults={"description": DESCRIPTION, "created_by": owner}
        )
        if backup_set.items.exists():  # seeded before: history is not made twice
            continue
        ids = sorted(current_items(tenant).values_list("policy_id", flat=True))
        for chosen in (ids, ids[:RECHECKED]) if ids else ():
            backup_set_add_policies_inline(
                tenant=tenant, backup_set=backup_set, policy_ids=chosen, user=owner
            )
