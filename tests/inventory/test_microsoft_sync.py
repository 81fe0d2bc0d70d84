"""Syncs of Microsoft's documented tenant through the real job (tests/support/graph_fixtures.py).

The inventory.sync job runs on a real RQ worker against real PostgreSQL; respx
serves the documented answers, listed in pages of five as Graph pages them.
What is checked here is what only a whole sync shows: the group names of every
page come from one directory call and land in the stored snapshot, the
administrative template's presentation values are read and stored, no secret
is stored, and drift between two syncs names a changed presentation value.
"""

from __future__ import annotations

import pytest

from drift.models import DriftFinding
from inventory.identity import UNKNOWN_GROUP
from inventory.models import InventorySync, SnapshotItem
from operations.models import OperationRun, StatusBucket
from tests.inventory.graph_fakes import GraphSync
from tests.support.graph_fixtures import (
    ASSIGNMENT_TEMPLATES,
    DELETED_GROUP,
    GROUPS,
    Tenancy,
    directory_lookups,
    group_assignment,
    microsoft_tenant,
    route_tenant,
)
from tests.support.leaks import rows_containing

pytestmark = pytest.mark.django_db(transaction=True)

TEMPLATE = "27b935ec-35ec-27b9-ec35-b927ec35b927"  # the documented groupPolicyConfiguration
# Secret values Microsoft's list examples carry (their resource pages call them secrets).
DOCUMENTED_SECRETS = ["Pre Shared Key value", "Shared Secret value", "Product Key value"]


def _tenant(text_value: str = "Value value") -> Tenancy:
    """The documented tenant; its template's text presentation value set to ``text_value``,
    and one of its assignments to a group deleted in Entra since."""
    tenant = microsoft_tenant()
    (template,) = tenant["groupPolicyConfiguration"]
    (value,) = template["definitionValues"]
    (text,) = [p for p in value["presentationValues"] if p["@odata.type"].endswith("ValueText")]
    text["value"] = text_value
    shape = ASSIGNMENT_TEMPLATES["groupPolicyConfiguration"]
    template["assignments"].append(group_assignment(shape, DELETED_GROUP, 1))
    return tenant


def _sync(graph: GraphSync, tenant: Tenancy) -> tuple[OperationRun, InventorySync]:
    route_tenant(graph.router, tenant, page_size=5)
    run = graph.run()
    assert run.bucket == StatusBucket.SUCCEEDED, list(run.failures.values("code", "message"))
    return run, graph.snapshot(run)


def _template(sync: InventorySync) -> SnapshotItem:
    return sync.items.get(policy_type="groupPolicyConfiguration", external_id=TEMPLATE)


def test_a_paged_sync_names_every_group_in_one_directory_call_and_stores_the_names(
    graph: GraphSync,
) -> None:
    tenant = _tenant()
    secrets_served = [s for s in DOCUMENTED_SECRETS if s in str(tenant)]
    assert secrets_served == DOCUMENTED_SECRETS  # the documented examples do carry them

    run, sync = _sync(graph, tenant)

    assert sync.item_count == sum(map(len, tenant.values())) == 144
    assert [sorted(ids) for ids in directory_lookups(graph.router)] == [
        sorted([*GROUPS, DELETED_GROUP])
    ]
    for item in sync.items.all():
        names = {
            a["target"]["groupId"]: a["target"]["groupDisplayName"]
            for a in item.settings["assignments"]
            if "groupId" in a["target"]
        }
        assert {g: n for g, n in names.items() if g != DELETED_GROUP} == GROUPS
    template = _template(sync)
    deleted = [a["target"] for a in template.settings["assignments"]]
    assert {t.get("groupDisplayName") for t in deleted if t.get("groupId") == DELETED_GROUP} == {
        UNKNOWN_GROUP
    }
    assert rows_containing(secrets_served) == {}
    graph.assert_no_secret(run)


def test_the_template_s_presentation_values_are_read_and_stored(graph: GraphSync) -> None:
    run, sync = _sync(graph, _tenant(text_value="\\\\fileserver\\share"))

    (value,) = _template(sync).settings["definitionValues"]
    stored = {
        p["presentation"]["id"]: p.get("value", p.get("values"))
        for p in value["presentationValues"]
    }
    assert len(stored) == 6  # every documented presentation-value subtype
    assert stored["pres-5-text"] == "\\\\fileserver\\share"
    assert value["definition"]["id"] == "f9607947-7947-f960-4779-60f9477960f9"
    graph.assert_no_secret(run)


def test_drift_between_two_syncs_names_a_changed_presentation_value(graph: GraphSync) -> None:
    _sync(graph, _tenant())
    _, current = _sync(graph, _tenant(text_value="\\\\fileserver\\share"))

    client = graph.login(graph.operator)
    assert (
        client.post("/t/acme/drift/generate/", {"scope_key": current.scope_key}).status_code == 302
    )
    assert graph.work_queue() == 1

    run = OperationRun.objects.of_type("drift.generate").get()
    (finding,) = DriftFinding.objects.filter(run=run)
    assert (finding.change_type, finding.external_id) == ("modified", TEMPLATE)
    assert [(c.label, c.ref, c.before, c.after) for c in finding.setting_changes] == [
        ("Category Path value › Display Name value › Label value",
         "pres-5-text", "Value value", "\\\\fileserver\\share"),
    ]  # fmt: skip
    page = client.get(f"/t/acme/drift/findings/?run={run.pk}").content.decode()
    assert "Label value" in page and "fileserver" in page
