"""``manage.py sync_inventory``: start a sync from cron or a script."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from io import StringIO

import django_rq
import pytest
from django.core.management import CommandError, call_command
from django.db import connection as db_connection

from inventory.models import ConnectionKind, InventorySync, TenantConnection
from operations.models import OperationRun, RunStatus, StatusBucket
from tenantatlas.models import Tenant

pytestmark = pytest.mark.django_db(transaction=True)


def _call(*args: str) -> str:
    out = StringIO()
    call_command("sync_inventory", *args, stdout=out)
    return out.getvalue()


def test_it_starts_a_sync_and_prints_the_run_and_its_address(
    tenant: Tenant, work_queue: Callable[[], int]
) -> None:
    output = _call("acme")

    run = OperationRun.objects.get()
    assert (
        output == f"Started inventory sync run {run.pk}: /t/acme/monitoring/operations/{run.pk}/\n"
    )
    assert (run.run_type, run.status, run.initiated_by) == (
        "inventory.sync",
        RunStatus.QUEUED,
        None,
    )
    assert work_queue() == 1
    assert InventorySync.objects.get(run=run).is_complete


def test_a_second_call_reuses_the_active_sync(tenant: Tenant) -> None:
    _call("acme")

    output = _call("acme")

    assert OperationRun.objects.count() == 1
    assert output.startswith("Already running: inventory sync run")


def test_a_narrower_scope_is_its_own_sync(tenant: Tenant, work_queue: Callable[[], int]) -> None:
    _call("acme", "--type", "settingsCatalog", "--type", "compliancePolicy")

    run = OperationRun.objects.get()
    assert run.dedupe_key == "compliancePolicy,settingsCatalog"
    assert work_queue() == 1
    sync = InventorySync.objects.get(run=run)
    assert set(sync.items.values_list("policy_type", flat=True)) <= {
        "settingsCatalog",
        "compliancePolicy",
    }


def test_an_unknown_tenant_is_a_clear_error(tenant: Tenant) -> None:
    with pytest.raises(CommandError, match="No tenant with slug 'nope'"):
        _call("nope")
    assert not OperationRun.objects.exists()


def test_an_unknown_policy_type_is_a_clear_error(tenant: Tenant) -> None:
    with pytest.raises(CommandError, match="unknown policy types: wifi"):
        _call("acme", "--type", "wifi")


def _wait_in_thread(args: list[str]) -> tuple[threading.Thread, dict[str, object]]:
    """The command polls in a thread; the test's main thread runs the (signal-using) worker."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["output"] = _call(*args)
        except CommandError as exc:
            outcome["error"] = str(exc)
        finally:
            db_connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    queue = django_rq.get_queue("default")
    for _ in range(200):  # until the job is enqueued (after the start's commit)
        if queue.count:
            break
        time.sleep(0.05)
    return thread, outcome


def test_wait_reports_the_outcome_once_a_worker_finished_it(
    tenant: Tenant, work_queue: Callable[[], int]
) -> None:
    thread, outcome = _wait_in_thread(["acme", "--wait", "--poll", "0.05"])
    assert work_queue() == 1
    thread.join(timeout=30)

    assert not thread.is_alive()
    assert OperationRun.objects.get().bucket == StatusBucket.SUCCEEDED
    assert "succeeded: 60 succeeded, 0 failed, 0 skipped." in str(outcome["output"])


def test_wait_exits_with_an_error_when_the_sync_failed(
    tenant: Tenant, work_queue: Callable[[], int]
) -> None:
    TenantConnection.objects.create(tenant=tenant, kind=ConnectionKind.GRAPH)

    thread, outcome = _wait_in_thread(["acme", "--wait", "--poll", "0.05"])
    assert work_queue() == 1
    thread.join(timeout=30)

    assert "failed: The Microsoft Graph connection is not configured" in str(outcome["error"])
