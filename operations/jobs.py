"""RQ entry points. Thin shells: ids in, the lifecycle service does the work."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from rq.job import Job

from operations import faults, handoff, rollup
from operations.faults import Fault
from operations.lifecycle import run_execute, run_fail
from operations.sanitize import describe_exception


def run_job(run_id: int) -> None:
    """The one job every run type is enqueued as; the registry picks the producer.

    In a forking RunWorker's horse the worker has claimed the run and completes
    it (handoff.py); anywhere else the whole lifecycle runs here.
    """
    if not handoff.perform_claimed(run_id):
        run_execute(run_id)


def run_id_from_job_id(job_id: str) -> int | None:
    prefix, _, number = job_id.partition("-")
    return int(number) if prefix == "run" and number.isdigit() else None


def on_job_failure(
    job: Job,
    connection: Any,
    exc_type: type[BaseException] | None,
    exc_value: BaseException | None,
    tb: TracebackType | None,
) -> None:
    """RQ's failure callback (a timeout, an error outside the producer).

    Used where it fires; correctness never depends on it: a SIGKILLed work
    horse never calls it, and the recovery check catches that case.
    """
    run_id = run_id_from_job_id(job.id)
    if run_id is None:
        return
    faults.reopen_if_broken()
    fault = (
        faults.from_exception(exc_value, job_timeout=job.timeout) if exc_value is not None else None
    )
    if fault is None:
        fault = _unclassified(exc_type, exc_value)
    run_fail(run_id, code=fault.code, message=fault.message)


def _unclassified(exc_type: type[BaseException] | None, exc_value: BaseException | None) -> Fault:
    name = exc_type.__name__ if exc_type else "JobFailed"
    # Never an empty reason: the class name says at least what kind of failure it
    # was; never the raw str(exc) either (a database error quotes SQL and row data).
    detail = describe_exception(exc_value) if exc_value is not None else name
    detail = detail.removeprefix(f"{name}: ")
    if detail == name:
        return Fault(name, f"The job failed in the worker ({name}).")
    return Fault(name, f"The job failed in the worker ({name}): {detail}")


def reconcile_rollup_job() -> int:
    """Hourly (operations/cron.py): recount every tenant's runs into the rollup; drift found."""
    return len(rollup.reconcile())
