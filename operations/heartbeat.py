"""A run's heartbeat, written by a thread in the work horse while the job runs.

Producers report progress when they have some; a slow Graph page or a long
query says nothing for minutes. The heartbeat must not depend on them: this
thread writes ``heartbeat_at`` every ``RUN_HEARTBEAT_INTERVAL`` seconds for as
long as the job's code runs, and dies with the horse (a daemon thread), so
silence means the process is gone or frozen, never merely busy.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from operations.models import OperationRun, RunStatus

logger = logging.getLogger(__name__)


class Heartbeat:
    """``with Heartbeat(run_id):`` beats until the block ends (or the run is no longer running)."""

    def __init__(self, run_id: int, *, interval: float | None = None) -> None:
        self.run_id = run_id
        self.interval = settings.RUN_HEARTBEAT_INTERVAL if interval is None else interval
        self.beats = 0
        self._tried = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat-{run_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval + 5)

    def _loop(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                if not self._beat():
                    return  # ended elsewhere (recovered, finished): nothing left to keep alive
        finally:
            # This thread's own connection, if it beat at all: most runs end before the
            # first beat, and even closing makes Django build a connection object first.
            if self._tried:
                connection.close()

    def _beat(self) -> bool:
        self._tried = True
        try:
            updated = OperationRun.objects.filter(pk=self.run_id, status=RunStatus.RUNNING).update(
                heartbeat_at=timezone.now()
            )
        except DatabaseError:
            # A dropped connection must not end the beats: the next one reconnects.
            logger.warning("heartbeat of run %s could not reach the database", self.run_id)
            connection.close()
            return True
        self.beats += 1
        return bool(updated)
