"""The one Chromium every browser test drives (Debian's, as CI installs it), and how it is started."""

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage"]
MISSING = f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium); CI installs it"

# For a test that starts its own browser; tests/e2e/browser/conftest.py shares one per package.
needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=MISSING)


def launch(playwright):
    """Chromium started headless by a running `sync_playwright()`; skips the test when it is not installed."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(MISSING)
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
