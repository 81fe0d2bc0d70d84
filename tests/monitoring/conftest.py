"""Hub fixtures: two run types of our own (with Related links), and readers of pages."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from operations.models import OperationRun
from operations.registry import RelatedLink, RunType, register


def _perform(run: OperationRun, recorder: object) -> None:  # never run by these tests
    raise AssertionError("hub tests never perform runs")


def _alpha_related(run: OperationRun) -> list[RelatedLink]:
    target = run.context.get("target_id")
    return [RelatedLink("Alpha target", f"/t/{run.tenant.slug}/alpha/{target}/")] if target else []


register(
    RunType(
        key="hubtest.alpha",
        label="Hub test alpha",
        perform=_perform,
        related=_alpha_related,
        context_keys=("target_id", "note"),
    )
)
register(RunType(key="hubtest.beta", label="Hub test beta", perform=_perform))


ROW = re.compile(r'data-run="(\d+)"')


@pytest.fixture
def listed() -> Callable[[Client, str], list[int]]:
    """``listed(client, url)`` → the run ids the list page shows, in order."""

    def read(client: Client, url: str) -> list[int]:
        response = client.get(url)
        assert response.status_code == 200, response.content[:500]
        return [int(pk) for pk in ROW.findall(response.content.decode())]

    return read
