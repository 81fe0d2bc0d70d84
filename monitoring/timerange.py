"""Time ranges in the tenant's time zone: presets, inclusive days, and the chart window.

Every day boundary is a local midnight in the tenant's zone (``Tenant.time_zone``,
else the site's ``TIME_ZONE``), so "7 days" means the same seven calendar days
the person sees on the page, across DST changes too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tenantatlas.models import tenant_zone

__all__ = ["tenant_zone"]  # re-exported: the hub's views read it from here

RANGE_CHOICES = [("24h", "Last 24 hours"), ("7d", "Last 7 days"), ("30d", "Last 30 days")]
PRESET_DAYS = {"7d": 7, "30d": 30}
# With no range chosen, tabs and chart count this many recent days (labelled as such).
DEFAULT_WINDOW_DAYS = 30
# The chart (and so the tab counts) never spans more days than this.
MAX_WINDOW_DAYS = 92


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def local_today(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


def preset_start(preset: str, *, now: datetime, tz: ZoneInfo) -> datetime:
    """``24h`` is a rolling 24 hours; ``7d``/``30d`` start at local midnight 6/29 days ago."""
    if preset == "24h":
        return now - timedelta(hours=24)
    first_day = local_today(now, tz) - timedelta(days=PRESET_DAYS[preset] - 1)
    return local_midnight(first_day, tz)


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """``created_after``: from that day's local midnight."""
    return local_midnight(day, tz)


def day_end(day: date, tz: ZoneInfo) -> datetime:
    """``created_before`` is inclusive of the whole day: before the next local midnight."""
    return local_midnight(day + timedelta(days=1), tz)


@dataclass(frozen=True)
class Window:
    """The days the chart shows and the tabs count: ``first_day`` … ``last_day`` inclusive."""

    first_day: date
    last_day: date
    label: str
    capped: bool = False  # a longer range was cut to its last MAX_WINDOW_DAYS days

    @property
    def days(self) -> list[date]:
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=n) for n in range(count)]

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        return local_midnight(self.first_day, tz), day_end(self.last_day, tz)


def chart_window(
    *,
    preset: str | None,
    after: date | None,
    before: date | None,
    now: datetime,
    tz: ZoneInfo,
) -> Window:
    """The window of the chart and the tabs for the list's time filters (see docs/hub.md)."""
    today = local_today(now, tz)
    last = before or today
    if preset:
        last = min(last, today)
        first = preset_start(preset, now=now, tz=tz).astimezone(tz).date()
        first = max(first, after) if after else first
    else:
        first = after or last - timedelta(days=DEFAULT_WINDOW_DAYS - 1)
    first = min(first, last)
    capped = (last - first).days + 1 > MAX_WINDOW_DAYS
    if capped:
        first = last - timedelta(days=MAX_WINDOW_DAYS - 1)
    return Window(first, last, _label(preset, after, before, first, last), capped)


def _label(
    preset: str | None, after: date | None, before: date | None, first: date, last: date
) -> str:
    if preset and not (after or before):
        return dict(RANGE_CHOICES)[preset].lower()
    if not (preset or after or before):
        return f"the last {DEFAULT_WINDOW_DAYS} days"
    return f"{first.isoformat()} to {last.isoformat()}"
