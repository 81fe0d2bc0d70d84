"""What identifies an element of an Intune policy body, per Microsoft Graph's schema.

One table, used twice: ``comparable`` (the content hash taken at ingest, so a
reordered or metadata-only copy hashes the same) and the drift diff engine
(``drift.diff``, which matches list elements by these identities and names them
with ``label``). It lives in ``inventory`` because the hash is taken there;
drift depends on inventory, never the other way round.

Identity rules, by the key that holds the array (``RULES``; each rule names the
Graph resource page that defines the element, under
``microsoftgraph/microsoft-graph-docs-contrib`` ``api-reference/beta/resources/``;
docs/drift.md has the table):

* ``settings`` -> ``settingInstance.settingDefinitionId``; ``children`` ->
  ``settingDefinitionId`` (settings catalog, recursively);
* ``choiceSettingCollectionValue`` and ``simpleSettingCollectionValue`` -> ``value``
  (sets of values); ``groupSettingCollectionValue`` -> none (a multiset of groups);
* ``definitionValues`` -> ``definition.id``; ``presentationValues`` -> ``presentation.id``;
* ``assignments`` -> ``target.@odata.type`` + ``groupId``/``collectionId`` (the filter is
  compared inside, so a new filter is "filter changed", not remove + add);
* ``omaSettings`` -> ``omaUri``; ``roleScopeTagIds`` -> the value (a set).

Elements whose identity repeats (Microsoft's own generated examples repeat one
``settingDefinitionId`` among siblings) are matched equal-to-equal first, then
in order. Every other array keeps its order: Graph documents no identity for
it, and order can mean something (e.g. ``omaSettings`` of a custom profile,
compared by ``omaUri`` above, or firewall rule lists).

Microsoft's own metadata is never configuration (``METADATA``): the expanded
group-policy ``definition`` and ``presentation`` (explain text, category path,
supportedOn, versions: everything but their ``id``), ``settingDefinitions``
(names, when ``$expand=settingDefinitions``), ``settingCount``, ``isAssigned``,
template display names and versions, and the names we resolve ourselves
(``groupDisplayName``, ``filterDisplayName``). ``@odata.*``, ids and timestamps
are already gone after ``inventory.normalize`` (which keeps the ``@odata.type``
of an assignment target, since include vs exclude lives only there, and the ids
of ``definition``/``presentation``, which are their identities).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

ODATA_TYPE = "@odata.type"

# Keys whose value is Microsoft's description of the setting, never the configuration.
# The display name the Graph source gives a target group the directory does not know
# (deleted since it was assigned).
UNKNOWN_GROUP = "unknown group"

METADATA = frozenset(
    {
        "settingDefinitions",
        "settingCount",
        "isAssigned",
        "groupDisplayName",
        "filterDisplayName",
        "templateDisplayName",
        "templateDisplayVersion",
        "creationSource",
        "priorityMetaData",
    }
)
# Expanded catalog objects: only their id is configuration (which definition is set).
CATALOG_OBJECTS = frozenset({"definition", "presentation"})

Identity = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Rule:
    """How the elements of one array are told apart; ``identity`` None = a multiset."""

    identity: Identity | None
    source: str  # the resource page: api-reference/beta/resources/intune-<source>.md


def _get(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _target_identity(assignment: Any) -> Any:
    target = _get(assignment, "target") or {}
    member = _get(target, "groupId") or _get(target, "collectionId")
    return (str(_get(target, ODATA_TYPE) or ""), str(member or ""))


def _scalar(value: Any) -> Any:
    return value if not isinstance(value, dict | list) else canonical(value)


RULES: dict[str, Rule] = {
    "settings": Rule(
        lambda e: _get(e, "settingInstance", "settingDefinitionId"),
        "deviceconfigv2-devicemanagementconfigurationsetting",
    ),
    "children": Rule(
        lambda e: _get(e, "settingDefinitionId"),
        "deviceconfigv2-devicemanagementconfigurationsettinginstance",
    ),
    "choiceSettingCollectionValue": Rule(
        lambda e: _get(e, "value"),
        "deviceconfigv2-devicemanagementconfigurationchoicesettingcollectioninstance",
    ),
    "simpleSettingCollectionValue": Rule(
        lambda e: _scalar(_get(e, "value")),
        "deviceconfigv2-devicemanagementconfigurationsimplesettingcollectioninstance",
    ),
    "groupSettingCollectionValue": Rule(
        None,
        "deviceconfigv2-devicemanagementconfigurationgroupsettingcollectioninstance",
    ),
    "definitionValues": Rule(
        lambda e: _get(e, "definition", "id"),
        "grouppolicy-grouppolicydefinitionvalue",
    ),
    "presentationValues": Rule(
        lambda e: _get(e, "presentation", "id"),
        "grouppolicy-grouppolicypresentationvalue",
    ),
    "assignments": Rule(_target_identity, "shared-deviceandappmanagementassignmenttarget"),
    "omaSettings": Rule(lambda e: _get(e, "omaUri"), "deviceconfig-omasetting"),
    "roleScopeTagIds": Rule(_scalar, "deviceconfig-deviceconfiguration"),
}


def rule_for(key: Any) -> Rule | None:
    return RULES.get(key) if isinstance(key, str) else None


def is_metadata(parent_key: Any, key: str) -> bool:
    """Is ``key`` (inside the dict held by ``parent_key``) Microsoft metadata?"""
    if parent_key in CATALOG_OBJECTS:
        return key != "id"
    return key in METADATA


def identity_of(rule: Rule, element: Any) -> tuple[str, Any] | None:
    """``("id", identity)``, or None when the rule has none or the element lacks it: such
    elements are matched equal-to-equal, then in order (see ``drift.diff``)."""
    if rule.identity is None:
        return None
    found = rule.identity(element)
    if found is None or found == ("", ""):
        return None
    return ("id", found)


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def comparable(value: Any, parent_key: Any = None) -> Any:
    """``value`` with metadata dropped and identity arrays sorted: equal iff no drift.

    This is what the content hash is taken of, so a reordered copy or one where
    only Microsoft's metadata moved is "unchanged" without being diffed.
    """
    if isinstance(value, dict):
        return {
            key: comparable(item, key)
            for key, item in value.items()
            if not is_metadata(parent_key, key)
        }
    if isinstance(value, list):
        items = [comparable(item) for item in value]
        rule = rule_for(parent_key)
        if rule is None:
            return items
        return sorted(items, key=lambda e: (repr(identity_of(rule, e)), canonical(e)))
    return value


# --- names a person reads ---------------------------------------------------------------------

_WORD_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
TARGET_KINDS = {
    "#microsoft.graph.groupAssignmentTarget": ("group", "include"),
    "#microsoft.graph.exclusionGroupAssignmentTarget": ("exclusion", "exclude"),
    "#microsoft.graph.allDevicesAssignmentTarget": ("all devices", ""),
    "#microsoft.graph.allLicensedUsersAssignmentTarget": ("all users", ""),
    "#microsoft.graph.configurationManagerCollectionAssignmentTarget": ("collection", "include"),
}


@cache
def humanize(key: str) -> str:
    """``passwordMinimumLength`` -> ``Password minimum length``."""
    words = _WORD_RE.findall(key) or [key]
    text = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)
    return text[:1].upper() + text[1:]


def target_words(target: Any) -> str:
    """``group Finance-Laptops (include)``, ``exclusion Pilot``, ``all devices``."""
    odata_type = str(_get(target, ODATA_TYPE) or "")
    kind, mode = TARGET_KINDS.get(odata_type, (odata_type.rsplit(".", 1)[-1] or "target", ""))
    member = _get(target, "groupId") or _get(target, "collectionId")
    if not member:
        return kind
    name = _get(target, "groupDisplayName") or member
    if name == UNKNOWN_GROUP:  # deleted: its id is all that is left to tell it apart
        name = f"{member} ({UNKNOWN_GROUP})"
    return f"{kind} {name}" + (" (include)" if mode == "include" else "")


def filter_words(target: Any) -> str:
    filter_id = _get(target, "deviceAndAppManagementAssignmentFilterId")
    if not filter_id or filter_id == "00000000-0000-0000-0000-000000000000":
        return "no filter"
    mode = _get(target, "deviceAndAppManagementAssignmentFilterType") or ""
    name = _get(target, "filterDisplayName") or filter_id
    return f"{name} ({mode})" if mode and mode != "none" else str(name)


# The CSP prefixes of settingDefinitionIds, longest first; what follows names the setting.
_CSP_PREFIXES = (
    "device_vendor_msft_policy_config_",
    "user_vendor_msft_policy_config_",
    "device_vendor_msft_",
    "user_vendor_msft_",
    "vendor_msft_",
    "com.apple.",
)


def definition_words(definition_id: str) -> str:
    """``device_vendor_msft_policy_config_defender_allowarchivescanning`` ->
    ``defender › allowarchivescanning``: readable when Graph gave no display name."""
    rest = definition_id
    for prefix in _CSP_PREFIXES:
        if rest.startswith(prefix):
            rest = rest[len(prefix) :]
            break
    parts = [p for p in re.split(r"[_.]", rest) if p]
    return " › ".join(parts) if parts else definition_id


def setting_names(*trees: Any) -> dict[str, str]:
    """settingDefinitionId -> displayName from expanded ``settingDefinitions`` in ``trees``.

    Graph puts them on each top-level setting (``settings?$expand=settingDefinitions``),
    for the setting and all its children, so only that level is read.
    """
    names: dict[str, str] = {}
    for tree in trees:
        for setting in _get(tree, "settings") or ():
            for definition in _get(setting, "settingDefinitions") or ():
                if isinstance(definition, dict) and definition.get("id"):
                    name = str(definition.get("displayName") or "")
                    if name:
                        names.setdefault(str(definition["id"]), name)
    return names


def element_label(
    key: str, element: Any, names: dict[str, str], parent_ref: str = ""
) -> tuple[str, str]:
    """(what a person reads, the raw id beside it) for one identified array element.

    A child setting's id repeats its parent's (``<parent>_pol_secguide_x``): without a
    display name, only the part after the parent's id names it."""
    if key == "settings":
        element = _get(element, "settingInstance")
        key = "children"
    if key == "children":
        ref = str(_get(element, "settingDefinitionId") or "")
        own = (
            ref[len(parent_ref) :].lstrip("_") if parent_ref and ref.startswith(parent_ref) else ""
        )
        return names.get(ref) or (definition_words(own) if own else definition_words(ref)), ref
    if key == "definitionValues":
        definition = _get(element, "definition") or {}
        path = str(definition.get("categoryPath") or "").strip("\\").split("\\")
        parts = [p for p in (*path, definition.get("displayName")) if p]
        ref = str(definition.get("id") or "")
        return (" › ".join(str(p) for p in parts) or ref), ref
    if key == "presentationValues":
        presentation = _get(element, "presentation") or {}
        ref = str(presentation.get("id") or "")
        return str(presentation.get("label") or ref), ref
    if key == "omaSettings":
        ref = str(_get(element, "omaUri") or "")
        return str(_get(element, "displayName") or ref), ref
    if key in ("choiceSettingCollectionValue", "simpleSettingCollectionValue"):
        return str(_get(element, "value")), ""
    return humanize(key), ""


def assignment_summary(settings: Any) -> list[dict[str, str]]:
    """Whom a stored policy applies to, for pages and exports: one row per target."""
    rows = []
    for assignment in _get(settings, "assignments") or ():
        target = _get(assignment, "target")
        if not isinstance(target, dict):
            continue
        rows.append(
            {
                "target": target_words(target),
                "kind": str(target.get(ODATA_TYPE) or "").rsplit(".", 1)[-1],
                "group_id": str(target.get("groupId") or target.get("collectionId") or ""),
                "group_display_name": str(target.get("groupDisplayName") or ""),
                "filter": filter_words(target),
                "filter_id": str(target.get("deviceAndAppManagementAssignmentFilterId") or ""),
            }
        )
    return sorted(rows, key=lambda row: (row["kind"], row["target"]))


def shuffled(value: Any, rng: random.Random, key: str | None = None) -> Any:
    """A copy with every array RULES names reordered, at every depth: Graph answering the
    same configuration in another order, which drift must never report (tests, bench)."""
    if isinstance(value, dict):
        return {k: shuffled(v, rng, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [shuffled(v, rng, key) for v in value]
        if key in RULES:
            rng.shuffle(items)
        return items
    return value
