"""The numbers behind a progress bar, for one run.

Widths are exact shares of the total (green succeeded, red failed, grey
skipped). The percentage shown is the share of items that went well
(succeeded or skipped), floored: 999 of 1,000 is 99 %, and 100 % appears only
when every item is done and none failed.
"""

from __future__ import annotations

from dataclasses import dataclass

from operations.models import OperationRun, RunStatus


def _width(part: int, whole: int) -> str:
    """A CSS percentage, exact to a hundredth and never rounded up to a full bar."""
    if whole <= 0 or part <= 0:
        return "0%"
    hundredths = part * 10_000 // whole
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


@dataclass(frozen=True)
class Progress:
    succeeded: str  # CSS widths
    failed: str
    skipped: str
    percent: int  # floored share of items that succeeded or were skipped
    known: bool  # False while an active run has not told its total yet

    @property
    def text(self) -> str:
        return f"{self.percent} %" if self.known else "—"


def progress_for(run: OperationRun) -> Progress:
    counted = run.succeeded + run.failed + run.skipped
    # A producer may count more items than it announced; never draw past 100 %.
    whole = max(run.total, counted)
    if whole == 0:
        return _empty(run)
    good = run.succeeded + run.skipped
    return Progress(
        succeeded=_width(run.succeeded, whole),
        failed=_width(run.failed, whole),
        skipped=_width(run.skipped, whole),
        percent=good * 100 // whole,
        known=True,
    )


def _empty(run: OperationRun) -> Progress:
    """No items at all: a completed run without failures is fully done; anything else is not."""
    done = run.status == RunStatus.COMPLETED and run.failed == 0
    return Progress(
        succeeded="100%" if done else "0%",
        failed="0%",
        skipped="0%",
        percent=100 if done else 0,
        known=not run.is_active,
    )
