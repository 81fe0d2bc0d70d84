"""Tenancy: outsiders get the same 403, anonymous people sign in, readonly people change nothing."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from operations.models import OperationRun
from tenantatlas.models import Membership
from tests.factories import OperationRunFactory, TenantFactory

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from django.contrib.auth.models import User
    from django.test import Client

    from tenantatlas.models import Tenant


def test_anonymous_is_sent_to_sign_in(client: Client, tenant: Tenant) -> None:
    response = client.get("/t/acme/monitoring/operations/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/t/acme/")


def test_anonymous_api_request_gets_401_json(client: Client, tenant: Tenant) -> None:
    response = client.get("/api/v1/t/acme/runs/")

    assert response.status_code == 401
    assert response.json() == {"error": "authentication required"}


def test_it_rejects_outsider_with_the_same_body_whether_the_tenant_exists_or_not(
    login: Callable[[User], Client], outsider: User, tenant: Tenant
) -> None:
    client = login(outsider)

    existing = client.get("/t/acme/monitoring/operations/")
    missing = client.get("/t/no-such-tenant/monitoring/operations/")

    assert existing.status_code == missing.status_code == 403
    assert existing.content == missing.content
    assert b"Acme" not in existing.content


def test_member_sees_their_tenant_page(login: Callable[[User], Client], reader: User) -> None:
    response = login(reader).get("/t/acme/monitoring/operations/")

    assert response.status_code == 200


def _tenant_urls(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _tenant_urls(entry, route)
        elif isinstance(entry, URLPattern) and "<slug:tenant_slug>" in route:
            yield route


def _fill(route: str) -> str:
    route = route.replace("<slug:tenant_slug>", "acme").replace("^", "").replace("$", "")
    while "<" in route:
        start, end = route.index("<"), route.index(">")
        route = route[:start] + "1" + route[end + 1 :]
    return "/" + route


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_tenant_url_rejects_outsider(
    login: Callable[[User], Client], outsider: User, tenant: Tenant, method: str
) -> None:
    client = login(outsider)
    urls = sorted({_fill(route) for route in _tenant_urls()})
    assert len(urls) >= 3

    answers = {url: getattr(client, method)(url).status_code for url in urls}

    assert set(answers.values()) == {403}, answers


def test_every_tenant_post_rejects_readonly_unless_declared_readonly(
    login: Callable[[User], Client], reader: User
) -> None:
    client = login(reader)
    for route in _tenant_urls():
        url = _fill(route)
        view = get_resolver().resolve(url).func
        declared = getattr(view, "required_role", None)
        if declared == "readonly":
            continue  # e.g. marking one's own notifications read
        assert client.post(url).status_code == 403, url


def test_for_tenant_never_returns_another_tenants_rows(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = OperationRunFactory.create(tenant=tenant)
    OperationRunFactory.create(tenant=other_tenant)

    assert list(OperationRun.objects.for_tenant(tenant)) == [mine]


def test_the_chooser_lists_only_my_tenants(
    login: Callable[[User], Client], owner: User, outsider: User
) -> None:
    TenantFactory.create(slug="initech")
    Membership.objects.create(
        user=owner, tenant=TenantFactory.create(slug="hooli"), role="readonly"
    )

    response = login(owner).get("/")

    assert response.status_code == 200
    assert b"/t/acme/" in response.content and b"/t/hooli/" in response.content
    assert b"globex" not in response.content and b"initech" not in response.content


def test_a_person_with_one_tenant_lands_on_its_hub(
    login: Callable[[User], Client], reader: User
) -> None:
    response = login(reader).get("/")

    assert response.status_code == 302
    assert response["Location"] == "/t/acme/monitoring/operations/"


def test_missing_secret_key_with_debug_off_refuses_to_start() -> None:
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "tenantatlas.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
