"""The small object a producer reports progress through.

Counts are kept in memory and flushed as atomic ``F()`` increments in short
transactions, every ``batch_size`` items or ``interval`` seconds, whichever
comes first: often enough that a person watching sees progress, rarely enough
that a thousand items cost a handful of UPDATEs. Every flush is conditional on
the run still running, so a worker that was declared lost stops at its next
flush instead of writing over the failed run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from operations.models import OperationRun, RunFailure, RunStatus, failure_kept

logger = logging.getLogger(__name__)


class RunLost(Exception):
    """The run is no longer ours to write: recovery (or someone) already ended it."""


class Counts(NamedTuple):
    """Counts not yet written: what the completion adds to the run's columns."""

    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    failures_dropped: int = 0


NO_COUNTS = Counts()


class RunRecorder:
    def __init__(
        self,
        run: OperationRun,
        *,
        batch_size: int = 50,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.run = run
        self.batch_size = batch_size
        self.interval = interval
        self.clock = clock
        self.flushes = 0  # progress writes so far (benchmarks report it)
        self._in_batch = False
        # Read on the first failure (most runs have none): one query less per horse.
        self._stored_failures: int | None = None
        self._reset()
        self._last_flush = clock()

    def _reset(self) -> None:
        self._succeeded = self._failed = self._skipped = 0
        self._failures: list[RunFailure] = []
        self._dropped = 0

    @property
    def _pending(self) -> int:
        return self._succeeded + self._failed + self._skipped

    # -- what producers call -------------------------------------------------

    def set_total(self, total: int) -> None:
        """Tell the hub how many items to expect (may grow while pages arrive)."""
        self._update(total=total)
        self.run.total = total

    def succeeded(self, count: int = 1) -> None:
        self._succeeded += count
        self._maybe_flush()

    def skipped(self, count: int = 1) -> None:
        self._skipped += count
        self._maybe_flush()

    def failed(self, *, code: str, message: object, item: str = "") -> None:
        """One item failed; its entry is sanitized here, whatever the producer passed."""
        self._failed += 1
        if failure_kept(self._stored() + len(self._failures)):
            self._failures.append(
                RunFailure.sanitized(self.run, code=code, message=message, item=item)
            )
        else:
            self._dropped += 1
        self._maybe_flush()

    def _stored(self) -> int:
        if self._stored_failures is None:
            self._stored_failures = self.run.failures.count()
        return self._stored_failures

    def heartbeat(self) -> None:
        """Flush pending counts if one is due (the horse's heartbeat thread proves it alive)."""
        if not self._in_batch and self.clock() - self._last_flush >= self.interval:
            self.flush()

    def note(self, **values: Any) -> None:
        """Merge keys into the run's context at once (e.g. "waiting for Graph")."""
        self.run.context = {**self.run.context, **values}
        self._update(context=self.run.context)

    # -- flushing ------------------------------------------------------------

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Write a batch of items and their counts in one transaction.

        ``with recorder.batch(): bulk_create(items); recorder.succeeded(len(items))``:
        the counts are flushed inside the same transaction as the rows they
        count, so a crash at any point leaves counts equal to the stored
        items, and a run that was declared lost rolls the batch back (RunLost).
        """
        saved = self._counters()
        self._in_batch = True
        try:
            with transaction.atomic():
                yield
                self.flush()
        except BaseException:
            self._restore(saved)  # rolled back: these items were never stored
            raise
        finally:
            self._in_batch = False

    def _counters(self) -> tuple[int, int, int, int, int]:
        return (self._succeeded, self._failed, self._skipped, len(self._failures), self._dropped)

    def _restore(self, saved: tuple[int, int, int, int, int]) -> None:
        self._succeeded, self._failed, self._skipped, kept, self._dropped = saved
        del self._failures[kept:]

    def _maybe_flush(self) -> None:
        if self._in_batch:
            return  # the batch flushes once, with its rows
        if self._pending >= self.batch_size or self.clock() - self._last_flush >= self.interval:
            self.flush()

    def flush(self) -> None:
        """Write pending counts and failures in one short transaction. RunLost if not running."""
        # Inside a batch the batch's transaction is ours: no savepoint round trips.
        with transaction.atomic(savepoint=not self._in_batch):
            updated = OperationRun.objects.filter(pk=self.run.pk, status=RunStatus.RUNNING).update(
                **self.pending_counts(), heartbeat_at=timezone.now()
            )
            if not updated:
                raise RunLost(f"run {self.run.pk} is no longer running")
            self.written()

    def pending_counts(self) -> dict[str, F | Any]:
        """The pending counts as increments of the run's columns, for an UPDATE of it.

        ``flush`` writes them alone; the completion writes them (``handed_over``) with
        the status change (lifecycle.run_complete), so the last counts cost no UPDATE of
        their own.
        """
        return {name: F(name) + delta for name, delta in self.pending_deltas()._asdict().items()}

    def pending_deltas(self) -> Counts:
        """The same as numbers."""
        return Counts(self._succeeded, self._failed, self._skipped, self._dropped)

    def handed_over(self) -> Counts:
        """The work is done: the counts the completion writes, which this recorder forgets.

        Failure entries are rows of their own, so pending ones are stored first
        (one flush, only when the last items failed); the counts travel on as
        numbers, to whichever process completes the run (operations/handoff.py).
        """
        if self._failures:
            self.flush()
        counts = self.pending_deltas()
        self._reset()
        return counts

    def written(self) -> None:
        """The UPDATE carrying ``pending_counts()`` succeeded: store the failure entries in
        its transaction (the caller's) and start counting afresh."""
        RunFailure.objects.bulk_create(self._failures)
        if self._failures:
            self._stored_failures = self._stored() + len(self._failures)
        self.flushes += 1
        self._reset()
        self._last_flush = self.clock()

    def flush_quietly(self) -> None:
        """Best effort on the failure path: keep what was counted, never mask the real error."""
        try:
            self.flush()
        except Exception:
            logger.warning("could not flush run %s on failure", self.run.pk, exc_info=True)

    def _update(self, **fields: Any) -> None:
        updated = OperationRun.objects.filter(pk=self.run.pk, status=RunStatus.RUNNING).update(
            heartbeat_at=timezone.now(), **fields
        )
        if not updated:
            raise RunLost(f"run {self.run.pk} is no longer running")
