"""Start: one active run per key, enqueue on commit only, a dead Redis fails the run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import django_rq
import pytest
from django.db import transaction

import tests.support.producers  # noqa: F401  (registers test.items)
from monitoring.links import notification_target, run_url
from operations.lifecycle import StartResult, run_start
from operations.models import Notification, OperationRun, RunStatus
from tests.support.concurrency import at_once

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from tenantatlas.models import Tenant


def start(tenant: Tenant, user: User | None = None, key: str = "k", **context: Any) -> StartResult:
    return run_start(
        tenant=tenant, run_type="test.items", initiated_by=user, dedupe_key=key, context=context
    )


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_starts_end_with_one_active_run(tenant: Tenant, operator: User) -> None:
    results, errors = at_once(20, lambda: start(tenant, operator).run.pk)

    assert errors == []
    assert len(set(results)) == 1
    assert OperationRun.objects.active().count() == 1
    assert django_rq.get_queue("default").count == 1


@pytest.mark.django_db(transaction=True)
def test_it_reuses_the_active_run_and_tells_both_starters(
    tenant: Tenant, operator: User, owner: User
) -> None:
    first = start(tenant, operator)
    second = start(tenant, owner)

    assert first.created and not second.created
    assert second.run.pk == first.run.pk
    assert Notification.objects.get(user=owner).title == "Test items already queued"
    assert notification_target(Notification.objects.get(user=operator), "acme") == run_url(
        first.run
    )
    assert django_rq.get_queue("default").count == 1


@pytest.mark.django_db(transaction=True)
def test_it_starts_a_new_run_once_the_previous_one_ended(tenant: Tenant) -> None:
    first = start(tenant).run
    OperationRun.objects.filter(pk=first.pk).update(status=RunStatus.COMPLETED)

    assert start(tenant).run.pk != first.pk


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_start_leaves_no_run_and_no_job(tenant: Tenant, operator: User) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        start(tenant, operator)
        raise Boom

    assert OperationRun.objects.count() == 0
    assert django_rq.get_queue("default").count == 0


@pytest.mark.django_db(transaction=True)
def test_the_job_id_is_stored_before_the_job_is_queued(tenant: Tenant) -> None:
    run = start(tenant).run

    job = django_rq.get_queue("default").fetch_job(run.job_id)

    assert job is not None
    assert job.args == (run.pk,)


@pytest.mark.django_db(transaction=True)
def test_redis_unreachable_fails_the_run_and_tells_the_starter(
    tenant: Tenant, operator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = {**django_rq.settings.QUEUES["default"], "URL": "redis://127.0.0.1:1/0"}
    monkeypatch.setitem(django_rq.settings.QUEUES, "default", dead)

    result = start(tenant, operator)

    run = OperationRun.objects.get(pk=result.run.pk)
    assert run.status == RunStatus.FAILED
    assert "unreachable" in run.failure_reason
    assert run.failures.get().code == "queue_unavailable"
    (notice,) = Notification.objects.filter(user=operator)
    assert notice.title == "Test items failed" and not notice.is_read


@pytest.mark.django_db
def test_it_refuses_an_unregistered_run_type(tenant: Tenant) -> None:
    with pytest.raises(ValueError, match="unknown run type"):
        run_start(tenant=tenant, run_type="nothing.here", initiated_by=None)
