"""A person picks their own time zone from the header, on a desktop and on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import ViewportSize, expect

from tests.e2e.conftest import Journey

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_reader_sets_a_time_zone_from_the_header_and_returns_to_the_hub(
    journey: Journey, viewport: ViewportSize
) -> None:
    page = journey.page
    journey.sign_in("reader")
    hub = page.url
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():  # on a phone the header's tools sit behind "Menu"
        menu.click()
    page.get_by_test_id("zone-link").click()
    expect(page.get_by_role("heading", name="Your preferences")).to_be_visible()
    journey.check("preferences")

    page.get_by_label("Time zone").select_option("Asia/Tokyo")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(hub)
    expect(page.get_by_text("Saved: times are now shown in Asia/Tokyo.")).to_be_visible()
    expect(page.get_by_test_id("time-zone")).to_have_text("Asia/Tokyo")
    journey.check("hub-in-tokyo")
