"""bench/lifecycle.py's trivial work, importable by its worker: a tracked run type, a raw job."""

from __future__ import annotations

from operations.models import OperationRun
from operations.recorder import RunRecorder
from operations.registry import RunType, register

RUN_TYPE = "bench.noop"


def perform_noop(run: OperationRun, recorder: RunRecorder) -> None:
    recorder.succeeded()


def raw_noop() -> None:
    """The raw RQ job: as trivial as the tracked run's work."""


register(RunType(key=RUN_TYPE, label="Benchmark no-op", perform=perform_noop))
