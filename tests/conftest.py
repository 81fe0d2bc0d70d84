"""Shared fixtures: a fixed cast per tenant, real Redis, real RQ workers, the system Chromium.

Cast: in ``tenant`` (acme) there are ``owner``, ``manager``, ``operator`` and
``reader``; ``outsider`` owns ``other_tenant`` (globex) and has no role in acme.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import django_rq
import pytest
from django.contrib.auth.models import User
from django.test import Client
from redis import Redis
from rq import SimpleWorker

from tenantatlas.models import Role, Tenant
from tests.factories import MembershipFactory, TenantFactory, UserFactory

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
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


@pytest.fixture(scope="session", autouse=True)
def _services_reachable() -> None:
    """Fail the whole run with one clear line when Redis is down, not a wall of tracebacks."""
    try:
        django_rq.get_connection("default").ping()
    except Exception as exc:
        pytest.exit(f"Redis is unreachable ({exc}); start it or set REDIS_URL.", returncode=3)


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """The cast's passwords would be hashed with the real PBKDF2 otherwise: seconds per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def redis_conn() -> Redis:
    return django_rq.get_connection("default")


@pytest.fixture(autouse=True)
def _clean_redis(redis_conn: Redis) -> Iterator[None]:
    """Tests use their own Redis database (settings.TESTING) and leave it empty."""
    redis_conn.flushdb()
    yield
    redis_conn.flushdb()


@pytest.fixture
def work_queue() -> Callable[[], int]:
    """Run the default queue dry on a real, in-process RQ worker; returns jobs handled."""

    def work() -> int:
        queue = django_rq.get_queue("default")
        before = queue.count
        worker = SimpleWorker([queue], connection=queue.connection)
        worker.work(burst=True, with_scheduler=False)
        return before - queue.count

    return work


@pytest.fixture
def tenant(db: Any) -> Tenant:
    return TenantFactory(slug="acme", name="Acme Corp")


@pytest.fixture
def other_tenant(db: Any) -> Tenant:
    return TenantFactory(slug="globex", name="Globex")


def _member(tenant: Tenant, username: str, role: Role) -> User:
    user = UserFactory(username=username)
    MembershipFactory(user=user, tenant=tenant, role=role)
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
