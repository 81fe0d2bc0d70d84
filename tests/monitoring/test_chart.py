"""The chart's geometry: one bar per day, stacked by bucket, scaled to the busiest day."""

from datetime import date, timedelta

from monitoring.chart import BOTTOM, HEIGHT, MIN_SEGMENT, TOP, build_chart
from monitoring.selectors import RunStats
from monitoring.timerange import Window

DAY = date(2026, 3, 15)


def stats(per_day: dict[date, dict[str, int]]) -> RunStats:
    return RunStats(Window(DAY - timedelta(days=6), DAY, "last 7 days"), per_day)


def test_one_bar_per_day_even_without_runs() -> None:
    chart = build_chart(stats({}))

    assert len(chart.bars) == 7 and chart.empty


def test_the_busiest_day_fills_the_plot_and_segments_stack() -> None:
    chart = build_chart(
        stats({DAY: {"succeeded": 6, "failed": 2}, DAY - timedelta(days=1): {"failed": 4}})
    )

    today = chart.bars[-1]
    ok, bad = today.segments
    assert chart.peak == 8 and today.total == 8
    assert (ok.bucket, bad.bucket) == ("succeeded", "failed")
    assert ok.height + bad.height == HEIGHT - TOP - BOTTOM
    assert bad.y + bad.height == ok.y  # failed sits on top of succeeded
    assert chart.bars[-2].segments[0].height == (HEIGHT - TOP - BOTTOM) / 2


def test_a_bucket_filter_draws_only_that_bucket() -> None:
    chart = build_chart(stats({DAY: {"succeeded": 6, "failed": 2}}), bucket="failed")

    assert [s.bucket for s in chart.bars[-1].segments] == ["failed"]
    assert chart.peak == 2
    assert [label for label, _ in chart.legend] == ["Failed"]


def test_day_labels_stay_readable_on_long_windows() -> None:
    window = Window(DAY - timedelta(days=91), DAY, "long")

    chart = build_chart(RunStats(window, {}))

    assert 6 <= sum(1 for bar in chart.bars if bar.label) <= 9
    assert chart.bars[0].label and chart.bars[-1].label


def test_quiet_days_stay_visible_beside_a_busy_one() -> None:
    chart = build_chart(
        stats({
            DAY: {"succeeded": 1000},
            DAY - timedelta(days=1): {"succeeded": 1},
            DAY - timedelta(days=2): {"succeeded": 2},
            DAY - timedelta(days=3): {"succeeded": 996, "partially_succeeded": 1, "failed": 1,
                                      "running": 1, "queued": 1},
        })
    )  # fmt: skip

    busy, one, two = chart.bars[-1], chart.bars[-2], chart.bars[-3]
    mixed = chart.bars[-4]
    assert busy.segments[0].height == HEIGHT - TOP - BOTTOM
    # Linear, one run would be 0.13 px high: drawn at the minimum instead.
    assert one.segments[0].height == MIN_SEGMENT
    assert two.segments[0].height >= one.segments[0].height
    # The lone failure of a busy day shows, and the stack still fits the plot.
    assert all(s.height >= MIN_SEGMENT for s in mixed.segments)
    assert sum(s.height for s in mixed.segments) <= HEIGHT - TOP - BOTTOM + 0.01
    assert mixed.segments[0].y >= TOP - 0.01 and mixed.segments[-1].y >= TOP - 0.01
