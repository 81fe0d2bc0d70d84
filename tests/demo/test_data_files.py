"""demo/data/*.json: the demo's Intune bodies are data; every placeholder is a knob, every
knob shows in the body (or its drift would be invisible to the diff)."""

from __future__ import annotations

import json
import re

import pytest

from demo.source import DATA, TEMPLATES
from inventory.sources.base import POLICY_TYPES

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return [value] if isinstance(value, str) else []


def test_there_is_one_data_file_per_policy_type_and_each_template_comes_from_it() -> None:
    assert sorted(p.stem for p in DATA.glob("*.json")) == sorted(POLICY_TYPES)
    counts = {t: len(json.loads((DATA / f"{t}.json").read_text())) for t in POLICY_TYPES}
    assert sum(counts.values()) == len(TEMPLATES)
    for policy_type, count in counts.items():
        assert sum(1 for t in TEMPLATES if t.policy_type == policy_type) == count > 0


@pytest.mark.parametrize("index", range(len(TEMPLATES)))
def test_every_placeholder_is_a_knob_and_every_knob_a_placeholder(index: int) -> None:
    template = TEMPLATES[index]
    raw = json.loads((DATA / f"{template.policy_type}.json").read_text())
    first = next(i for i, t in enumerate(TEMPLATES) if t.policy_type == template.policy_type)
    body = raw[index - first]
    names = {m for s in _strings(body["body"]) for m in PLACEHOLDER.findall(s)}
    assert names == {name for name, _ in template.knobs}, "a knob that no body shows never drifts"

    for choice in range(max(len(choices) for _, choices in template.knobs)):
        knobs = {name: choices[choice % len(choices)] for name, choices in template.knobs}
        built = template.build(knobs)
        assert not [s for s in _strings(built) if PLACEHOLDER.search(s)]


def test_a_whole_string_placeholder_keeps_the_choice_type() -> None:
    windows = next(t for t in TEMPLATES if t.odata_type and "windows10General" in t.odata_type)
    knobs = {name: choices[0] for name, choices in windows.knobs}
    built = windows.build(knobs)
    assert built["passwordRequired"] is True and built["passwordMinimumLength"] == 6


def test_two_builds_share_no_nested_list() -> None:
    template = TEMPLATES[0]
    knobs = {name: choices[0] for name, choices in template.knobs}
    first, second = template.build(knobs), template.build(knobs)
    first[template.pad_key].append("padding")
    assert second[template.pad_key] == []
