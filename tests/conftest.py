"""Shared fixtures: a fixed cast per tenant, the system Chromium (Redis, RQ: support/queues.py).

Cast: in ``tenant`` (acme) there are ``owner``, ``manager``, ``operator`` and
``reader``; ``outsider`` owns ``other_tenant`` (globex) and has no role in acme.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tenantatlas.models import Role, Tenant
from tests.factories import MembershipFactory, TenantFactory, UserFactory
from tests.support import database

pytest_plugins = ["tests.support.queues"]

# Hypothesis times every example; on a shared machine, or beside a second xdist
# worker, that measures the neighbours rather than our code and fails at random.
# The properties stay as strict; speed has its own tests and bench/.
hypothesis_settings.register_profile(
    "tenantatlas", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("tenantatlas")

CHROMIUM = Path("/usr/bin/chromium")
# A test that asks for any of these touches the database, so it may start a run.
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what needs Redis (tests/support/queues.py) and keep the browser tests together.

    Browser tests share one xdist worker (``--dist loadgroup``): one Chromium at a
    time on a small machine, and their polling timeouts are not shared with a second one.
    """
    for item in items:
        uses_database = item.get_closest_marker("django_db") or DATABASE_FIXTURES.intersection(
            getattr(item, "fixturenames", ())
        )
        if uses_database:
            item.add_marker(pytest.mark.redis)
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """pytest-django's test database, with cheap commits and flushes (tests/support/database.py)."""
    with django_db_blocker.unblock():
        database.no_synchronous_commit()
        database.install()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        pytest.fail("Browser tests need Debian's chromium: apt-get install chromium")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


# Browser tests watch live pages poll (settings.py): at production's intervals each
# step would wait seconds to see the same progress, end and bell.
E2E_POLLS = {"HUB_POLL_SECONDS": 0.25, "BELL_POLL_SECONDS": 0.5}


@pytest.fixture(autouse=True)
def _quick_polls(request: pytest.FixtureRequest) -> None:
    """The live server (this process) tells browser tests' pages to poll often."""
    if request.node.get_closest_marker("e2e"):
        settings = request.getfixturevalue("settings")
        for name, seconds in E2E_POLLS.items():
            setattr(settings, name, seconds)


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """The cast's passwords would be hashed with the real PBKDF2 otherwise: seconds per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def tenant(db: Any) -> Tenant:
    return TenantFactory.create(slug="acme", name="Acme Corp")


@pytest.fixture
def other_tenant(db: Any) -> Tenant:
    return TenantFactory.create(slug="globex", name="Globex")


def _member(tenant: Tenant, username: str, role: Role) -> User:
    user = UserFactory.create(username=username)
    MembershipFactory.create(user=user, tenant=tenant, role=role)
    return user


@pytest.fixture
def owner(tenant: Tenant) -> User:
    return _member(tenant, "owner", Role.OWNER)


@pytest.fixture
def manager(tenant: Tenant) -> User:
    return _member(tenant, "manager", Role.MANAGER)


@pytest.fixture
def operator(tenant: Tenant) -> User:
    return _member(tenant, "operator", Role.OPERATOR)


@pytest.fixture
def reader(tenant: Tenant) -> User:
    return _member(tenant, "reader", Role.READONLY)


@pytest.fixture
def outsider(other_tenant: Tenant) -> User:
    return _member(other_tenant, "outsider", Role.OWNER)


@pytest.fixture
def login() -> Callable[[User], Client]:
    """``login(user)`` → a test client signed in as that person."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
