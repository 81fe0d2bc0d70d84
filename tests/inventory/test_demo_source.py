"""The demo source: deterministic, realistic inventories that drift a little per generation."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from demo.source import DemoSource
from inventory.normalize import MASKED_SECRET, content_hash, normalize_settings
from inventory.sources.base import POLICY_TYPES, ItemError, PolicySource, SourcePolicy

Key = tuple[str, str]


def _items(source: PolicySource) -> list[SourcePolicy | ItemError]:
    return [item for page in source.pages() for item in page]


def _policies(source: PolicySource) -> list[SourcePolicy]:
    return [item for item in _items(source) if isinstance(item, SourcePolicy)]


def _hashes(seed: str, generation: int, **kwargs: Any) -> dict[Key, str]:
    return {
        (p.policy_type, p.external_id): content_hash(normalize_settings(p.settings))
        for p in _policies(DemoSource(seed, generation, **kwargs))
    }


def _drift(before: dict[Key, str], after: dict[Key, str]) -> dict[str, set[Key]]:
    common = set(before) & set(after)
    return {
        "added": set(after) - set(before),
        "removed": set(before) - set(after),
        "modified": {key for key in common if before[key] != after[key]},
    }


def test_same_seed_and_generation_give_identical_output() -> None:
    first = _items(DemoSource("contoso", 3))
    again = _items(DemoSource("contoso", 3))

    assert first == again
    assert json.dumps([p.settings for p in _policies(DemoSource("contoso", 3))]) == json.dumps(
        [p.settings for p in first if isinstance(p, SourcePolicy)]
    )


def test_different_seeds_give_different_tenants() -> None:
    contoso = {p.external_id for p in _policies(DemoSource("contoso", 0))}
    fabrikam = {p.external_id for p in _policies(DemoSource("fabrikam", 0))}

    assert not contoso & fabrikam


@pytest.mark.parametrize("size", [0, 1, 7, 60, 250])
def test_generation_zero_has_size_policies(size: int) -> None:
    assert len(_items(DemoSource("contoso", 0, size=size))) == size


def test_inventory_is_realistic() -> None:
    policies = _policies(DemoSource("contoso", 0, size=200))

    assert set(Counter(p.policy_type for p in policies)) == set(POLICY_TYPES)
    assert {"windows10", "iOS", "android", "macOS"} <= {p.platform for p in policies}
    assert len({p.external_id for p in policies}) == len(policies)
    for policy in policies:
        label = policy.display_name.split(" - ")[0]
        assert label in {"Windows 10", "Windows", "iOS", "Android", "macOS"}
        body = policy.settings
        assert body["id"] == policy.external_id
        assert body["lastModifiedDateTime"].endswith("Z")
        assert body.get("displayName", body.get("name")) == policy.display_name
    names = {p.display_name for p in policies}
    assert "Windows 10 - BitLocker baseline" in names or any("BitLocker" in n for n in names)


def test_settings_catalog_policies_are_shaped_like_graph() -> None:
    catalog = [p for p in _policies(DemoSource("contoso", 0)) if p.policy_type == "settingsCatalog"]

    assert catalog
    for policy in catalog:
        # The demo reorders settings between reads, as Graph may: any one is a choice.
        instances = [s["settingInstance"] for s in policy.settings["settings"]]
        assert all(inst["settingDefinitionId"] for inst in instances)
        choice = next(inst for inst in instances if "choiceSettingValue" in inst)
        assert "value" in choice["choiceSettingValue"]
        assert isinstance(choice["choiceSettingValue"]["children"], list)
    nested = [
        child
        for p in catalog
        for s in p.settings["settings"]
        for child in s["settingInstance"].get("choiceSettingValue", {}).get("children", [])
    ]
    assert nested


def test_policies_carry_assignments_that_drift_and_arrays_that_reorder() -> None:
    before = {p.external_id: p for p in _policies(DemoSource("contoso", 0, size=200))}
    after = {p.external_id: p for p in _policies(DemoSource("contoso", 3, size=200))}

    kinds = {a["target"]["@odata.type"] for p in before.values() for a in p.settings["assignments"]}
    assert len(kinds) == 4  # include, exclude, all devices, all users
    both = before.keys() & after.keys()
    moved = [
        k for k in both
        if before[k].settings["assignments"] != after[k].settings["assignments"]
    ]  # fmt: skip
    audiences = {
        k for k in moved
        if sorted(map(str, before[k].settings["assignments"]))
        != sorted(map(str, after[k].settings["assignments"]))
    }  # fmt: skip
    assert audiences, "some policies must change whom they apply to"
    assert len(moved) > len(audiences), "and others only come back in another order"


def test_pages_respect_page_size_and_do_not_mix_types() -> None:
    pages = list(DemoSource("contoso", 0, size=120, page_size=10).pages())

    assert sum(len(page) for page in pages) == 120
    assert all(1 <= len(page) <= 10 for page in pages)
    assert all(len({item.policy_type for item in page}) == 1 for page in pages)


@pytest.mark.parametrize(("start", "end"), [(0, 1), (1, 2), (0, 3), (4, 2)])
def test_changes_match_expected_changes(start: int, end: int) -> None:
    found = _drift(_hashes("contoso", start), _hashes("contoso", end))

    assert found == DemoSource.expected_changes("contoso", 60, start, end)


def test_each_generation_adds_removes_and_modifies_a_few() -> None:
    for generation in range(1, 6):
        changes = DemoSource.expected_changes("northwind", 200, generation - 1, generation)
        for kind in ("added", "removed", "modified"):
            assert 1 <= len(changes[kind]) <= 12, (generation, kind, len(changes[kind]))
        assert not changes["modified"] & (changes["added"] | changes["removed"])


def test_small_inventories_still_change_once_size_reaches_20() -> None:
    changes = DemoSource.expected_changes("tiny", 20, 0, 1)

    assert all(changes[kind] for kind in ("added", "removed", "modified"))


def test_unchanged_policies_keep_their_hash_while_last_modified_moves() -> None:
    before = {p.external_id: p for p in _policies(DemoSource("contoso", 0))}
    after = {p.external_id: p for p in _policies(DemoSource("contoso", 1))}
    modified = {ext for _, ext in DemoSource.expected_changes("contoso", 60, 0, 1)["modified"]}
    unchanged = (set(before) & set(after)) - modified

    assert unchanged
    for ext in unchanged:
        old, new = before[ext].settings, after[ext].settings
        assert old["lastModifiedDateTime"] != new["lastModifiedDateTime"]
        assert content_hash(normalize_settings(old)) == content_hash(normalize_settings(new))
    for ext in modified:
        old, new = before[ext].settings, after[ext].settings
        assert normalize_settings(old) != normalize_settings(new)


def test_masked_secrets_are_present_and_rotate_their_reference() -> None:
    def encrypted(generation: int) -> dict[str, dict[str, Any]]:
        found = {}
        for policy in _policies(DemoSource("contoso", generation, size=120)):
            for entry in policy.settings.get("omaSettings", []):
                if entry["isEncrypted"]:
                    found[policy.external_id] = entry
        return found

    first, second = encrypted(0), encrypted(1)
    common = set(first) & set(second)

    assert common
    for ext in common:
        assert first[ext]["value"] == "****"
        assert first[ext]["secretReferenceValueId"] != second[ext]["secretReferenceValueId"]
        normalized = normalize_settings(first[ext])
        assert normalized["value"] == MASKED_SECRET
        assert "secretReferenceValueId" not in normalized


def test_fail_every_turns_every_nth_policy_into_an_item_error() -> None:
    items = _items(DemoSource("contoso", 0, size=60, fail_every=5))
    errors = [item for item in items if isinstance(item, ItemError)]

    assert len(items) == 60
    assert len(errors) == 12
    assert [i for i, item in enumerate(items, 1) if isinstance(item, ItemError)] == list(
        range(5, 61, 5)
    )
    assert {(e.code, e.message) for e in errors} == {("bad_response", "settings could not be read")}
    assert _items(DemoSource("contoso", 0, size=60, fail_every=5)) == items


def test_a_narrower_scope_is_the_matching_subset() -> None:
    scope = ("compliancePolicy", "settingsCatalog")
    full = [p for p in _policies(DemoSource("contoso", 2)) if p.policy_type in scope]
    narrow = _policies(DemoSource("contoso", 2, policy_types=scope))
    changes = DemoSource.expected_changes("contoso", 60, 1, 2, policy_types=scope)

    assert narrow == full
    assert all(t in scope for kind in changes.values() for t, _ in kind)


def test_unknown_policy_types_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown policy types"):
        DemoSource("contoso", 0, policy_types=("mobileApps",))


def test_settings_bytes_controls_the_body_size() -> None:
    small = _policies(DemoSource("contoso", 0))
    large = _policies(DemoSource("contoso", 0, settings_bytes=7000))

    small_avg = sum(len(json.dumps(p.settings)) for p in small) / len(small)
    large_avg = sum(len(json.dumps(p.settings)) for p in large) / len(large)
    assert small_avg < 2500
    assert 6000 < large_avg < 8500


def test_large_policies_come_in_full_pages() -> None:
    # Generation speed at 10,000 policies is measured by bench/drift.py, not asserted here.
    count = sum(
        len(page) for page in DemoSource("bench", 0, size=1_000, settings_bytes=7000).pages()
    )
    assert count == 1_000
