"""Keyset pagination over ``(-created_at, -id)``: as fast on page 10,000 as on page 1.

A cursor names the row a page continues from and the direction: ``next``
(older rows) or ``previous`` (newer rows). It is opaque to people (urlsafe
base64) but not secret: it only says where to continue, and it is always
applied to an already tenant-scoped, filtered queryset, so a crafted cursor can
reach nothing the filters would not show. New runs arrive at the top, so
following ``next`` links visits every older row exactly once however many runs
start meanwhile; no OFFSET, no COUNT(*).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Q


class CursorError(ValueError):
    """The cursor could not be read (a filter error: a clear message or a 400, not a 500)."""


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    pk: int
    backwards: bool = False  # True: the page of newer rows before this one

    @classmethod
    def after(cls, row: Any) -> Cursor:
        return cls(row.created_at, row.pk)

    @classmethod
    def before(cls, row: Any) -> Cursor:
        return cls(row.created_at, row.pk, backwards=True)

    def encode(self) -> str:
        text = f"{'p' if self.backwards else 'n'}|{self.created_at.isoformat()}|{self.pk}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
            direction, stamp, pk = raw.decode("ascii").split("|")
            created_at = datetime.fromisoformat(stamp)
            number = int(pk)
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise CursorError("This page link is malformed.") from exc
        if direction not in ("n", "p") or created_at.tzinfo is None or number < 1:
            raise CursorError("This page link is malformed.")
        return cls(created_at, number, backwards=direction == "p")


@dataclass(frozen=True)
class KeysetPage[M: models.Model]:
    rows: list[M]
    next_cursor: str | None  # older rows
    previous_cursor: str | None  # newer rows


def older_than(cursor: Cursor) -> Q:
    # The redundant ``created_at__lte`` lets PostgreSQL bound the index range;
    # the OR alone would be a filter over every newer row.
    at = cursor.created_at
    return Q(created_at__lte=at) & (Q(created_at__lt=at) | Q(created_at=at, pk__lt=cursor.pk))


def newer_than(cursor: Cursor) -> Q:
    at = cursor.created_at
    return Q(created_at__gte=at) & (Q(created_at__gt=at) | Q(created_at=at, pk__gt=cursor.pk))


def keyset_page[M: models.Model](
    queryset: models.QuerySet[M], cursor: Cursor | None, size: int
) -> KeysetPage[M]:
    """One page, newest first, fetching ``size + 1`` rows to learn whether more follow."""
    if cursor is not None and cursor.backwards:
        return _page_backwards(queryset, cursor, size)
    if cursor is not None:
        queryset = queryset.filter(older_than(cursor))
    rows = list(queryset.order_by("-created_at", "-pk")[: size + 1])
    more, rows = len(rows) > size, rows[:size]
    return KeysetPage(
        rows=rows,
        next_cursor=Cursor.after(rows[-1]).encode() if more else None,
        previous_cursor=Cursor.before(rows[0]).encode() if cursor and rows else None,
    )


def _page_backwards[M: models.Model](
    queryset: models.QuerySet[M], cursor: Cursor, size: int
) -> KeysetPage[M]:
    rows = list(queryset.filter(newer_than(cursor)).order_by("created_at", "pk")[: size + 1])
    more, rows = len(rows) > size, rows[:size][::-1]
    return KeysetPage(
        rows=rows,
        next_cursor=Cursor.after(rows[-1]).encode() if rows else None,
        previous_cursor=Cursor.before(rows[0]).encode() if more else None,
    )
