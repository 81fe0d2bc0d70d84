"""Run types for lifecycle tests; importing this module registers them (in workers too)."""

from __future__ import annotations

import logging
import time

from operations.errors import RunError
from operations.models import OperationRun
from operations.recorder import RunRecorder
from operations.registry import RunType, register

logger = logging.getLogger(__name__)


class PlantedError(RunError):
    code = "planted_failure"


def perform_items(run: OperationRun, recorder: RunRecorder) -> None:
    """context: items (count), fail (indices that fail, with the message given), skip (indices)."""
    items = int(run.context.get("items", 0))
    fail = set(run.context.get("fail", []))
    skip = set(run.context.get("skip", []))
    recorder.set_total(items)
    for index in range(items):
        if index in fail:
            recorder.failed(
                code="item_failed", message=run.context["message"], item=f"item {index}"
            )
        elif index in skip:
            recorder.skipped()
        else:
            recorder.succeeded()
    if run.context.get("raise"):
        raise PlantedError(run.context["raise"])


def perform_slow(run: OperationRun, recorder: RunRecorder) -> None:
    """Heartbeats until killed (or for ``seconds``); the crash tests kill its worker."""
    deadline = time.monotonic() + float(run.context.get("seconds", 60))
    recorder.set_total(1)
    while time.monotonic() < deadline:
        recorder.heartbeat()
        time.sleep(0.05)
    recorder.succeeded()


def perform_leaky(run: OperationRun, recorder: RunRecorder) -> None:
    """context: corpus (a case's index), coded. Logs the case's text (as an argument),
    fails an item with it, then raises it.

    The text is regenerated from the seeded corpus, so the run row never holds it.
    ``coded`` raises our taxonomy error (its text is stored, sanitized); otherwise
    a plain RuntimeError (class name and one sanitized line; the log gets its traceback).
    """
    from tests.support.secret_corpus import case_at

    text = case_at(int(run.context["corpus"])).text
    logger.warning("payload for %s: %s", run.pk, text)
    recorder.set_total(2)
    recorder.failed(code="item_failed", message=text, item=f"item {text[:60]}")
    recorder.succeeded()
    raise (PlantedError if run.context.get("coded") else RuntimeError)(text)


register(RunType(key="test.leaky", label="Test leaky", perform=perform_leaky))
register(RunType(key="test.items", label="Test items", perform=perform_items))
register(RunType(key="test.slow", label="Test slow", perform=perform_slow, timeout=120))
register(RunType(key="test.timeout", label="Test timeout", perform=perform_slow, timeout=1))


def perform_quiet(run: OperationRun, recorder: RunRecorder) -> None:
    """Silent for ``seconds`` (a slow Graph call), then succeeds: only the horse's thread beats."""
    recorder.set_total(1)
    time.sleep(float(run.context.get("seconds", 3)))
    recorder.succeeded()


def perform_batches(run: OperationRun, recorder: RunRecorder) -> None:
    """``batches`` batches of 10 items, committed with their counts, ``pause`` s apart."""
    batches = int(run.context.get("batches", 100))
    recorder.set_total(batches * 10)
    for _ in range(batches):
        with recorder.batch():
            recorder.succeeded(10)
        time.sleep(float(run.context.get("pause", 0.1)))


def perform_handed(run: OperationRun, recorder: RunRecorder) -> None:
    """``items`` items succeed, counted in memory only: the worker writes them with the
    completion. ``die_after`` kills the horse just after the job, in RQ's own
    bookkeeping (its success handling), once the counts were handed to the worker."""
    if run.context.get("die_after"):
        import os
        import signal

        from rq.worker.base import BaseWorker

        def die(*args: object, **kwargs: object) -> None:
            os.kill(os.getpid(), signal.SIGKILL)

        BaseWorker.handle_job_success = die  # type: ignore[method-assign]  # this horse only
    recorder.succeeded(int(run.context.get("items", 1)))


register(RunType(key="test.quiet", label="Test quiet", perform=perform_quiet, timeout=120))
register(RunType(key="test.handed", label="Test handed", perform=perform_handed))
register(RunType(key="test.batches", label="Test batches", perform=perform_batches, timeout=120))


def perform_session(run: OperationRun, recorder: RunRecorder) -> None:
    """What the horse's database session looked like when the job began, written to the context.

    context: ``dirty`` leaves session state behind (a setting, an open WITH HOLD
    cursor) for the next job on the same connection to find; ``hold`` opens a
    transaction, writes ``uncommitted`` into the run's context inside it, and
    sleeps there for ``hold`` seconds (the test kills the horse meanwhile).
    """
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_backend_pid(), current_setting('application_name'),"
            " (SELECT count(*) FROM pg_cursors), current_setting('statement_timeout')"
        )
        pid, application_name, cursors, statement_timeout = cursor.fetchone()
        seen = {
            "backend_pid": pid, "application_name": application_name,
            "open_cursors": cursors, "statement_timeout": statement_timeout,
        }  # fmt: skip
        OperationRun.objects.filter(pk=run.pk).update(context={**run.context, **seen})
        if run.context.get("dirty"):
            cursor.execute("SET application_name = 'left-by-a-job'")
            cursor.execute("DECLARE left_open CURSOR WITH HOLD FOR SELECT 1")
    if run.context.get("hold"):
        with transaction.atomic():
            OperationRun.objects.filter(pk=run.pk).update(
                context={**run.context, **seen, "uncommitted": True}
            )
            time.sleep(float(run.context["hold"]))
    recorder.set_total(1)
    recorder.succeeded()


register(RunType(key="test.session", label="Test session", perform=perform_session))
