"""The drift diff engine: which policies changed between two snapshots, and how.

Plain Python on purpose (no Django, no I/O) so it can be tested and timed on its
own. Two levels, because a snapshot holds ~10,000 policies of ~7 KB each and a
drift run must finish in about two seconds:

* ``compare_hashes`` merge-joins two streams of ``(key, ingest hash)`` pairs,
  sorted by key, in O(1) memory; only the keys it calls ``modified`` need their
  settings loaded.
* ``diff_settings`` walks two normalised settings trees and lists the
  setting-level changes, matching array elements by the identities Graph's
  schema gives them (``inventory.identity``) and naming each change for a
  person; ``apply_changes`` replays such a list where every array is
  positional (an identity segment such as ``[settingDefinitionId]`` does not
  address a list index, so it raises ``ValueError``).

Secrets are stored as markers (``inventory.secrets``): a changed fingerprint is
reported as ``secret_changed`` with no before/after; masked secrets
(``MASKED_SECRET``) cannot be compared, so they are never reported.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from inventory import secrets
from inventory.identity import (
    Rule,
    canonical,
    comparable,
    element_label,
    filter_words,
    humanize,
    identity_of,
    is_metadata,
    rule_for,
    setting_names,
    target_words,
)
from inventory.normalize import MASKED_SECRET

Key = tuple[str, str]  # (policy_type, external_id)
PathSegment = str | int
Path = tuple[PathSegment, ...]

KINDS = ("added", "removed", "changed", "secret_changed")


@dataclass(frozen=True, slots=True)
class SettingChange:
    """One setting that differs; ``before``/``after`` are the whole values at ``path``.

    The values are shared with the trees that were diffed, not copied.
    """

    path: Path
    kind: str  # "added" | "removed" | "changed" | "secret_changed"
    before: Any  # None when kind == "added" or "secret_changed"
    after: Any  # None when kind == "removed" or "secret_changed"
    # Presentation, not identity: two changes are equal by path, kind and values.
    label: str = field(default="", compare=False)  # "Firewall › Enable firewall", "added group X"
    ref: str = field(default="", compare=False)  # the raw id beside it (settingDefinitionId, ...)
    area: str = field(default="setting", compare=False)  # "setting" | "assignment"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown change kind {self.kind!r}")

    def to_json(self) -> dict[str, Any]:
        return {
            "path": list(self.path),
            "kind": self.kind,
            "before": self.before,
            "after": self.after,
            "label": self.label,
            "ref": self.ref,
            "area": self.area,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SettingChange:
        path = tuple(data["path"])
        # bool is an int subclass; a True segment would silently index a list.
        if any(isinstance(s, bool) or not isinstance(s, str | int) for s in path):
            raise ValueError(f"invalid path {data['path']!r}")
        # Findings written before labels existed have none: they read as their path.
        return cls(
            path, data["kind"], data.get("before"), data.get("after"),
            label=str(data.get("label") or ""), ref=str(data.get("ref") or ""),
            area=str(data.get("area") or "setting"),
        )  # fmt: skip

    @property
    def display_path(self) -> str:
        """``settings[2].settingInstance.value``; keys that are not identifiers as ``["a.b"]``.

        The root path (a change of the whole settings value) displays as ``""``.
        """
        return "".join(_display_segment(s, first=i == 0) for i, s in enumerate(self.path))


def _display_segment(segment: PathSegment, *, first: bool) -> str:
    if isinstance(segment, int):
        return f"[{segment}]"
    if segment.startswith("[") and ("]" in segment):  # an identity: [settingDefinitionId]
        return segment
    if segment.isidentifier():
        return segment if first else f".{segment}"
    # JSON quoting escapes quotes and backslashes, so the path stays unambiguous.
    return f"[{json.dumps(segment, ensure_ascii=False)}]"


# --- policy level ---------------------------------------------------------------------------


def compare_hashes(
    baseline: Iterable[tuple[Key, str]], current: Iterable[tuple[Key, str]]
) -> Iterator[tuple[str, Key]]:
    """Merge-join two key-sorted ``(key, hash)`` streams; yield ``(status, key)`` in key order.

    ``status`` is ``"added"`` (only in current), ``"removed"`` (only in baseline),
    ``"modified"`` (hashes differ) or ``"unchanged"``. Inputs are consumed lazily,
    one pair at a time. Keys must be strictly ascending in Python's order (code
    points: order the query with a "C" collation, not a locale one); otherwise
    ``ValueError`` is raised -- during iteration, so consume the whole result
    before committing anything derived from it.
    """
    base, cur = _checked(baseline, "baseline"), _checked(current, "current")
    old, new = next(base, None), next(cur, None)
    while old is not None and new is not None:
        if old[0] < new[0]:
            yield "removed", old[0]
            old = next(base, None)
        elif new[0] < old[0]:
            yield "added", new[0]
            new = next(cur, None)
        else:
            yield ("unchanged" if old[1] == new[1] else "modified"), old[0]
            old, new = next(base, None), next(cur, None)
    # One side is exhausted; whatever is left on the other is one-sided.
    yield from _drain("removed", old, base)
    yield from _drain("added", new, cur)


def _drain(
    status: str, pending: tuple[Key, str] | None, rest: Iterator[tuple[Key, str]]
) -> Iterator[tuple[str, Key]]:
    if pending is not None:
        yield status, pending[0]
        for key, _hash in rest:
            yield status, key


def _checked(pairs: Iterable[tuple[Key, str]], side: str) -> Iterator[tuple[Key, str]]:
    """Pass ``pairs`` through, failing loudly on disorder: a merge join would silently
    mismatch keys and report phantom added/removed policies."""
    previous: Key | None = None
    for pair in pairs:
        key = pair[0]
        if previous is not None and not previous < key:
            problem = "duplicate key" if key == previous else "keys not sorted"
            raise ValueError(f"{side}: {problem}: {previous!r} then {key!r}")
        previous = key
        yield pair


# --- setting level --------------------------------------------------------------------------

# Wrapper keys of settings-catalog and group-policy bodies: they name no setting.
STRUCTURAL = frozenset(
    {
        "settingInstance", "choiceSettingValue", "simpleSettingValue", "children",
        "choiceSettingCollectionValue", "simpleSettingCollectionValue",
        "groupSettingCollectionValue", "groupSettingValue", "settings", "definitionValues",
        "presentationValues", "assignments",
    }
)  # fmt: skip
# Inside these the "value" key is the setting's value, already named by its setting.
VALUE_HOLDERS = frozenset(
    {
        "choiceSettingValue", "simpleSettingValue", "choiceSettingCollectionValue",
        "simpleSettingCollectionValue", "presentationValues",
    }
)  # fmt: skip
_ABSENT = object()
FILTER_KEYS = (
    "deviceAndAppManagementAssignmentFilterId",
    "deviceAndAppManagementAssignmentFilterType",
)


@dataclass(frozen=True, slots=True)
class _Where:
    """Where the walk is: the key holding the value, the names so far, the raw id, the area."""

    parent_key: Any
    trail: tuple[str, ...]
    ref: str
    area: str
    names: dict[str, str]

    def into(self, key: Any, name: str | None, ref: str | None = None) -> _Where:
        trail = (*self.trail, name) if name else self.trail
        area = "assignment" if key == "assignments" else self.area
        return _Where(key, trail, ref if ref is not None else self.ref, area, self.names)


def diff_settings(before: Any, after: Any) -> list[SettingChange]:
    """List the setting-level changes that turn ``before`` into ``after``.

    Dicts are compared key by key (sorted). Arrays named in
    ``inventory.identity.RULES`` are matched element to element by identity
    (settings by ``settingDefinitionId``, assignments by target, ...), so order
    never matters there; other arrays index by index. Microsoft metadata
    (``identity.is_metadata``) is skipped. A change of type -- dict, list or
    scalar, and also between int, bool, float and str (``1`` is not ``True``
    here) -- is one ``changed`` with the whole values. Each change carries a
    ``label`` a person reads (``Firewall › Enable firewall``), the raw id
    beside it (``ref``) and its ``area`` (``setting`` or ``assignment``);
    assignment changes come first.

    Masked secrets: if either side of a comparison is ``MASKED_SECRET`` nothing is
    reported, not even masked -> plain or plain -> masked. A plain value next to
    a masked one may be the same secret read differently, so it cannot be called
    drift; a real switch of encryption still shows through its sibling settings
    (e.g. ``isEncrypted``). An added or removed masked value is skipped likewise.
    A policy can therefore have a different hash and no changes.
    """
    changes: list[SettingChange] = []
    where = _Where(None, (), "", "setting", setting_names(before, after))
    _diff(before, after, (), changes, where)
    return sorted(changes, key=lambda change: change.area != "assignment")


def _diff(before: Any, after: Any, path: Path, out: list[SettingChange], where: _Where) -> None:
    if secrets.is_secret_marker(before) or secrets.is_secret_marker(after):
        if secrets.secret_changed(before, after):
            # No before/after: a fingerprint is nobody's business, the value was never stored.
            out.append(_change(path, "secret_changed", None, None, where))
        return
    kind = _kind(before)
    if kind is not _kind(after):
        out.append(_change(path, "changed", before, after, where))
    elif kind is dict:
        _diff_dicts(before, after, path, out, where)
    elif kind is list:
        rule = rule_for(where.parent_key)
        if rule is None:
            _diff_lists(before, after, path, out, where)
        else:
            _diff_identified(before, after, path, out, where, rule)
    elif before != after:
        out.append(_change(path, "changed", before, after, where))


def _diff_dicts(
    before: dict[str, Any], after: dict[str, Any], path: Path, out: list[SettingChange],
    where: _Where,
) -> None:  # fmt: skip
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key, _ABSENT), after.get(key, _ABSENT)
        if type(old) is type(new) and not isinstance(old, dict | list) and old == new:
            continue  # the common case, decided before any name is built
        if is_metadata(where.parent_key, key):
            continue
        inner = where.into(key, _key_name(where, key))
        if key not in after:
            _report(out, (*path, key), "removed", before[key], None, inner)
        elif key not in before:
            _report(out, (*path, key), "added", None, after[key], inner)
        else:
            _diff(before[key], after[key], (*path, key), out, inner)


def _key_name(where: _Where, key: str) -> str | None:
    if key in STRUCTURAL or where.parent_key in ("target", "definition", "presentation"):
        return None
    if key in ("value", "values") and where.parent_key in VALUE_HOLDERS:
        return None
    return humanize(key)


def _diff_lists(
    before: list[Any], after: list[Any], path: Path, out: list[SettingChange], where: _Where
) -> None:
    for index, (old, new) in enumerate(zip(before, after, strict=False)):
        _diff(old, new, (*path, index), out, where)
    # At most one of these two loops runs: the shorter list decides.
    for index in range(len(after), len(before)):
        _report(out, (*path, index), "removed", before[index], None, where)
    for index in range(len(before), len(after)):
        _report(out, (*path, index), "added", None, after[index], where)


def _diff_identified(
    before: list[Any], after: list[Any], path: Path, out: list[SettingChange], where: _Where,
    rule: Rule,
) -> None:  # fmt: skip
    """Match elements by identity: equal ones first, then the rest of each identity in order."""
    key = where.parent_key
    for segment, old, new in _matched(before, after, rule):
        element = new if new is not None else old
        name, ref = element_label(key, element, where.names, where.ref)
        inner = where.into(key, name if key != "assignments" else None, ref or None)
        place = (*path, segment)
        if key == "assignments":
            _diff_assignment(old, new, place, out, inner)
        elif old is None:
            _report(out, place, "added", None, new, inner)
        elif new is None:
            _report(out, place, "removed", old, None, inner)
        else:
            _diff(old, new, place, out, inner)


def _matched(
    before: list[Any], after: list[Any], rule: Rule
) -> Iterator[tuple[PathSegment, Any, Any]]:
    groups: dict[Any, tuple[list[int], list[int]]] = {}
    for side, items in ((0, before), (1, after)):
        for index, item in enumerate(items):
            ident = identity_of(rule, item)
            groups.setdefault(ident, ([], []))[side].append(index)
    for ident, (olds, news) in groups.items():
        olds, news = _drop_equal(olds, news, before, after)
        for position, (old, new) in enumerate(itertools.zip_longest(olds, news)):
            segment = _segment(ident, position, old if new is None else new)
            yield (
                segment,
                before[old] if old is not None else None,
                after[new] if new is not None else None,
            )


def _drop_equal(
    olds: list[int], news: list[int], before: list[Any], after: list[Any]
) -> tuple[list[int], list[int]]:
    if not olds or not news:
        return olds, news
    if len(olds) == len(news) == 1:  # the common case: one element per identity
        return olds, news
    pending: dict[str, list[int]] = {}
    for index in news:
        pending.setdefault(canonical(comparable(after[index])), []).append(index)
    left = []
    for index in olds:
        same = pending.get(canonical(comparable(before[index])))
        if same:
            same.pop(0)
        else:
            left.append(index)
    return left, sorted(i for rest in pending.values() for i in rest)


def _segment(ident: Any, position: int, index: int) -> PathSegment:
    """``[settingDefinitionId]`` for an identified element (``#2`` for a repeated identity);
    the list index where the element has no identity of its own."""
    if ident is None:
        return index
    found = ident[1]
    text = ":".join(str(p).rsplit(".", 1)[-1] for p in found) if isinstance(found, tuple) else found
    return f"[{text}]" if position == 0 else f"[{text}]#{position + 1}"


def _diff_assignment(
    old: Any, new: Any, path: Path, out: list[SettingChange], where: _Where
) -> None:
    """Assignments in words: added/removed targets, a changed filter, other changes by name."""
    target = (new if new is not None else old).get("target") if isinstance(new or old, dict) else {}
    words = target_words(target)
    if old is None or new is None:
        verb = "added" if old is None else "removed"
        _report(out, path, verb, old, new, where, label=f"{verb} {words}")
        return
    inner: list[SettingChange] = []
    _diff(old, new, path, inner, where.into("assignment", f"Assignment {words}"))
    filters = [c for c in inner if c.path[-1:] and c.path[-1] in FILTER_KEYS]
    if filters:
        before, after = filter_words(old.get("target")), filter_words(new.get("target"))
        out.append(
            SettingChange((*path, "target", "filter"), "changed", before, after,
                          label=f"filter changed on {words}", ref=where.ref, area="assignment")
        )  # fmt: skip
    out.extend(c for c in inner if c not in filters)


def _change(
    path: Path, kind: str, before: Any, after: Any, where: _Where, *, label: str | None = None
) -> SettingChange:
    text = label if label is not None else " › ".join(where.trail)
    return SettingChange(path, kind, before, after, label=text, ref=where.ref, area=where.area)


def _report(
    out: list[SettingChange], path: Path, kind: str, before: Any, after: Any, where: _Where,
    *, label: str | None = None,
) -> None:  # fmt: skip
    if not (_is_masked(before) or _is_masked(after)):
        out.append(_change(path, kind, before, after, where, label=label))


def _is_masked(value: Any) -> bool:
    return isinstance(value, str) and value == MASKED_SECRET


def _kind(value: Any) -> type:
    """The comparison type: exact for scalars, so that ``1``, ``True`` and ``1.0`` differ."""
    if isinstance(value, dict):
        return dict
    if isinstance(value, list):
        return list
    return type(value)


# --- replay ---------------------------------------------------------------------------------


def apply_changes(before: Any, changes: Iterable[SettingChange]) -> Any:
    """Return a copy of ``before`` with ``changes`` applied (``before`` is not mutated).

    ``apply_changes(a, diff_settings(a, b)) == b`` whenever neither contains
    ``MASKED_SECRET`` nor an array with an identity rule (inventory.identity.RULES).
    ``changed`` values are set first; then removals run from the highest path down,
    so list indices do not shift under each other; then additions in ascending
    order, so list elements are appended in turn. A path that does not fit the
    value raises ``ValueError``.
    """
    # A secret's change cannot be replayed: its value was never stored.
    pending = [change for change in changes if change.kind != "secret_changed"]
    result = copy.deepcopy(before)
    for change in (c for c in pending if c.kind == "changed"):
        result = _set(result, change.path, change.after)
    for change in sorted(_of_kind(pending, "removed"), key=_path_order, reverse=True):
        _delete(result, change.path)
    for change in sorted(_of_kind(pending, "added"), key=_path_order):
        _insert(result, change.path, change.after)
    return result


def _of_kind(changes: list[SettingChange], kind: str) -> list[SettingChange]:
    return [change for change in changes if change.kind == kind]


def _path_order(change: SettingChange) -> tuple[tuple[bool, PathSegment], ...]:
    # Tag each segment so a str never meets an int in the comparison.
    return tuple((isinstance(segment, str), segment) for segment in change.path)


def _set(root: Any, path: Path, value: Any) -> Any:
    if not path:
        return copy.deepcopy(value)
    parent = _parent(root, path)
    if not _has(parent, path[-1]):
        raise ValueError(f"path {path!r}: nothing to change")
    parent[path[-1]] = copy.deepcopy(value)
    return root


def _delete(root: Any, path: Path) -> None:
    parent = _parent(root, path)
    if not _has(parent, path[-1]):
        raise ValueError(f"path {path!r}: nothing to remove")
    del parent[path[-1]]


def _insert(root: Any, path: Path, value: Any) -> None:
    parent, segment = _parent(root, path), path[-1]
    # Strict, like _set and _delete: a clash means the changes belong to another value.
    if _has(parent, segment):
        raise ValueError(f"path {path!r}: already present")
    if isinstance(parent, list):
        # A gap can only be masked elements, which diff_settings never reports.
        parent.extend([MASKED_SECRET] * (int(segment) - len(parent)))
        parent.append(copy.deepcopy(value))
    else:
        parent[segment] = copy.deepcopy(value)


def _parent(root: Any, path: Path) -> Any:
    """The dict or list that holds ``path[-1]``, checked to be indexable by it."""
    if not path:
        raise ValueError("the root can only be changed, not added or removed")
    node = root
    for segment in path[:-1]:
        _check_segment(node, segment, path)
        if not _has(node, segment):
            raise ValueError(f"path {path!r} does not exist")
        node = node[segment]
    _check_segment(node, path[-1], path)
    return node


def _has(container: Any, segment: Any) -> bool:
    if isinstance(container, dict):
        return segment in container
    return bool(segment < len(container))


def _check_segment(node: Any, segment: PathSegment, path: Path) -> None:
    """Dicts take str keys, lists non-negative int indices (bool is an int, but not one)."""
    if isinstance(node, dict) and isinstance(segment, str):
        return
    if isinstance(node, list) and type(segment) is int and segment >= 0:
        return
    raise ValueError(f"path {path!r} does not fit the value")
