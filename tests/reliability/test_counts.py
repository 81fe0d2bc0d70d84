"""Counts never disagree with what was written: sampled while real producers run, then killed.

A real forking worker runs a real inventory sync (the demo source) and a real
backup "Add policies" run; this test reads the run's counts and the stored
rows in one statement (one snapshot) again and again while they run, and kills
the work horse with SIGKILL part-way. At every instant, and after the kill,
the counts equal the rows.
"""

from __future__ import annotations

import os
import signal
from typing import TYPE_CHECKING

import pytest
from django.db import connection

from backups.models import BackupItem, BackupSet
from backups.services import backup_set_add_policies_start
from inventory.models import InventorySync, Policy, SnapshotItem, SyncStatus, TenantConnection
from inventory.services import inventory_sync_start
from operations.models import OperationRun, RunStatus
from tests.reliability.conftest import children, log_of, status_of, wait_for

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User

    from tenantatlas.models import Tenant
    from tests.reliability.conftest import Processes

pytestmark = pytest.mark.django_db(transaction=True)

SIZE = 1500  # demo policies: fifteen pages of 100, six backup chunks of 250


def sample_sync(run: OperationRun) -> tuple[int, int, int] | None:
    """(run.succeeded, items stored in its snapshot, snapshot.item_count), in one snapshot."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.succeeded, (SELECT count(*) FROM {SnapshotItem._meta.db_table} i "  # noqa: S608
            f"WHERE i.sync_id = s.id), s.item_count FROM {OperationRun._meta.db_table} r "
            f"JOIN {InventorySync._meta.db_table} s ON s.run_id = r.id WHERE r.id = %s",
            [run.pk],
        )
        row: tuple[int, int, int] | None = cursor.fetchone()
        return row


def sample_backup(run: OperationRun) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.succeeded, (SELECT count(*) FROM {BackupItem._meta.db_table} b "  # noqa: S608
            f"WHERE b.run_id = r.id) FROM {OperationRun._meta.db_table} r WHERE r.id = %s",
            [run.pk],
        )
        row: tuple[int, int] = cursor.fetchone()
        return row


Sample = tuple[int, ...]


def watch(
    run: OperationRun,
    sample: Callable[[OperationRun], Sample | None],
    *,
    kill_when: Callable[[Sample], bool],
    horse_of: Callable[[], int],
) -> tuple[list[Sample], bool]:
    """Sample until the run ends; SIGKILL its horse once ``kill_when(sample)``. All samples."""
    samples: list[Sample] = []
    killed = False
    while status_of(run) in (RunStatus.QUEUED, RunStatus.RUNNING):
        value = sample(run)
        if value is not None:
            samples.append(value)
            if not killed and kill_when(value):
                os.kill(horse_of(), signal.SIGKILL)
                killed = True
    last = sample(run)
    assert last is not None
    samples.append(last)
    return samples, killed


def test_counts_equal_stored_rows_at_every_instant_and_after_a_kill(
    tenant: Tenant, owner: User, processes: Processes
) -> None:
    TenantConnection.objects.create(tenant=tenant, kind="demo", demo_seed="acme", demo_size=SIZE)
    worker = processes.worker()

    def horse() -> int:
        pid = wait_for(lambda: children(worker.pid)[0] if children(worker.pid) else None)
        assert pid is not None, "the worker forked no work horse"
        return pid

    # 1. A sync killed part-way: its snapshot says how many items it holds.
    killed_sync = inventory_sync_start(tenant=tenant, user=owner).run
    samples, killed = watch(
        killed_sync, sample_sync, kill_when=lambda s: s[1] >= 300, horse_of=horse
    )
    assert killed and status_of(killed_sync) == RunStatus.FAILED, log_of(worker)
    assert all(s[0] == s[1] == s[2] for s in samples), [s for s in samples if len(set(s)) > 1]
    _succeeded, stored, _item_count = samples[-1]
    assert 0 < stored < SIZE
    snapshot = InventorySync.objects.get(run=killed_sync)
    assert (snapshot.status, snapshot.is_complete) == (SyncStatus.FAILED, False)

    # 2. A complete sync, sampled the whole way.
    complete = inventory_sync_start(tenant=tenant, user=owner).run
    samples, _ = watch(complete, sample_sync, kill_when=lambda s: False, horse_of=horse)
    assert status_of(complete) == RunStatus.COMPLETED, log_of(worker)
    assert all(s[0] == s[1] == s[2] for s in samples)
    assert samples[-1] == (SIZE, SIZE, SIZE)

    # 3. "Add policies" killed part-way: the run's counts equal the versions written.
    backup_set = BackupSet.objects.create(tenant=tenant, name="Nightly")
    ids = list(Policy.objects.for_tenant(tenant).values_list("pk", flat=True))
    add = backup_set_add_policies_start(
        tenant=tenant, backup_set=backup_set, policy_ids=ids, user=owner
    ).run
    samples, killed = watch(add, sample_backup, kill_when=lambda s: s[1] >= 250, horse_of=horse)
    assert killed and status_of(add) == RunStatus.FAILED, log_of(worker)
    assert all(s[0] == s[1] for s in samples), [s for s in samples if s[0] != s[1]]
    assert 0 < samples[-1][1] < SIZE
