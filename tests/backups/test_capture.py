"""The capture job's cost: a few queries per chunk and batched progress, never one per policy."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backups.models import BackupSet
from backups.services import backup_set_add_policies_inline
from operations.models import StatusBucket
from tenantatlas.models import Tenant
from tests.backups.conftest import TakeSnapshot, demo_policies, policy_ids

pytestmark = pytest.mark.django_db


def _add(tenant: Tenant, backup_set: BackupSet, ids: list[int]) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        run = backup_set_add_policies_inline(tenant=tenant, backup_set=backup_set, policy_ids=ids)
    return run, [q["sql"] for q in queries.captured_queries]


def _progress_writes(sql: list[str]) -> int:
    return sum(
        1 for s in sql if s.startswith('UPDATE "operations_operationrun"') and '"succeeded"' in s
    )


def test_adding_many_policies_costs_a_bounded_number_of_queries(
    tenant: Tenant, backup_set: BackupSet, take_snapshot: TakeSnapshot
) -> None:
    take_snapshot(tenant, demo_policies(600))
    ids = policy_ids(tenant)

    run, sql = _add(tenant, backup_set, ids)

    assert run.status_bucket == StatusBucket.SUCCEEDED
    assert run.succeeded == 600
    assert backup_set.items.count() == 600
    assert len(sql) < 80, len(sql)  # 600 policies: not one query (or UPDATE) per policy
    assert _progress_writes(sql) <= 600 // 50 + 1


def test_skipping_unchanged_policies_writes_no_items(
    tenant: Tenant, backup_set: BackupSet, take_snapshot: TakeSnapshot
) -> None:
    take_snapshot(tenant, demo_policies(300))
    ids = policy_ids(tenant)
    _add(tenant, backup_set, ids)

    run, sql = _add(tenant, backup_set, ids)

    assert run.skipped == 300
    assert not any(s.startswith('INSERT INTO "backups_backupitem"') for s in sql)
