"""The test databases' speed settings: cheap commits and a cheap flush between transactional tests.

Both change how fast the test database gets to the same state, never which state:

- ``synchronous_commit = off`` on the test database (every connection to it, our
  subprocesses' too): a commit returns before its WAL reaches the disk. Another
  session sees it at once as before; only a crash of the PostgreSQL server could
  lose it, and no test crashes the server (they cut a proxy in front of it).
- The flush after each transactional test (Django's ``flush``: PostgreSQL's
  ``TRUNCATE`` of every table, then ``post_migrate``) empties the same tables by
  ``DELETE`` when they hold few rows. ``TRUNCATE`` of all 26 tables creates and
  unlinks the files of every table and index, about a second on a busy machine;
  deleting the few rows that a test wrote takes milliseconds. Tables with many rows
  (the EXPLAIN test's 150,000 runs) are still truncated. Sequences are left as
  ``flush`` leaves them (not reset), and ``post_migrate`` runs as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

# Above this many rows a table is truncated: DELETE grows with the rows, TRUNCATE does not.
DELETE_AT_MOST = 1000


def no_synchronous_commit() -> None:
    """For every later connection to the test database (the session's current one too)."""
    with connection.cursor() as cursor:
        name = connection.ops.quote_name(connection.settings_dict["NAME"])
        cursor.execute(f"ALTER DATABASE {name} SET synchronous_commit = off")
        cursor.execute("SET synchronous_commit = off")


def _row_counts(wrapper: BaseDatabaseWrapper, tables: Sequence[str]) -> dict[str, int]:
    """Each table's rows, counted up to DELETE_AT_MOST + 1, in one query."""
    quote = wrapper.ops.quote_name
    counts = " UNION ALL ".join(
        f"SELECT %s, (SELECT count(*) FROM (SELECT 1 FROM {quote(table)} "  # noqa: S608
        f"LIMIT {DELETE_AT_MOST + 1}) AS t)"
        for table in tables
    )
    with wrapper.cursor() as cursor:
        cursor.execute(counts, list(tables))
        return {table: int(rows) for table, rows in cursor.fetchall()}


def fast_sql_flush(wrapper: BaseDatabaseWrapper) -> Callable[..., list[str]]:
    """``wrapper.ops.sql_flush`` that deletes small tables' rows instead of truncating all."""
    original = wrapper.ops.sql_flush

    def sql_flush(
        style: Any,
        tables: Sequence[str],
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        if reset_sequences or allow_cascade or not tables:
            return original(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        counts = _row_counts(wrapper, tables)
        big = [table for table in tables if counts[table] > DELETE_AT_MOST]
        small = [table for table in tables if 0 < counts[table] <= DELETE_AT_MOST]
        quote = wrapper.ops.quote_name
        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: any order of DELETEs
        # in the flush's one transaction is valid at its commit.
        statements = ["SET CONSTRAINTS ALL DEFERRED"]
        if big:
            # CASCADE: TRUNCATE refuses a table referenced from a table not in the list.
            statements.append(f"TRUNCATE {', '.join(quote(t) for t in big)} CASCADE")
        statements += [f"DELETE FROM {quote(table)}" for table in small]  # noqa: S608
        return statements

    return sql_flush


def install() -> None:
    """Use the cheap flush on this process's default connection (the tests' one)."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    wrapper.ops.sql_flush = fast_sql_flush(wrapper)  # type: ignore[method-assign]
