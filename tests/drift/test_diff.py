"""Tests for the pure-Python drift diff engine (no Django needed)."""

from __future__ import annotations

import copy
import itertools
import json
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drift.diff import (
    Key,
    SettingChange,
    apply_changes,
    compare_hashes,
    diff_settings,
)
from inventory.normalize import MASKED_SECRET, content_hash

# --- helpers --------------------------------------------------------------------------------


def strictly_equal(a: Any, b: Any) -> bool:
    """``==`` that, like the engine, tells 1, True and 1.0 apart."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(strictly_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(strictly_equal, a, b))
    return type(a) is type(b) and a == b


def key(external_id: str, policy_type: str = "deviceConfiguration") -> Key:
    return (policy_type, external_id)


def statuses(baseline: list[tuple[Key, str]], current: list[tuple[Key, str]]) -> list[Any]:
    return list(compare_hashes(baseline, current))


# --- compare_hashes -------------------------------------------------------------------------


def test_compare_hashes_reports_every_status_in_key_order() -> None:
    baseline = [(key("a"), "h1"), (key("b"), "h2"), (key("c"), "h3")]
    current = [(key("b"), "h2"), (key("c"), "CHANGED"), (key("d"), "h4")]
    assert statuses(baseline, current) == [
        ("removed", key("a")),
        ("unchanged", key("b")),
        ("modified", key("c")),
        ("added", key("d")),
    ]


def test_compare_hashes_swapping_sides_swaps_added_and_removed() -> None:
    baseline = [(key("a"), "h1"), (key("c"), "h3")]
    current = [(key("b"), "h2"), (key("c"), "h3")]
    assert statuses(baseline, current) == [
        ("removed", key("a")),
        ("added", key("b")),
        ("unchanged", key("c")),
    ]
    assert statuses(current, baseline) == [
        ("added", key("a")),
        ("removed", key("b")),
        ("unchanged", key("c")),
    ]


def test_compare_hashes_orders_by_policy_type_then_external_id() -> None:
    # Same external id under two policy types are two different policies.
    baseline = [(key("x", "compliance"), "h"), (key("a", "configuration"), "h")]
    current = [(key("x", "configuration"), "h")]
    assert statuses(baseline, current) == [
        ("removed", key("x", "compliance")),
        ("removed", key("a", "configuration")),
        ("added", key("x", "configuration")),
    ]


def test_compare_hashes_with_empty_sides() -> None:
    pairs = [(key("a"), "h1"), (key("b"), "h2")]
    assert statuses([], []) == []
    assert statuses([], pairs) == [("added", key("a")), ("added", key("b"))]
    assert statuses(pairs, []) == [("removed", key("a")), ("removed", key("b"))]


@pytest.mark.parametrize("side", ["baseline", "current"])
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ([(key("b"), "h"), (key("a"), "h")], "keys not sorted"),
        ([(key("a"), "h"), (key("a"), "other")], "duplicate key"),
        ([(key("a", "t2"), "h"), (key("b", "t1"), "h")], "keys not sorted"),
    ],
)
def test_compare_hashes_rejects_unsorted_or_duplicate_input(
    side: str, bad: list[tuple[Key, str]], message: str
) -> None:
    good = [(key("a"), "h")]
    baseline, current = (bad, good) if side == "baseline" else (good, bad)
    with pytest.raises(ValueError, match=f"{side}: {message}"):
        statuses(baseline, current)


def test_compare_hashes_consumes_generators_lazily() -> None:
    # Endless inputs: only a merge join that pulls one pair at a time can answer.
    endless_a = ((key(f"{i:09d}"), "h") for i in itertools.count(0, 2))
    endless_b = ((key(f"{i:09d}"), "h") for i in itertools.count(0, 3))
    first = list(itertools.islice(compare_hashes(endless_a, endless_b), 4))
    assert first == [
        ("unchanged", key("000000000")),
        ("removed", key("000000002")),
        ("added", key("000000003")),
        ("removed", key("000000004")),
    ]


def _pairs(count: int, start: int, changed_every: int) -> Iterator[tuple[Key, str]]:
    for i in range(start, start + count):
        # Shared digest strings keep the allocations (and tracemalloc's overhead) to the keys.
        yield ("deviceConfiguration", f"{i:08d}"), "old" if i % changed_every else "new"


def test_compare_hashes_runs_in_bounded_memory() -> None:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        counts = Counter(
            status
            for status, _key in compare_hashes(
                _pairs(200_000, 0, changed_every=10**9),
                _pairs(200_000, 1_000, changed_every=100),
            )
        )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A list of 200,000 such pairs alone would take tens of MB.
    assert peak < 5 * 1024 * 1024
    assert counts == {"removed": 1_000, "added": 1_000, "unchanged": 197_010, "modified": 1_990}


# --- diff_settings --------------------------------------------------------------------------


def test_identical_values_have_no_changes() -> None:
    value = {"a": [1, {"b": None}], "c": "x", "d": 1.5, "e": True}
    assert diff_settings(value, copy.deepcopy(value)) == []


def test_nested_dicts() -> None:
    before = {"a": {"b": {"c": 1, "gone": 2}}, "same": 1}
    after = {"a": {"b": {"c": 3, "new": 4}}, "same": 1}
    assert diff_settings(before, after) == [
        SettingChange(("a", "b", "c"), "changed", 1, 3),
        SettingChange(("a", "b", "gone"), "removed", 2, None),
        SettingChange(("a", "b", "new"), "added", None, 4),
    ]


def test_dict_keys_are_reported_in_sorted_order() -> None:
    before = {"z": 1, "a": 1, "m": 1}
    after = {"m": 2, "z": 2, "a": 2}
    assert [c.path for c in diff_settings(before, after)] == [("a",), ("m",), ("z",)]


def test_list_grows() -> None:
    assert diff_settings({"l": [1]}, {"l": [1, 2, 3]}) == [
        SettingChange(("l", 1), "added", None, 2),
        SettingChange(("l", 2), "added", None, 3),
    ]


def test_list_shrinks() -> None:
    assert diff_settings([1, 2, 3], [1]) == [
        SettingChange((1,), "removed", 2, None),
        SettingChange((2,), "removed", 3, None),
    ]


def test_list_element_changes() -> None:
    assert diff_settings([1, 2, 3], [1, 5, 3]) == [SettingChange((1,), "changed", 2, 5)]


def test_lists_of_dicts_recurse_into_elements() -> None:
    # "items" has no identity rule (inventory.identity.RULES): compared index by index.
    before = {"items": [{"id": "a", "value": 1}, {"id": "b", "value": 2}]}
    after = {"items": [{"id": "a", "value": 1}, {"id": "b", "value": 3}, {"id": "c"}]}
    assert diff_settings(before, after) == [
        SettingChange(("items", 1, "value"), "changed", 2, 3),
        SettingChange(("items", 2), "added", None, {"id": "c"}),
    ]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({"a": 1}, [1]),
        (1, True),
        (0, False),
        (1, "1"),
        (1, 1.0),
        (None, {}),
        ({}, None),
        ("x", ["x"]),
    ],
)
def test_type_change_is_one_change_with_whole_values(before: Any, after: Any) -> None:
    assert diff_settings(before, after) == [SettingChange((), "changed", before, after)]
    nested = diff_settings({"k": [before]}, {"k": [after]})
    assert nested == [SettingChange(("k", 0), "changed", before, after)]


def test_keys_with_dots_are_one_segment() -> None:
    changes = diff_settings({"a.b": {"c": 1}}, {"a.b": {"c": 2}})
    assert changes == [SettingChange(("a.b", "c"), "changed", 1, 2)]
    assert changes[0].display_path == '["a.b"].c'


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (MASKED_SECRET, "plain"),
        ("plain", MASKED_SECRET),
        (MASKED_SECRET, {"a": 1}),
        ([1], MASKED_SECRET),
        ({}, {"secret": MASKED_SECRET}),
        ({"secret": MASKED_SECRET}, {}),
        ([1], [1, MASKED_SECRET]),
        ([1, MASKED_SECRET], [1]),
    ],
)
def test_masked_secrets_are_never_reported(before: Any, after: Any) -> None:
    assert diff_settings(before, after) == []
    assert diff_settings({"k": before}, {"k": after}) == []


def test_masked_secret_does_not_hide_sibling_changes() -> None:
    before = {"isEncrypted": True, "value": MASKED_SECRET, "name": "wifi"}
    after = {"isEncrypted": False, "value": "hunter2", "name": "wifi"}
    assert diff_settings(before, after) == [
        SettingChange(("isEncrypted",), "changed", True, False),
    ]


# --- apply_changes --------------------------------------------------------------------------

ROUND_TRIPS = [
    ({"a": {"b": 1, "c": 2}}, {"a": {"b": 3, "d": 4}}),
    ([1, 2, 3, 4, 5], [1]),
    ([1], [1, 2, 3, 4]),
    ({"l": [{"x": 1}, {"x": 2}, {"x": 3}]}, {"l": [{"x": 9}]}),
    ({"l": [[1, 2], [3]]}, {"l": [[1], [3, 4, 5], [6]]}),
    (None, {"a": 1}),
    ({"a": 1}, [1, 2]),
    ({"a": [1, 2, 3]}, {"a": {"0": 1}}),
    ({"k": 1}, {"k": True}),
    ({}, {}),
]


@pytest.mark.parametrize(("before", "after"), ROUND_TRIPS)
def test_apply_changes_round_trip(before: Any, after: Any) -> None:
    assert strictly_equal(apply_changes(before, diff_settings(before, after)), after)


@pytest.mark.parametrize(("before", "after"), ROUND_TRIPS)
def test_apply_changes_does_not_depend_on_change_order(before: Any, after: Any) -> None:
    changes = list(reversed(diff_settings(before, after)))
    assert strictly_equal(apply_changes(before, changes), after)


def test_apply_changes_neither_mutates_nor_aliases() -> None:
    before = {"a": [1, 2, 3], "b": {"c": 1}}
    after = {"a": [1], "b": {"c": 1, "d": {"e": []}}}
    snapshot = copy.deepcopy(before)
    changes = diff_settings(before, after)
    result = apply_changes(before, changes)
    assert before == snapshot
    result["b"]["d"]["e"].append("mutated")
    assert after["b"]["d"]["e"] == []  # type: ignore[index]


def test_apply_changes_fills_a_list_gap_with_masked_secrets() -> None:
    # The masked element at index 1 is not reported, so the diff has a gap.
    before, after = [1], [1, MASKED_SECRET, 3]
    assert apply_changes(before, diff_settings(before, after)) == after


@pytest.mark.parametrize(
    "change",
    [
        SettingChange(("missing", "x"), "changed", 1, 2),
        SettingChange(("a",), "added", None, 1),
        SettingChange(("gone",), "removed", 1, None),
        SettingChange(("l", 5), "changed", 1, 2),
        SettingChange(("l", 0), "added", None, 2),
        SettingChange(("l", "0"), "changed", 1, 2),
        SettingChange(("a", 0), "changed", 1, 2),
        SettingChange((), "removed", 1, None),
    ],
)
def test_apply_changes_rejects_paths_that_do_not_fit(change: SettingChange) -> None:
    with pytest.raises(ValueError):
        apply_changes({"a": 1, "l": [1]}, [change])


# --- property tests -------------------------------------------------------------------------

# A few fixed keys make independently drawn trees overlap, so the diff recurses.
dict_keys = st.sampled_from(["a", "b", "c.d", "", "x y"]) | st.text(max_size=4)
plain_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=6).filter(lambda s: s != MASKED_SECRET)
)


def json_values(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(dict_keys, children, max_size=4)
        ),
        max_leaves=20,
    )


plain_values = json_values(plain_scalars)


@st.composite
def mutated(draw: st.DrawFn, value: Any) -> Any:
    """``value`` with a few random edits, so that pairs differ by little, like real drift."""
    action = draw(st.sampled_from(["keep", "replace", "edit"]))
    if action == "keep":
        return value
    if action == "replace" or not isinstance(value, dict | list):
        return draw(plain_values)
    if isinstance(value, dict):
        kept = {k: draw(mutated(v)) for k, v in value.items() if draw(st.booleans())}
        return kept | draw(st.dictionaries(dict_keys, plain_values, max_size=2))
    edited = [draw(mutated(v)) for v in value[: draw(st.integers(0, len(value)))]]
    return edited + draw(st.lists(plain_values, max_size=2))


@st.composite
def related_pairs(draw: st.DrawFn) -> tuple[Any, Any]:
    before = draw(plain_values)
    return before, draw(mutated(before))


@settings(max_examples=300)
@given(st.tuples(plain_values, plain_values) | related_pairs())
def test_property_apply_of_diff_gives_after(pair: tuple[Any, Any]) -> None:
    before, after = pair
    snapshot = copy.deepcopy(before)
    assert strictly_equal(apply_changes(before, diff_settings(before, after)), after)
    assert strictly_equal(before, snapshot)


@given(plain_values)
def test_property_no_changes_against_itself(value: Any) -> None:
    assert diff_settings(value, value) == []
    assert diff_settings(value, copy.deepcopy(value)) == []


@given(json_values(plain_scalars | st.just(MASKED_SECRET)), st.data())
def test_property_masked_secrets_never_appear_as_a_change(value: Any, data: st.DataObject) -> None:
    other = data.draw(mutated(value) | json_values(plain_scalars | st.just(MASKED_SECRET)))
    for change in diff_settings(value, other):
        assert MASKED_SECRET not in (change.before, change.after)


# --- SettingChange --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        SettingChange(("settings", 2, "a.b"), "changed", {"x": [1, None]}, 1.5),
        SettingChange((0,), "added", None, True),
        SettingChange((), "removed", "s", None),
    ],
)
def test_json_round_trip(change: SettingChange) -> None:
    data = json.loads(json.dumps(change.to_json()))
    assert data["path"] == list(change.path)
    assert SettingChange.from_json(data) == change


def test_to_json_shape() -> None:
    change = SettingChange(("a", 0), "changed", 1, 2)
    assert change.to_json() == {
        "path": ["a", 0], "kind": "changed", "before": 1, "after": 2,
        "label": "", "ref": "", "area": "setting",
    }  # fmt: skip


@pytest.mark.parametrize(
    "data",
    [
        {"path": ["a"], "kind": "renamed", "before": 1, "after": 2},
        {"path": [True], "kind": "changed", "before": 1, "after": 2},
        {"path": [1.5], "kind": "changed", "before": 1, "after": 2},
    ],
)
def test_from_json_rejects_invalid_data(data: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        SettingChange.from_json(data)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            ("settings", 2, "settingInstance", "choiceSettingValue", "value"),
            "settings[2].settingInstance.choiceSettingValue.value",
        ),
        (("a.b",), '["a.b"]'),
        ((0, "x"), "[0].x"),
        (("x", "has space", 1), 'x["has space"][1]'),
        (("2",), '["2"]'),
        (('say "hi"',), '["say \\"hi\\""]'),
        (("",), '[""]'),
        ((), ""),
    ],
)
def test_display_path(path: tuple[Any, ...], expected: str) -> None:
    assert SettingChange(path, "changed", 1, 2).display_path == expected


# --- speed ----------------------------------------------------------------------------------


def catalog_policy(count: int = 30) -> dict[str, Any]:
    """A settings-catalog-like policy body of about 7 KB."""
    return {
        "name": "Windows baseline",
        "platforms": "windows10",
        "technologies": "mdm",
        "settings": [
            {
                "settingInstance": {
                    "settingDefinitionId": f"device_vendor_msft_policy_config_area_setting{i}",
                    "choiceSettingValue": {
                        "value": f"device_vendor_msft_policy_config_area_setting{i}_1",
                        "children": [{"simpleSettingValue": {"value": i}}],
                    },
                }
            }
            for i in range(count)
        ],
    }


def test_diff_settings_on_a_realistic_policy_names_each_change() -> None:
    before = catalog_policy()
    after = copy.deepcopy(before)
    settings_after = after["settings"]
    settings_after[3]["settingInstance"]["choiceSettingValue"]["value"] = "changed"
    settings_after[10]["settingInstance"]["choiceSettingValue"]["children"][0] = {"x": 1}
    settings_after[20]["settingInstance"]["extra"] = True
    del settings_after[-1]
    after["name"] = "Windows baseline v2"
    assert 6_000 < len(json.dumps(before)) < 8_500

    # Speed is measured by bench/drift.py (make bench), not asserted here.
    changes = diff_settings(before, after)

    assert [change.display_path for change in changes] == [
        # Settings are matched by settingDefinitionId (inventory.identity), not index.
        "name",
        "settings[device_vendor_msft_policy_config_area_setting3].settingInstance.choiceSettingValue.value",
        "settings[device_vendor_msft_policy_config_area_setting10].settingInstance.choiceSettingValue.children[0].simpleSettingValue",
        "settings[device_vendor_msft_policy_config_area_setting10].settingInstance.choiceSettingValue.children[0].x",
        "settings[device_vendor_msft_policy_config_area_setting20].settingInstance.extra",
        "settings[device_vendor_msft_policy_config_area_setting29]",
    ]


# --- identity and names -----------------------------------------------------------------------


def _choice(definition: str, value: str, children: list[Any] | None = None) -> dict[str, Any]:
    return {
        "settingDefinitionId": definition,
        "choiceSettingValue": {"value": f"{definition}_{value}", "children": children or []},
    }


FIREWALL = "vendor_msft_firewall_mdmstore_domainprofile_enablefirewall"
SHIELDED = f"{FIREWALL}_shielded"


def _firewall(enabled: str, shielded: str) -> dict[str, Any]:
    setting = _choice(FIREWALL, enabled, [_choice(SHIELDED, shielded)])
    definitions = [
        {"id": FIREWALL, "displayName": "Enable Domain Network Firewall"},
        {"id": SHIELDED, "displayName": "Shielded Mode"},
    ]
    return {"settings": [{"settingInstance": setting, "settingDefinitions": definitions}]}


def test_a_deep_setting_is_named_by_graphs_display_names_with_its_raw_id() -> None:
    (change,) = diff_settings(_firewall("true", "false"), _firewall("true", "true"))

    assert change.label == "Enable Domain Network Firewall › Shielded Mode"
    assert change.ref == SHIELDED
    assert change.display_path == (
        f"settings[{FIREWALL}].settingInstance.choiceSettingValue"
        f".children[{SHIELDED}].choiceSettingValue.value"
    )


def test_without_display_names_the_definition_id_is_put_in_words() -> None:
    before, after = _firewall("true", "false"), _firewall("true", "true")
    for tree in (before, after):
        del tree["settings"][0]["settingDefinitions"]

    (change,) = diff_settings(before, after)

    assert change.label == "firewall › mdmstore › domainprofile › enablefirewall › shielded"


def test_settings_in_another_order_are_no_change_and_hash_the_same() -> None:
    before = {"settings": [{"settingInstance": _choice(f"s{i}", "1")} for i in range(5)]}
    after = {"settings": list(reversed(before["settings"])), "roleScopeTagIds": []}
    before["roleScopeTagIds"] = []
    assert diff_settings(before, after) == []
    assert content_hash(before) == content_hash(after)


def test_assignments_read_in_words_and_come_first() -> None:
    def target(kind: str, group: str, name: str, filter_mode: str = "none") -> dict[str, Any]:
        return {"target": {
            "@odata.type": f"#microsoft.graph.{kind}", "groupId": group,
            "groupDisplayName": name,
            "deviceAndAppManagementAssignmentFilterId": "f1" if filter_mode != "none" else None,
            "deviceAndAppManagementAssignmentFilterType": filter_mode,
        }}  # fmt: skip

    before = {
        "passwordRequired": True,
        "assignments": [
            target("groupAssignmentTarget", "g1", "Finance-Laptops"),
            target("exclusionGroupAssignmentTarget", "g2", "Pilot"),
        ],
    }
    after = {
        "passwordRequired": False,
        "assignments": [
            target("groupAssignmentTarget", "g1", "Finance (renamed)", "include"),
            target("groupAssignmentTarget", "g3", "Sales-Phones"),
        ],
    }

    labels = [c.label for c in diff_settings(before, after)]

    assert sorted(labels[:3]) == [
        "added group Sales-Phones (include)",
        "filter changed on group Finance (renamed) (include)",
        "removed exclusion Pilot",
    ]
    assert labels[3:] == ["Password required"]  # the rename of g1 itself is not drift
