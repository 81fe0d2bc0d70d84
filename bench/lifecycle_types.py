"""bench/lifecycle.py's trivial work, importable by its worker: a tracked run type, a raw job."""

from __future__ import annotations

from django.db import connection

from operations.models import OperationRun
from operations.recorder import RunRecorder
from operations.registry import RunType, register
from tenantatlas.models import Tenant

RUN_TYPE = "bench.noop"


def perform_noop(run: OperationRun, recorder: RunRecorder) -> None:
    recorder.succeeded()


def raw_noop() -> None:
    """The raw RQ job: as trivial as the tracked run's work."""


def raw_db_touch() -> None:
    """A raw job that makes one round trip on the horse's database connection (the one
    the worker lends it, operations/horse_connection.py)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def raw_two_writes(tenant_id: int) -> None:
    """A raw job that commits two one-statement writes, as a claim and a finish would with
    nothing else: the floor of any lifecycle whose horse records a run's state durably."""
    table = connection.ops.quote_name(Tenant._meta.db_table)
    with connection.cursor() as cursor:
        for _ in range(2):
            cursor.execute(f"UPDATE {table} SET name = name WHERE id = %s", [tenant_id])  # noqa: S608


register(RunType(key=RUN_TYPE, label="Benchmark no-op", perform=perform_noop))
