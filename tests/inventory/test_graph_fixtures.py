"""The Graph source over Microsoft's documented payloads: every policy read, counted, named."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import respx

from inventory.identity import UNKNOWN_GROUP, target_words
from inventory.sources.base import POLICY_TYPES, SourcePolicy
from inventory.sources.graph import BATCH_URL, ENDPOINTS, GROUPS_BY_IDS_URL, GraphSource
from tests.inventory.graph_fakes import CLIENT, ENTRA_TENANT, SECRET
from tests.support.graph_fixtures import (
    ASSIGNMENT_TEMPLATES,
    DELETED_GROUP,
    FILTER_NAME,
    FINANCE,
    GROUPS,
    directory_lookups,
    group_assignment,
    microsoft_tenant,
    route_tenant,
)


def read(
    router: respx.MockRouter, tenant: dict[str, list[dict[str, Any]]], page_size: int = 0
) -> list[Any]:
    route_tenant(router, tenant, page_size=page_size)
    source = GraphSource(
        ENTRA_TENANT, CLIENT, SECRET, http=httpx.Client(), sleep=lambda s: None,
        policy_types=POLICY_TYPES,
    )  # fmt: skip
    return [item for page in source.pages() for item in page]


def test_every_documented_policy_is_read_counted_and_named(
    router: respx.MockRouter, token_route: respx.Route
) -> None:
    tenant = microsoft_tenant()

    items = read(router, tenant)

    assert all(isinstance(item, SourcePolicy) for item in items)
    # 126 documented beta deviceConfiguration subtypes, 12 compliance subtypes, the
    # documented catalog policy + 3 ACSC exports + the collections policy, 1 template.
    assert Counter(item.policy_type for item in items) == {
        "deviceConfiguration": 126, "compliancePolicy": 12,
        "settingsCatalog": 5, "groupPolicyConfiguration": 1,
    }  # fmt: skip
    expected = {
        (policy_type, raw["id"]): raw.get("displayName") or raw.get("name")
        for policy_type, raws in tenant.items()
        for raw in raws
    }
    assert {(i.policy_type, i.external_id): i.display_name for i in items} == expected
    odata_types = {
        i.settings["@odata.type"] for i in items if i.policy_type == "deviceConfiguration"
    }
    assert len(odata_types) == 126  # every subtype, each once
    names = {i.external_id: i.display_name for i in items if i.policy_type == "settingsCatalog"}
    assert names["9ce0fb0c-30cf-4df1-b712-f476c1d7eaf8"] == "ACSC Windows Hardening Guidelines"


def test_platforms_follow_the_documented_odata_types(
    router: respx.MockRouter, token_route: respx.Route
) -> None:
    items = read(router, microsoft_tenant())

    platforms = {i.settings.get("@odata.type"): i.platform for i in items}
    assert platforms["#microsoft.graph.windows10GeneralConfiguration"] == "windows10"
    assert platforms["#microsoft.graph.iosCompliancePolicy"] == "iOS"
    assert platforms["#microsoft.graph.macOSGeneralDeviceConfiguration"] == "macOS"
    assert platforms["#microsoft.graph.androidWorkProfileGeneralDeviceConfiguration"] == "android"
    unknown = sorted(t for t, p in platforms.items() if p == "unknown" and t)
    assert "#microsoft.graph.windowsWifiConfiguration" not in unknown


def test_group_policy_values_come_with_definitions_and_every_presentation_value(
    router: respx.MockRouter, token_route: respx.Route
) -> None:
    items = read(router, microsoft_tenant())

    (template,) = [i for i in items if i.policy_type == "groupPolicyConfiguration"]
    (value,) = template.settings["definitionValues"]
    assert value["definition"]["id"] == "f9607947-7947-f960-4779-60f9477960f9"
    kinds = {p["@odata.type"].rsplit(".", 1)[1] for p in value["presentationValues"]}
    assert kinds == {
        "groupPolicyPresentationValueBoolean", "groupPolicyPresentationValueDecimal",
        "groupPolicyPresentationValueList", "groupPolicyPresentationValueLongDecimal",
        "groupPolicyPresentationValueMultiText", "groupPolicyPresentationValueText",
    }  # fmt: skip
    assert all("label" in p["presentation"] for p in value["presentationValues"])


def test_assignment_targets_are_named_in_one_directory_call_per_sync(
    router: respx.MockRouter, token_route: respx.Route
) -> None:
    tenant = microsoft_tenant()
    # A group only the last page of the last family names, and it was deleted in Entra.
    template = ASSIGNMENT_TEMPLATES["groupPolicyConfiguration"]
    tenant["groupPolicyConfiguration"][-1]["assignments"].append(
        group_assignment(template, DELETED_GROUP, 1)
    )

    items = read(router, tenant, page_size=5)

    list_urls = tuple(ENDPOINTS.values())
    lists = [c for c in router.calls if str(c.request.url).startswith(list_urls)]
    assert len(lists) == sum(-(-len(items) // 5) for items in tenant.values()) == 31
    assert [sorted(ids) for ids in directory_lookups(router)] == [sorted([*GROUPS, DELETED_GROUP])]
    # The five catalog policies' settings: one $batch call, no request of their own.
    urls = [str(c.request.url) for c in router.calls]
    assert urls.count(BATCH_URL) == 1
    assert not [u for u in urls if "/settings?" in u]
    for item in items:
        targets = [a["target"] for a in item.settings["assignments"]]
        kinds = {t["@odata.type"].rsplit(".", 1)[1] for t in targets}
        assert kinds == {
            "groupAssignmentTarget", "exclusionGroupAssignmentTarget",
            "allDevicesAssignmentTarget", "allLicensedUsersAssignmentTarget",
        }  # fmt: skip
        named = {t["groupId"]: t["groupDisplayName"] for t in targets if "groupId" in t}
        assert {g: n for g, n in named.items() if g != DELETED_GROUP} == GROUPS
        (filtered,) = [t for t in targets if t.get("groupId") == FINANCE]
        assert filtered["filterDisplayName"] == FILTER_NAME
    (template_policy,) = [i for i in items if i.policy_type == "groupPolicyConfiguration"]
    (deleted,) = [
        a["target"] for a in template_policy.settings["assignments"]
        if a["target"].get("groupId") == DELETED_GROUP
    ]  # fmt: skip
    assert deleted["groupDisplayName"] == UNKNOWN_GROUP
    assert target_words(deleted) == f"group {DELETED_GROUP} (unknown group) (include)"


def test_more_than_a_thousand_group_ids_take_one_call_per_thousand(
    router: respx.MockRouter, token_route: respx.Route
) -> None:
    tenant = microsoft_tenant()
    template = ASSIGNMENT_TEMPLATES["compliancePolicy"]
    many = [f"00000000-0000-4000-8000-{n:012d}" for n in range(1500)]
    tenant["compliancePolicy"][0]["assignments"] += [
        group_assignment(template, group, n) for n, group in enumerate(many)
    ]

    read(router, tenant)

    lookups = directory_lookups(router)
    assert [len(ids) for ids in lookups] == [1000, 503]
    assert sorted(id_ for ids in lookups for id_ in ids) == sorted([*GROUPS, *many])


def test_without_directory_permission_targets_stay_unnamed_and_the_sync_goes_on(
    router: respx.MockRouter, token_route: respx.Route
) -> None:
    tenant = microsoft_tenant()
    route_tenant(router, tenant)
    router.post(url__eq=GROUPS_BY_IDS_URL).mock(
        return_value=httpx.Response(403, json={"error": {"code": "Authorization_RequestDenied"}})
    )
    source = GraphSource(
        ENTRA_TENANT, CLIENT, SECRET, http=httpx.Client(), sleep=lambda s: None,
        policy_types=("compliancePolicy",),
    )  # fmt: skip

    items = [item for page in source.pages() for item in page]

    policies = [item for item in items if isinstance(item, SourcePolicy)]
    assert len(items) == len(policies) == 12
    targets = [a["target"] for i in policies for a in i.settings["assignments"]]
    assert not any("groupDisplayName" in t for t in targets)
