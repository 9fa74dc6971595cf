"""The Content-Security-Policy in a real Chromium: the admin's scripts still run, and nothing is blocked."""

import pytest
from django.urls import reverse

from meetings.models import Meeting
from tests.chromium import launch, needs_chromium

pytestmark = pytest.mark.browser

# Runs before any page script and is not itself subject to the page's policy.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@needs_chromium
def test_the_admin_runs_its_scripts_with_no_violation(live_server, django_user_model, meeting):
    from playwright.sync_api import sync_playwright

    django_user_model.objects.create_superuser("root", password="a long browser password")
    organization_change = reverse("admin:meetings_organization_change", args=[meeting.organization.pk])
    pages = [
        reverse("admin:meetings_meeting_changelist"),
        reverse("admin:meetings_meeting_change", args=[meeting.pk]),
        organization_change,
        reverse("admin:auth_user_add"),
        reverse("meetings:list"),
        reverse("meetings:edit", args=[meeting.pk]),
    ]
    violations, console_errors = {}, []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))

        page.goto(live_server.url + reverse("admin:login"))
        page.fill("#id_username", "root")
        page.fill("#id_password", "a long browser password")
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")

        for url in pages:
            response = page.goto(live_server.url + url)
            assert response.status == 200, url
            assert "'unsafe-inline'" not in response.headers["content-security-policy"]
            found = page.evaluate("window.__cspViolations")
            if found:
                violations[url] = found
            if url == organization_change:
                # SelectFilter2.js builds the two-box widget for `members`: proof the admin's JS ran.
                assert page.locator("#id_members_from").count() == 1
            if url == reverse("admin:meetings_meeting_changelist"):
                # actions.js wires the "select all" checkbox.
                page.check("#action-toggle")
                assert page.locator("input.action-select").first.is_checked()
        browser.close()

    assert violations == {}
    assert [error for error in console_errors if "Content Security Policy" in error] == []
    assert Meeting.objects.count() == 1
