"""Fixtures for the Graph tests: respx routes every request; an unrouted one fails."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from functools import partial

import pytest
import respx
from cryptography.fernet import Fernet
from django.contrib.auth.models import User
from django.test import Client
from pytest_django.fixtures import Settings

from inventory import connections
from inventory.connections import set_secret
from inventory.models import ConnectionKind, TenantConnection
from tenantatlas.models import Tenant
from tests.inventory.graph_fakes import (
    CLIENT,
    ENTRA_TENANT,
    SECRET,
    TOKEN_ENDPOINT,
    GraphSync,
    Sleeps,
    route_sign_in_metadata,
    token_ok,
)


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    # assert_all_mocked (the default): any request without a route fails the test.
    with respx.mock(assert_all_called=False) as mock:
        route_sign_in_metadata(mock)
        yield mock


@pytest.fixture
def token_route(router: respx.MockRouter) -> respx.Route:
    return router.post(url__eq=TOKEN_ENDPOINT).mock(return_value=token_ok())


@pytest.fixture
def graph_tenant(tenant: Tenant, settings: Settings) -> Tenant:
    """The tenant "acme", connected to Graph with a client secret."""
    settings.CREDENTIALS_KEY = Fernet.generate_key().decode()
    tenant.entra_tenant_id = ENTRA_TENANT
    tenant.save()
    connection = TenantConnection(tenant=tenant, kind=ConnectionKind.GRAPH, client_id=CLIENT)
    set_secret(connection, SECRET)
    connection.save()
    return tenant


@pytest.fixture
def graph(
    graph_tenant: Tenant,
    router: respx.MockRouter,
    token_route: respx.Route,
    operator: User,
    owner: User,
    login: Callable[[User], Client],
    work_queue: Callable[[], int],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> GraphSync:
    """A Graph-connected tenant, synced through the page on a real worker; the job sleeps
    into ``graph.sleeps`` and every log line is captured."""
    sleeps = Sleeps()
    monkeypatch.setattr(connections, "source_for", partial(connections.source_for, sleep=sleeps))
    caplog.set_level(logging.DEBUG)
    return GraphSync(router, token_route, sleeps, login, operator, owner, work_queue, caplog)
