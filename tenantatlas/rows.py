"""Models read by SQL written once per process: the statements every request makes.

Building them through the ORM cost more CPU than running them (docs/decisions.md,
"Hub fixed cost per request"); these helpers keep the hand-written ones in step
with the models: every concrete field, in the order ``Model.from_db`` expects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

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


def columns(model: type[models.Model], names: Sequence[str] | None = None) -> str:
    """Quoted column names (all concrete fields, or ``names``) for an INSERT's or UPDATE's
    RETURNING list, which names the one table's columns unqualified."""
    quote = connection.ops.quote_name
    return ", ".join(quote(name) for name in (names or attnames(model)))


def loaded[M: models.Model](model: type[M], row: Sequence[Any]) -> M:
    """The instance ``model``'s full row (``attnames`` order) makes, as the ORM would load it."""
    names = attnames(model)
    return model.from_db(connection.alias, names, converted(model, names, row))


def converted(model: type[models.Model], names: Sequence[str], row: Sequence[Any]) -> list[Any]:
    """A raw row's values as the ORM hands them over: through the backend's and each
    field's converters (a JSON column arrives as text, SQLite's datetimes as strings)."""
    steps = _converters(model, tuple(names))
    return [_convert(value, convert) for value, convert in zip(row, steps, strict=True)]


def _convert(value: Any, steps: tuple[tuple[Converter, Any], ...]) -> Any:
    for convert, column in steps:
        value = convert(value, column, connection)
    return value


type Converter = Callable[[Any, Any, Any], Any]


@cache
def _converters(
    model: type[models.Model], names: tuple[str, ...]
) -> list[tuple[tuple[Converter, Any], ...]]:
    steps = []
    fields = {field.attname: field for field in model._meta.concrete_fields}
    for name in names:
        column = fields[name].get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        steps.append(tuple((convert, column) for convert in found))
    return steps
