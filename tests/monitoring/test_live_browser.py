"""Live progress in a real browser: htmx polls the partial, numbers change, polling stops."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from operations.models import OperationRun, RunStatus
from tests.factories import OperationRunFactory

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from pytest_django.live_server_helper import LiveServer

    from tenantatlas.models import Tenant

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("reader")
    page.get_by_label("Password").fill("pw-for-tests-1")
    page.get_by_role("button", name="Sign in").click()


def test_the_detail_page_follows_a_run_until_it_ends(
    live_server: LiveServer, page: Page, reader: User, tenant: Tenant
) -> None:
    run = OperationRunFactory.create(tenant=tenant, status=RunStatus.RUNNING, total=10, succeeded=2)
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/t/acme/monitoring/operations/{run.pk}/")
    succeeded = page.locator('[data-count="succeeded"]')
    expect(succeeded).to_have_text("2")

    OperationRun.objects.filter(pk=run.pk).update(succeeded=7)
    expect(succeeded).to_have_text("7", timeout=6000)
    OperationRun.objects.filter(pk=run.pk).update(status=RunStatus.COMPLETED, succeeded=9, failed=1)

    expect(page.get_by_test_id("bucket")).to_have_text("Partially succeeded", timeout=6000)
    expect(page.locator("[hx-trigger]")).to_have_count(0)


def test_a_list_row_follows_its_run(
    live_server: LiveServer, page: Page, reader: User, tenant: Tenant
) -> None:
    run = OperationRunFactory.create(tenant=tenant, status=RunStatus.QUEUED, total=4)
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/t/acme/monitoring/operations/")
    row = page.locator(f"#run-{run.pk}")
    expect(row.locator(".badge")).to_have_text("Queued")

    OperationRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED)

    expect(row.locator(".badge")).to_have_text("Failed", timeout=6000)
    # Settled: no timer any more (the rows only look again when the tab regains focus).
    expect(page.locator("[data-polling]")).to_have_count(0)
