"""A deterministic demo policy source: realistic Intune inventories that drift a little.

Everything is derived from ``(seed, generation)`` with ``random.Random`` seeded by
strings (stable across processes, unlike ``hash()``), so demos, tests and
benchmarks are reproducible.

Model: a tenant is a list of small *specs* (serial, type, template, id, knob
choices). Generation 0 has ``size`` specs; each later generation removes,
modifies (one knob flips to a different choice) and adds a few. Bodies are built
from a spec only when pages are read, and the large nested blocks ("padding"
to reach ``settings_bytes``) come from cached JSON templates, so 10,000
policies of ~7 KB each generate in about a second.

The Intune bodies themselves are data, not code: ``data/<policy type>.json``
holds each template's body as Graph returns it, with ``{knob}`` placeholders
for the settings that drift, the knobs' choices and how its padding list grows.
Only the generator (which knob flips, padding items, assignments) is Python.

The demo app (``demo.apps``) plugs this source into inventory; production code
never imports it (docs/decisions.md).

``size`` is the size of the whole demo tenant across all policy types; a source
restricted to some ``policy_types`` yields the matching subset, as a Graph sync
of a narrower scope would.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from inventory.sources.base import (
    POLICY_TYPES,
    ItemError,
    SourcePolicy,
    WaitCallback,
    check_policy_types,
)

Knob = tuple[str, tuple[Any, ...]]
Builder = Callable[[dict[str, Any]], dict[str, Any]]
PadItem = Callable[[int, random.Random], Any]

EPOCH = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
# Rough share of each policy type in a real tenant (weights for new policies).
TYPE_WEIGHTS = {
    "deviceConfiguration": 0.35,
    "compliancePolicy": 0.2,
    "settingsCatalog": 0.3,
    "groupPolicyConfiguration": 0.15,
}
RINGS = ("", " - Pilot", " - Finance", " - Sales", " - Kiosk", " - Executives", " - Broad")
APPS = (
    ("Contoso Expenses", "Contoso Ltd", "com.contoso.expenses"),
    ("Fabrikam Field Service", "Fabrikam Inc", "com.fabrikam.field"),
    ("Northwind Timesheets", "Northwind Traders", "com.northwind.timesheets"),
    ("Tailspin Travel", "Tailspin Toys", "com.tailspin.travel"),
    ("Adatum Secure Notes", "A. Datum Corporation", "com.adatum.notes"),
    ("Litware Scanner", "Litware Inc", "com.litware.scanner"),
)
STATE_CACHE_SIZE = 32


@dataclass(frozen=True)
class _Template:
    policy_type: str
    odata_type: str | None  # None for types whose list items carry no @odata.type
    platform: str
    label: str
    topics: tuple[str, ...]
    knobs: tuple[Knob, ...]
    build: Builder  # knob values -> the non-volatile body
    pad_key: str  # the list that grows to reach settings_bytes
    pad_item: PadItem


@dataclass(frozen=True, slots=True)
class _Spec:
    serial: int
    template: int  # index into TEMPLATES
    external_id: str
    created_generation: int
    knobs: tuple[int, ...]  # index of the current choice of each template knob
    revisions: int = 0
    audience: int = -1  # index into AUDIENCES; -1 = the serial's own (serial % len)

    @property
    def audience_index(self) -> int:
        return self.audience if self.audience >= 0 else self.serial % len(AUDIENCES)


@dataclass(frozen=True)
class _State:
    generation: int
    next_serial: int
    specs: tuple[_Spec, ...]  # in serial order


# --- nested-block helpers -------------------------------------------------------------------


def _app_list_item(platform: str) -> PadItem:
    """An iOS or Android app-list entry; the store URL is the platform's (Apple's draws a
    number of its own, after the name's)."""

    def item(i: int, rng: random.Random) -> Any:
        name, publisher, app_id = APPS[i % len(APPS)]
        n = rng.randrange(1, 999)
        if platform == "apple":
            url = f"https://apps.apple.com/app/id{rng.randrange(10**8, 10**9)}"
        else:
            url = f"https://play.google.com/store/apps/details?id={app_id}{n}"
        return {
            "@odata.type": f"#microsoft.graph.{platform}AppListItem",
            "name": f"{name} {n}",
            "publisher": publisher,
            "appStoreUrl": url,
            "appId": f"{app_id}{n}",
        }

    return item


def _privacy_item(i: int, rng: random.Random) -> Any:
    name, _, app_id = APPS[i % len(APPS)]
    return {
        "accessLevel": rng.choice(("forceAllow", "forceDeny", "userInControl")),
        "dataCategory": rng.choice(("camera", "microphone", "location", "contacts", "calendar")),
        "appPackageFamilyName": f"{app_id.replace('com.', '').title()}_8wekyb3d8bbwe",
        "appDisplayName": name,
    }


def _firewall_rule(i: int, rng: random.Random) -> Any:
    name = APPS[i % len(APPS)][0]
    port = rng.choice((443, 8443, 5986, 3389, 1433))
    return {
        "@odata.type": "#microsoft.graph.windowsFirewallRule",
        "displayName": f"Allow {name} {i}",
        "description": f"Outbound {port} for {name}",
        "filePath": f"C:\\Program Files\\{name.split()[0]}\\agent{i}.exe",
        "protocol": 6,
        "localPortRanges": [],
        "remotePortRanges": [str(port)],
        "action": "allowed",
        "trafficDirection": "out",
        "profileTypes": rng.choice(("domain", "domain,private", "public")),
        "edgeTraversal": "notConfigured",
    }


def _oma_item(i: int, rng: random.Random) -> Any:
    area = rng.choice(("Browser", "Experience", "Start", "Privacy", "DeviceLock", "Update"))
    return {
        "@odata.type": "#microsoft.graph.omaSettingInteger",
        "displayName": f"{area} setting {i}",
        "description": None,
        "omaUri": f"./Device/Vendor/MSFT/Policy/Config/{area}/Setting{i}",
        "value": rng.randrange(0, 3),
        "isReadOnly": False,
        "isEncrypted": False,
    }


def _os_range(i: int, rng: random.Random) -> Any:
    build = rng.choice(("19045", "22621", "22631", "26100"))
    return {
        "@odata.type": "microsoft.graph.operatingSystemVersionRange",
        "description": f"Allowed build ring {i}",
        "lowestVersion": f"10.0.{build}.{rng.randrange(1000, 3000)}",
        "highestVersion": f"10.0.{build}.{rng.randrange(3000, 6000)}",
    }


def _catalog_choice(definition: str, value: str, children: list[Any] | None = None) -> Any:
    return {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
        "settingDefinitionId": definition,
        "settingInstanceTemplateReference": None,
        "choiceSettingValue": {
            "settingValueTemplateReference": None,
            "value": f"{definition}_{value}",
            "children": children or [],
        },
    }


def _catalog_simple(definition: str, value: Any) -> Any:
    kind = "Integer" if isinstance(value, int) else "String"
    return {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
        "settingDefinitionId": definition,
        "settingInstanceTemplateReference": None,
        "simpleSettingValue": {
            "@odata.type": f"#microsoft.graph.deviceManagementConfiguration{kind}SettingValue",
            "settingValueTemplateReference": None,
            "value": value,
        },
    }


def _catalog_pad(prefix: str) -> PadItem:
    def item(i: int, rng: random.Random) -> Any:
        definition = f"{prefix}_setting{i}"
        child = _catalog_simple(f"{definition}_level", rng.randrange(1, 30))
        inst = _catalog_choice(definition, str(rng.randrange(0, 2)), [child])
        # Padding entries follow the few base settings; ids only need to be distinct.
        return {"id": str(100 + i), "settingInstance": inst}

    return item


def _gp_value(display_name: str, category: str, enabled: bool) -> Any:
    return {
        "enabled": enabled,
        "configurationType": "policy",
        "definition": {
            # The catalog id of an ADMX definition: stable, whatever the tenant.
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"admx:{category}:{display_name}")),
            "displayName": display_name,
            "classType": "machine",
            "categoryPath": category,
            "policyType": "admxBacked",
        },
    }


def _gp_pad(category: str) -> PadItem:
    leaf = category.rsplit("\\", 1)[-1]

    def item(i: int, rng: random.Random) -> Any:
        return _gp_value(f"{leaf} rule {i}", category, rng.random() < 0.7)

    return item


# --- templates (data/<policy type>.json) -------------------------------------------------------

DATA = Path(__file__).resolve().parent / "data"
# A padding list's items, by the name a template's "pad" gives.
PAD_ITEMS: dict[str, Callable[[dict[str, Any]], PadItem]] = {
    "privacy": lambda _: _privacy_item,
    "firewall_rule": lambda _: _firewall_rule,
    "oma": lambda _: _oma_item,
    "app": lambda _: _app_list_item("apple"),
    "android_app": lambda _: _app_list_item("android"),
    "os_range": lambda _: _os_range,
    "catalog": lambda pad: _catalog_pad(pad["prefix"]),
    "group_policy": lambda pad: _gp_pad(pad["category"]),
}
_PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")


def _fill(value: Any, knobs: dict[str, Any]) -> Any:
    """The body with each ``{knob}`` replaced: a whole-string placeholder keeps the choice's
    type (``"{passwordRequired}"`` becomes ``true``), one inside a string is formatted in."""
    if isinstance(value, dict):
        return {key: _fill(item, knobs) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, knobs) for item in value]
    if not isinstance(value, str) or "{" not in value:
        return value
    whole = _PLACEHOLDER_RE.fullmatch(value)
    if whole and whole[1] in knobs:
        return knobs[whole[1]]
    return _PLACEHOLDER_RE.sub(lambda m: str(knobs[m[1]]) if m[1] in knobs else m[0], value)


def _builder(body: dict[str, Any]) -> Builder:
    # Round-tripped through JSON so that no two bodies ever share a nested list.
    text = json.dumps(body)
    return lambda knobs: _fill(json.loads(text), knobs)


def _load_templates() -> tuple[_Template, ...]:
    """Every template, in POLICY_TYPES order then file order: a template's index seeds
    the generator, so reordering a file changes every demo tenant."""
    templates = []
    for policy_type in POLICY_TYPES:
        for raw in json.loads((DATA / f"{policy_type}.json").read_text(encoding="utf-8")):
            pad = raw["pad"]
            templates.append(
                _Template(
                    policy_type,
                    raw["odata_type"],
                    raw["platform"],
                    raw["label"],
                    tuple(raw["topics"]),
                    tuple((name, tuple(choices)) for name, choices in raw["knobs"].items()),
                    _builder(raw["body"]),
                    pad["key"],
                    PAD_ITEMS[pad["item"]](pad),
                )
            )
    return tuple(templates)


TEMPLATES = _load_templates()
TEMPLATES_BY_TYPE: dict[str, tuple[int, ...]] = {
    t: tuple(i for i, tpl in enumerate(TEMPLATES) if tpl.policy_type == t) for t in POLICY_TYPES
}


# --- assignments ------------------------------------------------------------------------------

# The demo directory: group ids and names, one assignment filter.
DEMO_GROUPS = {
    name: str(uuid.uuid5(uuid.NAMESPACE_URL, f"tenantatlas-demo-group:{name}"))
    for name in ("Finance-Laptops", "Pilot", "Sales-Phones", "Kiosks", "Executives")
}
DEMO_FILTER = ("Corporate devices", "9d1b5c3e-0000-4000-8000-0000000000f1")
NO_FILTER = "00000000-0000-0000-0000-000000000000"
# Who a policy applies to: (target kind, group name or "", filter mode or "") per target.
AUDIENCES: tuple[tuple[tuple[str, str, str], ...], ...] = (
    (("group", "Finance-Laptops", ""), ("exclusion", "Pilot", "")),
    (("group", "Sales-Phones", "include"),),
    (("allDevices", "", ""), ("exclusion", "Kiosks", "")),
    (("allUsers", "", ""),),
    (("group", "Finance-Laptops", ""), ("group", "Executives", ""), ("exclusion", "Pilot", "")),
    (("group", "Finance-Laptops", "exclude"), ("exclusion", "Pilot", "")),
)
TARGET_TYPES = {
    "group": "groupAssignmentTarget",
    "exclusion": "exclusionGroupAssignmentTarget",
    "allDevices": "allDevicesAssignmentTarget",
    "allUsers": "allLicensedUsersAssignmentTarget",
}


def _assignments(spec: _Spec) -> list[dict[str, Any]]:
    """Assignments as Graph expands them, names beside ids as our Graph source adds them."""
    out = []
    for n, (kind, group, mode) in enumerate(AUDIENCES[spec.audience_index]):
        target: dict[str, Any] = {
            "@odata.type": f"#microsoft.graph.{TARGET_TYPES[kind]}",
            "deviceAndAppManagementAssignmentFilterId": DEMO_FILTER[1] if mode else NO_FILTER,
            "deviceAndAppManagementAssignmentFilterType": mode or "none",
        }
        if mode:
            target["filterDisplayName"] = DEMO_FILTER[0]
        if group:
            target.update(groupId=DEMO_GROUPS[group], groupDisplayName=group)
        out.append({"id": f"{spec.external_id}_{n}", "target": target})
    return out


def _reorder(body: dict[str, Any], rng: random.Random) -> None:
    """Graph returns sets in no stable order: shuffle what has no order (never drift)."""
    for key in ("assignments", "roleScopeTagIds", "settings", "definitionValues"):
        if isinstance(body.get(key), list):
            rng.shuffle(body[key])


# --- the inventory model: specs and their evolution ---------------------------------------------


def _rng(seed: str, *parts: object) -> random.Random:
    # A string seed is hashed with SHA-512 by random.Random: stable across processes.
    return random.Random("|".join(["tenantatlas-demo", seed, *map(str, parts)]))


def _new_spec(rng: random.Random, serial: int, generation: int) -> _Spec:
    policy_type = rng.choices(POLICY_TYPES, weights=[TYPE_WEIGHTS[t] for t in POLICY_TYPES])[0]
    template = rng.choice(TEMPLATES_BY_TYPE[policy_type])
    external_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    knobs = tuple(rng.randrange(len(choices)) for _, choices in TEMPLATES[template].knobs)
    return _Spec(serial, template, external_id, generation, knobs)


def _modify(rng: random.Random, spec: _Spec) -> _Spec:
    """Flip one knob to a different choice, so the normalised content really changes;
    every fourth change moves the policy to another audience (assignment drift)."""
    knobs = list(spec.knobs)
    i = rng.randrange(len(knobs))
    count = len(TEMPLATES[spec.template].knobs[i][1])
    shift = 1 + rng.randrange(count - 1)
    if (spec.serial + spec.revisions) % 4 == 0:
        audience = (spec.audience_index + 1) % len(AUDIENCES)
        return replace(spec, audience=audience, revisions=spec.revisions + 1)
    knobs[i] = (knobs[i] + shift) % count
    return replace(spec, knobs=tuple(knobs), revisions=spec.revisions + 1)


def _change_count(rng: random.Random, n: int) -> int:
    count = round(n * rng.uniform(0.02, 0.05))
    return max(count, 1) if n >= 20 else count


def _initial_state(seed: str, size: int) -> _State:
    rng = _rng(seed, 0)
    specs = tuple(_new_spec(rng, serial, 0) for serial in range(size))
    return _State(0, size, specs)


def _next_state(seed: str, state: _State) -> _State:
    generation = state.generation + 1
    rng = _rng(seed, generation)
    n = len(state.specs)
    removed = set(rng.sample(range(n), min(_change_count(rng, n), n // 3)))
    kept = [i for i in range(n) if i not in removed]
    modified = set(rng.sample(kept, min(_change_count(rng, n), len(kept))))
    specs = [_modify(rng, state.specs[i]) if i in modified else state.specs[i] for i in kept]
    added = _change_count(rng, n)
    serial = state.next_serial
    specs.extend(_new_spec(rng, serial + j, generation) for j in range(added))
    return _State(generation, serial + added, tuple(specs))


_STATES: dict[tuple[str, int], _State] = {}
_STATES_LOCK = threading.Lock()


def _state(seed: str, size: int, generation: int) -> _State:
    """The inventory at ``generation``, replayed from 0 (or from the last cached state)."""
    if generation < 0:
        raise ValueError("generation must be >= 0")
    cached = _STATES.get((seed, size))
    state = cached if cached and cached.generation <= generation else _initial_state(seed, size)
    while state.generation < generation:
        state = _next_state(seed, state)
    with _STATES_LOCK:  # states are immutable; only the bounded cache needs guarding
        if len(_STATES) >= STATE_CACHE_SIZE:
            _STATES.pop(next(iter(_STATES)))
        _STATES[(seed, size)] = state
    return state


# --- bodies -----------------------------------------------------------------------------------

_PAD_JSON: dict[tuple[int, int, int], str] = {}
_PAD_COUNT: dict[tuple[int, int], int] = {}
_BASE_BYTES: dict[int, int] = {}
PAD_VARIANTS = 4


def _pad_json(template: int, variant: int, count: int) -> str:
    key = (template, variant, count)
    text = _PAD_JSON.get(key)
    if text is None:
        rng = random.Random(f"tenantatlas-demo-pad|{template}|{variant}")
        items = [TEMPLATES[template].pad_item(i, rng) for i in range(count)]
        text = _PAD_JSON[key] = json.dumps(items)
    return text


def _pad_count(template: int, base_bytes: int, settings_bytes: int) -> int:
    """How many padding items bring a body of ``base_bytes`` to about ``settings_bytes``."""
    key = (template, settings_bytes)
    count = _PAD_COUNT.get(key)
    if count is None:
        probe = 8
        per_item = (len(_pad_json(template, 0, probe)) - 2) / probe + 2
        count = max(0, math.ceil((settings_bytes - base_bytes) / per_item))
        _PAD_COUNT[key] = count
    return count


def _base_bytes(template: int, body: dict[str, Any]) -> int:
    """The serialised size of a template's body before padding (measured once)."""
    size = _BASE_BYTES.get(template)
    if size is None:
        size = _BASE_BYTES[template] = len(json.dumps(body))
    return size


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


def _display_name(spec: _Spec) -> str:
    tpl = TEMPLATES[spec.template]
    name = f"{tpl.label} - {tpl.topics[spec.serial % len(tpl.topics)]}"
    name += RINGS[(spec.serial // 3) % len(RINGS)]
    cycle = len(RINGS) * 3
    return name if spec.serial < cycle else f"{name} v{spec.serial // cycle + 1}"


def _secret_reference(seed: str, spec: _Spec, generation: int) -> str:
    # Graph hands out a new reference id every time the masked secret is read.
    digest = hashlib.sha256(f"{seed}|{spec.serial}|{generation}".encode()).hexdigest()
    return f"{spec.external_id}_{digest[:8]}-{digest[8:12]}"


def _volatile_head(spec: _Spec, generation: int, name_key: str) -> dict[str, Any]:
    tpl = TEMPLATES[spec.template]
    head: dict[str, Any] = {}
    if tpl.odata_type:
        head["@odata.type"] = tpl.odata_type
    if spec.created_generation:
        created = EPOCH + timedelta(days=spec.created_generation)
    else:  # the base inventory was built up over the two years before the first sync
        created = EPOCH - timedelta(days=spec.serial % 700, seconds=spec.serial)
    head["id"] = spec.external_id
    head["createdDateTime"] = _timestamp(created)
    # Graph bumps lastModifiedDateTime on service-side touches too: it moves every sync.
    head["lastModifiedDateTime"] = _timestamp(
        EPOCH + timedelta(days=generation, seconds=(spec.serial * 37) % 86_400)
    )
    head[name_key] = _display_name(spec)
    head["description"] = f"Managed by the endpoint team ({tpl.label})"
    head["roleScopeTagIds"] = ["0", "1"] if spec.serial % 2 else ["0"]
    return head


def _build_body(seed: str, spec: _Spec, generation: int, settings_bytes: int) -> dict[str, Any]:
    tpl = TEMPLATES[spec.template]
    name_key = "name" if tpl.policy_type == "settingsCatalog" else "displayName"
    body = _volatile_head(spec, generation, name_key)
    knobs = {name: choices[i] for (name, choices), i in zip(tpl.knobs, spec.knobs, strict=True)}
    body.update(tpl.build(knobs))
    if tpl.policy_type in ("deviceConfiguration", "compliancePolicy"):
        body["version"] = 1 + spec.revisions
    if tpl.policy_type == "settingsCatalog":
        body["settingCount"] = len(body["settings"])
    for entry in body.get("omaSettings", ()):
        if entry["isEncrypted"]:
            entry["secretReferenceValueId"] = _secret_reference(seed, spec, generation)
    count = _pad_count(spec.template, _base_bytes(spec.template, body), settings_bytes)
    if count:
        variant = spec.serial % PAD_VARIANTS
        body[tpl.pad_key].extend(json.loads(_pad_json(spec.template, variant, count)))
    body["assignments"] = _assignments(spec)
    _reorder(body, random.Random(f"tenantatlas-demo-order|{seed}|{spec.serial}|{generation}"))
    return body


# --- the source -------------------------------------------------------------------------------


class DemoSource:
    """A deterministic, slowly drifting demo tenant (see the module docstring)."""

    def __init__(
        self,
        seed: str,
        generation: int,
        *,
        size: int = 60,
        policy_types: tuple[str, ...] = POLICY_TYPES,
        fail_every: int = 0,
        page_size: int = 100,
        settings_bytes: int = 1000,
    ) -> None:
        if size < 0 or generation < 0 or fail_every < 0 or page_size < 1:
            raise ValueError("size, generation and fail_every must be >= 0, page_size >= 1")
        self.seed = seed
        self.generation = generation
        self.size = size
        self.policy_types = check_policy_types(policy_types)
        self.fail_every = fail_every
        self.page_size = page_size
        self.settings_bytes = settings_bytes

    def __repr__(self) -> str:
        return (
            f"DemoSource(seed={self.seed!r}, generation={self.generation}, size={self.size}, "
            f"policy_types={self.policy_types!r}, fail_every={self.fail_every})"
        )

    @property
    def expected_total(self) -> int:
        """How many items ``pages()`` will yield (a paced sync shows progress against it)."""
        specs = _state(self.seed, self.size, self.generation).specs
        return sum(1 for spec in specs if TEMPLATES[spec.template].policy_type in self.policy_types)

    def pages(
        self, *, on_wait: WaitCallback | None = None
    ) -> Iterator[list[SourcePolicy | ItemError]]:
        # Like Graph, one policy type after another; a page never mixes types.
        specs = _state(self.seed, self.size, self.generation).specs
        position = 0
        for policy_type in self.policy_types:
            page: list[SourcePolicy | ItemError] = []
            for spec in specs:
                if TEMPLATES[spec.template].policy_type != policy_type:
                    continue
                position += 1
                page.append(self._item(spec, position))
                if len(page) == self.page_size:
                    yield page
                    page = []
            if page:
                yield page

    def _item(self, spec: _Spec, position: int) -> SourcePolicy | ItemError:
        tpl = TEMPLATES[spec.template]
        if self.fail_every and position % self.fail_every == 0:
            return ItemError(
                tpl.policy_type,
                spec.external_id,
                _display_name(spec),
                "bad_response",
                "settings could not be read",
            )
        body = _build_body(self.seed, spec, self.generation, self.settings_bytes)
        return SourcePolicy(
            tpl.policy_type, spec.external_id, _display_name(spec), tpl.platform, body
        )

    @staticmethod
    def expected_changes(
        seed: str,
        size: int,
        from_generation: int,
        to_generation: int,
        *,
        policy_types: tuple[str, ...] = POLICY_TYPES,
    ) -> dict[str, set[tuple[str, str]]]:
        """What drift between two generations must find, from the generator's own model.

        "modified" means the knob choices or the audience differ, i.e. the settings or
        the assignments differ (a knob flipped and later flipped back counts as unchanged).
        """
        wanted = set(check_policy_types(policy_types))

        def index(generation: int) -> dict[tuple[str, str], _Spec]:
            specs = _state(seed, size, generation).specs
            keyed = ((TEMPLATES[s.template].policy_type, s.external_id, s) for s in specs)
            return {(t, ext): s for t, ext, s in keyed if t in wanted}

        before, after = index(from_generation), index(to_generation)
        return {
            "added": set(after) - set(before),
            "removed": set(before) - set(after),
            "modified": {
                k
                for k in set(before) & set(after)
                if (before[k].knobs, before[k].audience_index)
                != (after[k].knobs, after[k].audience_index)
            },
        }
