"""Starting drift generation: POST …/drift/generate/ queues one run and one job per pair."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_rq
import pytest
from django.contrib.auth.models import User
from django.test import Client

from drift.services import SnapshotPair
from inventory.models import SyncStatus
from monitoring.links import notification_target, run_url
from operations.models import Notification, OperationRun, RunStatus
from tenantatlas.models import Tenant
from tests.support.queues import empty_queue
from tests.support.snapshots import ALL_TYPES, demo_snapshot

URL = "/t/acme/drift/generate/"
Login = Callable[[User], Client]


def queued_job_ids() -> list[str]:
    return django_rq.get_queue("default").job_ids


def drift_runs() -> list[OperationRun]:
    return list(OperationRun.objects.of_type("drift.generate"))


def start(client: Client, **data: Any) -> Any:
    return client.post(URL, {"scope_key": ALL_TYPES, **data})


@pytest.mark.django_db(transaction=True)
def test_it_queues_exactly_one_job_and_one_run_with_the_snapshot_ids(
    login: Login, operator: User, two_syncs: SnapshotPair
) -> None:
    response = start(login(operator))

    [run] = drift_runs()
    assert response.status_code == 302 and response["Location"] == run_url(run)
    assert run.status == RunStatus.QUEUED and run.initiated_by == operator
    assert run.context == {
        "scope_key": ALL_TYPES,
        "baseline_sync_id": two_syncs.baseline.pk,
        "current_sync_id": two_syncs.current.pk,
    }
    assert run.dedupe_key == f"{ALL_TYPES}:{two_syncs.baseline.pk}:{two_syncs.current.pk}"
    assert queued_job_ids() == [f"run-{run.pk}"]


@pytest.mark.django_db(transaction=True)
def test_it_notifies_the_starter_with_a_link_to_the_run(
    login: Login, operator: User, two_syncs: SnapshotPair
) -> None:
    start(login(operator))

    [run] = drift_runs()
    note = Notification.objects.get(user=operator)
    assert note.title == "Drift generation queued"
    assert notification_target(note, "acme") == run_url(run) and note.run == run


@pytest.mark.django_db(transaction=True)
def test_a_second_post_for_the_same_pair_reuses_the_queued_run(
    login: Login, operator: User, manager: User, two_syncs: SnapshotPair
) -> None:
    first = start(login(operator))
    second = start(login(manager))

    [run] = drift_runs()
    assert first["Location"] == second["Location"] == run_url(run)
    assert queued_job_ids() == [f"run-{run.pk}"]
    assert Notification.objects.get(user=manager).title == "Drift generation already queued"


@pytest.mark.django_db(transaction=True)
def test_a_post_after_the_run_succeeded_reuses_it_without_a_new_job(
    login: Login, operator: User, two_syncs: SnapshotPair, work_queue: Callable[[], int]
) -> None:
    client = login(operator)
    start(client)
    assert work_queue() == 1

    response = start(client)

    [run] = drift_runs()
    assert run.bucket == "succeeded"
    assert response["Location"] == run_url(run)
    assert queued_job_ids() == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "ending",
    [
        {"status": RunStatus.FAILED},
        # Partially succeeded is not reused either: some policies could not be compared.
        {"status": RunStatus.COMPLETED, "succeeded": 3, "failed": 1},
    ],
    ids=["failed", "partially_succeeded"],
)
def test_a_post_after_the_run_failed_makes_a_new_one(
    login: Login, operator: User, two_syncs: SnapshotPair, ending: dict[str, Any]
) -> None:
    client = login(operator)
    start(client)
    [old] = drift_runs()
    OperationRun.objects.filter(pk=old.pk).update(**ending)
    empty_queue()

    response = start(client)

    new = OperationRun.objects.of_type("drift.generate").exclude(pk=old.pk).get()
    assert response["Location"] == run_url(new)
    assert new.context == old.context and new.status == RunStatus.QUEUED
    assert queued_job_ids() == [f"run-{new.pk}"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("usable", [0, 1])
def test_fewer_than_two_syncs_creates_no_run_and_says_why(
    login: Login, operator: User, tenant: Tenant, usable: int
) -> None:
    for generation in range(usable):
        demo_snapshot(tenant, "acme", generation)
    demo_snapshot(tenant, "acme", 5, status=SyncStatus.FAILED, is_complete=False)

    response = login(operator).post(URL, {"scope_key": ALL_TYPES}, follow=True)

    assert response.redirect_chain == [("/t/acme/drift/", 302)]
    assert "Drift needs two successful complete inventory syncs" in response.content.decode()
    assert drift_runs() == [] and queued_job_ids() == []


@pytest.mark.django_db(transaction=True)
def test_readonly_gets_403_and_nothing_is_created(
    login: Login, reader: User, two_syncs: SnapshotPair
) -> None:
    response = start(login(reader))

    assert response.status_code == 403
    assert drift_runs() == [] and queued_job_ids() == []
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_it_rejects_outsider(login: Login, outsider: User, two_syncs: SnapshotPair) -> None:
    assert start(login(outsider)).status_code == 403
    assert drift_runs() == []


@pytest.mark.django_db
def test_it_only_accepts_post(login: Login, operator: User, two_syncs: SnapshotPair) -> None:
    assert login(operator).get(URL).status_code == 405


@pytest.mark.django_db(transaction=True)
def test_any_two_usable_syncs_of_the_scope_can_be_chosen(
    login: Login, operator: User, tenant: Tenant
) -> None:
    oldest, _, latest = (demo_snapshot(tenant, "acme", g) for g in range(3))

    start(login(operator), baseline_sync_id=oldest.pk, current_sync_id=latest.pk)

    [run] = drift_runs()
    assert (run.context["baseline_sync_id"], run.context["current_sync_id"]) == (
        oldest.pk, latest.pk,
    )  # fmt: skip
    assert queued_job_ids() == [f"run-{run.pk}"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("choose", "message"),
    [
        ("same", "Choose two different syncs."),
        ("other_scope", "Both syncs must be of the chosen scope."),
        ("failed", "did not succeed completely"),
        ("incomplete", "did not succeed completely"),
        ("reversed", "The baseline must be taken before the current sync."),
        ("one_only", "Choose both a baseline and a current sync, or neither."),
        ("not_a_number", "Enter a whole number."),
        ("huge", "less than or equal to"),
    ],
)
def test_a_chosen_pair_that_cannot_be_compared_gets_a_clear_message_and_no_run(
    login: Login, operator: User, tenant: Tenant, choose: str, message: str
) -> None:
    base, current = demo_snapshot(tenant, "acme", 0), demo_snapshot(tenant, "acme", 1)
    other_scope = demo_snapshot(tenant, "acme", 2, policy_types=("compliancePolicy",))
    failed = demo_snapshot(tenant, "acme", 3, status=SyncStatus.FAILED)
    incomplete = demo_snapshot(tenant, "acme", 4, is_complete=False)
    choices: dict[str, dict[str, Any]] = {
        "same": {"baseline_sync_id": base.pk, "current_sync_id": base.pk},
        "other_scope": {"baseline_sync_id": base.pk, "current_sync_id": other_scope.pk},
        "failed": {"baseline_sync_id": base.pk, "current_sync_id": failed.pk},
        "incomplete": {"baseline_sync_id": incomplete.pk, "current_sync_id": current.pk},
        "reversed": {"baseline_sync_id": current.pk, "current_sync_id": base.pk},
        "one_only": {"baseline_sync_id": base.pk},
        "not_a_number": {"baseline_sync_id": "1 OR 1=1", "current_sync_id": current.pk},
        "huge": {"baseline_sync_id": 2**70, "current_sync_id": current.pk},
    }
    data = choices[choose]

    response = login(operator).post(URL, {"scope_key": ALL_TYPES, **data}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [("/t/acme/drift/", 302)]
    assert message in response.content.decode()
    assert drift_runs() == []


@pytest.mark.django_db
def test_a_missing_scope_key_gets_a_clear_message(
    login: Login, operator: User, two_syncs: SnapshotPair
) -> None:
    response = login(operator).post(URL, {}, follow=True)

    assert "scope" in response.content.decode().lower()
    assert "This field is required." in response.content.decode()
    assert drift_runs() == []
