"""A failure whose hint asks for the request id shows the id the entry kept."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from inventory.sources.base import TAXONOMY
from operations.errors import with_hint
from operations.models import OperationRun, RunFailure, RunStatus
from tests.factories import OperationRunFactory

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from django.test import Client

    from tenantatlas.models import Tenant

REQUEST_ID = "5e1f2a3b-aaaa-bbbb-cccc-0123456789ab"
CLIENT_ID = "0f9e8d7c-1111-2222-3333-444455556666"


def stored(run: OperationRun, code: str, message: str) -> RunFailure:
    # The real store path: the lifecycle appends the taxonomy hint, the model sanitizes.
    failure = RunFailure.sanitized(run, code=code, message=with_hint(message, TAXONOMY[code]))
    failure.save()
    return failure


def request_id_lines(body: str) -> list[str]:
    found = re.findall(r'data-testid="request-id">(.*?)</span>', body)
    return [re.sub(r"<[^>]+>", "", line) for line in found]


def test_the_hint_asking_for_a_request_id_shows_that_id(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    run = OperationRunFactory.create(tenant=tenant, status=RunStatus.COMPLETED, failed=1)
    stored(
        run, "bad_response",
        f"Graph answer unreadable (request-id: {REQUEST_ID}, client-request-id: {CLIENT_ID})",
    )  # fmt: skip

    body = login(reader).get(f"/t/acme/monitoring/operations/{run.pk}/").content.decode()

    assert "report it with the request id" in body
    assert request_id_lines(body) == [
        f"Id to report: request-id {REQUEST_ID}, client-request-id {CLIENT_ID}"
    ]


def test_the_hint_says_so_when_no_id_was_kept(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    run = OperationRunFactory.create(tenant=tenant, status=RunStatus.COMPLETED, failed=1)
    stored(run, "bad_response", "Graph answer unreadable")

    body = login(reader).get(f"/t/acme/monitoring/operations/{run.pk}/").content.decode()

    assert request_id_lines(body) == ["Microsoft Graph returned no request id for this entry."]


def test_hints_that_ask_for_no_id_add_nothing(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    run = OperationRunFactory.create(tenant=tenant, status=RunStatus.COMPLETED, failed=1)
    stored(run, "throttled", f"Too many requests (request-id: {REQUEST_ID})")

    body = login(reader).get(f"/t/acme/monitoring/operations/{run.pk}/").content.decode()

    assert REQUEST_ID in body  # the message keeps it…
    assert request_id_lines(body) == []  # …but no hint asked for it


def test_a_whole_run_failure_reason_shows_the_id_too(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    reason = with_hint(
        f"Graph answer unreadable (request-id: {REQUEST_ID})", TAXONOMY["bad_response"]
    )
    run = OperationRunFactory.create(tenant=tenant, status=RunStatus.FAILED, failure_reason=reason)

    body = login(reader).get(f"/t/acme/monitoring/operations/{run.pk}/").content.decode()

    assert request_id_lines(body) == [f"Id to report: request-id {REQUEST_ID}"]
