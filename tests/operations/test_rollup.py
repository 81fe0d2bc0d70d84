"""The run rollup stays equal to a full recount of the runs, whatever the lifecycle does.

Random starts (with reuse), claims, progress, completions, failures, real
worker runs and recoveries, in committed transactions, in two tenants whose
local days differ; after each round the rollup must equal ``recount``.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.db import transaction
from django.utils import timezone

import tests.support.producers  # noqa: F401  (registers test.items)
from operations import rollup
from operations.jobs import reconcile_rollup_job
from operations.lifecycle import StartResult, run_claim, run_complete, run_fail, run_start
from operations.models import OperationRun, RunDayCount, RunStatus
from operations.recorder import RunRecorder
from operations.recovery import recover_runs
from tests.factories import TenantFactory

if TYPE_CHECKING:
    from collections.abc import Callable

    from tenantatlas.models import Tenant


def _equal_to_recount(*tenants: Tenant) -> None:
    for tenant in tenants:
        assert rollup.stored(tenant) == rollup.recount(tenant), tenant.slug


def _start(rng: random.Random, tenant: Tenant) -> StartResult:
    fail = [i for i in range(5) if rng.random() < 0.3]
    context = {"items": 5, "fail": fail, "message": "boom"}
    return run_start(
        tenant=tenant, run_type="test.items", initiated_by=None, context=context,
        dedupe_key=f"k{rng.randrange(6)}",  # a few keys, so some starts reuse an active run
    )  # fmt: skip


def _pick(tenants: list[Tenant], status: str) -> list[OperationRun]:
    return list(OperationRun.objects.filter(tenant__in=tenants, status=status))


def _finish(rng: random.Random, run: OperationRun) -> None:
    recorder = RunRecorder(run)
    for _ in range(rng.randrange(4)):
        recorder.succeeded() if rng.random() < 0.6 else recorder.failed(code="x", message="no")
    recorder.flush()
    run_complete(run)


def _step(rng: random.Random, tenants: list[Tenant], work_queue: Callable[[], int]) -> None:
    action = rng.choice(["start", "start", "claim", "finish", "fail", "work", "recover"])
    queued, running = _pick(tenants, RunStatus.QUEUED), _pick(tenants, RunStatus.RUNNING)
    if action == "start":
        _start(rng, rng.choice(tenants))
    elif action == "claim" and queued:
        run_claim(rng.choice(queued).pk)
    elif action == "finish" and running:
        _finish(rng, OperationRun.objects.select_related("tenant").get(pk=rng.choice(running).pk))
    elif action == "fail" and queued + running:
        run_fail(rng.choice(queued + running).pk, code="planted", message="stopped by the test")
    elif action == "work":
        work_queue()  # a real RQ worker claims, performs and completes what is queued
    elif action == "recover" and running:
        silent = rng.choice(running)
        OperationRun.objects.filter(pk=silent.pk).update(
            heartbeat_at=timezone.now() - timedelta(hours=1)
        )
        recover_runs(heartbeat_timeout=60)


@pytest.mark.django_db(transaction=True)
def test_the_rollup_equals_a_recount_after_random_transitions_and_recoveries(
    work_queue: Callable[[], int],
) -> None:
    # Auckland's local day differs from UTC's for half of every UTC day.
    tenants = [
        TenantFactory.create(slug="utc"),
        TenantFactory.create(slug="nz", time_zone="Pacific/Auckland"),
    ]
    rng = random.Random(15)

    seen = set()
    for _ in range(12):
        for _ in range(15):
            _step(rng, tenants, work_queue)
        _equal_to_recount(*tenants)
        seen |= {key[3] for tenant in tenants for key in rollup.recount(tenant)}

    assert seen == {"queued", "running", "succeeded", "partially_succeeded", "failed"}
    assert reconcile_rollup_job() == 0  # nothing to repair


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_start_leaves_no_count(tenant: Tenant) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        run_start(tenant=tenant, run_type="test.items", initiated_by=None, context={"items": 1})
        raise RuntimeError("the caller's transaction fails after the start")

    assert not RunDayCount.objects.filter(tenant=tenant).exists()


@pytest.mark.django_db
def test_reconciliation_reports_the_drift_and_repairs_it(tenant: Tenant) -> None:
    run = run_start(tenant=tenant, run_type="test.items", initiated_by=None).run
    # Behind the lifecycle's back: a run it never saw and a count edited by hand.
    OperationRun.objects.create(tenant=tenant, resource="test", action="items", status="failed")
    RunDayCount.objects.filter(tenant=tenant, bucket="queued").update(count=4)
    day = rollup.run_day(run)

    drift = rollup.reconcile([tenant])

    assert {(d.key, d.rollup, d.actual) for d in drift} == {
        ((day, "test", "items", "queued"), 4, 1),
        ((day, "test", "items", "failed"), 0, 1),
    }
    _equal_to_recount(tenant)
    assert rollup.reconcile([tenant]) == []


@pytest.mark.django_db
def test_a_run_counts_on_its_local_day(tenant: Tenant) -> None:
    tenant.time_zone = "Pacific/Auckland"  # UTC+13 in December
    tenant.save()
    late_utc = timezone.now().replace(month=12, day=1, hour=20, minute=0)
    run = OperationRun.objects.create(
        tenant=tenant, resource="test", action="items", created_at=late_utc
    )

    assert rollup.run_day(run) == late_utc.date() + timedelta(days=1)
