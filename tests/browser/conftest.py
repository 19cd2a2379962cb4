"""Headless Debian Chromium driven by Playwright against pytest-django's live server.

Playwright cannot download browsers here, so scripts/test.sh installs Debian's `chromium` and we launch
/usr/bin/chromium with flags that keep it off the network. Every page a test opens fails the test on any console
error or uncaught exception (a CSP violation, a 404 asset, a script error), and tests save screenshots under
tests/browser/screenshots/ (git-ignored) for a person to look at."""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.staff.builders import staff_user

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test.sh installs it (apt-get install chromium).")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


class StaffBrowser:
    """Opens pages as a given staff role and records what goes wrong in them."""

    def __init__(self, browser, live_server, test_name: str):
        self.browser = browser
        self.base_url = live_server.url
        self.test_name = re.sub(r"[^a-z0-9]+", "-", test_name.lower().removeprefix("test_")).strip("-")
        self.test_name = self.test_name.removesuffix("-chromium")
        self.contexts = []
        self.problems: list[str] = []

    def open(
        self,
        user=None,
        *,
        role: str | None = None,
        viewport: dict | None = None,
        path: str = "/staff/",
        javascript: bool = True,
    ):
        """A new page (own cookies) signed in as `user` (or a fresh user with `role`); None stays anonymous. Without
        `javascript`, the page is what the server renders (progressive enhancement's starting point)."""
        context = self.browser.new_context(
            viewport=viewport or DESKTOP, base_url=self.base_url, java_script_enabled=javascript
        )
        self.contexts.append(context)
        if user is None and role is not None:
            user = staff_user(role)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": self.base_url}])
        page = context.new_page()
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: uncaught {error}"))
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(path)
        return page

    def _console(self, page, message):
        if message.type in {"error", "warning"} and "Content-Security-Policy" in message.text:
            self.problems.append(f"{page.url}: CSP: {message.text}")
        elif message.type == "error":
            self.problems.append(f"{page.url}: console error: {message.text}")

    def check_accessibility(self, page):
        """Basic checks on the page as it is: every visible control has a label, every chart a name, one h1."""
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea')]
                .filter((el) => el.type !== 'hidden' && el.offsetParent !== null)
                .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                                && !el.getAttribute('aria-labelledby'))
                .map((el) => el.name || el.id)"""
        )
        unnamed = page.evaluate(
            """() => [...document.querySelectorAll('svg[role=img]')]
                .filter((el) => !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
                .map((el) => el.outerHTML.slice(0, 80))"""
        )
        headings = page.locator("h1").count()
        for problem, found in (("unlabelled controls", unlabelled), ("charts without a name", unnamed)):
            if found:
                self.problems.append(f"{page.url}: {problem}: {found}")
        if headings != 1:
            self.problems.append(f"{page.url}: {headings} h1 elements, expected 1")

    def screenshot(self, page, name: str, *, full_page: bool = True) -> Path:
        """Saves a screenshot (and checks the page's accessibility basics while at it)."""
        self.check_accessibility(page)
        SCREENSHOTS.mkdir(exist_ok=True)
        width = page.viewport_size["width"]
        path = SCREENSHOTS / f"{self.test_name}--{name}--{width}.png"
        if full_page:
            # From the top: a page scrolled to an anchor would show its sticky bars halfway down the capture.
            page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def staff_browser(browser, live_server, request):
    driver = StaffBrowser(browser, live_server, request.node.name)
    yield driver
    driver.close()
    assert not driver.problems, "The browser reported problems:\n" + "\n".join(driver.problems)
