"""Every page of the portal (and the admin pages an office admin uses), in English and Chinese, on a phone
and on a desktop: axe-core finds no WCAG 2.2 A/AA violation, and no page is wider than a phone's screen.

One logged-in browser context per language and width visits every page in turn: the log-in is the slow part.
"""

import datetime
import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from meetings.models import Meeting, MeetingChange
from tests.e2e.helpers import PASSWORD, book

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}
PHONE, SMALL_PHONE, DESKTOP = 390, 360, 1440
LANGUAGES = {"en": "en-GB", "zh-hans": "zh-CN"}
# A page is too wide when it scrolls sideways: what a person on a phone must not have to do.
PAGE_WIDTH = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def admin_user(django_user_model, organization, app_organization):
    """Ada, a superuser and staff member of both organizations: every page is open to her."""
    user = django_user_model.objects.create_superuser("ada", password=PASSWORD)
    user.dingtalk_organizations.add(organization, app_organization)
    return user


@pytest.fixture
def history(sandbox, meeting, app_meeting, admin_user):
    """Changes of every outcome, in two time zones, with DingTalk's codes and request IDs; a canceled meeting."""
    start = meeting.starts_at
    for outcome, code, request_id, message in [
        (MeetingChange.Outcome.SUCCESS, "", "", "Saved."),
        (
            MeetingChange.Outcome.FAILED,
            "systemError",
            "5C9D1E2F-3A4B-4C5D-8E9F-0A1B2C3D4E5F",
            "DingTalk had an internal error (sandbox injected fault). Nothing was changed; try again in a minute.",
        ),
        (MeetingChange.Outcome.CONFLICT, "", "", "Not saved: someone else saved this meeting after you opened it."),
    ]:
        for booked in (meeting, app_meeting):
            MeetingChange.objects.create(
                meeting=booked,
                organization=booked.organization,
                user=admin_user,
                outcome=outcome,
                old_title=booked.title,
                new_title=booked.title + " (final)",
                old_starts_at=start,
                new_starts_at=start + datetime.timedelta(minutes=30),
                old_ends_at=booked.ends_at,
                new_ends_at=booked.ends_at + datetime.timedelta(minutes=30),
                dingtalk_code=code,
                request_id=request_id,
                http_status=500 if code else None,
                message=message,
            )
    canceled = book(
        sandbox,
        meeting.organization,
        title="Quarterly planning with the whole Berlin office",
        starts_at=start + datetime.timedelta(days=1),
    )
    Meeting.objects.filter(pk=canceled.pk).update(status=Meeting.Status.CANCELED)
    return meeting


@pytest.fixture
def signing_in(settings, sandbox, organization, admin_user):
    """Sign in with DingTalk set up (the login page offers it), one person waiting for approval and one
    approved (/people/ shows its form and its table)."""
    from django.contrib.auth.models import Group

    from accounts import services

    Group.objects.get_or_create(name="Helpdesk")  # live_server's flushes empty the roles' table
    settings.DINGTALK_LOGIN_CLIENT_ID, settings.DINGTALK_LOGIN_CLIENT_SECRET = "login-app", "login-secret"
    settings.DINGTALK_LOGIN_URL = sandbox.base_url + "/oauth2/auth"
    settings.DINGTALK_LOGIN_API_BASE = sandbox.base_url
    organization.corp_id = "ding-berlin"
    organization.save(update_fields=["corp_id"])
    services.person_sign_in(union_id="union-waiting", nick="王美 Mei", corp_id="ding-berlin")
    approved, _ = services._person_for(union_id="union-approved", nick="Anna Schmidt", corp_id="ding-berlin")
    services.person_approve(person=approved, role="helpdesk", organizations=[organization], by=admin_user)


def pages(meeting):
    """(name, how to get there) for each page a logged-in person sees."""

    def go(url):
        return lambda page: page.goto(url)

    def edit_with_errors(page):
        page.goto(reverse("meetings:edit", args=[meeting.pk]))
        page.locator("#id_title").fill("")
        page.locator("#id_end_time").fill("2027-03-15T09:00")
        with page.expect_navigation():
            page.locator("form.form button[type=submit]").click()

    def edit_into_the_past(page):  # the form asks for a confirmation (tests/conftest.py's clock: 2023)
        page.goto(reverse("meetings:edit", args=[meeting.pk]))
        page.locator("#id_start_time").fill("2022-12-01T10:00")
        page.locator("#id_end_time").fill("2022-12-01T11:00")
        with page.expect_navigation():
            page.locator("form.form button[type=submit]").click()
        assert page.locator("#id_confirm_past").count() == 1

    return [
        ("meeting list", go(reverse("meetings:list"))),
        ("edit", go(reverse("meetings:edit", args=[meeting.pk]))),
        ("edit with errors", edit_with_errors),
        ("edit into the past", edit_into_the_past),
        ("history", go(reverse("meetings:history", args=[meeting.pk]))),
        ("activity", go(reverse("meetings:activity"))),
        ("add meeting", go(reverse("meetings:add"))),
        ("people", go(reverse("people"))),
        ("not found", go(reverse("meetings:edit", args=[meeting.pk + 1000]))),
        ("admin index", go(reverse("admin:index"))),
        ("admin organization", go(reverse("admin:meetings_organization_change", args=[meeting.organization_id]))),
        ("admin meetings", go(reverse("admin:meetings_meeting_changelist"))),
        ("admin meeting changes", go(reverse("admin:meetings_meetingchange_changelist"))),
    ]


def axe_violations(page):
    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{violation['id']}: {violation['help']} at {[node['target'] for node in violation['nodes']][:5]}"
        for violation in results.response["violations"]
    ]


def log_in(page):
    page.locator("#id_username").fill("ada")
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("form[action$='/accounts/login/'] button[type=submit]").click()


def log_out(page):
    with page.expect_navigation():
        page.locator("header form[action$='/logout/'] button").click()


def visit_every_page(chromium, live_server, *, language, width, check):
    """Log in, open each page and call check(page); then log out. {page name: what check found}.

    With SCREENSHOTS=<a directory>, each page's screenshot goes there, to look at.
    """
    screenshots = os.environ.get("SCREENSHOTS")

    def check_and_keep(name):
        if screenshots:
            page.screenshot(path=f"{screenshots}/{language}-{width}-{name.replace(' ', '-')}.png", full_page=True)
        found[name] = check(page)

    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 800}, locale=LANGUAGES[language]
    )
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(30_000)
    found = {}
    try:
        page.goto(reverse("login"))
        check_and_keep("log in")
        log_in(page)
        assert page.evaluate("document.documentElement.lang") == language
        for name, open_page in pages(Meeting.objects.order_by("pk").first()):
            open_page(page)
            check_and_keep(name)
        log_out(page)
        assert page.locator(".message-success").count() == 1
        check_and_keep("logged out")
    finally:
        context.close()
    return found


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_no_wcag_violation_on_any_page(chromium, live_server, history, signing_in, language, width):
    found = visit_every_page(chromium, live_server, language=language, width=width, check=axe_violations)

    assert len(found) == 15
    failing = [f"{name}: {violation}" for name, violations in found.items() for violation in violations]
    assert failing == [], "\n".join(failing)


def page_width(page):
    return page.evaluate(PAGE_WIDTH)


@pytest.mark.parametrize("width", [SMALL_PHONE, PHONE])
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_is_wider_than_a_phone(chromium, live_server, history, signing_in, language, width):
    found = visit_every_page(chromium, live_server, language=language, width=width, check=page_width)

    assert {name: sizes for name, sizes in found.items() if sizes[0] > sizes[1]} == {}
