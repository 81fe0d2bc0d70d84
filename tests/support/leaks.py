"""Look for a string everywhere the database keeps text: every text, varchar and json column.

A leak check that names the tables it looks at misses the table someone adds
next month; this one asks PostgreSQL for every column of every table instead.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

from django.db import connection

_TEXT_TYPES = ("text", "character varying", "jsonb", "json", "character")


def text_columns() -> list[tuple[str, str]]:
    """(table, column) for every text-like column of the public schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type = ANY(%s) ORDER BY 1, 2",
            [list(_TEXT_TYPES)],
        )
        return list(cursor.fetchall())


def rows_containing(needles: Iterable[str]) -> dict[str, list[str]]:
    """``{needle: ["table.column", ...]}`` for each needle found in any text column."""
    columns = text_columns()
    assert columns, "no text columns: is this the right database?"
    found: dict[str, list[str]] = {}
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for needle in needles:
            for table, column in columns:
                # Only quoted names from the catalogue go into the text; the needle is a parameter.
                cursor.execute(
                    f"SELECT 1 FROM {q(table)} WHERE strpos({q(column)}::text, %s) > 0 LIMIT 1",  # noqa: S608
                    [needle],
                )
                if cursor.fetchone():
                    found.setdefault(needle, []).append(f"{table}.{column}")
    return found


def zip_texts(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}
