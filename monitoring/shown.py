"""Stored failure text, sanitized again for display, at the cost of a lookup when seen before.

Failure entries are sanitized when they are stored; the hub sanitizes them
again on the way out (defence in depth: a rule added since then applies to
old rows too). That second pass was most of a run's page: ~1 ms per text
here, 400 texts for the JSON detail of a run with 200 failures (message and
item each), 50 to 100 for a page of the hub's detail. ``sanitize`` is a pure
function of the text and the length, so what was shown once is remembered,
per process, for short texts (stored ones are at most a few hundred
characters): a page that polls or is opened again pays only the first time.
"""

from __future__ import annotations

from functools import lru_cache

from operations.sanitize import DEFAULT_MAX_LENGTH, sanitize

# Longer texts are sanitized every time (they are not what the hub stores), so
# the cache stays below ~4,096 × 2 × 2 KB.
CACHED_TEXT_LENGTH = 2048


def shown(text: object, *, max_length: int = DEFAULT_MAX_LENGTH) -> str:
    """``sanitize(text, max_length=…)``, remembered for short strings."""
    if isinstance(text, str) and len(text) <= CACHED_TEXT_LENGTH:
        return _remembered(text, max_length)
    return sanitize(text, max_length=max_length)


@lru_cache(maxsize=4096)
def _remembered(text: str, max_length: int) -> str:
    return sanitize(text, max_length=max_length)
