"""A tenant made of Microsoft's documented Graph payloads (tests/fixtures/graph/SOURCES.md).

``microsoft_tenant()`` assembles what the four list endpoints answer: every
documented beta deviceConfiguration and compliance subtype, the documented
settings-catalog policy, Microsoft's exported ACSC policies, one settings-catalog
policy made of the documented representations of the collection and group
instance types, and the documented administrative template with its definition
value, definition and every presentation-value subtype. Each policy carries
assignments of every documented target type. Only the ids of groups and filters
are ours (the documents say ``"String"``), so that targets can be told apart.

``shuffled`` (inventory.identity) reorders every array whose order means nothing.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import respx

from inventory.sources.graph import (
    ASSIGNMENT_FILTERS_URL,
    CATALOG_SETTINGS,
    DEFINITION_VALUES_URL,
    ENDPOINTS,
    GROUPS_BY_IDS_URL,
)
from tests.inventory.graph_fakes import route_batch

EXPANDED_APART = ("settings", "definitionValues")
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "graph"

GROUPS = {
    "3f8a1d2e-0000-4000-8000-00000000f001": "Finance-Laptops",
    "3f8a1d2e-0000-4000-8000-00000000f002": "Pilot",
    "3f8a1d2e-0000-4000-8000-00000000f003": "Sales-Phones",
}
FINANCE, PILOT, SALES = GROUPS
DELETED_GROUP = "3f8a1d2e-0000-4000-8000-0000000dead0"  # assigned, then deleted in Entra
FILTER_ID = "819818db-18db-8198-db18-9881db189881"  # the documented assignmentFilter's id
FILTER_NAME = "Display Name value"  # ... and its documented displayName


@cache
def load(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


def fixture(relative: str) -> Any:
    """A fresh copy: tests mutate what they get."""
    return copy.deepcopy(load(relative))


def _listed(family: str) -> list[dict[str, Any]]:
    return [
        item
        for path in sorted((FIXTURES / "docs" / "beta" / family).glob("*.json"))
        for item in fixture(str(path.relative_to(FIXTURES)))["value"]
    ]


# --- assignments ----------------------------------------------------------------------------


def _target(kind: str, group: str | None = None, *, filtered: bool = False) -> dict[str, Any]:
    """A documented target representation, its "String" placeholders filled in."""
    target: dict[str, Any] = fixture(f"docs/beta/resources/{kind}.json")
    if group is not None:
        target["groupId"] = group
    if filtered:
        target["deviceAndAppManagementAssignmentFilterId"] = FILTER_ID
        target["deviceAndAppManagementAssignmentFilterType"] = "include"
    else:
        target.pop("deviceAndAppManagementAssignmentFilterId", None)
        target.pop("deviceAndAppManagementAssignmentFilterType", None)
    return target


def group_assignment(template: str, group: str, number: int) -> dict[str, Any]:
    """One more documented assignment, to ``group``."""
    shape = fixture(template)["value"][0]
    return {**shape, "id": f"extra-{number}", "target": _target("groupassignmenttarget", group)}


def assignments(template: str) -> list[dict[str, Any]]:
    """Every target type: group with a filter, group, exclusion, all devices, all users."""
    targets = [
        _target("groupassignmenttarget", FINANCE, filtered=True),
        _target("groupassignmenttarget", SALES),
        _target("exclusiongroupassignmenttarget", PILOT),
        _target("alldevicesassignmenttarget"),
        _target("alllicensedusersassignmenttarget"),
    ]
    shape = fixture(template)["value"][0]
    return [{**copy.deepcopy(shape), "id": f"{n}", "target": t} for n, t in enumerate(targets)]


# --- the four families ----------------------------------------------------------------------


def _collections_policy() -> dict[str, Any]:
    """Settings catalog: the documented collection and group instance representations."""
    instances = [
        "devicemanagementconfigurationchoicesettingcollectioninstance",
        "devicemanagementconfigurationsimplesettingcollectioninstance",
        "devicemanagementconfigurationgroupsettingcollectioninstance",
    ]
    policy = fixture("docs/beta/settingsCatalog/devicemanagementconfigurationpolicy-list.json")
    body: dict[str, Any] = policy["value"][0]
    body.update(id="5a1c0000-0000-4000-8000-00000000c011", name="Documented collections")
    body["settings"] = [
        {"id": str(n), "settingInstance": fixture(f"docs/beta/resources/{name}.json")}
        for n, name in enumerate(instances)
    ]
    for n, setting in enumerate(body["settings"]):
        # The representations all say "String": distinct ids make them distinct settings.
        setting["settingInstance"]["settingDefinitionId"] = f"documented_instance_{n}"
    return body


def _catalog() -> list[dict[str, Any]]:
    documented = fixture("docs/beta/settingsCatalog/devicemanagementconfigurationpolicy-list.json")
    policy = documented["value"][0]
    policy["settings"] = fixture(
        "docs/beta/settingsCatalog/devicemanagementconfigurationsetting-list.json"
    )["value"]
    exports = [
        fixture(f"exports/acsc/{name}.json")
        for name in (
            "windows-hardening-guidelines",
            "edge-hardening-guidelines",
            "office-all-macros-disabled",
        )
    ]
    for export in exports:
        export.pop("@odata.context", None)
    return [policy, *exports, _collections_policy()]


def _definition_values() -> list[dict[str, Any]]:
    """The documented definition value, expanded as DEFINITION_VALUES_URL asks."""
    value = fixture("docs/beta/groupPolicy/grouppolicydefinitionvalue-list.json")["value"][0]
    value["definition"] = fixture("docs/beta/groupPolicy/grouppolicydefinition-get.json")["value"]
    kinds = ["boolean", "decimal", "list", "longdecimal", "multitext", "text"]
    presentation = fixture("docs/beta/groupPolicy/grouppolicypresentation-get.json")["value"]
    value["presentationValues"] = []
    for n, kind in enumerate(kinds):
        page = fixture(f"docs/beta/groupPolicy/grouppolicypresentationvalue{kind}-list.json")
        item = page["value"][0]
        # One documented presentation; each value gets its own presentation id, as in a
        # real template where every control of a definition is a presentation of its own.
        item["presentation"] = {**copy.deepcopy(presentation), "id": f"pres-{n}-{kind}"}
        value["presentationValues"].append(item)
    return [value]


def _group_policy() -> list[dict[str, Any]]:
    """The documented template; its values are served apart (DEFINITION_VALUES_URL)."""
    items: list[dict[str, Any]] = fixture(
        "docs/beta/groupPolicy/grouppolicyconfiguration-list.json"
    )["value"]
    for item in items:
        item["definitionValues"] = _definition_values()
    return items


ASSIGNMENT_TEMPLATES = {
    "deviceConfiguration": "docs/beta/assignments/deviceconfigurationassignment-list.json",
    "compliancePolicy": "docs/beta/assignments/devicecompliancepolicyassignment-list.json",
    "settingsCatalog": (
        "docs/beta/settingsCatalog/devicemanagementconfigurationpolicyassignment-list.json"
    ),
    "groupPolicyConfiguration": (
        "docs/beta/groupPolicy/grouppolicyconfigurationassignment-list.json"
    ),
}


# A tenant as our fakes serve it: policy type -> the list endpoint's items.
type Tenancy = dict[str, list[dict[str, Any]]]


def microsoft_tenant() -> Tenancy:
    """policy type -> the list endpoint's items, assignments expanded."""
    families = {
        "deviceConfiguration": _listed("deviceConfiguration"),
        "compliancePolicy": _listed("compliancePolicy"),
        "settingsCatalog": _catalog(),
        "groupPolicyConfiguration": _group_policy(),
    }
    for policy_type, items in families.items():
        for item in items:
            item["assignments"] = assignments(ASSIGNMENT_TEMPLATES[policy_type])
    return families


def route_tenant(
    router: respx.MockRouter, tenant: dict[str, list[dict[str, Any]]], *, page_size: int = 0
) -> None:
    """Answer the list endpoints (in pages of ``page_size`` items, linked by
    ``@odata.nextLink`` as Graph does; 0: one page), the definition values, the
    directory and the filters."""
    for policy_type, items in tenant.items():
        # As Graph lists them: settings and definition values are read per policy.
        answer = [{k: v for k, v in item.items() if k not in EXPANDED_APART} for item in items]
        _route_pages(router, ENDPOINTS[policy_type], answer, page_size or len(answer) or 1)
        if policy_type == "settingsCatalog":
            route_batch(
                router,
                {
                    CATALOG_SETTINGS.format(id=item["id"]): httpx.Response(
                        200, json={"value": item["settings"]}
                    )
                    for item in items
                },
            )
        if policy_type == "groupPolicyConfiguration":
            for item in items:
                router.get(url__eq=DEFINITION_VALUES_URL.format(id=item["id"])).mock(
                    return_value=httpx.Response(200, json={"value": item["definitionValues"]})
                )
    router.post(url__eq=GROUPS_BY_IDS_URL).mock(side_effect=_groups_answer)
    router.get(url__eq=ASSIGNMENT_FILTERS_URL).mock(
        return_value=httpx.Response(
            200,
            json=fixture("docs/beta/assignments/deviceandappmanagementassignmentfilter-list.json"),
        )
    )


def _route_pages(
    router: respx.MockRouter, url: str, items: list[dict[str, Any]], size: int
) -> None:
    pages = [items[start : start + size] for start in range(0, len(items), size)] or [[]]
    urls = [url, *(f"{url}&$skiptoken=page{n}" for n in range(1, len(pages)))]
    for n, (page_url, page) in enumerate(zip(urls, pages, strict=True)):
        body: dict[str, Any] = {"value": page}
        if n + 1 < len(pages):
            body["@odata.nextLink"] = urls[n + 1]
        router.get(url__eq=page_url).mock(return_value=httpx.Response(200, json=body))


def directory_lookups(router: respx.MockRouter) -> list[list[str]]:
    """The ids asked of directoryObjects/getByIds, one list per call."""
    return [
        json.loads(call.request.content)["ids"]
        for call in router.calls
        if str(call.request.url) == GROUPS_BY_IDS_URL
    ]


def _groups_answer(request: httpx.Request) -> httpx.Response:
    """directoryObjects/getByIds in the documented shape, for the ids asked."""
    shape = fixture("docs/v1.0/directory/directoryobject-getbyids.json")
    asked = json.loads(request.content)["ids"]
    value = [
        {"@odata.type": "#microsoft.graph.group", "id": gid, "displayName": GROUPS[gid]}
        for gid in asked
        if gid in GROUPS
    ]
    return httpx.Response(200, json={"@odata.context": shape["@odata.context"], "value": value})
