"""``found(pattern, text)``: a regular expression's group that the test expects to be there.

Typed (``re.search`` may return None) and failing with the start of the text when the
pattern is missing, rather than with an AttributeError on None.
"""

from __future__ import annotations

import re


def found(pattern: str | re.Pattern[str], text: str, group: int = 1) -> str:
    match = re.search(pattern, text)
    assert match is not None, f"{pattern!r} not in {text[:300]!r}"
    return match.group(group)
