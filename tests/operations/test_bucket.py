"""The status bucket rule has two faces; they must always agree."""

import pytest

from operations.models import OperationRun, RunStatus, StatusBucket, status_bucket
from tests.factories import OperationRunFactory

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
def test_python_rule_follows_the_design_table(key, bucket):
    status, succeeded, failed = key
    assert status_bucket(status, succeeded=succeeded, failed=failed) == bucket


@pytest.mark.django_db
@pytest.mark.parametrize("status", RunStatus.values)
@pytest.mark.parametrize("succeeded", [0, 3])
@pytest.mark.parametrize("failed", [0, 2])
def test_database_column_equals_python_rule(tenant, status, succeeded, failed):
    run = OperationRunFactory(tenant=tenant, status=status, succeeded=succeeded, failed=failed)
    expected = status_bucket(status, succeeded=succeeded, failed=failed)

    run.refresh_from_db()

    assert run.status_bucket == expected
    assert OperationRun.objects.filter(pk=run.pk, status_bucket=expected).exists()


@pytest.mark.django_db
def test_bucket_column_follows_an_update(tenant):
    run = OperationRunFactory(tenant=tenant, status=RunStatus.RUNNING)

    OperationRun.objects.filter(pk=run.pk).update(status=RunStatus.COMPLETED, succeeded=1, failed=1)
    run.refresh_from_db()

    assert run.status_bucket == StatusBucket.PARTIALLY_SUCCEEDED


def test_run_type_is_resource_dot_action():
    assert OperationRun(resource="backup_set", action="add_policies").run_type == (
        "backup_set.add_policies"
    )
