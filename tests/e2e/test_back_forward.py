"""Back to the Drift page shows what is true now, not the page as it was left.

Playwright starts Chromium without its back/forward cache
(``--disable-back-forward-cache``); this test's browser has it, as a person's
has. Chromium then still refetches our pages on Back: they are ``no-store`` and
each one renews the CSRF cookie, and Chromium keeps no ``no-store`` page once a
cookie changed. Browsers that restore such a page anyway get a reload from
app.js (its ``pageshow`` handler), which the last step checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from inventory.models import InventorySync
from tests.e2e.conftest import DESKTOP, Journey, _journey

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DRIFT = "/t/contoso/drift/"


@pytest.fixture
def bfcache_browser(launch_browser: Callable[..., Browser]) -> Iterator[Browser]:
    browser = launch_browser(ignore_default_args=["--disable-back-forward-cache"])
    yield browser
    browser.close()


@pytest.fixture
def base(live_server: Any, worker: Any) -> str:
    return str(live_server.url)


def sync_now(journey: Journey) -> None:
    journey.page.get_by_role("button", name="Sync now").click()
    expect(journey.page.get_by_test_id("bucket")).to_have_text("Succeeded", timeout=30_000)


def test_back_to_drift_shows_the_run_started_and_a_sync_made_since(
    bfcache_browser: Browser, base: str
) -> None:
    for journey in _journey(bfcache_browser, base, "drift-back", DESKTOP):
        page = journey.page
        journey.sign_in("operator")
        journey.nav("Inventory")
        sync_now(journey)  # a fresh snapshot: the latest pair has no drift run yet

        # Generate, then Back: the pair shows the run it started.
        journey.nav("Drift")
        scope = page.get_by_test_id("scope").filter(has_text="Not generated yet").first
        pair = page.locator(
            f'[data-testid=scope][data-scope="{scope.get_attribute("data-scope")}"]'
        )
        journey.check("drift-before")
        pair.get_by_role("button", name="Generate drift").click()
        expect(page).to_have_url(re.compile(r"/monitoring/operations/\d+/$"))
        run_id = page.url.rstrip("/").rsplit("/", 1)[1]
        expect(page.get_by_test_id("bucket")).to_have_text("Succeeded", timeout=20_000)
        page.go_back()
        expect(page).to_have_url(journey.url(DRIFT))
        expect(pair.get_by_role("link", name=f"Run #{run_id}", exact=True)).to_be_visible()
        expect(pair).not_to_contain_text("Not generated yet")
        journey.check("drift-after-generate-back")

        # Leave by a link; a colleague syncs meanwhile; Back: the new snapshot.
        journey.nav("Inventory")
        for colleague in _journey(bfcache_browser, base, "drift-back-colleague", DESKTOP):
            colleague.sign_in("owner", next_path="/t/contoso/inventory/")
            sync_now(colleague)
        newest = InventorySync.objects.latest("pk").pk
        page.go_back()
        expect(page).to_have_url(journey.url(DRIFT))
        expect(pair.get_by_role("link", name=f"Snapshot #{newest}", exact=True)).to_be_visible()
        expect(pair).to_contain_text("Not generated yet")  # the new pair's
        journey.check("drift-after-link-back")

        # A browser that restores the kept page says so (pageshow, persisted): app.js reloads.
        page.evaluate("window.__kept = true")
        with page.expect_navigation():
            page.evaluate(
                "window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))"
            )
        assert page.evaluate("window.__kept === undefined"), "the restored page was not reloaded"
        expect(page).to_have_url(journey.url(DRIFT))
