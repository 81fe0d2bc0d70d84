"""Readable setting values for the findings page."""

from __future__ import annotations

import json
from typing import Any

from django import template

register = template.Library()

VALUE_MAX = 240  # characters of a value shown before it is cut


@register.filter
def setting_value(value: Any) -> str:
    """A setting value as compact JSON, cut when long (the template escapes it)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= VALUE_MAX else f"{text[: VALUE_MAX - 1]}…"
