"""Browser journeys: the seeded demo, a live server, a real forking RQ worker, Debian's Chromium.

Every journey runs against ``seed_demo``'s tenants and people, with a real
worker process (``tests/support/worker.py``) on the test database and the
tests' Redis database, and its demo syncs paced (``DEMO_SYNC_SECONDS``) so
that progress can be seen moving. A ``Journey`` watches every page it opens:
no console error, no CSP violation, no horizontal scrolling; and it takes a
screenshot of each step into ``var/e2e-screenshots/`` (ignored by git).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, ViewportSize, expect

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "e2e-screenshots"
PASSWORD = "pw-for-e2e-journeys"
# Long enough to watch (12 steps of a sixth of a second, seen by polls every
# quarter second: tests/conftest.py), short enough for a suite.
PACED_SECONDS = "2"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}

# Collected on every page before its own scripts run; CSP refusals surface as
# console errors as well, this makes them impossible to miss.
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def _worker_env() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{host}/{db['NAME']}"
    env["REDIS_URL"] = settings.REDIS_URL  # already the tests' own database number
    env["DJANGO_SETTINGS_MODULE"] = "tenantatlas.settings"
    env["DEMO_SYNC_SECONDS"] = PACED_SECONDS
    env["DEMO_ENABLED"] = "1"  # the journeys sync seed_demo's tenants from the demo source
    return env


@pytest.fixture
def demo(transactional_db: Any) -> None:
    """The README's demo: contoso and fabrikam, owner / operator / reader, their history."""
    call_command("seed_demo", password=PASSWORD, stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture
def worker(demo: None) -> Iterator[subprocess.Popen[bytes]]:
    """A real forking RQ worker in its own process group, stopped (with its horse) afterwards."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/support/worker.py")],
        env=_worker_env(),
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    yield process
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@dataclass
class Journey:
    page: Page
    base: str
    name: str
    phone: bool
    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)
    steps: int = 0

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def goto(self, path: str) -> None:
        self.page.goto(self.url(path))
        self.check()

    def sign_in(self, username: str, next_path: str = "") -> None:
        self.page.goto(self.url("/accounts/login/" + (f"?next={next_path}" if next_path else "")))
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.follow(self.page.get_by_role("button", name="Sign in"))

    def nav(self, name: str) -> None:
        """Follow a header link; on a phone the links sit behind "Menu"."""
        menu = self.page.get_by_role("button", name="Menu")
        if menu.is_visible():
            menu.click()
        header = self.page.get_by_role("navigation", name="Tenant")
        self.follow(header.get_by_role("link", name=name))

    def follow(self, target: Locator, shot: str = "") -> None:
        """Click a link or submit button and check the page it leads to (not the one it left).

        Right after a click the old page still counts as loaded: checking it, or
        going Back, would race the navigation (a Back mid-navigation detached
        Chromium's page in CI).
        """
        with self.page.expect_navigation():
            target.click()
        self.check(shot)

    def check(self, shot: str = "") -> None:
        """The page fits the screen, broke no CSP rule, and (optionally) is photographed."""
        self.page.wait_for_load_state()
        width = self.page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth, location.pathname]"
        )
        assert width[0] <= width[1], f"{width[2]} scrolls sideways: {width[0]} > {width[1]} px"
        violations = self.page.evaluate("window.__cspViolations || []")
        assert violations == [], f"CSP violations on {width[2]}: {violations}"
        if shot:
            self.shot(shot)

    def shot(self, label: str) -> Path:
        self.steps += 1
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{self.name}-{self.steps:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def allow(self, pattern: str) -> None:
        """A console error this step expects (the browser logs a 403 it was meant to get)."""
        self.allowed.append(re.compile(pattern))

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not any(p.search(message.text) for p in self.allowed):
            self.errors.append(f"{self.page.url}: {message.text}")


def _journey(browser: Browser, base: str, name: str, viewport: ViewportSize) -> Iterator[Journey]:
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    context.add_init_script(CSP_WATCH)
    context.set_default_timeout(15_000)
    page = context.new_page()
    journey = Journey(page=page, base=base, name=name, phone=viewport is PHONE)
    page.on("console", journey.on_console)
    page.on("pageerror", lambda exc: journey.errors.append(f"{page.url}: {exc}"))
    try:
        yield journey
    finally:
        context.close()
    assert journey.errors == [], "console errors:\n" + "\n".join(journey.errors)


@pytest.fixture(params=["desktop", "phone"])
def viewport(request: pytest.FixtureRequest) -> ViewportSize:
    return PHONE if request.param == "phone" else DESKTOP


@pytest.fixture
def journey(
    browser: Browser, live_server: Any, worker: Any, request: pytest.FixtureRequest
) -> Iterator[Journey]:
    viewport = (
        request.getfixturevalue("viewport") if "viewport" in request.fixturenames else DESKTOP
    )
    name = re.sub(r"\W+", "-", request.node.name).strip("-")
    yield from _journey(browser, live_server.url, name, viewport)


def expect_no_polling(page: Page) -> None:
    expect(page.locator("[data-polling]")).to_have_count(0, timeout=10_000)
