"""The numbers behind a progress bar, for one run, in the words of its run type.

While a run is active the bar says how far it got: processed / total,
floored (999 of 1,000 is 99 %), with exact coloured shares (green succeeded,
red failed, grey skipped). A finished run is not "86 % done": it shows its
outcome as counts in the run type's own words (drift: "3 findings, 57
unchanged"), never a percentage.
"""

from __future__ import annotations

from dataclasses import dataclass

from operations.models import OperationRun, RunStatus
from operations.registry import count_labels_for


def _width(part: int, whole: int) -> str:
    """A share in percent, exact to a hundredth and never rounded up to a full bar."""
    if whole <= 0 or part <= 0:
        return "0"
    hundredths = part * 10_000 // whole
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def _add(*widths: str) -> str:
    hundredths = sum(round(float(w) * 100) for w in widths)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


@dataclass(frozen=True)
class Progress:
    succeeded: str  # shares of the bar, in percent (SVG widths out of 100)
    failed: str
    skipped: str
    percent: int  # floored share of the items processed so far
    known: bool  # False while an active run has not told its total yet
    active: bool
    outcome: str  # the counts in words, e.g. "58 succeeded, 2 failed"

    # Where the red and grey segments start on a bar that is 100 wide (SVG x).
    @property
    def failed_x(self) -> str:
        return _add(self.succeeded)

    @property
    def skipped_x(self) -> str:
        return _add(self.succeeded, self.failed)

    @property
    def text(self) -> str:
        """What stands next to the bar: how far while active, the outcome once finished."""
        if not self.active:
            return self.outcome
        return f"{self.percent} %" if self.known else "—"


def outcome_words(run: OperationRun) -> str:
    """The non-zero counts in the run type's words; an empty run says why it is empty."""
    labels = count_labels_for(run.run_type)
    counts = (("succeeded", run.succeeded), ("failed", run.failed), ("skipped", run.skipped))
    parts = [f"{count:,} {labels[name].lower()}" for name, count in counts if count]
    if parts:
        return ", ".join(parts)
    return "no items processed" if run.status == RunStatus.FAILED else "nothing to do"


def progress_for(run: OperationRun) -> Progress:
    counted = run.succeeded + run.failed + run.skipped
    # A producer may count more items than it announced; never draw past 100 %.
    whole = max(run.total, counted)
    if whole == 0:
        return _empty(run)
    return Progress(
        succeeded=_width(run.succeeded, whole),
        failed=_width(run.failed, whole),
        skipped=_width(run.skipped, whole),
        percent=counted * 100 // whole,
        known=True,
        active=run.is_active,
        outcome=outcome_words(run),
    )


def _empty(run: OperationRun) -> Progress:
    """No items at all: a completed run without failures is fully done; anything else is not."""
    done = run.status == RunStatus.COMPLETED and run.failed == 0
    return Progress(
        succeeded="100" if done else "0",
        failed="0",
        skipped="0",
        percent=100 if done else 0,
        known=not run.is_active,
        active=run.is_active,
        outcome=outcome_words(run),
    )
