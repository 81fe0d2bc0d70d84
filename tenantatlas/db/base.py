"""Django's PostgreSQL backend, with a statement timeout and a client-side answer deadline.

``statement_timeout`` only helps when the server hears the query. When packets
are dropped, or the server hangs, nothing ever comes back and psycopg would
wait forever: every wait on the socket therefore has a deadline, after which
the connection is closed and the request gets an ``OperationalError`` (a 503
page, see ``tenantatlas.errors``).
"""

from __future__ import annotations

from typing import Any

import psycopg
from django.db.backends.postgresql import base
from psycopg.errors import _WaitTimeout  # psycopg: "callers should ... convert it to a public one"

from tenantatlas.db import HEALTH_CHECK_TIMEOUT, answer_timeout, statement_timeout


class DeadlineConnection(psycopg.Connection[Any]):
    """A psycopg connection whose waits for the server end after ``answer_timeout`` seconds."""

    answer_timeout: float | None = None

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        if timeout is not None or self.answer_timeout is None:
            return super().wait(gen, interval=interval, timeout=timeout)
        try:
            return super().wait(gen, interval=interval, timeout=self.answer_timeout)
        except _WaitTimeout:
            # The protocol stopped mid-message: the connection cannot be reused.
            self.close()
            raise psycopg.OperationalError(
                f"the database sent no answer within {self.answer_timeout:g} s"
            ) from None


class _Psycopg:
    """psycopg as Django's backend uses it, except that ``connect`` makes DeadlineConnections."""

    connect = staticmethod(DeadlineConnection.connect)

    def __getattr__(self, name: str) -> Any:
        return getattr(psycopg, name)


class DatabaseWrapper(base.DatabaseWrapper):
    Database = _Psycopg()  # type: ignore[assignment]  # quacks like the psycopg module

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        # Session settings travel in the startup packet: no round trip of their own.
        # With the time zone there, Django finds it set and sends no SET TIME ZONE.
        options = [params.get("options", "")]
        timeout = statement_timeout()
        if timeout > 0:
            options.append(f"-c statement_timeout={round(timeout * 1000)}")
        if self.timezone_name:
            options.append(f"-c TimeZone={_escape_option(self.timezone_name)}")
        params["options"] = " ".join(option for option in options if option)
        return params

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        connection.answer_timeout = answer_timeout()
        return connection

    def is_usable(self) -> bool:
        # CONN_HEALTH_CHECKS runs this before reusing a connection: a silent
        # server must be given up on quickly, then Django reconnects.
        connection = self.connection
        if connection is None:
            return False
        saved = connection.answer_timeout
        connection.answer_timeout = min(saved or HEALTH_CHECK_TIMEOUT, HEALTH_CHECK_TIMEOUT)
        try:
            return bool(super().is_usable())
        finally:
            connection.answer_timeout = saved


def _escape_option(value: str) -> str:
    """libpq's ``options``: spaces and backslashes in a value are backslash-escaped."""
    return value.replace("\\", "\\\\").replace(" ", "\\ ")
