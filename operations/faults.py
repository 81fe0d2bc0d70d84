"""What ended a run, in words: the cause class of a fault, never an empty reason.

A run can end because its work raised, because the database connection died
under it, because RQ's timeout fired, or because the process running it was
killed or stopped. Each has one code and one sentence here, so the worker, the
RQ callbacks and the reaper all say the same thing for the same cause.
"""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from rq.exceptions import AbandonedJobError
from rq.timeouts import JobTimeoutException

from operations.errors import RunError
from operations.sanitize import describe_exception


@dataclass(frozen=True)
class Fault:
    code: str
    message: str


def describe(exc: BaseException, *, job_timeout: float | None = None) -> Fault:
    """Why a run failed, from what its work raised: the cause class (a timeout, a lost
    database), else the producer's RunError, else the class name and a sanitized line
    (never the raw ``str(exc)``: a database error quotes SQL and row data)."""
    fault = from_exception(exc, job_timeout=job_timeout)
    if fault is not None:
        return fault
    if isinstance(exc, RunError):
        return Fault(exc.code, exc.reason)
    return Fault(type(exc).__name__, describe_exception(exc))


def signal_label(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def horse_killed(signum: int | None) -> Fault:
    label = signal_label(signum) if signum else "unknown signal"
    return Fault("worker_killed", f"Worker process killed ({label}) while the run was running.")


def worker_stopped(signum: int) -> Fault:
    return Fault(
        "worker_stopped",
        f"Worker stopped ({signal_label(signum)}, cold shutdown) while the run was running.",
    )


def timed_out(seconds: int | float | None) -> Fault:
    limit = f"{seconds:g} s" if seconds else "its time limit"
    return Fault(
        "job_timeout", f"Timed out after {limit} (the run type's limit or RUN_JOB_TIMEOUT)."
    )


DATABASE_LOST = Fault(
    "database_connection_lost",
    "Database connection lost while the run was running (PostgreSQL restarted, "
    "the connection was terminated or the network dropped).",
)
ABANDONED = Fault(
    "worker_lost",
    "Worker lost: its RQ worker died before the job ended (found when a worker restarted).",
)

_SIGNAL_IN_RQ_TEXT = re.compile(r"\(signal (\d+)\)")


def from_rq_text(text: str) -> Fault | None:
    """RQ's own failure text for a horse that died ("… waitpid returned 9 (signal 9); …")."""
    if "Work-horse terminated unexpectedly" in text:
        found = _SIGNAL_IN_RQ_TEXT.search(text)
        return horse_killed(int(found.group(1)) if found else None)
    if "JobTimeoutException" in text:
        return timed_out(None)
    return None


def from_exception(exc: BaseException, *, job_timeout: float | None = None) -> Fault | None:
    """The cause class of an exception that is not the producer's own (None: ask the producer).

    A producer may wrap what hit it (``raise RunError(…) from exc``): the
    chain of causes is searched, so a timeout stays a timeout.
    """
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        fault = _classify(seen, job_timeout)
        if fault is not None:
            return fault
        seen = seen.__cause__
    return None


def _classify(exc: BaseException, job_timeout: float | None) -> Fault | None:
    if isinstance(exc, JobTimeoutException):
        return timed_out(job_timeout)
    if isinstance(exc, AbandonedJobError):
        return ABANDONED
    if isinstance(exc, DatabaseError) and _connection_lost(exc):
        return DATABASE_LOST
    return None


# Connection exceptions (class 08) and the server ending the session
# (admin shutdown, crash shutdown, cannot connect now).
_LOST_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def _connection_lost(exc: DatabaseError) -> bool:
    """Judged by the driver's error, not by the connection afterwards: Django may
    already have replaced a dead connection by a fresh one when we look."""
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate:
        return str(sqlstate).startswith(_LOST_SQLSTATES)
    if isinstance(exc, (OperationalError, InterfaceError)) and _from_psycopg(cause):
        return True  # psycopg's own errors without a SQLSTATE are the socket's
    return not _connection_usable()


def _from_psycopg(error: BaseException | None) -> bool:
    return error is not None and type(error).__module__.startswith("psycopg")


def _connection_usable() -> bool:
    # Django closes the connection itself when the rollback after an error
    # fails: a closed connection after a database error is a lost one.
    return connection.connection is not None and connection.is_usable()


def reopen_if_broken() -> None:
    """Close a dead connection so the failure write gets a fresh one instead of hanging on it.

    Inside an atomic block the connection cannot be swapped; the callers are
    the job's boundary and RQ's callbacks, which run outside one.
    """
    if connection.in_atomic_block:
        return
    if connection.connection is not None and not connection.is_usable():
        connection.close()
