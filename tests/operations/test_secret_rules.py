"""gitleaks' vendored rules (operations.secret_rules): how many compile, and when they wake."""

from __future__ import annotations

from operations import secret_rules
from operations.sanitize import sanitize


def test_the_vendored_rules_compile() -> None:
    assert len(secret_rules.rules()) >= 100


def test_no_keyword_holds_the_redaction_marker() -> None:
    # The sanitizer matches keywords once per redaction and reuses the rules on the
    # text's redacted forms: only sound while "***" cannot complete a keyword.
    assert not [k for rule in secret_rules.rules() for k in rule.keywords if "*" in k]


def test_a_rule_wakes_exactly_when_one_of_its_keywords_is_in_the_text() -> None:
    text = "sync failed: key akia... and a slack token xoxb-1 and glpat- stuff".lower()
    expected = [
        rule
        for rule in secret_rules.rules()
        if not rule.keywords or any(k in text for k in rule.keywords)
    ]
    assert secret_rules.woken(text) == tuple(expected)
    assert {"slack-bot-token", "gitlab-pat"} <= {rule.id for rule in expected}


def test_a_provider_key_without_a_name_is_redacted() -> None:
    token = "glpat-" + "Ab3dEf6hIj9kLm2nOp5q"
    out = sanitize(f"push refused for {token} on the mirror")
    assert token not in out and "push refused for" in out
