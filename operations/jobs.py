"""RQ entry points. Thin shells: ids in, the lifecycle service does the work."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from rq.job import Job

from operations import rollup
from operations.recovery import recover_runs
from operations.services import run_execute, run_fail


def run_job(run_id: int) -> None:
    """The one job every run type is enqueued as; the registry picks the producer."""
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
    if run_id is not None:
        name = exc_type.__name__ if exc_type else "JobFailed"
        run_fail(run_id, code=name, message=f"The job failed in the worker: {exc_value}")


def recover_runs_job() -> int:
    """Scheduled every 30 s by ``manage.py rqcron operations/cron.py``."""
    return recover_runs()


def reconcile_rollup_job() -> int:
    """Hourly (operations/cron.py): recount every tenant's runs into the rollup; drift found."""
    return len(rollup.reconcile())
