"""A real Chromium (Debian's) driven by Playwright's sync API, against live_server and the sandbox.

One browser for all the tests of this package; each test gets a fresh context (cookies, storage). The
browser is closed when the package's tests end, not at the end of the session: while Playwright's sync
API is running it holds an event loop in this thread, and another test that starts Playwright (or that
uses the ORM without the flag below) would fail.
"""

import pytest

from tests.chromium import launch

VIEWPORT = {"width": 1100, "height": 760}


@pytest.fixture(scope="package")
def chromium():
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        # Playwright's event loop runs in this thread, so Django takes every ORM call the test makes here for
        # one from async code and refuses it. The calls are synchronous all the same; only these tests say so.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = launch(playwright)
            yield browser
            browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(30_000)  # a bound for a busy machine; each wait ends at its event
    yield page
    context.close()
