"""POST …/backups/<id>/add-policies/ → a run on a real RQ worker captures the policies."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from backups.models import BackupItem, BackupSet
from backups.selectors import current_items
from demo.source import DemoSource
from inventory.models import Policy
from monitoring.links import notification_target, run_url
from operations.models import Notification, OperationRun, StatusBucket
from tenantatlas.models import Tenant
from tests.backups.conftest import (
    TakeSnapshot,
    add_url,
    demo_policies,
    policy_ids,
    post_add,
)

Login = Callable[[User], Client]
Work = Callable[[], int]

pytestmark = pytest.mark.django_db(transaction=True)


def _runs() -> list[OperationRun]:
    return list(OperationRun.objects.of_type("backup_set.add_policies"))


def test_it_adds_fifty_policies_with_exact_counts(
    tenant: Tenant, operator: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login, work_queue: Work,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(50))
    ids = policy_ids(tenant)

    response = post_add(login(operator), backup_set, ids)

    (run,) = _runs()
    assert response.status_code == 302
    assert response["Location"] == run_url(run)
    assert run.total == 50
    assert run.context["backup_set_id"] == backup_set.pk
    assert run.context["policy_ids"] == ids
    assert work_queue() == 1
    run.refresh_from_db()
    assert run.status_bucket == StatusBucket.SUCCEEDED
    assert (run.processed, run.succeeded, run.failed, run.skipped) == (50, 50, 0, 0)
    assert BackupItem.objects.filter(backup_set=backup_set, is_latest=True).count() == 50
    assert set(backup_set.items.values_list("policy_id", flat=True)) == set(ids)


def test_it_copies_the_current_snapshot_into_the_set(
    tenant: Tenant, operator: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login, work_queue: Work,
) -> None:  # fmt: skip
    sync = take_snapshot(tenant, demo_policies(5))
    post_add(login(operator), backup_set, policy_ids(tenant))
    work_queue()

    (run,) = _runs()
    for snapshot in sync.items.all():
        item = BackupItem.objects.get(backup_set=backup_set, policy=snapshot.policy)
        assert item.settings == snapshot.settings
        assert item.content_hash == snapshot.content_hash
        assert (item.version, item.is_latest, item.run_id, item.source_sync_id) == (
            1, True, run.pk, sync.pk,
        )  # fmt: skip


def test_adding_the_same_policies_again_skips_them_all(
    tenant: Tenant, operator: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login, work_queue: Work,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(50))
    client, ids = login(operator), policy_ids(tenant)
    post_add(client, backup_set, ids)
    work_queue()

    post_add(client, backup_set, ids)
    work_queue()

    first, second = sorted(_runs(), key=lambda r: r.pk)
    assert first.pk != second.pk
    assert second.status_bucket == StatusBucket.SUCCEEDED
    assert (second.processed, second.succeeded, second.failed, second.skipped) == (50, 0, 0, 50)
    assert backup_set.items.count() == 50


def test_changed_content_records_a_new_version_and_keeps_the_history(
    tenant: Tenant, operator: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login, work_queue: Work,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(60, generation=0))
    client, first_ids = login(operator), policy_ids(tenant)
    post_add(client, backup_set, first_ids)
    work_queue()
    # Generation 1 of the demo tenant modifies a few policies (and adds and removes some).
    take_snapshot(tenant, demo_policies(60, generation=1))
    still_there = sorted(
        set(first_ids) & set(current_items(tenant).values_list("policy_id", flat=True))
    )

    post_add(client, backup_set, still_there)
    work_queue()

    run = max(_runs(), key=lambda r: r.pk)
    modified = DemoSource.expected_changes("acme", 60, 0, 1)["modified"]
    changed = BackupItem.objects.filter(backup_set=backup_set, version=2)
    assert {(i.policy_type, i.external_id) for i in changed} == modified
    assert (run.succeeded, run.skipped, run.failed) == (
        len(modified),
        len(still_there) - len(modified),
        0,
    )
    for item in changed:
        history = backup_set.items.filter(policy=item.policy).order_by("version")
        assert [(v.version, v.is_latest) for v in history] == [(1, False), (2, True)]
        assert history[0].content_hash != history[1].content_hash
    assert backup_set.items.filter(is_latest=True).count() == 60


def test_a_vanished_policy_fails_alone_with_a_sanitized_entry(
    tenant: Tenant, operator: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login, work_queue: Work,
) -> None:  # fmt: skip
    policies = demo_policies(20)
    take_snapshot(tenant, policies)
    doomed = Policy.objects.get(tenant=tenant, external_id=policies[7].external_id)
    doomed.display_name = "Wi-Fi token=s3cr3t-value Bearer abc.def.ghi"
    doomed.save()
    post_add(login(operator), backup_set, policy_ids(tenant))
    # Before the worker runs, a newer complete sync no longer sees the policy.
    take_snapshot(tenant, [p for p in policies if p is not policies[7]])

    work_queue()

    (run,) = _runs()
    assert run.status_bucket == StatusBucket.PARTIALLY_SUCCEEDED
    assert (run.succeeded, run.failed, run.skipped) == (19, 1, 0)
    (failure,) = run.failures.all()
    assert failure.code == "policy_vanished"
    assert "deleted from the tenant" in failure.message
    for text in (failure.message, failure.item):
        assert "s3cr3t-value" not in text
        assert "abc.def.ghi" not in text
    assert not backup_set.items.filter(policy=doomed).exists()


def test_a_policy_of_a_type_no_sync_covers_counts_as_vanished(
    tenant: Tenant, operator: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login, work_queue: Work,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(20))
    stray = Policy.objects.create(tenant=tenant, policy_type="mobileApp", external_id="x")

    post_add(login(operator), backup_set, [stray.pk])
    work_queue()

    (run,) = _runs()
    assert run.status_bucket == StatusBucket.FAILED
    assert (run.succeeded, run.failed) == (0, 1)


def test_a_double_submit_makes_one_run(
    tenant: Tenant, operator: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login, work_queue: Work,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(10))
    client, ids = login(operator), policy_ids(tenant)

    first = post_add(client, backup_set, ids)
    second = post_add(client, backup_set, list(reversed(ids)))  # same selection, other order

    (run,) = _runs()
    assert first["Location"] == second["Location"] == run_url(run)
    assert work_queue() == 1
    run.refresh_from_db()
    assert run.succeeded == 10


def test_a_different_selection_is_a_different_run(
    tenant: Tenant, operator: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(10))
    client, ids = login(operator), policy_ids(tenant)
    post_add(client, backup_set, ids)
    post_add(client, backup_set, ids[:5])
    assert len(_runs()) == 2


def test_it_notifies_the_starter_with_a_link_to_the_run(
    tenant: Tenant, operator: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login, work_queue: Work,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(5))
    post_add(login(operator), backup_set, policy_ids(tenant))
    work_queue()

    (run,) = _runs()
    notes = Notification.objects.filter(user=operator, run=run)
    titles = [(n.title, notification_target(n, tenant.slug)) for n in notes]
    assert titles == [("Backup: add policies succeeded", run_url(run))]


def test_select_all_filtered_resolves_the_ids_on_the_server(
    tenant: Tenant, operator: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login, work_queue: Work,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(60))
    compliance = policy_ids(tenant, policy_type="compliancePolicy")
    assert 0 < len(compliance) < 60

    response = login(operator).post(
        add_url(backup_set), {"select": "filtered", "policy_type": "compliancePolicy"}
    )

    (run,) = _runs()
    assert response["Location"] == run_url(run)
    assert run.context["policy_ids"] == compliance
    work_queue()
    assert backup_set.items.count() == len(compliance)


def test_a_set_deleted_before_the_worker_runs_fails_the_run(
    tenant: Tenant, operator: User, backup_set: BackupSet, take_snapshot: TakeSnapshot,
    login: Login, work_queue: Work,
) -> None:  # fmt: skip
    take_snapshot(tenant, demo_policies(3))
    post_add(login(operator), backup_set, policy_ids(tenant))
    backup_set.delete()

    work_queue()

    (run,) = _runs()
    assert run.status_bucket == StatusBucket.FAILED
    assert run.failures.get().code == "backup_set_missing"
