"""Runs per day by bucket, as the geometry of a server-rendered SVG (no JavaScript).

One stacked bar per local day of the window; the template draws the
rectangles. When the list is filtered to one bucket only that bucket is drawn,
so the chart shows what the list shows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from html import escape

from django.utils.safestring import SafeString, mark_safe

from monitoring.selectors import RunStats
from operations.models import StatusBucket

WIDTH = 720
HEIGHT = 160
TOP = 8  # room above the tallest bar
BOTTOM = 20  # room for the day labels
PLOT = HEIGHT - TOP - BOTTOM
# A linear scale turns a quiet day (1 run beside a 1,000-run day) into a
# sub-pixel bar nobody sees; every non-empty segment is drawn at least this
# tall, so "something ran" always shows. Counts stay exact in the tooltip.
MIN_SEGMENT = 3.0
# Bottom to top: the outcomes first, then what is still in flight.
STACK_ORDER = [
    StatusBucket.SUCCEEDED,
    StatusBucket.PARTIALLY_SUCCEEDED,
    StatusBucket.FAILED,
    StatusBucket.RUNNING,
    StatusBucket.QUEUED,
]
COLOURS = {
    StatusBucket.SUCCEEDED: "var(--ok)",
    StatusBucket.PARTIALLY_SUCCEEDED: "#d49b1f",
    StatusBucket.FAILED: "var(--bad)",
    StatusBucket.RUNNING: "var(--run)",
    StatusBucket.QUEUED: "#9aa3b2",
}


@dataclass(frozen=True)
class Segment:
    bucket: str
    label: str
    count: int
    y: float
    height: float
    colour: str


@dataclass(frozen=True)
class Bar:
    day: date
    x: float
    width: float
    total: int
    segments: list[Segment]
    label: str  # shown under some bars only (first, last, and evenly between)
    anchor: str = "middle"  # the first and last labels hug the edges instead of being cut

    @property
    def rects(self) -> str:
        """The bar's stacked rectangles as SVG markup (numbers, and colours and buckets
        from the constants above: nothing to escape)."""
        return "".join(
            f'<rect x="{self.x}" y="{s.y}" width="{self.width}" height="{s.height}" '
            f'fill="{s.colour}" data-bucket="{s.bucket}" data-count="{s.count}"/>'
            for s in self.segments
        )

    def svg(self, label_y: int) -> str:
        """The bar's ``<g>``, formatted once here: the template's per-value rendering and
        number localisation of 30 bars cost more than the rest of the chart."""
        label = (
            f'<text x="{self.label_x}" y="{label_y}" text-anchor="{self.anchor}" font-size="11" '
            f'class="label">{escape(self.label)}</text>'
            if self.label
            else ""
        )
        return (
            f'<g data-day="{self.day_iso}" data-total="{self.total}">\n'
            f"          <title>{escape(self.title)}</title>\n"
            f"          {self.rects}\n"
            f"          {label}\n"
            "        </g>"
        )

    @property
    def day_iso(self) -> str:
        return self.day.isoformat()

    @property
    def title(self) -> str:
        """``Sun 15 Mar: 8 runs, 6 succeeded, 2 failed`` (the bar's tooltip)."""
        runs = f"{self.total} run{'' if self.total == 1 else 's'}"
        parts = "".join(f", {s.count} {s.label.lower()}" for s in self.segments)
        return f"{self.day:%a} {self.day.day} {self.day:%b}: {runs}{parts}"

    @property
    def label_x(self) -> float:
        offsets = {"start": 0.0, "middle": self.width / 2, "end": self.width}
        return round(self.x + offsets[self.anchor], 2)


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    peak: int
    width: int = WIDTH
    height: int = HEIGHT
    baseline: int = HEIGHT - BOTTOM
    legend: tuple[tuple[str, str], ...] = ()

    @property
    def empty(self) -> bool:
        return self.peak == 0

    @property
    def label_y(self) -> int:
        return self.height - 4

    @property
    def bars_svg(self) -> SafeString:
        return mark_safe("\n        ".join(bar.svg(self.label_y) for bar in self.bars))  # noqa: S308 - built from numbers and escaped text


def build_chart(stats: RunStats, bucket: str = "") -> Chart:
    buckets = [b for b in STACK_ORDER if not bucket or b == bucket]
    days = stats.window.days
    totals = {day: sum(stats.per_day.get(day, {}).get(b, 0) for b in buckets) for day in days}
    peak = max(totals.values(), default=0)
    slot = WIDTH / max(len(days), 1)
    every = max(1, len(days) // 6)  # at most about seven day labels
    last = len(days) - 1
    bars = [
        _bar(stats, buckets, day, index * slot, slot, peak, index % every == 0 or index == last)
        for index, day in enumerate(days)
    ]
    if len(bars) > 1:
        bars[0] = replace(bars[0], anchor="start")
        bars[-1] = replace(bars[-1], anchor="end")
    legend = tuple((StatusBucket(b).label, COLOURS[b]) for b in buckets)
    return Chart(bars=bars, peak=peak, legend=legend)


def _bar(
    stats: RunStats, buckets: list[StatusBucket], day: date, x: float, slot: float, peak: int,
    labelled: bool,
) -> Bar:  # fmt: skip
    scale = PLOT / peak if peak else 0
    counts = [(b, stats.per_day.get(day, {}).get(b, 0)) for b in buckets]
    counts = [(b, count) for b, count in counts if count]
    heights = _visible_heights([count * scale for _, count in counts])
    y = float(HEIGHT - BOTTOM)
    segments = []
    for (bucket, count), height in zip(counts, heights, strict=True):
        y -= height
        segments.append(
            Segment(bucket, StatusBucket(bucket).label, count, round(y, 2), round(height, 2),
                    COLOURS[bucket])
        )  # fmt: skip
    return Bar(
        day=day,
        x=round(x + slot * 0.15, 2),
        width=round(slot * 0.7, 2),
        total=sum(s.count for s in segments),
        segments=segments,
        label=day.strftime("%b %-d") if labelled else "",
    )


def _visible_heights(heights: list[float]) -> list[float]:
    """Raise each segment to ``MIN_SEGMENT``; a bar that then overflows the plot
    takes the excess from its tallest segment, so the busiest day still fits."""
    raised = [max(height, MIN_SEGMENT) for height in heights]
    excess = sum(raised) - max(PLOT, sum(heights))
    if excess > 0:
        tallest = raised.index(max(raised))
        raised[tallest] -= excess
    return raised
