"""The RQ worker class every ``rqworker`` runs (settings.RQ["WORKER_CLASS"]).

Three jobs, in the parent process that forks a work horse per job:

* It claims a run before forking the horse for it and completes it once the
  horse is gone; the horse only performs it (handoff.py says why and how).
* It warms what every horse needs. Whatever the parent did not load is paid
  again in every job: Django builds its URL resolver on the first
  ``reverse()`` (≈ 116 ms here; a finished run's notification links to the
  run), so the parent builds it, and imports the job modules, once before its
  first fork. It also lends each horse its warm database connection
  (horse_connection.py says when that is safe and how it is taken back).
* RQ's parent sees its work horse die, and knows when it was told to stop
  cold, but it never runs the job's failure callback then: the run would wait
  for the reaper and read "worker lost". Here the parent fails the run at once
  with the cause it saw.
"""

from __future__ import annotations

import logging
import os
from types import FrameType
from typing import Any

from rq import Worker
from rq.job import Job
from rq.queue import Queue
from rq.utils import now

from operations import faults, handoff
from operations.faults import Fault
from operations.handoff import RunHandoff
from operations.horse_connection import HorseConnection
from operations.jobs import run_id_from_job_id
from tenantatlas.startup import build_url_resolver

logger = logging.getLogger(__name__)


def warm() -> None:
    """Load what every horse needs, in the process that forks them."""
    # The job, the lifecycle and the sanitizer's patterns are imported with this module.
    build_url_resolver()


class RunWorker(Worker):
    _running_job: Job | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.horse_connection = HorseConnection()
        self.handoff = handoff.current = RunHandoff()

    def work(self, *args: Any, **kwargs: Any) -> bool:
        warm()
        return super().work(*args, **kwargs)

    def execute_job(self, job: Job, queue: Queue) -> None:
        self._running_job = job
        run_id = run_id_from_job_id(job.id)
        if run_id is not None:
            self.handoff.claim(run_id)  # before the connection is lent: it is ours till the fork
        self.horse_connection.lend()
        try:
            super().execute_job(job, queue)
        finally:
            self._running_job = None
            self.horse_connection.take_back()
            self.handoff.finish()

    def perform_job(self, job: Job, queue: Queue) -> bool:
        # In the horse: RQ calls os._exit right after this returns.
        try:
            return super().perform_job(job, queue)
        finally:
            self.horse_connection.give_back()

    def wait_for_horse(self) -> tuple[int | None, int | None, Any]:
        result = super().wait_for_horse()
        # The horse is gone (or was never there): before the parent writes anything
        # (a killed horse's run is failed right after this), the connection is back.
        self.horse_connection.take_back()
        return result

    def handle_work_horse_killed(self, job: Job, retpid: Any, ret_val: Any, rusage: Any) -> None:
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)  # type: ignore[no-untyped-call]  # RQ's own method is unannotated
        # RQ zeroes its working-time counter before calling us; the start time stays.
        working = (now() - job.started_at).total_seconds() if job.started_at else 0.0
        if not self.handoff.finish():  # a horse that died after its work still completes it
            fail_run_of_job(job, _horse_fault(job, ret_val, working))

    def request_force_stop(self, signum: int, frame: FrameType | None) -> None:
        job = self._running_job
        try:
            super().request_force_stop(signum, frame)  # kills the horse, then SystemExit
        except SystemExit:
            if job is not None and not self.handoff.finish():
                fail_run_of_job(job, faults.worker_stopped(signum))
            raise


def _horse_fault(job: Job, status: int | None, working_time: float) -> Fault:
    if job.timeout and job.timeout > 0 and working_time > job.timeout:
        return faults.timed_out(job.timeout)  # RQ's parent killed a horse that ignored SIGALRM
    if status is not None and os.WIFSIGNALED(status):
        return faults.horse_killed(os.WTERMSIG(status))
    code = os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else "unknown"
    return Fault("worker_died", f"Worker process exited unexpectedly (status {code}).")


def fail_run_of_job(job: Job, fault: Fault) -> None:
    """Fail the job's run (if it is still active) from the worker's parent process."""
    from operations.lifecycle import run_fail

    run_id = run_id_from_job_id(job.id)
    if run_id is None:
        return
    try:
        run_fail(run_id, code=fault.code, message=fault.message)
    except Exception:  # the reaper still catches the run; the worker must go on
        logger.warning("could not fail run %s after its horse died", run_id, exc_info=True)
