"""A forking worker claims a run before it forks its work horse, and completes it after.

The claim and the completion are the two writes every run makes whatever its
work. Made in a freshly forked horse, each paid for memory the horse touched
for the first time (copied pages, cold caches): together ≈ 7 ms a run against
≈ 2.5 ms for the same statements in a process that keeps running
(docs/performance.md, "Sixth pass"). So the worker's own process makes them:

1. ``claim`` (worker, before the fork): ``run_claim``. The horse inherits the
   claimed run through the fork, as it inherits the worker's connection
   (horse_connection.py).
2. ``perform`` (horse, called by the job): ``run_perform``, the producer's part:
   its work, progress, failure entries and heartbeat, and any failure, as before.
   It hands the final counts back through a few bytes of memory shared with the
   worker.
3. ``finish`` (worker, once the horse is gone): ``run_finish`` with those counts.
   A horse that handed its counts back and died afterwards (in RQ's own
   bookkeeping) still gets its run completed, not failed.

A horse whose worker is gone (the worker was killed; the horse runs on as an
orphan) completes its run itself: nobody else would. Any other process that
runs the job (RQ's non-forking ``SimpleWorker``, a worker that could not claim
because the database was away) runs the whole lifecycle in one place
(``run_execute``), the path this split is measured against.
"""

from __future__ import annotations

import logging
import mmap
import os
import struct

from operations import faults
from operations.lifecycle import run_claim, run_fail, run_finish, run_perform
from operations.models import OperationRun
from operations.recorder import Counts

logger = logging.getLogger(__name__)

_HANDED = 1
_COUNTS = struct.Struct(f"{len(Counts._fields)}q")


class RunHandoff:
    """One per worker process; holds the run of the job being worked on."""

    def __init__(self) -> None:
        # Anonymous shared memory: what the horse writes, the worker reads after the fork.
        self._shared = mmap.mmap(-1, 1 + _COUNTS.size)
        self._run_id: int | None = None
        self._run: OperationRun | None = None
        self._worker_pid = os.getpid()

    def claim(self, run_id: int) -> None:
        """In the worker, before forking the horse for ``run_id``'s job."""
        self._shared[0] = 0
        self._run_id, self._run = None, None
        try:
            self._run = run_claim(run_id)
        except Exception:  # the horse claims on its own and reports what it meets
            logger.warning("could not claim run %s before forking", run_id, exc_info=True)
            faults.reopen_if_broken()  # not lent to the horse broken
            return
        self._run_id = run_id
        self._worker_pid = os.getpid()

    def perform(self, run_id: int) -> bool:
        """In the horse: perform the run the worker claimed. False if it claimed none."""
        if run_id != self._run_id:
            return False
        run = self._run
        if run is None:
            return True  # not queued any more (the worker's claim said so in the log)
        counts = run_perform(run)
        if counts is None:
            return True  # ended here: failed, or ended elsewhere
        if os.getppid() != self._worker_pid:
            run_finish(run, counts)  # an orphan: the worker that would complete it is gone
            return True
        self._shared[1:] = _COUNTS.pack(*counts)
        self._shared[0] = _HANDED
        return True

    def finish(self) -> bool:
        """In the worker, once the horse is gone: complete the run if the horse handed it
        back. True if it did (or tried: an error is logged, and the reaper has the run)."""
        run, handed = self._run, self._shared[0] == _HANDED
        self._run_id, self._run, self._shared[0] = None, None, 0
        if run is None or not handed:
            return False
        counts = Counts(*_COUNTS.unpack(self._shared[1:]))
        try:
            run_finish(run, counts)
        except Exception as exc:  # the worker must go on; the run ends failed, with the cause
            logger.warning("could not complete run %s after its horse", run.pk, exc_info=True)
            _fail_uncompleted(run, exc)
        return True


def _fail_uncompleted(run: OperationRun, exc: Exception) -> None:
    """The completion raised (a database error, a count the database refused): fail the
    run with that cause, as the horse would have, rather than leave it to the reaper."""
    faults.reopen_if_broken()
    fault = faults.describe(exc)
    try:
        run_fail(run.pk, code=fault.code, message=fault.message)
    except Exception:  # the database is gone too: the reaper has the run
        logger.warning("could not fail run %s either", run.pk, exc_info=True)


# The worker's handoff, set in its process before it forks (RunWorker); the horse
# finds it here. None in any process that is not a forking RunWorker.
current: RunHandoff | None = None


def perform_claimed(run_id: int) -> bool:
    """The job's side: True if the worker claimed ``run_id`` and it was performed here."""
    return current is not None and current.perform(run_id)
