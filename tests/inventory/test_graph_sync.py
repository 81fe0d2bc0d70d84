"""The whole inventory.sync job with the Microsoft Graph source behind respx.

A real RQ worker runs the job against real PostgreSQL; only HTTP is synthetic
(respx answers every request; an unrouted one fails the test) and sleeping is a
recorder, so Retry-After is checked without waiting. Every scenario ends by
asserting that neither the client secret nor the access token is stored in any
row, shown on any page or written to any log line.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
import respx
from cryptography.fernet import Fernet
from django.contrib.auth.models import User
from django.test import Client
from pytest_django.fixtures import Settings

from inventory import connections
from inventory.connections import set_secret
from inventory.models import (
    ConnectionKind,
    InventorySync,
    SyncStatus,
    TenantConnection,
)
from inventory.sources.base import TAXONOMY
from inventory.sources.graph import HINT_REJECTED_CREDENTIAL
from operations.models import OperationRun, RunFailure, StatusBucket
from tenantatlas.models import Tenant
from tests.inventory.graph_fakes import (
    CATALOG,
    CLIENT,
    COMPLIANCE,
    DEVICE_CONFIGS,
    ENTRA_TENANT,
    GROUP_POLICY,
    REQUEST_ID,
    SECRET,
    TOKEN,
    TOKEN_ENDPOINT,
    graph_error,
    graph_page,
    stored_and_shown,
    sync_via_page,
)

pytestmark = pytest.mark.django_db(transaction=True)


class Sleeps(list[float]):
    """Stands in for time.sleep; can look at the run while the job "waits"."""

    def __init__(self) -> None:
        super().__init__()
        self.contexts: list[dict[str, Any]] = []
        self.heartbeats: list[Any] = []

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        run = OperationRun.objects.order_by("-id").first()
        self.contexts.append(dict(run.context) if run else {})
        self.heartbeats.append(run.heartbeat_at if run else None)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> Sleeps:
    recorder = Sleeps()
    monkeypatch.setattr(connections, "source_for", partial(connections.source_for, sleep=recorder))
    return recorder


@pytest.fixture
def graph_tenant(tenant: Tenant, settings: Settings) -> Tenant:
    settings.CREDENTIALS_KEY = Fernet.generate_key().decode()
    tenant.entra_tenant_id = ENTRA_TENANT
    tenant.save()
    connection = TenantConnection(tenant=tenant, kind=ConnectionKind.GRAPH, client_id=CLIENT)
    set_secret(connection, SECRET)
    connection.save()
    return tenant


@pytest.fixture
def empty_types(router: respx.MockRouter) -> None:
    """The types a scenario does not use answer with no policies."""
    for url in (COMPLIANCE, CATALOG, GROUP_POLICY):
        router.get(url__eq=url).mock(return_value=graph_page([]))


def _config(n: int, **extra: Any) -> dict[str, Any]:
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


def _custom(n: int, reference: str, modified: str) -> dict[str, Any]:
    """A custom (OMA-URI) profile with an encrypted value that Graph returns masked."""
    return {
        "@odata.type": "#microsoft.graph.windows10CustomConfiguration",
        "id": f"11111111-0000-0000-0000-{n:012d}",
        "displayName": f"Windows 10 - Custom {n}",
        "lastModifiedDateTime": modified,
        "version": 7,
        "omaSettings": [
            {
                "@odata.type": "#microsoft.graph.omaSettingString",
                "displayName": "Wi-Fi PSK",
                "omaUri": "./Vendor/MSFT/WiFi/Profile/Corp/WlanXml",
                "isEncrypted": True,
                "value": "****",
                "secretReferenceValueId": reference,
            }
        ],
    }


def _assert_no_secret_anywhere(
    client: Client, caplog: pytest.LogCaptureFixture, run: OperationRun
) -> None:
    for text in stored_and_shown(client, run, caplog):
        assert SECRET not in text
        assert TOKEN not in text
        assert "ACCESS-TOKEN-BODY" not in text


@pytest.fixture(autouse=True)
def _capture_every_log_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)


def test_pages_are_followed_into_one_complete_snapshot(
    graph_tenant: Tenant,
    operator: User,
    owner: User,
    login: Callable[[User], Client],
    work_queue: Callable[[], int],
    router: respx.MockRouter,
    token_route: respx.Route,
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    page2 = f"{DEVICE_CONFIGS}?$skiptoken=Mi0yMDI1"
    router.get(url__eq=DEVICE_CONFIGS).mock(
        return_value=graph_page([_config(1), _config(2)], page2)
    )
    router.get(url__eq=page2).mock(return_value=graph_page([_config(3)]))
    router.get(url__eq=COMPLIANCE).mock(return_value=graph_page([_config(4)]))
    for url in (CATALOG, GROUP_POLICY):
        router.get(url__eq=url).mock(return_value=graph_page([]))

    run = sync_via_page(login, operator, work_queue)

    assert run.bucket == StatusBucket.SUCCEEDED
    assert (run.total, run.processed, run.succeeded, run.failed, run.skipped) == (4, 4, 4, 0, 0)
    assert run.context["source"] == "graph"
    sync = InventorySync.objects.get(run=run)
    assert (sync.status, sync.is_complete, sync.item_count) == (SyncStatus.SUCCEEDED, True, 4)
    assert token_route.call_count == 1
    assert sleeps == []
    item = sync.items.get(external_id=_config(1)["id"])
    assert item.policy.platform == "windows10"
    assert "lastModifiedDateTime" not in item.settings
    assert "@odata.type" not in item.settings
    _assert_no_secret_anywhere(login(owner), caplog, run)


def test_an_item_repeated_across_pages_is_stored_once_and_counted_skipped(
    graph_tenant: Tenant,
    operator: User,
    login: Callable[[User], Client],
    work_queue: Callable[[], int],
    router: respx.MockRouter,
    token_route: respx.Route,
    empty_types: None,
    sleeps: Sleeps,
) -> None:
    page2 = f"{DEVICE_CONFIGS}?$skiptoken=Mi0yMDI1"
    router.get(url__eq=DEVICE_CONFIGS).mock(
        return_value=graph_page([_config(1), _config(2)], page2)
    )
    router.get(url__eq=page2).mock(return_value=graph_page([_config(2), _config(3)]))

    run = sync_via_page(login, operator, work_queue)

    assert (run.total, run.succeeded, run.failed, run.skipped) == (4, 3, 0, 1)
    assert run.bucket == StatusBucket.SUCCEEDED
    sync = InventorySync.objects.get(run=run)
    assert (sync.is_complete, sync.item_count, sync.items.count()) == (True, 3, 3)


def test_volatile_fields_and_masked_secrets_do_not_change_the_hash(
    graph_tenant: Tenant,
    operator: User,
    owner: User,
    login: Callable[[User], Client],
    work_queue: Callable[[], int],
    router: respx.MockRouter,
    token_route: respx.Route,
    empty_types: None,
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    router.get(url__eq=DEVICE_CONFIGS).mock(
        side_effect=[
            graph_page([_config(1), _custom(2, "ref-aaa", "2025-01-06T08:00:00Z")]),
            graph_page(
                [
                    _config(1, lastModifiedDateTime="2025-03-01T09:30:00Z", version=4),
                    _custom(2, "ref-bbb", "2025-03-01T09:30:00Z"),
                ]
            ),
        ]
    )

    first = InventorySync.objects.get(run=sync_via_page(login, operator, work_queue))
    second_run = sync_via_page(login, operator, work_queue)
    second = InventorySync.objects.get(run=second_run)

    def hashes(sync: InventorySync) -> dict[str, str]:
        return dict(sync.items.values_list("external_id", "content_hash"))

    assert hashes(first) == hashes(second)
    custom = second.items.get(external_id=_custom(2, "", "")["id"])
    assert custom.has_masked_secrets is True
    assert "secretReferenceValueId" not in json.dumps(custom.settings)
    assert second.items.get(external_id=_config(1)["id"]).has_masked_secrets is False
    page = login(owner).get(second.get_absolute_url()).content.decode()
    assert "masked (not compared)" in page
    _assert_no_secret_anywhere(login(owner), caplog, second_run)


def test_retry_after_is_honoured_counted_and_shown_while_waiting(
    graph_tenant: Tenant,
    operator: User,
    owner: User,
    login: Callable[[User], Client],
    work_queue: Callable[[], int],
    router: respx.MockRouter,
    token_route: respx.Route,
    empty_types: None,
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    throttled = graph_error(429, "TooManyRequests", "Too many requests", **{"Retry-After": "7"})
    route = router.get(url__eq=DEVICE_CONFIGS).mock(
        side_effect=[throttled, throttled, graph_page([_config(1)])]
    )

    run = sync_via_page(login, operator, work_queue)

    assert sleeps == [7.0, 7.0]
    assert route.call_count == 3
    assert [c["waiting"] for c in sleeps.contexts] == ["waiting for Graph (retry in 7 s)"] * 2
    assert [c["retries"] for c in sleeps.contexts] == [1, 2]
    assert run.bucket == StatusBucket.SUCCEEDED
    assert run.context["retries"] == 2
    assert run.context["waiting"] == ""  # cleared once data flowed again
    assert InventorySync.objects.get(run=run).is_complete
    _assert_no_secret_anywhere(login(owner), caplog, run)


def test_a_wait_before_an_empty_answer_is_cleared_too(
    graph_tenant: Tenant,
    operator: User,
    login: Callable[[User], Client],
    work_queue: Callable[[], int],
    router: respx.MockRouter,
    token_route: respx.Route,
    sleeps: Sleeps,
) -> None:
    throttled = graph_error(503, "ServiceUnavailable", "Busy", **{"Retry-After": "2"})
    router.get(url__eq=DEVICE_CONFIGS).mock(return_value=graph_page([_config(1)]))
    router.get(url__eq=GROUP_POLICY).mock(side_effect=[throttled, graph_page([])])
    for url in (COMPLIANCE, CATALOG):
        router.get(url__eq=url).mock(return_value=graph_page([]))

    run = sync_via_page(login, operator, work_queue)

    assert sleeps == [2.0]
    assert run.bucket == StatusBucket.SUCCEEDED
    assert (run.context["waiting"], run.context["retries"]) == ("", 1)


def test_a_long_retry_after_is_waited_out_in_full_while_the_run_heartbeats(
    graph_tenant: Tenant,
    operator: User,
    login: Callable[[User], Client],
    work_queue: Callable[[], int],
    router: respx.MockRouter,
    token_route: respx.Route,
    empty_types: None,
    sleeps: Sleeps,
) -> None:
    throttled = graph_error(429, "TooManyRequests", "Slow down", **{"Retry-After": "50"})
    router.get(url__eq=DEVICE_CONFIGS).mock(side_effect=[throttled, graph_page([_config(1)])])

    run = sync_via_page(login, operator, work_queue)

    assert sleeps == [20.0, 20.0, 10.0]  # 50 s as Graph asked, never less
    beats = sleeps.heartbeats
    assert None not in beats and beats[0] < beats[1] < beats[2]  # alive between slices
    assert [c["retries"] for c in sleeps.contexts] == [1, 1, 1]  # one retry, not three
    assert run.bucket == StatusBucket.SUCCEEDED


def test_throttling_beyond_the_retries_fails_the_run_with_a_hint(
    graph_tenant: Tenant,
    operator: User,
    owner: User,
    login: Callable[[User], Client],
    work_queue: Callable[[], int],
    router: respx.MockRouter,
    token_route: respx.Route,
    empty_types: None,
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    router.get(url__eq=DEVICE_CONFIGS).mock(
        return_value=graph_error(429, "TooManyRequests", "Slow down", **{"Retry-After": "3"})
    )

    run = sync_via_page(login, operator, work_queue)

    assert sleeps == [3.0] * 4  # GraphSource's four retries, each as long as asked
    assert run.bucket == StatusBucket.FAILED
    assert run.context["retries"] == 4
    assert run.context["waiting"] == ""
    failure = RunFailure.objects.get(run=run)
    assert failure.code == "throttled"
    assert "429 TooManyRequests" in failure.message
    assert TAXONOMY["throttled"] in run.failure_reason
    sync = InventorySync.objects.get(run=run)
    assert (sync.status, sync.is_complete) == (SyncStatus.FAILED, False)
    _assert_no_secret_anywhere(login(owner), caplog, run)


def test_a_rejected_secret_fails_the_run_with_a_sanitized_hinted_entry(
    graph_tenant: Tenant,
    operator: User,
    owner: User,
    login: Callable[[User], Client],
    work_queue: Callable[[], int],
    router: respx.MockRouter,
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A hostile answer that echoes the secret back: it must not survive anywhere.
    router.post(url__eq=TOKEN_ENDPOINT).respond(
        401,
        json={
            "error": "invalid_client",
            "error_description": (
                f"AADSTS7000215: Invalid client secret provided ({SECRET}). "
                f"client_secret={SECRET}\r\nTrace ID: 0d1e2f3a"
            ),
            "error_codes": [7000215],
            "trace_id": "0d1e2f3a",
        },
    )
    graph = router.get(url__eq=DEVICE_CONFIGS)

    run = sync_via_page(login, operator, work_queue)

    assert run.bucket == StatusBucket.FAILED
    assert graph.call_count == 0
    failure = RunFailure.objects.get(run=run)
    assert failure.code == "auth_failed"
    assert "AADSTS7000215" in failure.message
    assert HINT_REJECTED_CREDENTIAL in failure.message
    assert (run.total, run.succeeded) == (0, 0)
    sync = InventorySync.objects.get(run=run)
    assert (sync.status, sync.is_complete, sync.item_count) == (SyncStatus.FAILED, False, 0)
    assert "AADSTS7000215" in caplog.text  # the worker's log was captured, and it is clean
    _assert_no_secret_anywhere(login(owner), caplog, run)


def test_a_5xx_mid_paging_fails_the_run_and_keeps_an_incomplete_snapshot(
    graph_tenant: Tenant,
    operator: User,
    owner: User,
    login: Callable[[User], Client],
    work_queue: Callable[[], int],
    router: respx.MockRouter,
    token_route: respx.Route,
    empty_types: None,
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    page2 = f"{DEVICE_CONFIGS}?$skiptoken=Mi0yMDI1"
    router.get(url__eq=DEVICE_CONFIGS).mock(
        return_value=graph_page([_config(1), _config(2)], page2)
    )
    router.get(url__eq=page2).mock(
        return_value=graph_error(503, "ServiceUnavailable", "Service is unavailable")
    )

    run = sync_via_page(login, operator, work_queue)

    assert len(sleeps) == 4  # retried with backoff before giving up
    assert run.bucket == StatusBucket.FAILED
    assert (run.total, run.succeeded, run.failed) == (2, 2, 0)
    failure = RunFailure.objects.get(run=run)
    assert failure.code == "graph_unavailable"
    assert "503 ServiceUnavailable" in failure.message
    assert REQUEST_ID in failure.message  # the support id stays
    assert TAXONOMY["graph_unavailable"] in failure.message
    sync = InventorySync.objects.get(run=run)
    assert (sync.status, sync.is_complete, sync.item_count) == (SyncStatus.FAILED, False, 2)
    assert not InventorySync.objects.for_tenant(graph_tenant).usable_for_drift().exists()
    _assert_no_secret_anywhere(login(owner), caplog, run)


def test_a_policy_whose_settings_cannot_be_read_makes_the_run_partial(
    graph_tenant: Tenant,
    operator: User,
    login: Callable[[User], Client],
    work_queue: Callable[[], int],
    router: respx.MockRouter,
    token_route: respx.Route,
    sleeps: Sleeps,
) -> None:
    base = "https://graph.microsoft.com/beta/deviceManagement/configurationPolicies"
    router.get(url__eq=DEVICE_CONFIGS).mock(return_value=graph_page([_config(1)]))
    router.get(url__eq=CATALOG).mock(
        return_value=graph_page(
            [{"id": "cat-1", "name": "Windows - Gone", "platforms": "windows10"}]
        )
    )
    router.get(url__eq=f"{base}('cat-1')/settings").mock(
        return_value=graph_error(404, "ResourceNotFound", "Not found")
    )
    for url in (COMPLIANCE, GROUP_POLICY):
        router.get(url__eq=url).mock(return_value=graph_page([]))

    run = sync_via_page(login, operator, work_queue)

    assert run.bucket == StatusBucket.PARTIALLY_SUCCEEDED
    assert (run.total, run.succeeded, run.failed) == (2, 1, 1)
    failure = RunFailure.objects.get(run=run)
    assert (failure.code, failure.item) == ("not_found", "Windows - Gone (settingsCatalog)")
    assert TAXONOMY["not_found"] in failure.message
    sync = InventorySync.objects.get(run=run)
    assert (sync.status, sync.is_complete, sync.item_count) == (SyncStatus.SUCCEEDED, False, 1)


def test_a_secret_the_key_cannot_decrypt_fails_fast_as_not_configured(
    graph_tenant: Tenant,
    operator: User,
    login: Callable[[User], Client],
    work_queue: Callable[[], int],
    router: respx.MockRouter,
    settings: Settings,
    sleeps: Sleeps,
) -> None:
    settings.CREDENTIALS_KEY = Fernet.generate_key().decode()  # the key was replaced

    run = sync_via_page(login, operator, work_queue)

    assert run.bucket == StatusBucket.FAILED
    assert RunFailure.objects.get(run=run).code == "not_configured"
    assert "cannot be decrypted" in run.failure_reason
    assert len(router.calls) == 0
