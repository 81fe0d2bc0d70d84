"""Drift over Microsoft's documented payloads: reordering is never drift, planted changes are.

The inventory is what the Graph source reads from the documented answers
(tests/support/graph_fixtures.py); the snapshots are stored as a sync stores them,
and drift runs as a person starts it, on a real worker.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from django.contrib.auth.models import User
from django.test import Client

from drift.models import DriftFinding
from inventory.identity import shuffled
from inventory.sources.base import POLICY_TYPES, SourcePolicy
from inventory.sources.graph import GraphSource
from operations.models import OperationRun
from tenantatlas.models import Tenant
from tests.inventory.graph_fakes import (
    CLIENT,
    ENTRA_TENANT,
    SECRET,
    TOKEN_ENDPOINT,
    route_sign_in_metadata,
    token_ok,
)
from tests.support.graph_fixtures import (
    FINANCE,
    GROUPS,
    PILOT,
    Tenancy,
    fixture,
    microsoft_tenant,
    route_tenant,
)
from tests.support.snapshots import store_snapshot

pytestmark = pytest.mark.django_db(transaction=True)

WIN10 = "a4235d71-5d71-a423-715d-23a4715d23a4"  # windows10GeneralConfiguration
ACSC = "9ce0fb0c-30cf-4df1-b712-f476c1d7eaf8"  # ACSC Windows Hardening Guidelines
TEMPLATE = "27b935ec-35ec-27b9-ec35-b927ec35b927"  # the documented groupPolicyConfiguration
IOS = "4f501351-1351-4f50-5113-504f5113504f"  # iosCompliancePolicy
EDGE = "c0cd821a-fb8a-4713-bffa-f2729d4fffbc"  # ACSC Edge Hardening Guidelines
OFFICE = "f3acfacc-2258-41b5-b2a5-5da7bb7accc7"  # ACSC All Macros Disabled
MARKETING = "3f8a1d2e-0000-4000-8000-00000000f004"
SMB1 = "device_vendor_msft_policy_config_mssecurityguide_configuresmbv1clientdriver"


def read(tenant: Tenancy) -> list[SourcePolicy]:
    with respx.mock() as router:
        route_sign_in_metadata(router)
        router.post(url__eq=TOKEN_ENDPOINT).mock(return_value=token_ok())
        route_tenant(router, tenant)
        source = GraphSource(
            ENTRA_TENANT, CLIENT, SECRET, http=httpx.Client(), sleep=lambda s: None,
            policy_types=POLICY_TYPES,
        )  # fmt: skip
        items = [item for page in source.pages() for item in page]
    assert all(isinstance(item, SourcePolicy) for item in items)
    return items  # type: ignore[return-value]


def drift(
    tenant: Tenant, login: Callable[[User], Client], operator: User,
    work_queue: Callable[[], int], before: Tenancy, after: Tenancy,
) -> OperationRun:  # fmt: skip
    store_snapshot(tenant, read(before))
    current = store_snapshot(tenant, read(after))
    response = login(operator).post("/t/acme/drift/generate/", {"scope_key": current.scope_key})
    assert response.status_code == 302
    assert work_queue() == 1
    return OperationRun.objects.of_type("drift.generate").get()


def by_type(items: Tenancy, policy_type: str, external_id: str) -> dict[str, Any]:
    (found,) = [raw for raw in items[policy_type] if raw["id"] == external_id]
    return found


def test_a_reordered_copy_of_the_whole_inventory_gives_no_findings(
    tenant: Tenant, login: Callable[[User], Client], operator: User,
    work_queue: Callable[[], int],
) -> None:  # fmt: skip
    baseline = microsoft_tenant()
    current = shuffled(microsoft_tenant(), random.Random(13))
    # The shuffle did reorder: the ACSC export's 256 settings are not in their order.
    ids = [
        s["settingInstance"]["settingDefinitionId"]
        for s in by_type(current, "settingsCatalog", ACSC)["settings"]
    ]
    assert ids != [
        s["settingInstance"]["settingDefinitionId"]
        for s in by_type(baseline, "settingsCatalog", ACSC)["settings"]
    ]

    run = drift(tenant, login, operator, work_queue, baseline, current)

    assert run.bucket == "succeeded"
    assert DriftFinding.objects.filter(run=run).count() == 0
    assert (run.total, run.skipped, run.succeeded) == (144, 144, 0)


def _metadata_only(tenant: Tenancy) -> None:
    """Changes Microsoft makes or that are not configuration: never findings."""
    for items in tenant.values():
        for raw in items:
            raw["lastModifiedDateTime"] = "2026-12-01T10:00:00Z"
            raw["version"] = 7
            raw["@odata.etag"] = 'W/"changed"'
    by_type(tenant, "settingsCatalog", EDGE)["settingCount"] = 99
    by_type(tenant, "settingsCatalog", EDGE)["isAssigned"] = False
    for value in by_type(tenant, "groupPolicyConfiguration", TEMPLATE)["definitionValues"]:
        value["definition"]["explainText"] = "Microsoft rewrote its ADMX help text."
        value["definition"]["supportedOn"] = "At least Windows 11"
        value["presentationValues"][0]["presentation"]["label"] = "Renamed label"
        value["presentationValues"][0]["lastModifiedDateTime"] = "2026-12-01T10:00:00Z"
    for assignment in by_type(tenant, "settingsCatalog", OFFICE)["assignments"]:
        assignment["id"] = f"new-{assignment['id']}"


def _group_target(group: str, kind: str = "groupAssignmentTarget") -> dict[str, Any]:
    return {"@odata.type": f"#microsoft.graph.{kind}", "groupId": group}


def test_planted_changes_give_exactly_the_planted_findings_with_named_paths(
    tenant: Tenant, login: Callable[[User], Client], operator: User,
    work_queue: Callable[[], int], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setitem(GROUPS, MARKETING, "Marketing-Tablets")
    baseline = microsoft_tenant()
    current = shuffled(microsoft_tenant(), random.Random(7))
    _metadata_only(current)
    # A simple setting of a documented windows10GeneralConfiguration.
    by_type(current, "deviceConfiguration", WIN10)["passwordMinimumLength"] = 14
    # A child choice deep in Microsoft's exported settings-catalog policy.
    acsc = by_type(current, "settingsCatalog", ACSC)
    (smb1,) = [s for s in acsc["settings"] if s["settingInstance"]["settingDefinitionId"] == SMB1]
    child = smb1["settingInstance"]["choiceSettingValue"]["children"][0]
    child["choiceSettingValue"]["value"] = child["choiceSettingValue"]["value"][:-1] + "3"
    # A group-policy text presentation value.
    (value,) = by_type(current, "groupPolicyConfiguration", TEMPLATE)["definitionValues"]
    (text,) = [p for p in value["presentationValues"] if p["@odata.type"].endswith("ValueText")]
    text["value"] = "\\\\fileserver\\share"
    # Assignments: a group added, an exclusion removed, a filter changed.
    compliance = current["compliancePolicy"]
    compliance[0]["assignments"].append({"target": _group_target(MARKETING)})
    compliance[1]["assignments"] = [
        a for a in compliance[1]["assignments"] if a["target"].get("groupId") != PILOT
    ]
    (finance,) = [a for a in compliance[2]["assignments"] if a["target"].get("groupId") == FINANCE]
    finance["target"]["deviceAndAppManagementAssignmentFilterType"] = "exclude"
    # A policy added, a policy removed.
    added = {**by_type(current, "deviceConfiguration", WIN10), "id": "new-policy-1"}
    added["displayName"] = "Windows 10 - New baseline"
    current["deviceConfiguration"].append(added)
    current["compliancePolicy"] = [c for c in compliance if c["id"] != IOS]
    ids = [c["id"] for c in compliance[:3]]
    assert IOS not in ids

    run = drift(tenant, login, operator, work_queue, baseline, current)

    findings = {(f.change_type, f.external_id): f for f in DriftFinding.objects.filter(run=run)}
    assert set(findings) == {
        ("modified", WIN10), ("modified", ACSC), ("modified", TEMPLATE),
        ("modified", ids[0]), ("modified", ids[1]), ("modified", ids[2]),
        ("added", "new-policy-1"), ("removed", IOS),
    }  # fmt: skip
    assert run.bucket == "succeeded" and run.succeeded == 8

    def changes(external_id: str) -> list[tuple[str, str, Any, Any]]:
        finding = findings[("modified", external_id)]
        return [(c.label, c.ref, c.before, c.after) for c in finding.setting_changes]

    assert changes(WIN10) == [("Password minimum length", "", 5, 14)]
    ((label, ref, before, after),) = changes(ACSC)
    assert (
        label == "mssecurityguide › configuresmbv1clientdriver › pol › secguide › smb1clientdriver"
    )
    assert ref == f"{SMB1}_pol_secguide_smb1clientdriver"
    assert (before[-1], after[-1]) == ("4", "3")
    assert changes(TEMPLATE) == [
        ("Category Path value › Display Name value › Label value",
         "pres-5-text", "Value value", "\\\\fileserver\\share"),
    ]  # fmt: skip
    assert [c[0] for c in changes(ids[0])] == ["added group Marketing-Tablets (include)"]
    assert [c[0] for c in changes(ids[1])] == ["removed exclusion Pilot"]
    assert changes(ids[2]) == [
        ("filter changed on group Finance-Laptops (include)", "",
         "Display Name value (include)", "Display Name value (exclude)"),
    ]  # fmt: skip


def _with_definitions(tenant: Tenancy) -> dict[str, Any]:
    """The SMB v1 setting of the ACSC export as ``$expand=settingDefinitions`` brings it:
    Microsoft's documented choiceSettingDefinition, once for the setting and once for its
    child, with their ids and the names the Intune catalog shows."""
    documented = fixture(
        "docs/beta/settingsCatalog/devicemanagementconfigurationchoicesettingdefinition-list.json"
    )["value"][0]
    acsc = by_type(tenant, "settingsCatalog", ACSC)
    settings: list[dict[str, Any]] = acsc["settings"]
    (smb1,) = [s for s in settings if s["settingInstance"]["settingDefinitionId"] == SMB1]
    smb1["settingDefinitions"] = [
        {**documented, "id": SMB1, "displayName": "Configure SMB v1 client driver"},
        {**documented, "id": f"{SMB1}_pol_secguide_smb1clientdriver",
         "displayName": "Configure MrxSmb10 driver"},
    ]  # fmt: skip
    return smb1


def test_a_catalog_finding_reads_graphs_display_names_along_its_path(
    tenant: Tenant, login: Callable[[User], Client], operator: User,
    work_queue: Callable[[], int],
) -> None:  # fmt: skip
    baseline, current = microsoft_tenant(), microsoft_tenant()
    _with_definitions(baseline)
    child = _with_definitions(current)["settingInstance"]["choiceSettingValue"]["children"][0]
    child["choiceSettingValue"]["value"] = child["choiceSettingValue"]["value"][:-1] + "3"

    run = drift(tenant, login, operator, work_queue, baseline, current)

    (finding,) = DriftFinding.objects.filter(run=run)
    ((change),) = finding.setting_changes
    assert change.label == "Configure SMB v1 client driver › Configure MrxSmb10 driver"
    assert change.ref == f"{SMB1}_pol_secguide_smb1clientdriver"  # the raw id beside it
