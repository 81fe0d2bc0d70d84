"""Progress bars: exact widths, processed / total while active, the outcome once finished."""

import pytest

from monitoring.progress import progress_for
from monitoring.templatetags.hub import duration
from operations.models import OperationRun, RunStatus


def run(
    status: str = RunStatus.RUNNING,
    total: int = 0,
    succeeded: int = 0,
    failed: int = 0,
    skipped: int = 0,
) -> OperationRun:
    return OperationRun(
        status=status, total=total, succeeded=succeeded, failed=failed, skipped=skipped,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("counts", "percent"),
    [
        ({"total": 1000, "succeeded": 999}, 99),  # one item remains
        ({"total": 1000, "succeeded": 998, "failed": 1}, 99),  # a failed item is processed too
        ({"total": 3, "succeeded": 2}, 66),
        ({"total": 3, "succeeded": 3}, 100),
        ({"total": 10, "succeeded": 5, "skipped": 5}, 100),
        ({"total": 10}, 0),
    ],
)
def test_the_percentage_is_floored(counts: dict[str, int], percent: int) -> None:
    assert progress_for(run(RunStatus.RUNNING, **counts)).percent == percent


def test_widths_are_exact_shares_of_the_total() -> None:
    p = progress_for(run(total=3, succeeded=1, failed=1, skipped=1))

    assert (p.succeeded, p.failed, p.skipped) == ("33.33", "33.33", "33.33")


def test_a_tiny_failure_still_shows() -> None:
    p = progress_for(run(total=10_000, succeeded=9_999, failed=1))

    assert p.failed == "0.01" and p.succeeded == "99.99" and p.failed_x == "99.99"


def test_more_items_than_announced_never_overflow_the_bar() -> None:
    p = progress_for(run(total=2, succeeded=4))

    assert p.succeeded == "100.00" and p.percent == 100


def test_an_empty_completed_run_is_full_only_without_failures() -> None:
    assert progress_for(run(RunStatus.COMPLETED)).succeeded == "100"
    assert progress_for(run(RunStatus.COMPLETED)).percent == 100
    assert progress_for(run(RunStatus.FAILED)).percent == 0
    assert progress_for(run(RunStatus.FAILED)).succeeded == "0"


def test_a_finished_run_reads_as_its_outcome_in_the_run_types_words() -> None:
    partial = run(RunStatus.COMPLETED, total=60, succeeded=52, failed=8)
    partial.resource, partial.action = "drift", "generate"

    assert progress_for(partial).text == "52 findings, 8 failed"
    assert progress_for(run(RunStatus.COMPLETED)).text == "nothing to do"
    assert progress_for(run(RunStatus.FAILED)).text == "no items processed"
    assert progress_for(run(total=60, succeeded=30)).text == "50 %"


def test_an_active_run_without_a_total_shows_no_percentage_yet() -> None:
    assert progress_for(run(RunStatus.QUEUED)).text == "—"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.25, "250 ms"), (4.2, "4.2 s"), (42, "42 s"), (185, "3 min 05 s"), (7620, "2 h 07 min")],
)
def test_durations_read_naturally(seconds: float, text: str) -> None:
    from datetime import timedelta

    assert duration(timedelta(seconds=seconds)) == text
    assert duration(None) == "—"
