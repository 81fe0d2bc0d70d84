"""The status bucket rule has two faces; they must always agree."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from operations.models import OperationRun, RunStatus, StatusBucket, status_bucket
from tests.factories import OperationRunFactory

if TYPE_CHECKING:
    from tenantatlas.models import Tenant

EXPECTED = {
    (RunStatus.QUEUED, 0, 0): StatusBucket.QUEUED,
    (RunStatus.QUEUED, 3, 2): StatusBucket.QUEUED,
    (RunStatus.RUNNING, 0, 2): StatusBucket.RUNNING,
    (RunStatus.COMPLETED, 0, 0): StatusBucket.SUCCEEDED,
    (RunStatus.COMPLETED, 3, 0): StatusBucket.SUCCEEDED,
    (RunStatus.COMPLETED, 3, 2): StatusBucket.PARTIALLY_SUCCEEDED,
    (RunStatus.COMPLETED, 0, 2): StatusBucket.FAILED,
    (RunStatus.FAILED, 3, 0): StatusBucket.FAILED,
    (RunStatus.FAILED, 0, 0): StatusBucket.FAILED,
}


@pytest.mark.parametrize(("key", "bucket"), EXPECTED.items())
def test_python_rule_follows_the_design_table(
    key: tuple[str, int, int], bucket: StatusBucket
) -> None:
    status, succeeded, failed = key
    assert status_bucket(status, succeeded=succeeded, failed=failed) == bucket


@pytest.mark.django_db
@pytest.mark.parametrize("status", RunStatus.values)
@pytest.mark.parametrize("succeeded", [0, 3])
@pytest.mark.parametrize("failed", [0, 2])
def test_database_column_equals_python_rule(
    tenant: Tenant, status: str, succeeded: int, failed: int
) -> None:
    run = OperationRunFactory.create(
        tenant=tenant, status=status, succeeded=succeeded, failed=failed
    )
    expected = status_bucket(status, succeeded=succeeded, failed=failed)

    run.refresh_from_db()

    assert run.status_bucket == expected
    assert OperationRun.objects.filter(pk=run.pk, status_bucket=expected).exists()


@pytest.mark.django_db
def test_bucket_column_follows_an_update(tenant: Tenant) -> None:
    run = OperationRunFactory.create(tenant=tenant, status=RunStatus.RUNNING)

    OperationRun.objects.filter(pk=run.pk).update(status=RunStatus.COMPLETED, succeeded=1, failed=1)
    run.refresh_from_db()

    assert run.status_bucket == StatusBucket.PARTIALLY_SUCCEEDED


def test_run_type_is_resource_dot_action() -> None:
    assert OperationRun(resource="backup_set", action="add_policies").run_type == (
        "backup_set.add_policies"
    )
