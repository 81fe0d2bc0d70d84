"""Keyset pages: opaque cursors, every row exactly once, no OFFSET, ties broken by id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from monitoring.keyset import Cursor, CursorError, KeysetPage, keyset_page
from operations.models import OperationRun
from tests.factories import OperationRunFactory

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from tenantatlas.models import Tenant

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_cursor_survives_the_round_trip() -> None:
    cursor = Cursor(T0, 42, backwards=True)

    token = cursor.encode()

    assert Cursor.decode(token) == cursor
    assert "=" not in token and "/" not in token and "+" not in token


@pytest.mark.parametrize(
    "token",
    [
        "x",
        "!!!!",
        "bm90IGEgY3Vyc29y",  # "not a cursor"
        Cursor(T0, 1).encode()[:-3],
        "bnwyMDI2LTAzLTAxVDEyOjAwOjAwfDE",  # "n|2026-03-01T12:00:00|1": naive time
        "eHwyMDI2LTAzLTAxVDEyOjAwOjAwKzAwOjAwfDE",  # "x|…": unknown direction
        "bnwyMDI2LTAzLTAxVDEyOjAwOjAwKzAwOjAwfC01",  # id -5
        "//8=",  # not UTF-8
    ],
)
def test_a_malformed_cursor_is_a_cursor_error(token: str) -> None:
    with pytest.raises(CursorError):
        Cursor.decode(token)


def _ids(page: KeysetPage[OperationRun]) -> list[int]:
    return [run.pk for run in page.rows]


def _cursor(token: str | None) -> Cursor:
    assert token is not None
    return Cursor.decode(token)


def _walk(queryset: QuerySet[OperationRun], size: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        page = keyset_page(queryset, cursor, size)
        seen += _ids(page)
        if page.next_cursor is None:
            return seen
        cursor = Cursor.decode(page.next_cursor)


@pytest.mark.django_db
def test_pages_visit_every_row_once_newest_first_with_ties_broken_by_id(tenant: Tenant) -> None:
    # Groups of runs share one timestamp: only the id keeps the order total.
    runs = [
        OperationRunFactory.create(tenant=tenant, created_at=T0 + timedelta(minutes=n // 4))
        for n in range(23)
    ]
    expected = sorted(runs, key=lambda r: (r.created_at, r.pk), reverse=True)

    seen = _walk(OperationRun.objects.for_tenant(tenant), size=5)

    assert seen == [run.pk for run in expected]


@pytest.mark.django_db
def test_previous_pages_walk_back_to_the_first(tenant: Tenant) -> None:
    for n in range(12):
        OperationRunFactory.create(tenant=tenant, created_at=T0 + timedelta(minutes=n))
    runs = OperationRun.objects.for_tenant(tenant)
    first = keyset_page(runs, None, 5)
    second = keyset_page(runs, _cursor(first.next_cursor), 5)
    third = keyset_page(runs, _cursor(second.next_cursor), 5)

    back = keyset_page(runs, _cursor(third.previous_cursor), 5)
    top = keyset_page(runs, _cursor(back.previous_cursor), 5)

    assert len(_ids(third)) == 2 and third.next_cursor is None
    assert _ids(back) == _ids(second)
    assert _ids(top) == _ids(first)
    assert top.previous_cursor is None and first.previous_cursor is None


@pytest.mark.django_db
def test_new_runs_arriving_between_pages_never_repeat_or_skip_a_row(tenant: Tenant) -> None:
    for n in range(30):
        OperationRunFactory.create(tenant=tenant, created_at=T0 + timedelta(seconds=n))
    before = set(OperationRun.objects.values_list("pk", flat=True))
    runs = OperationRun.objects.for_tenant(tenant)

    seen, cursor, inserted = [], None, 0
    while True:
        page = keyset_page(runs, cursor, 7)
        seen += _ids(page)
        # Another worker starts runs while the person reads this page.
        for _ in range(3):
            OperationRunFactory.create(tenant=tenant)
            inserted += 1
        if page.next_cursor is None:
            break
        cursor = Cursor.decode(page.next_cursor)

    assert len(seen) == len(set(seen)) == 30
    assert set(seen) == before
    assert inserted >= 12
