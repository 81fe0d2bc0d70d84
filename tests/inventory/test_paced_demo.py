"""Demo pacing: the same items, in about a dozen steps spread over DEMO_SYNC_SECONDS."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pytest

from demo.paced import PacedSource, Page
from demo.source import DemoSource
from inventory.connections import source_for
from inventory.models import ConnectionKind, TenantConnection

if TYPE_CHECKING:
    from pytest_django import Settings

    from tenantatlas.models import Tenant


def _items(pages: Iterable[Page]) -> list[tuple[str, str]]:
    return [(item.policy_type, item.external_id) for page in pages for item in page]


def test_a_paced_source_yields_the_same_items_in_steps_with_pauses_between() -> None:
    demo = DemoSource("contoso", 2, size=60, fail_every=7)
    pauses: list[float] = []
    paced = PacedSource(demo, seconds=6, steps=12, sleep=pauses.append)

    pages = list(paced.pages())

    assert _items(pages) == _items(demo.pages())
    assert paced.expected_total == len(_items(pages)) == demo.expected_total
    assert 12 <= len(pages) <= 16  # a page never mixes policy types, so a few more steps
    assert pauses == [0.5] * (len(pages) - 1)  # none before the first step


@pytest.mark.django_db
def test_the_demo_connection_is_paced_only_when_demo_sync_seconds_is_set(
    tenant: Tenant, settings: Settings
) -> None:
    connection = TenantConnection.objects.create(
        tenant=tenant, kind=ConnectionKind.DEMO, demo_seed="acme", demo_size=10
    )

    settings.DEMO_SYNC_SECONDS = 0
    assert isinstance(source_for(connection), DemoSource)
    settings.DEMO_SYNC_SECONDS = 15
    paced = source_for(connection)
    assert isinstance(paced, PacedSource) and paced.seconds == 15
