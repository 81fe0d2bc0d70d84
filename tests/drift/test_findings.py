"""The findings page: one run's findings, filtered, paginated, with readable setting changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from drift.diff import SettingChange
from drift.models import DriftFinding
from drift.services import SnapshotPair
from operations.lifecycle import run_inline
from operations.models import OperationRun, RunStatus
from operations.registry import get_run_type
from tenantatlas.models import Tenant

pytestmark = pytest.mark.django_db
URL = "/t/acme/drift/findings/"
Login = Callable[[User], Client]


def drift_run(tenant: Tenant, **fields: Any) -> OperationRun:
    defaults: dict[str, Any] = {
        "status": RunStatus.COMPLETED, "finished_at": timezone.now(),
        "context": {
            "scope_key": "deviceConfiguration", "baseline_sync_id": 1, "current_sync_id": 2,
        },
    }  # fmt: skip
    return OperationRun.objects.create(
        tenant=tenant, resource="drift", action="generate", **{**defaults, **fields}
    )


def finding(run: OperationRun, name: str, change_type: str = "modified", **fields: Any) -> None:
    DriftFinding.objects.create(
        tenant=run.tenant, run=run, change_type=change_type, display_name=name,
        policy_type=fields.pop("policy_type", "deviceConfiguration"),
        external_id=fields.pop("external_id", f"id-{name}"), **fields,
    )  # fmt: skip


def test_it_rejects_outsider(login: Login, outsider: User, tenant: Tenant) -> None:
    run = drift_run(tenant)

    assert login(outsider).get(URL, {"run": run.pk}).status_code == 403


def test_it_shows_the_latest_finished_run_when_none_is_asked_for(
    login: Login, reader: User, tenant: Tenant
) -> None:
    old, latest = drift_run(tenant), drift_run(tenant)
    drift_run(tenant, status=RunStatus.RUNNING, finished_at=None)
    finding(old, "Old finding")
    finding(latest, "Latest finding")

    page = login(reader).get(URL).content.decode()

    assert f"Drift run #{latest.pk}" in page
    assert "Latest finding" in page and "Old finding" not in page


def test_it_shows_only_the_findings_of_the_run_asked_for(
    login: Login, reader: User, tenant: Tenant
) -> None:
    old, latest = drift_run(tenant), drift_run(tenant)
    finding(old, "Old finding")
    finding(latest, "Latest finding")

    page = login(reader).get(URL, {"run": old.pk}).content.decode()

    assert "Old finding" in page and "Latest finding" not in page


def test_the_runs_related_link_lands_on_its_findings(
    login: Login, reader: User, tenant: Tenant, two_syncs: SnapshotPair
) -> None:
    run = run_inline(tenant=tenant, run_type="drift.generate", context=two_syncs.context)
    run_type = get_run_type("drift.generate")
    assert run_type is not None and run_type.label == "Drift generation"

    [link] = run_type.related(run)

    assert (link.label, link.url) == ("Drift findings", f"{URL}?run={run.pk}")
    page = login(reader).get(link.url).content.decode()
    some = DriftFinding.objects.filter(run=run).first()
    assert some is not None and some.display_name in page
    assert page.count('data-testid="finding"') == run.succeeded


def test_it_filters_by_change_type_and_policy_type(
    login: Login, reader: User, tenant: Tenant
) -> None:
    run = drift_run(tenant)
    finding(run, "Added compliance", "added", policy_type="compliancePolicy")
    finding(run, "Added device", "added")
    finding(run, "Removed compliance", "removed", policy_type="compliancePolicy")
    client = login(reader)

    by_type = client.get(URL, {"run": str(run.pk), "change_type": "added"}).content.decode()
    both = client.get(
        URL, {"run": str(run.pk), "change_type": "added", "policy_type": "compliancePolicy"}
    ).content.decode()

    assert "Added compliance" in by_type and "Added device" in by_type
    assert "Removed compliance" not in by_type
    assert "Added compliance" in both and "Added device" not in both


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"run": "abc"}, "There is no such drift run in this tenant."),
        ({"run": "999999"}, "There is no such drift run in this tenant."),
        ({"run": str(2**70)}, "There is no such drift run in this tenant."),
        ({"change_type": "exploded"}, "Unknown change type."),
        ({"policy_type": "<script>"}, "Unknown policy type."),
    ],
)
def test_a_bad_filter_gets_a_clear_message_not_a_500(
    login: Login, reader: User, tenant: Tenant, query: dict[str, str], message: str
) -> None:
    run = drift_run(tenant)
    finding(run, "Some finding")

    response = login(reader).get(URL, {"run": str(run.pk), **query})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert b"Some finding" not in response.content


def test_another_tenants_run_reads_as_unknown_and_shows_none_of_it(
    login: Login, reader: User, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = drift_run(other_tenant)
    finding(theirs, "Globex secret policy")

    response = login(reader).get(URL, {"run": theirs.pk})

    assert response.status_code == 200
    assert "There is no such drift run in this tenant." in response.content.decode()
    assert b"Globex secret policy" not in response.content


def test_setting_changes_show_path_and_before_after_escaped_and_cut(
    login: Login, reader: User, tenant: Tenant
) -> None:
    run = drift_run(tenant)
    changes = [
        SettingChange(("omaSettings", 2, "value"), "changed", "<script>alert(1)</script>", 12),
        SettingChange(("weird.key",), "added", None, {"long": "x" * 1000}),
        SettingChange(("gone",), "removed", True, None),
    ]
    finding(run, "Wi-Fi", changes=[c.to_json() for c in changes])

    page = login(reader).get(URL, {"run": run.pk}).content.decode()

    assert "omaSettings[2].value" in page and "[&quot;weird.key&quot;]" in page
    assert "<script>alert(1)</script>" not in page
    assert "&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;" in page
    assert "x" * 300 not in page and "…" in page
    assert page.count("(absent)") == 2


def test_it_paginates_and_keeps_the_filters(login: Login, reader: User, tenant: Tenant) -> None:
    run = drift_run(tenant)
    for n in range(55):
        finding(run, f"Policy {n:02}", "added")
    client = login(reader)

    first = client.get(URL, {"run": str(run.pk), "change_type": "added"}).content.decode()
    second = client.get(
        URL, {"run": str(run.pk), "change_type": "added", "page": "2"}
    ).content.decode()

    assert first.count('data-testid="finding"') == 50 and "Page 1 of 2" in first
    assert f"?run={run.pk}&amp;change_type=added&amp;page=2" in first
    assert second.count('data-testid="finding"') == 5
    assert client.get(URL, {"run": str(run.pk), "page": "last'"}).status_code == 200


def test_its_query_count_does_not_grow_with_findings(
    login: Login, reader: User, tenant: Tenant
) -> None:
    run = drift_run(tenant)
    client = login(reader)
    finding(run, "first", changes=[SettingChange(("a",), "changed", 1, 2).to_json()])
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n in range(30):
        finding(run, f"more {n}", changes=[SettingChange(("a",), "changed", 1, 2).to_json()])
    with CaptureQueriesContext(connection) as many:
        client.get(URL)

    assert len(many) == len(few)


def test_without_any_drift_run_it_says_how_to_get_one(login: Login, reader: User) -> None:
    page = login(reader).get(URL).content.decode()

    assert "No drift run has finished yet" in page


def test_a_failed_run_warns_that_its_findings_may_be_incomplete(
    login: Login, reader: User, tenant: Tenant
) -> None:
    run = drift_run(tenant, status=RunStatus.FAILED)

    page = login(reader).get(URL, {"run": run.pk}).content.decode()

    assert "findings may be incomplete" in page
