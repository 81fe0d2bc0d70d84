"""bench/lifecycle.py's trivial work, importable by its worker: a tracked run type, a raw job."""

from __future__ import annotations

from django.db import connection

from operations.models import OperationRun
from operations.recorder import RunRecorder
from operations.registry import RunType, register

RUN_TYPE = "bench.noop"


def perform_noop(run: OperationRun, recorder: RunRecorder) -> None:
    recorder.succeeded()


def raw_noop() -> None:
    """The raw RQ job: as trivial as the tracked run's work."""


def raw_db_touch() -> None:
    """A raw job that opens the horse's database connection and makes one round trip.

    The floor of any tracked run whose horse records its own state: a forked
    horse cannot share its parent's connection, so it pays for its own.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


register(RunType(key=RUN_TYPE, label="Benchmark no-op", perform=perform_noop))
