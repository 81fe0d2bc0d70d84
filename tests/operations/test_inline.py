"""run_inline: the same claim/perform/finish path, without a queue (seeds, benchmarks)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

import tests.support.producers  # noqa: F401
from operations.lifecycle import run_inline
from operations.models import Notification, RunStatus, StatusBucket
from operations.notifications import bell_state

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from tenantatlas.models import Tenant


@pytest.mark.django_db
def test_run_inline_leaves_a_terminal_run_with_exact_counts(tenant: Tenant, operator: User) -> None:
    run = run_inline(
        tenant=tenant,
        run_type="test.items",
        initiated_by=operator,
        context={"items": 5, "fail": [2], "message": "nope"},
    )

    assert run.status == RunStatus.COMPLETED
    assert run.status_bucket == StatusBucket.PARTIALLY_SUCCEEDED
    assert (run.processed, run.succeeded, run.failed) == (5, 4, 1)
    # Only the outcome is announced: nobody clicked "start".
    assert list(Notification.objects.values_list("title", flat=True)) == [
        "Test items partially succeeded"
    ]
    assert bell_state(user=operator, tenant=tenant)[0] == 1


@pytest.mark.django_db
def test_unread_count_is_per_person_and_tenant(
    tenant: Tenant, other_tenant: Tenant, operator: User, outsider: User
) -> None:
    run_inline(tenant=tenant, run_type="test.items", initiated_by=operator, context={"items": 1})
    run_inline(tenant=other_tenant, run_type="test.items", initiated_by=outsider)

    assert bell_state(user=operator, tenant=tenant)[0] == 1
    assert bell_state(user=operator, tenant=other_tenant)[0] == 0
    assert bell_state(user=outsider, tenant=tenant)[0] == 0
