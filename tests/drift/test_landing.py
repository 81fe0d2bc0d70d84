"""The drift landing: one row per scope, what can be generated, and for whom."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from drift.services import SnapshotPair
from inventory.models import SyncStatus
from operations.lifecycle import run_inline
from operations.models import OperationRun
from tenantatlas.models import Tenant
from tests.support.snapshots import demo_snapshot

pytestmark = pytest.mark.django_db
URL = "/t/acme/drift/"
Login = Callable[[User], Client]


def test_it_rejects_outsider(login: Login, outsider: User, tenant: Tenant) -> None:
    assert login(outsider).get(URL).status_code == 403


def test_it_sends_anonymous_people_to_sign_in(client: Client, tenant: Tenant) -> None:
    response = client.get(URL)

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_says_there_is_nothing_to_compare_without_syncs(login: Login, reader: User) -> None:
    response = login(reader).get(URL)

    assert response.status_code == 200
    assert b'data-testid="no-syncs"' in response.content


def test_it_offers_generation_for_a_scope_with_two_usable_syncs(
    login: Login, operator: User, two_syncs: SnapshotPair
) -> None:
    response = login(operator).get(URL)

    page = response.content.decode()
    assert (
        f"Snapshot #{two_syncs.baseline.pk}" in page and f"Snapshot #{two_syncs.current.pk}" in page
    )
    assert 'data-testid="generate"' in page
    assert "Not generated yet" in page


def test_baseline_is_the_earlier_and_current_the_latest_of_the_two_latest(
    login: Login, operator: User, tenant: Tenant
) -> None:
    oldest, middle, latest = (demo_snapshot(tenant, "acme", g) for g in range(3))

    page = login(operator).get(URL).content.decode()

    baseline_at, current_at = page.index("Baseline snapshot"), page.index("Current snapshot")
    assert page.index(f"Snapshot #{middle.pk}") in range(baseline_at, current_at)
    assert page.index(f"Snapshot #{latest.pk}") > current_at
    assert f"Snapshot #{oldest.pk}<" not in page
    # More than two usable syncs: any two may be picked by hand.
    assert 'name="baseline_sync_id"' in page and f'value="{oldest.pk}"' in page


def test_a_scope_with_fewer_than_two_usable_syncs_says_why(
    login: Login, operator: User, tenant: Tenant
) -> None:
    demo_snapshot(tenant, "acme", 0)
    demo_snapshot(tenant, "acme", 1, status=SyncStatus.FAILED, is_complete=False)
    demo_snapshot(tenant, "acme", 2, is_complete=False)

    page = login(operator).get(URL).content.decode()

    assert 'data-testid="cannot-generate"' in page
    assert "has only one" in page and "2 other syncs failed" in page
    assert 'data-testid="generate"' not in page


def test_readonly_sees_the_start_control_disabled_with_the_reason(
    login: Login, reader: User, two_syncs: SnapshotPair
) -> None:
    response = login(reader).get(URL)

    assert response.status_code == 200
    assert f"Snapshot #{two_syncs.current.pk}" in response.content.decode()
    assert b'data-testid="generate"' not in response.content
    assert (
        b'<button type="button" disabled aria-describedby="ro-1">Generate drift' in response.content
    )
    assert b"Read-only role" in response.content


def test_it_shows_the_latest_drift_run_of_the_latest_pair(
    login: Login, reader: User, tenant: Tenant, two_syncs: SnapshotPair
) -> None:
    # run_inline keys runs uniquely; a started run is keyed by its pair.
    run = run_inline(tenant=tenant, run_type="drift.generate", context=two_syncs.context)
    OperationRun.objects.filter(pk=run.pk).update(dedupe_key=two_syncs.dedupe_key)

    page = login(reader).get(URL).content.decode()

    assert f"Run #{run.pk}" in page
    assert f"/t/acme/drift/findings/?run={run.pk}" in page
    assert "badge--succeeded" in page


def test_its_query_count_does_not_grow_with_scopes_and_runs(
    login: Login, reader: User, tenant: Tenant
) -> None:
    client = login(reader)
    demo_snapshot(tenant, "acme", 0, size=8)
    demo_snapshot(tenant, "acme", 1, size=8)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for scope in ("compliancePolicy", "settingsCatalog", "deviceConfiguration"):
        pair = [demo_snapshot(tenant, "acme", g, size=8, policy_types=(scope,)) for g in (0, 1)]
        run_inline(
            tenant=tenant, run_type="drift.generate",
            context=SnapshotPair(scope, baseline=pair[0], current=pair[1]).context,
        )  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        client.get(URL)

    assert len(many) == len(few)
