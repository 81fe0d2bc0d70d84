"""What the Graph tests share: the fake tenant's ids, Graph's answers, and the leak check.

Only HTTP is synthetic (respx); the database, the queue and the worker are real.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import httpx
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from inventory.models import InventorySync, SnapshotItem, TenantConnection
from inventory.sources.graph import ENDPOINTS
from operations.models import Notification, OperationRun, RunFailure

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


def graph_page(items: list[dict[str, Any]], next_link: str | None = None) -> httpx.Response:
    body: dict[str, Any] = {"@odata.context": "https://graph.microsoft.com/...", "value": items}
    if next_link:
        body["@odata.nextLink"] = next_link
    return httpx.Response(200, json=body, headers={"request-id": REQUEST_ID})


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


def stored_and_shown(
    client: Client, run: OperationRun, caplog: pytest.LogCaptureFixture
) -> list[str]:
    """Every place a secret could leak to: the rows, the pages about the run, the log."""
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
    yield run.get_absolute_url()
