"""Django's database sessions, read by SQL written once on PostgreSQL.

Every signed-in request reads its session first; building that one lookup
through the ORM cost ~0.7 ms of CPU, several times running it. Writing,
expiry and everything else stay Django's, and so does the read on other
databases (the SQLite demo), whose values need the ORM's conversions
(``SESSION_ENGINE`` names this module).
"""

from __future__ import annotations

from functools import cache

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.db import connections, router
from django.utils import timezone

_FIELDS = ["session_key", "session_data", "expire_date"]


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Session | None:
        connection = connections[router.db_for_read(Session)]
        if connection.vendor != "postgresql":
            return super()._get_session_from_db()  # type: ignore[misc,no-any-return]  # not in the stubs
        # Django's lookup: this key, and only while it has not expired.
        with connection.cursor() as cursor:
            cursor.execute(_session_sql(connection.alias), [self.session_key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return Session.from_db(connection.alias, _FIELDS, row)


@cache
def _session_sql(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    columns = ", ".join(quote(name) for name in _FIELDS)
    # Only the model's table and column names are formatted in; values are parameters.
    return (
        f"SELECT {columns} FROM {quote(Session._meta.db_table)}"  # noqa: S608
        f" WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s"
    )
