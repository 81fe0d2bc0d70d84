"""The whole inventory.sync job with the Microsoft Graph source behind respx.

A real RQ worker runs the job against real PostgreSQL; only HTTP is synthetic
(respx answers every request; an unrouted one fails the test) and sleeping is a
recorder, so Retry-After is checked without waiting. Scenarios end by asserting
that neither the client secret nor the access token is in any text column of any
table, on any page about the run or in any log line (``GraphSync.assert_no_secret``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.fernet import Fernet
from pytest_django.fixtures import Settings

from inventory.models import InventorySync, SyncStatus
from inventory.sources.base import TAXONOMY
from inventory.sources.graph import CATALOG_SETTINGS_URL, HINT_REJECTED_CREDENTIAL
from operations.models import RunFailure, StatusBucket
from tests.inventory.graph_fakes import (
    CATALOG,
    COMPLIANCE,
    DEVICE_CONFIGS,
    GROUP_POLICY,
    REQUEST_ID,
    SECRET,
    TOKEN_ENDPOINT,
    GraphSync,
    graph_error,
    graph_page,
    route_batch,
)
from tests.inventory.graph_fakes import windows_config as _config

pytestmark = pytest.mark.django_db(transaction=True)
PAGE2 = f"{DEVICE_CONFIGS}?$skiptoken=Mi0yMDI1"


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


def test_pages_are_followed_into_one_complete_snapshot(graph: GraphSync) -> None:
    graph.serve(DEVICE_CONFIGS, graph_page([_config(1), _config(2)], PAGE2))
    graph.serve(PAGE2, graph_page([_config(3)]))
    graph.serve(COMPLIANCE, graph_page([_config(4)]))
    graph.serve_empty(CATALOG, GROUP_POLICY)

    run = graph.run()

    assert run.bucket == StatusBucket.SUCCEEDED
    assert (run.total, run.processed, run.succeeded, run.failed, run.skipped) == (4, 4, 4, 0, 0)
    assert run.context["source"] == "graph"
    sync = graph.snapshot(run)
    assert (sync.status, sync.is_complete, sync.item_count) == (SyncStatus.SUCCEEDED, True, 4)
    assert graph.token_route.call_count == 1
    assert graph.sleeps == []
    item = sync.items.get(external_id=_config(1)["id"])
    assert item.policy.platform == "windows10"
    assert "lastModifiedDateTime" not in item.settings
    assert "@odata.type" not in item.settings
    graph.assert_no_secret(run)


def test_an_item_repeated_across_pages_is_stored_once_and_counted_skipped(graph: GraphSync) -> None:
    graph.serve(DEVICE_CONFIGS, graph_page([_config(1), _config(2)], PAGE2))
    graph.serve(PAGE2, graph_page([_config(2), _config(3)]))
    graph.serve_empty(COMPLIANCE, CATALOG, GROUP_POLICY)

    run = graph.run()

    assert (run.total, run.succeeded, run.failed, run.skipped) == (4, 3, 0, 1)
    assert run.bucket == StatusBucket.SUCCEEDED
    sync = graph.snapshot(run)
    assert (sync.is_complete, sync.item_count, sync.items.count()) == (True, 3, 3)


def test_volatile_fields_and_masked_secrets_do_not_change_the_hash(graph: GraphSync) -> None:
    graph.serve(
        DEVICE_CONFIGS,
        graph_page([_config(1), _custom(2, "ref-aaa", "2025-01-06T08:00:00Z")]),
        graph_page(
            [
                _config(1, lastModifiedDateTime="2025-03-01T09:30:00Z", version=4),
                _custom(2, "ref-bbb", "2025-03-01T09:30:00Z"),
            ]
        ),
    )
    graph.serve_empty(COMPLIANCE, CATALOG, GROUP_POLICY)

    first = graph.snapshot(graph.run())
    second_run = graph.run()
    second = graph.snapshot(second_run)

    def hashes(sync: InventorySync) -> dict[str, str]:
        return dict(sync.items.values_list("external_id", "content_hash"))

    assert hashes(first) == hashes(second)
    custom = second.items.get(external_id=_custom(2, "", "")["id"])
    assert custom.has_masked_secrets is True
    assert "secretReferenceValueId" not in json.dumps(custom.settings)
    assert second.items.get(external_id=_config(1)["id"]).has_masked_secrets is False
    page = graph.login(graph.owner).get(second.get_absolute_url()).content.decode()
    assert "masked (not compared)" in page
    graph.assert_no_secret(second_run)


def test_retry_after_is_honoured_counted_and_shown_while_waiting(graph: GraphSync) -> None:
    throttled = graph_error(429, "TooManyRequests", "Too many requests", **{"Retry-After": "7"})
    route = graph.serve(DEVICE_CONFIGS, throttled, throttled, graph_page([_config(1)]))
    graph.serve_empty(COMPLIANCE, CATALOG, GROUP_POLICY)

    run = graph.run()

    assert graph.sleeps == [7.0, 7.0]
    assert route.call_count == 3
    contexts = graph.sleeps.contexts
    assert [c["waiting"] for c in contexts] == ["waiting for Graph (retry in 7 s)"] * 2
    assert [c["retries"] for c in contexts] == [1, 2]
    assert run.bucket == StatusBucket.SUCCEEDED
    assert run.context["retries"] == 2
    assert run.context["waiting"] == ""  # cleared once data flowed again
    assert graph.snapshot(run).is_complete
    graph.assert_no_secret(run)


def test_a_wait_before_an_empty_answer_is_cleared_too(graph: GraphSync) -> None:
    throttled = graph_error(503, "ServiceUnavailable", "Busy", **{"Retry-After": "2"})
    graph.serve(DEVICE_CONFIGS, graph_page([_config(1)]))
    graph.serve(GROUP_POLICY, throttled, graph_page([]))
    graph.serve_empty(COMPLIANCE, CATALOG)

    run = graph.run()

    assert graph.sleeps == [2.0]
    assert run.bucket == StatusBucket.SUCCEEDED
    assert (run.context["waiting"], run.context["retries"]) == ("", 1)


def test_a_long_retry_after_is_waited_out_in_full_while_the_run_heartbeats(
    graph: GraphSync,
) -> None:
    throttled = graph_error(429, "TooManyRequests", "Slow down", **{"Retry-After": "50"})
    graph.serve(DEVICE_CONFIGS, throttled, graph_page([_config(1)]))
    graph.serve_empty(COMPLIANCE, CATALOG, GROUP_POLICY)

    run = graph.run()

    assert graph.sleeps == [20.0, 20.0, 10.0]  # 50 s as Graph asked, never less
    beats = graph.sleeps.heartbeats
    assert None not in beats and beats[0] < beats[1] < beats[2]  # alive between slices
    assert [c["retries"] for c in graph.sleeps.contexts] == [1, 1, 1]  # one retry, not three
    assert run.bucket == StatusBucket.SUCCEEDED


def test_throttling_beyond_the_retries_fails_the_run_with_a_hint(graph: GraphSync) -> None:
    graph.serve(
        DEVICE_CONFIGS,
        graph_error(429, "TooManyRequests", "Slow down", **{"Retry-After": "3"}),
    )

    run = graph.run()

    assert graph.sleeps == [3.0] * 4  # GraphSource's four retries, each as long as asked
    assert run.bucket == StatusBucket.FAILED
    assert run.context["retries"] == 4
    assert run.context["waiting"] == ""
    failure = RunFailure.objects.get(run=run)
    assert failure.code == "throttled"
    assert "429 TooManyRequests" in failure.message
    assert TAXONOMY["throttled"] in run.failure_reason
    sync = graph.snapshot(run)
    assert (sync.status, sync.is_complete) == (SyncStatus.FAILED, False)
    graph.assert_no_secret(run)


def test_a_rejected_secret_fails_the_run_with_a_sanitized_hinted_entry(graph: GraphSync) -> None:
    # A hostile answer that echoes the secret back: it must not survive anywhere.
    graph.router.post(url__eq=TOKEN_ENDPOINT).respond(
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
    listing = graph.router.get(url__eq=DEVICE_CONFIGS)

    run = graph.run()

    assert run.bucket == StatusBucket.FAILED
    assert listing.call_count == 0
    failure = RunFailure.objects.get(run=run)
    assert failure.code == "auth_failed"
    assert "AADSTS7000215" in failure.message
    assert HINT_REJECTED_CREDENTIAL in failure.message
    assert (run.total, run.succeeded) == (0, 0)
    sync = graph.snapshot(run)
    assert (sync.status, sync.is_complete, sync.item_count) == (SyncStatus.FAILED, False, 0)
    assert "AADSTS7000215" in graph.caplog.text  # the worker's log was captured, and it is clean
    graph.assert_no_secret(run)


def test_a_5xx_mid_paging_fails_the_run_with_an_empty_failed_snapshot(graph: GraphSync) -> None:
    graph.serve(DEVICE_CONFIGS, graph_page([_config(1), _config(2)], PAGE2))
    graph.serve(PAGE2, graph_error(503, "ServiceUnavailable", "Service is unavailable"))

    run = graph.run()

    assert len(graph.sleeps) == 4  # retried with backoff before giving up
    assert run.bucket == StatusBucket.FAILED
    # Every list page is read before the first is stored (the group names of the whole
    # sync come in one call): a listing that breaks off stores nothing.
    assert (run.total, run.succeeded, run.failed) == (0, 0, 0)
    failure = RunFailure.objects.get(run=run)
    assert failure.code == "graph_unavailable"
    assert "503 ServiceUnavailable" in failure.message
    assert REQUEST_ID in failure.message  # the support id stays
    assert TAXONOMY["graph_unavailable"] in failure.message
    sync = graph.snapshot(run)
    assert (sync.status, sync.is_complete, sync.item_count) == (SyncStatus.FAILED, False, 0)
    assert not InventorySync.objects.for_tenant(run.tenant).usable_for_drift().exists()
    graph.assert_no_secret(run)


def test_a_policy_whose_settings_cannot_be_read_makes_the_run_partial(graph: GraphSync) -> None:
    graph.serve(DEVICE_CONFIGS, graph_page([_config(1)]))
    gone = {"id": "cat-1", "name": "Windows - Gone", "platforms": "windows10"}
    graph.serve(CATALOG, graph_page([gone]))
    route_batch(graph.router, {})  # the batch answers 404 for it; so does the request of its own
    graph.serve(
        CATALOG_SETTINGS_URL.format(id="cat-1"),
        graph_error(404, "ResourceNotFound", "Not found"),
    )
    graph.serve_empty(COMPLIANCE, GROUP_POLICY)

    run = graph.run()

    assert run.bucket == StatusBucket.PARTIALLY_SUCCEEDED
    assert (run.total, run.succeeded, run.failed) == (2, 1, 1)
    failure = RunFailure.objects.get(run=run)
    assert (failure.code, failure.item) == ("not_found", "Windows - Gone (settingsCatalog)")
    assert TAXONOMY["not_found"] in failure.message
    sync = graph.snapshot(run)
    assert (sync.status, sync.is_complete, sync.item_count) == (SyncStatus.SUCCEEDED, False, 1)


def test_a_secret_the_key_cannot_decrypt_fails_fast_as_not_configured(
    graph: GraphSync, settings: Settings
) -> None:
    settings.CREDENTIALS_KEY = Fernet.generate_key().decode()  # the key was replaced

    run = graph.run()

    assert run.bucket == StatusBucket.FAILED
    assert RunFailure.objects.get(run=run).code == "not_configured"
    assert "cannot be decrypted" in run.failure_reason
    assert len(graph.router.calls) == 0
