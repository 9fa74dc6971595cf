"""What the browser test modules share that is not a fixture: the fix the tests type, logging in, and moving
through a page with the keyboard as a person does.

Test modules import from here, never from one another or from conftest.py (which holds the fixtures).
"""

from urllib.parse import urlsplit

from django.urls import reverse

from tests.e2e.helpers import PASSWORD

# The `meeting` fixture's title is "Design reveiw": this is the typo fixed.
FIXED = "Design review"
# What the focused element is, in words a person would use: its label, link text or button text.
FOCUSED = """() => {
  const element = document.activeElement;
  if (element.labels && element.labels.length) return element.labels[0].textContent.trim();
  return element.getAttribute("aria-label") || element.textContent.trim() || element.tagName;
}"""


def wait_for_path(page, path):
    page.wait_for_url(lambda url: urlsplit(url).path == path)


def press_and_wait_for_the_next_page(page, key):
    with page.expect_navigation():
        page.keyboard.press(key)


def log_in(page, username):
    page.goto("/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    wait_for_path(page, reverse("meetings:list"))


def tab_until(page, wanted, *, limit=25, backwards=False):
    """Press Tab until `wanted` has the focus; the focus stops on the way, each once, in order."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = page.evaluate(FOCUSED)
        if not stops or stops[-1] != focused:  # a date input's day, month, year... are one stop
            stops.append(focused)
        if focused == wanted:
            return stops
    raise AssertionError(f"{wanted!r} never got the focus; it went {stops}")


# axe-core's WCAG 2.2 A and AA rules, as the every-page suite runs them.
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page):
    """What axe-core finds wrong on the page against WCAG 2.2 A/AA: one line per rule broken."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}
    return [
        f"{violation['id']}: {violation['help']} at {[node['target'] for node in violation['nodes']][:5]}"
        for violation in Axe().run(page, options=options).response["violations"]
    ]
