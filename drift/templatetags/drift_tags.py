"""Readable setting values for the findings page."""

from __future__ import annotations

import json
from typing import Any

from django import template

from inventory import secrets

register = template.Library()

VALUE_MAX = 240  # characters of a value shown before it is cut


@register.filter
def setting_value(value: Any) -> str:
    """A setting value as compact JSON, cut when long (the template escapes it).

    A withheld secret reads "secret (withheld)", never its fingerprint.
    """
    if secrets.is_secret_marker(value):
        return "secret (withheld)"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = secrets.FINGERPRINT_RE.sub('"secret (withheld)"', text)
    return text if len(text) <= VALUE_MAX else f"{text[: VALUE_MAX - 1]}…"
