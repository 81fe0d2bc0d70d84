"""Inventory test helpers shared by the Graph job tests (secret and certificate)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import respx
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from operations.models import OperationRun


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    # assert_all_mocked (the default): any request without a route fails the test.
    with respx.mock(assert_all_called=False) as mock:
        yield mock


def sync_via_page(
    login: Callable[[User], Client], user: User, work_queue: Callable[[], int]
) -> OperationRun:
    """Start a sync as a person would (POST the page) and run it on a real worker."""
    response = login(user).post(reverse("inventory:sync", kwargs={"tenant_slug": "acme"}))
    assert response.status_code == 302
    assert work_queue() == 1
    run = OperationRun.objects.order_by("-id").first()
    assert run is not None
    return run
