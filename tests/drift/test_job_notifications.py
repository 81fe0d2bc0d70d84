"""What the drift.generate job tells its starter, on success and on failure (real RQ worker)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from drift.models import DriftFinding
from drift.services import SnapshotPair
from monitoring.links import notification_target, run_url
from operations.models import Notification, OperationRun, RunFailure, RunStatus
from tests.support.snapshots import ALL_TYPES

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/t/acme/drift/generate/"
Login = Callable[[User], Client]
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkcmlmdCJ9.c2lnbmF0dXJlLXNlY3JldA"
PASSWORD = "hunter2-planted-password"


def generate(client: Client, work_queue: Callable[[], int]) -> OperationRun:
    client.post(URL, {"scope_key": ALL_TYPES})
    assert work_queue() == 1
    return OperationRun.objects.of_type("drift.generate").get()


def outcome_notification(user: User) -> Notification:
    return Notification.objects.filter(user=user).exclude(title__endswith="queued").get()


def test_success_notifies_the_starter_with_the_view_run_link(
    login: Login, operator: User, two_syncs: SnapshotPair, work_queue: Callable[[], int]
) -> None:
    run = generate(login(operator), work_queue)

    note = outcome_notification(operator)
    assert run.bucket == "succeeded"
    assert note.title == "Drift generation succeeded" and note.level == "success"
    assert notification_target(note, "acme") == run_url(run) and note.run == run
    assert f"{run.succeeded} succeeded" in note.body
    assert DriftFinding.objects.filter(run=run).count() == run.succeeded > 0


def test_failure_notifies_the_starter_and_stores_no_secret(
    login: Login,
    operator: User,
    two_syncs: SnapshotPair,
    work_queue: Callable[[], int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import drift.jobs

    def explode(*args: object) -> None:
        raise RuntimeError(
            f"Graph said no: Authorization: Bearer {TOKEN} password={PASSWORD}\n"
            'DETAIL: Failing row contains {"omaSettings": "payload dump"}'
        )

    monkeypatch.setattr(drift.jobs, "_compare", explode)

    run = generate(login(operator), work_queue)

    assert run.status == RunStatus.FAILED
    note = outcome_notification(operator)
    assert note.title == "Drift generation failed" and note.level == "error"
    assert notification_target(note, "acme") == run_url(run)
    entry = RunFailure.objects.get(run=run)
    assert entry.code == "runtimeerror"
    stored = " ".join([entry.message, entry.item, run.failure_reason, note.title, note.body])
    assert "Graph said no" in stored
    for secret in (TOKEN, PASSWORD, "payload dump", "omaSettings"):
        assert secret not in stored


def test_a_run_whose_snapshot_vanished_before_the_worker_fails_and_says_so(
    login: Login, operator: User, two_syncs: SnapshotPair, work_queue: Callable[[], int]
) -> None:
    client = login(operator)
    client.post(URL, {"scope_key": ALL_TYPES})
    two_syncs.current.delete()

    assert work_queue() == 1

    run = OperationRun.objects.of_type("drift.generate").get()
    assert run.status == RunStatus.FAILED
    assert RunFailure.objects.get(run=run).code == "snapshot_unavailable"
    note = outcome_notification(operator)
    assert note.title == "Drift generation failed"
    assert "no longer exists" in note.body
