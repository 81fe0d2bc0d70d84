"""The worker's PostgreSQL connection, lent to one work horse at a time.

A forked horse that opens its own connection pays for it in every job: the
connect itself (≈ 5 ms here) and a new server backend that meets each table for
the first time (its first claim ≈ 12–20 ms against ≈ 2 ms on a warm backend;
docs/performance.md). That is most of what a tracked run costs over a raw RQ
job. So the worker's parent keeps one connection open and each horse inherits
it through the fork, as PgBouncer hands one warm server connection to one
client at a time.

Sharing a socket is safe only because it is never used by two processes at
once, and only while both sides agree on the protocol's state:

* The parent does not touch the database while a horse lives (it waits on the
  horse and talks to Redis), and it takes the connection back only after the
  horse is gone (``RunWorker.wait_for_horse``).
* The horse returns it only from a clean state: at the end of its job, on the
  inherited connection, outside any transaction, after ``DISCARD ALL`` has
  cleared whatever session state the job left (cursors, settings, prepared
  statements; the startup packet's settings are the session's defaults and
  stay). It says so through one byte of memory shared with the parent.
* Anything else (a horse killed or timed out mid-query, a job that left a
  transaction open, a connection the horse had to replace) and the parent
  discards its copy without sending a byte on it: the socket is shut down, so
  the server rolls back whatever the horse left open, and the next horse gets
  a new connection. A killed horse's half-done transaction is never committed
  by the parent's own writes afterwards.
* A connection the server closed while idle (a restart, ``pg_terminate_backend``)
  has something to read; the parent sees that before lending it and reconnects.
* TLS keeps its state in the process (sequence numbers), so a TLS connection is
  never lent: each horse then connects on its own, as before. Nor is SQLite's
  (the demo): its locks belong to the process that took them.
"""

from __future__ import annotations

import contextlib
import logging
import mmap
import select
import socket
from typing import Any

import psycopg
from django.db import DatabaseError, connection
from psycopg import pq

logger = logging.getLogger(__name__)

_RETURNED = 1


class HorseConnection:
    """Lend (parent, before the fork), give back (horse, after the job), take back (parent)."""

    def __init__(self) -> None:
        # Anonymous shared memory: the horse's write is seen by the parent after the fork.
        self._flag = mmap.mmap(-1, 1)
        self._lent: Any = None

    def lend(self) -> None:
        """Make sure the parent holds a usable connection for the next horse to inherit."""
        self._flag[0] = 0
        self._lent = None
        if connection.in_atomic_block:
            return
        if connection.vendor != "postgresql":
            # SQLite (the demo): a connection must not cross a fork (its file locks
            # belong to the process); the worker may have used it to claim the run.
            connection.close()
            return
        if connection.connection is not None and _closed_by_server(connection.connection):
            _discard()
        try:
            connection.ensure_connection()
        except DatabaseError:
            return  # the horse tries on its own, and reports the failure on its run
        if connection.connection.pgconn.ssl_in_use:
            connection.close()  # never shared: see the module's docstring
            return
        self._lent = connection.connection

    def give_back(self) -> None:
        """In the horse, after its job: reset the session and tell the parent it is clean."""
        if self._lent is None or connection.connection is not self._lent:
            return
        if connection.in_atomic_block:
            return
        try:
            with connection.cursor() as cursor:
                cursor.execute("DISCARD ALL")
        except DatabaseError:
            return
        if self._lent.pgconn.transaction_status == pq.TransactionStatus.IDLE:
            self._flag[0] = _RETURNED

    def take_back(self) -> None:
        """In the parent, once the horse is gone: keep the connection only if it was given back."""
        if self._lent is None:
            return
        returned = self._flag[0] == _RETURNED
        if not returned and connection.connection is self._lent:
            _discard()
        self._lent = None


def _closed_by_server(raw: Any) -> bool:
    """An idle connection has nothing to read, unless the server said goodbye (or sent news)."""
    try:
        readable, _, _ = select.select([raw.pgconn.socket], [], [], 0)
    except (OSError, ValueError, psycopg.Error):  # a socket already gone
        return True
    return bool(readable)


def _discard() -> None:
    """Drop the parent's copy without speaking on it: the horse may have left it mid-message."""
    raw = connection.connection
    with contextlib.suppress(Exception):
        sock = socket.socket(fileno=raw.pgconn.socket)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        finally:
            sock.detach()  # the descriptor stays psycopg's to close
    with contextlib.suppress(DatabaseError):
        connection.close()
    logger.debug("discarded the connection a work horse did not give back")
