"""The bucket tabs above the list, counted from the same stats (the run rollup) as the chart."""

from __future__ import annotations

from dataclasses import dataclass

from monitoring.selectors import RunStats
from operations.models import StatusBucket

# Beyond this a tab says "1,000+": nobody needs the exact millions to pick a tab.
TAB_CAP = 1_000


def bounded(count: int, *, cap: int = TAB_CAP) -> str:
    """``1,000+`` from the cap on."""
    return f"{cap:,}+" if count >= cap else f"{count:,}"


@dataclass(frozen=True)
class Tab:
    bucket: str | None  # None: every bucket (the querystring tag drops the parameter)
    label: str
    count: str
    active: bool


def bucket_tabs(stats: RunStats, selected: str) -> list[Tab]:
    tabs = [Tab(None, "All", bounded(stats.total), not selected)]
    for bucket in StatusBucket:
        count = bounded(stats.bucket_total(bucket))
        tabs.append(Tab(bucket.value, bucket.label, count, selected == bucket))
    return tabs
