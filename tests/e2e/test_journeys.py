"""The product as people use it: operator, reader, owner, two tenants, and the operator on a phone.

Each journey signs in as one of ``seed_demo``'s people and goes through the
pages a person would, with a real worker finishing the runs. The Journey
(conftest.py) fails the test on any console error or CSP violation, and on
any page that scrolls sideways.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from operations.models import Notification, OperationRun
from tests.e2e.conftest import Journey, expect_no_polling

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def watch_progress(page: Page, timeout: float = 40.0) -> list[tuple[str, int, int]]:
    """(bucket, processed, total) as the detail page shows them, until the run has ended."""
    samples: list[tuple[str, int, int]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        bucket, processed, total = page.evaluate(
            """[document.querySelector('[data-testid=bucket]').textContent,
                document.querySelector('[data-count=processed]').textContent,
                document.querySelector('[data-count=total]').textContent]"""
        )
        sample = (bucket.strip(), int(processed.replace(",", "")), int(total.replace(",", "")))
        if not samples or samples[-1] != sample:
            samples.append(sample)
        if sample[0] not in ("Queued", "Running"):
            return samples
        page.wait_for_timeout(150)
    raise AssertionError(f"the run did not end in {timeout} s: {samples}")


def unread(page: Page) -> int:
    count = page.get_by_test_id("unread-count")
    return int(count.text_content() or 0) if count.count() else 0


def test_operator_syncs_watches_progress_generates_drift_and_follows_a_notification(
    journey: Journey, viewport: Any
) -> None:
    page = journey.page
    journey.sign_in("operator")
    expect(page.get_by_role("heading", name="Operations")).to_be_visible()
    journey.check("hub")

    # Nothing unread yet is no badge at all, not a red "0".
    page.goto(journey.url("/t/contoso/notifications/"))
    if page.get_by_role("button", name="Mark all read").count():
        page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_test_id("unread-count")).to_have_count(0)

    journey.nav("Inventory")
    page.get_by_role("button", name="Sync now").click()
    expect(page).to_have_url(re.compile(r"/monitoring/operations/\d+/$"))
    page.evaluate("window.__sameDocument = true")  # gone if anything reloads the page
    samples = watch_progress(page)
    running = [s for s in samples if s[0] == "Running"]
    assert any(0 < processed < total for _, processed, total in running), samples
    assert len({processed for _, processed, _ in running}) >= 2, f"progress never moved: {samples}"
    assert samples[-1][0] == "Succeeded", samples
    assert page.evaluate("window.__sameDocument === true"), "the detail page reloaded"
    expect(page.get_by_test_id("percent")).not_to_contain_text("%")  # an outcome, not a share
    expect(page.get_by_test_id("related").get_by_role("link", name="Snapshot")).to_be_visible()
    expect_no_polling(page)
    # The run's one notification became unread when it finished: the bell rose by itself.
    expect(page.get_by_test_id("unread-count")).to_have_text("1", timeout=10_000)
    assert page.evaluate("window.__sameDocument === true")
    journey.check("sync-finished")

    # Sync again, this time shot while it runs (the README's "run detail while running").
    journey.nav("Inventory")
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_test_id("bucket")).to_have_text("Running", timeout=15_000)
    expect(page.locator("[data-count=processed]")).not_to_have_text("0", timeout=10_000)
    journey.check("sync-running")
    assert watch_progress(page)[-1][0] == "Succeeded"

    journey.nav("Drift")
    journey.check("drift")
    page.get_by_test_id("generate").first.get_by_role("button", name="Generate drift").click()
    expect(page.get_by_test_id("bucket")).to_have_text("Succeeded", timeout=20_000)
    expect(page.get_by_test_id("counts")).to_contain_text("Findings")
    expect(page.get_by_test_id("context")).to_contain_text("Baseline snapshot id")
    expect(page.get_by_test_id("unread-count")).to_have_text("3", timeout=10_000)
    journey.check("drift-run")

    # The bell → the inbox → "View run", a real link that marks the notice read.
    journey.follow(page.locator("#bell"), "notifications")
    # Newest first: this run's one notification (the seeded history has older ones).
    drift_notice = page.get_by_test_id("notifications").locator("tbody tr").first
    expect(drift_notice).to_contain_text("Drift generation succeeded")
    expect(drift_notice).to_have_class("unread")
    view = drift_notice.get_by_role("link", name="View run")
    assert "/open/" in (view.get_attribute("href") or "")
    view.click()
    expect(page.get_by_role("heading", name="Drift generation")).to_be_visible()
    expect(page.get_by_test_id("unread-count")).to_have_text("2")

    related = page.get_by_test_id("related")
    journey.follow(related.get_by_role("link", name="Drift findings"), "findings")
    modified = page.get_by_test_id("finding").filter(has_text="Modified").first
    expect(modified.locator("tbody tr").first).to_contain_text("→")
    journey.check("findings-detail")
    assert Notification.objects.filter(user__username="operator", run__isnull=False).count() == (
        OperationRun.objects.filter(notifications__user__username="operator").distinct().count()
    )


def test_reader_filters_the_hub_goes_back_and_forth_and_cannot_start(journey: Journey) -> None:
    page = journey.page
    journey.sign_in("reader")
    filters = page.get_by_test_id("filters")
    filters.locator("[name=run_type]").select_option("inventory.sync")
    filters.locator("[name=status_bucket]").select_option("failed")
    filters.locator("[name=range]").select_option("7d")
    filters.get_by_role("button", name="Apply").click()
    for part in ("run_type=inventory.sync", "status_bucket=failed", "range=7d"):
        expect(page).to_have_url(re.compile(re.escape(part)))
    journey.check("filtered")
    rows = page.locator("#run-rows tr[data-run]")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".badge")).to_have_text("Failed")

    filters.locator("[name=range]").select_option("30d")
    filters.get_by_role("button", name="Apply").click()
    # Back only once the new page has loaded: going back while the 30-day
    # page is still committing detaches Chromium's page (a flake CI met).
    page.wait_for_url(re.compile(r"range=30d"), wait_until="load")
    page.go_back()
    expect(filters.locator("[name=range]")).to_have_value("7d")
    expect(filters.locator("[name=status_bucket]")).to_have_value("failed")
    page.go_forward()
    expect(filters.locator("[name=range]")).to_have_value("30d")

    rows.first.get_by_role("link").first.click()
    failures = page.get_by_test_id("failures")
    expect(failures.locator("tbody tr")).to_have_count(1)
    expect(failures).to_contain_text("not configured")
    journey.check("failed-run")

    journey.nav("Inventory")
    expect(page.get_by_role("button", name="Sync now")).to_be_disabled()
    expect(page.get_by_test_id("read-only")).to_contain_text("Read-only role")
    journey.nav("Drift")
    expect(page.get_by_role("button", name="Generate drift").first).to_be_disabled()
    journey.check("read-only")

    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    forged = page.request.post(
        journey.url("/t/contoso/inventory/sync/"),
        headers={"X-CSRFToken": token, "Referer": journey.url("/t/contoso/inventory/")},
    )
    assert forged.status == 403
    assert not OperationRun.objects.filter(initiated_by__username="reader").exists()


def test_owner_backs_up_policies_with_one_failing_and_exports_the_set(journey: Journey) -> None:
    page = journey.page
    journey.sign_in("owner")
    page.get_by_role("link", name="Contoso").click()
    journey.nav("Backups")
    page.get_by_label("Name").fill("Before the audit")
    journey.follow(page.get_by_role("button", name="Create"), "set-created")

    page.get_by_role("link", name="Add policies").click()
    page.locator("select[name=policy_type]").select_option("settingsCatalog")
    journey.follow(page.get_by_role("button", name="Filter", exact=True), "add-policies")
    # Fresh from the demo source, which has moved on since the snapshot: a
    # policy it no longer lists fails, the rest are captured.
    bulk = page.locator("form").filter(has_text="filtered")
    bulk.get_by_label("read fresh from the policy source").check()
    bulk.get_by_role("button", name="Add all").click()
    expect(page.get_by_test_id("bucket")).to_have_text("Partially succeeded", timeout=30_000)
    failures = page.get_by_test_id("failures").locator("tbody tr")
    expect(failures.first).to_contain_text("policy_vanished")
    journey.check("partial-run")

    page.get_by_test_id("related").get_by_role("link").first.click()
    expect(page.locator("a[href*='/monitoring/operations/']").first).to_be_visible()
    journey.check("set-with-run")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export").click()
    assert download.value.suggested_filename.endswith(".zip")


def test_owner_switches_tenant_and_keeps_the_section_operator_is_refused_the_other(
    journey: Journey, browser: Any
) -> None:
    page = journey.page
    journey.sign_in("owner")
    page.get_by_role("link", name="Contoso").click()
    journey.nav("Drift")
    page.get_by_label("Switch tenant").select_option(label="Fabrikam Inc")
    expect(page).to_have_url(journey.url("/t/fabrikam/drift/"))
    journey.check("switched")

    # The tenant owner is no staff member: /admin/ is for the separate staff account.
    journey.goto("/admin/")
    expect(page.get_by_text("not authorized to access this page")).to_be_visible()
    page.context.clear_cookies()
    journey.sign_in("admin", next_path="/admin/")
    # The admin and the django-rq dashboard keep working under their CSP.
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    journey.goto("/admin/django_rq/dashboard/")
    expect(page.get_by_text("default").first).to_be_visible()
    journey.check("rq-dashboard")

    page.context.clear_cookies()
    journey.sign_in("operator")
    journey.allow(r"status of 403")  # the browser logs the refusal it was meant to get
    response = page.goto(journey.url("/t/fabrikam/monitoring/operations/"))
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="No access")).to_be_visible()
    journey.check("refused")
