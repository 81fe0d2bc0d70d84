"""Tenancy: outsiders get the same 403, anonymous people sign in, readonly people change nothing."""

import subprocess
import sys

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from operations.models import OperationRun
from tenantatlas.models import Membership
from tests.factories import OperationRunFactory, TenantFactory


def test_anonymous_is_sent_to_sign_in(client, tenant):
    response = client.get("/t/acme/monitoring/operations/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/t/acme/")


def test_anonymous_api_request_gets_401_json(client, tenant):
    response = client.get("/api/v1/t/acme/runs/")

    assert response.status_code == 401
    assert response.json() == {"error": "authentication required"}


def test_it_rejects_outsider_with_the_same_body_whether_the_tenant_exists_or_not(
    login, outsider, tenant
):
    client = login(outsider)

    existing = client.get("/t/acme/monitoring/operations/")
    missing = client.get("/t/no-such-tenant/monitoring/operations/")

    assert existing.status_code == missing.status_code == 403
    assert existing.content == missing.content
    assert b"Acme" not in existing.content


def test_member_sees_their_tenant_page(login, reader):
    response = login(reader).get("/t/acme/monitoring/operations/")

    assert response.status_code == 200


def _tenant_urls(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _tenant_urls(entry, route)
        elif isinstance(entry, URLPattern) and "<slug:tenant_slug>" in route:
            yield route


def _fill(route):
    route = route.replace("<slug:tenant_slug>", "acme").replace("^", "").replace("$", "")
    while "<" in route:
        start, end = route.index("<"), route.index(">")
        route = route[:start] + "1" + route[end + 1 :]
    return "/" + route


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_tenant_url_rejects_outsider(login, outsider, tenant, method):
    client = login(outsider)
    urls = sorted({_fill(route) for route in _tenant_urls()})
    assert len(urls) >= 3

    answers = {url: getattr(client, method)(url).status_code for url in urls}

    assert set(answers.values()) == {403}, answers


def test_every_tenant_post_rejects_readonly_unless_declared_readonly(login, reader):
    client = login(reader)
    for route in _tenant_urls():
        url = _fill(route)
        view = get_resolver().resolve(url).func
        declared = getattr(view, "required_role", None)
        if declared == "readonly":
            continue  # e.g. marking one's own notifications read
        assert client.post(url).status_code == 403, url


def test_for_tenant_never_returns_another_tenants_rows(tenant, other_tenant):
    mine = OperationRunFactory(tenant=tenant)
    OperationRunFactory(tenant=other_tenant)

    assert list(OperationRun.objects.for_tenant(tenant)) == [mine]


def test_the_chooser_lists_only_my_tenants(login, owner, outsider):
    TenantFactory(slug="initech")
    Membership.objects.create(user=owner, tenant=TenantFactory(slug="hooli"), role="readonly")

    response = login(owner).get("/")

    assert response.status_code == 200
    assert b"/t/acme/" in response.content and b"/t/hooli/" in response.content
    assert b"globex" not in response.content and b"initech" not in response.content


def test_a_person_with_one_tenant_lands_on_its_hub(login, reader):
    response = login(reader).get("/")

    assert response.status_code == 302
    assert response["Location"] == "/t/acme/monitoring/operations/"


def test_missing_secret_key_with_debug_off_refuses_to_start():
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "tenantatlas.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
