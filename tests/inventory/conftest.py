"""Fixtures for the Graph tests: respx routes every request; an unrouted one fails."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import respx

from tests.inventory.graph_fakes import TOKEN_ENDPOINT, route_sign_in_metadata, token_ok


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    # assert_all_mocked (the default): any request without a route fails the test.
    with respx.mock(assert_all_called=False) as mock:
        route_sign_in_metadata(mock)
        yield mock


@pytest.fixture
def token_route(router: respx.MockRouter) -> respx.Route:
    return router.post(url__eq=TOKEN_ENDPOINT).mock(return_value=token_ok())
