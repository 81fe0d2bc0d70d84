"""Failure text shown by the hub: sanitized again on display, remembered when short."""

from __future__ import annotations

import pytest

from monitoring import shown as shown_module
from monitoring.shown import CACHED_TEXT_LENGTH, shown
from operations.sanitize import sanitize

SECRET = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


@pytest.mark.parametrize("max_length", [500, 200, 20])
def test_it_answers_what_the_sanitizer_answers(max_length: int) -> None:
    text = f"Graph said 401 for {SECRET} (request-id: abc-123)"

    assert shown(text, max_length=max_length) == sanitize(text, max_length=max_length)
    assert "eyJhbGci" not in shown(text, max_length=max_length)


def test_a_short_text_is_sanitized_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def counting(text: object, *, max_length: int) -> str:
        calls.append(str(text))
        return sanitize(text, max_length=max_length)

    monkeypatch.setattr(shown_module, "sanitize", counting)
    shown_module._remembered.cache_clear()
    text = f"token {SECRET} once"

    first, again = shown(text), shown(text)

    assert first == again and "eyJhbGci" not in first
    assert calls == [text]


def test_long_texts_and_other_values_are_not_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []

    def counting(text: object, *, max_length: int) -> str:
        calls.append(text)
        return sanitize(text, max_length=max_length)

    monkeypatch.setattr(shown_module, "sanitize", counting)
    shown_module._remembered.cache_clear()
    long_text = "x" * (CACHED_TEXT_LENGTH + 1) + SECRET
    error = ValueError(SECRET)

    for _ in range(2):
        shown(long_text)
        shown(error)

    assert calls == [long_text, error, long_text, error]
    assert shown(None) == ""
