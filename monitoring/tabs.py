"""The bucket tabs above the list, counted from the same stats as the chart."""

from __future__ import annotations

from dataclasses import dataclass

from monitoring.selectors import RunStats
from operations.models import StatusBucket

# Beyond this a tab says "1,000+": nobody needs the exact millions to pick a tab.
TAB_CAP = 1_000


def bounded(count: int, *, truncated: bool = False, cap: int = TAB_CAP) -> str:
    """``1,000+`` from the cap on; ``n+`` when the count is a lower bound (sample cut)."""
    if count >= cap:
        return f"{cap:,}+"
    return f"{count:,}+" if truncated else f"{count:,}"


@dataclass(frozen=True)
class Tab:
    bucket: str | None  # None: every bucket (the querystring tag drops the parameter)
    label: str
    count: str
    active: bool


def bucket_tabs(stats: RunStats, selected: str) -> list[Tab]:
    tabs = [Tab(None, "All", bounded(stats.total, truncated=stats.truncated), not selected)]
    for bucket in StatusBucket:
        count = bounded(stats.bucket_total(bucket), truncated=stats.truncated)
        tabs.append(Tab(bucket.value, bucket.label, count, selected == bucket))
    return tabs
