"""The backup_set.add_policies run type as the hub sees it."""

from __future__ import annotations

import pytest

from backups.jobs import related_links
from backups.models import BackupSet
from operations.registry import get_run_type
from tests.factories import OperationRunFactory


def test_it_is_registered_with_its_label_and_visible_context() -> None:
    run_type = get_run_type("backup_set.add_policies")
    assert run_type is not None
    assert run_type.label == "Backup: add policies"
    # Not the id list: it can be thousands long.
    assert run_type.context_keys == ("backup_set_id", "policy_count", "capture_from")


@pytest.mark.django_db
def test_the_related_link_points_at_the_backup_set(backup_set: BackupSet) -> None:
    run = OperationRunFactory.create(
        tenant=backup_set.tenant, resource="backup_set", action="add_policies",
        context={"backup_set_id": backup_set.pk, "policy_ids": [1]},
    )  # fmt: skip
    (link,) = related_links(run)
    assert (link.label, link.url) == ("Backup set", f"/t/acme/backups/{backup_set.pk}/")


@pytest.mark.django_db
def test_a_run_without_a_set_has_no_related_link(backup_set: BackupSet) -> None:
    run = OperationRunFactory.create(
        tenant=backup_set.tenant, resource="backup_set", action="add_policies"
    )
    assert related_links(run) == []
