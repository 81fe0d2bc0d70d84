"""Small display helpers for the hub's templates."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import template
from django.utils import dateformat, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from monitoring.progress import Progress, progress_for
from monitoring.shown import shown
from operations.models import OperationRun, RunFailure, StatusBucket
from operations.registry import count_labels_for, label_for

register = template.Library()


@register.filter
def progress(run: OperationRun) -> Progress:
    return progress_for(run)


@register.filter
def count_labels(run: OperationRun) -> dict[str, str]:
    """The run type's words for its counts (drift says findings and unchanged)."""
    return count_labels_for(run.run_type)


@register.filter
def run_label(run: OperationRun) -> str:
    return label_for(run.run_type)


@register.filter
def bucket_label(run: OperationRun) -> str:
    """The generated column has no ``get_…_display``; its choices live on the output field."""
    return StatusBucket(run.status_bucket).label if run.status_bucket else ""


@register.filter
def duration(value: timedelta | None) -> str:
    """``850 ms``, ``42 s``, ``3 min 05 s``, ``2 h 07 min``; an em dash when unknown."""
    if value is None:
        return "—"
    seconds = max(value.total_seconds(), 0.0)
    if seconds < 1:
        return f"{int(seconds * 1000)} ms"
    whole = int(seconds)
    if whole < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


@register.filter
def context_value(value: Any) -> str:
    """Context values as text; the template escapes it like any other text."""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


@register.filter
def sanitized(text: object) -> str:
    """Failure text is sanitized when stored; again on display (remembered: monitoring/shown.py)."""
    return shown(text)


# Read from the stored (already sanitized) message, not from sanitizer
# internals: "request-id: <id>" / "client-request-id: <id>" as the Graph
# source writes them. The hint asking for the id is the taxonomy's wording.
_SUPPORT_ID_RE = re.compile(r"\b(client-request-id|request-id)\s*[:=]\s*([0-9A-Za-z][\w.-]{0,79})")
_ASKS_FOR_ID_RE = re.compile(r"\brequest[ -]id\b", re.IGNORECASE)


@dataclass(frozen=True)
class SupportIds:
    asked: bool  # the message's hint asks the reader to report a request id
    ids: list[tuple[str, str]]  # (name, value), request-id first, as stored


@register.filter
def support_ids(text: object) -> SupportIds:
    """The request ids a failure message kept, and whether its hint asks for one."""
    message = shown(text)
    ids = [(m.group(1), m.group(2)) for m in _SUPPORT_ID_RE.finditer(message)]
    hint = message.partition(" Hint: ")[2]
    return SupportIds(asked=bool(_ASKS_FOR_ID_RE.search(hint)), ids=ids)


@register.filter
def failure_row(failure: RunFailure) -> SafeString:
    """One failure's ``<tr>``, built in Python: fifty rows of template variables and
    filters were most of a run's page. The markup is what the template wrote
    (``tests/monitoring/test_run_detail.py`` holds it equal), every value escaped."""
    created = failure.created_at
    when = dateformat.format(timezone.localtime(created), "M j, H:i:s") if created else ""
    item = sanitized(failure.item) or "—"
    support = support_ids(failure.message)
    request_id = ""
    if support.asked:
        if support.ids:
            listed = ", ".join(
                f"{escape(name)} <code>{escape(value)}</code>" for name, value in support.ids
            )
            said = f"Id to report: {listed}"
        else:
            said = "Microsoft Graph returned no request id for this entry."
        request_id = f'<br><span class="small" data-testid="request-id">{said}</span>'
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<tr><td class="small" data-label="When">{escape(when)}</td>'
        f'<td data-label="Code"><code>{escape(failure.code)}</code></td>'
        f'<td data-label="Item">{escape(item)}</td>'
        f'<td data-label="Message">{escape(sanitized(failure.message))}{request_id}</td></tr>'
    )
