"""What the Graph tests share: the fake tenant's ids, Graph's answers, and the leak check.

Only HTTP is synthetic (respx); the database, the queue and the worker are real.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import respx
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from inventory.models import InventorySync, SnapshotItem, TenantConnection
from inventory.sources.graph import BATCH_URL, ENDPOINTS
from monitoring.links import run_url
from operations.models import Notification, OperationRun, RunFailure
from tests.support.leaks import rows_containing

ENTRA_TENANT = "7d3c1f0e-5a8b-4c2d-9e1f-0a1b2c3d4e5f"
CLIENT = "c0ffee00-1111-2222-3333-444455556666"
SECRET = "Qx8~k2.Rz-SECRET-VALUE_9aBcD3fGhJ"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.ACCESS-TOKEN-BODY.signature"
TOKEN_ENDPOINT = f"https://login.microsoftonline.com/{ENTRA_TENANT}/oauth2/v2.0/token"
DEVICE_CONFIGS = ENDPOINTS["deviceConfiguration"]
COMPLIANCE = ENDPOINTS["compliancePolicy"]
CATALOG = ENDPOINTS["settingsCatalog"]
GROUP_POLICY = ENDPOINTS["groupPolicyConfiguration"]
REQUEST_ID = "5e1f2a3b-aaaa-bbbb-cccc-0123456789ab"


def token_ok() -> httpx.Response:
    return httpx.Response(
        200, json={"token_type": "Bearer", "expires_in": 3599, "access_token": TOKEN}
    )


def openid_configuration(request: httpx.Request) -> httpx.Response:
    """Entra's OpenID metadata for the tenant asked about, in the shape of the documented
    document (learn.microsoft.com/entra/identity-platform/v2-protocols-oidc, "Fetch the
    OpenID configuration document"): msal reads the token endpoint from it."""
    host, tenant = request.url.host, request.url.path.split("/")[1]
    base = f"https://{host}/{tenant}"
    return httpx.Response(200, json={
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": f"https://{host}/{tenant}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"https://{host}/{tenant}/v2.0",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
        "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
    })  # fmt: skip


def route_sign_in_metadata(router: respx.MockRouter) -> respx.Route:
    """Every cloud's OpenID metadata, which msal reads before its first token request."""
    return router.get(path__regex=r"^/[^/]+/v2\.0/\.well-known/openid-configuration$").mock(
        side_effect=openid_configuration
    )


def graph_page(items: list[dict[str, Any]], next_link: str | None = None) -> httpx.Response:
    body: dict[str, Any] = {"@odata.context": "https://graph.microsoft.com/...", "value": items}
    if next_link:
        body["@odata.nextLink"] = next_link
    return httpx.Response(200, json=body, headers={"request-id": REQUEST_ID})


def route_batch(router: respx.MockRouter, answers: dict[str, httpx.Response]) -> respx.Route:
    """``POST /beta/$batch`` in the documented shape (docs/v1.0/batch/json-batching-response.json):
    each inner request answered from ``answers`` by its relative URL, else 404, and the
    responses in reverse order (the documentation: "might appear in a different order")."""

    def respond(request: httpx.Request) -> httpx.Response:
        inner = []
        for asked in json.loads(request.content)["requests"]:
            answer = answers.get(asked["url"]) or graph_error(404, "ResourceNotFound", "Not found")
            inner.append({
                "id": asked["id"], "status": answer.status_code,
                "headers": dict(answer.headers), "body": answer.json(),
            })  # fmt: skip
        return httpx.Response(200, json={"responses": inner[::-1]})

    return router.post(url__eq=BATCH_URL).mock(side_effect=respond)


def graph_error(status: int, code: str, message: str, **headers: str) -> httpx.Response:
    body = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": "2025-01-06T08:00:00",
                "request-id": REQUEST_ID,
                "client-request-id": "c1c1c1c1-0000-0000-0000-000000000001",
            },
        }
    }
    return httpx.Response(status, json=body, headers=headers)


def windows_config(n: int, **extra: Any) -> dict[str, Any]:
    """A Windows 10 general configuration, as Graph lists it."""
    return {
        "@odata.type": "#microsoft.graph.windows10GeneralConfiguration",
        "id": f"00000000-0000-0000-0000-{n:012d}",
        "displayName": f"Windows 10 - Policy {n}",
        "createdDateTime": "2025-01-01T08:00:00Z",
        "lastModifiedDateTime": "2025-01-06T08:00:00Z",
        "version": 3,
        "passwordRequired": True,
        **extra,
    }


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


class Sleeps(list[float]):
    """Stands in for time.sleep in the worker; looks at the run while the job "waits"."""

    def __init__(self) -> None:
        super().__init__()
        self.contexts: list[dict[str, Any]] = []
        self.heartbeats: list[Any] = []

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        run = OperationRun.objects.order_by("-id").first()
        self.contexts.append(dict(run.context) if run else {})
        self.heartbeats.append(run.heartbeat_at if run else None)


@dataclass
class GraphSync:
    """A tenant connected to Graph (respx answers), synced as a person would on a real worker.

    ``serve`` routes the list endpoints; ``run`` posts the sync page and works the queue;
    ``assert_no_secret`` looks for the client secret and the access token in every text
    column of every table, on the pages about the run and in every log line.
    """

    router: respx.MockRouter
    token_route: respx.Route
    sleeps: Sleeps
    login: Callable[[User], Client]
    operator: User
    owner: User
    work_queue: Callable[[], int]
    caplog: pytest.LogCaptureFixture

    def serve(self, url: str, *answers: httpx.Response) -> respx.Route:
        route = self.router.get(url__eq=url)
        if len(answers) == 1:
            return route.mock(return_value=answers[0])
        return route.mock(side_effect=list(answers))

    def serve_empty(self, *urls: str) -> None:
        for url in urls:
            self.serve(url, graph_page([]))

    def run(self) -> OperationRun:
        return sync_via_page(self.login, self.operator, self.work_queue)

    def snapshot(self, run: OperationRun) -> InventorySync:
        return InventorySync.objects.get(run=run)

    def assert_no_secret(self, run: OperationRun) -> None:
        needles = [SECRET, TOKEN, "ACCESS-TOKEN-BODY"]
        assert rows_containing(needles) == {}
        for text in [*self.pages(run), self.caplog.text]:
            for needle in needles:
                assert needle not in text

    def pages(self, run: OperationRun) -> list[str]:
        client = self.login(self.owner)
        return [client.get(url).content.decode() for url in _pages_about(run)]


def stored_and_shown(
    client: Client, run: OperationRun, caplog: pytest.LogCaptureFixture
) -> list[str]:
    """The rows a credential could leak to (as one JSON text), the pages about the run, the log."""
    rows = [
        *OperationRun.objects.values(),
        *RunFailure.objects.values(),
        *InventorySync.objects.values(),
        *SnapshotItem.objects.values(),
        *Notification.objects.values(),
        *TenantConnection.objects.values(),
    ]
    pages = [client.get(url).content.decode() for url in _pages_about(run)]
    return [json.dumps(rows, default=str), *pages, caplog.text]


def _pages_about(run: OperationRun) -> Iterable[str]:
    acme = {"tenant_slug": "acme"}
    yield reverse("inventory:index", kwargs=acme)
    yield reverse("inventory:connection", kwargs=acme)
    if run.context.get("snapshot_id"):
        sync = {**acme, "sync_id": run.context["snapshot_id"]}
        yield reverse("inventory:sync_detail", kwargs=sync)
    yield run_url(run)
