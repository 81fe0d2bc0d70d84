"""Day boundaries are local midnights in the tenant's zone; the chart window follows the filters."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitoring.timerange import (
    MAX_WINDOW_DAYS,
    Window,
    chart_window,
    day_end,
    day_start,
    preset_start,
    tenant_zone,
)
from tenantatlas.models import Tenant

PARIS = ZoneInfo("Europe/Paris")
# 10:30 in Paris on 15 March 2026 (UTC+1).
NOW = datetime(2026, 3, 15, 9, 30, tzinfo=UTC)


def test_24h_is_a_rolling_day() -> None:
    assert preset_start("24h", now=NOW, tz=PARIS) == NOW - timedelta(hours=24)


def test_7d_starts_at_local_midnight_six_days_ago() -> None:
    start = preset_start("7d", now=NOW, tz=PARIS)

    assert start == datetime(2026, 3, 9, 0, 0, tzinfo=PARIS)
    assert start.astimezone(UTC) == datetime(2026, 3, 8, 23, 0, tzinfo=UTC)


def test_30d_starts_at_local_midnight_twenty_nine_days_ago() -> None:
    assert preset_start("30d", now=NOW, tz=PARIS) == datetime(2026, 2, 14, tzinfo=PARIS)


def test_a_preset_uses_the_local_date_not_the_utc_date() -> None:
    late_evening_utc = datetime(2026, 3, 15, 23, 30, tzinfo=UTC)  # already 16 March in Paris

    assert preset_start("7d", now=late_evening_utc, tz=PARIS) == datetime(2026, 3, 10, tzinfo=PARIS)


def test_days_are_inclusive_and_follow_summer_time() -> None:
    # Paris moves its clocks forward on 29 March 2026: that day is 23 hours long.
    assert day_start(date(2026, 3, 29), PARIS) == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert day_end(date(2026, 3, 29), PARIS) == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)


def test_an_unknown_zone_name_falls_back_to_the_site_zone() -> None:
    assert tenant_zone(Tenant(time_zone="Mars/Olympus_Mons")).key == "UTC"
    assert tenant_zone(Tenant(time_zone="Europe/Paris")) == PARIS


def window(
    *, preset: str | None = None, after: date | None = None, before: date | None = None
) -> Window:
    return chart_window(preset=preset, after=after, before=before, now=NOW, tz=PARIS)


def test_without_a_range_the_window_is_the_last_30_days() -> None:
    w = window()

    assert (w.first_day, w.last_day) == (date(2026, 2, 14), date(2026, 3, 15))
    assert w.label == "the last 30 days"


@pytest.mark.parametrize(
    ("preset", "first"),
    [("24h", date(2026, 3, 14)), ("7d", date(2026, 3, 9)), ("30d", date(2026, 2, 14))],
)
def test_a_preset_window_ends_today(preset: str, first: date) -> None:
    w = window(preset=preset)

    assert (w.first_day, w.last_day) == (first, date(2026, 3, 15))


def test_custom_days_are_the_window() -> None:
    w = window(after=date(2026, 1, 1), before=date(2026, 1, 10))

    assert (w.first_day, w.last_day) == (date(2026, 1, 1), date(2026, 1, 10))
    assert len(w.days) == 10


def test_only_an_end_day_shows_the_30_days_before_it() -> None:
    w = window(before=date(2026, 1, 10))

    assert (w.first_day, w.last_day) == (date(2025, 12, 12), date(2026, 1, 10))


def test_a_long_range_is_capped_to_its_latest_days() -> None:
    w = window(after=date(2020, 1, 1))

    assert w.capped
    assert len(w.days) == MAX_WINDOW_DAYS
    assert w.last_day == date(2026, 3, 15)


def test_a_preset_and_custom_days_intersect() -> None:
    w = window(preset="30d", after=date(2026, 3, 1), before=date(2026, 3, 5))

    assert (w.first_day, w.last_day) == (date(2026, 3, 1), date(2026, 3, 5))
