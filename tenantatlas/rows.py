"""Models read by SQL written once per process: the statements every request makes.

Building them through the ORM cost more CPU than running them (docs/decisions.md,
"Hub fixed cost per request"); these helpers keep the hand-written ones in step
with the models: every concrete field, in the order ``Model.from_db`` expects.
"""

from __future__ import annotations

from django.db import connection, models


def attnames(model: type[models.Model]) -> list[str]:
    """What ``model.from_db`` is given for a full row."""
    return [field.attname for field in model._meta.concrete_fields]


def select_list(model: type[models.Model]) -> list[str]:
    """The same fields as quoted ``"table"."column"`` for a SELECT (no model here names
    a ``db_column``: each column is its attname)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    return [f"{table}.{quote(name)}" for name in attnames(model)]
