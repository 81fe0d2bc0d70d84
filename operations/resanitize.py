"""Pass failure text stored by an older sanitizer through today's one.

Used by the data migration ``operations 0005_resanitize_failures`` (and safe to
run again at any time): every failure entry (code, message, item), every run's
failure reason and every notification body (a failed run's notice repeats its
reason) is sanitized again, so no row written before a rule existed keeps the
secret that rule now stops.

Built for tables of millions of rows: it walks each table in primary-key order
in batches (``pk > last ORDER BY pk LIMIT n``, one index range scan each), reads
only the columns it rewrites, and writes only the rows that changed, one
``bulk_update`` per batch. Each batch commits on its own when the caller is not
inside a transaction (the migration is non-atomic), so an interrupted run keeps
its progress and a second run finds nothing left to change. Sanitizing is
idempotent, so rows already clean stay as they are.

The functions take the model classes, so the migration passes its historical
models and tests can pass the current ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from operations.sanitize import sanitize, sanitize_code

BATCH = 2000

_Clean = Callable[[Any], str]


@dataclass(frozen=True)
class Column:
    name: str
    clean: _Clean
    skip_empty: bool = True  # "" sanitizes to "": no need to read those rows


def _message(value: Any) -> str:
    return sanitize(value)


def _item(value: Any) -> str:
    return sanitize(value, max_length=200)


FAILURE_COLUMNS = (
    Column("code", sanitize_code, skip_empty=False),
    Column("message", _message),
    Column("item", _item),
)
RUN_COLUMNS = (Column("failure_reason", _message),)
NOTIFICATION_COLUMNS = (Column("body", _message),)


def resanitize(model: Any, columns: Sequence[Column], *, batch: int | None = None) -> int:
    """Rewrite ``columns`` of every row of ``model`` through the sanitizer; rows changed."""
    size = batch or BATCH
    names = [column.name for column in columns]
    changed = 0
    for rows in _batches(model, columns, size):
        updates = []
        for pk, *values in rows:
            cleaned = [column.clean(value) for column, value in zip(columns, values, strict=True)]
            if cleaned != list(values):
                updates.append(model(pk=pk, **dict(zip(names, cleaned, strict=True))))
        if updates:
            model.objects.bulk_update(updates, names)
            changed += len(updates)
    return changed


def _batches(model: Any, columns: Sequence[Column], size: int) -> Iterator[list[tuple[Any, ...]]]:
    """The rows (pk first) in primary-key order, ``size`` at a time."""
    names = [column.name for column in columns]
    rows = model.objects.order_by("pk")
    if all(column.skip_empty for column in columns):
        # Most runs never failed: their empty reason costs neither a read nor a sanitize.
        rows = rows.exclude(**dict.fromkeys(names, ""))
    last = None
    while True:
        page = rows if last is None else rows.filter(pk__gt=last)
        batch = list(page.values_list("pk", *names)[:size])
        if not batch:
            return
        yield batch
        last = batch[-1][0]


def resanitize_all(
    *, failure: Any, run: Any, notification: Any, batch: int | None = None
) -> dict[str, int]:
    """Every stored failure text, table by table; rows changed per table."""
    return {
        "failure entries": resanitize(failure, FAILURE_COLUMNS, batch=batch),
        "run failure reasons": resanitize(run, RUN_COLUMNS, batch=batch),
        "notification bodies": resanitize(notification, NOTIFICATION_COLUMNS, batch=batch),
    }
