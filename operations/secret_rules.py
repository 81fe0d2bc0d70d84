r"""Provider-prefixed secrets by gitleaks' published rules, not by a word list of our own.

``operations/rules/gitleaks.toml`` is gitleaks' default ruleset, copied
unchanged from https://github.com/gitleaks/gitleaks (``config/gitleaks.toml``
at commit b58d3f102cf3a2c84cb7f923d05c25c9b1aed84b, MIT licence in
``operations/rules/GITLEAKS-LICENSE``). To update: copy a newer file over it;
``tests/operations/test_secret_rules.py`` says how many rules compile.

Each rule has keywords; a rule runs only when one of them is in the text, so
two hundred rules cost a few substring checks on ordinary failure text.
Go's RE2 syntax is translated where Python's differs (a ``(?i)`` that is not
at the start applies to the whole pattern here, which only widens a match).
Used: the rules that recognise a secret by its own shape (a provider prefix,
a fixed layout: AKIA…, AIza…, sk_live_…, ghp_…, xox…, glpat-…). Left out on
purpose: the "contextual" rules that find ``<provider word> … = value`` (they
open with ``[\w.-]{0,50}?`` and are linear in RE2 but super-linear in
Python's backtracking engine: seconds on hostile input); the sanitizer's own
name/value rules cover that form. Also left out: rules with only a file path.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any

RULES_FILE = Path(__file__).parent / "rules" / "gitleaks.toml"
SKIPPED_RULES = frozenset({"generic-api-key"})
CONTEXTUAL = r"[\w.-]{0,50}?"
REDACTED = "***"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    keywords: tuple[str, ...]
    pattern: re.Pattern[str]
    group: int
    entropy: float


def _translate(pattern: str) -> tuple[str, int]:
    flags = 0
    body = pattern.replace("[[:alnum:]]", "[A-Za-z0-9]").replace(r"\z", r"\Z")
    if body.startswith("(?i)"):
        body, flags = body[4:], re.IGNORECASE
    if "(?i)" in body:
        body, flags = body.replace("(?i)", ""), re.IGNORECASE
    return body, flags


def _rule(raw: dict[str, Any]) -> Rule | None:
    regex, rule_id = raw.get("regex"), str(raw.get("id", ""))
    if not isinstance(regex, str) or rule_id in SKIPPED_RULES or CONTEXTUAL in regex:
        return None
    body, flags = _translate(regex)
    try:
        pattern = re.compile(body, flags)
    except re.error:
        return None
    keywords = tuple(str(k).lower() for k in raw.get("keywords") or [])
    group = min(int(raw.get("secretGroup", 1 if pattern.groups else 0)), pattern.groups)
    return Rule(rule_id, keywords, pattern, group, float(raw.get("entropy", 0)))


@cache
def rules() -> tuple[Rule, ...]:
    with RULES_FILE.open("rb") as handle:
        raw = tomllib.load(handle)
    return tuple(rule for rule in map(_rule, raw.get("rules", [])) if rule is not None)


def shannon_entropy(text: str) -> float:
    """Bits per character, as gitleaks and detect-secrets compute it."""
    if not text:
        return 0.0
    counts, size = Counter(text), len(text)
    return -sum(n / size * math.log2(n / size) for n in counts.values())


@cache
def _keyword_index() -> dict[str, tuple[Rule, ...]]:
    """Each rule keyword and the rules it wakes."""
    by_keyword: dict[str, list[Rule]] = {}
    for rule in rules():
        for keyword in rule.keywords or ("",):
            by_keyword.setdefault(keyword, []).append(rule)
    return {keyword: tuple(woken) for keyword, woken in by_keyword.items()}


def woken(folded: str) -> tuple[Rule, ...]:
    """The rules (in the file's order) with a keyword in ``folded``, the lowercased text.

    Redaction only ever puts ``***`` where text was, and no keyword holds a ``*``,
    so the rules woken for a text are the ones to run on its redacted forms too.
    """
    seen: set[str] = set()
    for keyword, rules_of_keyword in _keyword_index().items():
        if keyword in folded:  # C substring search
            seen.update(rule.id for rule in rules_of_keyword)
    return tuple(rule for rule in rules() if rule.id in seen)


def redact_provider_secrets(text: str, rules_to_run: tuple[Rule, ...]) -> str:
    """``text`` with every match of ``rules_to_run`` (see :func:`woken`) replaced by ``***``."""
    for rule in rules_to_run:
        text = rule.pattern.sub(partial(_replace, rule=rule), text)
    return text


def _replace(match: re.Match[str], rule: Rule) -> str:
    secret = match.group(rule.group) if rule.group else match.group(0)
    if not secret or secret == REDACTED or REDACTED in secret:
        return match.group(0)
    if rule.entropy and shannon_entropy(secret) < rule.entropy:
        return match.group(0)
    start, end = match.span(rule.group)
    offset = match.start()
    whole = match.group(0)
    return whole[: start - offset] + REDACTED + whole[end - offset :]
