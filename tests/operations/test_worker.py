"""Work and finish on a real RQ worker: exact counts, sanitized failures, notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

import tests.support.producers  # noqa: F401  (registers test.items)
from monitoring.links import notification_target
from operations.lifecycle import run_claim, run_complete, run_execute, run_fail, run_start
from operations.models import Notification, OperationRun, RunStatus, StatusBucket
from operations.recorder import RunRecorder

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from pytest_django import Settings

    from tenantatlas.models import Tenant
from tenantatlas.models import Tenant

SECRET = (
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
)


def start(tenant: Tenant, user: User | None, **context: Any) -> OperationRun:
    return run_start(tenant=tenant, run_type="test.items", initiated_by=user, context=context).run


@pytest.mark.django_db(transaction=True)
def test_a_worker_moves_a_run_from_queued_to_completed_with_exact_counts(
    tenant: Tenant, operator: User, work_queue: Callable[[], int]
) -> None:
    run = start(tenant, operator, items=120, skip=[3, 4])
    assert run.status == RunStatus.QUEUED

    assert work_queue() == 1

    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    assert run.status_bucket == StatusBucket.SUCCEEDED
    assert (run.total, run.processed, run.succeeded, run.failed, run.skipped) == (
        120,
        120,
        118,
        0,
        2,
    )
    assert run.started_at is not None and run.finished_at is not None
    assert run.started_at <= run.finished_at
    assert run.heartbeat_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_partially_failing_job_ends_partially_succeeded_with_sanitized_entries(
    tenant: Tenant, operator: User, work_queue: Callable[[], int]
) -> None:
    message = f"Graph said 401 for Authorization: Bearer {SECRET} client_secret=abc~123"
    run = start(tenant, operator, items=10, fail=[1, 5, 7], message=message)

    work_queue()

    run.refresh_from_db()
    assert run.status_bucket == StatusBucket.PARTIALLY_SUCCEEDED
    assert (run.succeeded, run.failed) == (7, 3)
    failures = list(run.failures.all())
    assert [f.item for f in failures] == ["item 1", "item 5", "item 7"]
    for failure in failures:
        assert SECRET not in failure.message
        assert "abc~123" not in failure.message
        assert "Graph said 401" in failure.message


@pytest.mark.django_db(transaction=True)
def test_an_exception_fails_the_run_without_storing_the_secret(
    tenant: Tenant, operator: User, work_queue: Callable[[], int]
) -> None:
    run = start(tenant, operator, items=3, **{"raise": f"token={SECRET} boom"})

    work_queue()

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.succeeded == 3  # what was done before the failure is kept
    assert SECRET not in run.failure_reason
    assert "boom" in run.failure_reason
    assert run.failures.get().code == "planted_failure"
    notice = Notification.objects.filter(user=operator).first()
    assert notice is not None
    assert notice.title == "Test items failed"
    assert SECRET not in notice.body


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("context", "title", "level"),
    [
        ({"items": 2}, "Test items succeeded", "success"),
        ({"items": 2, "fail": [0], "message": "x"}, "Test items partially succeeded", "warning"),
        ({"items": 1, "fail": [0], "message": "x"}, "Test items failed", "error"),
    ],
)
def test_the_starter_is_notified_of_each_outcome_with_a_link(
    tenant: Tenant,
    operator: User,
    work_queue: Callable[[], int],
    context: dict[str, Any],
    title: str,
    level: str,
) -> None:
    run = start(tenant, operator, **context)
    queued = Notification.objects.get(user=operator, run=run)

    work_queue()

    # One notice per run, updated in place: born read ("queued"), unread once finished.
    (notice,) = Notification.objects.filter(user=operator)
    assert (queued.title, queued.is_read) == ("Test items queued", True)
    assert (notice.pk, notice.title, notice.level) == (queued.pk, title, level)
    assert not notice.is_read
    assert notification_target(notice, "acme") == f"/t/acme/monitoring/operations/{run.pk}/"


@pytest.mark.django_db(transaction=True)
def test_everyone_who_started_the_same_run_hears_its_outcome_once(
    tenant: Tenant, operator: User, owner: User, work_queue: Callable[[], int]
) -> None:
    run = start(tenant, operator, items=2)
    again = start(tenant, owner, items=2)
    start(tenant, operator, items=2)  # a second click by the same person

    work_queue()

    assert again.pk == run.pk
    notices = Notification.objects.filter(run=run).order_by("user__username")
    assert [(n.user.username, n.title, n.is_read) for n in notices] == [
        ("operator", "Test items succeeded", False),
        ("owner", "Test items succeeded", False),
    ]


@pytest.mark.django_db(transaction=True)
def test_progress_writes_are_batched(tenant: Tenant) -> None:
    run = start(tenant, None, items=1000)
    claimed = run_claim(run.pk)
    assert claimed is not None
    run = claimed
    recorder = RunRecorder(run, batch_size=50, interval=60)

    for _ in range(1000):
        recorder.succeeded()
    recorder.flush()

    run.refresh_from_db()
    assert run.succeeded == run.processed == 1000
    assert recorder.flushes == 21  # 20 full batches + the final (empty) flush


@pytest.mark.django_db(transaction=True)
def test_failure_entries_are_capped_and_the_rest_counted(
    tenant: Tenant, settings: Settings
) -> None:
    settings.RUN_FAILURE_CAP = 5
    run = run_claim(start(tenant, None).pk)
    assert run is not None
    recorder = RunRecorder(run)

    for index in range(8):
        recorder.failed(code="x", message=f"failure {index}")
    recorder.flush()

    run.refresh_from_db()
    assert run.failed == 8
    assert run.failures.count() == 5
    assert run.failures_dropped == 3


@pytest.mark.django_db(transaction=True)
def test_a_final_failure_past_the_cap_is_counted_not_stored(
    tenant: Tenant, settings: Settings
) -> None:
    settings.RUN_FAILURE_CAP = 0
    run = start(tenant, None)

    assert run_fail(run.pk, code="boom", message=f"Bearer {SECRET}") is True

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.failures.count() == 0
    assert run.failures_dropped == 1
    assert SECRET not in run.failure_reason


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("items", [3, 40])
def test_a_run_costs_a_fixed_set_of_statements_and_completes_in_one_write(
    tenant: Tenant, operator: User, items: int
) -> None:
    run = start(tenant, operator, items=items, skip=[1])

    with CaptureQueriesContext(connection) as captured:
        run_execute(run.pk, heartbeat=False)

    statements = [query["sql"] for query in captured.captured_queries]
    run_updates = [sql for sql in statements if sql.startswith('UPDATE "operations_operationrun"')]
    # claim: UPDATE (reading the run back), SELECT of its tenant, rollup, notice; set_total:
    # UPDATE; completion: UPDATE (with the last counts, reading back what it changed),
    # rollup, notice. No stored-failure COUNT, no separate count flush, no re-read:
    # 8 statements in two transactions (claim, completion).
    work = [sql for sql in statements if sql not in ("BEGIN", "COMMIT")]
    assert len(work) == 8, statements
    assert statements.count("BEGIN") == statements.count("COMMIT") == 2
    assert len(run_updates) == 3
    assert '"succeeded" = ' in run_updates[-1] and '"status" = ' in run_updates[-1]
    run.refresh_from_db()
    assert (run.status_bucket, run.processed, run.succeeded, run.skipped) == (
        StatusBucket.SUCCEEDED, items, items - 1, 1,
    )  # fmt: skip


def _values(instance: OperationRun | Tenant) -> dict[str, Any]:
    fields = type(instance)._meta.concrete_fields
    return {field.attname: getattr(instance, field.attname) for field in fields}


@pytest.mark.django_db(transaction=True)
def test_the_claim_and_the_finish_read_back_exactly_what_the_orm_reads(
    tenant: Tenant, operator: User
) -> None:
    # The two transitions read rows back through SQL of their own (UPDATE … RETURNING);
    # a JSON context, aware datetimes and the generated columns must arrive as the ORM's do.
    run = start(tenant, operator, items=2, skip=[0], nested={"ids": [1, 2], "note": "ü"})

    claimed = run_claim(run.pk)

    assert claimed is not None
    assert _values(claimed) == _values(OperationRun.objects.get(pk=run.pk))
    assert _values(claimed.tenant) == _values(Tenant.objects.get(pk=tenant.pk))
    assert claimed.context["nested"] == {"ids": [1, 2], "note": "ü"}
    assert claimed.started_at is not None and claimed.started_at.tzinfo is not None

    recorder = RunRecorder(claimed)
    recorder.set_total(2)
    recorder.skipped()
    recorder.succeeded()
    finished = run_complete(claimed, counts=recorder.handed_over())

    assert _values(finished) == _values(OperationRun.objects.get(pk=run.pk))
    assert (finished.status_bucket, finished.processed) == (StatusBucket.SUCCEEDED, 2)
