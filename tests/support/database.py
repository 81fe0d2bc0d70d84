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
  ``flush`` leaves them (not reset).
- ``post_migrate`` after the flush only writes back the rows its handlers own
  (contenttypes' and auth's: content types and permissions, ~70 queries). While
  those two tables hold exactly what migrate left in them (a checksum of their
  rows), the flush keeps them and skips the signal: the same rows, the same ids.
  When a test changed them, they are emptied and the signal runs as before.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models.signals import post_migrate

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


# The tables post_migrate's handlers fill (create_contenttypes, create_permissions).
POST_MIGRATE_TABLES = (ContentType._meta.db_table, Permission._meta.db_table)
# The handlers this skip stands in for; another one would need the signal (install() checks).
POST_MIGRATE_HANDLERS = {
    "django.contrib.contenttypes.management.create_contenttypes",
    "django.contrib.auth.management.create_permissions",
    "django.contrib.auth.management.rename_permissions_after_model_rename",  # plans only
}


class _PostMigrateRows:
    """What migrate left in POST_MIGRATE_TABLES, and whether the last flush kept it."""

    def __init__(self) -> None:
        self.migrated = self.checksum(_default())
        self.kept = False

    @staticmethod
    def checksum(wrapper: BaseDatabaseWrapper) -> tuple[str, ...]:
        quote = wrapper.ops.quote_name
        sums = ", ".join(
            f"(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t.id), '')) "  # noqa: S608
            f"FROM {quote(table)} AS t)"
            for table in POST_MIGRATE_TABLES
        )
        with wrapper.cursor() as cursor:
            cursor.execute(f"SELECT {sums}")
            row = cursor.fetchone()
        assert row is not None
        return tuple(row)

    def unchanged(self, wrapper: BaseDatabaseWrapper) -> bool:
        return self.checksum(wrapper) == self.migrated


def _default() -> BaseDatabaseWrapper:
    """The default connection of the running code's context.

    Not one captured at start-up: once Playwright's sync API runs an event loop in
    the test thread, Django hands each context a wrapper (and connection) of its own.
    """
    return connections[DEFAULT_DB_ALIAS]


def fast_sql_flush(
    original: Callable[..., list[str]], post_migrate_rows: _PostMigrateRows | None = None
) -> Callable[..., list[str]]:
    """``DatabaseOperations.sql_flush`` that deletes small tables' rows instead of truncating
    all, and keeps post_migrate's tables while they are as migrate left them."""

    def sql_flush(
        ops: BaseDatabaseOperations,
        style: Any,
        tables: Sequence[str],
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        wrapper = ops.connection
        if post_migrate_rows is not None:
            post_migrate_rows.kept = False
        if reset_sequences or allow_cascade or not tables:
            return original(
                ops, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        if post_migrate_rows is not None and post_migrate_rows.unchanged(wrapper):
            post_migrate_rows.kept = True
            tables = [table for table in tables if table not in POST_MIGRATE_TABLES]
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


def _skip_post_migrate_when_kept(rows: _PostMigrateRows) -> Callable[..., None]:
    original = flush.emit_post_migrate_signal  # type: ignore[attr-defined]  # absent from the stubs

    def emit_post_migrate_signal(*args: Any, **kwargs: Any) -> None:
        if rows.kept:
            rows.kept = False
            return  # its handlers would find every row they write already there
        original(*args, **kwargs)
        rows.migrated = rows.checksum(_default())  # what they wrote is the state to keep now

    return emit_post_migrate_signal


def _post_migrate_handlers() -> set[str]:
    """Every function connected to post_migrate, for any sender."""
    names = set()
    for _key, receiver, _sender, _is_async in post_migrate.receivers:
        function = receiver() if isinstance(receiver, weakref.ReferenceType) else receiver
        if function is not None:
            names.add(f"{function.__module__}.{function.__qualname__}")
    return names


def install() -> None:
    """Use the cheap flush on every connection of this process (the tests' ones).

    Call it once the test database is migrated, with database access allowed. It
    patches the operations class, not one connection's: see ``_default``.
    """
    ops_class = type(_default().ops)
    rows = None
    if _post_migrate_handlers() <= POST_MIGRATE_HANDLERS:
        rows = _PostMigrateRows()
        flush.emit_post_migrate_signal = _skip_post_migrate_when_kept(rows)  # type: ignore[attr-defined]
    ops_class.sql_flush = fast_sql_flush(ops_class.sql_flush, rows)  # type: ignore[method-assign]
